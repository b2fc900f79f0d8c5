"""What the engine returns: metric blocks and the capital ledger, as plain arrays.

The core never builds tables or files; the store layer turns a :class:`Trajectory`
into an ``xarray.Dataset`` and Parquet. Money in the ledger is integer RMB thousand
(``amount``); metric values are float64 in the catalogue's units (RMB bn, fractions,
counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TAGS = ("input", "calibrated", "predicted")


@dataclass(frozen=True)
class MetricBlock:
    """One catalogue metric over (replicate, year, entity).

    Parameters
    ----------
    metric : str
        Stable catalogue name, e.g. ``"self_sufficiency"``.
    entities : tuple of str
        Entity labels, e.g. ``("lithography", "lithography:mature", ...)``.
    values : ndarray, float64, shape (R, Y, E)
        Values in the metric's unit.
    tag : str
        ``input`` (passes a scenario number through), ``calibrated`` or ``predicted``.
    unit : str
        Unit label, e.g. ``"RMB bn"`` or ``"fraction"``.
    """

    metric: str
    entities: tuple[str, ...]
    values: np.ndarray
    tag: str
    unit: str


@dataclass(frozen=True)
class Ledger:
    """One row per flow of capital reaching a firm.

    All arrays have the same length L. ``amount`` is int64 RMB thousand (exact);
    categorical columns are small-integer codes into the ``*_names`` tuples.
    """

    replicate: np.ndarray  # int32 (L,)
    year: np.ndarray  # int32 (L,)
    payer: np.ndarray  # int16 (L,) -> payer_names
    fund: np.ndarray  # int16 (L,) -> fund_names
    instrument: np.ndarray  # int8 (L,) -> instrument_names
    node: np.ndarray  # int16 (L,) -> node_names
    firm_id: np.ndarray  # int64 (L,)
    amount: np.ndarray  # int64 (L,) RMB thousand
    payer_names: tuple[str, ...] = ()
    fund_names: tuple[str, ...] = ()
    instrument_names: tuple[str, ...] = ()
    node_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.amount.shape[0])


@dataclass(frozen=True)
class Trajectory:
    """Everything one engine call produced.

    ``replicates`` holds the replicate ids (not positions), so a replicate run
    alone and in a batch carries the same id. ``firms`` optionally holds the
    final firm arrays (id, node, ownership, alive, ...) for inspection.
    """

    years: np.ndarray  # int (Y,)
    replicates: np.ndarray  # int (R,)
    metrics: tuple[MetricBlock, ...]
    ledger: Ledger
    firms: dict[str, np.ndarray] = field(default_factory=dict)

    def metric(self, name: str) -> MetricBlock:
        for block in self.metrics:
            if block.metric == name:
                return block
        raise KeyError(name)

    def value(self, name: str, entity: str) -> np.ndarray:
        """Values of one metric and entity, shape (R, Y)."""
        block = self.metric(name)
        return block.values[:, :, block.entities.index(entity)]
