"""One compiled version of a kernel serves arrays of every layout, in place and without copies."""

import numba
import numpy as np

from zili.model.jit import any_layout


@numba.njit(cache=False)
def _add_rows(out, x, books):  # pragma: no cover - compiled
    R, M = x.shape
    for r in range(R):
        for m in range(M):
            out[r] += x[r, m]
            books[0][r, m] += x[r, m]
    return out.sum()


def test_one_version_for_contiguous_and_strided_windows():
    kernel = any_layout(_add_rows)
    before = set(_add_rows.overloads)
    full = np.arange(24.0).reshape(3, 8)
    for x in (full[:1, :5], full[:, :5], full[:1], full):  # contiguous (one row, or whole) and strided windows
        out, book = np.zeros(x.shape[0]), np.zeros_like(full)[: x.shape[0], : x.shape[1]]
        total = kernel(out, x, (book,))
        assert np.array_equal(out, x.sum(axis=1)) and total == x.sum()
        assert np.array_equal(book, x)  # written in place: the caller's arrays, not copies
    (sig,) = set(_add_rows.overloads) - before  # one version for all four layouts
    assert all(t.layout == "A" for t in sig[:2])


def test_a_new_dtype_gets_its_own_version():
    kernel = any_layout(_add_rows)
    kernel(np.zeros(2), np.ones((2, 3)), (np.zeros((2, 3)),))
    n = len(_add_rows.overloads)
    kernel(np.zeros(2), np.ones((2, 3), dtype=np.int64), (np.zeros((2, 3), dtype=np.int64),))
    assert len(_add_rows.overloads) == n + 1


def test_contiguous_calls_get_a_dense_version_with_the_same_results():
    """With ``contiguous=True``: calls whose arrays are all C-contiguous run a version of layout "C",
    the others the any-layout one; two versions in all, the same results in place."""
    fresh = numba.njit(cache=False)(_add_rows.py_func)  # its own dispatcher: no versions from other tests
    kernel = any_layout(fresh, contiguous=True)
    full = np.arange(40.0).reshape(4, 10)
    for x in (full[:1, :7], full[:, :7], full, full[1:3], full[::2]):  # one row, strided, whole, dense rows, every other row
        out, book = np.zeros(x.shape[0]), np.zeros_like(full)[: x.shape[0], : x.shape[1]]
        total = kernel(out, x, (book,))
        assert np.array_equal(out, x.sum(axis=1)) and total == x.sum() and np.array_equal(book, x)
    assert sorted(sig[1].layout for sig in fresh.overloads) == ["A", "C"]


def test_the_exact_tail_keeps_its_own_types():
    """With ``exact_tail=1`` the last argument (here the books tuple) keeps its layout "C" while the
    other arrays are "A"; a strided array there gets its own version, with the same results."""
    fresh = numba.njit(cache=False)(_add_rows.py_func)
    kernel = any_layout(fresh, exact_tail=1)
    full = np.arange(24.0).reshape(3, 8)
    for x in (full[:, :5], full[:1, :5]):
        out, book = np.zeros(x.shape[0]), np.zeros(x.shape)
        assert kernel(out, x, (book,)) == x.sum() and np.array_equal(book, x)
    (sig,) = fresh.overloads
    assert [sig[0].layout, sig[1].layout, sig[2][0].layout] == ["A", "A", "C"]
    book = np.zeros((3, 16))[:, ::2]  # strided in the exact tail: a second version
    kernel(np.zeros(3), full, (book,))
    assert np.array_equal(book, full) and len(fresh.overloads) == 2


def _scale_into(out, x, c):  # pragma: no cover - compiled
    for i in range(x.shape[0]):
        out[i] = x[i] * c if x[i] > 0 else x[i]
    return out


def test_noalias_option_compiles_and_the_settle_kernel_keeps_it():
    """The installed numba takes the never-overlapping option (:data:`zili.model.jit.NOALIAS`): a
    kernel compiled with it gives the results of one without it, and the serial settle kernel,
    which the option makes vectorisable, is compiled with it."""
    from zili.model import finance
    from zili.model.jit import NOALIAS

    assert NOALIAS == {"noalias": True}
    plain, promised = numba.njit(cache=False)(_scale_into), numba.njit(cache=False, **NOALIAS)(_scale_into)
    x = np.linspace(-3.0, 5.0, 1001)
    assert np.array_equal(plain(np.empty_like(x), x, 1.7), promised(np.empty_like(x), x, 1.7))
    assert promised.targetoptions["noalias"] is True and "noalias" not in plain.targetoptions
    assert finance._settle_serial.targetoptions.get("noalias") is True
    assert "noalias" not in finance._settle_threaded.targetoptions  # numba's parallel backend decides there
