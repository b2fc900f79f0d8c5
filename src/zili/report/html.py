"""The standalone HTML report: every figure of one or more runs in one offline file.

plotly.js is inlined once, so the file opens without network. With two or more runs
every figure compares them and a table lists the largest differences in the target
years (each later run against the first).
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from zili.report.compare import HEADERS, differences, display_rows, target_years
from zili.report.figures import FIGURES, build_figures
from zili.report.runs import band_note, run_labels

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#7a1f1f;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px 0;font-size:24px} header p{margin:2px 0;opacity:.9}
main{max-width:1280px;margin:0 auto;padding:10px 28px 40px}
nav{position:sticky;top:0;background:#fafafa;padding:8px 0;border-bottom:1px solid #ddd;z-index:10;font-size:14px}
nav a{margin-right:14px;color:#7a1f1f;text-decoration:none} nav label{float:right}
section{scroll-margin-top:60px;background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:18px 0;padding:12px 16px}
section h2{margin:4px 0 6px 0;font-size:19px}
.note{color:#555;font-size:13px;margin:2px 0 8px 0}
.tags{font-size:12px;margin:2px 0 6px 0}
.tag{display:inline-block;border-radius:10px;padding:1px 8px;margin:0 6px 2px 0;border:1px solid #bbb}
.tag.predicted{background:#e8f1fb;border-color:#1f77b4}.tag.calibrated{background:#fff3e0;border-color:#ff7f0e}.tag.input{background:#eee;border-color:#888}
body.hide-tags .tags{display:none}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left} td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f2f2f2}
.warn{background:#fff8e1;border-left:4px solid #f0a500;padding:6px 10px;font-size:13px}
pre{background:#f6f6f6;padding:8px;max-height:420px;overflow:auto;font-size:12px}
"""

JS_TOGGLE = """
document.getElementById('show-tags').addEventListener('change', function(e){
  document.body.classList.toggle('hide-tags', !e.target.checked);
});
"""


def _esc(x: Any) -> str:
    return _html.escape(str(x), quote=True)


def _tags_html(fig) -> str:
    tags = (fig.layout.meta or {}).get("tags", {}) if fig.layout.meta else {}
    if not tags:
        return ""
    spans = "".join(f'<span class="tag {_esc(t)}">{_esc(m)}: {_esc(t)}</span>' for m, t in tags.items())
    return f'<div class="tags">metric tags: {spans}</div>'


def _runs_table(runs: Sequence[Any]) -> str:
    labels = run_labels(runs)
    head = "".join(f"<th>{h}</th>" for h in ("run", "run id", "scenario", "replicates", "draws", "firms", "years", "seed", "git", "created (UTC)"))
    rows = []
    for lab, r in zip(labels, runs):
        m = r.meta
        ys = r.dataset["year"].values
        cells = (lab, m.get("run_id", ""), m.get("scenario", ""), r.dataset.sizes.get("replicate", 1), m.get("draws", 1), m.get("firms", ""), f"{ys[0]}-{ys[-1]}" if len(ys) else "", m.get("seed", ""), str(m.get("git_hash", ""))[:12], m.get("created_utc", ""))
        rows.append("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _diff_section(runs: Sequence[Any], years: Sequence[int] | None) -> str:
    labels = run_labels(runs)
    blocks = []
    ys = target_years(runs, years)
    for k in range(1, len(runs)):
        frame = differences(runs[0], runs[k], years=ys)
        head = "".join(f"<th>{_esc(h.replace('A', labels[0], 1) if h == 'A' else h.replace('B', labels[k], 1) if h == 'B' else h)}</th>" for h in HEADERS)
        body = []
        for row in display_rows(frame):
            body.append("<tr>" + "".join(f'<td class="{"num" if 5 <= i <= 8 else ""}">{_esc(c)}</td>' for i, c in enumerate(row)) + "</tr>")
        blocks.append(
            f"<h3>{_esc(labels[k])} minus {_esc(labels[0])}</h3>"
            f"<table class='diff'><tr>{head}</tr>{''.join(body) or '<tr><td colspan=10>no differences</td></tr>'}</table>"
        )
    note = (
        f"Target years {', '.join(map(str, ys))}. Medians across replicates, two significant figures; ranked by |B - A| / max(|A|, |B|). "
        "'Beyond replicate noise' means the 5-95% replicate ranges do not overlap; parameter and structural uncertainty are not sampled."
    )
    return f'<section id="differences"><h2>Largest differences</h2><p class="note">{_esc(note)}</p>{"".join(blocks)}</section>'


def report_html(
    runs: Sequence[Any],
    *,
    history: pd.DataFrame | None = None,
    sankey_years: tuple[int, int] | None = None,
    target: Sequence[int] | None = None,
    title: str | None = None,
) -> str:
    """The report as one HTML string (plotly.js inlined; no network needed).

    Parameters
    ----------
    runs : sequence of Results
        One run, or several to compare (each against the first).
    history : DataFrame, optional
        ``series, year, value`` rows to plot against the model (see
        :func:`zili.report.figures.history_frame`); omitted when None.
    sankey_years : (int, int), optional
        Period of the Sankey's first view (default: the whole run; each single year
        is selectable in the figure).
    target : sequence of int, optional
        Target years of the differences table (default 2025, 2030, 2035).
    title : str, optional
        Page title.
    """
    runs = list(runs)
    labels = run_labels(runs)
    figs = build_figures(runs, history=history, sankey_years=sankey_years)
    title = title or ("zili report: " + " vs ".join(labels))
    nav = "".join(f'<a href="#{key}">{_esc(name)}</a>' for key, name in FIGURES)
    if len(runs) > 1:
        nav += '<a href="#differences">Largest differences</a>'
    nav += '<label><input type="checkbox" id="show-tags" checked> show metric tags (input / calibrated / predicted)</label>'
    sections = []
    for key, name in FIGURES:
        divs = []
        for i, fig in enumerate(figs[key]):
            meta = fig.layout.meta or {}
            note = meta.get("band", "")
            divs.append(
                (f'<p class="note">{_esc(note)}</p>' if note and not meta.get("note_in_title") else "")
                + _tags_html(fig)
                + pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"fig-{key}-{i}", config={"displaylogo": False, "responsive": True})
            )
        sections.append(f'<section id="{key}" data-figure="{key}"><h2>{_esc(name)}</h2>{"".join(divs)}</section>')
    if len(runs) > 1:
        sections.append(_diff_section(runs, target))
    scen = "".join(f"<details><summary>resolved scenario: {_esc(lab)}</summary><pre>{_esc(r.scenario_toml)}</pre></details>" for lab, r in zip(labels, runs))
    honesty = (
        '<div class="warn"><b>Read with care.</b> ' + _esc(band_note(runs)) + " Numbers are rounded to two significant figures: the model is not yet calibrated "
        "and cannot support more. Named firms are illustrative, never forecasts of those companies. In the Sankey, blue flows are disclosed "
        "(the fund's size comes from a sourced event), grey flows simulated; where money went inside a fund is always simulated. "
        "Firm type is the ownership at entry (startups for firms created during the run).</div>"
    )
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title><style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{_esc(title)}</h1><p>zili simulation report, generated {generated}. Opens offline: everything is in this file.</p></header>
<main>
<nav>{nav}</nav>
<section id="runs"><h2>Runs</h2>{_runs_table(runs)}{honesty}</section>
{''.join(sections)}
<section id="scenarios"><h2>Scenarios</h2>{scen}</section>
</main>
<script>{JS_TOGGLE}</script>
</body></html>
"""


def write_report(runs: Sequence[Any], path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`report_html` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(runs, **kwargs), encoding="utf-8")
    return path
