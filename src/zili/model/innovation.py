"""Step 4, innovation: capability per firm and tier rises toward a moving frontier.

A firm's capability c (0-1, relative to the world frontier of its tier) gains from R&D
(own spending plus grants, with diminishing returns, scaled by engineer supply and SOE
efficiency), learning-by-doing on cumulative domestic output of its node, spillovers
toward national best practice (stronger in hubs and innovation centres) and licensed
foreign technology (cut by controls), then is divided by the frontier's growth. Firms
that master the mature tier try the advanced one. National capability K per node and
tier is the capacity-weighted mean capability of China-located firms, or the previous K
drifting behind the frontier where the node-tier has no capacity: with no firms, K only drifts.

References
----------
Hall, Mairesse & Mohnen (2010), doi:10.1016/S0169-7218(10)02008-3 (returns to R&D);
Irwin & Klenow (1994), doi:10.1086/261968 (learning-by-doing in semiconductors).
"""

from __future__ import annotations

import numpy as np

from zili.model import rng
from zili.model.groups import group_sum
from zili.model.policy import foreign_cut
from zili.model.state import State
from zili.model.world import World

SOES = (0, 1)


def step(state: State, world: World, k: int) -> State:
    """Advance firm capability and national capability K for year index ``k``."""
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    year = int(world.years[k])
    n, t = state.node, state.tier
    alive = state.alive
    # R&D acts through its intensity (R&D per unit of the firm's capacity), so the aggregate does
    # not depend on how finely the population is split into firms
    scale = p.rd_scale_share * np.maximum(state.capa, p.rd_min_scale_rmb_bn * state.weight)
    rd = state.rd_own + state.grants / 1e6  # own R&D (last year's budget) + this year's grants
    eff = np.where(np.isin(state.owner, SOES), p.soe_efficiency, 1.0)
    fill = state.scratch.get("talent_fill", np.full((R, N), p.initial_fill))
    rr = np.arange(R)[:, None]
    talent = fill[rr, n] ** p.talent_elasticity
    gain_rd = p.rd_effect * np.log1p(rd / scale) * eff * talent
    growth = np.log2(state.cum_out / state.scratch.get("cum_out_prev", state.cum_out))
    gain_lbd = p.learning_effect * growth[rr, n] * world.learning[n]
    hub = world.prov_hub[state.prov].astype(float) + world.innovation_centre[k][n] / 0.15
    K_here = state.K[rr, n, t]
    gain_spill = p.spillover * (1 + p.hub_spillover_boost * hub) * np.maximum(K_here - state.cap, 0.0)
    cut = foreign_cut(world, k)[n, t]
    listed = np.zeros((R, M))
    F0 = world.entity_listed.shape[1]
    listed[:, :F0] = world.entity_listed[k][state.f0_order][None, :]
    gain_lic = p.licensing * (1 - cut) * (1 - listed)
    keys = rng.stream_keys(state.entropy, state.replicates, year, "innovation")
    z = rng.normal(keys, state.fid)
    noise = np.exp(p.noise_sd * z - 0.5 * p.noise_sd**2)
    gain = (1 - state.cap) * ((gain_rd + gain_lbd) * noise + gain_lic) + gain_spill
    ai = world.names["node"].index("ai_models") if "ai_models" in world.names["node"] else -1
    if ai >= 0:
        bound = 1.0 - p.privacy_data_effect * world.privacy[k]
        if p.ai_compute_bound:
            access = np.clip(state.scratch.get("compute_access", np.ones(R)), 1e-6, 1.0)
            bound = bound * (access ** p.ai_compute_elasticity)[:, None]
        gain = np.where(n == ai, gain * bound, gain)
    g = world.frontier_growth[n, t]
    cap = np.where(alive, np.minimum(1.0, state.cap + np.maximum(gain, 0.0)) / (1 + g), state.cap)
    # mature-tier masters attempt the advanced tier
    u = rng.uniform(keys ^ np.uint64(0x5DEECE66D), state.fid)
    up = alive & (t == 0) & (cap > p.upgrade_threshold) & (listed == 0) & (u < 0.3)
    # an upgrading firm starts below national best practice in the advanced tier
    cap = np.where(up, state.K[rr, n, 1] * p.upgrade_start, cap)
    state.tier = np.where(up, 1, t)
    state.cap = np.maximum(cap, 1e-6)
    # national capability: capacity-weighted mean over China-located firms (invariant to how
    # finely the population is split); with no capacity in a node-tier, K drifts behind the frontier
    key = state.node * 2 + state.tier
    w = group_sum(state.capa, key, N * 2, alive)
    cw = group_sum(state.capa * state.cap, key, N * 2, alive)
    drift = (state.K / (1 + world.frontier_growth)[None]).reshape(R, N * 2)
    state.K = np.where(w > 0, cw / np.where(w > 0, w, 1.0), drift).reshape(R, N, 2)
    return state
