"""Scenarios: the pydantic schema (the one home of defaults), TOML loading with
``extends`` layering and ``--set`` overrides, and ``compile`` to the core's arrays."""

from zili.scenario.load import ScenarioError, load_scenario, shipped_scenarios, to_toml, validate
from zili.scenario.params import Params, parameter_table
from zili.scenario.schema import RunSettings, Scenario

__all__ = [
    "Params",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parameter_table",
    "shipped_scenarios",
    "to_toml",
    "validate",
]
