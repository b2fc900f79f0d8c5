"""Past shocks replayed as paired runs (no I/O).

Each shock is a pair of scenario documents run with the same seed and the same
replicate ids (``zili.run(sc, paired=False)``): the scenario as it is (the shock
happened) and a counterfactual in which the shock did not happen (its event removed, or
the policy level held). The effect is ``scenario - counterfactual`` per replicate, so the
stochastic noise common to both runs cancels; we report its median and 5-95% range, and
compare its sign with an expected sign written down beforehand with its reasoning (never
fitted). A check with an ambiguous expected sign ("?") is reported but not counted in
``sign_ok``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

Doc = dict[str, Any]


def _event(doc: Doc, name: str) -> dict[str, Any] | None:
    for e in doc.get("events", []):
        if e.get("name") == name:
            return e
    return None


def remove_named(doc: Doc, names: Sequence[str]) -> Doc:
    """The document without the named events."""
    d = copy.deepcopy(doc)
    d["events"] = [e for e in d.get("events", []) if e.get("name") not in set(names)]
    d["remove_events"] = [n for n in d.get("remove_events", []) if n not in set(names)]
    return d


def _level_at(schedule: dict, year: int) -> float | None:
    """Step-held schedule value at ``year`` (the latest key <= year)."""
    keys = sorted(int(k) for k in schedule)
    past = [k for k in keys if k <= year]
    if not past:
        return None
    v = schedule.get(str(past[-1]), schedule.get(past[-1]))
    return v


def hold_subsidy(doc: Doc, *, from_year: int, years: Sequence[int], event: str = "nev_purchase_subsidy") -> Doc:
    """The document with the purchase subsidy per band held at its ``from_year`` level in
    ``years`` (and its ``end`` extended to cover them). A subsidy that ended before
    ``from_year`` is left as it is."""
    d = copy.deepcopy(doc)
    e = _event(d, event)
    if e is None:
        raise KeyError(f"event {event!r} not in the scenario")
    if "end" in e and int(e["end"]) < from_year:
        return d  # the subsidy had already ended: nothing to hold (the shock did not happen here)
    bands = e.get("value_by_band_rmb", {})
    for band, sched in bands.items():
        level = _level_at(sched, from_year)
        if level is None:
            continue
        keyed_str = any(isinstance(k, str) for k in sched)
        for y in years:
            sched[str(y) if keyed_str else int(y)] = level
    if "end" in e:
        e["end"] = max(int(e["end"]), max(int(y) for y in years))
    return d


@dataclass
class Outcome:
    """One measured effect of one shock."""

    metric: str
    entity: str
    years: tuple[int, ...]
    expected: str  # "+", "-", "0" or "?"
    how: str = "mean"  # mean over years, or "growth": growth rate in the last year
    median: float = math.nan
    q05: float = math.nan
    q95: float = math.nan
    scenario: float = math.nan
    counterfactual: float = math.nan
    values: list[float] = field(default_factory=list)

    @property
    def sign(self) -> str:
        if math.isnan(self.median):
            return "nan"
        tol = 1e-12 * max(1.0, abs(self.scenario), abs(self.counterfactual))
        return "0" if abs(self.median) <= tol else ("+" if self.median > 0 else "-")

    @property
    def sign_ok(self) -> bool | None:
        if self.expected == "?" or self.sign == "nan":
            return None
        return self.sign == self.expected


@dataclass
class Shock:
    """A past shock: how to build its counterfactual, what to measure, and why."""

    name: str
    description: str
    counterfactual: Callable[[Doc], Doc]
    outcomes: list[Outcome]
    reasoning: str
    last_year: int
    requires: tuple[str, ...] = ()
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "reasoning": self.reasoning, "last_year": self.last_year, "skipped": self.skipped,
            "outcomes": [dict(asdict(o), sign=o.sign, sign_ok=o.sign_ok) for o in self.outcomes],
        }


def measure(traj, o: Outcome) -> np.ndarray:
    """Per-replicate statistic of one outcome on one trajectory."""
    yrs = [int(y) for y in traj.years]
    v = traj.value(o.metric, o.entity)
    if o.how == "growth":
        y = o.years[-1]
        i = yrs.index(y)
        prev = v[:, i - 1]
        return np.where(prev > 0, v[:, i] / np.where(prev > 0, prev, 1.0) - 1.0, np.nan)
    idx = [yrs.index(y) for y in o.years]
    return v[:, idx].mean(axis=1)


def paired_effect(traj, cf, o: Outcome) -> Outcome:
    """Fill ``o`` with the paired difference scenario - counterfactual."""
    if not np.array_equal(np.asarray(traj.replicates), np.asarray(cf.replicates)):
        raise ValueError("paired runs need the same replicate ids")
    a, b = measure(traj, o), measure(cf, o)
    d = a - b
    d = d[~np.isnan(d)]
    if d.size:
        o.median, o.q05, o.q95 = float(np.median(d)), float(np.quantile(d, 0.05)), float(np.quantile(d, 0.95))
    o.scenario, o.counterfactual = float(np.nanmedian(a)), float(np.nanmedian(b))
    o.values = d.tolist()
    return o


def shipped_shocks() -> list[Shock]:
    """The four shocks of issue 5, with expected signs reasoned from the mechanism."""
    return [
        Shock(
            "nev_subsidy_cut_2019",
            "2019 NEV purchase-subsidy cut: counterfactual holds the 2018 per-band subsidy through 2019",
            lambda d: hold_subsidy(d, from_year=2018, years=[2019]),
            [Outcome("nev_sales_share", "china", (2019,), "-"), Outcome("nev_sales", "china", (2019,), "-", how="growth")],
            "a lower purchase subsidy raises the effective price of NEVs relative to ICE cars, so "
            "adoption (share) and sales growth in 2019 are lower with the cut (observed: 2019 sales fell ~4%, the first fall)",
            2019,
            ("nev_purchase_subsidy",),
        ),
        Shock(
            "us_huawei_fdpr_2020",
            "2020 foreign direct product rule on Huawei: counterfactual removes us_huawei_fdpr_2020",
            lambda d: remove_named(d, ["us_huawei_fdpr_2020"]),
            [Outcome("output", "base_stations", (2020, 2021), "-"), Outcome("output", "chip_design", (2020, 2021), "-")],
            "the rule cuts imported advanced foundry service (TSMC stops HiSilicon), the input of "
            "domestic chip design and of base-station equipment, so their output falls",
            2021,
            ("us_huawei_fdpr_2020",),
        ),
        Shock(
            "us_oct2022_controls",
            "October 2022 country rules and servicing ban: counterfactual removes us_oct2022_sme, us_oct2022_ai_chips, us_servicing_advanced_fabs_2022",
            lambda d: remove_named(d, ["us_oct2022_sme", "us_oct2022_ai_chips", "us_servicing_advanced_fabs_2022"]),
            [
                Outcome("self_sufficiency", "logic_fab:advanced", (2023, 2024), "?"),
                Outcome("output", "ai_chips", (2023, 2024), "?"),
                Outcome("output", "ai_models", (2023, 2024), "-"),
            ],
            "ai_models need imported AI accelerators, so their output falls (-). Self-sufficiency of advanced "
            "logic and domestic ai_chips output are ambiguous (?): denied imports raise the domestic share and "
            "demand for domestic chips, while tool denial and the servicing ban cap domestic advanced capacity",
            2024,
            ("us_oct2022_sme", "us_oct2022_ai_chips", "us_servicing_advanced_fabs_2022"),
        ),
        Shock(
            "nev_subsidy_end_2022",
            "end of the central NEV purchase subsidy after 2022: counterfactual continues the 2022 subsidy into 2023",
            lambda d: hold_subsidy(d, from_year=2022, years=[2023]),
            [Outcome("nev_sales_share", "china", (2023,), "-")],
            "as for the 2019 cut: removing the subsidy raises NEV prices, so the 2023 share is lower "
            "than with the subsidy continued (observed: share kept rising, carried by falling battery costs)",
            2023,
            ("nev_purchase_subsidy",),
        ),
    ]


def run_shock(shock: Shock, doc: Doc, run_doc: Callable[[Doc], Any], base=None) -> Shock:
    """Run the counterfactual of ``shock`` (and the scenario unless ``base`` is given) and
    fill its outcomes. ``run_doc`` maps a raw document to a Trajectory (same seed and
    replicates every call)."""
    names = {e.get("name") for e in doc.get("events", [])} - set(doc.get("remove_events", []))
    missing = [n for n in shock.requires if n not in names]
    if missing:
        shock.skipped = f"not in the scenario (run to {doc.get('run', {}).get('end_year')}): {', '.join(missing)}"
        return shock
    cf_doc = shock.counterfactual(doc)
    if cf_doc == doc:
        shock.skipped = "the counterfactual equals the scenario (the shock is not in it)"
        return shock
    traj = base if base is not None else run_doc(doc)
    cf = run_doc(cf_doc)
    for o in shock.outcomes:
        paired_effect(traj, cf, o)
    return shock
