"""Source generator for elementwise kernels on CPU.

Note [kernel layout]
    Every elementwise kernel walks a linear range ``[lo, hi)`` of a 4-d iteration space.
    The front end collapses dims first (``tensorjit._shape.collapse``) and pads to 4 at the
    front; ``meta`` is one tuple ``(n0, n1, n2, n3, off_out, s0..s3 of out, off_x0, s0..s3 of
    x0, ...)`` in elements. One kernel per (op, dtypes) serves every layout: the innermost
    loop takes a unit-stride path (which vectorises), a path per operand that is a
    broadcast scalar, or the general strided path. Index arithmetic is in uint64 so Numba
    adds no wraparound checks (negative strides still work modulo 2**64). The parallel
    variant splits the range into chunks under ``prange`` and is compiled only when a large
    input asks for it. ``contig`` serves the fast path of dense, same-shape operands
    (Note [binary fast path] in tensorjit/ops/pointwise.py) with the fewest arguments.
"""
from ..opdefs import FAST_SCALARS

NP = {"b1": "np.bool_", "u1": "np.uint8", "i1": "np.int8", "i2": "np.int16", "i4": "np.int32",
      "i8": "np.int64", "u2": "np.uint16", "u4": "np.uint32", "u8": "np.uint64",
      "f4": "np.float32", "f8": "np.float64", "c8": "np.complex64", "c16": "np.complex128"}


def arith(code):
    """The dtype code arithmetic happens in: float16 computes in float32."""
    return "f4" if code == "f2" else code


def cast(src, dst, e):
    """A source expression converting expression ``e`` of dtype ``src`` to ``dst`` (codes)."""
    if src == dst:
        return e
    if src == "f2":
        return cast("f4", dst, f"h2f({e})")
    if dst == "f2":
        return f"f2h({cast(src, 'f4', e)})"
    if dst == "b1":
        return f"({e} != 0)"
    if src[0] == "c" and dst[0] != "c":
        e, src = f"({e}).real", ("f8" if src == "c16" else "f4")
        if src == dst:
            return e
    if src == "b1" and dst[0] == "c":
        e = f"np.float32({e})"
    return f"{NP[dst]}({e})"


# The walk over a linear range [lo, hi) of the padded 4-d space (Note [kernel layout]): the
# head splits lo into (i0, i1, i2, i3) and opens a loop over innermost rows of ``cnt``
# elements; the tail steps to the next row. Shared by the other 4-d generators (index.py).
LOOP_HEAD = [
    "    i3 = lo % n3",
    "    t = lo // n3",
    "    i2 = t % n2",
    "    t = t // n2",
    "    i1 = t % n1",
    "    i0 = t // n1",
    "    i = lo",
    "    while i < hi:",
    "        cnt = min(n3 - i3, hi - i)",
]
LOOP_TAIL = [
    "        i += cnt",
    "        i3 = 0",
    "        i2 += 1",
    "        if i2 == n2:",
    "            i2 = 0",
    "            i1 += 1",
    "            if i1 == n1:",
    "                i1 = 0",
    "                i0 += 1",
]


def scalar_import(scalar_name, alias="_py"):
    """(import line binding ``alias`` to scalar function ``scalar_name``, whether kernels over
    it may keep compiled code on disk). ``scalar_name`` names a function of kernels/scalar.py,
    or is ``"module:attr"`` for one registered elsewhere (user ops, Note [user ops] in
    tensorjit/_userops.py); that module's ``DISK_CACHE`` names the functions defined in real
    files (a notebook's have no file to key a disk cache on, so they compile once per process)."""
    mod, _, attr = scalar_name.rpartition(":")
    if not mod:
        return f"from tensorjit.kernels.scalar import {attr} as {alias}", True
    import importlib
    return f"from {mod} import {attr} as {alias}", attr in importlib.import_module(mod).DISK_CACHE


def _unpack(n_operands):
    lines = ["    n0 = meta[0]", "    n1 = meta[1]", "    n2 = meta[2]", "    n3 = meta[3]"]
    names = ["o"] + [f"x{j}" for j in range(n_operands - 1)]
    for k, nm in enumerate(names):
        base = 4 + 5 * k
        lines.append(f"    {nm}_off = _u(meta[{base}])")
        for d in range(4):
            lines.append(f"    {nm}_s{d} = _u(meta[{base + 1 + d}])")
    return names, lines


def source(scalar_name, in_codes, compute, result, out):
    """Python source of one module holding ``body`` (serial) and ``body_par`` (parallel).

    ``in_codes`` are the inputs' dtype codes, ``compute`` the code they are converted to,
    ``result`` the code the scalar function returns (in arithmetic terms), ``out`` the output's.
    """
    arity = len(in_codes)
    comp, res = arith(compute), arith(result)
    fast = FAST_SCALARS.get((scalar_name, compute))
    cache = True
    if fast:   # Note [fast scalars]: already an inlined njit function
        imports = [f"from tensorjit.kernels.cpu.vecmath import {fast} as _f"]
    else:
        line, cache = scalar_import(scalar_name)
        imports = [line, "", "_f = njit(inline='always')(_py)"]
    names, lines = _unpack(arity + 1)
    args = ", ".join(f"x{j}" for j in range(arity))

    def load(j, idx):
        return cast(in_codes[j], comp, f"x{j}[{idx}]")

    def store(vals):
        return f"out[{{po}}] = {cast(res, out, f'_f({vals})')}"

    def loop(kinds):
        # kinds[j]: "unit", "bcast" (hoisted scalar) or "strided" for input j.
        body = []
        vals = []
        for j, kind in enumerate(kinds):
            if kind == "bcast":
                body.append(f"v{j} = {load(j, f'p{j}')}")
                vals.append(f"v{j}")
            else:
                idx = f"p{j} + k" if kind == "unit" else f"p{j} + k * x{j}_s3"
                vals.append(load(j, idx))
        po = "po + k" if all(k != "strided" for k in kinds) else "po + k * o_s3"
        body.append("for k in range(uc):")
        body.append("    " + store(", ".join(vals)).format(po=po))
        return body

    variants = [("o_s3 == _one and " + " and ".join(f"x{j}_s3 == _one" for j in range(arity)),
                 loop(["unit"] * arity))]
    if arity >= 2:
        for j in range(arity):
            cond = " and ".join(["o_s3 == _one"] + [f"x{i}_s3 == {'_zero' if i == j else '_one'}"
                                                     for i in range(arity)])
            variants.append((cond, loop(["bcast" if i == j else "unit" for i in range(arity)])))
    variants.append((None, loop(["strided"] * arity)))

    src = [
        "# Generated by tensorjit.kernels.cpu.pointwise: do not edit.",
        "import numpy as np",
        "from numba import njit, prange",
        "from tensorjit.kernels.cpu.half import h2f, f2h",
        *imports,
        "_u = np.uint64",
        "_one = np.uint64(1)",
        "_zero = np.uint64(0)",
        "",
        "",
        f"@njit(nogil=True, cache={cache}, error_model='numpy')",
        f"def body(meta, out, {args}, lo, hi):",
        *lines,
        *LOOP_HEAD,
        "        uc = _u(cnt)",
        "        u0 = _u(i0)",
        "        u1 = _u(i1)",
        "        u2 = _u(i2)",
        "        u3 = _u(i3)",
    ]
    for nm, pv in zip(names, ["po"] + [f"p{j}" for j in range(arity)]):
        src.append(f"        {pv} = {nm}_off + u0 * {nm}_s0 + u1 * {nm}_s1 + u2 * {nm}_s2 + u3 * {nm}_s3")
    for n, (cond, body) in enumerate(variants):
        head = "if" if n == 0 else "elif"
        src.append(f"        {head} {cond}:" if cond else "        else:")
        src.extend("            " + ln for ln in body)
    src += [
        *LOOP_TAIL,
        "",
        "",
        f"@njit(nogil=True, cache={cache}, error_model='numpy')",
        f"def contig(out, {args}, {', '.join(f'o{j}' for j in range(arity))}, n):",
        *(f"    q{j} = _u(o{j})" for j in range(arity)),
        "    for k in range(_u(n)):",
        "        " + store(", ".join(load(j, f"q{j} + k") for j in range(arity))).format(po="k"),
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
