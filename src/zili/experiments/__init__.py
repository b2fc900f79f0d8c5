"""Experiments around the core: single runs with their paired counterfactual (ensembles,
sensitivity, discovery and calibration build on the same pieces). No I/O here."""

from zili.experiments.calibrate import Calibration, calibrate_abc, calibrate_npe, make_problem
from zili.experiments.chokepoints import ChokepointRow, chokepoint_table
from zili.experiments.design import sample
from zili.experiments.discovery import prim
from zili.experiments.history import History, HistoryError, read_history
from zili.experiments.ensemble import quantile_bands
from zili.experiments.optimise import BudgetProblem, optimise
from zili.experiments.run import counterfactual_scenario, run
from zili.experiments.validate import Backtest, backtest
from zili.experiments.uncertain import Uncertain, UncertainSpace, Variant, load_experiment

__all__ = [
    "Backtest",
    "BudgetProblem",
    "Calibration",
    "History",
    "HistoryError",
    "ChokepointRow",
    "Uncertain",
    "UncertainSpace",
    "Variant",
    "backtest",
    "calibrate_abc",
    "calibrate_npe",
    "chokepoint_table",
    "counterfactual_scenario",
    "load_experiment",
    "make_problem",
    "optimise",
    "prim",
    "quantile_bands",
    "read_history",
    "run",
    "sample",
]
