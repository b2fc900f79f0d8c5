"""Loading scenarios: TOML files, ``extends`` layering, ``--set`` overrides, round trips."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from zili.scenario import ScenarioError, load_scenario, shipped_scenarios, to_toml, validate
from zili.scenario.load import apply_sets, merge, parse_set, raw_scenario

PARENT = """
name = "parent"
description = "the parent"

[run]
start_year = 2014
end_year = 2020
replicates = 3
firms = 300
seed = 11

[params.capital]
fund_deploy_rate = 0.4
startup_share = 0.2

[[events]]
kind = "export_control"
name = "a"
announce = 2016
effect = 2017
instrument = "country_rule"
imposing = ["US"]
nodes = ["ai_chips"]
severity = 0.5

[[events]]
kind = "export_control"
name = "b"
announce = 2016
effect = 2016
instrument = "country_rule"
imposing = ["NL"]
nodes = ["lithography"]

[[events]]
kind = "privacy_law"
name = "c"
announce = 2017
effect = 2018
severity = 0.4
"""

CHILD = """
name = "child"
extends = "parent.toml"
remove_events = ["c"]

[run]
replicates = 5

[params.capital]
startup_share = 0.5

[[events]]
kind = "export_control"
name = "b"
announce = 2018
effect = 2019
instrument = "servicing_ban"
imposing = ["NL", "JP"]
nodes = ["lithography", "etch"]

[[events]]
kind = "talent_programme"
name = "d"
announce = 2015
effect = 2015
engineers_k_per_year = 3.0
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


@pytest.fixture
def chain(tmp_path):
    write(tmp_path, "parent.toml", PARENT)
    return write(tmp_path, "child.toml", CHILD)


def test_extends_layering(chain):
    sc = load_scenario(str(chain))
    assert sc.name == "child" and sc.description == ""  # name and description are not inherited
    assert sc.run.replicates == 5  # child overrides
    assert sc.run.firms == 300 and sc.run.seed == 11  # parent's values kept
    assert sc.params.capital.startup_share == 0.5
    assert sc.params.capital.fund_deploy_rate == 0.4  # sibling key of a child override kept
    names = [e.name for e in sc.events]
    assert names == ["a", "b", "d"]  # parent order, same-name replaced, child appended, c removed
    b = sc.events[1]
    assert b.instrument == "servicing_ban" and b.imposing == ["NL", "JP"] and b.effect == 2019
    assert sc.events[0].severity == 0.5


def test_grandchild_and_relative_parent(chain, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, "grand.toml", 'extends = "../child.toml"\n[run]\nfirms = 50\n')
    sc = load_scenario(str(sub / "grand.toml"))
    assert sc.name == "grand" and sc.run.firms == 50 and sc.run.replicates == 5
    assert [e.name for e in sc.events] == ["a", "b", "d"]


def test_extends_cycle(tmp_path):
    write(tmp_path, "x.toml", 'extends = "y.toml"\n')
    write(tmp_path, "y.toml", 'extends = "x.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(str(tmp_path / "x.toml"))


def test_missing_parent(tmp_path):
    p = write(tmp_path, "orphan.toml", 'extends = "nowhere"\n')
    with pytest.raises(ScenarioError, match="'nowhere' not found; allowed"):
        load_scenario(str(p))


def test_a_mistyped_name_gets_the_closest_one(tmp_path):
    """A newcomer's typos: the error names the file whose ``extends`` is wrong and suggests the
    closest shipped scenario; an unknown field suggests the closest allowed one."""
    p = write(tmp_path, "mine.toml", 'extends = "basline"\n')
    with pytest.raises(ScenarioError, match=r"mine\.toml: extends = 'basline': scenario 'basline' not found; allowed: .*; did you mean 'baseline'\?$"):
        load_scenario(str(p))
    with pytest.raises(ScenarioError, match=r"params\.capital\.selection_nosie = 0\.5: unknown field; allowed: .*; did you mean 'selection_noise'\?$"):
        load_scenario("baseline", sets=["params.capital.selection_nosie=0.5"])
    with pytest.raises(ScenarioError) as far:  # nothing close: no suggestion
        load_scenario("baseline", sets=["params.capital.zzzz=1"])
    assert "did you mean" not in str(far.value)


def test_missing_file():
    with pytest.raises(ScenarioError, match="not found; allowed"):
        load_scenario("/no/such/scenario.toml")


@pytest.mark.parametrize(
    "text",
    ['[run\nfirms = 3\n', 'name = "x"\nname = "y"\n', "run = {firms = }\n", "events = [1,\n"],
    ids=["unclosed_table", "duplicate_key", "missing_value", "unclosed_array"],
)
def test_malformed_toml(tmp_path, text):
    p = write(tmp_path, "bad.toml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(p))
    msg = str(info.value)
    assert "bad.toml" in msg and "not valid TOML" in msg and "allowed" in msg


def test_name_defaults_to_file_stem(tmp_path):
    p = write(tmp_path, "my_case.toml", "[run]\nfirms = 10\n")
    assert load_scenario(str(p)).name == "my_case"


# --- --set -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assignment,keys,value",
    [
        ("run.replicates=8", ["run", "replicates"], 8),
        ("params.capital.crowding_out=false", ["params", "capital", "crowding_out"], False),
        ("params.capital.fund_deploy_rate=0.25", ["params", "capital", "fund_deploy_rate"], 0.25),
        ("name=my run", ["name"], "my run"),  # not TOML: kept as a string
        ('name="quoted"', ["name"], "quoted"),
        ("remove_events=['a', 'b']", ["remove_events"], ["a", "b"]),
        (" run . firms = 12 ", ["run", "firms"], 12),
        ("description=a=b", ["description"], "a=b"),  # split at the first '='
    ],
)
def test_parse_set_types(assignment, keys, value):
    k, v = parse_set(assignment)
    assert k == keys and v == value and type(v) is type(value)


@pytest.mark.parametrize("bad", ["run.replicates", "", "noequals"])
def test_set_without_equals(bad):
    with pytest.raises(ScenarioError, match="missing '='; allowed"):
        parse_set(bad)


@pytest.mark.parametrize("bad", ["run..firms=3", "=3", "run.=3"])
def test_set_empty_key(bad):
    with pytest.raises(ScenarioError, match="empty key"):
        parse_set(bad)


def test_sets_apply_nested_and_typed(chain):
    sc = load_scenario(
        str(chain),
        sets=["run.replicates=2", "params.capital.crowding_out=false", "params.innovation.rd_effect=0.1", "run.seed=99"],
    )
    assert sc.run.replicates == 2 and sc.run.seed == 99
    assert sc.params.capital.crowding_out is False
    assert sc.params.innovation.rd_effect == 0.1
    assert sc.params.capital.startup_share == 0.5  # untouched layered value kept


def test_set_data_key():
    from zili.data import unsourced_parameters

    key, p = next(iter(unsourced_parameters().items()))
    val = (p.low + p.high) / 2 + (p.high - p.low) / 4
    sc = load_scenario_doc({"run": {"firms": 10}}, [f"data.{key}={val}"])
    assert sc.data == {key: val}


def test_set_data_key_out_of_range():
    from zili.data import unsourced_parameters

    key, p = next(iter(unsourced_parameters().items()))
    with pytest.raises(ScenarioError, match="outside its stated range; allowed"):
        load_scenario_doc({"run": {"firms": 10}}, [f"data.{key}={p.high + 1}"])


def load_scenario_doc(doc, sets):
    return validate(apply_sets(doc, sets))


@pytest.mark.parametrize(
    "assignment,fragments",
    [
        ("run.replicates=many", ["run.replicates", "'many'", "allowed"]),
        ("params.capital.nope=1", ["params.capital.nope", "unknown field", "allowed"]),
        ("run.replicates.x=1", ["replicates is not a table", "allowed"]),
        ("run.firms=-5", ["run.firms", "-5", "allowed"]),
    ],
)
def test_bad_sets(chain, assignment, fragments):
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(chain), sets=[assignment])
    for f in fragments:
        assert f in str(info.value)


def test_apply_sets_does_not_mutate():
    doc = {"run": {"firms": 10}}
    apply_sets(doc, ["run.firms=20", "params.capital.startup_share=0.1"])
    assert doc == {"run": {"firms": 10}}


def test_merge_is_pure_and_recursive():
    parent = {"run": {"a": 1, "b": 2}, "events": [{"name": "x", "v": 1}], "remove_events": ["q"]}
    child = {"run": {"b": 3}, "events": [{"name": "x", "v": 2}, {"name": "y"}], "remove_events": ["p"]}
    out = merge(parent, child)
    assert out == {"run": {"a": 1, "b": 3}, "events": [{"name": "x", "v": 2}, {"name": "y"}], "remove_events": ["p", "q"]}
    assert parent["run"] == {"a": 1, "b": 2} and parent["events"] == [{"name": "x", "v": 1}]


# --- round trip --------------------------------------------------------------------------


def _comparable(sc):
    """The resolved content: ``extends`` and ``remove_events`` are already applied."""
    return sc.model_dump(exclude={"extends", "remove_events"})


def test_to_toml_round_trip(chain, tmp_path):
    sc = load_scenario(str(chain), sets=["params.capital.crowding_out=false"])
    text = to_toml(sc)
    doc = tomllib.loads(text)
    assert "extends" not in doc and "remove_events" not in doc
    assert "params" in doc and "capital" in doc["params"] and "innovation" in doc["params"]  # every default written
    p = tmp_path / "resolved.toml"
    p.write_text(text, encoding="utf-8")
    back = load_scenario(str(p))
    assert _comparable(back) == _comparable(sc)
    assert to_toml(back) == text


def test_to_toml_round_trip_with_year_keyed_schedules_and_data(tmp_path):
    from toy import budget, fund_launch
    from zili.data import unsourced_parameters

    key, dp = next(iter(unsourced_parameters().items()))  # data keys hold ':' and need quoting
    sc = validate({"name": "sched", "run": {"start_year": 2014, "end_year": 2020, "firms": 10},
                   "events": [fund_launch(), budget()], "data": {key: dp.low}})
    p = tmp_path / "s.toml"
    p.write_text(to_toml(sc), encoding="utf-8")
    back = load_scenario(str(p))
    assert back == sc
    assert back.events[0].paid_in_rmb_bn == {2015: 10.0, 2016: 10.0}
    assert back.data == {key: dp.low}


# --- shipped scenarios -------------------------------------------------------------------


def test_shipped_scenarios_load_and_round_trip(tmp_path):
    shipped = shipped_scenarios()
    if not shipped:
        pytest.skip("no shipped scenarios yet")
    for name in shipped:
        sc = load_scenario(name)
        p = tmp_path / f"{name}.toml"
        p.write_text(to_toml(sc), encoding="utf-8")
        assert _comparable(load_scenario(str(p))) == _comparable(sc), name


def test_no_controls_is_baseline_without_export_controls():
    shipped = shipped_scenarios()
    if not {"baseline", "no-controls"} <= set(shipped):
        pytest.skip("baseline / no-controls not shipped yet")
    base, nc = load_scenario("baseline"), load_scenario("no-controls")
    assert [e for e in nc.events if e.kind == "export_control"] == []
    assert [e for e in base.events if e.kind != "export_control"] == nc.events
    assert base.params == nc.params and base.run == nc.run


def test_shortening_the_run_drops_later_events_but_a_file_event_outside_still_fails(tmp_path):
    """`--set run.end_year=Y` on a shipped scenario stops the timeline at Y; an event written outside its
    own file's run is still an error."""
    full = load_scenario("baseline")
    short = load_scenario("baseline", sets=["run.end_year=2016"])
    assert short.run.end_year == 2016 and 0 < len(short.events) < len(full.events)
    assert all(e.announce <= 2016 and e.effect <= 2016 for e in short.events)
    assert {e.name for e in short.events} == {e.name for e in full.events if e.announce <= 2016 and e.effect <= 2016}
    p = tmp_path / "late.toml"
    p.write_text('[run]\nstart_year = 2014\nend_year = 2016\n[[events]]\nkind = "privacy_law"\nname = "p"\nannounce = 2020\neffect = 2020\nseverity = 0.5\n')
    with pytest.raises(ScenarioError, match="outside the run"):
        load_scenario(p)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    """Two wrong values in one file: both lines come in the one message, so fixing the first does
    not reveal the second on the next run."""
    f = tmp_path / "two.toml"
    f.write_text('extends = "baseline"\n[run]\nfirms = "lots"\n[params.capital]\nselection_noise = 9\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(f))
    lines = str(info.value).splitlines()
    assert lines[0].startswith("run.firms = 'lots': wrong value")
    assert lines[1] == "params.capital.selection_noise = 9: wrong value; allowed: less than or equal to 5"


def test_an_event_without_kind_names_its_keys_and_the_kinds(tmp_path):
    """A newcomer writes ``type =`` instead of ``kind =``: the line shows the keys the event has
    (its index counts inherited events, so the keys are how to find it) and every allowed kind."""
    from zili.scenario.events import EVENT_KINDS

    f = tmp_path / "typo.toml"
    f.write_text('extends = "baseline"\n[[events]]\ntype = "export_control"\nannounce = 2020\neffect = 2021\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(f))
    line = str(info.value)
    assert "event without 'kind' (it has type, announce, effect)" in line
    assert line.endswith("allowed: kind = one of " + ", ".join(EVENT_KINDS))
    n = len(raw_scenario(str(f))["events"])  # the newcomer's event comes after the inherited ones
    assert line.startswith(f"events[{n - 1}] (event {n} of {n}, inherited events first): ")


def test_an_added_event_is_also_named_by_its_place_in_its_own_file(tmp_path):
    """A newcomer's one event extending the baseline is ``events[63]`` of the merged scenario; the
    line also says it is event 1 of their file (where the index is the event's own place, as in a
    file without ``extends``, nothing is added)."""
    f = tmp_path / "mine.toml"
    f.write_text('extends = "baseline"\n[[events]]\nname = "eda-ban"\nkind = "export_control"\ninstrument = "fdpr"\n'
                 'announce = 2025\neffect = 2026\nimposing = ["US"]\nnodes = ["eda_tools"]\ntiers = ["mature"]\nseverity = 0.8\n')
    n = len(raw_scenario(str(f))["events"])
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(f))
    assert str(info.value).startswith(f"events[{n - 1}] (eda-ban, event 1 of mine.toml).nodes: unknown node 'eda_tools'")
    alone = tmp_path / "alone.toml"
    alone.write_text("[run]\nstart_year = 2014\nend_year = 2030\n" + f.read_text().split("\n", 1)[1])
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(alone))
    assert str(info.value).startswith("events[0] (eda-ban).nodes: unknown node 'eda_tools'")
