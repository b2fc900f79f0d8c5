"""Step 4, innovation: firm capability stays relative to the frontier; national capability K
is the capacity-weighted mean of alive firms (drift where a node-tier has no capacity)."""

from __future__ import annotations

import numpy as np

from zili.model import innovation

from toy import export_control, money_events, scenario, simulate, trace


def _snapshot(st, w, k, out):
    return {"K": st.K.copy(), "cap": st.cap.copy(), "capa": st.capa.copy(), "alive": st.alive.copy(),
            "node": st.node.copy(), "tier": st.tier.copy()}


def test_national_capability_is_capacity_weighted_mean(monkeypatch):
    seen = trace(monkeypatch, innovation, _snapshot)
    run = simulate(scenario(money_events(), firms=400))
    N = len(run.world.names["node"])
    prev = np.broadcast_to(run.world.cap0, seen[0]["K"].shape)
    for k, s in enumerate(seen):
        for r in range(s["K"].shape[0]):
            a = s["alive"][r]
            key = s["node"][r][a] * 2 + s["tier"][r][a]
            w = np.bincount(key, weights=s["capa"][r][a], minlength=2 * N)
            cw = np.bincount(key, weights=(s["capa"][r] * s["cap"][r])[a], minlength=2 * N)
            drift = (prev[r] / (1 + run.world.frontier_growth)).ravel()
            expected = np.where(w > 0, cw / np.where(w > 0, w, 1), drift)
            assert np.allclose(s["K"][r].ravel(), expected, rtol=1e-12)
        prev = s["K"]
        assert np.array_equal(run.traj.metric("capability").values[:, k], s["K"].reshape(s["K"].shape[0], -1))


def test_firm_capability_stays_in_unit_interval(monkeypatch):
    seen = trace(monkeypatch, innovation, _snapshot)
    simulate(scenario(money_events() + [export_control(year=2016)], firms=400))
    for s in seen:
        assert ((s["cap"] > 0) & (s["cap"] <= 1)).all()
        assert set(np.unique(s["tier"])) <= {0, 1}


def test_firms_never_fall_back_a_tier(monkeypatch):
    seen = trace(monkeypatch, innovation, _snapshot)
    simulate(scenario(money_events(), firms=400))
    for a, b in zip(seen, seen[1:]):  # the engine's window of slots grows as firms enter
        assert (b["tier"][:, : a["tier"].shape[1]] >= a["tier"]).all()


def test_tech_gap_years_follow_capability(money_run):
    traj, w = money_run.traj, money_run.world
    K = traj.metric("capability").values
    g = np.maximum(w.frontier_growth[:, 1], 0.005)
    expected = np.log(1 / K) / np.repeat(np.log1p(g), 2)[None, None, :]
    assert np.allclose(traj.metric("tech_gap_years").values, expected)
    assert (traj.metric("tech_gap_years").values >= 0).all()
