"""New infrastructure: 5G base stations, public charging points and data-centre racks.

Stocks are built from budgets (operators' and programmes' capex, scenario events) and
unit costs, never copied from targets: units = budget / unit cost x the share of the
node's demand that was actually supplied this year (so a cut in chip supply, e.g. the
Huawei controls, slows 5G deployment). Private charging operators also build public
points in step with new NEVs. Stated targets are reported beside what was built.
"""

from __future__ import annotations

import numpy as np

from zili.model.state import State
from zili.model.world import World

PROGRAMMES = {"base_stations_5g": "base_stations", "charging_points": "charging", "data_centre_racks": "data_centres"}


def step(state: State, world: World, k: int, avail: np.ndarray) -> State:
    """Add the year's units to ``state.stock_units`` and record spending in the scratch.

    ``avail`` (R, N) in [0, 1] is the lower of the share of each node's demand that was met
    this year and the availability of its inputs (chips for base stations and data centres,
    power semiconductors for chargers).
    """
    p = world.params
    sc = state.scratch
    R = avail.shape[0]
    nodes = world.names["node"]
    budget = world.infra_budget[k]  # (N,) RMB bn
    unit = np.where(world.infra_unit_cost > 0, world.infra_unit_cost, np.inf)  # RMB thousand
    allowed = budget[None, :] * 1e6 / unit[None, :]  # units the budget buys at the unit cost
    built = allowed * np.clip(avail, 0.0, 1.0)
    # private operators add public chargers as the NEV fleet grows (their own capex, not a budget)
    c = nodes.index("charging")
    new_nev = sc.get("nev_units", np.zeros(R))
    private = p.private_chargers_per_nev * new_nev * np.clip(avail[:, c], 0.0, 1.0)
    built[:, c] += private
    state.stock_units = state.stock_units + built
    sc["infra_built"] = built
    sc["infra_allowed"] = allowed
    sc["infra_private_spend"] = private * world.infra_unit_cost[c] / 1e6  # RMB bn
    return state


def delivery(state: State, world: World, k: int) -> np.ndarray:
    """Built stock over the stated target in the target year (NaN otherwise), one per programme."""
    out = np.full((state.stock_units.shape[0], len(PROGRAMMES)), np.nan)
    for i, node in enumerate(PROGRAMMES.values()):
        t = world.infra_target.get(node)
        if t and t[0] == int(world.years[k]):
            out[:, i] = state.stock_units[:, world.names["node"].index(node)] / t[1]
    return out
