"""Toy worlds for the tests: small scenarios built in code, runs and comparisons.

Populations are small (a few hundred synthetic firms, plus the named anchors) and
runs short (2014-2020) so the whole suite stays fast; the properties tested do not
depend on population size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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


# --- comparisons -------------------------------------------------------------------


def differing_metrics(a: Trajectory, b: Trajectory, rows_a=slice(None), rows_b=slice(None)) -> list[str]:
    """Names of metrics whose values are not bit-identical (NaN equal to NaN)."""
    mb = {m.metric: m for m in b.metrics}
    assert [m.metric for m in a.metrics] == [m.metric for m in b.metrics]
    return [
        m.metric for m in a.metrics
        if m.entities != mb[m.metric].entities
        or not np.array_equal(m.values[rows_a], mb[m.metric].values[rows_b], equal_nan=True)
    ]


LEDGER_COLUMNS = ("replicate", "year", "payer", "fund", "instrument", "node", "firm_id", "amount")


def ledger_rows(traj: Trajectory, replicate: int | None = None) -> np.ndarray:
    """Ledger as an (L, 8) int64 array, optionally one replicate only, in engine order."""
    lg = traj.ledger
    rows = np.stack([np.asarray(getattr(lg, c), dtype=np.int64) for c in LEDGER_COLUMNS], axis=1)
    if replicate is not None:
        rows = rows[rows[:, 0] == replicate]
    return rows


def sorted_rows(rows: np.ndarray) -> np.ndarray:
    return rows[np.lexsort(rows.T[::-1])]


def trace(monkeypatch, module, after=None):
    """Wrap ``module.step`` so that ``after(state, world, k, result)`` runs after each call;
    returns the list of whatever ``after`` returned, one entry per simulated year."""
    seen: list = []
    original = module.step

    def wrapped(state, world, k, *args):
        out = original(state, world, k, *args)
        seen.append(after(state, world, k, out) if after else None)
        return out

    monkeypatch.setattr(module, "step", wrapped)
    return seen
