"""The dynamic state of a run: firm arrays (replicate, firm slot) and node, fund and macro arrays.

Firm slots are allocated once: the starting firms, then room for the most entrants a
run can have, so no array is reallocated during a run. Entrants are packed in the order
they enter (per replicate), and the ``j``-th entrant of year ``y`` always carries the
same firm id, which keeps paired runs paired (every draw is keyed on firm ids, not slots).
Each year the engine works on :meth:`State.window`, the slots in use plus room for the
year's entrants, so slots no firm has reached yet cost nothing.

A synthetic firm stands for ``world.synthetic_weight`` real firms (named anchors for one):
``weight`` holds that per slot; counts of firms are weighted sums. Money is int64 RMB
thousand; capacity and output are float RMB bn per year at constant prices.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field, fields

import numpy as np

from zili.model.world import World

# cumulative output before the start, in years of starting output (learning-by-doing baseline)
HISTORY_YEARS = 10.0

# cumulative per-firm flows (int64 RMB thousand); the firm books identity in finance.py uses them
BOOKS = (
    "equity", "grant", "subsidy", "loan", "bank_loan", "bailout", "distress_loan", "revenue", "cost",
    "rd", "capex", "interest", "payout", "fraud", "debt_writeoff",
)


@dataclass
class State:
    """Mutable arrays of one batch of replicates; see the module docstring for units."""

    replicates: np.ndarray  # (R,) replicate ids
    entropy: int
    # firms (R, M)
    fid: np.ndarray
    alive: np.ndarray
    node: np.ndarray
    tier: np.ndarray
    owner: np.ndarray
    prov: np.ndarray
    hq_cn: np.ndarray
    cap: np.ndarray
    capa: np.ndarray
    out: np.ndarray
    foreign_tools: np.ndarray  # share of a firm's capacity running on foreign tools
    cash: np.ndarray
    debt: np.ndarray
    age: np.ndarray
    rd: np.ndarray  # R&D spent this year (own + grants), RMB bn
    rd_own: np.ndarray  # R&D from the firm's own funds last year, RMB bn
    received: np.ndarray  # int64 money received this year (equity, loans, subsidies) for capex
    grants: np.ndarray  # int64 grants and internal R&D received this year (spent on R&D)
    exposure: np.ndarray  # int64 (R, M, P) equity and loans put in by each payer
    books: dict[str, np.ndarray]
    cash0: np.ndarray  # int64 (R, M) cash when the firm started
    anchor: np.ndarray  # (M,) anchor index or -1
    # nodes (R, N, T) / (R, N)
    K: np.ndarray
    dom_share: np.ndarray
    cum_out: np.ndarray
    price: np.ndarray
    stockpile: np.ndarray
    avail: np.ndarray  # (R, N) share of China's demand for the node that was met
    out_node: np.ndarray  # (R, N) output last year
    # funds and provinces
    idle: np.ndarray  # int64 (R, U, P)
    lgfv: np.ndarray  # int64 (R, V)
    # macro
    engineers: np.ndarray  # (R,) thousand
    graduates: np.ndarray  # (R,) thousand per year
    nev_share: np.ndarray  # (R,)
    battery_cum: np.ndarray  # (R,) cumulative battery output, RMB bn
    stock_units: np.ndarray  # (R, N) infrastructure units built (base stations, charging points)
    next_slot: np.ndarray  # (R,) entrants so far this year
    n_entered: np.ndarray = None  # (R,) entrants so far in the run (they fill slots F0, F0+1, ...)
    weight: np.ndarray = None  # (M,) real firms a slot stands for
    first_new_id: int = 0  # id of entrant j of year index k: first_new_id + k * entries_per_year + j
    f0_order: np.ndarray = None  # (F0,) World firm index of each starting slot (slots are in id order)
    cum_out_start: np.ndarray = None  # (R, N) cumulative output at the start (learning baseline)
    year_index: int = 0
    backend: str = "numba"  # how the per-firm kernels run (zili.model.backend)
    threads: int = 1  # threads of the per-firm passes that split into pieces (zili.model.threads)
    scratch: dict = field(default_factory=dict)  # per-year flows for metrics

    def window(self, L: int) -> "State":
        """A state whose firm arrays are views of the first ``L`` slots (other arrays shared)."""
        view = copy.copy(self)
        for name, a in _window_fields(self, L):
            setattr(view, name, a)
        view.books = {k: v[:, :L] for k, v in self.books.items()}
        return view

    def merge(self, view: "State", L: int) -> None:
        """Take back a window's results: firm arrays a step replaced are copied into the slots."""
        for name in _field_names():
            if name in _FIRM_SET:
                a = getattr(view, name)
                full = getattr(self, name)
                if not np.may_share_memory(a, full):
                    if full.ndim == 1:
                        full[:L] = a
                    else:
                        full[:, :L] = a
            elif name == "books":
                for k, v in view.books.items():
                    if not np.may_share_memory(v, self.books[k]):
                        self.books[k][:, :L] = v
            else:
                setattr(self, name, getattr(view, name))


FIRM_FIELDS = (
    "fid", "alive", "node", "tier", "owner", "prov", "hq_cn", "cap", "capa", "out", "foreign_tools", "cash", "debt",
    "age", "rd", "rd_own", "received", "grants", "exposure", "cash0", "anchor", "weight",
)


_FIRM_SET = frozenset(FIRM_FIELDS)


@functools.cache
def _field_names() -> tuple[str, ...]:
    """The State's field names, in order (``dataclasses.fields`` is some 10 us a call)."""
    return tuple(f.name for f in fields(State))


def entry_slots(max_entries: int, weight: float) -> int:
    """Most synthetic entrants a year: ``max_entries`` real firms over the firm ``weight``."""
    return int(np.ceil(int(max_entries) / weight - 1e-9))


def entries_per_year(world: World) -> int:
    """:func:`entry_slots` of a compiled world (entrant j of year index k has id first_new + k x this + j)."""
    return entry_slots(int(world.params.max_entries_per_year), world.synthetic_weight)


def slots(world: World, entries_per_year: int) -> int:
    """Total firm slots: starting firms plus room for the most entrants a run can have."""
    return len(world.firm_id) + len(world.years) * entries_per_year


def _window_fields(state: "State", L: int):
    for name in FIRM_FIELDS:
        a = getattr(state, name)
        yield name, (a[:L] if a.ndim == 1 else a[:, :L])


def initial_state(world: World, replicates: np.ndarray, entropy: int) -> State:
    """Starting state for replicates ``replicates`` (ids), identical across replicates."""
    sh = world.shape
    R = len(replicates)
    E = entries_per_year(world)
    F0, M = sh["F0"], slots(world, E)
    N, P, U, V = sh["N"], sh["P"], sh["U"], sh["V"]

    # canonical order: starting firms sorted by id, so results never depend on input order
    order = np.argsort(world.firm_id, kind="stable")

    def firm(arr, dtype, fill=0):
        a = np.full((R, M), fill, dtype=dtype)
        a[:, :F0] = np.asarray(arr)[order] if np.ndim(arr) else arr
        return a

    first_new = int(world.firm_id.max()) + 1 if F0 else 0
    # slots not yet entered carry ids above every entrant's, so ids increase along the slot axis
    ids = np.concatenate([world.firm_id[order], first_new + len(world.years) * E + np.arange(M - F0, dtype=np.int64)])
    cash = firm(world.firm_cash, np.int64)
    st = State(
        replicates=np.asarray(replicates),
        entropy=entropy,
        fid=np.broadcast_to(ids, (R, M)).copy(),
        alive=firm(True, bool, False),
        node=firm(world.firm_node, np.int64),
        tier=firm(world.firm_tier, np.int64),
        owner=firm(world.firm_owner, np.int64),
        prov=firm(world.firm_province, np.int64),
        hq_cn=firm(world.firm_hq_cn, bool, True),
        cap=firm(world.firm_capability, np.float64),
        capa=firm(world.firm_capacity, np.float64),
        out=np.zeros((R, M)),
        foreign_tools=firm(np.where(world.fab_nodes[world.firm_node], 1.0 - world.ss0[world.tool_nodes].mean(), 0.0), np.float64),
        cash=cash,
        debt=np.zeros((R, M), dtype=np.int64),
        age=firm(5, np.int64),
        rd=np.zeros((R, M)),
        rd_own=np.zeros((R, M)),
        received=np.zeros((R, M), dtype=np.int64),
        grants=np.zeros((R, M), dtype=np.int64),
        exposure=np.zeros((R, M, P), dtype=np.int64),
        books={k: np.zeros((R, M), dtype=np.int64) for k in BOOKS},
        cash0=cash.copy(),
        anchor=np.concatenate([world.firm_anchor[order], np.full(M - F0, -1)]),
        f0_order=order,
        K=np.broadcast_to(world.cap0, (R, N, 2)).copy(),
        dom_share=np.broadcast_to(world.ss0, (R, N, 2)).copy(),
        cum_out=np.broadcast_to((world.ss0 * world.demand0).sum(1) * HISTORY_YEARS + 1e-6, (R, N)).copy(),
        price=np.ones((R, N)),
        stockpile=np.zeros((R, N)),
        avail=np.ones((R, N)),
        out_node=np.broadcast_to((world.ss0 * world.demand0).sum(1), (R, N)).copy(),
        idle=np.zeros((R, U, P), dtype=np.int64),
        lgfv=np.zeros((R, V), dtype=np.int64),
        engineers=np.full(R, world.engineers0),
        graduates=np.full(R, world.graduates0),
        nev_share=np.full(R, world.nev_share0),
        battery_cum=np.full(R, 1.0),
        stock_units=np.zeros((R, N)),
        next_slot=np.zeros(R, dtype=np.int64),
        n_entered=np.zeros(R, dtype=np.int64),
        first_new_id=first_new,
    )
    anchor = st.anchor
    st.weight = np.where(anchor >= 0, 1.0, world.synthetic_weight)
    st.age[:, :F0] = np.where(world.firm_owner[order] == 3, 1, 5)
    st.cum_out_start = st.cum_out.copy()
    return st
