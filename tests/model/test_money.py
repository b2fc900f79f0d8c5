"""Integer money: split and split_groups are exact, proportional and keyed on ids."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zili.model.money import THOUSAND_PER_BN, split, split_groups, split_groups_multi, to_bn, to_thousand

weights_st = st.lists(st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=30)
totals_st = st.integers(0, 10**13)


def test_to_thousand_rounds_to_nearest_and_round_trips():
    assert to_thousand(1.5).item() == 1_500_000
    assert to_thousand(0.0000014).item() == 1  # 1.4 thousand -> 1
    assert to_thousand(0.0000016).item() == 2
    amounts = np.array([0, 1, 7, 123_456_789_012], dtype=np.int64)
    assert np.array_equal(to_thousand(to_bn(amounts)), amounts)
    assert THOUSAND_PER_BN == 1_000_000


def test_split_known_answer_largest_remainder():
    # 10 in proportion 1:1:1 -> 3.33 each; one extra unit goes to the lowest id
    assert split(np.array(10), np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    # remainders .5/.3/.2 of 7 * (0.5, 0.3, 0.2) = 3.5, 2.1, 1.4 -> floor 3,2,1 (6), one more to the largest remainder
    assert split(np.array(7), np.array([0.5, 0.3, 0.2])).tolist() == [4, 2, 1]


def test_split_zero_weight_gets_nothing():
    out = split(np.array(5), np.array([0.0, 1.0, 0.0, 1.0]))
    assert out[0] == 0 and out[2] == 0 and out.sum() == 5


def test_split_tiebreak_is_by_id_not_position():
    w = np.ones(3)
    # ids 30, 10, 20: the single extra unit of 4 goes to id 10 (position 1)
    assert split(np.array(4), w, np.array([30, 10, 20])).tolist() == [1, 2, 1]


def test_split_batched_rows_are_independent():
    totals = np.array([10, 0, 7])
    w = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.5, 0.3, 0.2]])
    out = split(totals, w)
    assert out.tolist() == [[4, 3, 3], [0, 0, 0], [4, 2, 1]]


@settings(max_examples=200, deadline=None)
@given(total=totals_st, weights=weights_st)
def test_split_exact_and_proportional(total, weights):
    w = np.array(weights)
    if w.sum() == 0:
        total = 0
    out = split(np.array(total), w)
    assert out.dtype == np.int64
    assert out.sum() == total
    assert (out >= 0).all()
    assert (out[w == 0] == 0).all()
    if w.sum() > 0:
        exact = total * w / w.sum()
        # Hamilton's method: each part within one unit of its exact quota (float slack for 1e13-sized totals)
        assert np.all(np.abs(out - exact) <= 1.0 + 1e-9 * max(total, 1))


@settings(max_examples=150, deadline=None)
@given(total=totals_st, weights=weights_st, data=st.data())
def test_split_permutation_gives_same_allocation_per_id(total, weights, data):
    w = np.array(weights)
    if w.sum() == 0:
        total = 0
    ids = np.array(data.draw(st.permutations(list(range(100, 100 + len(w))))))
    perm = np.array(data.draw(st.permutations(list(range(len(w))))))
    a = split(np.array(total), w, ids)
    b = split(np.array(total), w[perm], ids[perm])
    assert dict(zip(ids.tolist(), a.tolist())) == dict(zip(ids[perm].tolist(), b.tolist()))


@settings(max_examples=100, deadline=None)
@given(
    items=st.lists(st.tuples(st.integers(0, 4), st.floats(0.0, 1e4, allow_nan=False)), min_size=1, max_size=40),
    totals=st.lists(st.integers(0, 10**12), min_size=5, max_size=5),
    data=st.data(),
)
def test_split_groups_exact_proportional_and_order_free(items, totals, data):
    group = np.array([g for g, _ in items])
    w = np.array([x for _, x in items])
    total = np.array(totals, dtype=np.int64)
    wsum = np.bincount(group, weights=w, minlength=5)
    total = np.where(wsum > 0, total, 0)
    ids = np.arange(len(items)) * 3 + 11
    out = split_groups(total, group, w, ids)
    assert out.dtype == np.int64 and (out >= 0).all()
    got = np.zeros(5, dtype=np.int64)
    np.add.at(got, group, out)
    assert np.array_equal(got, total)
    assert (out[w == 0] == 0).all()
    exact = np.where(wsum[group] > 0, total[group] * w / np.where(wsum[group] > 0, wsum[group], 1), 0)
    assert np.all(np.abs(out - exact) <= 1.0 + 1e-9 * max(int(total.max()), 1))
    perm = np.array(data.draw(st.permutations(list(range(len(items))))))
    out_p = split_groups(total, group[perm], w[perm], ids[perm])
    assert dict(zip(ids.tolist(), out.tolist())) == dict(zip(ids[perm].tolist(), out_p.tolist()))


def test_split_groups_tie_goes_to_lowest_id_in_group():
    group = np.array([0, 0, 1, 1, 1])
    w = np.ones(5)
    ids = np.array([9, 2, 50, 40, 60])
    out = split_groups(np.array([3, 4]), group, w, ids)
    # group 0: 1.5 each, extra to id 2; group 1: 4/3 each, extra to id 40
    assert out.tolist() == [1, 2, 1, 2, 1]


def test_split_groups_empty():
    assert split_groups(np.array([5]), np.zeros(0, dtype=int), np.zeros(0), np.zeros(0, dtype=int)).shape == (0,)


# exact while totals stay below 2**53 RMB thousand (9 bn bn RMB): far above any real amount
@pytest.mark.parametrize("total", [1, 10**15, 2**53 - 1])
def test_split_large_totals_stay_exact(total):
    w = np.array([1 / 3, 1 / 3, 1 / 3, 1e-9])
    assert split(np.array(total), w).sum() == total


def test_split_groups_multi_is_each_payer_split_alone():
    gen = np.random.default_rng(3)
    group = gen.integers(0, 5, 40)
    w = gen.random(40) * (gen.random(40) > 0.2)
    ids = gen.permutation(1000)[:40]
    totals = gen.integers(0, 10_000, (4, 5))
    out = split_groups_multi(totals, group, w, ids)
    assert out.shape == (4, 40)
    for p in range(4):
        assert np.array_equal(out[p], split_groups(totals[p], group, w, ids))


@pytest.mark.parametrize("seed", range(5))
def test_compiled_split_groups_matches_the_numpy_reference(seed):
    from zili.model.money import _split_groups_numpy

    gen = np.random.default_rng(seed)
    n, G = int(gen.integers(1, 400)), int(gen.integers(1, 30))
    group = gen.integers(0, G, n)
    w = gen.random(n) * (gen.random(n) > 0.1)
    w[gen.random(n) < 0.2] = 1.0  # many equal remainders: the tiebreak decides
    ids = gen.permutation(10 * n)[:n]
    total = gen.integers(0, 50_000, G)
    out = split_groups(total, group, w, ids)
    assert np.array_equal(out, _split_groups_numpy(total, group, w, ids))
    has = np.bincount(group, weights=w, minlength=G) > 0
    assert np.array_equal(np.bincount(group, weights=out, minlength=G)[has], total[has])


@pytest.mark.parametrize("seed", range(4))
def test_compiled_split_groups_large_groups_with_ties_match_the_reference(seed):
    """Groups of more than 64 items (the kernel's threshold branch) where the remainders at the cut
    tie: the extra units go to the lowest ids among the tied, as in the reference's full sort."""
    from zili.model.money import _split_groups_numpy

    gen = np.random.default_rng(100 + seed)
    n, G = 3000, 3
    group = gen.integers(0, G, n)
    w = np.where(gen.random(n) < 0.5, 1.0, gen.integers(1, 4, n).astype(float))  # few distinct remainders
    w[gen.random(n) < 0.05] = 0.0
    ids = gen.permutation(10 * n)[:n]
    totals = gen.integers(0, 10**7, (3, G))
    out = split_groups_multi(totals, group, w, ids)
    for p in range(3):
        assert np.array_equal(out[p], _split_groups_numpy(totals[p], group, w, ids))


@pytest.mark.parametrize("K", [1, 5, 43, 129, 1333])
def test_compiled_split_matches_the_numpy_reference(K):
    from zili.model.money import _split_numpy

    gen = np.random.default_rng(K)
    w = gen.random((3, 7, K)) ** 3 * (gen.random((3, 7, K)) > 0.1)
    w[0, 0] = 0.0  # a row without weight receives nothing
    w[1, :, : max(K // 2, 1)] = 1.0  # equal remainders: the tiebreak decides
    total = np.where(w.sum(axis=-1) > 0, gen.integers(0, 10**9, (3, 7)), 0)
    for tb in (None, gen.permutation(K), gen.permutation(3 * 7 * K).reshape(3, 7, K)):
        out = split(total, w, tb)
        assert np.array_equal(out, _split_numpy(total, w, tb))
        assert np.array_equal(out.sum(axis=-1), total)


@pytest.mark.parametrize("n", [0, 3, 8, 43, 128, 129, 1000, 5000])
def test_pairwise_sum_is_numpys(n):
    from zili.model.money import _pairwise_sum

    a = np.random.default_rng(n).random((2, n)) ** 5
    assert 0.0 + _pairwise_sum(a[1], 0, n) == a.sum(axis=1)[1]


@pytest.mark.parametrize("seed", range(6))
def test_kth_largest_is_the_sorted_value(seed):
    """The quickselect of the split's threshold gives the value sorting gives, with ties, runs of
    equal values, sorted and reversed input, and every k."""
    from zili.model.money import REM_BUCKETS, _kth_largest, _quickselect

    gen = np.random.default_rng(seed)
    n = int(gen.integers(1, 300))
    cases = [gen.random(n), gen.integers(0, 4, n).astype(float), np.full(n, 0.25), np.sort(gen.random(n)),
             np.sort(gen.random(n))[::-1].copy(), np.where(gen.random(n) < 0.3, -1.0, gen.random(n))]
    for x in cases:
        want = np.sort(x)[::-1]
        for k in {1, n, int(gen.integers(1, n + 1)), (n + 1) // 2}:
            assert _quickselect(x.copy(), k) == want[k - 1]
            assert _kth_largest(x.copy(), k, np.empty(REM_BUCKETS + 1, dtype=np.int64)) == want[k - 1]
            assert _kth_largest(x * 7 - 3, k, np.empty(REM_BUCKETS + 1, dtype=np.int64)) == (want * 7 - 3)[k - 1]  # beyond [0, 1)
            assert _kth_largest(x * 1e300, k, np.empty(REM_BUCKETS + 1, dtype=np.int64)) == (want * 1e300)[k - 1]  # far beyond


@pytest.mark.parametrize("seed", range(4))
def test_compiled_split_groups_with_payers_funding_few_groups_match_the_reference(seed):
    """Payers with money for a few groups only (a province's payer in the provincial fund: the
    kernel goes group by group for them) and payers funding every group, in one call: each row is
    the NumPy reference's split of that payer's totals alone."""
    from zili.model.money import _split_groups_kernel, _split_groups_numpy

    gen = np.random.default_rng(seed)
    n, N, V = 900, 11, 8
    G = N * V
    group = gen.integers(0, G, n)
    weights = np.where(gen.random(n) < 0.05, 0.0, gen.lognormal(0, 1, n))
    tie = gen.permutation(n).astype(np.int64)
    totals = np.zeros((V + 1, G), dtype=np.int64)
    for v in range(V):  # payer v funds its province's groups only
        totals[v, v::V] = gen.integers(0, 10**6, N)
    totals[V] = gen.integers(0, 10**5, G)  # a national payer funds every group
    got = _split_groups_kernel(totals, group, weights, tie)
    for p in range(V + 1):
        assert np.array_equal(got[p], _split_groups_numpy(totals[p], group, weights, tie))
    assert (got[:V].sum(axis=1) > 0).all()
