"""NEVs and batteries (model/nev.py): subsidies by band, the 2019 cut, learning-by-doing, fraud, volume caps."""

from __future__ import annotations

import numpy as np
import pytest

from toy import scenario, simulate
from zili.model import nev


def _subsidy(values: dict, *, end: int = 2020, name: str = "nev_sub", **extra) -> dict:
    return {"kind": "nev_policy", "name": name, "instrument": "purchase_subsidy", "announce": 2014, "effect": 2014,
            "end": end, "value_rmb_per_vehicle": values, **extra}


def _nev_run(values: dict, *extra_events, **run):
    settings = {"firms": 300, "replicates": 2} | run
    return simulate(scenario([_subsidy(values), *extra_events], **settings))


def test_2019_subsidy_cut_lowers_nev_sales_growth():
    """Paired runs (same seed): the 2019 cut (45,000 -> 18,000 RMB) against the 2018 level held."""
    cut = _nev_run({2014: 60000, 2018: 45000, 2019: 18000})
    held = _nev_run({2014: 60000, 2018: 45000})
    years = list(cut.traj.years)
    k18, k19 = years.index(2018), years.index(2019)
    a, b = cut.traj.value("nev_sales", "china"), held.traj.value("nev_sales", "china")
    assert np.array_equal(a[:, : k19], b[:, : k19])  # identical until the cut bites
    growth_cut, growth_held = a[:, k19] / a[:, k18], b[:, k19] / b[:, k18]
    assert (growth_cut < growth_held).all()
    assert (cut.traj.value("nev_sales_share", "china")[:, k19:] < held.traj.value("nev_sales_share", "china")[:, k19:]).all()


def test_ending_the_subsidy_lowers_nev_share_and_battery_output():
    """The start-year share already reflects the start-year subsidy: what moves adoption is a change."""
    kept, ended = _nev_run({2014: 60000}), _nev_run({2014: 60000, 2016: 0})
    k = list(kept.traj.years).index(2016)
    a, b = kept.traj.value("nev_sales_share", "china"), ended.traj.value("nev_sales_share", "china")
    assert np.array_equal(a[:, :k], b[:, :k]) and (a[:, k:] > b[:, k:]).all()
    assert kept.traj.value("output", "battery_cells")[:, -1].mean() > ended.traj.value("output", "battery_cells")[:, -1].mean()


@pytest.mark.parametrize("rate", [0.05, 0.19, 0.35])
def test_learning_lowers_battery_cost_monotonically_in_cumulative_output(rate):
    ratios = np.linspace(1.0, 64.0, 500)
    idx = nev.learning_index(ratios, rate)
    assert idx[0] == 1.0
    assert (np.diff(idx) < 0).all()
    assert np.isclose(nev.learning_index(2.0, rate), 1 - rate)  # one doubling = one learning rate


def test_battery_cost_index_falls_as_cumulative_output_grows():
    run = _nev_run({2014: 60000})
    cost = run.traj.value("battery_cost_index", "battery_cells")
    assert (np.diff(cost, axis=1) <= 0).all() and (cost <= 1.0).all()
    faster = simulate(scenario([_subsidy({2014: 60000})], firms=300, replicates=2, params={"innovation": {"battery_learning_rate": 0.3}}))
    assert (faster.traj.value("battery_cost_index", "battery_cells")[:, -1] < cost[:, -1]).all()


def test_band_subsidies_are_weighted_by_the_sales_mix():
    bands = {"bev_150_250km": {2014: 40000}, "bev_250_400km": {2014: 50000}, "bev_400km_plus": {2014: 60000}, "phev": {2014: 30000}}
    run = simulate(scenario([_subsidy({}, value_by_band_rmb=bands)], firms=200, replicates=1))
    mix = nev.band_mix(run.world.params)
    assert np.allclose(run.world.nev_subsidy, mix @ np.array([40000, 50000, 60000, 30000]))
    assert np.allclose(run.traj.value("nev_purchase_support", "central")[0, 0], run.world.nev_subsidy[0])


def test_volume_cap_scales_the_subsidy_down():
    capped = _nev_run({2014: 60000}, _subsidy({}, name="cap", volume_cap_vehicles=1000.0))
    central = capped.traj.value("nev_purchase_support", "central")
    assert np.allclose(central[:, 0], 60000)  # no sales yet when the first year is decided
    assert (central[:, 1:] < 60000).all()


def test_subsidy_fraud_only_in_fraud_years():
    fraud = {"kind": "subsidy_fraud", "name": "f", "announce": 2016, "effect": 2016, "end": 2016, "nodes": ["ev_assembly"], "severity": 0.1}
    run = _nev_run({2014: 60000}, fraud)
    v = run.traj.value("nev_subsidy_fraud", "china")
    k = list(run.traj.years).index(2016)
    assert (v[:, k] > 0).all() and (np.delete(v, k, axis=1) == 0).all()
    assert np.allclose(v[:, k], 0.1 * run.traj.value("nev_purchase_support", "central")[:, k] * run.traj.value("nev_sales", "china")[:, k] / 1e9)


def test_nev_metrics_are_predicted():
    run = _nev_run({2014: 60000})
    for name in ("nev_sales_share", "nev_sales", "battery_cost_index", "nev_fiscal_cost"):
        assert run.traj.metric(name).tag == "predicted"
    for node in ("battery_cells", "ev_assembly"):
        for name in ("capacity", "utilisation", "price_index", "exports"):
            assert run.traj.metric(name).tag == "predicted"


def test_local_support_makes_battery_capacity_race_ahead_of_demand():
    """Local top-ups (2016-18 style) draw provincial money into battery plants: more idle battery capacity."""
    cap = {"kind": "nev_policy", "name": "lc", "instrument": "local_subsidy_cap", "announce": 2015, "effect": 2016, "end": 2018, "strength": 0.5}
    without, with_ = _nev_run({2014: 60000}, firms=400), _nev_run({2014: 60000}, cap, firms=400)
    assert (with_.traj.value("capacity", "battery_cells")[:, -1] > without.traj.value("capacity", "battery_cells")[:, -1]).all()
    assert (with_.traj.value("excess_capacity", "battery_cells").sum(1) > without.traj.value("excess_capacity", "battery_cells").sum(1)).all()
    local = with_.traj.value("nev_purchase_support", "local")
    k = list(with_.traj.years).index(2016)
    assert (local[:, k] > 0).all() and (without.traj.value("nev_purchase_support", "local") == 0).all()
