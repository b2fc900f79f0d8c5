"""The readable run summary: key nodes and money for a few years, rounded honestly.

Values are medians across replicates with the 5-95% range of the stochastic (replicate)
uncertainty beside them, rounded to two significant figures: the model cannot support
more. Parameter and structural uncertainty are not in these bands.
"""

from __future__ import annotations

import math

import numpy as np

KEY_ROWS = (
    ("self_sufficiency", "lithography:mature"),
    ("self_sufficiency", "lithography:advanced"),
    ("self_sufficiency", "eda"),
    ("self_sufficiency", "logic_fab:mature"),
    ("self_sufficiency", "logic_fab:advanced"),
    ("self_sufficiency", "memory_fab"),
    ("self_sufficiency", "ai_chips"),
    ("self_sufficiency", "battery_cells"),
    ("ic_self_sufficiency", "china"),
    ("ic_self_sufficiency", "china:owned"),
    ("capability", "lithography:advanced"),
    ("capability", "logic_fab:advanced"),
    ("tech_gap_years", "logic_fab:advanced"),
    ("nev_sales_share", "china"),
    ("output_at_risk", "ai_chips"),
    ("capital_deployed", "big_fund_1"),
    ("capital_deployed", "big_fund_2"),
    ("capital_deployed", "big_fund_3"),
    ("capital_unspent", "provincial_guidance_funds"),
    ("waste", "china"),
    ("soe_debt", "china"),
    ("lgfv_debt", "china"),
    ("fiscal_cost", "china"),
    ("firms_alive", "china"),
)


def sig(x: float, digits: int = 2) -> str:
    """Round to ``digits`` significant figures for display."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    dec = max(digits - 1 - mag, 0)
    return f"{round(x, digits - 1 - mag):,.{dec}f}"


def pick_years(years: np.ndarray) -> list[int]:
    """A few years to show: start, 2019, 2024, 2030 and the end, where in range."""
    ys = [int(years[0]), 2019, 2024, 2030, int(years[-1])]
    return sorted({y for y in ys if years[0] <= y <= years[-1]})


def summary_rows(results, rows=KEY_ROWS) -> tuple[list[int], list[tuple[str, str, list[str]]]]:
    """Rows (metric, entity, cells) with cells 'median' and, below it, '(p5–p95)' for the chosen years."""
    ds = results.dataset
    years = ds["year"].values
    show = pick_years(years)
    idx = [int(np.nonzero(years == y)[0][0]) for y in show]
    out = []
    series = set(ds["series"].values.tolist())
    for metric, entity in rows:
        key = f"{metric}|{entity}"
        if key not in series:
            continue
        v = results.value(metric, entity)  # (R, Y)
        cells = []
        for i in idx:
            col = v[:, i]
            med = float(np.median(col))
            if v.shape[0] > 1:
                lo, hi = np.percentile(col, [5, 95])
                cells.append(f"{sig(med)}\n({sig(lo)}–{sig(hi)})" if sig(lo) != sig(hi) else sig(med))
            else:
                cells.append(sig(med))
        out.append((metric, entity, cells))
    return show, out
