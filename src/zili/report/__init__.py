"""Reports built from results: the terminal summary (figures and the HTML report come later)."""

from zili.report.summary import summary_rows

__all__ = ["summary_rows"]
