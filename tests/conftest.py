"""Shared fixtures: small scenarios built in code and one session-scoped small run.

Populations are small (a few hundred synthetic firms, plus the named anchors) and
runs short (2014-2020) so the whole suite stays fast; the properties tested do not
depend on population size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import zili
from zili.model.rng import root_entropy
from zili.model.trajectory import Trajectory
from zili.model.world import World
from zili.scenario import Scenario, validate

START, END = 2014, 2020
THOUSAND = 1_000_000  # RMB thousand per RMB bn


def to_k(values: np.ndarray) -> np.ndarray:
    """RMB bn metric values -> exact integer RMB thousand (metrics are int/1e6)."""
    return np.rint(np.asarray(values) * THOUSAND).astype(np.int64)


def scenario(
    events: list[dict] | tuple = (),
    *,
    params: dict[str, Any] | None = None,
    name: str = "test",
    **run: Any,
) -> Scenario:
    """A validated scenario with a small, short run; ``run`` overrides [run] keys."""
    settings = {"start_year": START, "end_year": END, "replicates": 2, "firms": 400, "seed": 7}
    settings.update(run)
    doc: dict[str, Any] = {"name": name, "run": settings, "events": [dict(e) for e in events]}
    if params:
        doc["params"] = params
    return validate(doc)


# --- event factories (valid ids from the shipped data) ------------------------------


def fund_launch(name: str = "bf1", *, fund: str = "big_fund_1", year: int = 2015, paid: dict | None = None,
                registered: float = 30.0, mandate: dict | None = None, payers: dict | None = None,
                instrument: str = "equity", selection: str = "champions") -> dict:
    return {
        "kind": "fund_launch", "name": name, "announce": year, "effect": year, "fund": fund,
        "registered_rmb_bn": registered,
        "paid_in_rmb_bn": paid if paid is not None else {year: 10.0, year + 1: 10.0},
        "payers": payers if payers is not None else {"mof": 0.4, "cdb": 0.35, "china_tobacco": 0.25},
        "mandate": mandate if mandate is not None else {"logic_fab": 2.0, "memory_fab": 1.0, "lithography": 1.0},
        "instrument": instrument, "selection": selection,
    }


def budget(name: str = "st", *, payer: str = "mof", fund: str = "central_st_budget", amounts: dict | None = None,
           mandate: dict | None = None, year: int = 2014, instrument: str = "grant") -> dict:
    return {
        "kind": "budget", "name": name, "announce": year, "effect": year, "payer": payer, "fund": fund,
        "amounts_rmb_bn": amounts if amounts is not None else {y: 5.0 for y in range(START, END + 1)},
        "mandate": mandate if mandate is not None else {"semiconductors": 1.0, "ai_models": 1.0},
        "instrument": instrument,
    }


def subsidy(name: str = "sub", *, nodes=("battery_cells",), amount: float = 3.0, year: int = 2015) -> dict:
    return {"kind": "subsidy", "name": name, "announce": year, "effect": year, "payer": "mof",
            "nodes": list(nodes), "amount_rmb_bn": amount}


def export_control(name: str = "ctrl", *, nodes=("ai_chips",), tiers=("advanced",), year: int = 2017,
                   announce: int | None = None, severity: float = 1.0, leakage: float = 0.0,
                   instrument: str = "country_rule", imposing=("US",), **extra: Any) -> dict:
    return {"kind": "export_control", "name": name, "announce": announce if announce is not None else year,
            "effect": year, "instrument": instrument, "imposing": list(imposing), "nodes": list(nodes),
            "tiers": list(tiers), "severity": severity, "leakage": leakage, **extra}


def money_events() -> list[dict]:
    """A fund launch, a budget line and a subsidy: money through three instruments."""
    return [fund_launch(), budget(), subsidy()]


# --- runs --------------------------------------------------------------------------


@dataclass
class Run:
    sc: Scenario
    world: World
    traj: Trajectory
    entropy: int


def simulate(sc: Scenario, *, replicates=None, seed: int | None = None, world: World | None = None,
             counterfactual: World | None = None) -> Run:
    world = world if world is not None else zili.compile_world(sc)
    ent = root_entropy(sc.run.seed if seed is None else seed)
    reps = sc.run.replicates if replicates is None else replicates
    traj = zili.simulate(world, replicates=reps, entropy=ent, counterfactual=counterfactual)
    return Run(sc, world, traj, ent)


@pytest.fixture(scope="session")
def money_run() -> Run:
    """Two replicates, 2014-2020, every kind of money flow plus an export control."""
    sc = scenario(money_events() + [export_control(year=2017, announce=2016)], name="money", firms=600)
    return simulate(sc)


@pytest.fixture(scope="session")
def plain_run() -> Run:
    """The same run without any event (background programmes only)."""
    return simulate(scenario(name="plain", firms=600))
