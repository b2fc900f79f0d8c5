"""One compiled version of a kernel for arrays of any memory layout.

numba compiles a kernel once per argument type, and an array's type includes its layout:
C-contiguous, or any ("A"). The engine hands its kernels windows of the firm arrays
(``State.window``): contiguous with one replicate or once every slot is in use,
strided otherwise. So a kernel of some sixty arguments could be compiled many times in
one run, once for each mix of layouts it meets, at up to half a minute each the first time
on a machine. :func:`any_layout` compiles one version whose arrays all have layout "A"
(any strides, the same machine code for both) and calls it with contiguous arrays too.

A kernel that runs over every firm slot each year (finance, innovation) is also given a
second version, ``contiguous=True``, for calls whose arrays are all C-contiguous (a run of
one replicate): there the compiler knows each row is dense, which made the finance pass
about 15% and the innovation pass about 10% faster at 100k firms (measured on a saved year's
arguments, each version timed alternately). At most two versions are compiled.
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
        f = a.flags
        return a.dtype, a.ndim, f.writeable, f.aligned
    if isinstance(a, tuple):
        return tuple(map(_key, a))
    return type(a)


def _exact_key(a):
    """:func:`_key` with each array's C-contiguity (an argument that keeps its own type)."""
    if isinstance(a, np.ndarray):
        return _key(a) + (a.flags.c_contiguous,)
    if isinstance(a, tuple):
        return tuple(map(_exact_key, a))
    return type(a)


def _dense(a) -> bool:
    """Whether every array in ``a`` (also inside tuples) is C-contiguous."""
    if isinstance(a, np.ndarray):
        return a.flags.c_contiguous
    if isinstance(a, tuple):
        return all(map(_dense, a))
    return True


def any_layout(kernel, contiguous: bool = False, exact_tail: int = 0):
    """Wrap the numba dispatcher ``kernel``: each call compiles (or loads from numba's cache)
    the version for its arguments' types with every array of layout "A", once, and calls that
    version's entry point directly, so contiguous arrays are passed as they are, never copied,
    and numba's search for a convertible version (slow, at every call) is never made. Where
    ``contiguous``, a call whose arrays are all C-contiguous gets the version of layout "C".
    The last ``exact_tail`` arguments keep their own types (arrays the caller always makes
    afresh, C-contiguous: the compiler then knows their rows are dense)."""
    entry: dict = {}  # a cheap key of the arguments' types -> the entry point of their version

    def call(*args):
        dense = contiguous and all(map(_dense, args))
        n = len(args) - exact_tail
        key = (dense,) + tuple(map(_key, args[:n])) + tuple(map(_exact_key, args[n:]))
        fn = entry.get(key)
        if fn is None:
            sig = tuple(numba.typeof(a) if dense or i >= n else _any(numba.typeof(a)) for i, a in enumerate(args))
            kernel.compile(sig)
            fn = entry[key] = kernel.overloads[sig].entry_point
        return fn(*args)

    call.kernel = kernel
    call.__name__ = getattr(kernel, "__name__", "kernel")
    call.__doc__ = kernel.__doc__
    return call


def _noalias_option() -> dict:
    """The numba option that marks a kernel's array arguments as never overlapping, where this
    numba can take it: ``{"noalias": True}``, else ``{}``.

    LLVM vectorises a loop over many arrays only if it can rule out that a store to one changes
    another; with some thirty arrays the run-time overlap checks exceed its limit and the loop stays
    scalar. numba's compiler has the flag that says so (``Flags.noalias``, which its parallel
    backend sets for the kernels it makes) but no ``njit`` option for it; this registers one with
    the CPU target. A kernel compiled with it must never be called with overlapping arrays (the
    firm arrays of a State are all distinct). Without it (a numba that has not the flag) the same
    kernel is compiled without the promise: the same results, slower."""
    from numba.core import compiler, cpu, options

    try:
        if "noalias" not in compiler.Flags.options:
            return {}
        if not hasattr(cpu.CPUTargetOptions, "noalias"):
            cpu.CPUTargetOptions.noalias = options.TargetOptions.Mapping("noalias")
        return {"noalias": True}
    except (AttributeError, TypeError):
        return {}


#: ``njit`` options of kernels whose arrays never overlap (see :func:`_noalias_option`)
NOALIAS = _noalias_option()
