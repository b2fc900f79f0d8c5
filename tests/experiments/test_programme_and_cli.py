"""The budget programme reaches the ledger exactly; CLI commands end to end on a tiny world."""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from zili.experiments.evaluate import Programme, add_programme
from zili.experiments.uncertain import load_experiment

TINY = ["--set", "run.firms=300", "--set", "run.end_year=2020", "-r", "1"]


def test_programme_adds_funds_and_money_exactly():
    from zili.model.engine import simulate
    from zili.model.rng import root_entropy
    from zili.scenario.compile import compile_world

    sc, _ = load_experiment("empty", sets=["run.firms=300", "run.end_year=2020"])
    world = compile_world(sc)
    prog = Programme(12.345678, {("lithography", "equity"): 3.0, ("eda", "grant"): 1.0, ("lithography", "grant"): 0.0}, 2016, 2020)
    w2 = add_programme(world, prog)
    names = w2.names["fund"]
    assert names[-2:] == ("programme:equity", "programme:grant")
    assert int(w2.fund_payin[:, -2:, :].sum()) == 12_345_678  # RMB thousand, exact
    assert abs(int(w2.fund_payin[:, -2, :].sum()) - 0.75 * 12_345_678) <= 1
    assert w2.fund_payin[:2, -2:, :].sum() == 0  # before 2016 nothing is paid
    traj = simulate(w2, replicates=1, entropy=root_entropy(1))
    led = traj.ledger
    fund_names = list(led.fund_names)
    prog_rows = np.isin(np.asarray(led.fund), [fund_names.index(n) for n in names[-2:]])
    assert prog_rows.any()
    nodes = {led.node_names[i] for i in np.asarray(led.node)[prog_rows]}
    assert nodes <= {"lithography", "eda"}


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("ZILI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def _app():
    from zili.cli import app

    return app


def test_cli_ensemble_writes_bands_and_catalogue(runner, tmp_path):
    out = tmp_path / "ens"
    res = runner.invoke(_app(), ["ensemble", "empty", "-n", "3", "--param", "capital.fund_deploy_rate", "--variant", "params.capital.crowding_out", *TINY, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "stochastic" in res.output and "parameter" in res.output and "structural" in res.output
    bands = pd.read_parquet(out / "quantiles.parquet")
    assert set(bands["kind"]) == {"stochastic", "parameter", "structural", "total"}
    assert {"q05", "q25", "q50", "q75", "q95"} <= set(bands.columns)
    import duckdb

    con = duckdb.connect(str(tmp_path / "home" / "catalogue.duckdb"), read_only=True)
    assert con.execute("SELECT kind, draws, variants FROM sweeps").fetchall() == [("ensemble", 3, 2)]
    con.close()
    # rerunning the same command completes nothing new and says so
    again = runner.invoke(_app(), ["ensemble", "empty", "-n", "3", "--param", "capital.fund_deploy_rate", "--variant", "params.capital.crowding_out", *TINY, "--out", str(out)])
    assert again.exit_code == 0 and "resumed" in again.output


def test_cli_sensitivity_sobol_and_morris(runner, tmp_path):
    for method, n in (("sobol", "4"), ("morris", "3")):
        res = runner.invoke(_app(), ["sensitivity", "empty", "--method", method, "--metric", "ic_self_sufficiency", "--year", "2020", "-n", n,
                                     "--param", "capital.fund_deploy_rate", "--param", "innovation.rd_effect", *TINY, "--out", str(tmp_path / method)])
        assert res.exit_code == 0, res.output
        idx = pd.read_parquet(tmp_path / method / "indices.parquet")
        assert set(idx["parameter"]) == {"params.capital.fund_deploy_rate", "params.innovation.rd_effect"}
        assert ("ST" if method == "sobol" else "mu_star") in set(idx["index"])


def test_cli_discover_with_ema_export(runner, tmp_path):
    ema = tmp_path / "disc.tar.gz"
    res = runner.invoke(_app(), ["discover", "empty", "--target", "capability:lithography:mature@2020>=0.0", "-n", "6", "--param", "capital.fund_deploy_rate",
                                 "--param", "innovation.rd_effect", *TINY, "--out", str(tmp_path / "d"), "--ema", str(ema)])
    assert res.exit_code == 0, res.output
    assert "met in" in res.output
    with tarfile.open(ema) as z:
        names = set(z.getnames())
        meta = json.loads(z.extractfile("metadata.json").read())
    assert {"experiments.csv", "metadata.json"} <= names
    assert {o[0] for o in meta["outcomes"]} == {"ScalarOutcome", "ArrayOutcome"}
    ema_wb = pytest.importorskip("ema_workbench")
    experiments, outcomes = ema_wb.load_results(str(ema))
    assert len(experiments) == 6 and {"scenario", "policy", "model", "params.capital.fund_deploy_rate"} <= set(experiments.columns)
    series = outcomes["capability__lithography_mature"]
    assert series.shape == (6, 7)
    assert np.allclose(outcomes["capability__lithography_mature__2020"], series[:, -1])


def test_cli_optimise_reports_regret_and_gain(runner, tmp_path):
    res = runner.invoke(_app(), ["optimise", "empty", "--budget-rmb-bn", "50", "--objective", "max self_sufficiency:lithography@2020", "--nodes", "lithography,eda",
                                 "--instruments", "equity,grant", "--draws", "2", "--trials", "4", "--param", "capital.fund_deploy_rate", *TINY, "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "mean regret" in res.output and "equal split (baseline)" in res.output
    table = pd.read_csv(tmp_path / "o" / "robustness.csv")
    assert len(table) == 4 and {"mean", "mean_regret", "max_regret", "p_best", "gain", "lithography:equity"} <= set(table.columns)
    meta = json.loads((tmp_path / "o" / "optimise.json").read_text())
    assert meta["reference_without_programme"] < table["mean"].max()  # money helps lithography


def test_cli_bad_input_exits_2(runner):
    res = runner.invoke(_app(), ["discover", "empty", "--target", "nonsense"])
    assert res.exit_code == 2 and "allowed" in res.output
    res = runner.invoke(_app(), ["ensemble", "empty", "--dask", "cluster"])
    assert res.exit_code == 2 and "local:N" in res.output
    res = runner.invoke(_app(), ["ensemble", "empty", "--param", "capital.nope"])
    assert res.exit_code == 2 and "unknown" in res.output
