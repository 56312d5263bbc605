"""Writes whose destination overlaps a source give the result of computing into a fresh tensor
first (NumPy's semantics), and the overlap check copies only when memory really is shared."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit._dispatch import _may_overlap


def _np(t):
    return np.array(t.numpy())


CASES = {
    "a[1:] += a[:-1]": (lambda a: a.__setitem__(slice(1, None), a[1:].__iadd__(a[:-1])),
                        lambda n: n.__setitem__(slice(1, None), n[1:] + n[:-1])),
    "a[:-1] += a[1:]": (lambda a: a[:-1].add_(a[1:]), lambda n: n.__setitem__(slice(None, -1), n[:-1] + n[1:])),
    "copy_ reversed": (lambda a: a.copy_(a[::-1]), lambda n: n.__setitem__(Ellipsis, n[::-1].copy())),
    "mul out shifted": (lambda a: tj.mul(a[:-1], 2, out=a[1:]), lambda n: n.__setitem__(slice(1, None), n[:-1] * 2)),
    "sub_ reversed": (lambda a: a.sub_(a[::-1]),
                      lambda n: n.__setitem__(Ellipsis, n - n[::-1])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_1d_overlap_matches_fresh_result(name):
    tj_op, np_op = CASES[name]
    n = np.arange(10, dtype=np.float64)
    a = tj.from_numpy(n.copy())
    tj_op(a)
    np_op(n)
    np.testing.assert_array_equal(_np(a), n)


def test_add_out_transposed_self():
    n = np.arange(9.0).reshape(3, 3)
    a = tj.from_numpy(n.copy())
    tj.add(a, tj.ones(3, 3, dtype=tj.float64), out=a.t())
    expect = n + 1
    n.T[...] = expect
    np.testing.assert_array_equal(_np(a), n)


def test_transpose_in_place_via_copy():
    n = np.arange(16.0).reshape(4, 4)
    a = tj.from_numpy(n.copy())
    a.copy_(a.t())
    np.testing.assert_array_equal(_np(a), n.T)


def test_interleaved_views_do_not_overlap():
    x = tj.arange(10.0)
    assert not _may_overlap(x[::2], x[1::2])
    assert _may_overlap(x[::2], x[2::2])
    assert _may_overlap(x[1:], x[:-1])
    z = tj.zeros(4, dtype=tj.complex64)
    assert not _may_overlap(z.real, z.imag)
    m = tj.zeros(4, 6)
    assert not _may_overlap(m[:, ::2], m[:, 1::2])
    assert _may_overlap(m[:, ::2], m[1:, :])
    assert not _may_overlap(tj.zeros(3), tj.zeros(3))


def test_interleaved_write_is_exact():
    n = np.arange(10.0)
    x = tj.from_numpy(n.copy())
    x[1::2] += x[::2]
    n[1::2] += n[::2]
    np.testing.assert_array_equal(_np(x), n)
