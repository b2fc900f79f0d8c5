"""Experiments around the core: single runs with their paired counterfactual (ensembles,
sensitivity, discovery and calibration build on the same pieces). No I/O here."""

from zili.experiments.run import counterfactual_scenario, run

__all__ = ["counterfactual_scenario", "run"]
