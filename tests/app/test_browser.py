"""End to end in headless Chromium: the dashboard and the HTML report, offline."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from typer.testing import CliRunner

from zili.cli import app as cli

pytestmark = pytest.mark.browser

BAD = 'name = "bad"\n[run]\nfirms = -5\n'
STATUS = ".zili-status"


X_MAX = """() => { const d = document.querySelector('.zili-plot');
    if (!d || !d._fullData || !d._fullData.length) return -1;
    let m = -Infinity;
    for (const t of d._fullData) { for (const v of Array.from(t.x || [])) { const n = Number(v); if (Number.isFinite(n) && n > m) m = n; } }
    return m; }"""


def _x_max(page) -> float:
    return page.evaluate(X_MAX)


def test_dashboard_load_edit_run_upload(browser, app_url, tmp_path):
    page = browser.new_page()
    host = urlparse(app_url).netloc
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
    page.goto(app_url)
    page.get_by_text("no run yet").wait_for(timeout=60_000)

    # run the defaults (2,000 firms, 2 replicates, 2014-2025)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("run 1 finished").wait_for(timeout=120_000)
    page.wait_for_function(f"({X_MAX})() > 0", timeout=30_000)
    assert _x_max(page) == 2025
    page.screenshot(path=str(tmp_path / "run1.png"))

    # change a parameter (the end year) and run again: the figure changes
    field = page.get_by_label("end year")
    field.fill("2020")
    field.press("Enter")
    page.get_by_role("button", name="Run").click()
    page.get_by_text("run 2 finished").wait_for(timeout=120_000)
    page.wait_for_function(f"({X_MAX})() === 2020", timeout=30_000)
    assert "2014-2020" in page.locator(STATUS).inner_text()

    # a bad upload shows the CLI's one-line message, and nothing runs
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(bad), "--out", str(tmp_path / "out")])
    cli_line = " ".join(res.output.split())
    assert res.exit_code == 2 and cli_line.startswith("error:")
    page.locator('input[data-testid="scenario-upload"]').set_input_files(str(bad))
    page.locator(".zili-error").wait_for(timeout=30_000)
    assert " ".join(page.locator(".zili-error").inner_text().split()) == cli_line
    assert "editing shipped: baseline" in page.content()
    page.screenshot(path=str(tmp_path / "upload.png"))
    assert not foreign, f"the page requested other hosts: {foreign[:3]}"
    page.close()


def test_report_opens_offline(browser, tmp_path):
    import zili
    from zili.report.html import write_report
    from zili.scenario import to_toml

    sc = zili.load_scenario("baseline", sets=["run.firms=500", "run.replicates=2", "run.end_year=2025"])
    traj, meta = zili.run(sc)
    res = zili.Results.from_trajectory(traj, scenario=sc.name, scenario_toml=to_toml(sc), meta=meta)
    path = write_report([res], tmp_path / "report.html")
    page = browser.new_page()
    asked = []

    def block(route):
        asked.append(route.request.url)
        route.abort()

    page.route("http*://**/*", block)  # no network: anything but the file itself is refused
    page.goto(path.as_uri())
    n = page.locator("div.plotly-graph-div").count()
    assert n >= 10
    page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length === {n}", timeout=30_000)
    assert page.evaluate("() => typeof Plotly") == "object"
    # the tag toggle hides and shows the metric tags
    assert page.locator(".tags").first.is_visible()
    page.locator("#show-tags").uncheck()
    assert not page.locator(".tags").first.is_visible()
    assert not asked, asked[:3]
    page.close()
