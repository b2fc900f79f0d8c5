"""The benchmark harness runs end to end: ``--quick`` as CI's smoke check (it must finish and
print its line; no timing is asserted), the tiny mode for the JSON keys."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mesa")

from benchmarks import run  # noqa: E402

LAST = re.compile(r"^bench: firm_steps_per_s=\d+ mesa_ratio=\d+\.\d bandwidth_fraction=\d+\.\d{4}$")


def test_quick_run_finishes_and_prints_the_bench_line():
    """``python -m benchmarks.run --quick`` as a user runs it (under a minute here): exit 0, the
    last line in its contract format; the numbers are not checked against any target."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick"], cwd=root, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.rstrip("\n").splitlines()
    assert LAST.match(lines[-1]), lines[-1]
    assert "issue 8 targets" in proc.stdout and "Mesa port vs zili" in proc.stdout


def test_json_has_every_key(capsys):
    assert run.main(["--tiny", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    for key in ("mode", "bandwidth", "zili_sizes", "zili_replicates", "mesa_runs", "backends", "jax", "steps", "scaling_exponent_firms",
                "scaling_exponent_replicates", "firm_steps_per_s", "mesa_ratio", "mesa_ratio_firms", "bandwidth_fraction",
                "targets", "total_s"):
        assert key in res, key
    assert res["mode"] == "tiny"
    assert "cpu" in res and (res["cpu"] is None or res["cpu"].strip() == res["cpu"] != "")  # the machine is named
    for row in res["zili_sizes"] + res["zili_replicates"]:
        for key in ("wall_s", "firm_steps_per_s", "peak_traced_bytes_per_firm", "rss_growth_bytes_per_firm", "bandwidth_fraction"):
            assert row[key] >= 0, key
    for row in res["zili_sizes"]:  # a second run of each population, right after the first
        assert row["warm_wall_s"] > 0 and row["warm_firm_steps_per_s"] * row["warm_wall_s"] == pytest.approx(row["firm_steps_per_s"] * row["wall_s"])
    assert res["warm_firm_steps_per_s"] > 0
    assert res["firm_steps_per_s"] > 0 and res["mesa_ratio"] > 0 and 0 < res["bandwidth_fraction"]
    assert res["bandwidth"]["gb_per_s"] > 0
    assert {"ratio", "mesa_firm_steps_per_s", "zili_firm_steps_per_s"} <= set(res["mesa_runs"][0])
    for m in res["mesa_runs"]:  # interleaved: a zili run before Mesa's first year and after each of its years
        assert len(m["mesa_year_s"]) == m["years"] and len(m["zili_walls_s"]) == m["years"] + 1
        assert m["mesa_wall_s"] >= sum(m["mesa_year_s"]) > 0 and m["zili_wall_s"] == np.median(m["zili_walls_s"])
    # zili on every thread the machine gives a run, interleaved with the one-thread runs, and on the same worlds
    from zili.model.threads import available

    T = available()
    assert res["threads"] == T and len(res["threads_rows"]) == (len(run.MODES["tiny"]["sizes"]) if T > 1 else 0)
    for m in res["mesa_runs"]:
        assert m["threads"] == T and len(m["zili_threads_walls_s"]) == (m["years"] + 1 if T > 1 else 0)
        assert (m["ratio_threads"] is None) == (T == 1)
    for row in res["threads_rows"][:-1]:  # the sizes' worlds, 1 replicate, a first and a second run
        assert row["threads"] == T and row["wall_s"] > 0 and row["speed_vs_one_thread"] > 0 and row["warm_speed_vs_one_thread"] > 0
        assert row["replicates"] == 1
    if T > 1:  # and the most replicates of the replicate rows
        last = res["threads_rows"][-1]
        assert last["replicates"] == run.MODES["tiny"]["reps"][-1] and last["threads"] == T and last["warm_wall_s"] is None
        assert last["one_thread_wall_s"] == res["zili_replicates"][-1]["wall_s"] and last["speed_vs_one_thread"] > 0
    assert "mesa_ratio_10k_ge_100_all_threads" in res["targets"]
    # the other kernel backends are timed on the same worlds (JAX where it is installed)
    timed = {r["backend"] for r in res["backends"]}
    assert "numpy" in timed and all(r["wall_s"] > 0 and r["speed_vs_numba"] > 0 for r in res["backends"])
    assert ("jax" in timed) == (res["jax"] is not None)
    # time by step: every yearly step was timed, and the steps add up to no more than the run
    st = res["steps"]
    assert {"capital.step", "capital._deploy_year", "finance.step", "innovation.step", "production.step", "metrics"} <= set(st["seconds"])
    top = sum(v for k, v in st["seconds"].items() if k != "capital._deploy_year")
    assert 0 < st["seconds"]["capital._deploy_year"] <= st["seconds"]["capital.step"] and top <= st["wall_s"]
