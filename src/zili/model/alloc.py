"""Keep freed memory inside a run instead of handing it back to the system at every free.

A year of the engine allocates and frees many arrays of a few MB (at 1M firms each firm
array is 8 MB). With glibc's default settings every such array is a fresh ``mmap``, unmapped
again when it is freed, so the next one is faulted in and zeroed page by page: at 1M firms x
20 years that is some 450,000 page faults and 1.0-1.5 s of system time in a 5-6 s run.
:func:`keep_freed_memory` raises glibc's mmap and trim thresholds while a run lasts, so freed
arrays are reused from the heap, and afterwards hands the free memory back
(``malloc_trim``) and sets the thresholds glibc's own adaptation reaches in a program that
frees large arrays: arrays up to 32 MiB from the heap, up to 64 MiB of free heap kept
(``DEFAULT_MMAP_THRESHOLD_MAX`` of 64-bit glibc and twice it). Those stay fixed from then on
(glibc adapts its thresholds to a program only until they are first set). Setting glibc's
start values (128 KiB) instead, as this module first did, made every later run of the
process map and fault in each of its arrays afresh: a 10k-firm, 10-year run after one large
run took 65.5 ms instead of 59.0, with 5,112 page faults instead of 535. Results never depend
on it; where the C library is not glibc it does nothing. Runs in several threads share it:
the memory is handed back when the last ends.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_KEEP = 1 << 30  # bytes: arrays up to 1 GiB come from the heap, and up to 1 GiB of free heap is kept
_AFTER_MMAP = 32 << 20  # bytes: the thresholds set after a run (fixed from then on: glibc adapts them to the program
_AFTER_TRIM = 2 * _AFTER_MMAP  # only until they are first set), where its adaptation ends: DEFAULT_MMAP_THRESHOLD_MAX, x 2

_lock = threading.Lock()
_active = 0


def _libc():
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc only (musl and others have no such settings)
        return libc
    except (OSError, AttributeError, TypeError):  # TypeError: no CDLL(None) on Windows
        return None


_LIBC = _libc()


@contextmanager
def keep_freed_memory():
    """While the block runs, freed memory stays in the process for the next allocations; when the
    last such block in the process ends, the free memory is handed back to the system."""
    global _active
    with _lock:
        if _LIBC is not None and _active == 0:
            _LIBC.mallopt(_M_MMAP_THRESHOLD, _KEEP)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, _KEEP)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _LIBC is not None and _active == 0:
                _LIBC.mallopt(_M_MMAP_THRESHOLD, _AFTER_MMAP)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _AFTER_TRIM)
                _LIBC.malloc_trim(0)
