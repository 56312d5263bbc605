"""On a machine with a CUDA GPU: run the CUDA test suite for real, then time tensorjit's CUDA
kernels against PyTorch-CUDA and CuPy (when installed) and print one table with GB/s, GFLOP/s
and the ratio to the device's measured device-to-device copy bandwidth.

    python benchmarks/gpu_check.py            # tests, then the table
    python benchmarks/gpu_check.py --no-tests

Goal: large elementwise ops at 80% or more of the measured copy bandwidth. matmul float32 4096
runs tensorjit's tiled shared-memory kernel (Note [cuda matmul] in kernels/cuda/matmul.py: no
tensor cores, no register blocking, so expect a fraction of cuBLAS); randn runs the Philox
kernel of kernels/cuda/random.py (the CPU's numbers for the same seed).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

N = 10 ** 8


def _median_time(fn, sync, reps=20):
    fn()
    sync()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-tests", action="store_true")
    args = ap.parse_args()
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        sys.exit("gpu_check: NUMBA_ENABLE_CUDASIM=1 is set: this script measures a real GPU")
    import tensorjit as tj
    if not tj.cuda.is_available():
        sys.exit("gpu_check: no CUDA GPU is available (tensorjit.cuda.is_available() is False)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    status = 0
    if not args.no_tests:
        # The simulator suite's tests, run on the GPU (its conftest forces the simulator, so
        # point pytest at the test files with the conftest disabled).
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
        status = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--noconftest",
                                  os.path.join(root, "tests_cuda", "sim")], env=env, cwd=root)
        print(f"CUDA test suite on the GPU: exit status {status}")
    sync = tj.cuda.synchronize
    print(f"device: {tj.cuda.get_device_name()}")
    a = tj.ones(N, dtype=tj.float32, device="cuda")
    b = tj.ones(N, dtype=tj.float32, device="cuda")
    out = tj.empty(N, dtype=tj.float32, device="cuda")
    copy_t = _median_time(lambda: out.copy_(a), sync)
    copy_bw = 2 * N * 4 / copy_t / 1e9
    side = int(N ** 0.5)
    A = a[:side * side].view(side, side)
    B = b[:side * side].view(side, side)
    from tensorjit.cuda._reduce import reduce as cuda_reduce
    from tensorjit.kernels.reductions import REDUCTIONS
    M = 4096
    MA = tj.rand(M, M, device="cuda")
    MB = tj.rand(M, M, device="cuda")
    cases = [("copy (device to device)", lambda: out.copy_(a), 2 * N * 4, 0),
             ("matmul float32 4096", lambda: MA @ MB, 3 * M * M * 4, 2 * M ** 3),
             ("randn float32 1e8", lambda: tj.randn(N, device="cuda"), N * 4, 0),
             ("add float32 1e8", lambda: a + b, 3 * N * 4, N),
             ("sum float32 1e8", lambda: cuda_reduce(REDUCTIONS["sum"], a), N * 4, N),
             (f"A + B.T {side}x{side}", lambda: A + B.t(), 3 * side * side * 4, side * side)]
    rows = []
    for label, fn, nbytes, flops in cases:
        t = _median_time(fn, sync)
        rows.append((label, "tensorjit", t, nbytes / t / 1e9, flops / t / 1e9))
    try:
        import torch
        ta = torch.ones(N, device="cuda")
        tb = torch.ones(N, device="cuda")
        tA, tB = ta[:side * side].view(side, side), tb[:side * side].view(side, side)
        tMA, tMB = torch.rand(M, M, device="cuda"), torch.rand(M, M, device="cuda")
        for label, fn, nbytes, flops in [("add float32 1e8", lambda: ta + tb, 3 * N * 4, N),
                                         ("matmul float32 4096", lambda: tMA @ tMB, 3 * M * M * 4, 2 * M ** 3),
                                         ("randn float32 1e8", lambda: torch.randn(N, device="cuda"), N * 4, 0),
                                         ("sum float32 1e8", lambda: ta.sum(), N * 4, N),
                                         (f"A + B.T {side}x{side}", lambda: tA + tB.t(), 3 * side * side * 4,
                                          side * side)]:
            t = _median_time(fn, torch.cuda.synchronize)
            rows.append((label, "PyTorch", t, nbytes / t / 1e9, flops / t / 1e9))
    except ImportError:
        pass
    try:
        import cupy
        ca, cb = cupy.ones(N, cupy.float32), cupy.ones(N, cupy.float32)
        cMA, cMB = cupy.random.rand(M, M, dtype=cupy.float32), cupy.random.rand(M, M, dtype=cupy.float32)
        for label, fn, nbytes, flops in [("add float32 1e8", lambda: ca + cb, 3 * N * 4, N),
                                         ("matmul float32 4096", lambda: cMA @ cMB, 3 * M * M * 4, 2 * M ** 3),
                                         ("randn float32 1e8", lambda: cupy.random.standard_normal(N, cupy.float32),
                                          N * 4, 0),
                                         ("sum float32 1e8", lambda: ca.sum(), N * 4, N)]:
            t = _median_time(fn, cupy.cuda.Device().synchronize)
            rows.append((label, "CuPy", t, nbytes / t / 1e9, flops / t / 1e9))
    except ImportError:
        pass
    print(f"measured device-to-device copy bandwidth: {copy_bw:.0f} GB/s")
    print("| case | library | median | GB/s | GFLOP/s | of copy bandwidth |")
    print("|---|---|---|---|---|---|")
    for label, lib, t, gbs, gfl in rows:
        print(f"| {label} | {lib} | {t * 1e3:.3f} ms | {gbs:.0f} | {gfl:.1f} | {gbs / copy_bw:.0%} |")
    sys.exit(status)


if __name__ == "__main__":
    main()
