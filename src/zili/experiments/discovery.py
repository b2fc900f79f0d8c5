"""Scenario discovery: PRIM boxes of uncertain parameters in which a target is met.

The Patient Rule Induction Method peels a box from the full parameter space, removing
at each step the ``alpha`` share of remaining points on the one side of one parameter
that most raises the share of points meeting the target (density), until the box holds
fewer than ``min_mass`` of the points. Along this peeling trajectory coverage (share of
all target-meeting points inside the box) falls as density rises; the chosen box is
the one with the most coverage whose density reaches ``threshold`` (else the densest).
Further boxes are found on the points not yet covered (the covering approach).

References
----------
Friedman & Fisher (1999), Bump hunting in high-dimensional data, Statistics and
Computing 9:123-143, doi:10.1023/A:1008894516817. Bryant & Lempert (2010), Thinking
inside the box: a participatory, computer-assisted approach to scenario discovery,
Technological Forecasting and Social Change 77(1):34-49, doi:10.1016/j.techfore.2009.08.002.
Kwakkel (2017), The Exploratory Modeling Workbench, Environmental Modelling & Software
96:239-250, doi:10.1016/j.envsoft.2017.06.054.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Box:
    """One PRIM box: limits per parameter, and how well it describes the target."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    n: int
    restricted: list[str] = field(default_factory=list)
    trajectory: pd.DataFrame | None = None

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        inside = np.ones(len(x), dtype=bool)
        for name, (lo, hi) in self.limits.items():
            inside &= (x[name].to_numpy() >= lo) & (x[name].to_numpy() <= hi)
        return inside


def _peel(x: np.ndarray, y: np.ndarray, alpha: float, min_mass: float, n_total: int, n_pos_total: int):
    """Peeling trajectory: list of (lower, upper, inside mask) boxes from the full box."""
    lo, hi = x.min(axis=0).astype(float), x.max(axis=0).astype(float)
    inside = np.ones(len(x), dtype=bool)
    steps = [(lo.copy(), hi.copy(), inside.copy())]
    while inside.sum() / n_total > min_mass:
        best = None
        xi, yi = x[inside], y[inside]
        for j in range(x.shape[1]):
            col = xi[:, j]
            for side in ("lo", "hi"):
                cut = np.quantile(col, alpha if side == "lo" else 1 - alpha)
                keep = col >= cut if side == "lo" else col <= cut
                # a peel must remove something and keep something
                if keep.all() or not keep.any():
                    keep = col > cut if side == "lo" else col < cut
                    if keep.all() or not keep.any():
                        continue
                dens = yi[keep].mean()
                if best is None or dens > best[0] + 1e-12:
                    best = (dens, j, side, cut, keep)
        if best is None:
            break
        _, j, side, cut, keep = best
        idx = np.flatnonzero(inside)
        inside = inside.copy()
        inside[idx[~keep]] = False
        if side == "lo":
            lo[j] = x[inside, j].min()
        else:
            hi[j] = x[inside, j].max()
        steps.append((lo.copy(), hi.copy(), inside.copy()))
    return steps


def prim(x: pd.DataFrame, y: np.ndarray, *, alpha: float = 0.05, min_mass: float = 0.05, threshold: float = 0.8, max_boxes: int = 3) -> list[Box]:
    """Find up to ``max_boxes`` PRIM boxes.

    Parameters
    ----------
    x : pandas.DataFrame
        Uncertain parameter values, one row per draw.
    y : array of bool
        Whether the target is met in each draw.
    alpha : float
        Share of the points in the box peeled per step.
    min_mass : float
        Smallest box, as a share of all points.
    threshold : float
        Density a box should reach; the box chosen on each trajectory is the one with
        the largest coverage among those reaching it (else the densest box).
    max_boxes : int
        Boxes to find by covering; stops early when the remaining points hold no more
        target-meeting points or a box would not be denser than the points it is drawn from.

    Returns
    -------
    list of Box
        Limits are reported for every parameter; ``restricted`` names the ones the
        box actually narrows.
    """
    names = list(x.columns)
    xv = x.to_numpy(dtype=float)
    yv = np.asarray(y, dtype=bool)
    n_total, n_pos_total = len(yv), int(yv.sum())
    full_lo, full_hi = xv.min(axis=0), xv.max(axis=0)
    remaining = np.ones(n_total, dtype=bool)
    boxes: list[Box] = []
    while len(boxes) < max_boxes and n_pos_total and yv[remaining].any():
        xr, yr = xv[remaining], yv[remaining]
        base_density = yr.mean()
        steps = _peel(xr, yr, alpha, min_mass, n_total, n_pos_total)
        traj = []
        for k, (lo, hi, inside) in enumerate(steps):
            traj.append({"step": k, "coverage": yr[inside].sum() / n_pos_total, "density": yr[inside].mean(), "mass": inside.sum() / n_total, "n": int(inside.sum()),
                         "restricted": int(((lo > full_lo + 1e-12) | (hi < full_hi - 1e-12)).sum())})
        traj = pd.DataFrame(traj)
        ok = traj[traj["density"] >= threshold]
        k = int(ok.sort_values(["coverage", "density"], ascending=False).iloc[0]["step"]) if len(ok) else int(traj["density"].idxmax())
        if traj.loc[k, "density"] <= base_density + 1e-12 and boxes:
            break
        lo, hi, inside = steps[k]
        limits = {n: (float(lo[j]), float(hi[j])) for j, n in enumerate(names)}
        restricted = [n for j, n in enumerate(names) if lo[j] > full_lo[j] + 1e-12 or hi[j] < full_hi[j] - 1e-12]
        boxes.append(Box(limits, float(traj.loc[k, "coverage"]), float(traj.loc[k, "density"]), float(traj.loc[k, "mass"]), int(inside.sum()), restricted, traj))
        idx = np.flatnonzero(remaining)
        remaining = remaining.copy()
        remaining[idx[inside]] = False
    return boxes


def boxes_frame(boxes: list[Box], bounds: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Tidy table: one row per box and restricted parameter (box stats repeated)."""
    rows = []
    for b, box in enumerate(boxes):
        for name in box.restricted or ["(none)"]:
            lo, hi = box.limits.get(name, (np.nan, np.nan))
            full = (bounds or {}).get(name, (np.nan, np.nan))
            rows.append({"box": b + 1, "parameter": name, "low": lo, "high": hi, "range_low": full[0], "range_high": full[1],
                         "coverage": box.coverage, "density": box.density, "mass": box.mass, "n": box.n})
    return pd.DataFrame(rows, columns=["box", "parameter", "low", "high", "range_low", "range_high", "coverage", "density", "mass", "n"])
