"""Past shocks as paired runs, and the ``zili validate`` command."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

import zili
from zili.cli import app
from zili.experiments.calibrate import truncated_doc
from zili.experiments.shocks import Outcome, Shock, hold_subsidy, remove_named, run_shock, shipped_shocks
from zili.scenario.load import validate

REPS = np.arange(2)


def _runner():
    return lambda d: zili.run(validate(d), replicates=REPS, seed=5, paired=False)[0]


def test_removed_event_without_effect_in_the_window_gives_exactly_zero():
    # the October 2022 controls are announced in 2022: nothing before can differ
    doc = truncated_doc("baseline", 2022, firms=100)
    s = Shock("oct2022", "", lambda d: remove_named(d, ["us_oct2022_sme", "us_oct2022_ai_chips"]),
              [Outcome("output", "ai_models", (2018, 2019, 2020), "0"), Outcome("nev_sales_share", "china", (2021,), "0")], "", 2022)
    run_shock(s, doc, _runner())
    for o in s.outcomes:
        assert o.values == [0.0, 0.0]
        assert o.sign == "0" and o.sign_ok


def test_hold_subsidy_copies_the_level():
    doc = truncated_doc("baseline", 2019, firms=100)
    cf = hold_subsidy(doc, from_year=2018, years=[2019])
    bands = next(e for e in cf["events"] if e["name"] == "nev_purchase_subsidy")["value_by_band_rmb"]
    assert bands["bev_150_250km"]["2019"] == 36000 and bands["phev"]["2019"] == 24000
    orig = next(e for e in doc["events"] if e["name"] == "nev_purchase_subsidy")["value_by_band_rmb"]
    assert orig["phev"]["2019"] == 9444  # the scenario itself is untouched


def test_nev_subsidy_cut_has_the_expected_sign_in_a_tiny_world():
    doc = truncated_doc("baseline", 2019, firms=100)
    s = next(s for s in shipped_shocks() if s.name == "nev_subsidy_cut_2019")
    run_shock(s, doc, _runner())
    share = s.outcomes[0]
    assert share.expected == "-" and share.sign == "-" and share.q95 < 0
    assert share.scenario < share.counterfactual


def test_cli_prints_the_last_line():
    res = CliRunner().invoke(app, ["validate", "baseline", "--set", "run.firms=100", "--replicates", "2"])
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    assert last.startswith("validate: patterns=5 passed=") and "discriminating=" in last and "shocks=8 sign_ok=" in last


def test_cli_json_and_bad_scenario():
    import json

    res = CliRunner().invoke(app, ["validate", "baseline", "--set", "run.firms=100", "-r", "1", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["counts"]["patterns"] == 5 and len(d["shocks"]) == 4 and d["line"].startswith("validate: ")
    bad = CliRunner().invoke(app, ["validate", "no-such-scenario"])
    assert bad.exit_code != 0


def test_hold_subsidy_leaves_an_ended_subsidy_alone():
    doc = truncated_doc("nev-no-subsidy", 2019, firms=100)
    assert hold_subsidy(doc, from_year=2018, years=[2019]) == doc


def test_shock_whose_events_are_missing_is_skipped():
    doc = truncated_doc("baseline", 2019, firms=100)  # the 2022 controls are dropped
    s = next(s for s in shipped_shocks() if s.name == "us_oct2022_controls")
    run_shock(s, doc, _runner())
    assert s.skipped and all(o.sign_ok is None for o in s.outcomes)
