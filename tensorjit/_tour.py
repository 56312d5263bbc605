"""A short tour of tensorjit at work: ``python -m tensorjit`` (or ``python -m tensorjit tour``).

It shows tensors as views over one storage, dtype promotion, zero-copy NumPy sharing, a
kernel compiled on first use and then cached, and a small timing comparison with NumPy (and
PyTorch when installed). It takes well under a minute on two cores with an empty kernel
cache, and a few seconds with a warm one.
"""
from __future__ import annotations

import textwrap
import time

import numpy as np


def _section(title):
    print()
    print(f"== {title} " + "=" * max(0, 74 - len(title)))


def _show(label, value):
    text = str(value)
    if "\n" in text:
        print(f"{label}:")
        print(textwrap.indent(text, "    "))
    else:
        print(f"{label}: {text}")


def views(tj):
    _section("1. Tensors are views: shape, strides and an offset over one flat storage")
    base = tj.arange(12, dtype=tj.float32)
    m = base.view(3, 4)
    _show("m = tj.arange(12, dtype=tj.float32).view(3, 4)", m)
    print(f"m.shape {tuple(m.shape)}, m.stride() {m.stride()}, m.storage_offset() {m.storage_offset()}")
    t = m.t()
    print(f"m.t(): shape {tuple(t.shape)}, stride {t.stride()}, is_contiguous {t.is_contiguous()}, "
          f"same storage as m: {t.data_ptr() == m.data_ptr()} (a transpose swaps strides, copies nothing)")
    s = m[1:, 1::2]
    print(f"s = m[1:, 1::2]: shape {tuple(s.shape)}, stride {s.stride()}, storage_offset {s.storage_offset()}")
    s[0, 0] = -1.0
    print("s[0, 0] = -1 writes through the view into the shared storage:")
    _show("base", base)
    r = m[:, ::-1]
    print(f"m[:, ::-1] is a view too (negative stride, PyTorch refuses this): stride {r.stride()}, "
          f"storage_offset {r.storage_offset()}, first row {r[0].tolist()}")
    c = t.contiguous()
    print(f"m.t().contiguous() copies into fresh row-major storage: stride {c.stride()}, "
          f"same storage: {c.data_ptr() == m.data_ptr()}")


def promotion(tj):
    _section("2. Dtype promotion (PyTorch's rules; unsigned dtypes follow the array API table)")
    examples = [
        ("int8 + uint8", lambda: tj.tensor([1], dtype=tj.int8) + tj.tensor([2], dtype=tj.uint8)),
        ("int32 tensor + 2.5 (Python float)", lambda: tj.tensor([1], dtype=tj.int32) + 2.5),
        ("float16 tensor + float64 0-d tensor", lambda: tj.tensor([1], dtype=tj.float16) + tj.tensor(2.0, dtype=tj.float64)),
        ("bool tensor + True", lambda: tj.tensor([True]) + True),
        ("uint16 + int16", lambda: tj.tensor([1], dtype=tj.uint16) + tj.tensor([2], dtype=tj.int16)),
        ("float16 tensor + 1j", lambda: tj.tensor([1], dtype=tj.float16) + 1j),
        ("int64 + uint64", lambda: tj.tensor([1], dtype=tj.int64) + tj.tensor([2], dtype=tj.uint64)),
    ]
    for label, fn in examples:
        try:
            r = fn()
            print(f"  {label:<38} -> {r.dtype.name:<10} {r.tolist()}")
        except TypeError as e:
            print(f"  {label:<38} -> TypeError: {e}")
    print(f"  tj.promote_types(tj.uint32, tj.int8) = {tj.promote_types(tj.uint32, tj.int8).name}, "
          f"tj.promote_types(tj.float16, tj.int64) = {tj.promote_types(tj.float16, tj.int64).name}")


def numpy_sharing(tj):
    _section("3. Zero-copy NumPy sharing")
    a = np.zeros((2, 3), dtype=np.float64)
    t = tj.from_numpy(a)
    t[0, 1] = 7.0
    a[1, 2] = 9.0
    print("a = np.zeros((2, 3)); t = tj.from_numpy(a); t[0, 1] = 7; a[1, 2] = 9")
    _show("a", a)
    _show("t", t)
    back = t.t().numpy()
    print(f"t.t().numpy() shares memory with a: {np.shares_memory(back, a)}, strides {back.strides} bytes; "
          f"np.asarray(t) shares too: {np.shares_memory(np.asarray(t), a)}")


def jit(tj):
    _section("4. Kernels are generated and compiled on first use, then cached")
    from .kernels import registry
    before = registry.cached_files()[0]
    a = tj.from_numpy(np.linspace(0, 1, 1000))  # float64, no kernel runs to make it
    b = tj.from_numpy(np.linspace(1, 2, 1000))
    t0 = time.perf_counter()
    c = tj.maximum(a, b)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    tj.maximum(a, b)
    second = time.perf_counter() - t0
    after = registry.cached_files()
    where = "compiled now and written to the disk cache" if after[0] > before else \
        "loaded from the disk cache an earlier run wrote"
    print(f"tj.maximum(a, b) on 1000 float64: first call {first * 1e3:.1f} ms ({where}), "
          f"second call {second * 1e6:.1f} us")
    print(f"result ok: {bool(np.array_equal(c.numpy(), np.maximum(a.numpy(), b.numpy())))}")
    print(f"kernel cache: {registry.cache_root()} ({after[0]} files, {after[1] / 1e6:.2f} MB); "
          "set TENSORJIT_CACHE_DIR to move it")
    print(f"this version's kernels: {registry.version_dir()}")
    print("One generated kernel serves every layout of its dtypes (contiguous, strided, broadcast); "
          "a parallel variant is compiled only when an input is large enough to need it.")


def comparison(quick=True):
    from . import _bench
    _section("5. Timing: tensorjit vs NumPy" + (" vs PyTorch" if _bench.load("torch") is not None else ""))
    print(_bench.environment())
    print(_bench.format_cpu_lost(_bench.cpu_lost(0.15)))
    repeat, min_time = (5, 0.01) if quick else (7, 0.02)
    print(f"median per call over {repeat} repeats, JIT warmed first; float32, output allocated each call; "
          "each library timed in its own fresh process with OMP_PROC_BIND="
          f"{_bench.child_env().get('OMP_PROC_BIND')}")
    rows = _bench.compare(["add 1e6", "add 1e7", "A + B.T 1000x1000"], repeat=repeat, min_time=min_time,
                          warmup=0.2, log=lambda line: print("  " + line))
    print(_bench.format_table(rows))
    print("ratio > 1: tensorjit is faster. The full table with compile times: python -m tensorjit bench")


def run(timing=True):
    t0 = time.perf_counter()
    import tensorjit as tj
    print(f"tensorjit {tj.__version__}: a PyTorch-style tensor engine whose operations run in "
          "Numba-compiled kernels")
    views(tj)
    promotion(tj)
    numpy_sharing(tj)
    jit(tj)
    if timing:
        comparison()
    print()
    print(f"tour done in {time.perf_counter() - t0:.1f} s")
    return 0
