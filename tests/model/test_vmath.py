"""The vectorised log and exp agree with libm (NumPy) to within 1 ulp over the ranges the model uses."""

import numpy as np
import pytest

from zili.model import vmath


def _ulps(got, ref):
    return np.abs(got - ref) / np.spacing(np.abs(ref))


@pytest.mark.parametrize("x", [
    np.exp(np.random.default_rng(0).uniform(-700, 700, 200_000)),  # the whole normal range
    np.random.default_rng(1).random(200_000),  # keyed uniforms
    np.array([1.0, 2.0, 0.5, np.nextafter(1.0, 0.0), 1.0 + 2.0**-52, 1e-300, 1.7e308, 2.0**-54]),
])
def test_log_within_one_ulp(x):
    got = vmath.log_inplace(x.copy(), np.empty(x.size, dtype=np.uint64))
    ref = np.log(x)
    assert _ulps(got[ref != 0], ref[ref != 0]).max() <= 1.0
    assert np.all(got[ref == 0] == 0.0)


@pytest.mark.parametrize("x", [
    np.random.default_rng(2).uniform(vmath.EXP_MIN, vmath.EXP_MAX, 200_000),
    np.random.default_rng(3).uniform(-40, 40, 200_000),  # log scores plus noise
    np.array([0.0, -0.0, 1e-300, 1.0, -1.0, 0.5 * np.log(2.0), 700.0, -700.0]),
])
def test_exp_within_one_ulp(x):
    got = vmath.exp_inplace(x.copy(), np.empty(x.size, dtype=np.uint64))
    assert _ulps(got, np.exp(x)).max() <= 1.0


def test_exp_clamps_to_the_normal_range():
    got = vmath.exp_inplace(np.array([-1e4, 1e4]), np.empty(2, dtype=np.uint64))
    np.testing.assert_allclose(got, np.exp([vmath.EXP_MIN, vmath.EXP_MAX]), rtol=1e-15)
    assert np.all(np.isfinite(got)) and np.all(got > 0)


def test_a_wrong_polynomial_would_fail():
    """The check has teeth: a value off by a few ulps is reported."""
    x = np.random.default_rng(4).random(1000)
    ref = np.log(x)
    assert _ulps(ref * (1 + 4e-16), ref).max() > 1.0
