"""The per-firm kernels agree across backends: compiled loops (numba), NumPy and JAX.

Stated tolerance (see :mod:`zili.model.backend`): NumPy and numba run the same IEEE
operations in the same order except the libm functions (log, exp, cos), so every metric
agrees to 1e-12 relative and, on these worlds, the ledger to the RMB thousand; JAX (XLA
rewrites some arithmetic, e.g. a division into a multiplication) agrees to 1e-6 relative on
every metric, and its books still reconcile exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import zili
from zili.model import backend, rng
from zili.model.finance import books_residual
from zili.scenario.load import load_scenario

from toy import export_control, money_events, scenario

METRIC_RTOL = {"numpy": 1e-12, "jax": 1e-6}


@pytest.fixture(scope="module")
def worlds():
    """The shipped baseline (every mechanism on, 2014-2024) and a toy money world with a control."""
    base = load_scenario("baseline", sets=["run.firms=600", "run.end_year=2024"])
    toy = scenario(money_events() + [export_control()], firms=300, replicates=2)
    return {"baseline": zili.compile_world(base), "toy": zili.compile_world(toy)}


def _run(world, name):
    return zili.simulate(world, replicates=np.array([0, 3]), entropy=rng.root_entropy(11), backend=name)


def _assert_agree(a, b, rtol):
    assert [m.metric for m in a.metrics] == [m.metric for m in b.metrics]
    for ma, mb in zip(a.metrics, b.metrics):
        np.testing.assert_allclose(mb.values, ma.values, rtol=rtol, atol=1e-9, err_msg=ma.metric)


@pytest.mark.parametrize("other", ["numpy", "jax"])
@pytest.mark.parametrize("which", ["baseline", "toy"])
def test_backends_agree_with_the_compiled_kernels(worlds, which, other):
    if other == "jax":
        pytest.importorskip("jax")
    ref, got = _run(worlds[which], "numba"), _run(worlds[which], other)
    _assert_agree(ref, got, METRIC_RTOL[other])
    if other == "numpy":  # same arithmetic: the same flows, to the RMB thousand
        assert np.array_equal(ref.ledger.amount, got.ledger.amount)
    else:
        np.testing.assert_allclose(got.ledger.amount.sum(), ref.ledger.amount.sum(), rtol=1e-6)
    cash, debt = books_residual(got.state)  # exact books in every backend
    assert not cash.any() and not debt.any()
    assert got.state.alive.any() and (got.state.cap > 1e-6).any()


def test_a_changed_parameter_is_not_within_the_tolerance(worlds):
    """The comparison can fail: the same world with a different R&D effect differs beyond it."""
    w = worlds["toy"]
    changed = zili.compile_world(scenario(money_events() + [export_control()], firms=300, replicates=2,
                                          params={"innovation": {"rd_effect": 0.5}}))
    with pytest.raises(AssertionError):
        _assert_agree(_run(w, "numba"), _run(changed, "numpy"), 1e-6)


def test_unknown_backend_is_refused():
    with pytest.raises(backend.BackendError, match="allowed numba, numpy, jax"):
        backend.check("cuda")


@pytest.mark.parametrize("n,expected", [(1, 64), (64, 64), (65, 72), (1000, 1024), (1025, 1152), (130_035, 131_072)])
def test_bucket_pads_by_at_most_an_eighth(n, expected):
    b = backend._bucket(n)
    assert b == expected and n <= b <= max(64, n * 1.125)


@pytest.mark.parametrize("name", ["numpy", "jax"])
def test_batched_equals_looped_in_every_backend(worlds, name):
    """A replicate gives the same bits alone or inside a batch, whichever backend computes it."""
    if name == "jax":
        pytest.importorskip("jax")
    w = worlds["baseline"]
    both = zili.simulate(w, replicates=np.array([0, 3]), entropy=rng.root_entropy(11), backend=name)
    alone = zili.simulate(w, replicates=np.array([3]), entropy=rng.root_entropy(11), backend=name)
    for a, b in zip(both.metrics, alone.metrics):
        assert np.array_equal(a.values[1], b.values[0], equal_nan=True), a.metric
