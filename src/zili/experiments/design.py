"""Experimental designs: parameter draws (Monte Carlo, Latin hypercube, posterior) and seeds.

A design is a table with one row per parameter draw (column ``draw`` plus one column
per uncertain parameter, in the parameter's own unit). Seeds are normalised once: the
sweep's root ``SeedSequence`` spawns one child per batch of draws, and each batch
spawns one child per draw in it, so a draw's random streams depend only on the root
seed, the batch size and the draw's index, never on the backend or the worker count
(SALib ``util/util_funcs.py:handle_seed``; NumPy ``SeedSequence.spawn``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from zili.experiments.uncertain import Uncertain, UncertainSpace, parameter_info

METHODS = ("mc", "lhs", "posterior")


def unit_sample(n: int, d: int, method: str, seed: int) -> np.ndarray:
    """``n`` points in the unit cube ``[0, 1)^d`` by Monte Carlo or Latin hypercube."""
    rng_seed = np.random.SeedSequence(seed).spawn(1)[0]
    if method == "mc":
        return np.random.default_rng(rng_seed).random((n, d))
    if method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, seed=np.random.default_rng(rng_seed)).random(n) if d else np.zeros((n, 0))
    raise ValueError(f"method {method!r}; allowed: {', '.join(METHODS)}")


def posterior_frame(sc) -> pd.DataFrame | None:
    """The scenario's calibrated posterior draws (``[posterior]``) as a frame, or None."""
    post = getattr(sc, "posterior", None)
    if post is None or not post.draws:
        return None
    return _checked(pd.DataFrame(np.asarray(post.draws, dtype=float), columns=list(post.names)))


def read_posterior(path: str | Path) -> pd.DataFrame:
    """Posterior draws from a CSV or Parquet file (one column per parameter name), checked against ranges."""
    p = Path(path)
    frame = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
    return _checked(frame)


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in ("draw",) if c in frame])
    out = {}
    for col in frame.columns:
        info = parameter_info(col)
        values = frame[col].to_numpy(dtype=float)
        if np.any(values < info["low"]) or np.any(values > info["high"]):
            raise ValueError(f"posterior column {col}: values outside the parameter's range {info['low']} to {info['high']}")
        out[info["name"]] = values
    return pd.DataFrame(out)


def sample(space: UncertainSpace | list[Uncertain], n: int, *, method: str = "lhs", seed: int = 0, posterior: pd.DataFrame | None = None) -> pd.DataFrame:
    """Draw ``n`` parameter sets.

    Parameters
    ----------
    space : UncertainSpace or list of Uncertain
        Distributions to sample.
    n : int
        Number of draws.
    method : {"mc", "lhs", "posterior"}
        Monte Carlo, Latin hypercube, or the first ``n`` rows of ``posterior``
        (cycled if there are fewer; the calibrated posterior ships ~200 draws).
    seed : int
        Seed of the design (independent of the simulation seed's use).

    Returns
    -------
    pandas.DataFrame
        ``draw`` (0..n-1) then one column per parameter.
    """
    items = space.uncertain if isinstance(space, UncertainSpace) else list(space)
    if method == "posterior":
        if posterior is None or posterior.empty:
            raise ValueError("method 'posterior' needs posterior draws ([posterior] in the scenario or --posterior FILE)")
        rows = posterior.iloc[np.arange(n) % len(posterior)].reset_index(drop=True)
        return pd.concat([pd.DataFrame({"draw": np.arange(n, dtype=np.int64)}), rows], axis=1)
    u = unit_sample(n, len(items), method, seed)
    cols = {"draw": np.arange(n, dtype=np.int64)}
    for j, item in enumerate(items):
        cols[item.name] = item.ppf(u[:, j])
    return pd.DataFrame(cols)


def batches(n: int, batch_size: int) -> list[np.ndarray]:
    """Draw indices split into consecutive batches of ``batch_size`` (the last may be short)."""
    return [np.arange(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]


def draw_entropy(root: int, draw: int, batch_size: int) -> int:
    """128-bit entropy of one draw: ``SeedSequence(root).spawn(...)[batch].spawn(...)[position]``.

    Equivalent to spawning the root by batch index and the batch by position without
    materialising the spawned lists (NumPy spawn keys are the child indices).
    """
    b, j = divmod(int(draw), int(batch_size))
    child = np.random.SeedSequence(root, spawn_key=(b, j))
    words = child.generate_state(4, dtype=np.uint32)
    return int(sum(int(w) << (32 * i) for i, w in enumerate(words)))
