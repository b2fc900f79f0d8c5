"""Global sensitivity analysis with SALib, one module per method (as SALib itself does).

Each method module offers ``sample(items, n, seed)`` -> design in parameter units and
``analyze(items, design, y, seed)`` -> a tidy frame of indices with confidence
intervals. The sweep in between is the same as an ensemble's.

References
----------
Herman & Usher (2017), SALib: an open-source Python library for sensitivity analysis,
JOSS 2(9):97, doi:10.21105/joss.00097.
"""

from __future__ import annotations

from zili.experiments.sensitivity import morris, sobol

METHODS = {"sobol": sobol, "morris": morris}
INDEX_COLUMNS = ("method", "parameter", "index", "value", "conf")


def problem(items) -> dict:
    """SALib problem dict over the unit cube; draws are mapped through each distribution."""
    return {"num_vars": len(items), "names": [u.name for u in items], "bounds": [[0.0, 1.0]] * len(items)}


__all__ = ["INDEX_COLUMNS", "METHODS", "morris", "problem", "sobol"]
