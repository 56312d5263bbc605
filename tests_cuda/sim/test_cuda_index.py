"""Indexing on CUDA (Numba's simulator) against the CPU backend: gather, scatter and their
reductions, index_*, take, put, masks, nonzero and advanced ``__getitem__``/``__setitem__``.

Every op runs the same call on CPU tensors and on CUDA tensors built the same way (views made
on each device), and the results, the mutated operands and the errors must agree: values,
dtype, shape and strides. Every dtype on a contiguous layout; transposed, stepped, offset, 0-d
and empty operands on float32 and int64."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dtypes

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
          "float32", "float64", "complex64", "complex128"]


def _values(d, shape, seed=0):
    """Seeded values of dtype ``d`` (NaN and inf among the floats)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if d is tj.bool:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if d.category == _dtypes.INT:
        lo = -9 if d.is_signed else 0
        return rng.integers(lo, 10, n).astype(d.np).reshape(shape)
    v = rng.uniform(-4, 4, n).round(1)
    if n > 3:
        v[1], v[3] = np.nan, np.inf
    if d.category == _dtypes.COMPLEX:
        v = np.nan_to_num(v, nan=0.5, posinf=2.0) + 1j * rng.uniform(-2, 2, n).round(1)
    return v.astype(d.np).reshape(shape)


class Op:
    """An operand built the same way on both devices: a NumPy array, then ``view`` applied
    to its tensor on each device (so strided layouts are made on the device too)."""

    def __init__(self, arr, view=None):
        self.arr, self.view = arr, view

    def make(self, cuda):
        t = tj.from_numpy(self.arr.copy())
        if cuda:
            t = t.cuda()
        return self.view(t) if self.view else t


def _same(g, c, close=False):
    if isinstance(c, (tuple, list)):
        assert len(g) == len(c)
        for a, b in zip(g, c):
            _same(a, b, close)
        return
    if not isinstance(c, tj.Tensor):
        assert g == c
        return
    assert g.is_cuda and not c.is_cuda
    assert g.dtype is c.dtype and g.shape == c.shape, (g.dtype, c.dtype, g.shape, c.shape)
    if c.numel() > 1:
        assert g.stride() == c.stride(), (g.stride(), c.stride())
    gv, cv = g.cpu().numpy(), c.numpy()
    if close:
        np.testing.assert_allclose(gv, cv, rtol=1e-6, atol=1e-6, equal_nan=True)
    else:
        np.testing.assert_array_equal(gv, cv)


def both(fn, *args, close=False):
    """Run ``fn`` on CPU and CUDA operands; results, mutated operands and errors must agree."""
    cargs = [a.make(False) if isinstance(a, Op) else a for a in args]
    gargs = [a.make(True) if isinstance(a, Op) else a for a in args]
    try:
        want = fn(*cargs)
    except Exception as e:
        with pytest.raises(type(e)) as info:
            fn(*gargs)
        assert str(info.value) == str(e)
        for g, c in zip(gargs, cargs):        # a failing op leaves its operands untouched
            if isinstance(c, tj.Tensor):
                _same(g, c)
        return e
    got = fn(*gargs)
    _same(got, want, close)
    for g, c in zip(gargs, cargs):
        if isinstance(c, tj.Tensor):
            _same(g, c, close)
    return None


def _idx(values, view=None):
    return Op(np.array(values, np.int64), view)


def _np_same(g, want, close=False):
    assert g.is_cuda and g.dtype.np == want.dtype and g.shape == want.shape
    if close:
        np.testing.assert_allclose(g.cpu().numpy(), want, rtol=1e-6, atol=1e-6, equal_nan=True)
    else:
        np.testing.assert_array_equal(g.cpu().numpy(), want)


@pytest.mark.parametrize("dn", DTYPES)
def test_every_dtype(dn):
    """The element-moving kernels (keyed on item size), compaction and the accumulating kernel
    (keyed on dtype: ``add`` folds in the CPU's order, or through atomics for int32/int64/
    uint32/uint64, exact, and float32/float64, to rounding) on every dtype. NumPy is the oracle
    here (the same values as the CPU backend, which the other tests compare with on a few
    dtypes: a CPU kernel per dtype would cost a compile each)."""
    d = getattr(tj, dn)
    a = _values(d, (3, 4))
    g = tj.from_numpy(a).cuda()
    i = np.array([[0, 3], [1, 1], [2, 0]])
    _np_same(g.gather(1, tj.from_numpy(i).cuda()), np.take_along_axis(a, i, 1))
    _np_same(g[1:, tj.tensor([[3], [0]])], a[1:, [[3], [0]]])
    m = _values(tj.bool, (3, 4), 2)
    _np_same(g[tj.from_numpy(m).cuda()], a[m])
    v = _values(d, (2, 4), 8)
    g[tj.tensor([2, 0])] = tj.from_numpy(v).cuda()
    a[[2, 0]] = v
    _np_same(g, a)
    idx = np.array([[0, 0, 2, 0], [0, 2, 2, 0], [1, 0, 2, 0]])
    src = _values(d, (3, 4), 5)
    g.scatter_add_(0, tj.from_numpy(idx).cuda(), tj.from_numpy(src).cuda())
    with np.errstate(all="ignore"):
        np.add.at(a, (idx, np.arange(4)[None, :].repeat(3, 0)), src)
    _np_same(g, a, close=dn in ("float32", "float64"))


@pytest.mark.parametrize("dn", ["float32", "int64"])
def test_ops(dn):
    d = getattr(tj, dn)
    x = Op(_values(d, (3, 4)))
    src = Op(_values(d, (3, 4), 5))

    def setmask(x, m, v):
        x[m] = v[: int(m.sum().item())]
        return x

    both(lambda x, i: x.index_select(0, i), x, _idx([2, 0, 2]))
    both(lambda x, i: tj.take(x, i), x, _idx([[0, -1], [5, 11]]))
    both(lambda x, i: tj.take_along_dim(x, i, 1), x, _idx([[0, -1], [3, 1], [2, 2]]))
    both(lambda x, m: x[m], x, Op(np.array([True, False, True])))
    both(lambda x, i: x[1:, i], x, _idx([[3], [0]]))
    both(lambda x, m: x[m], x, Op(_values(tj.bool, (3, 4), 2)))
    both(lambda x: tj.nonzero(x), x)
    both(lambda x, m: tj.masked_select(x, m), x, Op(_values(tj.bool, (4,), 3)))
    both(lambda x: tj.nonzero(x, as_tuple=True), x)
    both(lambda x, i, s: x.scatter_(0, i, s), x, _idx([[2, 0, 1, 2], [0, 1, 2, 1]]), src)
    both(lambda x, i, s: x.index_copy_(1, i, s), x, _idx([3, 0, 1]), Op(_values(d, (3, 3), 6)))
    both(lambda x, i: x.index_fill_(0, i, 1), x, _idx([-1, 0]))
    both(lambda x, m: x.masked_fill_(m, 1), x, Op(_values(tj.bool, (4,), 7)))
    both(setmask, x, Op(_values(tj.bool, (3, 4), 9)), Op(_values(d, (12,), 10)))
    both(lambda x, i, s: x.put_(i, s), x, _idx([11, 0, -2]), Op(_values(d, (3,), 11)))
    both(lambda x, m, s: x.masked_scatter_(m, s), x, Op(_values(tj.bool, (3, 4), 12)), Op(_values(d, (12,), 13)))
    both(lambda x, i, s: tj.scatter(x, 1, i, s), x, _idx([[1], [0], [3]]), src)


@pytest.mark.parametrize("dn,reduces", [("float32", ("sum", "prod", "mean", "amax", "amin")),
                                        ("int64", ("sum", "prod", "mean", "amax", "amin")),
                                        ("float16", ("sum", "amin"))])
def test_accumulating_ops(dn, reduces):
    """Repeated indices: scatter_reduce_'s reductions, index_add_, accumulating index_put_ and
    put_ (float16 runs the serial fold, float32 and int64 atomics where they exist)."""
    d = getattr(tj, dn)
    close = dn in ("float32", "float64")
    x = Op(_values(d, (3, 4)))
    src = Op(_values(d, (3, 4), 5))
    rep = _idx([[0, 0, 2, 0], [0, 2, 2, 0], [1, 0, 2, 0]])
    both(lambda x, i, s: x.index_add_(0, i, s), x, _idx([2, 2, 0]), src, close=close)
    both(lambda x, i, s: x.index_put_((i,), s, accumulate=True), x, _idx([1, 1, 1]), src, close=close)
    both(lambda x, i, s: x.put_(i, s, accumulate=True), x, _idx([5, 5, -7]), Op(_values(d, (3,), 4)), close=close)
    both(lambda x, i, s: x.scatter_(1, i, s, reduce="multiply"), x, rep, src)
    for reduce in reduces:
        for include_self in (True, False):
            both(lambda x, i, s: x.scatter_reduce_(0, i, s, reduce, include_self=include_self), x, rep, src,
                 close=close or (reduce == "mean" and d.category >= _dtypes.FLOAT))


def _layouts():
    """(label, view) pairs giving a (3, 4)-shaped operand from a (6, 8) base (None: shape kept)."""
    return [
        ("transposed", lambda t: t.t()[::2, ::2].t() if t.dim() == 2 else t),
        ("stepped", lambda t: t[::2, ::2]),
        ("offset", lambda t: t[3:, 4:]),
        ("negative", lambda t: t[::-2, ::-2]),
    ]


@pytest.mark.parametrize("dn,label,view", [("float32",) + lv for lv in _layouts()] +
                         [("int64",) + lv for lv in _layouts()[1:3]])
def test_layouts(dn, label, view):
    d = getattr(tj, dn)
    x = Op(_values(d, (6, 8)), view)
    src = Op(_values(d, (8, 6), 3), lambda t: t.t()[::2, ::2])          # a transposed source
    idx_t = _idx(np.arange(12).reshape(4, 3).T % 3, lambda t: t.t().t())
    idx_s = Op(np.array([[0, 9, 2, 9, 1, 9, 0, 9]] * 3, np.int64), lambda t: t[:, ::2])   # stepped index
    both(lambda x, i: x.gather(0, i), x, idx_t)
    both(lambda x, i: x.gather(0, i), x, idx_s)
    both(lambda x, i, s: x.scatter_add_(0, i, s), x, idx_s, src, close=True)
    both(lambda x, i, s: x.index_add_(1, i, s[:, :2]), x, _idx([3, 3]), src, close=True)
    both(lambda x, i, j: x[i, j], x, _idx([[0], [2]]), _idx([1, 3, -1]))
    both(lambda x, i: x[..., i, None], x, _idx([1, 1, 0]))
    both(lambda x, i: x[i, 1:], x, Op(np.array([[2, 0], [1, 2]], np.int64), lambda t: t.t()))
    both(lambda x, m: x[m], x, Op(_values(tj.bool, (4, 3), 4), lambda t: t.t()))
    both(lambda x: x.nonzero(), x)

    def acc(x, i, j, v):
        return x.index_put_((i, j), v, accumulate=True)
    both(acc, x, _idx([[0, 0], [2, 0]]), _idx([1, 1]), Op(_values(d, (2, 2), 6), lambda t: t.t()), close=True)


@pytest.mark.parametrize("dn", ["float32", "int64"])
def test_zero_d_empty_and_many_dims(dn):
    d = getattr(tj, dn)
    both(lambda x, i: x.gather(0, i), Op(np.array(3, d.np)), _idx(0))
    both(lambda x, i: x.index_select(0, i), Op(np.array(3, d.np)), _idx([0, 0]))
    both(lambda x, i: x.index_select(1, i), Op(_values(d, (3, 4))), _idx([]))
    both(lambda x, i: x[i], Op(_values(d, (0, 4))), _idx([]))
    both(lambda x: x.nonzero(), Op(_values(d, (0, 4))))
    both(lambda x, m: x[m], Op(_values(d, (3, 0))), Op(np.zeros((3, 0), bool)))
    both(lambda x, i, s: x.scatter_add_(0, i, s), Op(_values(d, (3,))), _idx([], lambda t: t.reshape(0)),
         Op(_values(d, (0,))))
    six = Op(_values(d, (2, 3, 2, 3, 2, 2)))
    both(lambda x, i: x[:, i, :, :, i], six, _idx([[1, 0], [0, 1]]))
    both(lambda x, i: x[:, :, i], six, _idx([1, 0, 1]))
    both(lambda x, i, v: x.index_put_((i,), v, accumulate=True), six, _idx([1, 1, 0]),
         Op(_values(d, (3, 3, 2, 3, 2, 2), 2)), close=True)
    both(lambda x, m: x[m], six, Op(_values(tj.bool, (2, 3, 2, 3, 2, 2), 1)))


def test_errors_match_cpu():
    x = Op(_values(tj.float32, (3, 4)))
    cases = [
        (lambda x, i: x.gather(1, i), x, _idx([[4]])),
        (lambda x, i: x.index_select(0, i), x, _idx([3])),
        (lambda x, i: x[i], x, _idx([-4])),
        (lambda x, i: tj.take(x, i), x, _idx([12])),
        (lambda x, i, s: x.scatter_add_(0, i, s), x, _idx([[0, 3]]), Op(_values(tj.float32, (1, 2)))),
        (lambda x, i, s: x.index_add_(0, i, s), x, _idx([0, 5]), Op(_values(tj.float32, (2, 4)))),
        (lambda x, i: x.index_put_((i,), tj.tensor(1.0, device=x.device), accumulate=True), x, _idx([1, 3])),
        (lambda x, i: x.index_fill_(1, i, 2.0), x, _idx([0, -5])),
        (lambda x, m: x[m], x, Op(np.ones(4, bool))),
        (lambda x, i, s: x.index_copy_(0, i, s), x, _idx([0]), Op(_values(tj.float32, (2, 4)))),
    ]
    for case in cases:
        assert both(*case) is not None


def test_index_tensor_on_the_cpu_and_mixed_devices():
    x = tj.from_numpy(_values(tj.float32, (3, 4)))
    g = x.cuda()
    _same(g[tj.tensor([2, 0])], x[tj.tensor([2, 0])])         # CPU index tensors are allowed, as PyTorch's
    _same(g[[0, 2], 1:], x[[0, 2], 1:])
    with pytest.raises(RuntimeError, match="same device"):
        g.gather(0, tj.tensor([[0]]).reshape(1, 1).expand(2, 2))
    with pytest.raises(RuntimeError, match="same device"):
        g[tj.tensor([0, 1])] = tj.ones(2, 4)


def test_nan_wins_in_amax():
    v = np.array([1.0, np.nan, 3.0, -np.inf, np.inf], np.float32)
    both(lambda x, i, s: x.scatter_reduce_(0, i, s, "amax"), Op(np.zeros(3, np.float32)), _idx([0, 0, 1, 2, 2]),
         Op(v))
    both(lambda x, i, s: x.scatter_reduce_(0, i, s, "amin", include_self=False), Op(np.zeros(3, np.float32)),
         _idx([0, 0, 1, 2, 2]), Op(v))


def test_large_index_is_checked_on_the_device():
    """Index tensors past the host-check size are range-checked by a kernel (first bad index)."""
    x = Op(_values(tj.float32, (3, 4)))
    idx = np.zeros(4100, np.int64)
    idx[4097], idx[4099] = -5, 7
    assert both(lambda x, i: x.index_select(1, i), x, Op(idx)) is not None
    idx[4097], idx[4099] = 3, 1
    both(lambda x, i: x.index_select(1, i), x, Op(idx))
