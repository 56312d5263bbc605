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
a whole op family may register one handler that receives the op's row. Adding a layout is
registering its implementations::

    @register("add", "sparse_coo")
    def _add(a, b, alpha=1): ...

An op with no implementation for a key raises ``NotImplementedError`` naming the op, the
layout and the device, as PyTorch does ("Could not run 'aten::exp' with arguments from the
'SparseCPU' backend"): :func:`unsupported` builds that error everywhere, naming the public
function the user called (:func:`caller_op`). Ops outside the front doors never see a keyed
class they cannot serve: a layout without strided storage shadows ``_data`` and friends
with properties that raise that error (Note [sparse storage guard] in
tensorjit/sparse/_tensor.py). The view ops (``transpose``, ``t``) ask :func:`lookup` and
keep their dense path for keyed classes that register nothing there. The device is part of
the decision too: CUDA tensors leave for the CUDA front end before this table is consulted,
and every keyed layout here is a CPU one.

:func:`support_table` lists, for every registered op, the keys that implement it;
:func:`probe_table` / :func:`markdown_table` call every public function on a sample of each
layout and give the (op x layout) table the README shows (Note [layout probe]).
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


# PyTorch's backend names, which its "Could not run" errors print.
BACKENDS = {"sparse_coo": "SparseCPU", "sparse_csr": "SparseCsrCPU", "quantized": "QuantizedCPU",
            "autograd": "AutogradCPU"}


def unsupported(op, key, detail=None):
    """The NotImplementedError for op ``op`` on tensors of dispatch key ``key``: it names the
    public function the user called (:func:`caller_op`; ``op`` when unknown), the layout and
    the device, as PyTorch's "Could not run 'aten::op' ..." does; ``detail`` says why."""
    public = caller_op(default=op, skip=2)
    lay = " and ".join(f"tensorjit.{k}" if k in _LAYOUTS else repr(k) for k in key.split(" and "))
    why = detail or "no implementation is registered for that layout"
    return NotImplementedError(
        f"{public}: not supported for tensors of layout {lay} on cpu (Could not run '{op}' with arguments "
        f"from the '{BACKENDS.get(key, key)}' backend: {why})")


# Functions whose name says nothing about the op the user called (the operator closures of
# tensorjit/_methods.py and the op factories of the op modules).
_WRAPPERS = frozenset({"op", "r", "operator", "op_", "wrapper", "f", "method", "cast", "fn"})
# Modules between a public function and a layout's implementation: the front doors and the
# layout packages themselves (exact names, and packages by prefix).
INTERNAL = frozenset({"tensorjit._layouts", "tensorjit._dispatch", "tensorjit._reduce"})
INTERNAL_PACKAGES = ("tensorjit.sparse.", "tensorjit.kernels.")


def caller_op(default="this op", skip=2):
    """The public tensorjit function the user called: the name of the outermost frame in a
    tensorjit module outside ``INTERNAL``. Only error paths call it."""
    import sys
    f = sys._getframe(skip)
    name = None
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod.startswith("tensorjit") and mod not in INTERNAL and not mod.startswith(INTERNAL_PACKAGES):
            n = f.f_code.co_name
            if not n.startswith("<") and n not in _WRAPPERS:
                name = n
        f = f.f_back
    return name or default


def _find(op, family, key):
    fn = _IMPLS.get((op, key))
    if fn is None and family is not None:
        fn = _IMPLS.get((family, key))
    if fn is None:
        raise unsupported(op, key)
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


def lookup(op, key):
    """The implementation of ``op`` registered for ``key``, or ``None`` (the caller's dense path
    then serves the keyed class, as the view ops do for classes with a strided storage)."""
    return _IMPLS.get((op, key))


def dispatch(op, key, *args, **kwargs):
    """Call the implementation of ``op`` registered for ``key``, or raise a clear error."""
    return _find(op, None, key)(*args, **kwargs)


def support_table():
    """``{op: sorted keys}`` for every op with at least one registered non-dense implementation
    (a family handler such as ``("pointwise", key)`` appears under its family name; the ops
    a family handler accepts are listed by :func:`probe_table`)."""
    table: dict[str, list[str]] = {}
    for op, key in _IMPLS:
        table.setdefault(op, []).append(key)
    return {op: sorted(keys) for op, keys in sorted(table.items())}


# Note [layout probe]
# ~~~~~~~~~~~~~~~~~~~
# Which public ops run on a layout is found by calling them, not declared: ``probe`` calls a
# public function with a small sample tensor of the layout (registered with
# ``register_sample``) and, after it, each argument recipe of ``_RECIPES`` in turn until one
# runs. The outcome is "supported" (a result came back), "error" (NotImplementedError naming
# the op and the layout for every recipe tried), "unprobed" (no recipe fits: the dense twin
# of the sample refuses every one too, so the function does not take a tensor first) or
# "other" (before any clear refusal, a failure where the dense twin succeeds: a bug). tests/test_layouts.py checks every supported result
# against the dense op on ``to_dense()`` and against PyTorch.
_SAMPLES: dict = {}
SAME, DENSE, INDEX, INDEX2, MASK, VEC = "<same layout>", "<dense>", "<index>", "<index 2-d>", "<mask>", "<vector>"
_RECIPES = ((), (SAME,), (DENSE,), (1,), (0,), (0, 1), (0, (3, 1)), (1, 0), (1, 1), ((0, 1),), (0, 0, 1), (0, DENSE),
            (SAME, SAME), (DENSE, DENSE), (SAME, 0.5), (0, INDEX), (0, INDEX2), (INDEX,), (MASK,), (MASK, 0),
            (VEC,), (VEC, VEC), (SAME, VEC), (0, INDEX, DENSE), (0, INDEX, 1))
# A list of samples first: cat, stack, meshgrid, ...
_LIST_RECIPES = ((), (0,))


def _arg(a, make):
    from ._creation import tensor, ones
    from . import _dtypes
    if a is SAME:
        return make()
    if a is DENSE:
        return make().to_dense()
    if a is INDEX:
        return tensor([0, 1])
    if a is INDEX2:
        return tensor([[0, 1]] * make().shape[0])
    if a is MASK:
        return make().to_dense() != 0
    if a is VEC:
        return ones(make().shape[-1], dtype=_dtypes.float32)
    return a
# Public functions the probe never calls: they write files or change process-wide state.
NOT_PROBED = {"save": "writes a file", "load": "reads a file", "set_rng_state": "sets the random state",
              "manual_seed": "sets the random state", "seed": "sets the random state",
              "set_num_threads": "sets the thread count", "set_default_dtype": "sets the default dtype",
              "set_printoptions": "sets the print options"}


def register_sample(key, make):
    """Register ``make()``, returning a small tensor of dispatch key ``key`` (Note [layout probe])."""
    _SAMPLES[key] = make


def _densify(x):
    return x.to_dense() if getattr(x, "_dispatch_key", None) in _LAYOUTS else x


def _substantial(r, sample):
    # After a refusal, only a new, non-empty tensor shows that a later recipe runs the op: a
    # bool, the sample itself (a no-op such as flatten(x, 1)) or an empty result does not.
    from ._tensor import Tensor
    return isinstance(r, Tensor) and r is not sample and r.numel() > 0


def probe(name, fn, key):
    """``(outcome, args, value)``: what public function ``fn`` (named ``name``) does on a sample
    of layout ``key`` (Note [layout probe]); ``args`` follow the sample, ``value`` is the
    result or the exception."""
    import inspect
    from ._random import manual_seed
    make = _SAMPLES[key]
    recipes = [(False, r) for r in _RECIPES] + [(True, r) for r in _LIST_RECIPES]
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    refused = None
    for as_list, recipe in recipes:
        if sig is not None:
            try:
                sig.bind(None, *recipe)
            except TypeError:  # the recipe does not fit the signature: nothing to call
                continue
        s = [make(), make()] if as_list else make()
        args = [_arg(a, make) for a in recipe]
        try:
            manual_seed(0)
            r = fn(s, *args)
            if refused is None or _substantial(r, s):
                return "supported", args, r
            continue
        except NotImplementedError as e:
            msg = str(e)
            if (name in msg or getattr(fn, "__name__", name) in msg) and key in msg:
                # Refused with these arguments; a later recipe may still run (mv refuses a
                # sparse vector and runs a dense one), so keep looking for a supported call.
                refused = refused or ("error", args, e)
                continue
            failure = e
        except Exception as e:  # noqa: BLE001  (any failure: the dense twin decides)
            failure = e
        if refused is not None:
            continue
        try:
            manual_seed(0)
            fn([_densify(x) for x in s] if as_list else _densify(s), *map(_densify, args))
        except Exception:  # noqa: BLE001  (the recipe does not fit this function)
            continue
        return "other", args, failure
    return refused or ("unprobed", None, None)


def public_ops():
    """``{name: fn}`` of the public functions of ``tensorjit`` that the probe calls."""
    import tensorjit
    ops = {}
    for name in sorted(dir(tensorjit)):
        fn = getattr(tensorjit, name)
        if name.startswith("_") or isinstance(fn, type) or not callable(fn) or name in NOT_PROBED:
            continue
        ops[name] = fn
    return ops


def probe_table():
    """``{op: {key: outcome}}`` for every public function and every layout with a sample (the
    probe seeds the random generator per call; its state is restored afterwards)."""
    from ._random import get_rng_state, set_rng_state
    state = get_rng_state()
    try:
        return {name: {key: probe(name, fn, key)[0] for key in sorted(_SAMPLES)}
                for name, fn in public_ops().items()}
    finally:
        set_rng_state(state)


def markdown_table(table=None):
    """The (op x layout) support table as Markdown, from :func:`probe_table` (or ``table``): a
    row per public op that takes a tensor first; "yes" where the layout runs it, "-" where it
    raises ``NotImplementedError``, plus the ops registered in :func:`support_table`.

    >>> import tensorjit as tj
    >>> t = {"add": {"sparse_coo": "supported", "sparse_csr": "supported"}}
    >>> print(tj._layouts.markdown_table(t).splitlines()[2])
    | `add` | yes | yes | yes |
    """
    table = probe_table() if table is None else table
    keys = sorted({k for row in table.values() for k in row})
    marks = {"supported": "yes", "error": "-", "other": "BROKEN"}
    lines = ["| op | strided | " + " | ".join(keys) + " |", "|---|---|" + "---|" * len(keys)]
    for op, row in table.items():
        if all(v == "unprobed" for v in row.values()):
            continue
        lines.append(f"| `{op}` | yes | " + " | ".join(marks.get(row.get(k), "?") for k in keys) + " |")
    return "\n".join(lines)
