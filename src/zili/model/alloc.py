"""Keep freed memory inside a run instead of handing it back to the system at every free.

A year of the engine allocates and frees many arrays of a few MB (at 1M firms each firm
array is 8 MB). With glibc's default settings every such array is a fresh ``mmap``, unmapped
again when it is freed, so the next one is faulted in and zeroed page by page: at 1M firms x
20 years that is some 450,000 page faults and 1.0-1.5 s of system time in a 5-6 s run.
:func:`keep_freed_memory` raises glibc's mmap and trim thresholds while a run lasts, so freed
arrays are reused from the heap, and afterwards hands the free memory back
(``malloc_trim``) and sets glibc's default thresholds again. Those stay fixed from then on
(glibc adapts its thresholds to a program only until they are first set), so large arrays
are mapped afresh as on a fresh start. Results never depend on it; where the C library is not
glibc it does nothing. Runs in several threads share it: the memory is handed back when the
last ends.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_KEEP = 1 << 30  # bytes: arrays up to 1 GiB come from the heap, and up to 1 GiB of free heap is kept
_DEFAULT_MMAP = _DEFAULT_TRIM = 128 * 1024  # glibc's default thresholds, restored after a run (fixed from then on:
# glibc adapts them to the program only until they are first set)

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
                _LIBC.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
                _LIBC.malloc_trim(0)
