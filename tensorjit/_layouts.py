"""Layouts and the dispatcher that picks an op's implementation by (op, dispatch key).

Note [layout dispatch]
~~~~~~~~~~~~~~~~~~~~~~
A dense CPU tensor is the common case and pays nothing for this module: the front doors
(the pointwise dispatcher, ``reduce``, the products, the view ops) test ``type(x) is Tensor``
first, which they already do to route CUDA tensors. Any other tensor class carries a
``_dispatch_key`` (a class attribute: ``"sparse_coo"``, ``"sparse_csr"``, ``"quantized"``,
``"autograd"``) and a ``_dispatch_priority``, is registered in ``KEYED``, and the front door
(``type(x) in KEYED``) hands the call to :func:`dispatch_pointwise`, :func:`dispatch_reduce`
or :func:`dispatch`, which look the implementation up in one table keyed by ``(op, key)``;
a whole op family may register one handler that receives the op's row. Adding a layout is registering its implementations::

    @register("add", "sparse_coo")
    def _add(a, b, alpha=1): ...

An op with no implementation for a key raises ``NotImplementedError`` naming the op, the
layout and the device, as PyTorch does ("Could not run 'aten::exp' with arguments from the
'SparseCPU' backend"). :func:`support_table` lists, for every registered op, the keys that
implement it (the table in the README is generated from it).
"""
from __future__ import annotations

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr"]


class layout:
    """A tensor layout, as ``torch.layout``.

    >>> import tensorjit as tj
    >>> tj.zeros(2).layout
    tensorjit.strided
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"tensorjit.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
_LAYOUTS = {x.name: x for x in (strided, sparse_coo, sparse_csr)}


def _by_name(name):
    return _LAYOUTS[name]


# (op name, dispatch key) -> implementation. An op family ("pointwise", "reduce") may be
# registered as a whole: its handler receives the row and decides per row.
_IMPLS: dict[tuple[str, str], object] = {}

# Tensor classes that carry a dispatch key; the front doors test ``type(x) in KEYED``.
KEYED: set = set()


def register_class(cls):
    """Mark tensor class ``cls`` (a Tensor subclass with a ``_dispatch_key``) as routed here."""
    if getattr(cls, "_dispatch_key", None) is None:
        raise TypeError(f"register_class: {cls.__name__} has no _dispatch_key")
    KEYED.add(cls)
    return cls


def register(op, key):
    """Register ``fn`` as the implementation of ``op`` for tensors whose class has ``_dispatch_key == key``."""
    def deco(fn):
        _IMPLS[(op, key)] = fn
        return fn
    return deco


def key_of(*args):
    """The dispatch key of the operands: the one with the highest ``_dispatch_priority`` among
    the keyed tensor classes of ``args`` (``None`` when none is keyed). A key that wraps the
    others (autograd) outranks the layouts, as in PyTorch's dispatcher."""
    best = None
    for a in args:
        cls = type(a)
        if cls in KEYED and (best is None or cls._dispatch_priority > best._dispatch_priority):
            best = cls
    return None if best is None else best._dispatch_key


def _find(op, family, key):
    fn = _IMPLS.get((op, key))
    if fn is None and family is not None:
        fn = _IMPLS.get((family, key))
    if fn is None:
        raise NotImplementedError(
            f"{op}: not supported for tensors with dispatch key '{key}' (no implementation of "
            f"'{op}' is registered for that layout)")
    return fn


def dispatch_pointwise(row, args, out, inplace, name, compute):
    """The pointwise front door's route for keyed operands: the implementation registered for
    ``(row.name, key)``, else the family handler ``("pointwise", key)``; called as
    ``fn(row, args, out, inplace, name, compute)``."""
    key = key_of(*args, out)
    return _find(name or row.name, "pointwise", key)(row, args, out, inplace, name, compute)


def dispatch_reduce(row, x, dim, keepdim, dtype, out, name, param):
    """``reduce``'s route for a keyed input: ``(row.name, key)`` else ``("reduce", key)``;
    called as ``fn(row, x, dim, keepdim, dtype, out, name, param)``."""
    key = key_of(x, out)
    return _find(name or row.name, "reduce", key)(row, x, dim, keepdim, dtype, out, name, param)


def dispatch(op, key, *args, **kwargs):
    """Call the implementation of ``op`` registered for ``key``, or raise a clear error."""
    return _find(op, None, key)(*args, **kwargs)


def support_table():
    """``{op: sorted keys}`` for every op with at least one registered non-dense implementation."""
    table: dict[str, list[str]] = {}
    for op, key in _IMPLS:
        table.setdefault(op, []).append(key)
    return {op: sorted(keys) for op, keys in sorted(table.items())}
