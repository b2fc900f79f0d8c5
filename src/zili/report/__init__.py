"""Reports built from results: the terminal summary, plotly figures, the HTML report and
scenario comparison. Figures are functions of a results Dataset and its ledger, shared by
the HTML report and the dashboard (``zili.app``)."""

from zili.report.summary import summary_rows

__all__ = ["summary_rows"]
