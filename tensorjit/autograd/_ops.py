"""Routes the differentiable ops without a front door through autograd: each public function
below has a routing line at its top (Note [layout dispatch] in tensorjit/_layouts.py) that
sends GradTensor operands to the handler registered here for ``(op, "autograd")``, with its
formula from the tables _formulas_shape.py and _formulas_linalg.py (Note [autograd dispatch]).
"""
from __future__ import annotations

from .. import _copy, _indexing, _layouts, _views
from .._tensor import Tensor
from ..ops import blas as _blas, indexing as _idx, scan as _scan, shape as _shape
from ..ops import shape_rearrange as _rearrange, shape_tri as _tri, shape_pad as _pad
from ..linalg import _decomp as _linalg
from ._formulas_linalg import FORMULAS as _LINALG
from ._formulas_shape import FORMULAS as _SHAPE
from .graph import _STATE, bump, check_inplace, rebase, requires_grad, version_of
from ._record import _unwrap, node_class, not_implemented, register_op

F = {**_SHAPE, **_LINALG}

# -- views (outputs share the input's storage: in-place writes to them are checked) ---------------
for _name in ("view", "reshape", "unsqueeze", "squeeze", "transpose", "permute", "expand", "narrow", "select",
              "diagonal", "unfold"):
    register_op(_name, getattr(_views, _name), F[_name], view=True)
register_op("t", _views.t_, F["t"], view=True)
register_op("split", _views._split_sizes, F["split"], view=True)
register_op("getitem", _indexing.getitem, F["getitem"], view=True)
register_op("clone", _views.clone, F["clone"])
register_op("to", _copy._convert, F["to"])
register_op("view_dtype", _views.view_dtype, None)
register_op("as_strided", _views.as_strided, None)

# -- joins, rearranging, indexing, scans ------------------------------------------------------------
register_op("cat", _shape._cat, F["cat"])
for _name, _mod in (("gather", _idx), ("index_select", _idx), ("take_along_dim", _idx), ("scatter", _idx),
                    ("scatter_add", _idx), ("index_add", _idx), ("index_fill", _idx), ("masked_fill", _idx),
                    ("masked_select", _idx), ("index_put", _idx), ("flip", _rearrange), ("roll", _rearrange),
                    ("tril", _tri), ("triu", _tri), ("cumsum", _scan), ("rot90", _rearrange),
                    ("repeat_interleave", _rearrange)):
    register_op(_name, getattr(_mod, _name), F[_name])
register_op("repeat", _rearrange._repeat, F["repeat"])
register_op("pad", _pad.pad, F["pad"])

from ..ops import sorting as _sorting  # noqa: E402
for _name in ("sort", "topk", "kthvalue", "median"):
    register_op(_name, getattr(_sorting, _name), F[_name], saves_result=True)
for _name in ("cumprod", "cummax", "cummin", "logcumsumexp"):
    register_op(_name, getattr(_scan, _name), F[_name], saves_result=True)

# -- products ---------------------------------------------------------------------------------------
for _name in ("matmul", "mm", "bmm", "mv", "dot", "addmm"):
    register_op(_name, getattr(_blas, _name), F[_name])
register_op("einsum", _blas.einsum, F["einsum"])
for _name in ("det", "inv", "solve", "cholesky"):
    register_op("linalg." + _name, getattr(_linalg, _name), F["linalg." + _name], saves_result=True)


def register_inplace(name, fn, formula):
    """Route in-place op ``name`` (``fn(self, ...)``): PyTorch's refusals, then the write on
    plain aliases and, when an operand requires grad, ``self``'s history rebased on a node whose
    formula is the out-of-place op's (those formulas read only shapes of ``self``)."""

    def handler(self, *args, **kwargs):
        check_inplace(self, name)
        pa, pk, tensors = _unwrap((self,) + args, kwargs)
        need = _STATE[0] and any(requires_grad(t) for t in tensors) and self._dtype.category in (2, 3)
        node = None
        if need:
            if formula is None:
                raise not_implemented(name)
            node = node_class(name.rstrip("_"))(tensors, _call)
            node.args, node.kwargs = (self,) + args, kwargs
            node.versions = [version_of(t) for t in tensors]
            node.out_meta = [(self._shape, self._dtype)]
        fn(*pa, **pk)
        if type(self) is not Tensor:
            bump(self)
        if node is not None:
            rebase(self, node)
        return self

    def _call(node, grads):
        return formula(node, grads[0], *node.args, **node.kwargs)

    handler.__name__ = name
    _layouts.register(name, "autograd")(handler)
    return handler


def _setitem_formula(ctx, g, t, idx, value):
    gt = g.clone()
    gt[idx] = 0
    if isinstance(value, Tensor):
        return gt, g[idx]
    return gt


def _copy_formula(ctx, g, t, src, *args, **kwargs):
    from .._creation import zeros_like
    return zeros_like(g), g


def _fill_formula(ctx, g, t, value, *args, **kwargs):
    from .._creation import zeros_like
    if isinstance(value, Tensor):
        return zeros_like(g), g.sum()
    return zeros_like(g)


register_inplace("setitem", _indexing.setitem, _setitem_formula)
register_inplace("copy_", _copy.copy_, _copy_formula)
register_inplace("fill_", _copy.fill_, _fill_formula)
for _name in ("index_add", "index_fill", "masked_fill", "scatter", "scatter_add", "index_put"):
    register_inplace(_name + "_", getattr(_idx, _name + "_"), F[_name])
