"""What the dashboard does, without the widgets: build, validate and run scenarios.

Everything here goes through zili's public API (``zili.load_scenario``, ``zili.run``,
``zili.Results``) and the scenario layer's loader; the dashboard never reaches into
``zili.model``. Uploaded files are parsed as TOML and validated like any scenario;
nothing in them is executed, and they may only extend a shipped scenario.
"""

from __future__ import annotations

import io
import re
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

MAX_UPLOAD_BYTES = 1_000_000

# Main parameters the form edits: (--set path, label, kind, default or None = scenario's, min, max, step)
RUN_FIELDS = (
    ("run.firms", "synthetic firms", "int", 2000, 200, 200_000),
    ("run.replicates", "replicates (stochastic)", "int", 2, 1, 32),
    ("run.end_year", "end year", "int", 2025, 2016, 2035),
    ("run.seed", "seed", "int", None, 0, 2**31 - 1),
)
SWITCHES = (
    ("params.capital.province_race", "provinces race for the same projects"),
    ("params.capital.crowding_out", "public money crowds out private VC"),
    ("params.finance.soft_budget", "soft budget constraint for SOEs"),
    ("params.innovation.ai_compute_bound", "AI progress bounded by AI-chip access"),
)
SLIDERS = (
    ("params.capital.fund_deploy_rate", "fund deployment rate", 0.05, 1.0, 0.05),
    ("params.priorities.financial_weight", "priority of the financial economy", 0.0, 1.0, 0.05),
    ("params.market.qualification_lag_years", "qualification lag for domestic substitutes (years)", 1.0, 8.0, 0.5),
    ("params.innovation.rd_effect", "capability gain per unit of R&D", 0.0, 0.5, 0.01),
)
CONTROL_INSTRUMENTS = ("servicing_ban", "country_rule", "entity_listing", "fdpr")
COUNTRIES = ("US", "NL", "JP", "KR", "TW", "EU")


class UploadError(ValueError):
    """An uploaded file that is not a usable scenario (message is one line)."""


def shipped() -> list[str]:
    """Names of the shipped scenarios."""
    from zili.scenario import shipped_scenarios

    return list(shipped_scenarios())


def known(kind: str) -> list[str]:
    """Known ids of a kind (``node``, ``fund``, ``payer``) from the shipped data."""
    from zili import data as D

    table, col = {"node": ("nodes", "node"), "fund": ("funds", "fund"), "payer": ("payers", "payer")}[kind]
    return [r[col] for r in D.table(table)]


def raw(name: str) -> dict[str, Any]:
    """The merged raw document of a shipped scenario (not yet validated)."""
    from zili.scenario.load import raw_scenario

    return raw_scenario(name)


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(name or "upload.toml").name).strip("-.") or "upload"
    return stem if stem.endswith(".toml") else f"{stem}.toml"


def read_upload(filename: str, content: bytes | str) -> dict[str, Any]:
    """Parse and validate an uploaded scenario; return its raw document.

    The text is written to a fresh temporary folder under the uploaded file's name and
    loaded exactly as ``zili run FILE`` would load it, so a bad file gets the same
    one-line message. Only TOML is parsed; nothing is executed.

    Raises
    ------
    UploadError
        Too large, not UTF-8, or extends something other than a shipped scenario.
    zili.ScenarioError
        The file is not a valid scenario (the CLI's message).
    """
    from zili.scenario.load import ScenarioError, load_scenario, raw_scenario

    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"{_safe_name(filename)}: {len(data):,} bytes; allowed: a scenario file up to {MAX_UPLOAD_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadError(f"{_safe_name(filename)}: not UTF-8 text; allowed: a TOML file as described in docs/SCENARIOS.md") from None
    try:
        parent = tomllib.loads(text).get("extends")
    except tomllib.TOMLDecodeError:
        parent = None  # the loader below gives the CLI's message
    if parent is not None and (not isinstance(parent, str) or parent not in shipped()):
        raise UploadError(f"extends = {parent!r}: an uploaded scenario may only extend a shipped scenario ({', '.join(shipped())})")
    with tempfile.TemporaryDirectory(prefix="zili-upload-") as tmp:
        path = Path(tmp) / _safe_name(filename)
        path.write_text(text, encoding="utf-8")
        load_scenario(path)  # raises ScenarioError with the CLI's one line
        doc = raw_scenario(path)
    doc.pop("extends", None)
    return doc


def error_line(exc: Exception) -> str:
    """The line the CLI prints for a bad scenario."""
    return f"error: {exc}"


def export_control_event(name: str, *, instrument: str, imposing: list[str], nodes: list[str], tiers: list[str], severity: float, announce: int, effect: int) -> dict:
    """A raw ``export_control`` event (validated with the scenario)."""
    return {"name": name, "kind": "export_control", "instrument": instrument, "imposing": list(imposing), "nodes": list(nodes), "tiers": list(tiers), "severity": float(severity), "announce": int(announce), "effect": int(effect), "source": "dashboard: user-defined event"}


def fund_launch_event(name: str, *, fund: str, size_rmb_bn: float, years: int, effect: int, node: str, payer: str = "mof", instrument: str = "equity") -> dict:
    """A raw ``fund_launch`` event paying ``size_rmb_bn`` in equal instalments over ``years`` years."""
    years = max(int(years), 1)
    per = round(float(size_rmb_bn) / years, 6)
    return {
        "name": name, "kind": "fund_launch", "fund": fund, "registered_rmb_bn": float(size_rmb_bn),
        "paid_in_rmb_bn": {int(effect) + i: per for i in range(years)}, "payers": {payer: 1.0}, "mandate": {node: 1.0},
        "instrument": instrument, "selection": "champions", "announce": int(effect), "effect": int(effect),
        "source": "dashboard: user-defined event (simulated, not disclosed)",
    }


@dataclass
class Draft:
    """The scenario being edited: a base document, overrides, added and removed events."""

    base: dict[str, Any]
    sets: dict[str, Any] = field(default_factory=dict)
    added: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # events announced after the end year

    def document(self) -> dict[str, Any]:
        """The raw document with every edit applied."""
        import copy

        from zili.scenario.load import apply_sets, end_events

        doc = copy.deepcopy(self.base)
        doc.pop("extends", None)
        events = [e for e in doc.get("events", []) if e.get("name") not in set(self.removed)]
        names = {e.get("name") for e in events}
        events += [e for e in self.added if e.get("name") not in names]
        doc["events"] = events
        doc["remove_events"] = []
        doc = apply_sets(doc, [f"{k}={_fmt(v)}" for k, v in self.sets.items() if v is not None])
        # a shorter horizon leaves out the events announced or acting after it (the scenario layer's rule)
        end = doc.get("run", {}).get("end_year")
        if isinstance(end, int):
            end_events(doc, end)
        kept = {e.get("name") for e in doc["events"]}
        self.left_out = [e.get("name") for e in events if e.get("name") not in kept]
        return doc

    def scenario(self):
        """The validated Scenario (raises zili.ScenarioError with the CLI's message)."""
        from zili.scenario.load import validate

        return validate(self.document())


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def event_names(doc: dict[str, Any]) -> list[str]:
    """Names of the events in a raw document."""
    return [str(e.get("name")) for e in doc.get("events", [])]


def current_value(doc: dict[str, Any], path: str) -> Any:
    """Value at a dotted path of a validated scenario (schema defaults included)."""
    from zili.scenario.load import validate

    node: Any = validate(doc)
    for k in path.split("."):
        node = getattr(node, k)
    return node


class Progress:
    """Progress sink for ``zili.run`` reporting a fraction to a callback."""

    def __init__(self, report: Callable[[float], None]):
        self.report, self.total, self.done = report, 1, 0

    def start(self, total: int) -> None:
        self.total, self.done = max(int(total), 1), 0
        self.report(0.0)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self.report(min(self.done / self.total, 1.0))

    def stop(self) -> None:
        self.report(1.0)


def simulate(sc, progress: Callable[[float], None] | None = None):
    """Run a validated scenario through ``zili.run`` and wrap it as ``zili.Results``."""
    import zili
    from zili.scenario import to_toml

    t0 = time.perf_counter()
    traj, meta = zili.run(sc, progress=Progress(progress or (lambda f: None)))
    meta.update(wall_seconds=round(time.perf_counter() - t0, 2), firms_synthetic=sc.run.firms, source="dashboard")
    return zili.Results.from_trajectory(traj, scenario=sc.name, scenario_toml=to_toml(sc), meta=meta)


def matched_baseline(sc):
    """The shipped baseline with the same run settings (years, replicates, firms, seed)."""
    sets = {f"run.{k}": v for k, v in sc.run.model_dump(mode="json").items()}
    return Draft(raw("baseline"), sets=sets).scenario()


def results_zip(results) -> bytes:
    """A run's files (scenario.toml, metrics.parquet, ledger.parquet, meta.json) as a zip."""
    from zili.store import write_run

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="zili-download-") as tmp:
        out = write_run(Path(tmp) / "run", results)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(out.iterdir()):
                zf.write(p, arcname=f"{results.meta.get('run_id', 'run')}/{p.name}")
    return buf.getvalue()
