"""Integer money: amounts are int64 RMB thousand and are split by largest remainder.

Splitting by largest remainder (Hamilton's method) gives integer parts that add up to
the whole exactly, so every payer's, fund's and firm's books balance to the yuan-thousand.
Ties in the remainders are broken by a stable id, never by array position.
"""

from __future__ import annotations

import numba
import numpy as np

THOUSAND_PER_BN = 1_000_000


def to_thousand(rmb_bn: np.ndarray | float) -> np.ndarray:
    """RMB bn (float) -> int64 RMB thousand, rounded to nearest."""
    return np.rint(np.asarray(rmb_bn, dtype=np.float64) * THOUSAND_PER_BN).astype(np.int64)


def to_bn(thousand: np.ndarray | int) -> np.ndarray:
    """int64 RMB thousand -> float RMB bn."""
    return np.asarray(thousand, dtype=np.float64) / THOUSAND_PER_BN


def split(total: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Split integer totals across the last axis in proportion to weights, exactly.

    Parameters
    ----------
    total : int64 array, shape (...)
        Amounts to split (RMB thousand), non-negative.
    weights : float array, shape (..., K)
        Non-negative weights; a row of zeros receives nothing (its total must be 0).
    tiebreak : int array, shape (..., K) or (K,), optional
        Stable ids ranking equal remainders (lower id first).

    Returns
    -------
    int64 array, shape (..., K), whose last axis sums exactly to ``total``.
    """
    total = np.asarray(total, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    wsum = w.sum(axis=-1, keepdims=True)
    safe = np.where(wsum > 0, wsum, 1.0)
    exact = total[..., None] * (w / safe)
    base = np.floor(exact).astype(np.int64)
    # guard against float error pushing the floor sum above the total
    over = base.sum(axis=-1) - total
    if np.any(over > 0):
        base = np.where((over > 0)[..., None], np.floor(exact * (1 - 1e-12)).astype(np.int64), base)
    short = total - base.sum(axis=-1)
    rem = exact - base
    if tiebreak is None:
        tiebreak = np.broadcast_to(np.arange(w.shape[-1]), w.shape)
    tb = np.broadcast_to(np.asarray(tiebreak), w.shape)
    # rank by remainder descending, then by id ascending; zero-weight slots never receive
    rem = np.where(w > 0, rem, -1.0)
    order = np.lexsort((tb, -rem), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(w.shape[-1]), w.shape), axis=-1)
    base += (ranks < short[..., None]).astype(np.int64)
    return base


def split_groups(total: np.ndarray, group: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Split ``total[g]`` among the items of each group ``g`` in proportion to ``weights``.

    Largest remainder within each group, equal remainders ranked by ``tiebreak`` (lower
    first), zero-weight items never receive. One compiled pass (numba); the same result as
    the NumPy reference :func:`_split_groups_numpy`.

    Parameters
    ----------
    total : int64 (G,)
        Amount per group.
    group : int (n,)
        Group of each item.
    weights : float (n,)
        Item weights (non-negative).
    tiebreak : int (n,)
        Stable item ids for equal remainders.

    Returns
    -------
    int64 (n,) with ``np.bincount(group, result) == total`` wherever a group has weight.
    """
    if group.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return _split_groups_kernel(np.asarray(total, dtype=np.int64), np.asarray(group, dtype=np.int64),
                                np.asarray(weights, dtype=np.float64), np.asarray(tiebreak, dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def _split_groups_kernel(total, group, weights, tiebreak):  # pragma: no cover - compiled
    G, n = total.shape[0], group.shape[0]
    wsum = np.zeros(G)
    for i in range(n):
        wsum[group[i]] += weights[i]
    base = np.empty(n, dtype=np.int64)
    rem = np.empty(n)
    got = np.zeros(G, dtype=np.int64)
    for i in range(n):
        g = group[i]
        ex = total[g] * (weights[i] / (wsum[g] if wsum[g] > 0 else 1.0))
        b = np.int64(np.floor(ex))
        base[i] = b
        got[g] += b
        rem[i] = ex - b if weights[i] > 0 else -1.0
    # items ordered by group (counting sort, stable), then within a group by remainder
    # (descending) and tiebreak (ascending): the first ``short`` of each group get one more
    start = np.zeros(G + 1, dtype=np.int64)
    for i in range(n):
        start[group[i] + 1] += 1
    for g in range(G):
        start[g + 1] += start[g]
    fill = start[:G].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[fill[group[i]]] = i
        fill[group[i]] += 1
    for g in range(G):
        short = total[g] - got[g] if wsum[g] > 0 else 0
        if short <= 0:
            continue
        seg = order[start[g]:start[g + 1]]
        seg = seg[np.argsort(tiebreak[seg], kind="mergesort")]
        seg = seg[np.argsort(-rem[seg], kind="mergesort")]
        for j in range(min(short, seg.shape[0])):
            base[seg[j]] += 1
    return base


def _split_groups_numpy(total: np.ndarray, group: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """The NumPy reference of :func:`split_groups` (a test holds the two together). Split ``total[g]`` among the items of each group ``g`` in proportion to ``weights``.

    Parameters
    ----------
    total : int64 (G,)
        Amount per group.
    group : int (n,)
        Group of each item.
    weights : float (n,)
        Item weights (non-negative).
    tiebreak : int (n,)
        Stable item ids for equal remainders.

    Returns
    -------
    int64 (n,) with ``np.bincount(group, result) == total`` wherever a group has weight.
    """
    n = group.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    G = total.shape[0]
    wsum = np.bincount(group, weights=weights, minlength=G)
    safe = np.where(wsum > 0, wsum, 1.0)
    exact = total[group] * (weights / safe[group])
    base = np.floor(exact).astype(np.int64)
    got = np.bincount(group, weights=base, minlength=G).astype(np.int64)
    short = np.where(wsum > 0, total - got, 0)
    rem = np.where(weights > 0, exact - base, -1.0)
    order = np.lexsort((tiebreak, -rem, group))
    g_sorted = group[order]
    starts = np.searchsorted(g_sorted, np.arange(G))
    rank_in_group = np.arange(n) - starts[g_sorted]
    give = rank_in_group < short[g_sorted]
    base[order[give]] += 1
    return base


def split_groups_multi(totals: np.ndarray, group: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """:func:`split_groups` for several payers at once: ``totals`` (P, G) over the same items.

    Returns int64 (P, n): row ``p`` is exactly ``split_groups(totals[p], group, weights, tiebreak)``.
    """
    P = totals.shape[0]
    if group.shape[0] == 0:
        return np.zeros((P, 0), dtype=np.int64)
    return _split_multi_kernel(np.asarray(totals, dtype=np.int64), np.asarray(group, dtype=np.int64),
                               np.asarray(weights, dtype=np.float64), np.asarray(tiebreak, dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def _split_multi_kernel(totals, group, weights, tiebreak):  # pragma: no cover - compiled
    out = np.empty((totals.shape[0], group.shape[0]), dtype=np.int64)
    for p in range(totals.shape[0]):
        out[p] = _split_groups_kernel(totals[p], group, weights, tiebreak)
    return out
