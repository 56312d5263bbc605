"""Compile the reduction kernels added beside the one-value folds to PTX for compute
capability 9.0 (no GPU): rows with a ``pre`` transform (nansum, the vector norms) through
kernels/cuda/reduction.py, and the several-value states of kernels/cuda/reduction_more.py
(logsumexp, var/std, max/min with indices), so code only the simulator accepts is caught."""
import os

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1",
                                reason="the PTX check needs Numba's real CUDA target: run it without the simulator")

cuda = pytest.importorskip("numba.cuda")
from numba import types  # noqa: E402
from numba.np.numpy_support import from_dtype  # noqa: E402

import tensorjit as tj  # noqa: E402
from tensorjit._reduce import dtypes, second_dtype  # noqa: E402
from tensorjit.kernels import registry  # noqa: E402
from tensorjit.kernels.cuda import reduction as red_gen, reduction_more as more_gen  # noqa: E402
from tensorjit.kernels.reductions import REDUCTIONS  # noqa: E402

CC = (9, 0)
_CODES = {d.code: d for d in tj._dtypes.ALL}




def _arr(code):
    npdt = np.float16 if code == "f2" else (np.uint8 if code == "u1" else _CODES[code].np)
    return types.Array(from_dtype(np.dtype(npdt)), 1, "C")


def _ptx(fn, sig):
    ptx, _ = cuda.compile_ptx(fn.py_func, sig, cc=CC)
    assert ".target sm_90" in ptx and ".entry" in ptx
    return ptx


META = types.UniTuple(types.int64, 14)
I8, F8 = types.int64, types.float64


# Every pre transform, on a real and (where the row takes it) a complex or half input.
@pytest.mark.parametrize("name,dn", [("nansum", "float32"), ("nansum", "int16"), ("norm0", "float64"),
                                     ("norm1", "complex64"), ("norm2", "float16"), ("norm2", "complex128"),
                                     ("norminf", "float32"), ("normneginf", "float64")])
def test_pre_transform_kernels_compile(name, dn):
    row = REDUCTIONS[name]
    d = getattr(tj, dn)
    compute, result = dtypes(row, d, None, name)
    src = red_gen.source(row.combine, row.identity, d.code, compute.code, result.code, row.post, row.pre)
    mod = registry.load_module(f"cu_ptx_redpre_{name}_{d.code}", src)
    parts = _arr(red_gen.partial_code(row.combine, compute.code, row.pre))
    _ptx(mod.part, (META, parts, _arr(d.code), I8, I8))
    _ptx(mod.final, (META, _arr(result.code), parts, I8, I8, I8))
    _ptx(mod.cols, (META, _arr(result.code), _arr(d.code), I8, I8))


@pytest.mark.parametrize("name,dn", [("logsumexp", "float32"), ("logsumexp", "int32"), ("var", "float64"),
                                     ("std", "float16"), ("var", "complex64"), ("max_dim", "float32"),
                                     ("min_dim", "int64"), ("max_dim", "bool")])
def test_several_value_kernels_compile(name, dn):
    row = REDUCTIONS[name]
    d = getattr(tj, dn)
    if row.second == "indices":
        compute = result = d
    else:
        compute, result = dtypes(row, d, None, name)
    second = second_dtype(row, compute)
    src = more_gen.source(row.combine, d.code, compute.code, result.code, second.code, row.post)
    mod = registry.load_module(f"cu_ptx_red2_{name}_{d.code}", src)
    parts = [_arr(c) for c in more_gen.state_codes(row.combine, compute.code)]
    out, out2, x = _arr(result.code), _arr(second.code), _arr(d.code)
    _ptx(mod.part, (META, *parts, x, I8, I8))
    _ptx(mod.final, (META, out, out2, *parts, I8, I8, I8, F8))
    _ptx(mod.cols, (META, out, out2, x, I8, I8, F8))
