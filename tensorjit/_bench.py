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

Note [bench isolation]
    Measured on a 2-vCPU VM: in about half of fresh processes the OpenMP worker thread sat
    on the main thread's CPU, and every parallel region (tensorjit's and PyTorch's alike,
    PyTorch alone too) then waited for a scheduler tick: ~8 ms for a 1e6 add instead of
    ~80 us. PyTorch also brings its own libgomp, so in one process two OpenMP runtimes
    contend; binding threads (``OMP_PROC_BIND=true``) removed the stall for one runtime (in
    every run tried) but made a process alternating tensorjit and PyTorch ops ~4x slower.
    So the report measures each library in its own fresh process with ``OMP_PROC_BIND=true``
    (unless OMP_PROC_BIND is set already, or ``--no-bind``), checks its parallel path
    (``parallel_stall``: ~30-80 us healthy, ~8 ms stalled) before and after, and runs a
    stalled library once more. The pytest benchmarks run in one process, libraries one
    after another; benchmarks/conftest.py sets the same default.
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

import numpy as np

LIBS = ("tensorjit", "numpy", "torch")


from ._bench_cases import Case, CASES, OP_CASES, CASE_BY_NAME  # noqa: E402,F401  (Case: re-exported)


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


def measure(lib, cases=CASES, repeat=7, min_time=0.02, warmup=0.25):
    """Time ``cases`` for ``lib`` in this process: ``{"times": {case: s}, "stall_before",
    "stall_after"}`` (the parallel check around the run; None for NumPy)."""
    mod = load(lib)
    if mod is None:
        return None
    out = {"stall_before": parallel_stall(lib), "times": {}}
    for case in cases:
        case = CASE_BY_NAME[case] if isinstance(case, str) else case
        fn = case.function(lib, mod)
        out["times"][case.name] = time_per_call(fn, repeat=repeat, min_time=min_time, warmup=warmup)
        del fn
        gc.collect()
    out["stall_after"] = parallel_stall(lib)
    return out


_MEASURE = r"""
import json, sys
from tensorjit import _bench
a = json.loads(sys.argv[1])
print(json.dumps(_bench.measure(a["lib"], a["cases"], a["repeat"], a["min_time"], a["warmup"])))
"""


def _stalled(res):
    return res is not None and max(res["stall_before"] or 0, res["stall_after"] or 0) > STALL_S


def child_env(bind=True):
    """The environment of the measuring processes: ours, plus ``OMP_PROC_BIND=true`` when
    ``bind`` and OMP_PROC_BIND is not set already (Note [bench isolation])."""
    env = dict(os.environ)
    if bind:
        env.setdefault("OMP_PROC_BIND", "true")
    return env


def measure_isolated(lib, cases=CASES, repeat=7, min_time=0.02, warmup=0.25, retries=1, bind=True):
    """``measure`` in a fresh process (``child_env(bind)``), run again (up to ``retries``
    times) while its parallel check shows stalled OpenMP threads; the result gains "attempts"
    and "stalled"."""
    names = [c if isinstance(c, str) else c.name for c in cases]
    arg = json.dumps({"lib": lib, "cases": names, "repeat": repeat, "min_time": min_time, "warmup": warmup})
    env = child_env(bind)
    best = None
    for attempt in range(1, retries + 2):
        res = subprocess.run([sys.executable, "-c", _MEASURE, arg], capture_output=True, text=True,
                             timeout=900, env=env)
        if res.returncode != 0:
            raise RuntimeError(f"{lib} benchmark subprocess failed ({res.returncode}):\n{res.stderr[-4000:]}")
        out = json.loads(res.stdout.strip().splitlines()[-1])
        if out is None:
            return None
        out["attempts"] = attempt
        if best is None or not _stalled(out):
            best = out
        if not _stalled(out):
            break
    best["stalled"] = _stalled(best)
    return best


def compare(cases=CASES, libs=LIBS, repeat=7, min_time=0.02, warmup=0.25, isolated=True, bind=True, log=None):
    """Time every case in every installed library: rows ``{"case", lib: seconds or None}``.

    With ``isolated`` each library runs in its own fresh process, with OpenMP threads bound
    when ``bind`` (Note [bench isolation]). ``log`` gets one line per library.
    """
    cases = [CASE_BY_NAME[c] if isinstance(c, str) else c for c in cases]
    per_lib = {}
    for lib in libs:
        if isolated:
            r = measure_isolated(lib, cases, repeat, min_time, warmup, bind=bind)
        else:
            r = measure(lib, cases, repeat, min_time, warmup)
        per_lib[lib] = r
        if log is not None:
            log(format_measured(lib, r))
    return [dict(case=c.name, **{lib: (per_lib[lib]["times"][c.name] if per_lib[lib] else None)
                                 for lib in libs}) for c in cases]


def format_measured(lib, r):
    if r is None:
        return f"{lib}: not installed"
    line = f"{lib}: measured"
    if "attempts" in r:
        line += f" in a fresh process (attempt {r['attempts']})"
    if r["stall_before"] is not None:
        line += (f"; parallel check {fmt_time(r['stall_before'])} before, {fmt_time(r['stall_after'])} after")
        if _stalled(r):
            line += (" -- STALLED: the OpenMP threads shared one CPU, so its parallel timings (1e6 and up) "
                     "read ~8 ms; run the report again")
    return line


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
try:
    os.sched_setaffinity(0, {int(sys.argv[2])})
except (AttributeError, OSError):
    pass
timer = time.perf_counter
start = last = timer()
end = start + float(sys.argv[1])
lost = 0.0
while last < end:
    t = timer()
    if t - last > 2e-4:
        lost += t - last
    last = t
print(f"{lost / (last - start):.4f}")
"""


def cpu_lost(seconds=0.3):
    """Per CPU, the fraction of a ``seconds`` busy loop during which the loop did not run, with
    one loop pinned to each CPU, all at once (as a parallel kernel runs): other processes or,
    in a VM, the host took the CPU. On this project's 2-vCPU VMs each CPU alone lost ~0% while
    both at once lost ~35%: parallel timings are then unreliable. None where not measurable.
    """
    # All CPUs, not this process's affinity: bound OpenMP threads may have pinned our main thread.
    cpus = range(os.cpu_count() or 1)
    try:
        procs = [subprocess.Popen([sys.executable, "-c", _STEAL, str(seconds), str(c)], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True) for c in cpus]
        out = [p.communicate(timeout=60)[0] for p in procs]
        return [float(x) for x in out]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def parallel_stall(lib="tensorjit", n=1 << 18, calls=20):
    """Median seconds of ``lib``'s parallel ``a + b`` on ``n`` float32 elements (steady state);
    None for NumPy (single-threaded). See Note [bench isolation]."""
    mod = load(lib)
    if lib == "numpy" or mod is None:
        return None
    a = mod.from_numpy(np.ones(n, np.float32))
    b = mod.from_numpy(np.ones(n, np.float32))
    for _ in range(calls):
        a + b
    ts = []
    for _ in range(calls):
        t0 = time.perf_counter()
        a + b
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


STALL_S = 2e-3


def format_parallel_stall(s, lib="tensorjit"):
    line = f"parallel check: {lib} a + b on 2**18 float32 takes {fmt_time(s)}"
    if s > STALL_S:
        line += (" -- STALLED: the OpenMP threads share one CPU in this process, so parallel timings "
                 "(1e6 and up, tensorjit and PyTorch alike) read ~8 ms; run it again")
    return line


def format_cpu_lost(lost):
    if not lost:
        return "CPU availability: not measured"
    worst = max(lost)
    verdict = "quiet" if worst < 0.05 else \
        "busy: timings of parallel ops (1e6 elements and up) are unreliable; rerun when quiet"
    return ("CPU time lost to other work while every CPU runs a busy loop at once: "
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
_WIDTHS = (36, 11, 11, 11, 9, 10)


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
    omp = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(("OMP_", "GOMP_"))]
    parts.extend(omp)
    torch = load("torch")
    parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch is not None
                 else "torch not installed")
    return ", ".join(parts)


def plot(rows, path):
    """A horizontal bar chart of NumPy/tensorjit and PyTorch/tensorjit time ratios per case."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install matplotlib") from None
    names = [r["case"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.5))
    h = 0.38
    for k, (lib, label) in enumerate((("numpy", "NumPy time / tensorjit time"),
                                      ("torch", "PyTorch time / tensorjit time"))):
        vals = [(r[lib] / r["tensorjit"]) if r.get(lib) and r.get("tensorjit") else 0 for r in rows]
        ax.barh([i + (k - 0.5) * h for i in range(len(rows))], vals, height=h, label=label)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("speed ratio (> 1: tensorjit is faster)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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
    p.add_argument("--same-process", action="store_true",
                   help="measure all libraries in this process instead of one fresh process each")
    p.add_argument("--no-bind", action="store_true",
                   help="don't set OMP_PROC_BIND=true for the measuring processes (it keeps OpenMP "
                        "threads from stacking on one CPU; see Note [bench isolation] in tensorjit/_bench.py)")
    p.add_argument("--plot", metavar="PNG", help="also write a bar chart of the speed ratios to this PNG file "
                                                 "(needs matplotlib)")
    p.add_argument("--ops", action="store_true",
                   help="also time the op library (exp, sum, sort, cumsum, gather, cat, ...: OP_CASES)")
    p.add_argument("--case", action="append", choices=list(CASE_BY_NAME), metavar="NAME",
                   help="run only this case (repeatable); one of: " + "; ".join(CASE_BY_NAME))
    args = p.parse_args(argv)
    libs = tuple(lib for lib in LIBS if not (args.no_torch and lib == "torch"))
    t0 = time.perf_counter()
    print(environment())
    print(f"median time per call over {args.repeat} repeats of >= {args.min_time * 1e3:g} ms each; "
          "float32 data; output allocated by each call; ratio > 1: tensorjit is faster")
    print("before: " + format_cpu_lost(cpu_lost()))
    cases = [CASE_BY_NAME[n] for n in args.case] if args.case else CASES + (OP_CASES if args.ops else ())
    if not args.same_process:
        bind = child_env(not args.no_bind).get("OMP_PROC_BIND")
        print("each library runs in its own fresh process" + (f" with OMP_PROC_BIND={bind}" if bind else ""))
    rows = compare(cases, libs, repeat=args.repeat, min_time=args.min_time, isolated=not args.same_process,
                   bind=not args.no_bind, log=print)
    print()
    print(format_table(rows))
    if args.plot:
        plot(rows, args.plot)
        print(f"chart written to {args.plot}")
    if not args.no_compile:
        print()
        print("compile cost: a + b on 1000 elements in two fresh processes sharing one empty TENSORJIT_CACHE_DIR")
        print(format_compile(compile_times()))
    print()
    print("after: " + format_cpu_lost(cpu_lost()))
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0
