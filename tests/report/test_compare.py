"""Scenario comparison: largest differences in the target years."""

from __future__ import annotations

import numpy as np

from zili.report.compare import differences, display_rows, target_years


def test_target_years(base, duv):
    assert target_years([base, duv]) == [2025, 2027]
    assert target_years([base, duv], [2020, 2040]) == [2020]


def test_identical_runs_have_no_differences(base):
    assert differences(base, base).empty


def test_differences_ranked_and_rounded(base, duv):
    d = differences(base, duv, top=10)
    assert 0 < len(d) <= 10
    assert (np.diff(d["relative"].to_numpy()) <= 1e-12).all()
    assert not d["metric"].str.endswith("_real").any()
    rows = display_rows(d)
    assert all(len(r) == 10 for r in rows)
    assert rows[0][9] in ("yes", "no")
