"""Export controls as they bite: monotone in severity, softened by stockpiles, paired runs.

These are the properties issue 3 names. Every run here is paired with its no-control
counterfactual by ``zili.run`` (same keyed streams), so ``output_at_risk`` is a difference
of paired runs.
"""

from __future__ import annotations

import numpy as np
import pytest

import zili
from toy import export_control, money_events, scenario

DOWNSTREAM_OF_AI_CHIPS = ("ai_models", "data_centres")


def _at_risk(traj, nodes=DOWNSTREAM_OF_AI_CHIPS) -> float:
    """Mean over replicates of output at risk summed over ``nodes`` and all years (RMB bn)."""
    return float(sum(traj.value("output_at_risk", n).sum(axis=1).mean() for n in nodes))


@pytest.fixture(scope="module")
def severity_runs():
    out = {}
    for sev in (0.0, 0.3, 0.6, 1.0):
        sc = scenario(money_events() + [export_control(nodes=["ai_chips"], severity=sev, year=2016)], firms=600, replicates=3)
        out[sev], _ = zili.run(sc)
    return out


def test_zero_severity_has_no_output_at_risk(severity_runs):
    assert np.all(severity_runs[0.0].metric("output_at_risk").values == 0)


def test_tighter_control_never_lowers_output_at_risk_downstream(severity_runs):
    risks = [_at_risk(severity_runs[s]) for s in (0.0, 0.3, 0.6, 1.0)]
    assert risks[-1] > 0, risks
    # non-decreasing in severity (leakage and stockpiles fixed), up to float noise
    assert all(b >= a - 1e-9 for a, b in zip(risks, risks[1:])), risks


def test_controlled_node_loses_imports_in_every_effect_year(severity_runs):
    traj = severity_runs[1.0]
    cf_imports = traj.value("imports", "ai_chips") + 0  # this run
    # the counterfactual is the same scenario without the control
    sc = scenario(money_events(), firms=600, replicates=3)
    base, _ = zili.run(sc)
    years = list(traj.years)
    for y in range(2016, 2021):
        k = years.index(y)
        assert (cf_imports[:, k] < base.value("imports", "ai_chips")[:, k]).all(), y


def _stockpile_run(build_months: float):
    # the US alone supplies little lithography: the scanner makers' countries impose it together
    ctrl = export_control(nodes=["lithography"], tiers=["advanced"], announce=2015, year=2018, severity=1.0, imposing=("US", "NL", "JP"))
    params = {"market": {"stockpile_build_months": build_months, "stockpile_cap_months": 24.0}}
    sc = scenario(money_events() + [ctrl], firms=600, replicates=2, params=params)
    traj, _ = zili.run(sc)
    return traj


def test_announcement_raises_imports_before_it_cuts_them():
    traj = _stockpile_run(6.0)
    sc = scenario(money_events(), firms=600, replicates=2)
    base, _ = zili.run(sc)
    years = list(traj.years)
    lit, this, cf = "lithography", traj.value("imports", "lithography"), base.value("imports", "lithography")
    for y in (2015, 2016, 2017):  # announced, not yet in force: buyers stock up
        k = years.index(y)
        assert (this[:, k] > cf[:, k]).all(), (lit, y)
        assert (traj.value("stockpile_purchases", lit)[:, k] > 0).all()
    k = years.index(2019)  # in force and the stockpile is spent: imports fall below the counterfactual
    assert (this[:, k] < cf[:, k]).all()


def test_larger_stockpile_delays_the_loss():
    small, large = _stockpile_run(1.0), _stockpile_run(8.0)
    years = list(small.years)
    k = years.index(2018)  # first year in force
    assert large.value("stockpile_months", "lithography")[:, k - 1].mean() > small.value("stockpile_months", "lithography")[:, k - 1].mean()
    # less of the downstream output is lost in the first year the control bites
    risk_small = small.value("output_at_risk", "logic_fab")[:, k].mean()
    risk_large = large.value("output_at_risk", "logic_fab")[:, k].mean()
    assert risk_large < risk_small, (risk_large, risk_small)


def test_leakage_one_is_no_control():
    with_ctrl = scenario(money_events() + [export_control(nodes=["ai_chips"], leakage=1.0)], firms=400)
    without = scenario(money_events(), firms=400)
    a, _ = zili.run(with_ctrl, paired=False)
    b, _ = zili.run(without, paired=False)
    for m in a.metrics:
        assert np.array_equal(m.values, b.metric(m.metric).values, equal_nan=True), m.metric


def test_paired_differences_have_a_tenth_of_the_unpaired_variance():
    """Pairing (same keyed streams) removes the replicate noise shared by a run and its counterfactual."""
    reps = 10
    ctrl = export_control(nodes=["ai_chips"], severity=0.5, year=2016)
    sc = scenario(money_events() + [ctrl], firms=600, replicates=reps)
    traj, _ = zili.run(sc)
    base, _ = zili.run(scenario(money_events(), firms=600, replicates=reps), paired=False)
    # downstream of the controlled node; (in the controlled node itself the control changes the
    # regime, from demand-limited to capacity-limited output, and pairing buys little)
    k = list(traj.years).index(2019)
    this = traj.value("output", "data_centres")[:, k]
    cf = base.value("output", "data_centres")[:, k]
    paired = cf - this
    assert np.allclose(paired, traj.value("output_at_risk", "data_centres")[:, k])
    unpaired = cf - np.roll(this, 1)  # each run against another replicate's counterfactual
    assert paired.var(ddof=1) <= 0.1 * unpaired.var(ddof=1), (paired.var(ddof=1), unpaired.var(ddof=1))


def test_output_at_risk_has_tier_and_sector_entities(severity_runs):
    block = severity_runs[1.0].metric("output_at_risk")
    assert "ai_chips:advanced" in block.entities and "semiconductors" in block.entities
    v = severity_runs[1.0].value
    node = v("output_at_risk", "ai_chips")
    assert np.allclose(node, v("output_at_risk", "ai_chips:mature") + v("output_at_risk", "ai_chips:advanced"))
