"""The tiled matmul on CUDA (Numba's simulator) against the CPU backend: mm, bmm, matmul/@ with
vectors, batch broadcasting, transposed/stepped/offset operands read through their strides,
empty and k = 0 products, every dtype the CPU multiplies, and the CPU's errors."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dtypes

DTYPES = ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16", "float32",
          "float64", "complex64", "complex128"]


def _values(d, shape, seed=0):
    rng = np.random.default_rng(seed)
    if d.category == _dtypes.INT:
        return rng.integers(0 if not d.is_signed else -60, 60, shape).astype(d.np)
    v = rng.uniform(-2, 2, shape).round(2)
    if d.category == _dtypes.COMPLEX:
        v = v + 1j * rng.uniform(-2, 2, shape).round(2)
    return v.astype(d.np)


def _same(g, c):
    assert g.is_cuda and g.dtype is c.dtype and g.shape == c.shape
    if c.numel() > 1:
        assert g.stride() == c.stride()
    gv, cv = g.cpu().numpy(), c.numpy()
    if c.dtype.category >= _dtypes.FLOAT:
        tol = {tj.float16: 2e-3, tj.float32: 1e-5, tj.complex64: 1e-5}.get(c.dtype, 1e-12)
        np.testing.assert_allclose(gv, cv, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(gv, cv)       # integers wrap alike


def _pair(arr, view=None):
    c = tj.from_numpy(arr)
    g = c.cuda()
    return (view(c), view(g)) if view else (c, g)


@pytest.mark.parametrize("dn", DTYPES)
def test_mm_every_dtype(dn):
    """NumPy is the oracle here, computing as the CPU backend does (integers in 64 bits, wrapped
    to the dtype; float16 in float32, rounded once): a CPU integer kernel per width would cost
    a compile each. The other tests compare with the CPU backend."""
    d = getattr(tj, dn)
    a, b = _values(d, (3, 5)), _values(d, (5, 4), 1)
    got = tj.mm(tj.from_numpy(a).cuda(), tj.from_numpy(b).cuda())
    wide = {"u": np.uint64, "i": np.int64, "f": np.float32 if d is tj.float16 else d.np}.get(a.dtype.kind, d.np)
    with np.errstate(over="ignore"):
        want = (a.astype(wide) @ b.astype(wide)).astype(d.np)
    assert got.is_cuda and got.dtype is d and got.shape == (3, 4) and got.stride() == (4, 1)
    if d.category >= _dtypes.FLOAT:
        tol = 2e-3 if d is tj.float16 else 1e-5
        np.testing.assert_allclose(got.cpu().numpy(), want, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got.cpu().numpy(), want)


@pytest.mark.parametrize("dn", ["float32", "int64"])
def test_layouts_and_batches(dn):
    d = getattr(tj, dn)
    cases = [
        (lambda t: t.t(), lambda t: t.t(), (7, 5), (9, 7)),                       # both transposed
        (lambda t: t[::2, 1:], lambda t: t[1:, ::-2], (10, 6), (6, 13)),          # stepped, offset, negative
        (None, None, (2, 3, 5, 4), (3, 4, 6)),                                    # broadcast batch dims
        (None, lambda t: t.expand(2, 4, 3), (2, 5, 4), (1, 4, 3)),                # stride-0 batch
        (lambda t: t.transpose(0, 2), None, (4, 3, 2), (2, 4, 5)),                # batch dim not outermost
        (None, None, (3, 4), (4,)),                                               # matrix @ vector
        (None, None, (4,), (2, 4, 3)),                                            # vector @ batch
        (None, None, (4,), (4,)),                                                 # dot
        (None, None, (3, 0), (0, 4)),                                             # k = 0
        (None, None, (0, 3), (3, 4)),                                             # empty
        (None, None, (17, 9), (9, 18)),                                           # several tiles
    ]
    for va, vb, sa, sb in cases:
        (a, ga), (b, gb) = _pair(_values(d, sa), va), _pair(_values(d, sb, 2), vb)
        _same(ga @ gb, a @ b)
    (a, ga), (b, gb) = _pair(_values(d, (3, 2, 4))), _pair(_values(d, (3, 4, 5), 3))
    _same(tj.bmm(ga, gb), tj.bmm(a, b))
    out = tj.empty(1, dtype=d, device="cuda")
    with pytest.warns(UserWarning, match="resized"):
        tj.matmul(ga, gb, out=out)
    _same(out, a @ b)


def test_errors_match_cpu():
    f = tj.from_numpy(_values(tj.float32, (2, 3)))
    i = tj.from_numpy(_values(tj.int32, (3, 2)))
    for fn in (lambda x, y: x @ y, lambda x, y: tj.mm(x, y.t()), lambda x, y: tj.bmm(x, y)):
        with pytest.raises(Exception) as cpu:
            fn(f, i)
        with pytest.raises(type(cpu.value)) as cuda:
            fn(f.cuda(), i.cuda())
        assert str(cuda.value) == str(cpu.value)
    with pytest.raises(RuntimeError, match="same device"):
        f.cuda() @ f.t()
    b = tj.ones(2, 2, dtype=tj.bool)
    with pytest.raises(NotImplementedError, match="Bool"):
        b.cuda() @ b.cuda()
