"""Every behavioural parameter of zili, declared once: default, range, meaning, kind.

A parameter's *kind* is ``sourced`` (a number from a cited source), ``prior`` (a
literature prior, with its citation in ``ref``) or ``free`` (no source: to be
calibrated, within the stated range). This module is the single home of those
defaults; ``docs/ODD.md``'s parameter table and ``zili describe`` are generated
from it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

KINDS = ("sourced", "prior", "free")


def param(default: float, lo: float, hi: float, meaning: str, kind: str = "free", ref: str = "") -> Any:
    """Declare a scalar parameter with its allowed range, meaning and kind."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if not lo <= default <= hi:
        raise ValueError(f"default {default} outside [{lo}, {hi}] for {meaning!r}")
    return Field(
        default,
        ge=lo,
        le=hi,
        description=meaning,
        json_schema_extra={"kind": kind, "ref": ref, "range": [lo, hi]},
    )


def switch(default: bool, meaning: str, kind: str = "free", ref: str = "") -> Any:
    """Declare an on/off mechanism switch (a structural variant)."""
    return Field(default, description=meaning, json_schema_extra={"kind": kind, "ref": ref, "range": [False, True]})


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


HALL_2010 = (
    "Hall, Mairesse & Mohnen (2010), Measuring the returns to R&D, Handbook of the Economics "
    "of Innovation vol. 2, doi:10.1016/S0169-7218(10)02008-3 (R&D output elasticities 0.01-0.25)"
)
IRWIN_KLENOW_1994 = (
    "Irwin & Klenow (1994), Learning-by-doing spillovers in the semiconductor industry, "
    "Journal of Political Economy 102(6):1200-1227, doi:10.1086/261968 (learning rate about 20%)"
)
ZIEGLER_TRANCIK_2021 = (
    "Ziegler & Trancik (2021), Re-examining rates of lithium-ion battery technology improvement "
    "and cost decline, Energy & Environmental Science 14:1635, doi:10.1039/D0EE02681F"
)
HSIEH_KLENOW_2009 = (
    "Hsieh & Klenow (2009), Misallocation and manufacturing TFP in China and India, QJE 124(4), "
    "doi:10.1162/qjec.2009.124.4.1403 (state-owned plants less productive)"
)
BRANDER_2015 = (
    "Brander, Du & Hellmann (2015), The effects of government-sponsored venture capital: "
    "international evidence, Review of Finance 19(2):571-618, doi:10.1093/rof/rfu009 "
    "(moderate public VC adds, heavy public VC crowds out private VC)"
)
WEI_ANG_JIA_2023 = (
    "Wei, Ang & Jia (2023), The promise and pitfalls of government guidance funds in China, "
    "China Quarterly, https://www.cambridge.org/core/journals/china-quarterly/article/"
    "promise-and-pitfalls-of-government-guidance-funds-in-china/9211F2954E797A29E82B540DA6D9"
)
KORNAI_1986 = "Kornai (1986), The soft budget constraint, Kyklos 39(1):3-30, doi:10.1111/j.1467-6435.1986.tb01252.x"
SEED_003 = "seed 003 (TechNode, Two Sessions 2020): 'the policy process is slow and often messy'"
SEED_000 = "seed 000 (Rui Ma, 2022): Huang Qifan, a 5% efficiency gain = USD 2 tn more output"
BASS_1969 = "Bass (1969), A new product growth model for consumer durables, Management Science 15(5):215-227, doi:10.1287/mnsc.15.5.215 (imitation: adoption rises with adopters)"
KAPLAN_2020 = (
    "Kaplan et al. (2020), Scaling laws for neural language models, arXiv:2001.08361; Sevilla et al. (2022), "
    "Compute trends across three eras of machine learning, arXiv:2202.05924 (AI progress tracks training compute)"
)
PRIVACY_PRIOR = (
    "Goldfarb & Tucker (2012), Privacy and innovation, Innovation Policy and the Economy 12:65-90, doi:10.1086/663156; "
    "Jia, Jin & Wagman (2021), The short-run effects of GDPR on technology venture investment, Marketing Science 40(4), "
    "doi:10.1287/mksc.2020.1271 (privacy rules slow data-driven ventures; seed 003: 'Extremely affects them', but clarity may help)"
)


class Priorities(_Group):
    """Step 2: the state's weight per node."""

    financial_weight: float = param(0.15, 0.0, 1.0, "priority multiplier of financial-economy sectors relative to real ones (seed 000)")
    chokepoint_weight: float = param(2.0, 0.0, 10.0, "extra priority per unit of chokepoint severity")
    controlling_share_floor: float = param(0.0, 0.0, 1.0, "minimum share of foreign supply treated as controllable before any control is announced")


class Capital(_Group):
    """Step 3: how payers and funds move money to firms."""

    fund_deploy_rate: float = param(0.55, 0.05, 1.0, "share of a fund's available capital deployed in a year (the rest stays idle)")
    guidance_deploy_rate: float = param(0.3, 0.05, 1.0, "deployment rate of government guidance funds (slow to deploy; 26% met targets)", "prior", WEI_ANG_JIA_2023)
    ticket_rmb_bn: float = param(0.05, 0.005, 2.0, "median deal size of venture-type funds (RMB bn)")
    big_ticket_rmb_bn: float = param(1.5, 0.1, 20.0, "median deal size of the Big Fund and policy loans (RMB bn)")
    max_deals_per_fund_node: int = param(400, 1, 5000, "cap on deals one fund makes in one node in one year")
    selection_capability: float = param(1.0, 0.0, 5.0, "exponent of capability in fund selection scores")
    selection_size: float = param(0.5, 0.0, 3.0, "exponent of capacity in fund selection scores")
    selection_noise: float = param(1.0, 0.0, 5.0, "scale of the Gumbel noise in selection (misallocation, due-diligence errors)", "prior", HSIEH_KLENOW_2009)
    startup_share: float = param(0.35, 0.0, 1.0, "share of venture-type deployment that founds new startups rather than backing incumbents")
    startup_ticket_rmb_bn: float = param(0.03, 0.001, 1.0, "capital that founds one startup (RMB bn)")
    max_entries_per_year: int = param(1500, 0, 100000, "slots reserved per year for new firms (startups)")
    crowding_out: bool = switch(True, "public money displaces private VC in the same node (evidence: heavy public VC crowds out)", "prior", BRANDER_2015)
    crowding_out_strength: float = param(0.3, 0.0, 1.0, "private VC withdrawn per unit of public venture money in a node", "prior", BRANDER_2015)
    private_return_weight: float = param(1.0, 0.0, 5.0, "how strongly private VC follows node revenue growth")
    province_race: bool = switch(True, "provinces compete for the same projects (duplication, idle capacity)")
    race_herding: float = param(2.0, 0.0, 6.0, "exponent on priority when provinces chase projects: higher = more duplication")
    fiscal_capacity_share: float = param(0.004, 0.0005, 0.02, "share of provincial GDP available each year for tech support before borrowing")
    lgfv_leverage: float = param(0.5, 0.0, 2.0, "local spending financed by LGFV debt per unit of budget-funded spending")
    lgfv_rate: float = param(0.05, 0.0, 0.12, "interest rate on LGFV debt (fraction per year)")
    capex_share_equity: float = param(0.7, 0.0, 1.0, "share of equity, loans and subsidies received that firms put into capacity")
    reinvestment_ratio: float = param(1.5, 0.0, 3.0, "reinvestment clause of provincial guidance funds: local capex a funded firm must make per RMB received (race on only; commonly 1-2x reported)")
    land_revenue_tech_share: float = param(0.01, 0.0, 0.05, "share of a province's land-sale revenue (provinces.csv) that goes into its guidance fund each year")
    race_expansion: float = param(0.3, 0.0, 1.0, "extra yearly capacity growth firms aim for when every province backs their node (the race builds for the national market, not local demand; race on only)", "free", "Zhou (2007), Governing China's local officials: an analysis of promotion tournament model, Economic Research Journal 7:36-50 (mechanism only)")
    nev_local_race_boost: float = param(2.0, 0.0, 10.0, "extra weight provinces put on battery and EV plants per unit of local NEV top-up (relative to the central subsidy)")


class Innovation(_Group):
    """Step 4: capability growth toward a moving frontier."""

    rd_effect: float = param(0.03, 0.0, 0.5, "capability gain per unit log1p(R&D / node R&D scale), before diminishing returns", "prior", HALL_2010)
    rd_scale_share: float = param(0.05, 0.001, 0.5, "R&D intensity (R&D per RMB of the firm's yearly capacity) at which R&D's effect is log(2) x rd_effect")
    rd_min_scale_rmb_bn: float = param(0.02, 0.001, 1.0, "smallest capacity used to measure a firm's R&D intensity (young firms with no capacity yet), RMB bn")
    learning_effect: float = param(0.05, 0.0, 0.3, "capability gain per unit of log2 growth of cumulative domestic output (learning-by-doing)", "prior", IRWIN_KLENOW_1994)
    spillover: float = param(0.08, 0.0, 0.5, "share of the gap to national best practice closed per year by spillovers")
    hub_spillover_boost: float = param(0.5, 0.0, 3.0, "extra spillover for firms in innovation hubs and innovation centres (seed 002, 003)")
    licensing: float = param(0.01, 0.0, 0.1, "capability gain per year from licensed foreign technology (cut by controls)")
    noise_sd: float = param(0.25, 0.0, 1.0, "log-normal noise on a firm's yearly capability gain")
    upgrade_threshold: float = param(0.8, 0.3, 1.0, "mature-tier capability at which a firm attempts the advanced tier")
    upgrade_start: float = param(0.6, 0.1, 1.0, "capability right after an upgrade, as a share of national best practice in the advanced tier")
    soe_efficiency: float = param(0.8, 0.3, 1.2, "R&D efficiency of SOEs relative to private firms", "prior", HSIEH_KLENOW_2009)
    own_rd_intensity: float = param(0.08, 0.0, 0.3, "share of revenue firms spend on R&D from their own funds")
    ai_compute_bound: bool = switch(True, "AI-model progress is bounded by access to advanced AI chips")
    battery_learning_rate: float = param(0.19, 0.05, 0.35, "battery cost decline per doubling of cumulative battery output", "prior", ZIEGLER_TRANCIK_2021)
    privacy_data_effect: float = param(0.3, -0.5, 1.0, "slowdown of data-hungry AI progress per unit privacy-law severity (negative = clarity helps)", "prior", PRIVACY_PRIOR)
    ai_compute_elasticity: float = param(1.0, -0.5, 2.0, "elasticity of AI-model progress to access to advanced AI chips (0 = compute does not bind; negative = scarcity spurs efficiency)", "prior", KAPLAN_2020)


class Market(_Group):
    """Step 5: demand, domestic share, prices and capacity."""

    capability_pull: float = param(4.0, 0.0, 20.0, "logit weight of the capability gap in buyers' domestic share")
    price_pull: float = param(1.5, 0.0, 10.0, "logit weight of log relative price in buyers' domestic share")
    procurement_pull: float = param(1.5, 0.0, 10.0, "logit shift per unit procurement preference, security law or substitution incentive")
    qualification_lag_years: float = param(3.0, 1.0, 8.0, "years for buyers to qualify and switch to a domestic substitute")
    overcapacity_price: float = param(0.6, 0.0, 3.0, "elasticity of price to utilisation below target (overcapacity lowers prices)")
    price_floor: float = param(0.6, 0.2, 1.0, "lowest price index overcapacity can push a node to, before cost learning")
    target_utilisation: float = param(0.8, 0.5, 0.95, "utilisation firms and buyers regard as normal")
    export_propensity: float = param(0.4, 0.0, 1.0, "share of idle domestic capacity sold abroad when competitive")
    capacity_depreciation: float = param(0.1, 0.02, 0.3, "capacity lost per year without maintenance investment")
    capital_intensity: float = param(1.5, 0.2, 10.0, "RMB of capex per RMB of yearly output capacity")
    capacity_growth_cap: float = param(0.6, 0.05, 3.0, "maximum yearly growth of a firm's capacity")
    mature_fab_advanced_tools: float = param(0.3, 0.0, 0.8, "share of mature-tier fab capacity that runs on advanced-tier tools (e.g. 28 nm lines on immersion DUV); UNSOURCED")
    foreign_tools_servicing_life: float = param(4.0, 1.0, 15.0, "years an unserviced foreign tool lasts on average")
    stockpile_build_months: float = param(6.0, 0.0, 24.0, "months of input cover buyers add per year while a control is announced")
    counter_control_reach: float = param(0.3, 0.0, 1.0, "share of foreign output of a node that a Chinese mineral counter-control removes at full severity (foreign producers' dependence on Chinese gallium, germanium, graphite, antimony)")
    stockpile_cap_months: float = param(18.0, 0.0, 48.0, "maximum stockpile in months of imports, within buyers' means")
    growth_half_life_years: float = param(8.0, 2.0, 30.0, "half-life of a node's excess demand growth over GDP growth (markets mature)")
    gdp_growth: float = param(0.06, 0.0, 0.12, "growth of domestic demand for technology per year when not sourced per node")
    ev_share_of_battery_demand0: float = param(0.25, 0.05, 0.6, "share of China's battery demand (cells and materials) that came from NEVs in the start year; the rest grows exogenously")
    battery_history_years: float = param(3.0, 1.0, 10.0, "cumulative battery output before the start, in years of starting output (about 1 / growth for a young industry)")


class Production(_Group):
    """Step 6: output limited by inputs over the graph."""

    input_substitution: float = param(0.3, 0.0, 1.0, "share of an input shortfall that can be worked around (0 = strict Leontief)")


class Finance(_Group):
    """Step 7: revenue, costs, bail-outs, exits and acquisitions."""

    variable_cost_share: float = param(0.55, 0.2, 0.95, "variable cost per unit of revenue")
    fixed_cost_share: float = param(0.05, 0.0, 0.4, "fixed cost per year per unit of capacity (RMB per RMB of capacity)")
    interest_rate: float = param(0.045, 0.0, 0.15, "interest on firm debt (fraction per year)")
    soft_budget: bool = switch(True, "SOEs in distress are bailed out into debt rather than exit", "prior", KORNAI_1986)
    max_leverage: float = param(0.6, 0.0, 2.0, "bank debt a firm may carry per RMB of capital stock (capacity x capital intensity)")
    insolvency_leverage: float = param(1.2, 0.3, 3.0, "debt per RMB of capital stock beyond which a firm short of cash is insolvent")
    exit_hazard: float = param(0.5, 0.0, 1.0, "probability an insolvent private firm exits in a year")
    acquisition_rate: float = param(0.2, 0.0, 1.0, "probability a failing private firm is absorbed by an SOE in its node (seed 001)")
    recovery_rate: float = param(0.2, 0.0, 1.0, "share of an exiting firm's remaining assets recovered by creditors")
    startup_base_hazard: float = param(0.08, 0.0, 0.5, "yearly exit probability of a young firm (age < 5) regardless of cash")
    policy_loan_spread: float = param(0.02, 0.0, 0.06, "interest subsidy of policy loans below market rates, counted in fiscal cost (fraction per year)")


class Talent(_Group):
    """Step 8: engineers, programmes, brain drain."""

    engineers_per_rmb_bn: float = param(10.0, 3.0, 30.0, "thousand engineers needed per RMB bn of R&D (10 = RMB 100k per engineer-year)")
    graduate_growth: float = param(0.04, 0.0, 0.15, "growth per year of new engineering graduates")
    brain_drain: float = param(0.03, 0.0, 0.2, "share of engineers leaving for abroad per year (seed 002)")
    talent_elasticity: float = param(0.5, 0.0, 2.0, "elasticity of R&D productivity to the engineer fill rate")
    initial_fill: float = param(0.7, 0.1, 1.0, "engineer fill rate of R&D demand at the start")


class RealFinancial(_Group):
    """The real-versus-financial economy lens (seed 000)."""

    digitisation_elasticity: float = param(0.05, 0.0, 0.2, "manufacturing productivity gain per doubling of industrial-internet output", "prior", SEED_000)
    restriction_exit_rate: float = param(0.6, 0.0, 1.0, "share of firms in a restricted financial sector that exit per unit severity")
    platform_effect_cap: float = param(0.2, 0.0, 1.0, "largest share of growth a platform-regulation event can remove (bounded, seed 000)")


class PolicyParams(_Group):
    """How policy events act.

    The NEV demand defaults (price, charging and plate pulls, adjustment speed) were set by a
    coarse grid search toward the 2014-2019 NEV sales shares (history.csv, use = calibrate),
    never toward later years.
    """

    implementation_lag_years: int = param(0, 0, 3, "extra years between an event's effect year and when it bites", "prior", SEED_003)
    nev_price_pull: float = param(4.0, 0.0, 20.0, "logit weight of the NEV price gap (net of subsidy, share of car price) in NEV demand")
    nev_charging_pull: float = param(0.3, 0.0, 5.0, "logit weight of log charging points per NEV in NEV demand")
    nev_plate_pull: float = param(2.0, 0.0, 3.0, "logit shift from licence-plate exemptions in restricting cities")
    nev_credit_pull: float = param(0.6, 0.0, 3.0, "logit shift from dual-credit requirements at full strength")
    nev_imitation: float = param(0.8, 0.0, 3.0, "logit shift per unit log growth of the NEV fleet on the road (familiarity, models on offer: Bass imitation)", "prior", BASS_1969)
    nev_adjustment_speed: float = param(0.8, 0.1, 1.0, "share of the gap to the target NEV share closed in a year")
    nev_local_topup_use: float = param(0.6, 0.0, 1.0, "share of the local top-up cap (a share of the central subsidy) that local governments actually paid")
    nev_scrappage: float = param(0.03, 0.0, 0.15, "share of the NEV fleet scrapped per year")
    private_chargers_per_nev: float = param(0.05, 0.0, 0.3, "public charging points private operators build per new NEV sold (their own capex)")


AXTELL_2001 = "Axtell (2001), Zipf distribution of U.S. firm sizes, Science 293:1818-1820, doi:10.1126/science.1062081 (tail exponent about 1.06)"


class Population(_Group):
    """The synthetic starting population of firms (no firm-level census is shipped)."""

    size_tail: float = param(1.06, 0.8, 2.0, "Pareto tail exponent of firm capacity within a node", "prior", AXTELL_2001)
    central_soe_share: float = param(0.05, 0.0, 0.3, "share of synthetic firms that are central SOEs")
    local_soe_share: float = param(0.12, 0.0, 0.4, "share of synthetic firms that are local SOEs")
    jv_share: float = param(0.04, 0.0, 0.2, "share of synthetic firms that are joint ventures with foreign firms (seed 001)")
    initial_startup_share: float = param(0.15, 0.0, 0.5, "share of synthetic firms that are young startups")
    foreign_fab_share: float = param(0.06, 0.0, 0.3, "share of synthetic firms in fab nodes that are foreign-owned fabs in China")
    hub_share: float = param(0.5, 0.0, 1.0, "share of firms located in the innovation hubs (Shenzhen, Beijing, Shanghai, Hefei)")
    initial_cash_share: float = param(0.25, 0.02, 1.0, "starting cash as a share of a year's output capacity")
    min_firms_per_node: int = param(8, 1, 1000, "fewest synthetic firms any node starts with")


class Programmes(_Group):
    """Yearly money of payers whose totals no source gives (scenario parameters with ranges)."""

    private_vc_rmb_bn: float = param(300.0, 50.0, 1200.0, "private (non-state) LP money into VC per year at the start, RMB bn; 2020 LP subscriptions were RMB 2.08 tn, 43-50% state (Zero2IPO via 21st Century Economic Report, 2024)")
    soe_rd_rmb_bn: float = param(60.0, 10.0, 300.0, "SOE internal R&D on tech nodes per year at the start, RMB bn")
    policy_loans_rmb_bn: float = param(80.0, 10.0, 400.0, "policy-bank loans to tech manufacturers per year at the start, RMB bn")
    growth: float = param(0.05, 0.0, 0.15, "nominal growth per year of these programmes")
    budget_modelled_share: float = param(0.35, 0.1, 1.0, "share of a `budget` event's money (e.g. central S&T spending) that reaches the modelled technology nodes; the rest funds science outside them")
    unit_cost_5g_rmb_k: float = param(300.0, 100.0, 1000.0, "cost of one 5G base station incl. installation, RMB thousand")
    unit_cost_charger_rmb_k: float = param(40.0, 5.0, 150.0, "cost of one public charging point incl. grid connection, RMB thousand")
    trade_defence_reach: float = param(0.3, 0.0, 1.0, "share of China's exports of a node going to the countries imposing a tariff")
    nev_share_start: float = param(0.0008, 0.0003, 0.002, "NEV share of vehicle sales in the year before the start (CleanTechnica/CAAM: 0.08% in 2013; an initial condition, outside the 2014-2019 calibration window)", "sourced", "CleanTechnica: Chinese EV sales grew 38% in 2013, https://cleantechnica.com/2014/05/28/chinese-ev-sales-grew-38-2013/")
    nev_price_rmb_k: float = param(180.0, 80.0, 400.0, "average NEV price before subsidy, RMB thousand")
    nev_premium0: float = param(0.35, 0.0, 1.0, "NEV price premium over a comparable combustion car at the start (share of price)")
    battery_share_of_premium: float = param(0.8, 0.3, 1.0, "share of the NEV premium due to battery cost (falls with battery learning)")
    nev_mix_bev_short: float = param(0.25, 0.0, 0.6, "share of NEV sales in the short-range BEV subsidy band (150-250 km)")
    nev_mix_bev_mid: float = param(0.4, 0.0, 0.8, "share of NEV sales in the mid-range BEV subsidy band (250-400 km)")
    nev_mix_bev_long: float = param(0.1, 0.0, 0.5, "share of NEV sales in the long-range BEV band (400 km and more); plug-in hybrids are the rest")
    nev_stock_start_k: float = param(40.0, 15.0, 100.0, "NEVs on the road in the year before the start, thousand")
    charging_points_start_k: float = param(30.0, 10.0, 60.0, "public charging points at the start, thousand")
    unit_cost_dc_rack_rmb_k: float = param(150.0, 50.0, 500.0, "cost of one data-centre rack incl. building, power and cooling, RMB thousand")
    gdp0_rmb_bn: float = param(64000.0, 60000.0, 68000.0, "China's nominal GDP in the start year, RMB bn (not read from macro.csv, where GDP is derived from the R&D ratio, a calibration target)")
    engineers_k: float = param(2000.0, 500.0, 6000.0, "R&D engineers in the modelled sectors at the start, thousand")
    graduates_k: float = param(150.0, 20.0, 600.0, "new engineers entering the modelled sectors per year at the start, thousand")


class Params(_Group):
    """All behavioural parameters, grouped by the step that uses them."""

    priorities: Priorities = Field(default_factory=Priorities)
    capital: Capital = Field(default_factory=Capital)
    innovation: Innovation = Field(default_factory=Innovation)
    market: Market = Field(default_factory=Market)
    production: Production = Field(default_factory=Production)
    finance: Finance = Field(default_factory=Finance)
    talent: Talent = Field(default_factory=Talent)
    real_financial: RealFinancial = Field(default_factory=RealFinancial)
    policy: PolicyParams = Field(default_factory=PolicyParams)
    population: Population = Field(default_factory=Population)
    programmes: Programmes = Field(default_factory=Programmes)


def parameter_table() -> list[dict[str, Any]]:
    """One row per parameter: dotted name, default, range, kind, meaning, reference."""
    rows = []
    for group_name, group_field in Params.model_fields.items():
        group_cls = group_field.annotation
        for name, f in group_cls.model_fields.items():
            extra = f.json_schema_extra or {}
            rows.append(
                {
                    "name": f"{group_name}.{name}",
                    "default": f.default,
                    "range": tuple(extra.get("range", ())),
                    "kind": extra.get("kind", "free"),
                    "meaning": f.description or "",
                    "ref": extra.get("ref", ""),
                }
            )
    return rows
