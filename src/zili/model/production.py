"""Step 6, production and trade: output limited by inputs over the graph; imports, exports.

Nodes are processed in topological order (inputs first). A node's domestic capacity is
scaled down by shortfalls of its inputs (partly substitutable); imports serve the
foreign share of demand unless controls cut them (stockpiles soften the cut); domestic
firms serve the rest up to capacity; idle domestic capacity is exported when it is
competitive, less foreign tariffs. Utilisation and overcapacity set next year's price.
Output is shared among a node's firms by capacity x capability.
"""

from __future__ import annotations

import numpy as np

from zili.model import infrastructure, nev
from zili.model.groups import group_sum
from zili.model.policy import foreign_cut
from zili.model.state import State
from zili.model.world import World


def step(state: State, world: World, k: int) -> State:
    """Produce, import and export for year index ``k``; set firm outputs and prices."""
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    sc = state.scratch
    demand = sc["demand"]
    cut = foreign_cut(world, k)  # (N, T)
    used = sc.get("stockpile_used", np.zeros((R, N)))
    cover = np.where(cut.max(axis=1)[None] > 0, used / np.maximum(12.0 * cut.max(axis=1)[None], 1e-12), 0.0)
    cut_eff = cut[None] * (1.0 - np.clip(cover, 0.0, 1.0))[:, :, None]
    key = state.node * 2 + state.tier
    capacity = group_sum(state.capa, key, 2 * N, state.alive).reshape(R, N, 2)
    # the industrial internet raises what manufacturing capacity can make (seed 000)
    gain = sc.get("digitisation_gain", np.zeros(R))
    capacity = capacity * (1.0 + gain[:, None, None] * world.manufacturing_nodes[None, :, None])
    world_market = world.world_market0 * world.demand_index[k]
    kbar = sc["kbar"]
    imports = np.zeros((R, N, 2))
    dom = np.zeros((R, N, 2))
    exports = np.zeros((R, N, 2))
    unmet = np.zeros((R, N, 2))
    bought_ahead = np.zeros((R, N))
    expand = np.zeros((R, N, 2))
    avail = np.ones((R, N))
    factor = np.ones((R, N))
    for n in world.topo:
        w = world.input_weight[n]
        if w.any():
            short = (w[None, :] * (1.0 - avail)).sum(axis=1)
            factor[:, n] = np.clip(1.0 - (1.0 - p.input_substitution) * short, 0.0, 1.0)
        D = demand[:, n, :]
        s = state.dom_share[:, n, :]
        # foreign supply left after controls (softened by stockpiles) and after China's mineral
        # counter-controls cut the output of foreign producers that depend on Chinese inputs
        foreign_left = (1.0 - cut_eff[:, n, :]) * (1.0 - world.counter_cut[k, n] * p.counter_control_reach)
        imp = np.minimum(1.0 - s, foreign_left) * D
        need = D - imp
        S = capacity[:, n, :] * factor[:, n, None]
        q = np.minimum(need, S)
        spare = np.maximum(S * p.target_utilisation - q, 0.0)
        compete = np.clip(kbar[:, n, :] / np.maximum(state.price[:, n, None], 1e-6), 0.0, 1.0)
        # the rest of the world's market: China's policy-driven demand (NEVs, batteries) does not shrink it
        room = np.maximum(world_market[n] - world.demand0[n].sum() * world.demand_index[k, n], 0.0) * np.ones((R, 1)) * 0.5 * (1.0 + world.counter_cut[k, n] * p.counter_control_reach)
        x = np.minimum(p.export_propensity * spare * compete * (1.0 - world.tariff[k, n]), room)
        # buyers stockpiling ahead of an announced control import extra months of supply
        ahead = sc.get("stockpile_build", np.zeros((R, N)))[:, n, None] / 12.0 * (1.0 - s) * D
        imports[:, n], dom[:, n], exports[:, n], unmet[:, n] = imp + ahead, q, x, need - q
        bought_ahead[:, n] = ahead.sum(axis=1)
        # demand pull: how much firms want to grow so that next year's need fits at target use
        full = capacity[:, n, :] * p.target_utilisation
        expand[:, n] = np.clip(need * world.demand_index[min(k + 1, len(world.years) - 1), n] / world.demand_index[k, n] / np.maximum(full, 1e-12) - 1.0, 0.0, p.capacity_growth_cap)
        total = D.sum(axis=1)
        avail[:, n] = np.where(total > 0, (imp + q).sum(axis=1) / np.where(total > 0, total, 1.0), 1.0)
    output = dom + exports
    util = output.sum(axis=2) / np.maximum(capacity.sum(axis=2), 1e-12)
    # firm outputs: node-tier output shared by capacity x capability, less entity-listing losses
    weight = np.where(state.alive, state.capa * state.cap, 0.0)
    F0 = world.entity_listed.shape[1]
    if world.entity_listed[k].any():
        dom_in = state.dom_share.mean(axis=2)[:, world.entity_nodes[k]].mean(axis=1) if world.entity_nodes[k].any() else np.ones(R)
        loss = world.entity_listed[k][state.f0_order][None, :] * (1.0 - dom_in[:, None])
        weight[:, :F0] = weight[:, :F0] * (1.0 - loss)
    W = group_sum(weight, key, 2 * N).reshape(R, N * 2)
    rr = np.arange(R)[:, None]
    share = weight / np.where(W[rr, key] > 0, W[rr, key], 1.0)
    state.out = np.minimum(share * output.reshape(R, N * 2)[rr, key], state.capa)
    # prices: overcapacity lowers them; battery costs also fall with cumulative output
    target = p.target_utilisation
    move = np.clip((np.maximum(util, 1e-3) / target) ** p.overcapacity_price, 0.8, 1.05)
    node_out = output.sum(axis=2)
    prev_cum = state.cum_out.copy()
    state.cum_out = state.cum_out + node_out
    learn = nev.battery_learning(prev_cum, state.cum_out, world)
    cost_index = state.scratch.get("cost_index", np.ones((R, N))) * learn
    sc["cost_index"] = cost_index
    state.price = np.maximum(state.price * move * learn, p.price_floor * cost_index)
    b = world.names["node"].index("battery_cells")
    state.battery_cum = state.cum_out[:, b] / state.cum_out_start[:, b]
    sc["cum_out_prev"] = prev_cum
    sc["output_ratio"] = np.where(demand.sum(axis=2) > 0, (dom + imports).sum(axis=2) / np.maximum(demand.sum(axis=2), 1e-12), 1.0)
    ai = world.names["node"].index("ai_chips")
    sc["compute_access"] = avail[:, ai] * (1.0 - cut[ai, 1]) + cut[ai, 1] * (kbar[:, ai, 1])
    sc["capacity_gap"] = np.clip((demand.sum(axis=2) - capacity.sum(axis=2)) / np.maximum(demand.sum(axis=2), 1e-12), 0.0, 1.0)
    # tools a fab can buy this year, per tier: the scarcest tool node's share of demand met
    # (domestic supply plus the imports controls allow); new fab capacity needs all of them
    met_t = np.where(demand > 0, (imports + dom) / np.where(demand > 0, demand, 1.0), 1.0)  # (R, N, T)
    tool_t = met_t[:, world.tool_nodes, :].min(axis=1) if world.tool_nodes.any() else np.ones((R, 2))
    # part of mature-tier fab capacity (28 nm class) runs on advanced-tier tools (immersion DUV)
    s_adv = p.mature_fab_advanced_tools
    sc["tool_avail"] = np.stack([(1 - s_adv) * tool_t[:, 0] + s_adv * tool_t[:, 1], tool_t[:, 1]], axis=1)
    sc.update(bought_ahead=bought_ahead, expand=expand, capacity=capacity, imports=imports, dom=dom, exports=exports, unmet=unmet, util=util, avail=avail, output=output)
    # infrastructure built from budgets and unit costs, limited by the supply of the node (and its chips)
    state = infrastructure.step(state, world, k, np.minimum(avail, factor))
    state.out_node = node_out
    state.avail = avail
    return state
