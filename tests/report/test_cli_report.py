"""`zili report` and `zili compare` through typer's CliRunner."""

from __future__ import annotations

from typer.testing import CliRunner

from zili.cli import app

runner = CliRunner()


def test_report_by_directory_and_by_catalogue_id(base_dir, duv_dir, tmp_path):
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(base_dir), str(duv_dir), "-o", str(out), "--sankey-years", "2018-2020"])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "wrote" in res.output
    home = base_dir.parent
    run_id = base_dir.name
    out2 = tmp_path / "r2.html"
    res = runner.invoke(app, ["report", run_id[: len(run_id) - 2], "--catalogue", str(home), "-o", str(out2), "--no-history"])
    assert res.exit_code == 0, res.output
    assert 'id="fig-history-0"' in out2.read_text(encoding="utf-8")


def test_report_unknown_run_is_one_line(tmp_path):
    res = runner.invoke(app, ["report", "no-such-run", "--catalogue", str(tmp_path), "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2
    assert "no-such-run" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "x.html").exists()


def test_report_bad_period(base_dir, tmp_path):
    res = runner.invoke(app, ["report", str(base_dir), "--sankey-years", "2020-2010", "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "sankey-years" in res.output


def test_compare_prints_table(base_dir, duv_dir):
    res = runner.invoke(app, ["compare", str(base_dir), str(duv_dir), "--top", "5"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "largest differences" in res.output and "stochastic" in res.output
    assert "lithography" in res.output
