"""Keeping freed memory during a run: fewer page faults, the same results."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from zili.model import alloc


def _faults(fn) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fn()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.fixture
def small_pages():
    """Page faults counted in 4 KiB pages: transparent huge pages off for the test (prctl
    PR_SET_THP_DISABLE), so that a fresh mapping and a grown heap are counted alike."""
    libc = alloc._LIBC
    if libc is None or libc.prctl(41, 1, 0, 0, 0) != 0:
        pytest.skip("cannot turn transparent huge pages off here")
    yield
    libc.prctl(41, 0, 0, 0, 0)


def _churn(n: int = 40, mib: int = 8):
    for _ in range(n):  # a year's worth of temporaries (8 MB: a firm array at 1M firms), allocated and freed in turn
        a = np.empty(mib << 17)
        a[:] = 1.0
        del a


def _fresh_pages(mib: int) -> float:
    """Page faults of one array of ``mib`` MiB faulted in on fresh memory (4 KiB or huge pages)."""
    held = []
    n = _faults(lambda: [held.append(np.ones(mib << 17)) for _ in range(3)])  # held: each needs memory of its own
    return n / 3


@pytest.mark.skipif(alloc._LIBC is None, reason="the C library is not glibc")
def test_freed_arrays_are_reused_instead_of_faulted_in_again(small_pages):
    def kept():
        with alloc.keep_freed_memory():
            _churn(10, 40)

    # arrays above the 32 MiB glibc maps afresh outside a block (after one, as before any): 10,240 pages each
    plain, inside = _faults(lambda: _churn(10, 40)), _faults(kept)
    assert plain >= 10 * 10_000 and inside < plain / 4, (plain, inside)


@pytest.mark.skipif(alloc._LIBC is None, reason="the C library is not glibc")
def test_after_a_block_arrays_of_a_few_mb_are_still_reused(small_pages):
    """A large run's block ends by fixing glibc's thresholds; later runs (a sweep of small runs,
    the harness's Mesa comparison after its large runs) still reuse their freed arrays of a few
    MB, as glibc's own adaptation would have them, instead of faulting each in afresh."""
    with alloc.keep_freed_memory():
        _churn(2)
    pages = _fresh_pages(8)  # 2,048
    after = _faults(_churn)  # 40 arrays of 8 MB: faulted in at most once, not 40 times
    assert pages >= 2_000 and after < 5 * pages, (pages, after)


def test_nested_blocks_hand_memory_back_once_the_last_ends():
    with alloc.keep_freed_memory():
        with alloc.keep_freed_memory():
            assert alloc._active == 2
        assert alloc._active == 1
    assert alloc._active == 0


def test_results_do_not_depend_on_keeping_freed_memory(monkeypatch):
    import zili
    from zili.model import engine
    from zili.model.rng import root_entropy

    from toy import differing_metrics, ledger_rows, money_events, scenario

    world = zili.compile_world(scenario(money_events(), firms=300))
    calls = []
    real = alloc.keep_freed_memory
    monkeypatch.setattr(engine, "keep_freed_memory", lambda: calls.append(1) or real())
    plain = engine.simulate(world, replicates=2, entropy=root_entropy(4))  # a small run: below the threshold
    assert calls == []
    monkeypatch.setattr(engine, "KEEP_FREED_FROM", 0)  # now every run keeps
    kept = engine.simulate(world, replicates=2, entropy=root_entropy(4))
    assert calls and differing_metrics(plain, kept) == [] and np.array_equal(ledger_rows(plain), ledger_rows(kept))
