"""The executor interface shared by every backend (after EMA Workbench's ``BaseEvaluator``).

An executor is used as a context manager; :meth:`Executor.map` submits one task per
batch of design rows (never one per draw) and yields ``(index, result)`` pairs in
completion order, so the caller can write shards and tick a progress bar as batches
finish.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Sequence
from typing import Any


class Executor(abc.ABC):
    """Run a function over batches; use as ``with make_executor(...) as ex: ex.map(...)``.

    Attributes
    ----------
    workers : int
        Number of parallel workers (1 for serial).
    label : str
        Human-readable description (``"serial"``, ``"processes:4"``, ``"dask:tcp://..."``).
    """

    workers: int = 1
    label: str = "executor"

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire resources (pools, clusters)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; called on exit even after an error or interrupt."""

    @abc.abstractmethod
    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Apply ``fn`` to every task and yield ``(position in tasks, result)`` as each completes.

        Parameters
        ----------
        fn : callable
            A picklable, module-level function of one argument.
        tasks : sequence
            Picklable task objects, typically one batch of design rows each.

        Yields
        ------
        (int, object)
            Task position and ``fn(task)``, in completion order.
        """


def parse_dask(spec: str) -> tuple[str, int | str]:
    """Parse a ``--dask`` value: ``local:N`` or ``tcp://HOST:PORT`` (any scheduler address).

    Returns
    -------
    ("local", N) or ("address", spec)

    Raises
    ------
    ValueError
        With a message naming the value and what is allowed.
    """
    spec = spec.strip()
    if spec.startswith("local"):
        _, _, n = spec.partition(":")
        try:
            workers = int(n) if n else 2
        except ValueError:
            raise ValueError(f"--dask {spec!r}: worker count is not an integer; allowed: local:N or tcp://HOST:PORT") from None
        if workers < 1:
            raise ValueError(f"--dask {spec!r}: needs at least 1 worker; allowed: local:N with N >= 1")
        return "local", workers
    if "://" in spec:
        return "address", spec
    raise ValueError(f"--dask {spec!r}: unknown; allowed: local:N (start a LocalCluster) or tcp://HOST:PORT (join a scheduler)")


def make_executor(*, workers: int | None = None, dask: str | None = None) -> Executor:
    """The executor for CLI-style options.

    Parameters
    ----------
    workers : int, optional
        Local worker processes; ``None`` or 1 means serial.
    dask : str, optional
        ``local:N`` starts a Dask ``LocalCluster`` with N single-threaded worker processes;
        ``tcp://HOST:PORT`` joins an existing scheduler (Slurm, Kubernetes, dask-ssh ...).
        Takes precedence over ``workers``.
    """
    if dask:
        from zili.execution.dask import DaskExecutor

        kind, value = parse_dask(dask)
        return DaskExecutor(local_workers=value) if kind == "local" else DaskExecutor(address=str(value))
    if workers is not None and workers > 1:
        from zili.execution.processes import ProcessExecutor

        return ProcessExecutor(workers)
    from zili.execution.serial import SerialExecutor

    return SerialExecutor()
