"""The compiled world: every number the engine needs, as plain arrays.

``World`` is built once by ``zili.scenario.compile`` from a validated scenario and the
shipped data, and never changes during a run. Shapes use Y years, N nodes, T=2 tiers
(mature, advanced), C countries, S sectors, P payers, U funds/programmes, V provinces
and F0 starting firms. Money is int64 RMB thousand; flows and capacities that are not
ledger money are float RMB bn at constant prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OWNERSHIP = ("central_soe", "local_soe", "private", "startup", "foreign_fab", "jv")
SOES = (OWNERSHIP.index("central_soe"), OWNERSHIP.index("local_soe"))  # state-owned ownership codes


def is_soe(owner):
    """Whether each ownership code is a state-owned enterprise (central or local); any array module."""
    return (owner == SOES[0]) | (owner == SOES[1])
INSTRUMENTS = ("equity", "grant", "loan", "subsidy", "tax_expenditure", "internal_rd")
SELECTION = ("champions", "venture", "broad")
SOE_CODES = (0, 1)


class ParamView(dict):
    """Flat, read-only parameter access: ``p.fund_deploy_rate``.

    The mapping is its own attribute dictionary, so ``p.name`` is a plain lookup (some 50 ns;
    a ``__getattr__`` that reads the mapping is some 430 ns, and the engine reads parameters
    about a hundred times a year). No parameter is named like a method of ``dict``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self

    def __getattr__(self, name: str):  # reached only for a name that is not a parameter
        raise AttributeError(name)

    def __reduce__(self):
        return (ParamView, (dict(self),))


@dataclass(frozen=True)
class World:
    """Static arrays of one scenario (see module docstring for shapes and units)."""

    years: np.ndarray
    names: dict[str, tuple[str, ...]]
    params: ParamView

    # sectors and nodes
    node_sector: np.ndarray  # int (N,)
    sector_real: np.ndarray  # bool (S,)
    sector_priority: np.ndarray  # float (S,)
    input_weight: np.ndarray  # float (N, N): [node, input]
    topo: np.ndarray  # int (N,) inputs before users
    downstream_reach: np.ndarray  # float (N,) in [0, 1]
    demand0: np.ndarray  # float (N, T) China demand at start, RMB bn
    demand_growth: np.ndarray  # float (N,) growth in the start year
    demand_index: np.ndarray  # float (Y, N) demand relative to the start year (growth decays toward GDP growth)
    world_market0: np.ndarray  # float (N,) RMB bn
    supply_share: np.ndarray  # float (N, C)
    frontier_growth: np.ndarray  # float (N, T)
    cap0: np.ndarray  # float (N, T)
    ss0: np.ndarray  # float (N, T)
    controllers: np.ndarray  # bool (Y, C) countries that have announced an effective control by that year
    tool_nodes: np.ndarray  # bool (N,) fab tools (foreign tools installed at fabs)
    fab_nodes: np.ndarray  # bool (N,) nodes whose capacity runs on tools
    learning: np.ndarray  # float (N,) learning-by-doing multiplier
    manufacturing_nodes: np.ndarray  # bool (N,) nodes whose productivity digitisation raises

    # starting firms (F0,), sorted by id
    firm_id: np.ndarray
    firm_node: np.ndarray
    firm_tier: np.ndarray
    firm_owner: np.ndarray
    firm_province: np.ndarray
    firm_hq_cn: np.ndarray
    firm_capability: np.ndarray
    firm_capacity: np.ndarray
    firm_cash: np.ndarray
    firm_anchor: np.ndarray  # int index into names["anchor"], -1 for synthetic

    # payers, funds and provinces
    payer_public: np.ndarray  # bool (P,)
    payer_province: np.ndarray  # int (P,) province index or -1
    fund_payin: np.ndarray  # int64 (Y, U, P) RMB thousand paid in per year
    fund_registered: np.ndarray  # int64 (U,) RMB thousand
    fund_launch: np.ndarray  # int (U,) launch year (9999 if never)
    fund_mandate: np.ndarray  # float (U, N)
    fund_instrument: np.ndarray  # int (U,)
    fund_selection: np.ndarray  # int (U,)
    fund_deploy_rate: np.ndarray  # float (U,)
    fund_is_private_vc: np.ndarray  # bool (U,)
    fund_is_provincial: np.ndarray  # bool (U,)
    fund_cap_per_firm: np.ndarray  # int64 (U,) RMB thousand per firm per year, 0 = no cap
    prov_gdp: np.ndarray  # float (V,) RMB bn
    prov_hub: np.ndarray  # bool (V,)

    # policy, compiled per year
    ctrl_cut: np.ndarray  # float (Y, N, T, C) share of country c's supply stopped
    ctrl_announced: np.ndarray  # float (Y, N, T) announced, not yet effective
    servicing_ban: np.ndarray  # float (Y, N, T)
    servicing_waiver: np.ndarray  # bool (Y,) foreign-owned fabs in China keep servicing
    entity_listed: np.ndarray  # float (Y, F0) severity of an entity listing on a starting firm
    entity_nodes: np.ndarray  # bool (Y, N) inputs cut for listed firms
    counter_cut: np.ndarray  # float (Y, N)
    preference: np.ndarray  # float (Y, N) procurement + substitution + security, capped at 1
    local_content: np.ndarray  # float (Y, N)
    nev_subsidy: np.ndarray  # float (Y,) central purchase subsidy of the average vehicle (band-weighted), RMB
    nev_tax: np.ndarray  # float (Y,) RMB per vehicle
    nev_credit: np.ndarray  # float (Y,) 0-1
    nev_plate: np.ndarray  # float (Y,) 0-1
    infra_budget: np.ndarray  # float (Y, N) RMB bn of infrastructure purchases
    infra_unit_cost: np.ndarray  # float (N,) RMB thousand per unit
    infra_target: dict = field(default_factory=dict)  # node -> (year, units)
    privacy: np.ndarray = None  # float (Y,)
    fin_restrict: np.ndarray = None  # float (Y, S)
    platform: np.ndarray = None  # float (Y, S)
    talent_extra: np.ndarray = None  # float (Y,) thousand engineers
    brain_drain_cut: np.ndarray = None  # float (Y,)
    innovation_centre: np.ndarray = None  # float (Y, N)
    tariff: np.ndarray = None  # float (Y, N)
    fraud: np.ndarray = None  # float (Y, N)
    nev_subsidy_band: np.ndarray = None  # float (Y, B) central purchase subsidy by range band (nev.BANDS), RMB per vehicle
    nev_local_cap: np.ndarray = None  # float (Y,) cap on local top-ups as a share of the central subsidy
    nev_volume_cap: np.ndarray = None  # float (Y,) vehicles a year the central subsidy covers (inf = no cap)

    # context series (inputs passed through as metrics)
    vehicle_sales: np.ndarray = None  # float (Y,) million vehicles
    nev_share0: float = 0.0
    manufacturing_share: np.ndarray = None  # float (Y,) NaN where no data
    gdp_rmb_bn: np.ndarray = None  # float (Y,)
    deflator: np.ndarray = None  # float (Y,) price level relative to the start year (for _real money metrics)
    engineers0: float = 0.0  # thousand
    graduates0: float = 0.0  # thousand per year
    synthetic_weight: float = 1.0  # real firms one synthetic firm stands for (named anchors stand for themselves)

    @property
    def shape(self) -> dict[str, int]:
        return {
            "Y": len(self.years),
            "N": len(self.names["node"]),
            "T": 2,
            "C": len(self.names["country"]),
            "S": len(self.names["sector"]),
            "P": len(self.names["payer"]),
            "U": len(self.names["fund"]),
            "V": len(self.names["province"]),
            "F0": len(self.firm_id),
        }

    def node(self, name: str) -> int:
        return self.names["node"].index(name)

    def has_controls(self) -> bool:
        return bool(self.ctrl_cut.any() or self.ctrl_announced.any() or self.servicing_ban.any() or self.entity_listed.any())
