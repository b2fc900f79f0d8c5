"""Run directories on disk: the resolved scenario, metrics and ledger Parquet, provenance.

A run is written into a temporary sibling directory and moved into place only when
complete, so a reader (or the catalogue) never sees half a run and an interrupted write
leaves any earlier run at the same place untouched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .results import Results, dataset_parquet_meta, to_frame

PARTIAL = ".partial-"
OLD = ".old-"


def _write_parquet(
    frame: pd.DataFrame, path: Path, metadata: dict[bytes, bytes] | None = None
) -> None:
    """Write a frame as zstd Parquet, dictionary-encoding its text columns."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    text = [
        f.name
        for f in table.schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or pa.types.is_dictionary(f.type)
    ]
    pq.write_table(table, path, compression="zstd", use_dictionary=text)


def _write_files(tmp: Path, results: Results) -> None:
    """Write every run file into ``tmp``; meta.json last, as the completion mark."""
    (tmp / "scenario.toml").write_text(results.scenario_toml, encoding="utf-8")
    _write_parquet(
        to_frame(results.dataset), tmp / "metrics.parquet", dataset_parquet_meta(results.dataset)
    )
    _write_parquet(results.ledger, tmp / "ledger.parquet")
    text = json.dumps(results.meta, indent=2, sort_keys=True, default=str)
    (tmp / "meta.json").write_text(text + "\n", encoding="utf-8")


def _check_replaceable(out: Path) -> None:
    """Refuse to overwrite anything but an empty directory or an earlier run."""
    if not out.exists():
        return
    if not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a run directory")
    if any(out.iterdir()) and not (out / "meta.json").is_file():
        raise FileExistsError(f"{out} is a non-empty directory without meta.json; not replacing it")


def write_run(out_dir: str | Path, results: Results) -> Path:
    """Write a run directory atomically.

    Parameters
    ----------
    out_dir : str or Path
        Run directory to create; an earlier run (or empty directory) there is replaced.
    results : Results
        The run.

    Returns
    -------
    Path
        ``out_dir``, now holding ``scenario.toml``, ``metrics.parquet``,
        ``ledger.parquet`` (zstd, text columns dictionary-encoded) and ``meta.json``.

    Raises
    ------
    FileExistsError
        If ``out_dir`` exists and is neither empty nor a run directory.

    Notes
    -----
    Files go to ``<out_dir>.partial-<random>`` and are moved into place with
    :func:`os.replace`. An earlier run is first renamed to ``<out_dir>.old-<random>``
    and deleted only after the new run is in place. Any exception, including
    ``KeyboardInterrupt``, removes the partial directory and restores the earlier run.
    No fsync is done: a power loss may lose the newest run, not corrupt older ones.
    Missing values (NaN) are stored as Parquet nulls, so DuckDB aggregates skip them;
    they read back as NaN, and every other value reads back bit for bit.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    _check_replaceable(out)
    token = secrets.token_hex(4)
    tmp = out.with_name(f"{out.name}{PARTIAL}{token}")
    aside = out.with_name(f"{out.name}{OLD}{token}")
    tmp.mkdir()
    moved_aside = False
    try:
        _write_files(tmp, results)
        if out.exists():
            os.replace(out, aside)
            moved_aside = True
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if moved_aside and not out.exists():
            os.replace(aside, out)
        raise
    if moved_aside:
        shutil.rmtree(aside, ignore_errors=True)
    return out
