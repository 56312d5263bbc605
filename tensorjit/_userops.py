"""Your own kernels: a scalar Python function becomes a tensor op (``elementwise``), a combine
function a reduction (``reduction``), and a Python function of tensors one fused kernel (``fuse``,
in tensorjit/_fuse.py).

Note [user ops]
    ``@elementwise`` turns ``f(x, y, ...)`` into a pointwise row like the built-in ones
    (kernels/opdefs.py): same arity, promotion kind and every dtype category, and a scalar
    function ``"tensorjit._userops_funcs:uf_<name>_<hash>"`` instead of a name in
    kernels/scalar.py. The function is bound under that name in tensorjit/_userops_funcs.py,
    so the built-in generators (kernels/cpu/pointwise.py, kernels/cuda/pointwise.py) and the
    front door (``_dispatch.elementwise``: broadcasting, promotion, ``out=``, overlap handling,
    layouts, CUDA routing) serve the row unchanged: one generated kernel file per
    (op, dtypes), written into the kernel cache directory and imported from there.
    The row's name carries a hash of the function's source file and qualified name, so editing
    the file starts fresh kernels. Functions without a real file (defined in a notebook or by
    ``exec``) or with a closure get a name unique to the process and kernels compiled with
    ``cache=False``: their compiled code lives in memory only, since nothing on disk could tell
    a later process whether the function or the values it captured changed. Like Numba's own
    cache, the hash does not follow helpers the function calls in other files.
"""
from __future__ import annotations

import hashlib
import inspect
import itertools
import os
import re

from . import _dtypes
from ._dtypes import as_dtype, result_type, promote_types
from ._tensor import Tensor
from .kernels import opdefs

__all__ = ["elementwise", "reduction", "fuse", "UserOpCompileError"]

_KINDS = {"default": opdefs.DEFAULT, "int_to_float": opdefs.INT_TO_FLOAT, "always_bool": opdefs.ALWAYS_BOOL,
          "complex_to_float": opdefs.COMPLEX_TO_FLOAT}
_counter = itertools.count()


class UserOpCompileError(TypeError):
    """Numba could not compile a user function for the dtypes it was called with."""


def _pyfunc(fn, what):
    """The plain Python function behind ``fn`` (a function, or a Numba dispatcher's ``py_func``)."""
    f = getattr(fn, "py_func", fn)
    if not inspect.isfunction(f):
        raise TypeError(f"{what}: expected a Python function, got {type(fn).__name__}")
    return f


def _arity(f, what):
    params = list(inspect.signature(f).parameters.values())
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise TypeError(f"{what}: {f.__name__} must take positional arguments only (no *args, **kwargs "
                        "or keyword-only arguments)")
    if not params:
        raise TypeError(f"{what}: {f.__name__} must take at least one argument")
    return len(params)


def register_function(f, prefix):
    """Bind ``f`` in tensorjit/_userops_funcs.py; its ``"module:attr"`` scalar name and the row
    name to use (Note [user ops])."""
    from . import _userops_funcs
    code = f.__code__
    path = code.co_filename
    disk = os.path.isfile(path) and not f.__closure__
    h = hashlib.sha256(f"{f.__module__}\0{f.__qualname__}\0{code.co_firstlineno}\0".encode())
    if disk:
        with open(path, "rb") as fh:
            h.update(fh.read())
    else:
        h.update(code.co_code + repr(code.co_consts).encode() + repr(code.co_names).encode())
    safe = re.sub(r"\W", "_", f.__name__)[:40]
    name = f"{prefix}_{safe}_{h.hexdigest()[:12]}"
    if not disk:
        name += f"_m{next(_counter)}"
    attr = "uf_" + name
    _userops_funcs.register(attr, f, disk)
    return f"tensorjit._userops_funcs:{attr}", name


def numba_error(e):
    """Whether ``e`` is Numba's (a compile failure) rather than tensorjit's own."""
    from numba.core.errors import NumbaError
    return isinstance(e, NumbaError)


def raised_in(e, f):
    """Whether exception ``e`` came out of Python function ``f`` (Numba's CUDA simulator runs
    user functions as Python: their failures are plain exceptions)."""
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is f.__code__:
            return True
        tb = tb.tb_next
    return False


def compile_error(name, dtypes, e):
    """The UserOpCompileError for function ``name`` failing to compile for ``dtypes``."""
    msg = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip()   # Numba colours its messages
    if len(msg) > 2000:
        msg = msg[:2000] + " ..."
    return UserOpCompileError(f"{name}: Numba cannot compile {name} for input dtypes "
                              f"({', '.join(d.name for d in dtypes)}): {type(e).__name__}: {msg}")


def _parse_signature(sig, arity, name):
    """(input dtype, result dtype) of a Numba-style signature ``"float32(float32, float32)"``."""
    m = re.fullmatch(r"\s*(\w+)\s*\((.*)\)\s*", sig) if isinstance(sig, str) else None
    if m is None:
        raise ValueError(f"elementwise: signature {sig!r} of {name} is not of the form 'out(in, ...)'")
    ins = [as_dtype(s.strip(), op="elementwise") for s in m.group(2).split(",") if s.strip()]
    out = as_dtype(m.group(1), op="elementwise")
    if len(ins) != arity or len(set(ins)) != 1:
        raise ValueError(f"elementwise: signature {sig!r} of {name} must list {arity} inputs of one dtype "
                         "(every input is converted to it)")
    d = ins[0]
    for kind, res in ((opdefs.DEFAULT, d), (opdefs.ALWAYS_BOOL, _dtypes.bool),
                      (opdefs.COMPLEX_TO_FLOAT, d.to_real())):
        if out is res:
            return d, kind
    raise ValueError(f"elementwise: signature {sig!r} of {name}: the result dtype must be the input dtype, "
                     "bool or (for complex inputs) its real dtype")


class ElementwiseOp:
    """A tensor op made from a scalar Python function by :func:`elementwise`."""

    def __init__(self, fn, signatures=None, dtype_rule="default"):
        f = _pyfunc(fn, "elementwise")
        self.py_func = f
        self.arity = _arity(f, "elementwise")
        self.__name__ = self.__qualname__ = f.__name__
        self.__doc__ = f.__doc__
        self.__module__ = f.__module__
        self.__wrapped__ = f
        self._scalar, self._base = register_function(f, "u")
        self._rows = {}
        self._checked = set()
        self._fixed = None
        self._sigs = None
        if signatures is not None:
            if isinstance(signatures, str):
                signatures = [signatures]
            self._sigs = [(s,) + _parse_signature(s, self.arity, f.__name__) for s in signatures]
            if not self._sigs:
                raise ValueError(f"elementwise: {f.__name__}: signatures is empty")
        elif isinstance(dtype_rule, str) and dtype_rule in _KINDS:
            self._kind = _KINDS[dtype_rule]
        else:
            try:
                self._fixed = as_dtype(dtype_rule, op="elementwise")
            except (TypeError, ValueError):
                raise ValueError(f"elementwise: dtype_rule must be one of {sorted(_KINDS)} or a dtype, "
                                 f"got {dtype_rule!r}") from None
            self._kind = opdefs.DEFAULT

    def row(self, kind):
        """The pointwise row of this op for promotion kind ``kind`` (Note [user ops])."""
        r = self._rows.get(kind)
        if r is None:
            suffix = "" if kind == opdefs.DEFAULT else "_" + kind
            r = self._rows[kind] = opdefs.Pointwise(self._base + suffix, self.arity, self._scalar, kind)
        return r

    def _select(self, args):
        """(row, compute dtype override or None) for a call on ``args``."""
        if self._sigs is None:
            return self.row(self._kind), self._fixed
        from ._dispatch import check_operand
        for a in args:
            check_operand(a, self.__name__)
        c = result_type(*args)
        for _, d, kind in self._sigs:
            if promote_types(c, d) is d:
                return self.row(kind), d
        raise TypeError(f"{self.__name__}: no signature accepts the input dtypes ({_describe(args)}); "
                        f"signatures: {', '.join(s for s, _, _ in self._sigs)}")

    def _check_compiles(self, row, args, compute, out):
        """Compile the serial kernel before anything is written, so a Numba failure raises a
        UserOpCompileError naming the function and leaves ``out`` untouched."""
        key = (row.name, compute, type(out) is Tensor and out._dtype, _dtypes.get_default_dtype(),
               tuple(a._dtype if isinstance(a, Tensor) else type(a) for a in args))
        if key in self._checked:
            return
        from . import _dispatch
        for a in args:
            _dispatch.check_operand(a, self.__name__)
        comp = compute if compute is not None else _dispatch.compute_dtype(row, args, self.__name__)
        result = _dispatch.result_dtype_for(row, comp)
        scalar_dtype = _dtypes.float32 if comp is _dtypes.float16 else comp
        in_dtypes = tuple(a._dtype if isinstance(a, Tensor) else scalar_dtype for a in args)
        out_dtype = out._dtype if isinstance(out, Tensor) else result
        try:
            _dispatch.kernel(row, in_dtypes, comp, out_dtype).serial()
        except Exception as e:
            if numba_error(e):
                raise compile_error(self.__name__, in_dtypes, e) from None
            raise
        self._checked.add(key)

    def _run(self, args, out, inplace, name):
        from . import _dispatch
        from ._layouts import KEYED
        if len(args) != self.arity:
            raise TypeError(f"{name}() takes {self.arity} positional argument{'s' * (self.arity != 1)} but "
                            f"{len(args)} were given")
        row, compute = self._select(args)
        if all(type(a) is Tensor or not isinstance(a, Tensor) for a in args) and \
                (out is None or type(out) is Tensor):
            self._check_compiles(row, args, compute, out)
            return _dispatch.elementwise(row, args, out, inplace=inplace, name=name, compute=compute)
        if any(type(a) in KEYED for a in args) or type(out) in KEYED:
            # Other layouts and fuse's tracer (Note [layout dispatch]) see the row itself.
            return _dispatch.elementwise(row, args, out, inplace=inplace, name=name, compute=compute)
        try:   # CUDA tensors: the kernel compiles at launch (runs as Python in the simulator)
            return _dispatch.elementwise(row, args, out, inplace=inplace, name=name, compute=compute)
        except Exception as e:
            if numba_error(e) or raised_in(e, self.py_func):
                raise compile_error(self.__name__, [a._dtype if isinstance(a, Tensor) else
                                                    _dtypes.scalar_dtype(a) for a in args], e) from None
            raise

    def __call__(self, *args, out=None):
        return self._run(args, out, False, self.__name__)

    def inplace(self, input, *others):
        """The op written into ``input`` (PyTorch's ``op_``): ``input`` must hold the broadcast
        shape and a dtype the result can be cast to."""
        return self._run((input,) + others, input, True, self.__name__ + "_")

    def __repr__(self):
        return f"<tensorjit elementwise op {self.__name__} of {self.arity} argument{'s' * (self.arity != 1)}>"


def _describe(args):
    return ", ".join(f"Tensor {a._dtype.name}" if isinstance(a, Tensor) else f"{type(a).__name__} scalar"
                     for a in args)


def elementwise(fn=None, *, signatures=None, dtype_rule="default"):
    """Turn a scalar Python function of N arguments into a tensor op.

    The op broadcasts its tensor arguments (Python numbers act as weak scalars), promotes their
    dtypes, converts every input to the promoted dtype, calls ``fn`` per element in a kernel
    Numba compiles (per dtype; one kernel serves every layout) and accepts ``out=``;
    ``op.inplace(a, b)`` writes into ``a``. CUDA tensors run the same function as a device
    function. ``dtype_rule`` is ``"default"`` (PyTorch's result_type), ``"int_to_float"``
    (bool and integers compute in the default float dtype), ``"always_bool"`` (compute in the
    promoted dtype, return bool), ``"complex_to_float"`` or a dtype (inputs converted to it,
    result of it). ``signatures`` lists Numba-style signatures (``"float32(float32, float32)"``):
    the first whose input dtype the promoted dtype converts to safely is used, else TypeError.
    A function Numba cannot compile for some dtypes raises :class:`UserOpCompileError` (a
    TypeError) naming it, the dtypes and Numba's message. Kernels of functions defined in real
    files are cached on disk like built-in kernels; a notebook's compile once per process
    (Note [user ops]).

    >>> import tensorjit as tj
    >>> @tj.elementwise
    ... def clipped_diff(x, y):
    ...     d = x - y
    ...     return d if d > 0 else 0
    >>> clipped_diff(tj.tensor([3., 1.]), 2).tolist()
    [1.0, 0.0]
    """
    if fn is None:
        return lambda f: elementwise(f, signatures=signatures, dtype_rule=dtype_rule)
    return ElementwiseOp(fn, signatures, dtype_rule)


def reduction(fn=None, *, identity=None, dtype_rule="keep", merge=None):
    """Turn a combine function ``f(acc, x)`` into a reduction with ``dim`` and ``keepdim``.

    See :func:`tensorjit._userops_reduce.reduction` (this is the same function).

    >>> import tensorjit as tj
    >>> @tj.reduction(identity=0)
    ... def sum_abs(acc, x):
    ...     return acc + abs(x)
    >>> sum_abs(tj.tensor([[1, -2], [-3, 4]]), dim=1).tolist()
    [3, 7]
    """
    from ._userops_reduce import reduction as _reduction
    return _reduction(fn, identity=identity, dtype_rule=dtype_rule, merge=merge)


def fuse(fn=None):
    """Compile a Python function of tensors into one kernel per input signature.

    See :func:`tensorjit._fuse.fuse` (this is the same function).

    >>> import tensorjit as tj
    >>> @tj.fuse
    ... def fma(a, b, c):
    ...     return a * b + c
    >>> fma(tj.tensor([1., 2.]), 3, tj.tensor([1., 1.])).tolist()
    [4.0, 7.0]
    """
    from ._fuse import fuse as _fuse
    return _fuse(fn)
