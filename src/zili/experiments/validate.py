"""Out-of-sample validation: score the model's predictive distribution on held-out years.

For every predicted series with observations in the test years, the ensemble (posterior
draws, or stochastic replicates when the scenario has no posterior) is compared with the
data: median error, |log ratio| of median to observation, CRPS and its skill against a
linear trend extrapolation fitted on the calibration window, coverage of central 50% and
90% intervals, and the direction of change where the observed series reverses. Series
tagged ``input`` are listed but never scored. No I/O here.

References
----------
Gneiting & Raftery (2007), Strictly proper scoring rules, prediction, and estimation,
JASA 102(477):359-378, doi:10.1198/016214506000001437 (CRPS). Zanetta & Allen (2024),
scoringrules, https://github.com/frazane/scoringrules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from zili.experiments.calibrate import transform, untransform
from zili.experiments.history import History, Observation


def crps_ensemble(obs: float, ens: np.ndarray) -> float:
    """CRPS of an ensemble forecast (``scoringrules`` when installed, else the exact
    energy form ``E|X - y| - 0.5 E|X - X'|``)."""
    ens = np.asarray(ens, dtype=float)
    try:
        import scoringrules as sr

        return float(sr.crps_ensemble(float(obs), ens))
    except ImportError:  # pragma: no cover - the calibrate extra provides scoringrules
        a = np.abs(ens - obs).mean()
        b = np.abs(ens[:, None] - ens[None, :]).mean()
        return float(a - 0.5 * b)


def interval_hit(obs: float, ens: np.ndarray, level: float) -> bool:
    lo, hi = np.quantile(ens, [(1 - level) / 2, (1 + level) / 2])
    return bool(lo <= obs <= hi)


def trend_benchmark(window_obs: Sequence[Observation], year: int, *, fraction: bool, n: int = 1000, seed: int = 0) -> np.ndarray | None:
    """Samples of a linear-trend extrapolation fitted on the window (in transformed space:
    logit for fractions, log1p otherwise) with its residual and parameter uncertainty (Gaussian).
    None when the window holds fewer than two observations of the series."""
    years = np.array([o.year for o in window_obs], dtype=float)
    if len(set(years)) < 2:
        return None
    frac = np.array([fraction] * len(years))
    z = transform(np.array([o.value for o in window_obs]), frac)
    X = np.c_[np.ones_like(years), years - years.mean()]
    beta, *_ = np.linalg.lstsq(X, z, rcond=None)
    resid = z - X @ beta
    dof = len(years) - 2
    s2 = float(resid @ resid / dof) if dof > 0 else 0.0
    # with two points the fit is exact; floor the scale at 10% (transformed units)
    s2 = max(s2, 0.1**2)
    x0 = np.array([1.0, year - years.mean()])
    cov = s2 * np.linalg.inv(X.T @ X)
    sd = math.sqrt(s2 + x0 @ cov @ x0)
    rng = np.random.default_rng(seed)
    # Gaussian rather than Student-t: with 3 points a t(1) is a Cauchy, and its tails,
    # mapped back through exp, would make the benchmark's CRPS unbounded
    zs = x0 @ beta + sd * rng.standard_normal(n)
    return untransform(zs, np.array([fraction] * n))


@dataclass
class SeriesScore:
    series: str
    tag: str
    unit: str
    years: list[int] = field(default_factory=list)
    observed: list[float] = field(default_factory=list)
    median: list[float] = field(default_factory=list)
    median_error: list[float] = field(default_factory=list)
    abs_log_ratio: list[float] = field(default_factory=list)
    crps: list[float] = field(default_factory=list)
    crps_benchmark: list[float | None] = field(default_factory=list)
    in50: list[bool] = field(default_factory=list)
    in90: list[bool] = field(default_factory=list)
    direction: list[dict[str, Any]] = field(default_factory=list)
    scored: bool = True
    note: str = ""

    @property
    def crps_skill(self) -> float:
        pairs = [(c, b) for c, b in zip(self.crps, self.crps_benchmark) if b is not None]
        if not pairs:
            return math.nan
        cb = sum(b for _, b in pairs)
        return 1 - sum(c for c, _ in pairs) / cb if cb > 0 else math.nan

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items()}
        d["crps_skill"] = self.crps_skill
        return d


def _fraction_unit(unit: str) -> bool:
    return unit.lower().startswith("fraction")


def score_series(series: str, tag: str, unit: str, years: Sequence[int], observed: Sequence[float], ensembles: Sequence[np.ndarray], window_obs: Sequence[Observation], *, seed: int = 0) -> SeriesScore:
    """Score one series: ``ensembles[i]`` is the predictive sample for ``years[i]``."""
    out = SeriesScore(series, tag, unit)
    frac = _fraction_unit(unit)
    before = [o for o in window_obs if o.year < min(years)] if len(years) else []
    last_obs = max(before, key=lambda o: o.year) if before else None
    prev_year, prev_val = (last_obs.year, last_obs.value) if last_obs else (None, None)
    prev_change = None
    if len(before) >= 2:
        w = sorted(before, key=lambda o: o.year)
        prev_change = np.sign(w[-1].value - w[-2].value)
    ens_by_year = dict(zip(years, ensembles))
    for y, obs, ens in sorted(zip(years, observed, ensembles)):
        ens = np.asarray(ens, dtype=float)
        med = float(np.median(ens))
        out.years.append(int(y))
        out.observed.append(float(obs))
        out.median.append(med)
        out.median_error.append(med - float(obs))
        out.abs_log_ratio.append(abs(math.log(med / obs)) if med > 0 and obs > 0 else math.nan)
        out.crps.append(crps_ensemble(obs, ens))
        bench = trend_benchmark(window_obs, int(y), fraction=frac, seed=seed)
        out.crps_benchmark.append(crps_ensemble(obs, bench) if bench is not None else None)
        out.in50.append(interval_hit(obs, ens, 0.5))
        out.in90.append(interval_hit(obs, ens, 0.9))
        if prev_val is not None:
            change = np.sign(obs - prev_val)
            if prev_change is not None and change != 0 and prev_change != 0 and change != prev_change:
                prev_ens = ens_by_year.get(prev_year)
                base = float(np.median(prev_ens)) if prev_ens is not None else None
                model_change = np.sign(med - base) if base is not None else None
                out.direction.append({"year": int(y), "observed": int(change), "model": None if model_change is None else int(model_change), "hit": None if model_change is None else bool(model_change == change)})
            if change != 0:
                prev_change = change
        prev_year, prev_val = int(y), float(obs)
    return out


@dataclass
class Backtest:
    """All scores of a backtest and the one-line summary."""

    scores: list[SeriesScore]
    listed_inputs: list[str]
    not_modelled: list[str]
    not_comparable: dict[str, str]
    ensemble: str
    members: int
    years: tuple[int, int]

    def totals(self) -> dict[str, float]:
        scored = [s for s in self.scores if s.scored and s.years]
        points = sum(len(s.years) for s in scored)
        skills = [(s.crps_skill, sum(b is not None for b in s.crps_benchmark)) for s in scored]
        skills = [(k, n) for k, n in skills if not math.isnan(k) and n > 0]
        skill = sum(k * n for k, n in skills) / sum(n for _, n in skills) if skills else math.nan
        in90 = [h for s in scored for h in s.in90]
        in50 = [h for s in scored for h in s.in50]
        alr = [a for s in scored for a in s.abs_log_ratio if not math.isnan(a)]
        dirs = [d["hit"] for s in scored for d in s.direction if d["hit"] is not None]
        return {
            "series": len(scored),
            "points": points,
            "crps_skill": skill,
            "coverage50": float(np.mean(in50)) if in50 else math.nan,
            "coverage90": float(np.mean(in90)) if in90 else math.nan,
            "median_abs_log_ratio": float(np.median(alr)) if alr else math.nan,
            "reversals": len(dirs),
            "direction_hits": int(sum(dirs)),
        }

    def line(self) -> str:
        t = self.totals()

        def f(x: float) -> str:
            return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"

        return f"backtest: series={t['series']} points={t['points']} crps_skill={f(t['crps_skill'])} coverage90={f(t['coverage90'])} median_abs_log_ratio={f(t['median_abs_log_ratio'])}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "years": list(self.years),
            "ensemble": self.ensemble,
            "members": self.members,
            "totals": self.totals(),
            "series": [s.as_dict() for s in self.scores],
            "inputs_not_scored": self.listed_inputs,
            "not_modelled": self.not_modelled,
            "not_comparable": self.not_comparable,
            "line": self.line(),
        }


def run_ensemble(sc, last_year: int, *, keys: Sequence[tuple[str, str]] | None = None, members: int | None = None, seed: int = 0, workers: int = 2, progress=None) -> tuple[dict[tuple[str, str], np.ndarray], np.ndarray, dict, str]:
    """Simulate the scenario to ``last_year``: one run per posterior draw (a new seed each),
    or ``members`` stochastic replicates when there is no posterior.

    Returns {(metric, entity): (members, years) array}, the years, the catalogue and a label.
    """
    from zili.experiments.calibrate import FreeParameter, Problem, parameter_space, seeds_for, simulate_many, truncated_doc
    from zili.experiments.history import model_catalogue
    from zili.experiments.run import run
    from zili.scenario.load import validate

    doc = sc.model_dump(mode="json", exclude_none=True)
    doc.pop("extends", None)
    post = doc.pop("posterior", None)
    doc["run"]["end_year"] = int(last_year)
    doc["events"] = [e for e in doc.get("events", []) if e["announce"] <= last_year and e["effect"] <= last_year]
    doc["remove_events"] = []
    probe = validate(doc)
    traj, _ = run(probe, replicates=1, seed=seed, paired=False)
    cat = model_catalogue(traj)
    years = np.asarray(traj.years)
    if keys is None:
        keys = [(b.metric, e) for b in traj.metrics for e in b.entities]
    keys = list(keys)
    if post and post.get("draws"):
        space = parameter_space(post["names"])
        draws = np.asarray(post["draws"], dtype=float)
        if members is not None:
            draws = draws[:members]
        label = f"posterior draws ({post.get('method', '')}, one stochastic replicate each)"
    else:
        space: list[FreeParameter] = []
        n = members or sc.run.replicates
        draws = np.zeros((n, 0))
        label = "stochastic replicates (no posterior: parameter uncertainty not shown)"
    targets = [(m, e, int(y)) for m, e in keys for y in years]
    prob = Problem(doc, space, targets, np.zeros(len(targets)), np.zeros(len(targets), bool), (int(years[0]), int(last_year)))
    raw, _ = simulate_many(prob, draws, seeds_for(seed + 1, len(draws)), workers=workers, progress=progress)
    raw = raw[np.isfinite(raw).all(axis=1)]
    Y = len(years)
    out = {k: raw[:, i * Y : (i + 1) * Y] for i, k in enumerate(keys)}
    return out, years, cat, label


def backtest(history: History, ensemble: dict[tuple[str, str], np.ndarray], years: np.ndarray, catalogue: dict, *, first: int, last: int, window: tuple[int, int], sigma: float = 0.0, seed: int = 0, label: str = "", uses: tuple[str, ...] = ("validate",), skip_counts: bool = False) -> Backtest:
    """Score an ensemble on the history rows in ``first..last``.

    ``sigma`` adds the calibration's model-discrepancy noise (transformed space) to the
    predictive ensemble, so the bands are those the calibration assumed. ``uses`` selects
    the rows scored (``("calibrate",)`` gives the in-sample fit, which is not a test).
    ``skip_counts`` leaves out series counted in firms (a reduced synthetic population
    does not reproduce firm counts) and lists them as not comparable.
    """
    rng = np.random.default_rng(seed)
    test = history.window(first, last, uses=uses)
    calib = history.window(window[0], window[1], uses=("calibrate",))
    by_series: dict[str, list[Observation]] = {}
    for o in test:
        by_series.setdefault(o.series, []).append(o)
    scores, inputs = [], []
    not_comparable = dict(history.not_comparable)
    ylist = [int(y) for y in years]
    members = 0
    for series, rows in sorted(by_series.items()):
        m = rows[0].metric
        info = catalogue.get(m)
        if info is None:
            continue
        if info.tag == "input":
            inputs.append(series)
            continue
        if skip_counts and rows[0].unit.lower().startswith("firms"):
            not_comparable[series] = "firm counts at a reduced synthetic population"
            continue
        ent = rows[0].entity or "china"
        arr = ensemble.get((m, ent))
        rows = [o for o in rows if o.year in ylist]
        if arr is None or not rows:
            continue
        members = arr.shape[0]
        frac = np.array([_fraction_unit(rows[0].unit)] * arr.shape[0])
        ens = []
        for o in rows:
            col = arr[:, ylist.index(o.year)]
            if sigma > 0:
                col = untransform(transform(col, frac) + sigma * rng.standard_normal(col.shape), frac)
            ens.append(col)
        wobs = sorted([o for o in calib if o.series == series], key=lambda o: o.year)
        scores.append(score_series(series, info.tag, info.unit, [o.year for o in rows], [o.value for o in rows], ens, wobs, seed=seed))
    return Backtest(scores, inputs, history.not_modelled, not_comparable, label, members, (first, last))
