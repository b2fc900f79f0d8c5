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
