"""The engine loop: nine yearly steps over a batch of replicates.

``simulate`` is the one core entry point: arrays in (a compiled :class:`World`), a
:class:`Trajectory` out. It is pure: no I/O, no printing, no globals (it only asks the C
library to keep freed memory while it runs, :mod:`zili.model.alloc`). Progress is
injected (default: nothing). With ``counterfactual``, the same replicates run on the
no-control world under the same keyed streams and ``output_at_risk`` is their
difference (counterfactual output minus this output).
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import queue
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np

from zili.model import capital, finance, innovation, market, nev, policy, priorities, production, provinces, realfin, talent
from zili.model.alloc import keep_freed_memory
from zili.model.backend import check as backend_check
from zili.model.threads import check as threads_check
from zili.model.threads import use as threads_use
from zili.model.metrics import Recorder
from zili.model.state import entries_per_year, initial_state, slots
from zili.model.trajectory import Ledger, MetricBlock, Trajectory
from zili.model.world import INSTRUMENTS, World


class NoProgress:
    """A progress sink that does nothing (the default)."""

    def start(self, total: int) -> None:  # noqa: D102
        pass

    def advance(self, n: int = 1) -> None:  # noqa: D102
        pass

    def stop(self) -> None:  # noqa: D102
        pass


_LEDGER_COLUMNS = ("replicate", "year", "payer", "fund", "instrument", "node", "firm_id", "amount")


def _ledger(parts: list, world: World) -> Ledger:
    names = world.names
    if parts:
        cols = [np.concatenate([p[i] for p in parts]) for i in range(8)]
    else:
        cols = [np.zeros(0, dtype=d) for d in (np.int32, np.int32, np.int16, np.int16, np.int8, np.int16, np.int64, np.int64)]
    return Ledger(*cols, payer_names=names["payer"], fund_names=names["fund"], instrument_names=INSTRUMENTS, node_names=names["node"])


#: firm slots (replicates x slots) one batch of replicates works on at once (:func:`simulate`): a
#: batch's arrays then stay small enough to be reused from the caches from one pass to the next.
#: 10k firms (40,035 slots) x 20 years on a development machine (2-core Xeon, 2 MiB L2 per core, 480 MiB L3),
#: ms per replicate: 117 for 1 replicate, 104 for 2, 101 for 4, 107 for 10, 118 for 20, 127 for 40
#: and 188 for 100 in one batch
BATCH_SLOTS = 250_000

#: firm slots (replicates x slots) from which a run keeps the memory it frees (zili.model.alloc):
#: below it glibc's adaptive thresholds serve most arrays from the heap already, and no gain was
#: measured (10k firms x 10 years: paired ratios 0.95-1.1, within this machine's noise); above it
#: (arrays of 1 MB and more) the first run of 100k firms x 20 years took 0.79-0.94 of the time,
#: and of 1M firms 0.74 (0.82 for a second run in the same process)
KEEP_FREED_FROM = 100_000


def simulate(
    world: World,
    *,
    replicates: int | np.ndarray = 1,
    entropy: int,
    progress=None,
    counterfactual: World | None = None,
    backend: str = "numba",
    threads: int = 1,
) -> Trajectory:
    """Run the yearly steps for a batch of replicates.

    Parameters
    ----------
    world : World
        Compiled scenario.
    replicates : int or array of int
        Number of replicates (ids 0..n-1) or explicit replicate ids.
    entropy : int
        Root seed entropy (``rng.root_entropy(seed)``); streams are keyed on it.
    progress : object with start/advance/stop, optional
        Progress sink, started once for the whole run, one ``advance`` per simulated year of a
        batch of replicates (see Notes) and of its counterfactual.
    counterfactual : World, optional
        The paired no-control world; fills ``output_at_risk``.
    backend : {"numba", "numpy", "jax"}
        How the per-firm kernels run (:mod:`zili.model.backend`); results agree within the
        tolerance stated there.
    threads : int
        Threads of the run, from 1 to the cores numba can use. A run of several batches of
        replicates (see Notes) runs that many batches side by side, each on one thread; a run of
        one batch splits its per-firm passes that fall into independent pieces of firm slots
        (finance's settlement, innovation, the weighing of deal selection;
        :mod:`zili.model.threads`). The results are the same bit for bit for any number, the
        ledger's rows in the same order; only the numba backend uses them.

    Returns
    -------
    Trajectory

    Notes
    -----
    The replicates run in batches of at most :data:`BATCH_SLOTS` firm slots (replicates x
    slots), one batch after another, and are joined in order: replicates never interact and
    every draw is keyed on replicate and firm ids, so the results are those of one batch of
    them all, bit for bit (the ledger's rows come batch by batch, each batch year by year).
    10k firms x 20 years x 100 replicates (batches of 6) took 12.0-12.7 s in batches on one
    thread against 14.4-16.0 s in one batch, and 7.9-8.9 s on 2 threads (two batches side by
    side) against 12.9-13.6 s on one (the same process, alternating; 2-core Xeon).

    A run of at least :data:`KEEP_FREED_FROM` firm slots (replicates x slots) keeps the memory it
    frees for its next allocations (:mod:`zili.model.alloc`); results do not depend on it.
    """
    reps = np.arange(replicates) if np.isscalar(replicates) else np.asarray(replicates)
    threads = threads_check(threads)
    M = slots(world, entries_per_year(world))
    per = max(1, BATCH_SLOTS // M)
    batches = [reps[i:i + per] for i in range(0, len(reps), per)] or [reps]
    # several batches side by side, each on one thread; or one batch, its per-firm passes on every thread
    workers = min(threads, len(batches)) if backend == "numba" else 1
    inner = threads if workers == 1 else 1
    if inner > 1:
        threads_use(inner)
    progress = progress or NoProgress()
    progress.start(len(world.years) * (2 if counterfactual is not None else 1) * len(batches))
    if workers == 1:
        runs = (_run(world, b, entropy, _Forward(progress), counterfactual, backend, inner) for b in batches)
    else:
        runs = _side_by_side(lambda b, sink: _run(world, b, entropy, sink, counterfactual, backend, 1), batches, workers, progress)
    if len(reps) * M < KEEP_FREED_FROM:
        traj = _joined(runs, len(batches), reps)
    else:
        with keep_freed_memory():
            traj = _joined(runs, len(batches), reps)
    progress.stop()
    return traj


def _side_by_side(run_batch, batches: list, workers: int, progress):
    """``run_batch(batch, sink)`` of every batch on ``workers`` threads (the compiled kernels let go
    of the interpreter lock), yielded in batch order, never more than ``workers`` batches ahead of
    the one yielded. The batches' years are counted on a queue and passed to ``progress`` from the
    calling thread only, so a progress sink need not be thread-safe."""
    done: queue.SimpleQueue = queue.SimpleQueue()
    sink = _Forward(SimpleNamespace(advance=done.put))  # a batch's years go on the queue
    pending: collections.deque = collections.deque()
    pool = ThreadPoolExecutor(workers, thread_name_prefix="zili-batch")
    try:
        todo = iter(batches)
        for b in itertools.islice(todo, workers):
            pending.append(pool.submit(run_batch, b, sink))
        while pending:
            first = pending.popleft()
            while not first.done():
                futures.wait([first], timeout=0.05)
                _drain(done, progress)
            _drain(done, progress)
            traj = first.result()
            for b in itertools.islice(todo, 1):
                pending.append(pool.submit(run_batch, b, sink))
            yield traj
            del traj
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _drain(done, progress)


def _drain(done: queue.SimpleQueue, progress) -> None:
    n = 0
    while True:
        try:
            n += done.get_nowait()
        except queue.Empty:
            break
    if n:
        progress.advance(n)


def _joined(runs, n: int, reps: np.ndarray) -> Trajectory:
    """The ``n`` batch Trajectories of ``runs`` (an iterator) joined into one of the replicates
    ``reps`` (ids), in order. Each batch's final firm arrays are copied into the joined ones and its State is let go
    before the next batch runs: the joined Trajectory's ``state`` is None where there was more than
    one batch, and ``batch_state`` is the last batch's State (every batch's arrays have the same
    shape per replicate)."""
    if n == 1:
        traj = next(runs)
        object.__setattr__(traj, "batch_state", traj.state)
        return traj
    firms, metrics, ledgers, start = {}, [], [], 0
    for t in runs:
        rows = slice(start, start + len(t.replicates))
        for k, a in t.firms.items():
            if k not in firms:
                firms[k] = np.empty((len(reps),) + a.shape[1:], a.dtype)
            firms[k][rows] = a
        start = rows.stop
        metrics.append(t.metrics)
        ledgers.append(t.ledger)
        years, last = t.years, t.state
        del t
    blocks = tuple(
        MetricBlock(b.metric, b.entities, np.concatenate([m[i].values for m in metrics]), b.tag, b.unit)
        for i, b in enumerate(metrics[0])
    )
    ledger = dataclasses.replace(ledgers[0], **{c: np.concatenate([getattr(led, c) for led in ledgers]) for c in _LEDGER_COLUMNS})
    traj = Trajectory(years=years, replicates=reps.copy(), metrics=blocks, ledger=ledger, firms=firms)
    object.__setattr__(traj, "state", None)
    object.__setattr__(traj, "batch_state", last)
    return traj


def _firms(state) -> dict:
    """The final firm arrays a Trajectory carries (views of the State's)."""
    return {
        "fid": state.fid, "alive": state.alive, "node": state.node, "owner": state.owner, "cash": state.cash,
        "debt": state.debt, "capa": state.capa, "cap": state.cap, "out": state.out,
    }


def _run(world: World, reps: np.ndarray, entropy: int, progress, counterfactual: World | None, backend: str,
         threads: int) -> Trajectory:
    """One batch of replicates ``reps`` (ids) of :func:`simulate` (the other parameters are its own;
    ``progress`` is advanced once a simulated year and is not started or stopped here)."""
    state = initial_state(world, reps, entropy)
    state.backend = backend_check(backend)
    state.threads = threads
    rec = Recorder(world, len(reps))
    parts: list = []
    R, N, P = len(reps), len(world.names["node"]), len(world.names["payer"])
    F0, E = len(world.firm_id), entries_per_year(world)
    full = state
    for k in range(len(world.years)):
        # work on the slots in use plus room for this year's entrants (see State.window)
        L = min(full.alive.shape[1], F0 + int(full.n_entered.max(initial=0)) + E)
        state = full.window(L)
        state.year_index = k
        state.scratch["waste"] = np.zeros((R, P), dtype=np.int64)
        state.scratch["entries"] = np.zeros((R, N))  # real firms (weighted)
        state.next_slot[:] = 0
        state = policy.step(state, world, k)
        weights = priorities.step(state, world, k)
        state = capital.step(state, world, k, weights, parts)
        state = provinces.step(state, world, k)
        state = realfin.step(state, world, k)
        state = innovation.step(state, world, k)
        state = market.step(state, world, k)
        state = production.step(state, world, k)
        state = nev.expansion(state, world, k)
        state = provinces.expansion(state, world, k)
        state = finance.step(state, world, k)
        state = talent.step(state, world, k)
        rec.record(state, world, k)
        full.merge(state, L)
        progress.advance()
    state = full
    metrics = rec.result()
    if counterfactual is not None:
        cf = simulate(counterfactual, replicates=reps, entropy=entropy, progress=progress, backend=backend,
                      threads=threads)
        at_risk = cf.metric("output").values - rec.blocks["output"][3]
        metrics = tuple(
            MetricBlock(b.metric, b.entities, at_risk, b.tag, b.unit) if b.metric == "output_at_risk" else b for b in metrics
        )
    traj = Trajectory(years=world.years.copy(), replicates=reps, metrics=metrics, ledger=_ledger(parts, world), firms=_firms(state))
    object.__setattr__(traj, "state", state)
    return traj


class _Forward:
    """Pass a nested run's progress to the outer sink without restarting it."""

    def __init__(self, inner):
        self.inner = inner

    def start(self, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        self.inner.advance(n)

    def stop(self) -> None:
        pass
