"""Products and random sampling: tensorjit, NumPy and PyTorch side by side.

    python -m pytest benchmarks/test_bench_blas_random.py

Cases: matmul float32/float64 at 256, 1024, 2048 (GFLOP/s in extra_info; goal: no loss over the
BLAS NumPy calls), int32 matmul 1024 (NumPy's integer matmul has no BLAS), einsum
``bij,bjk->bik``, randn of 1e7 float32 (NumPy: ``Generator.standard_normal``), and a matmul
followed by a parallel elementwise add (the two thread pools of Note [blas threads] in
tensorjit/ops/blas_threads.py). Each case's group holds the three libraries; the first call of
each (compiling tensorjit's kernels) is timed apart into extra_info, and the JIT is warmed
outside the timed body. No test asserts on a timing: these are measurements, not checks.
"""
import time

import numpy as np
import pytest

from tensorjit import _bench

# case -> (rounds, iterations per round)
PLAN = {
    "matmul f32 256": (30, 20), "matmul f32 1024": (15, 2), "matmul f32 2048": (6, 1),
    "matmul f64 256": (30, 20), "matmul f64 1024": (12, 1), "matmul f64 2048": (5, 1),
    "matmul i32 1024": (3, 1),
    "einsum bij,bjk->bik 64x128x128": (20, 5),
    "randn 1e7 f32": (12, 1),
    "matmul 256 then add 1e6 (alternation)": (30, 10),
}


def _arrays(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "i":
        return [rng.integers(-100, 100, s).astype(dtype) for s in shapes]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _convert(name, mod, arrays):
    if name == "numpy":
        return arrays
    if name == "torch":
        return [mod.from_numpy(a.copy()) for a in arrays]
    return [mod.from_numpy(a.copy()) for a in arrays]


def _case(case, name, mod):
    """``(fn, flops)``: the timed callable for ``case`` in library ``name``."""
    if name == "torch":
        mod.set_num_threads(2)
    if case.startswith("matmul") and "alternation" not in case:
        _, dt, n = case.split()
        n = int(n)
        dtype = {"f32": np.float32, "f64": np.float64, "i32": np.int32}[dt]
        a, b = _convert(name, mod, _arrays([(n, n), (n, n)], dtype))
        return (lambda: a @ b), 2.0 * n ** 3
    if case.startswith("einsum"):
        a, b = _convert(name, mod, _arrays([(64, 128, 128), (64, 128, 128)], np.float32))
        return (lambda: mod.einsum("bij,bjk->bik", a, b)), 2.0 * 64 * 128 ** 3
    if case.startswith("randn"):
        n = 10 ** 7
        if name == "numpy":
            g = np.random.default_rng(0)
            return (lambda: g.standard_normal(n, dtype=np.float32)), None
        if name == "torch":
            return (lambda: mod.randn(n)), None
        mod.manual_seed(0)
        return (lambda: mod.randn(n)), None
    # alternation: a BLAS product, then a parallel elementwise op, over and over
    a, x = _convert(name, mod, _arrays([(256, 256), (1 << 20,)], np.float32))

    def alternate():
        a @ a
        return x + x
    return alternate, None


@pytest.mark.parametrize("case", list(PLAN))
def test_blas_random(benchmark, lib, case):
    name, mod = lib
    fn, flops = _case(case, name, mod)
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    _bench.warm(fn)
    benchmark.group = case
    benchmark.extra_info.update(library=name, case=case, first_call_s=first)
    rounds, iterations = PLAN[case]
    benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)
    if flops:
        benchmark.extra_info["gflops_median"] = flops / benchmark.stats.stats.median / 1e9
