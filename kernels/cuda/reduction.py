"""Source generator for reduction kernels on CUDA.

Note [cuda reductions]
    ``meta`` is the CPU's 14-tuple (Note [reduction layout] in kernels/cpu/reduction.py):
    kept dims collapsed and padded to 2, reduced dims to 3. Two strategies:

    * ``part`` then ``final``: the reduced range of each output is cut into ``nblk`` chunks;
      block ``b`` (output ``b // nblk``, chunk ``b % nblk``) folds its chunk in a grid of
      threads, each into its own state, then combines the states in shared memory (a tree
      over ``blockDim.x``, a power of two) and writes one partial state. ``final`` (one thread
      per output) folds the ``nblk`` partials in order, applies ``post`` and stores.
    * ``cols``: one thread per output folds its whole reduced range; used when a kept dim
      walks memory faster than the reduced ones (``sum(dim=0)`` of a row-major matrix), so
      neighbouring threads read neighbouring elements.

    States are one value in the accumulation dtype of ``plan`` (kernels/cpu/reduction.py):
    sums of inexact dtypes add in the wide dtype (float64 for float32 and float16), as the
    CPU's cascade does. A row's ``pre`` transform (nansum's NaN-as-zero, the norms' ``|x|``,
    ``|x|**2``, ``x != 0``) is the CPU generator's own ``_pre`` (kernels/cpu/reduction.py) as a
    device function, applied on load. The kinds with several values per state (logsumexp,
    var/std, max/min with indices) are kernels/cuda/reduction_more.py's.
"""
import numpy as np

from ..cpu.pointwise import NP
from ..cpu.reduction import plan, WIDE, _pre_source
from .pointwise import cast

SUPPORTED = frozenset({"add", "mul", "max", "min", "or", "and"})
SHARED = 256        # shared-memory slots per block: the most threads a reduction block has


# The device functions that turn (meta, output index e, reduced position j) into storage
# offsets; shared by every CUDA reduction generator (this one and reduction_more).
POSITION_SOURCE = (
    "@cuda.jit(device=True)",
    "def _pos(meta, j):",
    "    # storage offset (from the output's base) of reduced position j",
    "    j2 = j % meta[4]",
    "    t = j // meta[4]",
    "    return (t // meta[3]) * meta[11] + (t % meta[3]) * meta[12] + j2 * meta[13]",
    "",
    "",
    "@cuda.jit(device=True)",
    "def _bases(meta, e):",
    "    e1 = e % meta[1]",
    "    e0 = e // meta[1]",
    "    return meta[8] + e0 * meta[9] + e1 * meta[10], meta[5] + e0 * meta[6] + e1 * meta[7]",
    "",
    "",
)


def _literal(code, value):
    if code == "b1":
        return "True" if value else "False"
    if code[0] in "iu":
        return f"{NP[code]}({int(value)})"
    return f"{NP[code]}({float(value)!r})"


def _start(combine, identity, code):
    """The identity of ``combine`` in dtype ``code`` as a literal expression."""
    if identity is not None:
        return _literal(code, identity)
    highest = combine == "min"
    if code == "b1":
        return _literal(code, highest)
    if code[0] == "f":
        return f"{NP[code]}({'np.inf' if highest else '-np.inf'})"
    info = np.iinfo(np.dtype(NP[code][3:]))
    return _literal(code, info.max if highest else info.min)


def _step(combine, a, v):
    if combine == "add":
        return [f"{a} = {a} + {v}"]
    if combine == "mul":
        return [f"{a} = {a} * {v}"]
    if combine in ("max", "min"):
        op = ">" if combine == "max" else "<"
        # NaN sticks once in ``a``; a NaN value always replaces (as on CPU).
        return [f"w = {v}", f"if w {op} {a} or w != w:", f"    {a} = w"]
    if combine == "or":
        return [f"{a} = {a} or {v}"]
    return [f"{a} = {a} and {v}"]


def pre_source(pre, load, acc):
    """The CPU generator's ``_pre`` (the row's load transform) as a CUDA device function."""
    lines = _pre_source(pre, load, acc)
    return ["@cuda.jit(device=True)"] + lines[1:]


def source(combine, identity, in_code, compute, out_code, post=None, pre=None):
    """Python source of one module with ``part``, ``final`` and ``cols`` (Note [cuda reductions])."""
    if combine not in SUPPORTED:
        raise ValueError(f"no CUDA kernel for combine kind {combine!r}")
    load, acc, wide = plan(combine, compute, pre)
    state = wide if (combine == "add" and acc in WIDE) else acc
    # Shared memory holds bools as uint8.
    sh = "u1" if state == "b1" else state
    from_sh = "(sm[tid + s] != 0)" if state == "b1" else "sm[tid + s]"
    to_sh = "np.uint8(a)" if state == "b1" else "a"
    # math.sqrt, not np.sqrt: Numba's CUDA target has no NumPy ufuncs (a sum of squares is
    # never negative, so the simulator's Python math.sqrt doesn't raise either).
    final = {None: "v = a", "mean": "v = a / np.float64(n)", "sqrt": "v = math.sqrt(a)"}[post]
    vcode = "f8" if (post == "mean" and state[0] in "iub") else state
    if post == "mean" and state[0] == "c":
        final = f"v = a / {NP[state]}(n)"
    ld = cast(acc, state, f"_pre({cast(in_code, load, 'x[p]')})")
    store = f"out[po] = {cast(vcode, out_code, 'v')}"
    src = [
        "# Generated by tensorjit.kernels.cuda.reduction: do not edit.",
        "import math",
        "import numpy as np",
        "from numba import cuda, types",
        "",
        "",
        *pre_source(pre, load, acc),
        *POSITION_SOURCE,
        "@cuda.jit(cache=True)",
        "def part(meta, parts, x, nblk, n):",
        f"    sm = cuda.shared.array({SHARED}, {NP[sh]})",
        "    tid = cuda.threadIdx.x",
        "    nt = cuda.blockDim.x",
        "    b = cuda.blockIdx.x",
        "    e = b // nblk",
        "    c = b % nblk",
        "    chunk = (n + nblk - 1) // nblk",
        "    lo = c * chunk",
        "    hi = lo + chunk",
        "    if hi > n:",
        "        hi = n",
        "    base, po = _bases(meta, e)",
        f"    a = {_start(combine, identity, state)}",
        "    j = lo + tid",
        "    while j < hi:",
        "        p = base + _pos(meta, j)",
        *("        " + ln for ln in _step(combine, "a", ld)),
        "        j += nt",
        f"    sm[tid] = {to_sh}",
        "    cuda.syncthreads()",
        "    s = nt // 2",
        "    while s > 0:",
        "        if tid < s:",
        f"            a = {'(sm[tid] != 0)' if state == 'b1' else 'sm[tid]'}",
        *("            " + ln for ln in _step(combine, "a", from_sh)),
        f"            sm[tid] = {to_sh}",
        "        cuda.syncthreads()",
        "        s //= 2",
        "    if tid == 0:",
        "        parts[b] = sm[0]",
        "",
        "",
        "@cuda.jit(cache=True)",
        "def final(meta, out, parts, nblk, n, n_out):",
        "    e = cuda.grid(1)",
        "    step = cuda.gridsize(1)",
        "    while e < n_out:",
        "        base, po = _bases(meta, e)",
        f"        a = {'(parts[e * nblk] != 0)' if state == 'b1' else 'parts[e * nblk]'}",
        "        for c in range(1, nblk):",
        *("            " + ln for ln in _step(combine, "a", "(parts[e * nblk + c] != 0)" if state == "b1"
                                              else "parts[e * nblk + c]")),
        f"        {final}",
        f"        {store}",
        "        e += step",
        "",
        "",
        "@cuda.jit(cache=True)",
        "def cols(meta, out, x, n, n_out):",
        "    e = cuda.grid(1)",
        "    step = cuda.gridsize(1)",
        "    while e < n_out:",
        "        base, po = _bases(meta, e)",
        f"        a = {_start(combine, identity, state)}",
        "        for j in range(n):",
        "            p = base + _pos(meta, j)",
        *("            " + ln for ln in _step(combine, "a", ld)),
        f"        {final}",
        f"        {store}",
        "        e += step",
        "",
    ]
    return "\n".join(src)


def partial_code(combine, compute, pre=None):
    """The dtype code of the partial states ``part`` writes (uint8 for bools)."""
    load, acc, wide = plan(combine, compute, pre)
    state = wide if (combine == "add" and acc in WIDE) else acc
    return "u1" if state == "b1" else state


_NB = {"b1": "boolean", "u1": "uint8", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64", "u2": "uint16",
       "u4": "uint32", "u8": "uint64", "f4": "float32", "f8": "float64", "c8": "complex64", "c16": "complex128"}


def _nb(code):
    return _NB[code]
