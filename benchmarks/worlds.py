"""Worlds the benchmarks run on: the shipped baseline with a given population and horizon.

Every synthetic firm is made to stand for one real firm (``run.firms_represented =
run.firms`` where the scenario schema has that setting), so a run with F firms is F
firms' work and the Mesa port (one agent per firm) sees the same population.
"""

from __future__ import annotations

from zili.scenario.compile import compile_world
from zili.scenario.load import load_scenario
from zili.scenario.schema import RunSettings
from zili.model.world import World


def bench_world(firms: int, years: int = 20, *, scenario: str = "baseline", sets: tuple[str, ...] = ()) -> World:
    """Compile ``scenario`` with ``firms`` synthetic firms over its first ``years`` years."""
    sc = load_scenario(scenario, sets=list(sets))
    update = {"firms": int(firms), "end_year": sc.run.start_year + int(years) - 1}
    if "firms_represented" in RunSettings.model_fields:
        update["firms_represented"] = int(firms)
    sc = sc.model_copy(update={"run": sc.run.model_copy(update=update)})
    return compile_world(sc)


def firm_weight(world: World) -> float:
    """Real firms one synthetic firm stands for (1 where the engine has no such notion)."""
    return float(getattr(world, "synthetic_weight", getattr(world, "firm_weight", 1.0)))
