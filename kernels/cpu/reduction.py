"""Source generator for reduction kernels on CPU.

Note [reduction layout]
    The front end (tensorjit/_reduce.py) splits the input's dims into kept dims (one per
    output element) and reduced dims, collapses each group separately and pads kept dims to
    2 and reduced dims to 3 at the front. ``meta`` is one tuple
    ``(k0, k1, r0, r1, r2, off_out, ks0, ks1 of out, off_x, ks0, ks1, rs0, rs1, rs2 of x)``.
    Reduced dims are ordered so ``r2`` has the smallest input stride: the innermost loop walks
    a row of ``r2`` elements and takes a unit-stride path (which vectorises) when it can.
    ``red`` reduces a linear range ``[rlo, rhi)`` of the reduced space for one output element
    and returns the partial in the wide dtype; ``body`` loops ``red`` over a range of output
    elements; ``body_par`` splits the outputs under ``prange``; ``full_par`` splits the reduced
    range of a single output into per-chunk partials and combines them. Index arithmetic is in
    uint64 as in Note [kernel layout] (kernels/cpu/pointwise.py).

Note [blocked sums]
    A sequential float32 sum of 1e7 elements is ~1e-5 off; NumPy's pairwise sum ~4e-8. Sums
    of inexact dtypes therefore add blocks of at most BLOCK elements into a local of the
    accumulation dtype (with ``reassoc`` fastmath so LLVM vectorises it into many independent
    lanes), add each block's sum into ``mid`` in the wide dtype (float64 for float32) and flush
    ``mid`` into ``top`` every BLOCK blocks: a three-level cascade whose error grows like a
    pairwise sum's, not like a running sum's.
"""
from .pointwise import NP, arith, cast

BLOCK = 256
# Wide dtype of the cascade's upper levels (Note [blocked sums]).
WIDE = {"f4": "f8", "f8": "f8", "c8": "c16", "c16": "c16"}


def _const(code, value):
    if code == "b1":
        return "True" if value else "False"
    return f"{NP[code]}({value!r})"


def _lowest(code, highest=False):
    """The identity of max (or, with ``highest``, of min) in dtype ``code``."""
    if code == "b1":
        return _const("b1", highest)
    if code[0] == "f":
        return f"{NP[code]}({'np.inf' if highest else '-np.inf'})"
    return f"np.iinfo({NP[code]}).{'max' if highest else 'min'}"


def plan(combine, in_code, compute, out_code):
    """(acc, wide) dtype codes for a reduction computing in ``compute``."""
    acc = arith(compute)
    if combine == "add" and acc in WIDE:
        return acc, WIDE[acc]
    return acc, acc


def _step(combine, a, v):
    """Source lines folding value expression ``v`` into accumulator ``a``."""
    if combine == "add":
        return [f"{a} += {v}"]
    if combine == "mul":
        return [f"{a} *= {v}"]
    if combine in ("max", "min"):
        op = ">" if combine == "max" else "<"
        # NaN sticks: once a is NaN no comparison replaces it; a NaN value always does.
        return [f"w = {v}", f"if w {op} {a} or w != w:", f"    {a} = w"]
    if combine == "or":
        return [f"{a} = {a} or {v}"]
    return [f"{a} = {a} and {v}"]


def source(combine, identity, in_code, compute, out_code, mean=False):
    """Python source of one module with ``red``, ``body``, ``body_par`` and ``full_par``.

    ``in_code`` is the input's dtype code, ``compute`` the code inputs are converted to before
    combining, ``out_code`` the output's. ``identity`` is the combine's start value (None for
    max/min, whose start is the dtype's lowest/highest value).
    """
    acc, wide = plan(combine, in_code, compute, out_code)
    if combine in ("or", "and"):
        load_to = "b1"
    else:
        load_to = acc

    def load(idx):
        return cast(in_code, load_to, f"x[{idx}]")

    if identity is None:
        init = _lowest(acc, highest=(combine == "min"))
    else:
        init = _const(wide, identity)
    cascade = combine == "add" and acc in WIDE

    def segment(kind):
        # One row of cnt elements from p; kind "unit" or "strided".
        idx = "p + j" if kind == "unit" else "p + j * x_r2"
        if cascade:
            lines = ["k = 0",
                     "while k < cnt:",
                     f"    m = min(cnt - k, {BLOCK})",
                     f"    blk = {_const(acc, 0)}",
                     "    for j in range(_u(k), _u(k + m)):",
                     f"        blk += {load(idx)}",
                     f"    mid += {cast(acc, wide, 'blk')}",
                     "    nb += 1",
                     f"    if nb == {BLOCK}:",
                     "        top += mid",
                     f"        mid = {_const(wide, 0)}",
                     "        nb = 0",
                     "    k += m"]
            return lines
        lines = ["for j in range(_u(cnt)):"]
        lines += ["    " + ln for ln in _step(combine, "top", load(idx))]
        return lines

    fast = "fastmath={'reassoc'}, " if combine in ("add", "mul") and acc[0] in "fc" else ""
    deco = f"@njit(nogil=True, cache=True, {fast}error_model='numpy')"
    # The parallel variants carry the same fastmath flags: without them the loops they run
    # lose vectorisation (measured: 8 ms instead of 0.6 ms for 1e7 float32).
    pdeco = f"@njit(nogil=True, cache=True, parallel=True, {fast}error_model='numpy')"
    if mean:
        final = f"top / {NP[wide] if wide[0] == 'c' else 'np.float64'}(n)" if wide != "f4" else \
            "top / np.float32(n)"
    else:
        final = "top"
    store = f"out[po] = {cast(wide, out_code, final)}"
    src = [
        "# Generated by tensorjit.kernels.cpu.reduction: do not edit.",
        "import numpy as np",
        "from numba import njit, prange",
        "from tensorjit.kernels.cpu.half import h2f, f2h",
        "",
        "_u = np.uint64",
        "_one = np.uint64(1)",
        "",
        "",
        deco,
        "def red(meta, x, base, rlo, rhi):",
        "    r1 = meta[3]",
        "    r2 = meta[4]",
        "    x_r0 = _u(meta[11])",
        "    x_r1 = _u(meta[12])",
        "    x_r2 = _u(meta[13])",
        f"    top = {init}",
    ]
    if cascade:
        src += [f"    mid = {_const(wide, 0)}", "    nb = 0"]
    src += [
        "    i2 = rlo % r2",
        "    t = rlo // r2",
        "    i1 = t % r1",
        "    i0 = t // r1",
        "    i = rlo",
        "    while i < rhi:",
        "        cnt = min(r2 - i2, rhi - i)",
        "        p = base + _u(i0) * x_r0 + _u(i1) * x_r1 + _u(i2) * x_r2",
        "        if x_r2 == _one:",
        *("            " + ln for ln in segment("unit")),
        "        else:",
        *("            " + ln for ln in segment("strided")),
        "        i += cnt",
        "        i2 = 0",
        "        i1 += 1",
        "        if i1 == r1:",
        "            i1 = 0",
        "            i0 += 1",
    ]
    src += ["    return top + mid" if cascade else "    return top", "", ""]
    src += [
        deco,
        "def body(meta, out, x, lo, hi):",
        "    k1 = meta[1]",
        "    n = meta[2] * meta[3] * meta[4]",
        "    o_off = _u(meta[5])",
        "    o_s0 = _u(meta[6])",
        "    o_s1 = _u(meta[7])",
        "    x_off = _u(meta[8])",
        "    x_s0 = _u(meta[9])",
        "    x_s1 = _u(meta[10])",
        "    for e in range(lo, hi):",
        "        u0 = _u(e // k1)",
        "        u1 = _u(e % k1)",
        "        top = red(meta, x, x_off + u0 * x_s0 + u1 * x_s1, 0, n)",
        "        po = o_off + u0 * o_s0 + u1 * o_s1",
        "        " + store,
        "",
        "",
        pdeco,
        "def body_par(meta, out, x, n_out, nchunks):",
        "    chunk = (n_out + nchunks - 1) // nchunks",
        "    for c in prange(nchunks):",
        "        lo = c * chunk",
        "        hi = min(n_out, lo + chunk)",
        "        if lo < hi:",
        "            body(meta, out, x, lo, hi)",
        "",
        "",
        pdeco,
        "def full_par(meta, out, x, nchunks):",
        "    # One output element: per-chunk partials of the reduced range, combined in order.",
        "    n = meta[2] * meta[3] * meta[4]",
        "    base = _u(meta[8])",
        "    chunk = (n + nchunks - 1) // nchunks",
        f"    parts = np.empty(nchunks, {NP[wide]})",
        "    for c in prange(nchunks):",
        "        lo = min(n, c * chunk)",
        "        hi = min(n, lo + chunk)",
        "        parts[c] = red(meta, x, base, lo, hi)",
        "    top = parts[0]",
        "    for c in range(1, nchunks):",
        *("        " + ln for ln in _step("add" if combine == "add" else combine, "top", "parts[c]")),
        "    po = _u(meta[5])",
        "    " + store,
        "",
    ]
    return "\n".join(src)
