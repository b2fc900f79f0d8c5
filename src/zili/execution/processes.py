"""Local worker processes (``concurrent.futures``), started with ``forkserver`` or ``spawn``.

The start method is chosen per pool, never set globally (no import-time side effects);
``fork`` is avoided because DuckDB, Arrow and BLAS threads do not survive it safely.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from zili.execution.base import Executor


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessExecutor(Executor):
    """A pool of ``workers`` local processes; at most ``2 * workers`` batches in flight.

    Parameters
    ----------
    workers : int
        Number of worker processes.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers = {workers}; allowed: 1 or more")
        self.workers = int(workers)
        self.label = f"processes:{self.workers}"
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if self._pool is None:
            raise RuntimeError("ProcessExecutor used outside its context manager")
        pending: dict[Future, int] = {}
        queue = iter(enumerate(tasks))
        limit = 2 * self.workers

        def fill() -> None:
            while len(pending) < limit:
                try:
                    i, task = next(queue)
                except StopIteration:
                    return
                pending[self._pool.submit(fn, task)] = i

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                yield i, fut.result()
            fill()
