"""Products built on the batched matrix product of blas.py: einsum, tensordot, inner, outer, kron,
cross, trace, vecdot.

Note [einsum order]
    ``einsum`` turns every operand into labelled dims (repeated labels become a diagonal view,
    ``...`` becomes one label per broadcast dim), sums away the labels no one else needs, then
    contracts two operands at a time, always the pair whose result is smallest (a greedy
    order, as opt_einsum's default), so a chain like ``ij,jk,kl->il`` never builds an
    ``i x j x k x l`` intermediate. Each pair contraction is one batched matrix product:
    shared labels that are still needed are batch dims, shared labels that are not are the
    contracted K, the others are the M and N sides.
"""
from __future__ import annotations

import math
import operator
import warnings

from .._dtypes import FLOAT
from .._shape import broadcast_shapes, wrap_dim
from .._tensor import Tensor
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]
from .blas import (check_tensor, check_numeric, check_out, finish, product, TORCH_NAMES)

__all__ = ["outer", "ger", "inner", "tensordot", "kron", "einsum", "cross", "trace", "vecdot"]


def outer(input, vec2, *, out=None):
    """The outer product of two 1-d tensors (dtypes promote, as PyTorch's ``outer``).

    >>> import tensorjit as tj
    >>> tj.outer(tj.tensor([1, 2]), tj.tensor([1., 10.])).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    check_tensor(input, "outer")
    check_tensor(vec2, "outer", "vec2")
    for t, what in ((input, "self"), (vec2, "vec2")):
        if t.ndim != 1:
            raise RuntimeError(f"outer(): Expected 1-D argument {what}, but got {t.ndim}-D")
    from .pointwise import mul
    return mul(input.unsqueeze(1), vec2, out=out)


ger = outer


def _same_dtype(a, b, name):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{name}(): both inputs should have same dtype (got {a._dtype.name} and {b._dtype.name})")


def _contract(a, b, dims_a, dims_b, name):
    """``a`` and ``b`` contracted over the paired dims: free dims of ``a``, then of ``b``."""
    for da, db in zip(dims_a, dims_b):
        if a._shape[da] != b._shape[db]:
            raise RuntimeError(f"{name}(): contracted dimensions need to match, but first has size "
                               f"{a._shape[da]} in dim {da} and second has size {b._shape[db]} in dim {db}")
    check_numeric(a._dtype, name)
    fa = [i for i in range(a.ndim) if i not in dims_a]
    fb = [i for i in range(b.ndim) if i not in dims_b]
    k = math.prod(a._shape[i] for i in dims_a)
    sa, sb = [a._shape[i] for i in fa], [b._shape[i] for i in fb]
    a2 = a.permute(*fa, *dims_a).reshape(math.prod(sa), k)
    b2 = b.permute(*dims_b, *fb).reshape(k, math.prod(sb))
    return product(a2, b2, name).view(*sa, *sb)


def tensordot(a, b, dims=2, out=None):
    """Contract the last ``dims`` dims of ``a`` with the first ``dims`` of ``b``, or the dims
    listed in ``dims=(dims_a, dims_b)``.

    >>> import tensorjit as tj
    >>> tj.tensordot(tj.ones(2, 3, 4), tj.ones(3, 4, 5)).shape
    tensorjit.Size([2, 5])
    """
    key = (type(a) in _KEYED or type(b) in _KEYED) and _key_of(a, b)  # Note [layout dispatch]
    if key and _lookup("tensordot", key):
        return _lookup("tensordot", key)(a, b, dims, out=out)
    check_tensor(a, "tensordot", "a")
    check_tensor(b, "tensordot", "b")
    _same_dtype(a, b, "tensordot")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (list, tuple)):
        if len(dims) != 2:
            raise RuntimeError("tensordot(): dims must be an int or a pair of lists of dims")
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    else:
        n = operator.index(dims)
        if n < 0:
            raise RuntimeError(f"tensordot(): tensordot expects dims >= 0, but got dims={n}")
        if n > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot(): tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
        da, db = list(range(a.ndim - n, a.ndim)), list(range(n))
    if len(da) != len(db):
        raise RuntimeError(f"tensordot(): both dimension lists should have same length (got {da} and {db})")
    da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
    db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    check_out(out, a._dtype, "tensordot")
    return finish(_contract(a, b, da, db, "tensordot"), out, "tensordot")


def inner(input, other, *, out=None):
    """Sum of products over the last dim of both (a 0-d operand multiplies).

    >>> import tensorjit as tj
    >>> tj.inner(tj.tensor([[1., 2.], [3., 4.]]), tj.tensor([1., 1.])).tolist()
    [3.0, 7.0]
    """
    key = (type(input) in _KEYED or type(other) in _KEYED) and _key_of(input, other)  # Note [layout dispatch]
    if key and _lookup("inner", key):
        return _lookup("inner", key)(input, other, out=out)
    check_tensor(input, "inner")
    check_tensor(other, "inner", "other")
    if input.ndim == 0 or other.ndim == 0:
        from .pointwise import mul
        return mul(input, other, out=out)
    _same_dtype(input, other, "inner")
    if input._shape[-1] != other._shape[-1]:
        raise RuntimeError(f"inner(): the last dimension must match on both input tensors but got shapes "
                           f"{list(input._shape)} and {list(other._shape)}")
    check_out(out, input._dtype, "inner")
    return finish(_contract(input, other, [input.ndim - 1], [other.ndim - 1], "inner"), out, "inner")


def kron(input, other, *, out=None):
    """The Kronecker product: blocks ``input[i] * other`` (dims aligned from the right).

    >>> import tensorjit as tj
    >>> tj.kron(tj.eye(2), tj.tensor([[1, 2]])).tolist()
    [[1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0]]
    """
    check_tensor(input, "kron")
    check_tensor(other, "kron", "other")
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input._shape)
    sb = (1,) * (nd - other.ndim) + tuple(other._shape)
    a = input.reshape([x for n in sa for x in (n, 1)])
    b = other.reshape([x for n in sb for x in (1, n)])
    from .pointwise import mul
    r = mul(a, b).reshape([x * y for x, y in zip(sa, sb)])
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"kron(): argument 'out' must be Tensor, not {type(out).__name__}")
        check_out(out, r._dtype, "kron")
    return finish(r, out, "kron")


def trace(input):
    """Sum of the main diagonal of a 2-d tensor (integers sum in int64).

    >>> import tensorjit as tj
    >>> tj.trace(tj.arange(9).view(3, 3)).item()
    12
    """
    check_tensor(input, "trace")
    if input.ndim != 2:
        raise RuntimeError(f"trace(): expected a matrix, but got tensor with dim {input.ndim}")
    check_numeric(input._dtype, "trace", "trace")
    from .reduction import sum as sum_
    return sum_(input.diagonal())


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (broadcasting). Without ``dim``, the first dim
    of size 3, with PyTorch's deprecation warning.

    >>> import tensorjit as tj
    >>> tj.cross(tj.tensor([1., 0., 0.]), tj.tensor([0., 1., 0.]), dim=0).tolist()
    [0.0, 0.0, 1.0]
    """
    key = (type(input) in _KEYED or type(other) in _KEYED) and _key_of(input, other)  # Note [layout dispatch]
    if key and _lookup("cross", key):
        return _lookup("cross", key)(input, other, dim, out=out)
    check_tensor(input, "cross")
    check_tensor(other, "cross", "other")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"cross(): expected scalar type {TORCH_NAMES[input._dtype.name]} but found "
                           f"{TORCH_NAMES[other._dtype.name]}")
    check_numeric(input._dtype, "cross", "cross")
    if input.ndim != other.ndim:
        raise RuntimeError(f"cross(): inputs must have the same number of dimensions, got {input.ndim} "
                           f"and {other.ndim}")
    shape = broadcast_shapes(input._shape, other._shape, op="cross")
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("cross(): no dimension of size 3 in input")
    dim = wrap_dim(dim, len(shape), "cross")
    if input._shape[dim] != 3 or other._shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._shape[dim]} and {other._shape[dim]}")
    check_out(out, input._dtype, "cross")
    a, b = input.expand(*shape), other.expand(*shape)
    from .pointwise import mul, sub
    from .._creation import empty
    r = empty(shape, dtype=input._dtype)
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        sub(mul(a.select(dim, j), b.select(dim, k)), mul(a.select(dim, k), b.select(dim, j)),
            out=r.select(dim, i))
    return finish(r, out, "cross")


def vecdot(x, y, *, dim=-1, out=None):
    """``sum(conj(x) * y, dim)`` with broadcasting, for float and complex tensors (``linalg.vecdot``).

    >>> import tensorjit as tj
    >>> from tensorjit.ops.blas import vecdot
    >>> vecdot(tj.tensor([[1., 2.], [3., 4.]]), tj.tensor([1., 1.])).tolist()
    [3.0, 7.0]
    """
    check_tensor(x, "vecdot", "x")
    check_tensor(y, "vecdot", "y")
    if x._dtype.category < FLOAT:
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                           f"{TORCH_NAMES[x._dtype.name]}")
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{TORCH_NAMES[x._dtype.name]} and y of type {TORCH_NAMES[y._dtype.name]} instead")
    shape = broadcast_shapes(x._shape, y._shape, op="linalg.vecdot")
    dim = wrap_dim(dim, len(shape), "linalg.vecdot")
    check_out(out, x._dtype, "linalg.vecdot")
    if x.is_complex():
        from .._complex import conj_physical
        x = conj_physical(x)
    from .pointwise import mul
    from .reduction import sum as sum_
    return finish(sum_(mul(x, y), dim), out, "linalg.vecdot")


# -- einsum --------------------------------------------------------------------------------
def _parse_sublists(args):
    """PyTorch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as an equation."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def sub(lst):
        s = ""
        for v in lst:
            if v is Ellipsis:
                s += "..."
            else:
                v = operator.index(v)
                if not 0 <= v < 52:
                    raise ValueError(f"einsum(): subscript in subscript list is not within the valid range [0, 52): {v}")
                s += letters[v]
        return s
    ops, subs = list(args[0::2]), []
    for i in range(0, len(args) - 1, 2):
        subs.append(sub(args[i + 1]))
    ops = [args[i] for i in range(0, len(args) - 1, 2)]
    eq = ",".join(subs)
    if len(args) % 2 == 1:
        eq += "->" + sub(args[-1])
    return eq, ops


def _labels(term, t, i, nell):
    """The labels of operand ``i`` for subscripts ``term`` (``...`` as ``nell`` dim labels)."""
    if "..." in term:
        left, right = term.split("...")
        n = t.ndim - len(left) - len(right)
        if n < 0:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(left) + len(right)}) is more "
                               f"than the number of dimensions ({t.ndim}) for operand {i}")
        return list(left) + [f".{nell - n + j}" for j in range(n)] + list(right)
    if len(term) != t.ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match the "
                           f"number of dimensions ({t.ndim}) for operand {i} and no ellipsis was given")
    return list(term)


def _diagonal(t, labels):
    """Repeated labels of one operand as one dim (a view with the strides summed)."""
    seen, shape, strides = {}, [], []
    for lab, n, s in zip(labels, t._shape, t._strides):
        if lab in seen:
            j = seen[lab]
            if shape[j] != n:
                raise RuntimeError(f"einsum(): subscript {lab} is repeated for operand but the sizes don't match, "
                                   f"{shape[j]} != {n}")
            strides[j] += s
        else:
            seen[lab] = len(shape)
            shape.append(n)
            strides.append(s)
    if len(shape) == len(labels):
        return t, labels
    from .._views import as_strided
    return as_strided(t, shape, strides, t._offset), list(seen)


def _sum_labels(t, labels, drop, keep_dtype):
    dims = [i for i, lab in enumerate(labels) if lab in drop]
    if not dims:
        return t, labels
    from .reduction import sum as sum_
    t = sum_(t, tuple(dims), dtype=t._dtype if keep_dtype else None)
    return t, [lab for lab in labels if lab not in drop]


def _pair(a, la, b, lb, needed):
    """Contract labelled operands ``a`` and ``b`` (Note [einsum order])."""
    shared = [lab for lab in la if lab in lb]
    batch = [lab for lab in shared if lab in needed]
    contracted = [lab for lab in shared if lab not in needed]
    fa = [lab for lab in la if lab not in lb]
    fb = [lab for lab in lb if lab not in la]

    def arrange(t, labels, first, second):
        t = t.permute(*[labels.index(lab) for lab in batch + first + second])
        bshape = [t._shape[i] for i in range(len(batch))]
        rest = t._shape[len(batch):]
        m = math.prod(rest[:len(first)])
        return t.reshape(*bshape, m, math.prod(rest[len(first):]))
    # A contracted label of size 1 on one side broadcasts: sum both sides over it first.
    for lab in list(contracted):
        if a._shape[la.index(lab)] != b._shape[lb.index(lab)]:
            a, la = _sum_labels(a, la, {lab}, True)
            b, lb = _sum_labels(b, lb, {lab}, True)
            contracted.remove(lab)
    a2 = arrange(a, la, fa, contracted)
    b2 = arrange(b, lb, contracted, fb)
    r = product(a2, b2, "einsum")
    out_shape = list(r._shape[:len(batch)]) + [a._shape[la.index(lab)] for lab in fa] + \
        [b._shape[lb.index(lab)] for lab in fb]
    return r.reshape(*out_shape), batch + fa + fb


def einsum(*args):
    """Sums of products over labelled dims, as ``torch.einsum``: ``"ij,jk->ik"``, implicit outputs,
    ``...``, repeated labels (diagonals), the sublist form, any number of operands; contracted
    pairwise in a memory-frugal order (Note [einsum order]).

    >>> import tensorjit as tj
    >>> tj.einsum("bij,bjk->bik", tj.ones(2, 3, 4), tj.ones(2, 4, 5)).shape
    tensorjit.Size([2, 3, 5])
    >>> tj.einsum("ii", tj.eye(3)).item()
    3.0
    """
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if isinstance(args[0], str):
        eq, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        eq, ops = _parse_sublists(args)
    for t in ops:
        check_tensor(t, "einsum", "operands")
    if any(type(t) in _KEYED for t in ops) and _lookup("einsum", _key_of(*ops)):  # Note [layout dispatch]
        return _lookup("einsum", _key_of(*ops))(*args)
    eq = eq.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for term in terms + [rhs]:
        bad = [c for c in term.replace("...", "") if not c.isalpha()]
        if bad or term.count("...") > 1:
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(term)} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    d = ops[0]._dtype if ops else None
    for t in ops[1:]:
        if t._dtype is not d and len(ops) > 1:
            raise RuntimeError(f"einsum(): expected scalar type {TORCH_NAMES[d.name]} but found "
                               f"{TORCH_NAMES[t._dtype.name]}")
    nell = max((t.ndim - len(term.replace("...", "")) for t, term in zip(ops, terms) if "..." in term), default=0)
    ell = [f".{j}" for j in range(nell)]
    labelled, sizes, counts = [], {}, {}
    for i, (t, term) in enumerate(zip(ops, terms)):
        labels = _labels(term, t, i, nell)
        for lab in labels:
            counts[lab] = counts.get(lab, 0) + 1
        t, labels = _diagonal(t, labels)
        for lab, n in zip(labels, t._shape):
            prev = sizes.get(lab)
            if prev is not None and prev != n and n != 1 and prev != 1:
                name = "..." if lab.startswith(".") else lab
                raise RuntimeError(f"einsum(): subscript {name} has size {n} for operand {i} which does not "
                                   f"broadcast with previously seen size {prev}")
            sizes[lab] = max(n, prev or 0) if n != 1 else (prev or 1)
        labelled.append((t, labels))
    if arrow:
        out_labels = (list(rhs.split("...")[0]) + ell + list(rhs.split("...")[1])) if "..." in rhs else list(rhs)
        for lab in out_labels:
            if lab not in sizes and not lab.startswith("."):
                raise RuntimeError(f"einsum(): output subscript {lab} does not appear in the equation for any "
                                   "input operand")
        if len(set(out_labels)) != len(out_labels):
            raise RuntimeError("einsum(): output subscript appears more than once in the output")
    else:
        out_labels = ell + sorted(lab for lab, c in counts.items() if c == 1 and not lab.startswith("."))
    if d is not None and len(ops) > 1:
        check_numeric(d, "einsum", "bmm")
    keep = len(ops) > 1

    def needed_by(exclude):
        s = set(out_labels)
        for j, (_, labels) in enumerate(labelled):
            if j not in exclude:
                s.update(labels)
        return s
    # Labels only one operand has and the output doesn't want are summed away first.
    for i, (t, labels) in enumerate(labelled):
        labelled[i] = _sum_labels(t, labels, set(labels) - needed_by({i}), keep)
    while len(labelled) > 1:
        best = None
        for i in range(len(labelled)):
            for j in range(i + 1, len(labelled)):
                need = needed_by({i, j})
                la, lb = labelled[i][1], labelled[j][1]
                kept = {lab for lab in la + lb if lab in need}
                size = math.prod(sizes[lab] for lab in kept)
                if best is None or size < best[0]:
                    best = (size, i, j, need)
        _, i, j, need = best
        (a, la), (b, lb) = labelled[i], labelled[j]
        r = _pair(a, la, b, lb, need)
        labelled = [x for k, x in enumerate(labelled) if k not in (i, j)] + [r]
    t, labels = labelled[0]
    t, labels = _sum_labels(t, labels, set(labels) - set(out_labels), keep)
    t = t.permute(*[labels.index(lab) for lab in out_labels if lab in labels])
    # Output ellipsis dims no operand had (a shorter ``...``) are size 1.
    if len(labels) < len(out_labels):
        t = t.reshape(*[t._shape[[x for x in out_labels if x in labels].index(lab)] if lab in labels else 1
                        for lab in out_labels])
    return t


METHODS = {"outer": outer, "ger": ger, "inner": inner, "kron": kron, "cross": cross, "trace": trace}
