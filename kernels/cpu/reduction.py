"""Source generator for reduction kernels on CPU.

Note [reduction layout]
    The front end (tensorjit/_reduce.py) splits the input's dims into kept dims (one per
    output element) and reduced dims, collapses each group separately and pads kept dims to
    2 and reduced dims to 3 at the front. ``meta`` is one tuple
    ``(k0, k1, r0, r1, r2, off_out, ks0, ks1 of out, off_x, ks0, ks1, rs0, rs1, rs2 of x)``.
    Reduced dims are ordered so ``r2`` has the smallest input stride (except for the indexed
    kinds, whose reduced dims keep their logical order so positions are row-major): the
    innermost loop walks a row of ``r2`` elements and takes a unit-stride path (which
    vectorises) when it can. ``red`` reduces a linear range ``[rlo, rhi)`` of the reduced
    space for one output element and returns its state (Note [reduction states]); ``body``
    loops ``red`` over a range of output elements; ``body_par`` splits the outputs under
    ``prange``; ``full_par`` splits the reduced range of a single output into per-chunk states
    and merges them in order. Every kernel takes ``(meta, out, out2, x, param, ...)``: ``out2``
    is the second output of two-output kinds (the same array as ``out`` otherwise) and
    ``param`` a float (the correction of var/std). Index arithmetic is in uint64 as in Note
    [kernel layout] (kernels/cpu/pointwise.py).

Note [reduction states]
    Each combine kind is a state, a way to fold a row segment into it, a way to merge two
    states in order (for chunked partials) and a final step producing the output value(s):
    add/mul/max/min/or/and fold one value; argmax/argmin fold (value, index), replacing on a
    strictly better value or on the first NaN, so ties keep the first index and NaN wins with
    its index; moments fold (count, mean, M2): each block of at most BLOCK elements is
    reduced in two passes (its mean, then the sum of squared deviations, both in cache) and
    merged by Chan's formula, so var/std stay accurate without the cancellation of
    ``sum(x**2) - sum(x)**2``; lse folds (max, sum of exp(x - shift)) with two passes (the max,
    then the shifted sum, ``shift`` = the max where finite, else 0), merged by rescaling.

Note [blocked sums]
    A sequential float32 sum of 1e7 elements is ~1e-5 off; NumPy's pairwise sum ~4e-8. Sums
    of inexact dtypes therefore add blocks of at most BLOCK elements into a local of the
    accumulation dtype (with ``reassoc`` fastmath so LLVM vectorises it into many independent
    lanes; UNIT_BLOCK elements on the unit-stride path), add each block's sum into ``mid`` in the wide dtype (float64 for float32) and flush
    ``mid`` into ``top`` every BLOCK blocks: a three-level cascade whose error grows like a
    pairwise sum's, not like a running sum's.

Note [column reductions]
    ``cols`` reduces an input seen as ``(outer, R, inner)`` with the inner dim kept and unit
    stride (``sum(dim=0)`` of a row-major matrix): a task is one outer index and a chunk of at
    most W inner elements; it folds the R rows of the chunk into a W-element accumulator, one
    vectorised pass per row, so memory is read once and in order. Sums keep Note [blocked sums]'
    accuracy: each column adds BLOCK rows in the accumulation dtype, then flushes into a wide
    (float64 for float32) accumulator. ``cm`` is ``(outer, R, inner, off_x, so_x, sr_x, off_out,
    so_out, si_out, W)``; ``cols_par`` splits the tasks under ``prange``. Only the elementwise
    combine kinds (one value per output) have it.
"""
from .pointwise import NP, arith, cast

BLOCK = 256
# A unit-stride block is summed in vector lanes (each lane adds UNIT_BLOCK / lanes elements), so
# it can be longer for the same accuracy; longer blocks halve the per-block overhead (measured:
# 1e7 float32 on 2 threads 0.75 ms with 256, 0.40 ms with 1024).
UNIT_BLOCK = 1024
# Wide dtype of the cascade's upper levels (Note [blocked sums]).
WIDE = {"f4": "f8", "f8": "f8", "c8": "c16", "c16": "c16"}
REAL = {"c8": "f4", "c16": "f8"}


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


def plan(combine, compute, pre=None):
    """(load, acc, wide) dtype codes: what an element is loaded as, what it is combined in
    after ``pre``, and the wide dtype of cascades and merged states."""
    if combine in ("or", "and"):
        return "b1", "b1", "b1"
    load = arith(compute)
    if combine in ("argmax", "argmin") and load == "b1":
        load = "u1"
    acc = REAL.get(load, load) if pre in ("abs", "abs2", "nonzero") else load
    if combine == "add" and acc in WIDE:
        return load, acc, WIDE[acc]
    if combine == "moments":
        return load, acc, "c16" if acc[0] == "c" else "f8"
    if combine == "lse":
        return load, acc, "f8"
    return load, acc, acc


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


def _vstep(combine, a, v):
    """One branch-free line folding ``v`` into array element ``a`` (the column kernel's)."""
    if combine == "add":
        return [f"{a} += {v}"]
    if combine == "mul":
        return [f"{a} *= {v}"]
    if combine in ("max", "min"):
        op = ">" if combine == "max" else "<"
        return [f"w = {v}", f"b = {a}", f"{a} = w if (w {op} b or w != w) else b"]
    return [f"{a} = {a} {'|' if combine == 'or' else '&'} {v}"]


def _pre_source(pre, load, acc):
    """The module-level ``_pre`` function applying transform ``pre`` to a loaded value."""
    if pre == "nan0" and load[0] in "fc":
        body = f"return v if v == v else {_const(load, 0)}"
    elif pre == "abs":
        body = f"return {NP[acc]}(abs(v))"
    elif pre == "abs2":
        body = "return v.real * v.real + v.imag * v.imag" if load[0] == "c" else "return v * v"
    elif pre == "nonzero":
        body = f"return {NP[acc]}(v != 0)"
    else:
        body = "return v"
    return ["@njit(inline='always')", "def _pre(v):", "    " + body, "", ""]


def _walk(unit, strided):
    """Lines walking the reduced range [rlo, rhi) row segment by row segment: ``p`` is the
    segment's first storage index, ``cnt`` its length, ``i`` its first linear position."""
    return [
        "i2 = rlo % r2",
        "t = rlo // r2",
        "i1 = t % r1",
        "i0 = t // r1",
        "i = rlo",
        "while i < rhi:",
        "    cnt = min(r2 - i2, rhi - i)",
        "    p = base + _u(i0) * x_r0 + _u(i1) * x_r1 + _u(i2) * x_r2",
        "    if x_r2 == _one:",
        *("        " + ln for ln in unit),
        "    else:",
        *("        " + ln for ln in strided),
        "    i += cnt",
        "    i2 = 0",
        "    i1 += 1",
        "    if i1 == r1:",
        "        i1 = 0",
        "        i0 += 1",
    ]


class _Kind:
    """The pieces of one combine kind (Note [reduction states]); see ``_kind``."""

    def __init__(self, state, init, segs, ret, merge, final, passes=None):
        self.state, self.init, self.segs, self.ret = state, init, segs, ret
        self.merge, self.final, self.passes = merge, final, passes


def _kind(combine, identity, in_code, load, acc, wide, post):
    """State vars ``a0, a1, ...`` with their codes, the red() pieces, merge lines (``b*`` into
    ``a*``) and final lines setting ``v`` (and ``v2``) with their codes."""
    def ld(idx):
        return f"_pre({cast(in_code, load, idx)})"

    def idx(kind, j="j"):
        return f"x[p + {j}]" if kind == "unit" else f"x[p + {j} * x_r2]"

    if combine == "add" and acc in WIDE:
        def seg(kind):
            return ["k = 0",
                    "while k < cnt:",
                    f"    m = min(cnt - k, {UNIT_BLOCK if kind == 'unit' else BLOCK})",
                    f"    blk = {_const(acc, 0)}",
                    "    for j in range(_u(k), _u(k + m)):",
                    f"        blk += {ld(idx(kind))}",
                    f"    mid += {cast(acc, wide, 'blk')}",
                    "    nb += 1",
                    f"    if nb == {BLOCK}:",
                    "        top += mid",
                    f"        mid = {_const(wide, 0)}",
                    "        nb = 0",
                    "    k += m"]
        init = [f"top = {_const(wide, identity)}", f"mid = {_const(wide, 0)}", "nb = 0"]
        final = {None: "v = a0", "mean": "v = a0 / np.float64(n)", "sqrt": "v = np.sqrt(a0)"}[post]
        return _Kind([wide], init, seg, "top + mid", ["a0 = a0 + b0"], [final])
    if combine in ("add", "mul", "max", "min", "or", "and"):
        start = _lowest(acc, highest=(combine == "min")) if identity is None else _const(acc, identity)

        def seg(kind):
            return ["for j in range(_u(cnt)):"] + ["    " + ln for ln in _step(combine, "top", ld(idx(kind)))]
        final = {None: "v = a0", "sqrt": "v = np.sqrt(a0)"}[post]
        return _Kind([acc], [f"top = {start}"], seg, "top", _step(combine, "a0", "b0"), [final])
    if combine in ("argmax", "argmin"):
        op = ">" if combine == "argmax" else "<"

        def seg(kind):
            return ["for j in range(cnt):",
                    f"    w = {ld(idx(kind, '_u(j)'))}",
                    f"    if w {op} top or (w != w and top == top):",
                    "        top = w",
                    "        bi = i + j"]
        merge = [f"if b0 {op} a0 or (b0 != b0 and a0 == a0):", "    a0 = b0", "    a1 = b1"]
        init = [f"top = {_lowest(acc, highest=(combine == 'argmin'))}", "bi = rlo"]
        return _Kind([acc, "i8"], init, seg, "top, bi", merge, ["v = a0", "v2 = a1"])
    if combine == "moments":
        def seg(kind):
            return ["k = 0",
                    "while k < cnt:",
                    f"    m = min(cnt - k, {BLOCK})",
                    f"    bs = {_const(wide, 0)}",
                    "    for j in range(_u(k), _u(k + m)):",
                    f"        bs += {cast(acc, wide, ld(idx(kind)))}",
                    "    bm = bs / np.float64(m)",
                    "    bq = 0.0",
                    "    if bs - bs == 0:",
                    "        for j in range(_u(k), _u(k + m)):",
                    f"            bq += _sq({cast(acc, wide, ld(idx(kind)))} - bm)",
                    "    else:",
                    "        # inf or NaN in the block: Welford's update, element by element, gives the",
                    "        # mean PyTorch gives (NaN once the same infinity is met twice).",
                    f"        bm = {_const(wide, 0)}",
                    "        c1 = 0.0",
                    "        for j in range(_u(k), _u(k + m)):",
                    f"            y = {cast(acc, wide, ld(idx(kind)))}",
                    "            c1 += 1.0",
                    "            d = y - bm",
                    "            bm = bm + d / c1",
                    "            bq += (d * (y - bm)).real" if wide[0] == "c" else "            bq += d * (y - bm)",
                    "    nn = cn + m",
                    "    d = bm - mu",
                    "    mu = mu + d * (m / nn)",
                    "    m2 = m2 + bq + _sq(d) * (cn * m / nn)",
                    "    cn = nn",
                    "    k += m"]
        merge = ["if b0 > 0:",
                 "    nn = a0 + b0",
                 "    d = b1 - a1",
                 "    a1 = a1 + d * (b0 / nn)",
                 "    a2 = a2 + b2 + _sq(d) * (a0 * b0 / nn)",
                 "    a0 = nn"]
        var = "a2 / max(0.0, n - param)"
        final = [f"v = {var}" if post == "var" else f"v = np.sqrt({var})",
                 f"v2 = a1 if n > 0 else {NP[wide]}(np.nan)"]
        init = ["cn = 0.0", f"mu = {_const(wide, 0)}", "m2 = 0.0"]
        return _Kind(["f8", wide, "f8"], init, seg, "cn, mu, m2", merge, final)
    if combine == "lse":
        def seg_max(kind):
            return ["for j in range(_u(cnt)):"] + ["    " + ln for ln in _step("max", "mx", ld(idx(kind)))]

        def seg_sum(kind):
            return ["for j in range(_u(cnt)):", f"    s += np.exp(np.float64({ld(idx(kind))}) - sh)"]
        merge = ["mm = b0 if (b0 > a0 or b0 != b0) else a0",
                 "shm = _shift(mm)",
                 "tt = 0.0",
                 "if a1 != 0:",
                 "    tt += a1 * np.exp(_shift(a0) - shm)",
                 "if b1 != 0:",
                 "    tt += b1 * np.exp(_shift(b0) - shm)",
                 "a0 = mm",
                 "a1 = tt"]
        passes = [([f"mx = {_lowest(acc)}"], seg_max), (["sh = _shift(mx)", "s = 0.0"], seg_sum)]
        return _Kind([acc, "f8"], None, None, "mx, s", merge, ["v = np.log(a1) + _shift(a0)"], passes)
    raise ValueError(f"unknown combine kind {combine!r}")


def _vcode(combine, acc, wide, post):
    """The dtype code of ``v`` after the final step."""
    if combine == "add" and acc in WIDE:
        return wide
    if combine in ("moments", "lse"):
        return "f8"
    return acc


def source(combine, identity, in_code, compute, out_code, pre=None, post=None, out2_code=None):
    """Python source of one module with ``red``, ``body``, ``body_par``, ``full_par`` and, for
    elementwise kinds, ``cols`` and ``cols_par`` (Note [column reductions]).

    ``in_code`` is the input's dtype code, ``compute`` the code inputs are converted to before
    combining, ``out_code`` the output's (``out2_code`` the second output's). ``identity`` is
    the combine's start value (None for max/min, whose start is the dtype's lowest/highest
    value); ``pre`` and ``post`` are the transforms of kernels/reductions.py.
    """
    load, acc, wide = plan(combine, compute, pre)
    kind = _kind(combine, identity, in_code, load, acc, wide, post)
    nst = len(kind.state)
    names = ", ".join(f"a{k}" for k in range(nst))
    vcode = _vcode(combine, acc, wide, post)
    fast = "fastmath={'reassoc'}, " if combine in ("add", "mul", "moments") and acc[0] in "fc" else ""
    deco = f"@njit(nogil=True, cache=True, {fast}error_model='numpy')"
    # The parallel variants carry the same fastmath flags: without them the loops they run
    # lose vectorisation (measured: 8 ms instead of 0.6 ms for 1e7 float32).
    pdeco = f"@njit(nogil=True, cache=True, parallel=True, {fast}error_model='numpy')"
    store = [f"out[po] = {cast(vcode, out_code, 'v')}"]
    if out2_code is not None:
        store.append(f"out2[po] = {cast('i8' if combine in ('argmax', 'argmin') else wide, out2_code, 'v2')}")
    sq = "d.real * d.real + d.imag * d.imag" if wide[0] == "c" else "d * d"
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
        *_pre_source(pre, load, acc),
        "@njit(inline='always')",
        "def _sq(d):",
        f"    return {sq}",
        "",
        "",
        "@njit(inline='always')",
        "def _shift(m):",
        "    return np.float64(m) if m - m == 0 else 0.0",
        "",
        "",
        deco,
        "def red(meta, x, base, rlo, rhi):",
        "    r1 = meta[3]",
        "    r2 = meta[4]",
        "    x_r0 = _u(meta[11])",
        "    x_r1 = _u(meta[12])",
        "    x_r2 = _u(meta[13])",
    ]
    passes = kind.passes or [(kind.init, kind.segs)]
    for init, segs in passes:
        src += ["    " + ln for ln in init]
        src += ["    " + ln for ln in _walk(segs("unit"), segs("strided"))]
    src += [f"    return {kind.ret}", "", ""]
    src += [
        deco,
        "def body(meta, out, out2, x, param, lo, hi):",
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
        f"        {names} = red(meta, x, x_off + u0 * x_s0 + u1 * x_s1, 0, n)",
        "        po = o_off + u0 * o_s0 + u1 * o_s1",
        *("        " + ln for ln in kind.final + store),
        "",
        "",
        pdeco,
        "def body_par(meta, out, out2, x, param, n_out, nchunks):",
        "    chunk = (n_out + nchunks - 1) // nchunks",
        "    for c in prange(nchunks):",
        "        lo = c * chunk",
        "        hi = min(n_out, lo + chunk)",
        "        if lo < hi:",
        "            body(meta, out, out2, x, param, lo, hi)",
        "",
        "",
        pdeco,
        "def full_par(meta, out, out2, x, param, nchunks):",
        "    # One output element: per-chunk states of the reduced range, merged in order.",
        "    n = meta[2] * meta[3] * meta[4]",
        "    base = _u(meta[8])",
        "    chunk = (n + nchunks - 1) // nchunks",
        *(f"    parts{k} = np.empty(nchunks, {NP[c]})" for k, c in enumerate(kind.state)),
        "    for c in prange(nchunks):",
        "        lo = min(n, c * chunk)",
        "        hi = min(n, lo + chunk)",
        f"        {names} = red(meta, x, base, lo, hi)",
        *(f"        parts{k}[c] = a{k}" for k in range(nst)),
        *(f"    a{k} = parts{k}[0]" for k in range(nst)),
        "    for c in range(1, nchunks):",
        *(f"        b{k} = parts{k}[c]" for k in range(nst)),
        *("        " + ln for ln in kind.merge),
        "    po = _u(meta[5])",
        *("    " + ln for ln in kind.final + store),
        "",
    ]
    if combine in ("add", "mul", "max", "min", "or", "and"):
        src += _cols_source(combine, identity, in_code, load, acc, wide, kind, store, deco, pdeco)
    return "\n".join(src)


def _cols_source(combine, identity, in_code, load, acc, wide, kind, store, deco, pdeco):
    """``cols`` and ``cols_par`` of Note [column reductions]."""
    cascade = combine == "add" and acc in WIDE
    if identity is None:
        start = _lowest(acc, highest=(combine == "min"))
    else:
        start = _const(acc, identity)
    val = f"_pre({cast(in_code, load, 'x[p + j]')})"
    src = [
        "",
        deco,
        "def cols(cm, out, x, lo, hi):",
        "    n = cm[1]",
        "    inner = cm[2]",
        "    W = cm[9]",
        "    x_off = _u(cm[3])",
        "    x_so = _u(cm[4])",
        "    x_sr = _u(cm[5])",
        "    o_off = _u(cm[6])",
        "    o_so = _u(cm[7])",
        "    o_si = _u(cm[8])",
        "    nch = (inner + W - 1) // W",
        f"    acc = np.empty(W, {NP[acc]})",
    ]
    if cascade:
        src.append(f"    wid = np.empty(W, {NP[wide]})")
    src += [
        "    for t in range(lo, hi):",
        "        o = t // nch",
        "        c0 = (t % nch) * W",
        "        wd = _u(min(W, inner - c0))",
        "        xb = x_off + _u(o) * x_so + _u(c0)",
        "        for j in range(wd):",
        f"            acc[j] = {start}",
    ]
    if cascade:
        src += [f"            wid[j] = {_const(wide, 0)}", "        nb = 0"]
    src += [
        "        for r in range(n):",
        "            p = xb + _u(r) * x_sr",
        "            for j in range(wd):",
        *("                " + ln for ln in _vstep(combine, "acc[j]", val)),
    ]
    if cascade:
        src += [
            "            nb += 1",
            f"            if nb == {BLOCK}:",
            "                for j in range(wd):",
            f"                    wid[j] += {cast(acc, wide, 'acc[j]')}",
            f"                    acc[j] = {_const(acc, 0)}",
            "                nb = 0",
        ]
    src += [
        "        ob = o_off + _u(o) * o_so + _u(c0) * o_si",
        "        for j in range(wd):",
        f"            a0 = {'wid[j] + ' + cast(acc, wide, 'acc[j]') if cascade else 'acc[j]'}",
        "            po = ob + j * o_si",
        *("            " + ln for ln in kind.final + store),
        "",
        "",
        pdeco,
        "def cols_par(cm, out, x, ntasks, nchunks):",
        "    chunk = (ntasks + nchunks - 1) // nchunks",
        "    for c in prange(nchunks):",
        "        lo = c * chunk",
        "        hi = min(ntasks, lo + chunk)",
        "        if lo < hi:",
        "            cols(cm, out, x, lo, hi)",
        "",
    ]
    return src
