"""The real-versus-financial economy lens (seed 000): where this year's capital went, by sector.

Reports capital deployed this year per sector (summed by the capital step as it books the
flows; :func:`sector_sums` forms the same sums from the year's ledger rows) and per economy
(real or financial), and the allocation of early-stage
(venture-type) money across sectors: the model's counterpart of seed 000's "enterprise
services and software, 12% of early-stage investment in 2021".
"""

from __future__ import annotations

import numpy as np

from zili.model.money import THOUSAND_PER_BN
from zili.model.state import State
from zili.model.world import SELECTION, World

VENTURE = SELECTION.index("venture")


def replicate_rows(replicates: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Row of each replicate id ``rep`` (a ledger column) in a batch of ids ``replicates`` (ids need not be sorted)."""
    order = np.argsort(replicates, kind="stable")
    return order[np.searchsorted(replicates[order], rep)]


def sector_sums(replicates: np.ndarray, world: World, rows: list) -> tuple[np.ndarray, np.ndarray]:
    """The year's capital by (replicate, sector) from its ledger blocks ``rows``, RMB bn (R, S): of
    all funds and of venture funds, each summed in ledger order. The capital step forms the same
    sums, bit for bit, as it books the flows (:func:`zili.model.capital._book_block`); this is
    their reference (a test holds the two together)."""
    R, S = len(replicates), len(world.names["sector"])
    if not rows:
        return np.zeros((R, S)), np.zeros((R, S))
    rep = np.concatenate([r[0] for r in rows])
    fund = np.concatenate([r[3] for r in rows]).astype(np.int64)
    node = np.concatenate([r[5] for r in rows]).astype(np.int64)
    amount = np.concatenate([r[7] for r in rows]) / THOUSAND_PER_BN
    r_ = replicate_rows(replicates, rep)
    sec = world.node_sector[node]
    by_sector = np.bincount(r_ * S + sec, weights=amount, minlength=R * S).reshape(R, S)
    v = world.fund_selection[fund] == VENTURE
    venture = np.bincount(r_[v] * S + sec[v], weights=amount[v], minlength=R * S).reshape(R, S)
    return by_sector, venture


def step(state: State, world: World, k: int) -> State:
    """Fill ``capital_by_sector`` (R, S) RMB bn and ``vc_allocation`` (R, S) fractions in the scratch,
    from the year's flows by sector that the capital step summed as it booked them."""
    sc = state.scratch
    by_sector, venture = sc.pop("sector_flows")
    total = venture.sum(axis=1, keepdims=True)
    sc["capital_by_sector"] = by_sector
    sc["vc_allocation"] = np.where(total > 0, venture / np.where(total > 0, total, 1.0), 0.0)
    return state
