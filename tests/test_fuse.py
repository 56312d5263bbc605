"""``tensorjit.fuse``: fused results against the same function run unfused (bit for bit for
pointwise results), against PyTorch for reductions, and the calls that must fall back.

Compile budget: one fused kernel per (expression, dtypes); layouts share it. The unfused
reference compiles the eager kernels of the same ops, so dtypes are few.
"""
import numpy as np
import pytest

import tensorjit as tj

from layouts import layouts


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle of the reduction checks")


def _bits_equal(got, want):
    """Same dtype, shape, strides and bit patterns (NaNs included)."""
    assert got.dtype is want.dtype and got.shape == want.shape
    assert got.stride() == want.stride(), (got.stride(), want.stride())
    g, w = np.ascontiguousarray(got.numpy()), np.ascontiguousarray(want.numpy())
    assert g.tobytes() == w.tobytes(), (g, w)


def fma_exp(a, b, c):
    return a * b + c.exp()


FMA_EXP = tj.fuse(fma_exp)
F32 = np.array([[1.5, -2.0, np.nan, 4.0], [np.inf, -np.inf, 0.25, -0.0], [3.0, 7.5, -1.0, 88.0]], np.float32)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "offset"])
def test_pointwise_layouts_bit_for_bit(layout):
    a = next(t for name, t, _ in layouts(F32) if name == layout)
    b = next(t for name, t, _ in layouts(F32[::-1].copy()) if name == layout)
    c = tj.from_numpy(np.linspace(-3, 90, a.numel(), dtype=np.float32).reshape(a.shape))
    assert FMA_EXP.explain(a, b, c) == "fused: add(mul(x0, x1), exp(x2))"
    _bits_equal(FMA_EXP(a, b, c), fma_exp(a, b, c))


def test_broadcast_scalars_0d_and_empty():
    a = tj.from_numpy(F32)
    row = tj.from_numpy(F32[1].copy())
    col = tj.from_numpy(F32[:, 2:3].copy())
    _bits_equal(FMA_EXP(a, row, col), fma_exp(a, row, col))
    z = tj.tensor(0.5)
    _bits_equal(FMA_EXP(z, z, z), fma_exp(z, z, z))
    e = tj.empty(0, 4)
    r = FMA_EXP(e, row, e)
    assert r.shape == (0, 4) and r.dtype is tj.float32



def test_large_pointwise_runs_in_parallel():
    # exp(0) == 1 exactly, so NumPy's a * b + 1 is the reference, bit for bit.
    a = np.random.default_rng(1).standard_normal((3, 1 << 17)).astype(np.float32)
    zeros = tj.zeros(1 << 17)
    got = FMA_EXP(tj.from_numpy(a), tj.from_numpy(a[::-1].copy()), zeros)
    np.testing.assert_array_equal(got.numpy(), a * a[::-1] + np.float32(1))


def poly(x, y):
    return x * y + 3


POLY = tj.fuse(poly)


# float16 rounds between nodes; the mixed pairs promote (the scalar stays weak).
@pytest.mark.parametrize("dx,dy", [("float16", "float16"), ("int16", "float32"), ("uint8", "int8")])
def test_dtypes_match_unfused(dx, dy):
    rng = np.random.default_rng(3)
    vx = rng.uniform(-4, 4, (3, 5))
    if dx in ("float16", "float64"):
        vx[0, :3] = [np.nan, np.inf, -np.inf]
    x = tj.tensor(vx.tolist()).to(getattr(tj, dx))
    y = tj.tensor(rng.uniform(-4, 4, (5,)).tolist()).to(getattr(tj, dy))
    assert POLY.explain(x, y).startswith("fused: ")
    _bits_equal(POLY(x, y), poly(x, y))


def test_weak_scalars_follow_the_default_dtype():
    f = tj.fuse(lambda x: x * 2.5 + 1)
    x = tj.tensor([1, 2, 3])
    assert f(x).dtype is tj.float32
    prev = tj.get_default_dtype()
    tj.set_default_dtype(tj.float64)
    try:
        r = f(x)
        assert r.dtype is tj.float64 and r.tolist() == [3.5, 6.0, 8.5]
    finally:
        tj.set_default_dtype(prev)


def test_square_is_bit_for_bit_with_torch_pow():
    # Note [fused square]: x ** 2 fuses as x * x, PyTorch's own computation, also on inputs
    # whose squares are exact float32 midpoints (1 + k * 2**-12).
    torch = _torch()
    f = tj.fuse(lambda x: x ** 2)
    v = np.concatenate([1 + np.arange(1, 2000, dtype=np.float32) * np.float32(2.0 ** -12),
                        np.random.default_rng(2).standard_normal(2000).astype(np.float32) * 1e3,
                        np.array([np.nan, np.inf, -np.inf, -0.0, 3e38, 1e-45], np.float32)])
    x = tj.from_numpy(v)
    assert f.explain(x) == "fused: square(x0)"
    want = torch.from_numpy(v) ** 2
    assert f(x).numpy().tobytes() == want.numpy().tobytes()


def test_user_elementwise_op_fuses():
    @tj.elementwise
    def soft(x, t):
        return x - t if x > t else (x + t if x < -t else x * 0)

    f = tj.fuse(lambda x: soft(x, 0.5) * 2)
    x = tj.from_numpy(F32)
    assert f.explain(x).startswith("fused: mul(u_soft_")
    _bits_equal(f(x), soft(x, 0.5) * 2)


# -- reductions ---------------------------------------------------------------------------------------
def mse(a, b):
    return ((a - b) ** 2).mean()


def sq_sum(a, b, dim, keepdim):
    return (a - b).square().sum(dim, keepdim)


MSE, SQ_SUM = tj.fuse(mse), tj.fuse(sq_sum)
X3 = np.random.default_rng(4).standard_normal((2, 3, 4)).astype(np.float32)
Y3 = np.random.default_rng(5).standard_normal((2, 3, 4)).astype(np.float32)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, (0, 1), (0, 2), (1, 2), (0, 1, 2), (2, 0)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_trailing_sum_every_dim(dim, keepdim):
    torch = _torch()
    a, b = tj.from_numpy(X3), tj.from_numpy(Y3).permute(0, 2, 1).contiguous().permute(0, 2, 1)
    got = SQ_SUM(a, b, dim, keepdim)
    assert SQ_SUM.explain(a, b, dim, keepdim).startswith("fused: sum(square(sub(x0, x1))")
    want = (torch.from_numpy(X3) - torch.from_numpy(Y3)).square().sum(dim, keepdim)
    assert got.dtype is tj.float32 and got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_trailing_mean_full_and_layouts():
    torch = _torch()
    for name, a, an in layouts(X3):
        bn = np.linspace(-1, 1, an.size // an.shape[-1], dtype=np.float32).reshape(an.shape[:-1] + (1,))
        b = tj.from_numpy(bn)    # broadcast along the last dim
        got = MSE(a, b)
        assert MSE.explain(a, b).startswith("fused: mean(square(sub(x0, x1))"), name
        want = ((torch.from_numpy(np.ascontiguousarray(an)) - torch.from_numpy(bn)) ** 2).mean()
        assert got.shape == () and got.dtype is tj.float32
        np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)
    z = tj.tensor(1.5)
    assert MSE(z, tj.tensor(0.5)).item() == 1.0
    # NaN and inf flow through the fused sum
    c = tj.from_numpy(F32)
    assert np.isnan(MSE(c, tj.ones(1)).item())
    # an empty reduction runs unfused: mean of nothing is NaN, sum of nothing 0, as PyTorch
    e = tj.empty(0, 3)
    assert np.isnan(MSE(e, e).item()) and SQ_SUM(e, e, 0, False).tolist() == [0.0, 0.0, 0.0]
    assert SQ_SUM(e, e, 1, False).shape == (0,)


def test_large_reductions_in_parallel_match_numpy():
    # One output split across threads, then many outputs split across threads.
    rng = np.random.default_rng(6)
    a, b = (tj.from_numpy(rng.standard_normal(1 << 20).astype(np.float32)) for _ in range(2))
    exact = ((a.numpy().astype(np.float64) - b.numpy()) ** 2).sum()
    np.testing.assert_allclose(SQ_SUM(a, b, 0, False).item(), exact, rtol=2e-7)
    m = SQ_SUM(a.view(1024, 1024), b.view(1024, 1024), 1, False)
    want = ((a.numpy().astype(np.float64) - b.numpy()) ** 2).reshape(1024, 1024).sum(1)
    np.testing.assert_allclose(m.numpy(), want, rtol=2e-6)


# -- what runs unfused --------------------------------------------------------------------------------------
def _branchy(x):
    if x.sum() > 0:       # data-dependent control flow
        return x * 2
    return x


@pytest.mark.parametrize("fn,why", [
    (_branchy, "reduces an argument directly"),
    (lambda x: x.t() * 2, "reads tensor data"),
    (lambda x: (x * 2).t(), "not one tensor computed from its arguments"),
    (lambda x: x // 2, "integer division"),
    (lambda x: tj.add(x, 1, out=x), "out="),
    (lambda x: x.add_(1), "in place"),
    (lambda x: (x * 2, x + 1), "returns tuple"),
    (lambda x: x, "returns an argument"),
    (lambda x: (x * 2).sum() / 2, "result of a reduction"),
])
def test_unfusable_calls_are_explained(fn, why):
    f = tj.fuse(fn)
    x = tj.tensor([[3, -1], [2, 5]])
    assert f.explain(x).startswith("unfused") and why in f.explain(x), f.explain(x)


@pytest.mark.parametrize("fn", [_branchy, lambda x: x.t() * 2, lambda x: (x * 2, x + 1),
                                lambda x: tj.add(x, 1, out=x)])
def test_unfusable_calls_run_eagerly_with_the_same_result(fn):
    x = tj.tensor([[3.0, -1.0], [2.0, 5.0]])   # float32: the eager kernels of the tests above
    got, want = tj.fuse(fn)(x.clone()), fn(x.clone())
    if isinstance(want, tuple):
        assert all(g.tolist() == w.tolist() for g, w in zip(got, want))
    else:
        assert got.tolist() == want.tolist() and got.dtype is want.dtype


@pytest.mark.parametrize("fn,why", [
    (lambda x: (x * 2).amax(), "only sum() and mean()"),
    (lambda x: tj.cumsum(x * 2, 0) + 1, "tracing stopped"),
    (lambda x: (x * 2).sum(dtype=tj.float64), "only sum() and mean() without dtype="),
])
def test_more_unfusable_traces(fn, why):
    assert why in tj.fuse(fn).explain(tj.ones(2, 2))


def test_errors_are_the_unfused_ones():
    f = tj.fuse(lambda a, b: a - b)
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        f(tj.tensor([True]), tj.tensor([False]))
    with pytest.raises(RuntimeError, match="sub"):
        f(tj.ones(2), tj.ones(3))
    g = tj.fuse(lambda a: a.mean())
    with pytest.raises(RuntimeError, match="mean"):
        g(tj.tensor([1, 2]))


def test_cuda_and_unhashable_arguments_run_eagerly():
    f = tj.fuse(lambda a, scale: a * scale[0])
    assert f.explain(tj.ones(2), [2.0]).startswith("unfused: an argument")
    assert f(tj.ones(2), [2.0]).tolist() == [2.0, 2.0]


def test_fused_function_metadata():
    assert FMA_EXP.__name__ == "fma_exp" and FMA_EXP.__wrapped__ is fma_exp
    assert "fma_exp" in repr(FMA_EXP)
