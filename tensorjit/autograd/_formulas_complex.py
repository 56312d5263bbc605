"""Derivatives of the complex parts and constructors: ``real``, ``imag``, ``view_as_real``,
``view_as_complex``, ``conj``, ``conj_physical``, ``complex`` and ``polar``.

Note [complex derivatives]
    As PyTorch's, gradients are conjugate Wirtinger derivatives: for a real loss ``L`` of a
    complex ``z`` the gradient is ``dL/dRe(z) + 1j * dL/dIm(z)``. So the gradient of ``real(z)``
    is ``grad`` as a complex number, of ``imag(z)`` is ``grad * 1j``, of ``conj(z)`` is
    ``conj(grad)``; ``view_as_real`` and ``view_as_complex`` swap the two representations of the
    gradient. Every formula is written with tensorjit ops that are themselves routed, so a
    recorded backward (``create_graph=True``) differentiates through them.

    ``real``, ``imag``, ``view_as_real`` and ``view_as_complex`` return views of a storage of
    another dtype (Note [complex views] in tensorjit/_complex.py); they are recorded as views of
    their input (``ViewMeta``, Note [view history] in _copyslices.py) so that a write through
    the base is seen by them, and an in-place op on one rebases its base's history.
"""
from __future__ import annotations

from .. import _complex as _cx, _layouts
from .graph import _STATE, make_result, requires_grad, version_of
from ._record import _unwrap, node_class


def _real(ctx, g, input):
    return g        # cast to the complex dtype by the node (fit): g + 0j


def _imag(ctx, g, input):
    return g * 1j


def _view_as_real(ctx, g, input):
    if not g.numel():       # an empty contiguous() may keep strides that view_as_complex refuses
        from .._creation import zeros
        return zeros(input.shape, dtype=input.dtype)
    return _cx.view_as_complex(g.contiguous())


def _view_as_complex(ctx, g, input):
    return _cx.view_as_real(g.contiguous())


def _conj(ctx, g, input, **kwargs):
    return _cx.conj_physical(g)


def _complex_grad(ctx, g, real, imag, **kwargs):
    return (_cx.real(g) if ctx.needs(0) else None), (_cx.imag(g) if ctx.needs(1) else None)


def _polar(ctx, g, abs, angle, **kwargs):
    """PyTorch's polar_backward: ``Re(conj(g) * sgn(z))`` and ``Re(conj(g) * z * 1j)``."""
    from ..ops.math import sgn
    z = ctx.result()
    gc = _cx.conj_physical(g)
    ga = _cx.real(gc * sgn(z)) if ctx.needs(0) else None
    gt = _cx.real(gc * (z * 1j)) if ctx.needs(1) else None
    return ga, gt


FORMULAS = {"real": _real, "imag": _imag, "view_as_real": _view_as_real, "view_as_complex": _view_as_complex,
            "conj": _conj, "conj_physical": _conj, "complex": _complex_grad, "polar": _polar}
VIEWS = ("real", "imag", "view_as_real", "view_as_complex")


def register_view(name, fn):
    """Route view ``name`` (one tensor in, a view of another dtype out) through autograd: the
    result is recorded as a view of the input (Note [complex derivatives])."""
    formula = FORMULAS[name]
    cls = node_class(name)

    def handler(input):
        pa, _, inputs = _unwrap((input,), {})
        out = fn(*pa)
        if not _STATE[0] or not requires_grad(input) or out is pa[0]:
            return input if out is pa[0] else out
        node = cls(inputs, lambda node, grads: formula(node, grads[0], *node.args))
        node.args = (input,)
        node.versions = [version_of(input)]
        node.out_meta = [(out._shape, out._dtype)]
        node.n_outputs = 1
        return make_result(out, node, 0, input)

    handler.__name__ = name
    _layouts.register(name, "autograd")(handler)
    return handler


def refuse_out(name, handler):
    """Wrap ``handler`` with PyTorch's refusal of ``out=`` when an operand requires grad."""

    def wrapped(*args, out=None, **kwargs):
        if out is not None and _STATE[0] and any(requires_grad(t) for t in _unwrap(args, kwargs)[2] + [out]):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return handler(*args, out=out, **kwargs) if out is not None else handler(*args, **kwargs)

    wrapped.__name__ = name
    _layouts.register(name, "autograd")(wrapped)
    return wrapped
