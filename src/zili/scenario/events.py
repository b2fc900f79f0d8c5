"""Policy events: every kind DESIGN.md lists, each with announcement and effect years.

An event is announced in ``announce`` and acts from ``effect`` (plus the scenario's
implementation lag) until ``end`` (inclusive; open-ended when omitted). Node, tier,
country, payer, fund, sector, province and firm names are checked against the shipped
data when the whole scenario is validated (see ``schema.py``).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Tier = Literal["mature", "advanced"]
Material = Literal["gallium", "germanium", "graphite", "antimony", "rare_earths"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="short unique label, used to remove or override the event")
    announce: int = Field(description="year the event is announced")
    effect: int = Field(description="first year the event acts")
    end: int | None = Field(None, description="last year the event acts (inclusive); open-ended if omitted")
    source: str = Field("", description="where the event and its figures come from (title, publisher, year, address)")

    @model_validator(mode="after")
    def _years_ordered(self):
        if self.effect < self.announce:
            raise ValueError(f"effect year {self.effect} is before announce year {self.announce}; allowed: effect >= announce")
        if self.end is not None and self.end < self.effect:
            raise ValueError(f"end year {self.end} is before effect year {self.effect}; allowed: end >= effect")
        return self

    def active(self, year: int, lag: int = 0) -> bool:
        """True if the event acts in ``year`` given an implementation lag."""
        start = self.effect + lag
        return year >= start and (self.end is None or year <= self.end + lag)


class ExportControl(_Event):
    """A foreign export control (US, NL, JP ...) on nodes and tiers."""

    kind: Literal["export_control"]
    instrument: Literal["entity_listing", "country_rule", "fdpr", "servicing_ban"]
    imposing: list[str] = Field(description="imposing countries (country codes)")
    nodes: list[str] = Field(description="controlled nodes")
    tiers: list[Tier] = Field(default_factory=lambda: ["advanced"], description="controlled tiers")
    targets: list[str] = Field(default_factory=list, description="named target firms (entity listing)")
    severity: Fraction = Field(1.0, description="share of the imposing countries' supply that is stopped")
    waiver_foreign_fabs: bool = Field(True, description="foreign-owned fabs in China keep access")
    allied_compliance: Fraction = Field(1.0, description="share of non-imposing allies (NL, JP, KR, TW, EU) that follow a US rule (FDPR reach)")
    leakage: Fraction = Field(0.0, description="share of the cut that leaks through (third countries, stockpiles of distributors); 1 = no control")

    @model_validator(mode="after")
    def _listing_has_targets(self):
        if self.instrument == "entity_listing" and not self.targets:
            raise ValueError("an entity_listing needs targets; allowed: one or more firm ids (see `zili describe`)")
        return self


class CounterControl(_Event):
    """China's export controls on critical minerals, cutting foreign supply of nodes that use them."""

    kind: Literal["counter_control"]
    materials: list[Material]
    nodes: list[str] = Field(description="nodes abroad that use the materials")
    severity: Fraction = 0.5


class FundLaunch(_Event):
    """A fund with registered capital, a paid-in schedule, LP payers and a mandate."""

    kind: Literal["fund_launch"]
    fund: str
    registered_rmb_bn: NonNegative
    paid_in_rmb_bn: dict[int, NonNegative] = Field(description="paid-in capital by year (RMB bn)")
    payers: dict[str, Fraction] = Field(description="LP shares by payer; must sum to 1")
    mandate: dict[str, NonNegative] = Field(description="weights by node or sector")
    instrument: Literal["equity", "grant", "loan", "subsidy", "tax_expenditure", "internal_rd"] = "equity"
    selection: Literal["champions", "venture", "broad"] = "champions"

    @model_validator(mode="after")
    def _shares(self):
        total = sum(self.payers.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"payer shares sum to {total:.6g}; allowed: shares summing to 1")
        if not self.mandate or sum(self.mandate.values()) <= 0:
            raise ValueError("mandate is empty; allowed: at least one node or sector with a positive weight")
        return self


class Budget(_Event):
    """A yearly money series of a payer through a programme (central S&T budget, SOE R&D, policy loans)."""

    kind: Literal["budget"]
    payer: str
    fund: str = Field(description="the programme the money flows through (a fund id)")
    amounts_rmb_bn: dict[int, NonNegative]
    mandate: dict[str, NonNegative]
    instrument: Literal["equity", "grant", "loan", "subsidy", "tax_expenditure", "internal_rd"] = "grant"
    selection: Literal["champions", "venture", "broad"] = "broad"


class Subsidy(_Event):
    """Production or investment subsidies to nodes, with an optional cap per firm."""

    kind: Literal["subsidy"]
    payer: str
    nodes: list[str]
    amount_rmb_bn: NonNegative = Field(description="RMB bn per year while active")
    cap_per_firm_rmb_bn: NonNegative | None = None
    instrument: Literal["subsidy", "tax_expenditure", "grant"] = "subsidy"


class NevPolicy(_Event):
    """NEV demand-side policy: purchase subsidy, purchase-tax exemption, dual credits, plate exemptions."""

    kind: Literal["nev_policy"]
    instrument: Literal["purchase_subsidy", "purchase_tax_exemption", "dual_credit", "plate_exemption", "local_subsidy_cap"]
    value_rmb_per_vehicle: dict[int, NonNegative] = Field(default_factory=dict, description="RMB per vehicle by year (subsidy, tax exemption), for every range band")
    value_by_band_rmb: dict[Literal["bev_150_250km", "bev_250_400km", "bev_400km_plus", "phev"], dict[int, NonNegative]] = Field(
        default_factory=dict, description="purchase subsidy by range band: RMB per vehicle by year (the last value is held until `end`)"
    )
    volume_cap_vehicles: NonNegative | None = Field(None, description="vehicles a year the subsidy covers while active (2020-22: 2 m); above it the subsidy per vehicle is scaled down")
    strength: Fraction = 1.0


class LocalContent(_Event):
    """A minimum domestic share of purchases (battery whitelist; the reported 50% domestic-tool rule)."""

    kind: Literal["local_content"]
    nodes: list[str]
    min_domestic_share: Fraction


class Preference(_Event):
    """Demand tilts toward domestic suppliers: procurement preference, substitution incentive, security law, standards."""

    kind: Literal["procurement_preference", "substitution_incentive", "security_law"]
    nodes: list[str]
    strength: Fraction


class NewInfrastructure(_Event):
    """Spending on 5G, charging points or data centres: budgets and unit costs, not outcomes."""

    kind: Literal["new_infrastructure"]
    programme: Literal["5g", "charging", "data_centres"]
    payer: str
    budget_rmb_bn: dict[int, NonNegative]
    unit_cost_rmb_k: NonNegative | None = Field(None, description="RMB thousand per unit (base station, charging point); default from parameters")
    target_units: NonNegative | None = Field(None, description="a stated target, shown beside what is built")
    target_year: int | None = None


class PrivacyLaw(_Event):
    """Data-privacy law slowing data-hungry AI (Civil Code 2020, PIPL 2021)."""

    kind: Literal["privacy_law"]
    severity: Fraction


class SectorRule(_Event):
    """Financial restriction (crypto ban) or platform regulation of sectors."""

    kind: Literal["financial_restriction", "platform_regulation"]
    sectors: list[str]
    severity: Fraction


class TalentProgramme(_Event):
    """Recruitment and training programmes (Thousand Talents, vocational schools)."""

    kind: Literal["talent_programme"]
    engineers_k_per_year: NonNegative = Field(description="extra engineers per year (thousand)")
    brain_drain_cut: Fraction = 0.0


class InnovationCentre(_Event):
    """National Industrial Innovation Centres: 10-20% of an industry on one campus."""

    kind: Literal["innovation_centre"]
    nodes: list[str]
    province: str
    concentration: Fraction = 0.15


class TradeDefence(_Event):
    """Foreign tariffs and countervailing duties on Chinese exports of nodes."""

    kind: Literal["trade_defence"]
    imposing: list[str]
    nodes: list[str]
    tariff: NonNegative = Field(description="ad valorem tariff (0.25 = 25%)")


class SubsidyFraud(_Event):
    """A subsidy-fraud episode: a share of subsidies to nodes never reaches real activity."""

    kind: Literal["subsidy_fraud"]
    nodes: list[str]
    severity: Fraction


Event = Annotated[
    Union[
        ExportControl,
        CounterControl,
        FundLaunch,
        Budget,
        Subsidy,
        NevPolicy,
        LocalContent,
        Preference,
        NewInfrastructure,
        PrivacyLaw,
        SectorRule,
        TalentProgramme,
        InnovationCentre,
        TradeDefence,
        SubsidyFraud,
    ],
    Field(discriminator="kind"),
]

EVENT_KINDS = (
    "export_control",
    "counter_control",
    "fund_launch",
    "budget",
    "subsidy",
    "nev_policy",
    "local_content",
    "procurement_preference",
    "substitution_incentive",
    "security_law",
    "new_infrastructure",
    "privacy_law",
    "financial_restriction",
    "platform_regulation",
    "talent_programme",
    "innovation_centre",
    "trade_defence",
    "subsidy_fraud",
)
