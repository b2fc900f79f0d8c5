"""Step 7, finance: firm balance sheets reconcile exactly; write-offs never exceed exposure."""

from __future__ import annotations

import numpy as np
import pytest

import zili
from zili.model import finance
from zili.model.finance import books_residual
from zili.model.rng import root_entropy
from zili.model.world import INSTRUMENTS

from toy import export_control, money_events, scenario, simulate, subsidy, to_k


def test_books_residual_is_zero_at_the_end(money_run):
    cash, debt = books_residual(money_run.traj.state)
    assert cash.dtype == np.int64 and debt.dtype == np.int64
    assert not cash.any() and not debt.any()


def test_books_residual_detects_a_missing_flow(money_run):
    """The identity is not vacuous: one thousand RMB of unbooked cash shows up."""
    state = money_run.traj.state
    state.cash[0, 0] += 1
    try:
        cash, debt = books_residual(state)
        assert cash[0, 0] == 1 and cash.sum() == 1 and not debt.any()
    finally:
        state.cash[0, 0] -= 1


def test_books_balance_every_year(monkeypatch):
    """Check the identity after every year's finance step, not just at the end (soft budget on and off)."""
    residuals = []
    original = finance.step

    def checked(state, world, k):
        out = original(state, world, k)
        c, d = books_residual(out)
        residuals.append((k, int(np.abs(c).max(initial=0)), int(np.abs(d).max(initial=0))))
        return out

    monkeypatch.setattr(finance, "step", checked)
    for soft in (True, False):
        sc = scenario(money_events() + [export_control(year=2016)], params={"finance": {"soft_budget": soft}}, firms=400)
        zili.simulate(zili.compile_world(sc), replicates=2, entropy=root_entropy(3))
    assert len(residuals) == 2 * 7
    assert all(c == 0 and d == 0 for _, c, d in residuals), residuals


def test_debt_is_never_negative(money_run):
    assert (money_run.traj.state.debt >= 0).all()
    assert (money_run.traj.firms["debt"] >= 0).all()


def test_dead_firms_hold_nothing(money_run):
    st = money_run.traj.state
    dead = ~st.alive
    assert (st.cash[dead & (st.books["payout"] != 0)] == 0).all()  # exited firms paid out their cash
    assert (st.debt[dead] == 0).all()
    assert (st.capa[dead] == 0).all()


def test_firm_counts_are_a_stock_and_flow(money_run):
    traj, world = money_run.traj, money_run.world
    alive = traj.value("firms_alive", "china")
    entries = traj.value("firm_entries", "china")
    exits = traj.value("firm_exits", "china")
    F0 = len(world.firm_id)
    prev = np.concatenate([np.full((alive.shape[0], 1), F0), alive[:, :-1]], axis=1)
    assert np.array_equal(alive, prev + entries - exits)
    assert np.array_equal(alive[:, -1], traj.state.alive.sum(axis=1))
    assert exits.sum() > 0 and entries.sum() > 0  # the identity is exercised


def test_node_counts_add_up_to_china(money_run):
    traj = money_run.traj
    nodes = money_run.world.names["node"]
    for name in ("firms_alive", "firm_entries", "firm_exits"):
        m = traj.metric(name)
        total = m.values[..., [m.entities.index(n) for n in nodes]].sum(-1)
        assert np.array_equal(total, traj.value(name, "china")), name


def test_waste_is_written_off_exposure(money_run):
    """Without subsidy fraud, a payer's total waste is exactly what it lost in exited firms:
    floor(exposure x (1 - recovery)) summed over exited firms, which never exceeds its exposure."""
    traj, world = money_run.traj, money_run.world
    st = traj.state
    P = len(world.names["payer"])
    waste = to_k(traj.metric("waste").values)[..., :P].sum(axis=1)  # (R, P) over the run
    exited = ~st.alive
    exposure = np.where(exited[:, :, None], st.exposure, 0)
    expected = np.floor(exposure * (1 - world.params.recovery_rate)).astype(np.int64).sum(axis=1)
    assert np.array_equal(waste, expected)
    assert (waste <= exposure.sum(axis=1)).all()
    assert (waste >= 0).all()
    assert waste.sum() > 0  # exits happened and cost someone money
    china = to_k(traj.value("waste", "china"))
    assert np.array_equal(china, to_k(traj.metric("waste").values)[..., :P].sum(-1))


def test_waste_never_exceeds_equity_and_loans_put_in(money_run):
    """An outside check against the ledger: no payer loses more than it invested (equity + loans)."""
    traj = money_run.traj
    lg = traj.ledger
    P = len(money_run.world.names["payer"])
    invest = np.isin(lg.instrument, [INSTRUMENTS.index("equity"), INSTRUMENTS.index("loan")])
    for rpos, r in enumerate(traj.replicates):
        rows = invest & (lg.replicate == r)
        put_in = np.bincount(lg.payer[rows], weights=lg.amount[rows], minlength=P)
        cum_waste = np.cumsum(to_k(traj.metric("waste").values[rpos])[:, :P], axis=0)
        assert (cum_waste[-1] <= put_in).all()


def test_subsidy_fraud_is_waste_of_the_subsidy_payer():
    """Fraud severity s on a node: the payer of a subsidy loses floor(amount x s) of every subsidy row."""
    sev = 0.25
    ev = subsidy("s", nodes=["battery_cells"], amount=4.0, year=2015) | {"payer": "china_tobacco"}
    fraud = {"kind": "subsidy_fraud", "name": "f", "announce": 2016, "effect": 2016, "nodes": ["battery_cells"], "severity": sev}
    run = simulate(scenario([ev, fraud], firms=400))
    traj = run.traj
    lg = traj.ledger
    payer = lg.payer_names.index("china_tobacco")
    for rpos, r in enumerate(traj.replicates):
        rows = (lg.replicate == r) & (lg.payer == payer)
        lost = np.floor(lg.amount[rows] * np.where(lg.year[rows] >= 2016, sev, 0.0)).astype(np.int64)
        by_year = np.bincount(lg.year[rows] - 2014, weights=lost, minlength=7).astype(np.int64)
        assert np.array_equal(to_k(traj.value("waste", "china_tobacco")[rpos]), by_year)
        assert by_year[2:].sum() > 0 and by_year[:2].sum() == 0
    # the firms' books show the fraud, and the identity still holds
    assert run.traj.state.books["fraud"].sum() > 0
    c, d = books_residual(run.traj.state)
    assert not c.any() and not d.any()


@pytest.mark.parametrize("soft", [True, False])
def test_soft_budget_switch(soft):
    """Soft budget on: SOEs are bailed out and never exit (no restricted sectors here, and starting
    SOEs are not young). Off: starting SOEs receive no bail-outs (acquired firms may, as new SOEs)."""
    run = simulate(scenario(money_events(), params={"finance": {"soft_budget": soft}}, firms=400))
    st, world = run.traj.state, run.world
    F0 = len(world.firm_id)
    soe0 = np.isin(world.firm_owner, [0, 1])
    bailed = st.books["bailout"][:, :F0][:, soe0]
    if soft:
        assert st.alive[:, :F0][:, soe0].all()
        assert bailed.sum() > 0
    else:
        assert bailed.sum() == 0
    c, d = books_residual(st)
    assert not c.any() and not d.any()


def test_exit_sums_match_the_numpy_formulation():
    """The compiled exit sums give the bits of the NumPy formulation: exposure of exiting firms
    written off less recoveries (floor, per payer and replicate), and exits and acquisitions by node."""
    from zili.model.finance import _exit_sums, _sum_by_replicate
    from zili.model.groups import group_sum

    gen = np.random.default_rng(9)
    R, M, P, N = 3, 400, 7, 11
    exit_, acquire = gen.random((R, M)) < 0.1, gen.random((R, M)) < 0.05
    exposure = gen.integers(0, 10**9, (R, M, P)) * (gen.random((R, M, P)) < 0.3)
    node, weight = gen.integers(0, N, (R, M)), gen.choice([0.5, 1.0, 3.0], M)
    keep = 1 - 0.37
    loss, written, exits, acq = _exit_sums(exit_, acquire, exposure, node, weight, keep, N)
    r_x, m_x = np.nonzero(exit_)
    exposed = exposure[r_x, m_x]
    assert np.array_equal(loss, _sum_by_replicate(np.floor(exposed * keep).astype(np.int64), r_x, R))
    assert np.array_equal(written, _sum_by_replicate(exposed, r_x, R)) and written.sum() > loss.sum() > 0
    assert np.array_equal(exits, group_sum(weight, node, N, exit_)) and np.array_equal(acq, group_sum(weight, node, N, acquire))


def test_has_soe_is_any_alive_state_owned_firm_per_node():
    """The compiled flag of nodes with an alive SOE (the acquirers of distressed firms) is the
    NumPy expression it replaces: a group sum of alive SOEs above zero."""
    from zili.model.finance import _has_soe
    from zili.model.groups import group_sum
    from zili.model.world import is_soe

    gen = np.random.default_rng(2)
    R, M, N = 2, 500, 12
    node, owner = gen.integers(0, N, (R, M)), gen.integers(0, 6, (R, M))
    alive = gen.random((R, M)) < 0.3
    got = _has_soe(alive, owner, node, N)
    want = group_sum(np.ones((R, M)), node, N, alive & is_soe(owner)) > 0
    assert got.dtype == bool and np.array_equal(got, want) and want.any() and not want.all()


def test_settle_kernel_gives_the_bits_of_the_array_function(monkeypatch):
    """The compiled settle pass (branch-free, its arrays marked as never overlapping, so vectorised)
    gives, slot by slot, dead and unused slots included, the bits of the array function
    :func:`finance.settle` and the exit sums of :func:`finance._exit_sums`, every year of a run
    with exits, acquisitions and bail-outs."""
    from zili.model import engine, rng

    kernel = finance._settle_kernel
    firm = ("alive", "out", "node", "tier", "owner", "age", "cash", "debt", "capa", "received", "grants", "foreign_tools", "weight")
    tables = ("price", "cost_index", "has_soe", "expand", "tool_avail", "tools_dom", "fab", "restrict", "ban", "waiver")
    seen = []

    def check(*a):
        f = {name: np.array(a[i]) for i, name in enumerate(firm)}
        for i in range(3):
            f[f"u{i + 1}"] = rng.uniform(a[14][:, i], a[13])
        want = finance.settle(np, f, dict(zip(tables, a[15:25])), dict(zip(finance.KERNEL_PARAMS, a[25])))
        books = [b.copy() for b in a[30]]
        sums = kernel(*a)
        got = {"alive": a[0], "out": a[1], "owner": a[4], "age": a[5], "cash": a[6], "debt": a[7], "capa": a[8],
               "foreign_tools": a[11], "rd": a[26], "rd_own": a[27], "exit": a[28], "acquire": a[29]}
        for name, value in got.items():
            assert np.array_equal(value, want[name]), name
        for i, name in enumerate(finance.FLOWS):
            assert np.array_equal(a[30][i] - books[i], want[f"book_{name}"]), name
        ref = finance._exit_sums(a[28], a[29], a[31], a[2], a[12], a[32], a[33])
        assert all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(sums, ref))
        seen.append((int((~f["alive"]).sum()), int(a[28].sum()), int(a[29].sum()), int(want["book_bailout"].astype(bool).sum())))
        return sums

    monkeypatch.setattr(finance, "_settle_kernel", check)
    world = zili.compile_world(scenario(money_events(), firms=400, replicates=2))
    engine.simulate(world, replicates=2, entropy=root_entropy(5))
    dead, exits, acquired, bailed = (sum(x) for x in zip(*seen))
    assert len(seen) == len(world.years) and dead > 0 and exits > 0 and acquired > 0 and bailed > 0


def test_the_settle_kernel_is_never_handed_overlapping_arrays(monkeypatch):
    """The serial settle kernel is compiled on the promise that its arrays never overlap
    (:data:`zili.model.jit.NOALIAS`); a store to one that changed another would then be
    miscompiled silently. Every array the engine passes it, every year (windows of the State,
    the year's tables, the books), shares no memory with any other."""
    from zili.model import engine

    kernel, years = finance._settle_kernel, []

    def check(*a):
        arrays = [x for arg in a for x in (arg if isinstance(arg, tuple) else (arg,)) if isinstance(x, np.ndarray)]
        shared = [(i, j) for i in range(len(arrays)) for j in range(i + 1, len(arrays)) if np.may_share_memory(arrays[i], arrays[j])]
        assert not shared, shared
        years.append(len(arrays))
        return kernel(*a)

    monkeypatch.setattr(finance, "_settle_kernel", check)
    world = zili.compile_world(scenario(money_events(), firms=300, replicates=2))
    engine.simulate(world, replicates=2, entropy=root_entropy(2))
    assert len(years) == len(world.years) and min(years) >= 40  # the firm arrays, tables, books and outputs
