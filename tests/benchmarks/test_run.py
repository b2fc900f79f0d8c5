"""The benchmark harness runs end to end in its tiny mode: last-line format and JSON keys."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("mesa")

from benchmarks import run  # noqa: E402

LAST = re.compile(r"^bench: firm_steps_per_s=\d+ mesa_ratio=\d+\.\d bandwidth_fraction=\d+\.\d{4}$")


def test_plain_output_ends_with_the_bench_line(capsys):
    assert run.main(["--tiny"]) == 0
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    assert LAST.match(lines[-1]), lines[-1]
    assert lines[-1].startswith("bench: firm_steps_per_s=")


def test_json_has_every_key(capsys):
    assert run.main(["--tiny", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    for key in ("mode", "bandwidth", "zili_sizes", "zili_replicates", "mesa_runs", "backends", "jax", "scaling_exponent_firms",
                "scaling_exponent_replicates", "firm_steps_per_s", "mesa_ratio", "mesa_ratio_firms", "bandwidth_fraction",
                "targets", "total_s"):
        assert key in res, key
    assert res["mode"] == "tiny"
    for row in res["zili_sizes"] + res["zili_replicates"]:
        for key in ("wall_s", "firm_steps_per_s", "peak_traced_bytes_per_firm", "rss_growth_bytes_per_firm", "bandwidth_fraction"):
            assert row[key] >= 0, key
    assert res["firm_steps_per_s"] > 0 and res["mesa_ratio"] > 0 and 0 < res["bandwidth_fraction"]
    assert res["bandwidth"]["gb_per_s"] > 0
    assert {"ratio", "mesa_firm_steps_per_s", "zili_firm_steps_per_s"} <= set(res["mesa_runs"][0])
    # the other kernel backends are timed on the same worlds (JAX where it is installed)
    timed = {r["backend"] for r in res["backends"]}
    assert "numpy" in timed and all(r["wall_s"] > 0 and r["speed_vs_numba"] > 0 for r in res["backends"])
    assert ("jax" in timed) == (res["jax"] is not None)
