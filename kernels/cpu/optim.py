"""Fused optimizer steps: one kernel call updates every parameter of one dtype (Note [fused step]
in tensorjit/optim/_fused.py).

A call receives address tables instead of arrays: ``pa``, ``ga`` and the state tables hold,
per parameter ``k``, the address of the first element of a C-contiguous run of ``sizes[k]``
elements (a complex parameter is seen as its real view, twice as long). ``hp[k]`` holds the
parameter's hyperparameters already rounded to the parameter's dtype (PyTorch rounds its Python
scalars the same way) and ``fl[k]`` its switches. ``like`` is any array of the dtype: it only
types the pointers. The Python side keeps every addressed array alive during the call.

Each update is written element by element in the order of PyTorch's single-tensor loop
(``lerp``, ``addcmul``, ``addcdiv`` ...), so float64 results agree to rounding and float32 ones
to the few ulps that PyTorch's fused multiply-adds move them. The ``*_par`` variants walk a
table of ``(k, lo, hi)`` chunks in ``prange``: a large tensor is split, small ones stay whole.
"""
import numpy as np
from numba import carray, njit, prange
from numba.core import types
from numba.extending import intrinsic


@intrinsic
def _pointer(typingctx, addr, like):
    """A pointer to ``like``'s dtype at integer address ``addr``."""
    sig = types.CPointer(like.dtype)(addr, like)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))
    return sig, codegen


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _run(addr, n, like):
    return carray(_pointer(addr, like), (n,))


# -- SGD: hp = (-lr, weight_decay, momentum, 1 - dampening); fl = (maximize, momentum?,
#    nesterov, first step of the buffer) --------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _sgd_range(p, g, b, lo, hi, h, f):
    neg_lr, wd, mom, damp1 = h[0], h[1], h[2], h[3]
    maximize, has_mom, nesterov, first = f[0] != 0, f[1] != 0, f[2] != 0, f[3] != 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        gi = -g[i] if maximize else g[i]
        if wd != 0:
            gi = gi + wd * p[i]
        if has_mom:
            if first:
                bi = gi
            else:
                bi = b[i] * mom + damp1 * gi
            b[i] = bi
            gi = gi + mom * bi if nesterov else bi
        p[i] = p[i] + neg_lr * gi


@njit(cache=True, nogil=True, error_model="numpy")
def sgd(pa, ga, ba, sizes, hp, fl, like):
    for k in range(sizes.shape[0]):
        n = sizes[k]
        _sgd_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(ba[k], n, like), 0, n, hp[k], fl[k])


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def sgd_par(pa, ga, ba, sizes, hp, fl, like, chunks):
    for c in prange(chunks.shape[0]):
        k, lo, hi = chunks[c, 0], chunks[c, 1], chunks[c, 2]
        n = sizes[k]
        _sgd_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(ba[k], n, like), lo, hi, hp[k], fl[k])


# -- Adam / AdamW: hp = (w, 1 - w, beta2, 1 - beta2, weight_decay, 1 - lr * weight_decay,
#    sqrt(bias_correction2), eps, -lr / bias_correction1, 1) with w = 1 - beta1 (lerp's weight);
#    fl = (maximize, amsgrad, weight decay: 0 none, 1 L2 on the gradient, 2 decoupled) ----------
@njit(cache=True, nogil=True, error_model="numpy")
def _adam_range(p, g, m, v, vmax, lo, hi, h, f):
    # Switches become selects (sgn is exactly +-1) and amsgrad a separate loop: a loop
    # without stores under a branch is one LLVM vectorises.
    w, omw, b2, omb2, wd, decay, bc2s, eps, nss = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
    sgn = -h[9] if f[0] != 0 else h[9]
    l2, decoupled = f[2] == 1, f[2] == 2
    small = abs(w) < 0.5
    if f[1] != 0:
        _adam_ams(p, g, m, v, vmax, np.uint64(lo), np.uint64(hi), w, omw, b2, omb2, wd, decay, bc2s, eps,
                  nss, sgn, l2, decoupled, small)
        return
    for i in range(np.uint64(lo), np.uint64(hi)):
        gi = sgn * g[i]
        pi = p[i]
        gi = gi + wd * pi if l2 else gi
        pi = pi * decay if decoupled else pi
        mi = m[i]
        # PyTorch's lerp: the form that is exact at the nearer end.
        mi = mi + w * (gi - mi) if small else gi - (gi - mi) * omw
        m[i] = mi
        vi = v[i] * b2 + omb2 * gi * gi
        v[i] = vi
        p[i] = pi + nss * (mi / (np.sqrt(vi) / bc2s + eps))


@njit(cache=True, nogil=True, error_model="numpy")
def _adam_ams(p, g, m, v, vmax, lo, hi, w, omw, b2, omb2, wd, decay, bc2s, eps, nss, sgn, l2, decoupled,
              small):
    for i in range(np.uint64(lo), np.uint64(hi)):
        gi = sgn * g[i]
        pi = p[i]
        gi = gi + wd * pi if l2 else gi
        pi = pi * decay if decoupled else pi
        mi = m[i]
        mi = mi + w * (gi - mi) if small else gi - (gi - mi) * omw
        m[i] = mi
        vi = v[i] * b2 + omb2 * gi * gi
        v[i] = vi
        vi = max(vmax[i], vi)
        vmax[i] = vi
        p[i] = pi + nss * (mi / (np.sqrt(vi) / bc2s + eps))


@njit(cache=True, nogil=True, error_model="numpy")
def adam(pa, ga, ma, va, xa, sizes, hp, fl, like):
    for k in range(sizes.shape[0]):
        n = sizes[k]
        _adam_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(ma[k], n, like),
                    _run(va[k], n, like), _run(xa[k], n, like), 0, n, hp[k], fl[k])


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def adam_par(pa, ga, ma, va, xa, sizes, hp, fl, like, chunks):
    for c in prange(chunks.shape[0]):
        k, lo, hi = chunks[c, 0], chunks[c, 1], chunks[c, 2]
        n = sizes[k]
        _adam_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(ma[k], n, like),
                    _run(va[k], n, like), _run(xa[k], n, like), lo, hi, hp[k], fl[k])


# -- RMSprop: hp = (alpha, 1 - alpha, w, 1 - w, weight_decay, eps, momentum, -lr) with
#    w = 1 - alpha (lerp's weight); fl = (maximize, centered, momentum?) ------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _rmsprop_range(p, g, sq, ga, b, lo, hi, h, f):
    alpha, oma, w, omw, wd, eps, mom, neg_lr = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    maximize, centered, has_mom = f[0] != 0, f[1] != 0, f[2] != 0
    small = abs(w) < 0.5
    for i in range(np.uint64(lo), np.uint64(hi)):
        gi = -g[i] if maximize else g[i]
        if wd != 0:
            gi = gi + wd * p[i]
        si = sq[i] * alpha + oma * gi * gi
        sq[i] = si
        if centered:
            ai = ga[i]
            ai = ai + w * (gi - ai) if small else gi - (gi - ai) * omw
            ga[i] = ai
            avg = np.sqrt(si + -ai * ai) + eps
        else:
            avg = np.sqrt(si) + eps
        if has_mom:
            bi = b[i] * mom + gi / avg
            b[i] = bi
            p[i] = p[i] + neg_lr * bi
        else:
            p[i] = p[i] + neg_lr * (gi / avg)


@njit(cache=True, nogil=True, error_model="numpy")
def rmsprop(pa, ga, sa, aa, ba, sizes, hp, fl, like):
    for k in range(sizes.shape[0]):
        n = sizes[k]
        _rmsprop_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(sa[k], n, like),
                       _run(aa[k], n, like), _run(ba[k], n, like), 0, n, hp[k], fl[k])


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def rmsprop_par(pa, ga, sa, aa, ba, sizes, hp, fl, like, chunks):
    for c in prange(chunks.shape[0]):
        k, lo, hi = chunks[c, 0], chunks[c, 1], chunks[c, 2]
        n = sizes[k]
        _rmsprop_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(sa[k], n, like),
                       _run(aa[k], n, like), _run(ba[k], n, like), lo, hi, hp[k], fl[k])


# -- Adagrad: hp = (weight_decay, eps, -lr / (1 + (step - 1) * lr_decay)); fl = (maximize,) ----
@njit(cache=True, nogil=True, error_model="numpy")
def _adagrad_range(p, g, s, lo, hi, h, f):
    wd, eps, neg_clr = h[0], h[1], h[2]
    maximize = f[0] != 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        gi = -g[i] if maximize else g[i]
        if wd != 0:
            gi = gi + wd * p[i]
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] + neg_clr * (gi / (np.sqrt(si) + eps))


@njit(cache=True, nogil=True, error_model="numpy")
def adagrad(pa, ga, sa, sizes, hp, fl, like):
    for k in range(sizes.shape[0]):
        n = sizes[k]
        _adagrad_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(sa[k], n, like), 0, n,
                       hp[k], fl[k])


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def adagrad_par(pa, ga, sa, sizes, hp, fl, like, chunks):
    for c in prange(chunks.shape[0]):
        k, lo, hi = chunks[c, 0], chunks[c, 1], chunks[c, 2]
        n = sizes[k]
        _adagrad_range(_run(pa[k], n, like), _run(ga[k], n, like), _run(sa[k], n, like), lo, hi,
                       hp[k], fl[k])
