"""Backtest scoring arithmetic on hand-made examples (no simulation)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from zili.experiments.history import History, MetricInfo, Observation
from zili.experiments.validate import backtest, crps_ensemble, interval_hit, score_series, trend_benchmark


def obs(series, year, value, unit="units", use="calibrate"):
    metric, _, ent = series.partition(":")
    return Observation(series, metric, ent or "china", year, value, unit, "hand-made", use)


def test_crps_of_point_forecast_is_absolute_error():
    assert crps_ensemble(2.0, np.array([1.0])) == pytest.approx(1.0)
    assert crps_ensemble(2.0, np.array([2.0, 2.0])) == pytest.approx(0.0)


def test_crps_two_member_ensemble():
    # E|X - y| = 0.5, E|X - X'| = 0.5 -> 0.5 - 0.25
    assert crps_ensemble(0.5, np.array([0.0, 1.0])) == pytest.approx(0.25)


def test_interval_hits():
    ens = np.arange(101.0)
    assert interval_hit(50.0, ens, 0.5)
    assert not interval_hit(80.0, ens, 0.5)
    assert interval_hit(94.0, ens, 0.9)
    assert not interval_hit(99.0, ens, 0.9)


def test_trend_benchmark_extrapolates_the_line():
    w = [obs("x", y, math.expm1(1.0 + 0.1 * (y - 2014))) for y in range(2014, 2020)]
    b = trend_benchmark(w, 2022, fraction=False, n=4000)
    assert np.median(np.log1p(b)) == pytest.approx(1.8, abs=0.02)
    assert trend_benchmark(w[:1], 2022, fraction=False) is None


def test_score_series_errors_log_ratio_and_skill():
    window = [obs("x", 2018, 10.0), obs("x", 2019, 20.0)]
    ens = [np.full(50, 25.0), np.full(50, 50.0)]
    s = score_series("x", "predicted", "units", [2020, 2021], [25.0, 40.0], ens, window)
    assert s.median_error == [0.0, 10.0]
    assert s.abs_log_ratio[0] == 0.0
    assert s.abs_log_ratio[1] == pytest.approx(math.log(50 / 40))
    assert s.crps == pytest.approx([0.0, 10.0])
    assert s.in90 == [True, False]
    skill = 1 - sum(s.crps) / sum(s.crps_benchmark)
    assert s.crps_skill == pytest.approx(skill)


def test_direction_scored_only_where_the_series_reverses():
    window = [obs("x", 2018, 10.0), obs("x", 2019, 20.0)]  # rising
    # 2020 rises again (no reversal), 2021 falls (reversal), 2022 falls (no reversal)
    years, values = [2020, 2021, 2022], [30.0, 25.0, 22.0]
    ens = [np.full(10, 31.0), np.full(10, 26.0), np.full(10, 30.0)]
    s = score_series("x", "predicted", "units", years, values, ens, window)
    assert [d["year"] for d in s.direction] == [2021]
    assert s.direction[0]["observed"] == -1 and s.direction[0]["hit"] is True


def test_inputs_listed_not_scored_and_summary_line():
    hist = History(
        "h.csv",
        [
            obs("x", 2018, 10.0),
            obs("x", 2019, 20.0),
            obs("x", 2020, 30.0, use="validate"),
            obs("capital_paid_in:mof", 2020, 5.0, "RMB bn", use="validate"),
        ],
        not_modelled=["revenue_usd:smic"],
    )
    cat = {"x": MetricInfo(("china",), "units", "predicted"), "capital_paid_in": MetricInfo(("mof",), "RMB bn", "input")}
    years = np.arange(2014, 2021)
    ens = {("x", "china"): np.tile(np.linspace(0, 30, 7), (20, 1)), ("capital_paid_in", "mof"): np.ones((20, 7))}
    bt = backtest(hist, ens, years, cat, first=2020, last=2024, window=(2014, 2019))
    assert bt.listed_inputs == ["capital_paid_in:mof"]
    assert [s.series for s in bt.scores] == ["x"]
    line = bt.line()
    assert re.fullmatch(r"backtest: series=1 points=1 crps_skill=\S+ coverage90=1\.000 median_abs_log_ratio=0\.000", line)
    d = bt.as_dict()
    assert d["totals"]["points"] == 1 and d["not_modelled"] == ["revenue_usd:smic"]


def test_rows_outside_test_years_not_scored():
    hist = History("h.csv", [obs("x", 2019, 20.0), obs("x", 2026, 30.0, use="validate")])
    cat = {"x": MetricInfo(("china",), "units", "predicted")}
    bt = backtest(hist, {("x", "china"): np.ones((5, 13))}, np.arange(2014, 2027), cat, first=2020, last=2024, window=(2014, 2019))
    assert bt.totals()["points"] == 0
    assert bt.line().startswith("backtest: series=0 points=0 crps_skill=nan")
