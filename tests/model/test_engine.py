"""Engine-level properties of DESIGN.md: determinism, batched = looped, zero-severity
controls, firm-order invariance, the empty scenario, the paired counterfactual,
"more funding never lowers expected capability", and shares within [0, 1]."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import zili
from zili.model.rng import root_entropy
from zili.model.world import World

from toy import (
    budget,
    differing_metrics,
    export_control,
    ledger_rows,
    money_events,
    scenario,
    simulate,
    sorted_rows,
)



# --- determinism -------------------------------------------------------------------


def test_same_seed_is_bit_identical(money_run):
    again = simulate(money_run.sc)
    assert differing_metrics(money_run.traj, again.traj) == []
    assert np.array_equal(ledger_rows(money_run.traj), ledger_rows(again.traj))
    for name in ("fid", "alive", "cash", "debt", "cap", "capa"):
        assert np.array_equal(money_run.traj.firms[name], again.traj.firms[name])


def test_different_seed_differs(money_run):
    other = simulate(money_run.sc, world=money_run.world, seed=money_run.sc.run.seed + 1)
    changed = differing_metrics(money_run.traj, other.traj)
    assert "capability" in changed and "capital_deployed" in changed
    assert not np.array_equal(ledger_rows(money_run.traj)[:, 6:], ledger_rows(other.traj)[:, 6:])


def test_replicates_differ_within_a_batch(money_run):
    cap = money_run.traj.metric("capability").values
    assert not np.array_equal(cap[0], cap[1])


def test_replicate_ids_are_kept(money_run):
    traj = simulate(money_run.sc, world=money_run.world, replicates=np.array([5, 2])).traj
    assert traj.replicates.tolist() == [5, 2]
    assert set(np.unique(traj.ledger.replicate)) == {5, 2}


# --- batched = looped ------------------------------------------------------------------


def test_batched_equals_looped_metrics(money_run):
    batch = simulate(money_run.sc, world=money_run.world, replicates=[0, 1, 2]).traj
    for r in range(3):
        alone = simulate(money_run.sc, world=money_run.world, replicates=[r]).traj
        assert differing_metrics(batch, alone, slice(r, r + 1), slice(None)) == [], f"replicate {r}"


def test_batched_equals_looped_ledger(money_run):
    batch = simulate(money_run.sc, world=money_run.world, replicates=[0, 1, 2]).traj
    for r in range(3):
        alone = simulate(money_run.sc, world=money_run.world, replicates=[r]).traj
        assert np.array_equal(sorted_rows(ledger_rows(batch, r)), sorted_rows(ledger_rows(alone))), f"replicate {r}"


class _Count:
    """A progress sink that counts what it is told."""

    def __init__(self):
        self.total, self.done, self.stops = None, 0, 0

    def start(self, total):
        self.total = total

    def advance(self, n=1):
        self.done += n

    def stop(self):
        self.stops += 1


def test_replicates_in_several_batches_equal_one_batch(money_run, monkeypatch):
    """Batches of replicates (engine.BATCH_SLOTS) joined give one batch's results, bit for bit."""
    from zili.model import engine
    from zili.model.state import entries_per_year, slots

    sc, world = money_run.sc, money_run.world
    cf = zili.compile_world(sc.model_copy(update={"events": [e for e in sc.events if e.kind != "export_control"]}))
    one = zili.simulate(world, replicates=[3, 0, 4, 1, 2], entropy=money_run.entropy, counterfactual=cf)
    monkeypatch.setattr(engine, "BATCH_SLOTS", 2 * slots(world, entries_per_year(world)))  # batches of 2, 2 and 1
    sink = _Count()
    split = zili.simulate(world, replicates=[3, 0, 4, 1, 2], entropy=money_run.entropy, counterfactual=cf, progress=sink)
    assert one.state is not None and split.state is None and split.batch_state.replicates.tolist() == [2]
    assert split.replicates.tolist() == [3, 0, 4, 1, 2]
    assert differing_metrics(one, split) == []
    assert np.any(split.metric("output_at_risk").values != 0)  # the counterfactual ran in every batch
    assert np.array_equal(sorted_rows(ledger_rows(one)), sorted_rows(ledger_rows(split)))
    assert one.firms.keys() == split.firms.keys()
    for name in one.firms:
        assert np.array_equal(one.firms[name], split.firms[name], equal_nan=True), name
    assert np.array_equal(one.state.books["equity"][-1], split.batch_state.books["equity"][0])
    assert sink.total == sink.done == 3 * 2 * len(world.years) and sink.stops == 1


def test_replicate_order_in_batch_does_not_matter(money_run):
    ab = simulate(money_run.sc, world=money_run.world, replicates=[0, 1]).traj
    ba = simulate(money_run.sc, world=money_run.world, replicates=[1, 0]).traj
    assert differing_metrics(ab, ba, slice(0, 1), slice(1, 2)) == []
    assert differing_metrics(ab, ba, slice(1, 2), slice(0, 1)) == []


# --- controls that do nothing ---------------------------------------------------------


@pytest.fixture(scope="module")
def no_control():
    return simulate(scenario(money_events(), firms=500, name="nc"))


@pytest.mark.parametrize(
    "event",
    [
        export_control(severity=0.0, announce=2015),
        export_control(leakage=1.0, announce=2015),
        export_control(severity=0.0, instrument="fdpr", nodes=["lithography", "ai_chips"], tiers=["mature", "advanced"]),
        export_control(severity=0.0, instrument="servicing_ban", nodes=["lithography", "etch"], announce=2016),
        export_control(severity=0.0, instrument="entity_listing", nodes=["ai_chips"], targets=["smic", "huawei"]),
    ],
    ids=["severity0", "leakage1", "fdpr0", "servicing0", "entity0"],
)
def test_zero_control_is_no_control(no_control, event):
    with_event = simulate(scenario(money_events() + [event], firms=500, name="nc"))
    assert differing_metrics(no_control.traj, with_event.traj) == []
    assert np.array_equal(ledger_rows(no_control.traj), ledger_rows(with_event.traj))


@pytest.mark.parametrize("event", [export_control(severity=0.0), export_control(leakage=1.0)], ids=["severity0", "leakage1"])
def test_zero_control_compiles_to_no_cut(no_control, event):
    """The policy arrays of a do-nothing control are all zero (holds today)."""
    w = zili.compile_world(scenario(money_events() + [event], firms=500))
    assert not w.has_controls()
    assert np.array_equal(w.ctrl_cut, no_control.world.ctrl_cut)


def test_severity_one_control_changes_results(no_control):
    hit = simulate(scenario(money_events() + [export_control(year=2016)], firms=500, name="nc"))
    changed = differing_metrics(no_control.traj, hit.traj)
    assert "imports" in changed and "output" in changed


# --- firm order ---------------------------------------------------------------------------


def permuted(world: World, perm: np.ndarray) -> World:
    firm = {f.name: getattr(world, f.name)[perm] for f in dataclasses.fields(world) if f.name.startswith("firm_")}
    return dataclasses.replace(world, entity_listed=world.entity_listed[:, perm], **firm)


def test_firm_order_does_not_matter():
    """Exact equality is the right bar: once firms are put in id order, the run is the same run."""
    sc = scenario(money_events() + [export_control(instrument="entity_listing", targets=["smic"], nodes=["lithography"])], firms=500)
    world = zili.compile_world(sc)
    base = simulate(sc, world=world)
    perm = np.random.default_rng(3).permutation(len(world.firm_id))
    other = simulate(sc, world=permuted(world, perm))
    assert differing_metrics(base.traj, other.traj) == []
    assert np.array_equal(sorted_rows(ledger_rows(base.traj)), sorted_rows(ledger_rows(other.traj)))


def test_permuted_world_is_a_permutation():
    """Guard for the helper above: every firm keeps its attributes."""
    world = zili.compile_world(scenario(firms=50))
    perm = np.random.default_rng(0).permutation(len(world.firm_id))
    w2 = permuted(world, perm)
    order = np.argsort(w2.firm_id)
    for f in dataclasses.fields(world):
        if f.name.startswith("firm_"):
            assert np.array_equal(getattr(w2, f.name)[order], getattr(world, f.name))


# --- the empty scenario -----------------------------------------------------------------


def _drift(world: World) -> np.ndarray:
    """K under pure frontier drift, year by year, by repeated division: (Y, N*T)."""
    K = world.cap0.copy()
    out = []
    for _ in world.years:
        K = K / (1 + world.frontier_growth)
        out.append(K.ravel())
    return np.array(out)


def _emptied(world: World) -> World:
    """A world with no firms and no money paid in."""
    firm = {f.name: getattr(world, f.name)[:0] for f in dataclasses.fields(world) if f.name.startswith("firm_")}
    return dataclasses.replace(world, entity_listed=world.entity_listed[:, :0], fund_payin=np.zeros_like(world.fund_payin), **firm)


def test_no_firms_no_money_is_frontier_drift():
    sc = scenario(firms=0, replicates=2)
    world = _emptied(zili.compile_world(sc))
    traj = zili.simulate(world, replicates=2, entropy=root_entropy(1))
    cap = traj.metric("capability").values
    expected = _drift(world)
    for r in range(2):
        assert np.array_equal(cap[r], expected)
    assert len(traj.ledger) == 0
    assert np.all(traj.metric("waste").values == 0)
    assert np.all(traj.metric("capital_deployed").values == 0)
    assert np.all(traj.metric("firms_alive").values == 0)


def _empty_checks(traj, world):
    cap = traj.metric("capability").values
    assert np.array_equal(cap[0], _drift(world)), "capability is not pure frontier drift"
    assert len(traj.ledger) == 0, f"{len(traj.ledger)} ledger rows in the empty scenario"
    assert np.all(traj.metric("waste").values == 0)


def test_anchors_and_background_money_make_a_scenario_non_empty():
    """The switches matter: with anchors and background programmes on, money moves."""
    run = simulate(scenario(firms=0, replicates=1))
    assert len(run.traj.ledger) > 0


def test_empty_scenario_in_code_is_frontier_drift():
    """Empty = no events, no firms (synthetic or anchors) and no background money."""
    run = simulate(scenario(firms=0, replicates=1, anchors=False, background_programmes=False))
    _empty_checks(run.traj, run.world)


def test_shipped_empty_scenario_is_frontier_drift():
    sc = zili.load_scenario("empty", sets=["run.replicates=1", "run.end_year=2018"])
    run = simulate(sc)
    _empty_checks(run.traj, run.world)


# --- paired counterfactual --------------------------------------------------------------


def test_output_at_risk_is_paired_difference():
    events = money_events() + [export_control(nodes=["ai_chips"], tiers=["advanced"], year=2016, announce=2015)]
    sc = scenario(events, firms=500, name="ctrl")
    traj, meta = zili.run(sc)
    assert meta["paired_counterfactual"] is True
    this = simulate(sc).traj
    cf = simulate(scenario(money_events(), firms=500, name="ctrl")).traj
    expected = cf.metric("output").values - this.metric("output").values
    assert np.array_equal(traj.metric("output_at_risk").values, expected)
    assert np.array_equal(traj.metric("output").values, this.metric("output").values)
    # the control bites: some node's output changes once it is in force
    assert np.abs(expected[:, 2:]).max() > 0
    assert np.all(expected[:, :1] == 0)  # 2014: nothing announced, identical paired runs


def test_paired_runs_agree_before_the_control_is_announced():
    base = simulate(scenario(money_events(), firms=500))
    ctrl = simulate(scenario(money_events() + [export_control(year=2018, announce=2017)], firms=500))
    before = slice(0, 3)  # 2014-2016
    assert differing_metrics(base.traj, ctrl.traj, (slice(None), before), (slice(None), before)) == []


def test_no_control_run_has_zero_output_at_risk(plain_run):
    assert np.all(plain_run.traj.metric("output_at_risk").values == 0)
    traj, meta = zili.run(plain_run.sc)
    assert meta["paired_counterfactual"] is False
    assert np.all(traj.metric("output_at_risk").values == 0)


# --- more funding never lowers expected capability -----------------------------------------


@pytest.mark.parametrize("instrument", ["grant", "equity"])
def test_more_funding_does_not_lower_capability(instrument):
    """Paired replicates (same seeds) with and without RMB 20 bn a year more for lithography.

    Monte Carlo slack: the mean paired difference of mean lithography capability (both tiers,
    all years) may fall below zero by at most 3 standard errors of that mean.
    """
    params = {"capital": {"crowding_out": False}}
    reps = 6
    node = "lithography"
    base = scenario(money_events(), params=params, firms=400, replicates=reps)
    extra = budget("extra", fund="sme_development_fund", amounts={y: 20.0 for y in range(2014, 2021)},
                   mandate={node: 1.0}, instrument=instrument)
    more = scenario(money_events() + [extra], params=params, firms=400, replicates=reps)
    a, b = simulate(base).traj, simulate(more).traj
    ents = [f"{node}:mature", f"{node}:advanced"]
    ca = np.stack([a.value("capability", e) for e in ents]).mean(axis=(0, 2))
    cb = np.stack([b.value("capability", e) for e in ents]).mean(axis=(0, 2))
    # the extra money really reached lithography firms
    lg = b.ledger
    fund = lg.fund_names.index("sme_development_fund")
    assert lg.amount[(lg.fund == fund) & (lg.node == b.ledger.node_names.index(node))].sum() > 0
    d = cb - ca
    se = d.std(ddof=1) / np.sqrt(reps)
    assert d.mean() >= -3 * se - 1e-12, (d.mean(), se)


# --- shares stay shares -------------------------------------------------------------------


@pytest.fixture(scope="module")
def stressed():
    """Controls, counter-controls, local content and subsidies at once: shares under stress."""
    events = money_events() + [
        export_control("c1", nodes=["lithography", "etch", "ai_chips", "logic_fab"], tiers=["mature", "advanced"],
                       instrument="fdpr", year=2016, announce=2015),
        export_control("c2", nodes=["deposition"], instrument="servicing_ban", year=2017),
        {"kind": "local_content", "name": "lc", "announce": 2015, "effect": 2015, "nodes": ["battery_cells"], "min_domestic_share": 0.9},
        {"kind": "procurement_preference", "name": "pp", "announce": 2015, "effect": 2015, "nodes": ["chip_design", "eda"], "strength": 1.0},
        {"kind": "counter_control", "name": "cc", "announce": 2018, "effect": 2018, "materials": ["gallium"], "nodes": ["power_semis"], "severity": 0.9},
    ]
    return simulate(scenario(events, firms=500, name="stress"))


@pytest.mark.parametrize("which", ["money_run", "stressed"])
def test_fraction_metrics_are_in_unit_interval(which, request):
    traj = request.getfixturevalue(which).traj
    fractions = [m for m in traj.metrics if m.unit == "fraction"]
    assert {"self_sufficiency", "utilisation", "world_share", "nev_sales_share"} <= {m.metric for m in fractions}
    for m in fractions:
        v = m.values
        if m.tag != "input":
            assert np.isfinite(v).all(), m.metric
        v = v[np.isfinite(v)]
        assert v.min() >= 0.0 and v.max() <= 1.0, (m.metric, v.min(), v.max())


def test_capability_is_a_fraction_of_the_frontier(money_run):
    cap = money_run.traj.metric("capability").values
    assert (cap > 0).all() and (cap <= 1).all()


def test_counts_and_money_are_non_negative(money_run):
    for name in ("capacity", "output", "imports", "exports", "firms_alive", "firm_entries", "firm_exits",
                 "funder_budget", "capital_deployed", "capital_unspent", "waste", "soe_debt", "fiscal_cost"):
        v = money_run.traj.metric(name).values
        assert (v >= 0).all(), name


# --- population size ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING (open, narrowed): with weighted (super-individual) firms both populations stand for the same "
    "20,000 real firms, and capability and self-sufficiency now agree (10k vs 40k firms, 4 replicates: median |z| "
    "1.17 and 0.85, was 2.3 for capability); output still differs (median |z| 1.7, 10k firms produce ~7% less in "
    "2020): heavy-tailed sizes make deal selection (probability capped at 1, deal caps) coarser than a weight fixes",
)
def test_population_size_agrees_within_monte_carlo_error():
    """Median |z| over entities of the 2020 (unpaired) difference (10k vs 40k firms) stays below 1.5;
    under the null (|t| with ~6 df) the median is about 0.7."""
    reps = 4
    runs = [simulate(scenario(money_events(), firms=f, replicates=reps, firms_represented=20_000)).traj for f in (10_000, 40_000)]
    for metric in ("capability", "self_sufficiency", "output"):
        a, b = (t.metric(metric).values[:, -1] for t in runs)
        diff = a.mean(0) - b.mean(0)
        se = np.sqrt(a.var(0, ddof=1) / reps + b.var(0, ddof=1) / reps)
        keep = se > 0
        z = np.abs(diff[keep] / se[keep])
        assert np.median(z) < 1.5, (metric, np.median(z))
