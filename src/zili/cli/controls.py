"""Export-control commands: rank chokepoints."""

from __future__ import annotations

import math
from typing import List, Optional

import typer
from rich.table import Table

from zili.cli.app import RichProgress, _fail, app, console
from zili.cli.core import load_or_exit


@app.command()
def chokepoints(
    scenario: str = typer.Argument("baseline", help="shipped scenario name or path to a TOML file"),
    year: int = typer.Option(2024, "--year", help="year to rank"),
    tier: Optional[str] = typer.Option(None, "--tier", help="mature | advanced (default: each node's best tier)"),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="capability whose first year is reported"),
    top: int = typer.Option(15, "--top", min=1, help="rows to show"),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", min=1),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="override a value, e.g. --set run.firms=5000"),
) -> None:
    """Rank nodes by chokepoint severity, with the factors that explain it.

    Example: zili chokepoints baseline --year 2024 --tier advanced
    """
    from zili.experiments import chokepoint_table, run
    from zili.report.summary import sig
    from zili.scenario.compile import compile_world

    if tier not in (None, "mature", "advanced"):
        _fail(f"--tier {tier!r}: unknown tier; allowed: mature, advanced")
    sets = list(set_ or [])
    if replicates is not None:
        sets.append(f"run.replicates={replicates}")
    sc = load_or_exit(scenario, sets)
    if not sc.run.start_year <= year <= sc.run.end_year:
        _fail(f"--year {year}: outside the run; allowed: {sc.run.start_year} to {sc.run.end_year}")
    traj, _ = run(sc, paired=False, progress=RichProgress(f"{sc.name}: {sc.run.replicates} replicates"))
    rows = chokepoint_table(traj, compile_world(sc), year=year, tier=tier, threshold=threshold)
    t = Table(title=f"chokepoints {sc.name} {year}{' ' + tier if tier else ''}: severity = controlled share x downstream share x (1 - capability); medians over {sc.run.replicates} replicates")
    for c in ("rank", "node", "severity", "controlled foreign share", "downstream share", "capability", "stockpile months", f"years to capability {threshold:g}"):
        t.add_column(c, justify="left" if c == "node" else "right")
    for r in rows[:top]:
        yrs = "reached" if r.years_to_threshold == 0 else (f"> {sc.run.end_year - year}" if math.isinf(r.years_to_threshold) else str(int(r.years_to_threshold)))
        t.add_row(str(r.rank), r.entity, sig(r.severity), sig(r.controlled_foreign_share), sig(r.downstream_share), sig(r.capability), sig(r.stockpile_months), yrs)
    console.print(t)
