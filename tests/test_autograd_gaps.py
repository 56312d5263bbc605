"""Gradients of the shape, index and scan ops whose derivatives need more than one expression:
``diff`` (with prepend/append), ``as_strided`` (overlapping outputs and inputs),
``scatter_reduce`` (every reduction, ``include_self`` both ways, ties and zeros), ``scatter``
with ``reduce=``, ``einsum`` (ellipsis, repeated labels, the sublist form), ``cumprod`` and
``prod`` over zeros, and the flat-index, diagonal, split and contraction ops.

Each test builds the same graph in tensorjit and in PyTorch (the oracle) and compares the
results and the gradients (values, dtype, shape); ``gradcheck``/``gradgradcheck`` (float64
central differences) check a few formulas on their own, second-order gradients are also
compared with PyTorch's.

Compile budget: float64 only, small shapes; layouts (transposed, sliced with steps, offset)
are swept on ``diff``, ``einsum`` and ``scatter_reduce`` only.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the gradients")


def _leaves(*arrays):
    """The same float64 leaves in both libraries."""
    tjs = [tj.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    ths = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    return tjs, ths


def _check_close(a, t):
    assert tuple(a.shape) == tuple(t.shape)
    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=1e-7, atol=1e-10)


def _outputs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def _compare(f_tj, f_torch, *arrays, second_order=False, seed=0):
    """Run ``f`` on the same leaves in both libraries, compare outputs and the gradients of a
    random projection of the outputs (and, with ``second_order``, of the gradients)."""
    xs, ts = _leaves(*arrays)
    outs_j, outs_t = _outputs(f_tj(*xs)), _outputs(f_torch(*ts))
    assert len(outs_j) == len(outs_t)
    rng = np.random.default_rng(seed)
    loss_j, loss_t = 0, 0
    for a, t in zip(outs_j, outs_t):
        _check_close(a, t)
        w = rng.standard_normal(tuple(t.shape))
        loss_j = loss_j + (a * tj.tensor(w)).sum()
        loss_t = loss_t + (t * torch.tensor(w)).sum()
    gj = tj.autograd.grad(loss_j, xs, create_graph=second_order, allow_unused=True)
    gt = torch.autograd.grad(loss_t, ts, create_graph=second_order, allow_unused=True)
    for a, t in zip(gj, gt):
        if t is None:
            assert a is None or not a.detach().numpy().any()
            continue
        _check_close(a, t)
    if second_order:
        ws = [rng.standard_normal(tuple(t.shape)) for t in gt]
        sj = sum((a * tj.tensor(w)).sum() for a, w in zip(gj, ws))
        st = sum((t * torch.tensor(w)).sum() for t, w in zip(gt, ws))
        assert sj.requires_grad == st.requires_grad
        if not st.requires_grad:        # a linear op: its gradient depends on nothing
            return outs_j
        for a, t in zip(tj.autograd.grad(sj, xs, allow_unused=True),
                        torch.autograd.grad(st, ts, allow_unused=True)):
            if t is None:
                assert a is None or not a.detach().numpy().any()
                continue
            _check_close(a, t)
    return outs_j


_RNG = np.random.default_rng(11)


def _gradgradcheck(func, inputs):
    """gradgradcheck with fixed grad_outputs (random ones would compile the sampling kernels)."""
    outs = _outputs(func(*inputs))
    grads = tuple(tj.tensor(_RNG.standard_normal(tuple(o.shape)), requires_grad=True) for o in outs)
    return gradgradcheck(func, inputs, grads)


def _r(*shape):
    return _RNG.uniform(-2, 2, size=shape)


# Operand layouts: the leaf itself, transposed, sliced with steps, an offset slice.
_LAYOUTS = {
    "contiguous": (lambda shape: shape, lambda x: x),
    "transposed": (lambda shape: shape[::-1], lambda x: x.t()),
    "stepped": (lambda shape: (shape[0] * 2, shape[1]), lambda x: x[::2]),
    "offset": (lambda shape: (shape[0] + 1, shape[1]), lambda x: x[1:]),
}


# -- diff ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, dim, pre, app", [
    (1, -1, None, None), (2, 0, None, None), (1, 1, (3, 2), None), (2, 0, None, (1, 4)), (3, 1, (3, 1), (3, 2)),
    (9, 1, None, (3, 1)), (0, 1, None, None),
], ids=str)
def test_diff(n, dim, pre, app):
    arrays = [_r(3, 4)] + [_r(*s) for s in (pre, app) if s is not None]

    def f(lib):
        def run(x, *rest):
            rest = list(rest)
            kw = {}
            if pre is not None:
                kw["prepend"] = rest.pop(0)
            if app is not None:
                kw["append"] = rest.pop(0)
            return lib.diff(x, n=n, dim=dim, **kw)
        return run
    _compare(f(tj), f(torch), *arrays)


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
def test_diff_layouts_and_nonfinite(layout):
    shape_of, view = _LAYOUTS[layout]
    a = _r(*shape_of((3, 4)))
    a.flat[1], a.flat[5] = np.nan, np.inf
    _compare(lambda x: view(x).diff(dim=0, append=view(x)[:1]), lambda x: view(x).diff(dim=0, append=view(x)[:1]), a)


def test_diff_gradcheck_and_keywords_in_any_order():
    x, p, a = (tj.tensor(_r(2, 3), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda x, p, a: tj.diff(x, 2, 0, append=a, prepend=p), (x, p, a))
    assert _gradgradcheck(lambda x, p: tj.diff(x, 1, 1, prepend=p), (x, p))
    assert tj.diff(x, prepend=p).grad_fn.name() == "DiffBackward0"


# -- as_strided -----------------------------------------------------------------------------------
@pytest.mark.parametrize("size, stride, offset", [
    ((2, 3), (3, 1), 0), ((3, 2), (1, 3), 0), ((3, 3), (1, 1), 1), ((2, 2), (0, 2), 2), ((4,), (1,), None),
    ((0, 2), (1, 1), 0),
], ids=str)
def test_as_strided(size, stride, offset):
    _compare(lambda x: x.view(6).as_strided(size, stride, offset), lambda x: x.view(6).as_strided(size, stride, offset),
             _r(2, 3))


def test_as_strided_of_views():
    # The geometry is the storage's: an offset view, and an input that overlaps itself.
    _compare(lambda x: (x * 1)[1:].as_strided((2, 2), (2, 1), 2), lambda x: (x * 1)[1:].as_strided((2, 2), (2, 1), 2),
             _r(7))
    _compare(lambda x: (x * 1).expand(2, 3).as_strided((2, 2), (1, 1)),
             lambda x: (x * 1).expand(2, 3).as_strided((2, 2), (1, 1)), _r(3))
    x = tj.tensor(_r(6), requires_grad=True)
    assert gradcheck(lambda x: x.as_strided((3, 3), (1, 1)), (x,))
    assert _gradgradcheck(lambda x: x.as_strided((3, 3), (1, 1)) * x[:3], (x,))
    assert x.as_strided((2,), (2,)).grad_fn.name() == "AsStridedBackward0"


# -- scatter_reduce and scatter(reduce=) -----------------------------------------------------------
_INDEX = np.array([[0, 1, 0, 2], [1, 1, 2, 0]])


def _scatter_values(reduce):
    x, src = _r(3, 4), _r(2, 4)
    if reduce in ("amax", "amin"):
        # Ties: two sources and self all equal to the extreme at some positions.
        x[0, 0] = src[0, 0] = 5.0 if reduce == "amax" else -5.0
        src[1, 1] = x[1, 1] = 5.0 if reduce == "amax" else -5.0
    if reduce == "prod":
        x[1, 0] = 0.0              # a zero in self
        src[0, 1] = 0.0            # one zero among the values scattered to [1, 1]
        src[0, 2] = src[1, 2] = 0.0  # two zeros scattered to ... [0, 2] and [2, 2]
        src[1, 3] = 0.0
        x[0, 3] = 0.0              # zeros in self and src at one position
    return x, src


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce(reduce, include_self):
    x, src = _scatter_values(reduce)

    def f(lib):
        return lambda x, s: x.scatter_reduce(0, lib.tensor(_INDEX), s, reduce, include_self=include_self)
    _compare(f(tj), f(torch), x, src, second_order=reduce in ("sum", "mean", "amax"))


def test_scatter_reduce_gradcheck_prod_second_order():
    x = tj.tensor(_r(3, 4), requires_grad=True)
    s = tj.tensor(_r(2, 4), requires_grad=True)
    idx = tj.tensor(_INDEX)
    for red in ("sum", "prod", "mean"):
        assert gradcheck(lambda x, s: x.scatter_reduce(0, idx, s, red), (x, s))
    assert _gradgradcheck(lambda x, s: x.scatter_reduce(0, idx, s, "prod", include_self=False), (x, s))
    # One zero per position: PyTorch's second-order gradient with it.
    x0, s0 = _r(3, 4), _r(2, 4)
    x0[1, 0] = s0[0, 1] = 0.0
    _compare(lambda x, s: x.scatter_reduce(0, tj.tensor(_INDEX), s, "prod"),
             lambda x, s: x.scatter_reduce(0, torch.tensor(_INDEX), s, "prod"), x0, s0, second_order=True)


@pytest.mark.parametrize("layout", ["transposed", "stepped", "offset"])
def test_scatter_reduce_layouts_and_inplace(layout):
    shape_of, view = _LAYOUTS[layout]
    x, src = _r(*shape_of((3, 4))), _r(*shape_of((2, 4)))
    x.flat[0] = np.nan

    def f(lib):
        def run(x, s):
            y = view(x) * 2
            y.scatter_reduce_(0, lib.tensor(_INDEX), view(s), "amin", include_self=False)
            return y
        return run
    _compare(f(tj), f(torch), x, src)


def test_scatter_reduce_inplace_on_a_view():
    def f(lib):
        def run(x, s):
            y = x * 1
            y[1:].scatter_reduce_(0, lib.tensor(_INDEX), s, "prod")
            return y
        return run
    _compare(f(tj), f(torch), _r(4, 4), _r(2, 4))


def test_scatter_reduce_src_larger_than_index_and_leaf_inplace():
    # PyTorch's backward refuses a src larger than the index: its elements out of reach take none.
    _compare(lambda x, s: x.scatter_reduce(1, tj.tensor([[0, 0]]), s, "prod"),
             lambda x, s: x.scatter_reduce(1, torch.tensor([[0, 0]]), s[:1, :2], "prod"), _r(2, 3), _r(2, 4))
    x = tj.tensor(_r(3, 4), requires_grad=True)
    tx = torch.tensor(_r(3, 4), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tx.scatter_reduce_(0, torch.tensor(_INDEX), tx[:2].detach(), "sum")
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.scatter_reduce_(0, tj.tensor(_INDEX), x[:2].detach(), "sum")


@pytest.mark.parametrize("reduce, torch_reduce", [("add", "sum"), ("multiply", "prod")])
def test_scatter_with_reduce(reduce, torch_reduce):
    # PyTorch does not differentiate scatter(reduce=); its value is scatter_reduce's with self.
    x, src = _scatter_values("prod")
    _compare(lambda x, s: x.scatter(0, tj.tensor(_INDEX), s, reduce=reduce),
             lambda x, s: x.scatter_reduce(0, torch.tensor(_INDEX), s, torch_reduce), x, src)
    full = np.full(_INDEX.shape, 1.5)
    _compare(lambda x: x.scatter(0, tj.tensor(_INDEX), 1.5, reduce=reduce),
             lambda x: x.scatter_reduce(0, torch.tensor(_INDEX), torch.tensor(full), torch_reduce), x)
    _compare(lambda x, s: (x * 1).scatter_(0, tj.tensor(_INDEX), s, reduce=reduce),
             lambda x, s: (x * 1).scatter_reduce_(0, torch.tensor(_INDEX), s, torch_reduce), x, src)


# -- einsum ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("eq, shapes", [
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (3, 4, 5)]),
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("i...->...", [(3, 2, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("bii,bj->bij", [(2, 3, 3), (2, 4)]),
    ("iij,jk", [(2, 2, 3), (3, 4)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]),
    ("i,i", [(4,), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    (",ij->ij", [(), (2, 3)]),
], ids=lambda v: v if isinstance(v, str) else "")
def test_einsum(eq, shapes):
    arrays = [_r(*s) for s in shapes]
    _compare(lambda *a: tj.einsum(eq, *a), lambda *a: torch.einsum(eq, *a), *arrays, second_order=len(shapes) > 1)


def test_einsum_sublist_list_and_layouts():
    a, b = _r(2, 3, 4), _r(4, 5)
    _compare(lambda x, y: tj.einsum(x, [Ellipsis, 0, 1], y, [1, 2], [Ellipsis, 0, 2]),
             lambda x, y: torch.einsum(x, [Ellipsis, 0, 1], y, [1, 2], [Ellipsis, 0, 2]), a, b)
    _compare(lambda x: tj.einsum(x, [0, 0]), lambda x: torch.einsum(x, [0, 0]), _r(3, 3))
    _compare(lambda x, y: tj.einsum("ij,jk->ik", [x, y]), lambda x, y: torch.einsum("ij,jk->ik", [x, y]),
             _r(2, 4), _r(4, 3))
    for layout in ("transposed", "stepped", "offset"):
        shape_of, view = _LAYOUTS[layout]
        _compare(lambda x, y: tj.einsum("ii,ij->j", view(x), view(y)),
                 lambda x, y: torch.einsum("ii,ij->j", view(x), view(y)), _r(*shape_of((3, 3))), _r(*shape_of((3, 3))))
    x = tj.tensor(_r(2, 3, 3), requires_grad=True)
    assert gradcheck(lambda x: tj.einsum("...ii->...i", x), (x,))
    assert _gradgradcheck(lambda x: tj.einsum("bii,bij->bj", x, x), (x,))


# -- cumprod and prod over zeros ------------------------------------------------------------------
def _with_zeros():
    a = _r(4, 5)
    a[0, 2] = 0.0                  # one zero
    a[1, 1] = a[1, 3] = 0.0        # two zeros
    a[2, 0] = 0.0                  # a zero first
    a[3, 4] = 0.0                  # a zero last (and column 4 ...)
    a[1, 4] = 0.0                  # ... has two
    return a


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_with_zeros(dim):
    _compare(lambda x: x.cumprod(dim), lambda x: x.cumprod(dim), _with_zeros(), second_order=True)


def test_cumprod_gradcheck_and_edge_shapes():
    x = tj.tensor(_with_zeros()[:2], requires_grad=True)
    assert gradcheck(lambda x: x.cumprod(1), (x,))
    assert _gradgradcheck(lambda x: x.cumprod(1), (x,))
    _compare(lambda x: x.cumprod(0), lambda x: x.cumprod(0), np.array(0.0))
    _compare(lambda x: x.cumprod(0), lambda x: x.cumprod(0), np.zeros((0, 3)))
    a = _r(3, 4)
    a[0, 0], a[1, 1] = np.inf, np.nan
    _compare(lambda x: x.cumprod(1), lambda x: x.cumprod(1), a)


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_prod_with_zeros(dim, keepdim):
    def f(x):
        return x.prod() if dim is None else x.prod(dim, keepdim=keepdim)
    _compare(f, f, _with_zeros(), second_order=True)
    one = _r(3, 2)
    one[1, 0] = 0.0
    _compare(f, f, one, second_order=True)
    two = _r(3, 2)
    two[0, 1] = two[2, 1] = 0.0
    _compare(f, f, two, second_order=True)


# -- flat indices, masks, index_copy ------------------------------------------------------------------
def test_take_and_put():
    idx = [0, 5, -1, 5]
    _compare(lambda x: tj.take(x.t(), tj.tensor(idx)), lambda x: torch.take(x.t(), torch.tensor(idx)), _r(2, 3))
    for acc in (False, True):
        _compare(lambda x, s: tj.put(x, tj.tensor([[1, 4]]), s, acc),
                 lambda x, s: torch.put(x, torch.tensor([[1, 4]]), s, acc), _r(2, 3), _r(2))
        _compare(lambda x, s: (x * 1).put_(tj.tensor([1, 1]), s, accumulate=acc),
                 lambda x, s: (x * 1).put_(torch.tensor([1, 1]), s, accumulate=acc), _r(2, 3), _r(2))
    x = tj.tensor(_r(2, 3), requires_grad=True)
    assert _gradgradcheck(lambda x: tj.take(x, tj.tensor([1, 1, 4])) * x[0], (x,))


def test_index_copy_and_masked_scatter():
    _compare(lambda x, s: tj.index_copy(x, 1, tj.tensor([2, 0]), s),
             lambda x, s: torch.index_copy(x, 1, torch.tensor([2, 0]), s), _r(2, 3), _r(2, 2))
    _compare(lambda x, s: (x * 1).index_copy_(0, tj.tensor([1]), s),
             lambda x, s: (x * 1).index_copy_(0, torch.tensor([1]), s), _r(2, 3), _r(1, 3))
    mask = np.array([[True, False, True]])
    _compare(lambda x, s: tj.masked_scatter(x, tj.tensor(mask), s),
             lambda x, s: torch.masked_scatter(x, torch.tensor(mask), s), _r(2, 3), _r(2, 4))
    _compare(lambda x, s: (x * 1).masked_scatter_(tj.tensor(mask), s),
             lambda x, s: (x * 1).masked_scatter_(torch.tensor(mask), s), _r(2, 3), _r(5))


# -- diagonals, splits, flips, contractions -----------------------------------------------------------
@pytest.mark.parametrize("name, args, shape", [
    ("diag", (0,), (3,)), ("diag", (-1,), (3,)), ("diag", (1,), (3, 4)), ("diag", (-2,), (3, 4)),
    ("diag_embed", (1, 0, 2), (2, 3)), ("diag_embed", (0, -2, -1), (2, 3)), ("diagflat", (1,), (2, 2)),
    ("tensor_split", (3, 1), (2, 5)), ("tensor_split", ([1, 4], 0), (5, 2)), ("unbind", (1,), (2, 3)),
    ("fliplr", (), (2, 3)), ("flipud", (), (2, 3)), ("msort", (), (4, 2)),
], ids=str)
def test_shape_ops(name, args, shape):
    a = _r(*shape)
    if name == "msort":
        a[0, 0] = a[2, 0]          # a tie: the gradient follows the sort's indices
    _compare(lambda x: getattr(tj, name)(x, *args), lambda x: getattr(torch, name)(x, *args), a)


@pytest.mark.parametrize("dims, sa, sb", [
    (2, (2, 3, 4), (3, 4, 2)), (0, (2,), (3,)), (([0, 2], [2, 0]), (2, 3, 4), (4, 5, 2)), (1, (3,), (3, 2)),
], ids=str)
def test_tensordot(dims, sa, sb):
    _compare(lambda a, b: tj.tensordot(a, b, dims), lambda a, b: torch.tensordot(a, b, dims), _r(*sa), _r(*sb),
             second_order=True)


@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 3)), ((3,), (3,)), ((), (2, 3)), ((2, 2, 3), (3,))], ids=str)
def test_inner(sa, sb):
    _compare(lambda a, b: tj.inner(a, b), lambda a, b: torch.inner(a, b), _r(*sa), _r(*sb))


def test_addbmm_and_cross():
    for beta, alpha in ((1, 1), (0.5, -2.0)):
        _compare(lambda a, x, y: tj.addbmm(a, x, y, beta=beta, alpha=alpha),
                 lambda a, x, y: torch.addbmm(a, x, y, beta=beta, alpha=alpha), _r(2, 1), _r(3, 2, 4), _r(3, 4, 1))
    _compare(lambda x, y: tj.cross(x, y, dim=0), lambda x, y: torch.cross(x, y, dim=0), _r(3, 2), _r(3, 1),
             second_order=True)
    _compare(lambda x, y: tj.linalg.cross(x.t(), y), lambda x, y: torch.linalg.cross(x.t(), y), _r(3, 2), _r(1, 3))


@pytest.mark.parametrize("name", ["tril_", "triu_"])
def test_tri_inplace(name):
    _compare(lambda x: getattr(x * 1, name)(1), lambda x: getattr(x * 1, name)(1), _r(3, 4))


# -- order statistics ----------------------------------------------------------------------------------
def _with_nan():
    a = _r(3, 5)
    a[1, 2] = np.nan
    a[2, :] = [0.5, np.nan, np.nan, -1.0, 0.25]
    return a


@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (0, True)])
def test_nanmedian(dim, keepdim):
    def f(x):
        return x.nanmedian() if dim is None else x.nanmedian(dim, keepdim)
    _compare(f, f, _with_nan())


def test_mode():
    a = np.array([[1.0, 2.0, 1.0, 3.0], [4.0, 4.0, 5.0, 5.0]])
    _compare(lambda x: x.mode(1), lambda x: x.mode(1), a)
    _compare(lambda x: x.mode(0, True), lambda x: x.mode(0, True), a.T.copy())


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile(name, interpolation):
    a = _with_nan()
    qs = np.array([0.0, 0.3, 0.5, 1.0])

    def f(lib):
        def run(x):
            fn = getattr(lib, name)
            q = lib.tensor(qs)
            return (fn(x, 0.37, dim=1, interpolation=interpolation),
                    fn(x, q, dim=0, keepdim=True, interpolation=interpolation),
                    fn(x[0], q, interpolation=interpolation),
                    fn(x.t(), 0.5, dim=0, interpolation=interpolation))
        return run
    _compare(f(tj), f(torch), a)


def test_logit_gradient_outside_its_domain_is_nan():
    _compare(lambda x: tj.logit(x), lambda x: torch.logit(x), np.array([0.3, 1.5, -0.2, 0.0, 1.0]))


def test_nextafter_gradient_as_torch():
    _compare(lambda x, y: tj.nextafter(x, y), lambda x, y: torch.nextafter(x, y), _r(2, 3), _r(2, 3))


def test_angle_gradient_of_complex_inputs():
    z = np.array([1 + 2j, 3 - 1j, 0j, -2 + 0j, np.inf + 1j])
    x, t = tj.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    w = np.array([0.5, -1.0, 2.0, 1.5, 1.0])
    gx, = tj.autograd.grad((tj.angle(x) * tj.tensor(w)).sum(), [x])
    gt, = torch.autograd.grad((torch.angle(t) * torch.tensor(w)).sum(), [t])
    _check_close(gx, gt)
    _compare(lambda x: tj.angle(x), lambda x: torch.angle(x), np.array([-1.0, 0.0, 2.0]))


def test_cumprod_inplace_and_modified_inputs():
    a = _with_zeros()
    _compare(lambda x: (x * 1).cumprod_(1), lambda x: (x * 1).cumprod_(1), a)
    # An input changed in place after the op: PyTorch's version error, not a wrong gradient.
    for lib in (tj, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 1
        r = y.cumprod(1)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            r.sum().backward()


@pytest.mark.parametrize("name, shapes", [
    ("addmm_", [(2, 3), (2, 4), (4, 3)]), ("addbmm_", [(2, 3), (5, 2, 4), (5, 4, 3)]), ("addmv_", [(2,), (2, 3), (3,)]),
    ("addr_", [(2, 3), (2,), (3,)]), ("baddbmm_", [(5, 2, 3), (5, 2, 4), (5, 4, 3)]),
], ids=str)
def test_products_into_self(name, shapes):
    def f(s, a, b):
        y = s * 1
        getattr(y, name)(a, b, beta=0.5, alpha=-2.0)
        return y
    _compare(f, f, *[_r(*s) for s in shapes])
