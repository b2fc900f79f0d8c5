"""Keyed random streams: a draw depends only on (entropy, replicate, year, step, sub, id)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zili.model import rng

ENT = rng.root_entropy(12345)


def keys(reps=(0, 1, 2), year=2020, step="innovation", sub=0, entropy=ENT):
    return rng.stream_keys(entropy, np.array(reps), year, step, sub)


def test_root_entropy_is_deterministic_and_seed_dependent():
    assert rng.root_entropy(1) == rng.root_entropy(1)
    assert rng.root_entropy(1) != rng.root_entropy(2)
    assert isinstance(rng.root_entropy(1), int)


def test_stream_key_of_a_replicate_does_not_depend_on_the_batch():
    k_batch = keys(reps=(5, 0, 3))
    for pos, r in enumerate((5, 0, 3)):
        assert k_batch[pos] == keys(reps=(r,))[0]


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.integers(0, 10**9), min_size=1, max_size=50, unique=True), data=st.data())
def test_uniform_same_id_same_draw_regardless_of_position_or_company(ids, data):
    ids = np.array(ids)
    full = rng.uniform(keys(), ids)
    perm = np.array(data.draw(st.permutations(list(range(len(ids))))))
    subset = perm[: data.draw(st.integers(1, len(ids)))]
    part = rng.uniform(keys(), ids[subset])
    assert np.array_equal(part, full[:, subset])
    # and a replicate alone gives its batch row
    alone = rng.uniform(keys(reps=(1,)), ids)
    assert np.array_equal(alone[0], full[1])


@pytest.mark.parametrize("fn", [rng.uniform, rng.normal, rng.gumbel])
def test_all_draw_kinds_are_keyed_on_ids(fn):
    ids = np.arange(1000, 1200)
    perm = np.random.default_rng(0).permutation(len(ids))
    a = fn(keys(), ids)
    b = fn(keys(), ids[perm])
    assert np.array_equal(a[:, perm], b)


def test_uniform_is_in_open_unit_interval_and_uniform():
    u = rng.uniform(keys(reps=range(4)), np.arange(50_000))
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005  # sd of mean of 200k uniforms is 0.00065
    hist, _ = np.histogram(u, bins=20, range=(0, 1))
    expected = u.size / 20
    chi2 = ((hist - expected) ** 2 / expected).sum()
    assert chi2 < 60  # chi-square, 19 dof: p < 1e-5 above 50


def test_extreme_ids_stay_in_open_interval():
    ids = np.array([0, 1, 2**62, 2**63 - 1], dtype=np.int64)
    u = rng.uniform(keys(), ids)
    assert np.all((u > 0) & (u < 1))
    assert np.all(np.isfinite(rng.gumbel(keys(), ids)))
    assert np.all(np.isfinite(rng.normal(keys(), ids)))


def test_normal_moments():
    z = rng.normal(keys(reps=range(4)), np.arange(50_000))
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


@pytest.mark.parametrize(
    "other",
    [
        dict(step="finance"),
        dict(year=2021),
        dict(sub=1),
        dict(entropy=rng.root_entropy(54321)),
    ],
)
def test_different_keys_give_different_streams(other):
    ids = np.arange(2000)
    a = rng.uniform(keys(), ids)
    b = rng.uniform(keys(**other), ids)
    assert not np.any(a == b)  # independent 53-bit draws essentially never coincide
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.05


def test_replicates_differ():
    u = rng.uniform(keys(reps=(0, 1)), np.arange(2000))
    assert not np.any(u[0] == u[1])


def test_step_codes_are_distinct():
    assert len(set(rng.STEPS.values())) == len(rng.STEPS)


def test_stream_keys_distinct_across_steps_years_subs():
    seen = set()
    for step in rng.STEPS:
        for year in range(2010, 2040):
            for sub in range(4):
                seen.add(int(keys(reps=(0,), year=year, step=step, sub=sub)[0]))
    assert len(seen) == len(rng.STEPS) * 30 * 4


def test_compiled_uniform_is_the_numpy_reference_bit_for_bit():
    """The fused kernel and the NumPy reference give the same bits for every id layout the core uses."""
    keys = rng.stream_keys(12345, np.arange(3), 2021, "capital", 4)
    layouts = (np.arange(1000), np.arange(3000).reshape(3, 1000) * 7 + 3, np.array([[2**40, 5]]), np.arange(0),
               np.arange(3000).reshape(1000, 3).T)  # non-contiguous rows
    for ids in layouts:
        assert np.array_equal(rng.uniform(keys, ids), rng._uniform_numpy(keys, ids))


def test_stream_keys_for_many_subs_are_each_subs_keys():
    reps = np.array([0, 1, 5])
    many = rng.stream_keys(12345, reps, 2020, "capital", np.arange(4))
    assert many.shape == (4, 3)
    for u in range(4):
        assert np.array_equal(many[u], rng.stream_keys(12345, reps, 2020, "capital", u))


def test_uniform_items_are_the_slot_draws():
    keys = rng.stream_keys(7, np.array([0, 1, 2]), 2019, "entry")
    ids = np.arange(100, 160).reshape(3, 20)
    full = rng.uniform(keys, ids)
    rows, cols = np.array([2, 0, 1, 2]), np.array([5, 19, 0, 7])
    assert np.array_equal(rng.uniform_items(keys, rows, ids[rows, cols]), full[rows, cols])


@pytest.mark.parametrize("sub", [0, 7, np.arange(5), np.array([3, 0, 11])])
def test_stream_keys_kernel_is_the_numpy_reference(sub):
    entropy = 2**100 + 12345  # wider than 64 bits, as SeedSequence entropy can be
    for reps in (np.arange(1), np.array([0, 4, 9])):
        fast = rng.stream_keys(entropy, reps, 2024, "finance", sub)
        ref = rng._stream_keys_numpy(entropy, reps, 2024, "finance", sub)
        assert fast.dtype == np.uint64 and fast.shape == ref.shape and np.array_equal(fast, ref)


def test_uniform_mixed_into_is_one_streams_uniforms():
    keys = rng.stream_keys(99, np.arange(2), 2020, "capital", 5)
    ids = np.array([[7, 0], [123456789, 42]], dtype=np.int64)
    mixed = rng.mix_ids(ids)
    assert mixed.shape == ids.shape and mixed.dtype == np.uint64
    got = rng.uniform_mixed_into(keys[1], mixed.reshape(-1), np.empty(4))
    assert np.array_equal(got, rng._uniform_numpy(keys[1:2], ids.reshape(-1))[0])
