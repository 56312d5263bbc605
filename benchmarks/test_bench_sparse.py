"""CSR @ dense: tensorjit, SciPy and PyTorch side by side.

    python -m pytest benchmarks/test_bench_sparse.py      # pytest-benchmark groups
    python benchmarks/test_bench_sparse.py                # a plain table: medians and ratios

The case: a 1e5 x 1e5 float32 CSR matrix with 1e6 non-zeros at random positions (the same
crow/col/values arrays in every library) times a dense 1e5 x 64 float32 matrix. PyTorch runs
on 2 threads (``torch.set_num_threads(2)``), tensorjit on its default pool, SciPy on one
thread (its sparse products are serial). The first call (compiling tensorjit's kernel) is
timed apart, and the JIT is warmed outside the timed body. No test asserts on a timing.
"""
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_PROC_BIND", "true")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROWS, NNZ, COLS = 100_000, 1_000_000, 64
LIBS = ("tensorjit", "scipy", "torch")


def _arrays(seed=0):
    """(crow, col, values, dense): a random CSR matrix with sorted columns and no duplicates."""
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, ROWS * ROWS, int(NNZ * 1.001), dtype=np.int64))[:NNZ]
    rows, cols = keys // ROWS, keys % ROWS
    crow = np.zeros(ROWS + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=ROWS), out=crow[1:])
    vals = rng.standard_normal(len(keys)).astype(np.float32)
    dense = rng.standard_normal((ROWS, COLS)).astype(np.float32)
    return crow, cols.astype(np.int64), vals, dense


def case(lib, arrays):
    """The timed callable ``A @ B`` of library ``lib``, or None when it is not installed."""
    crow, col, val, dense = arrays
    if lib == "tensorjit":
        import tensorjit as tj
        a = tj.sparse_csr_tensor(tj.from_numpy(crow), tj.from_numpy(col), tj.from_numpy(val), (ROWS, ROWS))
        b = tj.from_numpy(dense)
        return lambda: a @ b
    if lib == "scipy":
        try:
            import scipy.sparse as sp
        except ImportError:
            return None
        a = sp.csr_matrix((val, col, crow), shape=(ROWS, ROWS))
        return lambda: a @ dense
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    a = torch.sparse_csr_tensor(torch.from_numpy(crow), torch.from_numpy(col), torch.from_numpy(val),
                                (ROWS, ROWS))
    b = torch.from_numpy(dense)
    return lambda: a @ b


@pytest.fixture(scope="module")
def arrays():
    return _arrays()


@pytest.mark.parametrize("lib", LIBS)
def test_csr_dense(benchmark, lib, arrays):
    fn = case(lib, arrays)
    if fn is None:
        pytest.skip(f"{lib} is not installed")
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    for _ in range(2):
        fn()
    benchmark.group = "CSR @ dense 1e5x1e5 (1e6 nnz) @ 1e5x64 float32"
    benchmark.extra_info.update(library=lib, first_call_s=first)
    benchmark.pedantic(fn, rounds=15, iterations=1, warmup_rounds=1)


def main(repeat=21):
    """Print the medians of every library and tensorjit's ratios, all in this process."""
    arrays = _arrays()
    fns = {lib: case(lib, arrays) for lib in LIBS}
    ref = fns["tensorjit"]()
    for lib, fn in fns.items():
        if fn is not None and lib != "tensorjit":
            r = fn()
            r = r.numpy() if hasattr(r, "numpy") else np.asarray(r)
            err = np.abs(r - ref.numpy()).max() / max(np.abs(r).max(), 1e-30)
            print(f"{lib}: max relative difference to tensorjit {err:.2e}")
    times = {}
    for _ in range(3):
        for fn in fns.values():
            fn is not None and fn()
    for _ in range(repeat):  # interleaved rounds: noise on a shared machine hits every library alike
        for lib, fn in fns.items():
            if fn is not None:
                t0 = time.perf_counter()
                fn()
                times.setdefault(lib, []).append(time.perf_counter() - t0)
    med = {lib: statistics.median(t) for lib, t in times.items()}
    for lib, m in med.items():
        ratio = m / med["tensorjit"]
        print(f"{lib:10s} median {m * 1e3:8.2f} ms   {lib} / tensorjit = {ratio:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
