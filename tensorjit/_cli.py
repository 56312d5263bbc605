"""The ``info``, ``warmup`` and ``cache`` commands of ``python -m tensorjit``."""
from __future__ import annotations

import os
import platform
import shutil
import sys
import time

WARMUP_OPS = ("add", "sub", "mul", "div", "eq", "lt", "neg", "sum", "copy")
WARMUP_DTYPES = ("float32", "float64", "int64")


def info():
    """Versions, threads, BLAS, CUDA, and the kernel cache: what a bug report wants."""
    import numpy as np
    import tensorjit as tj
    from .kernels import registry
    lines = [f"tensorjit {tj.__version__}", f"python {platform.python_version()} ({sys.executable})",
             f"platform {platform.platform()}, {os.cpu_count()} CPUs", f"numpy {np.__version__}"]
    try:
        import numba
        lines.append(f"numba {numba.__version__}, threads {tj.get_num_threads()} "
                     f"(threading layer: {numba.config.THREADING_LAYER})")
    except ImportError:
        lines.append("numba: not installed")
    lines.append("BLAS: " + _blas_name(np))
    lines.append("CUDA: " + _cuda_line())
    n, size = registry.cached_files() if os.path.isdir(registry.cache_root()) else (0, 0)
    lines.append(f"kernel cache: {registry.cache_root()} ({n} files, {size / 1e6:.1f} MB)")
    try:
        import torch
        lines.append(f"torch {torch.__version__} (for comparisons)")
    except ImportError:
        lines.append("torch: not installed (comparisons leave it out)")
    print("\n".join(lines))
    return 0


def _blas_name(np):
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # the layout of NumPy's build info is not a stable API
        return "unknown"


def _cuda_line():
    try:
        import tensorjit.cuda as tc
    except ImportError:
        return "backend not built in this version"
    try:
        if not tc.is_available():
            return "not available (no GPU or driver found)"
        return f"{tc.device_count()} device(s)"
    except Exception as e:  # a broken driver must not break `info`
        return f"not available ({type(e).__name__}: {e})"


def _bar(done, total, label, width=30):
    filled = width * done // max(total, 1)
    sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<28}")
    sys.stdout.flush()


def warmup(dtypes=WARMUP_DTYPES, ops=WARMUP_OPS, parallel=False):
    """Compile (or load from the cache) the kernels of ``ops`` for ``dtypes``, so a first
    notebook cell is fast; ``parallel`` also compiles the multi-threaded variants."""
    import tensorjit as tj
    work = [(d, op) for d in dtypes for op in ops]
    t0 = time.perf_counter()
    sizes = (8, 1 << 18) if parallel else (8,)
    for i, (d, op) in enumerate(work):
        _bar(i, len(work), f"{op} {d}")
        dt = tj._dtypes.as_dtype(d)
        for n in sizes:
            a = tj.ones(n, dtype=dt)
            if op == "sum":
                a.sum()
            elif op == "copy":
                a.t().contiguous() if a.dim() > 1 else a[::2].contiguous()
            elif op in ("neg",) and dt is tj.bool:
                continue
            else:
                getattr(tj, op)(a, a) if op != "neg" else tj.neg(a)
    _bar(len(work), len(work), "done")
    print(f"\nwarmed {len(work)} kernels in {time.perf_counter() - t0:.1f} s")
    return 0


def cache(action):
    """``cache info`` prints where the kernel cache is and its size; ``cache clear`` empties it."""
    from .kernels import registry
    root = registry.cache_root()
    if action == "clear":
        if os.path.isdir(root):
            n, size = registry.cached_files()
            shutil.rmtree(root)
            print(f"removed {root} ({n} files, {size / 1e6:.1f} MB)")
        else:
            print(f"nothing to remove: {root} does not exist")
        return 0
    n, size = registry.cached_files() if os.path.isdir(root) else (0, 0)
    print(f"{root}: {n} files, {size / 1e6:.1f} MB")
    return 0
