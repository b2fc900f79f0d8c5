"""One scenario run: compile, simulate the replicates, pair with the no-control world.

When a scenario contains export controls, the same replicates are run on the scenario
without them under the same keyed random streams, so ``output_at_risk`` per node is a
difference of paired runs rather than of two independent draws.
"""

from __future__ import annotations

import numpy as np

from zili.model.engine import simulate
from zili.model.rng import root_entropy
from zili.model.trajectory import Trajectory
from zili.scenario.compile import compile_world
from zili.scenario.schema import Scenario

CONTROL_KINDS = ("export_control",)


def counterfactual_scenario(sc: Scenario) -> Scenario | None:
    """The scenario without export controls, or None if it has none."""
    kept = [e for e in sc.events if e.kind not in CONTROL_KINDS]
    if len(kept) == len(sc.events):
        return None
    return sc.model_copy(update={"events": kept, "name": f"{sc.name}:no_controls"})


def run(sc: Scenario, *, replicates: int | np.ndarray | None = None, seed: int | None = None, progress=None, paired: bool = True,
        backend: str = "numba", threads: int = 1) -> tuple[Trajectory, dict]:
    """Simulate a validated scenario.

    Parameters
    ----------
    sc : Scenario
        Validated scenario.
    replicates : int or array, optional
        Overrides ``sc.run.replicates`` (an int) or gives explicit replicate ids.
    seed : int, optional
        Overrides ``sc.run.seed``.
    progress : optional
        Progress sink (start/advance/stop).
    paired : bool
        Run the no-control counterfactual when the scenario has controls.
    backend : {"numba", "numpy", "jax"}
        How the per-firm kernels run (:mod:`zili.model.backend`).
    threads : int
        Threads of the per-firm passes that split into pieces (:mod:`zili.model.threads`); the
        results are the same for any number.

    Returns
    -------
    (Trajectory, meta) where meta holds the seed, its entropy, the firm count, the backend and the threads.
    """
    seed = sc.run.seed if seed is None else seed
    reps = sc.run.replicates if replicates is None else replicates
    entropy = root_entropy(seed)
    world = compile_world(sc)
    cf_sc = counterfactual_scenario(sc) if paired else None
    cf = compile_world(cf_sc) if cf_sc is not None else None
    traj = simulate(world, replicates=reps, entropy=entropy, progress=progress, counterfactual=cf, backend=backend,
                    threads=threads)
    meta = {
        "backend": backend,
        "threads": threads,
        "seed": seed,
        "seed_entropy": str(entropy),
        "firms": int(len(world.firm_id)),
        "paired_counterfactual": cf is not None,
    }
    return traj, meta
