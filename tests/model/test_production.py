"""Step 6, production and trade: demand is met by imports, domestic output or not at all."""

from __future__ import annotations

import numpy as np
import pytest

from zili.model import production

from toy import export_control, money_events, scenario, simulate, trace

KEYS = ("demand", "imports", "dom", "exports", "unmet", "output", "capacity", "util")


@pytest.fixture(scope="module")
def traced():
    mp = pytest.MonkeyPatch()
    try:
        seen = trace(mp, production, lambda st, w, k, out: (
            {key: st.scratch[key].copy() for key in KEYS}
            | {"out": st.out.copy(), "capa": st.capa.copy(), "alive": st.alive.copy(), "node": st.node.copy(), "tier": st.tier.copy()}
        ))
        others = ["US", "NL", "JP", "KR", "TW", "EU", "other"]
        ev = export_control("total", nodes=["etch"], imposing=others, year=2017, tiers=["mature", "advanced"])
        run = simulate(scenario(money_events() + [ev], params={"market": {"stockpile_build_months": 0.0}}, firms=500))
    finally:
        mp.undo()
    return run, seen


def test_demand_is_imports_plus_domestic_plus_unmet(traced):
    _, seen = traced
    for s in seen:
        assert np.allclose(s["demand"], s["imports"] + s["dom"] + s["unmet"], rtol=1e-12, atol=1e-9)
        for key in ("imports", "dom", "exports", "unmet"):
            assert (s[key] >= -1e-12).all(), key


def test_output_is_domestic_sales_plus_exports_within_capacity(traced):
    _, seen = traced
    for s in seen:
        assert np.allclose(s["output"], s["dom"] + s["exports"])
        assert (s["output"] <= s["capacity"] * (1 + 1e-12) + 1e-12).all()
        assert (s["util"] <= 1 + 1e-12).all()


def test_firm_outputs_add_up_to_at_most_node_output(traced):
    run, seen = traced
    N = len(run.world.names["node"])
    for s in seen:
        assert (s["out"] <= s["capa"] + 1e-12).all()
        key = s["node"] * 2 + s["tier"]
        for r in range(s["out"].shape[0]):
            tot = np.bincount(key[r][s["alive"][r]], weights=s["out"][r][s["alive"][r]], minlength=2 * N)
            assert (tot <= s["output"][r].ravel() * (1 + 1e-9) + 1e-9).all()


def test_total_control_without_stockpile_stops_imports(traced):
    run, seen = traced
    n = run.world.node("etch")
    for k, s in enumerate(seen):
        if run.world.years[k] >= 2017:
            # the country shares of foreign supply add up to 1 up to float rounding
            assert (s["imports"][:, n, :] <= 1e-12 * s["demand"][:, n, :]).all()
        else:
            assert (s["imports"][:, n, :] > 0).any()


def test_metrics_agree_with_the_production_step(traced):
    run, seen = traced
    traj = run.traj
    for k, s in enumerate(seen):
        assert np.array_equal(traj.metric("output").values[:, k, : s["output"].shape[1]], s["output"].sum(2))
        assert np.array_equal(traj.metric("imports").values[:, k], s["imports"].sum(2))
        assert np.array_equal(traj.metric("exports").values[:, k], s["exports"].sum(2))


@pytest.mark.parametrize("F0", [0, 500])
def test_firm_output_kernel_is_the_numpy_share_bit_for_bit(F0):
    """Firm outputs: node-tier output shared by capacity x capability (entity-listing losses on the
    starting slots), capped at capacity; the kernel equals the NumPy formulation exactly."""
    from zili.model.groups import group_sum

    gen = np.random.default_rng(F0)
    R, M, N = 2, 2000, 6
    alive = gen.random((R, M)) < 0.85
    node, tier = np.sort(gen.integers(0, N, (R, M)), axis=1), gen.integers(0, 2, (R, M))
    capa, cap = gen.random((R, M)), gen.random((R, M))
    loss = gen.random((R, F0)) * 0.5
    output = gen.random((R, 2 * N)) * 50
    got = production._firm_output(alive, node, tier, capa, cap, loss, output)
    key = node * 2 + tier
    weight = np.where(alive, capa * cap, 0.0)
    weight[:, :F0] = weight[:, :F0] * (1.0 - loss)
    W = group_sum(weight, key, 2 * N)
    rr = np.arange(R)[:, None]
    want = np.minimum(weight / np.where(W[rr, key] > 0, W[rr, key], 1.0) * output[rr, key], capa)
    assert np.array_equal(got, want)
    assert (got < capa).any() and (got == capa).any()  # both the share and the cap bind somewhere
