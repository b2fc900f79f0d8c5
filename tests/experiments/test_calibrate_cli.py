"""``zili params``, ``zili calibrate`` and ``zili backtest`` through typer's CliRunner."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from zili.cli import app

runner = CliRunner()


def test_params_prints_kinds():
    res = runner.invoke(app, ["params"])
    assert res.exit_code == 0, res.output
    assert re.search(r"kinds: sourced=\d+ prior=\d+ free=\d+", res.output)


def test_calibrate_rejects_bad_window_and_too_many_free(tmp_path):
    res = runner.invoke(app, ["calibrate", "baseline", "--window", "2019:2014"])
    assert res.exit_code == 2
    bad = tmp_path / "h.csv"
    bad.write_text("series,year,value,unit,source\nnev_sales_share,twenty,0.1,fraction,x\n")
    res = runner.invoke(app, ["calibrate", "baseline", "--history", str(bad)])
    assert res.exit_code == 2 and "year" in res.output
    many = sum([["--free", f"params.policy.{n}"] for n in ("nev_price_pull", "nev_charging_pull", "nev_plate_pull", "nev_credit_pull")], [])
    h = tmp_path / "small.csv"
    h.write_text("series,year,value,unit,source\nnev_sales_share,2015,0.01,fraction,x\nnev_sales_share,2016,0.02,fraction,x\n")
    res = runner.invoke(app, ["calibrate", "baseline", "--history", str(h), *many])
    assert res.exit_code == 2 and "at most" in res.output


@pytest.mark.slow
def test_calibrate_writes_overlay_then_backtest_runs_its_draws(tmp_path):
    h = tmp_path / "h.csv"
    rows = [("nev_sales_share", y, v, "calibrate") for y, v in zip(range(2014, 2020), (0.003, 0.013, 0.018, 0.027, 0.045, 0.047))]
    rows += [("nev_sales_share", 2020, 0.054, "validate"), ("nev_sales_share", 2021, 0.134, "validate"), ("revenue_usd:smic", 2020, 3.9, "validate")]
    h.write_text("series,year,value,unit,source,use\n" + "".join(f"{s},{y},{v},fraction,test,{u}\n" for s, y, v, u in rows))
    out = tmp_path / "cal.toml"
    res = runner.invoke(app, ["calibrate", "baseline", "--history", str(h), "--free", "params.policy.nev_price_pull", "--simulations", "30", "--draws", "12", "--firms", "120", "--workers", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "SBC on" in res.output and out.exists()
    from zili.scenario import load_scenario

    sc = load_scenario(str(out))
    assert sc.posterior is not None and len(sc.posterior.draws) == 12
    assert sc.posterior.names == ["params.policy.nev_price_pull"]
    res = runner.invoke(app, ["backtest", str(out), "--history", str(h), "--from", "2020", "--to", "2021", "--workers", "1"])
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    assert re.fullmatch(r"backtest: series=1 points=2 crps_skill=\S+ coverage90=\S+ median_abs_log_ratio=\S+", last)
    assert "revenue_usd:smic" in res.output
    res = runner.invoke(app, ["backtest", str(out), "--history", str(h), "--from", "2020", "--to", "2021", "--workers", "1", "--members", "4", "--json"])
    d = json.loads(res.output)
    assert d["totals"]["points"] == 2 and d["members"] == 4
