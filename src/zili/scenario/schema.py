"""The scenario schema: run settings, parameters, data overrides and the event timeline.

A :class:`Scenario` is what a TOML file becomes after ``extends`` layering and
``--set`` overrides. Validation is strict (``extra="forbid"``): unknown fields, wrong
types, unknown ids, years outside the run and out-of-range values are all errors
that name the field, the value and what is allowed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from zili.data import known_ids, unsourced_parameters
from zili.scenario.events import Event
from zili.scenario.params import Params


class RunSettings(BaseModel):
    """How to run: years, replicates, seed and firm population size."""

    model_config = ConfigDict(extra="forbid")

    start_year: int = Field(2014, ge=1990, le=2100, description="first simulated year")
    end_year: int = Field(2035, ge=1990, le=2100, description="last simulated year (inclusive)")
    replicates: int = Field(4, ge=1, le=100_000, description="stochastic replicates")
    seed: int = Field(20140624, ge=0, description="root seed; replicate streams are spawned from it")
    firms: int = Field(20_000, ge=0, le=50_000_000, description="synthetic firms in the starting population (named anchor firms come on top)")
    firms_represented: int | None = Field(
        None, ge=1, le=50_000_000,
        description="real firms the synthetic population stands for (empty = as many as `firms`): each synthetic firm "
        "weighs firms_represented/firms, and deal tickets, start-up tickets, entry slots and firm counts scale with "
        "that weight, so a smaller population is a coarser sample of the same economy",
    )
    anchors: bool = Field(True, description="include the named anchor firms of data/firms.csv")
    background_programmes: bool = Field(
        True, description="pay in the money no event carries: private VC, SOE internal R&D, policy loans, provincial guidance funds"
    )

    @property
    def synthetic_weight(self) -> float:
        """Real firms one synthetic firm stands for (1 when ``firms_represented`` is not set or there are no firms)."""
        return (self.firms_represented or self.firms) / self.firms if self.firms > 0 else 1.0

    @model_validator(mode="after")
    def _years(self):
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}; allowed: end_year >= start_year")
        return self


class Posterior(BaseModel):
    """Posterior draws of calibrated parameters, written by ``zili calibrate``.

    ``names`` are dotted parameter names (``params.market.capability_pull`` or
    ``data.<file:key:column>``); ``draws`` has one row per draw in that column order.
    The scenario's own values are the posterior medians; ``zili backtest`` runs the draws.
    """

    model_config = ConfigDict(extra="forbid")

    method: str = Field("", description="inference method (npe or abc)")
    history: str = Field("", description="history file the posterior was fitted to")
    window: list[int] = Field(default_factory=list, description="first and last year of the calibration window")
    firms: int = Field(0, ge=0, description="synthetic firms used while calibrating (0 = the scenario's)")
    names: list[str] = Field(default_factory=list, description="calibrated parameters, in column order")
    diagnostics: dict[str, float] = Field(default_factory=dict, description="SBC coverage, simulations, timings")
    notes: str = ""
    draws: list[list[float]] = Field(default_factory=list, description="posterior draws, one row per draw")

    @model_validator(mode="after")
    def _shape(self):
        for i, row in enumerate(self.draws):
            if len(row) != len(self.names):
                raise ValueError(f"posterior.draws[{i}] has {len(row)} values; allowed: one per name ({len(self.names)})")
        return self


class Scenario(BaseModel):
    """A complete, validated scenario."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("unnamed", description="scenario name")
    description: str = ""
    extends: str | None = Field(None, description="parent scenario (already merged in by the loader)")
    run: RunSettings = Field(default_factory=RunSettings)
    params: Params = Field(default_factory=Params)
    data: dict[str, float] = Field(default_factory=dict, description="values for unsourced data entries, 'file:key:column' = value")
    remove_events: list[str] = Field(default_factory=list, description="names of inherited events to drop")
    events: list[Event] = Field(default_factory=list)
    posterior: Posterior | None = Field(None, description="posterior draws of a calibrated scenario (written by zili calibrate)")

    @field_validator("data")
    @classmethod
    def _data_keys(cls, v: dict[str, float]) -> dict[str, float]:
        known = unsourced_parameters()
        for key, val in v.items():
            if key not in known:
                sample = ", ".join(list(known)[:4])
                raise ValueError(f"unknown data parameter {key!r}; allowed: an unsourced entry listed by `zili describe` (e.g. {sample})")
            p = known[key]
            if not p.low <= val <= p.high:
                raise ValueError(f"{key} = {val} is outside its stated range; allowed: {p.low} to {p.high}")
        return v

    @model_validator(mode="after")
    def _references(self):
        errors = list(_reference_errors(self))
        if errors:
            raise ValueError(errors[0])
        return self


def _check(kind: str, values: Any, where: str):
    ids = known_ids()[kind]
    if isinstance(values, str):
        values = [values]
    for v in values:
        if v not in ids:
            yield f"{where}: unknown {kind} {v!r}; allowed: {', '.join(ids)}"


def _reference_errors(sc: Scenario):
    """Yield one message per reference to an unknown id or a year outside the run."""
    start, end = sc.run.start_year, sc.run.end_year
    names = [e.name for e in sc.events]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        yield f"events: duplicate event name {sorted(dupes)[0]!r}; allowed: unique names"
    nodes_or_sectors = set(known_ids()["node"]) | set(known_ids()["sector"])
    for i, e in enumerate(sc.events):
        at = f"events[{i}] ({e.name})"
        for label, year in (("announce", e.announce), ("effect", e.effect)):
            if not start <= year <= end:
                yield f"{at}.{label} = {year}: outside the run; allowed: {start} to {end}"
        for field, kind in (
            ("nodes", "node"),
            ("imposing", "country"),
            ("targets", "firm"),
            ("payer", "payer"),
            ("fund", "fund"),
            ("sectors", "sector"),
            ("province", "province"),
        ):
            if hasattr(e, field):
                yield from _check(kind, getattr(e, field), f"{at}.{field}")
        if hasattr(e, "payers"):
            yield from _check("payer", list(e.payers), f"{at}.payers")
        if hasattr(e, "mandate"):
            for key in e.mandate:
                if key not in nodes_or_sectors:
                    yield f"{at}.mandate: unknown node or sector {key!r}; allowed: {', '.join(sorted(nodes_or_sectors))}"
        for field in ("paid_in_rmb_bn", "amounts_rmb_bn", "budget_rmb_bn", "value_rmb_per_vehicle"):
            for year in getattr(e, field, {}) or {}:
                if not start - 30 <= year <= end + 30:
                    yield f"{at}.{field}: year {year} is far outside the run; allowed: {start - 30} to {end + 30}"
