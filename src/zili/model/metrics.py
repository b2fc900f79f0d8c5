"""Step 9, metrics: record the catalogue of DESIGN.md every year.

Each metric is a block (replicate, year, entity) with a tag: ``input`` passes a scenario
number through, ``predicted`` is produced by the model (only those count as validation).
Entities are node ids, ``node:tier``, sector ids, payer and fund ids, province ids, or
``china``. Money is RMB bn (nominal), shares are fractions.
"""

from __future__ import annotations

import numba
import numpy as np

from zili.model.infrastructure import PROGRAMMES, delivery
from zili.model.nev import BATTERY_NODES
from zili.model.provinces import excess_capacity
from zili.model.state import State
from zili.model.trajectory import MetricBlock
from zili.model.world import INSTRUMENTS, SOES, World

IC_NODES = ("logic_fab", "memory_fab")
# money metrics that also get a deflated ``_real`` variant
REAL_VARIANTS = ("funder_budget", "capital_deployed", "capital_unspent", "waste", "soe_debt", "lgfv_debt", "fiscal_cost")


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _firm_sums(node, tier, alive, hq_cn, out, capa, foreign_tools, weight, rd, owner, debt, N):  # pragma: no cover - compiled
    """The recorder's sums over alive firms, in one pass: output by (node, tier) code ``node x 2 +
    tier`` of all firms and of China-headquartered ones (R, 2N); installed foreign tools (capacity
    x foreign share, RMB bn), real firms (weights) and R&D (RMB bn) by node (R, N); and the debt
    of state-owned firms (R,) int64 RMB thousand. Each bin adds in slot order, as
    :func:`zili.model.groups.group_sum` does (the same bits)."""
    R, M = node.shape
    out_all, out_own = np.zeros((R, 2 * N)), np.zeros((R, 2 * N))
    tools, firms, rd_n = np.zeros((R, N)), np.zeros((R, N)), np.zeros((R, N))
    soe_debt = np.zeros(R, dtype=np.int64)
    soe_a, soe_b = SOES
    for r in range(R):
        for m in range(M):
            if alive[r, m]:
                n = node[r, m]
                key = n * 2 + tier[r, m]
                out_all[r, key] += out[r, m]
                if hq_cn[r, m]:
                    out_own[r, key] += out[r, m]
                tools[r, n] += capa[r, m] * foreign_tools[r, m]
                firms[r, n] += weight[m]
                rd_n[r, n] += rd[r, m]
                if owner[r, m] == soe_a or owner[r, m] == soe_b:
                    soe_debt[r] += debt[r, m]
    return out_all, out_own, tools, firms, rd_n, soe_debt


def _by_sector(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(R, N) -> (R, S) sums without BLAS, so results do not depend on the batch size."""
    return (x[:, :, None] * matrix[None]).sum(axis=1)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, else 0 (a and b of one shape)."""
    return np.divide(a, b, out=np.zeros(b.shape), where=b > 0)


class Recorder:
    """Preallocated metric arrays, filled one year at a time."""

    def __init__(self, world: World, R: int):
        self.world = world
        self.R = R
        self.Y = len(world.years)
        nm = world.names
        self.nodes = nm["node"]
        self.tiers = tuple(f"{n}:{t}" for n in nm["node"] for t in nm["tier"])
        # a sector with the same id as its only node (ecommerce, quantum, ...) is reported once, as the node
        self.sector_keep = np.array([s not in nm["node"] for s in nm["sector"]])
        self.sectors = tuple(s for s in nm["sector"] if s not in nm["node"])
        self.money = nm["payer"] + nm["fund"]
        self.blocks: dict[str, tuple[tuple[str, ...], str, str, np.ndarray]] = {}
        ss = self.nodes + self.tiers + self.sectors + ("ic",)
        spec = [
            ("self_sufficiency", ss, "predicted", "fraction"),
            ("self_sufficiency_owned", self.nodes + self.sectors + ("ic",), "predicted", "fraction"),
            ("capability", self.tiers, "predicted", "fraction of frontier"),
            ("tech_gap_years", self.tiers, "predicted", "years"),
            ("capacity", self.nodes, "predicted", "RMB bn per year"),
            ("utilisation", self.nodes, "predicted", "fraction"),
            ("price_index", self.nodes, "predicted", "index, start year = 1"),
            ("output", self.nodes + self.tiers + self.sectors, "predicted", "RMB bn"),
            ("output_at_risk", self.nodes + self.tiers + self.sectors, "predicted", "RMB bn (paired no-control run minus this run)"),
            ("imports", self.nodes, "predicted", "RMB bn"),
            ("exports", self.nodes, "predicted", "RMB bn"),
            ("unmet_demand", self.nodes, "predicted", "RMB bn"),
            ("stockpile_purchases", self.nodes, "predicted", "RMB bn (imports bought ahead of announced controls, included in imports)"),
            ("world_share", self.nodes, "predicted", "fraction"),
            ("stockpile_months", self.nodes, "predicted", "months"),
            ("installed_foreign_tools", self.nodes, "predicted", "RMB bn of capacity"),
            ("capital_paid_in", self.money, "input", "RMB bn"),
            ("funder_budget", self.money, "predicted", "RMB bn"),
            ("capital_deployed", self.money, "predicted", "RMB bn"),
            ("capital_unspent", self.money, "predicted", "RMB bn"),
            ("committed_capital", nm["fund"], "input", "RMB bn"),
            ("waste", nm["payer"] + ("china",), "predicted", "RMB bn"),
            ("soe_debt", ("china",), "predicted", "RMB bn"),
            ("lgfv_debt", nm["province"] + ("china",), "predicted", "RMB bn"),
            ("fiscal_cost", ("china",), "predicted", "RMB bn"),
            ("firms_alive", self.nodes + ("china",), "predicted", "firms"),
            ("firm_entries", self.nodes + ("china",), "predicted", "firms"),
            ("firm_exits", self.nodes + ("china",), "predicted", "firms"),
            ("soe_acquisitions", self.nodes + ("china",), "predicted", "firms"),
            ("ic_self_sufficiency", ("china", "china:owned"), "predicted", "fraction"),
            ("ic_trade_balance", ("china",), "predicted", "RMB bn"),
            ("nev_sales_share", ("china",), "predicted", "fraction"),
            ("charging_points", ("china",), "predicted", "units"),
            ("base_stations_5g", ("china",), "predicted", "units"),
            ("infrastructure_target", ("charging_points", "base_stations_5g"), "input", "units (stated target, in its target year)"),
            ("rd_gdp_ratio", ("china",), "predicted", "fraction (modelled sectors only)"),
            ("manufacturing_share_gdp", ("china",), "input", "fraction"),
            ("digitisation_gain", ("china",), "predicted", "fraction of manufacturing output"),
            ("chokepoint_severity", self.nodes + self.tiers, "predicted", "fraction"),
            ("controlled_foreign_share", self.nodes, "predicted", "fraction of world supply held by countries controlling by then"),
            # NEVs and batteries (nev.py)
            ("nev_sales", ("china",), "predicted", "vehicles"),
            ("nev_purchase_support", ("central", "local", "tax"), "input", "RMB per vehicle (central scaled by a binding volume cap)"),
            ("nev_fiscal_cost", ("china",), "predicted", "RMB bn (purchase subsidies and tax exemption)"),
            ("nev_subsidy_fraud", ("china",), "predicted", "RMB bn (central subsidy claimed for vehicles not really sold)"),
            ("battery_cost_index", BATTERY_NODES, "predicted", "index, start year = 1 (learning-by-doing)"),
            # new infrastructure (infrastructure.py)
            ("data_centre_racks", ("china",), "predicted", "racks"),
            ("infrastructure_delivery", tuple(PROGRAMMES), "predicted", "built / stated target, in the target year"),
            # provinces (provinces.py)
            ("excess_capacity", self.nodes + ("china",), "predicted", "RMB bn of capacity not needed at normal utilisation"),
            ("duplicated_projects", self.nodes + ("china",), "predicted", "provincial deals in nodes already below normal utilisation"),
            ("provinces_competing", self.nodes, "predicted", "provinces whose fund backed the node this year"),
            ("reinvested_capex", self.nodes + ("china",), "predicted", "RMB bn of capex forced by reinvestment clauses"),
            # real versus financial economy (realfin.py)
            ("capital_by_sector", nm["sector"], "predicted", "RMB bn deployed"),
            ("capital_by_economy", ("real", "financial"), "predicted", "RMB bn deployed"),
            ("vc_allocation", nm["sector"], "predicted", "fraction of early-stage (venture-type) money"),
        ]
        for name, ents, tag, unit in spec:
            self.blocks[name] = (ents, tag, unit, np.zeros((R, self.Y, len(ents))))
        self._world_only(world)
        sec_of = world.node_sector
        full = np.zeros((len(self.nodes), len(nm["sector"])))
        full[np.arange(len(self.nodes)), sec_of] = 1.0
        self.sector_matrix = full[:, self.sector_keep]
        self.ic = np.array([n in IC_NODES for n in self.nodes])

    def _world_only(self, world: World) -> None:
        """Fill, for every year at once, the metrics that pass the scenario's numbers through (they
        depend on the world alone): capital paid in, committed capital, infrastructure targets and
        the manufacturing share of GDP."""
        payin = world.fund_payin  # (Y, U, P) int64 RMB thousand
        paid = np.concatenate([payin.sum(1), payin.sum(2)], axis=1) / 1e6  # (Y, P + U)
        self.blocks["capital_paid_in"][3][:] = paid[None]
        paid_cum = np.cumsum(payin.sum(2), axis=0)  # (Y, U) paid in by the end of each year (exact)
        launched = world.fund_launch[None, :] <= world.years[:, None]
        committed = np.where(launched, np.maximum(world.fund_registered[None, :] - paid_cum, 0), 0)
        self.blocks["committed_capital"][3][:] = (committed / 1e6)[None]
        target = np.full((self.Y, 2), np.nan)
        for i, node in enumerate(("charging", "base_stations")):
            if node in world.infra_target:
                year, units = world.infra_target[node]
                target[world.years == year, i] = units
        self.blocks["infrastructure_target"][3][:] = target[None]
        self.blocks["manufacturing_share_gdp"][3][:] = np.asarray(world.manufacturing_share, dtype=float)[None, :, None]

    def _set(self, name: str, k: int, values: np.ndarray) -> None:
        self.blocks[name][3][:, k, :] = values  # (R, entities), or broadcast to it

    def _set_total(self, name: str, k: int, values: np.ndarray, scale: float = 1.0) -> None:
        """Year ``k`` of a metric whose entities are those of ``values`` (R, n) and then their sum
        (``china``), each divided by ``scale``."""
        block = self.blocks[name][3]
        block[:, k, :-1] = values / scale
        block[:, k, -1] = values.sum(1) / scale

    def record(self, state: State, world: World, k: int) -> None:
        """Write year index ``k`` of every metric from the state and the year's scratch."""
        sc = state.scratch
        R, N = self.R, len(self.nodes)
        D, dom, imp, exp_, out = sc["demand"], sc["dom"], sc["imports"], sc["exports"], sc["output"]
        out_all, out_own, tools, alive, rd_n, soe_debt = _firm_sums(state.node, state.tier, state.alive, state.hq_cn, state.out,
                                                                   state.capa, state.foreign_tools, state.weight, state.rd,
                                                                   state.owner, state.debt, N)
        out_all, out_own = out_all.reshape(R, N, 2), out_own.reshape(R, N, 2)
        dom_own = dom * _ratio(out_own, out_all)
        Dn, domn, ownn = D.sum(2), dom.sum(2), dom_own.sum(2)
        Ds, doms, owns = (_by_sector(x, self.sector_matrix) for x in (Dn, domn, ownn))
        ic_d, ic_dom, ic_own = Dn[:, self.ic].sum(1), domn[:, self.ic].sum(1), ownn[:, self.ic].sum(1)
        ic_ss, ic_ss_own = _ratio(ic_dom, ic_d), _ratio(ic_own, ic_d)
        self._set("self_sufficiency", k, np.concatenate([_ratio(domn, Dn), _ratio(dom, D).reshape(R, -1), _ratio(doms, Ds), ic_ss[:, None]], axis=1))
        self._set("self_sufficiency_owned", k, np.concatenate([_ratio(ownn, Dn), _ratio(owns, Ds), ic_ss_own[:, None]], axis=1))
        self._set("capability", k, state.K.reshape(R, -1))
        g = np.maximum(world.frontier_growth[:, 1], 0.005)
        gap = np.log(1.0 / np.maximum(state.K, 1e-9)) / np.log1p(g)[None, :, None]
        self._set("tech_gap_years", k, gap.reshape(R, -1))
        cap = sc["capacity"].sum(2)
        self._set("capacity", k, cap)
        self._set("utilisation", k, np.clip(sc["util"], 0.0, None))
        self._set("price_index", k, state.price)
        out_n = out.sum(2)
        self._set("output", k, np.concatenate([out_n, out.reshape(R, -1), _by_sector(out_n, self.sector_matrix)], axis=1))
        self._set("imports", k, imp.sum(2))
        self._set("exports", k, exp_.sum(2))
        self._set("unmet_demand", k, sc["unmet"].sum(2))
        self._set("stockpile_purchases", k, sc["bought_ahead"])
        # world market = the rest of the world's (exogenous) market + China's modelled demand
        wm = (world.world_market0 - world.demand0.sum(1)) * world.demand_index[k] + D.sum(2)
        self._set("world_share", k, np.clip(out.sum(2) / np.maximum(wm, 1e-12), 0.0, 1.0))
        self._set("stockpile_months", k, state.stockpile)
        self._set("installed_foreign_tools", k, tools)
        budget = np.concatenate([sc["budget"], sc["fund_budget"]], axis=1)
        deployed = np.concatenate([sc["deployed"], sc["fund_deployed"]], axis=1)
        self._set("funder_budget", k, budget / 1e6)
        self._set("capital_deployed", k, deployed / 1e6)
        self._set("capital_unspent", k, (budget - deployed) / 1e6)
        waste = sc["waste"]
        self._set_total("waste", k, waste, 1e6)
        self._set("soe_debt", k, (soe_debt / 1e6)[:, None])
        self._set_total("lgfv_debt", k, state.lgfv, 1e6)
        pub = sc["public_by_instrument"]
        i = {n: INSTRUMENTS.index(n) for n in INSTRUMENTS}
        fiscal = pub[:, i["grant"]] + pub[:, i["internal_rd"]] + pub[:, i["subsidy"]] + pub[:, i["tax_expenditure"]] + pub[:, i["equity"]]
        fiscal = fiscal / 1e6 + world.params.policy_loan_spread * pub[:, i["loan"]] / 1e6
        self._set("fiscal_cost", k, fiscal[:, None])
        # counts are of real firms: a synthetic firm counts for its weight (entries and exits are weighted where counted)
        for name, arr in (("firms_alive", alive), ("firm_entries", sc["entries"]), ("firm_exits", sc["exits"]), ("soe_acquisitions", sc["acquisitions"])):
            self._set_total(name, k, arr)
        self._set("ic_self_sufficiency", k, np.stack([ic_ss, ic_ss_own], axis=1))
        self._set("ic_trade_balance", k, (exp_.sum(2)[:, self.ic].sum(1) - imp.sum(2)[:, self.ic].sum(1))[:, None])
        self._set("nev_sales_share", k, state.nev_share[:, None])
        self._set("charging_points", k, state.stock_units[:, self.nodes.index("charging")][:, None])
        self._set("base_stations_5g", k, state.stock_units[:, self.nodes.index("base_stations")][:, None])
        p = world.params
        gdp = p.gdp0_rmb_bn * (1 + p.gdp_growth) ** k
        self._set("rd_gdp_ratio", k, (rd_n.sum(1) / gdp)[:, None])
        dig = [self.nodes.index(n) for n in ("industrial_software", "cloud")]
        ratio = state.cum_out[:, dig].sum(1) / state.cum_out_start[:, dig].sum(1)
        gain = p.digitisation_elasticity * np.log2(np.maximum(ratio, 1.0))
        sc["digitisation_gain"] = gain
        self._set("digitisation_gain", k, gain[:, None])
        self._set("chokepoint_severity", k, np.concatenate([sc["severity"], sc["severity_tier"].reshape(R, -1)], axis=1))
        self._set("controlled_foreign_share", k, sc["controlled_share"])
        self._record_beyond_chips(state, world, k)

    def _record_beyond_chips(self, state: State, world: World, k: int) -> None:
        """NEVs and batteries, new infrastructure, provinces, real versus financial economy."""
        sc = state.scratch
        sup = sc["nev_support"]
        self._set("nev_sales", k, sc["nev_units"][:, None])
        self._set("nev_purchase_support", k, np.stack([sup["central"], sup["local"], sup["tax"]], axis=1))
        self._set("nev_fiscal_cost", k, sc["nev_fiscal_cost"][:, None])
        self._set("nev_subsidy_fraud", k, sc["nev_subsidy_fraud"][:, None])
        self._set("battery_cost_index", k, sc["cost_index"][:, [self.nodes.index(n) for n in BATTERY_NODES]])
        self._set("data_centre_racks", k, state.stock_units[:, self.nodes.index("data_centres")][:, None])
        self._set("infrastructure_delivery", k, delivery(state, world, k))
        excess = excess_capacity(sc["capacity"].sum(2), sc["output"].sum(2), world.params.target_utilisation)
        for name, arr in (("excess_capacity", excess), ("duplicated_projects", sc["dup_projects"]), ("reinvested_capex", sc["reinvested"])):
            self._set_total(name, k, arr)
        self._set("provinces_competing", k, sc["provinces_competing"])
        by_sector = sc["capital_by_sector"]
        real, fin = np.zeros(self.R), np.zeros(self.R)
        for s in range(by_sector.shape[1]):  # explicit sums: a replicate adds up the same alone or in a batch
            if world.sector_real[s]:
                real = real + by_sector[:, s]
            else:
                fin = fin + by_sector[:, s]
        self._set("capital_by_sector", k, by_sector)
        self._set("capital_by_economy", k, np.stack([real, fin], axis=1))
        self._set("vc_allocation", k, sc["vc_allocation"])

    def result(self) -> tuple[MetricBlock, ...]:
        """All blocks, plus ``<metric>_real`` (deflated to start-year prices) for money metrics."""
        out = [MetricBlock(name, ents, arr, tag, unit) for name, (ents, tag, unit, arr) in self.blocks.items()]
        defl = self.world.deflator[None, :, None]
        for name in REAL_VARIANTS:
            ents, tag, unit, arr = self.blocks[name]
            out.append(MetricBlock(f"{name}_real", ents, arr / defl, tag, f"{unit}, start-year prices"))
        return tuple(out)
