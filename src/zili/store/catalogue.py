"""The catalogue of stored runs: one DuckDB file listing every complete run directory.

A run's numbers stay in its Parquet files; the catalogue keeps provenance (git hash,
seed entropy, resolved scenario) and queries metrics and ledgers through
``read_parquet``. DuckDB allows one writing process, so open, write and close quickly.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

CATALOGUE_FILE = "catalogue.duckdb"
RUN_FILES = ("scenario.toml", "metrics.parquet", "ledger.parquet", "meta.json")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    scenario VARCHAR,
    created_utc TIMESTAMP,
    out_dir VARCHAR,
    git_hash VARCHAR,
    seed_entropy VARCHAR,
    replicates INTEGER,
    draws INTEGER,
    firms INTEGER,
    start_year INTEGER,
    end_year INTEGER,
    zili_version VARCHAR,
    status VARCHAR,
    scenario_toml VARCHAR
)
"""
_COLUMNS = (
    "run_id",
    "scenario",
    "created_utc",
    "out_dir",
    "git_hash",
    "seed_entropy",
    "replicates",
    "draws",
    "firms",
    "start_year",
    "end_year",
    "zili_version",
    "status",
    "scenario_toml",
)


def default_home() -> Path:
    """Directory holding runs and the catalogue: ``$ZILI_HOME``, else ``./runs``."""
    return Path(os.environ.get("ZILI_HOME") or "runs")


def new_run_id(scenario: str) -> str:
    """A fresh run id such as ``baseline-20261123T130501-ab12cd``.

    Parameters
    ----------
    scenario : str
        Scenario name; characters other than letters, digits, ``_``, ``.`` and ``-``
        become ``-`` so the id is a safe directory name.

    Returns
    -------
    str
        ``<scenario>-<UTC time, seconds>-<6 random hex digits>``.
    """
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", scenario).strip("-.") or "run"
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{slug}-{stamp}-{os.urandom(3).hex()}"


def _git(args: list[str], cwd: Path) -> str | None:
    """Output of one git command in ``cwd``, or None if git is missing or fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_hash() -> str:
    """Commit of the zili source checkout this code runs from.

    Returns
    -------
    str
        ``git rev-parse HEAD`` of the checkout containing the zili package, with
        ``-dirty`` appended when ``git status --porcelain`` reports changes;
        ``"unknown"`` when zili is not running from its own git checkout (e.g. an
        installed wheel) or git is unavailable. Never raises.
    """
    package_dir = Path(__file__).resolve().parent.parent
    top = _git(["rev-parse", "--show-toplevel"], package_dir)
    # An installed zili can sit inside some other project's repository (a venv in a
    # checkout); only report a hash if the enclosing repository is zili's own.
    if not top or not _is_zili_checkout(Path(top)):
        return "unknown"
    head = _git(["rev-parse", "HEAD"], package_dir)
    if not head:
        return "unknown"
    status = _git(["status", "--porcelain"], package_dir)
    return f"{head}-dirty" if status else head


def _is_zili_checkout(top: Path) -> bool:
    """Whether ``top`` is the root of the zili project (its pyproject names zili)."""
    try:
        text = (top / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(r'^name\s*=\s*"zili"', text, flags=re.MULTILINE) is not None


def zili_version() -> str:
    """Installed zili version, or the package's ``__version__``, or ``"unknown"``."""
    from importlib import metadata

    try:
        return metadata.version("zili")
    except metadata.PackageNotFoundError:
        pass
    try:
        import zili

        return str(getattr(zili, "__version__", "unknown"))
    except ImportError:  # pragma: no cover - we are inside zili
        return "unknown"


def _timestamp(value: Any) -> _dt.datetime | None:
    """ISO 8601 text (``Z`` or offset allowed) to a naive UTC datetime."""
    if value in (None, ""):
        return None
    when = value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(str(value))
    if when.tzinfo is not None:
        when = when.astimezone(_dt.UTC).replace(tzinfo=None)
    return when


def _row(meta: dict, out_dir: Path, scenario_toml: str) -> list[Any]:
    """The ``runs`` row for one run, in column order."""
    entropy = meta.get("seed_entropy")
    values = {
        **{k: meta.get(k) for k in _COLUMNS},
        "created_utc": _timestamp(meta.get("created_utc")),
        "out_dir": str(out_dir.resolve()),
        "seed_entropy": None if entropy is None else str(entropy),
        "draws": meta.get("draws", 1),
        "status": "complete",
        "scenario_toml": scenario_toml,
    }
    return [values[k] for k in _COLUMNS]


class Catalogue:
    """DuckDB catalogue of runs, used as a context manager.

    Parameters
    ----------
    path : str or Path, optional
        Catalogue file (``*.duckdb``) or the directory holding it; default
        ``$ZILI_HOME/catalogue.duckdb``, else ``./runs/catalogue.duckdb``.
    read_only : bool, default False
        Open without write access (several readers may then share the file).

    Notes
    -----
    DuckDB admits one writing process at a time: keep a writable catalogue open only
    for the write. Relations from :meth:`metrics` and :meth:`ledger` are valid while the
    catalogue is open.

    Examples
    --------
    >>> with Catalogue() as cat:                      # doctest: +SKIP
    ...     cat.record(results.meta, run_dir, results.scenario_toml)
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        path = Path(path) if path is not None else default_home()
        self.path = path if path.suffix == ".duckdb" else path / CATALOGUE_FILE
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no run catalogue at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            self.con.execute(_SCHEMA)

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (releases DuckDB's write lock)."""
        self.con.close()

    def record(self, meta: dict, out_dir: str | Path, scenario_toml: str) -> str:
        """Add a complete run directory to the catalogue.

        Parameters
        ----------
        meta : dict
            Run provenance, as written to ``meta.json`` (needs ``run_id``).
        out_dir : str or Path
            The run directory; all of scenario.toml, metrics.parquet,
            ledger.parquet and meta.json must already exist in it.
        scenario_toml : str
            Fully resolved scenario text.

        Returns
        -------
        str
            The recorded run id.

        Raises
        ------
        FileNotFoundError
            If a run file is missing (the run was not written completely).
        ValueError
            If ``run_id`` is missing or already recorded.
        """
        out_dir = Path(out_dir)
        missing = [name for name in RUN_FILES if not (out_dir / name).is_file()]
        if missing:
            raise FileNotFoundError(f"run directory {out_dir} lacks {', '.join(missing)}")
        if not meta.get("run_id"):
            raise ValueError("meta has no run_id")
        placeholders = ", ".join("?" * len(_COLUMNS))
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"INSERT INTO runs VALUES ({placeholders})", _row(meta, out_dir, scenario_toml)
            )
            self.con.execute("COMMIT")
        except duckdb.ConstraintException as err:
            self.con.execute("ROLLBACK")
            raise ValueError(f"run {meta['run_id']!r} is already in the catalogue") from err
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return str(meta["run_id"])

    def runs(self) -> pd.DataFrame:
        """All recorded runs, oldest first, one row each (columns as table ``runs``)."""
        return self.con.execute("SELECT * FROM runs ORDER BY created_utc, run_id").df()

    def get(self, run_id_or_prefix: str) -> dict[str, Any]:
        """One run's catalogue row, by full id or unique prefix.

        Raises
        ------
        KeyError
            If no run id starts with the given text.
        ValueError
            If several run ids start with it (and none equals it).
        """
        key = str(run_id_or_prefix)
        rows = self.con.execute(
            "SELECT * FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [key]
        ).df()
        exact = rows[rows["run_id"] == key]
        if len(exact) == 1:
            rows = exact
        if len(rows) == 0:
            raise KeyError(f"no run id starts with {key!r} in {self.path}")
        if len(rows) > 1:
            shown = ", ".join(rows["run_id"].head(5))
            raise ValueError(f"{key!r} matches {len(rows)} runs ({shown}); give more of the id")
        return rows.iloc[0].to_dict()

    def _file(self, run_id: str, name: str) -> str:
        path = Path(self.get(run_id)["out_dir"]) / name
        if not path.is_file():
            raise FileNotFoundError(f"run {run_id!r}: {path} is missing")
        return str(path)

    def metrics(self, run_id: str) -> duckdb.DuckDBPyRelation:
        """The run's metrics.parquet as a DuckDB relation (``.df()`` for pandas)."""
        return self.con.read_parquet(self._file(run_id, "metrics.parquet"))

    def ledger(self, run_id: str) -> duckdb.DuckDBPyRelation:
        """The run's ledger.parquet as a DuckDB relation; amounts in RMB bn."""
        return self.con.read_parquet(self._file(run_id, "ledger.parquet"))
