"""A user op's CUDA kernels compile to PTX for compute capability 9.0 (no GPU needed): the
user's Python function becomes a device function of the generated kernel module, as the
built-in rows' scalar functions do (tests_cuda/ptx/test_ptx.py)."""
import math
import os

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1",
                                reason="the PTX check needs Numba's real CUDA target: run it without the simulator")

cuda = pytest.importorskip("numba.cuda")
from numba import types  # noqa: E402
from numba.np.numpy_support import from_dtype  # noqa: E402

import tensorjit as tj  # noqa: E402
from tensorjit.kernels import registry  # noqa: E402
from tensorjit.kernels.cuda import pointwise as pw_gen  # noqa: E402

CC = (9, 0)




@tj.elementwise(dtype_rule="int_to_float")
def smooth_l1(x, y):
    d = abs(x - y)
    return 0.5 * d * d if d < 1 else d - 0.5 + math.log1p(0.0)


def _arr(d):
    npdt = np.float16 if d is tj.float16 else d.np
    return types.Array(from_dtype(np.dtype(npdt)), 1, "C")


@pytest.mark.parametrize("dn,kinds", [("float32", "aa"), ("float16", "as"), ("float64", "aa")])
def test_user_op_kernels_compile_to_ptx(dn, kinds):
    d = getattr(tj, dn)
    row = smooth_l1.row(smooth_l1._kind)
    src = pw_gen.source(row.scalar_for(d.category), (d.code, d.code), kinds, d.code, d.code, d.code)
    assert f"from tensorjit._userops_funcs import {row.scalar.rpartition(':')[2]}" in src
    mod = registry.load_module(f"cu_ptx_user_{row.name}__{d.code}_{kinds}", src)
    scal = {"f2": types.float32}
    args = [_arr(d) if k == "a" else scal.get(d.code, from_dtype(d.np)) for k in kinds]
    meta = types.UniTuple(types.int64, 4 + 5 * 3)
    for fn, sig in ((mod.body, (meta, _arr(d), *args, types.int64)),
                    (mod.contig, (_arr(d), *args, types.int64, types.int64, types.int64, types.int64))):
        ptx, _ = cuda.compile_ptx(fn.py_func, sig, cc=CC)
        assert ".target sm_90" in ptx and ".entry" in ptx


@tj.reduction(identity=0, merge=lambda a, b: a + b)
def sum_sq(acc, x):
    return acc + x * x


@pytest.mark.parametrize("dn", ["float32", "float16"])
def test_user_reduction_kernels_compile_to_ptx(dn):
    from tensorjit.kernels.cuda import userops as red_gen
    d = getattr(tj, dn)
    acc, _ = sum_sq._dtypes(d)
    src = red_gen.reduction_source(sum_sq._combine, sum_sq._merge, d.code, acc.code, d.code, True)
    mod = registry.load_module(f"cu_ptx_ured_{sum_sq._base}__{d.code}", src)
    i8, a = types.int64, from_dtype(acc.np)
    for fn, sig in ((mod.rows, (_arr(d), i8, i8, a, _arr(d), i8)),
                    (mod.chunks, (_arr(d), i8, i8, i8, a, _arr(acc), i8)),
                    (mod.merge_rows, (_arr(acc), i8, _arr(d), i8))):
        ptx, _ = cuda.compile_ptx(fn.py_func, sig, cc=CC)
        assert ".target sm_90" in ptx and ".entry" in ptx
