"""CUDA tensors and users' own numba.cuda kernels, in Numba's simulator (tensorjit/numba_ext.py,
Note [tensors in numba]).

On a GPU, numba.cuda's dispatcher types a CUDA tensor argument through its
``__cuda_array_interface__`` (typeof refuses it with the ValueError the dispatcher catches);
the simulator has no interface support, so a kernel gets ``numba_ext.cuda_array(t)``, the same
strided device array. NumPy views of the same base are the oracle.
"""
import numba
import numpy as np
import pytest
from numba import cuda
from numba.core.errors import TypingError

import tensorjit as tj
from tensorjit import numba_ext

LAYOUTS = {
    "contiguous": (lambda t: t, lambda a: a),
    "transposed": (lambda t: t.t(), lambda a: a.T),
    "stepped": (lambda t: t[::2, 1::3], lambda a: a[::2, 1::3]),
    "offset": (lambda t: t[1:, 2:], lambda a: a[1:, 2:]),
    "negative": (lambda t: t[::-1, ::-2], lambda a: a[::-1, ::-2]),
    "empty": (lambda t: t[:, 6:], lambda a: a[:, 6:]),
}


@cuda.jit
def add_position(a):
    i, j = cuda.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] += i * 10 + j


@cuda.jit
def copy1(src, dst):
    i = cuda.grid(1)
    if i < src.shape[0]:
        dst[i] = src[i]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_kernel_reads_and_writes_a_strided_view(layout):
    tj_view, np_view = LAYOUTS[layout]
    base = np.arange(24, dtype=np.float64).reshape(4, 6) * 0.5
    g = tj.from_numpy(base.copy()).cuda()
    v = tj_view(g)
    arr = numba_ext.cuda_array(v)
    assert arr.shape == tuple(v.shape) and arr.dtype == np.float64
    if v.numel():
        assert arr.strides == tuple(s * 8 for s in v.stride())
        assert arr.strides == v.__cuda_array_interface__["strides"] or v.is_contiguous()
    add_position[(1, 1), (8, 8)](arr)
    want = base.copy()
    w = np_view(want)
    w += np.arange(w.shape[0])[:, None] * 10 + np.arange(w.shape[1])
    np.testing.assert_array_equal(g.cpu().numpy(), want)    # the view's elements, and only those


@pytest.mark.parametrize("name", ["bool", "int64", "uint16", "float16", "float32", "complex64"])
def test_kernel_copies_every_kind_of_dtype(name):
    d = getattr(tj, name)
    vals = (np.arange(6) % 2 == 1) if d is tj.bool else (np.arange(6) * 1.5 + (np.nan if d.is_floating_point
                                                                               else 0)).astype(d.np)
    if d.is_floating_point:
        vals[2:4] = [np.inf, -np.inf]
    src = tj.from_numpy(vals).cuda()[::-2]
    dst = tj.zeros(3, dtype=d, device="cuda")
    copy1[1, 8](numba_ext.cuda_array(src), numba_ext.cuda_array(dst))
    np.testing.assert_array_equal(dst.cpu().numpy(), vals[::-2])
    assert dst.dtype is d


def test_cuda_tensors_are_refused_by_cpu_compiled_code():
    g = tj.zeros(2, 3, device="cuda")
    with pytest.raises(ValueError, match=r"call \.cpu\(\) first, or pass it to a numba.cuda.jit kernel"):
        numba.typeof(g)

    @numba.njit
    def shape_of(t):
        return t.shape

    with pytest.raises(TypingError, match=r"call \.cpu\(\) first"):
        shape_of(g)
    assert shape_of(g.cpu()) == (2, 3)


def test_cuda_array_refuses_cpu_tensors():
    with pytest.raises(TypeError, match="expected a CUDA tensor"):
        numba_ext.cuda_array(tj.zeros(2))
