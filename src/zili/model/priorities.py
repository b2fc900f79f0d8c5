"""Step 2, priorities: the state's weight per node.

weight = sector priority x (1 for the real economy, ``financial_weight`` for financial
sectors) x (1 + ``chokepoint_weight`` x severity), where chokepoint severity is the
foreign share held by countries that control or may control x how much downstream
output depends on the node x (1 - domestic capability).
"""

from __future__ import annotations

import numpy as np

from zili.model.state import State
from zili.model.world import World


def chokepoint_severity(state: State, world: World, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Severity per node (R, N) and per node-tier (R, N, T), in [0, 1], and the controlled share (N,).

    Per node the best tier's capability counts; per tier, that tier's own.
    """
    p = world.params
    controlled = (world.supply_share * world.controllers[k][None, :]).sum(axis=1)
    controlled = np.maximum(controlled, p.controlling_share_floor * (1.0 - world.supply_share[:, world.names["country"].index("CN")]))
    base = controlled * world.downstream_reach  # (N,)
    per_tier = np.clip(base[None, :, None] * (1.0 - state.K), 0.0, 1.0)
    per_node = np.clip(base[None, :] * (1.0 - state.K.max(axis=2)), 0.0, 1.0)
    return per_node, per_tier, controlled


def step(state: State, world: World, k: int) -> np.ndarray:
    """Priority weight per node, (R, N), normalised to sum to 1 per replicate."""
    p = world.params
    sev, sev_tier, controlled = chokepoint_severity(state, world, k)
    state.scratch["severity_tier"] = sev_tier
    state.scratch["controlled_share"] = controlled
    econ = np.where(world.sector_real, 1.0, p.financial_weight)[world.node_sector]
    restrict = 1.0 - world.fin_restrict[k][world.node_sector]
    w = world.sector_priority[world.node_sector] * econ * restrict
    w = w[None, :] * (1.0 + p.chokepoint_weight * sev)
    state.scratch["severity"] = sev
    return w / w.sum(axis=1, keepdims=True)
