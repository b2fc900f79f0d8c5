"""Array backends of the per-firm kernels: compiled loops (numba), NumPy, or JAX.

The yearly steps keep their node-level code in NumPy; the per-firm arithmetic of the two
heaviest firm steps (:mod:`zili.model.innovation` and :mod:`zili.model.finance`) exists
twice: as a pure array function written against an array module ``xp`` (readable, the
reference, and what JAX traces and fuses) and as a compiled loop (numba, the default).

* ``numba`` (default): one compiled pass per step over the firm slots.
* ``numpy``: the array functions with NumPy (the reference the tests hold the others to).
* ``jax``: the same array functions with ``jax.numpy`` under ``jax.jit`` (XLA fuses them),
  float64 enabled so that money converted to integer RMB thousand stays exact; needs the
  ``[jax]`` extra. Random draws are the keyed streams of :mod:`zili.model.rng` in every
  backend, so a run is paired and reproducible whichever backend computes it.

The backends agree within floating-point rounding: the compiled and XLA versions of
``log``/``exp``/``cos`` may differ from NumPy's in the last bit, which can move an amount
rounded to RMB thousand by one or a draw sitting exactly on a threshold; the tolerance is
stated and tested in ``tests/model/test_backend.py``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np

BACKENDS = ("numba", "numpy", "jax")


class BackendError(ValueError):
    """An unknown backend, or one whose package is not installed."""


def check(name: str) -> str:
    """Validate a backend name (and that JAX imports, for ``jax``); return it."""
    if name not in BACKENDS:
        raise BackendError(f"backend = {name!r}: allowed {', '.join(BACKENDS)}")
    if name == "jax":
        _jax()
    return name


@lru_cache(maxsize=1)
def _jax():
    try:
        import jax
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise BackendError("backend = 'jax': JAX is not installed (pip install 'zili[jax]')") from e
    jax.config.update("jax_enable_x64", True)
    return jax


@lru_cache(maxsize=None)
def _jitted(fn: Callable) -> Callable:
    jax = _jax()
    import jax.numpy as jnp

    return jax.jit(lambda *a: fn(jnp, *a))


def run_array(name: str, fn: Callable, *args):
    """Call the array function ``fn(xp, *args)`` on the ``numpy`` or ``jax`` backend.

    Returns a dict of NumPy arrays whatever the backend (JAX results are copied back).
    """
    if name == "jax":
        out = _jitted(fn)(*args)
        return {k: np.asarray(v) for k, v in out.items()}
    return fn(np, *args)
