"""User ops on CUDA tensors in Numba's simulator: ``tensorjit.elementwise`` runs the same
Python function as a device function inside the generated grid-stride kernel; ``fuse`` runs
CUDA calls unfused; user reductions refuse CUDA tensors. NumPy is the oracle (no CPU kernels
compile here)."""
import math

import numpy as np
import pytest

import tensorjit as tj


@tj.elementwise
def shrink(x, t):
    """Soft thresholding."""
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return x * 0


def _shrink_np(x, t):
    return np.where(x > t, x - t, np.where(x < -t, x + t, x * 0))


BASE = np.array([[1.5, -0.25, np.nan, 4.0, -3.0, 0.5], [np.inf, -np.inf, 0.75, -0.0, 2.0, -1.0],
                 [3.0, 7.5, -1.0, 2.25, 0.0, 9.0], [-6.0, 0.125, 5.0, -2.5, 1.0, 8.0]], np.float32)


@pytest.mark.parametrize("label,make", [
    ("contiguous", lambda t: t), ("transposed", lambda t: t.t()), ("stepped", lambda t: t[::2, ::3]),
    ("offset", lambda t: t[1:, 2:]), ("broadcast", lambda t: t[:1].expand(4, 6)), ("zero_d", lambda t: t[2, 3]),
    ("empty", lambda t: t[:, 6:])])
def test_layouts_match_numpy(label, make):
    x = make(tj.from_numpy(BASE))
    g = x.cuda()
    got = shrink(g, 1.0)
    assert got.is_cuda and got.dtype is tj.float32 and got.shape == x.shape
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(got.cpu().numpy(), _shrink_np(x.numpy(), np.float32(1.0)))


def test_broadcast_promotion_out_and_inplace():
    x = tj.from_numpy(BASE).cuda()
    t = tj.tensor([0.5, 1.0, 2.0, 0.0, 1.5, 3.0]).cuda()
    with np.errstate(invalid="ignore"):
        want = _shrink_np(BASE, np.array([0.5, 1.0, 2.0, 0.0, 1.5, 3.0], np.float32))
        np.testing.assert_array_equal(shrink(x, t).cpu().numpy(), want)
        xi = tj.tensor([[3, -1, 0]], dtype=tj.int32).cuda()
        r = shrink(xi, 0.5)          # int32 with a weak float scalar computes in float32
        assert r.dtype is tj.float32 and r.cpu().tolist() == [[2.5, -0.5, 0.0]]
        out = tj.zeros(4, 6, dtype=tj.float64).cuda()
        assert shrink(x, t, out=out) is out
        np.testing.assert_array_equal(out.cpu().numpy(), want.astype(np.float64))
        y = x.clone()
        shrink.inplace(y, t)
        np.testing.assert_array_equal(y.cpu().numpy(), want)


@tj.elementwise(dtype_rule="int_to_float")
def norm2(x, y):
    return math.sqrt(x * x + y * y)


def test_int_to_float_rule():
    r = norm2(tj.tensor([3, 5]).cuda(), tj.tensor([4, 12]).cuda())
    assert r.is_cuda and r.dtype is tj.float32 and r.cpu().tolist() == [5.0, 13.0]


@tj.elementwise
def broken(x):
    return x.no_such_attribute


def test_function_failures_name_the_function():
    with pytest.raises(tj.UserOpCompileError, match="broken.*float32.*no_such_attribute"):
        broken(tj.ones(3).cuda())


def test_fuse_runs_cuda_calls_unfused():
    f = tj.fuse(lambda a, b: a * b + 1)
    a = tj.tensor([1.0, 2.0]).cuda()
    assert f.explain(a, a).startswith("unfused")
    r = f(a, a)
    assert r.is_cuda and r.cpu().tolist() == [2.0, 5.0]


@tj.reduction(identity=0, merge=lambda a, b: a + b)
def sum_abs(acc, x):
    return acc + abs(x)


@tj.reduction
def first_max(acc, x):
    return x if x > acc else acc


X3 = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.37 - 4).round(2)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, True), (1, False), (-1, False), ((0, 2), True),
                                         ((2, 0), False), ((0, 1, 2), False)])
def test_user_reductions_match_numpy(dim, keepdim):
    x = tj.from_numpy(X3).cuda()
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    axis = None if dim is None else dim
    r = sum_abs(x, **kw)
    assert r.is_cuda and r.dtype is tj.float32
    np.testing.assert_allclose(r.cpu().numpy(), np.abs(X3).sum(axis=axis, keepdims=keepdim), rtol=1e-6)
    if dim is not None:
        r = first_max(x.transpose(0, 2), **kw)   # a transposed input is copied to rows first
        np.testing.assert_array_equal(r.cpu().numpy(), X3.transpose(2, 1, 0).max(axis=axis, keepdims=keepdim))


def test_user_reduction_chunks_dtypes_and_errors():
    a = np.arange(200, dtype=np.float64) - 90.5
    r = sum_abs(tj.from_numpy(a).cuda())          # one long row: chunks merged with ``merge``
    assert r.is_cuda and r.dtype is tj.float64 and r.item() == np.abs(a).sum()
    h = first_max(tj.tensor([1.5, 3.25, -2.0], dtype=tj.float16).cuda())
    assert h.dtype is tj.float16 and h.item() == 3.25
    e = tj.empty(0, 3).cuda()
    assert sum_abs(e, 0).cpu().tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(IndexError, match="identity"):
        first_max(e, 0)
    bad = tj.reduction(identity=0)(lambda acc, x: acc.no_such_attribute)
    with pytest.raises(tj.UserOpCompileError, match="no_such_attribute"):
        bad(tj.ones(3).cuda())
