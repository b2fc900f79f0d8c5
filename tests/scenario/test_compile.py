"""Compile: a validated scenario and the shipped data become the World's arrays."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import zili
from zili.data import known_ids, unsourced_parameters
from zili.model.money import to_thousand
from zili.model.world import INSTRUMENTS, SELECTION

from toy import budget, export_control, fund_launch, scenario, subsidy


@pytest.fixture(scope="module")
def world():
    return zili.compile_world(scenario([fund_launch(), budget(), subsidy()], firms=300))


def test_world_is_frozen(world):
    with pytest.raises(dataclasses.FrozenInstanceError):
        world.years = np.arange(3)


def test_shapes_are_consistent(world):
    s = world.shape
    assert s["Y"] == 7 and world.years.tolist() == list(range(2014, 2021))
    assert world.names["node"] == known_ids()["node"]
    assert world.names["payer"] == known_ids()["payer"]
    assert world.fund_payin.shape == (s["Y"], s["U"], s["P"]) and world.fund_payin.dtype == np.int64
    assert world.ctrl_cut.shape == (s["Y"], s["N"], 2, s["C"])
    assert world.entity_listed.shape == (s["Y"], s["F0"])
    for f in dataclasses.fields(world):
        if f.name.startswith("firm_"):
            assert getattr(world, f.name).shape == (s["F0"],), f.name


def test_firm_population(world):
    anchors = len(known_ids()["firm"])
    assert len(world.firm_id) == anchors + 300
    assert np.array_equal(world.firm_id, np.arange(len(world.firm_id)))  # unique, sorted
    assert (world.firm_anchor[:anchors] == np.arange(anchors)).all() and (world.firm_anchor[anchors:] == -1).all()
    assert (world.firm_capacity >= 0).all() and (world.firm_cash >= 0).all()
    assert ((world.firm_capability > 0) & (world.firm_capability <= 1)).all()
    assert set(np.unique(world.firm_tier)) <= {0, 1}


def test_every_node_gets_its_floor_of_synthetic_firms():
    w = zili.compile_world(scenario(firms=400))
    anchors = len(known_ids()["firm"])
    counts = np.bincount(w.firm_node[anchors:], minlength=len(w.names["node"]))
    assert counts.min() >= w.params.min_firms_per_node


def test_population_is_keyed_on_seed():
    a = zili.compile_world(scenario(firms=200, seed=1))
    b = zili.compile_world(scenario(firms=200, seed=1))
    c = zili.compile_world(scenario(firms=200, seed=2))
    assert np.array_equal(a.firm_capacity, b.firm_capacity) and np.array_equal(a.firm_node, b.firm_node)
    assert not np.array_equal(a.firm_capacity, c.firm_capacity)


def test_population_prefix_is_stable_when_it_grows():
    """Keyed on firm ids: a larger population keeps the smaller one's attributes except where
    per-node scaling applies (capacity is normalised within a node), so node/tier/owner agree."""
    small = zili.compile_world(scenario(firms=300))
    big = zili.compile_world(scenario(firms=600))
    n = len(small.firm_id)
    for f in ("firm_node", "firm_tier", "firm_owner", "firm_province"):
        assert np.array_equal(getattr(small, f), getattr(big, f)[:n]), f


def test_fund_launch_paid_in_exact(world):
    u = world.names["fund"].index("big_fund_1")
    P = world.names["payer"]
    payin = world.fund_payin[:, u, :]
    assert payin.sum(axis=1).tolist() == [0, 10_000_000, 10_000_000, 0, 0, 0, 0]
    # LP shares 0.4 / 0.35 / 0.25 split exactly
    assert payin[1, P.index("mof")] == 4_000_000 and payin[1, P.index("cdb")] == 3_500_000
    assert payin[1, P.index("china_tobacco")] == 2_500_000
    assert world.fund_registered[u] == 30_000_000
    assert world.fund_instrument[u] == INSTRUMENTS.index("equity") and world.fund_selection[u] == SELECTION.index("champions")
    m = world.fund_mandate[u]
    N = world.names["node"]
    assert m.sum() == pytest.approx(1.0)
    assert m[N.index("logic_fab")] == pytest.approx(0.5) and m[N.index("memory_fab")] == pytest.approx(0.25)


def test_sector_mandate_spreads_over_its_nodes(world):
    u = world.names["fund"].index("central_st_budget")
    m = world.fund_mandate[u]
    semis = [i for i, s in enumerate(world.node_sector) if world.names["sector"][s] == "semiconductors"]
    ai_models = world.names["node"].index("ai_models")
    assert m[ai_models] == pytest.approx(0.5)
    assert np.allclose(m[semis], 0.5 / len(semis))
    assert m.sum() == pytest.approx(1.0)


def test_budget_paid_in_is_the_modelled_share(world):
    u = world.names["fund"].index("central_st_budget")
    share = world.params.budget_modelled_share
    assert world.fund_payin[:, u, :].sum(axis=1).tolist() == [int(to_thousand(5.0 * share))] * 7
    assert world.fund_deploy_rate[u] == 1.0


def test_subsidy_gets_its_own_programme(world):
    u = world.names["fund"].index("subsidy:sub")
    assert world.fund_payin[:, u, :].sum(axis=1).tolist() == [0] + [3_000_000] * 6
    assert world.fund_instrument[u] == INSTRUMENTS.index("subsidy")


def _ctrl_world(*events, **params):
    return zili.compile_world(scenario(list(events), params=params or None, firms=50))


def test_country_rule_cuts_imposing_countries_only():
    w = _ctrl_world(export_control(nodes=["lithography"], tiers=["advanced"], year=2017, announce=2015, severity=0.8, leakage=0.25))
    n, C = w.names["node"].index("lithography"), w.names["country"]
    cut = w.ctrl_cut[:, n, 1, :]
    assert np.allclose(cut[:, C.index("US")], [0, 0, 0, 0.6, 0.6, 0.6, 0.6])
    assert (np.delete(cut, C.index("US"), axis=1) == 0).all()
    assert (w.ctrl_cut[:, n, 0, :] == 0).all()  # mature tier untouched
    # announced 2015, in force 2017: announced-not-yet-effective in 2015 and 2016, at the effective cut
    assert np.allclose(w.ctrl_announced[:, n, 1], [0, 0.6, 0.6, 0, 0, 0, 0])
    assert w.controllers[-1, C.index("US")] and not w.controllers[-1, C.index("NL")]


def test_fdpr_reaches_allies_and_never_china():
    w = _ctrl_world(export_control(instrument="fdpr", nodes=["ai_chips"], year=2016, allied_compliance=0.5))
    n, C = w.names["node"].index("ai_chips"), w.names["country"]
    cut = w.ctrl_cut[3, n, 1]
    assert cut[C.index("US")] == 1.0 and cut[C.index("CN")] == 0.0
    assert cut[C.index("NL")] == 0.5 and cut[C.index("JP")] == 0.5


def test_event_end_is_inclusive_and_lag_shifts():
    ev = export_control(nodes=["etch"], year=2016) | {"end": 2018}
    n = zili.compile_world(scenario([ev], firms=10)).names["node"].index("etch")
    w0 = _ctrl_world(ev)
    w1 = _ctrl_world(ev, policy={"implementation_lag_years": 1})
    us = w0.names["country"].index("US")
    assert (w0.ctrl_cut[:, n, 1, us] > 0).tolist() == [False, False, True, True, True, False, False]
    assert (w1.ctrl_cut[:, n, 1, us] > 0).tolist() == [False, False, False, True, True, True, False]


def test_entity_listing_marks_the_target_anchor():
    # imposed by every foreign supplier, so the listing covers all foreign lithography supply
    everyone = ["US", "NL", "JP", "KR", "TW", "EU", "other"]
    w = _ctrl_world(export_control(instrument="entity_listing", targets=["smic"], nodes=["lithography"], year=2018,
                                   severity=0.7, imposing=everyone))
    f = w.names["anchor"].index("smic")
    assert np.allclose(w.entity_listed[:, f], [0, 0, 0, 0, 0.7, 0.7, 0.7])
    assert (np.delete(w.entity_listed, f, axis=1) == 0).all()
    assert w.entity_nodes[4:, w.names["node"].index("lithography")].all()


def test_preference_is_capped_and_local_content_is_a_max():
    evs = [
        {"kind": k, "name": k, "announce": 2015, "effect": 2015, "nodes": ["eda"], "strength": 0.7}
        for k in ("procurement_preference", "security_law")
    ] + [
        {"kind": "local_content", "name": f"lc{i}", "announce": 2015, "effect": 2015, "nodes": ["eda"], "min_domestic_share": s}
        for i, s in enumerate((0.3, 0.5))
    ]
    w = _ctrl_world(*evs)
    n = w.names["node"].index("eda")
    assert w.preference[1:, n].tolist() == [1.0] * 6 and w.preference[0, n] == 0
    assert w.local_content[1:, n].tolist() == [0.5] * 6


def test_data_override_reaches_the_world():
    key = next(k for k in unsourced_parameters() if k.startswith("china_start:") and k.endswith(":capability"))
    _, node, tier, _ = key.split(":")
    p = unsourced_parameters()[key]
    sc = zili.scenario.validate({"run": {"start_year": 2014, "end_year": 2016, "firms": 10}, "data": {key: p.low}})
    w = zili.compile_world(sc)
    default = zili.compile_world(scenario(firms=10, end_year=2016))
    i, t = w.names["node"].index(node), ("mature", "advanced").index(tier)
    assert w.cap0[i, t] == pytest.approx(max(p.low, 1e-4))
    assert default.cap0[i, t] == pytest.approx(max(p.default, 1e-4))


def test_static_data_sanity(world):
    assert np.allclose(world.supply_share.sum(axis=1), 1.0)
    assert (world.demand_index[0] == 1).all() and (world.demand_index > 0).all()
    pos = {int(n): i for i, n in enumerate(world.topo)}
    users, inputs = np.nonzero(world.input_weight > 0)
    assert all(pos[i] < pos[u] for u, i in zip(users, inputs))  # inputs before their users
    assert ((world.cap0 > 0) & (world.cap0 <= 1)).all()
    assert ((world.ss0 > 0) & (world.ss0 < 1)).all()
    assert ((world.downstream_reach >= 0) & (world.downstream_reach <= 1 + 1e-12)).all()


def test_compile_is_deterministic(world):
    again = zili.compile_world(scenario([fund_launch(), budget(), subsidy()], firms=300))
    for f in dataclasses.fields(world):
        a, b = getattr(world, f.name), getattr(again, f.name)
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f.name


def test_run_switches_for_anchors_and_background_money():
    full = zili.compile_world(scenario(firms=20))
    bare = zili.compile_world(scenario(firms=20, anchors=False, background_programmes=False))
    assert len(full.firm_id) == 20 + len(known_ids()["firm"])
    assert len(bare.firm_id) == 20 and (bare.firm_anchor == -1).all()
    background = ["private_vc", "soe_internal_rd", "cdb_policy_loans", "provincial_guidance_funds"]
    for f in background:
        assert full.fund_payin[:, full.names["fund"].index(f)].sum() > 0, f
    assert bare.fund_payin.sum() == 0  # no events, no background: no money at all
