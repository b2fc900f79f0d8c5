"""``zili validate``: pattern checks against the null model and past shocks as paired runs."""

from __future__ import annotations

import json
import math
from typing import List, Optional

import typer
from rich.table import Table

from zili.cli.app import RichProgress, _fail, app, console


def fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _two(t) -> str:
    return f"{fmt(t[0])}\n{fmt(t[1])}..{fmt(t[2])}"


def _nan_none(x):
    return None if isinstance(x, float) and math.isnan(x) else x


@app.command()
def validate(
    scenario: str = typer.Argument("baseline", help="shipped scenario name or path to a TOML file"),
    replicates: int = typer.Option(10, "--replicates", "-r", min=1, help="stochastic replicates (same ids in every paired run)"),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="root seed (default: the scenario's)"),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="override a value, e.g. --set run.firms=20000 (repeatable; default run.firms=5000)"),
    as_json: bool = typer.Option(False, "--json", help="print everything as one JSON object"),
) -> None:
    """Pattern checks (scenario vs null model) and past shocks replayed as paired runs.

    Runs 2014-2024 at 5,000 synthetic firms unless --set run.firms=N is given (about 30 s
    with 10 replicates on 2 cores). Example: zili validate baseline -r 10
    """
    from zili.experiments.validation_report import run_validation
    from zili.scenario import ScenarioError

    try:
        val = run_validation(scenario, sets=set_ or [], replicates=replicates, seed=seed, progress=None if as_json else RichProgress("validate", unit="runs"))
    except (ScenarioError, FileNotFoundError, KeyError) as exc:
        _fail(str(exc))
    if as_json:
        text = json.dumps(val.as_dict(), default=_nan_none)
        console.print_json(text.replace("NaN", "null"))
        return
    console.print(f"validate {scenario}: firms={val.firms} (own {val.own_firms}), replicates={val.replicates}, seed={val.seed}, 2014-{val.last_year}, {val.seconds:.0f} s")
    console.print("null model: the same scenario with no events and run.background_programmes=false (anchors, parameters, seed kept)")
    t = Table(title="patterns (median over replicates, 5-95% under it)")
    for c in ("pattern / level", "target", "scenario", "null", "pass", "discr."):
        t.add_column(c, no_wrap=c != "pattern / level")
    for p in val.patterns:
        t.add_row(f"{p.name}\n{p.level}", f"{fmt(p.low)}\n..{fmt(p.high)}", _two(p.scenario), _two(p.null), "yes" if p.passed else "NO", "yes" if p.discriminates else "no")
    console.print(t)
    console.print("pass: scenario median in the target range; discr.: passes where the null fails, or medians outside each other's bands")
    t = Table(title="shocks: scenario - counterfactual, paired (median, 5-95% under it)")
    for c in ("shock / outcome", "years", "exp", "effect", "sign"):
        t.add_column(c, no_wrap=c != "shock / outcome")
    for s in val.shocks:
        if s.skipped:
            t.add_row(f"{s.name}\n  skipped: {s.skipped}", "", "", "", "n/a")
            continue
        for o in s.outcomes:
            yrs = f"{o.years[0]}-{str(o.years[-1])[2:]}" if len(o.years) > 1 else str(o.years[0])
            what = f"{o.metric}:{o.entity}" + (" growth" if o.how == "growth" else "")
            t.add_row(f"{s.name}\n  {what}", yrs, o.expected, _two((o.median, o.q05, o.q95)), "n/a" if o.sign_ok is None else ("ok" if o.sign_ok else "NO"))
    console.print(t)
    console.print(val.line(), highlight=False, soft_wrap=True)
