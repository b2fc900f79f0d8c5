"""The ``zili`` command through its real entry points (typer CliRunner, and one subprocess)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import zili
from zili.cli import app
from zili.data import known_ids
from zili.model.rng import root_entropy
from zili.store import Catalogue, git_hash

SMALL = """
name = "small"

[run]
start_year = 2014
end_year = 2018
firms = 300
replicates = 3
seed = 5

[[events]]
kind = "fund_launch"
name = "bf"
announce = 2014
effect = 2014
fund = "big_fund_1"
registered_rmb_bn = 20.0
payers = {mof = 0.6, cdb = 0.4}
mandate = {logic_fab = 1.0}
paid_in_rmb_bn = {2014 = 10.0, 2015 = 10.0}

[[events]]
kind = "export_control"
name = "c"
announce = 2016
effect = 2017
instrument = "country_rule"
imposing = ["US"]
nodes = ["ai_chips"]
"""

METRIC_COLUMNS = ["scenario", "replicate", "draw", "year", "metric", "entity", "value", "tag"]
LEDGER_COLUMNS = ["scenario", "replicate", "draw", "year", "payer", "fund", "instrument", "node", "firm_id", "amount_rmb_bn"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("ZILI_HOME", str(h))
    return h


@pytest.fixture
def small_toml(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(textwrap.dedent(SMALL), encoding="utf-8")
    return p


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def cli_run(home, small_toml, tmp_path):
    out = tmp_path / "out"
    cat = tmp_path / "cat"
    result = invoke("run", small_toml, "--out", out, "--replicates", 2, "--catalogue", cat)
    return result, out, cat


def test_run_exits_zero_and_prints_summary(cli_run):
    result, out, _ = cli_run
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # rich may wrap long lines
    m = re.search(r"firms=(\d+) years=2014-2018 replicates=2", text)
    assert m, result.stdout
    assert int(m.group(1)) == 300 + len(known_ids()["firm"])  # synthetic firms + named anchors
    assert "wrote" in text


def test_run_writes_loadable_scenario(cli_run, small_toml):
    _, out, _ = cli_run
    written = zili.load_scenario(str(out / "scenario.toml"))
    original = zili.load_scenario(str(small_toml), sets=["run.replicates=2"])
    assert written.model_dump(exclude={"extends", "remove_events"}) == original.model_dump(exclude={"extends", "remove_events"})
    assert written.run.replicates == 2


def test_metrics_parquet_columns(cli_run):
    _, out, _ = cli_run
    m = pd.read_parquet(out / "metrics.parquet")
    assert list(m.columns) == METRIC_COLUMNS
    assert set(m["replicate"]) == {0, 1}
    assert set(m["year"]) == set(range(2014, 2019))
    assert set(m["tag"]) <= {"input", "calibrated", "predicted"}
    assert (m["scenario"] == "small").all()
    assert {"self_sufficiency", "capability", "capital_deployed", "output_at_risk"} <= set(m["metric"])


def test_ledger_parquet_columns_and_sums(cli_run):
    _, out, _ = cli_run
    lg = pd.read_parquet(out / "ledger.parquet")
    assert list(lg.columns) == LEDGER_COLUMNS
    assert len(lg) > 0 and (lg["amount_rmb_bn"] > 0).all()
    m = pd.read_parquet(out / "metrics.parquet")
    dep = m[m["metric"] == "capital_deployed"]
    lg = lg.assign(k=np.rint(lg["amount_rmb_bn"].to_numpy() * 1e6).astype(np.int64), payer=lg["payer"].astype(str))
    by_payer = lg.groupby(["replicate", "year", "payer"])["k"].sum()
    payers = set(lg["payer"].unique())
    dep = dep[dep["entity"].isin(set(known_ids()["payer"]))]
    dep = dep.assign(k=np.rint(dep["value"].to_numpy() * 1e6).astype(np.int64)).set_index(["replicate", "year", "entity"])["k"]
    for (r, y, p), k in dep.items():
        assert by_payer.get((r, y, p), 0) == k, (r, y, p)
    assert payers <= set(dep.index.get_level_values("entity"))
    assert dep.sum() == lg["k"].sum()


def test_catalogue_records_the_run(cli_run):
    result, out, cat = cli_run
    with Catalogue(cat, read_only=True) as c:
        runs = c.runs()
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row["scenario"] == "small"
    assert row["git_hash"] == git_hash()
    if (Path(zili.__file__).resolve().parents[2] / ".git").exists():  # running from a checkout: a real hash
        assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", row["git_hash"]), row["git_hash"]
    assert row["seed_entropy"] == str(root_entropy(5))
    assert row["replicates"] == 2 and row["start_year"] == 2014 and row["end_year"] == 2018
    assert Path(row["out_dir"]) == out.resolve()
    assert tomllib.loads(row["scenario_toml"])["run"]["replicates"] == 2
    assert row["run_id"] in " ".join(result.stdout.split())


def test_run_without_out_writes_under_zili_home(home, small_toml, tmp_path):
    result = invoke("run", small_toml, "--replicates", 1, "--set", "run.firms=100")
    assert result.exit_code == 0, result.output
    runs = [p for p in home.iterdir() if p.is_dir()]
    assert len(runs) == 1 and (runs[0] / "metrics.parquet").is_file()
    assert (home / "catalogue.duckdb").is_file()


def test_run_seed_option_changes_results(home, small_toml, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out, seed in ((a, 1), (b, 2)):
        r = invoke("run", small_toml, "--out", out, "--replicates", 1, "--seed", seed, "--set", "run.firms=100")
        assert r.exit_code == 0, r.output
    ma, mb = pd.read_parquet(a / "metrics.parquet"), pd.read_parquet(b / "metrics.parquet")
    assert not np.array_equal(ma["value"].to_numpy(), mb["value"].to_numpy())


# --- bad input: exit 2, one message, no traceback, nothing written ------------------------------

BAD_TOML = {
    "malformed": ('[run\nfirms = 3\n', ["not valid TOML"]),
    "unknown_top": ('colour = "red"\n', ["colour", "unknown field", "allowed"]),
    "unknown_in_run": ("[run]\nfirmz = 3\n", ["run.firmz", "unknown field", "allowed"]),
    "wrong_type": ('[run]\nreplicates = "many"\n', ["run.replicates", "'many'", "allowed"]),
    "unknown_event_field": (
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "privacy_law"\nname = "p"\nannounce = 2015\n'
        'effect = 2015\nseverity = 0.5\ncolour = "red"\n',
        ["events[0]", "colour", "allowed"],
    ),
    "unknown_node": (
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "export_control"\nname = "c"\nannounce = 2015\n'
        'effect = 2015\ninstrument = "country_rule"\nimposing = ["US"]\nnodes = ["warp_drive"]\n',
        ["nodes", "'warp_drive'", "allowed"],
    ),
    "severity": (
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "export_control"\nname = "c"\nannounce = 2015\n'
        'effect = 2015\ninstrument = "country_rule"\nimposing = ["US"]\nnodes = ["etch"]\nseverity = 1.5\n',
        ["severity", "1.5", "allowed"],
    ),
    "event_outside_run": (
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "privacy_law"\nname = "p"\nannounce = 2025\n'
        'effect = 2025\nseverity = 0.5\n',
        ["2025", "outside the run", "allowed"],
    ),
    "misspelt_event_field": (  # `node` for `nodes` and no `instrument`: the misspelling is named, with the fields allowed
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "export_control"\nname = "more-litho"\nannounce = 2015\n'
        'effect = 2015\nimposing = ["NL"]\nnode = "lithography"\n',
        ["events[0] (more-litho).node", "unknown field", "allowed", "nodes"],
    ),
    "missing_event_field": (
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "export_control"\nname = "c"\nannounce = 2015\n'
        'effect = 2015\nimposing = ["NL"]\nnodes = ["lithography"]\n',
        ["events[0] (c).instrument", "required field is missing", "allowed", "country_rule", "servicing_ban"],
    ),
    "unknown_kind": (
        '[run]\nstart_year = 2014\nend_year = 2020\n[[events]]\nkind = "alien_invasion"\nname = "a"\nannounce = 2015\neffect = 2015\n',
        ["'alien_invasion'", "unknown event kind", "allowed"],
    ),
}


def assert_clean_failure(result, out: Path, home: Path, fragments):
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    err = " ".join(result.stderr.split())
    assert err.startswith("error:"), err
    for f in fragments:
        assert f in err, (f, err)
    assert not out.exists()
    assert not home.exists() or not any(home.iterdir())


@pytest.mark.parametrize("case", list(BAD_TOML))
def test_bad_scenario_file(case, home, tmp_path):
    text, fragments = BAD_TOML[case]
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", p, "--out", out)
    assert_clean_failure(result, out, home, fragments)


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--set", "run.replicates"], ["missing '='", "allowed"]),
        (["--set", "run.replicates=many"], ["run.replicates", "'many'", "allowed"]),
        (["--set", "params.capital.nope=1"], ["params.capital.nope", "allowed"]),
    ],
    ids=["set_without_equals", "set_wrong_type", "set_unknown_key"],
)
def test_bad_set(args, fragments, home, small_toml, tmp_path):
    out = tmp_path / "out"
    assert_clean_failure(invoke("run", small_toml, "--out", out, *args), out, home, fragments)


def test_bad_backend(home, small_toml, tmp_path):
    out = tmp_path / "out"
    assert_clean_failure(invoke("run", small_toml, "--out", out, "--backend", "cuda"), out, home, ["--backend", "'cuda'", "allowed"])


def test_missing_scenario_file(home, tmp_path):
    out = tmp_path / "out"
    assert_clean_failure(invoke("run", tmp_path / "nope.toml", "--out", out), out, home, ["not found", "allowed"])


def test_bad_describe_topic(home):
    result = invoke("describe", "everything")
    assert result.exit_code == 2 and "allowed" in result.stderr and "Traceback" not in result.output


# --- other commands -------------------------------------------------------------------------


def test_scenarios_command(home):
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    assert "invalid" not in result.stdout  # every shipped scenario validates
    for name in zili.scenario.shipped_scenarios():
        assert name in result.stdout


@pytest.mark.parametrize("what", ["params", "nodes", "payers", "funds", "data", "sources"])
def test_describe(what, home):
    result = invoke("describe", what)
    assert result.exit_code == 0, result.output
    if what == "params":
        flat = "".join(result.stdout.split())  # the narrow test console folds long names across lines
        assert "capital.crowding_out" in flat.replace("│", "") or "crowding" in flat
    if what == "nodes":
        assert "lithography" in result.stdout


def test_help_through_the_installed_script():
    script = Path(sys.executable).parent / "zili"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "run" in done.stdout and "scenarios" in done.stdout and "describe" in done.stdout
    assert "Example" in done.stdout


@pytest.mark.parametrize("command", ["run", "scenarios", "describe"])
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Example" in result.stdout


@pytest.mark.parametrize("kind", ["busy_dir", "file"])
def test_out_that_is_not_a_run_directory(kind, home, small_toml, tmp_path):
    out = tmp_path / "busy"
    if kind == "busy_dir":
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    else:
        out.write_text("mine", encoding="utf-8")
    result = invoke("run", small_toml, "--out", out, "--replicates", 1)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stderr.startswith("error:")
    assert "allowed" in result.stderr
    if kind == "busy_dir":
        assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    else:
        assert out.read_text(encoding="utf-8") == "mine"
    assert not home.exists() or not any(home.iterdir())
