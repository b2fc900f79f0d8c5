"""Pattern checks: the Hill estimator, the statistics on hand-made trajectories, the null model."""

from __future__ import annotations

import math

import numpy as np
import pytest

import zili
from zili.experiments.calibrate import truncated_doc
from zili.experiments.patterns import (
    PatternCheck,
    chip_exit_entry_statistic,
    entry_years,
    exit_rate_statistic,
    guidance_statistic,
    hill_exponent,
    null_doc,
    startups_statistic,
    tail_statistic,
)
from zili.model.trajectory import Ledger, MetricBlock, Trajectory
from zili.scenario.load import validate


@pytest.mark.parametrize("alpha", [1.06, 1.5])
def test_hill_recovers_pareto_exponent(alpha):
    rng = np.random.default_rng(7)
    x = (1.0 - rng.random(40_000)) ** (-1.0 / alpha)  # Pareto(x_min = 1, alpha)
    assert hill_exponent(x, top=0.075) == pytest.approx(alpha, rel=0.05)


def test_hill_is_nan_on_too_few_points():
    assert math.isnan(hill_exponent(np.array([1.0, 2.0, 3.0])))


def _traj(blocks: dict[str, tuple[tuple[str, ...], np.ndarray]], ledger: Ledger | None = None, firms=None, years=(2014, 2015, 2016, 2017)) -> Trajectory:
    metrics = tuple(MetricBlock(k, ents, vals, "predicted", "x") for k, (ents, vals) in blocks.items())
    empty = np.zeros(0, dtype=np.int64)
    ledger = ledger or Ledger(empty, empty, empty, empty, empty, empty, empty, empty)
    return Trajectory(years=np.array(years), replicates=np.array([0]), metrics=metrics, ledger=ledger, firms=firms or {})


def test_exit_rate_statistic_by_hand():
    alive = np.array([[[100.0], [110.0], [120.0], [100.0]]])
    exits = np.array([[[0.0], [5.0], [22.0], [12.0]]])
    t = _traj({"firms_alive": (("china",), alive), "firm_exits": (("china",), exits)})
    # 5/100, 22/110, 12/120 -> 0.05, 0.2, 0.1 -> median 0.1
    assert exit_rate_statistic(t, 0, (2015, 2017)) == pytest.approx(0.1)


def test_chip_exit_entry_ratio_by_hand():
    yrs = (2015, 2016, 2019, 2020)
    ent = np.array([[[10.0, 100.0], [10.0, 100.0], [20.0, 100.0], [99.0, 0.0]]])
    ex = np.array([[[1.0, 50.0], [2.0, 50.0], [7.0, 50.0], [99.0, 0.0]]])
    t = _traj({"firm_entries": (("logic_fab", "ecommerce"), ent), "firm_exits": (("logic_fab", "ecommerce"), ex)}, years=yrs)
    assert chip_exit_entry_statistic(t, 0) == pytest.approx(10 / 40)  # ecommerce and 2020 left out


def test_guidance_share_by_hand():
    paid = np.array([[[10.0, 10.0, 0.0], [10.0, 10.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    dep = np.array([[[12.0, 5.0, 0.0], [8.0, 5.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    ents = ("guangdong", "jiangsu", "anhui")
    t = _traj({"capital_paid_in": (ents, paid), "capital_deployed": (ents, dep)})
    # guangdong 20/20 met, jiangsu 10/20 not, anhui has no paid-in (left out)
    assert guidance_statistic(t, 0, ents, year=2017) == pytest.approx(0.5)


def test_startups_and_entry_years_by_hand():
    years = np.array([2017, 2018, 2019])
    # 10 starting firms, 5 slots a year: 2017 -> ids 10-14, 2018 -> 15-19, 2019 -> 20-24
    assert entry_years(np.array([3, 10, 16, 24]), 10, 5, years).tolist() == [2016, 2017, 2018, 2019]
    n = 6
    ledger = Ledger(
        replicate=np.zeros(n, np.int32), year=np.array([2019, 2019, 2019, 2019, 2018, 2019], np.int32),
        payer=np.zeros(n, np.int16), fund=np.array([0, 0, 0, 1, 0, 0], np.int16), instrument=np.array([0, 0, 0, 0, 0, 1], np.int8),
        node=np.zeros(n, np.int16), firm_id=np.array([20, 20, 3, 21, 22, 23], np.int64), amount=np.ones(n, np.int64),
        payer_names=("mof",), fund_names=("national_vc_guide_fund", "big_fund_1"), instrument_names=("equity", "grant"), node_names=("ai",),
    )
    t = _traj({}, ledger=ledger, years=tuple(years))
    # only firm 20 (entered 2019, equity from the fund in 2019; counted once) qualifies
    assert startups_statistic(t, 0, fund="national_vc_guide_fund", year=2019, n_start=10, per_year=5, scale=4.0) == 4.0


def test_tail_statistic_uses_alive_capacity():
    rng = np.random.default_rng(1)
    capa = (1.0 - rng.random((1, 20_000))) ** (-1.0 / 1.2)
    alive = np.ones_like(capa, dtype=bool)
    alive[0, :100] = False
    capa[0, :100] = 1e12  # dead giants must be ignored
    t = _traj({}, firms={"capa": capa, "alive": alive, "cap": np.ones_like(capa)})
    assert tail_statistic(t, 0) == pytest.approx(1.2, rel=0.06)


def test_discrimination_rules():
    base = dict(name="x", level="firm", statistic="s", target="t", source="s", low=0.0, high=1.0)
    assert PatternCheck(**base, scenario=(0.5, 0.4, 0.6), null=(2.0, 1.9, 2.1)).discriminates
    assert not PatternCheck(**base, scenario=(0.5, 0.4, 0.6), null=(0.55, 0.45, 0.65)).discriminates
    assert PatternCheck(**base, scenario=(0.5, 0.4, 0.6), null=(math.nan,) * 3).discriminates


def test_null_model_has_no_funds_and_differs():
    doc = truncated_doc("baseline", 2017, firms=100)
    nd = null_doc(doc)
    assert nd["events"] == [] and nd["run"]["background_programmes"] is False and doc["events"]
    reps = np.arange(1)
    traj, _ = zili.run(validate(doc), replicates=reps, paired=False)
    null, _ = zili.run(validate(nd), replicates=reps, paired=False)
    assert len(traj.ledger) > 0
    assert len(null.ledger) == 0  # no funder, no flow
    assert not np.array_equal(traj.value("firms_alive", "china"), null.value("firms_alive", "china"))
