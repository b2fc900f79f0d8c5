"""Figure functions: every figure builds from a run, compares runs, and presents honestly."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from zili.report import figures as F
from zili.report.runs import disclosed_mask, firm_types, named_firms


def test_every_figure_builds_for_one_and_two_runs(base, duv):
    for runs in ([base], [base, duv]):
        figs = F.build_figures(runs, history=F.history_frame())
        assert set(figs) == {k for k, _ in F.FIGURES}
        for key, lst in figs.items():
            assert lst and all(isinstance(f, go.Figure) for f in lst), key
        assert len(figs["sankey"]) == len(runs)


def test_band_says_which_uncertainty(base):
    fig = F.fig_self_sufficiency([base])
    note = fig.layout.meta["band"]
    assert "stochastic" in note and "2 replicates" in note and "parameter" in note
    bands = [t for t in fig.data if t.fill == "toself"]
    assert bands and all("replicates" in t.name for t in bands)


def test_single_replicate_has_no_band(base):
    import copy

    one = copy.copy(base)
    one.dataset = base.dataset.isel(replicate=[0])
    fig = F.fig_self_sufficiency([one])
    assert not [t for t in fig.data if t.fill == "toself"]
    assert "no band" in fig.layout.meta["band"]


def test_hover_rounded_to_two_significant_figures(base):
    fig = F.fig_money([base])
    lines = [t for t in fig.data if t.mode == "lines" and t.text]
    for t in lines:
        for s in t.text:
            for num in s.replace("(", " ").replace(")", " ").replace("to", " ").split():
                digits = num.replace(",", "").replace(".", "").replace("-", "").lstrip("0")
                assert len(digits.rstrip("0")) <= 2, s


def test_tags_listed(base):
    fig = F.fig_real_financial([base])
    tags = fig.layout.meta["tags"]
    assert tags["manufacturing_share_gdp"] == "input"
    assert tags["nev_sales_share"] == "predicted"
    assert set(tags.values()) <= {"input", "calibrated", "predicted"}


def test_comparison_has_one_colour_per_run(base, duv):
    fig = F.fig_capability([base, duv])
    names = {t.name for t in fig.data if t.showlegend is not False and t.mode == "lines"}
    assert any(n.startswith("baseline") for n in names) and any(n.startswith("duv") for n in names)


def test_sankey_conserves_money_and_never_double_counts(base):
    links = F.sankey_frame(base)
    total = base.ledger["amount_rmb_bn"].sum() / base.dataset.sizes["replicate"]
    for stage in range(3):
        assert links[links.stage == stage]["amount_rmb_bn"].sum() == pytest.approx(total, rel=1e-9)
    # every intermediate node: inflow equals outflow
    for node in set(links[links.stage == 1]["source"]):
        inflow = links[(links.stage == 0) & (links.target == node)]["amount_rmb_bn"].sum()
        outflow = links[(links.stage == 1) & (links.source == node)]["amount_rmb_bn"].sum()
        assert inflow == pytest.approx(outflow, rel=1e-9)


def test_sankey_period_and_disclosed_split(base):
    y = int(base.dataset["year"].values[3])
    one = F.sankey_frame(base, (y, y))
    led = base.ledger[base.ledger["year"] == y]
    assert one[one.stage == 0]["amount_rmb_bn"].sum() == pytest.approx(led["amount_rmb_bn"].sum() / 2, rel=1e-9)
    fig = F.fig_sankey(base)
    meta = fig.layout.meta
    assert 0 < meta["disclosed_rmb_bn"] < meta["total_rmb_bn"]
    colours = set(fig.data[0].link.color)
    assert colours == {F.DISCLOSED_COLOUR, F.SIMULATED_COLOUR}
    assert "disclosed" in fig.layout.title.text and "simulated" in fig.layout.title.text
    # one trace per period option: the whole run and each year
    assert len(fig.data) == 1 + base.dataset.sizes["year"]


def test_disclosed_rule(base):
    mask = disclosed_mask(base, base.ledger)
    funds = base.ledger["fund"].astype(str).to_numpy()
    assert mask[funds == "big_fund_1"].all()
    assert not mask[funds == "private_vc"].any()  # background programme: simulated
    assert not mask[funds == "huawei_hubble"].any()  # event marked UNSOURCED: simulated


def test_firm_types_and_named_firms(base):
    names = named_firms(base)
    assert "SMIC" in names.values()
    ids = base.ledger["firm_id"].to_numpy()
    types = firm_types(base, ids)
    assert set(types) <= {"central SOE", "local SOE", "private firm", "startup", "foreign-owned fab", "joint venture"}
    assert firm_types(base, [10**9])[0] == "startup"  # entrants created during the run


def test_named_firms_marked_illustrative(base):
    fig = F.fig_named_firms([base])
    assert "ILLUSTRATIVE" in fig.layout.title.text
    assert all("illustrative" in t.hovertemplate for t in fig.data)


def test_chokepoint_heatmap_node_by_year(base, duv):
    fig = F.fig_chokepoints([base, duv])
    heat = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert len(heat) == 2
    assert np.asarray(heat[0].z).shape == (len(heat[0].y), base.dataset.sizes["year"])


def test_output_at_risk_only_where_controls_bite(duv):
    fig = F.fig_output_at_risk([duv])
    assert any(t.mode == "lines" for t in fig.data)


def test_history_matches_shipped_series(base):
    hist = F.history_frame()
    matches = F.history_matches(base.dataset, hist)
    assert ("ic_self_sufficiency", "ic_self_sufficiency", "china") in matches
    fig = F.fig_history([base], hist)
    assert any(t.name == "history" for t in fig.data)
    assert "no history" in F.fig_history([base], None).layout.annotations[0].text


def test_run_without_any_flow_or_band():
    """The empty scenario: no ledger rows and one replicate still give every figure."""
    import zili
    from zili.report.html import report_html
    from zili.scenario import to_toml

    sc = zili.load_scenario("empty", sets=["run.firms=200", "run.replicates=1", "run.end_year=2017"])
    traj, meta = zili.run(sc)
    res = zili.Results.from_trajectory(traj, scenario=sc.name, scenario_toml=to_toml(sc), meta=meta)
    assert len(res.ledger) == 0
    figs = F.build_figures([res])
    assert "no capital flows" in figs["sankey"][0].layout.annotations[0].text
    assert "no band" in figs["money"][0].layout.meta["band"]
    assert 'id="fig-sankey-0"' in report_html([res])
