"""Scenario validation: defaults, strictness, and one clear message per bad input.

Each bad input must raise ScenarioError with one line naming the field, the offending
value and what is allowed (DESIGN.md, Architecture).
"""

from __future__ import annotations

import pytest

from zili.scenario import Params, RunSettings, Scenario, ScenarioError, validate
from zili.scenario.events import EVENT_KINDS

from toy import budget, export_control, fund_launch


def base(**extra):
    doc = {"name": "x", "run": {"start_year": 2014, "end_year": 2020, "firms": 100}}
    doc.update(extra)
    return doc


def events(*evs):
    return base(events=list(evs))


def fin_rule(**kw):
    return {"kind": "financial_restriction", "name": "f", "announce": 2015, "effect": 2015, "sectors": ["crypto"], "severity": 1.0} | kw


# (id, doc, fragments the message must contain: field, value, allowed)
BAD = [
    ("unknown_top_level", base(colour="red"), ["colour", "unknown field", "allowed", "events"]),
    ("unknown_in_run", {"run": {"firmz": 3}}, ["run.firmz", "3", "allowed", "firms"]),
    ("unknown_in_event", events(export_control() | {"colour": "red"}), ["events[0]", "colour", "'red'", "allowed", "severity"]),
    ("unknown_param", base(params={"capital": {"deploy": 0.5}}), ["params.capital.deploy", "allowed", "fund_deploy_rate"]),
    ("wrong_type_replicates", {"run": {"replicates": "many"}}, ["run.replicates", "'many'", "allowed", "integer"]),
    ("wrong_type_bool", base(params={"capital": {"crowding_out": "perhaps"}}), ["params.capital.crowding_out", "'perhaps'", "allowed"]),
    ("unknown_node", events(export_control(nodes=["flux_capacitor"])), ["nodes", "'flux_capacitor'", "allowed", "lithography"]),
    ("unknown_tier", events(export_control(tiers=["bleeding_edge"])), ["tiers", "'bleeding_edge'", "allowed", "advanced"]),
    ("unknown_payer", events(budget(payer="atlantis")), ["payer", "'atlantis'", "allowed", "mof"]),
    ("unknown_lp_payer", events(fund_launch(payers={"atlantis": 1.0})), ["payers", "'atlantis'", "allowed", "mof"]),
    ("unknown_country", events(export_control(imposing=["XX"])), ["imposing", "'XX'", "allowed", "NL"]),
    ("unknown_sector", events(fin_rule(sectors=["tulips"])), ["sectors", "'tulips'", "allowed", "crypto"]),
    ("unknown_firm", events(export_control(instrument="entity_listing", targets=["acme"])), ["targets", "'acme'", "allowed", "smic"]),
    ("unknown_fund", events(fund_launch(fund="moneybin")), ["fund", "'moneybin'", "allowed", "big_fund_1"]),
    ("unknown_mandate", events(fund_launch(mandate={"zzz": 1.0})), ["mandate", "'zzz'", "allowed"]),
    ("event_year_after_run", events(export_control(year=2030)), ["announce", "2030", "allowed", "2014 to 2020"]),
    ("event_year_before_run", events(export_control(year=2012)), ["2012", "allowed", "2014 to 2020"]),
    ("severity_above_one", events(export_control(severity=1.5)), ["severity", "1.5", "allowed", "1"]),
    ("leakage_negative", events(export_control(leakage=-0.1)), ["leakage", "-0.1", "allowed", "0"]),
    ("negative_budget", events(budget(amounts={2015: -5})), ["amounts_rmb_bn", "-5", "allowed", "0"]),
    ("unknown_event_kind", events(export_control() | {"kind": "alien_invasion"}), ["kind", "'alien_invasion'", "allowed", "export_control"]),
    ("announce_after_effect", events(export_control(year=2016, announce=2018)), ["events[0]", "2016", "2018", "allowed", "effect >= announce"]),
    ("end_before_effect", events(export_control(year=2016) | {"end": 2015}), ["events[0]", "2015", "2016", "allowed"]),
    ("end_year_before_start", {"run": {"start_year": 2020, "end_year": 2014}}, ["end_year", "2014", "2020", "allowed"]),
    ("param_out_of_range", base(params={"capital": {"fund_deploy_rate": 7}}), ["params.capital.fund_deploy_rate", "7", "allowed"]),
    ("payer_shares", events(fund_launch(payers={"mof": 0.5})), ["payer shares", "0.5", "allowed"]),
    ("empty_mandate", events(fund_launch(mandate={"eda": 0.0})), ["mandate", "allowed"]),
    ("duplicate_event_names", events(export_control("a"), export_control("a", year=2016)), ["duplicate", "'a'", "allowed"]),
    ("missing_required", events({k: v for k, v in export_control().items() if k != "nodes"}), ["events[0]", "nodes", "missing"]),
    ("unknown_data_key", base(data={"foo:bar": 1.0}), ["data", "'foo:bar'", "allowed"]),
    ("negative_firms", {"run": {"firms": -1}}, ["run.firms", "-1", "allowed"]),
]


@pytest.mark.parametrize("doc,fragments", [(d, f) for _, d, f in BAD], ids=[i for i, _, _ in BAD])
def test_bad_input_raises_one_clear_message(doc, fragments):
    with pytest.raises(ScenarioError) as info:
        validate(doc)
    msg = str(info.value)
    assert "\n" not in msg, "one line"
    assert "Traceback" not in msg and "pydantic" not in msg.lower() and "errors.pydantic.dev" not in msg
    for frag in fragments:
        assert frag in msg, f"{frag!r} not in {msg!r}"


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)


def test_missing_kind():
    ev = {k: v for k, v in export_control().items() if k != "kind"}
    with pytest.raises(ScenarioError, match="kind"):
        validate(events(ev))


def test_every_event_kind_is_listed_and_accepted():
    """Each EVENT_KINDS entry is a real discriminator value (a minimal valid event of each kind)."""
    y = {"announce": 2015, "effect": 2015}
    minimal = {
        "export_control": export_control(),
        "counter_control": {"materials": ["gallium"], "nodes": ["power_semis"]},
        "fund_launch": fund_launch(),
        "budget": budget(),
        "subsidy": {"payer": "mof", "nodes": ["battery_cells"], "amount_rmb_bn": 1.0},
        "nev_policy": {"instrument": "purchase_subsidy", "value_rmb_per_vehicle": {2015: 50000}},
        "local_content": {"nodes": ["battery_cells"], "min_domestic_share": 0.5},
        "procurement_preference": {"nodes": ["eda"], "strength": 0.5},
        "substitution_incentive": {"nodes": ["eda"], "strength": 0.5},
        "security_law": {"nodes": ["eda"], "strength": 0.5},
        "new_infrastructure": {"programme": "5g", "payer": "telecom_soes", "budget_rmb_bn": {2015: 10.0}},
        "privacy_law": {"severity": 0.5},
        "financial_restriction": {"sectors": ["crypto"], "severity": 1.0},
        "platform_regulation": {"sectors": ["ecommerce"], "severity": 0.5},
        "talent_programme": {"engineers_k_per_year": 5.0},
        "innovation_centre": {"nodes": ["lithography"], "province": "shanghai"},
        "trade_defence": {"imposing": ["EU"], "nodes": ["ev_assembly"], "tariff": 0.2},
        "subsidy_fraud": {"nodes": ["battery_cells"], "severity": 0.1},
    }
    assert set(minimal) == set(EVENT_KINDS)
    evs = [{"name": k, "kind": k, **y} | body for k, body in minimal.items()]
    for e in evs:
        e["name"] = e["kind"]  # unique names
    sc = validate(events(*evs))
    assert [e.kind for e in sc.events] == list(minimal)


def test_defaults_live_in_the_schema():
    sc = Scenario()
    assert sc.run == RunSettings()
    assert sc.params == Params()
    assert sc.events == [] and sc.data == {}
    assert sc.run.start_year <= sc.run.end_year


def test_params_are_validated_on_assignment():
    p = Params()
    with pytest.raises(ValueError):
        p.capital.fund_deploy_rate = 2.0


def test_event_active_window_and_lag():
    sc = validate(events(export_control(year=2016) | {"end": 2018}))
    e = sc.events[0]
    assert [y for y in range(2014, 2021) if e.active(y)] == [2016, 2017, 2018]
    assert [y for y in range(2014, 2022) if e.active(y, lag=1)] == [2017, 2018, 2019]


def test_remove_events_drops_by_name():
    sc = validate(events(export_control("a"), export_control("b", year=2016)) | {"remove_events": ["a"]})
    assert [e.name for e in sc.events] == ["b"]


def test_remove_events_typo_is_an_error():
    doc = events(export_control("us_rule")) | {"remove_events": ["us_rul"]}
    with pytest.raises(ScenarioError) as info:
        validate(doc)
    msg = str(info.value)
    assert "remove_events" in msg and "'us_rul'" in msg and "allowed" in msg and "us_rule" in msg
