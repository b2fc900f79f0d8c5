"""Step 5, market: buyers' domestic share stays a share and respects local-content floors."""

from __future__ import annotations

import numpy as np

from zili.model import market

from toy import money_events, scenario, simulate, trace


def test_domestic_share_is_a_share_and_respects_local_content(monkeypatch):
    shares = trace(monkeypatch, market, lambda st, w, k, out: st.dom_share.copy())
    lc = {"kind": "local_content", "name": "whitelist", "announce": 2015, "effect": 2016, "end": 2018,
          "nodes": ["battery_cells"], "min_domestic_share": 0.95}
    run = simulate(scenario(money_events() + [lc], firms=400))
    n = run.world.node("battery_cells")
    for k, s in enumerate(shares):
        assert ((s >= 0) & (s <= 1)).all()
        if 2016 <= run.world.years[k] <= 2018:
            assert (s[:, n, :] >= 0.95).all()
    assert (shares[0][:, n, :] < 0.95).any()  # the floor is what lifted it


def test_domestic_share_moves_gradually(monkeypatch):
    """Buyers close at most 1/qualification_lag of the gap to their target each year."""
    shares = trace(monkeypatch, market, lambda st, w, k, out: st.dom_share.copy())
    run = simulate(scenario(money_events(), firms=300, replicates=1))
    lag = run.world.params.qualification_lag_years
    prev = np.broadcast_to(run.world.ss0, shares[0].shape)
    for s in shares:
        assert (np.abs(s - prev) <= 1.0 / lag + 1e-12).all()
        prev = s


def test_nev_share_is_a_share(money_run):
    v = money_run.traj.metric("nev_sales_share").values
    assert ((v > 0) & (v < 1)).all()


def test_tier_sums_are_group_sums_bit_for_bit():
    """The fused pass of capacity and capacity x capability by (node, tier) gives exactly the two
    group sums it replaces (same order of adds), on strided windows too."""
    from zili.model.groups import group_sum
    from zili.model.market import _tier_sums

    gen = np.random.default_rng(7)
    R, M, N = 3, 4000, 9
    node, tier = gen.integers(0, N, (R, M)), gen.integers(0, 2, (R, M))
    alive = gen.random((R, M)) < 0.7
    capa, cap = gen.random((R, M)) * 5, gen.random((R, M))
    for sl in (slice(None), slice(0, M, 3)):  # contiguous and strided
        a, t, al, c, k = node[:, sl], tier[:, sl], alive[:, sl], capa[:, sl], cap[:, sl]
        w, cw = _tier_sums(a, t, al, c, k, N)
        key = a * 2 + t
        assert np.array_equal(w, group_sum(c, key, 2 * N, al)) and np.array_equal(cw, group_sum(c * k, key, 2 * N, al))
        assert (w > 0).all() and not np.array_equal(w, group_sum(c, key, 2 * N))  # dead firms are left out
