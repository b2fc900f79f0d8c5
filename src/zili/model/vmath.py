"""Natural logarithm, exponential, log1p and cos(2 pi x) over float64 buffers, written so the compiler vectorises them.

A compiled loop that calls libm's ``log`` or ``exp`` runs one value at a time (about 13 ns
each here); these kernels work in place on a contiguous buffer in two branch-free passes
(integer bit work, then polynomial arithmetic) that LLVM turns into 4-wide AVX2 code
(about 2.5 ns a value). The polynomials are fdlibm's (``e_log.c``, ``e_exp.c``), so the
results are within 1 ulp of the correctly rounded value, like libm's, but not always the
same last bit. Used where the deal selection draws its keyed Gumbel noise
(:func:`zili.model.capital._select`) and where innovation draws its keyed normal noise and
takes the log1p of R&D intensity (:func:`zili.model.innovation._advance_kernel`): there
cos(2 pi u) by an exact reduction to a quarter turn and fdlibm's sin/cos kernels (``k_sin.c``,
``k_cos.c``), within 2 ulp of the exact value (libm's cos(2 pi u) is off by more, since 2 pi u
is rounded before the cos), and log1p from the log with a first-order correction.

References
----------
Sun Microsystems, fdlibm 5.3, ``e_log.c``, ``e_exp.c``, ``k_sin.c`` and ``k_cos.c`` (1993),
https://www.netlib.org/fdlibm/; the sin/cos kernels as revised in FreeBSD's msun
(https://cgit.freebsd.org/src/tree/lib/msun/src/k_cos.c).
Goldberg, D. (1991), "What every computer scientist should know about floating-point
arithmetic", ACM Computing Surveys 23(1), doi:10.1145/103162.103163 (the log1p correction).
"""

from __future__ import annotations

import numba
import numpy as np

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LG1, _LG2, _LG3, _LG4 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01
_LG5, _LG6, _LG7 = 1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01
_INVLN2 = 1.44269504088896338700e00
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
#: elements a caller hands these functions at a time: its dense loops over a chunk stay in L1
#: cache with their scratch buffers (the capital and innovation kernels work in chunks of it)
CHUNK = 1024
_MAGIC = 6755399441055744.0  # 1.5 x 2**52: adding it rounds a float to an integer held in the low bits
_MAGIC_BITS = np.uint64(0x4338000000000000)
_TWO52_BITS = np.uint64(0x4330000000000000)  # 2**52: OR-ing a small integer into its mantissa makes 2**52 + integer
_SQRT_HALF_BITS = np.uint64(0x3FE6A09E00000000)  # about sqrt(1/2): mantissas are reduced into [sqrt(1/2), sqrt(2))
_ONE_BITS = np.uint64(0x3FF0000000000000)
_MANT = np.uint64(0x000FFFFFFFFFFFFF)
EXP_MIN, EXP_MAX = -708.0, 709.0  # exp's argument is clamped to this range (results stay normal and finite)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def log_inplace(x, scratch):  # pragma: no cover - compiled
    """x[i] = log(x[i]) for positive, finite, normal x; ``scratch`` is a uint64 buffer of x's size.

    Units: whatever x's are; the result is in nepers (natural log). Error within 1 ulp.
    """
    xb = x.view(np.uint64)
    n = x.size
    for i in range(n):  # integer pass: x = 2**k x f with f in [sqrt(1/2), sqrt(2))
        ix = xb[i] + (_ONE_BITS - _SQRT_HALF_BITS)
        scratch[i] = (ix & _MANT) + _SQRT_HALF_BITS
        xb[i] = (ix >> np.uint64(52)) | _TWO52_BITS  # 2**52 + 1023 + k, read back as a float
    f_ = scratch.view(np.float64)
    for i in range(n):  # arithmetic pass (fdlibm's log1p kernel)
        k = x[i] - (4503599627370496.0 + 1023.0)
        f = f_[i] - 1.0
        hfsq = 0.5 * f * f
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
        x[i] = s * (hfsq + r) + k * _LN2_LO - hfsq + f + k * _LN2_HI
    return x


@numba.njit(cache=True, nogil=True, error_model="numpy")
def exp_inplace(x, scratch):  # pragma: no cover - compiled
    """x[i] = exp(x[i]), x clamped to [EXP_MIN, EXP_MAX]; ``scratch`` is a uint64 buffer of x's size.

    Error within 1 ulp inside the range.
    """
    xb = x.view(np.uint64)
    t_ = scratch.view(np.float64)
    n = x.size
    for i in range(n):  # arithmetic pass: x = k ln 2 + r, |r| <= ln 2 / 2; exp(r) by fdlibm's kernel
        xi = min(max(x[i], EXP_MIN), EXP_MAX)
        t = xi * _INVLN2 + _MAGIC
        t_[i] = t
        k = t - _MAGIC
        hi = xi - k * _LN2_HI
        lo = k * _LN2_LO
        r = hi - lo
        rr = r * r
        c = r - rr * (_P1 + rr * (_P2 + rr * (_P3 + rr * (_P4 + rr * _P5))))
        x[i] = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    for i in range(n):  # integer pass: multiply by 2**k by adding k to the exponent bits
        xb[i] += (scratch[i] - _MAGIC_BITS) << np.uint64(52)
    return x


# fdlibm's kernels of sin and cos on [-pi/4, pi/4] (FreeBSD msun k_sin.c, k_cos.c)
_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11
_TWO_PI_HI = 6.28318530717958623200e00  # 2 pi = hi + lo to about 2**-105
_TWO_PI_LO = 2.44929359829470635445e-16


@numba.njit(cache=True, nogil=True, error_model="numpy")
def cos2pi_inplace(x):  # pragma: no cover - compiled
    """x[i] = cos(2 pi x[i]) for finite x of moderate size (|x| < 2**50; the model's x are uniforms in (0, 1)).

    Reduced exactly to a quarter turn: t = x - round(x), q = round(4 t), r = t - q / 4 (|r| <= 1/8,
    no rounding), then cos(2 pi r + q pi / 2) from fdlibm's sin and cos kernels at 2 pi r, chosen
    by q without a branch. Error within 2 ulp (away from the zeros of cos, where it is absolute,
    about 1e-17).
    """
    for i in range(x.size):
        t = x[i] - np.rint(x[i])
        q = np.rint(4.0 * t)
        r = t - 0.25 * q
        a = r * _TWO_PI_HI + r * _TWO_PI_LO
        z = a * a
        w = z * z
        rc = z * (_C1 + z * (_C2 + z * _C3)) + w * w * (_C4 + z * (_C5 + z * _C6))
        hz = 0.5 * z
        wc = 1.0 - hz
        c = wc + (((1.0 - wc) - hz) + z * rc)
        rs = _S2 + z * (_S3 + z * _S4) + z * w * (_S5 + z * _S6)
        s = a + z * a * (_S1 + z * rs)
        # q = 0: cos a; q = 1: cos(a + pi/2) = -sin a; q = -1: sin a; q = +-2: -cos a
        x[i] = c if q == 0.0 else (-s if q == 1.0 else (s if q == -1.0 else -c))
    return x


@numba.njit(cache=True, nogil=True, error_model="numpy")
def log1p_inplace(x, u, scratch):  # pragma: no cover - compiled
    """x[i] = log(1 + x[i]) for x > -1, accurate for small x too: with u = 1 + x (in ``u``, a float
    buffer of x's size), log1p x = log u - ((u - 1) - x) / u (the rounding of 1 + x corrected to
    first order), and x itself where u rounds to 1. ``scratch``: a uint64 buffer of x's size.
    Error within 2 ulp."""
    n = x.size
    for i in range(n):
        u[i] = 1.0 + x[i]
    log_inplace(u[:n], scratch)  # u now holds log(1 + x) as rounded
    for i in range(n):
        v = 1.0 + x[i]
        x[i] = x[i] if v == 1.0 else u[i] - ((v - 1.0) - x[i]) / v
    return x
