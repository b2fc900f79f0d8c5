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


def chokepoint_severity(state: State, world: World, k: int) -> np.ndarray:
    """Severity per node, (R, N) in [0, 1]."""
    p = world.params
    controlled = (world.supply_share * world.controllers[k][None, :]).sum(axis=1)
    controlled = np.maximum(controlled, p.controlling_share_floor * (1.0 - world.supply_share[:, world.names["country"].index("CN")]))
    best = state.K.max(axis=2)
    return np.clip(controlled[None, :] * world.downstream_reach[None, :] * (1.0 - best), 0.0, 1.0)


def step(state: State, world: World, k: int) -> np.ndarray:
    """Priority weight per node, (R, N), normalised to sum to 1 per replicate."""
    p = world.params
    sev = chokepoint_severity(state, world, k)
    econ = np.where(world.sector_real, 1.0, p.financial_weight)[world.node_sector]
    restrict = 1.0 - world.fin_restrict[k][world.node_sector]
    w = world.sector_priority[world.node_sector] * econ * restrict
    w = w[None, :] * (1.0 + p.chokepoint_weight * sev)
    state.scratch["severity"] = sev
    return w / w.sum(axis=1, keepdims=True)
