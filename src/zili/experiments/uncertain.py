"""Declared uncertainty: parameter distributions, posterior draws and structural variants.

A scenario file may carry, next to its ``[run]``, ``[params]`` and ``[[events]]``:

```toml
[[uncertain]]                       # one table per uncertain parameter
name = "params.capital.fund_deploy_rate"
dist = "uniform"                    # uniform | normal | triangular | loguniform
low = 0.3
high = 0.8

[[uncertain]]
name = "nodes:lithography:demand_growth"   # an unsourced data value ('file:key:column')
dist = "triangular"
low = 0.05
mode = 0.1
high = 0.2

[[variants]]                        # structural variants: mechanisms switched on or off
name = "no_crowding_out"
set = { "params.capital.crowding_out" = false }
```

The calibrated posterior draws (the scenario's ``[posterior]`` table, written by
``zili calibrate``) are the third way to draw parameters (``--method posterior``).
These sections are read by :func:`load_experiment` and validated here with the same
strictness as the scenario itself (unknown names, bounds outside a parameter's range
and wrong types are errors naming the field, the value and what is allowed); the rest
of the file is validated by :func:`zili.scenario.validate`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zili.scenario import Scenario, ScenarioError, parameter_table, validate
from zili.scenario.load import apply_sets, raw_with_origins

SWITCHES = (
    "params.capital.crowding_out",
    "params.capital.province_race",
    "params.finance.soft_budget",
    "params.innovation.ai_compute_bound",
)
EXPERIMENT_KEYS = ("uncertain", "variants")


def _parameters() -> dict[str, dict[str, Any]]:
    return {f"params.{r['name']}": r for r in parameter_table()}


def canonical_name(name: str) -> str:
    """``capital.x`` -> ``params.capital.x``; ``data:f:k:c`` -> ``f:k:c``; others unchanged."""
    name = name.strip()
    if name.startswith(("data:", "data.")):
        return name[len("data:"):]
    if ":" not in name and not name.startswith("params.") and f"params.{name}" in _parameters():
        return f"params.{name}"
    return name


def parameter_info(name: str) -> dict[str, Any]:
    """Range, default and type of an uncertain quantity (a parameter or an unsourced data value).

    Raises
    ------
    ScenarioError
        If the name is neither.
    """
    from zili.data import unsourced_parameters

    name = canonical_name(name)
    table = _parameters()
    if name in table:
        row = table[name]
        lo, hi = row["range"]
        default = row["default"]
        kind = "bool" if isinstance(default, bool) else ("int" if isinstance(default, int) else "float")
        return {"name": name, "low": lo, "high": hi, "default": default, "type": kind, "where": "params"}
    data = unsourced_parameters()
    if name in data:
        p = data[name]
        return {"name": name, "low": float(p.low), "high": float(p.high), "default": float(p.default), "type": "float", "where": "data"}
    sample = ", ".join(list(table)[:3])
    raise ScenarioError(f"uncertain.name = {name!r}: unknown; allowed: a parameter such as {sample} (see `zili describe params`) or an unsourced data value 'file:key:column' (`zili describe data`)")


class Uncertain(BaseModel):
    """One uncertain parameter and its distribution (bounds are always within the parameter's range)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="dotted parameter name or unsourced data key 'file:key:column'")
    dist: Literal["uniform", "normal", "triangular", "loguniform"] = "uniform"
    low: float | None = Field(None, description="lower bound (default: the parameter's range)")
    high: float | None = Field(None, description="upper bound (default: the parameter's range)")
    mean: float | None = Field(None, description="normal: mean (default: midpoint of the bounds)")
    sd: float | None = Field(None, gt=0, description="normal: standard deviation (default: a quarter of the bounds' width); truncated to the bounds")
    mode: float | None = Field(None, description="triangular: mode (default: the parameter's default)")

    @model_validator(mode="after")
    def _check(self):
        info = parameter_info(self.name)
        if info["type"] == "bool":
            raise ValueError(f"{self.name} is an on/off switch; allowed: list it under [[variants]] (a structural variant)")
        self.name = info["name"]
        lo, hi = info["low"], info["high"]
        low = lo if self.low is None else self.low
        high = hi if self.high is None else self.high
        if not lo <= low < high <= hi:
            raise ValueError(f"{self.name}: bounds {low} to {high}; allowed: low < high within the parameter's range {lo} to {hi}")
        self.low, self.high = float(low), float(high)
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"{self.name}: loguniform needs low > 0; got {self.low}")
        if self.dist == "triangular":
            mode = info["default"] if self.mode is None else self.mode
            if not self.low <= mode <= self.high:
                raise ValueError(f"{self.name}: mode {mode}; allowed: between low {self.low} and high {self.high}")
            self.mode = float(mode)
        if self.dist == "normal":
            self.mean = (self.low + self.high) / 2 if self.mean is None else float(self.mean)
            self.sd = (self.high - self.low) / 4 if self.sd is None else float(self.sd)
        return self

    @property
    def integer(self) -> bool:
        return parameter_info(self.name)["type"] == "int"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniform(0, 1) numbers to this distribution (inverse CDF), then round integer parameters."""
        from scipy import stats

        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        lo, hi = self.low, self.high
        if self.dist == "uniform":
            x = lo + u * (hi - lo)
        elif self.dist == "loguniform":
            x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        elif self.dist == "triangular":
            c = (self.mode - lo) / (hi - lo)
            x = stats.triang.ppf(u, c, loc=lo, scale=hi - lo)
        else:
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        x = np.clip(x, lo, hi)
        return np.round(x) if self.integer else x


class Variant(BaseModel):
    """A structural variant: a named set of switch (or parameter) values."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.:+=-]+$")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted name -> value, like --set")

    @model_validator(mode="after")
    def _check(self):
        fixed = {}
        for key, value in self.set.items():
            info = parameter_info(key)
            if info["type"] == "bool" and not isinstance(value, bool):
                raise ValueError(f"variants.{self.name}.set.{key} = {value!r}: wrong value; allowed: true or false")
            if info["type"] != "bool" and not (isinstance(value, (int, float)) and info["low"] <= value <= info["high"]):
                raise ValueError(f"variants.{self.name}.set.{key} = {value!r}: allowed: a number from {info['low']} to {info['high']}")
            fixed[info["name"]] = value
        self.set = fixed
        return self


class UncertainSpace(BaseModel):
    """The uncertainty of an experiment: parameter distributions, posterior draws, variants."""

    model_config = ConfigDict(extra="forbid")

    uncertain: list[Uncertain] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self):
        names = [u.name for u in self.uncertain]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"uncertain: {dupes[0]!r} declared twice; allowed: each parameter once")
        vnames = [v.name for v in self.variants]
        if len(set(vnames)) != len(vnames) or "default" in vnames:
            raise ValueError("variants: names must be unique and not 'default' (the scenario as written)")
        return self

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.uncertain]

    def variant_sets(self) -> dict[str, dict[str, Any]]:
        """``{"default": {}, name: {param: value}, ...}``: the scenario as written comes first."""
        return {"default": {}, **{v.name: dict(v.set) for v in self.variants}}


def default_space(kinds: tuple[str, ...] = ("free", "prior"), include_data: bool = False, include_int: bool = False) -> list[Uncertain]:
    """Uniform distributions over the stated ranges of every non-sourced real-valued parameter.

    Used when a scenario declares no ``[[uncertain]]``: an honest default that treats
    every free or literature-prior parameter as uncertain within its stated range.
    Integer parameters (caps on deals and entries, population floors, lags) are left
    out unless ``include_int``: they are mostly computational limits whose upper ends
    multiply run time; declare them explicitly to vary them.
    """
    out = []
    for r in parameter_table():
        if r["kind"] not in kinds or isinstance(r["default"], bool):
            continue
        if isinstance(r["default"], int) and not include_int:
            continue
        out.append(Uncertain(name=f"params.{r['name']}"))
    if include_data:
        from zili.data import unsourced_parameters

        out += [Uncertain(name=k) for k, p in unsourced_parameters().items() if p.high > p.low]
    return out


def switch_variants(sc: Scenario, switches: list[str]) -> list[Variant]:
    """One variant per switch, flipped from the scenario's value (ablation of that mechanism)."""
    out = []
    for s in switches:
        info = parameter_info(s)
        if info["type"] != "bool":
            raise ScenarioError(f"--variant {s!r}: not an on/off switch; allowed: {', '.join(SWITCHES)}")
        _, group, name = info["name"].split(".", 2)
        value = not getattr(getattr(sc.params, group), name)
        out.append(Variant(name=f"{name}={'on' if value else 'off'}", set={info["name"]: value}))
    return out


def _format(exc: ValidationError) -> str:
    e = exc.errors(include_url=False)[0]
    loc = ".".join(str(x) for x in e.get("loc", ()))
    msg = e.get("msg", "").removeprefix("Value error, ")
    if e.get("type") == "extra_forbidden":
        return f"{loc}: unknown field; allowed: name, dist, low, high, mean, sd, mode (uncertain) or name, set (variants)"
    return f"{loc}: {msg}" if loc else msg


def make_uncertain(**fields: Any) -> Uncertain:
    """An :class:`Uncertain`, raising :class:`ScenarioError` with one clear line when invalid."""
    try:
        return Uncertain(**fields)
    except ValidationError as exc:
        raise ScenarioError(_format(exc)) from None


def validate_space(doc: dict[str, Any]) -> UncertainSpace:
    """Validate the experiment sections of a raw scenario dict, with one clear message."""
    try:
        return UncertainSpace.model_validate({k: doc[k] for k in EXPERIMENT_KEYS if k in doc})
    except ValidationError as exc:
        raise ScenarioError(_format(exc)) from None


def load_experiment(ref: str | Path, *, sets: list[str] | None = None) -> tuple[Scenario, UncertainSpace]:
    """Load a scenario and its declared uncertainty.

    Parameters
    ----------
    ref : str or Path
        Shipped scenario name or TOML path (``extends`` layering applies; experiment
        sections are inherited like any table).
    sets : list of str, optional
        ``--set`` overrides applied to the scenario part.

    Returns
    -------
    (Scenario, UncertainSpace)
    """
    doc, origins = raw_with_origins(ref)
    space = validate_space(doc)
    body = {k: v for k, v in doc.items() if k not in EXPERIMENT_KEYS}
    if sets:
        body = apply_sets(body, sets)
    return validate(copy.deepcopy(body), origins), space


def apply_values(sc: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``sc`` with parameter and data values replaced (no re-validation needed:
    values come from validated distributions or switches).

    Parameters
    ----------
    sc : Scenario
    values : dict
        ``params.group.name`` or ``file:key:column`` -> value; a switch may take ``"flip"``.
    """
    if not values:
        return sc
    params = sc.params
    data = dict(sc.data)
    groups: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if key.startswith("params."):
            _, group, name = key.split(".", 2)
            current = getattr(getattr(params, group), name)
            if value == "flip":
                value = not current
            elif isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int):
                value = int(round(float(value)))
            else:
                value = float(value)
            groups.setdefault(group, {})[name] = value
        else:
            data[key] = float(value)
    if groups:
        params = params.model_copy(update={g: getattr(params, g).model_copy(update=upd) for g, upd in groups.items()})
    return sc.model_copy(update={"params": params, "data": data})
