"""Declared uncertainty: validation, distributions, structural variants, loading from TOML."""

from __future__ import annotations

import numpy as np
import pytest

from zili.experiments.design import draw_entropy, sample
from zili.experiments.uncertain import Uncertain, UncertainSpace, apply_values, load_experiment, switch_variants
from zili.scenario import ScenarioError


def test_distributions_stay_in_bounds_and_have_their_shape():
    u = np.linspace(0.0005, 0.9995, 2000)
    uni = Uncertain(name="capital.fund_deploy_rate", low=0.2, high=0.6).ppf(u)
    assert uni.min() >= 0.2 and uni.max() <= 0.6 and abs(uni.mean() - 0.4) < 1e-3
    logu = Uncertain(name="innovation.rd_effect", dist="loguniform", low=0.01, high=0.1).ppf(u)
    assert abs(np.median(logu) - np.sqrt(0.01 * 0.1)) < 1e-3
    tri = Uncertain(name="capital.fund_deploy_rate", dist="triangular", low=0.2, mode=0.3, high=0.6).ppf(u)
    assert abs(tri.mean() - (0.2 + 0.3 + 0.6) / 3) < 2e-3
    nor = Uncertain(name="capital.fund_deploy_rate", dist="normal", low=0.2, high=0.6, mean=0.4, sd=0.05).ppf(u)
    assert abs(np.median(nor) - 0.4) < 1e-3 and nor.min() >= 0.2
    ints = Uncertain(name="capital.max_deals_per_fund_node", low=1, high=10).ppf(u)
    assert np.array_equal(ints, np.round(ints))


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"name": "capital.nope"}, "unknown"),
        ({"name": "capital.fund_deploy_rate", "low": 0.0, "high": 0.5}, "within the parameter's range"),
        ({"name": "capital.fund_deploy_rate", "dist": "beta"}, "dist"),
        ({"name": "capital.crowding_out"}, "variants"),
        ({"name": "innovation.privacy_data_effect", "dist": "loguniform"}, "low > 0"),
    ],
)
def test_bad_declarations_name_the_problem(spec, message):
    with pytest.raises((ScenarioError, ValueError), match=message):
        UncertainSpace.model_validate({"uncertain": [spec]})


def test_scenario_file_with_uncertain_and_variants(tmp_path):
    path = tmp_path / "unc.toml"
    path.write_text(
        'extends = "empty"\nname = "unc"\n[run]\nend_year = 2020\nfirms = 300\n'
        '[[uncertain]]\nname = "params.capital.fund_deploy_rate"\ndist = "triangular"\nlow = 0.3\nmode = 0.5\nhigh = 0.8\n'
        '[[uncertain]]\nname = "innovation.rd_effect"\ndist = "loguniform"\nlow = 0.01\nhigh = 0.1\n'
        '[[variants]]\nname = "no_crowding"\nset = { "params.capital.crowding_out" = false }\n'
    )
    sc, space = load_experiment(path, sets=["run.replicates=1"])
    assert sc.run.end_year == 2020 and sc.run.replicates == 1
    assert space.names == ["params.capital.fund_deploy_rate", "params.innovation.rd_effect"]
    assert space.variant_sets() == {"default": {}, "no_crowding": {"params.capital.crowding_out": False}}
    d = sample(space, 10, method="lhs", seed=3)
    assert list(d.columns) == ["draw", *space.names] and len(d) == 10
    # LHS: one draw per stratum of each parameter
    strata = np.floor((d["params.capital.fund_deploy_rate"].rank() - 1)).to_numpy()
    assert sorted(strata) == list(range(10))
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "empty"\n[[uncertain]]\nname = "params.capital.fund_deploy_rate"\nlow = 2.0\n')
    with pytest.raises(ScenarioError, match="uncertain.0"):
        load_experiment(bad)


def test_apply_values_and_switch_variants():
    sc, _ = load_experiment("empty", sets=["run.end_year=2020"])
    s2 = apply_values(sc, {"params.capital.fund_deploy_rate": 0.42, "params.capital.max_deals_per_fund_node": 7.4, "params.capital.crowding_out": False})
    assert s2.params.capital.fund_deploy_rate == 0.42 and s2.params.capital.max_deals_per_fund_node == 7
    assert s2.params.capital.crowding_out is False and sc.params.capital.crowding_out is True
    (v,) = switch_variants(sc, ["params.finance.soft_budget"])
    assert v.set == {"params.finance.soft_budget": not sc.params.finance.soft_budget}
    with pytest.raises(ScenarioError, match="switch"):
        switch_variants(sc, ["params.capital.fund_deploy_rate"])


def test_design_is_reproducible_and_draw_seeds_follow_spawn():
    items = [Uncertain(name="capital.fund_deploy_rate")]
    assert sample(items, 5, method="mc", seed=1).equals(sample(items, 5, method="mc", seed=1))
    assert not sample(items, 5, method="mc", seed=1).equals(sample(items, 5, method="mc", seed=2))
    root = 1234567
    batch = np.random.SeedSequence(root).spawn(3)[2]
    child = batch.spawn(4)[1]
    words = child.generate_state(4, dtype=np.uint32)
    assert draw_entropy(root, 2 * 4 + 1, 4) == sum(int(w) << (32 * i) for i, w in enumerate(words))
    assert len({draw_entropy(root, d, 4) for d in range(40)}) == 40


def test_posterior_draws_from_the_scenario(tmp_path):
    from zili.experiments.design import posterior_frame

    path = tmp_path / "post.toml"
    path.write_text(
        'extends = "empty"\nname = "post"\n[run]\nend_year = 2020\n'
        '[posterior]\nmethod = "abc"\nnames = ["params.capital.fund_deploy_rate", "params.innovation.rd_effect"]\n'
        "draws = [[0.3, 0.02], [0.4, 0.03], [0.5, 0.04]]\n"
    )
    sc, _ = load_experiment(path)
    post = posterior_frame(sc)
    assert list(post.columns) == ["params.capital.fund_deploy_rate", "params.innovation.rd_effect"]
    d = sample([], 5, method="posterior", posterior=post)
    assert d["draw"].tolist() == [0, 1, 2, 3, 4]
    assert d["params.capital.fund_deploy_rate"].tolist() == [0.3, 0.4, 0.5, 0.3, 0.4]  # cycled in order
    with pytest.raises(ValueError, match="posterior"):
        sample([], 2, method="posterior", posterior=None)
