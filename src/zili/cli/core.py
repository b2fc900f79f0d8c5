"""Core commands: run a scenario, list shipped scenarios, describe the model and its data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from zili.cli.app import RichProgress, _fail, app, console


def load_or_exit(scenario: str, sets: list[str] | None):
    """Load a scenario or exit with status 2 and one clear line."""
    from zili.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(scenario, sets=sets or [])
    except ScenarioError as exc:
        _fail(str(exc))


@app.command()
def run(
    scenario: str = typer.Argument("baseline", help="shipped scenario name or path to a TOML file"),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", min=1, help="stochastic replicates (default: the scenario's)"),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="root seed (default: the scenario's)"),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="override a value, e.g. --set run.firms=50000 (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory (default: $ZILI_HOME or ./runs, then the run id)"),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", help="DuckDB catalogue file or folder (default: $ZILI_HOME or ./runs)"),
    backend: str = typer.Option("numba", "--backend", help="per-firm kernels: numba (compiled, default), numpy (reference) or jax (needs the [jax] extra)"),
    threads: int = typer.Option(1, "--threads", help="threads: batches of replicates side by side, or one batch's per-firm passes in pieces (same results for any number; numba backend)"),
) -> None:
    """Run a scenario, print a summary and write scenario.toml, metrics.parquet and ledger.parquet.

    Example: zili run baseline --replicates 8 --set params.capital.province_race=false --out runs/norace
    """
    from zili.experiments import run as run_scenario
    from zili.scenario import to_toml
    from zili.store import Catalogue, Results, new_run_id, write_run
    from zili.store.catalogue import default_home

    sets = list(set_ or [])
    if replicates is not None:
        sets.append(f"run.replicates={replicates}")
    if seed is not None:
        sets.append(f"run.seed={seed}")
    from zili.model.backend import BackendError, check

    try:
        check(backend)
    except BackendError as exc:
        _fail(f"--backend: {exc}")
    from zili.model.threads import check as threads_check

    try:
        threads_check(threads)
    except ValueError as exc:
        _fail(f"--threads: {exc}")
    sc = load_or_exit(scenario, sets)
    run_id = new_run_id(sc.name)
    out_dir = out if out is not None else default_home() / run_id
    from zili.store.files import _check_replaceable

    try:  # refuse a bad --out before spending time simulating
        _check_replaceable(Path(out_dir))
    except (FileExistsError, NotADirectoryError) as exc:
        _fail(f"--out {out_dir}: {exc}; allowed: a new directory or a previous run's directory")
    if not _kernels_cached():
        console.print("[dim]first run here: compiling the model's kernels (once, about a minute)[/dim]")
    t0 = time.perf_counter()
    progress = RichProgress(f"{sc.name}: {sc.run.replicates} replicates x {sc.run.firms:,} firms")
    try:
        traj, meta = run_scenario(sc, progress=progress, backend=backend, threads=threads)
    except KeyboardInterrupt:
        progress.stop()
        _fail("interrupted; nothing was written", 130)
    wall = time.perf_counter() - t0
    toml_text = to_toml(sc)
    meta.update(run_id=run_id, scenario=sc.name, wall_seconds=round(wall, 2), firms_synthetic=sc.run.firms)
    results = Results.from_trajectory(traj, scenario=sc.name, scenario_toml=toml_text, meta=meta)
    written = write_run(out_dir, results)
    with Catalogue(catalogue) as cat:
        cat.record(results.meta, written, toml_text)
    _print_summary(results, sc, wall, written)


def _kernels_cached() -> bool:
    """Whether numba's cache of the compiled kernels exists next to the model's source (its default
    place when the package directory is writable); a custom NUMBA_CACHE_DIR counts as cached."""
    import os

    from zili.model import capital

    if os.environ.get("NUMBA_CACHE_DIR"):
        return True
    return any((Path(capital.__file__).parent / "__pycache__").glob("capital._deploy_year_jit-*.nbi"))


def _print_summary(results, sc, wall: float, written: Path) -> None:
    from rich import box

    from zili.report import summary_rows

    years, rows = summary_rows(results)
    # keep every number whole: in a narrow terminal show fewer years rather than cut digits
    room = max((console.width - 26) // 17, 2)
    keep = [i for i in range(len(years))][: room] if len(years) > room else list(range(len(years)))
    R = results.dataset.sizes["replicate"]
    t = Table(
        title=f"zili {sc.name}: median, and below it 5%-95% across {R} replicates (stochastic uncertainty only"
        + ("; calibrated parameters at their posterior medians, `zili ensemble --method posterior` runs the draws" if sc.posterior and sc.posterior.draws else "")
        + "); 2 significant figures",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    t.add_column("metric\n  entity", overflow="fold", max_width=22)
    for i in keep:
        t.add_column(str(years[i]), justify="right", no_wrap=True)
    for metric, entity, cells in rows:
        t.add_row(f"{metric}\n  {entity}", *[cells[i] for i in keep])
    console.print(t)
    if len(keep) < len(years):
        console.print(f"(years {', '.join(str(y) for y in years[len(keep):])} hidden: terminal too narrow; all years are in metrics.parquet)", highlight=False)
    ledger_rows = len(results.ledger)
    console.print(
        f"firms={results.meta.get('firms')} years={sc.run.start_year}-{sc.run.end_year} replicates={R} "
        f"wall={wall:.1f}s ledger_rows={ledger_rows:,} run_id={results.meta.get('run_id')}",
        highlight=False,
    )
    console.print(f"wrote {written}", highlight=False)


@app.command()
def scenarios() -> None:
    """List the shipped scenarios. Example: zili scenarios"""
    from zili.scenario import ScenarioError, load_scenario, shipped_scenarios

    t = Table(title="shipped scenarios")
    t.add_column("name")
    t.add_column("events", justify="right")
    t.add_column("description")
    for name in shipped_scenarios():
        try:
            sc = load_scenario(name)
            t.add_row(name, str(len(sc.events)), sc.description)
        except ScenarioError as exc:
            t.add_row(name, "-", f"invalid: {exc}")
    console.print(t)


@app.command()
def describe(
    what: str = typer.Argument("all", help="all | nodes | payers | funds | params | data | sources"),
) -> None:
    """List nodes, payers, funds, parameters and data sources. Example: zili describe params"""
    from zili import data as D
    from zili.scenario import parameter_table

    choices = ("all", "nodes", "payers", "funds", "params", "data", "sources")
    if what not in choices:
        _fail(f"describe {what!r}: unknown; allowed: {', '.join(choices)}")
    if what in ("all", "nodes"):
        t = Table(title="nodes (tiers: mature | advanced)")
        for c in ("node", "sector", "mature", "advanced"):
            t.add_column(c)
        for r in D.table("nodes"):
            t.add_row(r["node"], r["sector"], r["tier_mature"], r["tier_advanced"])
        console.print(t)
    if what in ("all", "payers"):
        t = Table(title="payers")
        for c in ("payer", "kind", "label"):
            t.add_column(c)
        for r in D.table("payers"):
            t.add_row(r["payer"], r["kind"], r["label"])
        for r in D.table("provinces"):
            t.add_row(r["province"], "province", r["label"])
        console.print(t)
    if what in ("all", "funds"):
        t = Table(title="funds and programmes")
        for c in ("fund", "kind", "launch", "registered RMB bn", "label"):
            t.add_column(c)
        for r in D.table("funds"):
            t.add_row(r["fund"], r["kind"], r["launch_year"], r["registered_rmb_bn"] or "unsourced", r["label"])
        console.print(t)
    if what in ("all", "params"):
        t = Table(title="parameters (set with --set params.GROUP.NAME=value)")
        for c in ("name", "default", "range", "kind", "meaning"):
            t.add_column(c, overflow="fold")
        for r in parameter_table():
            t.add_row(r["name"], str(r["default"]), f"{r['range'][0]} to {r['range'][1]}", r["kind"], r["meaning"])
        console.print(t)
    if what in ("all", "data"):
        ups = D.unsourced_parameters()
        t = Table(title=f"unsourced data values ({len(ups)}), overridable under [data] as 'file:key:column' = value")
        for c in ("key", "default", "range"):
            t.add_column(c, overflow="fold")
        for key, p in ups.items():
            t.add_row(key, f"{p.default:g}", f"{p.low:g} to {p.high:g}")
        console.print(t)
    if what in ("all", "sources"):
        t = Table(title="data files and their sources")
        for c in ("file", "rows", "sourced", "unsourced", "uses"):
            t.add_column(c)
        for path in sorted(D.data_dir().glob("*.csv")):
            rows = D.table(path.stem)
            uns = sum(D.is_unsourced(r) for r in rows)
            uses = ",".join(sorted({r.get("use", "") for r in rows}))
            t.add_row(path.name, str(len(rows)), str(len(rows) - uns), str(uns), uses)
        console.print(t)
        console.print("ETO-derived files are CC BY-NC 4.0: see src/zili/data/LICENSE-ETO.md", highlight=False)
