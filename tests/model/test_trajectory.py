"""The trajectory contract under random scenarios: whatever the events, the books balance,
the ledger reconciles with the money metrics, and shares stay shares (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zili
from zili.model.finance import books_residual

from toy import export_control, fund_launch, budget, scenario, simulate, subsidy, to_k

NODES = ["lithography", "etch", "logic_fab", "memory_fab", "ai_chips", "chip_design", "battery_cells", "eda"]
YEARS = list(range(2014, 2018))
money = st.floats(0.0, 50.0, allow_nan=False).map(lambda x: round(x, 6))


@st.composite
def events(draw):
    out = []
    for i in range(draw(st.integers(0, 2))):
        y = draw(st.sampled_from(YEARS))
        out.append(fund_launch(
            f"f{i}", fund=["big_fund_1", "big_fund_2", "national_vc_guide_fund"][i], year=y,
            paid={yy: draw(money) for yy in YEARS if yy >= y}, registered=200.0,
            mandate={draw(st.sampled_from(NODES)): 1.0, draw(st.sampled_from(NODES)): draw(st.floats(0.1, 3))},
            instrument=draw(st.sampled_from(["equity", "loan", "grant"])),
            selection=draw(st.sampled_from(["champions", "venture", "broad"])),
        ))
    if draw(st.booleans()):
        out.append(budget("b", amounts={y: draw(money) for y in YEARS}, mandate={draw(st.sampled_from(NODES)): 1.0},
                          instrument=draw(st.sampled_from(["grant", "internal_rd", "subsidy", "tax_expenditure"]))))
    if draw(st.booleans()):
        out.append(subsidy("s", nodes=[draw(st.sampled_from(NODES))], amount=draw(money), year=draw(st.sampled_from(YEARS))))
    if draw(st.booleans()):
        y = draw(st.sampled_from(YEARS))
        out.append(export_control(
            "c", nodes=draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=3, unique=True)), year=y,
            announce=draw(st.sampled_from([yy for yy in YEARS if yy <= y])),
            instrument=draw(st.sampled_from(["country_rule", "fdpr", "servicing_ban"])),
            tiers=draw(st.sampled_from([["advanced"], ["mature", "advanced"]])),
            severity=draw(st.floats(0, 1)), leakage=draw(st.floats(0, 1)),
        ))
    if draw(st.booleans()):
        out.append({"kind": "subsidy_fraud", "name": "fraud", "announce": 2015, "effect": 2015,
                    "nodes": [draw(st.sampled_from(NODES))], "severity": draw(st.floats(0, 1))})
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evs=events(), seed=st.integers(0, 2**32), soft=st.booleans(), race=st.booleans())
def test_books_and_ledger_hold_for_any_scenario(evs, seed, soft, race):
    sc = scenario(evs, firms=250, replicates=1, end_year=2017, seed=seed,
                  params={"finance": {"soft_budget": soft}, "capital": {"province_race": race}})
    run = simulate(sc)
    traj, world = run.traj, run.world
    P = len(world.names["payer"])
    # firm balance sheets
    c, d = books_residual(traj.state)
    assert not c.any() and not d.any()
    assert (traj.state.debt >= 0).all()
    # payers and funds: budget = deployed + idle, carried over year to year
    b, dep, un, paid = (to_k(traj.metric(n).values) for n in ("funder_budget", "capital_deployed", "capital_unspent", "capital_paid_in"))
    assert np.array_equal(b, dep + un) and (dep >= 0).all() and (un >= 0).all()
    assert np.array_equal(b[:, 1:], un[:, :-1] + paid[:, 1:])
    # the ledger sums to what was deployed, per payer and per fund
    lg = traj.ledger
    for col, lo, hi in (("payer", 0, P), ("fund", P, b.shape[-1])):
        got = np.zeros((len(traj.years), hi - lo), dtype=np.int64)
        np.add.at(got, (lg.year - 2014, getattr(lg, col).astype(np.int64)), lg.amount)
        assert np.array_equal(got, dep[0, :, lo:hi])
    # waste is never negative and never more than the payers put in (fraud included)
    waste = to_k(traj.metric("waste").values)[0, :, :P].sum(0)
    assert (waste >= 0).all()
    put_in = np.bincount(lg.payer, weights=lg.amount, minlength=P)
    assert (waste <= put_in).all()
    # shares stay shares
    for m in traj.metrics:
        if m.unit == "fraction":
            v = m.values[np.isfinite(m.values)]
            assert ((v >= 0) & (v <= 1)).all(), m.metric


@pytest.mark.slow
def test_shipped_baseline_small_population():
    """The full baseline timeline (2014-2035, paired with no controls) on a tiny population."""
    if "baseline" not in zili.scenario.shipped_scenarios():
        pytest.skip("baseline not shipped yet")
    sc = zili.load_scenario("baseline", sets=["run.firms=300", "run.replicates=1"])
    traj, meta = zili.run(sc)
    assert meta["paired_counterfactual"]
    c, d = books_residual(traj.state)
    assert not c.any() and not d.any()
    P = len(traj.ledger.payer_names)
    dep = to_k(traj.metric("capital_deployed").values)[0, :, :P]
    got = np.zeros_like(dep)
    np.add.at(got, (traj.ledger.year - sc.run.start_year, traj.ledger.payer.astype(np.int64)), traj.ledger.amount)
    assert np.array_equal(got, dep)
    for m in traj.metrics:
        if m.unit == "fraction":
            v = m.values[np.isfinite(m.values)]
            assert ((v >= 0) & (v <= 1)).all(), m.metric
    risk = traj.value("output_at_risk", "ai_chips")[0]
    assert np.isfinite(risk).all() and np.abs(risk).max() > 0
