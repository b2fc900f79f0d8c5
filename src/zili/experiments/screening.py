"""Screening of free parameters: which ones move the calibration moments (Morris, SALib).

Elementary effects of every free numeric behavioural parameter on the transformed
calibration summaries, with the unsourced data values screened in groups (one group per
data file and column: moving a group moves all its values together). The ranking decides
which few free parameters are calibrated; the rest stay at their defaults.

References
----------
Morris (1991), Factorial sampling plans for preliminary computational experiments,
Technometrics 33(2):161-174, doi:10.1080/00401706.1991.10484804. Campolongo, Cariboni &
Saltelli (2007), An effective screening design for sensitivity analysis of large models,
Environmental Modelling & Software 22(10):1509-1518, doi:10.1016/j.envsoft.2006.10.004
(mu*). Herman & Usher (2017), SALib, JOSS 2(9):97, doi:10.21105/joss.00097.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from zili.experiments.calibrate import Problem, parameter_space, seeds_for, simulate_many, transform


def free_parameter_names(*, include_int: bool = False) -> list[str]:
    """Dotted names of the numeric parameters of kind ``free``."""
    from zili.scenario.params import parameter_table

    out = []
    for row in parameter_table():
        lo = row["range"][0] if row["range"] else None
        if row["kind"] != "free" or isinstance(lo, bool) or lo is None:
            continue
        if isinstance(row["default"], int) and not include_int:
            continue
        out.append(f"params.{row['name']}")
    return out


def data_groups() -> dict[str, list[str]]:
    """Unsourced data values grouped by file and column (``data.<key>`` names)."""
    from zili.data import unsourced_parameters

    groups: dict[str, list[str]] = {}
    for key in unsourced_parameters():
        file, _, rest = key.partition(":")
        col = rest.rsplit(":", 1)[-1]
        groups.setdefault(f"data:{file}:{col}", []).append(f"data.{key}")
    return groups


@dataclass
class Screening:
    """Morris mu* per factor (a parameter or a data group), scaled per summary."""

    factors: list[str]
    mu_star: np.ndarray  # (factors,) mean over summaries of mu*/sd(summary)
    sigma: np.ndarray
    simulations: int
    per_summary: np.ndarray  # (factors, summaries)

    def ranking(self) -> list[tuple[str, float]]:
        order = np.argsort(-self.mu_star)
        return [(self.factors[i], float(self.mu_star[i])) for i in order]


def morris_screen(problem: Problem, *, names: list[str] | None = None, groups: dict[str, list[str]] | None = None, trajectories: int = 4, levels: int = 4, seed: int = 0, workers: int = 2, progress=None) -> Screening:
    """Morris elementary effects of ``names`` (each its own factor) and ``groups``.

    The design has ``trajectories * (factors + 1)`` model runs, all with the same model
    seed (common random numbers). Summaries are the
    transformed model values at the problem's targets (no discrepancy noise), each scaled
    by its standard deviation over the design so that series in different units compare.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    names = free_parameter_names() if names is None else names
    groups = {} if groups is None else groups
    members: list[str] = list(names) + [m for ms in groups.values() for m in ms]
    group_of = list(names) + [g for g, ms in groups.items() for _ in ms]
    space = parameter_space(members)
    salib = {
        "num_vars": len(space),
        "names": members,
        "bounds": [[0.0, 1.0]] * len(space),
        "groups": group_of,
    }
    u = morris_sample.sample(salib, N=trajectories, num_levels=levels, seed=seed)
    thetas = np.array([[p.from_unit(v) for p, v in zip(space, row)] for row in u])
    sub = Problem(problem.doc, space, problem.targets, problem.observed, problem.fraction, problem.window, problem.sigma, problem.series)
    # common random numbers: every run uses the same model seed, so an elementary effect
    # is the parameter's effect and not the difference of two stochastic draws
    crn = np.full(len(thetas), int(seeds_for(seed, 1)[0]))
    raw, _ = simulate_many(sub, thetas, crn, workers=workers, progress=progress)
    z = transform(raw, problem.fraction)
    z = np.where(np.isfinite(z), z, np.nanmean(z, axis=0))
    sd = z.std(axis=0)
    factors = list(dict.fromkeys(group_of))
    per = np.zeros((len(factors), z.shape[1]))
    sig = np.zeros_like(per)
    for j in range(z.shape[1]):
        if sd[j] <= 1e-12:
            continue
        res = morris_analyze.analyze(salib, u, z[:, j], num_levels=levels, seed=seed)
        ms = dict(zip(res["names"], res["mu_star"]))
        ss = dict(zip(res["names"], res["sigma"]))
        per[:, j] = [ms[f] / sd[j] for f in factors]
        sig[:, j] = [np.nan_to_num(ss[f]) / sd[j] for f in factors]
    return Screening(factors, per.mean(axis=1), sig.mean(axis=1), len(thetas), per)


def choose_free(screen: Screening, max_free: int) -> list[str]:
    """The ``max_free`` most influential single parameters (data groups are reported,
    not calibrated: a group is many values, not one parameter)."""
    return [f for f, _ in screen.ranking() if f.startswith("params.")][:max_free]


def as_rows(screen: Screening) -> list[dict[str, Any]]:
    return [{"factor": f, "mu_star": m} for f, m in screen.ranking()]
