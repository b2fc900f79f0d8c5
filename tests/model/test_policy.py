"""Step 1, policy: foreign supply cuts by country share, stockpiles before controls bite."""

from __future__ import annotations

import numpy as np
import pytest

import zili
from zili.model import policy

from toy import export_control, scenario, simulate, trace


def test_foreign_cut_is_the_imposers_share_of_foreign_supply():
    w = zili.compile_world(scenario([export_control(nodes=["lithography"], imposing=["NL"], year=2016, severity=1.0)], firms=10))
    n, C = w.node("lithography"), w.names["country"]
    share = w.supply_share[n].copy()
    share[C.index("CN")] = 0
    expected = share[C.index("NL")] / share.sum()
    assert 0 < expected < 1
    for k, year in enumerate(w.years):
        cut = policy.foreign_cut(w, k)
        assert cut.shape == (len(w.names["node"]), 2)
        assert cut[n, 1] == pytest.approx(expected if year >= 2016 else 0.0)
        assert cut[n, 0] == 0
        assert (np.delete(cut, n, axis=0) == 0).all()


def test_foreign_cut_of_all_foreign_suppliers_is_total():
    others = ["US", "NL", "JP", "KR", "TW", "EU", "other"]
    w = zili.compile_world(scenario([export_control(nodes=["etch"], imposing=others, year=2015)], firms=10))
    assert policy.foreign_cut(w, 1)[w.node("etch"), 1] == pytest.approx(1.0)


def test_stockpiles_build_while_announced_and_stay_capped(monkeypatch):
    stock = trace(monkeypatch, policy, lambda st, w, k, out: st.stockpile.copy())
    ev = export_control(nodes=["lithography"], imposing=["NL"], year=2019, announce=2015)
    run = simulate(scenario([ev], firms=200, replicates=1))
    n = run.world.node("lithography")
    s = np.array([x[0, n] for x in stock])
    cap = run.world.params.stockpile_cap_months
    assert s[0] == 0  # 2014: nothing announced
    assert (np.diff(s[:5]) > 0).all()  # 2015-2018: built up while announced
    assert s.max() <= cap
    assert s[5] < s[4]  # 2019: in force, drawn down
    other = np.array([x[0, run.world.node("etch")] for x in stock])
    assert (other == 0).all()
    assert np.array_equal(run.traj.value("stockpile_months", "lithography")[0], s)
