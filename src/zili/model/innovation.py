"""Step 4, innovation: capability per firm and tier rises toward a moving frontier.

A firm's capability c (0-1, relative to the world frontier of its tier) gains from R&D
(own spending plus grants, with diminishing returns, scaled by engineer supply and SOE
efficiency), learning-by-doing on cumulative domestic output of its node, spillovers
toward national best practice (stronger in hubs and innovation centres) and licensed
foreign technology (cut by controls), then is divided by the frontier's growth. Firms
that master the mature tier try the advanced one. National capability K per node and
tier is the capacity-weighted mean capability of China-located firms, or the previous K
drifting behind the frontier where the node-tier has no capacity: with no firms, K only drifts.

References
----------
Hall, Mairesse & Mohnen (2010), doi:10.1016/S0169-7218(10)02008-3 (returns to R&D);
Irwin & Klenow (1994), doi:10.1086/261968 (learning-by-doing in semiconductors).
"""

from __future__ import annotations

import numba
import numpy as np

from zili.model import backend, market, rng, threads, vmath
from zili.model.jit import any_layout
from zili.model.state import State
from zili.model.world import SOES, World, is_soe



# the parameters of the per-firm kernel, in the order the compiled kernel unpacks them
KERNEL_PARAMS = (
    "rd_scale_share", "rd_min_scale_rmb_bn", "soe_efficiency", "rd_effect", "spillover", "hub_spillover_boost",
    "licensing", "noise_sd", "upgrade_threshold", "upgrade_start",
)


def advance(xp, f: dict, t: dict, p: dict) -> dict:
    """New capability (0-1 of the tier's frontier) and tier of every firm slot, as a pure array function.

    The reference of the compiled :func:`_advance_kernel` and what the JAX backend traces.

    Parameters
    ----------
    f : dict of (R, M) firm arrays
        alive, node, tier, owner, prov, cap, capa (RMB bn), rd_own (RMB bn), grants (int64
        RMB thousand), listed (named firm on an entity list this year, 0/1), z (keyed standard
        normal), u (keyed uniform); ``weight`` (M,).
    t : dict of tables
        talent (R, N): engineer fill rate to the talent elasticity; lbd (R, N): learning gain;
        K (R, N, 2): national capability; hub (V,): hub province; centre (N,): innovation-centre
        boost; cut, frontier (N, 2): foreign-technology cut and frontier growth; bound (R,):
        the AI-models cap (privacy, compute); ai: node index of AI models (-1 if absent).
    p : dict of float
        The :data:`KERNEL_PARAMS`.
    """
    rr = xp.arange(f["alive"].shape[0])[:, None]
    n, tier, cap, alive = f["node"], f["tier"], f["cap"], f["alive"]
    # R&D acts through its intensity (R&D per unit of the firm's capacity), so the aggregate does
    # not depend on how finely the population is split into firms
    scale = p["rd_scale_share"] * xp.maximum(f["capa"], p["rd_min_scale_rmb_bn"] * f["weight"])
    rd = f["rd_own"] + f["grants"] / 1e6  # own R&D (last year's budget) + this year's grants
    eff = xp.where(is_soe(f["owner"]), p["soe_efficiency"], 1.0)
    gain_rd = p["rd_effect"] * xp.log1p(rd / scale) * eff * t["talent"][rr, n]
    gain_lbd = t["lbd"][rr, n]
    hub = t["hub"][f["prov"]] + t["centre"][n] / 0.15
    gain_spill = p["spillover"] * (1 + p["hub_spillover_boost"] * hub) * xp.maximum(t["K"][rr, n, tier] - cap, 0.0)
    listed = f["listed"]
    gain_lic = p["licensing"] * (1 - t["cut"][n, tier]) * (1 - listed)
    noise = xp.exp(p["noise_sd"] * f["z"] - 0.5 * p["noise_sd"] ** 2)
    gain = (1 - cap) * ((gain_rd + gain_lbd) * noise + gain_lic) + gain_spill
    gain = xp.where(n == t["ai"], gain * t["bound"][:, None], gain)
    new = xp.where(alive, xp.minimum(1.0, cap + xp.maximum(gain, 0.0)) / (1 + t["frontier"][n, tier]), cap)
    # mature-tier masters attempt the advanced tier, starting below national best practice there
    up = alive & (tier == 0) & (new > p["upgrade_threshold"]) & (listed == 0) & (f["u"] < 0.3)
    new = xp.where(up, t["K"][rr, n, 1] * p["upgrade_start"], new)
    return {"cap": xp.maximum(new, 1e-6), "tier": xp.where(up, 1, tier)}


_CHUNK = vmath.CHUNK  # slots whose noise is drawn together: the vectorised logs and exps run over a chunk
_PIECE = 2 * _CHUNK  # slots a thread advances at a time (see zili.model.threads)


def _advance_pass(alive, node, tier, owner, prov, cap, capa, rd_own, grants, listed_f0, weight, fid, keys,
                  talent, lbd, K, hub_prov, centre, cut, frontier, bound, ai, pv):  # pragma: no cover - compiled
    """:func:`advance` as compiled passes over chunks of :data:`_CHUNK` slots, updating ``cap`` and
    ``tier`` in place: the inputs of the chunk's transcendental functions (R&D intensity, the
    normal's two keyed uniforms), then log1p, log, cos and exp over the chunk in dense loops
    (:mod:`zili.model.vmath`, within 2 ulp of libm), then each firm's gain; only the chunk's alive
    firms are drawn for and go through the functions (compacted in slot order).

    ``keys`` (R, 3): the normal's two streams and the upgrade draw's; ``listed_f0`` (F0,): the
    entity-list flag of the starting slots (entrants are never listed; empty in a year without listings).
    """
    rss, rdmin, soe_eff, rde, spill, hsb, lic, nsd, thr, ups = (pv[0], pv[1], pv[2], pv[3], pv[4], pv[5], pv[6], pv[7], pv[8], pv[9])
    R, M = alive.shape
    F0 = listed_f0.shape[0]
    half_var = 0.5 * nsd**2
    n_pieces = (M + _PIECE - 1) // _PIECE
    for it in numba.prange(R * n_pieces):
        r, p0 = divmod(np.uint64(it), np.uint64(n_pieces))
        p0 = np.int64(p0 * np.uint64(_PIECE))
        k1, k2, k3 = keys[r, 0], keys[r, 1], keys[r, 2]
        lrd = np.empty(_CHUNK)  # R&D intensity, then its log1p
        lu = np.empty(_CHUNK)  # the first uniform, then its log
        nz = np.empty(_CHUNK)  # the second uniform, then cos(2 pi u), then the noise factor
        ub = np.empty(_CHUNK)
        hb = np.empty(_CHUNK, dtype=np.uint64)  # mixed ids
        sc = np.empty(_CHUNK, dtype=np.uint64)
        at = np.empty(_CHUNK, dtype=np.int64)  # the slot of each alive firm of the chunk, in slot order
        for m0 in range(p0, min(p0 + _PIECE, M), _CHUNK):
            c = 0  # the chunk's alive firms, compacted: dead and unused slots get no draws and no functions
            for m in range(m0, min(m0 + _CHUNK, M)):
                if alive[r, m]:
                    scale = rss * max(capa[r, m], rdmin * weight[m])
                    lrd[c] = (rd_own[r, m] + grants[r, m] / 1e6) / scale  # own R&D (last year's budget) + this year's grants
                    h = rng.id_mix(fid[r, m])  # the id half of the three draws, once
                    hb[c], lu[c], nz[c] = h, rng.u01_mixed(k1, h), rng.u01_mixed(k2, h)
                    at[c] = m
                    c += 1
                else:  # a dead or unused slot keeps its capability
                    cap[r, m] = max(cap[r, m], 1e-6)
            vmath.log1p_inplace(lrd[:c], ub[:c], sc[:c])
            vmath.log_inplace(lu[:c], sc[:c])
            vmath.cos2pi_inplace(nz[:c])
            for j in range(c):  # Box-Muller: z = sqrt(-2 log u1) cos(2 pi u2); noise = exp(sd z - sd^2 / 2)
                nz[j] = nsd * (np.sqrt(-2.0 * lu[j]) * nz[j]) - half_var
            vmath.exp_inplace(nz[:c], sc[:c])
            for j in range(c):
                m = at[j]
                cp = cap[r, m]
                n, ti = node[r, m], tier[r, m]
                ow = owner[r, m]
                eff = soe_eff if (ow == SOES[0] or ow == SOES[1]) else 1.0
                gain_rd = rde * lrd[j] * eff * talent[r, n]
                hub = hub_prov[prov[r, m]] + centre[n] / 0.15
                gain_spill = spill * (1 + hsb * hub) * max(K[r, n, ti] - cp, 0.0)
                listed = listed_f0[m] if m < F0 else 0.0
                gain_lic = lic * (1 - cut[n, ti]) * (1 - listed)
                gain = (1 - cp) * ((gain_rd + lbd[r, n]) * nz[j] + gain_lic) + gain_spill
                if n == ai:
                    gain = gain * bound[r]
                new = min(1.0, cp + max(gain, 0.0)) / (1 + frontier[n, ti])
                if ti == 0 and new > thr and listed == 0 and rng.u01_mixed(k3, hb[j]) < 0.3:
                    new = K[r, n, 1] * ups
                    tier[r, m] = 1
                cap[r, m] = max(new, 1e-6)


_advance_serial, _advance_threaded = threads.twins(_advance_pass)
# one compiled version for windows of any layout, one for dense ones (see zili.model.jit); the threaded twin likewise
_advance_kernel = any_layout(_advance_serial, contiguous=True)
_advance_kernel_threaded = any_layout(_advance_threaded, contiguous=True)


def _tables(state: State, world: World, k: int) -> dict:
    """The node-level tables :func:`advance` reads, for year index ``k``."""
    p = world.params
    R = state.alive.shape[0]
    N = len(world.names["node"])
    fill = state.scratch.get("talent_fill", np.full((R, N), p.initial_fill))
    growth = np.log2(state.cum_out / state.scratch.get("cum_out_prev", state.cum_out))
    ai = world.names["node"].index("ai_models") if "ai_models" in world.names["node"] else -1
    bound = np.ones(R)
    if ai >= 0:
        bound = bound * (1.0 - p.privacy_data_effect * world.privacy[k])
        if p.ai_compute_bound:
            access = np.clip(state.scratch.get("compute_access", np.ones(R)), 1e-6, 1.0)
            bound = bound * access ** p.ai_compute_elasticity
    return {
        "talent": fill ** p.talent_elasticity, "lbd": p.learning_effect * growth * world.learning[None, :],
        "K": state.K, "hub": world.prov_hub.astype(float), "centre": np.asarray(world.innovation_centre[k], dtype=float),
        "cut": state.scratch["foreign_cut"], "frontier": world.frontier_growth, "bound": bound, "ai": ai,
    }


def step(state: State, world: World, k: int) -> State:
    """Advance firm capability (:func:`advance`) and national capability K for year index ``k``."""
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    year = int(world.years[k])
    t = _tables(state, world, k)
    keys = rng.stream_keys(state.entropy, state.replicates, year, "innovation")
    normal2 = rng._splitmix(keys ^ np.uint64(0xD1B54A32D192ED03))  # the second stream of rng.normal
    keys3 = np.stack([keys, normal2, keys ^ np.uint64(0x5DEECE66D)], axis=1)
    pv = np.array([float(getattr(p, name)) for name in KERNEL_PARAMS])
    listed_f0 = state.scratch["listed_f0"]  # policy.step's (none listed: empty, which the kernel reads as 0)
    if state.backend == "numba":
        kernel = _advance_kernel if state.threads == 1 else _advance_kernel_threaded
        kernel(state.alive, state.node, state.tier, state.owner, state.prov, state.cap, state.capa, state.rd_own,
                        state.grants, listed_f0, state.weight, state.fid, keys3, t["talent"], t["lbd"], t["K"], t["hub"],
                        t["centre"], t["cut"], t["frontier"], t["bound"], int(t["ai"]), pv)
    else:
        f = {name: getattr(state, name) for name in ("alive", "node", "tier", "owner", "prov", "cap", "capa", "rd_own", "grants", "weight")}
        listed = np.zeros((R, M))
        listed[:, : len(listed_f0)] = listed_f0[None, :]
        f["listed"], f["z"], f["u"] = listed, rng.normal(keys, state.fid), rng.uniform(keys3[:, 2], state.fid)
        res = backend.run_array(state.backend, advance, f, t, dict(zip(KERNEL_PARAMS, pv)))
        state.cap, state.tier = res["cap"], res["tier"].astype(state.tier.dtype, copy=False)
    # national capability: capacity-weighted mean over China-located firms (invariant to how
    # finely the population is split); with no capacity in a node-tier, K drifts behind the frontier
    w, cw = market.compute_tier_sums(state, N)
    # firms do not change again before production: market and production reuse these sums
    state.scratch["tier_sums"] = (w, cw)
    drift = (state.K / (1 + world.frontier_growth)[None]).reshape(R, N * 2)
    state.K = np.where(w > 0, cw / np.where(w > 0, w, 1.0), drift).reshape(R, N, 2)
    return state
