"""The zili dashboard (Solara): pick or upload a scenario, edit it, run it, look at it.

Start with ``zili app`` (binds 127.0.0.1) or ``solara run zili.app.main``. Figures come
from :mod:`zili.report.figures`, the same functions as the HTML report; simulations go
through ``zili.run`` (see :mod:`zili.app.logic`); this package never imports
``zili.model``.
"""

from __future__ import annotations

import datetime as _dt

import solara
import solara.lab
from plotly.offline import get_plotlyjs

from zili.app import logic as L
from zili.app.widgets import FilePicker, PlotlyLoader, PlotlyView

# ----------------------------------------------------------------------------- state (per browser session)
scenario_name = solara.reactive("baseline")
base_doc = solara.reactive(None)  # raw document being edited (None: load scenario_name)
source_label = solara.reactive("shipped: baseline")
message = solara.reactive("")  # the last error line (same text the CLI prints)
note = solara.reactive("")  # a remark on the last run (events left out of a shorter horizon)
sets = solara.reactive({})  # --set path -> value
added = solara.reactive([])  # raw events added in forms
removed = solara.reactive([])  # names of events removed
compare = solara.reactive(False)
show_tags = solara.reactive(True)
figure_key = solara.reactive("self_sufficiency")
results = solara.reactive(None)  # list of zili.Results (first = this scenario)
status = solara.reactive("no run yet: press Run")
run_counter = solara.reactive(0)
progress = solara.reactive(0.0)


def _doc() -> dict:
    return base_doc.value if base_doc.value is not None else L.raw(scenario_name.value)


def _draft() -> L.Draft:
    s = {k: v for k, v, *_ in [(f[0], f[3]) for f in L.RUN_FIELDS] if v is not None}
    s.update(sets.value)
    return L.Draft(_doc(), sets=s, added=list(added.value), removed=list(removed.value))


def _set(path: str, value) -> None:
    sets.set({**sets.value, path: value})


@solara.lab.task
def run_task():
    message.set("")
    draft = _draft()
    try:
        sc = draft.scenario()
    except Exception as exc:  # ScenarioError: one line, as the CLI
        message.set(L.error_line(exc))
        return None
    note.set("")
    if draft.left_out:
        note.set(f"note: {len(draft.left_out)} events announced after {sc.run.end_year} are left out ({', '.join(draft.left_out[:4])}{' ...' if len(draft.left_out) > 4 else ''})")
    status.set(f"running {sc.name}: {sc.run.replicates} replicates x {sc.run.firms:,} firms, {sc.run.start_year}-{sc.run.end_year} ...")
    jobs = [sc] + ([L.matched_baseline(sc)] if compare.value and sc.name != "baseline" else [])
    out = []
    for i, job in enumerate(jobs):
        out.append(L.simulate(job, progress=lambda f, i=i: progress.set((i + f) / len(jobs))))
    results.set(out)
    run_counter.set(run_counter.value + 1)
    wall = sum(r.meta.get("wall_seconds", 0) for r in out)
    status.set(f"run {run_counter.value} finished: {sc.name}, {sc.run.replicates} replicates x {sc.run.firms:,} firms, {sc.run.start_year}-{sc.run.end_year} ({wall:.1f} s)" + (" and the matched baseline" if len(out) > 1 else ""))
    return out


# ----------------------------------------------------------------------------- sidebar pieces
def _on_upload(upload: dict) -> None:
    if not upload:
        return
    name = upload.get("name", "upload.toml")
    if upload.get("too_big"):
        message.set(L.error_line(L.UploadError(f"{name}: {upload['too_big']:,} bytes; allowed: a scenario file up to {L.MAX_UPLOAD_BYTES:,} bytes")))
        return
    try:
        doc = L.read_upload(name, upload.get("text", ""))
    except Exception as exc:  # ScenarioError or UploadError: one line, nothing loaded
        message.set(L.error_line(exc))
        return
    message.set("")
    base_doc.set(doc)
    added.set([])
    removed.set([])
    source_label.set(f"uploaded: {name}")


@solara.component
def ScenarioPicker():
    def pick(name):
        scenario_name.set(name)
        base_doc.set(None)
        added.set([])
        removed.set([])
        message.set("")
        source_label.set(f"shipped: {name}")

    solara.Select(label="shipped scenario", values=L.shipped(), value=scenario_name.value, on_value=pick)
    FilePicker.element(on_upload=_on_upload)
    solara.Text(f"editing {source_label.value}", style={"font-size": "13px", "color": "#555"})
    if message.value:
        solara.Error(message.value, classes=["zili-error"])
    if note.value:
        solara.Info(note.value, classes=["zili-note"])


@solara.component
def RunSettings():
    doc = _doc()
    for path, label, _kind, default, lo, hi in L.RUN_FIELDS:
        cur = sets.value.get(path, default)
        if cur is None:
            try:
                cur = L.current_value(doc, path)
            except Exception:
                cur = lo
        solara.InputInt(label=label, value=int(cur), on_value=lambda v, p=path, lo=lo, hi=hi: _set(p, max(lo, min(hi, int(v)))), continuous_update=False)


def _current(doc, path: str, cast, default):
    """The value to show for ``path``: the user's edit, else the scenario's value, else ``default``."""
    cur = sets.value.get(path)
    if cur is not None:
        return cur
    try:
        return cast(L.current_value(doc, path))
    except Exception:
        return default


@solara.component
def Mechanisms():
    doc = _doc()
    with solara.Details("mechanisms and main parameters", expand=False):
        for path, label in L.SWITCHES:
            cur = _current(doc, path, bool, True)
            solara.Switch(label=label, value=cur, on_value=lambda v, p=path: _set(p, bool(v)))
        for path, label, lo, hi, step in L.SLIDERS:
            cur = _current(doc, path, float, lo)
            solara.SliderFloat(label=label, value=cur, min=lo, max=hi, step=step, on_value=lambda v, p=path: _set(p, round(float(v), 6)))


@solara.component
def Events():
    doc = _doc()
    names = L.event_names(doc)
    nodes = L.known("node")
    with solara.Details(f"policy events ({len(names) - len(removed.value) + len(added.value)})", expand=False):
        solara.SelectMultiple("remove events", values=[n for n in removed.value if n in names], all_values=names, on_value=lambda v: removed.set(list(v)))
        if added.value:
            solara.Markdown("**added:** " + ", ".join(e["name"] for e in added.value))
            solara.Button("clear added events", on_click=lambda: added.set([]), text=True)
        # an export control
        inst, set_inst = solara.use_state("servicing_ban")
        imp, set_imp = solara.use_state(["US", "NL", "JP"])
        cnodes, set_cnodes = solara.use_state(["lithography"])
        sev, set_sev = solara.use_state(1.0)
        year, set_year = solara.use_state(2026)
        solara.Markdown("**add an export control**")
        solara.Select("instrument", values=list(L.CONTROL_INSTRUMENTS), value=inst, on_value=set_inst)
        solara.SelectMultiple("imposing", values=imp, all_values=list(L.COUNTRIES), on_value=set_imp)
        solara.SelectMultiple("nodes", values=cnodes, all_values=nodes, on_value=set_cnodes)
        solara.SliderFloat("severity", value=sev, min=0.0, max=1.0, step=0.05, on_value=set_sev)
        solara.InputInt("effect year", value=year, on_value=set_year, continuous_update=False)

        def add_control():
            name = f"dash_control_{len(added.value) + 1}"
            added.set(added.value + [L.export_control_event(name, instrument=inst, imposing=imp, nodes=cnodes, tiers=["advanced"], severity=sev, announce=year, effect=year)])

        solara.Button("add export control", on_click=add_control, outlined=True)
        # a fund launch
        fund, set_fund = solara.use_state("big_fund_3")
        size, set_size = solara.use_state(100.0)
        fnode, set_fnode = solara.use_state("lithography")
        fyear, set_fyear = solara.use_state(2020)
        solara.Markdown("**add a fund launch** (paid in over 5 years, paid by the central budget)")
        solara.Select("fund", values=L.known("fund"), value=fund, on_value=set_fund)
        solara.InputFloat("size (RMB bn)", value=size, on_value=set_size, continuous_update=False)
        solara.Select("mandate node", values=nodes, value=fnode, on_value=set_fnode)
        solara.InputInt("launch year", value=fyear, on_value=set_fyear, continuous_update=False)

        def add_fund():
            name = f"dash_fund_{len(added.value) + 1}"
            added.set(added.value + [L.fund_launch_event(name, fund=fund, size_rmb_bn=size, years=5, effect=fyear, node=fnode)])

        solara.Button("add fund launch", on_click=add_fund, outlined=True)


@solara.component
def Downloads():
    def scenario_text():
        try:
            from zili.scenario import to_toml

            return to_toml(_draft().scenario())
        except Exception as exc:
            return f"# {L.error_line(exc)}\n"

    solara.FileDownload(scenario_text, filename="scenario.toml", label="download scenario (TOML)")
    if results.value:
        r = results.value[0]
        solara.FileDownload(lambda: L.results_zip(r), filename=f"{r.meta.get('run_id', 'run')}.zip", label="download results (Parquet, zip)")

        def report():
            from zili.report.figures import history_frame
            from zili.report.html import report_html

            return report_html(results.value, history=history_frame())

        solara.FileDownload(report, filename="zili-report.html", label="download HTML report")


# ----------------------------------------------------------------------------- main area
@solara.component
def FigureArea():
    if not results.value:
        solara.Info("Pick a scenario, adjust it, and press Run. Small populations (a few thousand firms) run in seconds.")
    else:
        FigurePanel(results.value)


@solara.component
def FigurePanel(runs: list):
    from zili.report.figures import FIGURES, build_figures, history_frame

    period, set_period = solara.use_state((0, 0))  # Sankey period (years)
    keys = [k for k, _ in FIGURES]
    labels = dict(FIGURES)
    with solara.Row():
        titles = [labels[k] for k in keys]
        solara.Select(label="figure", values=titles, value=labels.get(figure_key.value, titles[0]), on_value=lambda t: figure_key.set(keys[titles.index(t)]), classes=["zili-figure-select"], style={"max-width": "360px"})
    all_years = [int(y) for y in runs[0].dataset["year"].values]
    if period[0] < all_years[0] or period[1] > all_years[-1] or period[0] > period[1]:
        period = (all_years[0], all_years[-1])
    if figure_key.value == "sankey":
        solara.SliderRangeInt("Sankey period", value=period, min=all_years[0], max=all_years[-1], on_value=set_period)
    key = figure_key.value

    def make():
        kwargs = {"history": history_frame()} if key == "history" else {}
        from zili.report import figures as F

        fn = {
            "self_sufficiency": lambda: [F.fig_self_sufficiency(runs)],
            "capability": lambda: [F.fig_capability(runs)],
            "sankey": lambda: [F.fig_sankey(r, tuple(period), per_year=False) for r in runs],
            "chokepoints": lambda: [F.fig_chokepoints(runs)],
            "money": lambda: [F.fig_money(runs)],
            "firms": lambda: [F.fig_firms(runs)],
            "real_financial": lambda: [F.fig_real_financial(runs)],
            "output_at_risk": lambda: [F.fig_output_at_risk(runs)],
            "named_firms": lambda: [F.fig_named_firms(runs)],
            "history": lambda: [F.fig_history(runs, kwargs["history"])],
        }.get(key) or (lambda: build_figures(runs)[key])
        return fn()

    figs = solara.use_memo(make, dependencies=[id(runs), key, tuple(period), run_counter.value])
    solara.Markdown(f"### {labels.get(key, key)}")
    for i, fig in enumerate(figs):
        meta = fig.layout.meta or {}
        if meta.get("band") and not meta.get("note_in_title"):
            solara.HTML(tag="div", unsafe_innerHTML=meta["band"].replace("<", "&lt;"), style={"font-size": "13px", "color": "#555", "white-space": "normal"}, classes=["zili-band-note"])
        if show_tags.value and meta.get("tags"):
            with solara.Row(classes=["zili-tags"]):
                for m, t in meta["tags"].items():
                    solara.Text(f"{m}: {t}", style={"border": "1px solid #999", "border-radius": "10px", "padding": "0 8px", "font-size": "12px", "background": {"predicted": "#e8f1fb", "calibrated": "#fff3e0"}.get(t, "#eee")})
        PlotlyView.element(figure_json=fig.to_json(), name=f"{key}-{i}", revision=run_counter.value)
    if len(runs) > 1:
        from zili.report.compare import HEADERS, differences, display_rows

        import html as _html

        frame = differences(runs[1], runs[0], top=15)
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{_html.escape(h)}</th>" for h in HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td style='padding:2px 8px;border-top:1px solid #ddd'>{_html.escape(c)}</td>" for c in row) + "</tr>" for row in display_rows(frame)
        )
        solara.Markdown(f"### Largest differences: {runs[0].meta.get('scenario')} minus matched baseline (A = baseline, B = scenario)")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<table class='zili-diff' style='border-collapse:collapse;font-size:13px'><tr>{head}</tr>{body}</table>",
            style={"overflow-x": "auto", "max-width": "calc(100vw - 380px)"},
        )


@solara.component
def Page():
    solara.Title("zili dashboard")
    PlotlyLoader.element(plotly_js=solara.use_memo(get_plotlyjs, dependencies=[]))
    with solara.AppBar():
        solara.AppBarTitle("zili: state-directed technology investment")
    with solara.Sidebar():
        with solara.Card("Scenario"):
            ScenarioPicker()
        with solara.Card("Run"):
            RunSettings()
            Mechanisms()
            Events()
            solara.Checkbox(label="compare with the shipped baseline (same run settings)", value=compare)
            solara.Button("Run", on_click=run_task, disabled=run_task.pending, color="primary", classes=["zili-run"])
            if run_task.pending:
                solara.ProgressLinear(value=progress.value * 100)
            if run_task.error:
                solara.Error(f"error: {run_task.exception}")
        with solara.Card("Download"):
            Downloads()
    with solara.Column(style={"width": "100%", "min-width": "0", "max-width": "calc(100vw - 340px)", "overflow-x": "hidden"}):
        solara.Text(status.value, classes=["zili-status"], style={"font-weight": "500"})
        solara.Switch(label="show metric tags (input / calibrated / predicted)", value=show_tags)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "Bands show stochastic (replicate) uncertainty only; numbers are rounded to two significant figures; named firms are illustrative, "
                "never forecasts of those companies; in the Sankey, blue flows are disclosed (fund size from a sourced event), grey simulated."
            ),
            style={"font-size": "12px", "color": "#666", "white-space": "normal"},
        )
        FigureArea()


