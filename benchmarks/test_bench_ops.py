"""The op library timed against NumPy and PyTorch: transcendentals, reductions, scans, sorting,
indexing and joining (``tensorjit._bench_cases.OP_CASES``).

    python -m pytest benchmarks/test_bench_ops.py      # ~2 minutes

Each case's group holds the three libraries, on the same seeded data. The first call (a
kernel compile, or a load from the kernel cache) is timed apart into ``extra_info`` and the
JIT is warmed before the timed rounds. No test asserts on a timing; the sum case also
records its error against a float64 reference for each library.
"""
import time

import numpy as np
import pytest

from tensorjit import _bench

# case name -> (rounds, iterations per round)
PLAN = {
    "exp 1e7": (10, 1),
    "sigmoid 1e7": (10, 1),
    "sum 1e7": (15, 2),
    "sum(dim=0) 4000x4000": (10, 1),
    "sum(dim=1) 4000x4000": (10, 1),
    "sort 1e6": (8, 1),
    "cumsum 1e7": (8, 1),
    "x[mask] 1e7": (8, 1),
    "gather dim 1 4096x4096": (6, 1),
    "cat 8 x 1e6": (10, 2),
    "index_put_ accumulate 1e6 into 1e5": (10, 1),
}
assert set(PLAN) == {c.name for c in _bench.OP_CASES}


@pytest.mark.parametrize("case", list(PLAN))
def test_op(benchmark, lib, case):
    name, mod = lib
    c = _bench.CASE_BY_NAME[case]
    fn = c.function(name, mod)
    t0 = time.perf_counter()
    fn()
    benchmark.extra_info["first_call_s"] = time.perf_counter() - t0
    _bench.warm(fn)
    benchmark.group = f"{case}: {c.expr}"
    benchmark.extra_info.update(library=name, case=case, expr=c.expr)
    rounds, iterations = PLAN[case]
    benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)


def test_sum_accuracy(benchmark, lib):
    """Relative error of a float32 sum of 1e7 uniform values against a float64 sum, per library."""
    name, mod = lib
    c = _bench.CASE_BY_NAME["sum 1e7"]
    (a64,) = [x.astype(np.float64) for x in c.inputs("numpy")]
    fn = c.function(name, mod)
    benchmark.group = "sum 1e7 float32: relative error vs float64"
    got = benchmark.pedantic(fn, rounds=3, iterations=1)
    ref = a64.sum()
    benchmark.extra_info["relative_error"] = abs(float(got) - ref) / abs(ref)
