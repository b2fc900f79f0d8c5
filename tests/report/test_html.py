"""The HTML report: one self-contained file holding every figure, working offline."""

from __future__ import annotations

import re

from zili.report.figures import FIGURES, history_frame
from zili.report.html import report_html, write_report


def test_report_holds_every_figure_and_no_remote_resource(base, duv, tmp_path):
    path = write_report([base, duv], tmp_path / "r.html", history=history_frame())
    text = path.read_text(encoding="utf-8")
    for key, _ in FIGURES:
        assert f'id="{key}"' in text and f'id="fig-{key}-0"' in text, key
    assert 'id="fig-sankey-1"' in text  # one Sankey per run
    assert 'id="differences"' in text
    # nothing is loaded from elsewhere: no external scripts, styles or images
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', text)
    assert text.count("plotly.js v") <= 2 and "Plotly.newPlot" in text  # plotly.js inlined once


def test_single_run_report_has_no_difference_table(base):
    text = report_html([base])
    assert 'id="differences"' not in text
    assert "stochastic uncertainty only" in text
    assert "illustrative" in text


def test_tag_toggle_present(base):
    text = report_html([base])
    assert 'id="show-tags"' in text and "hide-tags" in text
    assert 'class="tag predicted"' in text and 'class="tag input"' in text
