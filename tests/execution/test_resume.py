"""Interrupted sweeps resume: kill a real sweep with SIGKILL, rerun the same command, compare."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from zili.execution.sweep import SHARD_DIR, SweepMismatch, SweepResult, completed_batches, prepare, write_shard

ARGS = ["ensemble", "empty", "-n", "12", "--batch-size", "1", "--param", "capital.fund_deploy_rate", "--param", "innovation.rd_effect",
        "--set", "run.firms=300", "--set", "run.end_year=2020", "-r", "1", "--seed", "9", "--metric", "ic_self_sufficiency", "--metric", "self_sufficiency"]


def _cmd(out, cat):
    return [sys.executable, "-c", "from zili.cli import main; main()", *ARGS, "--out", str(out), "--catalogue", str(cat)]


def _rows(out) -> pd.DataFrame:
    import json

    manifest = json.loads((out / "sweep.json").read_text())
    return SweepResult(out, manifest).frame()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_sweep_resumes_without_duplicates_or_losses(tmp_path):
    env = {**os.environ, "COLUMNS": "120"}
    full = tmp_path / "full"
    subprocess.run(_cmd(full, tmp_path / "cat1"), check=True, capture_output=True, env=env, timeout=300)
    assert len(completed_batches(full)) == 12

    out = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(out, tmp_path / "cat2"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and len(completed_batches(out)) < 2 and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = completed_batches(out)
    assert 1 <= len(done) < 12, f"kill came too late or too early: {len(done)} shards"

    again = subprocess.run(_cmd(out, tmp_path / "cat2"), check=True, capture_output=True, text=True, env=env, timeout=300)
    assert "resumed" in again.stdout
    assert len(completed_batches(out)) == 12
    a, b = _rows(full), _rows(out)
    key = ["draw", "variant", "replicate", "year", "metric", "entity"]
    assert not b.duplicated(key).any()
    assert set(map(tuple, a[key].to_numpy())) == set(map(tuple, b[key].to_numpy()))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # no stray temporary files are ever read as shards
    assert all(p.name.startswith("batch-") for p in (out / SHARD_DIR).iterdir() if not p.name.startswith("."))


def test_temporary_files_do_not_count(tmp_path):
    (tmp_path / SHARD_DIR).mkdir()
    (tmp_path / SHARD_DIR / ".batch-000003.parquet.tmp-123").write_bytes(b"partial")
    write_shard(tmp_path / SHARD_DIR / "batch-000001.parquet", pd.DataFrame(), [{"draw": 1, "variant": "default", "ok": False, "reason": "x"}])
    assert completed_batches(tmp_path) == {1}


def test_other_sweep_in_directory_is_refused(tmp_path):
    from zili.execution.sweep import Sweep
    from zili.experiments.design import sample
    from zili.experiments.uncertain import Uncertain, load_experiment

    sc, _ = load_experiment("empty", sets=["run.firms=300", "run.end_year=2020"])
    d1 = sample([Uncertain(name="params.capital.fund_deploy_rate")], 3, seed=1)
    d2 = sample([Uncertain(name="params.capital.fund_deploy_rate")], 3, seed=2)
    prepare(Sweep("ensemble", sc, d1), tmp_path)
    prepare(Sweep("ensemble", sc, d1), tmp_path)  # same sweep: resumes
    with pytest.raises(SweepMismatch, match="another sweep"):
        prepare(Sweep("ensemble", sc, d2), tmp_path)
