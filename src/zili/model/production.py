"""Step 6, production and trade: output limited by inputs over the graph; imports, exports.

Nodes are processed in topological order (inputs first). A node's domestic capacity is
scaled down by shortfalls of its inputs (partly substitutable); imports serve the
foreign share of demand unless controls cut them (stockpiles soften the cut); domestic
firms serve the rest up to capacity; idle domestic capacity is exported when it is
competitive, less foreign tariffs. Utilisation and overcapacity set next year's price.
Output is shared among a node's firms by capacity x capability.
"""

from __future__ import annotations

import numba
import numpy as np

from zili.model import infrastructure, market, nev
from zili.model.state import State
from zili.model.world import World


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _trade(topo, input_weight, has_inputs, D, s_dom, cut_eff, counter, capacity, kbar, price, room, tariff, build, di_next, di_now,
           substitution, target, propensity, growth_cap):  # pragma: no cover - compiled
    """Nodes in topological order (inputs first): input shortfalls, imports, domestic supply,
    exports and the demand pull on capacity, per replicate and tier. Arrays (R, N, T) and (R, N)
    in RMB bn per year; returns imports, domestic supply, exports, unmet demand, stockpile
    purchases, wanted expansion, share of demand met and the input-shortfall factor."""
    R, N, T = D.shape
    imports, dom, exports, unmet = np.zeros((R, N, T)), np.zeros((R, N, T)), np.zeros((R, N, T)), np.zeros((R, N, T))
    expand = np.zeros((R, N, T))
    bought_ahead, avail, factor = np.zeros((R, N)), np.ones((R, N)), np.ones((R, N))
    for n in topo:
        for r in range(R):
            if has_inputs[n]:
                short = 0.0
                for j in range(N):
                    short += input_weight[n, j] * (1.0 - avail[r, j])
                factor[r, n] = min(max(1.0 - (1.0 - substitution) * short, 0.0), 1.0)
            total, met = 0.0, 0.0
            for t in range(T):
                d, s = D[r, n, t], s_dom[r, n, t]
                # foreign supply left after controls (softened by stockpiles) and after China's mineral
                # counter-controls cut the output of foreign producers that depend on Chinese inputs
                foreign_left = (1.0 - cut_eff[r, n, t]) * (1.0 - counter[n])
                imp = min(1.0 - s, foreign_left) * d
                need = d - imp
                S = capacity[r, n, t] * factor[r, n]
                q = min(need, S)
                spare = max(S * target - q, 0.0)
                compete = min(max(kbar[r, n, t] / max(price[r, n], 1e-6), 0.0), 1.0)
                x = min(propensity * spare * compete * (1.0 - tariff[n]), room[n])
                # buyers stockpiling ahead of an announced control import extra months of supply
                ahead = build[r, n] / 12.0 * (1.0 - s) * d
                imports[r, n, t], dom[r, n, t], exports[r, n, t], unmet[r, n, t] = imp + ahead, q, x, need - q
                bought_ahead[r, n] += ahead
                # demand pull: how much firms want to grow so that next year's need fits at target use
                full = capacity[r, n, t] * target
                expand[r, n, t] = min(max(need * di_next[n] / di_now[n] / max(full, 1e-12) - 1.0, 0.0), growth_cap)
                total += d
                met += imp + q
            avail[r, n] = met / total if total > 0 else 1.0
    return imports, dom, exports, unmet, bought_ahead, expand, avail, factor


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _firm_output(alive, node, tier, capa, cap, loss, output):  # pragma: no cover - compiled
    """Each firm's output (R, M), RMB bn: its (node, tier)'s output (R, 2N) shared by capacity x
    capability over the alive firms there, the starting slots' weights cut by their entity-listing
    ``loss`` (R, F0; F0 = 0 when none), and at most the firm's capacity. Two passes; each bin's
    weights add in slot order (as :func:`zili.model.groups.group_sum`)."""
    R, M = alive.shape
    F0 = loss.shape[1]
    G = output.shape[1]
    w = np.empty(M)
    W = np.zeros(G)
    out = np.empty((R, M))
    for r in range(R):
        W[:] = 0.0
        for m in range(M):
            v = capa[r, m] * cap[r, m] if alive[r, m] else 0.0
            if m < F0:
                v = v * (1.0 - loss[r, m])
            w[m] = v
            W[node[r, m] * 2 + tier[r, m]] += v
        for m in range(M):
            g = node[r, m] * 2 + tier[r, m]
            tot = W[g]
            out[r, m] = np.minimum(w[m] / (tot if tot > 0 else 1.0) * output[r, g], capa[r, m])
    return out


def step(state: State, world: World, k: int) -> State:
    """Produce, import and export for year index ``k``; set firm outputs and prices."""
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    sc = state.scratch
    demand = sc["demand"]
    cut = sc["foreign_cut"]  # (N, T), policy.step's foreign_cut of the year
    used = sc.get("stockpile_used", np.zeros((R, N)))
    cut_max = cut.max(axis=1)[None]
    cover = np.where(cut_max > 0, used / np.maximum(12.0 * cut_max, 1e-12), 0.0)
    cut_eff = cut[None] * (1.0 - np.clip(cover, 0.0, 1.0))[:, :, None]
    capacity = market.tier_sums(state, world)[0].reshape(R, N, 2)
    sc.pop("tier_sums", None)  # the last reader this year: never carried into the next
    # the industrial internet raises what manufacturing capacity can make (seed 000)
    gain = sc.get("digitisation_gain", np.zeros(R))
    capacity = capacity * (1.0 + gain[:, None, None] * world.manufacturing_nodes[None, :, None])
    world_market = world.world_market0 * world.demand_index[k]
    kbar = sc["kbar"]
    reach = p.counter_control_reach
    # the rest of the world's market: China's policy-driven demand (NEVs, batteries) does not shrink it
    room = np.maximum(world_market - world.demand0.sum(axis=1) * world.demand_index[k], 0.0) * 0.5 * (1.0 + world.counter_cut[k] * reach)
    k_next = min(k + 1, len(world.years) - 1)
    imports, dom, exports, unmet, bought_ahead, expand, avail, factor = _trade(
        world.topo, world.input_weight, world.input_weight.any(axis=1), demand, state.dom_share, cut_eff, world.counter_cut[k] * reach,
        capacity, kbar, state.price, room, world.tariff[k], sc.get("stockpile_build", np.zeros((R, N))),
        world.demand_index[k_next], world.demand_index[k], p.input_substitution, p.target_utilisation, p.export_propensity,
        p.capacity_growth_cap)
    output = dom + exports
    node_out, node_cap = output.sum(axis=2), capacity.sum(axis=2)
    util = node_out / np.maximum(node_cap, 1e-12)
    # firm outputs: node-tier output shared by capacity x capability, less entity-listing losses
    listed = sc["listed_f0"]  # the starting slots' listing severity this year (policy.step)
    loss = np.zeros((R, 0))
    if listed.size:
        dom_in = state.dom_share.mean(axis=2)[:, world.entity_nodes[k]].mean(axis=1) if world.entity_nodes[k].any() else np.ones(R)
        loss = listed[None, :] * (1.0 - dom_in[:, None])
    state.out = _firm_output(state.alive, state.node, state.tier, state.capa, state.cap, loss, np.ascontiguousarray(output.reshape(R, N * 2)))
    # prices: overcapacity lowers them; battery costs also fall with cumulative output
    target = p.target_utilisation
    move = np.clip((np.maximum(util, 1e-3) / target) ** p.overcapacity_price, 0.8, 1.05)
    prev_cum = state.cum_out.copy()
    state.cum_out = state.cum_out + node_out
    learn = nev.battery_learning(prev_cum, state.cum_out, world)
    cost_index = state.scratch.get("cost_index", np.ones((R, N))) * learn
    sc["cost_index"] = cost_index
    state.price = np.maximum(state.price * move * learn, p.price_floor * cost_index)
    b = world.names["node"].index("battery_cells")
    state.battery_cum = state.cum_out[:, b] / state.cum_out_start[:, b]
    sc["cum_out_prev"] = prev_cum
    supplied = dom + imports  # (R, N, T)
    node_demand = demand.sum(axis=2)
    sc["output_ratio"] = np.where(node_demand > 0, supplied.sum(axis=2) / np.maximum(node_demand, 1e-12), 1.0)
    ai = world.names["node"].index("ai_chips")
    sc["compute_access"] = avail[:, ai] * (1.0 - cut[ai, 1]) + cut[ai, 1] * (kbar[:, ai, 1])
    sc["capacity_gap"] = np.clip((node_demand - node_cap) / np.maximum(node_demand, 1e-12), 0.0, 1.0)
    # tools a fab can buy this year, per tier: the scarcest tool node's share of demand met
    # (domestic supply plus the imports controls allow); new fab capacity needs all of them
    met_t = np.where(demand > 0, supplied / np.where(demand > 0, demand, 1.0), 1.0)  # (R, N, T)
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
