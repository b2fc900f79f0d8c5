"""Ensembles: quantile bands that keep the three kinds of uncertainty apart.

For every metric, entity and year (and every structural variant):

- ``stochastic``: spread across replicates with the parameters held fixed (each
  value minus its draw's replicate mean, pooled over draws), centred on the
  parameter median. Needs two or more replicates; with one it is zero-width.
- ``parameter``: spread across parameter draws of the replicate means.
- ``total``: spread across every (draw, replicate) of the variant.
- ``structural`` (variant ``*``): spread across the variants' medians; with few
  variants read it as the range of the mechanism choices, not as probabilities.

Quantiles are 5, 25, 50, 75 and 95 percent (linear interpolation, ``quantile_cont``).
The bands are computed in DuckDB directly over the sweep's Parquet shards.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")
KINDS = ("stochastic", "parameter", "structural", "total")
BAND_COLUMNS = ("kind", "variant", "metric", "entity", "year", *QCOLS, "n")


def _qsel(expr: str) -> str:
    qs = ", ".join(f"{q}" for q in QUANTILES)
    return f"quantile_cont({expr}, [{qs}]) AS q"


def quantile_bands(shards: str | Path | pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Quantile bands per kind of uncertainty.

    Parameters
    ----------
    shards : path or DataFrame
        A sweep's shard folder (``.../shards``) or a long frame with columns
        ``draw, variant, replicate, year, metric, entity, value``.
    metrics : list of str, optional
        Only these metrics.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind, variant, metric, entity, year, q05, q25, q50, q75, q95, n``;
        ``n`` counts what the quantiles run over (draws, draw-replicates, variants).
    """
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # the command shows its own progress
    try:
        if isinstance(shards, pd.DataFrame):
            con.register("src", shards)
            base = "src"
        else:
            glob = str(Path(shards) / "batch-*.parquet")
            base = f"read_parquet('{glob}')"
        where = ""
        if metrics:
            con.execute("CREATE TEMP TABLE keep AS SELECT unnest(?::VARCHAR[]) AS metric", [list(metrics)])
            where = "WHERE metric IN (SELECT metric FROM keep)"
        con.execute(f"CREATE TEMP TABLE v AS SELECT draw, variant, replicate, year, metric, entity, value FROM {base} {where}")
        # replicate means summed in replicate order, so the bands are bit-identical whatever
        # order the backend wrote the shards in (a parallel avg() sums in any order)
        con.execute("""CREATE TEMP TABLE m AS SELECT variant, draw, metric, entity, year, avg(value ORDER BY replicate) AS mean
                       FROM v GROUP BY ALL""")
        key = "variant, metric, entity, year"
        parameter = con.execute(f"SELECT 'parameter' AS kind, {key}, {_qsel('mean')}, count(*) AS n FROM m GROUP BY ALL").df()
        total = con.execute(f"SELECT 'total' AS kind, {key}, {_qsel('value')}, count(*) AS n FROM v GROUP BY ALL").df()
        stoch = con.execute(f"""
            WITH r AS (SELECT v.variant, v.metric, v.entity, v.year, v.value - m.mean AS resid
                       FROM v JOIN m USING (variant, draw, metric, entity, year)),
                 c AS (SELECT {key}, median(mean) AS centre FROM m GROUP BY ALL)
            SELECT 'stochastic' AS kind, r.variant, r.metric, r.entity, r.year,
                   list_transform(quantile_cont(resid, [{", ".join(map(str, QUANTILES))}]), lambda x: x + any_value(c.centre)) AS q,
                   count(*) AS n
            FROM r JOIN c USING (variant, metric, entity, year) GROUP BY r.variant, r.metric, r.entity, r.year""").df()
        frames = [stoch, parameter]
        n_variants = con.execute("SELECT count(DISTINCT variant) FROM v").fetchone()[0]
        if n_variants > 1:
            con.execute(f"CREATE TEMP TABLE med AS SELECT {key}, median(value) AS med FROM v GROUP BY ALL")
            frames.append(con.execute(f"SELECT 'structural' AS kind, '*' AS variant, metric, entity, year, {_qsel('med')}, count(*) AS n FROM med GROUP BY ALL").df())
        frames.append(total)
    finally:
        con.close()
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    nan5 = [float("nan")] * len(QCOLS)
    qs = pd.DataFrame([list(q) if isinstance(q, (list, tuple)) or hasattr(q, "__len__") else nan5 for q in out.pop("q")], columns=list(QCOLS), index=out.index).astype(float)
    out = pd.concat([out, qs], axis=1)[list(BAND_COLUMNS)]
    out["year"] = out["year"].astype("int64")
    out["n"] = out["n"].astype("int64")
    order = {k: i for i, k in enumerate(KINDS)}
    out = out.assign(_k=out["kind"].map(order)).sort_values(["metric", "entity", "_k", "variant", "year"]).drop(columns="_k")
    return out.reset_index(drop=True)


def headline(bands: pd.DataFrame, series: list[tuple[str, str]], years: list[int], variant: str = "default") -> pd.DataFrame:
    """Rows of ``bands`` for a few (metric, entity) pairs and years, for the terminal summary."""
    keep = bands[bands["year"].isin(years) & bands["variant"].isin([variant, "*"])]
    pairs = pd.MultiIndex.from_tuples(series, names=["metric", "entity"])
    idx = pd.MultiIndex.from_frame(keep[["metric", "entity"]])
    return keep[idx.isin(pairs)]
