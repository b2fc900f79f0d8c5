"""Integer money: amounts are int64 RMB thousand and are split by largest remainder.

Splitting by largest remainder (Hamilton's method) gives integer parts that add up to
the whole exactly, so every payer's, fund's and firm's books balance to the yuan-thousand.
Ties in the remainders are broken by a stable id, never by array position.
"""

from __future__ import annotations

import numba
import numpy as np

THOUSAND_PER_BN = 1_000_000


def to_thousand(rmb_bn: np.ndarray | float, xp=np) -> np.ndarray:
    """RMB bn (float) -> int64 RMB thousand, rounded to nearest (``xp``: the array module, NumPy or jax.numpy)."""
    return xp.rint(xp.asarray(rmb_bn, dtype=xp.float64) * THOUSAND_PER_BN).astype(xp.int64)


def to_bn(thousand: np.ndarray | int) -> np.ndarray:
    """int64 RMB thousand -> float RMB bn."""
    return np.asarray(thousand, dtype=np.float64) / THOUSAND_PER_BN


def split(total: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Split integer totals across the last axis in proportion to weights, exactly.

    Largest remainder per row, equal remainders ranked by ``tiebreak`` (lower first),
    zero-weight slots never receive. One compiled pass (numba), bit for bit the NumPy
    reference :func:`_split_numpy` (its row sums are NumPy's pairwise sums, replicated).

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
    w = np.asarray(weights, dtype=np.float64)
    t = np.asarray(total, dtype=np.int64)
    K = w.shape[-1]
    shape = w.shape[:-1] if t.shape == w.shape[:-1] else np.broadcast_shapes(t.shape, w.shape[:-1])
    # (the common case, arrays already of the full shape, takes no copies: small splits are frequent)
    w2 = w.reshape(-1, K) if w.shape[:-1] == shape and w.flags.c_contiguous else np.ascontiguousarray(np.broadcast_to(w, shape + (K,))).reshape(-1, K)
    t2 = t.reshape(-1) if t.shape == shape and t.flags.c_contiguous else np.ascontiguousarray(np.broadcast_to(t, shape)).reshape(-1)
    tb = np.arange(K) if tiebreak is None else np.asarray(tiebreak)
    tb2 = tb.astype(np.int64).reshape(1, K) if tb.ndim == 1 else np.ascontiguousarray(np.broadcast_to(tb, shape + (K,))).reshape(-1, K).astype(np.int64)
    return _split_kernel(t2, w2, tb2).reshape(shape + (K,))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _pairwise_block(a, lo, n):  # pragma: no cover - compiled
    """NumPy's pairwise sum of ``a[lo:lo+n]`` for n <= 128: eight running sums, then the rest."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _pairwise_sum(a, lo, n):  # pragma: no cover - compiled
    """NumPy's pairwise summation of ``a[lo:lo+n]`` (as ``ndarray.sum`` over a contiguous last axis):
    blocks of at most 128 summed by :func:`_pairwise_block`, halves (cut at a multiple of 8) added
    left + right. Evaluated with an explicit stack (numba's cache does not keep recursive functions)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    s_lo, s_n, s_st = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64), np.zeros(64, dtype=np.int64)
    vals = np.empty(64)
    top, nv = 0, 0
    s_lo[0], s_n[0], s_st[0] = lo, n, 0
    while top >= 0:
        lo_, n_ = s_lo[top], s_n[top]
        if n_ <= 128:
            vals[nv] = _pairwise_block(a, lo_, n_)
            nv += 1
            top -= 1
            continue
        n2 = n_ // 2
        n2 -= n2 % 8
        if s_st[top] == 0:  # left half first
            s_st[top] = 1
            top += 1
            s_lo[top], s_n[top], s_st[top] = lo_, n2, 0
        elif s_st[top] == 1:  # then the right half
            s_st[top] = 2
            top += 1
            s_lo[top], s_n[top], s_st[top] = lo_ + n2, n_ - n2, 0
        else:  # both done: left + right
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
            top -= 1
    return vals[0]


@numba.njit(numba.int64[:, :](numba.types.Array(numba.int64, 1, "A", readonly=True), numba.types.Array(numba.float64, 2, "A", readonly=True),
                              numba.types.Array(numba.int64, 2, "A", readonly=True)), cache=True, nogil=True, error_model="numpy")
def _split_kernel(total, w, tb):  # pragma: no cover - compiled
    rows, K = w.shape
    out = np.empty((rows, K), dtype=np.int64)
    exact = np.empty(K)
    rem = np.empty(K)
    for q in range(rows):
        wq = w[q]
        wsum = 0.0 + _pairwise_sum(wq, 0, K)
        safe = wsum if wsum > 0 else 1.0
        t = total[q]
        got = np.int64(0)
        for j in range(K):
            exact[j] = t * (wq[j] / safe)
            out[q, j] = np.int64(np.floor(exact[j]))
            got += out[q, j]
        if got > t:  # guard against float error pushing the floor sum above the total
            got = np.int64(0)
            for j in range(K):
                out[q, j] = np.int64(np.floor(exact[j] * (1 - 1e-12)))
                got += out[q, j]
        short = t - got
        if short <= 0:
            continue
        for j in range(K):
            rem[j] = exact[j] - out[q, j] if wq[j] > 0 else -1.0
        tq = tb[0] if tb.shape[0] == 1 else tb[q]
        order = np.argsort(tq, kind="mergesort")
        order = order[np.argsort(-rem[order], kind="mergesort")]
        for j in range(min(short, K)):
            out[q, order[j]] += 1
    return out


def _split_numpy(total: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """The NumPy reference of :func:`split`: same parameters, same result (a test holds the two together)."""
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
    return split_groups_multi(np.asarray(total, dtype=np.int64)[None, :], group, weights, tiebreak)[0]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _quickselect(a, k):  # pragma: no cover - compiled
    """The ``k``-th largest value of ``a`` (1 <= k <= a.size; ``a`` is reordered in place): what
    sorting descending and reading place k - 1 gives, by quickselect (median-of-three pivot,
    three-way partition, so runs of equal values end it at once). Expected time linear in the
    size, against n log n for the sort; ``np.partition`` would add some 8 s to the first compile
    on a new machine."""
    lo, hi, want = 0, a.shape[0] - 1, k - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        x, y, z = a[lo], a[mid], a[hi]
        p = max(min(x, y), min(max(x, y), z))  # the median of the three
        lt, i, gt = lo, lo, hi  # a[lo:lt] > p, a[lt:i] == p, a[gt + 1:hi + 1] < p
        while i <= gt:
            v = a[i]
            if v > p:
                a[i], a[lt] = a[lt], v
                lt += 1
                i += 1
            elif v < p:
                a[i], a[gt] = a[gt], v
                gt -= 1
            else:
                i += 1
        if want < lt:
            hi = lt - 1
        elif want > gt:
            lo = gt + 1
        else:
            return p
    return a[lo]


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _floor_share(i, g, tp, share, weights, op, got, rem):  # pragma: no cover - compiled
    """Item ``i`` of group ``g``: the floor of its share of the payer's total ``tp[g]`` into ``op``
    (added to ``got[g]``), and its remainder into ``rem`` (-1 for a zero weight, which gets nothing more)."""
    ex = tp[g] * share[i]
    b = np.int64(np.floor(ex))
    op[i] = b
    got[g] += b
    rem[i] = ex - b if weights[i] > 0 else -1.0


REM_BUCKETS = 128  # buckets of [0, 1) in which _kth_largest first counts a group's remainders


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _kth_largest(a, k, count):  # pragma: no cover - compiled
    """The ``k``-th largest value of ``a`` (1 <= k <= a.size; ``a`` is reordered in place), as
    :func:`_quickselect` gives it, for remainders: values in [0, 1) are first counted in
    :data:`REM_BUCKETS` equal buckets (below 0 in one more; ``count`` is a buffer of
    REM_BUCKETS + 1), the bucket holding the k-th largest is found from the top, and only its
    values are selected among. The buckets are ordered by value whatever the values, so the
    result is exact for any finite input; for remainders, spread over [0, 1), it costs about two
    branch-free passes instead of a quickselect's mispredicted branches over the whole group."""
    n = a.shape[0]
    B = REM_BUCKETS
    count[:] = 0
    for j in range(n):
        v = a[j]
        count[0 if v < 0 else 1 + np.int64(min(v * B, B - 1.0))] += 1  # (clamped as a float: no overflow)
    b, above = B, 0  # from the top bucket down: values in buckets above b
    while above + count[b] < k:
        above += count[b]
        b -= 1
    c = 0
    for j in range(n):  # the bucket's values to the front (c <= j: nothing unread is overwritten)
        v = a[j]
        if (0 if v < 0 else 1 + np.int64(min(v * B, B - 1.0))) == b:
            a[c] = v
            c += 1
    return _quickselect(a[:c], k - above)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _split_groups_kernel(totals, group, weights, tiebreak):  # pragma: no cover - compiled
    """:func:`split_groups` for each row of ``totals`` (P, G) over the same items: the group
    structure (weight sums, items by group then tiebreak) is built once for all rows."""
    P, G = totals.shape
    n = group.shape[0]
    wsum = np.zeros(G)
    for i in range(n):
        wsum[group[i]] += weights[i]
    # items ordered by group (counting sort), within a group by tiebreak (ascending)
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
        if start[g + 1] - start[g] > 1:
            seg = order[start[g]:start[g + 1]]
            ordered = True  # (items often come in tiebreak order already: then no sort)
            for j in range(1, seg.shape[0]):
                ordered &= tiebreak[seg[j - 1]] <= tiebreak[seg[j]]
            if not ordered:
                seg[:] = seg[np.argsort(tiebreak[seg], kind="mergesort")]
    share = np.empty(n)  # each item's share of its group's total, the same for every row
    for i in range(n):
        g = group[i]
        share[i] = weights[i] / (wsum[g] if wsum[g] > 0 else 1.0)
    out = np.zeros((P, n), dtype=np.int64)
    rem = np.empty(n)
    got = np.zeros(G, dtype=np.int64)
    buf = np.empty(n, dtype=np.int64)
    pool = np.empty(n)  # one group's remainders, reordered in finding the threshold
    count = np.empty(REM_BUCKETS + 1, dtype=np.int64)
    for p in range(P):
        got[:] = 0
        tp, op = totals[p], out[p]
        funded = 0
        for g in range(G):
            funded += tp[g] != 0
        if 4 * funded < G:  # a payer with money for few groups (a province's, in the provincial fund): group by group,
            for g in range(G):  # the other groups' items keep 0
                if tp[g] != 0:
                    for j in range(start[g], start[g + 1]):
                        _floor_share(order[j], g, tp, share, weights, op, got, rem)
        else:  # item by item (the same values)
            for i in range(n):
                _floor_share(i, group[i], tp, share, weights, op, got, rem)
        # the first ``short`` items of a group by remainder (descending), then tiebreak, get one more
        for g in range(G):
            short = tp[g] - got[g] if wsum[g] > 0 else 0
            if short <= 0:
                continue
            s, L = start[g], start[g + 1] - start[g]
            if short >= L:
                for j in range(s, s + L):
                    op[order[j]] += 1
                continue
            if L <= 64:  # stable insertion sort by remainder: ties keep the tiebreak order
                for j in range(L):
                    item, r = order[s + j], rem[order[s + j]]
                    q = j
                    while q > 0 and rem[buf[q - 1]] < r:
                        buf[q] = buf[q - 1]
                        q -= 1
                    buf[q] = item
                for j in range(short):
                    op[buf[j]] += 1
            else:  # the short-th largest remainder is the threshold; every item above it gets one,
                # then the first ones at it in tiebreak order
                for j in range(L):
                    pool[j] = rem[order[s + j]]
                thr = _kth_largest(pool[:L], short, count)
                left = short
                for j in range(L):
                    it = order[s + j]
                    if rem[it] > thr:
                        op[it] += 1
                        left -= 1
                for j in range(L):
                    if left == 0:
                        break
                    it = order[s + j]
                    if rem[it] == thr:
                        op[it] += 1
                        left -= 1
    return out


def _split_groups_numpy(total: np.ndarray, group: np.ndarray, weights: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """The NumPy reference of :func:`split_groups`: same parameters, same result (a test holds the two together)."""
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
    return _split_groups_kernel(np.ascontiguousarray(totals, dtype=np.int64), np.asarray(group, dtype=np.int64),
                                np.asarray(weights, dtype=np.float64), np.asarray(tiebreak, dtype=np.int64))
