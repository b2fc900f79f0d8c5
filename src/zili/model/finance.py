"""Step 7, finance and exit: revenue, costs, R&D, capex, bail-outs, exits, acquisitions.

Money is int64 RMB thousand. A firm's cash moves by revenue - costs - R&D - capex -
interest plus what it received in the capital step. SOEs with negative cash are bailed
out into debt (the soft budget constraint, Kornai 1986, doi:10.1111/j.1467-6435.1986.tb01252.x);
private firms in distress exit (their investors' capital is written off as waste, less
recoveries), are absorbed by an SOE in their node (seed 001), or borrow. Young firms and
firms in restricted financial sectors also exit. Every flow is added to the firm's
cumulative books, so cash and debt reconcile exactly (see :func:`books_residual`).
"""

from __future__ import annotations

import numpy as np

from zili.model import rng
from zili.model.groups import group_sum
from zili.model.money import to_thousand
from zili.model.state import State
from zili.model.world import OWNERSHIP, World

SOES = (OWNERSHIP.index("central_soe"), OWNERSHIP.index("local_soe"))
LOCAL_SOE = OWNERSHIP.index("local_soe")


def books_residual(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Cash and debt minus what the cumulative books say they should be: both exactly zero."""
    b = state.books
    cash = (
        state.cash0 + b["equity"] + b["grant"] + b["subsidy"] - b["fraud"] + b["loan"] + b["bank_loan"] + b["bailout"] + b["distress_loan"]
        + b["revenue"] - b["cost"] - b["rd"] - b["capex"] - b["interest"] - b["payout"]
    )
    debt = b["loan"] + b["bank_loan"] + b["bailout"] + b["distress_loan"] - b["debt_writeoff"]
    return state.cash - cash, state.debt - debt


def _book(state: State, name: str, amount: np.ndarray) -> None:
    state.books[name] += amount


def step(state: State, world: World, k: int) -> State:
    """Settle the year's accounts of every firm and handle distress and exit."""
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    P = len(world.names["payer"])
    year = int(world.years[k])
    alive = state.alive
    rr = np.arange(R)[:, None]
    revenue_bn = state.out * state.price[rr, state.node]
    revenue = np.where(alive, to_thousand(revenue_bn), 0)
    # learning nodes (batteries) get cheaper to build and run as their cost index falls (1 elsewhere)
    ci = state.scratch.get("cost_index", np.ones((R, N)))[rr, state.node]
    iota = p.capital_intensity * ci
    cost = np.where(alive, to_thousand(p.variable_cost_share * revenue_bn + p.fixed_cost_share * ci * state.capa), 0)
    own_rd = np.where(alive & (state.cash > 0), to_thousand(p.own_rd_intensity * revenue_bn), 0)
    rd = own_rd + state.grants
    margin = np.maximum(revenue - cost - own_rd, 0)
    # maintenance keeps capacity whole; expansion follows demand when utilisation runs above target
    maintain = to_thousand(p.capacity_depreciation * state.capa * iota)
    want = to_thousand(state.scratch["expand"][rr, state.node, state.tier] * state.capa * iota)
    expand = np.minimum(np.maximum(margin - maintain, 0), want)
    # the rest of a wanted expansion is borrowed from banks, within a leverage limit
    room = np.maximum(to_thousand(p.max_leverage * state.capa * iota) - state.debt, 0)
    borrow = np.where(alive & (state.cash > 0), np.minimum(want - expand, room), 0)
    state.debt += borrow
    state.cash += borrow
    _book(state, "bank_loan", borrow)
    capex = np.where(alive, np.floor(p.capex_share_equity * state.received).astype(np.int64) + maintain + expand + borrow, 0)
    interest = np.where(alive, np.floor(state.debt * p.interest_rate).astype(np.int64), 0)
    state.cash += revenue - cost - rd - capex - interest
    for name, amount in (("revenue", revenue), ("cost", cost), ("rd", rd), ("capex", capex), ("interest", interest)):
        _book(state, name, amount)
    state.rd = rd / 1e6
    state.rd_own = own_rd / 1e6
    # capacity: new investment less depreciation; unserviced foreign tools wear out faster
    growth_capex = np.where(alive, capex - maintain, 0) / 1e6
    new_capa = np.minimum(growth_capex / iota, np.maximum(state.capa, 0.05 * state.weight) * p.capacity_growth_cap)
    # a fab's new capacity is limited by the tools it can get (controls cut imports of the tiers they cover)
    tools = state.scratch.get("tool_avail", np.ones((R, 2)))[rr, state.tier]
    new_capa = np.where(world.fab_nodes[state.node], new_capa * tools, new_capa)
    # a line stops when any of its tools goes unserviced: the worst-hit tool node sets the wear
    ban = world.servicing_ban[k][world.tool_nodes].max(axis=0) if world.tool_nodes.any() else np.zeros(2)
    # mature fab lines that run on advanced-tier tools (28 nm on immersion DUV) lose service too
    ban = np.array([min(1.0, ban[0] + p.mature_fab_advanced_tools * ban[1]), ban[1]])
    extra = state.foreign_tools * ban[state.tier] / p.foreign_tools_servicing_life
    if world.servicing_waiver[k]:  # foreign-owned fabs in China keep their tools serviced
        extra = np.where(state.owner == OWNERSHIP.index("foreign_fab"), 0.0, extra)
    fab = world.fab_nodes[state.node]
    tools_dom = state.dom_share[:, world.tool_nodes, :].mean(axis=1) if world.tool_nodes.any() else np.zeros((R, 2))
    new_foreign = np.where(fab, 1.0 - tools_dom[rr, state.tier], 0.0)
    kept = state.capa * (1 - np.where(fab, extra, 0.0))
    total = np.maximum(kept, 0.0) + new_capa
    state.foreign_tools = np.where(
        total > 0, (np.maximum(kept, 0.0) * state.foreign_tools * (1 - np.where(fab, extra, 0.0)) + new_capa * new_foreign) / np.maximum(total, 1e-12), state.foreign_tools
    )
    state.capa = np.where(alive, total, 0.0)
    # distress and exit
    keys = rng.stream_keys(state.entropy, state.replicates, year, "finance")
    u1, u2 = rng.uniform(keys, state.fid), rng.uniform(keys ^ np.uint64(0x9E37), state.fid)
    u3 = rng.uniform(keys ^ np.uint64(0x7F4A), state.fid)
    soe = np.isin(state.owner, SOES)
    neg = alive & (state.cash < 0)
    has_soe = group_sum(np.ones((R, M)), state.node, N, alive & soe) > 0
    gap = np.where(state.cash < 0, -state.cash, 0)
    # a cash shortfall is bridged by loans until the firm is insolvent (debt beyond its capital stock)
    insolvent = neg & (state.debt + gap > to_thousand(p.insolvency_leverage * state.capa * iota))
    bailout = insolvent & soe & bool(p.soft_budget)
    acquire = insolvent & ~soe & (u1 < p.acquisition_rate) & has_soe[rr, state.node]
    fail = insolvent & ~bailout & ~acquire & (u2 < p.exit_hazard)
    young = alive & (state.age < 5) & (u3 < p.startup_base_hazard)
    sect = world.node_sector[state.node]
    restricted = alive & (u1 < p.restriction_exit_rate * world.fin_restrict[k][sect])
    exit_ = fail | ((young | restricted) & ~bailout & ~acquire)
    rescue = bailout | acquire
    state.owner = np.where(acquire, LOCAL_SOE, state.owner)
    b_amt = np.where(rescue, gap, 0)
    d_amt = np.where(neg & ~rescue, gap, 0)
    _book(state, "bailout", b_amt)
    _book(state, "distress_loan", d_amt)
    state.debt += b_amt + d_amt
    state.cash += b_amt + d_amt
    # exits: remaining cash paid out, debt written off, investors' capital written off less recoveries
    payout = np.where(exit_, state.cash, 0)
    _book(state, "payout", payout)
    state.cash -= payout
    wo = np.where(exit_, state.debt, 0)
    _book(state, "debt_writeoff", wo)
    state.debt -= wo
    r_x, m_x = np.nonzero(exit_)  # only exiting firms' exposure is read (it is (R, M, P))
    exposed = state.exposure[r_x, m_x]  # (X, P)
    loss = np.floor(exposed * (1 - p.recovery_rate)).astype(np.int64)
    by_rep = np.zeros((R, P), dtype=np.int64)
    np.add.at(by_rep, r_x, loss)
    written = np.zeros((R, P), dtype=np.int64)
    np.add.at(written, r_x, exposed)
    state.scratch["waste"] += by_rep
    state.scratch["writeoff_exposure"] = state.scratch.get("writeoff_exposure", np.zeros((R, P), dtype=np.int64)) + written
    wt = np.broadcast_to(state.weight, exit_.shape)  # real firms each slot stands for
    state.scratch["exits"] = np.bincount((state.node + rr * N)[exit_], weights=wt[exit_], minlength=R * N).reshape(R, N)
    state.scratch["acquisitions"] = np.bincount((state.node + rr * N)[acquire], weights=wt[acquire], minlength=R * N).reshape(R, N)
    state.alive = alive & ~exit_
    state.capa = np.where(state.alive, state.capa, 0.0)
    state.out = np.where(state.alive, state.out, 0.0)
    state.age = state.age + 1
    return state
