"""Pointwise ops, ``sum`` and ``transpose`` on sparse tensors, registered with the layout
dispatcher (Note [layout dispatch] in tensorjit/_layouts.py).

Note [sparse pointwise]
    The pointwise front door hands any op with a sparse operand to ``_pointwise`` below with
    the op's row. What runs, as in PyTorch:

    - a unary op with f(0) = 0 (``ZERO_PRESERVING``, PyTorch's SparseCPU / SparseCsrCPU
      kernels) maps the values through the dense kernel of the same row: same indices, the
      row's result dtype. Rows that do not distribute over duplicates (all but ``_LINEAR``)
      coalesce a COO operand first, so the result is coalesced exactly where PyTorch's is;
    - ``add`` / ``sub`` of two sparse tensors of one layout concatenate (COO: the result is
      coalesced when both inputs are, else uncoalesced, as in PyTorch; CSR: merged); with a
      dense tensor the result is dense: the dense operand copied, the sparse values
      accumulated into it at their positions (PyTorch refuses sparse + dense with the sparse
      operand first; here it gives the same dense sum);
    - ``mul`` by a scalar, a 0-d tensor or a dense tensor broadcastable to the sparse shape
      scales the values by the dense elements at their positions (the result stays sparse);
      two sparse tensors multiply on the intersection of their indices;
    - ``div`` / ``floor_divide`` by a scalar or 0-d tensor, and ``pow`` to a positive scalar,
      map the values (0 / x and 0 ** p stay 0, so the implicit zeros stay implicit);
    - every other op raises ``NotImplementedError`` naming the op and the layout.

    Dtype promotion is the dense front door's: the values go through the same rows.
"""
from __future__ import annotations

from .. import _dtypes
from .._dtypes import can_cast
from .._layouts import register, register_sample, unsupported
from .._shape import broadcast_shapes
from .._tensor import Tensor
from ._tensor import SparseCOOTensor, SparseCSRTensor, make_coo, make_csr, linear_keys
from ._convert import coalesce, to_coo, to_csr

_SPARSE = (SparseCOOTensor, SparseCSRTensor)

# Unary rows PyTorch runs on each layout (f(0) = 0: the implicit zeros stay zeros).
_UNARY = ("neg", "abs", "expm1", "log1p", "sqrt", "sin", "tan", "asin", "atan", "sinh", "asinh", "atanh",
          "tanh", "erf", "erfinv", "sgn", "deg2rad", "rad2deg", "positive", "sign", "floor", "ceil", "trunc",
          "round", "frac", "isnan", "isinf", "isposinf", "isneginf", "signbit")
ZERO_PRESERVING = {"sparse_coo": frozenset(_UNARY + ("square",)),
                   "sparse_csr": frozenset(_UNARY + ("angle",))}
# Binary rows whose second operand must be a scalar or a 0-d tensor (the values are mapped).
_BY_SCALAR = frozenset({"true_divide", "div_trunc", "floor_divide"})
# Rows that distribute over duplicate entries (f(a) + f(b) = f(a + b)) and so may map the
# values of an uncoalesced tensor; every other row coalesces first, as PyTorch does.
_LINEAR = frozenset({"neg", "positive", "mul", "true_divide", "add", "sub", "add_alpha", "sub_alpha"})


def _key(t):
    return t._dispatch_key


def _is_sparse(x):
    return type(x) in _SPARSE


def _dense_tensor(x):
    return type(x) is Tensor


def _layout_key(args, out):
    keys = {_key(a) for a in (*args, out) if isinstance(a, Tensor) and getattr(a, "_dispatch_key", None)}
    return " and ".join(sorted(keys))


def _indices_of(s):
    """COO indices of ``s`` (CSR rows expanded), aligned with ``s._vals``."""
    return s._idx if type(s) is SparseCOOTensor else to_coo(s)._idx


def _same_structure(s, values):
    """A tensor of ``s``'s layout and indices holding ``values``."""
    if type(s) is SparseCOOTensor:
        return make_coo(s._idx, values, s._shape, s._coalesced)
    return make_csr(s._crow, s._col, values, s._shape)


def _as_layout(c, like):
    return c if type(like) is SparseCOOTensor else to_csr(c)


def _check_same_shape(a, b, op):
    if a._shape != b._shape:
        raise RuntimeError(f"{op}: expected 'self' and 'other' to have same size, but self has size "
                           f"{list(a._shape)} while other has size {list(b._shape)}")


def _add(row, args, op, compute, key):
    from ..ops.shape import cat
    a, b = args[0], args[1]
    alpha = args[2] if len(args) == 3 else (-1 if row.name == "sub" else 1)
    if _is_sparse(a) and _is_sparse(b):
        if type(a) is not type(b):
            raise unsupported(op, _layout_key(args, None))
        _check_same_shape(a, b, op)
        vb = b._vals if type(alpha) in (int, bool) and alpha == 1 else b._vals * alpha
        ca, cb = to_coo(a), to_coo(b)
        vals = cat([ca._vals.to(compute), vb.to(compute)])
        c = make_coo(cat([ca._idx, cb._idx], 1).contiguous(), vals, a._shape, False)
        if type(a) is SparseCSRTensor or (a._coalesced and b._coalesced):
            c = coalesce(c)
        return _as_layout(c, a)
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or not (_dense_tensor(a) or _dense_tensor(b)):
        raise unsupported(op, key, "a sparse tensor and a scalar give a dense result: call to_dense() first")
    s, d = (a, b) if _is_sparse(a) else (b, a)
    if broadcast_shapes(s._shape, d._shape, op=op) != s._shape:
        raise RuntimeError(f"{op}: the dense operand of shape {list(d._shape)} does not broadcast to the sparse "
                           f"operand's shape {list(s._shape)}")
    from .._creation import empty
    r = empty(s._shape, dtype=compute).copy_(d)
    if d is b and not (type(alpha) in (int, bool) and alpha == 1):
        r.mul_(alpha)
    if s._vals._shape[0]:
        flat = r.view(-1)
        flat.index_add_(0, linear_keys(_indices_of(s), s._shape), s._vals.to(compute),
                        alpha=alpha if s is b else 1)
    return r


def _intersect(a, b, row, op):
    """``a * b`` on the indices both hold (COO, coalesced)."""
    from ..ops.searching import searchsorted
    ca, cb = coalesce(to_coo(a)), coalesce(to_coo(b))
    ka, kb = linear_keys(ca._idx, a._shape), linear_keys(cb._idx, b._shape)
    from .._dispatch import elementwise
    if ka._shape[0] == 0 or kb._shape[0] == 0:
        vals = elementwise(row, (ca._vals[:0], cb._vals[:0]), None, name=op)
        from .._creation import empty
        return make_coo(empty((len(a._shape), 0), dtype=_dtypes.int64), vals, a._shape, True)
    pos = searchsorted(kb, ka).clamp_(max=kb._shape[0] - 1)
    hit = kb[pos] == ka
    vals = elementwise(row, (ca._vals[hit], cb._vals[pos[hit]]), None, name=op)
    return make_coo(ca._idx[:, hit].contiguous(), vals.contiguous(), a._shape, True)


def _mul(row, args, op, compute, key):
    from .._dispatch import elementwise
    a, b = args
    if _is_sparse(a) and _is_sparse(b):
        if type(a) is not type(b):
            raise unsupported(op, _layout_key(args, None))
        _check_same_shape(a, b, op)
        c = _intersect(a, b, row, op)
        if type(a) is SparseCOOTensor and not (a._coalesced and b._coalesced) and c._vals._shape[0] > 1:
            c._coalesced = False   # PyTorch's flag for a product of uncoalesced operands
        return _as_layout(c, a)
    s, o = (a, b) if _is_sparse(a) else (b, a)
    if isinstance(o, Tensor) and o.ndim:
        if not _dense_tensor(o):
            raise unsupported(op, _layout_key(args, None))
        if broadcast_shapes(s._shape, o._shape, op=op) != s._shape:
            raise RuntimeError(f"{op}: the dense operand of shape {list(o._shape)} does not broadcast to the "
                               f"sparse operand's shape {list(s._shape)}")
        from .._views import broadcast_to
        idx = _indices_of(s)
        o = broadcast_to(o, s._shape)[tuple(idx[d] for d in range(len(s._shape)))]
    elif isinstance(o, Tensor) and not _dense_tensor(o):
        raise unsupported(op, _layout_key(args, None))
    vals = elementwise(row, (s._vals, o) if s is a else (o, s._vals), None, name=op, compute=compute)
    return _same_structure(s, vals.contiguous())


def _by_scalar(row, args, op, compute, key):
    from .._dispatch import elementwise
    s, o = args[0], args[1]
    if not _is_sparse(s) or (isinstance(o, Tensor) and (o.ndim or not _dense_tensor(o))):
        shape = list(o._shape) if isinstance(o, Tensor) else []
        raise unsupported(op, key, f"sparse division needs a scalar or 0-d dense divisor, got shape {shape}")
    return _same_structure(s, elementwise(row, (s._vals, o), None, name=op, compute=compute))


def _pow(row, args, op, compute, key):
    from .._dispatch import elementwise
    s, p = args
    if not _is_sparse(s) or isinstance(p, Tensor) or not isinstance(p, (int, float)) or not p > 0 \
            or type(s) is not SparseCOOTensor:
        raise unsupported(op, key, "the sparse base of a COO tensor needs a positive scalar exponent")
    return _same_structure(s, elementwise(row, (s._vals, p), None, name=op, compute=compute))


_BINARY = {"add": _add, "sub": _add, "add_alpha": _add, "sub_alpha": _add, "mul": _mul, "pow": _pow,
           **{n: _by_scalar for n in _BY_SCALAR}}


def _store(r, out, inplace, op, key):
    """Return ``r``, or write it into ``out`` (an in-place op's ``self`` or a dense ``out=``)."""
    if out is None:
        return r
    if not can_cast(r._dtype, out._dtype):
        raise RuntimeError(f"{op}: result type {r._dtype.name} can't be cast to the desired output type "
                           f"{out._dtype.name}")
    if type(r) is Tensor and type(out) is Tensor:
        from .._reduce import write_out
        return write_out(out, r.to(out._dtype), op)
    if inplace and type(out) is type(r) and out._shape == r._shape:
        r = r.to(out._dtype)
        if type(out) is SparseCOOTensor:
            out._idx, out._vals, out._coalesced = r._idx, r._vals, r._coalesced
        else:
            out._crow, out._col, out._vals = r._crow, r._col, r._vals
        return out
    raise unsupported(op, key, "out= (other than an in-place op's self or a dense out)")


def _pointwise(row, args, out, inplace, name, compute):
    """The family handler for pointwise rows on sparse operands (Note [sparse pointwise])."""
    from .._dispatch import compute_dtype, elementwise
    op = name or row.name
    key = _layout_key(args, out)
    rn = row.name
    if any(isinstance(a, Tensor) and not _dense_tensor(a) and not _is_sparse(a) for a in (*args, out)):
        raise unsupported(op, key)
    if rn not in _LINEAR:
        args = tuple(coalesce(a) if type(a) is SparseCOOTensor else a for a in args)
    if len(args) == 1 and _is_sparse(args[0]) and rn in ZERO_PRESERVING[_key(args[0])]:
        s = args[0]
        r = _same_structure(s, elementwise(row, (s._vals,), None, name=op, compute=compute))
    elif rn in _BINARY:
        if compute is None:
            compute = compute_dtype(row, args, op)
        r = _BINARY[rn](row, args, op, compute, key)
    else:
        raise unsupported(op, key)
    return _store(r, out, inplace, op, key)


for _k in ("sparse_coo", "sparse_csr"):
    register("pointwise", _k)(_pointwise)


# -- reductions -------------------------------------------------------------------------
def _sum_impl(x, dim=None, keepdim=False, dtype=None, row=None, op="sum"):
    from .._reduce import reduced_dims, dtypes, out_shape
    from ..kernels.reductions import REDUCTIONS
    row = row or REDUCTIONS["sum"]
    nd = len(x._shape)
    rd = reduced_dims(dim, nd, op)
    _, result = dtypes(row, x._dtype, dtype, op)
    if len(rd) == nd and not keepdim:
        from ..ops.reduction import sum as dense_sum
        return dense_sum(x._vals, dtype=result)
    if type(x) is SparseCSRTensor and not keepdim:
        raise RuntimeError(f"{op}: reduction operations on CSR tensors with keepdim=False is unsupported "
                           "(tensorjit.sparse_csr)")
    from .._creation import zeros
    from ..ops.shape import stack
    idx = _indices_of(x)
    nnz = idx._shape[1]
    rows = [zeros(nnz, dtype=_dtypes.int64) if d in rd else idx[d] for d in range(nd) if keepdim or d not in rd]
    oshape = out_shape(x._shape, rd, keepdim)
    new = stack(rows).contiguous() if rows else idx[:0]
    c = coalesce(make_coo(new, x._vals.to(result), oshape, False))
    return _as_layout(c, x)


def _reduce(row, x, dim, keepdim, dtype, out, name, param):
    op = name or row.name
    key = _layout_key((x,), out)
    if row.name != "sum" or out is not None or not _is_sparse(x):
        raise unsupported(op, key, None if out is None else "out=")
    return _sum_impl(x, dim, keepdim, dtype, row, op)


for _k in ("sparse_coo", "sparse_csr"):
    register("reduce", _k)(_reduce)


def sum(input, dim=None, dtype=None):
    """The sum of a sparse tensor: all elements (a 0-d dense tensor) or over ``dim`` (a sparse
    tensor of the remaining dims), as ``torch.sparse.sum``.

    >>> import tensorjit as tj
    >>> s = tj.tensor([[0., 2.], [3., 0.]]).to_sparse()
    >>> tj.sparse.sum(s).item(), tj.sparse.sum(s, 0).to_dense().tolist()
    (5.0, [3.0, 2.0])
    """
    if not _is_sparse(input):
        from ..ops.reduction import sum as dense_sum
        return dense_sum(input, dim, dtype=dtype) if dim is not None else dense_sum(input, dtype=dtype)
    # Unlike Tensor.sum, torch.sparse.sum keeps integer dtypes.
    return _sum_impl(input, dim, False, input._dtype if dtype is None else dtype)


# -- views ------------------------------------------------------------------------------
@register("transpose", "sparse_coo")
def _transpose(t, dim0, dim1):
    return t.transpose(dim0, dim1)


@register("t", "sparse_coo")
def _t(t):
    return t.t()


def _clone(t, memory_format=None):
    return t.clone()


def _to(t, dtype, device, copy, op):
    return t.to(dtype=dtype, device=device, copy=copy)


for _k in ("sparse_coo", "sparse_csr"):
    register("clone", _k)(_clone)
    register("to", _k)(_to)


# -- the samples the layout probe calls every public op with (tensorjit/_layouts.py) -----------
def _sample_dense():
    from .._creation import tensor
    return tensor([[0., 2., 0.], [-1., 0., 0.5], [0., 0., 3.]])


register_sample("sparse_coo", lambda: _sample_dense().to_sparse())
register_sample("sparse_csr", lambda: _sample_dense().to_sparse_csr())
