"""Provinces: fiscal capacity, local guidance funds, the race for projects and LGFV debt.

Each province pays into its guidance fund from its budget (a share of GDP) and its
land revenue; with the race on, local-government financing vehicles (LGFVs) lever that
money up, every province herds into the same top-priority nodes (harder for batteries
while local NEV support is strong), and reinvestment clauses make funded firms build
plants in the province for a multiple of the money they received, whatever the node's
utilisation, and firms in nodes many provinces court plan capacity beyond demand. Duplicated projects, idle capacity, write-offs and LGFV debt follow. With
``capital.province_race`` off, a coordinator funds only nodes short of capacity, no
LGFV leverage is used and no reinvestment clause applies.
"""

from __future__ import annotations

import numba
import numpy as np

from zili.model.groups import key_order
from zili.model.money import THOUSAND_PER_BN
from zili.model.state import State
from zili.model.world import World

NEV_SECTOR_NODES = ("battery_materials", "battery_cells", "ev_assembly")


def node_weights(state: State, world: World, k: int, w: np.ndarray) -> np.ndarray:
    """Provincial funds' weights over nodes, (R, N), from mandate x priority ``w``."""
    p = world.params
    if p.province_race:
        w = w ** p.race_herding
        local = world.nev_local_cap[k] if world.nev_local_cap is not None else 0.0
        if local > 0:  # local NEV top-ups signal support: provinces chase battery and EV plants
            boost = np.ones(w.shape[-1])
            for name in NEV_SECTOR_NODES:
                boost[world.names["node"].index(name)] += p.nev_local_race_boost * local
            w = w * boost
        return w
    gap = state.scratch.get("capacity_gap")  # a coordinator funds only nodes short of capacity
    return w * gap if gap is not None else w


def step(state: State, world: World, k: int) -> State:
    """Apply reinvestment clauses to this year's provincial deals; count duplicated projects; LGFV debt.

    The deals are the provincial fund's flows of this year (its ledger rows) with their firms,
    which the capital step leaves in ``scratch["provincial_deals"]``.
    """
    p = world.params
    sc = state.scratch
    R, M = state.alive.shape
    N = len(world.names["node"])
    V = len(world.names["province"])
    sc["reinvested"] = np.zeros((R, N))
    sc["prov_projects"] = np.zeros((R, N))
    sc["dup_projects"] = np.zeros((R, N))
    sc["provinces_competing"] = np.zeros((R, N))
    deals = sc.pop("provincial_deals", None)  # blocks of (replicate row, slot, payer, node, amount) from capital.step
    if deals:
        r_, m_, payer, node, amount = (np.concatenate(col) for col in zip(*deals))
        node = node.astype(np.int64)
        if len(r_):
            sc["prov_projects"] = np.bincount(r_ * N + node, weights=state.weight[m_], minlength=R * N).reshape(R, N)  # real projects
            prov = world.payer_province[payer]
            # distinct (replicate, node, province) triples: one flat code each, counted once
            code = (r_ * N + node) * (V + 1) + np.where(prov >= 0, prov, V)
            seen = np.bincount(code, minlength=R * N * (V + 1)) > 0
            sc["provinces_competing"] = seen.reshape(R * N, V + 1).sum(axis=1).reshape(R, N).astype(float)
            util_prev = sc.get("util", np.full((R, N), p.target_utilisation))
            idle = util_prev < p.target_utilisation
            sc["dup_projects"] = sc["prov_projects"] * idle
            if p.province_race and p.reinvestment_ratio > p.capex_share_equity:
                _reinvest(state, world, r_, m_, node, amount, sc)
    lgfv_step(state, world, k)
    return state


def _reinvest(state: State, world: World, r_: np.ndarray, m_: np.ndarray, node: np.ndarray, amount: np.ndarray, sc: dict) -> None:
    """Funded firms build local plants for ``reinvestment_ratio`` x the money received, from their own cash.

    The part of the money the finance step already turns into capacity (``capex_share_equity``)
    is not counted twice. Booked as capex, so the firm books still reconcile.
    """
    p = world.params
    M = state.alive.shape[1]
    N = len(world.names["node"])
    due = np.floor(amount * (p.reinvestment_ratio - p.capex_share_equity)).astype(np.int64)
    sc["reinvested"] = _reinvest_kernel(np.asarray(r_, dtype=np.int64) * M + m_, due, state.alive, state.cash, state.books["capex"],
                                        state.capa, state.node, float(p.capital_intensity), N)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _reinvest_kernel(codes, due, alive, cash, capex, capa, node, intensity, N):  # pragma: no cover - compiled
    """Book :func:`_reinvest` in place for the funded firms only (flat codes r x M + m, one per deal
    row; ``due`` int64 RMB thousand per row): each firm's dues summed, spent up to its positive
    cash if alive, capacity raised by spend (RMB bn) / ``intensity``; returns the spend by
    (replicate, node), RMB bn, added in slot order."""
    R, M = alive.shape
    out = np.zeros((R, N))
    order = key_order(codes, R * M)
    n, j = codes.size, 0
    while j < n:
        c = codes[order[j]]
        d = np.int64(0)
        while j < n and codes[order[j]] == c:
            d += due[order[j]]
            j += 1
        r = c // M  # (one integer division: some 30 cycles)
        m = c - r * M
        s = min(d, max(cash[r, m], np.int64(0))) if alive[r, m] else np.int64(0)
        cash[r, m] -= s
        capex[r, m] += s
        capa[r, m] = capa[r, m] + s / THOUSAND_PER_BN / intensity
        out[r, node[r, m]] += s / THOUSAND_PER_BN
    return out


def lgfv_step(state: State, world: World, k: int) -> None:
    """LGFV debt, int64 RMB thousand (R, V): every province's debt of last year with a year's
    interest (floored), once a year whether or not the province pays in this year, plus the
    levered part of what each of its payers pays into the provincial fund this year (truncated)."""
    p = world.params
    lever = p.lgfv_leverage if p.province_race else 0.0
    u_prov = int(np.nonzero(world.fund_is_provincial)[0][0]) if world.fund_is_provincial.any() else -1
    if u_prov < 0 or lever <= 0:
        return
    state.lgfv[:] = np.floor(state.lgfv * (1 + p.lgfv_rate)).astype(np.int64)
    pay = world.fund_payin[k, u_prov]  # (P,)
    v = world.payer_province
    local = (pay != 0) & (v >= 0)  # provinces' payers; national payers lever nothing
    levered = np.zeros(state.lgfv.shape[1], dtype=np.int64)
    np.add.at(levered, v[local], (pay[local] * lever / (1 + lever)).astype(np.int64))  # each payer's part truncated, then summed
    state.lgfv += levered[None, :]


def expansion(state: State, world: World, k: int) -> State:
    """With the race on, firms in nodes many provinces back plan capacity beyond demand pull.

    Each province courts plants for the national market, so the planned growth of a
    node's firms rises with the share of provinces backing the node this year (capped
    at the firm growth limit); finance then pays for it from margins and bank loans.
    """
    p = world.params
    if not p.province_race or p.race_expansion <= 0:
        return state
    sc = state.scratch
    share = sc["provinces_competing"] / max(len(world.names["province"]), 1)
    sc["expand"] = np.minimum(sc["expand"] + p.race_expansion * share[:, :, None], p.capacity_growth_cap)
    return state


def excess_capacity(capacity: np.ndarray, output: np.ndarray, target: float) -> np.ndarray:
    """Capacity not needed to make this year's output at normal utilisation, (R, N), RMB bn."""
    return np.maximum(capacity - output / target, 0.0)
