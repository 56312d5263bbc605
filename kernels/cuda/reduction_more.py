"""Source generator for CUDA reductions whose state is several values: logsumexp, var/std
(and var_mean/std_mean), max/min along a dim with indices, argmax/argmin.

Note [cuda reduction states]
    The layout and the two strategies are Note [cuda reductions]'s (kernels/cuda/reduction.py):
    ``part`` folds a chunk per block into per-thread states, merges them in shared memory (one
    array per state value) and writes one partial state per block; ``final`` merges the
    ``nblk`` partials of an output in order; ``cols`` folds a whole reduced range per thread.
    The states are the CPU's (Note [reduction states] in kernels/cpu/reduction.py):

    * lse: (max, sum of exp(x - shift)), ``shift`` the max where finite, else 0; a thread
      takes two passes over its elements (the max, then the shifted sum) and two states merge
      by rescaling to the larger max, so a row of -inf gives -inf and +inf or NaN propagate
      as in PyTorch.
    * moments: (count, mean, M2) in float64 (complex128 means for complex input); a thread
      folds its elements by Welford's update, states merge by Chan's formula. The final step
      divides M2 by ``max(0, n - correction)`` (``param``) and writes the mean as the second
      output.
    * argmax/argmin: (value, index). A thread walks increasing positions and replaces on a
      strictly better value or on the first NaN, so its state holds its first best position;
      merges pick the better value, on equal values (or two NaNs) the lower index, so the
      result is PyTorch's: the first occurrence, the first NaN. A thread with no elements
      holds the dtype's lowest (highest) value and index ``_EMPTY``, which loses every tie.
      Positions are row-major over the reduced dims (the front end builds ``meta`` with the
      reduced dims in logical order).
"""
from ..cpu.pointwise import NP
from ..cpu.reduction import plan
from .pointwise import cast
from .reduction import POSITION_SOURCE, SHARED, _start

KINDS = frozenset({"lse", "moments", "argmax", "argmin"})
_EMPTY = "np.int64(9223372036854775807)"


class _Kind:
    """State codes, per-pass (init, fold) lines over value ``v`` at position ``j``, merge lines
    (``b*`` into ``a*``), final lines setting ``v`` (and ``v2``), and their codes."""

    def __init__(self, state, passes, merge, final, vcode, v2code=None):
        self.state, self.passes, self.merge, self.final = state, passes, merge, final
        self.vcode, self.v2code = vcode, v2code


def _kind(combine, load, acc, wide):
    if combine == "lse":
        passes = [([f"a0 = {_start('max', None, acc)}"],
                   ["w = v", "if w > a0 or w != w:", "    a0 = w"]),
                  (["sh = _shift(a0)", "a1 = np.float64(0.0)"],
                   ["a1 += _exp(np.float64(v) - sh)"])]
        merge = ["mm = b0 if (b0 > a0 or b0 != b0) else a0",
                 "shm = _shift(mm)",
                 "tt = np.float64(0.0)",
                 "if a1 != 0:",
                 "    tt += a1 * _exp(_shift(a0) - shm)",
                 "if b1 != 0:",
                 "    tt += b1 * _exp(_shift(b0) - shm)",
                 "a0 = mm",
                 "a1 = tt"]
        return _Kind([acc, "f8"], passes, merge, ["v = _log(a1) + _shift(a0)"], "f8")
    if combine == "moments":
        zero = f"{NP[wide]}(0.0)"
        passes = [(["a0 = np.float64(0.0)", f"a1 = {zero}", "a2 = np.float64(0.0)"],
                   [f"y = {cast(acc, wide, 'v')}",
                    "a0 += 1.0",
                    "d = y - a1",
                    "a1 = a1 + d / a0",
                    "a2 += _dot(d, y - a1)"])]
        merge = ["if b0 > 0:",
                 "    nn = a0 + b0",
                 "    d = b1 - a1",
                 "    a1 = a1 + d * (b0 / nn)",
                 "    a2 = a2 + b2 + _dot(d, d) * (a0 * b0 / nn)",
                 "    a0 = nn"]
        # a conditional, not max(): Numba's CUDA target types max(float, float) as a call it can't make
        final = ["dof = n - param",
                 "vv = a2 / (dof if dof > 0 else np.float64(0.0))",
                 "v = vv if post_var else _sqrt(vv)",
                 f"v2 = a1 if n > 0 else {NP[wide]}(np.nan)"]
        return _Kind(["f8", wide, "f8"], passes, merge, final, "f8", wide)
    op = ">" if combine == "argmax" else "<"
    passes = [([f"a0 = {_start('min' if combine == 'argmin' else 'max', None, acc)}",
                f"a1 = j if j < stop else {_EMPTY}"],
               ["w = v", f"if w {op} a0 or (w != w and a0 == a0):", "    a0 = w", "    a1 = j"])]
    merge = [f"if (b0 != b0 and (a0 == a0 or b1 < a1)) or (a0 == a0 and (b0 {op} a0 or (b0 == a0 and b1 < a1))):",
             "    a0 = b0",
             "    a1 = b1"]
    return _Kind([acc, "i8"], passes, merge, ["v = a0", "v2 = a1"], acc, "i8")


def state_codes(combine, compute):
    """The dtype codes of the state values (one partial array each)."""
    load, acc, wide = plan(combine, compute)
    return _kind(combine, load, acc, wide).state


def _fold(kind, ld, indent):
    """Lines running every pass of ``kind`` over positions ``start, start + step, ... < stop``."""
    out = []
    for init, step in kind.passes:
        out += ["j = start", *init,
                "while j < stop:",
                "    p = base + _pos(meta, j)",
                f"    v = {ld}",
                *("    " + ln for ln in step),
                "    j += step"]
    return [indent + ln for ln in out]


def source(combine, in_code, compute, out_code, out2_code, post=None):
    """Python source of one module with ``part``, ``final`` and ``cols`` for a several-value
    combine kind (Note [cuda reduction states]). ``post`` is "var" or "std" for moments."""
    if combine not in KINDS:
        raise ValueError(f"no several-value CUDA kernel for combine kind {combine!r}")
    load, acc, wide = plan(combine, compute)
    kind = _kind(combine, load, acc, wide)
    ns = len(kind.state)
    parts = ", ".join(f"parts{k}" for k in range(ns))
    ld = cast(load, acc, cast(in_code, load, "x[p]"))
    dot = "d.real * e.real + d.imag * e.imag" if wide[0] == "c" else "d * e"
    store = [f"out[po] = {cast(kind.vcode, out_code, 'v')}"]
    if kind.v2code is not None:
        store.append(f"out2[po] = {cast(kind.v2code, out2_code, 'v2')}")
    final = kind.final
    if combine == "moments":
        final = [ln.replace("post_var", "True" if post == "var" else "False") for ln in final]
    src = [
        "# Generated by tensorjit.kernels.cuda.reduction_more: do not edit.",
        "import math",
        "import numpy as np",
        "from numba import cuda",
        "",
        "",
        "# math, not NumPy ufuncs (Numba's CUDA target has none), guarded so the simulator's",
        "# Python math gives the GPU's IEEE results instead of raising.",
        "@cuda.jit(device=True)",
        "def _exp(t):",
        "    return math.inf if t > 709.782712893384 else math.exp(t)",
        "",
        "",
        "@cuda.jit(device=True)",
        "def _log(s):",
        "    return math.log(s) if s > 0 else (-math.inf if s == 0 else s)",
        "",
        "",
        "@cuda.jit(device=True)",
        "def _sqrt(v):",
        "    return math.sqrt(v) if v >= 0 else math.nan",
        "",
        "",
        "@cuda.jit(device=True)",
        "def _shift(m):",
        "    return np.float64(m) if m - m == 0 else np.float64(0.0)",
        "",
        "",
        "@cuda.jit(device=True)",
        "def _dot(d, e):",
        f"    return {dot}",
        "",
        "",
        *POSITION_SOURCE,
        "@cuda.jit(cache=True)",
        f"def part(meta, {parts}, x, nblk, n):",
        *(f"    sm{k} = cuda.shared.array({SHARED}, {NP[c]})" for k, c in enumerate(kind.state)),
        "    tid = cuda.threadIdx.x",
        "    nt = cuda.blockDim.x",
        "    b = cuda.blockIdx.x",
        "    e = b // nblk",
        "    c = b % nblk",
        "    chunk = (n + nblk - 1) // nblk",
        "    lo = c * chunk",
        "    stop = lo + chunk",
        "    if stop > n:",
        "        stop = n",
        "    base, po = _bases(meta, e)",
        "    start = lo + tid",
        "    step = nt",
        *_fold(kind, ld, "    "),
        *(f"    sm{k}[tid] = a{k}" for k in range(ns)),
        "    cuda.syncthreads()",
        "    s = nt // 2",
        "    while s > 0:",
        "        if tid < s:",
        *(f"            a{k} = sm{k}[tid]" for k in range(ns)),
        *(f"            b{k} = sm{k}[tid + s]" for k in range(ns)),
        *("            " + ln for ln in kind.merge),
        *(f"            sm{k}[tid] = a{k}" for k in range(ns)),
        "        cuda.syncthreads()",
        "        s //= 2",
        "    if tid == 0:",
        *(f"        parts{k}[b] = sm{k}[0]" for k in range(ns)),
        "",
        "",
        "@cuda.jit(cache=True)",
        f"def final(meta, out, out2, {parts}, nblk, n, n_out, param):",
        "    e = cuda.grid(1)",
        "    gs = cuda.gridsize(1)",
        "    while e < n_out:",
        "        base, po = _bases(meta, e)",
        *(f"        a{k} = parts{k}[e * nblk]" for k in range(ns)),
        "        for c in range(1, nblk):",
        *(f"            b{k} = parts{k}[e * nblk + c]" for k in range(ns)),
        *("            " + ln for ln in kind.merge),
        *("        " + ln for ln in final + store),
        "        e += gs",
        "",
        "",
        "@cuda.jit(cache=True)",
        "def cols(meta, out, out2, x, n, n_out, param):",
        "    e = cuda.grid(1)",
        "    gs = cuda.gridsize(1)",
        "    while e < n_out:",
        "        base, po = _bases(meta, e)",
        "        start = 0",
        "        stop = n",
        "        step = 1",
        *_fold(kind, ld, "        "),
        *("        " + ln for ln in final + store),
        "        e += gs",
        "",
    ]
    return "\n".join(src)
