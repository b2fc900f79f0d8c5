"""Experiments around the core: single runs with their paired counterfactual (ensembles,
sensitivity, discovery and calibration build on the same pieces). No I/O here."""

from zili.experiments.chokepoints import ChokepointRow, chokepoint_table
from zili.experiments.design import sample
from zili.experiments.discovery import prim
from zili.experiments.ensemble import quantile_bands
from zili.experiments.optimise import BudgetProblem, optimise
from zili.experiments.run import counterfactual_scenario, run
from zili.experiments.uncertain import Uncertain, UncertainSpace, Variant, load_experiment

__all__ = [
    "BudgetProblem",
    "ChokepointRow",
    "Uncertain",
    "UncertainSpace",
    "Variant",
    "chokepoint_table",
    "counterfactual_scenario",
    "load_experiment",
    "optimise",
    "prim",
    "quantile_bands",
    "run",
    "sample",
]
