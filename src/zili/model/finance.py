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

import numba
import numpy as np

from zili.model import backend, rng, threads
from zili.model.jit import any_layout
from zili.model.money import to_thousand
from zili.model.state import State
from zili.model.world import OWNERSHIP, SOES, World, is_soe

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


FOREIGN_FAB = OWNERSHIP.index("foreign_fab")
# the parameters of the per-firm kernels, in the order the compiled kernel unpacks them
KERNEL_PARAMS = (
    "capital_intensity", "variable_cost_share", "fixed_cost_share", "own_rd_intensity", "capacity_depreciation",
    "max_leverage", "capex_share_equity", "interest_rate", "capacity_growth_cap", "foreign_tools_servicing_life",
    "insolvency_leverage", "soft_budget", "acquisition_rate", "exit_hazard", "startup_base_hazard", "restriction_exit_rate",
)
# firm books a year's settlement adds to, in the order the kernels return them
FLOWS = ("bank_loan", "revenue", "cost", "rd", "capex", "interest", "bailout", "distress_loan", "payout", "debt_writeoff")


def settle(xp, f: dict, t: dict, p: dict) -> dict:
    """One year's accounts, capacity and exits of every firm slot, as a pure array function.

    The reference of the compiled :func:`_settle_kernel` and what the JAX backend traces
    (``xp`` is ``numpy`` or ``jax.numpy``). Money is int64 RMB thousand, capacity and
    output float RMB bn per year.

    Parameters
    ----------
    f : dict of (R, M) firm arrays
        alive, out, node, tier, owner, age, cash, debt, capa, received, grants,
        foreign_tools; ``weight`` (M,); keyed uniforms u1, u2, u3.
    t : dict of tables
        price, cost_index, has_soe (R, N); expand (R, N, 2); tool_avail, tools_dom (R, 2);
        fab (N,) bool; restrict (N,) financial restriction of each node's sector; ban (2,)
        servicing-ban wear per tier; waiver (bool).
    p : dict of float
        The :data:`KERNEL_PARAMS`.

    Returns
    -------
    dict: the new cash, debt, capa, foreign_tools, owner, alive, out, age; rd and rd_own
    (RMB bn); exit and acquire masks; and ``book_<flow>`` for each of :data:`FLOWS` (int64,
    this year's amount).
    """
    rr = xp.arange(f["alive"].shape[0])[:, None]
    alive, node, tier, owner = f["alive"], f["node"], f["tier"], f["owner"]
    cash, debt, capa, ft = f["cash"], f["debt"], f["capa"], f["foreign_tools"]
    zero = xp.zeros_like(cash)
    revenue_bn = f["out"] * t["price"][rr, node]
    revenue = xp.where(alive, to_thousand(revenue_bn, xp), zero)
    # learning nodes (batteries) get cheaper to build and run as their cost index falls (1 elsewhere)
    ci = t["cost_index"][rr, node]
    iota = p["capital_intensity"] * ci
    cost = xp.where(alive, to_thousand(p["variable_cost_share"] * revenue_bn + p["fixed_cost_share"] * ci * capa, xp), zero)
    own_rd = xp.where(alive & (cash > 0), to_thousand(p["own_rd_intensity"] * revenue_bn, xp), zero)
    rd = own_rd + f["grants"]
    margin = xp.maximum(revenue - cost - own_rd, 0)
    # maintenance keeps capacity whole; expansion follows demand when utilisation runs above target
    maintain = to_thousand(p["capacity_depreciation"] * capa * iota, xp)
    want = to_thousand(t["expand"][rr, node, tier] * capa * iota, xp)
    expand = xp.minimum(xp.maximum(margin - maintain, 0), want)
    # the rest of a wanted expansion is borrowed from banks, within a leverage limit
    room = xp.maximum(to_thousand(p["max_leverage"] * capa * iota, xp) - debt, 0)
    borrow = xp.where(alive & (cash > 0), xp.minimum(want - expand, room), zero)
    debt = debt + borrow
    cash = cash + borrow
    capex = xp.where(alive, xp.floor(p["capex_share_equity"] * f["received"]).astype(xp.int64) + maintain + expand + borrow, zero)
    interest = xp.where(alive, xp.floor(debt * p["interest_rate"]).astype(xp.int64), zero)
    cash = cash + (revenue - cost - rd - capex - interest)
    # capacity: new investment less depreciation; unserviced foreign tools wear out faster
    growth_capex = xp.where(alive, capex - maintain, zero) / 1e6
    new_capa = xp.minimum(growth_capex / iota, xp.maximum(capa, 0.05 * f["weight"]) * p["capacity_growth_cap"])
    # a fab's new capacity is limited by the tools it can get (controls cut imports of the tiers they cover)
    fab = t["fab"][node]
    new_capa = xp.where(fab, new_capa * t["tool_avail"][rr, tier], new_capa)
    # a line stops when any of its tools goes unserviced: the worst-hit tool node sets the wear
    extra = ft * t["ban"][tier] / p["foreign_tools_servicing_life"]
    extra = xp.where(t["waiver"] & (owner == FOREIGN_FAB), 0.0, extra)  # foreign-owned fabs keep service
    new_foreign = xp.where(fab, 1.0 - t["tools_dom"][rr, tier], 0.0)
    wear = 1 - xp.where(fab, extra, 0.0)
    kept = xp.maximum(capa * wear, 0.0)
    total = kept + new_capa
    ft = xp.where(total > 0, (kept * ft * wear + new_capa * new_foreign) / xp.maximum(total, 1e-12), ft)
    capa = xp.where(alive, total, 0.0)
    # distress and exit
    soe = is_soe(owner)
    neg = alive & (cash < 0)
    gap = xp.where(cash < 0, -cash, zero)
    # a cash shortfall is bridged by loans until the firm is insolvent (debt beyond its capital stock)
    insolvent = neg & (debt + gap > to_thousand(p["insolvency_leverage"] * capa * iota, xp))
    bailout = insolvent & soe & (p["soft_budget"] > 0)
    u1 = f["u1"]
    acquire = insolvent & ~soe & (u1 < p["acquisition_rate"]) & t["has_soe"][rr, node]
    fail = insolvent & ~bailout & ~acquire & (f["u2"] < p["exit_hazard"])
    young = alive & (f["age"] < 5) & (f["u3"] < p["startup_base_hazard"])
    restricted = alive & (u1 < p["restriction_exit_rate"] * t["restrict"][node])
    exit_ = fail | ((young | restricted) & ~bailout & ~acquire)
    rescue = bailout | acquire
    b_amt = xp.where(rescue, gap, zero)
    d_amt = xp.where(neg & ~rescue, gap, zero)
    debt = debt + b_amt + d_amt
    cash = cash + b_amt + d_amt
    # exits: remaining cash paid out, debt written off
    payout = xp.where(exit_, cash, zero)
    cash = cash - payout
    writeoff = xp.where(exit_, debt, zero)
    debt = debt - writeoff
    alive = alive & ~exit_
    return {
        "cash": cash, "debt": debt, "capa": xp.where(alive, capa, 0.0), "foreign_tools": ft,
        "owner": xp.where(acquire, LOCAL_SOE, owner), "alive": alive, "out": xp.where(alive, f["out"], 0.0), "age": f["age"] + 1,
        "rd": rd / 1e6, "rd_own": own_rd / 1e6, "exit": exit_, "acquire": acquire,
        "book_bank_loan": borrow, "book_revenue": revenue, "book_cost": cost, "book_rd": rd, "book_capex": capex, "book_interest": interest,
        "book_bailout": b_amt, "book_distress_loan": d_amt, "book_payout": payout, "book_debt_writeoff": writeoff,
    }


_PIECE = 2048  # firm slots a thread settles at a time (see zili.model.threads)


def _settle_pass(alive, out, node, tier, owner, age, cash, debt, capa, received, grants, ft, weight, fid, keys,
                 price, cost_index, has_soe, expand, tool_avail, tools_dom, fab, restrict, ban, waiver, pv,
                 rd_f, rd_own_f, exit_, acquire, books, exposure, keep, N):  # pragma: no cover - compiled
    """:func:`settle` as one compiled pass over the firm slots, updating the firm arrays in place.

    Same operations in the same order as the array function (bit-identical arithmetic);
    the keyed uniforms u1, u2, u3 are drawn inline (``keys`` (R, 3)). ``books`` (the firm books
    of :data:`FLOWS`, in that order) receive this year's amount of each flow, in place. The
    slots are settled in pieces of :data:`_PIECE`, each independent of the others: on threads in
    the threaded version (:func:`zili.model.threads.twins`).

    The pass has no branch: a dead or unused slot goes through the same arithmetic with
    ``alive`` false (no revenue, capacity, draws or exit; only its grants, none, are spent) and
    every array is stored to, values selected. With no branch, and its arrays marked as never
    overlapping (the serial version, :data:`zili.model.jit.NOALIAS`), the compiler vectorises it:
    2.2x faster at 10k firms, 1.9x at 100k (0.82 -> 0.38 ms and 3.31 -> 1.77 ms a year, measured
    alternately on saved years' arguments, 2-core AMD EPYC; the same bits).

    Returns the year's exit sums (:func:`_exit_sums`, in a pass after, in slot order): for each
    replicate and payer the loss written off on exiting firms, floor(``exposure`` x ``keep``),
    and the exposure written off; exits and acquisitions by node in real firms (R, N).
    """
    (capint, vcs, fcs, ordi, dep, maxlev, cse, ir, cgc, life, il, soft, acq, eh, sbh, rer) = (
        pv[0], pv[1], pv[2], pv[3], pv[4], pv[5], pv[6], pv[7], pv[8], pv[9], pv[10], pv[11], pv[12], pv[13], pv[14], pv[15])
    R, M = alive.shape
    n_pieces = (M + _PIECE - 1) // _PIECE
    for it in numba.prange(R * n_pieces):
        r, m0 = it // n_pieces, (it % n_pieces) * _PIECE
        k1, k2, k3 = keys[r, 0], keys[r, 1], keys[r, 2]
        for m in range(np.uint64(m0), np.uint64(min(m0 + _PIECE, M))):  # (unsigned: no negative-index checks)
            a = alive[r, m]
            n, ti, ow = node[r, m], tier[r, m], owner[r, m]
            c, d, cp, f0 = cash[r, m], debt[r, m], capa[r, m], ft[r, m]
            g = grants[r, m]
            rev_bn = out[r, m] * price[r, n]
            zero = np.int64(0)
            revenue = np.int64(np.rint(rev_bn * 1e6)) if a else zero
            ci = cost_index[r, n]
            iota = capint * ci
            cost = np.int64(np.rint((vcs * rev_bn + fcs * ci * cp) * 1e6)) if a else zero
            funded = a & (c > 0)
            own_rd = np.int64(np.rint(ordi * rev_bn * 1e6)) if funded else zero
            rd = own_rd + g
            margin = max(revenue - cost - own_rd, zero)
            maintain = np.int64(np.rint(dep * cp * iota * 1e6))
            want = np.int64(np.rint(expand[r, n, ti] * cp * iota * 1e6))
            exp_ = min(max(margin - maintain, zero), want)
            room = max(np.int64(np.rint(maxlev * cp * iota * 1e6)) - d, zero)
            borrow = min(want - exp_, room) if funded else zero
            d += borrow
            c += borrow
            capex = (np.int64(np.floor(cse * received[r, m])) + maintain + exp_ + borrow) if a else zero
            interest = np.int64(np.floor(d * ir)) if a else zero
            c += revenue - cost - rd - capex - interest
            growth_capex = (capex - maintain if a else zero) / 1e6
            new_capa = min(growth_capex / iota, max(cp, 0.05 * weight[m]) * cgc)
            is_fab = fab[n]
            new_capa = new_capa * tool_avail[r, ti] if is_fab else new_capa
            extra = 0.0 if (waiver & (ow == FOREIGN_FAB)) else f0 * ban[ti] / life
            new_foreign = 1.0 - tools_dom[r, ti] if is_fab else 0.0
            wear = 1 - (extra if is_fab else 0.0)
            kept = max(cp * wear, 0.0)
            total = kept + new_capa
            f_t = (kept * f0 * wear + new_capa * new_foreign) / max(total, 1e-12) if (a & (total > 0)) else f0
            cp = total if a else 0.0
            # distress and exit
            soe = (ow == SOES[0]) | (ow == SOES[1])
            neg = a & (c < 0)
            gap = -c if c < 0 else zero
            insolvent = neg & (d + gap > np.int64(np.rint(il * cp * iota * 1e6)))
            bail = insolvent & soe & (soft > 0)
            h = rng.id_mix(fid[r, m])  # the id half of the three draws, once
            u1 = rng.u01_mixed(k1, h)
            acqd = insolvent & (not soe) & (u1 < acq) & has_soe[r, n]
            fail = insolvent & (not bail) & (not acqd) & (rng.u01_mixed(k2, h) < eh)
            young = a & (age[r, m] < 5) & (rng.u01_mixed(k3, h) < sbh)
            restricted = a & (u1 < rer * restrict[n])
            ex = fail | ((young | restricted) & (not bail) & (not acqd))
            rescue = bail | acqd
            b_amt = gap if rescue else zero
            d_amt = gap if (neg & (not rescue)) else zero
            d += b_amt + d_amt
            c += b_amt + d_amt
            payout = c if ex else zero
            c -= payout
            wo = d if ex else zero
            d -= wo
            a2 = a & (not ex)
            alive[r, m] = a2
            cash[r, m], debt[r, m], capa[r, m] = c, d, (cp if a2 else 0.0)
            ft[r, m] = f_t
            owner[r, m] = LOCAL_SOE if acqd else ow
            out[r, m] = out[r, m] if (a2 | (not a)) else 0.0
            age[r, m] += 1
            rd_f[r, m], rd_own_f[r, m] = rd / 1e6, own_rd / 1e6
            exit_[r, m], acquire[r, m] = ex, acqd
            books[0][r, m] += borrow
            books[1][r, m] += revenue
            books[2][r, m] += cost
            books[3][r, m] += rd
            books[4][r, m] += capex
            books[5][r, m] += interest
            books[6][r, m] += b_amt
            books[7][r, m] += d_amt
            books[8][r, m] += payout
            books[9][r, m] += wo
    return _exit_sums(exit_, acquire, exposure, node, weight, keep, N)


_settle_serial, _settle_threaded = threads.twins(_settle_pass, noalias=True)
# one compiled version for windows of any layout, one for dense ones (see zili.model.jit); the threaded twin likewise
_settle_kernel = any_layout(_settle_serial, contiguous=True)
_settle_kernel_threaded = any_layout(_settle_threaded, contiguous=True)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _has_soe_kernel(alive, owner, node, N):  # pragma: no cover - compiled
    """Whether each node has an alive state-owned firm (an acquirer for its distressed firms), (R, N)."""
    R, M = alive.shape
    out = np.zeros((R, N), dtype=np.bool_)
    soe_a, soe_b = SOES
    for r in range(R):
        for m in range(M):  # branch-free: a dead slot's turn is a store of what is there already
            out[r, node[r, m]] |= alive[r, m] & ((owner[r, m] == soe_a) | (owner[r, m] == soe_b))
    return out


_has_soe = any_layout(_has_soe_kernel)  # one compiled version for windows of any layout (see zili.model.jit)


def _tables(state: State, world: World, k: int) -> dict:
    """The node- and tier-level tables :func:`settle` reads, for year index ``k``."""
    p = world.params
    R = state.alive.shape[0]
    N = len(world.names["node"])
    # a line stops when any of its tools goes unserviced: the worst-hit tool node sets the wear
    ban = world.servicing_ban[k][world.tool_nodes].max(axis=0) if world.tool_nodes.any() else np.zeros(2)
    # mature fab lines that run on advanced-tier tools (28 nm on immersion DUV) lose service too
    ban = np.array([min(1.0, ban[0] + p.mature_fab_advanced_tools * ban[1]), ban[1]])
    return {
        "price": state.price, "cost_index": state.scratch.get("cost_index", np.ones((R, N))),
        "has_soe": _has_soe(state.alive, state.owner, state.node, N),
        "expand": state.scratch["expand"], "tool_avail": state.scratch.get("tool_avail", np.ones((R, 2))),
        "tools_dom": state.dom_share[:, world.tool_nodes, :].mean(axis=1) if world.tool_nodes.any() else np.zeros((R, 2)),
        "fab": world.fab_nodes, "restrict": world.fin_restrict[k][world.node_sector], "ban": ban,
        "waiver": bool(world.servicing_waiver[k]),
    }


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _exit_sums(exit_, acquire, exposure, node, weight, keep, N):  # pragma: no cover - compiled
    """The year's exit sums in one pass over the slots: for each replicate and payer, the loss
    written off on exiting firms, floor(exposure x ``keep``) (``keep`` = 1 - recovery rate), and
    the exposure written off, int64 RMB thousand (R, P) each; and exits and acquisitions by node
    in real firms (``weight`` per slot), (R, N) each, added in slot order (as :func:`zili.model.groups.group_sum`).
    Run after every backend's settlement: the compiled settle kernel calls it at its end, the
    NumPy and JAX backends' step after theirs."""
    R, M, P = exposure.shape
    loss, written = np.zeros((R, P), dtype=np.int64), np.zeros((R, P), dtype=np.int64)
    exits, acq = np.zeros((R, N)), np.zeros((R, N))
    for r in range(R):
        for m in range(M):
            if exit_[r, m]:
                exits[r, node[r, m]] += weight[m]
                for i in range(P):
                    e = exposure[r, m, i]
                    loss[r, i] += np.int64(np.floor(e * keep))
                    written[r, i] += e
            if acquire[r, m]:
                acq[r, node[r, m]] += weight[m]
    return loss, written, exits, acq


def _sum_by_replicate(amount: np.ndarray, r_: np.ndarray, R: int) -> np.ndarray:
    """Sum int64 rows (X, P) into (R, P) by replicate, exactly (float sums are exact below 2**53):
    with :func:`zili.model.groups.group_sum`, the NumPy reference of :func:`_exit_sums` (a test holds them together)."""
    X, P = amount.shape
    codes = (r_[:, None] * P + np.arange(P)[None, :]).ravel()
    return np.rint(np.bincount(codes, weights=amount.ravel(), minlength=R * P)).astype(np.int64).reshape(R, P)


def step(state: State, world: World, k: int) -> State:
    """Settle the year's accounts of every firm and handle distress and exit (see :func:`settle`)."""
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    P = len(world.names["payer"])
    year = int(world.years[k])
    t = _tables(state, world, k)
    keys = rng.stream_keys(state.entropy, state.replicates, year, "finance")
    keys3 = np.stack([keys, keys ^ np.uint64(0x9E37), keys ^ np.uint64(0x7F4A)], axis=1)
    pv = np.array([float(getattr(p, name)) for name in KERNEL_PARAMS])
    if state.backend == "numba":
        exit_, acquire = np.empty((R, M), dtype=bool), np.empty((R, M), dtype=bool)
        # (every array passed is its own: the serial kernel is compiled on the promise that none overlap, jit.NOALIAS)
        kernel = _settle_kernel if state.threads == 1 else _settle_kernel_threaded
        sums = kernel(state.alive, state.out, state.node, state.tier, state.owner, state.age, state.cash, state.debt,
                      state.capa, state.received, state.grants, state.foreign_tools, state.weight, state.fid, keys3,
                      t["price"], t["cost_index"], t["has_soe"], t["expand"], t["tool_avail"], t["tools_dom"], t["fab"],
                      t["restrict"], t["ban"], t["waiver"], pv, state.rd, state.rd_own, exit_, acquire,
                      tuple(state.books[name] for name in FLOWS), state.exposure, 1 - p.recovery_rate, N)
    else:
        f = {name: getattr(state, name) for name in ("alive", "out", "node", "tier", "owner", "age", "cash", "debt", "capa",
                                                     "received", "grants", "foreign_tools", "weight")}
        f["u1"], f["u2"], f["u3"] = (rng.uniform(keys3[:, i], state.fid) for i in range(3))
        res = backend.run_array(state.backend, settle, f, t, dict(zip(KERNEL_PARAMS, pv)))
        for name in ("cash", "debt", "capa", "foreign_tools", "owner", "alive", "out", "age", "rd", "rd_own"):
            setattr(state, name, res[name].astype(getattr(state, name).dtype, copy=False))
        for name in FLOWS:
            state.books[name] += res[f"book_{name}"]
        exit_, acquire = np.asarray(res["exit"], dtype=bool), np.asarray(res["acquire"], dtype=bool)
        sums = _exit_sums(exit_, acquire, state.exposure, state.node, state.weight, 1 - p.recovery_rate, N)
    # investors' capital in exiting firms is written off as waste, less recoveries; exits and
    # acquisitions counted in real firms (each slot stands for its weight)
    by_rep, written, exits, acq = sums
    state.scratch["waste"] += by_rep
    state.scratch["writeoff_exposure"] = state.scratch.get("writeoff_exposure", np.zeros((R, P), dtype=np.int64)) + written
    state.scratch["exits"], state.scratch["acquisitions"] = exits, acq
    return state
