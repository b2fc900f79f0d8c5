"""Threads for one run: the per-firm passes that are independent slot by slot, on several cores.

A run is one replicate or a batch of them, stepped year by year; most of a year is node-level
NumPy and the compiled fund loop, which run on one core. Three per-firm passes split into
independent pieces of firm slots: finance's settlement, innovation's capability step, and the
weighing of deal selection (every fund's keyed selection weight of every firm in its nodes).
With ``threads`` > 1 (``simulate(..., threads=n)``, ``zili run --threads n``) those passes run
on ``n`` threads, each piece as the serial pass computes it, so the results are the same bit
for bit (a test holds them together); every sum across slots is still added in slot order.

Each such kernel is one Python function whose outer loop is ``numba.prange`` over pieces,
compiled twice by :func:`twins`: serially (``prange`` is ``range``), the version every run
with one thread uses, and with ``parallel=True``. The threaded version is compiled, and
numba's threading layer started, only when a run asks for more than one thread: a process
that never does is as before (the layer's OpenMP threads do not survive ``fork``, which
calibration uses for its workers).
"""

from __future__ import annotations

import types

import numba

from zili.model.jit import NOALIAS


def twins(fn, noalias: bool = False):
    """The serial and the threaded compiled versions of the kernel ``fn`` (a plain function whose
    outer loop is ``numba.prange``): ``(serial, threaded)`` dispatchers. The threaded one is a copy
    of ``fn`` under another name, so that numba caches the two versions apart. Where ``noalias``,
    the serial version is compiled with the promise that its arrays never overlap
    (:data:`zili.model.jit.NOALIAS`; numba's parallel backend makes it for the threaded one where
    it can)."""
    serial = numba.njit(cache=True, nogil=True, error_model="numpy", **(NOALIAS if noalias else {}))(fn)
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_threaded", fn.__defaults__, fn.__closure__)
    copy.__qualname__ = fn.__qualname__ + "_threaded"
    copy.__module__, copy.__doc__ = fn.__module__, fn.__doc__
    threaded = numba.njit(cache=True, nogil=True, error_model="numpy", parallel=True)(copy)
    return serial, threaded


def available() -> int:
    """The most threads a run can use: numba's thread count (the cores numba sees, or
    ``NUMBA_NUM_THREADS``)."""
    return int(numba.config.NUMBA_NUM_THREADS)


def check(threads) -> int:
    """``threads`` as an int, or a ValueError naming the value and what is allowed."""
    n = available()
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= n:
        raise ValueError(f"threads={threads!r}: must be a whole number from 1 to {n} (the cores numba can use on this machine)")
    return threads


def use(threads: int) -> None:
    """Make the threaded kernels of this thread use ``threads`` threads (only called with more
    than one: it starts numba's threading layer)."""
    numba.set_num_threads(threads)
