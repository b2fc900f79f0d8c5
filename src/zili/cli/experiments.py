"""Experiment commands: ensembles, sensitivity analysis, scenario discovery, budget optimisation.

Every command runs on the serial backend by default, on local processes with
``--workers N``, or on Dask with ``--dask local:N`` / ``--dask tcp://HOST:PORT``; shows
a progress bar; writes a sweep directory of Parquet shards that resumes when the same
command is run again; and records the sweep in the DuckDB catalogue.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from zili.cli.app import _fail, app, console, err

_SEMI_CHAIN = "eda,core_ip,lithography,deposition,etch,metrology,wafers,materials"


class BatchProgress:
    """Rich progress sink counting batches (or candidates)."""

    def __init__(self, label: str, unit: str = "batches"):
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False)
        self.label = label
        self.task = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=total)

    def advance(self, n: int = 1) -> None:
        if n:
            self.bar.advance(self.task, n)

    def stop(self) -> None:
        self.bar.stop()


# ---------------------------------------------------------------- shared option handling


def _load(scenario: str, sets: list[str] | None, replicates: int | None, seed: int | None):
    from zili.experiments.uncertain import load_experiment
    from zili.scenario import ScenarioError

    sets = list(sets or [])
    if replicates is not None:
        sets.append(f"run.replicates={replicates}")
    if seed is not None:
        sets.append(f"run.seed={seed}")
    try:
        return load_experiment(scenario, sets=sets)
    except ScenarioError as exc:
        _fail(str(exc))


def _items(space, params: list[str] | None):
    """The uncertain parameters: the scenario's [[uncertain]], else every free/prior parameter; --param narrows or adds."""
    from zili.experiments.uncertain import canonical_name, default_space, make_uncertain
    from zili.scenario import ScenarioError

    declared = {u.name: u for u in space.uncertain}
    try:
        if not params:
            return list(declared.values()) or default_space()
        out = []
        for p in params:
            name, _, rng = p.partition("=")
            cname = canonical_name(name)
            if rng:
                lo, _, hi = rng.partition(":")
                out.append(make_uncertain(name=cname, low=float(lo), high=float(hi)))
            else:
                out.append(declared.get(cname) or make_uncertain(name=cname))
        return out
    except (ScenarioError, ValueError) as exc:
        _fail(f"--param: {exc}")


def _variants(sc, space, switches: list[str] | None) -> dict:
    from zili.experiments.uncertain import switch_variants
    from zili.scenario import ScenarioError

    out = space.variant_sets()
    try:
        for v in switch_variants(sc, list(switches or [])):
            out[v.name] = dict(v.set)
    except ScenarioError as exc:
        _fail(str(exc))
    return out


def _executor(workers: int | None, dask: str | None):
    import importlib.util

    from zili.execution import make_executor

    if dask and importlib.util.find_spec("distributed") is None:
        _fail("--dask needs Dask distributed, which is not installed; allowed: pip install 'zili[dask]', or --workers N for local processes")
    try:
        return make_executor(workers=workers, dask=dask)
    except ValueError as exc:
        _fail(str(exc))


def _out_dir(out: Path | None, kind: str, sc, fingerprint: str) -> Path:
    from zili.store.catalogue import default_home

    return out if out is not None else default_home() / f"{kind}-{sc.name}-{fingerprint}"


def _run(sweep, out, workers, dask, catalogue, overwrite, label):
    from zili.execution.sweep import SweepMismatch, run_sweep

    fp = sweep.manifest()["fingerprint"]
    out_dir = _out_dir(out, sweep.kind, sweep.scenario, fp)
    ex = _executor(workers, dask)
    try:
        with ex:
            res = run_sweep(sweep, out_dir, ex, progress=BatchProgress(f"{label} [{ex.label}]"), overwrite=overwrite, catalogue=catalogue)
    except SweepMismatch as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail(f"interrupted; completed batches are kept in {out_dir}; run the same command to resume", 130)
    status = res.status()
    failed = status[~status["ok"].astype(bool)] if len(status) else status
    if len(failed):
        err.print(f"[yellow]{len(failed)} of {len(status)} runs failed[/]; first: draw {failed.iloc[0]['draw']} ({failed.iloc[0]['variant']}): {failed.iloc[0]['reason']}", highlight=False)
    if res.resumed_batches:
        console.print(f"resumed: {res.resumed_batches} batches were already complete, ran {res.ran_batches}", highlight=False)
    return res


def _write_table(frame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if path.suffix == ".csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _design(items, n, method, seed, sc):
    from zili.experiments.design import posterior_frame, sample

    try:
        return sample(items, n, method=method, seed=seed, posterior=posterior_frame(sc) if method == "posterior" else None)
    except ValueError as exc:
        _fail(str(exc))


_SCEN = typer.Argument("baseline", help="shipped scenario name or path to a TOML file")
_SET = typer.Option(None, "--set", help="override a value, e.g. --set run.firms=2000 (repeatable)")
_WORKERS = typer.Option(None, "--workers", min=1, help="local worker processes (default: serial)")
_DASK = typer.Option(None, "--dask", help="local:N starts a Dask LocalCluster; tcp://HOST:PORT joins a running scheduler")
_OUT = typer.Option(None, "--out", "-o", help="sweep directory (default: $ZILI_HOME/KIND-SCENARIO-FINGERPRINT); the same command resumes it")
_CAT = typer.Option(None, "--catalogue", help="DuckDB catalogue file or folder (default: $ZILI_HOME or ./runs)")
_PARAM = typer.Option(None, "--param", help="uncertain parameter NAME or NAME=LOW:HIGH (repeatable; default: the scenario's uncertain tables, else every free and prior real-valued parameter)")
_VARIANT = typer.Option(None, "--variant", help="structural variant: a switch to flip, e.g. params.capital.crowding_out (repeatable)")
_REPS = typer.Option(None, "--replicates", "-r", min=1, help="stochastic replicates per draw (default: the scenario's)")
_SEED = typer.Option(None, "--seed", min=0, help="root seed (default: the scenario's)")
_BATCH = typer.Option(4, "--batch-size", min=1, help="draws per batch (one task and one shard each); part of the sweep's identity")
_OVER = typer.Option(False, "--overwrite", help="replace a different sweep found in --out")


# ---------------------------------------------------------------- ensemble


@app.command()
def ensemble(
    scenario: str = _SCEN,
    n: int = typer.Option(100, "-n", "--draws", min=1, help="parameter draws"),
    method: str = typer.Option("lhs", "--method", help="mc | lhs | posterior (the scenario's calibrated posterior draws)"),
    metrics: Optional[List[str]] = typer.Option(None, "--metric", help="store only these metrics (repeatable; default: all)"),
    param: Optional[List[str]] = _PARAM,
    variant: Optional[List[str]] = _VARIANT,
    replicates: Optional[int] = _REPS,
    seed: Optional[int] = _SEED,
    set_: Optional[List[str]] = _SET,
    batch_size: int = _BATCH,
    workers: Optional[int] = _WORKERS,
    dask: Optional[str] = _DASK,
    out: Optional[Path] = _OUT,
    catalogue: Optional[Path] = _CAT,
    overwrite: bool = _OVER,
) -> None:
    """Draw N parameter sets x replicates (x structural variants), store every run and quantile bands.

    Bands keep stochastic (replicates), parameter (draws) and structural (variants)
    uncertainty apart. Example: zili ensemble baseline -n 200 --variant params.capital.crowding_out --dask local:4
    """
    from zili.execution.sweep import Sweep
    from zili.experiments.design import METHODS
    from zili.experiments.ensemble import quantile_bands

    if method not in METHODS:
        _fail(f"--method {method!r}; allowed: {', '.join(METHODS)}")
    sc, space = _load(scenario, set_, replicates, seed)
    items = _items(space, param) if method != "posterior" else []
    design = _design(items, n, method, sc.run.seed, sc)
    sweep = Sweep("ensemble", sc, design, _variants(sc, space, variant), replicates=sc.run.replicates, seed=sc.run.seed,
                  batch_size=batch_size, paired=True, metrics=tuple(metrics) if metrics else None, info={"method": method})
    res = _run(sweep, out, workers, dask, catalogue, overwrite, f"{sc.name}: {n} draws x {len(sweep.variants)} variants x {sc.run.replicates} replicates")
    bands = quantile_bands(res.out_dir / "shards")
    bands.insert(0, "scenario", sc.name)
    _write_table(bands, res.out_dir / "quantiles.parquet")
    _print_bands(bands, sc, n, sweep)
    console.print(f"wall={res.wall_seconds:.1f}s backend={res.backend} wrote {res.out_dir} (shards/, design.parquet, quantiles.parquet)", highlight=False)


def _print_bands(bands, sc, n, sweep) -> None:
    years = sorted(bands["year"].unique())
    show_years = [y for y in (2025, 2030, 2035) if y in years] or [years[len(years) // 2], years[-1]]
    series = [("ic_self_sufficiency", "china"), ("self_sufficiency", "lithography"), ("self_sufficiency", "semiconductors"), ("nev_sales_share", "china")]
    t = Table(title=f"zili ensemble {sc.name}: median [5% to 95%] by kind of uncertainty (variant 'default'; structural: across {len(sweep.variants)} variants)", title_justify="left")
    for c in ("metric", "entity", "band", *map(str, show_years)):
        t.add_column(c, justify="right" if c.isdigit() else "left")
    for metric, entity in series:
        sub = bands[(bands["metric"] == metric) & (bands["entity"] == entity) & bands["variant"].isin(["default", "*"])]
        if sub.empty:
            continue
        for kind in ("stochastic", "parameter", "structural", "total"):
            k = sub[sub["kind"] == kind].set_index("year")
            if k.empty:
                continue
            cells = [f"{k.loc[y, 'q50']:.2g} [{k.loc[y, 'q05']:.2g}-{k.loc[y, 'q95']:.2g}]" if y in k.index else "" for y in show_years]
            t.add_row(metric, entity, kind, *cells)
    console.print(t)
    if sc.run.replicates < 2:
        console.print("note: with 1 replicate the stochastic band is zero-width; use -r 2 or more to see replicate noise", highlight=False)


# ---------------------------------------------------------------- sensitivity


@app.command()
def sensitivity(
    scenario: str = _SCEN,
    method: str = typer.Option("sobol", "--method", help="sobol (first-order and total indices) | morris (elementary effects)"),
    metric: str = typer.Option("ic_self_sufficiency", "--metric", help="METRIC[:ENTITY] (entity default: china)"),
    year: int = typer.Option(2030, "--year", help="year of the metric"),
    n: int = typer.Option(64, "-n", help="base sample: Sobol' N (rows = N x (D + 2), a power of two) or Morris trajectories (rows = N x (D + 1))"),
    param: Optional[List[str]] = _PARAM,
    replicates: Optional[int] = _REPS,
    seed: Optional[int] = _SEED,
    set_: Optional[List[str]] = _SET,
    batch_size: int = _BATCH,
    workers: Optional[int] = _WORKERS,
    dask: Optional[str] = _DASK,
    out: Optional[Path] = _OUT,
    catalogue: Optional[Path] = _CAT,
    overwrite: bool = _OVER,
) -> None:
    """Which uncertain parameters drive a metric: SALib Sobol' or Morris indices with confidence intervals.

    Example: zili sensitivity baseline --method sobol --metric ic_self_sufficiency --year 2030 -n 256 --workers 4
    """
    from zili.execution.sweep import Sweep
    from zili.experiments.sensitivity import METHODS
    from zili.experiments.targets import Series

    if method not in METHODS:
        _fail(f"--method {method!r}; allowed: {', '.join(METHODS)}")
    try:
        series = Series.parse(f"{metric}@{year}")
    except ValueError as exc:
        _fail(str(exc))
    sc, space = _load(scenario, set_, replicates, seed)
    if not sc.run.start_year <= year <= sc.run.end_year:
        _fail(f"--year {year}: outside the run; allowed: {sc.run.start_year} to {sc.run.end_year}")
    items = _items(space, param)
    mod = METHODS[method]
    design = mod.sample(items, n, seed=sc.run.seed)
    sweep = Sweep("sensitivity", sc, design, {"default": {}}, replicates=sc.run.replicates, seed=sc.run.seed, batch_size=batch_size,
                  paired=series.metric == "output_at_risk", metrics=(series.metric,), info={"method": method, "n": n, "series": str(series)})
    res = _run(sweep, out, workers, dask, catalogue, overwrite, f"{method} on {series}: {len(design)} runs, {len(items)} parameters")
    y = series.values(res.frame(metrics=[series.metric]), by=("draw",)).reindex(design["draw"]).to_numpy()
    try:
        idx = mod.analyze(items, y, seed=sc.run.seed, n=n) if method == "morris" else mod.analyze(items, y, seed=sc.run.seed)
    except ValueError as exc:
        _fail(str(exc), 1)
    idx.insert(0, "series", str(series))
    _write_table(idx, res.out_dir / "indices.parquet")
    _write_table(idx, res.out_dir / "indices.csv")
    _record_indices(idx, res, catalogue)
    main = "ST" if method == "sobol" else "mu_star"
    wide = idx.pivot(index="parameter", columns="index", values=["value", "conf"])
    wide = wide.sort_values(("value", main), ascending=False)
    t = Table(title=f"{method} indices of {series} ({len(design)} runs, {sc.run.replicates} replicates each; 95% confidence half-widths)", title_justify="left")
    t.add_column("parameter")
    cols = ["S1", "ST"] if method == "sobol" else ["mu_star", "mu", "sigma"]
    for c in cols:
        t.add_column(c, justify="right")
    for name, row in wide.iterrows():
        cells = []
        for c in cols:
            v, ci = row[("value", c)], row[("conf", c)]
            cells.append(f"{v:.3f} ± {ci:.3f}" if ci == ci else f"{v:.3g}")
        t.add_row(name, *cells)
    console.print(t)
    console.print(f"var({series})={float(y.var()):.3g} wall={res.wall_seconds:.1f}s backend={res.backend} wrote {res.out_dir / 'indices.parquet'}", highlight=False)


def _record_indices(idx, res, catalogue) -> None:
    from zili.store import Catalogue

    if catalogue is False:
        return
    sweep_id = res.sweep_id
    frame = idx.assign(sweep_id=sweep_id)
    with Catalogue(catalogue) as cat:
        cat.con.execute("CREATE TABLE IF NOT EXISTS sensitivity_indices (sweep_id VARCHAR, series VARCHAR, method VARCHAR, parameter VARCHAR, index VARCHAR, value DOUBLE, conf DOUBLE)")
        cat.con.execute("DELETE FROM sensitivity_indices WHERE sweep_id = ?", [sweep_id])
        cat.con.register("new_idx", frame[["sweep_id", "series", "method", "parameter", "index", "value", "conf"]])
        cat.con.execute("INSERT INTO sensitivity_indices SELECT * FROM new_idx")
        cat.con.unregister("new_idx")


# ---------------------------------------------------------------- discover


@app.command()
def discover(
    scenario: str = _SCEN,
    target: str = typer.Option(..., "--target", help='condition, e.g. "ic_self_sufficiency@2030>=0.5"'),
    n: int = typer.Option(200, "-n", "--draws", min=2, help="parameter draws (Latin hypercube)"),
    threshold: float = typer.Option(0.8, "--threshold", min=0.0, max=1.0, help="density a box should reach"),
    min_mass: float = typer.Option(0.05, "--min-mass", min=0.0, max=1.0, help="smallest box, share of draws"),
    alpha: float = typer.Option(0.05, "--alpha", min=0.01, max=0.5, help="share peeled per PRIM step"),
    boxes: int = typer.Option(2, "--boxes", min=1, help="boxes to find (covering)"),
    ema: Optional[Path] = typer.Option(None, "--ema", help="also export the experiments and outcomes as EMA Workbench's save_results tar.gz"),
    param: Optional[List[str]] = _PARAM,
    replicates: Optional[int] = _REPS,
    seed: Optional[int] = _SEED,
    set_: Optional[List[str]] = _SET,
    batch_size: int = _BATCH,
    workers: Optional[int] = _WORKERS,
    dask: Optional[str] = _DASK,
    out: Optional[Path] = _OUT,
    catalogue: Optional[Path] = _CAT,
    overwrite: bool = _OVER,
) -> None:
    """Scenario discovery: PRIM boxes of uncertain parameters in which a target is met, with coverage and density.

    Example: zili discover baseline --target "ic_self_sufficiency@2030>=0.5" -n 500 --ema runs/ic.tar.gz
    """
    import numpy as np

    from zili.execution.sweep import Sweep
    from zili.experiments.design import sample
    from zili.experiments.discovery import boxes_frame, prim
    from zili.experiments.targets import Target

    try:
        tgt = Target.parse(target)
    except ValueError as exc:
        _fail(str(exc))
    sc, space = _load(scenario, set_, replicates, seed)
    if not sc.run.start_year <= tgt.series.year <= sc.run.end_year:
        _fail(f"--target year {tgt.series.year}: outside the run; allowed: {sc.run.start_year} to {sc.run.end_year}")
    items = _items(space, param)
    design = sample(items, n, method="lhs", seed=sc.run.seed)
    sweep = Sweep("discover", sc, design, {"default": {}}, replicates=sc.run.replicates, seed=sc.run.seed, batch_size=batch_size,
                  paired=tgt.series.metric == "output_at_risk", metrics=(tgt.series.metric,), info={"target": str(tgt)})
    res = _run(sweep, out, workers, dask, catalogue, overwrite, f"discover {tgt}: {n} draws")
    frame = res.frame(metrics=[tgt.series.metric])
    values = tgt.series.values(frame, by=("draw",)).reindex(design["draw"])
    ok = values.notna().to_numpy()
    met = tgt.met(values.to_numpy()) & ok
    x = design.loc[ok, [u.name for u in items]].reset_index(drop=True)
    found = prim(x, met[ok], alpha=alpha, min_mass=min_mass, threshold=threshold, max_boxes=boxes)
    bounds = {u.name: (u.low, u.high) for u in items}
    table = boxes_frame(found, bounds)
    table.insert(0, "target", str(tgt))
    _write_table(table, res.out_dir / "boxes.csv")
    _write_table(design.assign(value=values.to_numpy(), met=met), res.out_dir / "outcomes.parquet")
    console.print(f"{tgt}: met in {int(met.sum())} of {int(ok.sum())} draws ({met[ok].mean():.0%}); median {np.nanmedian(values):.3g}", highlight=False)
    if not found:
        console.print("no box: the target is met in no draw (or in every draw)")
    for b, box in enumerate(found, 1):
        t = Table(title=f"box {b}: coverage {box.coverage:.0%}, density {box.density:.0%}, mass {box.mass:.0%} ({box.n} draws)", title_justify="left")
        for c in ("parameter", "box low", "box high", "range"):
            t.add_column(c)
        for name in box.restricted:
            lo, hi = box.limits[name]
            t.add_row(name, f"{lo:.4g}", f"{hi:.4g}", f"{bounds[name][0]:.4g} to {bounds[name][1]:.4g}")
        console.print(t)
    if ema is not None:
        from zili.experiments.ema import ema_tables, save_ema

        experiments, outcomes = ema_tables(design, frame, [(tgt.series.metric, tgt.series.entity)], scalar_years=[tgt.series.year])
        save_ema(ema, experiments, outcomes)
        console.print(f"wrote {ema} (EMA Workbench layout: ema_workbench.load_results reads it)", highlight=False)
    console.print(f"wall={res.wall_seconds:.1f}s backend={res.backend} wrote {res.out_dir / 'boxes.csv'}", highlight=False)


# ---------------------------------------------------------------- optimise


@app.command()
def optimise(
    scenario: str = _SCEN,
    budget_rmb_bn: float = typer.Option(..., "--budget-rmb-bn", min=0.0, help="total money of an extra programme, RMB bn nominal"),
    objective: str = typer.Option(..., "--objective", help='e.g. "max self_sufficiency:lithography@2030"'),
    nodes: str = typer.Option(_SEMI_CHAIN, "--nodes", help="comma-separated nodes the programme may fund"),
    instruments: str = typer.Option("equity,grant,loan,subsidy", "--instruments", help="comma-separated instruments"),
    from_year: Optional[int] = typer.Option(None, "--from-year", help="first year of payments (default: 2025 if in the run, else the start year)"),
    to_year: Optional[int] = typer.Option(None, "--to-year", help="last year of payments (default: the objective's year)"),
    draws: int = typer.Option(8, "--draws", min=1, help="parameter draws every candidate is evaluated on (common random numbers)"),
    trials: int = typer.Option(40, "--trials", min=2, help="candidate splits to evaluate (the equal split first)"),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe | cmaes | random (Optuna)"),
    top: int = typer.Option(5, "--top", min=1, help="splits to show"),
    param: Optional[List[str]] = _PARAM,
    replicates: Optional[int] = _REPS,
    seed: Optional[int] = _SEED,
    set_: Optional[List[str]] = _SET,
    workers: Optional[int] = _WORKERS,
    dask: Optional[str] = _DASK,
    out: Optional[Path] = _OUT,
) -> None:
    """Search the split of a budget across nodes x instruments that does well across the uncertainty.

    Reports expected value, regret against the best split in each draw, and the gain over
    the equal split, not one "optimum". Example:
    zili optimise baseline --budget-rmb-bn 100 --objective "max self_sufficiency:lithography@2030" --trials 60 --dask local:4
    """
    from zili.experiments.design import sample
    from zili.experiments.optimise import SAMPLERS, BudgetProblem, top_cells
    from zili.experiments.optimise import optimise as run_optimise
    from zili.experiments.targets import Objective
    from zili.store.catalogue import default_home

    try:
        obj = Objective.parse(objective)
    except ValueError as exc:
        _fail(str(exc))
    if sampler not in SAMPLERS:
        _fail(f"--sampler {sampler!r}; allowed: {', '.join(SAMPLERS)}")
    sc, space = _load(scenario, set_, replicates, seed)
    start, end = sc.run.start_year, sc.run.end_year
    if not start <= obj.series.year <= end:
        _fail(f"--objective year {obj.series.year}: outside the run; allowed: {start} to {end}")
    y0 = from_year if from_year is not None else (2025 if start <= 2025 <= obj.series.year else start)
    y1 = to_year if to_year is not None else obj.series.year
    if not start <= y0 <= y1 <= end:
        _fail(f"payment years {y0}-{y1}; allowed: {start} <= --from-year <= --to-year <= {end}")
    items = _items(space, param)
    design = sample(items, draws, method="lhs", seed=sc.run.seed)
    try:
        problem = BudgetProblem(sc, budget_rmb_bn, [s.strip() for s in nodes.split(",") if s.strip()], [s.strip() for s in instruments.split(",") if s.strip()],
                                obj, design, y0, y1, replicates=sc.run.replicates, seed=sc.run.seed, paired=obj.series.metric == "output_at_risk")
    except ValueError as exc:
        _fail(str(exc))
    ex = _executor(workers, dask)
    try:
        with ex:
            res = run_optimise(problem, ex, trials=trials, sampler=sampler, seed=sc.run.seed, progress=BatchProgress(f"optimise {obj} [{ex.label}]", "candidates"))
    except ValueError as exc:
        _fail(str(exc))
    out_dir = out if out is not None else default_home() / f"optimise-{sc.name}-{os.urandom(3).hex()}"
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_table(res.splits.reset_index(), out_dir / "splits.parquet")
    _write_table(res.values.rename(columns=str).reset_index(), out_dir / "values.parquet")
    table = res.table.join(res.splits)
    _write_table(table.reset_index(), out_dir / "robustness.csv")
    (out_dir / "optimise.json").write_text(json.dumps({"objective": str(obj), "budget_rmb_bn": budget_rmb_bn, "years": [y0, y1], "nodes": problem.nodes,
                                                        "instruments": problem.instruments, "reference_without_programme": res.reference, **res.info}, indent=2))
    t = Table(title=f"{obj}: RMB {budget_rmb_bn:g} bn in {y0}-{y1}, {trials} splits x {draws} draws (common random numbers); ranked by mean regret", title_justify="left")
    for c in ("rank", "split (largest shares)", "mean", "mean regret", "worst regret", "P(best)", "gain vs equal split"):
        t.add_column(c, justify="left" if c.startswith("split") else "right")
    shown = list(res.table.index[:top])
    if res.baseline not in shown:
        shown.append(res.baseline)
    for rank, c in enumerate(shown, 1):
        r = res.table.loc[c]
        label = "equal split (baseline)" if c == res.baseline else top_cells(res.splits.loc[c])
        t.add_row(str(rank) if c in res.table.index[:top] else "-", label, f"{r['mean']:.4g}", f"{r['mean_regret']:.3g}", f"{r['max_regret']:.3g}",
                  f"{r['p_best']:.0%}", f"{r['gain']:+.3g} ± {r['gain_ci95']:.2g}")
    console.print(t)
    if res.reference is not None:
        console.print(f"without the programme: mean {res.reference:.4g}; regret is against the best evaluated split in each draw", highlight=False)
    console.print(f"wrote {out_dir} (robustness.csv, splits.parquet, values.parquet)", highlight=False)
