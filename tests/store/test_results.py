"""Trajectory -> Dataset -> long frame, and the ledger frame, on a toy with known numbers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zili.model.trajectory import Ledger, MetricBlock, Trajectory
from zili.store import Results, ledger_frame, select, to_dataset, to_frame
from zili.store.results import PARQUET_META_KEY, dataset_from_table, dataset_parquet_meta


def test_dataset_layout(traj):
    ds = to_dataset(
        traj, scenario="toy", draw=4, attrs={"git_hash": "abc", "seed_entropy": str(2**90)}
    )
    assert ds["value"].dims == ("replicate", "year", "series")
    assert ds["value"].dtype == np.float64
    assert ds["value"].shape == (2, 3, 3)
    assert ds["replicate"].values.tolist() == [3, 7]
    assert ds["year"].values.tolist() == [2020, 2021, 2022]
    assert ds["series"].values.tolist() == [
        "self_sufficiency|lithography",
        "self_sufficiency|lithography:mature",
        "funder_budget|central",
    ]
    assert ds["entity"].values.tolist() == ["lithography", "lithography:mature", "central"]
    assert ds["tag"].values.tolist() == ["predicted", "predicted", "input"]
    assert ds["unit"].values.tolist() == ["fraction", "fraction", "RMB bn"]
    assert ds.attrs == {"scenario": "toy", "draw": 4, "git_hash": "abc", "seed_entropy": str(2**90)}


def test_dataset_rejects_wrong_block_shape(traj):
    bad = MetricBlock("capacity", ("lithography",), np.zeros((2, 2, 1)), "predicted", "units")
    broken = Trajectory(traj.years, traj.replicates, (*traj.metrics, bad), traj.ledger)
    with pytest.raises(ValueError, match="capacity"):
        to_dataset(broken, scenario="toy")


def test_dataset_rejects_duplicate_series(traj):
    broken = Trajectory(traj.years, traj.replicates, (*traj.metrics, traj.metrics[1]), traj.ledger)
    with pytest.raises(ValueError, match="funder_budget"):
        to_dataset(broken, scenario="toy")


def test_select(traj):
    ds = to_dataset(traj, scenario="toy")
    one = select(ds, "self_sufficiency", "lithography:mature")
    assert one.dims == ("replicate", "year")
    np.testing.assert_array_equal(one.values, [[1.0, 11.0, 21.0], [1001.0, 1011.0, 1021.0]])
    both = select(ds, "self_sufficiency")
    assert both.dims == ("replicate", "year", "series") and both.sizes["series"] == 2
    with pytest.raises(KeyError):
        select(ds, "capability")
    with pytest.raises(KeyError):
        select(ds, "self_sufficiency", "etching")


def test_frame_columns_dtypes_and_rows(traj):
    frame = to_frame(to_dataset(traj, scenario="toy", draw=2))
    assert tuple(frame.columns) == (
        "scenario",
        "replicate",
        "draw",
        "year",
        "metric",
        "entity",
        "value",
        "tag",
    )
    assert len(frame) == 2 * 3 * 3
    for col in ("replicate", "draw", "year"):
        assert frame[col].dtype == np.int64
    assert frame["value"].dtype == np.float64
    for col in ("scenario", "metric", "entity", "tag"):
        assert pd.api.types.is_string_dtype(frame[col]) and not isinstance(
            frame[col].dtype, pd.CategoricalDtype
        )
    assert set(frame["scenario"]) == {"toy"} and set(frame["draw"]) == {2}


def test_frame_values(traj):
    frame = to_frame(to_dataset(traj, scenario="toy"))
    row = frame[
        (frame.replicate == 7) & (frame.year == 2021) & (frame.entity == "lithography:mature")
    ]
    assert row["value"].tolist() == [1011.0]
    assert row["metric"].tolist() == ["self_sufficiency"] and row["tag"].tolist() == ["predicted"]
    budget = frame[frame.metric == "funder_budget"].set_index(["replicate", "year"])["value"]
    assert budget[(7, 2022)] == 130.5
    assert np.isnan(budget[(3, 2022)])
    # C order: replicate slowest, series fastest
    assert frame["year"].tolist()[:6] == [2020, 2020, 2020, 2021, 2021, 2021]
    assert frame["entity"].tolist()[:3] == ["lithography", "lithography:mature", "central"]
    assert frame["replicate"].tolist()[8:10] == [3, 7]


def test_frame_of_empty_dataset():
    empty = Ledger(*(np.zeros(0, dtype=np.int64) for _ in range(8)))
    traj = Trajectory(np.array([2020]), np.array([0]), (), empty)
    frame = to_frame(to_dataset(traj, scenario="none"))
    assert len(frame) == 0 and len(frame.columns) == 8


def test_ledger_frame_decodes(traj):
    frame = ledger_frame(traj.ledger, scenario="toy", draw=1)
    assert tuple(frame.columns) == (
        "scenario",
        "replicate",
        "draw",
        "year",
        "payer",
        "fund",
        "instrument",
        "node",
        "firm_id",
        "amount_rmb_bn",
    )
    assert frame["payer"].astype(str).tolist() == ["central", "shanghai", "shanghai", "central"]
    assert frame["instrument"].astype(str).tolist() == ["equity", "grant", "loan", "equity"]
    assert frame["node"].astype(str).tolist() == [
        "etching",
        "lithography",
        "etching",
        "lithography",
    ]
    assert frame["amount_rmb_bn"].tolist() == [1.5, 1e-6, 123456.789012, 2.0]
    assert frame["firm_id"].dtype == np.int64 and frame["year"].dtype == np.int64
    assert set(frame["draw"]) == {1}
    total = int(np.round(frame["amount_rmb_bn"].to_numpy() * 1e6).astype(np.int64).sum())
    assert total == int(traj.ledger.amount.sum())


@pytest.mark.parametrize("code", [-1, 2])
def test_ledger_frame_rejects_bad_codes(traj, code):
    led = traj.ledger
    payer = led.payer.copy()
    payer[0] = code
    bad = Ledger(
        led.replicate,
        led.year,
        payer,
        led.fund,
        led.instrument,
        led.node,
        led.firm_id,
        led.amount,
        led.payer_names,
        led.fund_names,
        led.instrument_names,
        led.node_names,
    )
    with pytest.raises(ValueError, match="payer"):
        ledger_frame(bad, scenario="toy")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(10**15), 10**15), min_size=1, max_size=50))
def test_ledger_amounts_decode_exactly(amounts):
    n = len(amounts)
    z = np.zeros(n, dtype=np.int16)
    led = Ledger(
        z,
        z,
        z,
        z,
        z.astype(np.int8),
        z,
        np.arange(n),
        np.array(amounts, dtype=np.int64),
        ("p",),
        ("f",),
        ("i",),
        ("n",),
    )
    bn = ledger_frame(led, scenario="s")["amount_rmb_bn"].to_numpy()
    back = np.round(bn * 1e6).astype(np.int64)
    np.testing.assert_array_equal(back, amounts)
    assert back.sum() == sum(amounts)


@settings(max_examples=40, deadline=None)
@given(
    n_rep=st.integers(1, 3),
    n_year=st.integers(1, 4),
    widths=st.lists(st.integers(0, 3), min_size=0, max_size=3),
    data=st.data(),
)
def test_frame_pivots_back_to_dataset(n_rep, n_year, widths, data):
    blocks = []
    for i, width in enumerate(widths):
        vals = data.draw(
            st.lists(
                st.floats(allow_nan=True, allow_infinity=True),
                min_size=n_rep * n_year * width,
                max_size=n_rep * n_year * width,
            )
        )
        blocks.append(
            MetricBlock(
                f"m{i}",
                tuple(f"e|{j}" if j else f"e{j}" for j in range(width)),
                np.array(vals, dtype=np.float64).reshape(n_rep, n_year, width),
                ("input", "predicted")[i % 2],
                f"u{i}",
            )
        )
    empty = Ledger(*(np.zeros(0, dtype=np.int64) for _ in range(8)))
    traj = Trajectory(np.arange(2014, 2014 + n_year), np.arange(n_rep) * 5, tuple(blocks), empty)
    ds = to_dataset(traj, scenario="h")
    frame = to_frame(ds)
    table = pa.Table.from_pandas(frame.sample(frac=1.0, random_state=0), preserve_index=False)
    back = dataset_from_table(table, json.loads(dataset_parquet_meta(ds)[PARQUET_META_KEY]))
    assert back.identical(ds)
    # missing values travel as Parquet nulls, so only non-NaN values keep their bits
    got, want = back["value"].values, ds["value"].values
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    keep = ~np.isnan(want)
    np.testing.assert_array_equal(got[keep].view(np.int64), want[keep].view(np.int64))


def test_results_from_trajectory(traj):
    res = Results.from_trajectory(
        traj,
        scenario="toy",
        scenario_toml="name = 'toy'\n",
        meta={"seed_entropy": 2**100, "firms": 12},
    )
    assert res.meta["seed_entropy"] == str(2**100)
    assert res.meta["replicates"] == 2 and res.meta["replicate_ids"] == [3, 7]
    assert (res.meta["start_year"], res.meta["end_year"]) == (2020, 2022)
    assert res.meta["run_id"].startswith("toy-") and res.meta["firms"] == 12
    assert res.dataset.attrs["seed_entropy"] == str(2**100)
    np.testing.assert_array_equal(res.value("funder_budget", "central")[1], [100.0, 120.0, 130.5])
    assert len(res.frame()) == 18


def test_summary_quantiles(traj):
    res = Results.from_trajectory(traj, scenario="toy", scenario_toml="")
    q = res.summary_quantiles("self_sufficiency", "lithography", q=(0.0, 0.5, 1.0))
    assert q.index.tolist() == [2020, 2021, 2022]
    assert q["q0"].tolist() == [0.0, 10.0, 20.0]
    assert q["q1"].tolist() == [1000.0, 1010.0, 1020.0]
    assert q["q0.5"].tolist() == [500.0, 510.0, 520.0]
    budget = res.summary_quantiles("funder_budget", "central")
    assert budget.loc[2022, "mean"] == 130.5  # the NaN replicate is ignored


def test_to_frame_is_vectorised_fast():
    import time

    rng = np.random.default_rng(0)
    blocks = tuple(
        MetricBlock(
            f"m{i}", tuple(f"e{j}" for j in range(100)), rng.random((8, 22, 100)), "predicted", "u"
        )
        for i in range(20)
    )
    empty = Ledger(*(np.zeros(0, dtype=np.int64) for _ in range(8)))
    ds = to_dataset(Trajectory(np.arange(2014, 2036), np.arange(8), blocks, empty), scenario="big")
    start = time.perf_counter()
    frame = to_frame(ds)
    assert len(frame) == 8 * 22 * 2000
    assert time.perf_counter() - start < 2.0  # a row loop takes tens of seconds


def test_metric_name_may_not_contain_separator(traj):
    bad = MetricBlock("a|b", ("x",), np.zeros((2, 3, 1)), "predicted", "units")
    with pytest.raises(ValueError, match="must not contain"):
        to_dataset(Trajectory(traj.years, traj.replicates, (bad,), traj.ledger), scenario="toy")
