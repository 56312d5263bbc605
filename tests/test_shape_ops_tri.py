"""Triangles and diagonals against PyTorch: tril, triu (out= and in place), tril_indices,
triu_indices, diag, diag_embed, diagflat. Values, dtype, shape and strides, every
diagonal from below the matrix to above it, batched inputs over layouts, errors.

Kernel budget: ``where`` (bool mask, DTYPES) for the triangles, the copy kernels of DTYPES
for the diagonals.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tensorjit as tj
from test_shape_ops import (DTYPES, LAYOUTS, assert_raises_like, assert_same, pair, values,
                            torch_single_thread)

torch = pytest.importorskip("torch", reason="torch is the reference for the shape ops' semantics")


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    with torch_single_thread():
        yield


DIAGONALS = [-5, -2, -1, 0, 1, 2, 5]


# -- tril / triu -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 4), (2, 1, 3, 3)])
def test_tri_layouts_and_diagonals(name, kind, shape):
    t, r = pair(shape, "float32", kind)
    for k in DIAGONALS:
        assert_same(getattr(tj, name)(t, k), getattr(torch, name)(r, k))
        assert_same(getattr(t, name)(diagonal=k), getattr(r, name)(diagonal=k))
    assert_same(getattr(tj, name)(t), getattr(torch, name)(r))


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tri_dtypes(name, dtype):
    for shape in ((3, 4), (0, 3), (3, 0), (2, 0, 2), (1, 1)):
        t, r = pair(shape, dtype, seed=len(shape))
        for k in (-1, 0, 1):
            assert_same(getattr(tj, name)(t, k), getattr(torch, name)(r, k))


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tri_broadcast_input(name):
    t, r = pair((1, 3), "float32")
    assert_same(getattr(tj, name)(t.expand(4, 3), 1), getattr(torch, name)(r.expand(4, 3), 1))
    t, r = pair((3, 3), "float32")
    assert_same(getattr(tj, name)(t.expand(2, 3, 3)), getattr(torch, name)(r.expand(2, 3, 3)))


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tri_out(name):
    t, r = pair((2, 3), "float32", "stepped")
    fn, ref = getattr(tj, name), getattr(torch, name)
    for make in (lambda m: m.empty(2, 3), lambda m: m.empty(3, 2).t(), lambda m: m.empty(0)):
        o, ro = make(tj), make(torch)
        assert fn(t, 1, out=o) is o
        assert_same(o, ref(r, 1, out=ro))
    o, ro = tj.empty(4), torch.empty(4)
    with pytest.warns(UserWarning, match="resized"):
        fn(t, out=o)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(o, ref(r, out=ro))
    o = tj.full((2, 3), 7, dtype=tj.int64)
    assert_raises_like(name, lambda: fn(t, out=o), lambda: ref(r, out=torch.full((2, 3), 7, dtype=torch.int64)))
    assert o.tolist() == [[7] * 3] * 2
    # out may be the input itself.
    c, rc = t.clone(), r.clone()
    assert_same(fn(c, -1, out=c), ref(rc, -1, out=rc))


@pytest.mark.parametrize("name", ["tril_", "triu_"])
@pytest.mark.parametrize("kind", LAYOUTS)
def test_tri_in_place(name, kind):
    t, r = pair((2, 3, 4), "float32", kind)
    for k in (-1, 0, 2):
        c, rc = t.clone(), r.clone()
        assert getattr(c, name)(k) is c
        getattr(rc, name)(k)
        assert_same(c, rc)
    # In place on a view writes through to its base.
    base, rbase = pair((4, 4), "float32", seed=3)
    getattr(base.t()[1:], name)()
    getattr(rbase.t()[1:], name)()
    assert_same(base, rbase)


@pytest.mark.parametrize("call", [
    lambda m, a: m.tril(a[0]),
    lambda m, a: m.triu(a[0, 0]),
    lambda m, a: m.tril(a, 1.5),
    lambda m, a: a.triu_(1.5),
], ids=["tril_1d", "triu_0d", "tril_float_diagonal", "triu__float_diagonal"])
def test_tri_errors(call, request):
    a, ra = pair((2, 3))
    op = request.node.callspec.id.split("_")[0]
    op = op + "_" if "__" in request.node.callspec.id else op
    assert_raises_like(op, lambda: call(tj, a), lambda: call(torch, ra))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("row,col", [(3, 3), (3, 4), (4, 3), (0, 4), (1, 1), (5, 0)])
def test_tri_indices(name, row, col):
    fn, ref = getattr(tj, name), getattr(torch, name)
    for offset in (-5, -1, 0, 1, 10):
        assert_same(fn(row, col, offset), ref(row, col, offset))
        assert_same(fn(row, col, offset=offset, dtype=tj.int32), ref(row, col, offset=offset, dtype=torch.int32))
    assert_same(fn(row, col), ref(row, col))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_tri_indices_errors(name):
    fn, ref = getattr(tj, name), getattr(torch, name)
    assert_raises_like(name, lambda: fn(-1, 3), lambda: ref(-1, 3))
    assert_raises_like(name, lambda: fn(3, -3), lambda: ref(3, -3))
    for d in ("float32", "bool", "int8", "int16", "complex64"):
        assert_raises_like(name, lambda: fn(3, 3, dtype=getattr(tj, d)), lambda: ref(3, 3, dtype=getattr(torch, d)))


# -- diag, diag_embed, diagflat -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shape", [(3,), (3, 4), (4, 2), (0,), (0, 3)])
def test_diag_layouts(kind, shape):
    t, r = pair(shape, "float32", kind)
    for k in DIAGONALS:
        assert_same(tj.diag(t, k), torch.diag(r, k))
        assert_same(t.diag(diagonal=k), r.diag(diagonal=k))
    assert_same(tj.diag(t), torch.diag(r))


@pytest.mark.parametrize("dtype", DTYPES)
def test_diag_dtypes(dtype):
    for shape in ((3,), (2, 3)):
        t, r = pair(shape, dtype)
        for k in (-1, 0, 2):
            assert_same(tj.diag(t, k), torch.diag(r, k))


def test_diag_out():
    t, r = pair((3,), "float32")
    for make in (lambda m: m.empty(3, 3), lambda m: m.empty(3, 3).t(), lambda m: m.empty(0)):
        o, ro = make(tj), make(torch)
        assert tj.diag(t, out=o) is o
        assert_same(o, torch.diag(r, out=ro))
    o = tj.zeros(2, dtype=tj.float64)
    m, rm = pair((2, 3), "float32")
    assert_raises_like("diag", lambda: tj.diag(m, out=o),
                       lambda: torch.diag(rm, out=torch.zeros(2, dtype=torch.float64)))
    assert o.tolist() == [0.0, 0.0]


def test_diag_errors():
    for shape in ((), (2, 2, 2)):
        t, r = pair(shape)
        assert_raises_like("diag", lambda: tj.diag(t), lambda: torch.diag(r))


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("args", [(), (1,), (-1, 0, 2), (0, 0, 1), (1, -1, 0), (2, 2, 0), (-2, 1, 2)])
def test_diag_embed(kind, args):
    t, r = pair((3, 2), "float32", kind)
    assert_same(tj.diag_embed(t, *args), torch.diag_embed(r, *args))
    assert_same(t.diag_embed(*args), r.diag_embed(*args))
    t, r = pair((2,), "float32", kind)
    assert_same(tj.diag_embed(t, *args[:1]), torch.diag_embed(r, *args[:1]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_diag_embed_dtypes(dtype):
    t, r = pair((2, 3), dtype)
    assert_same(tj.diag_embed(t, offset=1, dim1=0, dim2=2), torch.diag_embed(r, offset=1, dim1=0, dim2=2))
    t, r = pair((2, 0), dtype)
    assert_same(tj.diag_embed(t), torch.diag_embed(r))


@pytest.mark.parametrize("call", [
    lambda m, a: m.diag_embed(a, 0, 0, 0),
    lambda m, a: m.diag_embed(a, 0, 3, 0),
    lambda m, a: m.diag_embed(a, 0, -4, 0),
    lambda m, a: m.diag_embed(a[0, 0]),
])
def test_diag_embed_errors(call):
    a, ra = pair((3, 2))
    assert_raises_like("diag_embed", lambda: call(tj, a), lambda: call(torch, ra))


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shape", [(3, 2), (2,), (), (0,), (2, 1, 2)])
def test_diagflat(kind, shape):
    t, r = pair(shape, "float32", kind)
    for k in (-2, 0, 1):
        assert_same(tj.diagflat(t, k), torch.diagflat(r, k))
        assert_same(t.diagflat(offset=k), r.diagflat(offset=k))


@pytest.mark.parametrize("dtype", DTYPES)
def test_diagflat_dtypes(dtype):
    t, r = pair((2, 2), dtype, "transposed")
    assert_same(tj.diagflat(t, 1), torch.diagflat(r, 1))


def test_diag_of_negative_strides_matches_numpy():
    base = values(12, "float32", seed=9).reshape(3, 4)
    t = tj.from_numpy(base).as_strided((3, 4), (4, -1), 3)
    np.testing.assert_array_equal(tj.diag(t, 1).numpy(), np.diag(base[:, ::-1], 1))
    v = tj.from_numpy(base.reshape(-1)).as_strided((4,), (-3,), 9)
    np.testing.assert_array_equal(tj.diag(v, -1).numpy(), np.diag(base.reshape(-1)[9::-3], -1))
