"""Step 9, metrics: the catalogue of DESIGN.md is recorded with stable names, shapes and tags,
and derived metrics agree with the flows they come from."""

from __future__ import annotations

import numpy as np
import pytest

from zili.model.trajectory import TAGS

# DESIGN.md, "Metric catalogue": stable names reports, tests and users rely on
CATALOGUE = {
    "self_sufficiency": ["lithography", "lithography:advanced", "semiconductors"],
    "self_sufficiency_owned": ["lithography", "semiconductors"],
    "capability": ["logic_fab:mature", "logic_fab:advanced"],
    "tech_gap_years": ["logic_fab:advanced"],
    "capacity": ["logic_fab"], "utilisation": ["logic_fab"], "price_index": ["logic_fab"],
    "output": ["logic_fab"], "output_at_risk": ["logic_fab"], "imports": ["logic_fab"], "exports": ["logic_fab"],
    "world_share": ["logic_fab"], "stockpile_months": ["lithography"], "installed_foreign_tools": ["logic_fab"],
    "funder_budget": ["mof", "big_fund_1"], "capital_deployed": ["mof", "big_fund_1"], "capital_unspent": ["mof", "big_fund_1"],
    "committed_capital": ["big_fund_1"], "waste": ["mof"], "soe_debt": ["china"], "lgfv_debt": ["china", "anhui"],
    "fiscal_cost": ["china"], "firms_alive": ["logic_fab"], "firm_entries": ["logic_fab"], "firm_exits": ["logic_fab"],
    "ic_self_sufficiency": ["china"], "ic_trade_balance": ["china"], "nev_sales_share": ["china"],
    "charging_points": ["china"], "base_stations_5g": ["china"], "rd_gdp_ratio": ["china"], "manufacturing_share_gdp": ["china"],
}


def test_catalogue_metrics_and_entities_exist(money_run):
    names = {m.metric: m for m in money_run.traj.metrics}
    for metric, entities in CATALOGUE.items():
        assert metric in names, metric
        for e in entities:
            assert e in names[metric].entities, (metric, e)


def test_blocks_are_well_formed(money_run):
    traj = money_run.traj
    R, Y = len(traj.replicates), len(traj.years)
    seen = set()
    for m in traj.metrics:
        assert m.metric not in seen
        seen.add(m.metric)
        assert m.values.shape == (R, Y, len(m.entities)) and m.values.dtype == np.float64
        assert len(set(m.entities)) == len(m.entities), m.metric
        assert m.tag in TAGS and m.unit


def test_manufacturing_share_is_tagged_input(money_run):
    assert money_run.traj.metric("manufacturing_share_gdp").tag == "input"
    assert money_run.traj.metric("self_sufficiency").tag == "predicted"


def test_self_sufficiency_is_domestic_over_demand(money_run):
    traj = money_run.traj
    N0 = len(money_run.world.names["node"])
    out, exp_, imp = (traj.metric(n).values[..., :N0] for n in ("output", "exports", "imports"))
    unmet = traj.metric("unmet_demand").values
    imp = imp - traj.metric("stockpile_purchases").values  # bought ahead: imported, not consumed
    dom = out - exp_
    demand = imp + dom + unmet
    ss = traj.metric("self_sufficiency")
    N = len(money_run.world.names["node"])
    assert ss.entities[:N] == money_run.world.names["node"]
    expected = np.where(demand > 0, dom / np.where(demand > 0, demand, 1), 0)
    assert np.allclose(ss.values[..., :N], expected, atol=1e-9)


def test_owned_self_sufficiency_never_exceeds_located(money_run):
    ss, own = money_run.traj.metric("self_sufficiency"), money_run.traj.metric("self_sufficiency_owned")
    for i, e in enumerate(own.entities):
        assert (own.values[..., i] <= ss.values[..., ss.entities.index(e)] + 1e-12).all(), e


def test_world_share_is_output_over_world_market(money_run):
    """World market = the rest of the world's exogenous market + China's modelled demand
    (China's demand = imports other than stockpile purchases + domestic sales + unmet demand)."""
    w = money_run.world
    N = len(w.names["node"])
    t = money_run.traj
    out = t.metric("output").values[..., :N]
    imports = t.metric("imports").values[..., :N] - t.metric("stockpile_purchases").values[..., :N]
    china = imports + out - t.metric("exports").values[..., :N] + t.metric("unmet_demand").values[..., :N]
    market = (w.world_market0 - w.demand0.sum(1))[None, None, :] * w.demand_index[None, :, :] + china
    assert np.allclose(t.metric("world_share").values, np.clip(out / market, 0, 1))


def test_value_accessor(money_run):
    traj = money_run.traj
    m = traj.metric("capability")
    i = m.entities.index("logic_fab:advanced")
    assert np.array_equal(traj.value("capability", "logic_fab:advanced"), m.values[:, :, i])
    with pytest.raises(KeyError):
        traj.metric("no_such_metric")


def test_fiscal_cost_from_the_ledger(money_run):
    """Public payers' grants, internal R&D, subsidies, tax expenditure and equity, plus the interest
    subsidy on their loans (policy_loan_spread x loans)."""
    traj, w = money_run.traj, money_run.world
    lg = traj.ledger
    public = w.payer_public[lg.payer]
    from zili.model.world import INSTRUMENTS

    full = np.isin(lg.instrument, [INSTRUMENTS.index(i) for i in ("grant", "internal_rd", "subsidy", "tax_expenditure", "equity")])
    loan = lg.instrument == INSTRUMENTS.index("loan")
    for rpos, r in enumerate(traj.replicates):
        rows = (lg.replicate == r) & public
        grants = np.bincount(lg.year[rows & full] - 2014, weights=lg.amount[rows & full], minlength=7)
        loans = np.bincount(lg.year[rows & loan] - 2014, weights=lg.amount[rows & loan], minlength=7)
        expected = grants / 1e6 + w.params.policy_loan_spread * loans / 1e6
        assert np.allclose(traj.value("fiscal_cost", "china")[rpos], expected, rtol=1e-12)


def test_soe_debt_is_the_debt_of_alive_soes(money_run):
    st = money_run.traj.state
    soe = st.alive & np.isin(st.owner, [0, 1])
    expected = np.where(soe, st.debt, 0).sum(axis=1) / 1e6
    assert np.array_equal(money_run.traj.value("soe_debt", "china")[:, -1], expected)


@pytest.mark.parametrize("race", [True, False])
def test_lgfv_debt_only_with_the_province_race(race):
    from toy import money_events, scenario, simulate

    run = simulate(scenario(money_events(), params={"capital": {"province_race": race}}, firms=300, replicates=1))
    lgfv = run.traj.value("lgfv_debt", "china")[0]
    if race:
        assert (lgfv > 0).all() and (np.diff(lgfv) >= 0).all()
    else:
        assert (lgfv == 0).all()
    m = run.traj.metric("lgfv_debt")
    provinces = [m.entities.index(v) for v in run.world.names["province"]]
    assert np.allclose(m.values[..., provinces].sum(-1), m.values[..., m.entities.index("china")])


def _random_firms(R=2, M=3000, N=7, seed=0):
    gen = np.random.default_rng(seed)
    f = {
        "node": np.sort(gen.integers(0, N, (R, M)), axis=1), "tier": gen.integers(0, 2, (R, M)),
        "alive": gen.random((R, M)) < 0.8, "hq_cn": gen.random((R, M)) < 0.9,
        "out": gen.random((R, M)) * 3, "capa": gen.random((R, M)), "foreign_tools": gen.random((R, M)),
        "weight": gen.random(M) + 0.5, "rd": gen.random((R, M)),
        "owner": gen.integers(0, 6, (R, M)), "debt": gen.integers(0, 10**9, (R, M)),
    }
    return f, N


def test_recorder_firm_sums_are_group_sums_bit_for_bit():
    """The recorder's fused pass gives exactly the group sums it replaces (same order of adds)."""
    from zili.model.groups import group_sum
    from zili.model.metrics import _firm_sums

    f, N = _random_firms()
    from zili.model.world import is_soe

    got = _firm_sums(f["node"], f["tier"], f["alive"], f["hq_cn"], f["out"], f["capa"], f["foreign_tools"], f["weight"], f["rd"],
                     f["owner"], f["debt"], N)
    key = f["node"] * 2 + f["tier"]
    want = (
        group_sum(f["out"], key, 2 * N, f["alive"]), group_sum(f["out"], key, 2 * N, f["alive"] & f["hq_cn"]),
        group_sum(f["capa"] * f["foreign_tools"], f["node"], N, f["alive"]),
        group_sum(np.broadcast_to(f["weight"], f["capa"].shape), f["node"], N, f["alive"]),
        group_sum(f["rd"], f["node"], N, f["alive"]),
        np.where(f["alive"] & is_soe(f["owner"]), f["debt"], 0).sum(1),  # exact integers (what the recorder summed before)
    )
    assert got[5].dtype == np.int64 and 0 < got[5].min()
    for g, w in zip(got, want):
        assert g.shape == w.shape and np.array_equal(g, w)
