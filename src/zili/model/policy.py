"""Step 1, policy: what acts this year, and stockpiling against announced controls.

Events were laid onto yearly arrays by the compile step; here the engine reads the
year's slice and lets exposed buyers build stockpiles while a control is announced but
not yet in force (China bought a record share of the world's chipmaking tools in 2024).
Stockpiles are months of imports of a node, built within buyers' means and drawn down
once a control bites. The year's foreign cuts and entity-list severities are formed here once
and left in the scratch for innovation and production.
"""

from __future__ import annotations

import numpy as np

from zili.model.state import State
from zili.model.world import World


def foreign_cut(world: World, k: int) -> np.ndarray:
    """Share of China's foreign supply of each (node, tier) stopped this year: (N, T).

    Country cuts are weighted by each country's share of the foreign (non-China) supply.
    """
    cn = world.names["country"].index("CN")
    foreign = world.supply_share.copy()
    foreign[:, cn] = 0.0
    fsum = foreign.sum(axis=1, keepdims=True)
    w = foreign / np.where(fsum > 0, fsum, 1.0)
    return np.einsum("ntc,nc->nt", world.ctrl_cut[k], w)


def step(state: State, world: World, k: int) -> State:
    """Build stockpiles under announced controls; draw them down under effective ones."""
    p = world.params
    announced = world.ctrl_announced[k].max(axis=1)  # (N,)
    # what acts this year, formed once for the steps that read it from the scratch (innovation, production):
    # the foreign cuts (N, T), and the entity-list severity of each starting slot (F0,; empty in a year without listings)
    cut_nt = foreign_cut(world, k)
    listed = world.entity_listed[k]
    state.scratch["foreign_cut"] = cut_nt
    state.scratch["listed_f0"] = listed[state.f0_order].astype(float) if listed.any() else np.zeros(0)
    cut = cut_nt.max(axis=1)  # (N,)
    # buyers' means: stockpiling is limited by how much of the node they import
    import_share = 1.0 - state.dom_share.mean(axis=2)
    build = p.stockpile_build_months * announced[None, :] * np.clip(import_share, 0.0, 1.0)
    build = np.minimum(state.stockpile + build, p.stockpile_cap_months) - state.stockpile
    state.scratch["stockpile_build"] = build  # months of imports bought ahead this year
    state.stockpile = state.stockpile + build
    draw = 12.0 * cut[None, :]
    state.scratch["stockpile_used"] = np.minimum(state.stockpile, draw)
    state.stockpile = state.stockpile - state.scratch["stockpile_used"]
    return state
