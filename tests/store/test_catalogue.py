"""The DuckDB run catalogue, run ids and the git hash."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

import zili.store.catalogue as cat_mod
from zili.store import Catalogue, Results, git_hash, new_run_id, write_run

TOML = 'name = "toy"\n'


def _stored(tmp_path, traj, run_id, created="2026-11-23T13:05:01Z"):
    meta = {"run_id": run_id, "seed_entropy": 2**100 + 1, "firms": 12, "created_utc": created}
    res = Results.from_trajectory(traj, scenario="toy", scenario_toml=TOML, meta=meta)
    return res, write_run(tmp_path / "runs" / run_id, res)


def test_record_and_read_back(tmp_path, traj):
    res, out = _stored(tmp_path, traj, "toy-20261123T130501-ab12cd")
    with Catalogue(tmp_path / "runs") as cat:
        assert cat.record(res.meta, out, res.scenario_toml) == "toy-20261123T130501-ab12cd"
    assert (tmp_path / "runs" / "catalogue.duckdb").is_file()
    with Catalogue(tmp_path / "runs", read_only=True) as cat:
        runs = cat.runs()
        assert runs["run_id"].tolist() == ["toy-20261123T130501-ab12cd"]
        row = cat.get("toy-20261123T130501-ab12cd")
    assert row["scenario"] == "toy" and row["status"] == "complete"
    assert row["seed_entropy"] == str(2**100 + 1)
    assert pd.Timestamp(row["created_utc"]) == pd.Timestamp(dt.datetime(2026, 11, 23, 13, 5, 1))
    assert row["out_dir"] == str(out.resolve())
    assert (row["replicates"], row["draws"], row["firms"]) == (2, 1, 12)
    assert (row["start_year"], row["end_year"]) == (2020, 2022)
    assert row["scenario_toml"] == TOML
    assert row["git_hash"] == res.meta["git_hash"]


def test_metrics_and_ledger_through_duckdb(tmp_path, traj):
    res, out = _stored(tmp_path, traj, "toy-20261123T130501-ab12cd")
    with Catalogue(tmp_path / "cat.duckdb") as cat:
        cat.record(res.meta, out, res.scenario_toml)
        metrics = cat.metrics("toy-2026").df()
        assert len(metrics) == 18
        assert list(metrics.columns) == list(res.frame().columns)
        # missing values are NULL in Parquet, so SQL aggregates skip them
        total = cat.metrics("toy").aggregate("sum(value) AS s").fetchall()[0][0]
        assert total == pytest.approx(np.nansum(res.dataset["value"].values))
        amount = cat.ledger("toy").aggregate("sum(amount_rmb_bn) AS s").fetchall()[0][0]
    assert round(amount * 1e6) == int(traj.ledger.amount.sum())


def test_prefix_lookup(tmp_path, traj):
    ids = [
        "toy-20261123T130501-ab12cd",
        "toy-20261123T130501-ab99ff",
        "other-20261124T000000-000000",
    ]
    with Catalogue(tmp_path) as cat:
        for run_id in ids:
            res, out = _stored(tmp_path, traj, run_id)
            cat.record(res.meta, out, res.scenario_toml)
        assert cat.get("toy-20261123T130501-ab9")["run_id"] == ids[1]
        assert cat.get("oth")["run_id"] == ids[2]
        with pytest.raises(ValueError, match="matches 2 runs"):
            cat.get("toy-")
        with pytest.raises(KeyError, match="nothing"):
            cat.get("nothing")
        assert len(cat.runs()) == 3


def test_exact_id_wins_over_longer_ids(tmp_path, traj):
    with Catalogue(tmp_path) as cat:
        for run_id in ("toy-1", "toy-10"):
            res, out = _stored(tmp_path, traj, run_id)
            cat.record(res.meta, out, res.scenario_toml)
        assert cat.get("toy-1")["run_id"] == "toy-1"


def test_record_requires_complete_run(tmp_path, traj):
    res = Results.from_trajectory(traj, scenario="toy", scenario_toml=TOML)
    half = tmp_path / "half"
    half.mkdir()
    (half / "scenario.toml").write_text(TOML)
    with Catalogue(tmp_path) as cat:
        with pytest.raises(FileNotFoundError, match="metrics.parquet"):
            cat.record(res.meta, half, TOML)
        assert cat.runs().empty


def test_duplicate_run_id_is_refused(tmp_path, traj):
    res, out = _stored(tmp_path, traj, "toy-1")
    with Catalogue(tmp_path) as cat:
        cat.record(res.meta, out, TOML)
        with pytest.raises(ValueError, match="already"):
            cat.record(res.meta, out, TOML)
        assert len(cat.runs()) == 1
        # the connection is still usable after the rolled-back transaction
        res2, out2 = _stored(tmp_path, traj, "toy-2")
        cat.record(res2.meta, out2, TOML)
        assert cat.runs()["run_id"].tolist() == ["toy-1", "toy-2"]


def test_default_location_from_zili_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ZILI_HOME", str(tmp_path / "home"))
    with Catalogue() as cat:
        assert cat.path == tmp_path / "home" / "catalogue.duckdb"
    assert cat.path.is_file()


def test_read_only_needs_existing_catalogue(tmp_path):
    with pytest.raises(FileNotFoundError):
        Catalogue(tmp_path / "none", read_only=True)


def test_new_run_id():
    run_id = new_run_id("baseline")
    assert re.fullmatch(r"baseline-\d{8}T\d{6}-[0-9a-f]{6}", run_id)
    stamp = dt.datetime.strptime(run_id.split("-")[1], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) < 60
    assert new_run_id("baseline") != new_run_id("baseline")
    assert re.fullmatch(
        r"export-controls-2023-\d{8}T\d{6}-[0-9a-f]{6}", new_run_id("export controls/2023")
    )


def test_git_hash_is_a_string():
    value = git_hash()
    assert isinstance(value, str)
    assert value == "unknown" or re.fullmatch(r"[0-9a-f]{40}(-dirty)?", value)


def test_git_hash_without_git(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(cat_mod.subprocess, "run", missing)
    assert git_hash() == "unknown"


def test_git_hash_outside_a_checkout(monkeypatch):
    def failing(*args, **kwargs):
        return subprocess.CompletedProcess(args[0], 128, "", "fatal: not a git repository")

    monkeypatch.setattr(cat_mod.subprocess, "run", failing)
    assert git_hash() == "unknown"


def test_git_hash_ignores_a_foreign_repository(monkeypatch, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "someone-else"\n')
    outputs = {"--show-toplevel": str(tmp_path), "HEAD": "f" * 40, "--porcelain": ""}

    def fake(args, **kwargs):
        return subprocess.CompletedProcess(args, 0, outputs[args[-1]], "")

    monkeypatch.setattr(cat_mod.subprocess, "run", fake)
    assert git_hash() == "unknown"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "zili"\n')
    assert git_hash() == "f" * 40
    outputs["--porcelain"] = " M src/zili/store/results.py"
    assert git_hash() == "f" * 40 + "-dirty"


@pytest.mark.parametrize(
    "name",
    ["to_dataset", "to_frame", "ledger_frame", "select", "write_run", "new_run_id", "git_hash"],
)
def test_public_functions_have_numpydoc(name):
    import zili.store

    doc = getattr(zili.store, name).__doc__ or ""
    assert "Returns\n" in doc and "-------" in doc
