"""Provinces (model/provinces.py): the race for projects, reinvestment clauses and LGFV debt."""

from __future__ import annotations

import pytest

from toy import money_events, scenario, simulate
from zili.model.finance import books_residual


@pytest.fixture(scope="module")
def paired():
    runs = {race: simulate(scenario(money_events(), params={"capital": {"province_race": race}}, firms=400, replicates=2)) for race in (True, False)}
    return runs[True], runs[False]


def test_race_off_lowers_waste_and_duplicated_capacity(paired):
    on, off = paired
    for metric in ("waste", "excess_capacity", "duplicated_projects"):
        assert (on.traj.value(metric, "china").sum(1) > off.traj.value(metric, "china").sum(1)).all(), metric


def test_reinvestment_clauses_only_with_the_race(paired):
    on, off = paired
    assert (on.traj.value("reinvested_capex", "china").sum(1) > 0).all()
    assert (off.traj.value("reinvested_capex", "china") == 0).all()


def test_reinvestment_keeps_the_firm_books_exact():
    run = simulate(scenario(money_events(), params={"capital": {"reinvestment_ratio": 3.0}}, firms=300, replicates=2))
    cash, debt = books_residual(run.traj.state)
    assert (cash == 0).all() and (debt == 0).all()


def test_provinces_competing_is_a_count_of_provinces(paired):
    on, _ = paired
    v = on.traj.metric("provinces_competing").values
    assert (v >= 0).all() and (v <= len(on.world.names["province"])).all()
    assert (v.max(axis=-1) > 1).all()  # provinces back the same nodes


def test_land_revenue_raises_provincial_money():
    def paid(share):
        run = simulate(scenario([], params={"capital": {"land_revenue_tech_share": share}}, firms=100, replicates=1))
        return run.traj.value("capital_paid_in", "provincial_guidance_funds")[0]
    assert (paid(0.03) > paid(0.0)).all()
