"""Dask distributed: a ``LocalCluster`` on this machine or any running scheduler.

``--dask local:N`` starts N single-threaded worker processes here; ``--dask
tcp://HOST:PORT`` joins an existing scheduler, so the same command runs on a Slurm
(dask-jobqueue) or Kubernetes (dask-kubernetes) cluster. Workers need zili installed
and, for sweeps, a shared file system for the Parquet shards. Start remote workers
without Dask's ``MALLOC_TRIM_THRESHOLD_`` (set
``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null`` in their Dask
config): with it the engine runs about three times slower.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from zili.execution.base import Executor


class DaskExecutor(Executor):
    """Run batches on Dask workers.

    Parameters
    ----------
    address : str, optional
        Scheduler address (``tcp://HOST:PORT``); mutually exclusive with ``local_workers``.
    local_workers : int, optional
        Start a ``LocalCluster`` with this many single-threaded worker processes.
    """

    def __init__(self, *, address: str | None = None, local_workers: int | None = None) -> None:
        if (address is None) == (local_workers is None):
            raise ValueError("give exactly one of address or local_workers")
        self.address = address
        self.local_workers = local_workers
        self.workers = local_workers or 0
        self.label = f"dask:local:{local_workers}" if local_workers else f"dask:{address}"
        self._cluster = None
        self._client = None

    def start(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("Dask is not installed; install the extra: pip install 'zili[dask]'") from exc
        if self.local_workers:
            import dask

            had_trim = "MALLOC_TRIM_THRESHOLD_" in os.environ
            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers, which turns off
            # glibc's dynamic mmap threshold and makes the engine's large array allocations
            # about 3x slower; unset it for the workers we start.
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                self._cluster = LocalCluster(
                    n_workers=self.local_workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            if not had_trim:
                os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.address, timeout="30s")
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if self._client is None:
            raise RuntimeError("DaskExecutor used outside its context manager")
        from distributed import as_completed

        # pure=False: a rerun after a failure must really rerun
        futures = [self._client.submit(fn, task, pure=False, key=f"zili-batch-{i}-{id(tasks)}") for i, task in enumerate(tasks)]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
                fut.release()
        finally:
            for fut in futures:
                fut.cancel()
