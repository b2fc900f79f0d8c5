"""The serial backend: batches run one after another in this process (the reference)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from zili.execution.base import Executor


class SerialExecutor(Executor):
    """Run batches in order in the calling process; results are the reference for the others."""

    workers = 1
    label = "serial"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(task)
