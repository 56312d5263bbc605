"""sort, argsort, msort, topk, searchsorted and bucketize on CUDA (Numba's simulator) against
the CPU backend: values, indices, dtype, shape, strides; every dtype the CPU sorts; NaN, inf
and -0.0; ties (the sort is stable both ways); every dim; transposed and stepped inputs; rows
longer than a block's threads; 0-d and empty inputs; out= and errors."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dtypes

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
          "float32", "float64"]


def _values(d, shape, seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if d is tj.bool:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if d.category == _dtypes.INT:
        return rng.integers(-3 if d.is_signed else 0, 4, n).astype(d.np).reshape(shape)   # many ties
    v = rng.integers(-3, 4, n).astype(np.float64) / 2
    if n > 6:
        v[1], v[3], v[4], v[6] = np.nan, np.inf, -0.0, -np.inf
    return v.astype(d.np).reshape(shape)


def _same(g, c):
    assert g.is_cuda and g.dtype is c.dtype and g.shape == c.shape
    if c.numel() > 1:
        assert [s for s, n in zip(g.stride(), g.shape) if n > 1] == [s for s, n in zip(c.stride(), c.shape) if n > 1]
    gv, cv = g.cpu().numpy(), c.numpy()
    np.testing.assert_array_equal(gv, cv)
    if gv.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(gv), np.signbit(cv))      # exact bits (-0.0) kept


def _pairs(g, c):
    _same(g[0], c[0])
    _same(g[1], c[1])


@pytest.mark.parametrize("dn", DTYPES)
def test_every_dtype(dn):
    d = getattr(tj, dn)
    c = tj.from_numpy(_values(d, (2, 8)))
    g = c.cuda()
    _pairs(g.sort(1, descending=dn in ("uint64", "float16", "int8")), c.sort(1, descending=dn in ("uint64", "float16", "int8")))


@pytest.mark.parametrize("dn", ["float32", "int64"])
def test_dims_layouts_and_edges(dn):
    d = getattr(tj, dn)
    base = _values(d, (4, 3, 5), 1)
    c, g = tj.from_numpy(base.copy())[::2, :, ::-2], tj.from_numpy(base.copy()).cuda()[::2, :, ::-2]
    for dim in range(c.dim()):
        _pairs(g.sort(dim, descending=dim == 1), c.sort(dim, descending=dim == 1))
        _pairs(g.topk(2, dim, largest=dim != 0), c.topk(2, dim, largest=dim != 0))
    c, g = tj.from_numpy(base.copy()).transpose(0, 2), tj.from_numpy(base.copy()).cuda().transpose(0, 2)
    _same(g.argsort(-1, stable=True), c.argsort(-1, stable=True))
    _same(g.msort(), c.msort())
    long = tj.from_numpy(_values(d, (1, 37), 2))
    _pairs(long.cuda().sort(), long.sort())
    zero_d = tj.from_numpy(np.array(base[0, 0, 1]))
    _pairs(zero_d.cuda().sort(), zero_d.sort())
    _pairs(zero_d.cuda().topk(0), zero_d.topk(0))
    empty = tj.from_numpy(base[:, :0].copy())
    _pairs(empty.cuda().sort(1), empty.sort(1))
    _pairs(empty.cuda().topk(0, 1), empty.topk(0, 1))


def test_out_and_errors():
    c = tj.from_numpy(_values(tj.float32, (2, 5)))
    g = c.cuda()
    vals, idx = tj.empty(0, device="cuda"), tj.empty(0, dtype=tj.int64, device="cuda")
    tj.sort(g, out=(vals, idx))
    _pairs((vals, idx), c.sort())
    for fn in (lambda x: x.topk(6), lambda x: x.sort(dim=2), lambda x: (x + 1j).sort(), lambda x: (x > 0).topk(1)):
        with pytest.raises(Exception) as cpu:
            fn(c)
        with pytest.raises(type(cpu.value)) as cuda:
            fn(g)
        assert str(cuda.value) == str(cpu.value)


@pytest.mark.parametrize("dn", ["float32", "int64", "float16", "uint8"])
def test_searchsorted(dn):
    d = getattr(tj, dn)
    seq = tj.from_numpy(np.sort(_values(d, (11,), 3).astype(np.float64)).astype(d.np))
    vals = tj.from_numpy(_values(d, (3, 4), 4))
    for right in (False, True):
        _same(tj.searchsorted(seq.cuda(), vals.cuda(), right=right), tj.searchsorted(seq, vals, right=right))
        _same(tj.bucketize(vals.cuda(), seq.cuda(), right=right, out_int32=True),
              tj.bucketize(vals, seq, right=right, out_int32=True))
    rows = tj.from_numpy(np.sort(_values(d, (3, 6), 5).astype(np.float64), 1).astype(d.np))
    _same(tj.searchsorted(rows.cuda(), vals.cuda().t()[:3, :]), tj.searchsorted(rows, vals.t()[:3, :]))
    _same(tj.searchsorted(seq.cuda(), 1), tj.searchsorted(seq, 1))
    unsorted = tj.from_numpy(_values(d, (7,), 6))
    sorter = unsorted.argsort()
    _same(tj.searchsorted(unsorted.cuda(), vals.cuda(), sorter=sorter.cuda()),
          tj.searchsorted(unsorted, vals, sorter=sorter))
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        tj.searchsorted(unsorted.cuda(), vals.cuda(), sorter=(sorter + 1).cuda())
