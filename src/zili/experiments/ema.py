"""Export a sweep in EMA Workbench's ``save_results`` layout, without needing EMA installed.

The archive is a ``tar.gz`` holding ``experiments.csv`` (one row per experiment: the
uncertain parameters, then ``scenario``, ``policy`` and ``model`` as EMA writes them),
one file per outcome (``NAME.cls`` for scalar outcomes, ``NAME.csv`` for time series,
experiments x years, no header) and ``metadata.json`` (version, outcome classes and file
names, experiment dtypes), so ``ema_workbench.load_results`` reads it and a user can
continue with EMA's PRIM, CART or feature scoring.

References
----------
Kwakkel (2017), The Exploratory Modeling Workbench, Environmental Modelling & Software
96:239-250, doi:10.1016/j.envsoft.2017.06.054; ``ema_workbench/util/utilities.py``.
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

EMA_FORMAT_VERSION = 0.1


def outcome_name(metric: str, entity: str, year: int | None = None) -> str:
    """A file-safe outcome name: ``metric__entity`` or ``metric__entity__2030``."""
    safe = re.sub(r"[^A-Za-z0-9_]+", "_", entity)
    return f"{metric}__{safe}" + (f"__{year}" if year is not None else "")


def ema_tables(design: pd.DataFrame, frame: pd.DataFrame, series: list[tuple[str, str]], *, scalar_years: list[int] | None = None,
               variant_column: bool = True, model_name: str = "zili") -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Experiments and outcomes as EMA keeps them in memory.

    Parameters
    ----------
    design : DataFrame
        ``draw`` + uncertain parameters.
    frame : DataFrame
        Long sweep rows (``draw, variant, replicate, year, metric, entity, value``).
    series : list of (metric, entity)
        Outcomes to export: each as a time series (replicate mean, experiments x years)
        and, for every year in ``scalar_years``, as a scalar outcome.

    Returns
    -------
    (experiments, outcomes)
        One experiment per (draw, variant); ``scenario`` is the draw id, ``policy`` the
        structural variant, ``model`` the model name, as in EMA.
    """
    keys = frame[["draw", "variant"]].drop_duplicates().sort_values(["draw", "variant"]).reset_index(drop=True)
    exp = keys.merge(design, on="draw", how="left")
    experiments = exp.drop(columns=["draw", "variant"]).copy()
    experiments["scenario"] = exp["draw"].astype(str)
    experiments["policy"] = exp["variant"].astype(str) if variant_column else "default"
    experiments["model"] = model_name
    for c in ("scenario", "policy", "model"):
        experiments[c] = experiments[c].astype("category")
    outcomes: dict[str, np.ndarray] = {}
    means = frame.groupby(["draw", "variant", "metric", "entity", "year"], as_index=False)["value"].mean()
    for metric, entity in series:
        sub = means[(means["metric"] == metric) & (means["entity"] == entity)]
        if sub.empty:
            raise KeyError(f"no rows for {metric}:{entity}")
        wide = sub.pivot_table(index=["draw", "variant"], columns="year", values="value")
        wide = wide.reindex(pd.MultiIndex.from_frame(keys))
        outcomes[outcome_name(metric, entity)] = wide.to_numpy(dtype=float)
        for y in scalar_years or []:
            if y in wide.columns:
                outcomes[outcome_name(metric, entity, y)] = wide[y].to_numpy(dtype=float)
    return experiments, outcomes


def _add(z: tarfile.TarFile, data: bytes, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    z.addfile(info, io.BytesIO(data))


def save_ema(path: str | Path, experiments: pd.DataFrame, outcomes: dict[str, np.ndarray]) -> Path:
    """Write ``(experiments, outcomes)`` as EMA's ``save_results`` does (atomically).

    Scalar outcomes (1-D) are written as ``ScalarOutcome`` (``.cls``), 2-D ones as
    ``ArrayOutcome`` (``.csv``); both CSVs have no header or index.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    meta_outcomes = []
    with tarfile.open(tmp, "w:gz") as z:
        _add(z, experiments.to_csv(header=True, index=False).encode("utf-8"), "experiments.csv")
        for name, values in outcomes.items():
            values = np.asarray(values)
            if values.ndim == 1:
                klass, filename = "ScalarOutcome", f"{name}.cls"
            elif values.ndim == 2:
                klass, filename = "ArrayOutcome", f"{name}.csv"
            else:
                raise ValueError(f"outcome {name}: {values.ndim}-D; allowed: 1-D (scalar) or 2-D (time series)")
            _add(z, pd.DataFrame(values).to_csv(header=False, index=False).encode("utf-8"), filename)
            meta_outcomes.append((klass, name, filename))
        meta = {"version": EMA_FORMAT_VERSION, "outcomes": meta_outcomes, "experiments": {k: v.name for k, v in experiments.dtypes.to_dict().items()}}
        _add(z, json.dumps(meta).encode("utf-8"), "metadata.json")
    os.replace(tmp, path)
    return path
