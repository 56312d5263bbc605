"""Elementwise timings of tensorjit, NumPy and PyTorch side by side, plus kernel compile cost.

    python -m pytest benchmarks                  # the table grouped per case (~1 minute)
    python -m pytest benchmarks --benchmark-only

Each case's group holds the three libraries. Inputs are float32 and every call allocates its
output. The JIT is warmed outside the timed body (``_bench.warm``). Rounds and iterations
are fixed per case (``benchmark.pedantic``) so the whole file stays short. No test asserts
on a timing: these are measurements, not checks.
"""
import pytest

from tensorjit import _bench

# case name -> (rounds, iterations per round): each case runs for well under a second.
PLAN = {
    "add 1e2": (20, 2000),
    "add 1e4": (20, 500),
    "add 1e6": (20, 10),
    "add 1e7": (12, 1),
    "A + B.T 1000x1000": (20, 5),
    "M + row 1000x1000": (20, 10),
    "add 2x2 (per op)": (20, 2000),
}
assert set(PLAN) == set(_bench.CASE_BY_NAME)


@pytest.mark.parametrize("case", list(PLAN))
def test_elementwise(benchmark, lib, case):
    name, mod = lib
    c = _bench.CASE_BY_NAME[case]
    fn = c.function(name, mod)
    _bench.warm(fn)  # compile and settle before timing
    benchmark.group = f"{case}: {c.expr} float32"
    benchmark.extra_info.update(library=name, case=case, expr=c.expr,
                                shapes=[list(s) for s in c.shapes])
    rounds, iterations = PLAN[case]
    result = benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)
    assert tuple(result.shape) == tuple(c.function("numpy")().shape)


def test_compile_time(benchmark):
    """Cold compile vs warm disk cache of a first ``a + b``, in two fresh subprocesses sharing
    one empty TENSORJIT_CACHE_DIR. Measured once (one round); the numbers go to extra_info."""
    benchmark.group = "compile: first a + b in a fresh process"
    box = {}

    def measure():
        box["ct"] = _bench.compile_times()

    benchmark.pedantic(measure, rounds=1, iterations=1)
    ct = box["ct"]
    for label in ("cold", "warm"):
        r = ct[label]
        for k, v in r.items():
            if isinstance(v, dict):
                benchmark.extra_info[f"{label}_first_{k}_add_s"] = v["first_s"]
                benchmark.extra_info[f"{label}_second_{k}_add_s"] = v["second_s"]
        benchmark.extra_info[f"{label}_import_s"] = r["import_s"]
        benchmark.extra_info[f"{label}_process_s"] = r["process_s"]
    benchmark.extra_info["cached_files"] = ct["cold"]["cached_files"]
    print()
    print("compile cost: a + b on 1000 elements in two fresh processes sharing one empty TENSORJIT_CACHE_DIR")
    print(_bench.format_compile(ct))
