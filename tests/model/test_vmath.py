"""The vectorised log and exp agree with libm (NumPy) to within 1 ulp, cos(2 pi x) and log1p with the exact values to within 2 ulp, over the ranges the model uses."""

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


_TWO_PI = np.longdouble("6.28318530717958647692528676655900576839")


def _cos2pi_ref(x):
    """cos(2 pi x) in long double, reduced exactly first (the reference the float64 kernel is held to)."""
    xl = x.astype(np.longdouble)
    return np.cos(_TWO_PI * (xl - np.rint(xl))).astype(np.float64)


@pytest.mark.parametrize("x", [
    np.random.default_rng(5).random(300_000),  # keyed uniforms, as the Box-Muller normal uses them
    np.random.default_rng(6).uniform(-50, 50, 100_000),
    np.array([0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1 - 2.0**-53, 2.0**-53, 1.0 / 3.0]),
])
def test_cos2pi_within_two_ulp(x):
    got = vmath.cos2pi_inplace(x.copy())
    ref = _cos2pi_ref(x)
    away = np.abs(ref) > 1e-3  # near the zeros of cos the error is absolute (and the reference's own)
    assert _ulps(got[away], ref[away]).max() <= 2.0
    assert np.abs(got - ref).max() <= 2.3e-16  # 1 ulp of 1.0
    assert np.all(np.abs(got) <= 1.0)


def test_cos2pi_is_more_exact_than_libm_of_a_rounded_argument():
    """libm's cos(2 pi x) takes 2 pi x rounded; the kernel reduces x exactly, so it is nearer the truth."""
    x = np.random.default_rng(7).random(100_000)
    ref = _cos2pi_ref(x)
    assert np.abs(vmath.cos2pi_inplace(x.copy()) - ref).mean() < np.abs(np.cos(2 * np.pi * x) - ref).mean()


@pytest.mark.parametrize("scale", [1e-300, 1e-12, 1e-6, 1e-2, 1.0, 1e3, 1e12])
def test_log1p_within_two_ulp(scale):
    x = np.random.default_rng(8).random(200_000) * scale
    x[:3] = [0.0, scale, scale / 2]
    got = vmath.log1p_inplace(x.copy(), np.empty(x.size), np.empty(x.size, dtype=np.uint64))
    ref = np.log1p(x.astype(np.longdouble)).astype(np.float64)
    nz = ref != 0
    assert _ulps(got[nz], ref[nz]).max() <= 2.0 and np.all(got[~nz] == 0.0)
