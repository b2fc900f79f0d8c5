"""Compile a validated :class:`Scenario` and the shipped data into a :class:`World`.

This is the single bridge between the schema/data layers and the pure core: it reads
CSV rows, resolves unsourced values (scenario ``[data]`` overrides or the middle of
their stated range), lays events onto yearly arrays (with the implementation lag) and
draws the synthetic starting firm population from keyed streams.
"""

from __future__ import annotations

import numpy as np

from zili import data as D
from zili.model import rng as R
from zili.model.nev import BANDS as NEV_BANDS, band_mix
from zili.model.money import split, to_thousand
from zili.model.world import INSTRUMENTS, OWNERSHIP, SELECTION, ParamView, World
from zili.scenario.schema import Scenario

TOOL_NODES = ("lithography", "deposition", "etch", "metrology")
# physical manufacturing, where the industrial internet raises productivity (seed 000)
MANUFACTURING_NODES = (
    "wafers", "materials", "logic_fab", "memory_fab", "assembly_test", "power_semis", "battery_materials",
    "battery_cells", "ev_assembly", "base_stations", "avionics", "aircraft", "rail", "charging", "hbm",
)
FAB_NODES = ("logic_fab", "memory_fab", "power_semis", "assembly_test", "hbm")
INFRA_NODE = {"5g": "base_stations", "charging": "charging", "data_centres": "data_centres"}
PARAM_PROGRAMMES = {
    # fund id: (payers and shares, parameter, instrument, selection, kind label)
    "private_vc": ({"private_lps": 1.0}, "private_vc_rmb_bn", "equity", "venture"),
    "soe_internal_rd": ({"other_central_soes": 0.4, "telecom_soes": 0.2, "local_soes": 0.4}, "soe_rd_rmb_bn", "internal_rd", "champions"),
    "cdb_policy_loans": ({"cdb": 1.0}, "policy_loans_rmb_bn", "loan", "champions"),
}
PROVINCIAL_FUND = "provincial_guidance_funds"
PRIVATE_PAYERS = ("private_lps", "tencent", "alibaba", "huawei", "firms_own")


def flat_params(sc: Scenario) -> ParamView:
    """All parameters in one flat mapping (names are unique across groups)."""
    out = ParamView()
    for group in type(sc.params).model_fields:
        for name, val in getattr(sc.params, group).model_dump().items():
            out[name] = float(val) if not isinstance(val, bool) else val
    return out


def _val(name: str, row: dict, col: str, sc: Scenario) -> float:
    return D.value(name, row, col, sc.data)


def _topo(weight: np.ndarray) -> np.ndarray:
    n = weight.shape[0]
    indeg = (weight > 0).sum(axis=1)
    order, ready = [], [i for i in range(n) if indeg[i] == 0]
    users = [np.nonzero(weight[:, j] > 0)[0] for j in range(n)]
    while ready:
        j = ready.pop(0)
        order.append(j)
        for i in users[j]:
            indeg[i] -= 1
            if indeg[i] == 0:
                ready.append(i)
    if len(order) != n:
        raise ValueError("node_inputs.csv has a cycle")
    return np.array(order)


def _expand_mandate(mandate: dict[str, float], nodes: tuple[str, ...], node_sector: list[str]) -> np.ndarray:
    w = np.zeros(len(nodes))
    for key, weight in mandate.items():
        if key in nodes:
            w[nodes.index(key)] += weight
        else:
            members = [i for i, s in enumerate(node_sector) if s == key]
            for i in members:
                w[i] += weight / len(members)
    return w / w.sum() if w.sum() > 0 else w


def _by_year(schedule: dict[int, float], years: np.ndarray, hold: bool, end: int | None = None) -> np.ndarray:
    """Yearly values from a {year: value} schedule; ``hold`` carries the last value forward."""
    out = np.zeros(len(years))
    last = None
    for i, y in enumerate(years):
        if y in schedule:
            last = schedule[y]
            out[i] = last
        elif hold and last is not None and (end is None or y <= end):
            out[i] = last
    return out


def _deflator(sc: Scenario, Y: int) -> np.ndarray:
    """GDP deflator relative to the start year from macro.csv's deflator growth (an unsourced range)."""
    rows = [r for r in D.table("macro") if r["series"] == "gdp_deflator_growth"]
    g = D.value("macro", rows[0], "value", sc.data) if rows else 0.0
    return (1 + g) ** np.arange(Y)


def _demand_index(g0: np.ndarray, Y: int, p: ParamView) -> np.ndarray:
    """Demand relative to the start year when growth decays from ``g0`` toward GDP growth."""
    t = np.arange(Y)[:, None]
    g = p.gdp_growth + (g0[None, :] - p.gdp_growth) * 0.5 ** (t / p.growth_half_life_years)
    idx = np.ones((Y, len(g0)))
    idx[1:] = np.cumprod(1 + g[:-1], axis=0)
    return idx


def compile_world(sc: Scenario) -> World:
    """Build the world arrays of a scenario (see :class:`zili.model.world.World`)."""
    p = flat_params(sc)
    lag = int(p.implementation_lag_years)
    years = np.arange(sc.run.start_year, sc.run.end_year + 1)
    Y = len(years)
    ids = D.known_ids()
    nodes, sectors, countries = ids["node"], ids["sector"], D.COUNTRIES
    provinces, payers = ids["province"], ids["payer"]
    N, S, C, V, P = len(nodes), len(sectors), len(countries), len(provinces), len(payers)

    # --- sectors and nodes -------------------------------------------------------
    srows = {r["sector"]: r for r in D.table("sectors")}
    sector_real = np.array([srows[s]["economy"] == "real" for s in sectors])
    sector_priority = np.array([_val("sectors", srows[s], "strategic_priority", sc) for s in sectors])
    nrows = {r["node"]: r for r in D.table("nodes")}
    node_sector_names = [nrows[n]["sector"] for n in nodes]
    node_sector = np.array([sectors.index(s) for s in node_sector_names])
    dyn = {(r["node"], r["quantity"]): r for r in D.table("node_dynamics")}

    def q(n: str, quantity: str) -> float:
        return _val("node_dynamics", dyn[(n, quantity)], "value", sc)

    macro = D.table("macro")

    def macro_series(series: str) -> dict[int, float]:
        return {int(r["year"]): D.value("macro", r, "value", sc.data) for r in macro if r["series"] == series}

    fx = macro_series("usd_cny_avg")
    growth = np.array([q(n, "demand_growth") for n in nodes])
    world_market0 = np.zeros(N)
    for i, n in enumerate(nodes):
        row = nrows[n]
        myear = int(row["market_year"] or sc.run.start_year)
        rate = fx.get(myear, fx[min(fx, key=lambda y: abs(y - myear))])
        world_market0[i] = _val("nodes", row, "global_market_usd_bn", sc) * rate / (1 + growth[i]) ** (myear - sc.run.start_year)
    cds = np.array([q(n, "china_demand_share") for n in nodes])
    adv = np.array([q(n, "advanced_share") for n in nodes])
    d0 = world_market0 * cds
    demand0 = np.stack([d0 * (1 - adv), d0 * adv], axis=1)
    frontier_growth = np.array([[q(n, "frontier_growth_mature"), q(n, "frontier_growth_advanced")] for n in nodes])

    supply = np.zeros((N, C))
    for r in D.table("supply_shares"):
        supply[nodes.index(r["node"]), countries.index(r["country"])] = _val("supply_shares", r, "share", sc)
    supply = supply / np.where(supply.sum(1, keepdims=True) > 0, supply.sum(1, keepdims=True), 1)

    weight = np.zeros((N, N))
    for r in D.table("node_inputs"):
        weight[nodes.index(r["node"]), nodes.index(r["input"])] = _val("node_inputs", r, "weight", sc)
    topo = _topo(weight)
    reach_m = (weight > 0).astype(float)
    reach = np.eye(N)
    for _ in range(N):  # transitive closure of "is used downstream by"
        reach = np.minimum(1.0, reach + reach_m @ reach)
    downstream_reach = (reach * d0[:, None]).sum(axis=0) / d0.sum()

    cap0, ss0 = np.zeros((N, 2)), np.zeros((N, 2))
    for r in D.table("china_start"):
        i, t = nodes.index(r["node"]), D.TIERS.index(r["tier"])
        cap0[i, t] = _val("china_start", r, "capability", sc)
        ss0[i, t] = _val("china_start", r, "self_sufficiency", sc)
    ss0 = np.clip(ss0, 1e-4, 0.999)
    cap0 = np.clip(cap0, 1e-4, 1.0)

    # a country controls from the year it announces a control that bites (severity x (1 - leakage) > 0),
    # so a run and its no-control counterfactual are identical until the first announcement
    controllers = np.zeros((len(years), C), dtype=bool)
    for e in sc.events:
        if e.kind == "export_control" and e.severity * (1 - e.leakage) > 0:
            for c in e.imposing:
                controllers[years >= e.announce, countries.index(c)] = True
    tool_nodes = np.array([n in TOOL_NODES for n in nodes])
    fab_nodes = np.array([n in FAB_NODES for n in nodes])

    # --- funds and programmes ------------------------------------------------------
    fund_names = list(ids["fund"])
    extra = [e for e in sc.events if e.kind == "subsidy"]
    for e in extra:
        fund_names.append(f"subsidy:{e.name}")
    for f in list(PARAM_PROGRAMMES) + [PROVINCIAL_FUND]:
        if f not in fund_names:
            fund_names.append(f)
    U = len(fund_names)
    payin = np.zeros((Y, U, P), dtype=np.int64)
    registered = np.zeros(U, dtype=np.int64)
    launch = np.full(U, 9999)
    mandate = np.zeros((U, N))
    instrument = np.zeros(U, dtype=np.int64)
    selection = np.zeros(U, dtype=np.int64)
    deploy = np.full(U, p.fund_deploy_rate)
    cap_per_firm = np.zeros(U, dtype=np.int64)
    frows = {r["fund"]: r for r in D.table("funds")} if fund_names else {}
    is_private_vc = np.array([f == "private_vc" for f in fund_names])
    is_provincial = np.array([f == PROVINCIAL_FUND for f in fund_names])

    def add_payin(u: int, yearly_bn: np.ndarray, shares: dict[str, float]) -> None:
        share_vec = np.zeros(P)
        for payer, s in shares.items():
            share_vec[payers.index(payer)] = s
        totals = to_thousand(yearly_bn)
        payin[:, u, :] += split(totals, np.broadcast_to(share_vec, (Y, P)), np.arange(P))

    for e in sc.events:
        if e.kind == "fund_launch":
            u = fund_names.index(e.fund)
            add_payin(u, _by_year(dict(e.paid_in_rmb_bn), years, hold=False), e.payers)
            registered[u] += to_thousand(e.registered_rmb_bn)
            launch[u] = min(launch[u], e.effect + lag)
            mandate[u] += _expand_mandate(e.mandate, nodes, node_sector_names)
            instrument[u], selection[u] = INSTRUMENTS.index(e.instrument), SELECTION.index(e.selection)
            if frows.get(e.fund, {}).get("kind") == "guidance_fund":
                deploy[u] = p.guidance_deploy_rate
        elif e.kind == "budget":
            u = fund_names.index(e.fund)
            add_payin(u, _by_year(dict(e.amounts_rmb_bn), years, hold=False) * p.budget_modelled_share, {e.payer: 1.0})
            launch[u] = min(launch[u], e.effect + lag)
            mandate[u] += _expand_mandate(e.mandate, nodes, node_sector_names)
            instrument[u], selection[u] = INSTRUMENTS.index(e.instrument), SELECTION.index(e.selection)
            deploy[u] = 1.0
        elif e.kind == "subsidy":
            u = fund_names.index(f"subsidy:{e.name}")
            active = np.array([e.active(int(y), lag) for y in years], dtype=float)
            add_payin(u, active * e.amount_rmb_bn, {e.payer: 1.0})
            launch[u] = e.effect + lag
            mandate[u] = _expand_mandate({n: 1.0 for n in e.nodes}, nodes, node_sector_names)
            instrument[u], selection[u], deploy[u] = INSTRUMENTS.index(e.instrument), SELECTION.index("broad"), 1.0
            if e.cap_per_firm_rmb_bn:
                cap_per_firm[u] = to_thousand(e.cap_per_firm_rmb_bn)
    tyears = years - years[0]
    background = 1.0 if sc.run.background_programmes else 0.0
    for f, (shares, pname, instr, sel) in PARAM_PROGRAMMES.items():
        u = fund_names.index(f)
        add_payin(u, background * p[pname] * (1 + p.growth) ** tyears, shares)
        launch[u] = years[0]
        mandate[u] = np.where(sector_real[node_sector], 1.0, 1.0 if f == "private_vc" else 0.0)
        mandate[u] /= mandate[u].sum()
        instrument[u], selection[u] = INSTRUMENTS.index(instr), SELECTION.index(sel)
        deploy[u] = 1.0 if f != "private_vc" else p.fund_deploy_rate
    prow = {r["province"]: r for r in D.table("provinces")}
    prov_gdp = np.array([_val("provinces", prow[v], "gdp_rmb_bn", sc) for v in provinces])
    prov_hub = np.array([prow[v].get("hub", "").lower() in ("true", "1", "yes") for v in provinces])
    u = fund_names.index(PROVINCIAL_FUND)
    lever = 1 + (p.lgfv_leverage if sc.params.capital.province_race else 0.0)
    # fiscal capacity: a share of the budget (GDP) and of land-sale revenue, levered by LGFVs in the race
    land = np.array([_val("provinces", prow[v], "land_revenue_rmb_bn", sc) for v in provinces])
    for v, name in enumerate(provinces):
        own = prov_gdp[v] * p.fiscal_capacity_share + land[v] * p.land_revenue_tech_share
        yearly = background * own * lever * (1 + p.gdp_growth) ** tyears
        add_payin(u, yearly, {name: 1.0})
    launch[u] = years[0]
    mandate[u] = np.where(sector_real[node_sector], 1.0, 0.0)
    mandate[u] /= mandate[u].sum()
    instrument[u], selection[u], deploy[u] = INSTRUMENTS.index("equity"), SELECTION.index("venture"), p.guidance_deploy_rate
    payer_public = np.array([pp not in PRIVATE_PAYERS for pp in payers])
    payer_province = np.array([provinces.index(pp) if pp in provinces else -1 for pp in payers])

    # --- firms -------------------------------------------------------------------
    firms = _population(sc, p, nodes, provinces, demand0, ss0, cap0, fab_nodes, prov_gdp, prov_hub)
    anchor_names = firms.pop("anchor_names")

    # --- policy arrays -------------------------------------------------------------
    pol = _policy_arrays(sc, p, years, nodes, sectors, countries, provinces, node_sector_names, anchor_names, firms, supply)

    # total vehicle sales (CAAM) are an input; years after the last data point hold it flat
    vehicle = macro_series("vehicle_sales_total")
    vehicle_sales = np.full(Y, np.nan)
    last = None
    for i, y in enumerate(years):
        last = vehicle.get(int(y), last)
        vehicle_sales[i] = last if last is not None else np.nan
    first = next((vehicle[y] for y in sorted(vehicle)), 25e6)
    vehicle_sales = np.where(np.isnan(vehicle_sales), first, vehicle_sales) / 1e6
    mfg = macro_series("manufacturing_share_gdp")
    gdp = macro_series("gdp_nominal")

    return World(
        years=years,
        names={
            "node": nodes, "sector": sectors, "country": countries, "payer": payers, "fund": tuple(fund_names),
            "province": provinces, "instrument": INSTRUMENTS, "ownership": OWNERSHIP, "tier": D.TIERS,
            "anchor": tuple(anchor_names),
        },
        params=p,
        node_sector=node_sector, sector_real=sector_real, sector_priority=sector_priority,
        input_weight=weight, topo=topo, downstream_reach=downstream_reach,
        demand0=demand0, demand_growth=growth, demand_index=_demand_index(growth, len(years), p), world_market0=world_market0, supply_share=supply,
        frontier_growth=frontier_growth, cap0=cap0, ss0=ss0, controllers=controllers,
        tool_nodes=tool_nodes, fab_nodes=fab_nodes, learning=np.ones(N),
        manufacturing_nodes=np.array([n in MANUFACTURING_NODES for n in nodes]),
        **firms,
        payer_public=payer_public, payer_province=payer_province,
        fund_payin=payin, fund_registered=registered, fund_launch=launch, fund_mandate=mandate,
        fund_instrument=instrument, fund_selection=selection, fund_deploy_rate=deploy,
        fund_is_private_vc=is_private_vc, fund_is_provincial=is_provincial, fund_cap_per_firm=cap_per_firm,
        prov_gdp=prov_gdp, prov_hub=prov_hub,
        **pol,
        vehicle_sales=vehicle_sales,
        nev_share0=p.nev_share_start,
        manufacturing_share=np.array([mfg.get(int(y), np.nan) for y in years]),
        gdp_rmb_bn=np.array([gdp.get(int(y), np.nan) for y in years]),
        deflator=_deflator(sc, len(years)),
        engineers0=p.engineers_k, graduates0=p.graduates_k,
        synthetic_weight=sc.run.synthetic_weight,
    )


def _population(sc, p, nodes, provinces, demand0, ss0, cap0, fab_nodes, prov_gdp, prov_hub) -> dict:
    """Named anchor firms from ``firms.csv`` plus synthetic firms drawn from keyed streams."""
    N, V = len(nodes), len(provinces)
    util = p.target_utilisation
    need = ss0 * demand0 / util  # domestic capacity (RMB bn) implied by starting self-sufficiency
    rows = list(D.table("firms")) if sc.run.anchors else []
    A = len(rows)
    a_node = np.array([nodes.index(r["node"]) for r in rows], dtype=np.int64)
    a_tier = np.array([D.TIERS.index(r["tier"]) if r["tier"] in D.TIERS else 0 for r in rows], dtype=np.int64)
    a_owner = np.array([OWNERSHIP.index(r["ownership"]) for r in rows], dtype=np.int64)
    a_prov = np.array([provinces.index(r["province"]) if r["province"] in provinces else V - 1 for r in rows], dtype=np.int64)
    a_hq = np.array([r["hq"] == "CN" for r in rows])
    a_cap = np.array([_val("firms", r, "revenue_rmb_bn", sc) for r in rows]) / util
    a_capab = cap0[a_node, a_tier] if A else np.zeros(0)
    # anchors may exceed what starting self-sufficiency implies; synthetic firms fill the rest
    anchor_cap = np.zeros((N, 2))
    np.add.at(anchor_cap, (a_node, a_tier), a_cap)
    # starting self-sufficiency fixes a node-tier's domestic capacity; where the anchors' reported
    # (or assumed) sizes exceed it, they are scaled down so that synthetic firms keep a 20% share
    scale = np.minimum(1.0, 0.8 * need / np.where(anchor_cap > 0, anchor_cap, 1.0))
    a_cap = a_cap * scale[a_node, a_tier]
    anchor_cap = anchor_cap * scale
    rest = np.maximum(need - anchor_cap, 0.05 * need)

    F = sc.run.firms
    ent = R.root_entropy(sc.run.seed)
    ids = np.arange(A, A + F, dtype=np.int64)
    u = [R.uniform(R.stream_keys(ent, np.array([0]), int(sc.run.start_year), "init", s), ids)[0] for s in range(8)]
    # firms per node proportional to sqrt of needed capacity, with a floor
    tot = rest.sum(axis=1)
    share = np.sqrt(tot) / np.sqrt(tot).sum() if tot.sum() > 0 else np.full(N, 1 / N)
    cum = np.cumsum(share)
    node = np.minimum(np.searchsorted(cum, u[0] * cum[-1]), N - 1)
    if F >= N * p.min_firms_per_node:  # guarantee the floor deterministically: first slots cycle through nodes
        k = int(N * p.min_firms_per_node)
        node[:k] = np.arange(k) % N
    adv_w = rest[:, 1] / np.where(tot > 0, tot, 1)
    tier = (u[1] < adv_w[node]).astype(np.int64)
    size = (1.0 - u[2]) ** (-1.0 / p.size_tail)
    size = np.minimum(size, 1e4)
    grp = node * 2 + tier
    gsum = np.bincount(grp, weights=size, minlength=2 * N)
    capacity = size * rest.ravel()[grp] / np.where(gsum[grp] > 0, gsum[grp], 1)
    capability = cap0[node, tier] * (0.35 + 0.6 * u[3])
    # rescale so that each node-tier's capacity-weighted capability equals its starting value
    # exactly, whatever the population size (heavy-tailed sizes would otherwise let a few firms set it)
    G = 2 * N
    a_key = a_node * 2 + a_tier
    cw = np.bincount(grp, weights=capacity * capability, minlength=G) + np.bincount(a_key, weights=a_cap * a_capab, minlength=G)
    w = np.bincount(grp, weights=capacity, minlength=G) + np.bincount(a_key, weights=a_cap, minlength=G)
    syn_cw = np.bincount(grp, weights=capacity * capability, minlength=G)
    target = cap0.ravel() * w - (cw - syn_cw)  # what the synthetic firms must contribute
    factor = np.where(syn_cw > 0, target / np.where(syn_cw > 0, syn_cw, 1.0), 1.0)
    capability = np.clip(capability * np.maximum(factor[grp], 0.0), 1e-4, 1.0)
    o = u[4]
    shares = np.array([p.central_soe_share, p.local_soe_share, p.jv_share, p.initial_startup_share])
    edges = np.cumsum(shares)
    owner = np.full(F, OWNERSHIP.index("private"))
    owner[o < edges[3]] = OWNERSHIP.index("startup")
    owner[o < edges[2]] = OWNERSHIP.index("jv")
    owner[o < edges[1]] = OWNERSHIP.index("local_soe")
    owner[o < edges[0]] = OWNERSHIP.index("central_soe")
    foreign = fab_nodes[node] & (u[5] < p.foreign_fab_share)
    owner[foreign] = OWNERSHIP.index("foreign_fab")
    hq = ~np.isin(owner, [OWNERSHIP.index("foreign_fab"), OWNERSHIP.index("jv")])
    gdp_w = prov_gdp / prov_gdp.sum()
    hub_w = np.where(prov_hub, 1.0, 0.0)
    hub_w = hub_w / hub_w.sum() if hub_w.sum() > 0 else gdp_w
    prov_w = p.hub_share * hub_w + (1 - p.hub_share) * gdp_w
    pc = np.cumsum(prov_w)
    prov = np.minimum(np.searchsorted(pc, u[6] * pc[-1]), V - 1)

    all_cap = np.concatenate([a_cap, capacity])
    return {
        "firm_id": np.arange(A + F, dtype=np.int64),
        "firm_node": np.concatenate([a_node, node]).astype(np.int64),
        "firm_tier": np.concatenate([a_tier, tier]).astype(np.int64),
        "firm_owner": np.concatenate([a_owner, owner]).astype(np.int64),
        "firm_province": np.concatenate([a_prov, prov]).astype(np.int64),
        "firm_hq_cn": np.concatenate([a_hq, hq]),
        "firm_capability": np.concatenate([a_capab, capability]),
        "firm_capacity": all_cap,
        "firm_cash": to_thousand(all_cap * p.initial_cash_share),
        "firm_anchor": np.concatenate([np.arange(A), np.full(F, -1)]).astype(np.int64),
        "anchor_names": [r["firm"] for r in rows],
    }


def _policy_arrays(sc, p, years, nodes, sectors, countries, provinces, node_sector_names, anchor_names, firms, supply) -> dict:
    """Lay events on yearly arrays (effect years shifted by the implementation lag)."""
    foreign = supply.copy()
    foreign[:, countries.index("CN")] = 0.0
    foreign_w = foreign / np.where(foreign.sum(axis=1, keepdims=True) > 0, foreign.sum(axis=1, keepdims=True), 1.0)
    lag = int(p.implementation_lag_years)
    Y, N, C, S = len(years), len(nodes), len(countries), len(sectors)
    F0 = len(firms["firm_id"])
    out = {
        "ctrl_cut": np.zeros((Y, N, 2, C)), "ctrl_announced": np.zeros((Y, N, 2)), "servicing_ban": np.zeros((Y, N, 2)), "servicing_waiver": np.zeros(Y, dtype=bool),
        "entity_listed": np.zeros((Y, F0)), "entity_nodes": np.zeros((Y, N), dtype=bool), "counter_cut": np.zeros((Y, N)),
        "preference": np.zeros((Y, N)), "local_content": np.zeros((Y, N)), "nev_subsidy": np.zeros(Y), "nev_tax": np.zeros(Y),
        "nev_credit": np.zeros(Y), "nev_plate": np.zeros(Y), "infra_budget": np.zeros((Y, N)), "infra_unit_cost": np.zeros(N),
        "infra_target": {}, "privacy": np.zeros(Y), "fin_restrict": np.zeros((Y, S)), "platform": np.zeros((Y, S)),
        "talent_extra": np.zeros(Y), "brain_drain_cut": np.zeros(Y), "innovation_centre": np.zeros((Y, N)),
        "tariff": np.zeros((Y, N)), "fraud": np.zeros((Y, N)),
        "nev_subsidy_band": np.zeros((Y, len(NEV_BANDS))), "nev_volume_cap": np.full(Y, np.inf),
    }
    out["infra_unit_cost"][nodes.index("base_stations")] = p.unit_cost_5g_rmb_k
    out["infra_unit_cost"][nodes.index("charging")] = p.unit_cost_charger_rmb_k
    out["infra_unit_cost"][nodes.index("data_centres")] = p.unit_cost_dc_rack_rmb_k
    cn = countries.index("CN")
    local_cap = np.zeros(Y)
    for e in sc.events:
        act = np.array([e.active(int(y), lag) for y in years])
        ann = np.array([e.announce <= y < e.effect + lag for y in years])
        k = e.kind
        if k == "export_control":
            ni = [nodes.index(n) for n in e.nodes]
            ti = [D.TIERS.index(t) for t in e.tiers]
            cut = e.severity * (1 - e.leakage)
            # who applies it: the imposing countries, and under the FDPR every complying ally
            reach = np.array([
                0.0 if c == cn else (1.0 if countries[c] in e.imposing else (e.allied_compliance if e.instrument == "fdpr" else 0.0))
                for c in range(C)
            ])
            # share of China's foreign supply of each listed node that those countries provide
            covered = np.array([(reach * foreign_w[n]).sum() for n in ni])
            if e.instrument == "servicing_ban":
                for n, cov in zip(ni, covered):
                    for t in ti:
                        out["servicing_ban"][act, n, t] = np.maximum(out["servicing_ban"][act, n, t], cut * cov)
                        out["ctrl_announced"][ann, n, t] = np.maximum(out["ctrl_announced"][ann, n, t], cut * cov)
                out["servicing_waiver"][act] |= e.waiver_foreign_fabs
            elif e.targets:  # entity listing, or an FDPR aimed at named firms (Huawei 2020)
                eff = cut * float(covered.mean()) if len(covered) else 0.0
                for name in e.targets:
                    f = anchor_names.index(name)
                    out["entity_listed"][act, f] = np.maximum(out["entity_listed"][act, f], eff)
                out["entity_nodes"][np.ix_(act, ni)] = True
            else:  # country-wide tier rules and the country-wide FDPR
                for n in ni:
                    for t in ti:
                        out["ctrl_cut"][act, n, t, :] = np.maximum(out["ctrl_cut"][act, n, t, :], cut * reach)
                        out["ctrl_announced"][ann, n, t] = np.maximum(out["ctrl_announced"][ann, n, t], cut)
        elif k == "counter_control":
            for n in e.nodes:
                out["counter_cut"][act, nodes.index(n)] = np.maximum(out["counter_cut"][act, nodes.index(n)], e.severity)
        elif k in ("procurement_preference", "substitution_incentive", "security_law"):
            for n in e.nodes:
                out["preference"][act, nodes.index(n)] += e.strength
        elif k == "local_content":
            for n in e.nodes:
                out["local_content"][act, nodes.index(n)] = np.maximum(out["local_content"][act, nodes.index(n)], e.min_domestic_share)
        elif k == "nev_policy":
            sched = _by_year(dict(e.value_rmb_per_vehicle), years, hold=True, end=e.end) * act
            if e.instrument == "purchase_subsidy":
                out["nev_subsidy_band"] += sched[:, None]
                for band, values in e.value_by_band_rmb.items():
                    out["nev_subsidy_band"][:, NEV_BANDS.index(band)] += _by_year(dict(values), years, hold=True, end=e.end) * act
                if e.volume_cap_vehicles is not None:
                    out["nev_volume_cap"] = np.where(act, np.minimum(out["nev_volume_cap"], e.volume_cap_vehicles), out["nev_volume_cap"])
            elif e.instrument == "purchase_tax_exemption":
                out["nev_tax"] += sched
            elif e.instrument == "dual_credit":
                out["nev_credit"] = np.maximum(out["nev_credit"], act * e.strength)
            elif e.instrument == "plate_exemption":
                out["nev_plate"] = np.maximum(out["nev_plate"], act * e.strength)
            else:
                local_cap = np.maximum(local_cap, act * e.strength)
        elif k == "new_infrastructure":
            n = nodes.index(INFRA_NODE[e.programme])
            out["infra_budget"][:, n] += _by_year(dict(e.budget_rmb_bn), years, hold=False)
            if e.unit_cost_rmb_k:
                out["infra_unit_cost"][n] = e.unit_cost_rmb_k
            if e.target_units and e.target_year:
                out["infra_target"][INFRA_NODE[e.programme]] = (e.target_year, e.target_units)
        elif k == "privacy_law":
            out["privacy"] = np.maximum(out["privacy"], act * e.severity)
        elif k in ("financial_restriction", "platform_regulation"):
            key = "fin_restrict" if k == "financial_restriction" else "platform"
            for s in e.sectors:
                out[key][act, sectors.index(s)] = np.maximum(out[key][act, sectors.index(s)], e.severity)
        elif k == "talent_programme":
            out["talent_extra"] += act * e.engineers_k_per_year
            out["brain_drain_cut"] = np.maximum(out["brain_drain_cut"], act * e.brain_drain_cut)
        elif k == "innovation_centre":
            for n in e.nodes:
                out["innovation_centre"][act, nodes.index(n)] = np.maximum(out["innovation_centre"][act, nodes.index(n)], e.concentration)
        elif k == "trade_defence":
            for n in e.nodes:
                out["tariff"][act, nodes.index(n)] += e.tariff * p.trade_defence_reach
        elif k == "subsidy_fraud":
            for n in e.nodes:
                out["fraud"][act, nodes.index(n)] = np.maximum(out["fraud"][act, nodes.index(n)], e.severity)
    out["nev_subsidy"] = out["nev_subsidy_band"] @ band_mix(p)  # the average vehicle's central subsidy
    out["nev_local_cap"] = local_cap
    out["preference"] = np.minimum(out["preference"], 1.0)
    out["tariff"] = np.minimum(out["tariff"], 1.0)
    return out
