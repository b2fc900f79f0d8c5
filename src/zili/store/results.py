"""Results in memory: the engine's :class:`~zili.model.trajectory.Trajectory` as tables.

This module turns metric blocks into one ``xarray.Dataset`` over (replicate, year,
series) and the capital ledger into a pandas frame, and back again from the Parquet
files of a stored run. Everything is vectorised; no Python loop runs over rows.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xarray as xr

from zili.model.trajectory import Ledger, Trajectory

from .catalogue import git_hash, new_run_id, zili_version

SEP = "|"
FRAME_COLUMNS = ("scenario", "replicate", "draw", "year", "metric", "entity", "value", "tag")
LEDGER_COLUMNS = (
    "scenario",
    "replicate",
    "draw",
    "year",
    "payer",
    "fund",
    "instrument",
    "node",
    "firm_id",
    "amount_rmb_bn",
)
# Key under which metrics.parquet keeps what the long frame cannot carry: series
# order, units and the Dataset attrs, so a stored run rebuilds bit-identically.
PARQUET_META_KEY = b"zili.dataset"
RMB_THOUSAND_PER_BN = 1_000_000


def _str_dtype() -> Any:
    """The pandas string dtype used for text columns (``"str"`` in pandas >= 3)."""
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    except TypeError:  # pandas < 2.3 has no na_value; fall back to object strings
        return object


_STR = _str_dtype()


def _repeat_labels(labels: np.ndarray, index: np.ndarray) -> pd.Series:
    """Take ``labels[index]`` as a string Series without building Python objects per row."""
    taken = pa.array(np.asarray(labels, dtype=str)).take(pa.array(index, type=pa.int64()))
    if _STR is object:
        return pd.Series(taken.to_pandas(), dtype=object)
    return pd.Series(taken, dtype=_STR)


def _jsonable(value: Any) -> Any:
    """Convert NumPy scalars and arrays (and containers of them) to JSON-able Python."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (_dt.datetime, _dt.date, Path)):
        return str(value)
    return value


# --------------------------------------------------------------------------- Dataset


def _series_coords(traj: Trajectory) -> dict[str, np.ndarray]:
    """Per-series labels (series, metric, entity, tag, unit), in block order."""
    counts = np.array([len(b.entities) for b in traj.metrics], dtype=np.int64)
    entity = np.array([e for b in traj.metrics for e in b.entities], dtype=str)
    per_block = {
        "metric": np.array([b.metric for b in traj.metrics], dtype=str),
        "tag": np.array([b.tag for b in traj.metrics], dtype=str),
        "unit": np.array([b.unit for b in traj.metrics], dtype=str),
    }
    coords = {k: np.repeat(v, counts) for k, v in per_block.items()}
    coords["entity"] = entity.reshape(-1)
    coords["series"] = np.char.add(np.char.add(coords["metric"], SEP), coords["entity"])
    if coords["series"].size == 0:
        coords = {k: np.array([], dtype=str) for k in coords}
    return coords


def _stack_values(traj: Trajectory) -> np.ndarray:
    """All metric blocks side by side as one float64 array, shape (R, Y, S)."""
    shape = (len(traj.replicates), len(traj.years))
    for block in traj.metrics:
        if SEP in block.metric:
            raise ValueError(f"metric name {block.metric!r} must not contain {SEP!r}")
        if block.values.shape != (*shape, len(block.entities)):
            raise ValueError(
                f"metric {block.metric!r}: values have shape {block.values.shape}, "
                f"expected {(*shape, len(block.entities))} (replicate, year, entity)"
            )
    if not traj.metrics:
        return np.empty((*shape, 0), dtype=np.float64)
    return np.concatenate([b.values for b in traj.metrics], axis=2).astype(np.float64, copy=False)


def _build_dataset(
    values: np.ndarray,
    replicates: np.ndarray,
    years: np.ndarray,
    labels: dict[str, np.ndarray],
    attrs: dict[str, Any],
) -> xr.Dataset:
    """Assemble the Dataset from its parts; shared by :func:`to_dataset` and loading."""
    series = pd.Index(labels["series"])
    if not series.is_unique:
        raise ValueError(f"duplicate series: {series[series.duplicated()][:5].tolist()}")
    coords = {
        "replicate": ("replicate", np.asarray(replicates, dtype=np.int64)),
        "year": ("year", np.asarray(years, dtype=np.int64)),
        "series": ("series", labels["series"]),
        **{k: ("series", labels[k]) for k in ("metric", "entity", "tag", "unit")},
    }
    value = xr.Variable(
        ("replicate", "year", "series"), values, attrs={"long_name": "metric value"}
    )
    return xr.Dataset({"value": value}, coords=coords, attrs=attrs)


def to_dataset(
    traj: Trajectory, *, scenario: str, draw: int = 0, attrs: dict | None = None
) -> xr.Dataset:
    """Stack a trajectory's metric blocks into one Dataset.

    Parameters
    ----------
    traj : Trajectory
        Engine output.
    scenario : str
        Scenario name, stored in ``attrs["scenario"]``.
    draw : int, default 0
        Posterior draw index the run used, stored in ``attrs["draw"]``.
    attrs : dict, optional
        Further provenance (git hash, seed entropy as a decimal string, notes).
        Values must be JSON-able so a stored run reproduces them.

    Returns
    -------
    xarray.Dataset
        Data variable ``value`` (float64, dims ``replicate, year, series``) in each
        metric's own unit. ``series`` is ``"metric|entity"``; non-dimension
        coordinates ``metric``, ``entity``, ``tag`` and ``unit`` run along it.
    """
    full_attrs = {"scenario": str(scenario), "draw": int(draw)}
    full_attrs.update(_jsonable(dict(attrs or {})))
    return _build_dataset(
        _stack_values(traj), traj.replicates, traj.years, _series_coords(traj), full_attrs
    )


def select(ds: xr.Dataset, metric: str, entity: str | None = None) -> xr.DataArray:
    """Values of one metric, optionally of one entity.

    Parameters
    ----------
    ds : xarray.Dataset
        A Dataset from :func:`to_dataset`.
    metric : str
        Catalogue metric name.
    entity : str, optional
        Entity label; when given, the ``series`` dimension is dropped.

    Returns
    -------
    xarray.DataArray
        Dims ``(replicate, year)`` if ``entity`` is given, else
        ``(replicate, year, series)``; in the metric's unit.

    Raises
    ------
    KeyError
        If the metric, or the entity of that metric, is not in ``ds``.
    """
    if entity is not None:
        key = f"{metric}{SEP}{entity}"
        if key not in ds.indexes["series"]:
            raise KeyError(f"no series {key!r} in dataset")
        return ds["value"].sel(series=key)
    mask = ds["metric"].values == metric
    if not mask.any():
        raise KeyError(f"no metric {metric!r} in dataset")
    return ds["value"].isel(series=np.flatnonzero(mask))


# --------------------------------------------------------------------------- frames


def to_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The Dataset in the catalogue's long format.

    Parameters
    ----------
    ds : xarray.Dataset
        A Dataset from :func:`to_dataset`.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, replicate, draw, year, metric, entity, value, tag``
        (str, int64, int64, int64, str, str, float64, str), one row per
        (replicate, year, series) in C order; ``value`` in the metric's unit.
    """
    values = ds["value"].transpose("replicate", "year", "series").values
    n_rep, n_year, n_ser = values.shape
    n = values.size
    series_idx = np.tile(np.arange(n_ser, dtype=np.int64), n_rep * n_year)
    return pd.DataFrame(
        {
            "scenario": _repeat_labels(np.array([ds.attrs["scenario"]]), np.zeros(n, np.int64)),
            "replicate": np.repeat(ds["replicate"].values.astype(np.int64), n_year * n_ser),
            "draw": np.full(n, int(ds.attrs.get("draw", 0)), dtype=np.int64),
            "year": np.tile(np.repeat(ds["year"].values.astype(np.int64), n_ser), n_rep),
            "metric": _repeat_labels(ds["metric"].values, series_idx),
            "entity": _repeat_labels(ds["entity"].values, series_idx),
            "value": values.astype(np.float64, copy=False).ravel(),
            "tag": _repeat_labels(ds["tag"].values, series_idx),
        },
        columns=list(FRAME_COLUMNS),
    )


def _decode(codes: np.ndarray, names: tuple[str, ...], column: str) -> pd.Categorical:
    """Decode small-integer codes to names, refusing codes outside ``names``."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= len(names)):
        raise ValueError(f"ledger.{column}: codes outside 0..{len(names) - 1}")
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names), dtype=_STR))


def ledger_frame(ledger: Ledger, *, scenario: str, draw: int = 0) -> pd.DataFrame:
    """The capital ledger as a frame with names instead of codes.

    Parameters
    ----------
    ledger : Ledger
        Engine ledger; ``amount`` is int64 RMB thousand.
    scenario : str
        Scenario name for the ``scenario`` column.
    draw : int, default 0
        Posterior draw index.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, replicate, draw, year, payer, fund, instrument, node,
        firm_id, amount_rmb_bn``. ``payer``, ``fund``, ``instrument`` and ``node`` are
        categoricals of names; ``amount_rmb_bn`` is float64 RMB bn
        (``amount / 1e6``), exact to the thousand RMB for amounts below 2**53.
    """
    n = len(ledger)
    frame = {
        "scenario": _repeat_labels(np.array([scenario]), np.zeros(n, np.int64)),
        "replicate": np.asarray(ledger.replicate, dtype=np.int64),
        "draw": np.full(n, int(draw), dtype=np.int64),
        "year": np.asarray(ledger.year, dtype=np.int64),
    }
    for col in ("payer", "fund", "instrument", "node"):
        frame[col] = _decode(getattr(ledger, col), getattr(ledger, f"{col}_names"), col)
    frame["firm_id"] = np.asarray(ledger.firm_id, dtype=np.int64)
    frame["amount_rmb_bn"] = np.asarray(ledger.amount, dtype=np.int64) / RMB_THOUSAND_PER_BN
    return pd.DataFrame(frame, columns=list(LEDGER_COLUMNS))


# --------------------------------------------------------------------------- Parquet side


def dataset_parquet_meta(ds: xr.Dataset) -> dict[bytes, bytes]:
    """Schema metadata for metrics.parquet: coordinates and attrs the long frame lacks."""
    payload = {
        "replicates": ds["replicate"].values.tolist(),
        "years": ds["year"].values.tolist(),
        "series": ds["series"].values.tolist(),
        "unit": ds["unit"].values.tolist(),
        "attrs": _jsonable(dict(ds.attrs)),
    }
    return {PARQUET_META_KEY: json.dumps(payload).encode()}


def _dictionary(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64) and labels (str) of a text column, without per-row Python objects."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    column = column.unify_dictionaries()
    if column.num_chunks == 0:
        return np.zeros(0, np.int64), np.array([], dtype=str)
    codes = np.concatenate(
        [c.indices.to_numpy(zero_copy_only=False).astype(np.int64) for c in column.chunks]
    )
    labels = np.asarray(column.chunk(0).dictionary.to_pylist(), dtype=str)
    return codes, labels


def _positions(keys: np.ndarray, order: np.ndarray, what: str) -> np.ndarray:
    """Index of each of ``keys`` in ``order`` (vectorised lookup)."""
    if not keys.size:
        return np.zeros(0, dtype=np.int64)
    if not len(order):
        raise ValueError(f"metrics.parquet has rows but its metadata lists no {what}")
    sorter = np.argsort(order, kind="stable")
    pos = np.clip(np.searchsorted(order, keys, sorter=sorter), 0, len(order) - 1)
    idx = sorter[pos]
    if not np.array_equal(order[idx], keys):
        raise ValueError(f"metrics.parquet has {what} not listed in its metadata")
    return idx


def _series_positions(table: pa.Table, series: np.ndarray) -> np.ndarray:
    """Position in ``series`` of each row's ``metric|entity``; strings built per pair only."""
    m_codes, m_labels = _dictionary(table.column("metric"))
    e_codes, e_labels = _dictionary(table.column("entity"))
    n_e = max(len(e_labels), 1)
    pairs, inverse = np.unique(m_codes * n_e + e_codes, return_inverse=True)
    if not pairs.size:
        return np.zeros(0, dtype=np.int64)
    keys = np.char.add(np.char.add(m_labels[pairs // n_e], SEP), e_labels[pairs % n_e])
    return _positions(keys, series, "series")[inverse.reshape(-1)]


def _series_tags(table: pa.Table, s: np.ndarray, n_series: int) -> np.ndarray:
    """Tag of each series, read off the rows (empty string for a series with no rows)."""
    codes, labels = _dictionary(table.column("tag"))
    index = np.full(n_series, -1, dtype=np.int64)
    index[s] = codes
    return np.where(index >= 0, np.append(labels, "")[index], "").astype(str)


def dataset_from_table(table: pa.Table, meta: dict[str, Any]) -> xr.Dataset:
    """Pivot a long metrics table back into the Dataset.

    Parameters
    ----------
    table : pyarrow.Table
        Long table as written from :func:`to_frame`, rows in any order.
    meta : dict
        The decoded ``zili.dataset`` schema metadata of metrics.parquet
        (replicate ids, years, series order, units, attrs).

    Returns
    -------
    xarray.Dataset
        Same layout as :func:`to_dataset`; cells without a row are NaN.

    Raises
    ------
    ValueError
        If a row's replicate, year or series is not in ``meta``, or two rows share
        one (replicate, year, series) cell.
    """
    reps = np.asarray(meta["replicates"], dtype=np.int64)
    years = np.asarray(meta["years"], dtype=np.int64)
    series = np.asarray(meta["series"], dtype=str)
    shape = (len(reps), len(years), len(series))
    r = _positions(table.column("replicate").to_numpy().astype(np.int64), reps, "replicates")
    y = _positions(table.column("year").to_numpy().astype(np.int64), years, "years")
    s = _series_positions(table, series)
    flat = np.ravel_multi_index((r, y, s), shape) if len(s) else np.zeros(0, np.int64)
    if flat.size and np.bincount(flat, minlength=int(np.prod(shape))).max() > 1:
        raise ValueError("metrics.parquet has duplicate (replicate, year, series) rows")
    values = np.full(shape, np.nan)
    values.reshape(-1)[flat] = table.column("value").to_numpy().astype(np.float64)
    parts = np.char.partition(series, SEP) if series.size else np.empty((0, 3), dtype=str)
    labels = {
        "series": series,
        "metric": parts[:, 0].astype(str),
        "entity": parts[:, 2].astype(str),
        "tag": _series_tags(table, s, len(series)),
        "unit": np.asarray(meta["unit"], dtype=str),
    }
    return _build_dataset(values, reps, years, labels, meta["attrs"])


def read_metrics(path: str | Path) -> xr.Dataset:
    """Read a run's metrics.parquet back into a Dataset (see :func:`dataset_from_table`)."""
    table = pq.read_table(path, read_dictionary=["metric", "entity", "tag"])
    meta = json.loads((table.schema.metadata or {})[PARQUET_META_KEY])
    return dataset_from_table(table, meta)


def read_ledger(path: str | Path) -> pd.DataFrame:
    """Read a run's ledger.parquet back into the frame of :func:`ledger_frame`."""
    frame = pq.read_table(path).to_pandas()
    for col in ("payer", "fund", "instrument", "node"):
        # An empty dictionary comes back with object categories; keep one dtype.
        cat = frame[col].astype("category").cat
        names = pd.Index(cat.categories.astype(str), dtype=_STR)
        frame[col] = pd.Categorical.from_codes(cat.codes.to_numpy(), categories=names)
    return frame


# --------------------------------------------------------------------------- Results


def complete_meta(meta: dict | None, traj: Trajectory, *, scenario: str, draw: int) -> dict:
    """Fill the run's provenance with what can be read off the trajectory and checkout.

    ``seed_entropy`` is kept as a decimal string (it can exceed 64 bits); ``created_utc``
    is ISO 8601 UTC ending in ``Z``.
    """
    out = _jsonable(dict(meta or {}))
    years = np.asarray(traj.years, dtype=np.int64)
    defaults = {  # callables, so a given value spares the git subprocess
        "run_id": lambda: new_run_id(scenario),
        "created_utc": lambda: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_hash": git_hash,
        "zili_version": zili_version,
        "firms": lambda: None,  # the starting firms: the trajectory holds slots, not them; callers pass it
    }
    for key, make in defaults.items():
        if key not in out:
            out[key] = make()
    if out.get("seed_entropy") is not None:
        out["seed_entropy"] = str(out["seed_entropy"])
    out.update(
        scenario=str(scenario),
        draw=int(draw),
        draws=int(out.get("draws", 1)),
        replicates=int(len(traj.replicates)),
        replicate_ids=np.asarray(traj.replicates, dtype=np.int64).tolist(),
        start_year=int(years[0]) if years.size else None,
        end_year=int(years[-1]) if years.size else None,
    )
    return out


_ATTR_KEYS = ("run_id", "git_hash", "seed_entropy", "created_utc", "zili_version")


class Results:
    """One stored or storable run: metrics Dataset, ledger frame, scenario and provenance.

    Parameters
    ----------
    dataset : xarray.Dataset
        Metrics, as from :func:`to_dataset`.
    ledger : pandas.DataFrame
        Capital ledger, as from :func:`ledger_frame` (amounts in RMB bn).
    scenario_toml : str
        The fully resolved scenario as TOML text.
    meta : dict
        Provenance (run_id, scenario, git_hash, seed_entropy, created_utc, ...).
    """

    def __init__(
        self, dataset: xr.Dataset, ledger: pd.DataFrame, scenario_toml: str, meta: dict
    ) -> None:
        self.dataset = dataset
        self.ledger = ledger
        self.scenario_toml = scenario_toml
        self.meta = meta

    def __repr__(self) -> str:
        run_id, dims = self.meta.get("run_id"), dict(self.dataset.sizes)
        return f"Results(run_id={run_id!r}, dims={dims}, ledger_rows={len(self.ledger)})"

    @classmethod
    def from_trajectory(
        cls,
        traj: Trajectory,
        *,
        scenario: str,
        scenario_toml: str,
        meta: dict | None = None,
        draw: int = 0,
    ) -> Results:
        """Wrap an engine trajectory, completing provenance in ``meta``.

        Parameters
        ----------
        traj : Trajectory
            Engine output.
        scenario : str
            Scenario name.
        scenario_toml : str
            Fully resolved scenario text, stored with the run.
        meta : dict, optional
            Known provenance, e.g. ``seed_entropy`` (int) and ``firms``; missing
            ``run_id``, ``git_hash``, ``created_utc`` and ``zili_version`` are filled.
        draw : int, default 0
            Posterior draw index.
        """
        full = complete_meta(meta, traj, scenario=scenario, draw=draw)
        attrs = {k: full[k] for k in _ATTR_KEYS if full.get(k) is not None}
        ds = to_dataset(traj, scenario=scenario, draw=draw, attrs=attrs)
        ledger = ledger_frame(traj.ledger, scenario=scenario, draw=draw)
        return cls(ds, ledger, scenario_toml, full)

    @classmethod
    def load(cls, run_dir: str | Path) -> Results:
        """Read a run directory written by :func:`zili.store.write_run`."""
        run_dir = Path(run_dir)
        if not (run_dir / "meta.json").is_file():
            raise FileNotFoundError(f"{run_dir} is not a complete zili run (no meta.json)")
        meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
        ds = read_metrics(run_dir / "metrics.parquet")
        ledger = read_ledger(run_dir / "ledger.parquet")
        toml = (run_dir / "scenario.toml").read_text(encoding="utf-8")
        return cls(ds, ledger, toml, meta)

    def frame(self) -> pd.DataFrame:
        """Metrics in long format (see :func:`to_frame`)."""
        return to_frame(self.dataset)

    def value(self, metric: str, entity: str) -> np.ndarray:
        """Values of one series, float64 shape (R, Y), in the metric's unit."""
        return select(self.dataset, metric, entity).values

    def summary_quantiles(
        self, metric: str, entity: str, q: tuple[float, ...] = (0.05, 0.5, 0.95)
    ) -> pd.DataFrame:
        """Quantiles over replicates (stochastic uncertainty only) per year.

        Parameters
        ----------
        metric, entity : str
            The series.
        q : tuple of float, default (0.05, 0.5, 0.95)
            Quantile levels in [0, 1].

        Returns
        -------
        pandas.DataFrame
            Index ``year``; one column per level plus ``mean``; in the metric's unit.
            NaN replicates are ignored.
        """
        values = self.value(metric, entity)
        quant = (
            np.nanquantile(values, q, axis=0)
            if values.size
            else np.full((len(q), values.shape[1]), np.nan)
        )
        out = pd.DataFrame(quant.T, columns=[f"q{level:g}" for level in q])
        out.insert(0, "mean", np.nanmean(values, axis=0) if values.size else np.nan)
        out.index = pd.Index(self.dataset["year"].values, name="year")
        return out
