"""Morris elementary effects (mu*, sigma) for screening many parameters cheaply.

``n`` trajectories of ``D + 1`` points each on a 4-level grid in the unit cube, mapped
through each parameter's distribution; mu* is reported in the output's unit per unit
of the unit cube (i.e. per full range of the parameter).

References
----------
Morris (1991), Factorial sampling plans for preliminary computational experiments,
Technometrics 33(2):161-174, doi:10.1080/00401706.1991.10484804. Campolongo, Cariboni &
Saltelli (2007), An effective screening design for sensitivity analysis of large
models, Environmental Modelling & Software 22(10):1509-1518, doi:10.1016/j.envsoft.2006.10.004.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = 4


def _unit(items, n: int, seed: int) -> np.ndarray:
    from SALib.sample import morris as salib_morris

    from zili.experiments.sensitivity import problem

    return salib_morris.sample(problem(items), n, num_levels=LEVELS, seed=seed)


def sample(items, n: int, seed: int = 0) -> pd.DataFrame:
    """``n * (D + 1)`` draws; columns ``draw`` + parameters (and the unit-cube design is reproducible from the seed)."""
    u = _unit(items, n, seed)
    cols = {"draw": np.arange(len(u), dtype=np.int64)}
    for j, item in enumerate(items):
        cols[item.name] = item.ppf(np.clip(u[:, j], 0.0, 1.0 - 1e-12))
    return pd.DataFrame(cols)


def analyze(items, y: np.ndarray, seed: int = 0, conf_level: float = 0.95, *, n: int) -> pd.DataFrame:
    """mu*, its bootstrap confidence half-width, mu and sigma per parameter."""
    from SALib.analyze import morris as salib_morris

    from zili.experiments.sensitivity import problem

    y = np.asarray(y, dtype=float)
    if not np.isfinite(y).all():
        raise ValueError(f"{int((~np.isfinite(y)).sum())} outputs are missing or not finite; Morris needs every row")
    u = _unit(items, n, seed)
    res = salib_morris.analyze(problem(items), u, y, num_levels=LEVELS, conf_level=conf_level, seed=seed, print_to_console=False)
    rows = []
    for j, item in enumerate(items):
        rows.append(("morris", item.name, "mu_star", float(res["mu_star"][j]), float(res["mu_star_conf"][j])))
        rows.append(("morris", item.name, "mu", float(res["mu"][j]), float("nan")))
        rows.append(("morris", item.name, "sigma", float(res["sigma"][j]), float("nan")))
    return pd.DataFrame(rows, columns=["method", "parameter", "index", "value", "conf"])
