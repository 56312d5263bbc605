"""``__cuda_array_interface__`` and DLPack export of CUDA tensors (tensorjit/cuda/_interop.py).

The interface dict and the capsule's fields are checked against the tensor's layout. Reading the
memory they point at needs host-visible "device" memory (the simulator's) or a GPU consumer
(Numba's ``as_cuda_array``, PyTorch built with CUDA): each memory check takes whichever this
process has. A real DLPack consumer reads the capsule structs too: NumPy and PyTorch's CPU
import, given a capsule the same builder makes for host memory.
"""
import ctypes
import gc

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.cuda import _interop
from tensorjit.cuda._runtime import SIMULATOR

DTYPES = ["bool", "uint8", "int16", "int64", "uint64", "float16", "float32", "float64", "complex64", "complex128"]


def _layouts():
    return [("contiguous", lambda t: t), ("transposed", lambda t: t.t()), ("stepped", lambda t: t[::2, 1::3]),
            ("offset", lambda t: t[1:, 2:]), ("negative", lambda t: t[:, ::-1]),
            ("broadcast", lambda t: t[:1].expand(4, 6)), ("zero_d", lambda t: t[2, 3]), ("empty", lambda t: t[:, 6:])]


def _base(d):
    a = np.arange(24).reshape(4, 6)
    return tj.from_numpy((a % 2 == 1) if d is tj.bool else a.astype(d.np))


def _read(cai):
    """The values at the memory ``cai`` describes, as a NumPy array."""
    if SIMULATOR:
        # The simulator's device memory is host memory: read it through NumPy's array interface.
        class View:
            __array_interface__ = {k: cai[k] for k in ("shape", "typestr", "data", "strides")} | {"version": 3}
        return np.asarray(View())
    from numba import cuda

    class Dev:
        __cuda_array_interface__ = cai
    return cuda.as_cuda_array(Dev()).copy_to_host()


@pytest.mark.parametrize("dn", DTYPES)
def test_cuda_array_interface_every_dtype(dn):
    d = getattr(tj, dn)
    x = _base(d)
    g = x.cuda()
    cai = g.__cuda_array_interface__
    assert cai["version"] == 3 and cai["shape"] == (4, 6) and cai["strides"] is None
    assert cai["typestr"] == x.numpy().dtype.str and np.dtype(cai["typestr"]) == x.numpy().dtype
    assert cai["data"] == (g.data_ptr(), False) and cai["stream"] in (1, 2)
    np.testing.assert_array_equal(_read(cai), x.numpy())


@pytest.mark.parametrize("label,make", _layouts())
def test_cuda_array_interface_layouts(label, make):
    x = make(_base(tj.float32))
    g = make(_base(tj.float32).cuda())
    want = x.numpy()
    cai = g.__cuda_array_interface__
    assert cai["shape"] == want.shape
    # strides in bytes, None exactly when C-contiguous (as PyTorch's)
    assert cai["strides"] == (None if g.is_contiguous() else want.strides)
    if g.numel():
        assert cai["data"][0] == g.data_ptr() == g.cuda().data_ptr()
        np.testing.assert_array_equal(_read(cai), want)
    else:
        assert cai["data"] == (0, False)


def test_cuda_array_interface_offset_pointer():
    g = _base(tj.float64).cuda()
    v = g[1:, 2:]
    assert v.__cuda_array_interface__["data"][0] == g.__cuda_array_interface__["data"][0] + (6 + 2) * 8


def test_cpu_tensors_have_no_cuda_interface():
    assert not hasattr(tj.ones(2), "__cuda_array_interface__")
    assert not hasattr(tj.ones(2, device="cuda"), "__array_interface__")


# -- DLPack ------------------------------------------------------------------------------------
_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))
_get_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", ctypes.pythonapi))
_set_name = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_SetName", ctypes.pythonapi))


def _managed(capsule):
    """The capsule's struct, read as a consumer reads it (C layout of dlpack.h)."""
    name = _get_name(capsule)
    cls = _interop.DLManagedTensorVersioned if name == b"dltensor_versioned" else _interop.DLManagedTensor
    return name, cls.from_address(_get_pointer(capsule, name))


@pytest.mark.parametrize("label,make", _layouts())
@pytest.mark.parametrize("versioned", [False, True])
def test_dlpack_capsule_fields(label, make, versioned):
    x = make(_base(tj.float32))
    g = make(_base(tj.float32).cuda())
    live = len(_interop._LIVE)
    cap = g.__dlpack__(max_version=(1, 0) if versioned else None)
    name, m = _managed(cap)
    assert name == (b"dltensor_versioned" if versioned else b"dltensor")
    if versioned:
        assert (m.version.major, m.version.minor) == (1, 0) and m.flags == 0
    t = m.dl_tensor
    assert (t.device.device_type, t.device.device_id) == (2, 0) == g.__dlpack_device__()
    assert (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (2, 32, 1) and t.byte_offset == 0
    assert t.ndim == g.dim() and tuple(t.shape[i] for i in range(t.ndim)) == tuple(x.shape)
    if g.numel():
        assert tuple(t.strides[i] for i in range(t.ndim)) == x.stride()
        assert t.data == g.data_ptr()
    assert len(_interop._LIVE) == live + 1
    del cap, m, t                        # never consumed: the capsule's destructor frees the struct
    assert len(_interop._LIVE) == live


@pytest.mark.parametrize("dn,code", [("bool", 6), ("uint8", 1), ("int8", 0), ("uint64", 1), ("float16", 2),
                                     ("float64", 2), ("complex64", 5), ("complex128", 5)])
def test_dlpack_dtypes(dn, code):
    d = getattr(tj, dn)
    cap = tj.zeros(3, dtype=d, device="cuda").__dlpack__()
    t = _managed(cap)[1].dl_tensor
    assert (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (code, 8 * d.itemsize, 1)


def test_dlpack_consumed_capsule_is_freed_by_the_deleter_only():
    g = tj.arange(4, dtype=tj.float32, device="cuda")
    live = len(_interop._LIVE)
    for versioned in (False, True):
        cap = g.__dlpack__(max_version=(1, 0) if versioned else None)
        name, m = _managed(cap)
        address = ctypes.addressof(m)
        # A consumer renames the capsule, then calls the deleter once it is done with the memory.
        assert _set_name(cap, b"used_" + name) == 0
        del cap
        assert len(_interop._LIVE) == live + 1        # the consumer still holds it: memory kept
        m.deleter(address)
        assert len(_interop._LIVE) == live


def test_dlpack_keeps_the_tensor_alive():
    cap = (tj.arange(5, dtype=tj.int64, device="cuda") * 3).__dlpack__()
    gc.collect()
    owner = _interop._LIVE[ctypes.addressof(_managed(cap)[1])][-1]
    assert owner.is_cuda and owner.tolist() == [0, 3, 6, 9, 12]


def test_dlpack_arguments():
    g = tj.arange(4, dtype=tj.float32, device="cuda")
    with pytest.raises(TypeError, match="stream"):
        g.__dlpack__(stream="default")
    with pytest.raises(BufferError, match=r"cuda:0.*\(1, 0\)"):
        g.__dlpack__(dl_device=(1, 0))
    for stream in (None, -1, 1, 2):
        assert _managed(g.__dlpack__(stream=stream))[0] == b"dltensor"
    cap = g.__dlpack__(dl_device=(2, 0))
    assert _managed(cap)[1].dl_tensor.data == g.data_ptr()
    cap = g.__dlpack__(max_version=(1, 0), copy=True)
    m = _managed(cap)[1]
    assert m.flags == _interop.FLAG_IS_COPIED and m.dl_tensor.data != g.data_ptr()


class _HostExport:
    """A CUDA tensor's memory exported as host (kDLCPU) memory: the simulator's is host memory,
    so NumPy and PyTorch, real DLPack consumers, can read the capsule's structs."""

    def __init__(self, t):
        self.t = t

    def __dlpack_device__(self):
        return (_interop.KDLCPU, 0)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        t = self.t
        return _interop.capsule(t, t.data_ptr(), tuple(t.shape), t.stride(), t.dtype, (_interop.KDLCPU, 0),
                                max_version is not None and max_version[0] >= 1)


@pytest.mark.skipif(not SIMULATOR, reason="reads device memory as host memory: only the simulator's is")
@pytest.mark.parametrize("label,make", _layouts())
def test_dlpack_structs_read_by_numpy_and_torch(label, make):
    x = make(_base(tj.float32))
    g = make(_base(tj.float32).cuda())
    live = len(_interop._LIVE)
    a = np.from_dlpack(_HostExport(g))          # NumPy asks for a versioned capsule
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, x.numpy())
    assert len(_interop._LIVE) == live + 1
    del a
    gc.collect()
    assert len(_interop._LIVE) == live          # NumPy called the deleter
    torch = pytest.importorskip("torch", reason="PyTorch is a second DLPack consumer")
    if label == "negative":
        return                                  # PyTorch refuses negative strides
    b = torch.from_dlpack(_HostExport(g))
    np.testing.assert_array_equal(b.numpy(), x.numpy())
    del b
    gc.collect()
    assert len(_interop._LIVE) == live


@pytest.mark.skipif(SIMULATOR, reason="needs a GPU consumer (PyTorch built with CUDA)")
def test_dlpack_read_by_torch_cuda():
    torch = pytest.importorskip("torch", reason="PyTorch is the DLPack consumer")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch has no CUDA here")
    x = _base(tj.float32)
    g = x.cuda().t()[::2]
    b = torch.from_dlpack(g)
    assert b.is_cuda and b.stride() == g.stride()
    np.testing.assert_array_equal(b.cpu().numpy(), x.t()[::2].numpy())
