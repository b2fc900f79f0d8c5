"""Checks on zili's shipped, sourced data files (src/zili/data/*.csv)."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

FILES = [
    "sectors", "nodes", "node_inputs", "supply_shares", "china_start", "firms", "payers",
    "funds", "fund_payers", "budgets", "provinces", "macro", "history",
]
ETO_FILES = ["nodes", "node_inputs", "supply_shares", "china_start"]
ETO_LICENCE = "CC BY-NC 4.0 (ETO)"
USES = {"build", "calibrate", "validate"}
COUNTRIES = ["US", "NL", "JP", "KR", "TW", "EU", "CN", "other"]
NODES = [
    "eda", "core_ip", "lithography", "deposition", "etch", "metrology", "wafers", "materials",
    "chip_design", "logic_fab", "memory_fab", "assembly_test", "power_semis", "ai_chips",
    "ai_models", "data_centres", "critical_minerals", "battery_materials", "battery_cells",
    "ev_assembly", "charging", "base_stations", "avionics", "aircraft", "rail",
    "industrial_software", "cloud", "ecommerce", "biopharma", "quantum", "fintech", "crypto",
    "hbm",  # appended (issue 3): node order is an index, new nodes go at the end
]
SECTORS = ["semiconductors", "ai", "nev_batteries", "telecom_5g", "aerospace_manufacturing",
           "industrial_internet", "ecommerce", "biotech_pharma", "quantum", "fintech", "crypto"]
PROVINCES = ["guangdong", "jiangsu", "shanghai", "beijing", "zhejiang", "anhui", "hubei", "sichuan",
             "shaanxi", "fujian", "shandong", "rest"]
OWNERSHIP = {"central_soe", "local_soe", "private", "startup", "foreign_fab", "jv"}


def _data_dir() -> Path:
    try:
        from importlib.resources import files

        d = Path(str(files("zili") / "data"))
        if (d / "nodes.csv").exists():
            return d
    except Exception:  # zili not importable: fall back to the repository path
        pass
    return Path(__file__).resolve().parents[2] / "src" / "zili" / "data"


DATA = _data_dir()


def load(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


def num(s: str) -> float | None:
    return float(s) if s not in ("", None) else None


def unsourced(r: dict) -> bool:
    return r["source"].upper().startswith("UNSOURCED")


# ranges: value column -> (low column, high column)
RANGES = {
    "china_start": {"capability": ("low", "high"),
                    "self_sufficiency": ("self_sufficiency_low", "self_sufficiency_high")},
    "provinces": {"gdp_rmb_bn": ("low", "high"),
                  "land_revenue_rmb_bn": ("land_revenue_low", "land_revenue_high"),
                  "lgfv_debt_rmb_bn": ("lgfv_debt_low", "lgfv_debt_high")},
    "funds": {"registered_rmb_bn": ("low", "high"),
              "paid_in_years": ("paid_in_years_low", "paid_in_years_high")},
}


@pytest.mark.parametrize("name", FILES)
def test_source_and_use_columns(name):
    rows = load(name)
    assert rows, name
    assert "source" in rows[0] and "use" in rows[0]
    for r in rows:
        assert r["use"] in USES, (name, r)
        s = r["source"]
        if s:
            assert s.upper().startswith("UNSOURCED:") or "http" in s, (name, s[:80])
            if s.startswith("DERIVED"):
                assert "|" in s, (name, s[:80])


@pytest.mark.parametrize("name", FILES)
def test_unsourced_rows_have_ranges(name):
    for r in load(name):
        if not unsourced(r):
            continue
        pairs = [("low", "high")] + list(RANGES.get(name, {}).values())
        have = [(r.get(lo, ""), r.get(hi, "")) for lo, hi in pairs if lo in r]
        assert any(a != "" and b != "" for a, b in have), (name, r)
        for a, b in have:
            if a != "" and b != "":
                assert float(a) <= float(b), (name, r)


def test_no_outcome_in_build_years():
    for name in FILES:
        for r in load(name):
            y = r.get("year", "")
            if y and r["use"] == "calibrate":
                assert int(y) <= 2019, r
            if y and r["use"] == "validate":
                assert int(y) >= 2020, r
    for r in load("history"):
        assert r["use"] == ("calibrate" if int(r["year"]) <= 2019 else "validate"), r


def test_ids():
    assert [r["sector"] for r in load("sectors")] == SECTORS
    econ = {r["sector"]: r["economy"] for r in load("sectors")}
    assert all(econ[s] == ("financial" if s in ("fintech", "crypto") else "real") for s in SECTORS)
    nodes = load("nodes")
    assert [r["node"] for r in nodes] == NODES
    assert all(r["sector"] in SECTORS for r in nodes)
    assert [r["province"] for r in load("provinces")] == PROVINCES
    hubs = {r["province"] for r in load("provinces") if r["hub"] == "true"}
    assert hubs == {"guangdong", "beijing", "shanghai", "anhui"}


def test_supply_shares_sum_to_one():
    by = defaultdict(list)
    for r in load("supply_shares"):
        assert r["country"] in COUNTRIES, r
        assert r["basis"] in ("headquarters", "site"), r
        by[r["node"]].append(r)
    assert set(by) == set(NODES)
    for node, rows in by.items():
        assert sorted(r["country"] for r in rows) == sorted(COUNTRIES), node
        vals = [num(r["share"]) for r in rows]
        if all(v is not None for v in vals):
            assert abs(sum(vals) - 1.0) <= 1e-9, (node, sum(vals))
            assert all(0 <= v <= 1 for v in vals)
        else:
            assert all(v is None for v in vals), node
            lo = sum(float(r["low"]) for r in rows)
            hi = sum(float(r["high"]) for r in rows)
            assert lo <= 1.0 + 1e-9 <= hi + 2e-9, (node, lo, hi)


def test_fund_payers_sum_to_one():
    payers = {r["payer"] for r in load("payers")}
    funds = {r["fund"] for r in load("funds")}
    by = defaultdict(float)
    for r in load("fund_payers"):
        assert r["payer"] in payers, r
        assert r["fund"] in funds, r
        by[r["fund"]] += float(r["share"])
    assert set(by) == funds
    for f, s in by.items():
        assert abs(s - 1.0) <= 1e-9, (f, s)


def test_node_inputs_dag_and_weights():
    rows = load("node_inputs")
    graph = defaultdict(set)
    highs = defaultdict(float)
    for r in rows:
        assert r["node"] in NODES and r["input"] in NODES, r
        assert r["node"] != r["input"]
        graph[r["node"]].add(r["input"])
        w = num(r["weight"])
        highs[r["node"]] += w if w is not None else float(r["high"])
    for n, s in highs.items():
        assert s <= 1.0 + 1e-9, (n, s)
    state = {}

    def visit(n):
        assert state.get(n) != 1, f"cycle through {n}"
        if state.get(n) == 2:
            return
        state[n] = 1
        for m in graph[n]:
            visit(m)
        state[n] = 2

    for n in list(graph):
        visit(n)


def test_china_start_two_tiers_per_node():
    rows = load("china_start")
    by = defaultdict(list)
    for r in rows:
        by[r["node"]].append(r["tier"])
        for col in ("capability", "self_sufficiency"):
            v = num(r[col])
            assert v is None or 0 <= v <= 1
        for lo, hi in (("low", "high"), ("self_sufficiency_low", "self_sufficiency_high")):
            assert 0 <= float(r[lo]) <= float(r[hi]) <= 1, r
    for n in NODES:
        assert sorted(by[n]) == ["advanced", "mature"], n
    assert set(by) == set(NODES)


def test_firms():
    for r in load("firms"):
        assert r["node"] in NODES, r
        assert r["tier"] in ("mature", "advanced")
        assert r["ownership"] in OWNERSHIP, r
        assert r["hq"] in COUNTRIES, r
        assert r["province"] in PROVINCES, r


def test_history_not_build_input():
    build_keys = set()
    for name in ("macro", "budgets"):
        for r in load(name):
            build_keys.add((r["series"], r["year"]))
    for r in load("firms"):
        if r["revenue_rmb_bn"]:
            build_keys.add((f"revenue:{r['firm']}", r["revenue_year"]))
            build_keys.add((f"revenue_usd:{r['firm']}", r["revenue_year"]))
    seen = set()
    for r in load("history"):
        key = (r["series"], r["year"])
        assert key not in build_keys, key
        assert (r["series"], r["year"], r["unit"]) not in seen, key
        seen.add((r["series"], r["year"], r["unit"]))
        v = float(r["value"])
        if r["unit"].startswith("fraction"):
            assert 0 <= v <= 1, r


@pytest.mark.parametrize("name", ETO_FILES)
def test_eto_licence(name):
    rows = load(name)
    assert "licence" in rows[0]
    for r in rows:
        if "ETO" in r["source"] or "DERIVED from ETO" in r.get("notes", ""):
            assert r["licence"] == ETO_LICENCE, (name, r)
        if r["licence"]:
            assert r["licence"] == ETO_LICENCE
    assert any(r["licence"] == ETO_LICENCE for r in rows)
    assert (DATA / "LICENSE-ETO.md").exists()
    assert "CC BY-NC 4.0" in (DATA / "LICENSE-ETO.md").read_text(encoding="utf-8")


def test_big_fund_figures():
    f = {r["fund"]: r for r in load("funds")}
    assert float(f["big_fund_1"]["registered_rmb_bn"]) == 98.72
    assert float(f["big_fund_1"]["raised_rmb_bn"]) == 138.7
    assert float(f["big_fund_3"]["registered_rmb_bn"]) == 344.0
    fp = {(r["fund"], r["payer"]): float(r["share"]) for r in load("fund_payers")}
    assert fp[("big_fund_1", "mof")] == 0.3674
    assert fp[("big_fund_3", "mof")] == 0.1744


def test_readme_documents_every_file():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    for name in FILES:
        assert f"## {name}.csv" in text, name


DYNAMICS = {"china_demand_share", "demand_growth", "frontier_growth_mature", "frontier_growth_advanced",
            "advanced_share"}


def test_node_dynamics_cover_every_node():
    by = defaultdict(set)
    for r in load("node_dynamics"):
        assert r["node"] in NODES, r
        by[r["node"]].add(r["quantity"])
    for n in NODES:
        assert by[n] == DYNAMICS, n


def test_hbm_node_wiring():
    nodes = {r["node"]: r for r in load("nodes")}
    assert nodes["hbm"]["sector"] == "semiconductors"
    edges = {(r["node"], r["input"]) for r in load("node_inputs")}
    assert {("hbm", "memory_fab"), ("hbm", "assembly_test"), ("ai_chips", "hbm")} <= edges
    assert ("ai_chips", "memory_fab") in edges  # kept (was the HBM stand-in)


def test_sourced_market_sizes_have_year_and_source():
    for r in load("nodes"):
        if r["global_market_usd_bn"]:
            assert float(r["global_market_usd_bn"]) > 0, r
            assert r["market_year"], r
            assert not unsourced(r) and "http" in r["source"], r
        else:
            assert unsourced(r), r


def test_build_eto_reproduces_shipped_files(tmp_path):
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "src" / "zili" / "data" / "build_eto.py"
    if not script.exists() or not Path("/work/shared/data/eto").exists():
        pytest.skip("build script or ETO data not available")
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    for name in ("nodes", "node_inputs", "supply_shares"):
        assert (tmp_path / f"{name}.csv").read_bytes() == (DATA / f"{name}.csv").read_bytes(), name
