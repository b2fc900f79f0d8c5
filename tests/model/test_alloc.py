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


def _churn():
    for _ in range(40):  # a year's worth of 8 MB temporaries, allocated and freed in turn
        a = np.empty(1 << 20)
        a[:] = 1.0
        del a


@pytest.mark.skipif(alloc._LIBC is None, reason="the C library is not glibc")
def test_freed_arrays_are_reused_instead_of_faulted_in_again():
    def kept():
        with alloc.keep_freed_memory():
            _churn()

    plain, inside = _faults(_churn), _faults(kept)
    # each fresh 8 MB array is faulted in again: 2,048 pages of 4 KiB, or 4 huge pages of 2 MiB
    assert plain >= 40 * 4 and inside < plain / 4, (plain, inside)


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
