"""A hand-built toy trajectory with known numbers for the store tests."""

from __future__ import annotations

import numpy as np
import pytest

from zili.model.trajectory import Ledger, MetricBlock, Trajectory

REPLICATES = np.array([3, 7])  # ids, deliberately not positions
YEARS = np.array([2020, 2021, 2022])
# amounts in RMB thousand: 1.5 bn, 0.000001 bn, 123,456.789012 bn, 2 bn
AMOUNTS = np.array([1_500_000, 1, 123_456_789_012, 2_000_000], dtype=np.int64)


def known_values(offset: float = 0.0) -> np.ndarray:
    """self_sufficiency[r, y, e] = 1000 r + 10 y + e (+ offset), positions r, y, e."""
    r, y, e = np.meshgrid(np.arange(2), np.arange(3), np.arange(2), indexing="ij")
    return (1000.0 * r + 10.0 * y + e + offset).astype(np.float64)


def make_trajectory(offset: float = 0.0) -> Trajectory:
    """Two metric blocks (3 series) over 2 replicates x 3 years, and a 4-row ledger."""
    budget = np.array([[[100.0], [110.0], [np.nan]], [[100.0], [120.0], [130.5]]]) + offset
    metrics = (
        MetricBlock(
            "self_sufficiency",
            ("lithography", "lithography:mature"),
            known_values(offset),
            "predicted",
            "fraction",
        ),
        MetricBlock("funder_budget", ("central",), budget, "input", "RMB bn"),
    )
    ledger = Ledger(
        replicate=np.array([3, 3, 7, 7], dtype=np.int32),
        year=np.array([2020, 2021, 2020, 2022], dtype=np.int32),
        payer=np.array([0, 1, 1, 0], dtype=np.int16),
        fund=np.array([0, 0, 1, 1], dtype=np.int16),
        instrument=np.array([0, 1, 2, 0], dtype=np.int8),
        node=np.array([1, 0, 1, 0], dtype=np.int16),
        firm_id=np.array([10, 11, 10, 99], dtype=np.int64),
        amount=AMOUNTS,
        payer_names=("central", "shanghai"),
        fund_names=("big_fund_i", "big_fund_ii"),
        instrument_names=("equity", "grant", "loan"),
        node_names=("lithography", "etching"),
    )
    return Trajectory(years=YEARS, replicates=REPLICATES, metrics=metrics, ledger=ledger)


@pytest.fixture
def traj() -> Trajectory:
    return make_trajectory()


@pytest.fixture
def make_traj():
    """Factory: ``make_traj(offset)`` shifts every metric value by ``offset``."""
    return make_trajectory
