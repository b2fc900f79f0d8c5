"""New infrastructure (model/infrastructure.py): stocks from budgets and unit costs, limited by supply."""

from __future__ import annotations

import numpy as np

from toy import export_control, scenario, simulate


def _infra(programme: str, budget: dict, **extra) -> dict:
    return {"kind": "new_infrastructure", "name": f"infra_{programme}", "programme": programme, "payer": "telecom_soes",
            "announce": 2015, "effect": 2015, "budget_rmb_bn": budget, **extra}


BUDGET = {y: 50.0 for y in range(2015, 2021)}


def test_5g_stations_never_exceed_what_budgets_and_unit_costs_allow():
    ctrl = export_control(nodes=["logic_fab", "power_semis"], tiers=["mature", "advanced"], year=2017, severity=1.0)
    for events in ([_infra("5g", BUDGET)], [_infra("5g", BUDGET), ctrl]):
        run = simulate(scenario(events, firms=300, replicates=2))
        w = run.world
        n = w.node("base_stations")
        allowed = np.cumsum(w.infra_budget[:, n]) * 1e6 / w.infra_unit_cost[n]
        built = run.traj.value("base_stations_5g", "china")
        assert (built <= allowed[None, :] * (1 + 1e-12)).all()


def test_chip_controls_slow_5g_deployment():
    free = simulate(scenario([_infra("5g", BUDGET)], firms=300, replicates=2))
    ctrl = export_control(nodes=["logic_fab", "power_semis", "chip_design"], tiers=["mature", "advanced"], year=2017, severity=1.0)
    cut = simulate(scenario([_infra("5g", BUDGET), ctrl], firms=300, replicates=2))
    k = list(free.traj.years).index(2020)
    assert (cut.traj.value("base_stations_5g", "china")[:, k] < free.traj.value("base_stations_5g", "china")[:, k]).all()


def test_unit_cost_sets_how_many_stations_a_budget_buys():
    cheap = simulate(scenario([_infra("5g", BUDGET, unit_cost_rmb_k=150.0)], firms=200, replicates=1))
    dear = simulate(scenario([_infra("5g", BUDGET, unit_cost_rmb_k=600.0)], firms=200, replicates=1))
    assert (cheap.traj.value("base_stations_5g", "china")[0, -1] > 3.5 * dear.traj.value("base_stations_5g", "china")[0, -1])


def test_targets_are_shown_beside_what_was_built():
    ev = _infra("charging", {y: 2.0 for y in range(2015, 2021)}, target_units=4_800_000, target_year=2020)
    run = simulate(scenario([ev], firms=200, replicates=1))
    years = list(run.traj.years)
    k = years.index(2020)
    built = run.traj.value("charging_points", "china")[0, k]
    assert run.traj.value("infrastructure_target", "charging_points")[0, k] == 4_800_000
    assert np.isclose(run.traj.value("infrastructure_delivery", "charging_points")[0, k], built / 4_800_000)
    assert np.isnan(np.delete(run.traj.value("infrastructure_delivery", "charging_points")[0], k)).all()


def test_private_operators_build_chargers_with_nev_sales():
    none = simulate(scenario([], firms=200, replicates=1, params={"policy": {"private_chargers_per_nev": 0.0}}))
    some = simulate(scenario([], firms=200, replicates=1, params={"policy": {"private_chargers_per_nev": 0.1}}))
    assert (np.diff(none.traj.value("charging_points", "china")[0]) == 0).all()
    assert (np.diff(some.traj.value("charging_points", "china")[0]) > 0).all()
