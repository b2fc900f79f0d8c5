"""Report commands: the HTML report, a terminal comparison of two runs, the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from zili.cli.app import _fail, app, console, err


def _open_runs(refs: list[str], catalogue: Optional[Path]):
    from zili.report.runs import RunNotFound, open_run

    runs = []
    for ref in refs:
        try:
            runs.append(open_run(ref, catalogue))
        except RunNotFound as exc:
            _fail(str(exc))
    return runs


def _period(text: Optional[str]) -> tuple[int, int] | None:
    if not text:
        return None
    a, _, b = text.partition("-")
    try:
        y0, y1 = int(a), int(b or a)
    except ValueError:
        _fail(f"--sankey-years {text!r}: not a year or a period; allowed: YEAR or FIRST-LAST, e.g. 2019-2024")
    if y1 < y0:
        _fail(f"--sankey-years {text!r}: the period ends before it starts; allowed: FIRST-LAST with FIRST <= LAST")
    return y0, y1


def _years(text: Optional[str]) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        _fail(f"--years {text!r}: allowed: comma-separated years, e.g. 2025,2030")


@app.command()
def report(
    runs: List[str] = typer.Argument(..., help="run directories or run ids (unique prefixes) in the catalogue; two or more are compared"),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write"),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", help="DuckDB catalogue file or folder (default: $ZILI_HOME or ./runs)"),
    history: Optional[Path] = typer.Option(None, "--history", help="CSV of history (series,year,value[,unit,use,source]); default: the shipped data/history.csv"),
    no_history: bool = typer.Option(False, "--no-history", help="leave out the model-against-history figure"),
    sankey_years: Optional[str] = typer.Option(None, "--sankey-years", help="period of the Sankey's first view, e.g. 2019-2024 (each year is selectable in the figure)"),
    years: Optional[str] = typer.Option(None, "--years", help="target years of the differences table, e.g. 2025,2030 (default 2025,2030,2035)"),
) -> None:
    """Write one self-contained HTML report (opens offline) of one run, or comparing several.

    Example: zili report runs/base runs/duv -o report.html
    """
    from zili.report.figures import history_frame
    from zili.report.html import write_report

    loaded = _open_runs(runs, catalogue)
    hist = None
    if not no_history:
        if history is not None and not history.is_file():
            _fail(f"--history {history}: no such file")
        try:
            hist = history_frame(str(history) if history else None)
        except Exception as exc:  # a malformed user CSV: one line, no traceback
            _fail(f"--history {history}: cannot read it as CSV ({exc})")
        if not {"series", "year", "value"} <= set(hist.columns):
            _fail(f"--history {history}: columns {sorted(hist.columns)}; allowed: series, year, value (and optional unit, use, source)")
    path = write_report(loaded, output, history=hist, sankey_years=_period(sankey_years), target=_years(years))
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(loaded)} run{'s' if len(loaded) > 1 else ''})", highlight=False)


@app.command()
def compare(
    a: str = typer.Argument(..., help="reference run: directory or run id"),
    b: str = typer.Argument(..., help="compared run: directory or run id"),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", help="DuckDB catalogue file or folder (default: $ZILI_HOME or ./runs)"),
    years: Optional[str] = typer.Option(None, "--years", help="target years, e.g. 2025,2030 (default 2025,2030,2035 where both runs have them, plus their last common year)"),
    top: int = typer.Option(20, "--top", min=1, help="rows to show"),
) -> None:
    """Print the largest differences between two runs in the target years.

    Example: zili compare runs/base runs/duv --years 2030
    """
    from zili.report.compare import HEADERS, comparison_title, differences, display_rows
    from zili.report.runs import band_note, run_labels

    ra, rb = _open_runs([a, b], catalogue)
    la, lb = run_labels([ra, rb])
    frame = differences(ra, rb, years=_years(years), top=top)
    t = Table(title=f"{comparison_title(ra, rb)}\nA = {la}, B = {lb}", title_justify="left")
    for i, h in enumerate(HEADERS):
        t.add_column(h.replace("beyond replicate noise", "beyond noise"), justify="right" if 5 <= i <= 8 else "left", overflow="fold")
    for row in display_rows(frame):
        t.add_row(*row)
    console.print(t)
    if not len(frame):
        console.print("no differences in the target years", highlight=False)
    console.print(band_note([ra, rb]) + " 'beyond replicate noise': the 5-95% replicate ranges do not overlap.", highlight=False)


@app.command("app")
def app_(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: localhost only)"),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="port"),
) -> None:
    """Start the interactive dashboard (Solara) on localhost.

    Example: zili app --port 8765
    """
    import importlib.util
    import os
    import shutil
    import sys

    if importlib.util.find_spec("solara") is None:
        _fail("the dashboard needs the app extra: pip install 'zili[app]'")
    from zili.app.assets import ensure_frontend_assets

    try:
        added = ensure_frontend_assets()
    except Exception as exc:  # no npm or no registry: the page would need a CDN
        err.print(f"warning: {exc}; the page will try to load its front end from a CDN", highlight=False)
    else:
        if added:
            console.print(f"cached the dashboard's front-end files ({', '.join(added)})", highlight=False)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: binding to {host}: anyone who can reach it can run simulations", highlight=False)
    exe = shutil.which("solara") or None
    cmd = [exe] if exe else [sys.executable, "-m", "solara"]
    cmd += ["run", "zili.app.main", "--host", host, "--port", str(port), "--production"]
    console.print(f"zili dashboard on http://{host}:{port} (Ctrl-C to stop)", highlight=False)
    sys.stdout.flush()
    sys.stderr.flush()
    # replace this process with the server, so Ctrl-C and kill reach it directly
    os.execvpe(cmd[0], cmd, {**os.environ, "SOLARA_APP": "zili.app.main"})
