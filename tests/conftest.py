"""Shared fixtures: session-scoped small runs built from the toy scenarios in ``tests/toy``.

Populations are small (a few hundred synthetic firms, plus the named anchors) and runs
short (2014-2020) so the whole suite stays fast; the properties tested do not depend
on population size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # import mode is importlib: make tests/toy importable

from toy import Run, export_control, money_events, scenario, simulate  # noqa: E402


@pytest.fixture(scope="session")
def money_run() -> Run:
    """Two replicates, 2014-2020, every kind of money flow plus an export control."""
    sc = scenario(money_events() + [export_control(year=2017, announce=2016)], name="money", firms=600)
    return simulate(sc)


@pytest.fixture(scope="session")
def plain_run() -> Run:
    """The same run without any event (background programmes only)."""
    return simulate(scenario(name="plain", firms=600))
