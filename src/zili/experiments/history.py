"""History files: observed yearly values of catalogue metrics, the targets of calibration
and the test data of backtests.

A history file is a CSV with at least the columns ``series,year,value,unit,source``;
``series`` is a catalogue metric with an optional entity after a colon
(``nev_sales_share``, ``self_sufficiency:lithography``). An optional ``use`` column
(``build``/``calibrate``/``validate``) says whether the row is a calibration target or a
held-out test; files without it make every row eligible for both. Values must be in the
catalogue's units (fractions, RMB bn, counts). No I/O beyond reading the one file named.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED_COLUMNS = ("series", "year", "value", "unit", "source")
USES = ("build", "calibrate", "validate")
_SERIES = re.compile(r"^[a-z][a-z0-9_]*(:[A-Za-z0-9_:.\-]+)?$")
#: entity used when a series names no entity and the metric has a national total
DEFAULT_ENTITY = "china"


class HistoryError(ValueError):
    """A history file that cannot be used, with a one-line message naming row and column."""


@dataclass(frozen=True)
class Observation:
    """One observed value: ``metric[:entity]`` in ``year``, in the catalogue's unit."""

    series: str
    metric: str
    entity: str | None
    year: int
    value: float
    unit: str
    source: str
    use: str | None = None
    line: int = 0


@dataclass(frozen=True)
class MetricInfo:
    """What the model reports for one catalogue metric."""

    entities: tuple[str, ...]
    unit: str
    tag: str


@dataclass
class History:
    """The rows of a history file, split into modelled, not modelled and not comparable."""

    path: str
    observations: list[Observation]
    not_modelled: list[str] = field(default_factory=list)
    not_comparable: dict[str, str] = field(default_factory=dict)

    def series(self) -> list[str]:
        return sorted({o.series for o in self.observations})

    def window(self, first: int, last: int, *, uses: tuple[str, ...] | None = None) -> list[Observation]:
        """Observations with ``first <= year <= last`` (and, if given, a ``use`` in ``uses``;
        rows without a ``use`` are always eligible). Nothing outside the window is returned."""
        return [
            o
            for o in self.observations
            if first <= o.year <= last and (uses is None or o.use is None or o.use in uses)
        ]


def model_catalogue(traj) -> dict[str, MetricInfo]:
    """The catalogue (metric -> entities, unit, tag) of a :class:`~zili.model.trajectory.Trajectory`."""
    return {b.metric: MetricInfo(tuple(b.entities), b.unit, b.tag) for b in traj.metrics}


def _unit_word(unit: str) -> str:
    return unit.split("(")[0].strip().split(" ")[0].lower() if unit.strip() else ""


def comparable_unit(history_unit: str, catalogue_unit: str) -> str | None:
    """None if a history unit can be compared with the catalogue unit, else the reason.

    The leading unit word must agree (``fraction``, ``RMB``, ``units``, ``firms``), and a
    catalogue unit with a qualifier in brackets (``fraction (modelled sectors only)``)
    only matches history units carrying the same qualifier: a figure measured on another
    base is not the model's quantity.
    """
    hw, cw = _unit_word(history_unit), _unit_word(catalogue_unit)
    aliases = {"units": {"units", "vehicles"}, "firms": {"firms", "firms/yr"}}
    if hw != cw and hw not in aliases.get(cw, set()):
        return f"unit {history_unit!r} is not the catalogue unit {catalogue_unit!r}"
    if "(" in catalogue_unit:
        qual = catalogue_unit[catalogue_unit.index("(") :]
        if qual not in history_unit:
            return f"unit {history_unit!r} lacks the catalogue qualifier {qual!r}"
    return None


def read_history(path: str | Path, catalogue: dict[str, MetricInfo] | None = None, *, strict: bool = False) -> History:
    """Read and check a history file.

    Parameters
    ----------
    path : str or Path
        CSV with at least ``series,year,value,unit,source`` (extra columns are kept out).
    catalogue : dict, optional
        Metric -> :class:`MetricInfo` (see :func:`model_catalogue`). Without it no series is
        checked against the model.
    strict : bool
        Treat a series whose metric is not in the catalogue as an error instead of
        listing it as not modelled.

    Returns
    -------
    History

    Raises
    ------
    HistoryError
        Missing columns, a malformed series name, a bad year, a non-numeric or
        non-finite value, an unknown ``use``, a duplicate (series, year), an unknown
        entity of a modelled metric, or (``strict``) an unknown metric.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{p}: cannot be read ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    cols = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise HistoryError(f"{p.name}: missing column(s) {', '.join(missing)}; allowed: a CSV with at least {','.join(REQUIRED_COLUMNS)}")
    obs: list[Observation] = []
    seen: dict[tuple[str, int], int] = {}
    not_modelled: set[str] = set()
    not_comparable: dict[str, str] = {}
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{p.name} line {i}"
        series = row["series"]
        if not _SERIES.match(series):
            raise HistoryError(f"{where}: series = {series!r} is malformed; allowed: metric or metric:entity (e.g. nev_sales_share, self_sufficiency:lithography)")
        try:
            year = int(row["year"])
        except ValueError:
            raise HistoryError(f"{where}: year = {row['year']!r} is not a year; allowed: an integer year such as 2018") from None
        if not 1900 <= year <= 2200:
            raise HistoryError(f"{where}: year = {year} is out of range; allowed: 1900 to 2200")
        try:
            value = float(row["value"])
        except ValueError:
            raise HistoryError(f"{where}: value = {row['value']!r} is not a number; allowed: a number in the catalogue unit") from None
        if not math.isfinite(value):
            raise HistoryError(f"{where}: value = {row['value']!r} is not finite; allowed: a finite number")
        use = row.get("use") or None
        if use is not None and use not in USES:
            raise HistoryError(f"{where}: use = {use!r} is unknown; allowed: {', '.join(USES)} or empty")
        key = (series, year)
        if key in seen:
            raise HistoryError(f"{where}: duplicate {series} {year} (also line {seen[key]}); allowed: one value per series and year")
        seen[key] = i
        metric, _, entity = series.partition(":")
        entity = entity or None
        if catalogue is not None:
            info = catalogue.get(metric)
            if info is None:
                if strict:
                    raise HistoryError(f"{where}: unknown series {series!r}; allowed: a catalogue metric ({', '.join(sorted(catalogue)[:6])}, ...)")
                not_modelled.add(series)
                continue
            if entity is None:
                if DEFAULT_ENTITY in info.entities:
                    entity = DEFAULT_ENTITY
                elif len(info.entities) == 1:
                    entity = info.entities[0]
                else:
                    raise HistoryError(f"{where}: series {series!r} needs an entity; allowed: {metric}:<entity> with entity in {', '.join(info.entities[:8])}, ...")
            elif entity not in info.entities:
                if strict:
                    raise HistoryError(f"{where}: unknown entity {entity!r} of {metric}; allowed: {', '.join(info.entities[:8])}, ...")
                not_modelled.add(series)
                continue
            reason = comparable_unit(row["unit"], info.unit)
            if reason is not None:
                not_comparable[series] = reason
                continue
        obs.append(Observation(series, metric, entity, year, value, row["unit"], row["source"], use, i))
    return History(str(p), obs, sorted(not_modelled), not_comparable)


def shipped_history() -> Path:
    """The history file that ships with zili (``zili/data/history.csv``)."""
    from zili.data import data_dir

    return data_dir() / "history.csv"
