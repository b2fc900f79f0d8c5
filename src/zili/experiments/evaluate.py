"""Evaluating design rows: one parameter draw (and variant) through the engine.

This is the function workers run. It takes a batch of design rows and returns the
long metrics frame of every row (``draw, variant, replicate, year, metric, entity,
value, tag``) plus a status per row: a failed row is recorded with a readable reason
and the batch goes on (diffrax ``RESULTS``). No I/O here; the sweep layer writes shards.
"""

from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zili.experiments.uncertain import apply_values
from zili.scenario import Scenario

INSTRUMENT_CHOICES = ("equity", "grant", "loan", "subsidy")
PROGRAMME_PAYER = "mof"


@dataclass(frozen=True)
class Programme:
    """An extra programme of ``budget_rmb_bn`` split across nodes x instruments.

    Parameters
    ----------
    budget_rmb_bn : float
        Total money of the programme, RMB bn nominal, paid in equal yearly instalments.
    split : dict
        ``(node, instrument) -> weight``; weights are normalised to sum to 1.
    start_year, end_year : int
        Years of payment (inclusive).
    payer : str
        The public payer the ledger traces the money to (default: the central budget).
    """

    budget_rmb_bn: float
    split: dict[tuple[str, str], float]
    start_year: int
    end_year: int
    payer: str = PROGRAMME_PAYER


def add_programme(world, prog: Programme):
    """The compiled world with one extra fund per instrument carrying the programme.

    Each instrument's fund gets the share of the budget the split gives it, spread
    equally over the payment years and exactly in integer RMB thousand; its mandate is
    the split across nodes within that instrument. Equity and loans select champions,
    grants and subsidies are broad.
    """
    from zili.model.world import INSTRUMENTS, SELECTION

    weights = {k: float(v) for k, v in prog.split.items() if v > 0}
    total = sum(weights.values())
    if total <= 0 or prog.budget_rmb_bn <= 0:
        return world
    names = world.names
    nodes = list(names["node"])
    years = np.asarray(world.years)
    active = (years >= prog.start_year) & (years <= prog.end_year)
    if not active.any():
        raise ValueError(f"programme years {prog.start_year}-{prog.end_year} are outside the run {years[0]}-{years[-1]}")
    p = list(names["payer"]).index(prog.payer)
    instruments = sorted({i for _, i in weights}, key=INSTRUMENT_CHOICES.index)
    budget_k = int(round(prog.budget_rmb_bn * 1_000_000))
    shares = np.array([sum(w for (_, i), w in weights.items() if i == ins) for ins in instruments]) / total
    per_ins = np.floor(shares * budget_k).astype(np.int64)
    per_ins[np.argmax(shares)] += budget_k - per_ins.sum()  # exact total
    Y, U0, P = world.fund_payin.shape
    K = len(instruments)
    payin = np.zeros((Y, U0 + K, P), dtype=np.int64)
    payin[:, :U0] = world.fund_payin
    mandate = np.zeros((U0 + K, len(nodes)))
    mandate[:U0] = world.fund_mandate
    n_active = int(active.sum())
    for k, ins in enumerate(instruments):
        yearly = np.full(n_active, per_ins[k] // n_active, dtype=np.int64)
        yearly[: per_ins[k] - yearly.sum()] += 1
        payin[active, U0 + k, p] = yearly
        for (node, i), w in weights.items():
            if i == ins:
                mandate[U0 + k, nodes.index(node)] += w
        mandate[U0 + k] /= mandate[U0 + k].sum()
    sel = np.array([SELECTION.index("champions" if ins in ("equity", "loan") else "broad") for ins in instruments])
    new_names = dict(names)
    new_names["fund"] = tuple(names["fund"]) + tuple(f"programme:{ins}" for ins in instruments)
    return dataclasses.replace(
        world,
        names=new_names,
        fund_payin=payin,
        fund_registered=np.concatenate([world.fund_registered, per_ins]),
        fund_launch=np.concatenate([world.fund_launch, np.full(K, int(years[active][0]))]),
        fund_mandate=mandate,
        fund_instrument=np.concatenate([world.fund_instrument, [INSTRUMENTS.index(i) for i in instruments]]).astype(world.fund_instrument.dtype),
        fund_selection=np.concatenate([world.fund_selection, sel]).astype(world.fund_selection.dtype),
        fund_deploy_rate=np.concatenate([world.fund_deploy_rate, np.ones(K)]),
        fund_is_private_vc=np.concatenate([world.fund_is_private_vc, np.zeros(K, bool)]),
        fund_is_provincial=np.concatenate([world.fund_is_provincial, np.zeros(K, bool)]),
        fund_cap_per_firm=np.concatenate([world.fund_cap_per_firm, np.zeros(K, np.int64)]),
    )


@dataclass
class Row:
    """One evaluation: parameter values, a variant, an entropy and optionally a programme."""

    draw: int
    variant: str
    values: dict[str, Any]
    entropy: int
    candidate: int = -1
    programme: Programme | None = None


@dataclass
class BatchTask:
    """A batch of rows sharing one scenario; what a worker receives."""

    batch: int
    scenario: Scenario
    rows: list[Row]
    replicates: int
    paired: bool = True
    metrics: tuple[str, ...] | None = None
    out_dir: str | None = None  # the sweep writes a shard here when set
    extra: dict[str, Any] = field(default_factory=dict)


def evaluate_row(sc: Scenario, row: Row, *, replicates: int, paired: bool, metrics: tuple[str, ...] | None) -> pd.DataFrame:
    """Simulate one row and return its long metrics frame (replicate ids 0..replicates-1)."""
    from zili.experiments.run import counterfactual_scenario
    from zili.model.engine import simulate
    from zili.scenario.compile import compile_world
    from zili.store.results import to_dataset, to_frame

    s = apply_values(sc, row.values)
    world = compile_world(s)
    cf_sc = counterfactual_scenario(s) if paired else None
    cf = compile_world(cf_sc) if cf_sc is not None else None
    if row.programme is not None:
        world = add_programme(world, row.programme)
        cf = add_programme(cf, row.programme) if cf is not None else None
    traj = simulate(world, replicates=replicates, entropy=row.entropy, counterfactual=cf)
    if metrics:
        keep = set(metrics)
        traj = dataclasses.replace(traj, metrics=tuple(b for b in traj.metrics if b.metric in keep))
    frame = to_frame(to_dataset(traj, scenario=sc.name, draw=row.draw))
    frame = frame.drop(columns=["scenario"])
    frame.insert(1, "variant", row.variant)
    if row.candidate >= 0:
        frame.insert(0, "candidate", np.int64(row.candidate))
    return frame


def evaluate_batch(task: BatchTask) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """All rows of a batch: (long frame, status per row). A failing row does not stop the batch."""
    frames, status = [], []
    for row in task.rows:
        try:
            frames.append(evaluate_row(task.scenario, row, replicates=task.replicates, paired=task.paired, metrics=task.metrics))
            status.append({"draw": row.draw, "variant": row.variant, "candidate": row.candidate, "ok": True, "reason": ""})
        except Exception as exc:  # noqa: BLE001 - recorded per row, the sweep goes on
            reason = f"{type(exc).__name__}: {exc}"
            status.append({"draw": row.draw, "variant": row.variant, "candidate": row.candidate, "ok": False, "reason": reason, "trace": traceback.format_exc(limit=3)})
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame, status
