"""Sobol' variance-based indices (first order S1 and total ST) with bootstrap confidence intervals.

Samples with SALib's Sobol' sequence in the Saltelli scheme (``N * (D + 2)`` rows
without second-order terms), each unit-cube point mapped through the parameter's
declared distribution, so indices refer to the declared uncertainty.

References
----------
Saltelli et al. (2010), Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index, Computer Physics Communications 181(2):259-270,
doi:10.1016/j.cpc.2009.09.018. Sobol' (2001), Global sensitivity indices for nonlinear
mathematical models and their Monte Carlo estimates, Mathematics and Computers in
Simulation 55:271-280, doi:10.1016/S0378-4754(00)00270-6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sample(items, n: int, seed: int = 0) -> pd.DataFrame:
    """``n * (D + 2)`` draws (``n`` should be a power of two); columns ``draw`` + parameters."""
    from SALib.sample import sobol as salib_sobol

    from zili.experiments.sensitivity import problem

    u = salib_sobol.sample(problem(items), n, calc_second_order=False, scramble=True, seed=seed)
    cols = {"draw": np.arange(len(u), dtype=np.int64)}
    for j, item in enumerate(items):
        cols[item.name] = item.ppf(np.clip(u[:, j], 0.0, 1.0 - 1e-12))
    return pd.DataFrame(cols)


def analyze(items, y: np.ndarray, seed: int = 0, conf_level: float = 0.95) -> pd.DataFrame:
    """First-order and total indices with ``conf_level`` bootstrap half-widths.

    Returns
    -------
    pandas.DataFrame
        ``method, parameter, index (S1 | ST), value, conf``.
    """
    from SALib.analyze import sobol as salib_sobol

    from zili.experiments.sensitivity import problem

    y = np.asarray(y, dtype=float)
    if not np.isfinite(y).all():
        raise ValueError(f"{int((~np.isfinite(y)).sum())} outputs are missing or not finite; Sobol' needs every row (rerun to resume failed batches)")
    res = salib_sobol.analyze(problem(items), y, calc_second_order=False, conf_level=conf_level, seed=seed, print_to_console=False)
    rows = []
    for j, item in enumerate(items):
        rows.append(("sobol", item.name, "S1", float(res["S1"][j]), float(res["S1_conf"][j])))
        rows.append(("sobol", item.name, "ST", float(res["ST"][j]), float(res["ST_conf"][j])))
    return pd.DataFrame(rows, columns=["method", "parameter", "index", "value", "conf"])
