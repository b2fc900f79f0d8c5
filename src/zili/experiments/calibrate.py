"""Bayesian calibration of zili's free parameters against a history window.

Simulation-based inference: the model is simulated at parameter values drawn from the
prior (uniform on each free parameter's stated range), summarised by its values at the
observed (series, year) points, and either a neural posterior estimator (``sbi``, NPE) is
trained on those pairs or ABC-SMC (``pyabc``) is run. A simulation-based calibration
(SBC) check on held-out synthetic data from the model itself shows whether the posterior
is honest (rank uniformity, 90% interval coverage). Only observations inside the window
are read. No files are written here; :func:`overlay_toml` returns the overlay text.

Notes
-----
Summaries are transformed (logit for fractions, ``log1p`` otherwise) and a Gaussian
model-discrepancy term of standard deviation ``sigma`` (default 0.2, i.e. roughly 20%
relative error) is added to every simulated summary: the model is not the world, and
without that term the posterior of a misspecified model is overconfident.

References
----------
Greenberg, Nonnenmacher & Macke (2019), Automatic posterior transformation for
likelihood-free inference, ICML, arXiv:1905.07488 (NPE). Talts et al. (2018), Validating
Bayesian inference algorithms with simulation-based calibration, arXiv:1804.06788 (SBC).
Schaelte et al. (2022), pyABC: efficient and robust easy-to-use approximate Bayesian
computation, JOSS 7(74):4304, doi:10.21105/joss.04304.
"""

from __future__ import annotations

import copy
import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from zili.experiments.history import History, Observation

#: relative model-discrepancy s.d. in transformed space (see module Notes)
DEFAULT_SIGMA = 0.2


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class FreeParameter:
    """A calibrated parameter: ``params.<group>.<name>`` or ``data.<file:key:column>``."""

    name: str
    low: float
    high: float
    default: float
    integer: bool = False

    def from_unit(self, u: float) -> float:
        v = self.low + float(u) * (self.high - self.low)
        return float(round(v)) if self.integer else v

    def to_unit(self, v: float) -> float:
        return (float(v) - self.low) / (self.high - self.low)


def parameter_space(names: Sequence[str]) -> list[FreeParameter]:
    """Resolve dotted names (``params.market.capability_pull`` or ``data.<key>``) to ranges."""
    from zili.data import unsourced_parameters
    from zili.scenario.params import Params

    out = []
    known_data = unsourced_parameters()
    for name in names:
        head, _, rest = name.partition(".")
        if head == "data":
            if rest not in known_data:
                raise ValueError(f"unknown data parameter {rest!r}; allowed: an unsourced entry (zili describe)")
            p = known_data[rest]
            out.append(FreeParameter(name, p.low, p.high, p.default))
            continue
        if head != "params" or rest.count(".") != 1:
            raise ValueError(f"parameter {name!r}: allowed: params.<group>.<name> or data.<file:key:column>")
        group, pname = rest.split(".")
        gfield = Params.model_fields.get(group)
        f = gfield.annotation.model_fields.get(pname) if gfield is not None else None
        if f is None:
            raise ValueError(f"unknown parameter {name!r}; allowed: a name listed by `zili params`")
        lo, hi = (f.json_schema_extra or {}).get("range", [None, None])
        if isinstance(lo, bool) or lo is None:
            raise ValueError(f"parameter {name!r} is a switch; allowed: numeric parameters")
        out.append(FreeParameter(name, float(lo), float(hi), float(f.default), f.annotation is int))
    return out


def apply_theta(doc: dict[str, Any], space: Sequence[FreeParameter], values: Sequence[float]) -> dict[str, Any]:
    """A copy of a raw scenario dict with the parameters set to ``values`` (natural units)."""
    out = copy.deepcopy(doc)
    for p, v in zip(space, values):
        v = int(round(v)) if p.integer else float(v)
        head, _, rest = p.name.partition(".")
        if head == "data":
            out.setdefault("data", {})[rest] = v
        else:
            group, pname = rest.split(".")
            out.setdefault("params", {}).setdefault(group, {})[pname] = v
    return out


def truncated_doc(ref: str, last_year: int, *, firms: int | None = None, sets: Sequence[str] = ()) -> dict[str, Any]:
    """The raw scenario run only to ``last_year``: events announced or taking effect later
    are dropped (they cannot act before they are announced; the one event announced in the
    window with a later effect loses only its announcement year)."""
    from zili.scenario.load import apply_sets, end_events, raw_scenario

    doc = apply_sets(raw_scenario(ref), list(sets))
    doc.setdefault("run", {})["end_year"] = int(last_year)
    if firms is not None:
        doc["run"]["firms"] = int(firms)
    end_events(doc, int(last_year))
    doc["remove_events"] = doc.get("remove_events", [])
    doc.pop("posterior", None)
    return doc


# ----------------------------------------------------------------------------- summaries


def transform(values: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Summary transform: logit for fractions, log1p for non-negative quantities."""
    v = np.asarray(values, dtype=float)
    frac = np.clip(v, 1e-4, 1 - 1e-4)
    return np.where(fraction, np.log(frac / (1 - frac)), np.log1p(np.maximum(v, 0.0)))


def untransform(z: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    return np.where(fraction, 1 / (1 + np.exp(-z)), np.expm1(z))


@dataclass
class Problem:
    """Everything a worker needs to turn a parameter vector into summaries."""

    doc: dict[str, Any]
    space: list[FreeParameter]
    targets: list[tuple[str, str, int]]  # (metric, entity, year)
    observed: np.ndarray  # raw values, catalogue units
    fraction: np.ndarray  # bool per target
    window: tuple[int, int]
    sigma: float = DEFAULT_SIGMA
    series: list[str] = field(default_factory=list)

    @property
    def observed_z(self) -> np.ndarray:
        return transform(self.observed, self.fraction)

    def moments(self) -> dict[str, int]:
        return independent_moments(self.series_years())

    def series_years(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for (m, e, y), s in zip(self.targets, self.series):
            out.setdefault(s, []).append(y)
        return out


def independent_moments(series_years: dict[str, list[int]]) -> dict[str, int]:
    """Independent data moments per series: 1 for a single year, 2 (level and growth)
    for two or more. Yearly values of a trending series are strongly autocorrelated, so
    six points of one smooth series carry about a level and a slope, not six facts."""
    return {s: min(len(set(ys)), 2) for s, ys in series_years.items()}


def make_problem(
    ref: str,
    history: History,
    window: tuple[int, int],
    names: Sequence[str],
    *,
    firms: int | None = 2000,
    sigma: float = DEFAULT_SIGMA,
    sets: Sequence[str] = (),
    catalogue: dict | None = None,
    exclude_counts: bool | None = None,
) -> Problem:
    """Set up a calibration: the scenario truncated to the window, targets in the window.

    Series counted in firms are left out when ``firms`` is below the scenario's own
    population (firm counts scale with the synthetic population; shares and money do not).
    """
    first, last = window
    doc = truncated_doc(ref, last, firms=firms, sets=sets)
    start = int(doc["run"].get("start_year", 2014))
    full_firms = int(doc["run"].get("firms", 20_000))
    obs: list[Observation] = [o for o in history.window(max(first, start), last, uses=("calibrate",))]
    if exclude_counts is None:
        exclude_counts = firms is not None
    if exclude_counts:
        obs = [o for o in obs if not o.unit.lower().startswith("firms")]
    if catalogue is not None:
        obs = [o for o in obs if catalogue.get(o.metric) is not None and catalogue[o.metric].tag != "input"]
    obs.sort(key=lambda o: (o.series, o.year))
    if not obs:
        raise ValueError(f"no usable observation in the window {first}:{last}")
    del full_firms
    return Problem(
        doc=doc,
        space=parameter_space(names),
        targets=[(o.metric, o.entity or "china", o.year) for o in obs],
        observed=np.array([o.value for o in obs], dtype=float),
        fraction=np.array([o.unit.lower().startswith("fraction") for o in obs]),
        window=(first, last),
        sigma=sigma,
        series=[o.series for o in obs],
    )


def simulate_raw(problem: Problem, values: Sequence[float], seed: int) -> np.ndarray:
    """Model values (catalogue units) at the targets for one parameter vector and seed."""
    from zili.experiments.run import run
    from zili.scenario.load import validate

    sc = validate(apply_theta(problem.doc, problem.space, values))
    traj, _ = run(sc, replicates=1, seed=int(seed), paired=False)
    years = list(int(y) for y in traj.years)
    return np.array([traj.value(m, e)[0, years.index(y)] for m, e, y in problem.targets], dtype=float)


_WORKER: dict[str, Any] = {}


def _init(problem: Problem) -> None:
    _WORKER["problem"] = problem


def _chunk(args: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    thetas, seeds = args
    problem = _WORKER["problem"]
    out = np.full((len(thetas), len(problem.targets)), np.nan)
    errors = []
    for i, (th, s) in enumerate(zip(thetas, seeds)):
        try:
            out[i] = simulate_raw(problem, th, int(s))
        except Exception as exc:  # a failed run is recorded, the batch goes on
            errors.append(f"theta={list(np.round(th, 4))}: {type(exc).__name__}: {exc}")
    return out, errors


def simulate_many(problem: Problem, thetas: np.ndarray, seeds: np.ndarray, *, workers: int = 2, progress=None) -> tuple[np.ndarray, list[str]]:
    """Raw summaries for many parameter vectors (natural units), in batches over processes.

    Returns the (n, d) array (NaN rows for failed runs) and the failure messages."""
    n = len(thetas)
    nb = max(1, min(n, workers * 8))
    parts = [(t, s) for t, s in zip(np.array_split(thetas, nb), np.array_split(seeds, nb)) if len(t)]
    if progress is not None:
        progress.start(n)
    results = []
    if workers <= 1:
        _init(problem)
        for p in parts:
            results.append(_chunk(p))
            if progress is not None:
                progress.advance(len(p[0]))
    else:
        import multiprocessing as mp
        import sys

        # fork is fastest, but not once JAX (multithreaded) is loaded in this process: then forkserver
        method = "fork" if "jax" not in sys.modules else "forkserver"
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method), initializer=_init, initargs=(problem,)) as ex:
            for p, r in zip(parts, ex.map(_chunk, parts)):
                results.append(r)
                if progress is not None:
                    progress.advance(len(p[0]))
    if progress is not None:
        progress.stop()
    x = np.concatenate([r[0] for r in results])
    errs = [e for r in results for e in r[1]]
    return x, errs


def seeds_for(seed: int, n: int) -> np.ndarray:
    """One integer model seed per simulation, from one root seed."""
    return np.random.SeedSequence(seed).generate_state(n, dtype=np.uint32).astype(np.int64)


# ----------------------------------------------------------------------------- results


@dataclass
class Calibration:
    """A posterior over the free parameters, with the diagnostics that make it credible."""

    method: str
    space: list[FreeParameter]
    draws: np.ndarray  # (n, k) natural units
    simulations: int
    sbc: dict[str, Any]
    timings: dict[str, float]
    failures: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> list[dict[str, Any]]:
        """Per parameter: prior range and 90% width, posterior median and 90% interval,
        and the width ratio (posterior / prior; 1 = the data say nothing)."""
        rows = []
        for j, p in enumerate(self.space):
            q05, q50, q95 = np.quantile(self.draws[:, j], [0.05, 0.5, 0.95])
            prior_w = 0.9 * (p.high - p.low)
            rows.append(
                {
                    "name": p.name,
                    "prior_low": p.low,
                    "prior_high": p.high,
                    "default": p.default,
                    "prior_width90": prior_w,
                    "median": float(q50),
                    "q05": float(q05),
                    "q95": float(q95),
                    "posterior_width90": float(q95 - q05),
                    "width_ratio": float((q95 - q05) / prior_w) if prior_w > 0 else math.nan,
                }
            )
        return rows


def sbc_statistics(ranks: np.ndarray, n_post: int, inside90: np.ndarray, names: Sequence[str], bins: int = 10) -> dict[str, Any]:
    """Rank-uniformity (chi-square over ``bins``) and 90% coverage of an SBC run.

    Parameters
    ----------
    ranks : (n_sbc, k) int, number of posterior samples below the true value (0..n_post)
    inside90 : (n_sbc, k) bool, true value inside the central 90% posterior interval
    """
    from scipy import stats

    out: dict[str, Any] = {"n": int(ranks.shape[0]), "posterior_samples": int(n_post), "per_parameter": {}}
    pvals = []
    for j, name in enumerate(names):
        counts, _ = np.histogram(ranks[:, j], bins=bins, range=(0, n_post + 1))
        p = float(stats.chisquare(counts).pvalue) if ranks.shape[0] >= bins else math.nan
        pvals.append(p)
        out["per_parameter"][name] = {"rank_uniformity_p": p, "coverage90": float(inside90[:, j].mean()), "rank_counts": counts.tolist()}
    out["coverage90"] = float(inside90.mean()) if inside90.size else math.nan
    out["min_rank_uniformity_p"] = float(np.nanmin(pvals)) if pvals and not all(math.isnan(p) for p in pvals) else math.nan
    # binomial band for the pooled coverage (per-parameter checks are noisier)
    n = inside90.size
    half = 1.96 * math.sqrt(0.9 * 0.1 / n) if n else math.nan
    out["coverage90_band"] = [0.9 - half, 0.9 + half]
    return out


# ----------------------------------------------------------------------------- NPE


class _NoTracker:
    """An sbi tracker that logs nothing (the default writes TensorBoard files to ./sbi-logs)."""

    log_dir = None

    def log_metric(self, name, value, step=None):
        pass

    def log_metrics(self, metrics, step=None):
        pass

    def log_params(self, params):
        pass

    def add_figure(self, name, figure, step=None):
        pass

    def flush(self):
        pass


def _noisy(z: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return z + sigma * rng.standard_normal(z.shape)


def _logit(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 1e-6, 1 - 1e-6)
    return np.log(u / (1 - u))


def widen(samples: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Widen posterior samples (unit space, (..., n, k)) by ``lam`` (k,) around their median, in logit space."""
    z = _logit(samples)
    med = np.median(z, axis=-2, keepdims=True)
    return 1.0 / (1.0 + np.exp(-(med + lam * (z - med))))


def _ranks_inside(samples: np.ndarray, truth: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SBC ranks and central-90% hits of ``truth`` (m, k) under widened ``samples`` (m, n, k)."""
    if len(truth) == 0:
        return np.zeros(truth.shape, dtype=int), np.zeros(truth.shape, dtype=bool)
    s = widen(samples, lam)
    ranks = (s < truth[:, None, :]).sum(axis=1)
    lo, hi = np.quantile(s, [0.05, 0.95], axis=1)
    return ranks, (truth >= lo) & (truth <= hi)


def widening(samples: np.ndarray, truth: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """Smallest factor per parameter (from ``grid``, 1 = none) whose 90% interval covers ``truth``
    at least 90% of the time over the tuning sets (a posterior is never narrowed)."""
    grid = np.round(np.arange(1.0, 4.01, 0.05), 2) if grid is None else grid
    k = truth.shape[1]
    lam = np.full(k, grid[-1])
    for j in range(k):
        col = samples[..., j : j + 1], truth[:, j : j + 1]
        lam[j] = next((g for g in grid if _ranks_inside(*col, np.array([g]))[1].mean() >= 0.9), grid[-1])
    return lam


def calibrate_npe(
    problem: Problem,
    *,
    simulations: int = 1000,
    draws: int = 200,
    seed: int = 0,
    workers: int = 2,
    sbc_share: float = 0.2,
    sbc_max: int = 300,
    sbc_samples: int = 200,
    progress=None,
    max_epochs: int | None = None,
) -> Calibration:
    """Neural posterior estimation (``sbi`` NPE with a masked autoregressive flow).

    ``simulations`` prior draws are simulated; a held-out share (up to ``sbc_max``) is
    kept for the SBC check and never used in training.
    """
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    torch.manual_seed(seed)
    torch.set_num_threads(max(1, workers))
    rng = np.random.default_rng(seed)
    k = len(problem.space)
    u = rng.random((simulations, k))
    thetas = np.array([[p.from_unit(v) for p, v in zip(problem.space, row)] for row in u])
    u = np.array([[p.to_unit(v) for p, v in zip(problem.space, row)] for row in thetas])  # integers rounded
    t0 = time.perf_counter()
    raw, failures = simulate_many(problem, thetas, seeds_for(seed, simulations), workers=workers, progress=progress)
    t_sim = time.perf_counter() - t0
    ok = np.isfinite(raw).all(axis=1)
    z = _noisy(transform(raw, problem.fraction), problem.sigma, rng)
    u, z = u[ok], z[ok]
    n_sbc = min(sbc_max, int(round(sbc_share * len(u))))
    u_tr, z_tr, u_sbc, z_sbc = u[n_sbc:], z[n_sbc:], u[:n_sbc], z[:n_sbc]
    prior = BoxUniform(torch.zeros(k), torch.ones(k))
    # a one-dimensional MAF is only a Gaussian; a mixture density network can be skewed or bimodal
    inf = NPE(prior=prior, density_estimator="maf" if k > 1 else "mdn", show_progress_bars=False, tracker=_NoTracker())
    t1 = time.perf_counter()
    train_kw = {"max_num_epochs": max_epochs} if max_epochs else {}
    est = inf.append_simulations(torch.as_tensor(u_tr, dtype=torch.float32), torch.as_tensor(z_tr, dtype=torch.float32)).train(**train_kw)
    t_train = time.perf_counter() - t1
    post = inf.build_posterior(est)
    x_o = torch.as_tensor(problem.observed_z, dtype=torch.float32)
    samples = post.sample((draws,), x=x_o, show_progress_bars=False).numpy()
    t2 = time.perf_counter()
    held = np.stack([
        post.sample((sbc_samples,), x=torch.as_tensor(z_sbc[i], dtype=torch.float32), show_progress_bars=False).numpy()
        for i in range(n_sbc)
    ]) if n_sbc else np.zeros((0, sbc_samples, k))
    # SBC-tuned widening: half of the held-out sets choose a per-parameter widening factor that
    # brings 90% coverage to nominal; the other half (never used for tuning) reports the result
    n_tune = n_sbc // 2
    lam = widening(held[:n_tune], u_sbc[:n_tune]) if n_tune >= 10 else np.ones(k)
    names = [p.name for p in problem.space]
    test_s, test_u = held[n_tune:], u_sbc[n_tune:]
    r_raw, in_raw = _ranks_inside(test_s, test_u, np.ones(k))
    r_w, in_w = _ranks_inside(test_s, test_u, lam)
    sbc = sbc_statistics(r_raw, sbc_samples, in_raw, names)
    sbc_w = sbc_statistics(r_w, sbc_samples, in_w, names)
    sbc = {**sbc_w, "widening": {n: float(v) for n, v in zip(names, lam)}, "tuned_on": int(n_tune), "unwidened": sbc}
    samples = widen(samples, lam)
    t_sbc = time.perf_counter() - t2
    nat = np.array([[p.from_unit(v) for p, v in zip(problem.space, row)] for row in np.clip(samples, 0, 1)])
    n_ok = int(ok.sum())
    return Calibration(
        method="npe",
        space=problem.space,
        draws=nat,
        simulations=simulations,
        sbc=sbc,
        timings={
            "simulate_s": t_sim,
            "simulations_per_s": n_ok / t_sim if t_sim > 0 else math.nan,
            "train_s": t_train,
            "sbc_s": t_sbc,
            "training_simulations": int(len(u_tr)),
        },
        failures=failures,
        extra={"posterior": post},
    )


# ----------------------------------------------------------------------------- ABC


def calibrate_abc(
    problem: Problem,
    *,
    simulations: int = 2000,
    draws: int = 200,
    population: int = 100,
    generations: int = 8,
    seed: int = 0,
    workers: int = 2,
    db: str | None = None,
) -> Calibration:
    """ABC-SMC (``pyabc``) with an adaptive Euclidean distance on the transformed summaries.

    SBC is not run for ABC (each synthetic data set would need a full ABC-SMC run); the
    ``sbc`` field says so.
    """
    import os
    import tempfile

    import pyabc

    np.random.seed(seed)
    k = len(problem.space)
    names = [f"p{j}" for j in range(k)]
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", 0, 1) for n in names})
    counter = {"i": 0}
    base = int(seeds_for(seed, 1)[0])

    def model(par):
        counter["i"] += 1
        th = [p.from_unit(par[n]) for p, n in zip(problem.space, names)]
        s = int(np.random.randint(0, 2**31 - 1)) ^ base
        try:
            z = transform(simulate_raw(problem, th, s), problem.fraction)
        except Exception:
            z = np.full(len(problem.targets), 1e3)
        z = z + problem.sigma * np.random.standard_normal(z.shape)
        return {f"s{i}": float(v) for i, v in enumerate(z)}

    observed = {f"s{i}": float(v) for i, v in enumerate(problem.observed_z)}
    sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers) if workers > 1 else pyabc.sampler.SingleCoreSampler()
    abc = pyabc.ABCSMC(model, prior, pyabc.AdaptivePNormDistance(p=2), population_size=population, sampler=sampler)
    path = db or os.path.join(tempfile.mkdtemp(prefix="zili-abc-"), "abc.db")
    abc.new(f"sqlite:///{path}", observed)
    t0 = time.perf_counter()
    hist = abc.run(max_nr_populations=generations, max_total_nr_simulations=simulations)
    t = time.perf_counter() - t0
    df, w = hist.get_distribution()
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(df), size=draws, p=np.asarray(w) / np.sum(w))
    u = df[names].to_numpy()[idx]
    nat = np.array([[p.from_unit(v) for p, v in zip(problem.space, row)] for row in u])
    n_sim = int(hist.total_nr_simulations)
    return Calibration(
        method="abc",
        space=problem.space,
        draws=nat,
        simulations=n_sim,
        sbc={"skipped": "SBC for ABC-SMC needs one full ABC run per synthetic data set; run on NPE"},
        timings={"simulate_s": t, "simulations_per_s": n_sim / t if t > 0 else math.nan, "generations": int(hist.max_t + 1), "final_epsilon": float(hist.get_all_populations()["epsilon"].iloc[-1])},
    )


# ----------------------------------------------------------------------------- overlay


def overlay_toml(cal: Calibration, *, extends: str, name: str, history: str, window: tuple[int, int], firms: int | None, sigma: float, fixed_note: str = "", extra_diagnostics: dict[str, float] | None = None) -> str:
    """The calibrated scenario overlay: ``extends`` the original, sets each free
    parameter to its posterior median, and stores the draws under ``[posterior]``."""
    import tomli_w

    med = np.median(cal.draws, axis=0)
    doc: dict[str, Any] = {"name": name, "extends": extends}
    doc["description"] = (
        f"{extends} with its free parameters calibrated ({cal.method.upper()}) on {history} {window[0]}-{window[1]}: "
        "parameters at the posterior median; [posterior] holds the draws (zili backtest runs them)."
    )
    params: dict[str, Any] = {}
    data: dict[str, float] = {}
    for p, v in zip(cal.space, med):
        head, _, rest = p.name.partition(".")
        v = int(round(v)) if p.integer else float(v)
        if head == "data":
            data[rest] = v
        else:
            g, n = rest.split(".")
            params.setdefault(g, {})[n] = v
    if params:
        doc["params"] = params
    if data:
        doc["data"] = data
    diag = {"simulations": float(cal.simulations), "sigma": float(sigma)}
    if "coverage90" in cal.sbc:
        diag["sbc_coverage90"] = float(cal.sbc["coverage90"])
        diag["sbc_min_rank_p"] = float(cal.sbc["min_rank_uniformity_p"])
    if "unwidened" in cal.sbc:
        diag["sbc_coverage90_unwidened"] = float(cal.sbc["unwidened"]["coverage90"])
        diag["sbc_tuned_on"] = float(cal.sbc["tuned_on"])
        for n, v in cal.sbc["widening"].items():
            diag[f"widening:{n}"] = float(v)
    for key in ("simulations_per_s", "train_s"):
        if key in cal.timings:
            diag[key] = float(cal.timings[key])
    post = {
        "method": cal.method,
        "history": history,
        "window": [int(window[0]), int(window[1])],
        "firms": int(firms) if firms is not None else 0,
        "names": [p.name for p in cal.space],
        "notes": fixed_note,
    }
    header = (
        "# Generated by `zili calibrate`; do not edit by hand.\n"
        "# [posterior].draws: one row per posterior draw, columns in the order of [posterior].names.\n"
    )
    rows = ",\n".join("    [" + ", ".join(repr(float(f"{v:.6g}")) for v in row) + "]" for row in cal.draws)
    body = tomli_w.dumps(doc) + "\n" + tomli_w.dumps({"posterior": post}).rstrip("\n") + "\n"
    body += f"draws = [\n{rows},\n]\n\n" + tomli_w.dumps({"posterior": {"diagnostics": {**diag, **(extra_diagnostics or {})}}})
    return header + body


def draw_sets(posterior: Any, i: int) -> list[str]:
    """``--set`` style overrides that apply posterior draw ``i`` to a scenario."""
    out = []
    for name, v in zip(posterior.names, posterior.draws[i]):
        out.append(f"{name}={v!r}")
    return out


def apply_draw(sc, i: int):
    """The scenario with posterior draw ``i`` applied (validated)."""
    from zili.scenario.load import validate

    doc = sc.model_dump(mode="python")
    space = parameter_space(sc.posterior.names)
    return validate(apply_theta(doc, space, sc.posterior.draws[i]))
