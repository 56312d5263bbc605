"""Source generator for fused kernels on CPU (``tensorjit.fuse``).

Note [fused kernels]
    A traced expression (tensorjit/_fuse.py) is a list of nodes, each a pointwise row's
    scalar function over operands and earlier nodes, evaluated per element of the output in
    one pass: each input is read once, the output written once. Every node converts its
    arguments to its compute dtype and its value to its result dtype exactly as the unfused
    kernels load and store (float16 values round to float16 between nodes), and takes the same
    scalar functions (Note [fast scalars] included), so a fused result equals the unfused one
    bit for bit (the tracer's one substitution: Note [fused square] in tensorjit/_fuse_trace.py). Operands use the layout of Note [kernel layout] (kernels/cpu/pointwise.py):
    one ``meta`` tuple, four collapsed dims, uint64 indices; Python scalars come as
    one-element arrays read once. ``body`` / ``body_par`` / ``contig`` keep the signatures of
    the pointwise kernels, so the same planner and launcher (``_dispatch.layout``,
    ``run_pieces``, ``launch``) run them.

    A trailing ``sum`` or ``mean`` reduces the last node's value instead of storing it: the
    front end orders the iteration space as kept dims (row-major) then reduced dims, so output
    ``o`` reduces the linear range ``[o * nred, (o + 1) * nred)`` and is written at ``out[o]``.
    Sums run in blocks of BLOCK elements in the accumulation dtype (vectorised with
    ``reassoc``), each block added into the wide dtype (float64 for float32), as Note [blocked
    sums]; the summation order differs from the unfused reduction's, so reduced results agree
    to rounding, not bit for bit. ``red_par`` splits outputs across threads, or, with fewer
    outputs than threads, each output's range into per-thread partials added in order.
"""
from ..opdefs import FAST_SCALARS
from .pointwise import LOOP_HEAD, LOOP_TAIL, NP, arith, cast, scalar_import
from .reduction import WIDE

BLOCK = 1024


def _value(res, raw):
    """Expression converting a scalar function's ``raw`` result to result dtype ``res`` as a
    store into an array of that dtype would (float16: its bits)."""
    if res == "f2":
        return f"f2h(np.float32({raw}))"
    return f"{NP[res]}({raw})"


def _imports(nodes):
    lines, cache, seen = [], True, {}
    for k, (scalar, comp, _, _) in enumerate(nodes):
        key = (scalar, comp)
        if key in seen:
            lines.append(f"_f{k} = _f{seen[key]}")
            continue
        seen[key] = k
        fast = FAST_SCALARS.get(key)
        if fast:   # Note [fast scalars]
            lines.append(f"from tensorjit.kernels.cpu.vecmath import {fast} as _f{k}")
        else:
            line, c = scalar_import(scalar, f"_py{k}")
            cache = cache and c
            lines += [line, f"_f{k} = njit(inline='always')(_py{k})"]
    return lines, cache


def _unpack(n_operands, scalars):
    lines = ["    n0 = meta[0]", "    n1 = meta[1]", "    n2 = meta[2]", "    n3 = meta[3]"]
    for k, nm in enumerate(["o"] + [f"x{j}" for j in range(n_operands)]):
        if k and (k - 1) in scalars:
            continue
        base = 4 + 5 * k
        lines.append(f"    {nm}_off = _u(meta[{base}])")
        lines += [f"    {nm}_s{d} = _u(meta[{base + 1 + d}])" for d in range(4)]
    lines += [f"    c{j} = x{j}[0]" for j in sorted(scalars)]
    return lines


def _expr_lines(operands, nodes, idx, final):
    """Lines computing every node for the element whose operand ``j`` sits at ``idx(j)``;
    the last node's value is consumed by the line ``final(result code, raw expression)``."""
    lines = []
    for j, (code, scalar) in enumerate(operands):
        if not scalar:
            lines.append(f"a{j} = x{j}[{idx(j)}]")
    for k, (_, comp, res, args) in enumerate(nodes):
        c = arith(comp)
        vals = []
        for kind, i in args:
            if kind == "x":
                src, e = operands[i][0], (f"c{i}" if operands[i][1] else f"a{i}")
            else:
                src, e = nodes[i][2], f"v{i}"
            vals.append(cast(src, c, e))
        raw = f"_f{k}({', '.join(vals)})"
        if k == len(nodes) - 1:
            lines.append(final(res, raw))
        else:
            lines.append(f"v{k} = {_value(res, raw)}")
    return lines


def _pos(j, kind):
    return f"p{j} + k" if kind == "unit" else f"p{j} + k * x{j}_s3"


def pointwise_source(operands, nodes, out):
    """Python source of a fused elementwise module (``body``, ``body_par``, ``contig``).

    ``operands``: (dtype code, is a scalar) per kernel input; ``nodes``: (scalar name, compute
    code, result code, args) with args ``("x", operand)`` or ``("v", earlier node)``; the last
    node is the output, stored as dtype code ``out``.
    """
    n = len(operands)
    scalars = {j for j, (_, s) in enumerate(operands) if s}
    tensors = [j for j in range(n) if j not in scalars]
    imports, cache = _imports(nodes)
    args = ", ".join(f"x{j}" for j in range(n))

    def store(po):
        return lambda res, raw: f"out[{po}] = {cast(arith(res), out, raw)}"

    def loop(kind):
        body = ["for k in range(uc):"]
        po = "po + k" if kind == "unit" else "po + k * o_s3"
        body += ["    " + ln for ln in _expr_lines(operands, nodes, lambda j: _pos(j, kind), store(po))]
        return body

    unit_cond = " and ".join(["o_s3 == _one"] + [f"x{j}_s3 == _one" for j in tensors])
    src = [
        "# Generated by tensorjit.kernels.cpu.userops_fuse: do not edit.",
        "import numpy as np",
        "from numba import njit, prange",
        "from tensorjit.kernels.cpu.half import h2f, f2h",
        *imports,
        "_u = np.uint64",
        "_one = np.uint64(1)",
        "",
        "",
        f"@njit(nogil=True, cache={cache}, error_model='numpy')",
        f"def body(meta, out, {args}, lo, hi):",
        *_unpack(n, scalars),
        *LOOP_HEAD,
        "        uc = _u(cnt)",
        "        u0 = _u(i0)",
        "        u1 = _u(i1)",
        "        u2 = _u(i2)",
        "        u3 = _u(i3)",
    ]
    for nm, pv in [("o", "po")] + [(f"x{j}", f"p{j}") for j in tensors]:
        src.append(f"        {pv} = {nm}_off + u0 * {nm}_s0 + u1 * {nm}_s1 + u2 * {nm}_s2 + u3 * {nm}_s3")
    src.append(f"        if {unit_cond}:")
    src += ["            " + ln for ln in loop("unit")]
    src.append("        else:")
    src += ["            " + ln for ln in loop("strided")]
    src += [
        *LOOP_TAIL,
        "",
        "",
        f"@njit(nogil=True, cache={cache}, parallel=True, error_model='numpy')",
        f"def body_par(meta, out, {args}, n, nchunks):",
        "    chunk = (n + nchunks - 1) // nchunks",
        "    for c in prange(nchunks):",
        "        lo = c * chunk",
        "        hi = min(n, lo + chunk)",
        "        if lo < hi:",
        f"            body(meta, out, {args}, lo, hi)",
        "",
    ]
    return "\n".join(src)


def reduction_source(operands, nodes, acc, out, mean):
    """Python source of a fused elementwise-then-sum module (``red_range``, ``body``, ``body_par``).

    ``acc`` is the sum's compute dtype code, ``out`` the result's; ``mean`` divides by the
    number of reduced elements (Note [fused kernels]).
    """
    n = len(operands)
    scalars = {j for j, (_, s) in enumerate(operands) if s}
    tensors = [j for j in range(n) if j not in scalars]
    imports, cache = _imports(nodes)
    args = ", ".join(f"x{j}" for j in range(n))
    a = arith(acc)
    wide = WIDE.get(a, a)

    def add(res, raw):   # the value rounds to its dtype first, as the unfused sum reads it
        return f"s += {cast(res, a, _value(res, raw))}"

    def loop(kind):
        body = ["k0 = _u(0)", "while k0 < uc:", "    k1 = min(uc, k0 + _block)", f"    s = {NP[a]}(0)",
                "    for k in range(k0, k1):"]
        body += ["        " + ln for ln in _expr_lines(operands, nodes, lambda j: _pos(j, kind), add)]
        body += [f"    top += {cast(a, wide, 's')}", "    k0 = k1"]
        return body

    unit_cond = " and ".join(f"x{j}_s3 == _one" for j in tensors) or "True"
    finish = "top / np.float64(nred)" if mean else "top"
    src = [
        "# Generated by tensorjit.kernels.cpu.userops_fuse: do not edit.",
        "import numpy as np",
        "from numba import njit, prange",
        "from tensorjit.kernels.cpu.half import h2f, f2h",
        *imports,
        "_u = np.uint64",
        "_one = np.uint64(1)",
        f"_block = np.uint64({BLOCK})",
        "",
        "",
        f"@njit(nogil=True, cache={cache}, error_model='numpy', fastmath={{'reassoc'}})",
        f"def red_range(meta, {args}, lo, hi):",
        *_unpack(n, scalars),
        f"    top = {NP[wide]}(0)",
        *LOOP_HEAD,
        "        uc = _u(cnt)",
        "        u0 = _u(i0)",
        "        u1 = _u(i1)",
        "        u2 = _u(i2)",
        "        u3 = _u(i3)",
    ]
    for j in tensors:
        src.append(f"        p{j} = x{j}_off + u0 * x{j}_s0 + u1 * x{j}_s1 + u2 * x{j}_s2 + u3 * x{j}_s3")
    src.append(f"        if {unit_cond}:")
    src += ["            " + ln for ln in loop("unit")]
    src.append("        else:")
    src += ["            " + ln for ln in loop("strided")]
    src += [
        *LOOP_TAIL,
        "    return top",
        "",
        "",
        f"@njit(nogil=True, cache={cache}, error_model='numpy')",
        f"def body(meta, out, {args}, olo, ohi, nred):",
        "    for o in range(olo, ohi):",
        f"        top = red_range(meta, {args}, o * nred, o * nred + nred)",
        f"        out[o] = {cast(wide, out, finish)}",
        "",
        "",
        f"@njit(nogil=True, cache={cache}, parallel=True, error_model='numpy')",
        f"def body_par(meta, out, {args}, nout, nred, nchunks):",
        "    if nout >= nchunks:",
        "        chunk = (nout + nchunks - 1) // nchunks",
        "        for c in prange(nchunks):",
        "            lo = c * chunk",
        "            hi = min(nout, lo + chunk)",
        "            if lo < hi:",
        f"                body(meta, out, {args}, lo, hi, nred)",
        "    else:",
        "        chunk = (nred + nchunks - 1) // nchunks",
        f"        parts = np.empty(nchunks, {NP[wide]})",
        "        for o in range(nout):",
        "            for c in prange(nchunks):",
        "                lo = min(nred, c * chunk)",
        "                hi = min(nred, lo + chunk)",
        f"                parts[c] = red_range(meta, {args}, o * nred + lo, o * nred + hi)",
        f"            top = {NP[wide]}(0)",
        "            for c in range(nchunks):",
        "                top += parts[c]",
        f"            out[o] = {cast(wide, out, finish)}",
        "",
    ]
    return "\n".join(src)
