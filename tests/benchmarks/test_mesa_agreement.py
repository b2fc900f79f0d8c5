"""zili's engine and the Mesa port of its firm model agree in distribution on a small world.

Both run the same compiled World (300 synthetic firms plus the named anchors, 2014-2021,
at most 150 entrants a year so the Mesa side stays quick) with independent random
streams; final-year output, alive firms, mean capability and the capital deployed over
the run must agree within 4 standard errors of the difference of means. The same
comparison against a zili run with one parameter changed must fail, so the agreement
test has power.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mesa")

from benchmarks.mesa_model import run_replicates, zili_aggregates  # noqa: E402
from benchmarks.worlds import bench_world  # noqa: E402

FIRMS, YEARS = 300, 8
SETS = ("params.capital.max_entries_per_year=150",)
Z_MAX = 4.0


def _z(a: np.ndarray, b: np.ndarray) -> float:
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float((b.mean() - a.mean()) / max(se, 1e-12))


def _zscores(zili: dict, mesa: dict) -> dict[str, float]:
    return {k: _z(zili[k], mesa[k]) for k in zili}


@pytest.fixture(scope="module")
def mesa_runs() -> dict:
    return run_replicates(bench_world(FIRMS, YEARS, sets=SETS), replicates=24, seed=11)


def test_zili_and_mesa_agree(mesa_runs):
    zili = zili_aggregates(bench_world(FIRMS, YEARS, sets=SETS), replicates=40, seed=3)
    z = _zscores(zili, mesa_runs)
    assert all(np.isfinite(v) for v in z.values())
    bad = {k: round(v, 2) for k, v in z.items() if abs(v) > Z_MAX}
    assert not bad, f"zili and the Mesa port disagree (z of the difference of means): {bad}; all: {z}"


@pytest.mark.parametrize("change", ["params.innovation.rd_effect=0.045", "params.finance.startup_base_hazard=0.12"])
def test_a_changed_parameter_is_detected(mesa_runs, change):
    zili = zili_aggregates(bench_world(FIRMS, YEARS, sets=SETS + (change,)), replicates=40, seed=3)
    z = _zscores(zili, mesa_runs)
    assert max(abs(v) for v in z.values()) > Z_MAX, f"{change} went unnoticed: {z}"
