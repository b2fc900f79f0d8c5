"""Group sums over firms per replicate: exact for money, batch-independent for floats."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zili.model.groups import _group_sum_numpy, group_max, group_sum, group_sum_int


def _loop_sum(values, key, G, mask=None):
    R, M = values.shape
    out = np.zeros((R, G), dtype=values.dtype)
    for r in range(R):
        for m in range(M):
            if mask is None or mask[r, m]:
                out[r, key[r, m]] += values[r, m]
    return out


@settings(max_examples=60, deadline=None)
@given(R=st.integers(1, 4), M=st.integers(0, 30), G=st.integers(1, 6), seed=st.integers(0, 2**31))
def test_group_sums_match_loops(R, M, G, seed):
    rng = np.random.default_rng(seed)
    key = rng.integers(0, G, (R, M))
    mask = rng.random((R, M)) < 0.7
    fv = rng.random((R, M)) * 100
    iv = rng.integers(-(10**15), 10**15, (R, M))
    assert np.allclose(group_sum(fv, key, G, mask), _loop_sum(fv, key, G, mask))
    for m in (None, mask):  # the compiled pass is the bincount reference bit for bit
        assert np.array_equal(group_sum(fv, key, G, m), _group_sum_numpy(fv, key, G, m))
    w = np.broadcast_to(rng.random(M), (R, M))  # a per-slot weight broadcast over replicates
    assert np.array_equal(group_sum(w, key, G, mask), _group_sum_numpy(w, key, G, mask))
    got = group_sum_int(iv, key, G, mask)
    assert got.dtype == np.int64 and np.array_equal(got, _loop_sum(iv, key, G, mask))  # exact beyond 2**53
    mx = group_max(fv, key, G, mask, fill=-1.0)
    for r in range(R):
        for g in range(G):
            sel = mask[r] & (key[r] == g)
            assert mx[r, g] == (fv[r][sel].max() if sel.any() else -1.0)


def test_group_sum_of_a_replicate_is_the_same_alone_or_in_a_batch():
    rng = np.random.default_rng(1)
    fv = rng.random((5, 10_000)) * 1e6
    key = rng.integers(0, 64, (5, 10_000))
    batch = group_sum(fv, key, 64)
    for r in range(5):
        assert np.array_equal(group_sum(fv[r : r + 1], key[r : r + 1], 64)[0], batch[r])


@pytest.mark.parametrize("hi", [2, 300, 2_049, 25_035, 130_000, 5_000_000, 2**34])  # 1-4 passes of 1-11 bits (2_049: two of 6)
@pytest.mark.parametrize("n", [0, 1, 255, 256, 4_700])  # the merge sort below 256, the radix sort from 256
def test_key_order_is_the_stable_argsort(n, hi):
    """The order of integer keys (a radix sort) is the permutation a stable np.argsort gives: on
    distinct slots, on the sorted runs the layout's nodes produce (a fund's picks), and on keys
    with repeats (a firm's deal rows from several payers)."""
    from zili.model.groups import key_order

    gen = np.random.default_rng(n + hi)
    n = min(n, hi)
    slots = gen.choice(hi, n, replace=False).astype(np.int64)
    runs = np.concatenate([np.sort(part) for part in np.array_split(slots, 7)])  # sorted runs, as node by node
    repeats = np.concatenate([slots, slots[: n // 3]])[::-1].copy()
    for x in (slots, runs, repeats):
        o = key_order(x, hi)
        assert o.dtype == np.int64 and np.array_equal(o, np.argsort(x, kind="stable"))
