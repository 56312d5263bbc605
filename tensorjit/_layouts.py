"""Layouts and the dispatcher that picks an op's implementation by (op, dispatch key).

Note [layout dispatch]
~~~~~~~~~~~~~~~~~~~~~~
A dense CPU tensor is the common case and pays nothing for this module: the front doors
(the pointwise dispatcher, ``reduce``, the products, the view ops) test ``type(x) is Tensor``
first, which they already do to route CUDA tensors. Any other tensor class carries a
``_dispatch_key`` (a class attribute: ``"sparse_coo"``, ``"sparse_csr"``, ``"quantized"``),
and the front door hands the call to :func:`dispatch`, which looks the implementation up in
one table keyed by ``(op, key)``. Adding a layout is registering its implementations::

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


# (op name, dispatch key) -> implementation
_IMPLS: dict[tuple[str, str], object] = {}


def register(op, key):
    """Register ``fn`` as the implementation of ``op`` for tensors whose class has ``_dispatch_key == key``."""
    def deco(fn):
        _IMPLS[(op, key)] = fn
        return fn
    return deco


def key_of(*args):
    """The dispatch key of the first tensor argument that has one (``None`` when all are plain dense)."""
    for a in args:
        k = getattr(type(a), "_dispatch_key", None)
        if k is not None:
            return k
    return None


def dispatch(op, key, *args, **kwargs):
    """Call the implementation of ``op`` registered for ``key``, or raise PyTorch's error."""
    fn = _IMPLS.get((op, key))
    if fn is None:
        raise NotImplementedError(
            f"{op}: not supported for tensors with dispatch key '{key}' (no implementation of "
            f"'{op}' is registered for that layout)")
    return fn(*args, **kwargs)


def support_table():
    """``{op: sorted keys}`` for every op with at least one registered non-dense implementation."""
    table: dict[str, list[str]] = {}
    for op, key in _IMPLS:
        table.setdefault(op, []).append(key)
    return {op: sorted(keys) for op, keys in sorted(table.items())}
