"""Run directories: round trip, replacement, and interrupted writes leaving no trace."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from zili.store import Results, write_run
from zili.store import files as files_mod

TOML = 'name = "toy"\n[world]\nfirms = 12\n'


def _results(traj, **meta):
    return Results.from_trajectory(
        traj, scenario="toy", scenario_toml=TOML, meta={"seed_entropy": 2**100 + 7, **meta}
    )


def _siblings(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_round_trip_is_bit_identical(tmp_path, traj):
    res = _results(traj, note="first")
    out = write_run(tmp_path / "runs" / "toy-1", res)
    assert sorted(p.name for p in out.iterdir()) == [
        "ledger.parquet",
        "meta.json",
        "metrics.parquet",
        "scenario.toml",
    ]
    back = Results.load(out)
    assert back.dataset.identical(res.dataset)
    for name in ("replicate", "year"):
        assert back.dataset[name].dtype == res.dataset[name].dtype == np.int64
    got, want = back.dataset["value"].values, res.dataset["value"].values
    assert np.isnan(got[0, 2, 2]) and np.isnan(want[0, 2, 2])
    keep = ~np.isnan(want)
    np.testing.assert_array_equal(got[keep].view(np.int64), want[keep].view(np.int64))
    pd.testing.assert_frame_equal(back.ledger, res.ledger)
    pd.testing.assert_frame_equal(back.frame(), res.frame())
    assert back.scenario_toml == TOML
    assert back.meta == res.meta
    assert json.loads((out / "meta.json").read_text())["seed_entropy"] == str(2**100 + 7)
    assert _siblings(out) == []


def test_parquet_is_zstd_and_dictionary_encoded(tmp_path, traj):
    out = write_run(tmp_path / "run", _results(traj))
    for name, text_cols in (
        ("metrics.parquet", {"scenario", "metric", "entity", "tag"}),
        ("ledger.parquet", {"scenario", "payer", "fund", "instrument", "node"}),
    ):
        meta = pq.ParquetFile(out / name).metadata
        group = meta.row_group(0)
        for i in range(group.num_columns):
            col = group.column(i)
            assert col.compression == "ZSTD"
            if col.path_in_schema in text_cols:
                assert any("DICTIONARY" in enc for enc in col.encodings), col.path_in_schema


def test_write_over_existing_run_replaces_it(tmp_path, traj, make_traj):
    out = tmp_path / "run"
    write_run(out, _results(traj, note="old"))
    new = _results(make_traj(0.25), note="new")
    write_run(out, new)
    back = Results.load(out)
    assert back.meta["note"] == "new"
    assert back.value("self_sufficiency", "lithography")[0, 0] == 0.25
    assert _siblings(out) == []


def _fail_on_second_parquet(monkeypatch, exc):
    real = files_mod._write_parquet
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(files_mod, "_write_parquet", flaky)
    return calls


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_write_keeps_previous_run(tmp_path, traj, make_traj, monkeypatch, exc):
    out = tmp_path / "run"
    old = _results(traj, note="old")
    write_run(out, old)
    calls = _fail_on_second_parquet(monkeypatch, exc)
    with pytest.raises(type(exc)):
        write_run(out, _results(make_traj(1.0), note="new"))
    assert len(calls) == 2  # the first Parquet file was written, the second failed
    back = Results.load(out)
    assert back.meta["note"] == "old"
    assert back.dataset.identical(old.dataset)
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_interrupted_first_write_leaves_nothing(tmp_path, traj, monkeypatch):
    _fail_on_second_parquet(monkeypatch, RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        write_run(tmp_path / "run", _results(traj))
    assert list(tmp_path.iterdir()) == []


def test_failed_swap_restores_previous_run(tmp_path, traj, make_traj, monkeypatch):
    out = tmp_path / "run"
    write_run(out, _results(traj, note="old"))
    real = files_mod.os.replace

    def replace(src, dst):
        if ".partial-" in str(src):
            raise OSError("rename failed")
        return real(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        write_run(out, _results(make_traj(1.0), note="new"))
    assert Results.load(out).meta["note"] == "old"
    assert _siblings(out) == []


def test_refuses_to_replace_foreign_directory(tmp_path, traj):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    with pytest.raises(FileExistsError):
        write_run(out, _results(traj))
    assert (out / "thesis.tex").read_text() == "do not delete"
    assert _siblings(out) == []


def test_load_rejects_incomplete_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="meta.json"):
        Results.load(tmp_path)


def test_round_trip_of_empty_ledger_and_no_metrics(tmp_path):
    from zili.model.trajectory import Ledger, Trajectory

    z = np.zeros(0, dtype=np.int64)
    traj = Trajectory(np.array([2030, 2031]), np.array([0]), (), Ledger(z, z, z, z, z, z, z, z))
    res = Results.from_trajectory(traj, scenario="empty", scenario_toml="")
    back = Results.load(write_run(tmp_path / "run", res))
    assert back.dataset.identical(res.dataset)
    assert back.dataset["value"].shape == (1, 2, 0)
    pd.testing.assert_frame_equal(back.ledger, res.ledger)


def test_round_trip_of_unicode_and_separator_in_entities(tmp_path):
    from zili.model.trajectory import Ledger, MetricBlock, Trajectory

    z = np.zeros(1, dtype=np.int64)
    block = MetricBlock(
        "soe_debt", ("上海", "a|b"), np.array([[[1.0, 2.0]]]), "calibrated", "RMB bn"
    )
    led = Ledger(
        z, z, z, z, z, z, z, z + 5, ("中央",), ("国家集成电路产业投资基金",), ("股权",), ("光刻",)
    )
    res = Results.from_trajectory(
        Trajectory(np.array([2024]), np.array([0]), (block,), led),
        scenario="省",
        scenario_toml="name = '省'\n",
    )
    back = Results.load(write_run(tmp_path / "run", res))
    assert back.dataset.identical(res.dataset)
    assert back.dataset["entity"].values.tolist() == ["上海", "a|b"]
    assert back.ledger["fund"].astype(str).tolist() == ["国家集成电路产业投资基金"]
