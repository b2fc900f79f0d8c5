"""Chokepoint ranking: which nodes a control would hurt most, and why.

Severity = foreign share held by controlling countries x share of China's output that
depends on the node downstream x (1 - domestic capability), the index the priorities
step uses (model/priorities.py). The table shows each factor, stockpile cover and the
years until domestic capability reaches a threshold (from the run's own trajectory).
Values are medians across replicates (stochastic uncertainty only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zili.model.trajectory import Trajectory
from zili.model.world import World


@dataclass(frozen=True)
class ChokepointRow:
    """One node (or node-tier) of the ranking."""

    rank: int
    entity: str
    severity: float
    controlled_foreign_share: float
    downstream_share: float
    capability: float
    stockpile_months: float
    years_to_threshold: float  # 0 = already there; inf = not by the last simulated year


def _median(traj: Trajectory, metric: str, entity: str) -> np.ndarray:
    return np.median(traj.value(metric, entity), axis=0)


def chokepoint_table(traj: Trajectory, world: World, *, year: int, tier: str | None = None, threshold: float = 0.5) -> list[ChokepointRow]:
    """Rank nodes by chokepoint severity in ``year``.

    Parameters
    ----------
    traj, world : the run and its compiled world.
    year : int
        Year to rank (within the run).
    tier : {"mature", "advanced"} or None
        Rank node-tiers of that tier; None ranks nodes by their best tier.
    threshold : float
        Capability (fraction of the frontier) whose first year is reported.

    Returns
    -------
    list of ChokepointRow, most severe first.
    """
    years = list(int(y) for y in traj.years)
    if year not in years:
        raise ValueError(f"year {year} is outside the run ({years[0]}-{years[-1]})")
    k = years.index(year)
    rows = []
    for i, node in enumerate(world.names["node"]):
        ent = f"{node}:{tier}" if tier else node
        sev = float(_median(traj, "chokepoint_severity", ent)[k])
        if tier:
            cap = _median(traj, "capability", ent)
        else:
            cap = np.maximum(_median(traj, "capability", f"{node}:mature"), _median(traj, "capability", f"{node}:advanced"))
        later = np.nonzero(cap[k:] >= threshold)[0]
        to_threshold = float(later[0]) if len(later) else float("inf")
        rows.append(
            ChokepointRow(
                0, ent, sev,
                float(_median(traj, "controlled_foreign_share", node)[k]),
                float(world.downstream_reach[i]),
                float(cap[k]),
                float(_median(traj, "stockpile_months", node)[k]),
                to_threshold,
            )
        )
    rows.sort(key=lambda r: (-r.severity, r.entity))
    return [ChokepointRow(i + 1, *list(r.__dict__.values())[1:]) for i, r in enumerate(rows)]
