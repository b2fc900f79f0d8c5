"""Policy design: splits of an extra budget across nodes and instruments that do well
across the uncertainty, not one "optimum".

A candidate is a split of ``budget_rmb_bn`` over (node, instrument) cells. Every
candidate is evaluated on the same parameter draws with the same random streams
(common random numbers: a draw's entropy depends on the draw only), so differences
between candidates are not Monte Carlo noise. Reported per candidate: the expected
objective, the regret against the best evaluated split in each draw (mean and worst),
how often it is the best, and its paired gain over the baseline split (equal shares).
The search is Optuna (TPE, or CMA-ES), asking several candidates per round so a round
runs in parallel on any executor.

References
----------
Savage (1951), The theory of statistical decision, JASA 46(253):55-67,
doi:10.1080/01621459.1951.10500768 (minimax regret). Lempert, Popper & Bankes (2003),
Shaping the next one hundred years, RAND MR-1626, https://www.rand.org/pubs/monograph_reports/MR1626.html
(robust decision making). Akiba et al. (2019), Optuna, KDD, doi:10.1145/3292500.3330701.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zili.experiments.design import draw_entropy
from zili.experiments.evaluate import INSTRUMENT_CHOICES, BatchTask, Programme, Row, evaluate_batch
from zili.experiments.targets import Objective
from zili.scenario import Scenario

SAMPLERS = ("tpe", "cmaes", "random")


@dataclass
class BudgetProblem:
    """An extra programme's split as the decision, evaluated across parameter draws.

    Parameters
    ----------
    scenario : Scenario
    budget_rmb_bn : float
        Total money of the extra programme (RMB bn nominal), paid equally over
        ``start_year``..``end_year``.
    nodes, instruments : list of str
        The decision cells are their product.
    objective : Objective
    design : DataFrame
        Parameter draws (``draw`` + parameters) shared by every candidate.
    replicates, seed : int
        Replicates per draw and the root seed (entropy per draw, common to candidates).
    """

    scenario: Scenario
    budget_rmb_bn: float
    nodes: list[str]
    instruments: list[str]
    objective: Objective
    design: pd.DataFrame
    start_year: int
    end_year: int
    replicates: int = 1
    seed: int = 0
    paired: bool = False

    def __post_init__(self):
        bad = [i for i in self.instruments if i not in INSTRUMENT_CHOICES]
        if bad:
            raise ValueError(f"instrument {bad[0]!r}; allowed: {', '.join(INSTRUMENT_CHOICES)}")
        from zili.data import known_ids

        nodes = known_ids()["node"]
        bad = [n for n in self.nodes if n not in nodes]
        if bad:
            raise ValueError(f"node {bad[0]!r}; allowed: {', '.join(nodes)}")

    @property
    def cells(self) -> list[tuple[str, str]]:
        return [(n, i) for n in self.nodes for i in self.instruments]

    def baseline_split(self) -> dict[tuple[str, str], float]:
        """Equal shares over every node and instrument."""
        return {c: 1.0 / len(self.cells) for c in self.cells}

    def task(self, candidate: int, split: dict[tuple[str, str], float] | None) -> BatchTask:
        prog = None if split is None else Programme(self.budget_rmb_bn, split, self.start_year, self.end_year)
        params = [c for c in self.design.columns if c != "draw"]
        values = self.design[params].to_dict("records")
        root = _root(self.seed)
        n = len(self.design)
        rows = [Row(draw=int(d), variant="default", values=values[k], entropy=draw_entropy(root, int(d), n), candidate=candidate, programme=prog)
                for k, d in enumerate(self.design["draw"].to_numpy())]
        return BatchTask(batch=candidate, scenario=self.scenario, rows=rows, replicates=self.replicates, paired=self.paired,
                         metrics=(self.objective.series.metric,), extra={"objective": self.objective})


def _root(seed: int) -> int:
    from zili.model.rng import root_entropy

    return root_entropy(seed)


def evaluate_candidate(task: BatchTask) -> dict[str, Any]:
    """Worker entry point: objective value per draw (replicate mean), NaN where a row failed."""
    frame, status = evaluate_batch(task)
    obj: Objective = task.extra["objective"]
    draws = [r.draw for r in task.rows]
    values = np.full(len(draws), np.nan)
    if not frame.empty:
        s = obj.series.values(frame, by=("draw",))
        values = s.reindex(draws).to_numpy(dtype=float)
    return {"candidate": task.batch, "draws": draws, "values": values, "status": status}


def normalise(weights: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    total = sum(max(0.0, w) for w in weights.values())
    if total <= 0:
        return {c: 1.0 / len(weights) for c in weights}
    return {c: max(0.0, w) / total for c, w in weights.items()}


@dataclass
class Outcome:
    """Everything the search evaluated and the robustness table."""

    splits: pd.DataFrame  # candidate x cell shares
    values: pd.DataFrame  # candidate x draw objective values
    table: pd.DataFrame  # per candidate: mean, regret, p_best, gain over baseline
    baseline: int
    reference: float | None = None  # mean objective without the extra programme
    info: dict[str, Any] = field(default_factory=dict)


def robustness(values: pd.DataFrame, sign: float, baseline: int) -> pd.DataFrame:
    """Expected value, regret against the best split per draw, and gain over the baseline split.

    Parameters
    ----------
    values : DataFrame
        Index candidate, columns draw; the objective in its own unit.
    sign : float
        +1 to maximise, -1 to minimise.
    baseline : int
        Candidate id of the baseline split.

    Returns
    -------
    DataFrame
        ``mean, sd, mean_regret, max_regret, p_best, gain, gain_ci95`` per candidate,
        sorted by mean regret (then mean). ``gain`` is in the objective's unit, signed
        so that positive is better; ``gain_ci95`` is the half-width of a normal
        interval over the paired draw differences.
    """
    v = values.to_numpy(dtype=float)
    u = sign * v
    best = np.nanmax(u, axis=0)
    regret = best[None, :] - u
    is_best = np.isclose(u, best[None, :])
    b = values.index.get_loc(baseline)
    diff = u - u[b][None, :]
    n = np.isfinite(diff).sum(axis=1)
    out = pd.DataFrame({
        "mean": np.nanmean(v, axis=1),
        "sd": np.nanstd(v, axis=1, ddof=1) if v.shape[1] > 1 else np.zeros(len(v)),
        "mean_regret": np.nanmean(regret, axis=1),
        "max_regret": np.nanmax(regret, axis=1),
        "p_best": is_best.mean(axis=1),
        "gain": np.nanmean(diff, axis=1),
        "gain_ci95": 1.96 * (np.nanstd(diff, axis=1, ddof=1) if v.shape[1] > 1 else np.zeros(len(v))) / np.sqrt(np.maximum(n, 1)),
    }, index=values.index)
    return out.sort_values(["mean_regret", "mean"], ascending=[True, sign < 0])


def optimise(problem: BudgetProblem, executor, *, trials: int = 40, sampler: str = "tpe", seed: int = 0, per_round: int | None = None, progress=None, reference: bool = True) -> Outcome:
    """Search splits with Optuna and evaluate every candidate across all draws.

    Parameters
    ----------
    problem : BudgetProblem
    executor : Executor
        An entered executor; each round submits ``per_round`` candidates (default: the
        executor's worker count, at least 2) as one batch each.
    trials : int
        Candidates to evaluate, the baseline split included (it is the first).
    sampler : {"tpe", "cmaes", "random"}
    reference : bool
        Also evaluate the scenario without the extra programme.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sampler == "tpe":
        smp = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(4, min(10, trials // 3)))
    elif sampler == "cmaes":
        try:
            import cmaes  # noqa: F401  (Optuna's CMA-ES sampler needs it)
        except ImportError:
            raise ValueError("sampler 'cmaes' needs the cmaes package (pip install cmaes); allowed without it: tpe, random") from None
        smp = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    elif sampler == "random":
        smp = optuna.samplers.RandomSampler(seed=seed)
    else:
        raise ValueError(f"sampler {sampler!r}; allowed: {', '.join(SAMPLERS)}")
    study = optuna.create_study(direction="maximize", sampler=smp)
    cells = problem.cells
    keys = [f"w|{n}|{i}" for n, i in cells]
    study.enqueue_trial({k: 0.5 for k in keys})  # the baseline: equal shares
    per_round = per_round or max(2, getattr(executor, "workers", 1) or 1)
    total = trials + (1 if reference else 0)
    if progress is not None:
        progress.start(total)
    splits, values = {}, {}
    ref_value = None
    try:
        if reference:
            for _, res in executor.map(evaluate_candidate, [problem.task(-1, None)]):
                ref_value = float(np.nanmean(res["values"]))
            if progress is not None:
                progress.advance(1)
        done = 0
        while done < trials:
            k = min(per_round, trials - done)
            asked = [study.ask() for _ in range(k)]
            tasks = []
            for t in asked:
                w = normalise({c: t.suggest_float(key, 0.0, 1.0) for c, key in zip(cells, keys)})
                splits[t.number] = w
                tasks.append(problem.task(t.number, w))
            for pos, res in executor.map(evaluate_candidate, tasks):
                t = asked[pos]
                vals = np.asarray(res["values"], dtype=float)
                values[t.number] = vals
                score = float(problem.objective.sign * np.nanmean(vals)) if np.isfinite(vals).any() else float("-inf")
                study.tell(t, score)
                if progress is not None:
                    progress.advance(1)
            done += k
    finally:
        if progress is not None:
            progress.stop()
    draws = problem.design["draw"].to_numpy()
    vframe = pd.DataFrame.from_dict(values, orient="index", columns=draws).sort_index()
    vframe.index.name = "candidate"
    sframe = pd.DataFrame.from_dict({c: {f"{n}:{i}": s for (n, i), s in w.items()} for c, w in splits.items()}, orient="index").sort_index()
    sframe.index.name = "candidate"
    table = robustness(vframe, problem.objective.sign, baseline=0)
    return Outcome(sframe, vframe, table, baseline=0, reference=ref_value, info={"sampler": sampler, "trials": trials, "draws": len(draws)})


def top_cells(split: pd.Series, k: int = 4) -> str:
    """``lithography:equity 42%, eda:grant 20%, ...`` for the largest shares."""
    s = split.sort_values(ascending=False)
    s = s[s > 0.005].head(k)
    return ", ".join(f"{c} {v:.0%}" for c, v in s.items())
