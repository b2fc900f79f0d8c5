"""Backends give identical results: serial, local processes and a Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zili.execution import SerialExecutor, make_executor, parse_dask
from zili.execution.sweep import Sweep, run_sweep
from zili.experiments.design import sample
from zili.experiments.uncertain import Uncertain, load_experiment

TINY = ["run.firms=300", "run.end_year=2020", "run.replicates=2"]


def _sweep(n=4, batch_size=2):
    sc, _ = load_experiment("empty", sets=TINY)
    items = [Uncertain(name="params.capital.fund_deploy_rate"), Uncertain(name="params.innovation.noise_sd")]
    design = sample(items, n, method="lhs", seed=11)
    return Sweep("ensemble", sc, design, {"default": {}, "no_race": {"params.capital.province_race": False}},
                 replicates=2, seed=5, batch_size=batch_size, metrics=("ic_self_sufficiency", "self_sufficiency", "capability"))


def _content(result) -> pd.DataFrame:
    return result.frame()


def _square(x):
    return x * x


def test_parse_dask():
    assert parse_dask("local:3") == ("local", 3)
    assert parse_dask("tcp://10.0.0.1:8786") == ("address", "tcp://10.0.0.1:8786")
    with pytest.raises(ValueError, match="allowed"):
        parse_dask("cluster")
    with pytest.raises(ValueError, match="at least 1"):
        parse_dask("local:0")


def test_executors_map_every_task_once():
    for ex in (SerialExecutor(), make_executor(workers=2)):
        with ex:
            got = dict(ex.map(_square, list(range(7))))
        assert got == {i: i * i for i in range(7)}


def test_serial_processes_dask_identical(tmp_path):
    pytest.importorskip("distributed")
    sweep = _sweep()
    frames = {}
    for label, ex in (("serial", make_executor()), ("processes", make_executor(workers=2)), ("dask", make_executor(dask="local:2"))):
        with ex:
            frames[label] = _content(run_sweep(sweep, tmp_path / label, ex, catalogue=tmp_path / "cat.duckdb"))
    ref = frames["serial"]
    assert len(ref) > 0 and ref["draw"].nunique() == 4 and ref["variant"].nunique() == 2
    for label in ("processes", "dask"):
        pd.testing.assert_frame_equal(frames[label], ref, check_exact=True)


def test_batch_seed_depends_on_batch_index_not_on_backend(tmp_path):
    """A draw's streams depend on (root, batch, position): rerunning one batch alone reproduces it."""
    sweep = _sweep(n=4, batch_size=2)
    with SerialExecutor() as ex:
        full = run_sweep(sweep, tmp_path / "a", ex, catalogue=False).frame()
    only = sweep.tasks(tmp_path / "b", only={1})
    assert [t.batch for t in only] == [1]
    from zili.execution.sweep import run_batch

    run_batch(only[0])
    from zili.execution.sweep import SweepResult

    part = SweepResult(tmp_path / "b", sweep.manifest()).frame()
    expect = full[full["draw"].isin([2, 3])].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expect, check_exact=True)
    # different draws get different streams
    d2 = full[(full["draw"] == 2) & (full["metric"] == "capability")]["value"].to_numpy()
    assert np.isfinite(d2).all()


def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    sc, _ = load_experiment("empty", sets=TINY)
    design = pd.DataFrame({"draw": [0, 1], "params.capital.fund_deploy_rate": [0.3, 0.5]})
    sweep = Sweep("ensemble", sc, design, {"default": {}, "broken": {"params.capital.no_such_parameter": 1.0}},
                  replicates=1, seed=1, batch_size=2, metrics=("ic_self_sufficiency",))
    with SerialExecutor() as ex:
        res = run_sweep(sweep, tmp_path / "s", ex, catalogue=tmp_path / "cat.duckdb")
    status = res.status()
    assert len(status) == 4
    assert status.loc[status.variant == "default", "ok"].all()
    broken = status[status.variant == "broken"]
    assert (~broken["ok"]).all() and broken["reason"].str.contains("no_such_parameter").all()
    assert set(res.frame()["variant"]) == {"default"}
    import duckdb

    con = duckdb.connect(str(tmp_path / "cat.duckdb"), read_only=True)
    assert con.execute("SELECT failed_rows FROM sweeps").fetchone() == (2,)
    assert con.execute("SELECT sweep_id FROM sweeps").fetchone() == (res.sweep_id,)
    con.close()
