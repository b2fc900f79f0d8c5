"""Analyses with known answers: quantile bands, Sobol' on Ishigami, Morris, PRIM, regret."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zili.experiments.discovery import boxes_frame, prim
from zili.experiments.ensemble import quantile_bands
from zili.experiments.optimise import robustness
from zili.experiments.sensitivity import morris, sobol
from zili.experiments.targets import Objective, Series, Target
from zili.experiments.uncertain import Uncertain


def test_bands_keep_kinds_apart():
    # value = draw effect (0..9) + replicate noise (+-0.5): parameter spread 0..9, stochastic +-0.5
    rows = []
    for v, shift in (("default", 0.0), ("alt", 100.0)):
        for d in range(10):
            for r in range(2):
                rows.append({"draw": d, "variant": v, "replicate": r, "year": 2030, "metric": "m", "entity": "e", "value": shift + d + (0.5 if r else -0.5)})
    bands = quantile_bands(pd.DataFrame(rows))
    get = lambda kind, variant: bands[(bands.kind == kind) & (bands.variant == variant)].iloc[0]  # noqa: E731
    p = get("parameter", "default")
    assert p.q05 == pytest.approx(0.45) and p.q95 == pytest.approx(8.55) and p.n == 10
    s = get("stochastic", "default")
    assert s.q05 == pytest.approx(4.5 - 0.5) and s.q95 == pytest.approx(4.5 + 0.5) and s.q50 == pytest.approx(4.5)
    t = get("total", "default")
    assert t.n == 20 and t.q05 == pytest.approx(0.45)
    st = get("structural", "*")
    assert st.n == 2 and st.q05 == pytest.approx(4.5 + 5.0) and st.q95 == pytest.approx(104.5 - 5.0)


def test_bands_do_not_depend_on_row_order():
    """Backends write shards in any order: the bands must be the same bits (means summed by replicate)."""
    gen = np.random.default_rng(0)
    rows = [{"draw": d, "variant": "default", "replicate": r, "year": y, "metric": "m", "entity": "e",
             "value": float(gen.lognormal(0, 3))} for d in range(200) for r in range(7) for y in (2025, 2030)]
    frame = pd.DataFrame(rows)
    keys = ["kind", "variant", "metric", "entity", "year"]
    a = quantile_bands(frame).sort_values(keys).reset_index(drop=True)
    for seed in (1, 2):
        b = quantile_bands(frame.sample(frac=1.0, random_state=seed)).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def _ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_recovers_ishigami_indices():
    # The Ishigami function on [-pi, pi]^3 mapped from the unit cube (Ishigami & Homma 1990);
    # analytic total indices 0.558, 0.442, 0.244 (SALib test_functions/Ishigami.py).
    items = [Uncertain(name=n) for n in ("capital.fund_deploy_rate", "capital.startup_share", "capital.capex_share_equity")]
    d = sobol.sample(items, 1024, seed=1)
    u = np.column_stack([(d[it.name] - it.low) / (it.high - it.low) for it in items])
    y = _ishigami(-np.pi + 2 * np.pi * u)
    idx = sobol.analyze(items, y, seed=1).set_index(["parameter", "index"])["value"]
    st = [idx[(it.name, "ST")] for it in items]
    assert st == pytest.approx([0.558, 0.442, 0.244], abs=0.05)
    assert idx[(items[2].name, "S1")] == pytest.approx(0.0, abs=0.05)


def test_morris_ranks_influential_parameter_first():
    items = [Uncertain(name=n) for n in ("capital.fund_deploy_rate", "capital.startup_share")]
    d = morris.sample(items, 20, seed=2)
    y = 10 * d[items[0].name].to_numpy() + 0.1 * d[items[1].name].to_numpy()
    idx = morris.analyze(items, y, seed=2, n=20).set_index(["parameter", "index"])["value"]
    assert idx[(items[0].name, "mu_star")] > 20 * idx[(items[1].name, "mu_star")]


def test_prim_finds_the_planted_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    y = (x.a > 0.6) & (x.b < 0.3)
    boxes = prim(x, y.to_numpy(), threshold=0.9, max_boxes=1)
    (box,) = boxes
    assert set(box.restricted) == {"a", "b"}
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.05) and box.limits["b"][1] == pytest.approx(0.3, abs=0.05)
    assert box.density >= 0.9 and box.coverage >= 0.8
    frame = boxes_frame(boxes, {"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    assert set(frame.parameter) == {"a", "b"} and (frame.box == 1).all()


def test_targets_and_objectives_parse():
    t = Target.parse("ic_self_sufficiency@2030>=0.5")
    assert t.series == Series("ic_self_sufficiency", "china", 2030) and t.op == ">=" and t.value == 0.5
    assert list(t.met(np.array([0.4, 0.5, 0.6]))) == [False, True, True]
    o = Objective.parse("max self_sufficiency:lithography@2030")
    assert o.series.entity == "lithography" and o.sign == 1.0
    assert Objective.parse("min waste:mof@2035").sign == -1.0
    for bad in ("ic@x>=1", "ic_self_sufficiency@2030=>0.5"):
        with pytest.raises(ValueError, match="allowed"):
            Target.parse(bad)
    with pytest.raises(ValueError, match="allowed"):
        Objective.parse("maximise x@2030")


def test_regret_against_best_split_per_draw():
    # candidate 0 (baseline) is middling; 1 wins in draw 0, 2 wins in draw 1
    values = pd.DataFrame([[2.0, 2.0], [4.0, 0.0], [1.0, 3.0]], index=pd.Index([0, 1, 2], name="candidate"), columns=[0, 1])
    t = robustness(values, 1.0, baseline=0)
    assert t.loc[0, "mean_regret"] == pytest.approx(1.5) and t.loc[0, "max_regret"] == pytest.approx(2.0)
    assert t.loc[1, "max_regret"] == pytest.approx(3.0) and t.loc[1, "p_best"] == 0.5
    assert t.loc[2, "gain"] == pytest.approx(0.0) and t.loc[1, "gain"] == pytest.approx(0.0)
    # minimising flips the sign
    tmin = robustness(values, -1.0, baseline=0)
    assert tmin.loc[0, "max_regret"] == pytest.approx(2.0) and tmin.loc[1, "max_regret"] == pytest.approx(3.0)
