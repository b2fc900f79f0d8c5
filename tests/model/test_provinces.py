"""Provinces (model/provinces.py): the race for projects, reinvestment clauses and LGFV debt."""

from __future__ import annotations

import numpy as np
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


def test_reinvest_kernel_is_the_firm_array_formulation_bit_for_bit():
    """Booking reinvestment over the funded firms only equals doing it over every slot with
    np.add.at, where and bincount (several rows per firm, dead firms, firms short of cash)."""
    from zili.model.money import THOUSAND_PER_BN
    from zili.model.provinces import _reinvest_kernel

    gen = np.random.default_rng(4)
    R, M, N, ci = 2, 500, 5, 2.5
    alive = gen.random((R, M)) < 0.9
    cash = gen.integers(-10**6, 10**7, (R, M))
    capex = gen.integers(0, 10**6, (R, M))
    capa = gen.random((R, M))
    node = gen.integers(0, N, (R, M))
    r_, m_ = gen.integers(0, R, 300), gen.integers(0, M, 300)  # repeats: a firm funded by several payers
    due = gen.integers(0, 5 * 10**6, 300)
    # the reference: every slot
    d = np.zeros(R * M, dtype=np.int64)
    np.add.at(d, r_ * M + m_, due)
    spend = np.where(alive, np.minimum(d.reshape(R, M), np.maximum(cash, 0)), 0)
    cash_ref, capex_ref, capa_ref = cash - spend, capex + spend, capa + spend / THOUSAND_PER_BN / ci
    ref = np.bincount((np.arange(R)[:, None] * N + node).ravel(), weights=(spend / THOUSAND_PER_BN).ravel(), minlength=R * N).reshape(R, N)
    got = _reinvest_kernel(r_ * M + m_, due, alive, cash, capex, capa, node, ci, N)
    assert np.array_equal(got, ref) and (ref > 0).any()
    assert np.array_equal(cash, cash_ref) and np.array_equal(capex, capex_ref) and np.array_equal(capa, capa_ref)
    assert (spend < d.reshape(R, M)).any()  # some firms were short of cash


@pytest.mark.parametrize("payer_province", [[0, 2, -1, 1], [0, 2, 2, -1]])
def test_lgfv_debt_accrues_interest_once_a_year_in_every_province(payer_province):
    """Every province's LGFV debt: last year's with one year's interest (floored), also where the
    province pays nothing in this year, plus the levered part of each of its payers' money
    (truncated); two payers in one province add their debt but the interest is charged once."""
    from types import SimpleNamespace

    from zili.model.provinces import lgfv_step

    params = SimpleNamespace(province_race=True, lgfv_leverage=1.5, lgfv_rate=0.043)
    pay = np.array([[[7_000_001, 0, 3_333_333, 5_000_000]]])  # (year, fund, payer)
    world = SimpleNamespace(params=params, fund_is_provincial=np.array([True]), fund_payin=pay,
                            payer_province=np.array(payer_province))
    start = np.array([[1_000_003, 2_000_005, 999_999], [0, 17, 123_456_789]], dtype=np.int64)
    state = SimpleNamespace(lgfv=start.copy())
    lgfv_step(state, world, 0)
    ref = np.floor(start * 1.043).astype(np.int64)
    for payer in range(4):
        v = payer_province[payer]
        if v >= 0:
            ref[:, v] += int(pay[0, 0, payer] * 1.5 / 2.5)
    assert np.array_equal(state.lgfv, ref)
    # a province without a paying payer this year still accrues interest on its debt
    quiet = [v for v in range(3) if all(payer_province[i] != v or pay[0, 0, i] == 0 for i in range(4))]
    assert quiet
    for v in quiet:
        assert (state.lgfv[:, v] == np.floor(start[:, v] * 1.043)).all() and state.lgfv[0, v] > start[0, v]
    # with two payers in province 2, its debt is charged interest once, not once per payer
    if payer_province.count(2) == 2:
        assert state.lgfv[1, 2] == int(np.floor(123_456_789 * 1.043)) + int(3_333_333 * 0.6)


def test_lgfv_debt_grows_with_interest_in_years_without_pay_in():
    """A year in which the provincial fund receives nothing: the debt still grows by its interest."""
    from types import SimpleNamespace

    from zili.model.provinces import lgfv_step

    params = SimpleNamespace(province_race=True, lgfv_leverage=0.5, lgfv_rate=0.05)
    pay = np.array([[[1_000_000, 0]], [[0, 0]]])  # paid in year 0, nothing in year 1
    world = SimpleNamespace(params=params, fund_is_provincial=np.array([True]), fund_payin=pay, payer_province=np.array([0, 1]))
    state = SimpleNamespace(lgfv=np.zeros((1, 2), dtype=np.int64))
    lgfv_step(state, world, 0)
    assert state.lgfv.tolist() == [[333_333, 0]]
    lgfv_step(state, world, 1)
    assert state.lgfv.tolist() == [[349_999, 0]]
