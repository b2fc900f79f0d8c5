"""Step 8, talent: engineers from graduates and programmes, lost to brain drain.

The engineer pool (thousand) grows with graduates and talent programmes and shrinks by
brain drain; the fill rate of R&D's demand for engineers scales next year's R&D
productivity (seed 002: talent gap, Thousand Talents, vocational schools).
"""

from __future__ import annotations

import numpy as np

from zili.model.groups import group_sum
from zili.model.state import State
from zili.model.world import World


def step(state: State, world: World, k: int) -> State:
    """Update the engineer pool and the fill rate of R&D demand for engineers."""
    p = world.params
    N = len(world.names["node"])
    drain = p.brain_drain * (1 - world.brain_drain_cut[k])
    state.engineers = state.engineers * (1 - drain) + state.graduates + world.talent_extra[k]
    state.graduates = state.graduates * (1 + p.graduate_growth)
    need = group_sum(state.rd, state.node, N, state.alive) * p.engineers_per_rmb_bn
    total = need.sum(axis=1)
    fill = np.minimum(1.0, state.engineers / np.where(total > 0, total, 1.0))
    state.scratch["talent_fill"] = np.repeat(fill[:, None], N, axis=1)
    return state
