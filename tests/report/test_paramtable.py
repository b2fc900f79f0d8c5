"""The generated parameter tables in docs/ODD.md match the schema and the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

from zili.data import unsourced_parameters
from zili.report import paramtable as pt
from zili.scenario.params import parameter_table

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
HINT = f"docs/ODD.md is stale; regenerate with: {pt.REGENERATE}"


@pytest.fixture(scope="module")
def odd() -> str:
    assert ODD.is_file(), f"{ODD} is missing"
    return ODD.read_text(encoding="utf-8")


def _table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("| `")]


def test_parameter_block_is_current(odd):
    assert pt.block(odd, pt.PARAMS_START, pt.PARAMS_END) == "\n" + pt.parameter_markdown(), HINT


def test_data_parameter_block_is_current(odd):
    assert pt.block(odd, pt.DATA_START, pt.DATA_END) == "\n" + pt.data_parameter_markdown(), HINT


def test_update_is_idempotent(odd):
    once = pt.update_document(odd)
    assert pt.update_document(once) == once


def test_one_row_per_parameter():
    rows = _table_rows(pt.parameter_markdown())
    names = [r["name"] for r in parameter_table()]
    assert len(rows) == len(names) == len(set(names))
    for row, name in zip(rows, names):
        assert row.startswith(f"| `{name}` |"), (row, name)


def test_every_parameter_in_odd(odd):
    section = pt.block(odd, pt.PARAMS_START, pt.PARAMS_END)
    for r in parameter_table():
        assert f"| `{r['name']}` |" in section, f"{r['name']} missing from docs/ODD.md; {HINT}"


def test_rows_have_six_cells():
    for row in _table_rows(pt.parameter_markdown()):
        cells = row.replace("\\|", "").strip("|").split("|")
        assert len(cells) == 6, row


def test_priors_have_references():
    for r in parameter_table():
        if r["kind"] == "prior":
            assert r["ref"].strip(), f"prior parameter {r['name']} has no reference"
    for row in _table_rows(pt.parameter_markdown()):
        cells = [c.strip() for c in row.replace("\\|", "").strip("|").split("|")]
        if cells[3] == "prior":
            assert cells[5], row


def test_kinds_are_known():
    from zili.scenario.params import KINDS

    assert {r["kind"] for r in parameter_table()} <= set(KINDS)


def test_data_table_counts_every_unsourced_value():
    md = pt.data_parameter_markdown()
    ups = unsourced_parameters()
    assert md.startswith(f"{len(ups)} unsourced data values")
    summary = [line for line in md.splitlines() if line.startswith("| `") and ".csv`" in line]
    assert sum(int(line.split("|")[3]) for line in summary) == len(ups)


def test_cli_write_and_check(tmp_path, capsys):
    doc = tmp_path / "doc.md"
    doc.write_text(f"# t\n{pt.PARAMS_START}\nold\n{pt.PARAMS_END}\n{pt.DATA_START}\n{pt.DATA_END}\n", encoding="utf-8")
    assert pt.main(["--check", str(doc)]) == 1
    assert pt.main(["--write", str(doc)]) == 0
    assert pt.main(["--check", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert pt.block(text, pt.PARAMS_START, pt.PARAMS_END) == "\n" + pt.parameter_markdown()
    assert text.startswith("# t\n")


def test_missing_markers_fail(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("no markers\n", encoding="utf-8")
    assert pt.main(["--write", str(doc)]) == 2
    assert doc.read_text(encoding="utf-8") == "no markers\n"
