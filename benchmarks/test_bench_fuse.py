"""Fused expressions (``tensorjit.fuse``) against NumPy, PyTorch and unfused tensorjit, on 1e7
float32 elements, all in one process:

    python -m pytest benchmarks/test_bench_fuse.py      # pytest-benchmark, grouped per case
    python benchmarks/test_bench_fuse.py                # a plain table: medians and ratios

The JIT is warmed outside the timed body (``_bench.warm``); PyTorch runs with 2 threads. No
test asserts on a timing: these are measurements. Each case checks that the variants agree.
"""
import os
import sys

os.environ.setdefault("OMP_PROC_BIND", "true")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tensorjit import _bench  # noqa: E402

N = 10 ** 7
VARIANTS = ("tensorjit fused", "tensorjit unfused", "numpy", "torch")


def _fma(a, b, c):
    return a * b + c


def _mse(a, b):
    return ((a - b) ** 2).mean()


CASES = {"a * b + c": (_fma, 3), "((a - b) ** 2).mean()": (_mse, 2)}


def _inputs(k):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(N, dtype=np.float32) for _ in range(k)]


def make(case, variant):
    """A zero-argument callable running ``case`` with ``variant``, or None when unavailable."""
    fn, k = CASES[case]
    arrays = _inputs(k)
    if variant == "numpy":
        return lambda: fn(*arrays)
    if variant == "torch":
        torch = _bench.load("torch")
        if torch is None:
            return None
        ts = [torch.from_numpy(a) for a in arrays]
        return lambda: fn(*ts)
    import tensorjit as tj
    ts = [tj.from_numpy(a) for a in arrays]
    f = tj.fuse(fn) if variant == "tensorjit fused" else fn
    if variant == "tensorjit fused":
        assert f.explain(*ts).startswith("fused"), f.explain(*ts)
    return lambda: f(*ts)


def _value(r):
    return np.asarray(r.numpy() if hasattr(r, "numpy") else r, dtype=np.float64)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", list(CASES))
def test_fuse(benchmark, case, variant):
    torch = _bench.load("torch")
    if torch is not None:
        torch.set_num_threads(2)
    run = make(case, variant)
    if run is None:
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0 to compare with it)")
    _bench.warm(run)
    benchmark.group = f"{case}, 1e7 float32"
    benchmark.extra_info.update(variant=variant, case=case)
    result = benchmark.pedantic(run, rounds=12, iterations=1, warmup_rounds=1)
    np.testing.assert_allclose(_value(result), _value(make(case, "numpy")()), rtol=1e-5)


def main(argv=None):
    """Print the medians of every variant and the ratios to the fused one (``--threads N``
    sets tensorjit's and PyTorch's thread count; default 2)."""
    import argparse
    ap = argparse.ArgumentParser(prog="benchmarks/test_bench_fuse.py")
    ap.add_argument("--threads", type=int, default=2)
    threads = ap.parse_args(argv).threads
    import tensorjit as tj
    tj.set_num_threads(threads)
    torch = _bench.load("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    print("benchmark environment:", _bench.environment())
    print(f"{'case':26} {'variant':18} {'median':>10} {'/ fused':>8}")
    for case in CASES:
        times = {}
        for variant in VARIANTS:
            run = make(case, variant)
            if run is None:
                continue
            _bench.warm(run)
            times[variant] = _bench.time_per_call(run, repeat=9)
        for variant, t in times.items():
            print(f"{case:26} {variant:18} {_bench.fmt_time(t):>10} {t / times['tensorjit fused']:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
