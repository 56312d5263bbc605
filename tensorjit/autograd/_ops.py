"""Routes the differentiable ops without a front door through autograd: each public function
below has a routing line at its top (Note [layout dispatch] in tensorjit/_layouts.py) that
sends GradTensor operands to the handler registered here for ``(op, "autograd")``, with its
formula from the tables _formulas_shape.py, _formulas_index.py and _formulas_linalg.py (Note
[autograd dispatch]).
"""
from __future__ import annotations

from .. import _copy, _indexing, _layouts, _views
from .._tensor import Tensor
from ..ops import blas as _blas, indexing as _idx, scan as _scan, shape as _shape
from ..ops import shape_rearrange as _rearrange, shape_tri as _tri, shape_pad as _pad
from ..linalg import _decomp as _linalg
from ._formulas_linalg import FORMULAS as _LINALG
from ._formulas_shape import FORMULAS as _SHAPE
from ._formulas_index import FORMULAS as _INDEX
from .graph import _STATE, bump, check_inplace, requires_grad, version_of
from ._record import OpNode, _unwrap, node_class, not_implemented, register_op

F = {**_SHAPE, **_LINALG, **_INDEX}

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
register_op("as_strided", _views.as_strided, F["as_strided"], view=True)

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

# -- decompositions and matrix functions (Note [decomposition derivatives] in _formulas_decomp.py) ---
from ..linalg import _funcs as _linalg_funcs  # noqa: E402
from ._formulas_decomp import FORMULAS as _DECOMP, COMPOSITES as _DECOMP_COMPOSITES  # noqa: E402
from ._formulas_decomp import SAVES_RESULT as _DECOMP_SAVES, route as _decomp_route  # noqa: E402
for _name in ("slogdet", "qr", "eigh", "eig", "svd", "pinv", "solve_triangular", "lstsq", "matrix_exp", "cross"):
    _fn = getattr(_linalg, _name, None) or getattr(_linalg_funcs, _name)
    _name = "linalg." + _name
    _decomp_route(_name, register_op(_name, _fn, _DECOMP[_name], saves_result=_name in _DECOMP_SAVES))
register_op("linalg.matrix_rank", _linalg.matrix_rank, False)
from ..linalg import _lu as _linalg_lu  # noqa: E402
_decomp_route("linalg.lu_factor_ex", register_op("linalg.lu_factor_ex", _linalg_lu.lu_factor_ex,
                                                 _DECOMP["linalg.lu_factor_ex"], saves_result=True))
for _name, _route in _DECOMP_COMPOSITES.items():    # eigvalsh, svdvals, eigvals, cond, matrix_power
    _layouts.register(_name, "autograd")(_route)

# -- fft (Note [fft gradients] in _formulas_fft.py) -------------------------------------------------
from .. import fft as _fft  # noqa: E402
from ._formulas_fft import FORMULAS as _FFT, COMPOSITES as _FFT_COMPOSITES, refuse_out as _refuse_out  # noqa: E402
for _name, _formula in _FFT.items():
    _h = register_op(_name, getattr(_fft, _name[4:]), _formula)
    if _name not in ("fft_fftshift", "fft_ifftshift"):
        _refuse_out(_name, _h)
for _name, _fn in _FFT_COMPOSITES.items():   # stft, istft (Note [stft composites])
    _layouts.register(_name, "autograd")(_fn)


from numpy import ndarray as _ndarray  # noqa: E402
from ._copyslices import rebase_inplace  # noqa: E402


def register_inplace(name, fn, formula):
    """Route in-place op ``name`` (``fn(self, ...)``): PyTorch's refusals, then the write on
    plain aliases and, when an operand requires grad, ``self``'s history rebased on a node whose
    formula is the out-of-place op's (those formulas read only shapes of ``self``); when ``self``
    is a view, its base's history is rebased instead (Note [view history] in _copyslices.py)."""

    def handler(self, *args, **kwargs):
        check_inplace(self, name, views=True)
        pa, pk, tensors = _unwrap((self,) + args, kwargs)
        need = _STATE[0] and any(requires_grad(t) for t in tensors) and self._dtype.category in (2, 3)
        node = None
        if need:
            if formula is None:
                raise not_implemented(name)
            node = (_setitem_class(*args[:2]) if name == "setitem" else node_class(name.rstrip("_")))(tensors, _call)
            node.args, node.kwargs = (self,) + args, kwargs
            node.versions = [version_of(t) for t in tensors]
            node.out_meta = [(self._shape, self._dtype)]
        v0 = version_of(self)
        fn(*pa, **pk)
        if type(self) is not Tensor and version_of(self) == v0:
            bump(self)      # one write, one version (the dense write may have counted it already)
        if node is not None:
            rebase_inplace(self, node)      # Note [view history] in _copyslices.py
        return self

    def _call(node, grads):
        return formula(node, grads[0], *node.args, **node.kwargs)

    handler.__name__ = name
    _layouts.register(name, "autograd")(handler)
    return handler


def _torch_node(cls_name, torch_name):
    """A node class whose ``name()`` is PyTorch's C++ name (``torch::autograd::CopySlices``)."""
    return type(cls_name, (OpNode,), {"name": lambda self: torch_name,
                                      "__repr__": lambda self: f"<{cls_name} object at {hex(id(self))}>"})


_COPY_SLICES = _torch_node("CopySlices", "torch::autograd::CopySlices")
_WHOLE = {False: _torch_node("CopyBackwards", "torch::autograd::CopyBackwards"),
          True: type("FillBackward3", (OpNode,), {})}


def _setitem_class(idx, value):
    """The node of ``t[idx] = value``, named as PyTorch's: CopySlices when the index takes a view
    first (an int, a slice that is not ``:``, None), else IndexPutBackward0 for an advanced index,
    else (the whole tensor) FillBackward3 or CopyBackwards."""
    parts = idx if type(idx) is tuple else (idx,)
    advanced = False
    for p in parts:
        if isinstance(p, Tensor):
            if p.dim() == 0 and p.dtype.category == 1:     # a 0-d integer tensor selects, as an int
                return _COPY_SLICES
            advanced = True
        elif isinstance(p, (list, _ndarray)):
            advanced = True
        elif p is None or isinstance(p, int) or (type(p) is slice and p != slice(None)):
            return _COPY_SLICES
    if advanced:
        return node_class("index_put")
    return _WHOLE[not isinstance(value, Tensor)]


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


# -- scatter_reduce, flat indices, diagonals, splits, contractions, diff (issue 11's gaps) ---------
from ..ops import blas_ext as _blas_ext, sorting as _sorting2  # noqa: E402
for _name, _mod in (("scatter_reduce", _idx), ("take", _idx), ("put", _idx), ("index_copy", _idx),
                    ("masked_scatter", _idx), ("diff", _scan), ("diag", _tri), ("diag_embed", _tri),
                    ("diagflat", _tri), ("fliplr", _rearrange), ("flipud", _rearrange), ("msort", _sorting2),
                    ("tensordot", _blas_ext), ("inner", _blas_ext)):
    register_op(_name, getattr(_mod, _name), F[_name], saves_result=_name == "scatter_reduce")
for _name in ("unbind", "tensor_split"):
    register_op(_name, getattr(_shape, _name), F[_name], view=True)
for _name in ("mode", "nanmedian"):
    register_op(_name, getattr(_sorting2, _name), F[_name], saves_result=True)
for _name in ("quantile", "nanquantile"):
    register_op(_name, getattr(_sorting2, _name), F[_name])
register_op("addbmm", _blas.addbmm, F["addbmm"])
register_op("cross", _blas_ext.cross, F["cross"])
for _name, _mod in (("put_", _idx), ("index_copy_", _idx), ("masked_scatter_", _idx), ("tril_", _tri),
                    ("triu_", _tri)):
    register_inplace(_name, getattr(_mod, _name), F[_name[:-1]])


def _through_copy(name, plain_handler, out_of_place, needs_copy):
    """In-place ``name`` whose derivative reads ``self``'s values: under autograd it is
    ``self.copy_(out_of_place(self.clone(), ...))`` (the clone keeps the old values for
    backward); otherwise ``plain_handler`` (the write on plain aliases)."""

    def handler(self, *args, **kwargs):
        tensors = _unwrap((self,) + args, kwargs)[2]
        if needs_copy(*args, **kwargs) and _STATE[0] and any(requires_grad(t) for t in tensors):
            check_inplace(self, name, views=True)      # copy_ rebases a view's base
            return self.copy_(out_of_place(self.clone(), *args, **kwargs))
        return plain_handler(self, *args, **kwargs)

    handler.__name__ = name
    _layouts.register(name, "autograd")(handler)


_through_copy("scatter_reduce_", register_inplace("scatter_reduce_", _idx.scatter_reduce_, None),
              _idx.scatter_reduce, lambda *a, **k: True)
_through_copy("scatter_", _layouts.lookup("scatter_", "autograd"), _idx.scatter,
              lambda *a, reduce=None, **k: reduce is not None)
_through_copy("cumprod_", register_inplace("cumprod_", _scan.cumprod_, None), _scan.cumprod,
              lambda *a, dtype=None: dtype is None)


def _product_into(fn, name):
    def out_of_place(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        if r.shape != self.shape:
            raise RuntimeError(f"{name}(): the result of shape {list(r.shape)} doesn't match self's shape "
                               f"{list(self.shape)}")
        return r
    return out_of_place


for _name in ("addmm_", "addmv_", "baddbmm_", "addbmm_", "addr_"):     # the products into self
    _through_copy(_name, register_inplace(_name, _blas.METHODS[_name], None),
                  _product_into(getattr(_blas, _name[:-1]), _name), lambda *a, **k: True)


# -- complex parts and constructors (Note [complex derivatives] in _formulas_complex.py) ------------
from .. import _complex as _cx  # noqa: E402
from ._formulas_complex import FORMULAS as _COMPLEX, VIEWS as _CX_VIEWS, register_view as _cx_view  # noqa: E402
from ._formulas_complex import refuse_out as _cx_refuse_out  # noqa: E402
for _name in _CX_VIEWS:
    _cx_view(_name, getattr(_cx, _name))
register_op("conj", _cx.conj, _COMPLEX["conj"])
for _name in ("conj_physical", "complex", "polar"):
    _cx_refuse_out(_name, register_op(_name, getattr(_cx, _name), _COMPLEX[_name], saves_result=_name == "polar"))
register_inplace("conj_physical_", _cx.conj_physical_, _COMPLEX["conj"])
