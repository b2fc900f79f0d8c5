"""Sweeps: batches of design rows run on any executor, with Parquet shards and resume.

A sweep directory holds ``sweep.json`` (what is being run, with a fingerprint),
``design.parquet`` (the parameter draws), ``scenario.toml`` (the fully resolved
scenario) and ``shards/batch-NNNNNN.parquet``, one per batch, written by the worker
that ran it under a temporary name and renamed when complete. Restarting the same
command reads which shards exist and runs only the missing batches, so an interrupted
sweep completes with no duplicate or lost rows. The main process alone writes the
DuckDB catalogue, once the sweep is complete.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from zili.execution.base import Executor
from zili.experiments.design import batches, draw_entropy
from zili.experiments.evaluate import BatchTask, Row, evaluate_batch
from zili.scenario import Scenario, to_toml

SHARD_DIR = "shards"
SHARD_RE = re.compile(r"^batch-(\d{6})\.parquet$")
STATUS_KEY = b"zili.status"
SHARD_COLUMNS = ("draw", "variant", "replicate", "year", "metric", "entity", "value", "tag")


class SweepMismatch(ValueError):
    """The output directory holds a different sweep (another scenario, design or seed)."""


class NoProgress:
    """Progress sink that does nothing (the default)."""

    def start(self, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Sweep:
    """What to run: a scenario, a design of draws, structural variants and replicates.

    Parameters
    ----------
    kind : str
        ``ensemble``, ``sensitivity`` or ``discover`` (recorded in the catalogue).
    scenario : Scenario
        Validated base scenario.
    design : pandas.DataFrame
        ``draw`` then one column per uncertain parameter.
    variants : dict
        ``variant name -> {parameter: value}``; ``{"default": {}}`` for none.
    replicates : int
        Stochastic replicates per draw and variant.
    seed : int
        Root seed; normalised once with ``root_entropy`` and spawned per batch.
    batch_size : int
        Draws per batch (every variant of a draw runs in the same batch). Part of the
        sweep's identity: changing it changes the draws' seeds.
    paired : bool
        Run the no-control counterfactual (needed for ``output_at_risk``).
    metrics : tuple of str, optional
        Keep only these metrics in the shards (all when None).
    info : dict
        Further provenance (method, target ...), stored in ``sweep.json``.
    """

    kind: str
    scenario: Scenario
    design: pd.DataFrame
    variants: dict[str, dict[str, Any]] = field(default_factory=lambda: {"default": {}})
    replicates: int = 1
    seed: int = 0
    batch_size: int = 8
    paired: bool = True
    metrics: tuple[str, ...] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def entropy(self) -> int:
        from zili.model.rng import root_entropy

        return root_entropy(self.seed)

    @property
    def params(self) -> list[str]:
        return [c for c in self.design.columns if c != "draw"]

    def manifest(self) -> dict[str, Any]:
        toml = to_toml(self.scenario)
        design_csv = self.design.to_csv(index=False, float_format="%.17g")
        body = {
            "kind": self.kind,
            "scenario": self.scenario.name,
            "scenario_sha256": hashlib.sha256(toml.encode()).hexdigest(),
            "design_sha256": hashlib.sha256(design_csv.encode()).hexdigest(),
            "draws": int(len(self.design)),
            "params": self.params,
            "variants": self.variants,
            "replicates": int(self.replicates),
            "seed": int(self.seed),
            "seed_entropy": str(self.entropy),
            "batch_size": int(self.batch_size),
            "paired": bool(self.paired),
            "metrics": list(self.metrics) if self.metrics else None,
            "info": self.info,
        }
        body["fingerprint"] = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return body

    def tasks(self, out_dir: Path, only: set[int] | None = None) -> list[BatchTask]:
        root = self.entropy
        values = self.design[self.params].to_dict("records")
        draws = self.design["draw"].to_numpy()
        out = []
        for b, idx in enumerate(batches(len(self.design), self.batch_size)):
            if only is not None and b not in only:
                continue
            rows = [
                Row(draw=int(draws[i]), variant=v, values={**values[i], **vset}, entropy=draw_entropy(root, int(i), self.batch_size))
                for i in idx
                for v, vset in self.variants.items()
            ]
            out.append(BatchTask(batch=b, scenario=self.scenario, rows=rows, replicates=self.replicates, paired=self.paired, metrics=self.metrics, out_dir=str(out_dir)))
        return out

    @property
    def n_batches(self) -> int:
        return len(batches(len(self.design), self.batch_size))


def shard_path(out_dir: Path, batch: int) -> Path:
    return Path(out_dir) / SHARD_DIR / f"batch-{batch:06d}.parquet"


def _empty_table() -> pa.Table:
    return pa.table({
        "draw": pa.array([], pa.int64()), "variant": pa.array([], pa.string()), "replicate": pa.array([], pa.int64()),
        "year": pa.array([], pa.int64()), "metric": pa.array([], pa.string()), "entity": pa.array([], pa.string()),
        "value": pa.array([], pa.float64()), "tag": pa.array([], pa.string()),
    })


def write_shard(path: Path, frame: pd.DataFrame, status: list[dict[str, Any]]) -> None:
    """Write one batch's rows atomically: a temporary name in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if frame.empty:
        table = _empty_table()
    else:
        frame = frame[list(SHARD_COLUMNS)]
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(_empty_table().schema)
    meta = dict(table.schema.metadata or {})
    meta[STATUS_KEY] = json.dumps(status).encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def run_batch(task: BatchTask) -> dict[str, Any]:
    """Worker entry point: evaluate a batch and write its shard; returns a small summary."""
    t0 = time.perf_counter()
    frame, status = evaluate_batch(task)
    write_shard(shard_path(Path(task.out_dir), task.batch), frame, status)
    return {"batch": task.batch, "rows": int(len(frame)), "status": status, "seconds": time.perf_counter() - t0, "pid": os.getpid()}


def completed_batches(out_dir: Path) -> set[int]:
    """Indices of batches whose shard is complete (temporary files never count)."""
    d = Path(out_dir) / SHARD_DIR
    if not d.is_dir():
        return set()
    return {int(m.group(1)) for p in d.iterdir() if (m := SHARD_RE.match(p.name))}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def prepare(sweep: Sweep, out_dir: Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Create or check the sweep directory; returns the manifest.

    Raises
    ------
    SweepMismatch
        If ``out_dir`` holds another sweep and ``overwrite`` is False.
    """
    out_dir = Path(out_dir)
    manifest = sweep.manifest()
    existing = out_dir / "sweep.json"
    if existing.exists():
        old = json.loads(existing.read_text())
        if old.get("fingerprint") != manifest["fingerprint"]:
            if not overwrite:
                raise SweepMismatch(
                    f"{out_dir} holds another sweep (fingerprint {old.get('fingerprint')}, this one {manifest['fingerprint']}); "
                    "allowed: the same command to resume, another --out, or --overwrite"
                )
            import shutil

            shutil.rmtree(out_dir / SHARD_DIR, ignore_errors=True)
        else:
            return manifest
    out_dir.mkdir(parents=True, exist_ok=True)
    sweep.design.to_parquet(out_dir / ".design.tmp.parquet", index=False)
    os.replace(out_dir / ".design.tmp.parquet", out_dir / "design.parquet")
    _write_atomic(out_dir / "scenario.toml", to_toml(sweep.scenario))
    _write_atomic(out_dir / "sweep.json", json.dumps({**manifest, "created_utc": _dt.datetime.now(_dt.UTC).isoformat()}, indent=2, default=str))
    return manifest


@dataclass
class SweepResult:
    """A complete sweep directory and how it ran."""

    out_dir: Path
    manifest: dict[str, Any]
    ran_batches: int = 0
    resumed_batches: int = 0
    wall_seconds: float = 0.0
    backend: str = "serial"

    def frame(self, metrics: list[str] | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        """All shard rows (optionally only some metrics), sorted by draw, variant, replicate, year, metric, entity."""
        ds = pads.dataset(str(self.out_dir / SHARD_DIR), format="parquet", exclude_invalid_files=True)
        files = [f for f in ds.files if SHARD_RE.match(Path(f).name)]
        ds = pads.dataset(files, format="parquet")
        flt = pads.field("metric").isin(metrics) if metrics else None
        frame = ds.to_table(filter=flt, columns=columns).to_pandas()
        keys = [c for c in ("draw", "variant", "replicate", "year", "metric", "entity") if c in frame]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)

    def status(self) -> pd.DataFrame:
        """One row per (draw, variant): ok, and the reason when a row failed."""
        rows = []
        for b in sorted(completed_batches(self.out_dir)):
            meta = pq.read_schema(shard_path(self.out_dir, b)).metadata or {}
            for s in json.loads(meta.get(STATUS_KEY, b"[]")):
                rows.append({"batch": b, **{k: s.get(k) for k in ("draw", "variant", "ok", "reason")}})
        return pd.DataFrame(rows, columns=["batch", "draw", "variant", "ok", "reason"])

    @property
    def sweep_id(self) -> str:
        """``kind-scenario-fingerprint-dirhash``: the same sweep resumed in its directory keeps its id;
        the same sweep run into another directory is another catalogue entry."""
        where = hashlib.sha256(str(Path(self.out_dir).resolve()).encode()).hexdigest()[:6]
        m = self.manifest
        return f"{m['kind']}-{m['scenario']}-{m['fingerprint']}-{where}"

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.out_dir / "design.parquet")


def run_sweep(sweep: Sweep, out_dir: str | Path, executor: Executor, *, progress=None, overwrite: bool = False, catalogue: str | Path | None | bool = None) -> SweepResult:
    """Run (or resume) a sweep on an executor that is already open.

    Parameters
    ----------
    sweep : Sweep
    out_dir : path
        Sweep directory (created; an existing one with the same fingerprint resumes).
    executor : Executor
        An entered executor (serial, processes, Dask).
    progress : optional
        Progress sink with ``start(total)``, ``advance(n)``, ``stop()``; counts batches.
    overwrite : bool
        Replace a different sweep found in ``out_dir``.
    catalogue : path, None or False
        DuckDB catalogue to record the sweep in (default location when None; False: skip).

    Returns
    -------
    SweepResult
    """
    out_dir = Path(out_dir).resolve()  # workers on other hosts or cwds need an absolute path
    progress = progress or NoProgress()
    t0 = time.perf_counter()
    manifest = prepare(sweep, out_dir, overwrite=overwrite)
    done = completed_batches(out_dir)
    todo = set(range(sweep.n_batches)) - done
    tasks = sweep.tasks(out_dir, only=todo)
    progress.start(sweep.n_batches)
    progress.advance(len(done & set(range(sweep.n_batches))))
    try:
        for _, summary in executor.map(run_batch, tasks):
            progress.advance(1)
    finally:
        progress.stop()
    result = SweepResult(out_dir, manifest, ran_batches=len(tasks), resumed_batches=len(done), wall_seconds=time.perf_counter() - t0, backend=executor.label)
    if catalogue is not False:
        record_sweep(result, catalogue)
    return result


_SWEEPS = """
CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR PRIMARY KEY, kind VARCHAR, scenario VARCHAR, created_utc TIMESTAMP,
    out_dir VARCHAR, draws INTEGER, variants INTEGER, replicates INTEGER, batch_size INTEGER,
    seed_entropy VARCHAR, backend VARCHAR, wall_seconds DOUBLE, failed_rows INTEGER,
    git_hash VARCHAR, manifest VARCHAR, scenario_toml VARCHAR
)
"""


def record_sweep(result: SweepResult, catalogue: str | Path | None = None) -> str:
    """Record a complete sweep in the DuckDB catalogue (main process only; replaces a resumed entry)."""
    from zili.store import Catalogue
    from zili.store.catalogue import git_hash

    m = result.manifest
    sweep_id = result.sweep_id
    status = result.status()
    failed = int((~status["ok"].astype(bool)).sum()) if len(status) else 0
    toml = (result.out_dir / "scenario.toml").read_text(encoding="utf-8")
    with Catalogue(catalogue) as cat:
        cat.con.execute(_SWEEPS)
        cat.con.execute("DELETE FROM sweeps WHERE sweep_id = ?", [sweep_id])
        cat.con.execute(
            "INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sweep_id, m["kind"], m["scenario"], _dt.datetime.now(_dt.UTC).replace(tzinfo=None), str(result.out_dir.resolve()),
             m["draws"], len(m["variants"]), m["replicates"], m["batch_size"], m["seed_entropy"], result.backend,
             result.wall_seconds, failed, git_hash(), json.dumps(m, default=str), toml],
        )
    return sweep_id


def row_values(result: SweepResult, series, by=("draw", "variant")) -> pd.Series:
    """Replicate mean of one series (a :class:`~zili.experiments.targets.Series`) per draw and variant."""
    frame = result.frame(metrics=[series.metric])
    return series.values(frame, by=tuple(by))


__all__ = ["NoProgress", "Sweep", "SweepMismatch", "SweepResult", "completed_batches", "record_sweep", "row_values", "run_sweep", "write_shard"]
