"""The engine loop: nine yearly steps over a batch of replicates.

``simulate`` is the one core entry point: arrays in (a compiled :class:`World`), a
:class:`Trajectory` out. It is pure: no I/O, no printing, no globals (it only asks the C
library to keep freed memory while it runs, :mod:`zili.model.alloc`). Progress is
injected (default: nothing). With ``counterfactual``, the same replicates run on the
no-control world under the same keyed streams and ``output_at_risk`` is their
difference (counterfactual output minus this output).
"""

from __future__ import annotations

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


def _ledger(parts: list, world: World) -> Ledger:
    names = world.names
    if parts:
        cols = [np.concatenate([p[i] for p in parts]) for i in range(8)]
    else:
        cols = [np.zeros(0, dtype=d) for d in (np.int32, np.int32, np.int16, np.int16, np.int8, np.int16, np.int64, np.int64)]
    return Ledger(*cols, payer_names=names["payer"], fund_names=names["fund"], instrument_names=INSTRUMENTS, node_names=names["node"])


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
        Progress sink, one ``advance`` per simulated year.
    counterfactual : World, optional
        The paired no-control world; fills ``output_at_risk``.
    backend : {"numba", "numpy", "jax"}
        How the per-firm kernels run (:mod:`zili.model.backend`); results agree within the
        tolerance stated there.
    threads : int
        Threads for the per-firm passes that split into independent pieces of firm slots (finance's
        settlement, innovation, the weighing of deal selection; :mod:`zili.model.threads`), from 1
        to the cores numba can use. The results are the same bit for bit for any number; only the
        numba backend uses them.

    Returns
    -------
    Trajectory

    Notes
    -----
    A run of at least :data:`KEEP_FREED_FROM` firm slots (replicates x slots) keeps the memory it
    frees for its next allocations (:mod:`zili.model.alloc`); results do not depend on it.
    """
    R = replicates if np.isscalar(replicates) else len(replicates)
    threads = threads_check(threads)
    if threads > 1:
        threads_use(threads)
    if R * slots(world, entries_per_year(world)) < KEEP_FREED_FROM:
        return _run(world, replicates, entropy, progress, counterfactual, backend, threads)
    with keep_freed_memory():
        return _run(world, replicates, entropy, progress, counterfactual, backend, threads)


def _run(world: World, replicates, entropy: int, progress, counterfactual: World | None, backend: str, threads: int) -> Trajectory:
    """The body of :func:`simulate` (same parameters)."""
    progress = progress or NoProgress()
    reps = np.arange(replicates) if np.isscalar(replicates) else np.asarray(replicates)
    state = initial_state(world, reps, entropy)
    state.backend = backend_check(backend)
    state.threads = threads
    rec = Recorder(world, len(reps))
    parts: list = []
    R, N, P = len(reps), len(world.names["node"]), len(world.names["payer"])
    progress.start(len(world.years) * (2 if counterfactual is not None else 1))
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
        cf = simulate(counterfactual, replicates=reps, entropy=entropy, progress=_Forward(progress), backend=backend,
                      threads=threads)
        at_risk = cf.metric("output").values - rec.blocks["output"][3]
        metrics = tuple(
            MetricBlock(b.metric, b.entities, at_risk, b.tag, b.unit) if b.metric == "output_at_risk" else b for b in metrics
        )
    progress.stop()
    firms = {
        "fid": state.fid, "alive": state.alive, "node": state.node, "owner": state.owner, "cash": state.cash,
        "debt": state.debt, "capa": state.capa, "cap": state.cap,
    }
    traj = Trajectory(years=world.years.copy(), replicates=reps, metrics=metrics, ledger=_ledger(parts, world), firms=firms)
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
