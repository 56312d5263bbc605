"""Compile the index, compaction, scan, matmul, random and sort kernel families to PTX for
compute capability 9.0 without a GPU (see test_ptx.py): one case per kernel shape, every
width where the generated code differs (atomics, float16 loads, 16-byte moves)."""
import os

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1",
                                reason="the PTX check needs Numba's real CUDA target: run it without the simulator")

cuda = pytest.importorskip("numba.cuda")
from numba import types  # noqa: E402
from numba.np.numpy_support import from_dtype  # noqa: E402

from tensorjit.kernels import registry  # noqa: E402

import test_ptx  # noqa: E402

_ptx = test_ptx._ptx

I8 = types.int64

_NP = {"b1": np.bool_, "u1": np.uint8, "i1": np.int8, "i2": np.int16, "i4": np.int32, "i8": np.int64,
       "u2": np.uint16, "u4": np.uint32, "u8": np.uint64, "f2": np.float16, "f4": np.float32, "f8": np.float64,
       "c8": np.complex64, "c16": np.complex128}


def _arr(code):
    return types.Array(from_dtype(np.dtype(_NP[code])), 1, "C")


@pytest.mark.parametrize("mode,k,code,combine", [
    ("get", 1, "u4", None), ("get", 2, "c16", None), ("put", 1, "u1", None), ("put", 3, "u8", None),
    ("acc", 1, "f2", "add"), ("acc", 1, "b1", "mul"), ("acc", 1, "c8", "add"), ("acc", 2, "f4", "max"),
    ("acc", 1, "i1", "min"), ("atomic", 1, "f4", "add"), ("atomic", 1, "f8", "add"), ("atomic", 1, "i4", "add"),
    ("atomic", 1, "u8", "add"), ("atomic", 1, "i8", "max"), ("atomic", 1, "u4", "min")])
def test_index_kernels_compile(mode, k, code, combine):
    from tensorjit.kernels.cuda import index as gen
    mod = registry.load_module(f"cu_ptx_index_{mode}{combine or ''}_{k}__{code}", gen.source(mode, k, code, combine))
    meta = types.UniTuple(I8, 4 + 5 * (2 + k) + 2 * k)
    _ptx(mod.body, (meta, _arr(code), _arr(code)) + (_arr("i8"),) * k + (I8, I8))


def test_select_kernels_compile():
    mod = registry.load_source("cuda/select.py")
    i8, b1 = _arr("i8"), _arr("b1")
    _ptx(mod.first_out_of_range, (i8, I8, I8, I8, i8))
    _ptx(mod.block_counts, (b1, I8, I8, I8, i8))
    for code in ("u1", "u2", "c16"):
        _ptx(mod.compact, (_arr(code), I8, b1, I8, I8, I8, i8, _arr(code)))
    _ptx(mod.coords, (b1, I8, I8, I8, i8, i8, i8, I8))


@pytest.mark.parametrize("kind,code,out", [("sum", "f4", "f4"), ("sum", "b1", "i8"), ("sum", "c8", "c8"),
                                           ("sum", "f2", "f2"), ("prod", "u1", "i8"), ("logsumexp", "f4", "f4"),
                                           ("max", "f2", "f2"), ("min", "b1", "b1"), ("max", "u8", "u8")])
def test_scan_kernels_compile(kind, code, out):
    from tensorjit.kernels.cuda import scan as gen
    mod = registry.load_module(f"cu_ptx_scan_{kind}__{code}__{out}", gen.source(kind, code, out))
    extra = (_arr("i8"),) if kind in ("max", "min") else ()
    _ptx(mod.scan, (_arr(code), I8, _arr(out), I8) + extra + (I8, I8))


@pytest.mark.parametrize("code", ["f4", "f8", "f2", "i1", "u8", "i8", "c16"])
def test_matmul_kernel_compiles(code):
    from tensorjit.kernels.cuda import matmul as gen
    mod = registry.load_module(f"cu_ptx_mm__{code}", gen.source(code, 16))
    _ptx(mod.mm, (types.UniTuple(I8, 7), _arr(code), _arr(code), _arr(code), _arr("i8"), _arr("i8")))


@pytest.mark.parametrize("code", ["f4", "f8"])
def test_random_kernels_compile(code):
    """The Philox fill (every transform is a runtime branch of one kernel) and the integer draw."""
    mod = registry.load_source("cuda/random.py")
    u8, f8 = types.uint64, types.float64
    _ptx(mod.fill, (_arr(code), I8, I8, u8, u8, u8, u8, I8, I8, f8, f8))
    _ptx(mod.ints, (_arr("u8"), I8, u8, u8, u8, u8, u8, u8, types.boolean))


@pytest.mark.parametrize("code", ["u1", "u2", "u4", "u8"])
def test_sort_kernels_compile(code):
    mod = registry.load_source("cuda/sort.py")
    u = from_dtype(np.dtype(_NP[code]))
    _ptx(mod.sort_rows, (_arr(code), I8, _arr(code), _arr("i8"), _arr(code), _arr("i8"), _arr(code), _arr("i8"),
                         I8, u, u, u, u, I8, I8))


@pytest.mark.parametrize("code", ["f4", "i8", "u1"])
def test_searchsorted_kernel_compiles(code):
    mod = registry.load_source("cuda/sort.py")
    b = types.boolean
    _ptx(mod.searchsorted, (_arr(code), I8, _arr(code), I8, _arr("i8"), I8, b, b, _arr("i8"), I8, I8, b, I8))
