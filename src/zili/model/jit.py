"""One compiled version of a kernel for arrays of any memory layout.

numba compiles a kernel once per argument type, and an array's type includes its layout:
C-contiguous, or any ("A"). The engine hands its kernels windows of the firm arrays
(``State.window``): contiguous with one replicate or once every slot is in use,
strided otherwise. So a kernel of some sixty arguments could be compiled many times in
one run, once for each mix of layouts it meets, at up to half a minute each the first time
on a machine. :func:`any_layout` compiles one version whose arrays all have layout "A"
(any strides, the same machine code for both) and calls it with contiguous arrays too.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.core import types


def _any(t):
    """The numba type ``t`` with every array in it (also inside tuples) of layout "A"."""
    if isinstance(t, types.Array):
        return t.copy(layout="A")
    if isinstance(t, types.UniTuple):
        return types.UniTuple(_any(t.dtype), t.count)
    if isinstance(t, types.Tuple):
        return types.Tuple([_any(x) for x in t.types])
    return t


def _key(a):
    """What of an argument's type matters once layouts are ignored (numba.typeof is some 7 us
    an argument in Python; this is a fraction of one)."""
    if isinstance(a, np.ndarray):
        return a.dtype.str, a.ndim, a.flags.writeable, a.flags.aligned
    if isinstance(a, tuple):
        return tuple(map(_key, a))
    return type(a)


def any_layout(kernel):
    """Wrap the numba dispatcher ``kernel``: each call compiles (or loads from numba's cache)
    the version for its arguments' types with every array of layout "A", once, and calls that
    version's entry point directly, so contiguous arrays are passed as they are, never copied,
    and numba's search for a convertible version (slow, at every call) is never made."""
    entry: dict = {}  # a cheap key of the arguments' types -> the entry point of their any-layout version

    def call(*args):
        key = tuple(map(_key, args))
        fn = entry.get(key)
        if fn is None:
            sig = tuple(_any(numba.typeof(a)) for a in args)
            kernel.compile(sig)
            fn = entry[key] = kernel.overloads[sig].entry_point
        return fn(*args)

    call.kernel = kernel
    call.__name__ = getattr(kernel, "__name__", "kernel")
    call.__doc__ = kernel.__doc__
    return call
