"""gradcheck (float64 central differences) over the differentiable ops: every pointwise row
of the test op database (tests/opdb.py), the reductions over every dim and tuple of dims with
and without keepdim, and the views, joins, indexing ops and products.

Compile budget: float64 only, one small sample per op (the forward kernels are the float64
kernels the op tests compile too); the layouts (broadcast, transposed, sliced, offset, 0-d)
are swept on a few ops only.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.autograd import gradcheck, gradgradcheck

import opdb

# Values where each op is differentiable (away from poles, branch cuts and kinks).
_DOMAINS = {
    "positive": (0.5, 3.0), "unit": (-0.8, 0.8), "above1": (1.2, 3.0), "prob": (0.1, 0.9),
    "any": (-2.0, 2.0), "exponent": (-2.0, 2.0), "nonzero": (0.5, 2.0),
}
_OP_DOMAINS = {
    "log": ("positive",), "log2": ("positive",), "log10": ("positive",), "log1p": ("positive",),
    "sqrt": ("positive",), "rsqrt": ("positive",), "lgamma": ("positive",), "digamma": ("positive",),
    "asin": ("unit",), "acos": ("unit",), "atanh": ("unit",), "erfinv": ("unit",), "acosh": ("above1",),
    "logit": ("prob",), "logit_eps": ("prob",), "reciprocal": ("nonzero",),
    "true_divide": ("any", "nonzero"), "div": ("any", "nonzero"), "addcdiv": ("any", "any", "nonzero"),
    "pow": ("positive", "exponent"), "float_power": ("positive", "exponent"), "xlogy": ("any", "positive"),
    "remainder": ("any", "nonzero"), "fmod": ("any", "nonzero"), "hypot": ("nonzero", "nonzero"),
}
# Ops whose results never require grad (bool results, integer-only dtypes) are not listed;
# these differentiable rows have no derivative yet and must say so.
_NOT_IMPLEMENTED = {"floor_divide", "div_floor"}
# Derivatives PyTorch defines as zero (step functions): gradcheck compares them with the zero
# finite differences away from the steps.
_ALL = opdb.OPS + opdb.MATH_OPS


def _differentiable(op):
    return "float64" in op.dtypes and op.result != "bool"


def _values(rng, shape, domain):
    lo, hi = _DOMAINS[domain]
    x = rng.uniform(lo, hi, size=shape)
    if domain == "any":
        # Keep clear of the kinks at 0 and the integers (abs, floor, remainder ...).
        x = np.floor(x * 4) / 4 + rng.uniform(0.05, 0.2, size=shape)
    return x


def _operands(op, rng, shape=(2, 3)):
    domains = _OP_DOMAINS.get(op.name, ("any",) * op.arity)
    args = []
    for i in range(op.arity):
        if op.name == "where" and i == 0:
            args.append(tj.tensor(rng.random(shape) < 0.5))
            continue
        args.append(tj.tensor(_values(rng, shape, domains[min(i, len(domains) - 1)]), dtype=tj.float64,
                              requires_grad=True))
    return args


_GRAD_OPS = [op for op in _ALL if _differentiable(op) and op.name not in _NOT_IMPLEMENTED]


@pytest.mark.parametrize("op", _GRAD_OPS, ids=repr)
def test_pointwise_gradcheck(op):
    rng = np.random.default_rng(abs(hash(op.name)) % 2**32)
    args = _operands(op, rng)
    kwargs = op.kwargs("float64")
    assert gradcheck(lambda *a: op.tj_fn(*a, **kwargs), tuple(args))


@pytest.mark.parametrize("op", [o for o in _ALL if o.name in _NOT_IMPLEMENTED and _differentiable(o)], ids=repr)
def test_pointwise_not_differentiable_yet_raises(op):
    args = _operands(op, np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="differentiation is not implemented yet"):
        op.tj_fn(*args, **op.kwargs("float64"))


@pytest.mark.parametrize("name", ["add", "mul"])
@pytest.mark.parametrize("layout", ["bcast", "bcast_rank", "zero_d_tensor", "scalar", "transposed", "sliced",
                                    "neg_step", "offset", "expanded", "mixed"])
def test_pointwise_layouts(name, layout):
    op = opdb.OPS_BY_NAME[name]
    s = op.sample("float64", layout)
    rng = np.random.default_rng(1)
    # Leaves with the sample's base shapes; the function views them the sample's way, so the
    # gradient flows back through the layout (broadcast, transposed, sliced, offset ...).
    leaves = [tj.tensor(rng.uniform(0.5, 2.0, size=o.base.shape), dtype=tj.float64, requires_grad=True)
              for o in s.operands if not o.is_scalar]

    def fn(*ls):
        it = iter(ls)
        return op.tj_fn(*[o.scalar if o.is_scalar else opdb._apply_tj(next(it), o.steps) for o in s.operands],
                        **s.kwargs)
    assert gradcheck(fn, tuple(leaves))


@pytest.mark.parametrize("name", ["mul", "tanh", "true_divide", "where"])
def test_pointwise_gradgradcheck(name):
    op = (opdb.OPS_BY_NAME | opdb.MATH_OPS_BY_NAME)[name]
    args = _operands(op, np.random.default_rng(2))
    assert gradgradcheck(lambda *a: op.tj_fn(*a), tuple(args))


# -- reductions -------------------------------------------------------------------------------
# Every dim and tuple of dims of the 2-d input (and None: all of them).
_DIMS = [None, 0, 1, (0, 1)]
_REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k) if d is not None else x.sum(),
    "mean": lambda x, d, k: x.mean(d, keepdim=k) if d is not None else x.mean(),
    "prod": lambda x, d, k: x.prod(d, keepdim=k) if isinstance(d, int) else x.prod(),
    "amax": lambda x, d, k: x.amax(d if d is not None else (), keepdim=k),
    "amin": lambda x, d, k: x.amin(d if d is not None else (), keepdim=k),
    "nansum": lambda x, d, k: tj.nansum(x, d, keepdim=k),
    "var": lambda x, d, k: x.var(d, keepdim=k),
    "std": lambda x, d, k: x.std(d, keepdim=k, correction=0),
    "norm": lambda x, d, k: x.norm(dim=d, keepdim=k),
    "norm1": lambda x, d, k: x.norm(p=1, dim=d, keepdim=k),
    "norm3": lambda x, d, k: x.norm(p=3, dim=d, keepdim=k),
    "norminf": lambda x, d, k: x.norm(p=float("inf"), dim=d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(d if d is not None else (0, 1), keepdim=k),
    "max_dim": lambda x, d, k: x.max(d if isinstance(d, int) else 0, keepdim=k).values,
    "min_dim": lambda x, d, k: x.min(d if isinstance(d, int) else 0, keepdim=k).values,
}


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", _DIMS, ids=str)
@pytest.mark.parametrize("name", list(_REDUCTIONS))
def test_reduction_gradcheck(name, dim, keepdim):
    rng = np.random.default_rng(3)
    # Distinct values: max/min/amax have a unique winner; no zeros (prod, norms).
    x = tj.tensor(rng.permutation(np.arange(1, 7)).reshape(2, 3) / 3 * rng.choice([-1, 1], (2, 3)),
                  dtype=tj.float64, requires_grad=True)
    assert gradcheck(lambda t: _REDUCTIONS[name](t, dim, keepdim), (x,))


def test_reduction_ties_share_the_gradient_as_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the tie-breaking rule")
    v = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]]
    for fn in ("amax", "amin"):
        x = tj.tensor(v, dtype=tj.float64, requires_grad=True)
        t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        getattr(x, fn)(1).sum().backward()
        getattr(t, fn)(1).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_prod_with_zeros_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for prod's zero handling")
    v = [[0.0, 3.0, 2.0], [0.0, 0.0, 0.5], [1.0, 2.0, 4.0]]
    x = tj.tensor(v, dtype=tj.float64, requires_grad=True)
    t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    x.prod(1).sum().backward()
    t.prod(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


# -- views, shape ops, indexing and products ---------------------------------------------------
def _leaf(rng, *shape):
    return tj.tensor(rng.uniform(-2, 2, size=shape), dtype=tj.float64, requires_grad=True)


_IDX = tj.tensor([[0, 2], [1, 0]])
_OTHER_OPS = {
    "view": ((3, 4), lambda x: x.view(4, 3)),
    "reshape_t": ((3, 4), lambda x: x.t().reshape(-1)),
    "transpose": ((2, 3, 4), lambda x: x.transpose(0, 2)),
    "permute": ((2, 3, 4), lambda x: x.permute(2, 0, 1)),
    "expand": ((3, 1), lambda x: x.expand(2, 3, 4)),
    "unsqueeze_squeeze": ((3, 1), lambda x: x.unsqueeze(0).squeeze()),
    "narrow": ((3, 4), lambda x: x.narrow(1, 1, 2)),
    "select": ((3, 4), lambda x: x.select(0, 1)),
    "diagonal": ((3, 4), lambda x: x.diagonal(1)),
    "unfold": ((7,), lambda x: x.unfold(0, 3, 2)),
    "split": ((5, 2), lambda x: x.split(2)[1] * x.split(2)[2].sum()),
    "chunk": ((6,), lambda x: x.chunk(3)[0] * 2),
    "getitem_basic": ((4, 5), lambda x: x[1::2, ::-2]),
    "getitem_int": ((4, 5), lambda x: x[2]),
    "getitem_advanced": ((4, 5), lambda x: x[tj.tensor([0, 2, 0]), 1:]),
    "getitem_mask": ((2, 3), lambda x: x[x > 0]),
    "flatten": ((2, 3, 2), lambda x: x.flatten(1)),
    "clone": ((2, 3), lambda x: x.clone() * x),
    "contiguous": ((2, 3), lambda x: x.t().contiguous()),
    "cat": ((2, 3), lambda x: tj.cat([x, x * 2, x[:1]], 0)),
    "stack": ((2, 3), lambda x: tj.stack([x, x.exp()], 1)),
    "hstack": ((2, 3), lambda x: tj.hstack([x, x])),
    "gather": ((2, 3), lambda x: x.gather(1, _IDX)),
    "index_select": ((3, 4), lambda x: x.index_select(1, tj.tensor([3, 0, 3]))),
    "take_along_dim": ((2, 3), lambda x: tj.take_along_dim(x, _IDX, 1)),
    "scatter": ((2, 4), lambda x: x.scatter(1, _IDX, x[:, :2] * 3)),
    "scatter_add": ((2, 4), lambda x: x.scatter_add(1, _IDX, x[:, 1:3])),
    "index_add": ((3, 2), lambda x: x.index_add(0, tj.tensor([2, 2]), x[:2] * 2, alpha=3)),
    "masked_fill": ((2, 3), lambda x: x.masked_fill(x > 0, 0.5)),
    "masked_select": ((2, 3), lambda x: tj.masked_select(x, x < 0.5)),
    "index_put": ((3, 3), lambda x: x.index_put((tj.tensor([0, 2]),), x[1] * 2)),
    "index_put_acc": ((3, 3), lambda x: x.index_put((tj.tensor([0, 0]),), x[1] * 2, accumulate=True)),
    "flip": ((2, 3), lambda x: x.flip(1)),
    "roll": ((2, 3), lambda x: x.roll(1, 1)),
    "tril": ((3, 3), lambda x: x.tril()),
    "triu": ((3, 3), lambda x: x.triu(1)),
    "cumsum": ((2, 3), lambda x: x.cumsum(1)),
    "cumprod": ((2, 3), lambda x: (x.abs() + 0.5).cumprod(1)),
    "cummax": ((2, 3), lambda x: tj.cummax(x, 1).values),
    "cummin": ((2, 3), lambda x: tj.cummin(x, 0).values),
    "logcumsumexp": ((2, 3), lambda x: tj.logcumsumexp(x * 30, 1)),
    "repeat": ((2, 3), lambda x: x.repeat(2, 1, 2)),
    "tile": ((2, 3), lambda x: x.tile((2,))),
    "rot90": ((2, 3), lambda x: x.rot90(1, (0, 1))),
    "repeat_interleave": ((2, 3), lambda x: x.repeat_interleave(2, 1)),
    "pad_constant": ((2, 3), lambda x: tj.pad(x, (1, 2), value=3.0)),
    "pad_crop": ((2, 3), lambda x: tj.pad(x, (-1, 1))),
    "pad_reflect": ((2, 3), lambda x: tj.pad(x.unsqueeze(0), (2, 1), mode="reflect")),
    "pad_circular": ((2, 3), lambda x: tj.pad(x.unsqueeze(0), (1, 1), mode="circular")),
    "matmul": ((3, 3), lambda x: x @ x.t()),
    "matmul_batched": ((2, 2, 3), lambda x: x @ x[0].t()),
    "matmul_vec": ((3, 3), lambda x: x @ x[0]),
    "vec_matmul": ((3, 3), lambda x: x[0] @ x),
    "dot": ((3,), lambda x: x.dot(x * 2)),
    "mm": ((2, 3), lambda x: tj.mm(x, x.t())),
    "bmm": ((2, 2, 3), lambda x: tj.bmm(x, x.transpose(1, 2))),
    "mv": ((2, 3), lambda x: tj.mv(x, x[0])),
    "addmm": ((2, 2), lambda x: tj.addmm(x[0], x, x.t(), beta=0.5, alpha=2)),
    "einsum": ((3, 4), lambda x: tj.einsum("ij,kj->ik", x, x * 2)),
    "einsum_implicit_sum": ((3, 4), lambda x: tj.einsum("ij,jk", x, x.t()[:, :2])),
    "einsum_outer": ((2, 3), lambda x: tj.einsum("ij,k->ijk", x, x[0])),
    "einsum_reduce": ((3, 4), lambda x: tj.einsum("ij->j", x)),
    "kron": ((2, 2), lambda x: tj.kron(x, x * 2)),
    "trace": ((3, 3), lambda x: tj.trace(x)),
    "sort": ((3, 4), lambda x: x.sort(1, descending=True).values),
    "topk": ((3, 4), lambda x: x.topk(2, 0).values),
    "kthvalue": ((3, 4), lambda x: x.kthvalue(2, 1).values),
    "median_dim": ((3, 4), lambda x: x.median(1, keepdim=True).values),
    "median": ((3, 4), lambda x: x.median()),
    "det": ((2, 3, 3), lambda x: tj.linalg.det(x + 3 * tj.eye(3, dtype=tj.float64))),
    "inv": ((3, 3), lambda x: tj.linalg.inv(x + 3 * tj.eye(3, dtype=tj.float64))),
    "solve": ((3, 3), lambda x: tj.linalg.solve(x + 3 * tj.eye(3, dtype=tj.float64), x[:, :2])),
    "solve_vector": ((3, 3), lambda x: tj.linalg.solve(x + 3 * tj.eye(3, dtype=tj.float64), x[0])),
    "cholesky": ((3, 3), lambda x: tj.linalg.cholesky(x @ x.mT + tj.eye(3, dtype=tj.float64))),
    "cholesky_upper": ((3, 3), lambda x: tj.linalg.cholesky(x @ x.mT + tj.eye(3, dtype=tj.float64), upper=True)),
    "setitem": ((2, 3), lambda x: _setitem(x)),
    "inplace_chain": ((2, 3), lambda x: (x * 1).mul_(x).add_(1).exp_()),
    "where_scalar": ((2, 3), lambda x: tj.where(x > 0, x, 0.0)),
}


def _setitem(x):
    y = x * 2
    y[0, 1:] = x[1, :2] ** 2
    return y


@pytest.mark.parametrize("name", list(_OTHER_OPS))
def test_op_gradcheck(name):
    shape, fn = _OTHER_OPS[name]
    x = _leaf(np.random.default_rng(4), *shape)
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("name", ["view", "permute", "getitem_advanced", "cat", "gather", "matmul", "setitem"])
def test_op_gradgradcheck(name):
    shape, fn = _OTHER_OPS[name]
    x = _leaf(np.random.default_rng(5), *shape)
    assert gradgradcheck(lambda t: fn(t) * fn(t), (x,))


def test_cast_round_trip_gradcheck():
    # float32 rounding needs a wider step and tolerance than the float64 default.
    x = _leaf(np.random.default_rng(7), 2, 3)
    assert gradcheck(lambda t: t.to(tj.float32).double() * 2, (x,), eps=1e-3, atol=1e-3, rtol=1e-3)


def test_ops_without_derivative_raise():
    x = _leaf(np.random.default_rng(8), 3, 3)
    for fn, name in ((lambda t: tj.floor_divide(t, 2.0), "floor_divide"), (lambda t: tj.unique(t), "unique")):
        with pytest.raises(RuntimeError, match=f"{name}: differentiation is not implemented yet"):
            fn(x)
    with tj.no_grad():      # without grad mode they run
        assert tj.unique(x).shape == (9,) and tj.floor_divide(x, 2.0).shape == (3, 3)


def test_non_differentiable_results_are_plain_like_torch():
    # Index, mask and histogram results read a tensor that requires grad and never require grad
    # themselves (Note [storage guard]), as in PyTorch.
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of which results require grad")
    a = np.random.default_rng(9).random(6)
    x, tx = tj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    b, tb = tj.tensor([0.2, 0.5], dtype=tj.float64), torch.tensor([0.2, 0.5], dtype=torch.float64)
    for f in (lambda m, x, b: m.bucketize(x, b), lambda m, x, b: m.searchsorted(b, x),
              lambda m, x, b: m.argsort(x), lambda m, x, b: x.argsort(), lambda m, x, b: m.isin(x, b),
              lambda m, x, b: m.histc(x, bins=4, min=0, max=1), lambda m, x, b: m.count_nonzero(x),
              lambda m, x, b: m.nonzero(x)):
        r, e = f(tj, x, b), f(torch, tx, tb)
        assert not r.requires_grad and not e.requires_grad and type(r) is tj.Tensor
        np.testing.assert_array_equal(r.numpy(), e.numpy())


def test_gradcheck_detects_a_wrong_formula():
    class Wrong(tj.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g     # should be 2 * x * g

    x = _leaf(np.random.default_rng(6), 3)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(Wrong.apply, (x,))
    assert gradcheck(Wrong.apply, (x,), raise_exception=False) is False
