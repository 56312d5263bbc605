"""Compile generated CUDA kernels to PTX for compute capability 9.0, without a GPU, so code
that only the simulator accepts (NumPy ufuncs Numba's CUDA target lacks, Python-only
semantics) is caught: every POINTWISE row for one dtype per category it supports (and every
width where the GPU runs a replacement scalar function from kernels/cuda/scalar.py), both
kernel entries of a few rows with scalar operands, and every reduction family.

Device functions (the rows' scalar functions) are compiled for the current device's compute
capability by Numba; with no GPU there is none, so the test answers that query with 9.0.
"""
import os

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1",
                                reason="the PTX check needs Numba's real CUDA target: run it without the simulator")

cuda = pytest.importorskip("numba.cuda")
from numba import types  # noqa: E402
from numba.np.numpy_support import from_dtype  # noqa: E402

import tensorjit as tj  # noqa: E402
from tensorjit._dispatch import result_dtype_for  # noqa: E402
from tensorjit.kernels import opdefs, registry  # noqa: E402
from tensorjit.kernels.cuda import pointwise as pw_gen, reduction as red_gen  # noqa: E402
from tensorjit.kernels.reductions import REDUCTIONS  # noqa: E402

CC = (9, 0)




def _arr(d):
    npdt = np.float16 if d is tj.float16 else d.np
    return types.Array(from_dtype(np.dtype(npdt)), 1, "C")


# One dtype per category for every row; the other widths too where the GPU runs a replacement
# scalar function (Note [cuda scalars] in kernels/cuda/pointwise.py), which may be per width.
REP = {opdefs.BOOL: ("bool",), opdefs.INT: ("int32",), opdefs.FLOAT: ("float32",), opdefs.COMPLEX: ("complex64",)}
WIDTHS = {opdefs.FLOAT: ("float16", "float64"), opdefs.COMPLEX: ("complex128",)}


def _row_cases():
    for name, row in opdefs.POINTWISE.items():
        for cat in sorted(row.categories):
            try:
                scalar = row.scalar_for(cat)
            except KeyError:    # refused for that category (an error before dispatch)
                continue
            for dn in REP[cat]:
                yield name, dn
            for dn in WIDTHS.get(cat, ()):
                if (scalar, getattr(tj, dn).code) in pw_gen.CUDA_SCALARS:
                    yield name, dn


def _ptx(fn, sig):
    ptx, _ = cuda.compile_ptx(fn.py_func, sig, cc=CC)
    assert ".target sm_90" in ptx and ".entry" in ptx
    return ptx


# (row, input dtype, scalar operands): unary, binary (with a scalar operand), ternary, cast
POINTWISE = [("copy", "float32", "a"), ("copy", "bool", "a"), ("neg", "int8", "a"), ("add", "float16", "aa"),
             ("mul", "complex64", "as"), ("eq", "uint64", "aa"), ("exp", "float32", "a"),
             ("sin", "complex128", "a"), ("floor_divide", "int32", "aa"), ("where", "float64", "aaa"),
             ("logical_and", "bool", "as")]


@pytest.mark.parametrize("name,dn", list(_row_cases()))
def test_every_row_compiles(name, dn):
    """The ``contig`` entry of every row (its scalar function, on the GPU's replacement where
    there is one); ``body`` shares the same device function, checked below on a few rows."""
    row = opdefs.POINTWISE[name]
    d = getattr(tj, dn)
    res = result_dtype_for(row, d)
    kinds = "a" * row.arity
    src = pw_gen.source(row.scalar_for(d.category), (d.code,) * row.arity, kinds, d.code, res.code, res.code)
    mod = registry.load_module(f"cu_ptx_row_{name}__{d.code}", src)
    _ptx(mod.contig, (_arr(res), *[_arr(d)] * row.arity, types.int64, *([types.int64] * row.arity), types.int64))


def test_every_replacement_is_used():
    """Each CUDA replacement names a function of kernels/cuda/scalar.py and a scalar function
    some row uses, so a renamed row can't leave its GPU replacement behind unnoticed."""
    from tensorjit.kernels import scalar as cpu_scalar
    from tensorjit.kernels.cuda import scalar as cu_scalar
    used = set()
    for row in opdefs.POINTWISE.values():
        used.update([row.scalar] if isinstance(row.scalar, str) else row.scalar.values())
    for (name, code), alt in pw_gen.CUDA_SCALARS.items():
        assert hasattr(cpu_scalar, name) and callable(getattr(cu_scalar, alt)), (name, alt)
        assert name in used, f"{name} has a CUDA replacement but no row uses it"


@pytest.mark.parametrize("name,dn,kinds", POINTWISE)
def test_pointwise_kernels_compile(name, dn, kinds):
    row = opdefs.POINTWISE[name]
    d = getattr(tj, dn)
    res = result_dtype_for(row, d)
    src = pw_gen.source(row.scalar_for(d.category), (d.code,) * row.arity, kinds, d.code, res.code, res.code)
    mod = registry.load_module(f"cu_ptx_{name}_{d.code}_{kinds}", src)
    scal = {"f2": types.float32}
    args = [_arr(d) if k == "a" else scal.get(d.code, from_dtype(d.np)) for k in kinds]
    meta = types.UniTuple(types.int64, 4 + 5 * (row.arity + 1))
    _ptx(mod.body, (meta, _arr(res), *args, types.int64))
    _ptx(mod.contig, (_arr(res), *args, types.int64, *([types.int64] * row.arity), types.int64))


@pytest.mark.parametrize("name,dn", [("sum", "float32"), ("sum", "bool"), ("mean", "complex64"), ("prod", "int64"),
                                     ("amax", "float16"), ("amin", "uint8"), ("any", "float64"), ("all", "int32")])
def test_reduction_kernels_compile(name, dn):
    from tensorjit._reduce import dtypes
    row = REDUCTIONS[name]
    d = getattr(tj, dn)
    compute, result = dtypes(row, d, None, name)
    src = red_gen.source(row.combine, row.identity, d.code, compute.code, result.code, row.post)
    mod = registry.load_module(f"cu_ptx_red_{name}_{d.code}", src)
    meta = types.UniTuple(types.int64, 14)
    pcode = red_gen.partial_code(row.combine, compute.code)
    parts = types.Array(from_dtype(np.dtype(np.uint8 if pcode == "u1" else
                                           {x.code: x for x in tj._dtypes.ALL}[pcode].np)), 1, "C")
    i8 = types.int64
    _ptx(mod.part, (meta, parts, _arr(d), i8, i8))
    _ptx(mod.final, (meta, _arr(result), parts, i8, i8, i8))
    _ptx(mod.cols, (meta, _arr(result), _arr(d), i8, i8))


def test_replacements_that_run_as_python_match_numpy():
    """The replacements built from ``math`` alone also run as plain Python: check their
    algorithms against NumPy (the libdevice ones only run on a GPU: benchmarks/gpu_check.py)."""
    from tensorjit.kernels.cuda import scalar as cs
    rng = np.random.default_rng(3)
    halves = np.concatenate([rng.standard_normal(300).astype(np.float16),
                             np.array([0.0, 65504, -65504, np.inf, -np.inf, np.nan, 2.0 ** -14, -(2.0 ** -14),
                                       2.0 ** -24, 1, 0.5, 1024, -2], np.float16)])
    with np.errstate(over="ignore"):
        for a in halves:
            for b in np.array([np.inf, -np.inf, 0.0, 1.0], np.float16):
                want = np.nextafter(a, b)
                got = np.float16(cs.nextafter_f16(np.float32(a), np.float32(b)))
                assert (got == want and np.signbit(got) == np.signbit(want)) or (got != got and want != want), \
                    (a, b, got, want)
    x, y = rng.uniform(-30, 30, 200), rng.uniform(-30, 30, 200)
    x[:4], y[:4] = [np.inf, -np.inf, np.nan, np.inf], [np.inf, -np.inf, 1.0, -np.inf]
    for f, ref in ((cs.logaddexp_, np.logaddexp), (cs.logaddexp2_, np.logaddexp2)):
        with np.errstate(invalid="ignore"):       # inf - inf on the NumPy side
            want = ref(x, y)
        np.testing.assert_allclose([f(a, b) for a, b in zip(x, y)], want, rtol=1e-13, equal_nan=True)
    z = x[4:] / 10 + 1j * y[4:] / 10
    np.testing.assert_allclose([cs.cexpm1_(c) for c in z], np.expm1(z), rtol=1e-13)
    np.testing.assert_allclose([cs.clog1p_(c) for c in z], np.log1p(z), rtol=1e-13, atol=1e-15)
