"""Step 5, market: demand per node, buyers' domestic share, NEV adoption, infrastructure.

Demand for a node grows with its market, follows last year's output of the nodes that
use it, and adds policy demand (new-infrastructure purchases, NEV adoption). Buyers'
desired domestic share is a logit in domestic capability, relative price and procurement
preference, anchored at the starting self-sufficiency; buyers move toward it only as
fast as domestic substitutes qualify, and never below a local-content floor.
"""

from __future__ import annotations

import numba
import numpy as np

from zili.model import nev
from zili.model.jit import any_layout
from zili.model.state import State
from zili.model.world import World


def _logit(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 1e-6, 1 - 1e-6)
    return np.log(x / (1 - x))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _tier_sums_kernel(node, tier, alive, capa, cap, N):  # pragma: no cover - compiled
    """Capacity and capacity x capability of alive firms by code node x 2 + tier, (R, 2N) each, in
    one pass; each bin adds in slot order, as :func:`zili.model.groups.group_sum` (the same bits)."""
    R, M = node.shape
    w, cw = np.zeros((R, 2 * N)), np.zeros((R, 2 * N))
    for r in range(R):
        for m in range(M):
            if alive[r, m]:
                key = node[r, m] * 2 + tier[r, m]
                w[r, key] += capa[r, m]
                cw[r, key] += capa[r, m] * cap[r, m]
    return w, cw


_tier_sums = any_layout(_tier_sums_kernel)  # one compiled version for windows of any layout (see zili.model.jit)


def compute_tier_sums(state: State, N: int) -> tuple[np.ndarray, np.ndarray]:
    """Capacity (RMB bn) and capacity x capability of alive firms by (node, tier) code node x 2 +
    tier, (R, 2N) each, from the firms as they are now."""
    return _tier_sums(state.node, state.tier, state.alive, state.capa, state.cap, N)


def tier_sums(state: State, world: World) -> tuple[np.ndarray, np.ndarray]:
    """:func:`compute_tier_sums` as the innovation step left them in the scratch (firms do not
    change between it and production), formed here where it did not run."""
    sums = state.scratch.get("tier_sums")
    if sums is None:
        sums = compute_tier_sums(state, len(world.names["node"]))
    return sums


def node_capability(state: State, world: World) -> np.ndarray:
    """Capacity-weighted mean capability of alive firms per (node, tier), (R, N, T); K where none."""
    N = len(world.names["node"])
    w, cw = tier_sums(state, world)
    mean = cw / np.where(w > 0, w, 1.0)
    return np.where(w > 0, mean, state.K.reshape(len(w), -1)).reshape(-1, N, 2)


nev_adoption = nev.adoption  # moved to nev.py (kept here for existing callers)


def step(state: State, world: World, k: int) -> State:
    """Demand (R, N, T) and buyers' domestic share for year index ``k`` into ``state.scratch``."""
    p = world.params
    R = state.alive.shape[0]
    nodes = world.names["node"]
    base = world.demand0 * world.demand_index[k][:, None]  # (N, T)
    # inputs follow their users' output relative to what the users' own demand was
    users = world.input_weight  # [user, input]
    ratio = state.scratch.get("output_ratio", np.ones((R, len(nodes))))
    # explicit sums, not BLAS matmul: a replicate must sum identically alone or in a batch
    wsum = users.sum(axis=0)
    follow = np.where(wsum > 0, (ratio[:, :, None] * users[None]).sum(axis=1) / np.where(wsum > 0, wsum, 1.0), 1.0)
    demand = base[None] * follow[:, :, None]
    demand = nev.step(state, world, k, base, demand)  # NEV share and units; EV and battery demand
    adv = world.demand0[:, 1] / np.maximum(world.demand0.sum(axis=1), 1e-12)
    infra = world.infra_budget[k]
    demand += np.stack([infra * (1 - adv), infra * adv], axis=1)[None]
    # buyers' desired domestic share
    kbar = node_capability(state, world)
    kbar0 = state.scratch.setdefault("kbar0", kbar.copy())
    rel_price = state.price[:, :, None] / (1.0 + world.counter_cut[k])[None, :, None]
    u = (
        _logit(world.ss0)[None]
        + p.capability_pull * (kbar - kbar0)
        - p.price_pull * np.log(np.maximum(rel_price, 1e-6))
        + p.procurement_pull * world.preference[k][None, :, None]
    )
    target = _sigmoid(u)
    share = state.dom_share + (target - state.dom_share) / p.qualification_lag_years
    share = np.maximum(share, world.local_content[k][None, :, None])
    state.dom_share = np.clip(share, 0.0, 1.0)
    state.scratch["demand"] = demand
    state.scratch["kbar"] = kbar
    return state
