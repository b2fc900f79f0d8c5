"""Threads for one run (zili.model.threads): the same results bit for bit for any thread count."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import zili
from zili.model import capital, finance, innovation, rng, threads
from zili.scenario.load import load_scenario

needs_two = pytest.mark.skipif(threads.available() < 2, reason="numba sees one core here")


def _hashes(traj) -> dict:
    """A hash of every metric, every ledger column and every final firm array."""
    out = {f"metric/{b.metric}": np.ascontiguousarray(b.values) for b in traj.metrics}
    out.update({f"ledger/{c}": np.ascontiguousarray(getattr(traj.ledger, c))
                for c in ("replicate", "year", "payer", "fund", "instrument", "node", "firm_id", "amount")})
    out.update({f"firms/{k}": np.ascontiguousarray(v) for k, v in traj.firms.items()})
    return {k: hashlib.sha1(v.tobytes()).hexdigest() for k, v in out.items()}


@needs_two
def test_two_threads_give_the_same_run_bit_for_bit(monkeypatch):
    """The shipped baseline (every mechanism on) with 2 threads: every metric, ledger column and
    final firm array is the bits of the 1-thread run, for a batch of replicates; and the threaded
    kernels ran, on several pieces each (more slots than a piece, more firms in a run than a chunk)."""
    world = zili.compile_world(load_scenario("baseline", sets=["run.firms=4000", "run.end_year=2020"]))
    calls = {"settle": 0, "advance": 0, "weigh": 0}
    big = {"settle": False, "advance": False, "weigh": False}

    def spy(name, fn, size):
        def call(*a):
            calls[name] += 1
            big[name] |= size(a)
            return fn(*a)
        return call

    monkeypatch.setattr(finance, "_settle_kernel_threaded", spy("settle", finance._settle_kernel_threaded,
                                                                lambda a: a[0].shape[1] > 2 * finance._PIECE))
    monkeypatch.setattr(innovation, "_advance_kernel_threaded", spy("advance", innovation._advance_kernel_threaded,
                                                                    lambda a: a[0].shape[1] > 2 * innovation._PIECE))
    monkeypatch.setattr(capital, "_weigh_layout", spy("weigh", capital._weigh_layout,
                                                      lambda a: int(np.diff(a[0], axis=1).max()) > capital._CHUNK and a[-1] == 2))
    one = zili.simulate(world, replicates=np.array([0, 5]), entropy=rng.root_entropy(3))
    assert calls == {"settle": 0, "advance": 0, "weigh": 0}  # one thread: the serial kernels
    two = zili.simulate(world, replicates=np.array([0, 5]), entropy=rng.root_entropy(3), threads=2)
    years = len(world.years)
    assert calls == {"settle": years, "advance": years, "weigh": years} and all(big.values())
    h1, h2 = _hashes(one), _hashes(two)
    assert h1.keys() == h2.keys() and len(h1) > 70
    assert [k for k in h1 if h1[k] != h2[k]] == []
    assert one.ledger.amount.size > 1000 and one.metric("firm_exits").values.sum() > 0


@needs_two
def test_batches_side_by_side_give_the_same_run_in_the_same_order(monkeypatch):
    """A run of several batches of replicates (engine.BATCH_SLOTS) on 2 threads runs two batches at
    a time, each on one thread (the threaded kernels never run), and gives the 1-thread run's bits,
    the ledger's rows in the same order, with every year counted once on the caller's thread."""
    import threading

    from zili.model import engine
    from zili.model.state import entries_per_year, slots

    world = zili.compile_world(load_scenario("baseline", sets=["run.firms=2000", "run.end_year=2019"]))
    monkeypatch.setattr(engine, "BATCH_SLOTS", slots(world, entries_per_year(world)))  # one replicate a batch
    ran_on, threaded = set(), []
    run = engine._run

    def spy(*a):
        ran_on.add(threading.current_thread().name)
        return run(*a)

    monkeypatch.setattr(engine, "_run", spy)
    monkeypatch.setattr(finance, "_settle_kernel_threaded", lambda *a: threaded.append(1))

    class Count:
        total = done = 0
        threads: set = set()

        def start(self, total):
            self.total = total

        def advance(self, n=1):
            self.done += n
            self.threads.add(threading.current_thread().name)

        def stop(self):
            pass

    reps = np.array([4, 0, 3, 1, 2])
    one = zili.simulate(world, replicates=reps, entropy=rng.root_entropy(3))
    assert ran_on == {threading.current_thread().name}
    ran_on.clear()
    sink = Count()
    two = zili.simulate(world, replicates=reps, entropy=rng.root_entropy(3), threads=2, progress=sink)
    assert len(ran_on) == 2 and all(n.startswith("zili-batch") for n in ran_on) and not threaded
    assert two.replicates.tolist() == reps.tolist()
    h1, h2 = _hashes(one), _hashes(two)
    assert h1.keys() == h2.keys() and [k for k in h1 if h1[k] != h2[k]] == []
    assert sink.total == sink.done == 5 * len(world.years) and sink.threads == {threading.current_thread().name}


@pytest.mark.parametrize("bad", [0, -1, threads.available() + 1, 1.5, "2", True, None])
def test_a_bad_thread_count_is_refused_with_what_is_allowed(bad):
    with pytest.raises(ValueError, match=rf"threads={bad!r}: must be a whole number from 1 to {threads.available()}"):
        threads.check(bad)
    world = zili.compile_world(load_scenario("baseline", sets=["run.firms=50", "run.end_year=2015"]))
    with pytest.raises(ValueError, match="threads="):
        zili.simulate(world, entropy=1, threads=bad)


def test_the_twins_are_one_function_compiled_serially_and_in_parallel():
    """Both versions come from the same code; the threaded one has its own cache name."""
    assert finance._settle_serial.py_func.__code__ is finance._settle_threaded.py_func.__code__
    assert not finance._settle_serial.targetoptions.get("parallel")
    assert finance._settle_threaded.targetoptions.get("parallel")
    assert innovation._advance_threaded.py_func.__qualname__ == "_advance_pass_threaded"
