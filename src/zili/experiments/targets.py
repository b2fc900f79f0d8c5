"""Targets and objectives over metrics: ``metric[:entity]@year [op value]`` and ``max|min ...``.

``ic_self_sufficiency@2030>=0.5`` is met in a draw when the replicate mean of
``ic_self_sufficiency`` for ``china`` in 2030 is at least 0.5;
``max self_sufficiency:lithography@2030`` maximises that mean.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_SPEC = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<entity>[^@\s]+))?@(?P<year>\d{4})\s*$")
_TARGET = re.compile(r"^(?P<lhs>[^<>=]+?)\s*(?P<op>>=|<=|>|<)\s*(?P<value>[-+0-9.eE]+)\s*$")
DEFAULT_ENTITY = "china"


@dataclass(frozen=True)
class Series:
    """One metric series in one year: ``metric:entity@year``."""

    metric: str
    entity: str
    year: int

    @classmethod
    def parse(cls, text: str) -> Series:
        m = _SPEC.match(text)
        if not m:
            raise ValueError(f"{text!r}: not a series; allowed: metric[:entity]@year, e.g. self_sufficiency:lithography@2030")
        return cls(m["metric"], m["entity"] or DEFAULT_ENTITY, int(m["year"]))

    def __str__(self) -> str:
        return f"{self.metric}:{self.entity}@{self.year}"

    def values(self, frame: pd.DataFrame, by: tuple[str, ...] = ("draw",)) -> pd.Series:
        """Replicate mean of this series per ``by`` group, from a long metrics frame."""
        sel = frame[(frame["metric"] == self.metric) & (frame["entity"] == self.entity) & (frame["year"] == self.year)]
        if sel.empty:
            raise KeyError(f"no rows for {self}; check the metric, entity and year (the run's years and `zili describe`)")
        return sel.groupby(list(by))["value"].mean()


@dataclass(frozen=True)
class Target:
    """A condition on a series: ``ic_self_sufficiency@2030>=0.5``."""

    series: Series
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Target:
        m = _TARGET.match(text.strip())
        if not m:
            raise ValueError(f"target {text!r}: allowed: metric[:entity]@year OP value with OP one of >=, <=, >, <")
        return cls(Series.parse(m["lhs"]), m["op"], float(m["value"]))

    def met(self, values: np.ndarray | pd.Series) -> np.ndarray:
        return OPS[self.op](np.asarray(values, dtype=float), self.value)

    def __str__(self) -> str:
        return f"{self.series}{self.op}{self.value:g}"


@dataclass(frozen=True)
class Objective:
    """``max|min metric[:entity]@year``."""

    sense: str
    series: Series

    @classmethod
    def parse(cls, text: str) -> Objective:
        parts = text.strip().split(None, 1)
        if len(parts) != 2 or parts[0] not in ("max", "min"):
            raise ValueError(f"objective {text!r}: allowed: 'max metric[:entity]@year' or 'min metric[:entity]@year'")
        return cls(parts[0], Series.parse(parts[1]))

    @property
    def sign(self) -> float:
        """+1 to maximise, -1 to minimise: ``sign * value`` is always to be maximised."""
        return 1.0 if self.sense == "max" else -1.0

    def __str__(self) -> str:
        return f"{self.sense} {self.series}"
