"""zili's firm model written the way a Mesa 3 user would write it: one Python object per firm.

This is the reference point of the benchmark (issue 8): the same yearly mechanics as
``zili.model.engine.simulate``, but every per-firm computation is per-agent Python in a
``mesa.Model`` (``mesa.Agent`` subclasses, ``model.agents_by_type``, ``AgentSet.do`` /
``shuffle_do``, ``mesa.DataCollector``, randomness from ``model.rng``). One model
instance is one replicate. Parameters, funds, payers, nodes and the starting firms are
read from the same compiled :class:`~zili.model.world.World`.

Ported per agent (Python loops over firm agents)
------------------------------------------------
* capital (``zili/model/capital.py``): every fund agent, in zili's order (public funds,
  then private VC), takes idle money plus this year's pay-in, deploys its deploy rate,
  splits each payer's money over nodes (and provinces for the provincial guidance
  funds), founds startups with the venture share (one new ``FirmAgent`` each, capped at
  ``max_entries_per_year``; as in zili, a fund's new startups are not candidates for its
  own deals that year), then loops over the firm agents: eligibility (mandate,
  internal R&D only for SOEs), score ``capability^a * size^b`` (champions), ``capability^a
  x 2 if young`` (venture) or size (broad), times ``exp(sigma * Gumbel)`` noise; deals per
  group ``min(ceil(money / ticket), max_deals)``; each firm is selected with probability
  ``deals * w / sum w`` and the group's money is shared over the selected firms by ``w``.
  Instruments are booked per firm (subsidy fraud, grants, equity, loans into debt);
  idle capital carries over per payer; the per-firm cap is applied.
* the provincial race's reinvestment clauses (``provinces.step``): firms funded by the
  provincial guidance funds build plants from their own cash.
* innovation (``innovation.py``): R&D with diminishing returns x SOE efficiency x talent
  fill, learning-by-doing, spillovers (hubs, innovation centres), licensing cut by
  controls and entity listings, log-normal noise, frontier drift, upgrade to the
  advanced tier; national capability K as the capacity-weighted mean over firm agents.
* production (firm part of ``production.py``): each firm's output is its capacity x
  capability share of its node-tier's output (less entity-listing losses), at most its
  capacity.
* finance (``finance.py``): revenue, variable and fixed costs, own R&D, maintenance,
  demand-pulled expansion from margins and bank loans within a leverage limit, equity
  capex, interest, capacity growth limited by tool availability, foreign-tool wear
  under servicing bans, and distress: SOE bail-outs (soft budget), acquisitions by an
  SOE of the node, exits (hazard when insolvent, young-firm and financial-restriction
  exits; an exiting agent is removed from the model), distress loans.
* talent (``talent.py``): the engineer pool and the R&D fill rate (a sum over agents).

Node-level code reused from zili (arrays over nodes, not firms)
---------------------------------------------------------------
``policy.step`` (stockpiles), ``priorities.step``, ``market.step`` (demand, NEV adoption,
domestic share), the node part of ``production.step`` (trade over the input graph,
prices, battery learning, infrastructure), ``nev.expansion``, ``provinces.expansion``,
``provinces.node_weights`` (via ``capital._node_weights``) and ``money.split`` for the
node split of each payer's money. They run on a one-replicate zili ``State`` whose
"firms" are the 2N node-tier aggregates the agents report each year (capacity, and
capacity-weighted capability), so they see exactly what zili's group sums would.

Simplified (none of these change the compared aggregates' expectation)
---------------------------------------------------------------------
* Random streams are the model's ``numpy`` Generator, not zili's keyed SplitMix streams,
  so runs agree in distribution, not draw by draw.
* One agent is one firm: the World must have a firm weight of 1 (the benchmarks set
  ``run.firms_represented = run.firms``, see ``benchmarks/worlds.py``); the weighted
  synthetic firms of a coarser population are not ported.
* Money inside a group is shared over selected firms by one floor split per group (the
  remainder to the first firm), not one exact largest-remainder split per payer; per-payer
  exposure, the cumulative firm books, the ledger, write-off waste, LGFV debt and the
  metric catalogue are not kept (they do not feed back on firms). Firm-level R&D, output,
  capability, cash, debt, capacity and capital deployed are.

Everything else (switches, events, background programmes, anchors) is whatever the
World holds, so the zili side of a comparison runs the same scenario unchanged.
"""

from __future__ import annotations

import dataclasses
import math

import mesa
import numpy as np

from zili.model import capital as zcap
from zili.model import market, nev, policy, priorities, production, provinces
from zili.model.money import THOUSAND_PER_BN, split
from zili.model.policy import foreign_cut
from zili.model.state import initial_state
from zili.model.world import OWNERSHIP, SELECTION, SOES, World

EQUITY, GRANT, LOAN, SUBSIDY, TAX, INTERNAL = range(6)
CHAMPIONS, VENTURE = SELECTION.index("champions"), SELECTION.index("venture")
STARTUP = OWNERSHIP.index("startup")
LOCAL_SOE = OWNERSHIP.index("local_soe")
FOREIGN_FAB = OWNERSHIP.index("foreign_fab")


class FirmAgent(mesa.Agent):
    """One firm: money in RMB thousand (int), capacity and output in RMB bn per year."""

    def __init__(self, model, *, node, tier, owner, prov, cap, capa, cash, age, foreign_tools, listing_index=-1):
        super().__init__(model)
        self.node, self.tier, self.owner, self.prov = int(node), int(tier), int(owner), int(prov)
        self.cap, self.capa, self.out = float(cap), float(capa), 0.0
        self.cash, self.debt, self.age = int(cash), 0, int(age)
        self.foreign_tools = float(foreign_tools)
        self.rd = self.rd_own = 0.0
        self.received = self.grants = 0
        self.listing_index = int(listing_index)  # index into World.entity_listed columns, -1 for entrants
        self.weight = 0.0  # selection weight of the current fund, scratch

    # --- capital ---------------------------------------------------------------
    def receive(self, instrument: int, amount: int, fraud: float) -> None:
        """Book a flow of ``amount`` RMB thousand from a fund."""
        if instrument in (SUBSIDY, TAX):
            lost = math.floor(amount * fraud)
            self.cash += amount - lost
            self.received += amount - lost
        elif instrument in (GRANT, INTERNAL):
            self.cash += amount
            self.grants += amount
        else:
            self.cash += amount
            self.received += amount
            if instrument == LOAN:
                self.debt += amount

    # --- innovation ------------------------------------------------------------
    def innovate(self, c: dict) -> None:
        p = c["p"]
        n, t = self.node, self.tier
        scale = p.rd_scale_share * max(self.capa, p.rd_min_scale_rmb_bn)
        rd = self.rd_own + self.grants / 1e6
        eff = p.soe_efficiency if self.owner in SOES else 1.0
        gain_rd = p.rd_effect * math.log1p(rd / scale) * eff * c["talent"][n]
        gain_lbd = c["lbd"][n]
        hub = c["hub"][self.prov] + c["centre"][n]
        gain_spill = p.spillover * (1 + p.hub_spillover_boost * hub) * max(c["K"][n][t] - self.cap, 0.0)
        listed = c["listed"][self.listing_index] if self.listing_index >= 0 else 0.0
        gain_lic = p.licensing * (1 - c["cut"][n][t]) * (1 - listed)
        z = self.model.rng.standard_normal()
        noise = math.exp(p.noise_sd * z - 0.5 * p.noise_sd**2)
        gain = (1 - self.cap) * ((gain_rd + gain_lbd) * noise + gain_lic) + gain_spill
        if n == c["ai"]:
            gain *= c["ai_bound"]
        cap = min(1.0, self.cap + max(gain, 0.0)) / (1 + c["frontier"][n][t])
        if t == 0 and cap > p.upgrade_threshold and listed == 0 and self.model.rng.random() < 0.3:
            cap = c["K"][n][1] * p.upgrade_start
            self.tier = 1
        self.cap = max(cap, 1e-6)

    # --- production ------------------------------------------------------------
    def production_weight(self, c: dict) -> float:
        w = self.capa * self.cap
        if c["listing_on"] and self.listing_index >= 0:
            w *= 1.0 - c["listed"][self.listing_index] * (1.0 - c["dom_in"])
        return w

    def produce(self, c: dict) -> None:
        key = 2 * self.node + self.tier
        W = c["W"][key]
        share = self.production_weight(c) / W if W > 0 else 0.0
        self.out = min(share * c["output"][key], self.capa)

    # --- finance ---------------------------------------------------------------
    def settle(self, c: dict) -> None:
        p = c["p"]
        n, t = self.node, self.tier
        revenue_bn = self.out * c["price"][n]
        revenue = round(revenue_bn * 1e6)
        ci = c["cost_index"][n]
        iota = p.capital_intensity * ci
        cost = round((p.variable_cost_share * revenue_bn + p.fixed_cost_share * ci * self.capa) * 1e6)
        own_rd = round(p.own_rd_intensity * revenue_bn * 1e6) if self.cash > 0 else 0
        rd = own_rd + self.grants
        margin = max(revenue - cost - own_rd, 0)
        maintain = round(p.capacity_depreciation * self.capa * iota * 1e6)
        want = round(c["expand"][n][t] * self.capa * iota * 1e6)
        expand = min(max(margin - maintain, 0), want)
        room = max(round(p.max_leverage * self.capa * iota * 1e6) - self.debt, 0)
        borrow = min(want - expand, room) if self.cash > 0 else 0
        self.debt += borrow
        self.cash += borrow
        capex = math.floor(p.capex_share_equity * self.received) + maintain + expand + borrow
        interest = math.floor(self.debt * p.interest_rate)
        self.cash += revenue - cost - rd - capex - interest
        self.rd, self.rd_own = rd / 1e6, own_rd / 1e6
        new_capa = min((capex - maintain) / 1e6 / iota, max(self.capa, 0.05) * p.capacity_growth_cap)
        fab = c["fab"][n]
        if fab:
            new_capa *= c["tool_avail"][t]
            extra = self.foreign_tools * c["ban"][t] / p.foreign_tools_servicing_life
            if c["waiver"] and self.owner == FOREIGN_FAB:
                extra = 0.0
            new_foreign = 1.0 - c["tools_dom"][t]
        else:
            extra, new_foreign = 0.0, 0.0
        kept = max(self.capa * (1 - extra), 0.0)
        total = kept + new_capa
        if total > 0:
            self.foreign_tools = (kept * self.foreign_tools * (1 - extra) + new_capa * new_foreign) / max(total, 1e-12)
        self.capa = total
        # distress and exit
        rng = self.model.rng
        u1, u2, u3 = rng.random(), rng.random(), rng.random()
        soe = self.owner in SOES
        gap = -self.cash if self.cash < 0 else 0
        neg = self.cash < 0
        insolvent = neg and self.debt + gap > round(p.insolvency_leverage * self.capa * iota * 1e6)
        bailout = insolvent and soe and bool(p.soft_budget)
        acquire = insolvent and not soe and u1 < p.acquisition_rate and c["has_soe"][n]
        fail = insolvent and not bailout and not acquire and u2 < p.exit_hazard
        young = self.age < 5 and u3 < p.startup_base_hazard
        restricted = u1 < p.restriction_exit_rate * c["restrict"][n]
        exit_ = fail or ((young or restricted) and not bailout and not acquire)
        if acquire:
            self.owner = LOCAL_SOE
        if neg:  # bail-out, acquisition or distress loan: the gap becomes debt
            self.debt += gap
            self.cash += gap
        self.age += 1
        if exit_:
            self.remove()


class FundAgent(mesa.Agent):
    """A fund or programme: idle money per payer, deployed each year by selecting firm agents."""

    def __init__(self, model, u: int):
        super().__init__(model)
        self.u = u
        self.idle = np.zeros(model.world.fund_payin.shape[2], dtype=np.int64)

    def deploy(self) -> None:
        m, w, p, k = self.model, self.model.world, self.model.world.params, self.model.k
        u, ns = self.u, m.ns
        N, V = m.N, m.V
        avail = self.idle + w.fund_payin[k, u]
        if not avail.any():
            return
        target = np.floor(avail * w.fund_deploy_rate[u]).astype(np.int64)
        payers = np.nonzero(target)[0]
        if len(payers) == 0:
            self.idle = avail
            return
        instrument, selection = int(w.fund_instrument[u]), int(w.fund_selection[u])
        provincial = bool(w.fund_is_provincial[u])
        Vg = V if provincial else 1
        G = N * Vg
        # node-level: each payer's money by group (node, or node x province), as in capital.step
        A = np.zeros((len(payers), G), dtype=np.int64)
        for i, payer in enumerate(payers):
            w_nodes = zcap._node_weights(ns, w, k, u, m.priority, m.public_venture[None])
            a = split(target[payer : payer + 1], w_nodes, np.arange(N))[0]
            v = int(w.payer_province[payer])
            if provincial and v >= 0:
                A[i][np.arange(N) * V + v] = a
            elif provincial:
                A[i] = split(a, np.ones((N, V)), np.arange(V)).reshape(G)
            else:
                A[i] = a
        public = w.payer_public[payers]
        deployed = np.zeros(len(payers), dtype=np.int64)
        flows: list[tuple[FirmAgent, int, float]] = []  # (firm, amount, public share)
        pairs: set = set()  # (node, payer province) of provincial deals
        new: set = set()  # startups founded by this fund now: not yet candidates for its deals (as in zili)
        if selection == VENTURE:
            A_s = np.floor(A * p.startup_share).astype(np.int64)
            counts = A_s.sum(axis=0) // m.startup_ticket
            made = m.create_startups(counts, provincial, Vg)
            tot = A_s.sum(axis=0)
            for g, firms in made.items():
                new.update(firms)
                share, rest = divmod(int(tot[g]), len(firms))
                pub = A_s[public, g].sum() / max(tot[g], 1)
                for j, f in enumerate(firms):
                    flows.append((f, share + (rest if j == 0 else 0), pub))
                deployed += A_s[:, g]
                pairs.update((g // Vg, int(w.payer_province[payers[i]])) for i in np.nonzero(A_s[:, g])[0])
                A[:, g] -= A_s[:, g]
        A_tot = A.sum(axis=0)
        ticket = (p.ticket_rmb_bn if selection == VENTURE else p.big_ticket_rmb_bn) * THOUSAND_PER_BN
        deals = np.minimum(np.ceil(A_tot / ticket), p.max_deals_per_fund_node).tolist()
        mandate = w.fund_mandate[u].tolist()
        A_list = A_tot.tolist()
        sigma, a_cap, b_size = p.selection_noise, p.selection_capability, p.selection_size
        rng = m.rng
        # first pass over firm agents: eligibility and noisy scores, summed by group
        W = [0.0] * G
        cands = []
        for f in m.firms:
            if f in new or mandate[f.node] <= 0 or (instrument == INTERNAL and f.owner not in SOES):
                continue
            cap = max(f.cap, 1e-6)
            if selection == CHAMPIONS:
                score = cap**a_cap * max(f.capa, 1e-6) ** b_size
            elif selection == VENTURE:
                score = cap**a_cap * (2.0 if f.age < 5 else 1.0)
            else:
                score = max(f.capa, 1e-6)
            gumbel = -math.log(-math.log(rng.random()))
            f.weight = score * math.exp(sigma * gumbel)
            g = f.node * Vg + (f.prov if provincial else 0)
            W[g] += f.weight
            cands.append((f, g))
        # second pass: probability-proportional-to-score selection, deals limited
        chosen: dict[int, list] = {}
        for f, g in cands:
            if A_list[g] <= 0 or W[g] <= 0:
                continue
            if rng.random() < min(1.0, deals[g] * f.weight / W[g]):
                chosen.setdefault(g, []).append(f)
        for g, firms in chosen.items():
            wsum = sum(f.weight for f in firms)
            if wsum <= 0:
                continue
            parts = [math.floor(A_list[g] * f.weight / wsum) for f in firms]
            parts[0] += A_list[g] - sum(parts)
            pub = A[public, g].sum() / max(A_list[g], 1)
            flows.extend((f, a, pub) for f, a in zip(firms, parts))
            deployed += A[:, g]
            pairs.update((g // Vg, int(w.payer_province[payers[i]])) for i in np.nonzero(A[:, g])[0])
        cap = int(w.fund_cap_per_firm[u])
        if cap > 0:  # each firm's total from this fund at most ``cap``; payers scaled pro rata
            per_firm: dict = {}
            for f, a, _ in flows:
                per_firm[f] = per_firm.get(f, 0) + a
            over = sum(max(t - cap, 0) for t in per_firm.values())
            scale = {f: min(1.0, cap / t) if t > 0 else 1.0 for f, t in per_firm.items()}
            flows = [(f, math.floor(a * scale[f]), pub) for f, a, pub in flows]
            total = max(int(deployed.sum()), 1)
            deployed = deployed - np.floor(deployed * over / total).astype(np.int64)
        fraud = w.fraud[k].tolist()
        prov_fund = u == m.u_prov
        for f, a, pub in flows:
            if a <= 0:
                continue
            f.receive(instrument, a, fraud[f.node])
            m.deployed += a
            if selection == VENTURE:
                m.public_venture[f.node] += a * pub / THOUSAND_PER_BN
            if prov_fund:
                m.provincial_deals.append((f, a))
        if prov_fund:
            m.provincial_pairs |= pairs
        self.idle = avail.copy()
        self.idle[payers] -= deployed


class ZiliMesaModel(mesa.Model):
    """One replicate of the zili firm model as a Mesa 3 model."""

    def __init__(self, world: World, seed: int | None = None):
        super().__init__(rng=seed)
        weight = float(getattr(world, "synthetic_weight", getattr(world, "firm_weight", 1.0)))
        if weight != 1.0:
            raise ValueError(f"the Mesa port needs one firm per agent (firm weight {weight:g}); set run.firms_represented = run.firms")
        self.world, self.k = world, 0
        self.N, self.V = len(world.names["node"]), len(world.names["province"])
        p = world.params
        self.E = int(p.max_entries_per_year)
        self.startup_ticket = max(int(p.startup_ticket_rmb_bn * THOUSAND_PER_BN), 1)
        self.u_prov = int(np.nonzero(world.fund_is_provincial)[0][0]) if world.fund_is_provincial.any() else -1
        # node-level state: a one-replicate zili State whose "firms" are the 2N node-tier aggregates
        self.world_nodes = dataclasses.replace(world, entity_listed=np.zeros((len(world.years), 0)))
        self.ns = _node_state(world)
        self.engineers, self.graduates = float(world.engineers0), float(world.graduates0)
        # starting firms from the World's arrays
        fab = world.fab_nodes
        ft0 = 1.0 - world.ss0[world.tool_nodes].mean()
        for i in np.argsort(world.firm_id, kind="stable"):
            n = int(world.firm_node[i])
            FirmAgent(
                self, node=n, tier=world.firm_tier[i], owner=world.firm_owner[i], prov=world.firm_province[i],
                cap=world.firm_capability[i], capa=world.firm_capacity[i], cash=world.firm_cash[i],
                age=1 if world.firm_owner[i] == STARTUP else 5, foreign_tools=ft0 if fab[n] else 0.0, listing_index=i,
            )
        order = [u for u in range(len(world.names["fund"])) if not world.fund_is_private_vc[u]]
        order += [u for u in range(len(world.names["fund"])) if world.fund_is_private_vc[u]]
        for u in order:  # AgentSet keeps insertion order: funds deploy in zili's order
            FundAgent(self, u)
        self.deployed = 0
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "output": lambda m: sum(f.out for f in m.firms),
                "alive": lambda m: len(m.firms),
                "mean_capability": lambda m: sum(f.cap for f in m.firms) / max(len(m.firms), 1),
                "capital_deployed": lambda m: m.deployed / THOUSAND_PER_BN,
            }
        )

    @property
    def firms(self):
        return self.agents_by_type[FirmAgent]

    # --- node-tier aggregates (what zili's group sums compute), by looping over agents ---
    def _aggregate(self) -> None:
        N = self.N
        w, cw = [0.0] * (2 * N), [0.0] * (2 * N)
        for f in self.firms:
            key = 2 * f.node + f.tier
            w[key] += f.capa
            cw[key] += f.capa * f.cap
        w, cw = np.array(w), np.array(cw)
        drift = (self.ns.K / (1 + self.world.frontier_growth)[None]).reshape(1, 2 * N)
        mean = np.where(w > 0, cw / np.where(w > 0, w, 1.0), drift[0])
        self.ns.K = mean.reshape(1, N, 2)
        self.ns.capa = w[None].copy()
        self.ns.cap = np.where(w > 0, mean, 0.5)[None]

    def create_startups(self, counts: np.ndarray, provincial: bool, Vg: int) -> dict[int, list]:
        """Found ``counts[g]`` startups per group (node x province); return the new agents by group."""
        w, p = self.world, self.world.params
        G = len(counts)
        room = self.E - self.entries
        c = counts.astype(np.int64)
        if c.sum() > room:
            c = split(np.array(room), c.astype(float), np.arange(G)) if room > 0 else np.zeros(G, dtype=np.int64)
        if c.sum() == 0:
            return {}
        self.entries += int(c.sum())
        hub = np.where(w.prov_hub, p.hub_share / max(w.prov_hub.sum(), 1), 0.0) + (1 - p.hub_share) * w.prov_gdp / w.prov_gdp.sum()
        cum = np.cumsum(hub).tolist()
        tools_dom = float(self.ns.dom_share[0, w.tool_nodes, 0].mean()) if w.tool_nodes.any() else 1.0
        K0 = self.ns.K[0, :, 0]
        made: dict[int, list] = {}
        for g in np.nonzero(c)[0]:
            n = int(g) // Vg
            for _ in range(int(c[g])):
                u = self.rng.random()
                if provincial:
                    prov = int(g) % Vg
                else:
                    prov = min(int(np.searchsorted(cum, u * cum[-1])), self.V - 1)
                f = FirmAgent(
                    self, node=n, tier=0, owner=STARTUP, prov=prov, cap=max(K0[n] * (0.3 + 0.4 * u), 1e-4), capa=0.0,
                    cash=0, age=0, foreign_tools=1.0 - tools_dom if w.fab_nodes[n] else 0.0,
                )
                made.setdefault(int(g), []).append(f)
        return made

    def step(self) -> None:
        """One year: the engine's steps, in the engine's order."""
        w, p, ns, k = self.world, self.world.params, self.ns, self.k
        N = self.N
        ns.year_index = k
        ns.scratch["waste"] = np.zeros((1, len(w.names["payer"])), dtype=np.int64)
        ns.scratch["entries"] = np.zeros((1, N), dtype=np.int64)
        policy.step(ns, w, k)
        self.priority = priorities.step(ns, w, k)
        # capital
        self.entries = 0
        self.public_venture = np.zeros(N)
        self.provincial_deals: list = []
        self.provincial_pairs: set = set()
        self.firms.do(_reset_received)
        self.agents_by_type[FundAgent].do("deploy")
        self._provinces()
        # innovation
        self.firms.shuffle_do("innovate", self._innovation_context())
        self._aggregate()
        market.step(ns, w, k)
        # production: node level in zili's code, then each firm's share
        production.step(ns, self.world_nodes, k)
        c = self._production_context()
        W = [0.0] * (2 * N)
        for f in self.firms:
            W[2 * f.node + f.tier] += f.production_weight(c)
        c["W"] = W
        self.firms.shuffle_do("produce", c)
        nev.expansion(ns, w, k)
        provinces.expansion(ns, w, k)
        self.firms.shuffle_do("settle", self._finance_context())
        self._talent()
        # the recorder's feedback: digitisation gain from cumulative software and cloud output
        dig = [w.names["node"].index(n) for n in ("industrial_software", "cloud")]
        ratio = ns.cum_out[:, dig].sum(1) / ns.cum_out_start[:, dig].sum(1)
        ns.scratch["digitisation_gain"] = p.digitisation_elasticity * np.log2(np.maximum(ratio, 1.0))
        self.datacollector.collect(self)
        self.k += 1

    def run(self, years: int | None = None) -> None:
        for _ in range(len(self.world.years) if years is None else years):
            self.step()

    # --- per-year contexts (node-level numbers the agents read) -----------------
    def _provinces(self) -> None:
        p, sc = self.world.params, self.ns.scratch
        comp = np.zeros(self.N)
        for n, _ in self.provincial_pairs:  # distinct (node, payer province) pairs
            comp[n] += 1
        sc["provinces_competing"] = comp[None]
        if p.province_race and p.reinvestment_ratio > p.capex_share_equity:
            due: dict = {}
            for f, a in self.provincial_deals:
                due[f] = due.get(f, 0) + math.floor(a * (p.reinvestment_ratio - p.capex_share_equity))
            for f, d in due.items():  # every funded firm is alive here (exits come in finance)
                spend = min(d, max(f.cash, 0))
                f.cash -= spend
                f.capa += spend / THOUSAND_PER_BN / p.capital_intensity

    def _innovation_context(self) -> dict:
        w, p, ns, k, N = self.world, self.world.params, self.ns, self.k, self.N
        fill = ns.scratch.get("talent_fill", np.full((1, N), p.initial_fill))[0]
        growth = np.log2(ns.cum_out[0] / ns.scratch.get("cum_out_prev", ns.cum_out)[0])
        ai = w.names["node"].index("ai_models") if "ai_models" in w.names["node"] else -1
        bound = 1.0 - p.privacy_data_effect * w.privacy[k]
        if p.ai_compute_bound:
            access = float(np.clip(ns.scratch.get("compute_access", np.ones(1)), 1e-6, 1.0)[0])
            bound = bound * access**p.ai_compute_elasticity
        return {
            "p": p, "talent": (fill**p.talent_elasticity).tolist(), "lbd": (p.learning_effect * growth * w.learning).tolist(),
            "hub": w.prov_hub.astype(float).tolist(), "centre": (w.innovation_centre[k] / 0.15).tolist(),
            "K": ns.K[0].tolist(), "cut": foreign_cut(w, k).tolist(), "listed": w.entity_listed[k].tolist(),
            "frontier": w.frontier_growth.tolist(), "ai": ai, "ai_bound": float(bound),
        }

    def _production_context(self) -> dict:
        w, ns, k = self.world, self.ns, self.k
        on = bool(w.entity_listed[k].any())
        dom_in = 1.0
        if on and w.entity_nodes[k].any():
            dom_in = float(ns.dom_share.mean(axis=2)[0, w.entity_nodes[k]].mean())
        return {"listing_on": on, "listed": w.entity_listed[k].tolist(), "dom_in": dom_in, "output": ns.scratch["output"][0].reshape(-1).tolist()}

    def _finance_context(self) -> dict:
        w, p, ns, k, N = self.world, self.world.params, self.ns, self.k, self.N
        sc = ns.scratch
        has_soe = [False] * N
        for f in self.firms:
            if f.owner in SOES:
                has_soe[f.node] = True
        ban = w.servicing_ban[k][w.tool_nodes].max(axis=0) if w.tool_nodes.any() else np.zeros(2)
        ban = [min(1.0, ban[0] + p.mature_fab_advanced_tools * ban[1]), ban[1]]
        tools_dom = ns.dom_share[0, w.tool_nodes, :].mean(axis=0) if w.tool_nodes.any() else np.zeros(2)
        return {
            "p": p, "price": ns.price[0].tolist(), "cost_index": sc.get("cost_index", np.ones((1, N)))[0].tolist(),
            "expand": sc["expand"][0].tolist(), "fab": w.fab_nodes.tolist(), "tool_avail": sc.get("tool_avail", np.ones((1, 2)))[0].tolist(),
            "ban": ban, "waiver": bool(w.servicing_waiver[k]), "tools_dom": tools_dom.tolist(), "has_soe": has_soe,
            "restrict": w.fin_restrict[k][w.node_sector].tolist(),
        }

    def _talent(self) -> None:
        w, p, k, N = self.world, self.world.params, self.k, self.N
        drain = p.brain_drain * (1 - w.brain_drain_cut[k])
        self.engineers = self.engineers * (1 - drain) + self.graduates + w.talent_extra[k]
        self.graduates *= 1 + p.graduate_growth
        total = sum(f.rd for f in self.firms) * p.engineers_per_rmb_bn
        fill = min(1.0, self.engineers / (total if total > 0 else 1.0))
        self.ns.scratch["talent_fill"] = np.full((1, N), fill)


def _reset_received(f: FirmAgent) -> None:
    f.received = 0
    f.grants = 0


def _node_state(world: World):
    """A one-replicate zili State whose 2N "firms" are the node-tier aggregates."""
    N = len(world.names["node"])
    small = dataclasses.replace(world, **{name: getattr(world, name)[:0] for name in (
        "firm_id", "firm_node", "firm_tier", "firm_owner", "firm_province", "firm_hq_cn", "firm_capability",
        "firm_capacity", "firm_cash", "firm_anchor")}, params=_no_entries(world.params))
    st = initial_state(small, np.array([0]), 0)
    M = 2 * N
    st.fid = np.arange(M)[None]
    st.alive = np.ones((1, M), dtype=bool)
    st.node = np.repeat(np.arange(N), 2)[None]
    st.tier = np.tile([0, 1], N)[None]
    st.owner = np.full((1, M), OWNERSHIP.index("private"))
    st.prov = np.zeros((1, M), dtype=np.int64)
    st.hq_cn = np.ones((1, M), dtype=bool)
    st.cap = np.full((1, M), 0.5)
    st.capa = np.zeros((1, M))
    st.out = np.zeros((1, M))
    st.anchor = np.full(M, -1)
    st.f0_order = np.zeros(0, dtype=np.int64)
    return st


def _no_entries(params):
    from zili.model.world import ParamView

    q = ParamView(params)
    q["max_entries_per_year"] = 0
    return q


def run_replicates(world: World, replicates: int, seed: int = 0, years: int | None = None) -> dict[str, np.ndarray]:
    """Run ``replicates`` independent Mesa models; final-year aggregates per replicate.

    Returns arrays (R,): ``output`` (RMB bn, last year), ``alive`` (firms), ``mean_capability``
    (mean over alive firms), ``capital_deployed`` (RMB bn, all years).
    """
    rows = []
    for r in range(replicates):
        m = ZiliMesaModel(world, seed=np.random.SeedSequence([seed, r]).generate_state(1)[0])
        m.run(years)
        rows.append(m.datacollector.get_model_vars_dataframe().iloc[-1])
    keys = ("output", "alive", "mean_capability", "capital_deployed")
    return {key: np.array([float(r[key]) for r in rows]) for key in keys}


def zili_aggregates(world: World, replicates: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The same aggregates from zili's engine (for comparisons with :func:`run_replicates`)."""
    from zili.model.engine import simulate
    from zili.model.rng import root_entropy

    traj = simulate(world, replicates=replicates, entropy=root_entropy(seed))
    st = traj.firms  # the final firm arrays, joined over the engine's batches of replicates
    alive = st["alive"]
    led = traj.ledger
    deployed = np.bincount(led.replicate, weights=led.amount, minlength=replicates) / THOUSAND_PER_BN
    return {
        "output": np.where(alive, st["out"], 0.0).sum(axis=1),
        "alive": alive.sum(axis=1).astype(float),
        "mean_capability": np.where(alive, st["cap"], 0.0).sum(axis=1) / np.maximum(alive.sum(axis=1), 1),
        "capital_deployed": deployed,
    }
