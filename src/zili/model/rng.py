"""Keyed random streams: every draw is a pure function of (seed, replicate, year, step, id).

Draws for firms are keyed on stable firm ids, not on array positions, so a replicate is
identical alone or in any batch, results do not depend on firm order, and a run and its
paired counterfactual draw the same numbers for the same firm even after firms exit in
only one of them. The hash is SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators", OOPSLA, doi:10.1145/2660193.2660195), fused in one
compiled pass per array (numba) with a NumPy reference kept for the tests.
"""

from __future__ import annotations

import numba
import numpy as np

# one code per yearly step, so streams of different steps never collide
STEPS = {
    "policy": 1,
    "priorities": 2,
    "capital": 3,
    "innovation": 4,
    "market": 5,
    "production": 6,
    "finance": 7,
    "talent": 8,
    "init": 9,
    "entry": 10,
}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def root_entropy(seed: int) -> int:
    """Normalise a user seed once into the entropy of a numpy SeedSequence (for an int seed, the seed itself)."""
    return int(np.random.SeedSequence(seed).entropy)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _splitmix1(x):  # pragma: no cover - compiled
    """SplitMix64 finaliser of one uint64 (as :func:`_splitmix`)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _keys_kernel(base, reps, subs, out):  # pragma: no cover - compiled
    """out[i, j] = splitmix(splitmix(base ^ splitmix(reps[j] x golden + 1)) ^ subs[i])."""
    for j in range(reps.size):
        k = _splitmix1(base ^ _splitmix1(np.uint64(reps[j]) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)))
        for i in range(subs.size):
            out[i, j] = _splitmix1(k ^ subs[i])
    return out


def stream_keys(entropy: int, replicates: np.ndarray, year: int, step: str, sub: int | np.ndarray = 0) -> np.ndarray:
    """One uint64 key per replicate for (year, step, sub): shape (R,), or (S, R) for an array of S subs
    (row ``i`` is exactly the keys of ``sub[i]``). One compiled pass; bit for bit
    :func:`_stream_keys_numpy`."""
    base = np.uint64((entropy ^ (entropy >> 64)) & 0xFFFFFFFFFFFFFFFF)
    r = np.asarray(replicates, dtype=np.uint64).reshape(-1)
    offset = year * 1_000_003 + STEPS[step] * 101
    subs = (np.asarray(sub, dtype=np.uint64) + np.uint64(offset)).reshape(-1)
    out = _keys_kernel(base, r, subs, np.empty((subs.size, r.size), dtype=np.uint64))
    return out if np.ndim(sub) else out[0]


def _stream_keys_numpy(entropy: int, replicates: np.ndarray, year: int, step: str, sub: int | np.ndarray = 0) -> np.ndarray:
    """The NumPy reference of :func:`stream_keys` (kept for the test that the kernel matches it)."""
    code = STEPS[step]
    base = np.uint64((entropy ^ (entropy >> 64)) & 0xFFFFFFFFFFFFFFFF)
    r = np.asarray(replicates, dtype=np.uint64)
    with np.errstate(over="ignore"):
        k = _splitmix(base ^ _splitmix(r * _GOLDEN + np.uint64(1)))
        if np.ndim(sub):
            subs = np.uint64(year * 1_000_003 + code * 101) + np.asarray(sub, dtype=np.uint64)
            return _splitmix(k[None, :] ^ subs[:, None])
        k = _splitmix(k ^ np.uint64(year * 1_000_003 + code * 101 + sub))
    return k


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def id_mix(fid):  # pragma: no cover - compiled
    """The first SplitMix64 round of a firm's draws, which depends on its id alone: computed once
    per firm, it serves every stream (:func:`u01_mixed`)."""
    return _splitmix1(np.uint64(fid) * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(0x632BE59BD9B4E019))


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def u01_mixed(key, mixed):  # pragma: no cover - compiled
    """The keyed Uniform(0, 1) draw of a firm whose id is already mixed (``mixed = id_mix(fid)``):
    exactly ``u01(key, fid)``."""
    z = _splitmix1(key ^ mixed)
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def u01(key, fid):  # pragma: no cover - compiled
    """One keyed Uniform(0, 1) draw for (stream key, firm id), callable from compiled kernels."""
    return u01_mixed(key, id_mix(fid))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _uniform_kernel(keys, ids, out):  # pragma: no cover - compiled
    """out[r, m] = u01(keys[r], ids[r or 0, m]): the two SplitMix64 rounds of :func:`_uniform_numpy`, fused."""
    R, n = out.shape
    one = ids.shape[0] == 1
    for r in range(R):
        k = keys[r]
        row = 0 if one else r
        for m in range(n):
            out[r, m] = u01(k, ids[row, m])
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _mix_kernel(ids, out):  # pragma: no cover - compiled
    for j in range(ids.size):
        out[j] = id_mix(ids[j])
    return out


def mix_ids(ids: np.ndarray) -> np.ndarray:
    """``id_mix`` of every firm id, uint64 of ``ids``'s shape: computed once, it serves every keyed
    stream of those firms through :func:`uniform_mixed_into` (one SplitMix64 round a draw instead of two)."""
    i = np.ascontiguousarray(ids, dtype=np.int64)
    return _mix_kernel(i.reshape(-1), np.empty(i.size, dtype=np.uint64)).reshape(i.shape)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def uniform_mixed_into(key, mixed, out):  # pragma: no cover - compiled
    """out[j] = u01(key, id of j) for one stream key and mixed ids (:func:`mix_ids`), in one dense
    loop (for compiled callers that draw for a compacted list of firms)."""
    for j in range(mixed.size):
        out[j] = u01_mixed(key, mixed[j])
    return out


def uniform(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Uniform(0, 1) draws, shape broadcast of keys[:, None] and ids: (R, n).

    One fused, compiled pass (numba); bit for bit the NumPy reference :func:`_uniform_numpy`.
    """
    k = np.ascontiguousarray(keys, dtype=np.uint64).reshape(-1)
    i = np.asarray(ids)
    if i.ndim == 1:
        i = i[None, :]
    if i.dtype != np.int64 and i.dtype != np.uint64:
        i = i.astype(np.int64)
    if i.shape[0] not in (1, len(k)):
        raise ValueError(f"ids rows {i.shape[0]} do not match keys {len(k)}")
    out = np.empty((len(k), i.shape[1]))
    return _uniform_kernel(k, i, out)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _uniform_items_kernel(keys, rows, ids, out):  # pragma: no cover - compiled
    for j in range(ids.shape[0]):
        out[j] = u01(keys[rows[j]], ids[j])
    return out


def uniform_items(keys: np.ndarray, rows: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Uniform(0, 1) draws for scattered items: item ``j`` is replicate ``rows[j]``'s draw for id
    ``ids[j]``, exactly ``uniform(keys, ...)[rows[j], ...]`` without drawing for every slot."""
    k = np.ascontiguousarray(keys, dtype=np.uint64).reshape(-1)
    return _uniform_items_kernel(k, np.asarray(rows, dtype=np.int64), np.asarray(ids, dtype=np.int64), np.empty(len(ids)))


def _uniform_numpy(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The NumPy reference of :func:`uniform` (kept for the test that the kernel matches it)."""
    k = np.asarray(keys, dtype=np.uint64)[:, None]
    i = np.asarray(ids).astype(np.uint64, copy=False)
    if i.ndim == 1:
        i = i[None, :]
    with np.errstate(over="ignore"):
        h = _splitmix(k ^ _splitmix(i * _M1 + np.uint64(0x632BE59BD9B4E019)))
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def normal(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Standard normal draws keyed like :func:`uniform` (Box-Muller on two keyed uniforms)."""
    u1 = uniform(keys, ids)
    with np.errstate(over="ignore"):
        u2 = uniform(_splitmix(np.asarray(keys, dtype=np.uint64) ^ np.uint64(0xD1B54A32D192ED03)), ids)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def gumbel(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Standard Gumbel draws keyed like :func:`uniform` (for sampling top-k without replacement)."""
    return -np.log(-np.log(uniform(keys, ids)))
