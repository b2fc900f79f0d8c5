"""Array backends of the per-firm kernels: compiled loops (numba), NumPy, or JAX.

The yearly steps keep their node-level code in NumPy; the per-firm arithmetic of the two
heaviest firm steps (:mod:`zili.model.innovation` and :mod:`zili.model.finance`) exists
twice: as a pure array function written against an array module ``xp`` (readable, the
reference, and what JAX traces and fuses) and as a compiled loop (numba, the default).

* ``numba`` (default): one compiled pass per step over the firm slots.
* ``numpy``: the array functions with NumPy (the reference the tests hold the others to).
* ``jax``: the same array functions with ``jax.numpy`` under ``jax.jit`` (XLA fuses them),
  float64 enabled so that money converted to integer RMB thousand stays exact; needs the
  ``[jax]`` extra; compiled programs are kept in a persistent cache (``$ZILI_JAX_CACHE``,
  default ``~/.cache/zili/jax``), so only the first run on a machine compiles. Random draws are the keyed streams of :mod:`zili.model.rng` in every
  backend, so a run is paired and reproducible whichever backend computes it.

The backends agree within floating-point rounding: the compiled and XLA versions of
``log``/``exp``/``cos`` may differ from NumPy's in the last bit, which can move an amount
rounded to RMB thousand by one or a draw sitting exactly on a threshold; the tolerance is
stated and tested in ``tests/model/test_backend.py``.
"""

from __future__ import annotations

import os
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
    # compiled programs persist across runs (as numba's cache does); $ZILI_JAX_CACHE or ~/.cache/zili/jax
    cache = os.environ.get("ZILI_JAX_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "zili", "jax")
    try:
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except Exception:  # pragma: no cover - older JAX without a persistent cache: compile every run
        pass
    return jax


@lru_cache(maxsize=None)
def _jitted(fn: Callable) -> Callable:
    jax = _jax()
    import jax.numpy as jnp

    return jax.jit(lambda f, t, p: fn(jnp, f, t, p))


def _bucket(n: int) -> int:
    """``n`` rounded up to one of 8 sizes per power of two (at most 12.5% padding): JAX compiles once
    per array shape, and the engine's window of firm slots grows every year."""
    if n <= 64:
        return 64
    step = 1 << max(int(n - 1).bit_length() - 4, 0)
    return -(-n // step) * step


def run_array(name: str, fn: Callable, f: dict, t: dict, p: dict) -> dict:
    """Call the array function ``fn(xp, f, t, p)`` on the ``numpy`` or ``jax`` backend.

    ``f`` holds the firm arrays (firm slots on the last axis), ``t`` the tables, ``p`` the
    parameters. Returns a dict of NumPy firm arrays whatever the backend: under JAX the firm
    arrays are padded with empty slots to a few bucketed sizes (so a run compiles a handful of
    times, not once a year) and the results copied back without the padding.
    """
    if name != "jax":
        return fn(np, f, t, p)
    M = f["alive"].shape[-1]
    Mp = _bucket(M)
    pad = {k: np.pad(v, [(0, 0)] * (v.ndim - 1) + [(0, Mp - M)]) for k, v in f.items()}
    out = _jitted(fn)(pad, t, p)
    return {k: np.asarray(v)[..., :M] for k, v in out.items()}
