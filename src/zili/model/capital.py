"""Step 3, capital: payers pay in, funds deploy by mandate and selection rule, firms receive.

Each fund or programme holds idle capital per payer. Every year it deploys a share of
what it holds, splits it across nodes by mandate x state priority (private VC follows
returns instead, and is crowded out by public venture money where that switch is on;
provinces herd into the same nodes where the provincial race is on), and then picks
firms in each node by probability-proportional-to-score sampling (scores from
capability and size, with keyed Gumbel-like noise for misallocation). Venture money
also founds startups. Every flow is an integer split (largest remainder) and one
ledger row: (replicate, year, payer, fund, instrument, node, firm id, amount).
"""

from __future__ import annotations

import numba
import numpy as np

from zili.model import provinces, rng, threads, vmath
from zili.model.groups import key_order
from zili.model.jit import any_layout
from zili.model.money import THOUSAND_PER_BN, _split_groups_kernel, _split_kernel, split
from zili.model.state import State, entries_per_year
from zili.model.world import INSTRUMENTS, OWNERSHIP, SELECTION, SOES, World

EQUITY, GRANT, LOAN, SUBSIDY, TAX, INTERNAL = range(6)
VENTURE = SELECTION.index("venture")
CHAMPIONS = SELECTION.index("champions")
STARTUP = OWNERSHIP.index("startup")


def _scores(state: State, world: World, selection: int) -> np.ndarray:
    """Selection weight of every firm slot (before eligibility), (R, M): the NumPy reference of the
    scores inside :func:`_select` (a test holds the two together)."""
    p = world.params
    cap = np.maximum(state.cap, 1e-6)
    size = np.maximum(state.capa, 1e-6)
    if selection == CHAMPIONS:
        return cap ** p.selection_capability * size ** p.selection_size
    if selection == VENTURE:
        young = np.where(state.age < 5, 2.0, 1.0)
        return cap ** p.selection_capability * young
    return size  # broad programmes (subsidies) follow size


def _noise(state: State, keys: np.ndarray) -> np.ndarray:
    """Standard Gumbel selection noise keyed on firm ids (the weight is score x exp(sigma x this))."""
    return rng.gumbel(keys, state.fid)


def log_scores(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Logs of the score inputs, computed once a year and shared by every fund: log capability
    and log capacity (each floored at 1e-6, as in :func:`_scores`), (R, M) each."""
    return np.log(np.maximum(state.cap, 1e-6)), np.log(np.maximum(state.capa, 1e-6))


_CHUNK = vmath.CHUNK  # firms weighed together: the vectorised logs and exps run over a chunk


_PICK_SALT = np.uint64(0xA5A5A5A5)  # a fund's stream key ^ this: the stream of its selection draws
_LOG_YOUNG = float(np.log(2.0))  # log of the venture score's factor for firms under 5 years old


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _log_score(selection, a_cap, b_size, log_cap, log_capa, age):  # pragma: no cover - compiled
    """A firm's log selection score (the log of :func:`_scores`): champions a_cap x log capability +
    b_size x log capacity; venture a_cap x log capability + log 2 under 5 years old; broad
    programmes log capacity."""
    if selection == 0:  # champions
        return a_cap * log_cap + b_size * log_capa
    if selection == 1:  # venture
        return a_cap * log_cap + (_LOG_YOUNG if age < 5 else 0.0)
    return log_capa  # broad


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _compact(r, m0, m1, lo, hi, n, slot, grp_, ids, x, alive, mandate, owner, soe_only, node, prov, log_cap, log_capa, age, mixed,
             selection, a_cap, b_size, Vg, A_tot):  # pragma: no cover - compiled
    """Compact, branch-free, the firms of replicate ``r`` in slots ``m0 <= m < m1`` that a fund
    weighs into the lists from place ``n`` (slot, group, mixed id, log score in ``x``): alive,
    outside slots ``lo <= m < hi``, in a mandated node (``mandate`` > 0) and a group with money
    (``A_tot``), state-owned where ``soe_only``. Every slot is written; only those are kept.
    Returns the new ``n``."""
    soe_a, soe_b = SOES
    for m in range(m0, m1):
        grp = node[r, m] * Vg + (prov[r, m] if Vg > 1 else 0)
        ls = _log_score(selection, a_cap, b_size, log_cap[r, m], log_capa[r, m], age[r, m])
        slot[n], grp_[n], ids[n], x[n] = m, grp, mixed[r, m], ls
        ok = alive[r, m] & (mandate[node[r, m]] > 0) & (A_tot[r, grp] > 0) & ((m < lo) | (m >= hi))
        if soe_only:
            ok &= (owner[r, m] == soe_a) | (owner[r, m] == soe_b)
        n += ok
    return n


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _select(alive, new_lo, new_hi, mandate, owner, soe_only, node, prov, log_cap, log_capa, age, fid, mixed, keys, selection, a_cap, b_size, sigma, Vg, deals, A_tot):  # pragma: no cover - compiled
    """One fund's deal selection over the firm slots, fused in compiled passes: the slot scan.
    The fund loop runs :func:`_select_laid`, which gives the same results, bit for bit, from the
    year's layout of the firms by node; this scan is its reference (a test holds the two together).

    Eligible firms are alive, not among the start-ups the fund itself just opened (slots
    ``new_lo[r] <= m < new_hi[r]``), in a node of the fund's ``mandate`` (N,) above zero and,
    where ``soe_only`` (internal R&D), state-owned (:data:`zili.model.world.SOES`).
    Pass 1 compacts, branch-free, the eligible firms in groups with money (group = node, or
    node x province) in slot order. Their weights, score x exp(sigma x Gumbel), are computed as
    exp(log score + sigma x Gumbel) from the year's shared logs (scores as in :func:`_scores`,
    the Gumbel keyed on firm ids, drawn from their mixed ids ``mixed`` (:func:`zili.model.rng.mix_ids`,
    the half of the hash shared by every fund)), in dense loops over chunks of :data:`_CHUNK` firms with the
    vectorised log and exp of :mod:`zili.model.vmath` (within 1 ulp of libm), and summed by
    group into ``W``. Pass 2: firm ``i`` is selected with probability min(1, deals x w_i / W) of
    its group (a keyed uniform).

    Returns the selected firms in slot order (as ``np.nonzero`` of a selection mask would list
    them): replicate index, slot, group code (replicate x G + group), weight and firm id of
    each; and ``W`` (R, G).
    """
    R, L = alive.shape
    G = deals.shape[1]
    W = np.zeros((R, G))
    salt = _PICK_SALT
    slot = np.empty(L, dtype=np.int64)  # the weighed firms of a replicate, in slot order
    grp_ = np.empty(L, dtype=np.int64)
    ids = np.empty(L, dtype=np.uint64)  # mixed ids
    x = np.empty(L)
    scratch = np.empty(_CHUNK, dtype=np.uint64)
    ubuf = np.empty(_CHUNK)
    out_r, out_m, out_g = np.empty(R * L, dtype=np.int64), np.empty(R * L, dtype=np.int64), np.empty(R * L, dtype=np.int64)
    out_w, out_f = np.empty(R * L), np.empty(R * L, dtype=np.int64)
    q = 0
    for r in range(R):
        k = keys[r]
        ks = k ^ salt
        n = _compact(r, 0, L, new_lo[r], new_hi[r], 0, slot, grp_, ids, x, alive, mandate, owner, soe_only, node, prov, log_cap,
                     log_capa, age, mixed, selection, a_cap, b_size, Vg, A_tot)
        q = _weigh_pick(r, n, slot, grp_, ids, x, k, ks, sigma, W, deals, fid, out_r, out_m, out_g, out_w, out_f, q, scratch, ubuf)
    return out_r[:q], out_m[:q], out_g[:q], out_w[:q], out_f[:q], W


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _weigh(ls, ids, x, k, sigma, scratch, ubuf):  # pragma: no cover - compiled
    """x = exp(ls + sigma x Gumbel), the selection weights of a run of firms from their log scores
    ``ls`` and mixed ids ``ids`` (stream key ``k``), in dense, vectorised loops over chunks of
    :data:`_CHUNK` firms (``scratch``, ``ubuf``: buffers of that size)."""
    n = x.shape[0]
    for j0 in range(0, n, _CHUNK):
        j1 = min(j0 + _CHUNK, n)
        sc = scratch[: j1 - j0]
        u = rng.uniform_mixed_into(k, ids[j0:j1], ubuf[: j1 - j0])
        vmath.log_inplace(u, sc)  # log u
        for j in range(u.size):
            u[j] = -u[j]
        vmath.log_inplace(u, sc)  # log(-log u) = -Gumbel
        v = x[j0:j1]
        l_ = ls[j0:j1]
        for j in range(u.size):
            v[j] = l_[j] - sigma * u[j]
        vmath.exp_inplace(v, sc)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _pick(x, ids, slots, grp_, g_run, ks, W, deals, r, fid, out_r, out_m, out_g, out_w, out_f, q, ubuf, drawn):  # pragma: no cover - compiled
    """The draws of deal selection over a run of weighed firms (weights ``x``, mixed ids ``ids``,
    slots ``slots``; group ``g_run`` for all, or where it is below zero each one's ``grp_``): firm
    ``j`` is selected with probability min(1, deals x w_j / W) of its group (stream key ``ks``)
    and written to the ``out_*`` lists from place ``q``, in run order. Returns the new ``q``.
    The keyed uniforms are drawn here, or read from ``drawn`` where it is not empty (the same
    values, drawn before the fund loop: :func:`_weigh_layout`)."""
    G = deals.shape[1]
    n = x.shape[0]
    q0 = q
    hit = np.empty(_CHUNK, dtype=np.bool_)
    one = g_run >= 0  # one group for the whole run: its money and total read once
    d1 = deals[r, g_run] if one else 0.0
    t1 = (W[r, g_run] if W[r, g_run] > 0 else 1.0) if one else 1.0
    for j0 in range(0, n, _CHUNK):
        j1 = min(j0 + _CHUNK, n)
        c = j1 - j0
        # a dense pass of the draws against each firm's probability (vectorised), then a pass writing
        # the few firms drawn (a branch seldom taken)
        u = drawn[j0:j1] if drawn.shape[0] else rng.uniform_mixed_into(ks, ids[j0:j1], ubuf[:c])
        if one:
            for j in range(c):
                hit[j] = u[j] < min(1.0, d1 * x[j0 + j] / t1)
        else:
            for j in range(c):
                g = grp_[j0 + j]
                tot = W[r, g]
                hit[j] = u[j] < min(1.0, deals[r, g] * x[j0 + j] / (tot if tot > 0 else 1.0))
        for j in range(c):
            if hit[j]:
                g = g_run if one else grp_[j0 + j]
                out_m[q], out_g[q], out_w[q] = slots[j0 + j], r * G + g, x[j0 + j]
                q += 1
    for i in range(q0, q):  # (the lists have room: a replicate weighs each of its slots at most once)
        out_r[i], out_f[i] = r, fid[r, out_m[i]]
    return q


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _weigh_pick(r, n, slot, grp_, ids, x, k, ks, sigma, W, deals, fid, out_r, out_m, out_g, out_w, out_f, q, scratch, ubuf):  # pragma: no cover - compiled
    """The weighing (:func:`_weigh`, log scores in ``x``, which becomes the weights) and the draws
    (:func:`_pick`) of deal selection for replicate ``r``'s ``n`` compacted firms (slot, group and
    mixed id), the weights summed by group into ``W[r]`` between them. Returns the new ``q``."""
    _weigh(x[:n], ids[:n], x[:n], k, sigma, scratch, ubuf)
    for j in range(n):
        W[r, grp_[j]] += x[j]
    return _pick(x[:n], ids[:n], slot[:n], grp_[:n], np.int64(-1), ks, W, deals, r, fid, out_r, out_m, out_g, out_w, out_f, q, ubuf,
                 ubuf[:0])


_LAY_PIECE = 2048  # slots a thread lays out at a time


def _layout_pass(alive, node, prov, log_cap, log_capa, age, owner, mixed, a_cap, b_size, N):  # pragma: no cover - compiled
    """The alive firms of each replicate laid out by node, in slot order within a node, with what
    deal selection reads of them: a fund then reads its nodes' firms as contiguous runs instead of
    scanning every slot (:func:`_select_laid`). Formed once a year before the funds deploy:
    nothing it holds changes while they do (the year's start-ups are weighed apart).

    Two passes over pieces of :data:`_LAY_PIECE` slots (on threads in the threaded version,
    :func:`zili.model.threads.twins`): each piece counts its alive firms by node; from the counts,
    each piece's first place in each node (after the pieces before it), where its slots are then
    written in order, so the layout is the same for any split.

    Returns ``start`` (R, N + 1), the first place of each node; and by place (R, L): the slot,
    the province, the mixed id, the log score of each selection type (3, R, L) (as
    :func:`_select` forms them) and whether the firm is state-owned.
    """
    R, L = alive.shape
    S = (L + _LAY_PIECE - 1) // _LAY_PIECE
    start = np.zeros((R, N + 1), dtype=np.int64)
    slot = np.empty((R, L), dtype=np.int64)
    where = np.empty((R, L), dtype=np.int64)
    ids = np.empty((R, L), dtype=np.uint64)
    ls = np.empty((3, R, L))
    soe = np.empty((R, L), dtype=np.bool_)
    soe_a, soe_b = SOES
    pos = np.zeros((R * S, N), dtype=np.int64)  # alive firms of each piece by node, then the piece's next place in each
    for it in numba.prange(R * S):
        r, m0 = it // S, (it % S) * _LAY_PIECE
        for m in range(np.uint64(m0), np.uint64(min(m0 + _LAY_PIECE, L))):
            if alive[r, m]:
                pos[it, node[r, m]] += 1
    for r in range(R):
        st = start[r]
        for n in range(N):
            at = st[n]
            for piece in range(r * S, r * S + S):
                c = pos[piece, n]
                pos[piece, n] = at
                at += c
            st[n + 1] = at
    for it in numba.prange(R * S):
        r, m0 = it // S, (it % S) * _LAY_PIECE
        p_ = pos[it]
        for m in range(np.uint64(m0), np.uint64(min(m0 + _LAY_PIECE, L))):  # each alive slot's columns written at its place, the slots read in order
            if alive[r, m]:
                n = node[r, m]
                j = p_[n]
                p_[n] = j + 1
                slot[r, j], where[r, j], ids[r, j] = m, prov[r, m], mixed[r, m]
                for sel in range(3):
                    ls[sel, r, j] = _log_score(sel, a_cap, b_size, log_cap[r, m], log_capa[r, m], age[r, m])
                soe[r, j] = (owner[r, m] == soe_a) | (owner[r, m] == soe_b)
    return start, slot, where, ids, ls, soe


_layout, _layout_threaded = threads.twins(_layout_pass)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _select_laid(lay, work, pre, psum, y0, new_lo, alive, mandate, owner, soe_only, node, prov, log_cap, log_capa, age, fid, mixed,
                 keys, selection, a_cap, b_size, sigma, Vg, deals, A_tot):  # pragma: no cover - compiled
    """:func:`_select` on the year's layout ``lay`` (:func:`_layout` of the firms alive when the
    year's funds began): the same draws, weights and group totals, bit for bit, and the same
    selected firms in the same (slot) order. The firms of the fund's mandated nodes are read as
    runs of the layout (each group's firms still come in slot order, so its total is summed in
    the same order); the start-ups opened this year by the funds before (slots ``y0[r] <= m <
    new_lo[r]``) are weighed after the older firms, as their higher slots place them in
    :func:`_select`. A fund's own start-ups (slots from ``new_lo``) are in neither. ``work`` holds
    the year's scratch arrays (:func:`_select_work`). ``pre`` (2, R, places) holds the weights of
    the layout's firms for this fund and their draws where they were made before the fund loop, on
    threads (:func:`_weigh_layout`; the same values), and is empty (2, 0, 0) where they are made here;
    ``psum`` (R, N) then holds each node's sum of those weights, added in slot order from zero
    (the sum this pass would form for a node group)."""
    start, slot_l, prov_l, ids_l, ls_l, soe_l = lay
    slot, grp_, ids, x, xr, gr, scratch, ubuf, out_r, out_m, out_g, out_w, out_f = work
    R = alive.shape[0]
    N = mandate.shape[0]
    G = deals.shape[1]
    W = np.zeros((R, G))
    salt = _PICK_SALT
    by_firm = np.int64(-1)  # _pick's group argument: each firm's own (a variable, so that one version is compiled)
    q = 0
    for r in range(R):
        k = keys[r]
        ks = k ^ salt
        ls = ls_l[selection, r]
        n = 0
        # every firm of a node's run is weighed, in place, run by run (but for internal R&D, which compacts its SOEs);
        # with groups node x province (the provincial fund), each firm's group is noted in ``gr`` and its weight added
        # to that group, in slot order within the run, as in the slot scan
        runs = not soe_only
        weighed = pre.shape[1] > 0
        for nd in range(N):
            if mandate[nd] <= 0 or (Vg == 1 and A_tot[r, nd] <= 0):
                continue
            j0, j1 = start[r, nd], start[r, nd + 1]
            if runs and weighed and Vg == 1:  # weighed, drawn for and summed before the fund loop
                W[r, nd] = psum[r, nd]
            elif runs:
                xs = xr[j0:j1]
                if weighed:
                    xs[:] = pre[0, r, j0:j1]
                else:
                    _weigh(ls[j0:j1], ids_l[r, j0:j1], xs, k, sigma, scratch, ubuf)
                if Vg == 1:
                    for j in range(j1 - j0):
                        W[r, nd] += xs[j]
                else:
                    for j in range(j0, j1):  # a firm of a group without money is not eligible: weight 0, never drawn
                        g = nd * Vg + prov_l[r, j]
                        w = xr[j] if A_tot[r, g] > 0 else 0.0
                        gr[j], xr[j] = g, w
                        W[r, g] += w
            else:  # compacted, branch-free: internal R&D keeps the SOEs of groups with money
                for j in range(j0, j1):
                    g = nd * Vg + (prov_l[r, j] if Vg > 1 else 0)
                    slot[n], grp_[n], ids[n], x[n] = slot_l[r, j], g, ids_l[r, j], ls[j]
                    ok = (A_tot[r, g] > 0) & soe_l[r, j]
                    n += ok
        # this year's start-ups opened by the funds before (slots y0..new_lo), compacted as the slot scan does
        n = _compact(r, y0[r], new_lo[r], 0, 0, n, slot, grp_, ids, x, alive, mandate, owner, soe_only, node, prov, log_cap,
                     log_capa, age, mixed, selection, a_cap, b_size, Vg, A_tot)
        q0 = q
        # the compacted firms (this year's start-ups after the runs) are weighed and summed after every run
        _weigh(x[:n], ids[:n], x[:n], k, sigma, scratch, ubuf)
        for j in range(n):
            W[r, grp_[j]] += x[j]
        if runs:  # the runs' draws, then the compacted firms'
            for nd in range(N):
                if mandate[nd] <= 0 or (Vg == 1 and A_tot[r, nd] <= 0):
                    continue
                j0, j1 = start[r, nd], start[r, nd + 1]
                g_run, g_of = (nd, grp_) if Vg == 1 else (by_firm, gr[j0:j1])
                drawn = pre[1, r, j0:j1] if weighed else ubuf[:0]
                x_run = pre[0, r, j0:j1] if weighed and Vg == 1 else xr[j0:j1]
                q = _pick(x_run, ids_l[r, j0:j1], slot_l[r, j0:j1], g_of, g_run, ks, W, deals, r, fid, out_r, out_m, out_g,
                          out_w, out_f, q, ubuf, drawn)
        q = _pick(x[:n], ids[:n], slot[:n], grp_[:n], by_firm, ks, W, deals, r, fid, out_r, out_m, out_g, out_w, out_f, q, ubuf,
                  ubuf[:0])
        if q > q0:  # in slot order, as _select lists them
            o = key_order(out_m[q0:q], alive.shape[1]) + q0  # (slots are distinct)
            out_m[q0:q], out_g[q0:q], out_w[q0:q], out_f[q0:q] = out_m[o], out_g[o], out_w[o], out_f[o]
    return out_r[:q].copy(), out_m[:q].copy(), out_g[:q].copy(), out_w[:q].copy(), out_f[:q].copy(), W


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _select_work(R, L):  # pragma: no cover - compiled
    """Scratch arrays of :func:`_select_laid` for ``R`` replicates of ``L`` slots, made once a year
    and shared by its funds: the compacted firms' slot, group, mixed id and weight (L,), the runs'
    weights and groups (L,), the noise chunk's buffers (:data:`_CHUNK`,) and the selected firms'
    lists (R x L,)."""
    return (np.empty(L, dtype=np.int64), np.empty(L, dtype=np.int64), np.empty(L, dtype=np.uint64), np.empty(L),
            np.empty(L), np.empty(L, dtype=np.int64),
            np.empty(_CHUNK, dtype=np.uint64), np.empty(_CHUNK),
            np.empty(R * L, dtype=np.int64), np.empty(R * L, dtype=np.int64), np.empty(R * L, dtype=np.int64), np.empty(R * L),
            np.empty(R * L, dtype=np.int64))

# one compiled version for windows of any layout, one for dense ones (see zili.model.jit), and of the threaded twin
_layout_any, _layout_any_threaded = any_layout(_layout, contiguous=True), any_layout(_layout_threaded, contiguous=True)


@numba.njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def _weigh_layout(start, ids_l, ls_l, funds, mandate, selection, keys, sigma, out, sums, T):  # pragma: no cover - compiled
    """The selection weights (:func:`_weigh`) of the layout's firms for each fund of ``funds``, in
    the nodes of its ``mandate``, into ``out[i, 0]`` (R, places) for fund ``funds[i]``, the keyed
    uniforms of its selection draws (:func:`_pick`) into ``out[i, 1]``, and each node's sum of the
    weights, added in slot order from zero, into ``sums[i]`` (R, N), on threads. A weight and a draw
    depend on the firm and the fund's key ``keys[u, r]`` alone, so each is the value the fund loop
    would make. The node runs are shared out among the ``T`` threads in contiguous ranges of about
    equal numbers of firms; each run is weighed and summed by one thread.

    Only runs with ``threads`` > 1 use it (a compiled version with ``parallel=True``, see
    :mod:`zili.model.threads`); places and nodes outside a fund's mandate are not written.
    ``start`` (R, N + 1), ``ids_l`` (R, places), ``ls_l`` (3, R, places) are the layout's."""
    R = start.shape[0]
    N = start.shape[1] - 1
    n = 0
    for i in range(funds.shape[0]):  # count, then list the runs: (fund row, replicate, node) and the firms before each
        for r in range(R):
            for nd in range(N):
                n += mandate[funds[i], nd] > 0
    runs = np.empty((n, 3), dtype=np.int64)
    before = np.zeros(n + 1, dtype=np.int64)
    n = 0
    for i in range(funds.shape[0]):
        for r in range(R):
            for nd in range(N):
                if mandate[funds[i], nd] > 0:
                    runs[n, 0], runs[n, 1], runs[n, 2] = i, r, nd
                    before[n + 1] = before[n] + start[r, nd + 1] - start[r, nd]
                    n += 1
    cut = np.searchsorted(before[:n], before[n] * np.arange(T + 1) // T)  # thread t takes runs cut[t]..cut[t + 1]
    cut[T] = n
    for t in numba.prange(T):
        scratch, ubuf = np.empty(_CHUNK, dtype=np.uint64), np.empty(_CHUNK)
        for it in range(cut[t], cut[t + 1]):
            i, r, nd = runs[it, 0], runs[it, 1], runs[it, 2]
            u = funds[i]
            j0, j1 = start[r, nd], start[r, nd + 1]
            x = out[i, 0, r, j0:j1]
            _weigh(ls_l[selection[u], r, j0:j1], ids_l[r, j0:j1], x, keys[u, r], sigma, scratch, ubuf)
            rng.uniform_mixed_into(keys[u, r] ^ _PICK_SALT, ids_l[r, j0:j1], out[i, 1, r, j0:j1])
            total = 0.0
            for j in range(j1 - j0):
                total += x[j]
            sums[i, r, nd] = total


def _entry_terms(state: State, world: World, k: int) -> dict:
    """What every start-up opened in year index ``k`` shares, formed once a year: the entry slots
    a year ``E``, the entry stream ``keys`` (R,), the cumulative province weights of a founding
    ``cum_w`` (V,) and their total ``w_sum`` (hubs' share, the rest by GDP), and the domestic share
    of tools ``tools_dom`` (R,) (market shares do not move within the capital step)."""
    p = world.params
    R = state.alive.shape[0]
    w = np.where(world.prov_hub, p.hub_share / max(world.prov_hub.sum(), 1), 0.0) + (1 - p.hub_share) * world.prov_gdp / world.prov_gdp.sum()
    return {
        "E": entries_per_year(world),
        "keys": rng.stream_keys(state.entropy, state.replicates, int(world.years[k]), "entry"),
        "cum_w": np.cumsum(w), "w_sum": w.sum(),
        "tools_dom": state.dom_share[:, world.tool_nodes, 0].mean(axis=1) if world.tool_nodes.any() else np.ones(R),
    }


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _startup_slots(counts, E, F0, base_id, next_slot, n_entered, fid):  # pragma: no cover - compiled
    """Slots and ids for ``counts`` (R, G) new firms by group, in place: each replicate has room for
    ``E`` entrants a year (``next_slot`` (R,) used so far); where the counts exceed the room, the room
    is split over the groups in proportion to them (:func:`zili.model.money.split`, ties by group).
    The entrants fill slots F0 + ``n_entered[r]``, ... with ids ``base_id`` + next_slot, ... (loops
    over replicates and groups, never over firms). Returns replicate, slot and group of each, by
    replicate then group."""
    R, G = counts.shape
    cs = counts.copy()
    tb = np.arange(G).reshape(1, G)
    for r in range(R):
        room = E - next_slot[r]
        if cs[r].sum() > room:
            if room > 0:
                cs[r] = _split_kernel(np.full(1, room), cs[r].astype(np.float64).reshape(1, G), tb)[0]
            else:
                cs[r] = 0
    n = cs.sum()
    r_, m_, g_ = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    q = 0
    for r in range(R):
        total = cs[r].sum()
        for j in range(total):
            m = F0 + n_entered[r] + j
            fid[r, m] = base_id + next_slot[r] + j
            r_[q + j], m_[q + j] = r, m
        p = q
        for g in range(G):
            for _ in range(cs[r, g]):
                g_[p] = g
                p += 1
        next_slot[r] += total
        n_entered[r] += total
        q += total
    return r_, m_, g_


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _open_kernel(r_, m_, g_, g_node, g_prov, keys, cum_w, w_sum, tools_dom, fab_nodes, K, weight, fid,
                 alive, node, tier, owner, prov, hq_cn, cap, capa, foreign_tools, age, entries):  # pragma: no cover - compiled
    """Set up the start-ups in slots (r_, m_) of groups g_, in place, in one pass: alive, in their
    group's node, mature tier, start-up owned, in China; in their group's province, or (-1) one
    drawn by the entry stream from the cumulative province weights ``cum_w``; capability
    0.3-0.7 of national capability K (the same draw), no capacity yet, fabs on foreign tools in
    the share not domestic; and real entrants (weights) added to ``entries`` (R, N)."""
    V = cum_w.shape[0]
    add = np.zeros(entries.shape)
    for j in range(r_.shape[0]):
        r, m, g = r_[j], m_[j], g_[j]
        n = g_node[g]
        u = rng.u01(keys[r], fid[r, m])
        alive[r, m] = True
        node[r, m] = n
        tier[r, m] = 0
        owner[r, m] = STARTUP
        prov[r, m] = g_prov[g] if g_prov[g] >= 0 else min(np.searchsorted(cum_w, u * w_sum), V - 1)
        hq_cn[r, m] = True
        cap[r, m] = max(K[r, n, 0] * (0.3 + 0.4 * u), 1e-4)
        capa[r, m] = 0.0
        foreign_tools[r, m] = 1.0 - tools_dom[r] if fab_nodes[n] else 0.0
        age[r, m] = 0
        add[r, n] += weight[m]
    entries += add


# how a block of flows is booked, by instrument: subsidy-like (fraud), grant-like, equity, loan
BOOKING = {SUBSIDY: 0, TAX: 0, GRANT: 1, INTERNAL: 1, EQUITY: 2, LOAN: 3}
BOOK = {0: "subsidy", 1: "grant", 2: "equity", 3: "loan"}


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _book_block(kind, payers, r_, m_, amount, fraud, node, fid, cash, received, grants, debt, exposure, book, book_fraud, R,
                venture_public, public_venture, replicates, year, fund, instrument, sector_flows,
                is_venture):  # pragma: no cover - compiled
    """Book one block of flows, ``amount`` (payers, n) from each payer to each firm (r_, m_), every
    firm distinct, in place; ``kind`` from :data:`BOOKING`. Subsidies and tax expenditure lose
    floor(amount x fraud rate of the node) to fraud; equity and loans add to the payer's exposure.
    Payers flagged in ``venture_public`` (public money in a venture fund) add their flows, in RMB
    bn, to ``public_venture`` (R, nodes), payer by payer, each payer's sums by (replicate, node)
    formed first (as ``np.bincount`` would). Every flow is also added, in RMB bn and in ledger
    order, to the year's sums by (replicate, sector) in ``sector_flows`` (node_sector (N,), all
    funds' (R, S), venture funds' (R, S); ``is_venture``: this fund is one), which
    :func:`zili.model.realfin.step` reads (the sums :func:`zili.model.realfin.sector_sums` forms
    from the ledger, bit for bit).

    Returns the amount deployed and lost to fraud per (payer, replicate), the ledger columns
    of the flows above zero, payer by payer, in the ledger's dtypes: replicate id, year, payer,
    fund, instrument, node, firm id, amount (int64 RMB thousand); and each of those rows'
    replicate row and slot.
    """
    Pn, n = amount.shape
    dep = np.zeros((Pn, R), dtype=np.int64)
    waste = np.zeros((Pn, R), dtype=np.int64)
    nd_, f_ = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)  # each firm's node and id, for the ledger
    rows = 0
    for j in range(n):  # firm by firm (integer sums: the order does not matter), each firm's rows read once
        r, m = r_[j], m_[j]
        nd = node[r, m]
        nd_[j], f_[j] = nd, fid[r, m]
        tot, lost = np.int64(0), np.int64(0)
        for i in range(Pn):  # (most cells are zero: skipped)
            a = amount[i, j]
            if a == 0:
                continue
            rows += a > 0
            tot += a
            dep[i, r] += a
            if kind == 0:
                lo = np.int64(np.floor(a * fraud[nd]))
                lost += lo
                waste[i, r] += lo
            elif kind >= 2:
                exposure[r, m, payers[i]] += a
        book[r, m] += tot
        if kind == 0:
            book_fraud[r, m] += lost
            cash[r, m] += tot - lost
            received[r, m] += tot - lost
        elif kind == 1:
            cash[r, m] += tot
            grants[r, m] += tot
        else:
            cash[r, m] += tot
            received[r, m] += tot
            if kind == 3:
                debt[r, m] += tot
    l_rep, l_year = np.empty(rows, dtype=np.int32), np.full(rows, year, dtype=np.int32)
    l_payer, l_fund = np.empty(rows, dtype=np.int16), np.full(rows, fund, dtype=np.int16)
    l_instr, l_node = np.full(rows, instrument, dtype=np.int8), np.empty(rows, dtype=np.int16)
    l_fid, l_amt = np.empty(rows, dtype=np.int64), np.empty(rows, dtype=np.int64)
    l_r, l_m = np.empty(rows, dtype=np.int64), np.empty(rows, dtype=np.int64)
    sums = np.zeros(public_venture.shape)
    node_sector, by_sector, vc_sector = sector_flows
    q = 0
    for i in range(Pn):
        pub = venture_public[i]
        if pub:
            sums[:] = 0.0
        for j in range(n):
            a = amount[i, j]
            if a > 0:
                r, m, nd = r_[j], m_[j], nd_[j]
                l_rep[q], l_payer[q], l_node[q], l_fid[q], l_amt[q] = replicates[r], payers[i], nd, f_[j], a
                l_r[q], l_m[q] = r, m
                bn = a / THOUSAND_PER_BN
                sec = node_sector[nd]
                by_sector[r, sec] += bn
                if is_venture:
                    vc_sector[r, sec] += bn
                if pub:
                    sums[r, nd] += bn
                q += 1
        if pub:
            public_venture += sums
    return dep, waste, (l_rep, l_year, l_payer, l_fund, l_instr, l_node, l_fid, l_amt), l_r, l_m


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _capped(amount, cap, weight):  # pragma: no cover - compiled
    """:func:`_apply_cap` in one pass (the same integers): each firm's flows ``amount`` (payers, n)
    scaled down, where their total is above floor(``cap`` x ``weight``), to amount x c // total."""
    Pn, n = amount.shape
    out = amount.copy()
    for j in range(n):
        t = np.int64(0)
        for i in range(Pn):
            t += amount[i, j]
        c = np.int64(np.floor(cap * weight[j]))
        if t > c:
            for i in range(Pn):
                out[i, j] = (amount[i, j] * c) // max(t, 1)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _split_book(A2, group, wts, tieb, r_, m_, cap, weight, kind, payers, fraud, node, fid, cash, received, grants, debt,
                exposure, book, book_fraud, R, venture_public, public_venture, replicates, year, fund, instrument, sector_flows,
                is_venture):  # pragma: no cover - compiled
    """One block of a fund's flows in one call: each payer's money by group ``A2`` (payers, R x G)
    split over the block's firms (r_, m_) in groups ``group`` by weights ``wts``, ties by ``tieb``
    (:func:`zili.model.money.split_groups_multi`), capped per firm where ``cap`` > 0
    (:func:`_capped`, ``weight`` the real firms of each slot), and booked (:func:`_book_block`,
    whose results it returns)."""
    amount = _split_groups_kernel(A2, group, wts, tieb)
    if cap > 0:
        amount = _capped(amount, cap, weight[m_])
    return _book_block(kind, payers, r_, m_, amount, fraud, node, fid, cash, received, grants, debt, exposure, book, book_fraud,
                       R, venture_public, public_venture, replicates, year, fund, instrument, sector_flows, is_venture)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _select_book(lay, work, pre, psum, y0, new_lo, alive, mandate, owner, soe_only, prov, log_cap, log_capa, age, mixed, keys, selection, a_cap,
                 b_size, sigma, Vg, deals, A_tot, A2, cap, weight, kind, payers, fraud, node, fid, cash, received, grants, debt,
                 exposure, book, book_fraud, R, venture_public, public_venture, replicates, year, fund, instrument, sector_flows,
                 is_venture):  # pragma: no cover - compiled
    """A fund's deal selection (:func:`_select_laid` on the year's layout ``lay``) and the booking
    of its deals (:func:`_split_book`) in one call; returns what :func:`_book_block` returns."""
    r_i, m_i, g_i, w_i, f_i, _ = _select_laid(lay, work, pre, psum, y0, new_lo, alive, mandate, owner, soe_only, node, prov, log_cap,
                                              log_capa, age, fid, mixed, keys, selection, a_cap, b_size, sigma, Vg, deals, A_tot)
    return _split_book(A2, g_i, w_i, f_i, r_i, m_i, cap, weight, kind, payers, fraud, node, fid, cash, received, grants, debt,
                       exposure, book, book_fraud, R, venture_public, public_venture, replicates, year, fund, instrument, sector_flows,
                       is_venture)


def _vc_base(world: World, k: int, u: int) -> tuple[np.ndarray, float]:
    """A private VC fund's node weights before crowding out, (1, N): mandate x the pull of demand
    growth (less platform curbs) x (1 - financial restriction); and its ``typical`` money per node
    (RMB bn), the scale of crowding out."""
    p = world.params
    mandate = world.fund_mandate[u][None, :]
    sect = world.node_sector
    growth = (world.demand_index[min(k + 1, len(world.years) - 1)] / world.demand_index[k] - 1.0)[None, :] * (1.0 - p.platform_effect_cap * world.platform[k][sect])[None, :]
    w = mandate * np.exp(p.private_return_weight * 5.0 * growth) * (1.0 - world.fin_restrict[k][sect])[None, :]
    return w, max(float(world.fund_payin[k, u].sum()) / THOUSAND_PER_BN / len(sect), 1e-9)


def _node_weights(state: State, world: World, k: int, u: int, priority: np.ndarray, public_venture: np.ndarray) -> np.ndarray:
    """How fund ``u`` splits across nodes this year (the same for each of its payers), (R, N).

    Private VC is crowded out by ``public_venture`` (R, N), the public venture money booked so
    far this year; inside the capital step's compiled fund loop that product is formed there
    (from :func:`_vc_base`), and the Mesa port calls this function."""
    p = world.params
    if world.fund_is_private_vc[u]:
        w, typical = _vc_base(world, k, u)
        if p.crowding_out:
            crowd = public_venture / (public_venture + typical)
            w = w * (1.0 - p.crowding_out_strength * crowd)
        return np.broadcast_to(w, priority.shape)
    w = world.fund_mandate[u][None, :] * priority
    if world.fund_is_provincial[u]:  # the provincial race (or its coordinator): see provinces.py
        w = provinces.node_weights(state, world, k, w)
    return w


def _apply_cap(amount: np.ndarray, cap: int, weight: np.ndarray) -> np.ndarray:
    """Scale each firm's flows from one fund (``amount`` (payers, n)) down so that their total is at
    most ``cap`` per real firm the slot stands for (``weight`` (n,)), in exact integers: the NumPy
    reference of the compiled :func:`_capped` (a test holds the two together)."""
    t = amount.sum(axis=0)
    c = np.floor(cap * weight).astype(np.int64)
    return np.where(t > c, (amount * c) // np.maximum(t, 1), amount)


def _node_money(state: State, world: World, k: int, funds: list, payers: dict, priority: np.ndarray, target_all: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The node split of each fund in ``funds`` (none private VC) for each of its ``payers[u]``, in
    one exact split of all their rows (each row is split alone, so this is the fund-by-fund split).
    Weights: :func:`_node_weights`. Returns the rows (payer x
    replicate of each fund in turn, N) int64 RMB thousand, and each fund's first row (U,), -1 for
    funds not split here."""
    R, N = priority.shape
    off = np.full(world.fund_mandate.shape[0], -1, dtype=np.int64)
    if not funds:
        return np.zeros((0, N), dtype=np.int64), off
    w_all = np.stack([_node_weights(state, world, k, u, priority, None) for u in funds])  # (funds, R, N)
    n_pay = np.array([len(payers[u]) for u in funds])
    ends = np.cumsum(n_pay * R)
    off[funds] = ends - n_pay * R
    # rows (fund, payer, replicate) in that order; each payer's rows of weights are its fund's (R, N)
    w_rows = np.repeat(w_all, n_pay, axis=0).reshape(-1, N)
    t_rows = np.concatenate([target_all[:, u, payers[u]].T.reshape(-1) for u in funds])
    return split(t_rows, w_rows, np.arange(N)), off


# booking kind of each instrument (see BOOKING), as an array the compiled fund loop indexes
_BOOKING_KIND = np.array([BOOKING[i] for i in range(len(BOOKING))], dtype=np.int64)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _take_in(res, dep, waste, payers, kind):  # pragma: no cover - compiled
    """Take in one booked block's sums (what :func:`_book_block` returns): the payers' deployment
    into ``dep`` (payers, R), fraud into ``waste`` (R, P)."""
    dep_b, waste_b = res[0], res[1]
    Pn, R = dep_b.shape
    for i in range(Pn):
        for r in range(R):
            dep[i, r] += dep_b[i, r]
            if kind == 0:
                waste[r, payers[i]] += waste_b[i, r]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _join_blocks(blocks):  # pragma: no cover - compiled
    """The year's ledger blocks (the eight columns of each booked block, :func:`_book_block`) joined
    into one set of eight columns, block after block: one year's part of the ledger, handed back
    to Python as eight arrays rather than eight per block (some 70 us a year of boxing)."""
    n = 0
    for b in blocks:
        n += b[0].shape[0]
    out = (np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int16), np.empty(n, dtype=np.int16),
           np.empty(n, dtype=np.int8), np.empty(n, dtype=np.int16), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64))
    q = 0
    for b in blocks:
        k = b[0].shape[0]
        out[0][q:q + k], out[1][q:q + k], out[2][q:q + k], out[3][q:q + k] = b[0], b[1], b[2], b[3]
        out[4][q:q + k], out[5][q:q + k], out[6][q:q + k], out[7][q:q + k] = b[4], b[5], b[6], b[7]
        q += k
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _deploy_year_jit(order, pay_mask, node_rows, node_off, vc_base, vc_typical, crowding, crowd_s, target_all, dep_all, waste,
                 fund_instrument, fund_selection, fund_is_provincial, fund_cap, fund_mandate, fund_keys, ticket,
                 payer_public, payer_province, fraud, startup_share, startup_ticket, max_deals, a_cap, b_size, sigma, log_tiny,
                 V, year, E, F0, base_id, entry_keys, cum_w, w_sum, tools_dom, fab_nodes,
                 alive, node, tier, owner, prov, hq_cn, cap, capa, foreign_tools, age, fid, weight, K, entries, n_entered,
                 next_slot, log_cap, log_capa, mixed, cash, received, grants, debt, exposure, book_subsidy, book_grant,
                 book_equity, book_loan, book_fraud, public_venture, replicates, sector_flows, lay, pre_all, pre_sums, pre_row):  # pragma: no cover - compiled
    """Every fund's deployment of the year, in ``order``, in one compiled loop (the steps of
    :func:`step`, fund by fund): each payer's money (``target_all`` (R, U, P)) split over nodes
    (``node_rows`` from offset ``node_off[u]``, made for all but private VC funds at once; for
    private VC by ``vc_base`` crowded out by the public venture money booked so far), and over
    provinces in the provincial fund; venture funds found start-ups with their start-up share
    (:func:`_startup_slots`, :func:`_open_kernel`) and book them; then each fund's deals are
    selected and booked (:func:`_select_book`). Fills ``dep_all`` (R, U, P), ``waste`` and the
    sums by sector of ``sector_flows`` (see :func:`_book_block`) in place. ``lay`` is the year's
    layout of the firms (:func:`_layout`); fund ``u``'s selection weights of its firms were weighed
    before, on threads, into ``pre_all[pre_row[u], 0]`` and their selection draws into
    ``pre_all[pre_row[u], 1]``, and each node's sum of the weights into ``pre_sums[pre_row[u]]``,
    where ``pre_row[u]`` >= 0 (:func:`_weigh_layout`), else they are made as the fund selects. Returns the year's ledger columns (the blocks joined in order, :func:`_join_blocks`), the
    provincial fund's deals, and whether that fund deployed.
    """
    R, U, P = target_all.shape
    N = fund_mandate.shape[1]
    tb_n = np.arange(N).reshape(1, N)
    tb_v = np.arange(V).reshape(1, V)
    g_node_1, g_prov_1 = np.arange(N), np.full(N, -1)
    g_node_v, g_prov_v = np.empty(N * V, dtype=np.int64), np.empty(N * V, dtype=np.int64)
    for n in range(N):
        for v in range(V):
            g_node_v[n * V + v], g_prov_v[n * V + v] = n, v
    ledger = []
    prov_deals = []
    prov_seen = False
    # the scratch arrays of deal selection on the layout of the firms alive as the year's funds begin
    y0 = F0 + n_entered  # this year's start-ups fill slots y0.. (a copy: n_entered grows below)
    work = _select_work(R, alive.shape[1])
    not_weighed, not_summed = np.empty((2, 0, 0)), np.empty((0, 0))
    for u in order:
        payers = np.nonzero(pay_mask[u])[0]
        Pn = payers.shape[0]
        if Pn == 0:
            continue
        instrument, selection = fund_instrument[u], fund_selection[u]
        provincial = fund_is_provincial[u]
        Vg = V if provincial else 1
        G = N * Vg
        kind = _BOOKING_KIND[instrument]
        if kind == 0:
            book = book_subsidy
        elif kind == 1:
            book = book_grant
        elif kind == 2:
            book = book_equity
        else:
            book = book_loan
        venture_public = payer_public[payers] & (selection == VENTURE)
        cap_u = fund_cap[u]
        # each payer's money by node (rows payer x replicate)
        if node_off[u] >= 0:
            a_all = node_rows[node_off[u]: node_off[u] + Pn * R].copy().reshape(Pn, R, N)
        else:
            t2 = np.empty(Pn * R, dtype=np.int64)
            w2 = np.empty((Pn * R, N))
            for i in range(Pn):
                for r in range(R):
                    t2[i * R + r] = target_all[r, u, payers[i]]
                    for n in range(N):
                        w = vc_base[u, n]
                        if crowding:
                            pv = public_venture[r, n]
                            w = w * (1.0 - crowd_s * (pv / (pv + vc_typical[u])))
                        w2[i * R + r, n] = w
            a_all = np.ascontiguousarray(_split_kernel(t2, w2, tb_n)).reshape(Pn, R, N)
        if provincial:  # a province's money stays in it; a national payer's spreads evenly
            A = np.zeros((Pn, R, N * V), dtype=np.int64)
            for i in range(Pn):
                v = payer_province[payers[i]]
                if v >= 0:
                    for r in range(R):
                        for n in range(N):
                            A[i, r, n * V + v] = a_all[i, r, n]
                else:
                    sp = _split_kernel(a_all[i].copy().reshape(R * N), np.ones((R * N, V)), tb_v)
                    for r in range(R):
                        for n in range(N):
                            for v2 in range(V):
                                A[i, r, n * V + v2] = sp[r * N + n, v2]
            g_node, g_prov = g_node_v, g_prov_v
        else:
            A = a_all
            g_node, g_prov = g_node_1, g_prov_1
        dep = np.zeros((Pn, R), dtype=np.int64)
        blocks = []  # booked blocks of flows (what _book_block returns), taken in below
        own_lo = F0 + n_entered  # the start-ups this fund opens fill slots own_lo.. and are not selected again
        if selection == VENTURE:
            A_s = np.empty((Pn, R, G), dtype=np.int64)
            counts = np.zeros((R, G), dtype=np.int64)
            for i in range(Pn):
                for r in range(R):
                    for g in range(G):
                        a_s = np.int64(np.floor(A[i, r, g] * startup_share))
                        A_s[i, r, g] = a_s
                        counts[r, g] += a_s
            for r in range(R):
                for g in range(G):
                    counts[r, g] = counts[r, g] // startup_ticket
            r_n, m_n, g_n = _startup_slots(counts, E, F0, base_id, next_slot, n_entered, fid)
            if r_n.shape[0]:
                _open_kernel(r_n, m_n, g_n, g_node, g_prov, entry_keys, cum_w, w_sum, tools_dom, fab_nodes, K, weight, fid,
                             alive, node, tier, owner, prov, hq_cn, cap, capa, foreign_tools, age, entries)
            made = np.zeros((R, G), dtype=np.bool_)
            f_n = np.empty(r_n.shape[0], dtype=np.int64)
            for j in range(r_n.shape[0]):  # later funds may pick them
                r, m = r_n[j], m_n[j]
                log_cap[r, m], log_capa[r, m], mixed[r, m] = np.log(cap[r, m]), log_tiny, rng.id_mix(fid[r, m])
                made[r, g_n[j]] = True
                f_n[j] = fid[r, m]
            A_made = np.zeros((Pn, R * G), dtype=np.int64)
            for i in range(Pn):
                for r in range(R):
                    for g in range(G):
                        if made[r, g]:
                            A_made[i, r * G + g] = A_s[i, r, g]
                            A[i, r, g] -= A_s[i, r, g]
            if r_n.shape[0]:
                blocks.append(_split_book(A_made, r_n * G + g_n, np.ones(r_n.shape[0]), f_n, r_n, m_n, cap_u, weight, kind, payers,
                                          fraud, node, fid, cash, received, grants, debt, exposure, book, book_fraud, R,
                                          venture_public, public_venture, replicates, year, u, instrument, sector_flows,
                                          selection == VENTURE))
        A_tot = np.zeros((R, G), dtype=np.int64)
        for i in range(Pn):
            for r in range(R):
                for g in range(G):
                    A_tot[r, g] += A[i, r, g]
        deals = np.minimum(np.ceil(A_tot / ticket[u]), max_deals)
        pre = pre_all[pre_row[u]] if pre_row[u] >= 0 else not_weighed
        psum = pre_sums[pre_row[u]] if pre_row[u] >= 0 else not_summed
        res = _select_book(lay, work, pre, psum, y0, own_lo, alive, fund_mandate[u], owner, instrument == INTERNAL, prov, log_cap, log_capa,
                           age, mixed, fund_keys[u], selection, a_cap, b_size, sigma, Vg, deals, A_tot, A.reshape(Pn, R * G),
                           cap_u, weight, kind, payers, fraud, node, fid, cash, received, grants, debt, exposure, book, book_fraud,
                           R, venture_public, public_venture, replicates, year, u, instrument, sector_flows, selection == VENTURE)
        if res[3].shape[0]:  # flows above zero (none: nothing to take in)
            blocks.append(res)
        for b in blocks:  # the start-ups' block, then the deals'
            _take_in(b, dep, waste, payers, kind)
            ledger.append(b[2])
            if provincial:  # its deals (replicate row, slot, payer, node, amount of each row) for provinces.step
                prov_deals.append((b[3], b[4], b[2][2], b[2][5], b[2][7]))
        if provincial:
            prov_seen = True
        for i in range(Pn):
            for r in range(R):
                dep_all[r, u, payers[i]] = dep[i, r]
    return _join_blocks(ledger), prov_deals, prov_seen


# one compiled version for windows of any layout (see zili.model.jit); the year's layout and weights (made afresh,
# C-contiguous) keep their types, so that the runs are read as dense rows
_deploy_year = any_layout(_deploy_year_jit, exact_tail=4)


def step(state: State, world: World, k: int, priority: np.ndarray, ledger: list) -> State:
    """Pay in, deploy and book every flow of year index ``k``; append ledger arrays.

    Each fund selects its deals once (groups: node, or node x province for provincial
    funds, whose money stays in its province); every payer's share of the fund's money
    is then split exactly over the same deals. What holds for the whole year (targets, the
    node split of the public funds, private VC's uncrowded weights, the entry terms, the
    shared logs and mixed ids) is formed here; the funds then deploy one after another in
    one compiled loop (:func:`_deploy_year`).
    """
    p = world.params
    R = state.alive.shape[0]
    N = len(world.names["node"])
    V = len(world.names["province"])
    U, P = world.fund_payin.shape[1:]
    year = int(world.years[k])
    sc = state.scratch
    sc["public_venture"] = np.zeros((R, N))
    state.received[:] = 0
    state.grants[:] = 0
    sc.pop("provincial_deals", None)  # set again below if the provincial fund books this year
    # a synthetic firm stands for ``w`` real firms: its deals and start-up tickets are ``w`` real ones
    w = world.synthetic_weight
    ticket = np.where(world.fund_selection == VENTURE, p.ticket_rmb_bn, p.big_ticket_rmb_bn) * THOUSAND_PER_BN * w
    startup_ticket = max(int(p.startup_ticket_rmb_bn * THOUSAND_PER_BN * w), 1)
    max_deals = max(p.max_deals_per_fund_node / w, 1.0)
    F0 = len(world.firm_id)
    fund_keys = rng.stream_keys(state.entropy, state.replicates, year, "capital", np.arange(U))  # (U, R)
    log_cap, log_capa = log_scores(state)  # shared by every fund (start-ups opened below are added)
    mixed = rng.mix_ids(state.fid)  # likewise: the id half of every firm's keyed draws
    order = [u for u in range(U) if not world.fund_is_private_vc[u]] + [u for u in range(U) if world.fund_is_private_vc[u]]
    # what each fund holds per payer (R, U, P), what it aims to deploy, and (below) what it deployed
    avail_all = state.idle + world.fund_payin[k][None]
    target_all = np.floor(avail_all * world.fund_deploy_rate[None, :, None]).astype(np.int64)
    dep_all = np.zeros((R, U, P), dtype=np.int64)
    held = avail_all.any(axis=(0, 2))  # funds holding anything
    pay_mask = (target_all.sum(axis=0) != 0) & held[:, None]  # (U, P): each fund's paying payers
    fund_of, payer_of = np.nonzero(pay_mask)  # (fund, payer) pairs in row order: each fund's payers, in order
    cut = np.searchsorted(fund_of, np.arange(U + 1))
    payers_of = {u: payer_of[cut[u]:cut[u + 1]] for u in order if cut[u + 1] > cut[u]}  # the paying funds
    # the node split of every fund but private VC (whose weights depend on this year's public venture money) at once
    public = [u for u in payers_of if not world.fund_is_private_vc[u]]
    node_rows, node_off = _node_money(state, world, k, public, payers_of, priority, target_all)
    vc_base, vc_typical = np.zeros((U, N)), np.ones(U)
    for u in payers_of:
        if world.fund_is_private_vc[u]:
            base, vc_typical[u] = _vc_base(world, k, u)
            vc_base[u] = base[0]
    entry = _entry_terms(state, world, k)
    books = state.books
    # the firms alive as the year's funds begin, laid out by node for deal selection; with threads,
    # every fund's selection weights of them are weighed here, in pieces (the runs' draws do not
    # depend on what the funds before deploy)
    a_cap, b_size, sigma = float(p.selection_capability), float(p.selection_size), float(p.selection_noise)
    lay = (_layout_any if state.threads == 1 else _layout_any_threaded)(state.alive, state.node, state.prov, log_cap, log_capa, state.age, state.owner, mixed, a_cap, b_size, N)
    pre_row = np.full(U, -1, dtype=np.int64)
    if state.threads > 1:
        weighs = [u for u in payers_of if world.fund_instrument[u] != INTERNAL and (world.fund_mandate[u] > 0).any()]
        pre_row[weighs] = np.arange(len(weighs))
        pre_all, pre_sums = np.empty((len(weighs), 2, R, lay[1].shape[1])), np.empty((len(weighs), R, N))
        _weigh_layout(lay[0], lay[3], lay[4], np.asarray(weighs, dtype=np.int64), world.fund_mandate,
                      world.fund_selection.astype(np.int64), fund_keys, sigma, pre_all, pre_sums, state.threads)
    else:
        pre_all, pre_sums = np.empty((0, 2, R, 0)), np.empty((0, R, N))
    # the year's flows by (replicate, sector), all funds' and venture funds', summed as they are booked (for realfin.step)
    S = len(world.names["sector"])
    sector_flows = (world.node_sector.astype(np.int64), np.zeros((R, S)), np.zeros((R, S)))
    sc["sector_flows"] = sector_flows[1:]
    ledger_u, prov_deals, prov_seen = _deploy_year(
        np.array(order, dtype=np.int64), pay_mask, node_rows, node_off, vc_base, vc_typical, bool(p.crowding_out),
        float(p.crowding_out_strength), target_all, dep_all, sc["waste"], world.fund_instrument.astype(np.int64),
        world.fund_selection.astype(np.int64), world.fund_is_provincial, world.fund_cap_per_firm.astype(np.int64), world.fund_mandate,
        fund_keys, ticket.astype(np.float64), world.payer_public, world.payer_province.astype(np.int64), world.fraud[k],
        float(p.startup_share), startup_ticket, float(max_deals), a_cap, b_size, sigma, float(np.log(1e-6)), V, year, entry["E"], F0, state.first_new_id + k * entry["E"],
        entry["keys"], entry["cum_w"], entry["w_sum"], entry["tools_dom"], world.fab_nodes,
        state.alive, state.node, state.tier, state.owner, state.prov, state.hq_cn, state.cap, state.capa, state.foreign_tools,
        state.age, state.fid, state.weight, state.K, sc["entries"], state.n_entered, state.next_slot, log_cap, log_capa, mixed,
        state.cash, state.received, state.grants, state.debt, state.exposure, books["subsidy"], books["grant"], books["equity"],
        books["loan"], books["fraud"], sc["public_venture"], state.replicates, sector_flows, lay, pre_all, pre_sums, pre_row)
    ledger.append(ledger_u)  # the year's ledger rows, in booking order
    if prov_seen:
        sc["provincial_deals"] = list(prov_deals)
    # idle capital = what a fund held minus what reached firms, per payer (exact); the year's sums
    state.idle[:, held, :] = (avail_all - dep_all)[:, held, :]
    sc["budget"], sc["fund_budget"] = avail_all.sum(axis=1), avail_all.sum(axis=2)
    sc["deployed"], sc["fund_deployed"] = dep_all.sum(axis=1), dep_all.sum(axis=2)
    of_instrument = (world.fund_instrument[:, None] == np.arange(len(INSTRUMENTS))[None]).astype(np.int64)  # (U, I), exact
    sc["by_instrument"] = dep_all.sum(axis=2) @ of_instrument
    sc["public_by_instrument"] = dep_all[:, :, world.payer_public].sum(axis=2) @ of_instrument
    # local-government financing vehicles (LGFV debt) are booked in provinces.step
    return state
