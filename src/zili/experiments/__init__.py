"""Experiments around the core: single runs with their paired counterfactual (ensembles,
sensitivity, discovery and calibration build on the same pieces). No I/O here."""

from zili.experiments.chokepoints import ChokepointRow, chokepoint_table
from zili.experiments.run import counterfactual_scenario, run

__all__ = ["ChokepointRow", "chokepoint_table", "counterfactual_scenario", "run"]
