"""Scenario comparison: the largest differences between runs in the target years.

The comparison is of medians across replicates. A difference is flagged as beyond
replicate noise only when the two runs' 5-95% replicate ranges do not overlap; that
says nothing about parameter or structural uncertainty, which the runs do not sample.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from zili.report.figures import quantiles
from zili.report.runs import run_labels
from zili.report.summary import sig

TARGET_YEARS = (2025, 2030, 2035)
COLUMNS = ("metric", "entity", "year", "tag", "unit", "a", "b", "difference", "relative", "beyond_noise")


def target_years(runs: Sequence[Any], years: Sequence[int] | None = None) -> list[int]:
    """Years all runs share among ``years`` (default 2025, 2030, 2035), else their last common year."""
    common = set(int(y) for y in runs[0].dataset["year"].values)
    for r in runs[1:]:
        common &= set(int(y) for y in r.dataset["year"].values)
    if not common:
        return []
    wanted = [int(y) for y in (years or TARGET_YEARS) if int(y) in common]
    if years is None and (not wanted or max(wanted) < max(common)):
        wanted.append(max(common))  # the runs' last common year, past the last target year
    return wanted


def differences(a: Any, b: Any, *, years: Sequence[int] | None = None, top: int = 20, include_real: bool = False) -> pd.DataFrame:
    """The series whose medians differ most between run ``a`` and run ``b``.

    Parameters
    ----------
    a, b : Results
        The reference run and the compared run.
    years : sequence of int, optional
        Target years (default: 2025, 2030 and 2035 where both runs have them, and
        the last common year when the runs end after the last of those).
    top : int, default 20
        Rows to return, ranked by the relative difference ``|b - a| / max(|a|, |b|)``.
    include_real : bool, default False
        Keep the ``*_real`` (deflated) duplicates of money metrics.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric, entity, year, tag, unit, a, b, difference, relative,
        beyond_noise`` (medians in the metric's unit; ``beyond_noise`` is True when the
        5-95% replicate ranges do not overlap).
    """
    ys = target_years([a, b], years)
    da, db = a.dataset, b.dataset
    common = da.indexes["series"].intersection(db.indexes["series"])
    if not include_real:
        common = common[[not s.split("|")[0].endswith("_real") for s in common]]
    if not ys or not len(common):
        return pd.DataFrame(columns=list(COLUMNS))
    va = da["value"].sel(series=common, year=ys).transpose("replicate", "year", "series").values
    vb = db["value"].sel(series=common, year=ys).transpose("replicate", "year", "series").values
    ma, la, ha = (x.reshape(len(ys), len(common)) for x in quantiles(va.reshape(va.shape[0], -1)))
    mb, lb, hb = (x.reshape(len(ys), len(common)) for x in quantiles(vb.reshape(vb.shape[0], -1)))
    diff = mb - ma
    scale = np.maximum(np.abs(ma), np.abs(mb))
    with np.errstate(all="ignore"):
        rel = np.where(scale > 1e-12, np.abs(diff) / scale, 0.0)
    beyond = (lb > ha) | (la > hb)
    meta = da.sel(series=common)
    yy, ss = np.meshgrid(np.arange(len(ys)), np.arange(len(common)), indexing="ij")
    frame = pd.DataFrame(
        {
            "metric": meta["metric"].values[ss.ravel()],
            "entity": meta["entity"].values[ss.ravel()],
            "year": np.asarray(ys)[yy.ravel()],
            "tag": meta["tag"].values[ss.ravel()],
            "unit": meta["unit"].values[ss.ravel()],
            "a": ma.ravel(),
            "b": mb.ravel(),
            "difference": diff.ravel(),
            "relative": rel.ravel(),
            "beyond_noise": beyond.ravel(),
        }
    )
    frame = frame[np.isfinite(frame["difference"]) & (frame["relative"] > 0)]
    frame = frame.sort_values(["relative", "beyond_noise"], ascending=[False, False], kind="stable")
    return frame.head(top).reset_index(drop=True)


def display_rows(frame: pd.DataFrame) -> list[list[str]]:
    """Rows of a differences frame as text, rounded to two significant figures."""
    rows = []
    for r in frame.itertuples(index=False):
        rows.append(
            [
                r.metric, r.entity, str(r.year), r.tag, r.unit, sig(r.a), sig(r.b),
                ("+" if r.difference > 0 else "") + sig(r.difference), f"{sig(100 * r.relative)}%",
                "yes" if r.beyond_noise else "no",
            ]
        )
    return rows


def comparison_title(a: Any, b: Any) -> str:
    la, lb = run_labels([a, b])
    return f"largest differences: {lb} minus {la} (medians across replicates; 2 significant figures)"


HEADERS = ("metric", "entity", "year", "tag", "unit", "A", "B", "B - A", "|B - A| / max", "beyond replicate noise")
