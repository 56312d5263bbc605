"""``gradcheck`` and ``gradgradcheck``: analytical gradients against central finite differences,
as ``torch.autograd.gradcheck`` (one backward per output element; fast mode is not built).

Note [complex gradcheck]
    As PyTorch's slow gradcheck, complex numbers are checked as pairs of reals (the conjugate
    Wirtinger convention of Note [complex derivatives] in _formulas_complex.py): a complex
    output is checked as its real part (the backward of grad_output 1 at one element) and its
    imaginary part (grad_output 1j); a complex input is perturbed along its real and its
    imaginary axis, and the analytical gradient of a real output must be ``d/dRe + 1j d/dIm``.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from . import grad_mode
from .graph import plain, requires_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """A gradient differs from its finite-difference estimate."""


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _float_outputs(out):
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o._dtype.category in (2, 3)]


def _values(out):
    return [np.array(plain(o).numpy(), dtype=np.complex128 if o.is_complex() else np.float64).ravel()
            for o in _float_outputs(out)]


def _parts(values):
    """The real outputs that are checked: each real output, and the real and imaginary parts of
    each complex one (Note [complex gradcheck])."""
    parts = []
    for v in values:
        if np.iscomplexobj(v):
            parts.extend((v.real, v.imag))
        else:
            parts.append(v)
    return parts


def _numerical(func, inputs, diff, eps):
    """Per differentiable input, per checked output part: the (input numel, output numel)
    Jacobian by central differences; complex for a complex input (d/dRe + 1j d/dIm)."""
    with grad_mode.no_grad():
        base = _parts(_values(func(*inputs)))
    jac = []
    for i in diff:
        x = inputs[i]
        arr = plain(x).numpy()
        cx = np.iscomplexobj(arr)
        cols = [np.zeros((x.numel(), b.size), dtype=np.complex128 if cx else np.float64) for b in base]
        for k, idx in enumerate(np.ndindex(*arr.shape)):
            old = arr[idx]
            for step in ((1.0, 1j) if cx else (1.0,)):
                arr[idx] = old + eps * step
                with grad_mode.no_grad():
                    plus = _parts(_values(func(*inputs)))
                arr[idx] = old - eps * step
                with grad_mode.no_grad():
                    minus = _parts(_values(func(*inputs)))
                arr[idx] = old
                for o, (p, m) in enumerate(zip(plus, minus)):
                    cols[o][k] += step * (p - m) / (2 * eps)
        jac.append(cols)
    return jac


def _analytical(func, inputs, diff, nondet_tol):
    from .engine import grad
    from .._creation import zeros_like
    outs = _float_outputs(func(*inputs))
    diff_inputs = [inputs[i] for i in diff]
    # (output, the gradient that selects the part: 1 for the real part, 1j for the imaginary one)
    parts = [(o, v) for o in outs for v in ((1.0, 1j) if o.is_complex() else (1.0,))]
    jac = [[np.zeros((inputs[i].numel(), o.numel()), dtype=np.complex128 if inputs[i].is_complex() else np.float64)
            for o, _ in parts] for i in diff]
    for p_idx, (o, v) in enumerate(parts):
        if not requires_grad(o):
            continue
        for k in range(o.numel()):
            g = zeros_like(plain(o))
            if g._dense:
                plain(g).numpy().reshape(-1)[k] = v
            else:
                g.numpy()[np.unravel_index(k, o._shape)] = v
            gs = grad(o, diff_inputs, g, retain_graph=True, allow_unused=True)
            for j, gi in enumerate(gs):
                if gi is not None:
                    if gi._shape != diff_inputs[j]._shape:
                        raise GradcheckError(f"Gradient has incorrect shape: {list(gi._shape)} for input {diff[j]} "
                                             f"of shape {list(diff_inputs[j]._shape)}")
                    if gi.is_complex() and not diff_inputs[j].is_complex():
                        raise GradcheckError(f"Gradient for input {diff[j]} of dtype {diff_inputs[j].dtype} is "
                                             f"complex ({gi.dtype})")
                    jac[j][p_idx][:, k] = np.asarray(plain(gi).numpy()).ravel()
    labels = [(i, None if not o.is_complex() else ("real" if v == 1.0 else "imaginary"))
              for i, o in enumerate(outs) for v in ((1.0, 1j) if o.is_complex() else (1.0,))]
    return jac, labels


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Whether the gradients of ``func`` at ``inputs`` (the tensors that require grad) match
    central finite differences: ``|analytical - numerical| <= atol + rtol * |numerical|``.

    >>> import tensorjit as tj
    >>> x = tj.rand(3, dtype=tj.float64, requires_grad=True)
    >>> tj.autograd.gradcheck(lambda t: (t * t.exp()).sum(), (x,))
    True
    """
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: forward-mode AD is not implemented")
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and requires_grad(x)]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff:
        x = inputs[i]
        if x._dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. This check "
                          "will likely fail if all the inputs are not of double precision floating point. ",
                          UserWarning, stacklevel=2)
        if not x.is_leaf:
            raise ValueError("gradcheck: inputs that require grad must be leaves")
    numerical = _numerical(func, inputs, diff, eps)
    analytical, labels = _analytical(func, inputs, diff, nondet_tol)
    for j, i in enumerate(diff):
        for p, (o, part) in enumerate(labels):
            a, n = analytical[j][p], numerical[j][p]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                msg = ((f"While considering the {part} part of complex outputs only, " if part else "") +
                       f"Jacobian mismatch for output {o} with respect to input {i},\n"
                       f"numerical:{n.T}\nanalytical:{a.T}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """``gradcheck`` of the gradients of ``func`` (computed with ``create_graph=True``) with
    respect to ``inputs`` and ``grad_outputs`` (random ones when None): second derivatives.

    >>> import tensorjit as tj
    >>> x = tj.rand(3, dtype=tj.float64, requires_grad=True)
    >>> tj.autograd.gradgradcheck(lambda t: (t * t * t).sum(), (x,))
    True
    """
    from .engine import grad
    from ..ops.random import randn_like
    from .._random import Generator
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and requires_grad(x)]
    if grad_outputs is None:
        with grad_mode.no_grad():
            outs = _float_outputs(func(*inputs))
        gen = Generator().manual_seed(0)
        grad_outputs = tuple(randn_like(plain(o), generator=gen).requires_grad_() for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def new_func(*args):
        ins, gos = args[:n], args[n:]
        with grad_mode.enable_grad():   # the finite differences call this under no_grad
            outs = _float_outputs(func(*ins))
            diff_in = [ins[i] for i in diff]
            gs = grad(outs, diff_in, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(new_func, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol)
