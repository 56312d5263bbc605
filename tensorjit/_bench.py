"""Side-by-side timings of tensorjit, NumPy and PyTorch (when installed) on elementwise work.

Shared by ``benchmarks/report.py``, ``python -m tensorjit bench``, the tour
(``python -m tensorjit``) and ``benchmarks/test_bench_elementwise.py``.

Note [bench method]
    Each case builds its inputs once per library (each library gets its own copy of the same
    random data), calls the expression to warm the JIT (once, then more for ``warmup``
    seconds: see ``warm``), then times it timeit-style:
    the loop count doubles until one repeat takes ``min_time``, and the median per-call time
    over ``repeat`` repeats is reported, with the garbage collector off while timing. Outputs
    are allocated by every call, as ``a + b`` does. Compile cost is measured apart, in fresh
    subprocesses (``compile_times``), since a process compiles each kernel only once.
"""
from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

LIBS = ("tensorjit", "numpy", "torch")


@dataclass(frozen=True)
class Case:
    """One timed expression. ``shapes`` are the float32 inputs; ``expr`` names the expression."""
    name: str
    expr: str
    shapes: tuple

    def inputs(self, lib, mod=None, seed=0):
        """Fresh float32 inputs for library ``lib`` (``mod``: its module, imported if None)."""
        rng = np.random.default_rng(seed)
        arrays = [rng.random(s, dtype=np.float32) for s in self.shapes]
        if lib == "numpy":
            return arrays
        if mod is None:
            mod = load(lib)
        return [mod.from_numpy(a) for a in arrays]

    def function(self, lib, mod=None):
        """A zero-argument callable evaluating the expression on fresh inputs for ``lib``."""
        xs = self.inputs(lib, mod)
        if self.expr == "a + b":
            a, b = xs
            return lambda: a + b
        if self.expr == "A + B.T":
            A, B = xs
            return lambda: A + B.T
        if self.expr == "M + row":
            M, row = xs
            return lambda: M + row
        raise ValueError(f"unknown expression {self.expr!r}")


CASES = (
    Case("add 1e2", "a + b", ((100,), (100,))),
    Case("add 1e4", "a + b", ((10_000,), (10_000,))),
    Case("add 1e6", "a + b", ((1_000_000,), (1_000_000,))),
    Case("add 1e7", "a + b", ((10_000_000,), (10_000_000,))),
    Case("A + B.T 1000x1000", "A + B.T", ((1000, 1000), (1000, 1000))),
    Case("M + row 1000x1000", "M + row", ((1000, 1000), (1000,))),
    Case("add 2x2 (per op)", "a + b", ((2, 2), (2, 2))),
)
CASE_BY_NAME = {c.name: c for c in CASES}


def load(lib):
    """The module for ``lib``, or None when it is not installed."""
    if lib == "tensorjit":
        import tensorjit
        return tensorjit
    if lib == "numpy":
        return np
    if lib == "torch":
        try:
            import torch
        except ImportError:
            return None
        return torch
    raise ValueError(f"unknown library {lib!r}")


def warm(fn, seconds=0.25, settle=2.0):
    """Call ``fn`` once (compiling it on first use), then again until ``seconds`` have passed
    and the latest call is within 1.5x of the fastest so far (giving up after ``settle`` s).

    The first few calls of a large parallel op in a fresh process can be several times slower
    than the rest (measured: 45-80 ms instead of 6 ms for a 1e7 add, while the first output
    pages are faulted in from several threads); warming until the time settles keeps that
    transient out of the steady-state medians.
    """
    timer = time.perf_counter
    t0 = timer()
    fn()
    best = last = float("inf")
    while True:
        now = timer()
        if now - t0 >= settle or (now - t0 >= seconds and last <= 1.5 * best):
            break
        fn()
        last = timer() - now
        best = min(best, last)


def time_per_call(fn, repeat=7, min_time=0.02, warmup=0.25, max_number=1 << 20):
    """Median seconds per call of ``fn`` over ``repeat`` repeats (Note [bench method])."""
    warm(fn, warmup)
    timer = time.perf_counter
    number = 1
    enabled = gc.isenabled()
    gc.disable()
    try:
        while True:
            t0 = timer()
            for _ in range(number):
                fn()
            dt = timer() - t0
            if dt >= min_time or number >= max_number:
                break
            number *= 2
        times = [dt / number]
        for _ in range(repeat - 1):
            t0 = timer()
            for _ in range(number):
                fn()
            times.append((timer() - t0) / number)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(times)


def compare(cases=CASES, libs=LIBS, repeat=7, min_time=0.02, warmup=0.25, log=None):
    """Time every case in every installed library: a list of {"case", lib: seconds or None}."""
    mods = {lib: load(lib) for lib in libs}
    rows = []
    for case in cases:
        if isinstance(case, str):
            case = CASE_BY_NAME[case]
        row = {"case": case.name}
        for lib in libs:
            mod = mods[lib]
            if mod is None:
                row[lib] = None
                continue
            fn = case.function(lib, mod)
            row[lib] = time_per_call(fn, repeat=repeat, min_time=min_time, warmup=warmup)
            del fn
        rows.append(row)
        gc.collect()
        if log is not None:
            log(format_row(row))
    return rows


# -- compile cost ---------------------------------------------------------------------
_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import tensorjit as tj
from tensorjit.kernels import registry
out = {"import_s": time.perf_counter() - t0, "cache_root": registry.cache_root()}
for name in sys.argv[1:]:
    npdt = getattr(np, name)
    a = tj.from_numpy(np.ones(1000, npdt))  # zero-copy: no kernel runs before the timed add
    b = tj.from_numpy(np.ones(1000, npdt))
    t = time.perf_counter(); a + b; first = time.perf_counter() - t
    t = time.perf_counter(); a + b; second = time.perf_counter() - t
    out[name] = {"first_s": first, "second_s": second}
out["cached_files"], out["cached_bytes"] = registry.cached_files()
print(json.dumps(out))
"""


def _child(cache_dir, dtypes):
    env = dict(os.environ, TENSORJIT_CACHE_DIR=cache_dir)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _CHILD, *dtypes], env=env, capture_output=True,
                         text=True, timeout=600)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"compile-time subprocess failed ({res.returncode}):\n{res.stderr[-4000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    return out


def compile_times(dtypes=("float32", "float64"), cache_dir=None):
    """First and second ``a + b`` (1000 elements) per dtype in two fresh processes sharing one
    initially empty TENSORJIT_CACHE_DIR: ``{"cold": ..., "warm": ...}``.

    The first dtype's first call also pays Numba's one-time start-up in the process; later
    dtypes show the cost of one more kernel. ``cold`` compiles and writes the disk cache,
    ``warm`` loads from it.
    """
    if cache_dir is not None:
        return {"cold": _child(cache_dir, dtypes), "warm": _child(cache_dir, dtypes)}
    with tempfile.TemporaryDirectory(prefix="tensorjit-bench-cache-") as d:
        return {"cold": _child(d, dtypes), "warm": _child(d, dtypes)}


# -- machine load ---------------------------------------------------------------------
_STEAL = r"""
import os, sys, time
cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [None]
res = []
for cpu in cpus:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    timer = time.perf_counter
    start = last = timer()
    end = start + float(sys.argv[1])
    lost = 0.0
    while last < end:
        t = timer()
        if t - last > 2e-4:
            lost += t - last
        last = t
    res.append(lost / (last - start))
print(" ".join(f"{x:.4f}" for x in res))
"""


def cpu_lost(seconds=0.25):
    """Per CPU, the fraction of a ``seconds`` busy loop (pinned to it, in a subprocess) during
    which the loop did not run: other processes or, in a VM, the host took the CPU. Parallel
    timings are unreliable when this is more than a few percent. None where it can't be measured.
    """
    try:
        res = subprocess.run([sys.executable, "-c", _STEAL, str(seconds)], capture_output=True,
                             text=True, timeout=60)
        return [float(x) for x in res.stdout.split()] if res.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def format_cpu_lost(lost):
    if not lost:
        return "CPU availability: not measured"
    worst = max(lost)
    verdict = "quiet" if worst < 0.05 else "busy: parallel timings (1e6 and up) may stall; rerun when quiet"
    return ("CPU time taken by other work during a busy loop, per CPU: "
            + ", ".join(f"{x:.0%}" for x in lost) + f" ({verdict})")


# -- formatting ------------------------------------------------------------------------
def fmt_time(s):
    """Seconds as ns/us/ms/s with three significant digits; "-" for None."""
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _ratio(num, den):
    return "-" if num is None or den is None or den <= 0 else f"{num / den:.2f}"


_HEADER = ("case", "tensorjit", "NumPy", "PyTorch", "NumPy/tj", "PyTorch/tj")
_WIDTHS = (20, 11, 11, 11, 9, 10)


def _line(cells):
    return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                     for i, (c, w) in enumerate(zip(cells, _WIDTHS)))


def format_row(row):
    tj, npy, pt = row.get("tensorjit"), row.get("numpy"), row.get("torch")
    return _line((row["case"], fmt_time(tj), fmt_time(npy), fmt_time(pt), _ratio(npy, tj), _ratio(pt, tj)))


def format_table(rows):
    head = _line(_HEADER)
    return "\n".join([head, "-" * len(head)] + [format_row(r) for r in rows])


def format_compile(ct):
    lines = []
    for label in ("cold", "warm"):
        r = ct[label]
        parts = [f"import {fmt_time(r['import_s'])}"]
        for k, v in r.items():
            if isinstance(v, dict):
                parts.append(f"first {k} a + b {fmt_time(v['first_s'])} (then {fmt_time(v['second_s'])})")
        what = "empty cache, compiles" if label == "cold" else "same cache, loads from disk"
        lines.append(f"  {label} ({what}): " + ", ".join(parts) + f"; whole process {fmt_time(r['process_s'])}")
    lines.append(f"  cache after the cold run: {ct['cold']['cached_files']} files, "
                 f"{ct['cold']['cached_bytes'] / 1e6:.2f} MB")
    return "\n".join(lines)


def environment():
    """One line naming the machine, versions and thread counts."""
    import numba
    import tensorjit
    parts = [f"{platform.machine()} {os.cpu_count()} CPUs", f"Python {platform.python_version()}",
             f"numpy {np.__version__}", f"numba {numba.__version__}", f"tensorjit {tensorjit.__version__} "
             f"({tensorjit.get_num_threads()} threads)"]
    torch = load("torch")
    parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch is not None
                 else "torch not installed")
    return ", ".join(parts)


def main(argv=None, prog="benchmarks/report.py"):
    """The full comparison table plus compile times (``python benchmarks/report.py``)."""
    import argparse
    p = argparse.ArgumentParser(prog=prog, description="Time tensorjit against NumPy and PyTorch "
                                "(medians per call, JIT warmed first) and measure kernel compile cost.")
    p.add_argument("--repeat", type=int, default=7, help="timed repeats per case and library (default 7)")
    p.add_argument("--min-time", type=float, default=0.02,
                   help="seconds one repeat runs at least; loops are added until it does (default 0.02)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when installed")
    p.add_argument("--no-compile", action="store_true", help="skip the compile-time subprocesses")
    p.add_argument("--case", action="append", choices=list(CASE_BY_NAME), metavar="NAME",
                   help="run only this case (repeatable); one of: " + "; ".join(CASE_BY_NAME))
    args = p.parse_args(argv)
    libs = tuple(lib for lib in LIBS if not (args.no_torch and lib == "torch"))
    t0 = time.perf_counter()
    print(environment())
    print(f"median time per call over {args.repeat} repeats of >= {args.min_time * 1e3:g} ms each; "
          "float32; output allocated by each call; ratio > 1: tensorjit is faster")
    print("before: " + format_cpu_lost(cpu_lost()))
    print()
    print(_line(_HEADER))
    print("-" * len(_line(_HEADER)))
    cases = [CASE_BY_NAME[n] for n in args.case] if args.case else CASES
    compare(cases, libs, repeat=args.repeat, min_time=args.min_time, log=print)
    if not args.no_compile:
        print()
        print("compile cost: a + b on 1000 elements in two fresh processes sharing one empty TENSORJIT_CACHE_DIR")
        print(format_compile(compile_times()))
    print()
    print("after: " + format_cpu_lost(cpu_lost()))
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0
