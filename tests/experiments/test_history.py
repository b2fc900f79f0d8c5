"""History files: the documented format, the shipped file, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from zili.experiments.history import HistoryError, MetricInfo, comparable_unit, read_history, shipped_history

CAT = {
    "nev_sales_share": MetricInfo(("china",), "fraction", "predicted"),
    "self_sufficiency": MetricInfo(("lithography", "etch"), "fraction", "predicted"),
    "output": MetricInfo(("chip_design", "logic_fab"), "RMB bn", "predicted"),
    "rd_gdp_ratio": MetricInfo(("china",), "fraction (modelled sectors only)", "predicted"),
    "capital_paid_in": MetricInfo(("mof",), "RMB bn", "input"),
}

HEADER = "series,year,value,unit,source\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "h.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def test_minimal_five_column_file(tmp_path):
    p = write(tmp_path, "nev_sales_share,2015,0.013,fraction,CAAM\nself_sufficiency:etch,2016,0.2,fraction,x\n")
    h = read_history(p, CAT)
    assert [(o.series, o.entity, o.year, o.use) for o in h.observations] == [
        ("nev_sales_share", "china", 2015, None),
        ("self_sufficiency:etch", "etch", 2016, None),
    ]


def test_not_modelled_and_not_comparable_are_listed_not_scored(tmp_path):
    p = write(tmp_path, "revenue_usd:smic,2019,3.1,USD bn,x\nrd_gdp_ratio,2018,0.021,fraction (GERD/GDP),x\noutput:chip_design,2018,257,USD bn,x\n")
    h = read_history(p, CAT)
    assert h.observations == []
    assert h.not_modelled == ["revenue_usd:smic"]
    assert set(h.not_comparable) == {"rd_gdp_ratio", "output:chip_design"}


@pytest.mark.parametrize(
    "body, words",
    [
        ("nev_sales_share,20x5,0.01,fraction,x\n", ["line 2", "year", "20x5"]),
        ("nev_sales_share,2015,abc,fraction,x\n", ["line 2", "value", "abc", "not a number"]),
        ("nev_sales_share,2015,nan,fraction,x\n", ["not finite"]),
        ("Bad Series!,2015,0.1,fraction,x\n", ["series", "malformed"]),
        ("nev_sales_share,1700,0.1,fraction,x\n", ["out of range"]),
        ("nev_sales_share,2015,0.1,fraction,x\nnev_sales_share,2015,0.2,fraction,x\n", ["duplicate", "line 3"]),
    ],
)
def test_malformed_rows_give_one_clear_message(tmp_path, body, words):
    with pytest.raises(HistoryError) as exc:
        read_history(write(tmp_path, body), CAT)
    for w in words:
        assert w in str(exc.value)


def test_unknown_series_is_an_error_when_strict(tmp_path):
    p = write(tmp_path, "no_such_metric,2015,1,units,x\n")
    with pytest.raises(HistoryError, match="unknown series 'no_such_metric'"):
        read_history(p, CAT, strict=True)
    p = write(tmp_path, "self_sufficiency:lithgraphy,2015,0.1,fraction,x\n")
    with pytest.raises(HistoryError, match="unknown entity 'lithgraphy'.*allowed: lithography"):
        read_history(p, CAT, strict=True)


def test_missing_column_and_bad_use(tmp_path):
    with pytest.raises(HistoryError, match="missing column.*source"):
        read_history(write(tmp_path, "nev_sales_share,2015,0.01,fraction\n", header="series,year,value,unit\n"), CAT)
    with pytest.raises(HistoryError, match="use = 'train'"):
        read_history(write(tmp_path, "nev_sales_share,2015,0.01,fraction,x,train\n", header="series,year,value,unit,source,use\n"), CAT)


def test_entity_needed_when_metric_has_no_national_total(tmp_path):
    with pytest.raises(HistoryError, match="needs an entity"):
        read_history(write(tmp_path, "output,2015,10,RMB bn,x\n"), CAT)


def test_window_returns_only_rows_inside_and_respects_use(tmp_path):
    body = "nev_sales_share,2013,0.001,fraction,x,calibrate\nnev_sales_share,2015,0.013,fraction,x,calibrate\nnev_sales_share,2021,0.13,fraction,x,validate\n"
    h = read_history(write(tmp_path, body, header="series,year,value,unit,source,use\n"), CAT)
    assert [o.year for o in h.window(2014, 2019)] == [2015]
    assert [o.year for o in h.window(2014, 2030, uses=("validate",))] == [2021]


def test_unit_comparison():
    assert comparable_unit("fraction of all CAAM vehicle sales", "fraction") is None
    assert comparable_unit("units (stock at year end)", "units") is None
    assert comparable_unit("USD bn", "RMB bn") is not None
    assert comparable_unit("fraction (GERD/GDP)", "fraction (modelled sectors only)") is not None


def test_shipped_history_reads_and_has_calibration_rows():
    h = read_history(shipped_history())
    cal = h.window(2014, 2019, uses=("calibrate",))
    assert len(cal) > 20
    assert all(o.use == "calibrate" for o in cal)
    assert all(o.year >= 2020 for o in h.observations if o.use == "validate")
