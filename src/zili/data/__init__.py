"""Shipped datasets (CSV, each row with its source and use) and their loaders.

Files live beside this module; ``README.md`` here documents each one. Values that no
source gives are left empty with ``source = UNSOURCED: ...`` and a ``low``/``high``
range: :func:`unsourced_parameters` turns them into scenario parameters whose default
is the middle of that range and which a scenario may override under ``[data]``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

COUNTRIES = ("US", "NL", "JP", "KR", "TW", "EU", "CN", "other")
TIERS = ("mature", "advanced")
USES = ("build", "calibrate", "validate")
OWNERSHIP = ("central_soe", "local_soe", "private", "startup", "foreign_fab", "jv")


def data_dir() -> Path:
    """Folder holding the shipped CSV files."""
    return Path(str(resources.files("zili") / "data"))


@lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``<name>.csv`` as dicts of strings (empty cells are ``""``)."""
    path = data_dir() / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return tuple({k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh))


def number(row: dict[str, str], column: str) -> float | None:
    """A numeric cell, or None when empty."""
    text = row.get(column, "")
    if text == "":
        return None
    return float(text)


def is_unsourced(row: dict[str, str]) -> bool:
    return row.get("source", "").upper().startswith("UNSOURCED")


@dataclass(frozen=True)
class DataParameter:
    """A data value with no source, exposed as a scenario parameter with a range."""

    key: str  # "file:row-key:column", e.g. "china_start:logic_fab:advanced:capability"
    default: float
    low: float
    high: float
    note: str


def _row_key(name: str, row: dict[str, str]) -> str:
    keys = {
        "sectors": ("sector",),
        "nodes": ("node",),
        "china_start": ("node", "tier"),
        "firms": ("firm",),
        "provinces": ("province",),
        "funds": ("fund",),
        "supply_shares": ("node", "country"),
        "node_inputs": ("node", "input"),
        "macro": ("series", "year"),
        "fund_payers": ("fund", "payer"),
        "node_dynamics": ("node", "quantity"),
    }[name]
    return ":".join(row[k] for k in keys)


# the value column(s) of each file that an UNSOURCED row leaves empty
_VALUE_COLUMNS = {
    "sectors": ("strategic_priority",),
    "nodes": ("global_market_usd_bn",),
    "china_start": ("capability", "self_sufficiency"),
    "firms": ("revenue_rmb_bn",),
    "provinces": ("gdp_rmb_bn", "land_revenue_rmb_bn", "lgfv_debt_rmb_bn"),
    "funds": ("registered_rmb_bn", "paid_in_years"),
    "macro": ("value",),
    "node_dynamics": ("value",),
    "node_inputs": ("weight",),
    "supply_shares": ("share",),
}


def _range(row: dict[str, str], column: str) -> tuple[float | None, float | None]:
    """The stated range of an unsourced value: ``<column>_low/_high`` if the file has them, else ``low/high``."""
    for stem in (column, column.removesuffix("_rmb_bn")):
        if f"{stem}_low" in row:
            return number(row, f"{stem}_low"), number(row, f"{stem}_high")
    return number(row, "low"), number(row, "high")


@lru_cache(maxsize=None)
def unsourced_parameters() -> dict[str, DataParameter]:
    """Every empty, unsourced data value with a stated range, keyed ``file:key:column``."""
    out: dict[str, DataParameter] = {}
    for name, columns in _VALUE_COLUMNS.items():
        try:
            rows = table(name)
        except FileNotFoundError:
            continue
        for row in rows:
            for col in columns:
                if row.get(col, "") != "" or not is_unsourced(row):
                    continue
                low, high = _range(row, col)
                if low is None or high is None:
                    continue
                key = f"{name}:{_row_key(name, row)}:{col}"
                out[key] = DataParameter(key, 0.5 * (low + high), low, high, row.get("notes", ""))
    return out


def value(name: str, row: dict[str, str], column: str, overrides: dict[str, float] | None = None) -> float:
    """A data value: the sourced number, or the scenario's value for an unsourced one."""
    v = number(row, column)
    if v is not None:
        return v
    key = f"{name}:{_row_key(name, row)}:{column}"
    if overrides and key in overrides:
        return float(overrides[key])
    p = unsourced_parameters().get(key)
    if p is None:
        raise KeyError(f"{key}: no value and no stated range in {name}.csv")
    return p.default


@lru_cache(maxsize=None)
def known_ids() -> dict[str, tuple[str, ...]]:
    """The ids a scenario may name: nodes, sectors, countries, tiers, payers, funds, provinces, firms."""

    def col(name: str, column: str) -> tuple[str, ...]:
        try:
            return tuple(dict.fromkeys(r[column] for r in table(name)))
        except FileNotFoundError:
            return ()

    provinces = col("provinces", "province")
    return {
        "node": col("nodes", "node"),
        "sector": col("sectors", "sector"),
        "country": COUNTRIES,
        "tier": TIERS,
        # provinces pay for their own guidance funds, so each province is a payer too
        "payer": col("payers", "payer") + provinces,
        "fund": col("funds", "fund"),
        "province": provinces,
        "firm": col("firms", "firm"),
    }
