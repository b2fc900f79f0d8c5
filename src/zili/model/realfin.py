"""The real-versus-financial economy lens (seed 000): where this year's capital went, by sector.

Reads the ledger rows the capital step appended this year and reports capital deployed
per sector and per economy (real or financial), and the allocation of early-stage
(venture-type) money across sectors: the model's counterpart of seed 000's "enterprise
services and software, 12% of early-stage investment in 2021".
"""

from __future__ import annotations

import numpy as np

from zili.model.money import THOUSAND_PER_BN
from zili.model.provinces import replicate_rows
from zili.model.state import State
from zili.model.world import SELECTION, World

VENTURE = SELECTION.index("venture")


def step(state: State, world: World, k: int, parts: list, start: int) -> State:
    """Fill ``capital_by_sector`` (R, S) RMB bn and ``vc_allocation`` (R, S) fractions in the scratch."""
    sc = state.scratch
    R = state.alive.shape[0]
    S = len(world.names["sector"])
    by_sector = np.zeros((R, S))
    venture = np.zeros((R, S))
    rows = parts[start:]
    if rows:
        rep = np.concatenate([r[0] for r in rows])
        fund = np.concatenate([r[3] for r in rows]).astype(np.int64)
        node = np.concatenate([r[5] for r in rows]).astype(np.int64)
        amount = np.concatenate([r[7] for r in rows]) / THOUSAND_PER_BN
        r_ = replicate_rows(state.replicates, rep)
        sec = world.node_sector[node]
        by_sector = np.bincount(r_ * S + sec, weights=amount, minlength=R * S).reshape(R, S)
        v = world.fund_selection[fund] == VENTURE
        venture = np.bincount(r_[v] * S + sec[v], weights=amount[v], minlength=R * S).reshape(R, S)
    total = venture.sum(axis=1, keepdims=True)
    sc["capital_by_sector"] = by_sector
    sc["vc_allocation"] = np.where(total > 0, venture / np.where(total > 0, total, 1.0), 0.0)
    return state
