"""``zili params``, ``zili calibrate`` and ``zili backtest``: parameters, Bayesian
calibration against a history window, and out-of-sample scoring."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from zili.cli.app import RichProgress, _fail, app, console, err
from zili.cli.core import load_or_exit


def _SimProgress(label: str) -> RichProgress:
    """Progress counting simulations, not years."""
    return RichProgress(label, unit="simulations")


def _window(text: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in text.split(":"))
    except ValueError:
        _fail(f"--window {text!r}: allowed: FIRST:LAST years, e.g. 2014:2019")
    if b < a:
        _fail(f"--window {text!r}: last year before first; allowed: FIRST:LAST with FIRST <= LAST")
    return a, b


def _catalogue(scenario: str, sets: list[str] | None):
    from zili.experiments.calibrate import truncated_doc
    from zili.experiments.history import model_catalogue
    from zili.experiments.run import run
    from zili.scenario import ScenarioError
    from zili.scenario.load import validate

    try:
        doc = truncated_doc(scenario, load_or_exit(scenario, sets).run.start_year, firms=50, sets=sets or [])
        traj, _ = run(validate(doc), replicates=1, seed=0, paired=False)
    except ScenarioError as exc:
        _fail(str(exc))
    return model_catalogue(traj)


def _history(path: Optional[Path], catalogue):
    from zili.experiments.history import HistoryError, read_history, shipped_history

    try:
        return read_history(path or shipped_history(), catalogue)
    except HistoryError as exc:
        _fail(str(exc))


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    return f"{x:.4g}"


def _stored_screening() -> dict[str, float]:
    from zili.scenario.load import shipped_scenarios

    if "baseline" not in shipped_scenarios():
        return {}
    from zili.scenario import load_scenario

    sc = load_scenario("baseline")
    diag = sc.posterior.diagnostics if sc.posterior else {}
    return {k.removeprefix("mu_star:"): v for k, v in diag.items() if k.startswith("mu_star:")}


@app.command()
def params(
    screen: bool = typer.Option(False, "--screen", help="run a fresh Morris screening (about 400 short simulations) instead of showing the stored one"),
    scenario: str = typer.Option("baseline", "--scenario", help="scenario to screen"),
    history: Optional[Path] = typer.Option(None, "--history", help="history CSV (default: the shipped one)"),
    window: str = typer.Option("2014:2019", "--window", help="calibration window FIRST:LAST"),
    trajectories: int = typer.Option(4, "--trajectories", min=2, help="Morris trajectories"),
    firms: int = typer.Option(2000, "--firms", min=50, help="synthetic firms per screening run"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Print every parameter (sourced / literature prior / free) and the screening of the free ones.

    Example: zili params --screen
    """
    from zili.scenario.params import parameter_table

    rows = parameter_table()
    counts = {k: sum(r["kind"] == k for r in rows) for k in ("sourced", "prior", "free")}
    from zili.data import unsourced_parameters

    n_data = len(unsourced_parameters())
    ranking: dict[str, float] = {}
    moments = None
    if screen:
        from zili.experiments.calibrate import make_problem
        from zili.experiments.screening import data_groups, morris_screen

        cat = _catalogue(scenario, None)
        hist = _history(history, cat)
        problem = make_problem(scenario, hist, _window(window), [], firms=firms, catalogue=cat)
        moments = sum(problem.moments().values())
        res = morris_screen(problem, groups=data_groups(), trajectories=trajectories, workers=workers, progress=_SimProgress("screening"))
        ranking = dict(res.ranking())
    else:
        ranking = _stored_screening()
    if as_json:
        console.print_json(json.dumps({"parameters": rows, "counts": counts, "unsourced_data_values": n_data, "screening_mu_star": ranking, "moments": moments}, default=str))
        return
    t = Table(title="zili parameters", show_lines=False)
    for c in ("name", "default", "range", "kind", "mu*", "reference"):
        t.add_column(c, overflow="fold")
    for r in rows:
        mu = ranking.get(f"params.{r['name']}")
        t.add_row(r["name"], str(r["default"]), f"{r['range'][0]}..{r['range'][1]}" if r["range"] else "", r["kind"], _fmt(mu) if mu is not None else "", (r["ref"] or "")[:60])
    console.print(t)
    console.print(f"kinds: sourced={counts['sourced']} prior={counts['prior']} free={counts['free']}; unsourced data values (parameters with ranges)={n_data}")
    if ranking:
        console.print("screening (Morris mu*, mean over calibration summaries, each scaled by its s.d.; data values screened in groups):")
        for name, mu in list(ranking.items())[:15]:
            console.print(f"  {name:55s} {mu:.3f}")
    else:
        console.print("screening: none stored; run `zili params --screen`")


@app.command()
def calibrate(
    scenario: str = typer.Argument("baseline", help="scenario to calibrate"),
    history: Optional[Path] = typer.Option(None, "--history", help="history CSV (default: the shipped one)"),
    window: str = typer.Option("2014:2019", "--window", help="calibration window FIRST:LAST; only data inside it is read"),
    method: str = typer.Option("npe", "--method", help="npe (sbi neural posterior estimation) or abc (pyabc ABC-SMC)"),
    simulations: int = typer.Option(1000, "--simulations", "-n", min=20, help="simulation budget"),
    free: Optional[List[str]] = typer.Option(None, "--free", help="calibrated parameter (repeatable; default: the top of a Morris screening, at most a third of the moments)"),
    firms: int = typer.Option(2000, "--firms", min=50, help="synthetic firms per calibration run (reduced: shares and money are roughly size-invariant; firm counts are left out)"),
    draws: int = typer.Option(200, "--draws", min=10, help="posterior draws to store"),
    sigma: float = typer.Option(0.2, "--sigma", min=0.0, help="model-discrepancy s.d. in transformed (logit/log) space"),
    seed: int = typer.Option(0, "--seed", min=0, help="root seed"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="overlay TOML to write (default: ./<scenario>-calibrated.toml)"),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="override a value before calibrating (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON object"),
) -> None:
    """Calibrate free parameters to history by simulation-based inference, check the
    posterior with SBC, and write ~200 draws as a scenario overlay that extends SCENARIO.

    Example: zili calibrate baseline --history history.csv --window 2014:2019 --simulations 1500
    """
    from zili.experiments.calibrate import calibrate_abc, calibrate_npe, make_problem, overlay_toml
    from zili.experiments.screening import choose_free, data_groups, morris_screen

    if method not in ("npe", "abc"):
        _fail(f"--method {method!r}: allowed: npe, abc")
    import importlib.util

    needed = ("torch", "sbi") if method == "npe" else ("pyabc",)
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        _fail(f"--method {method} needs {', '.join(missing)}, not installed; allowed: pip install 'zili[calibrate]'")
    win = _window(window)
    load_or_exit(scenario, set_)
    cat = _catalogue(scenario, set_)
    hist = _history(history, cat)
    try:
        problem = make_problem(scenario, hist, win, [], firms=firms, sigma=sigma, sets=set_ or [], catalogue=cat)
    except ValueError as exc:
        _fail(str(exc))
    moments = sum(problem.moments().values())
    max_free = max(1, moments // 3)
    screening: dict[str, float] = {}
    if free:
        names = list(free)
        if len(names) > max_free:
            _fail(f"--free: {len(names)} parameters for {moments} independent moments; allowed: at most {max_free} (a third)")
    else:
        res = morris_screen(problem, groups=data_groups(), trajectories=4, seed=seed, workers=workers, progress=_SimProgress("screening"))
        screening = dict(res.ranking())
        names = choose_free(res, max_free)
    try:
        problem = make_problem(scenario, hist, win, names, firms=firms, sigma=sigma, sets=set_ or [], catalogue=cat)
    except ValueError as exc:
        _fail(str(exc))
    err.print(f"calibrating {', '.join(names)} on {len(problem.targets)} observations ({moments} independent moments) with {method.upper()}")
    t0 = time.perf_counter()
    if method == "npe":
        cal = calibrate_npe(problem, simulations=simulations, draws=draws, seed=seed, workers=workers, progress=_SimProgress("simulating"))
    else:
        cal = calibrate_abc(problem, simulations=simulations, draws=draws, seed=seed, workers=workers)
    cal.timings["total_s"] = time.perf_counter() - t0
    src = str(history) if history else "zili/data/history.csv"
    note = (
        f"free parameters chosen by Morris screening (top {max_free} of the free behavioural parameters; {moments} independent moments: "
        "1 per single-year series, 2 per longer series); all other parameters and unsourced data values stay at the parent scenario's values"
        if not free
        else f"free parameters given on the command line; {moments} independent moments"
    )
    from zili.scenario.load import shipped_scenarios

    parent = scenario if scenario in shipped_scenarios() else str(Path(scenario).resolve())
    mu = {f"mu_star:{k}": float(v) for k, v in list(screening.items())[:30]}
    name = out.stem if out is not None else f"{Path(scenario).stem}-calibrated"  # the file name is the scenario name
    text = overlay_toml(cal, extends=parent, name=name, history=src, window=win, firms=firms, sigma=sigma, fixed_note=note, extra_diagnostics=mu)
    target = out or Path(f"{Path(scenario).stem}-calibrated.toml")
    target.write_text(text, encoding="utf-8")
    summary = cal.summary()
    if as_json:
        console.print_json(json.dumps({"method": cal.method, "parameters": summary, "sbc": cal.sbc, "timings": cal.timings, "moments": moments, "observations": len(problem.targets), "failures": cal.failures[:10], "overlay": str(target)}, default=float))
        return
    t = Table(title=f"posterior ({cal.method.upper()}, {cal.simulations} simulations, firms={firms})")
    for c in ("parameter", "prior range", "default", "median", "90% interval", "width / prior"):
        t.add_column(c)
    for r in summary:
        t.add_row(r["name"], f"{_fmt(r['prior_low'])}..{_fmt(r['prior_high'])}", _fmt(r["default"]), _fmt(r["median"]), f"{_fmt(r['q05'])}..{_fmt(r['q95'])}", f"{r['width_ratio']:.2f}")
    console.print(t)
    if "coverage90" in cal.sbc:
        lo, hi = cal.sbc["coverage90_band"]
        if "unwidened" in cal.sbc:
            raw = cal.sbc["unwidened"]
            lam = ", ".join(f"{n.split('.')[-1]} x{v:.2f}" for n, v in cal.sbc["widening"].items())
            console.print(f"SBC before widening: coverage90={raw['coverage90']:.3f}, min rank-uniformity p={raw['min_rank_uniformity_p']:.3f}; "
                          f"widening (tuned on {cal.sbc['tuned_on']} other held-out sets): {lam}")
        console.print(f"SBC on {cal.sbc['n']} held-out synthetic data sets: coverage90={cal.sbc['coverage90']:.3f} (95% band {lo:.3f}..{hi:.3f}), min rank-uniformity p={cal.sbc['min_rank_uniformity_p']:.3f}")
    else:
        console.print(f"SBC: {cal.sbc.get('skipped', 'not run')}")
    console.print("timings: " + ", ".join(f"{k}={_fmt(v)}" for k, v in cal.timings.items()))
    if cal.failures:
        console.print(f"{len(cal.failures)} simulations failed (left out); first: {cal.failures[0]}")
    console.print(f"wrote {target}")


@app.command()
def backtest(
    scenario: str = typer.Argument("baseline", help="scenario (with a [posterior] the draws are run; the shipped baseline has one)"),
    history: Optional[Path] = typer.Option(None, "--history", help="history CSV (default: the shipped one)"),
    from_: int = typer.Option(2020, "--from", help="first held-out year"),
    to: int = typer.Option(2024, "--to", help="last held-out year"),
    window: Optional[str] = typer.Option(None, "--window", help="calibration window for the trend benchmark (default: the posterior's, else 2014:2019)"),
    members: Optional[int] = typer.Option(None, "--members", min=2, help="posterior draws (or replicates) to run (default: all draws / the scenario's replicates)"),
    firms: Optional[int] = typer.Option(None, "--firms", min=50, help="synthetic firms (default: the posterior's calibration size, else the scenario's)"),
    seed: int = typer.Option(0, "--seed", min=0, help="root seed"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes"),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="override a value (repeatable)"),
    in_sample: bool = typer.Option(False, "--in-sample", help="score the calibration rows instead (in-sample fit, not a test)"),
    as_json: bool = typer.Option(False, "--json", help="print everything as one JSON object"),
) -> None:
    """Score the predictive distribution on held-out years against a trend extrapolation.

    Example: zili backtest baseline --from 2020 --to 2024
    """
    from zili.experiments.validate import backtest as run_backtest
    from zili.experiments.validate import run_ensemble

    if to < from_:
        _fail(f"--to {to} is before --from {from_}; allowed: FROM <= TO")
    sc = load_or_exit(scenario, set_)
    post = sc.posterior
    win = _window(window) if window else (tuple(post.window) if post and post.window else (2014, 2019))
    if firms is None and post and post.firms:
        firms = post.firms
    reduced = firms is not None and firms < sc.run.firms
    if firms is not None:
        sc = sc.model_copy(update={"run": sc.run.model_copy(update={"firms": firms})})
    if to > sc.run.end_year:
        _fail(f"--to {to} is after the scenario's end year {sc.run.end_year}")
    cat = _catalogue(scenario, set_)
    hist = _history(history, cat)
    keys = sorted({(o.metric, o.entity or "china") for o in hist.window(from_, to) if o.metric in cat})
    sigma = float(post.diagnostics.get("sigma", 0.0)) if post else 0.0
    if keys:
        ens, years, cat, label = run_ensemble(sc, to, keys=keys, members=members, seed=seed, workers=workers, progress=_SimProgress("backtest"))
    else:
        import numpy as np

        ens, years, label = {}, np.arange(sc.run.start_year, to + 1), "none (no history rows in the test years)"
    res = run_backtest(hist, ens, years, cat, first=from_, last=to, window=win, sigma=sigma, seed=seed, label=label, uses=("calibrate",) if in_sample else ("validate",), skip_counts=reduced)
    if as_json:
        d = res.as_dict()
        d["sigma"] = sigma
        d["firms"] = sc.run.firms
        console.print_json(json.dumps(d, default=lambda x: None if isinstance(x, float) and math.isnan(x) else x).replace("NaN", "null"))
        return
    if in_sample:
        console.print("IN-SAMPLE: scoring the calibration rows the posterior was fitted to (not a test)")
    console.print(f"backtest {from_}-{to} of {scenario}: ensemble = {label}, members = {res.members}, firms = {sc.run.firms}, discrepancy sigma = {sigma}")
    t = Table()
    for c in ("series", "year", "observed", "median", "median error", "|log ratio|", "CRPS", "CRPS trend", "in 50%", "in 90%"):
        t.add_column(c)
    for s in res.scores:
        for i, y in enumerate(s.years):
            b = s.crps_benchmark[i]
            t.add_row(s.series, str(y), _fmt(s.observed[i]), _fmt(s.median[i]), _fmt(s.median_error[i]), _fmt(s.abs_log_ratio[i]), _fmt(s.crps[i]), _fmt(b) if b is not None else "n/a", "yes" if s.in50[i] else "no", "yes" if s.in90[i] else "no")
    console.print(t)
    for s in res.scores:
        console.print(f"{s.series}: crps_skill={_fmt(s.crps_skill)}" + (" (no trend benchmark: fewer than 2 window points)" if all(b is None for b in s.crps_benchmark) else ""))
        for d in s.direction:
            console.print(f"  reversal {d['year']}: observed {d['observed']:+d}, model {d['model']}, hit={d['hit']}")
    if res.listed_inputs:
        console.print(f"inputs (listed, not scored): {', '.join(res.listed_inputs)}")
    if res.not_modelled:
        console.print(f"not modelled (ignored): {', '.join(res.not_modelled)}")
    for k, v in res.not_comparable.items():
        console.print(f"not comparable (ignored): {k}: {v}")
    t_ = res.totals()
    console.print(f"coverage50={_fmt(t_['coverage50'])} reversals={t_['reversals']} direction_hits={t_['direction_hits']}")
    console.print(res.line(), highlight=False, soft_wrap=True)
