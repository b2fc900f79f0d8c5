"""Figures of one or more runs: plotly functions of a results Dataset and its ledger.

Each public ``fig_*`` function takes a sequence of runs (anything with ``.dataset``,
``.ledger``, ``.meta`` and ``.scenario_toml``, e.g. :class:`zili.store.Results`) and
returns a ``plotly.graph_objects.Figure``; with two or more runs the figure compares
them (one colour per run). The HTML report and the dashboard draw the same functions.

Honest presentation: bands are 5-95% across replicates (stochastic uncertainty) and
every figure says so in ``layout.meta["band"]``; hover values are rounded to two
significant figures; each figure lists the catalogue tag (input, calibrated,
predicted) of the metrics it draws in ``layout.meta["tags"]``; the Sankey marks
disclosed flows apart from simulated ones; named firms are labelled illustrative.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zili.report.runs import band_note, disclosed_mask, firm_types, named_firms, run_labels
from zili.report.summary import sig

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
KEY_NODES = ("lithography", "deposition", "etch", "eda", "logic_fab", "memory_fab", "ai_chips", "battery_cells", "ic")
TIER_DASH = {"advanced": "solid", "mature": "dot"}
SEP = "|"


# --------------------------------------------------------------------------- helpers


def _as_runs(runs: Any) -> list:
    return list(runs) if isinstance(runs, (list, tuple)) else [runs]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def series_values(ds, metric: str, entity: str) -> np.ndarray | None:
    """Values (replicate, year) of one series, or None if the run lacks it."""
    key = f"{metric}{SEP}{entity}"
    if key not in ds.indexes["series"]:
        return None
    return np.asarray(ds["value"].sel(series=key).transpose("replicate", "year").values, dtype=float)


def series_info(ds, metric: str, entity: str | None = None) -> tuple[str, str]:
    """(tag, unit) of a metric (of its first series, or of one entity)."""
    mask = ds["metric"].values == metric
    if entity is not None:
        mask &= ds["entity"].values == entity
    idx = np.flatnonzero(mask)
    if not idx.size:
        return "", ""
    return str(ds["tag"].values[idx[0]]), str(ds["unit"].values[idx[0]])


def entities(ds, metric: str) -> list[str]:
    """Entities a metric has in a run, in Dataset order."""
    return [str(e) for e in ds["entity"].values[ds["metric"].values == metric]]


def quantiles(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and 5%/95% across replicates (axis 0), ignoring NaN."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if v.shape[0] == 0:
            nan = np.full(v.shape[1], np.nan)
            return nan, nan, nan
        med = np.nanmedian(v, axis=0)
        lo, hi = np.nanpercentile(v, [5, 95], axis=0)
    return med, lo, hi


def _hover_text(med, lo, hi, banded: bool) -> list[str]:
    if not banded:
        return [sig(m) for m in med]
    return [f"{sig(m)} ({sig(a)} to {sig(b)})" for m, a, b in zip(med, lo, hi)]


def _meta(fig: go.Figure, runs: list, tags: dict[str, str], *, note: str | None = None, extra: dict | None = None) -> go.Figure:
    meta = {"band": note if note is not None else band_note(runs), "tags": {k: v for k, v in tags.items() if v}}
    meta.update(extra or {})
    title = fig.layout.title.text or ""
    meta["note_in_title"] = bool(meta["band"]) and meta["band"].replace(" ", "") in title.replace("<br>", "").replace(" ", "")
    top = 50 + 20 * title.count("<br>") + (20 if len(fig.layout.annotations) else 0)
    fig.update_layout(meta=meta, template="plotly_white", hoverlabel={"namelength": -1}, margin={"t": top, "l": 60, "r": 20, "b": 50})
    if len(fig.layout.annotations) and title.count("<br>") > 1:  # push subplot titles below a long caption
        fig.update_layout(height=(fig.layout.height or 450) + 16 * (title.count("<br>") - 1))
    return fig


def _wrap(text: str, width: int = 140) -> str:
    """Break a long caption into lines of at most ``width`` characters (plotly does not wrap)."""
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return "<br>".join(lines + ([cur] if cur else []))


def run_dash(k: int, dash: str = "solid") -> str:
    """Line dash of run ``k``: later runs are dashed so lines that coincide stay visible."""
    if k == 0:
        return dash
    return {"solid": "dash", "dot": "dashdot"}.get(dash, dash)


def _title(text: str, note: str | None = None) -> dict:
    sub = f"<br><sup>{_wrap(note)}</sup>" if note else ""
    return {"text": f"{text}{sub}", "x": 0.01, "xanchor": "left", "yref": "container", "y": 0.98, "yanchor": "top"}


def add_band(
    fig: go.Figure,
    years: np.ndarray,
    v: np.ndarray,
    *,
    name: str,
    colour: str,
    tag: str,
    unit: str,
    row: int | None = None,
    col: int | None = None,
    showlegend: bool = True,
    dash: str = "solid",
    band: bool = True,
    label: str = "",
) -> None:
    """Median line, and a 5-95% replicate band when there is more than one replicate."""
    med, lo, hi = quantiles(v)
    banded = band and v.shape[0] > 1
    pos = {"row": row, "col": col} if row is not None else {}
    if banded:
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([years, years[::-1]]),
                y=np.concatenate([hi, lo[::-1]]),
                mode="lines",  # no markers: plotly adds them to short traces by default
                fill="toself",
                fillcolor=_rgba(colour, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=name,
                name=f"{name} 5-95% (replicates)",
            ),
            **pos,
        )
    what = f"{label} " if label else ""
    band_txt = f"median (5-95% of {v.shape[0]} replicates)" if banded else "value"
    sparse = np.isfinite(med).sum() < max(3, len(med) // 2)  # a few data years: show the points
    fig.add_trace(
        go.Scatter(
            x=years,
            y=med,
            mode="lines+markers" if sparse else "lines",
            line={"color": colour, "dash": dash, "width": 2},
            name=name,
            legendgroup=name,
            showlegend=showlegend,
            text=_hover_text(med, lo, hi, banded),
            hovertemplate=f"<b>{name}</b> {what}%{{x}}: %{{text}} {unit}<br>{band_txt}; tag: {tag or 'n/a'}<extra></extra>",
        ),
        **pos,
    )


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    cols = min(cols, max(n, 1))
    return (n + cols - 1) // cols, cols


def _small_multiples(
    runs: list,
    metric: str,
    panels: list[tuple[str, list[tuple[str, str, str]]]],
    *,
    title: str,
    yaxis: str = "",
    cols: int = 3,
    height_per_row: int = 230,
) -> go.Figure:
    """One panel per entity group; in each, one line (+band) per run and per (entity, label, dash)."""

    def lines_of(lines):
        def fn(run):
            out = []
            for entity, lab, dash in lines:
                v = series_values(run.dataset, metric, entity)
                tag, unit = series_info(run.dataset, metric, entity) if v is not None else ("", "")
                out.append((v, tag, "" if unit == "fraction" else unit, metric, lab, dash, entity))
            return out

        return fn

    return _panels_figure(runs, [(t, lines_of(lines)) for t, lines in panels], title=title, cols=cols, yaxis=yaxis, height_per_row=height_per_row)


def _empty(runs: list, title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=_title(title), height=260)
    return _meta(fig, runs, {}, note="")


# --------------------------------------------------------------------------- trajectories


def fig_self_sufficiency(runs: Any, nodes: Sequence[str] = KEY_NODES, *, tiers: bool = False) -> go.Figure:
    """Self-sufficiency (domestically made share of China's demand) per node over time.

    With ``tiers`` the mature (dotted, no band) and advanced tiers are drawn too.
    """
    runs = _as_runs(runs)
    ds0 = runs[0].dataset
    have = set(entities(ds0, "self_sufficiency"))
    panels = []
    for n in nodes:
        if n not in have:
            continue
        lines = [(n, "", "solid")]
        if tiers:
            lines = [(f"{n}:advanced", "advanced", "solid"), (f"{n}:mature", "mature", "dot")]
            lines = [ln for ln in lines if ln[0] in have] or [(n, "", "solid")]
        panels.append((n.replace("_", " "), lines))
    if not panels:
        return _empty(runs, "Self-sufficiency", "no self-sufficiency series in this run")
    return _small_multiples(runs, "self_sufficiency", panels, title="Self-sufficiency: domestically made share of China's demand (0-1)")


def fig_capability(runs: Any, nodes: Sequence[str] = KEY_NODES) -> go.Figure:
    """Capability relative to the world frontier per node, advanced tier (band) and mature tier (dotted)."""
    runs = _as_runs(runs)
    have = set(entities(runs[0].dataset, "capability"))
    panels = []
    for n in nodes:
        lines = [(f"{n}:{t}", t, TIER_DASH[t]) for t in ("advanced", "mature") if f"{n}:{t}" in have]
        if lines:
            panels.append((n.replace("_", " "), lines))
    if not panels:
        return _empty(runs, "Capability", "no capability series in this run")
    fig = _small_multiples(runs, "capability", panels, title="Capability relative to the world frontier (0-1): advanced tier solid with band, mature tier dotted")
    return fig


def _ledger_by_year(run, mask: np.ndarray | None = None) -> np.ndarray:
    """Capital reaching firms per (replicate, year), RMB bn, from the ledger."""
    ds = run.dataset
    reps, years = ds["replicate"].values, ds["year"].values
    led = run.ledger if mask is None else run.ledger[mask]
    out = np.zeros((len(reps), len(years)))
    if len(led):
        r = pd.Index(reps).get_indexer(led["replicate"].to_numpy())
        y = pd.Index(years).get_indexer(led["year"].to_numpy())
        ok = (r >= 0) & (y >= 0)
        np.add.at(out, (r[ok], y[ok]), led["amount_rmb_bn"].to_numpy()[ok])
    return out


def _sum_entities(ds, metric: str, ents: Sequence[str]) -> np.ndarray | None:
    parts = [series_values(ds, metric, e) for e in ents]
    parts = [p for p in parts if p is not None]
    return np.nansum(parts, axis=0) if parts else None


def _fund_ids() -> list[str]:
    from zili import data as D

    return [r["fund"] for r in D.table("funds")]


def _panels_figure(runs: list, panels: list[tuple[str, Callable[[Any], Any]]], *, title: str, cols: int = 3, yaxis: str = "", height_per_row: int = 260) -> go.Figure:
    """Small multiples: each panel is (title, fn) and ``fn(run)`` gives one line, ``(values, tag, unit, metric)``,
    or a list of lines ``(values, tag, unit, metric, label, dash, hover label)``; one colour per run,
    a 5-95% band on solid lines."""
    labels = run_labels(runs)
    rows, cols = _grid(len(panels), cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p[0] for p in panels], vertical_spacing=0.13 if rows > 1 else 0.2, horizontal_spacing=0.075)
    tags: dict[str, str] = {}
    seen = set()
    for i, (ptitle, fn) in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        for k, run in enumerate(runs):
            got = fn(run)
            for v, tag, unit, metric, *style in (got if isinstance(got, list) else [got]):
                if v is None:
                    continue
                lab, dash, hover = style if style else ("", "solid", ptitle)
                tags[metric] = tag
                name = labels[k] + (f" ({lab})" if lab else "")
                add_band(fig, run.dataset["year"].values, v, name=name, colour=PALETTE[k % len(PALETTE)], tag=tag, unit=unit, row=r, col=c,
                         showlegend=name not in seen, dash=run_dash(k, dash), band=dash == "solid", label=hover)
                seen.add(name)
    if yaxis:
        fig.update_yaxes(title_text=yaxis, row=None, col=1)
    fig.update_layout(title=_title(title, band_note(runs)), height=max(320, rows * height_per_row + 120), legend={"orientation": "h", "y": -0.08})
    return _meta(fig, runs, tags)


def _metric_panel(metric: str, entity: str, scale: float = 1.0) -> Callable:
    def fn(run):
        v = series_values(run.dataset, metric, entity)
        tag, unit = series_info(run.dataset, metric, entity)
        return (None if v is None else v * scale), tag, ("" if unit == "fraction" else unit), metric

    return fn


def fig_money(runs: Any) -> go.Figure:
    """Money over time: deployed (ledger), idle in funds, written off, SOE and LGFV debt, fiscal cost (RMB bn, nominal)."""
    runs = _as_runs(runs)
    funds = _fund_ids()

    def deployed(run):
        return _ledger_by_year(run), "predicted", "RMB bn", "capital_deployed"

    def idle(run):
        ents = [e for e in entities(run.dataset, "capital_unspent") if e in funds]
        tag, unit = series_info(run.dataset, "capital_unspent")
        return _sum_entities(run.dataset, "capital_unspent", ents), tag, unit, "capital_unspent"

    panels = [
        ("capital deployed to firms (all payers)", deployed),
        ("capital idle in funds (sum of funds)", idle),
        ("capital written off (waste)", _metric_panel("waste", "china")),
        ("SOE debt", _metric_panel("soe_debt", "china")),
        ("LGFV debt", _metric_panel("lgfv_debt", "china")),
        ("fiscal cost", _metric_panel("fiscal_cost", "china")),
    ]
    return _panels_figure(runs, panels, title="Money deployed, idle, wasted and debt carried (RMB bn, nominal)")


def fig_firms(runs: Any) -> go.Figure:
    """Firm entries, exits and the number alive, all China (counts)."""
    runs = _as_runs(runs)
    panels = [
        ("firm entries", _metric_panel("firm_entries", "china")),
        ("firm exits", _metric_panel("firm_exits", "china")),
        ("firms alive", _metric_panel("firms_alive", "china")),
    ]
    return _panels_figure(runs, panels, title="Firm entries, exits and firms alive (counts, China)")


def _economy_of_nodes() -> dict[str, str]:
    from zili import data as D

    econ = {r["sector"]: r["economy"] for r in D.table("sectors")}
    return {r["node"]: econ.get(r["sector"], "real") for r in D.table("nodes")}


def fig_real_financial(runs: Any) -> go.Figure:
    """Real versus financial economy: capital by economy (ledger), NEV share, R&D/GDP, manufacturing and digitisation."""
    runs = _as_runs(runs)
    econ = _economy_of_nodes()

    def by_economy(which: str):
        def fn(run):
            nodes = run.ledger["node"].astype(str).to_numpy()
            mask = np.array([econ.get(n, "real") == which for n in nodes], dtype=bool) if len(nodes) else np.zeros(0, bool)
            return _ledger_by_year(run, mask), "predicted", "RMB bn", "capital_deployed"

        return fn

    def fin_share(run):
        nodes = run.ledger["node"].astype(str).to_numpy()
        mask = np.array([econ.get(n, "real") == "financial" for n in nodes], dtype=bool) if len(nodes) else np.zeros(0, bool)
        tot = _ledger_by_year(run)
        with np.errstate(all="ignore"):
            return np.where(tot > 0, _ledger_by_year(run, mask) / tot, np.nan), "predicted", "", "capital_deployed"

    panels = [
        ("capital to real-economy nodes", by_economy("real")),
        ("capital to financial-economy nodes", by_economy("financial")),
        ("financial share of capital", fin_share),
        ("NEV share of car sales", _metric_panel("nev_sales_share", "china")),
        ("R&D / GDP", _metric_panel("rd_gdp_ratio", "china")),
        ("manufacturing share of GDP (input)", _metric_panel("manufacturing_share_gdp", "china")),
        ("digitisation gain (modelled)", _metric_panel("digitisation_gain", "china")),
        ("5G base stations", _metric_panel("base_stations_5g", "china")),
        ("charging points", _metric_panel("charging_points", "china")),
    ]
    return _panels_figure(runs, panels, title="Real versus financial economy")


def fig_output_at_risk(runs: Any, top: int = 6) -> go.Figure:
    """Output at risk (paired no-control run minus this run) for the most affected nodes."""
    runs = _as_runs(runs)
    score: dict[str, float] = {}
    for run in runs:
        for e in entities(run.dataset, "output_at_risk"):
            v = series_values(run.dataset, "output_at_risk", e)
            if v is not None and np.isfinite(v).any():
                score[e] = max(score.get(e, 0.0), float(np.nanmax(np.abs(np.nanmedian(v, axis=0)))))
    nodes = [e for e, s in sorted(score.items(), key=lambda kv: -kv[1]) if s > 0][:top]
    if not nodes:
        return _empty(runs, "Output at risk", "no output at risk: the runs have no export controls (or they do not bite)")
    panels = [(n.replace("_", " "), _metric_panel("output_at_risk", n)) for n in nodes]
    return _panels_figure(runs, panels, title="Output at risk: paired no-control run minus this run (RMB bn per year)")


# --------------------------------------------------------------------------- chokepoints


def fig_chokepoints(runs: Any, metric: str = "chokepoint_severity") -> go.Figure:
    """Chokepoint severity heatmap, node by year (median across replicates); one panel per run."""
    runs = _as_runs(runs)
    labels = run_labels(runs)
    fig = make_subplots(rows=1, cols=len(runs), subplot_titles=labels, shared_yaxes=True, horizontal_spacing=0.03)
    tags = {}
    zmax = 0.0
    mats = []
    for run in runs:
        ds = run.dataset
        ents = entities(ds, metric)
        years = ds["year"].values
        z = np.array([quantiles(series_values(ds, metric, e))[0] for e in ents]) if ents else np.zeros((0, len(years)))
        tags[metric] = series_info(ds, metric)[0]
        mats.append((ents, years, z))
        if z.size and np.isfinite(z).any():
            zmax = max(zmax, float(np.nanmax(z)))
    if not any(m[0] for m in mats):
        return _empty(runs, "Chokepoints", f"no {metric} series in this run")
    # order nodes by the first run's peak severity, most severe on top
    ents0, _, z0 = mats[0]
    order = [ents0[i] for i in np.argsort(np.nan_to_num(np.nanmax(z0, axis=1)))] if len(ents0) else []
    for k, (ents, years, z) in enumerate(mats):
        idx = [ents.index(e) for e in order if e in ents]
        zz = z[idx]
        text = [[sig(x) for x in row] for row in zz]
        fig.add_trace(
            go.Heatmap(
                z=zz, x=years, y=[ents[i] for i in idx], text=text, coloraxis="coloraxis",
                hovertemplate=f"<b>{labels[k]}</b> %{{y}} %{{x}}: severity %{{text}} (median of replicates)<br>tag: {tags[metric] or 'n/a'}<extra></extra>",
            ),
            row=1, col=k + 1,
        )
    fig.update_layout(
        coloraxis={"colorscale": "Reds", "cmin": 0, "cmax": zmax or 1, "colorbar": {"title": "severity"}},
        title=_title("Chokepoints: severity per node and year (foreign share held by controlling countries x downstream reach x (1 - domestic capability))", "Colour: median across replicates; the stochastic spread is in the trajectories above."),
        height=max(420, 18 * len(order) + 160),
    )
    return _meta(fig, runs, tags, note="Median across replicates; no band in a heatmap (stochastic uncertainty only in the other figures).")


# --------------------------------------------------------------------------- Sankey


def sankey_flows(run) -> pd.DataFrame:
    """The ledger of one run condensed for the Sankey: one row per (year, payer, instrument,
    node, firm type, disclosed), amounts in RMB bn averaged over replicates."""
    led = run.ledger
    n_rep = max(int(run.dataset.sizes.get("replicate", 1)), 1)
    f = pd.DataFrame(
        {
            "year": led["year"].to_numpy(),
            "payer": led["payer"].astype(str).to_numpy(),
            "instrument": led["instrument"].astype(str).to_numpy(),
            "node": led["node"].astype(str).to_numpy(),
            "firm": firm_types(run, led["firm_id"].to_numpy()),
            "disclosed": disclosed_mask(run, led),
            "amount": led["amount_rmb_bn"].to_numpy() / n_rep,
        }
    )
    return f.groupby(["year", "payer", "instrument", "node", "firm", "disclosed"], as_index=False, observed=True)["amount"].sum()


def sankey_frame(run, years: tuple[int, int] | None = None, *, min_share: float = 0.005, max_nodes: int = 22, flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ledger flows of one run as Sankey links: funder -> instrument -> node -> firm type.

    Amounts are RMB bn summed over the years and averaged over replicates (each ledger
    row counts once per stage, so nothing is double-counted: a stage's inflow equals
    its outflow). Payers and nodes below ``min_share`` of the total (or beyond the
    ``max_nodes`` largest) are grouped into "other payers" / "other nodes".

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target, stage, disclosed, amount_rmb_bn``.
    """
    f = sankey_flows(run) if flows is None else flows
    if years is not None:
        f = f[(f["year"] >= years[0]) & (f["year"] <= years[1])]
    if not len(f):
        return pd.DataFrame(columns=["source", "target", "stage", "disclosed", "amount_rmb_bn"])
    f = f.copy()
    total = f["amount"].sum()
    for col, cap in (("payer", max_nodes), ("node", max_nodes)):
        sums = f.groupby(col)["amount"].sum().sort_values(ascending=False)
        keep = set(sums.index[: cap - 1][sums.iloc[: cap - 1] >= min_share * total])
        f[col] = np.where(f[col].isin(keep), f[col], f"other {col}s")
    f["payer"] = "payer: " + f["payer"]
    f["instrument"] = "instrument: " + f["instrument"]
    f["node"] = "node: " + f["node"]
    f["firm"] = "firm type: " + f["firm"]
    parts = []
    for stage, (a, b) in enumerate((("payer", "instrument"), ("instrument", "node"), ("node", "firm"))):
        g = f.groupby([a, b, "disclosed"], as_index=False)["amount"].sum()
        g.columns = ["source", "target", "disclosed", "amount_rmb_bn"]
        g["stage"] = stage
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    return out[out["amount_rmb_bn"] > 0][["source", "target", "stage", "disclosed", "amount_rmb_bn"]].reset_index(drop=True)


DISCLOSED_COLOUR = "rgba(31,119,180,0.55)"
SIMULATED_COLOUR = "rgba(150,150,150,0.35)"


def _sankey_trace(links: pd.DataFrame, labels: list[str], visible: bool = True) -> go.Sankey:
    index = {n: i for i, n in enumerate(labels)}
    node_tot = links.groupby("target")["amount_rmb_bn"].sum().to_dict()
    node_tot.update(links[links["stage"] == 0].groupby("source")["amount_rmb_bn"].sum().to_dict())
    kinds = np.where(links["disclosed"].to_numpy(), "disclosed (fund size from a source)", "simulated")
    return go.Sankey(
        visible=visible,
        arrangement="snap",
        valueformat=".2s",
        node={
            "label": [f"{n} ({sig(node_tot.get(n, 0.0))})" for n in labels],
            "pad": 12, "thickness": 14,
            "hovertemplate": "%{label}<extra></extra>",
        },
        link={
            "source": [index[s] for s in links["source"]],
            "target": [index[t] for t in links["target"]],
            "value": links["amount_rmb_bn"].to_numpy(),
            "color": np.where(links["disclosed"].to_numpy(), DISCLOSED_COLOUR, SIMULATED_COLOUR).tolist(),
            "customdata": [[k, sig(v)] for k, v in zip(kinds, links["amount_rmb_bn"])],
            "hovertemplate": "%{source.label} -> %{target.label}<br>%{customdata[1]} RMB bn per replicate, %{customdata[0]}<extra></extra>",
        },
    )


def fig_sankey(run: Any, years: tuple[int, int] | None = None, *, per_year: bool = True) -> go.Figure:
    """Where the money went: funder -> instrument -> node -> firm type, for a period.

    ``years`` picks the period (inclusive; default the whole run). With ``per_year``
    the figure carries one Sankey per single year as well, chosen from a dropdown, so a
    static report can show any year. Blue links are disclosed flows (fund size from a
    sourced event), grey links simulated ones.
    """
    run = _as_runs(run)[0]
    label = run_labels([run])[0]
    all_years = [int(y) for y in run.dataset["year"].values]
    period = years or (all_years[0], all_years[-1])
    options = [(f"{period[0]}-{period[1]}", period)]
    if per_year:
        options += [(str(y), (y, y)) for y in all_years if period[0] <= y <= period[1]]
    flows = sankey_flows(run)
    frames = [(name, sankey_frame(run, p, flows=flows)) for name, p in options]
    main = frames[0][1]
    if not len(main):
        return _empty([run], f"Where the money went: {label}", "no capital flows in this period")
    node_labels = list(dict.fromkeys(list(main["source"]) + list(main["target"])))
    fig = go.Figure()
    for i, (name, links) in enumerate(frames):
        labels = node_labels + [n for n in dict.fromkeys(list(links["source"]) + list(links["target"])) if n not in node_labels]
        fig.add_trace(_sankey_trace(links, labels, visible=i == 0))
    n = len(frames)
    if n > 1:
        buttons = [
            {"label": name, "method": "update", "args": [{"visible": [j == i for j in range(n)]}, {"title.text": _sankey_title(label, name)}]}
            for i, (name, _) in enumerate(frames)
        ]
        fig.update_layout(updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.13, "yanchor": "top", "showactive": True}])
    disclosed = float(main.loc[(main["stage"] == 0) & main["disclosed"], "amount_rmb_bn"].sum())
    total = float(main.loc[main["stage"] == 0, "amount_rmb_bn"].sum())
    fig.update_layout(title={"text": _sankey_title(label, options[0][0]), "x": 0.01, "xanchor": "left"}, height=680, font={"size": 11})
    note = (
        f"Mean over {run.dataset.sizes.get('replicate', 1)} replicates (RMB bn, nominal). Blue: disclosed flows, fund size from a sourced event "
        f"({sig(disclosed)} of {sig(total)}); grey: simulated. Allocation to nodes and firms is always simulated."
    )
    return _meta(fig, [run], {"capital_deployed": "predicted"}, note=note, extra={"disclosed_rmb_bn": disclosed, "total_rmb_bn": total})


def _sankey_title(label: str, period: str) -> str:
    return f"Where the money went, {period}: {label}<br><sup>funder -> instrument -> node -> firm type; blue = disclosed, grey = simulated</sup>"


# --------------------------------------------------------------------------- named firms


def fig_named_firms(runs: Any, top: int = 12) -> go.Figure:
    """Capital received by named anchor firms over the run (illustrative, not forecasts of those companies)."""
    runs = _as_runs(runs)
    labels = run_labels(runs)
    common = set.intersection(*(set(int(y) for y in r.dataset["year"].values) for r in runs))
    y0, y1 = (min(common), max(common)) if common else (0, -1)
    per_run = []
    for run in runs:
        names = named_firms(run)
        led = run.ledger
        led = led[(led["year"] >= y0) & (led["year"] <= y1)]
        n_rep = max(int(run.dataset.sizes.get("replicate", 1)), 1)
        sel = led[led["firm_id"].isin(list(names))]
        s = sel.groupby("firm_id")["amount_rmb_bn"].sum() / n_rep
        s.index = [names[int(i)] for i in s.index]
        per_run.append(s)
    allv = pd.concat(per_run, axis=1).fillna(0.0) if per_run else pd.DataFrame()
    if allv.empty:
        return _empty(runs, "Named firms", "no named anchor firms received capital in these runs")
    order = allv.max(axis=1).sort_values(ascending=False).index[:top][::-1]
    fig = go.Figure()
    for k, s in enumerate(per_run):
        vals = s.reindex(order).fillna(0.0)
        fig.add_trace(go.Bar(y=list(order), x=vals.to_numpy(), orientation="h", name=labels[k], marker_color=PALETTE[k % len(PALETTE)], text=[sig(v) for v in vals], hovertemplate=f"<b>{labels[k]}</b> %{{y}}: %{{text}} RMB bn (mean over replicates); illustrative<extra></extra>"))
    fig.update_layout(
        barmode="group",
        title=_title(f"Capital received by named firms, {y0}-{y1} (RMB bn): ILLUSTRATIVE", "Named firms seed the population with public figures; their trajectories are illustrative, never forecasts of those companies."),
        height=max(360, 26 * len(order) * max(1, len(runs)) // 1 + 140),
        xaxis_title="RMB bn (mean over replicates)",
    )
    return _meta(fig, runs, {"capital_deployed": "predicted"}, note="Mean over replicates; illustrative only.")


# --------------------------------------------------------------------------- history


def history_frame(path: str | None = None) -> pd.DataFrame:
    """History to compare against: ``series, year, value`` (+ ``unit``, ``use``, ``source``).

    ``series`` is ``metric`` (entity ``china``) or ``metric:entity``. Default: the
    shipped ``data/history.csv``.
    """
    if path is None:
        from zili import data as D

        return pd.DataFrame(list(D.table("history")))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def history_matches(ds, history: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(history series, metric, entity) pairs the run can be compared with."""
    out = []
    have = set(ds.indexes["series"])
    for s in dict.fromkeys(history["series"].astype(str)):
        metric, _, entity = s.partition(":")
        for e in ([entity] if entity else ["china", ""]):
            if f"{metric}{SEP}{e}" in have:
                out.append((s, metric, e))
                break
    return out


def fig_history(runs: Any, history: pd.DataFrame | None) -> go.Figure:
    """Model (median and replicate band) against history the user supplied, per matching series."""
    runs = _as_runs(runs)
    if history is None or not len(history):
        return _empty(runs, "Model against history", "no history supplied")
    matches = history_matches(runs[0].dataset, history)
    if not matches:
        return _empty(runs, "Model against history", "no history series matches a metric of this run")
    labels = run_labels(runs)
    rows, cols = _grid(len(matches), 3)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[m[0] for m in matches], vertical_spacing=0.14 if rows > 1 else 0.2)
    tags = {}
    seen = set()
    for i, (s, metric, entity) in enumerate(matches):
        r, c = i // cols + 1, i % cols + 1
        for k, run in enumerate(runs):
            v = series_values(run.dataset, metric, entity)
            if v is None:
                continue
            tag, unit = series_info(run.dataset, metric, entity)
            tags[metric] = tag
            add_band(fig, run.dataset["year"].values, v, name=labels[k], colour=PALETTE[k % len(PALETTE)], tag=tag, unit=unit if unit != "fraction" else "", row=r, col=c, showlegend=labels[k] not in seen, dash=run_dash(k))
            seen.add(labels[k])
        h = history[history["series"].astype(str) == s]
        yrs = pd.to_numeric(h["year"], errors="coerce")
        vals = pd.to_numeric(h["value"], errors="coerce")
        use = h["use"].astype(str).to_numpy() if "use" in h else np.full(len(h), "")
        units = h["unit"].astype(str).to_numpy() if "unit" in h else np.full(len(h), "")
        fig.add_trace(
            go.Scatter(
                x=yrs, y=vals, mode="markers", marker={"color": "black", "symbol": ["diamond-open" if u == "validate" else "circle" for u in use], "size": 8},
                name="history", legendgroup="history", showlegend="history" not in seen,
                text=[f"{sig(v)} {u}; use: {x or 'n/a'}" for v, u, x in zip(vals, units, use)],
                hovertemplate="history %{x}: %{text}<extra></extra>",
            ),
            row=r, col=c,
        )
        seen.add("history")
    note = band_note(runs) + " Dots: history (open diamonds: held out for validation; filled: used to calibrate or build, so not a test)."
    fig.update_layout(title=_title("Model against history", note), height=max(360, rows * 260 + 120), legend={"orientation": "h", "y": -0.08})
    return _meta(fig, runs, tags, note=note)


# --------------------------------------------------------------------------- registry

FIGURES: tuple[tuple[str, str], ...] = (
    ("self_sufficiency", "Self-sufficiency"),
    ("capability", "Capability"),
    ("sankey", "Where the money went"),
    ("chokepoints", "Chokepoints"),
    ("money", "Money and debt"),
    ("firms", "Firm entries and exits"),
    ("real_financial", "Real versus financial economy"),
    ("output_at_risk", "Output at risk"),
    ("named_firms", "Named firms (illustrative)"),
    ("history", "Model against history"),
)


def build_figures(runs: Any, *, history: pd.DataFrame | None = None, sankey_years: tuple[int, int] | None = None, per_year: bool = True) -> dict[str, list[go.Figure]]:
    """Every report figure for the runs, keyed as in :data:`FIGURES` (the Sankey gives one per run)."""
    runs = _as_runs(runs)
    return {
        "self_sufficiency": [fig_self_sufficiency(runs)],
        "capability": [fig_capability(runs)],
        "sankey": [fig_sankey(r, sankey_years, per_year=per_year) for r in runs],
        "chokepoints": [fig_chokepoints(runs)],
        "money": [fig_money(runs)],
        "firms": [fig_firms(runs)],
        "real_financial": [fig_real_financial(runs)],
        "output_at_risk": [fig_output_at_risk(runs)],
        "named_firms": [fig_named_firms(runs)],
        "history": [fig_history(runs, history)],
    }
