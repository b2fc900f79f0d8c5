"""Runs as the report and the dashboard see them: labels, uncertainty, firm types, disclosure.

A report reads stored runs (a run directory or a catalogue id) or runs held in memory
(:class:`zili.store.Results`). This module adds what the figures need beyond the
Dataset and the ledger: a readable label per run, the sentence saying which uncertainty
a band shows, each firm's ownership type and which ledger flows are disclosed.

Rules (also in docs/REPORTS.md)
-------------------------------
* **Firm type** is the ownership a firm had when it entered the population: the
  starting population's ownership (named anchors from ``data/firms.csv``, synthetic
  firms drawn at compile) and ``startup`` for every firm created during the run.
  A later SOE acquisition does not relabel earlier flows. It is rebuilt from the
  run's fully resolved ``scenario.toml`` (compiling is deterministic and fast), so the
  ledger's columns stay as they are.
* **Disclosed flows** are flows of a fund whose size comes from a sourced scenario
  event: a ``fund_launch`` event (any payer) or a ``budget`` event (that payer) whose
  ``source`` carries an address (``http``) and is not marked ``UNSOURCED``. Everything
  else (background programmes, unsourced events) is **simulated**. Disclosed means the
  fund's size and its payers come from a source; where the money went inside the fund
  (node, firm) is always the model's allocation.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

OWNERSHIP_LABELS = {
    "central_soe": "central SOE",
    "local_soe": "local SOE",
    "private": "private firm",
    "startup": "startup",
    "foreign_fab": "foreign-owned fab",
    "jv": "joint venture",
}


class RunNotFound(LookupError):
    """A RUN reference names neither a run directory nor a catalogue id."""


def open_run(ref: str | Path, catalogue: str | Path | None = None):
    """Load a stored run by directory or by (a unique prefix of) its catalogue id.

    Parameters
    ----------
    ref : str or Path
        A run directory (holding ``meta.json``) or a run id or id prefix.
    catalogue : str or Path, optional
        Catalogue file or folder (default ``$ZILI_HOME`` or ``./runs``).

    Returns
    -------
    zili.store.Results

    Raises
    ------
    RunNotFound
        With a one-line reason when ``ref`` cannot be resolved.
    """
    from zili.store import Catalogue, Results

    path = Path(ref)
    if (path / "meta.json").is_file():
        return Results.load(path)
    if path.exists():
        raise RunNotFound(f"{ref}: not a complete zili run directory (no meta.json)")
    try:
        with Catalogue(catalogue, read_only=True) as cat:
            row = cat.get(str(ref))
    except FileNotFoundError as exc:
        raise RunNotFound(f"{ref}: no such run directory, and {exc}") from None
    except KeyError as exc:
        raise RunNotFound(f"{ref}: no such run directory, and {exc.args[0]}") from None
    except ValueError as exc:
        raise RunNotFound(str(exc)) from None
    out = Path(row["out_dir"])
    if not (out / "meta.json").is_file():
        raise RunNotFound(f"{ref}: the catalogue points at {out}, which is missing or incomplete")
    return Results.load(out)


def run_labels(runs: Sequence[Any]) -> list[str]:
    """A short, unique label per run: the scenario name, with the run id if names repeat."""
    names = [str(r.meta.get("scenario") or r.dataset.attrs.get("scenario") or "run") for r in runs]
    out = []
    for i, (name, r) in enumerate(zip(names, runs)):
        if names.count(name) > 1:
            rid = str(r.meta.get("run_id") or "")
            name = f"{name} [{rid[-6:] or i + 1}]"
        out.append(name)
    return out


def replicate_count(run: Any) -> int:
    """Number of stochastic replicates in a run."""
    return int(run.dataset.sizes.get("replicate", 1))


def draw_count(run: Any) -> int:
    """Number of posterior parameter draws a run combines (1: a single parameter set)."""
    return int(run.meta.get("draws", 1) or 1)


def band_note(runs: Sequence[Any]) -> str:
    """One sentence saying what the shaded bands show, for a figure caption."""
    reps = sorted({replicate_count(r) for r in runs})
    draws = sorted({draw_count(r) for r in runs})
    rtxt = "/".join(str(n) for n in reps)
    if max(reps) <= 1 and max(draws) <= 1:
        return "Lines: a single replicate and parameter set; no band (no uncertainty shown)."
    parts = []
    if max(reps) > 1:
        parts.append(f"Bands: 5-95% across {rtxt} replicates = stochastic uncertainty only")
    if max(draws) > 1:
        parts.append(f"{'/'.join(str(d) for d in draws)} posterior draws pooled = parameter uncertainty included")
    else:
        parts.append("parameter uncertainty (posterior draws) not shown")
    parts.append("structural variants appear as separate runs, never inside a band")
    return "; ".join(parts) + ". Lines: medians."


def _scenario(run: Any):
    from zili.scenario import validate

    return validate(tomllib.loads(run.scenario_toml))


@lru_cache(maxsize=16)
def _firm_types_from_toml(scenario_toml: str) -> tuple[pd.Series, dict[int, str]]:
    from zili import data as D
    from zili.scenario import validate
    from zili.scenario.compile import compile_world

    sc = validate(tomllib.loads(scenario_toml))
    world = compile_world(sc)
    owners = np.asarray(world.firm_owner)
    names = list(OWNERSHIP_LABELS)
    types = pd.Series([OWNERSHIP_LABELS[names[o]] for o in owners], index=np.asarray(world.firm_id, dtype=np.int64))
    anchor_keys = list(world.names.get("anchor", ())) if hasattr(world, "names") else []
    labels = {r["firm"]: r["label"] for r in D.table("firms")}
    anchors = {}
    for fid, a in zip(np.asarray(world.firm_id), np.asarray(world.firm_anchor)):
        if a >= 0 and a < len(anchor_keys):
            anchors[int(fid)] = labels.get(anchor_keys[a], anchor_keys[a])
    return types, anchors


def firm_types(run: Any, firm_ids: Iterable[int]) -> np.ndarray:
    """Ownership type at entry of each firm id (see the module docstring), as labels."""
    types, _ = _firm_types_from_toml(run.scenario_toml)
    ids = pd.Index(np.asarray(firm_ids, dtype=np.int64))
    out = types.reindex(ids).to_numpy(dtype=object)
    out[pd.isna(out)] = OWNERSHIP_LABELS["startup"]  # entrants created during the run
    return out


def named_firms(run: Any) -> dict[int, str]:
    """Firm id -> display name of the named anchor firms of a run."""
    return dict(_firm_types_from_toml(run.scenario_toml)[1])


def _sourced(source: str) -> bool:
    s = (source or "").strip()
    return "http" in s and not s.upper().startswith("UNSOURCED")


def disclosed_keys(run: Any) -> tuple[set[str], set[tuple[str, str]]]:
    """Funds (any payer) and (payer, fund) pairs whose size a sourced event sets."""
    sc = _scenario(run)
    funds, pairs = set(), set()
    for e in sc.events:
        if e.kind == "fund_launch" and _sourced(e.source):
            funds.add(e.fund)
        elif e.kind == "budget" and _sourced(e.source):
            pairs.add((e.payer, e.fund))
    return funds, pairs


def disclosed_mask(run: Any, ledger: pd.DataFrame) -> np.ndarray:
    """Boolean per ledger row: the flow belongs to a disclosed fund (see module docstring)."""
    funds, pairs = disclosed_keys(run)
    fund = ledger["fund"].astype(str).to_numpy()
    payer = ledger["payer"].astype(str).to_numpy()
    mask = np.isin(fund, list(funds)) if funds else np.zeros(len(ledger), bool)
    for p, f in pairs:
        mask |= (fund == f) & (payer == p)
    return mask
