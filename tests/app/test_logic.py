"""The dashboard's logic without a browser: uploads, edits, runs; and no zili.model import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

import zili.app
from zili.app import logic as L
from zili.cli import app as cli
from zili.scenario import ScenarioError

BAD = 'name = "bad"\n[run]\nfirms = -5\n'


def _cli_message(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    return " ".join(res.output.split())


@pytest.mark.parametrize("text", [BAD, 'name = "x\n', 'name = "x"\n[params.capital]\nno_such = 1\n'])
def test_bad_upload_gives_the_cli_message(tmp_path, text):
    with pytest.raises(ScenarioError) as exc:
        L.read_upload("bad.toml", text.encode())
    assert L.error_line(exc.value) == _cli_message(tmp_path, text)


def test_upload_may_only_extend_shipped(tmp_path):
    with pytest.raises(L.UploadError, match="only extend a shipped scenario"):
        L.read_upload("x.toml", b'extends = "/etc/passwd"\nname = "x"\n')
    doc = L.read_upload("ok.toml", b'extends = "baseline"\nname = "mine"\n[run]\nfirms = 500\n')
    assert doc["name"] == "mine" and doc["run"]["firms"] == 500 and doc["events"]


def test_upload_too_large():
    with pytest.raises(L.UploadError, match="bytes"):
        L.read_upload("big.toml", b"#" * (L.MAX_UPLOAD_BYTES + 1))


def test_draft_edits_and_runs():
    doc = L.raw("baseline")
    names = L.event_names(doc)
    ctl = L.export_control_event("dash_control_1", instrument="servicing_ban", imposing=["US"], nodes=["etch"], tiers=["advanced"], severity=0.5, announce=2016, effect=2016)
    fund = L.fund_launch_event("dash_fund_1", fund="big_fund_3", size_rmb_bn=50, years=5, effect=2015, node="lithography")
    d = L.Draft(doc, sets={"run.firms": 300, "run.replicates": 1, "run.end_year": 2018, "params.capital.province_race": False}, added=[ctl, fund], removed=[names[0]])
    sc = d.scenario()
    assert sc.run.firms == 300 and sc.params.capital.province_race is False
    got = [e.name for e in sc.events]
    assert names[0] not in got and "dash_control_1" in got and "dash_fund_1" in got
    assert d.left_out and all(e.announce <= 2018 for e in sc.events)
    fractions = []
    res = L.simulate(sc, progress=fractions.append)
    assert res.dataset.sizes["replicate"] == 1 and fractions[-1] == 1.0
    assert len(L.results_zip(res)) > 1000
    base = L.matched_baseline(sc)
    assert base.name == "baseline" and base.run == sc.run


def test_bad_edit_is_a_scenario_error():
    d = L.Draft(L.raw("baseline"), sets={"run.replicates": 0})
    with pytest.raises(ScenarioError, match="run.replicates"):
        d.scenario()


def test_app_never_imports_the_model():
    """The dashboard reaches the model only through the public API (zili.run)."""
    root = Path(zili.app.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            assert not any(m == "zili.model" or m.startswith("zili.model.") for m in mods), f"{path.name} imports {mods}"
        assert "zili.model" not in path.read_text(encoding="utf-8").replace("never imports\n``zili.model``", "").replace("never imports ``zili.model``", "").split('"""', 2)[-1]
