"""Step 3, capital: every yuan paid in is deployed or idle, and every deployed yuan is a ledger row.

All money checks are on integer RMB thousand: metric values are int64 / 1e6, so
``round(value * 1e6)`` recovers them exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import zili
from zili.model.world import INSTRUMENTS

from toy import THOUSAND, budget, fund_launch, money_events, scenario, simulate, subsidy, to_k


def payer_year_sums(traj, by: str, n: int) -> np.ndarray:
    """Ledger amounts summed per (replicate position, year index, payer or fund): (R, Y, n) int64."""
    lg = traj.ledger
    rpos = {int(r): i for i, r in enumerate(traj.replicates)}
    ri = np.array([rpos[int(r)] for r in lg.replicate], dtype=np.int64)
    yi = lg.year.astype(np.int64) - int(traj.years[0])
    out = np.zeros((len(traj.replicates), len(traj.years), n), dtype=np.int64)
    np.add.at(out, (ri, yi, getattr(lg, by).astype(np.int64)), lg.amount)
    return out


@pytest.fixture(scope="module", params=["money_run", "plain_run"])
def run(request):
    return request.getfixturevalue(request.param)


def split_money(run, name):
    """A money metric as int thousand, split into (payers, funds)."""
    v = to_k(run.traj.metric(name).values)
    P = len(run.world.names["payer"])
    return v[..., :P], v[..., P:]


def test_money_metrics_are_whole_thousands(run):
    for name in ("funder_budget", "capital_deployed", "capital_unspent", "capital_paid_in", "waste", "committed_capital"):
        v = run.traj.metric(name).values
        assert np.array_equal(to_k(v) / THOUSAND, v), name


def test_budget_is_deployed_plus_unspent(run):
    for part in (0, 1):  # payers, funds
        b = split_money(run, "funder_budget")[part]
        d = split_money(run, "capital_deployed")[part]
        u = split_money(run, "capital_unspent")[part]
        assert np.array_equal(b, d + u)
        assert (d >= 0).all() and (u >= 0).all()


def test_idle_capital_carries_over(run):
    """budget[y] = unspent[y-1] + paid_in[y] for every payer and fund; budget[first] = paid_in[first]."""
    for part in (0, 1):
        b = split_money(run, "funder_budget")[part]
        u = split_money(run, "capital_unspent")[part]
        paid = split_money(run, "capital_paid_in")[part]
        assert np.array_equal(b[:, 0], paid[:, 0])
        assert np.array_equal(b[:, 1:], u[:, :-1] + paid[:, 1:])


def test_paid_in_is_deployed_plus_idle_over_the_run(run):
    for part in (0, 1):
        d = split_money(run, "capital_deployed")[part]
        u = split_money(run, "capital_unspent")[part]
        paid = split_money(run, "capital_paid_in")[part]
        assert np.array_equal(paid.sum(axis=1), d.sum(axis=1) + u[:, -1])


def test_ledger_sums_equal_capital_deployed(run):
    payers, funds = split_money(run, "capital_deployed")
    assert np.array_equal(payer_year_sums(run.traj, "payer", payers.shape[-1]), payers)
    assert np.array_equal(payer_year_sums(run.traj, "fund", funds.shape[-1]), funds)
    assert payers.sum() > 0


def test_payers_sum_to_funds(run):
    for name in ("funder_budget", "capital_deployed", "capital_unspent", "capital_paid_in"):
        payers, funds = split_money(run, name)
        assert np.array_equal(payers.sum(-1), funds.sum(-1)), name


def test_ledger_rows_are_well_formed(money_run):
    lg = money_run.traj.ledger
    w = money_run.world
    assert (lg.amount > 0).all()
    assert set(np.unique(lg.year)) <= set(w.years.tolist())
    assert lg.payer_names == w.names["payer"] and lg.fund_names == w.names["fund"]
    assert lg.instrument_names == INSTRUMENTS
    # a fund's rows carry the fund's instrument, and name only payers that paid into it
    assert np.array_equal(lg.instrument, w.fund_instrument[lg.fund])
    paid_into = w.fund_payin.sum(axis=0) > 0  # (U, P)
    assert paid_into[lg.fund, lg.payer].all()
    # every row's node is within the fund's mandate
    assert (w.fund_mandate[lg.fund, lg.node] > 0).all()


def test_ledger_firm_ids_and_nodes_match_firms(money_run):
    lg = money_run.traj.ledger
    firms = money_run.traj.firms
    for rpos, r in enumerate(money_run.traj.replicates):
        rows = lg.replicate == r
        fid = firms["fid"][rpos]
        slot = np.searchsorted(fid, lg.firm_id[rows])
        assert np.array_equal(fid[slot], lg.firm_id[rows])  # ids exist (slots are in id order)
        assert np.array_equal(firms["node"][rpos, slot], lg.node[rows])  # firms never change node


def test_exposure_equals_equity_and_loans_in_ledger(money_run):
    """Per firm and payer, the engine's exposure is exactly the equity + loans the ledger gave it."""
    state, lg = money_run.traj.state, money_run.traj.ledger
    invest = np.isin(lg.instrument, [INSTRUMENTS.index("equity"), INSTRUMENTS.index("loan")])
    for rpos, r in enumerate(money_run.traj.replicates):
        rows = invest & (lg.replicate == r)
        expected = np.zeros(state.exposure.shape[1:], dtype=np.int64)
        slot = np.searchsorted(state.fid[rpos], lg.firm_id[rows])
        np.add.at(expected, (slot, lg.payer[rows].astype(np.int64)), lg.amount[rows])
        assert np.array_equal(state.exposure[rpos], expected)


def test_firm_books_match_ledger_by_instrument(money_run):
    state, lg = money_run.traj.state, money_run.traj.ledger
    book_of = {"equity": "equity", "loan": "loan", "grant": "grant", "internal_rd": "grant",
               "subsidy": "subsidy", "tax_expenditure": "subsidy"}
    for book in set(book_of.values()):
        codes = [INSTRUMENTS.index(i) for i, b in book_of.items() if b == book]
        for rpos, r in enumerate(money_run.traj.replicates):
            rows = np.isin(lg.instrument, codes) & (lg.replicate == r)
            expected = np.zeros(state.fid.shape[1], dtype=np.int64)
            np.add.at(expected, np.searchsorted(state.fid[rpos], lg.firm_id[rows]), lg.amount[rows])
            assert np.array_equal(state.books[book][rpos], expected), book


# --- a toy fund with answers known by hand ------------------------------------------------


@pytest.fixture(scope="module")
def toy_fund():
    """One fund, RMB 64 bn paid in 2015 by two payers (half each), deploying half of what it holds.

    By hand, per payer (RMB thousand): 2014 nothing; 2015 holds 32,000,000, deploys 16,000,000;
    2016 holds 16,000,000, deploys 8,000,000; ... halving each year (exact: 32e6 / 2**6 = 500,000).
    A fund deploys its target only if each node it funds finds a deal; with RMB 0.1 bn tickets
    even the last year (RMB 1 bn) makes about 10 deals in chip design, so that is near certain.
    """
    ev = fund_launch("toy", fund="big_fund_1", year=2015, paid={2015: 64.0}, registered=100.0,
                     payers={"mof": 0.5, "china_tobacco": 0.5}, mandate={"chip_design": 1.0})
    params = {"capital": {"fund_deploy_rate": 0.5, "big_ticket_rmb_bn": 0.1}}
    sc = scenario([ev], params=params, firms=600, replicates=2)
    return simulate(sc)


def _fund_series(run, metric, name):
    return to_k(run.traj.value(metric, name))


def test_toy_fund_deploys_by_hand(toy_fund):
    per_payer_held = np.array([0, 32_000_000, 16_000_000, 8_000_000, 4_000_000, 2_000_000, 1_000_000])
    per_payer_deployed = per_payer_held // 2
    for payer in ("mof", "china_tobacco"):
        for r in range(2):
            assert _fund_series(toy_fund, "funder_budget", payer)[r].tolist() == per_payer_held.tolist()
            assert _fund_series(toy_fund, "capital_deployed", payer)[r].tolist() == per_payer_deployed.tolist()
            assert _fund_series(toy_fund, "capital_unspent", payer)[r].tolist() == (per_payer_held - per_payer_deployed).tolist()
    for r in range(2):
        assert _fund_series(toy_fund, "capital_deployed", "big_fund_1")[r].tolist() == (2 * per_payer_deployed).tolist()
        assert _fund_series(toy_fund, "capital_paid_in", "big_fund_1")[r].tolist() == [0, 64_000_000, 0, 0, 0, 0, 0]


def test_toy_fund_ledger_goes_to_its_mandate(toy_fund):
    lg = toy_fund.traj.ledger
    rows = lg.fund == lg.fund_names.index("big_fund_1")
    assert set(lg.node[rows]) == {lg.node_names.index("chip_design")}
    assert set(lg.instrument[rows]) == {INSTRUMENTS.index("equity")}
    assert lg.amount[rows].sum() == 2 * 2 * (16_000_000 + 8_000_000 + 4_000_000 + 2_000_000 + 1_000_000 + 500_000)


def test_toy_fund_committed_capital_after_launch(toy_fund):
    """committed = registered - cumulative paid-in: 100 bn registered, 64 bn paid in 2015."""
    c = _fund_series(toy_fund, "committed_capital", "big_fund_1")
    for r in range(2):
        assert c[r, 1:].tolist() == [36_000_000] * 6


def test_toy_fund_has_no_committed_capital_before_launch(toy_fund):
    assert (_fund_series(toy_fund, "committed_capital", "big_fund_1")[:, 0] == 0).all()


def test_budget_line_deploys_everything_each_year():
    """A budget programme deploys the modelled share of its yearly amount (deploy rate 1).

    budget_modelled_share = 0.5: RMB 2 bn in 2014 and 5 bn in 2016 reach the nodes as 1 and 2.5 bn.
    """
    ev = budget("b", payer="china_tobacco", fund="central_st_budget", amounts={2014: 2.0, 2016: 5.0}, mandate={"chip_design": 1.0})
    params = {"capital": {"big_ticket_rmb_bn": 0.1}, "programmes": {"budget_modelled_share": 0.5}}
    run = simulate(scenario([ev], params=params, firms=600, replicates=1))
    d = _fund_series(run, "capital_deployed", "china_tobacco")[0]
    assert d.tolist() == [1_000_000, 0, 2_500_000, 0, 0, 0, 0]
    assert (_fund_series(run, "capital_unspent", "china_tobacco") == 0).all()


def test_subsidy_cap_per_firm():
    """No firm gets more than the cap from a capped subsidy in a year; the rest stays idle."""
    cap_bn = 0.01
    ev = subsidy("s", nodes=["battery_cells"], amount=5.0, year=2015) | {"cap_per_firm_rmb_bn": cap_bn, "payer": "china_tobacco"}
    capped = simulate(scenario([ev], firms=400))
    free = simulate(scenario([subsidy("s", nodes=["battery_cells"], amount=5.0, year=2015) | {"payer": "china_tobacco"}], firms=400))
    lg = capped.traj.ledger
    rows = lg.fund == lg.fund_names.index("subsidy:s")
    keys = np.stack([lg.replicate[rows], lg.year[rows], lg.firm_id[rows]], axis=1)
    _, inv = np.unique(keys, axis=0, return_inverse=True)
    per_firm_year = np.bincount(inv.ravel(), weights=lg.amount[rows])
    assert per_firm_year.max() <= cap_bn * THOUSAND
    assert per_firm_year.max() == cap_bn * THOUSAND  # the cap binds
    d_capped = _fund_series(capped, "capital_deployed", "subsidy:s").sum()
    d_free = _fund_series(free, "capital_deployed", "subsidy:s").sum()
    assert d_capped < d_free
    b, d, u = (_fund_series(capped, m, "subsidy:s") for m in ("funder_budget", "capital_deployed", "capital_unspent"))
    assert np.array_equal(b, d + u) and u[:, -1].sum() > 0


@pytest.mark.parametrize("soe_only", [False, True])
@pytest.mark.parametrize("selection", [0, 1, 2])
def test_fused_selection_matches_the_numpy_formulas(selection, soe_only):
    """The compiled kernel computes the weights of ``_scores`` x exp(sigma x Gumbel) and selects with
    probability min(1, deals x w / W) against the keyed uniform, as the NumPy reference would."""
    from zili.model import capital, rng
    from zili.model.groups import group_sum
    from zili.model.state import initial_state

    world = zili.compile_world(scenario(money_events(), firms=600, replicates=3))
    state = initial_state(world, np.arange(3), rng.root_entropy(5))
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    gen = np.random.default_rng(0)
    state.age[:] = gen.integers(0, 9, state.age.shape)
    mandate = (gen.random(N) < 0.7).astype(float)
    eligible = state.alive & (mandate[state.node] > 0)
    if soe_only:  # internal R&D: state-owned firms only
        from zili.model.world import is_soe
        eligible &= is_soe(state.owner)
    keys = rng.stream_keys(state.entropy, state.replicates, 2016, "capital", 3)
    deals = gen.integers(0, 6, (R, N)).astype(float)
    A_tot = gen.integers(0, 2, (R, N)) * 1000
    r_i, m_i, g_i, w_i, f_i, W = capital._select(
        state.alive, np.zeros(R, dtype=np.int64), np.zeros(R, dtype=np.int64), mandate, state.owner, soe_only, state.node, state.prov,
        *capital.log_scores(state), state.age, state.fid, rng.mix_ids(state.fid), keys, selection, float(p.selection_capability), float(p.selection_size),
        float(p.selection_noise), 1, deals, A_tot)
    rr = np.arange(R)[:, None]
    money = A_tot[rr, state.node] > 0  # firms in groups without money are never weighed
    ref = np.where(eligible & money, capital._scores(state, world, selection) * np.exp(p.selection_noise * capital._noise(state, keys)), 0.0)
    assert (ref > 0).any() and ((ref == 0) & eligible).any()
    np.testing.assert_allclose(W, group_sum(ref, state.node, N), rtol=1e-12)  # every weight enters its group's total
    prob = np.minimum(1.0, deals[rr, state.node] * ref / np.where(W[rr, state.node] > 0, W[rr, state.node], 1.0))
    u = rng.uniform(keys ^ np.uint64(0xA5A5A5A5), state.fid)
    expected = eligible & (u < prob) & (A_tot[rr, state.node] > 0)
    near = np.abs(u - prob) < 1e-9  # ties at the rounding level may go either way
    sel = np.zeros((R, M), dtype=bool)
    sel[r_i, m_i] = True
    assert sel.any() and np.array_equal(sel[~near], expected[~near])
    # the selected firms come in slot order, with their group code, weight and firm id
    er, em = np.nonzero(sel)
    assert np.array_equal(r_i, er) and np.array_equal(m_i, em)
    assert np.array_equal(g_i, r_i * N + state.node[r_i, m_i]) and np.array_equal(f_i, state.fid[r_i, m_i])
    np.testing.assert_allclose(w_i, ref[r_i, m_i], rtol=1e-12)


def test_selection_skips_the_funds_own_new_start_ups():
    """Slots new_lo <= m < new_hi (the start-ups a venture fund just opened) are never weighed nor
    selected."""
    from zili.model import capital, rng
    from zili.model.state import initial_state

    world = zili.compile_world(scenario(money_events(), firms=300, replicates=2))
    state = initial_state(world, np.arange(2), rng.root_entropy(5))
    p = world.params
    R, M = state.alive.shape
    N = len(world.names["node"])
    keys = rng.stream_keys(state.entropy, state.replicates, 2016, "capital", 3)
    deals, A_tot = np.full((R, N), 30.0), np.full((R, N), 1000)

    def selected(lo, hi):
        r_i, m_i, *_ , W = capital._select(
            state.alive, np.full(R, lo), np.full(R, hi), np.ones(N), state.owner, False, state.node, state.prov,
            *capital.log_scores(state), state.age, state.fid, rng.mix_ids(state.fid), keys, 0, float(p.selection_capability), float(p.selection_size),
            float(p.selection_noise), 1, deals, A_tot)
        return set(zip(r_i.tolist(), m_i.tolist())), W

    (full, W_full), (skipped, W_skipped) = selected(0, 0), selected(10, 60)
    inside = {(r, m) for r, m in full if 10 <= m < 60}
    assert inside and not any(10 <= m < 60 for _, m in skipped)
    assert np.all(W_skipped <= W_full) and (W_skipped < W_full).any()  # their weights left the group totals



@pytest.mark.parametrize("weighed_before", [False, True])
@pytest.mark.parametrize("soe_only", [False, True])
@pytest.mark.parametrize("provincial", [False, True])
@pytest.mark.parametrize("selection", [0, 1, 2])
def test_selection_on_the_years_layout_is_the_slot_scan_bit_for_bit(selection, provincial, soe_only, weighed_before):
    """``_select_laid`` (the fund loop's selection: the year's firms laid out by node, read as runs)
    gives what the slot scan ``_select`` gives, bit for bit: the same firms in the same order, weights
    and group totals, with dead slots, mandates and groups without money, this year's start-ups of
    the funds before (slots y0..new_lo, weighed after the older firms of their group) and the fund's
    own start-ups (from new_lo, never weighed). Also where the layout's weights were weighed before
    the fund loop, in pieces on threads (``_weigh_layout``, runs with threads)."""
    from zili.model import capital, rng
    from zili.model.state import initial_state
    from zili.model.world import OWNERSHIP

    world = zili.compile_world(scenario(money_events(), firms=800, replicates=3))
    state = initial_state(world, np.arange(3), rng.root_entropy(11))
    p = world.params
    R, M = state.alive.shape
    N, V = len(world.names["node"]), len(world.names["province"])
    gen = np.random.default_rng(4)
    state.age[:] = gen.integers(0, 9, state.age.shape)
    y0 = np.array([500, 560, 620])  # slots from y0: "this year's" start-ups, opened after the layout is made
    new_lo = y0 + np.array([40, 0, 25])  # from new_lo: the fund's own
    for r in range(R):
        state.alive[r, y0[r]:] = False
        state.alive[r, : y0[r]] &= gen.random(y0[r]) < 0.85  # some dead slots
    state.owner[0, 5:40] = OWNERSHIP.index("central_soe")
    log_cap, log_capa = capital.log_scores(state)
    mixed = rng.mix_ids(state.fid)
    lay = capital._layout(state.alive, state.node, state.prov, log_cap, log_capa, state.age, state.owner, mixed,
                          float(p.selection_capability), float(p.selection_size), N)
    for r in range(R):  # then the year's start-ups open (the layout does not hold them)
        state.alive[r, y0[r]:new_lo[r] + 30] = True
        state.owner[r, y0[r]:new_lo[r] + 30] = OWNERSHIP.index("startup")
        state.age[r, y0[r]:new_lo[r] + 30] = 0
    Vg = V if provincial else 1
    G = N * Vg
    mandate = (gen.random(N) < 0.7).astype(float)
    deals = gen.integers(0, 6, (R, G)).astype(float)
    A_tot = gen.integers(0, 2, (R, G)) * 1000
    keys = rng.stream_keys(state.entropy, state.replicates, 2017, "capital", 5)
    common = (mandate, state.owner, soe_only, state.node, state.prov, log_cap, log_capa, state.age, state.fid, mixed, keys, selection,
              float(p.selection_capability), float(p.selection_size), float(p.selection_noise), Vg, deals, A_tot)
    ref = capital._select(state.alive, new_lo, np.full(R, M), *common)
    pre = np.empty((2, 0, 0))
    if weighed_before:  # this fund (index 2 of 3, its key in row 2) weighed and drawn for on the layout, in pieces of at most a chunk
        pre, psum = np.full((1, 2, R, M), np.nan), np.full((1, R, N), np.nan)
        fund_keys = np.stack([keys ^ np.uint64(1), keys ^ np.uint64(2), keys])
        node_mandate = np.stack([np.ones(N), np.ones(N), mandate])
        capital._weigh_layout(lay[0], lay[3], lay[4], np.array([2]), node_mandate, np.array([0, 1, selection]), fund_keys,
                              float(p.selection_noise), pre, psum, 2)
        pre, psum = pre[0], psum[0]
    else:
        psum = np.empty((0, 0))
    got = capital._select_laid(lay, capital._select_work(R, M), pre, psum, y0, new_lo, state.alive, *common)
    assert ref[0].size > 20 and (ref[1] >= y0[ref[0]]).any() == (not soe_only)  # start-ups picked unless SOEs only
    for a, b in zip(ref, got):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_compiled_cap_matches_the_numpy_reference():
    """``_capped`` gives the integers of ``_apply_cap``: totals above floor(cap x weight) scaled down
    per payer (floor division), the others untouched, on ties at the cap and on zero totals too."""
    from zili.model import capital

    gen = np.random.default_rng(3)
    amount = gen.integers(0, 5_000, (4, 300)) * (gen.random((4, 300)) < 0.6)
    amount[:, :5] = 0  # firms with nothing
    weight = gen.choice([0.5, 1.0, 2.5], 300)
    cap = 4_000
    amount[0, 10], amount[1:, 10] = 10_000, 0  # a total exactly at the cap (4,000 x 2.5): untouched
    weight[10] = 2.5
    out = capital._capped(amount, cap, weight)
    ref = capital._apply_cap(amount, cap, weight)
    assert np.array_equal(out, ref) and out.dtype == np.int64 and out[0, 10] == 10_000
    assert (out.sum(axis=0) <= np.floor(cap * weight)).all() and (out != amount).any() and (out == amount).all(axis=0).any()


def test_booking_kernel_lists_each_rows_firm():
    """``_book_block`` books every cell above zero as one ledger row, payer by payer, and returns the
    replicate row and slot of each row (the provincial fund's deals are read from them)."""
    from zili.model import capital

    R, M, P = 2, 8, 3
    gen = np.random.default_rng(1)
    r_, m_ = np.array([0, 0, 1, 1, 1]), np.array([1, 4, 0, 4, 7])
    amount = gen.integers(0, 3, (P, 5)) * 1000
    node, fid = gen.integers(0, 4, (R, M)), np.arange(R * M).reshape(R, M) + 100
    z = lambda: np.zeros((R, M), dtype=np.int64)  # noqa: E731
    cash, received, grants, debt, book, book_fraud = z(), z(), z(), z(), z(), z()
    exposure = np.zeros((R, M, 5), dtype=np.int64)
    payers = np.array([0, 2, 4])
    dep, waste, rows, l_r, l_m = capital._book_block(
        2, payers, r_, m_, amount, np.zeros(4), node, fid, cash, received, grants, debt, exposure, book, book_fraud, R,
        np.zeros(P, dtype=bool), np.zeros((R, 4)), np.array([7, 9]), 2016, 3, capital.EQUITY,
        (np.array([0, 1, 1, 0]), np.zeros((R, 2)), np.zeros((R, 2))), False)
    pi, j = np.nonzero(amount)  # payer by payer, firms in block order
    assert np.array_equal(l_r, r_[j]) and np.array_equal(l_m, m_[j])
    assert np.array_equal(rows[0], np.array([7, 9])[r_[j]]) and np.array_equal(rows[2], payers[pi])
    assert np.array_equal(rows[6], fid[r_[j], m_[j]]) and np.array_equal(rows[7], amount[pi, j])
    assert np.array_equal(dep, np.stack([np.bincount(r_, weights=a, minlength=R) for a in amount]).astype(np.int64))
    assert exposure.sum() == amount.sum() == cash.sum() == received.sum() and (waste == 0).all()
    assert np.array_equal(exposure[r_, m_][:, payers], amount.T)


def test_startup_slots_fill_the_years_room_in_proportion():
    """Start-ups take the next free slots and ids; where a replicate's counts exceed the year's room
    for entrants, the room is split over the groups in proportion to the counts (largest remainder)."""
    from zili.model import capital
    from zili.model.money import split

    counts = np.array([[3, 0, 2], [40, 10, 0], [1, 1, 1]])
    E, F0, base = 20, 5, 1000
    next_slot, n_entered = np.array([0, 4, 20]), np.array([7, 2, 9])
    fid = np.full((3, 60), -1, dtype=np.int64)
    r_, m_, g_ = capital._startup_slots(counts, E, F0, base, next_slot, n_entered, fid)
    got = np.stack([np.bincount(g_[r_ == r], minlength=3) for r in range(3)])
    assert np.array_equal(got[0], counts[0]) and got[1].sum() == 16 and got[2].sum() == 0  # room: 20, 16 and 0
    assert np.array_equal(got[1], split(np.array(16), counts[1].astype(float), np.arange(3)))
    assert np.array_equal(m_[r_ == 0], F0 + 7 + np.arange(5)) and np.array_equal(fid[0, 12:17], base + np.arange(5))
    assert np.array_equal(fid[1, m_[r_ == 1]], base + 4 + np.arange(16)) and (fid[2] == -1).all()
    assert np.array_equal(next_slot, [5, 20, 20]) and np.array_equal(n_entered, [12, 18, 9])
