"""CUDA tensors in Numba's simulator: reductions (called through tensorjit.cuda._reduce until
_reduce.reduce routes CUDA inputs), transfers, views, creation, device errors and the policy
for ops without CUDA kernels."""
import inspect
import pickle

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _reduce
from tensorjit.cuda._reduce import reduce as cuda_reduce
from tensorjit.kernels.reductions import REDUCTIONS as R

OPS = {"sum": tj.sum, "prod": tj.prod, "mean": tj.mean, "amax": tj.amax, "amin": tj.amin, "any": tj.any,
       "all": tj.all}
SHAPE = (2, 3, 4)
DIMS = [None, 0, 1, 2, -1, (0, 1), (0, 2), (1, 2), (0, 1, 2)]


def _sampled_dims(k):
    """Three (dim, keepdim) of DIMS for the k-th op: over the ops every dim (and tuple) comes up
    at least twice, with and without keepdim. The dim and layout arithmetic is the CPU's own
    (tensorjit/_reduce.py), swept over every dim by the main suite."""
    return [(DIMS[(3 * k + j) % len(DIMS)], (k + j) % 2 == 1) for j in range(3)]


def _input(name, d=tj.float32):
    x = np.arange(24, dtype=np.float64).reshape(SHAPE) * 0.37 - 3
    if name in ("any", "all"):
        x = x.astype(np.int32) % 3
    elif name == "prod":
        x = x * 0.3 + 1
    return tj.from_numpy(x.astype(d.np))


def _torch_reduce(name, x, dim=None, keepdim=False):
    """PyTorch's result for reduction ``name`` of CPU tensor ``x`` (the oracle: it compiles no
    tensorjit CPU kernels)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the reduction checks")
    t = torch.from_numpy(np.ascontiguousarray(x.numpy()))
    f = getattr(torch, name)
    if dim is None:
        if not keepdim:
            return f(t) if name not in ("amax", "amin") else f(t, dim=tuple(range(t.dim())))
        dim = tuple(range(t.dim()))
    if isinstance(dim, tuple) and name == "prod":
        # torch.prod takes one dim: reduce them one at a time
        dims = sorted({d % t.dim() for d in dim}, reverse=True)
        for d in dims:
            t = f(t, d, keepdim=True)
        return t if keepdim else t.reshape([n for i, n in enumerate(t.shape) if i not in dims])
    return f(t, dim, keepdim=keepdim)


def _check(got, want):
    """``got`` (a CUDA tensorjit tensor) against ``want`` (tensorjit CPU or torch)."""
    assert got.is_cuda and str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    if got.dtype.category >= 2:
        np.testing.assert_allclose(got.cpu().numpy(), want.numpy(), rtol=1e-5, atol=1e-6, equal_nan=True)
    else:
        np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())


@pytest.mark.parametrize("k,name", list(enumerate(OPS)))
def test_reduction_dims(k, name):
    x = _input(name)
    g = x.cuda()
    _check(cuda_reduce(R[name], g), _torch_reduce(name, x))
    for dim, keepdim in _sampled_dims(k):
        _check(cuda_reduce(R[name], g, dim, keepdim), _torch_reduce(name, x, dim, keepdim))


def test_sampled_dims_cover_every_dim():
    seen = {(dim, keepdim) for k in range(len(OPS)) for dim, keepdim in _sampled_dims(k)}
    assert {dim for dim, _ in seen} == set(DIMS) and {keepdim for _, keepdim in seen} == {False, True}


@pytest.mark.parametrize("name,dn", [("sum", "bool"), ("sum", "uint8"), ("sum", "int64"), ("sum", "float16"),
                                     ("sum", "float64"), ("sum", "complex64"), ("prod", "int32"),
                                     ("mean", "float16"), ("mean", "complex128"), ("amax", "int8"),
                                     ("amin", "float16"), ("any", "uint8"), ("all", "float64")])
def test_reduction_dtypes(name, dn):
    d = getattr(tj, dn)
    x = _input(name, d)
    g = x.cuda()
    _check(cuda_reduce(R[name], g), _torch_reduce(name, x))
    _check(cuda_reduce(R[name], g, 1, True), _torch_reduce(name, x, 1, True))


def test_reduction_nan_inf_layouts_and_empty():
    x = tj.tensor([[1.0, float("nan"), 3.0], [float("inf"), -2.0, 0.5]])
    g = x.cuda()
    for name in ("sum", "amax", "amin", "mean"):
        _check(cuda_reduce(R[name], g, 0), _torch_reduce(name, x, 0))
        _check(cuda_reduce(R[name], g.t(), 1), _torch_reduce(name, x.t(), 1))
    big = tj.from_numpy(np.arange(40 * 70, dtype=np.float32).reshape(40, 70))
    gb = big.cuda()
    _check(cuda_reduce(R["sum"], gb, 0), _torch_reduce("sum", big, 0))            # a column reduction
    _check(cuda_reduce(R["sum"], gb[::3, 1::2], 1), _torch_reduce("sum", big[::3, 1::2], 1))
    e = tj.zeros(0, 3)
    _check(cuda_reduce(R["sum"], e.cuda(), 0), _torch_reduce("sum", e, 0))
    _check(cuda_reduce(R["mean"], e.cuda(), 0), _torch_reduce("mean", e, 0))
    with pytest.raises(IndexError, match="amax"):
        cuda_reduce(R["amax"], e.cuda(), 0)
    z = tj.tensor(2.5)
    _check(cuda_reduce(R["sum"], z.cuda()), _torch_reduce("sum", z))


def test_reduction_out():
    x = _input("sum")
    out = tj.zeros(3, 4, device="cuda")
    r = cuda_reduce(R["sum"], x.cuda(), 0, out=out)
    assert r is out
    _check(out, _torch_reduce("sum", x, 0))
    with pytest.raises(RuntimeError, match="can't be cast"):
        cuda_reduce(R["sum"], x.cuda(), 0, out=tj.zeros(3, 4, dtype=tj.int32, device="cuda"))


@pytest.mark.skipif("is_cuda" not in inspect.getsource(_reduce.reduce),
                    reason="_reduce.reduce does not route CUDA inputs yet (the hook is a one-line change there)")
def test_public_reductions_on_cuda():
    x = _input("sum")
    _check(x.cuda().sum(1), _torch_reduce("sum", x, 1))
    _check(tj.mean(x.cuda(), (0, 2), keepdim=True), _torch_reduce("mean", x, (0, 2), True))


def test_transfers_round_trip_every_dtype():
    for d in (tj.bool, tj.uint8, tj.int8, tj.int16, tj.int32, tj.int64, tj.uint16, tj.uint32, tj.uint64,
              tj.float16, tj.float32, tj.float64, tj.complex64, tj.complex128):
        x = tj.from_numpy(np.arange(6).reshape(2, 3).astype(d.np))
        g = x.cuda()
        assert g.is_cuda and g.device == tj.device("cuda", 0) and g.dtype is d
        back = g.cpu()
        assert not back.is_cuda and back.dtype is d and back.stride() == x.stride()
        np.testing.assert_array_equal(back.numpy(), x.numpy())
    x = tj.arange(12, dtype=tj.float32).view(3, 4).t()
    g = x.to("cuda")
    assert g.stride() == x.stride()                 # preserve_format, as PyTorch
    assert g.to("cuda:0") is g and g.cuda() is g and g.cpu().cpu() is not g
    assert g.to(tj.float64).device == g.device and g.to("cpu", tj.int32).dtype is tj.int32
    np.testing.assert_array_equal(g.to(x).numpy(), x.numpy())
    assert tj.device("cuda") == "cuda" and g.to(0).device.index == 0


def test_creation_on_device():
    for t, want in [(tj.zeros(2, 3, device="cuda"), tj.zeros(2, 3)), (tj.ones(4, dtype=tj.int8, device="cuda:0"),
                                                                      tj.ones(4, dtype=tj.int8)),
                    (tj.full((2,), 7, device=tj.device("cuda", 0)), tj.full((2,), 7)),
                    (tj.arange(5, device="cuda"), tj.arange(5)), (tj.linspace(0, 1, 5, device="cuda"),
                                                                 tj.linspace(0, 1, 5)),
                    (tj.eye(3, device="cuda"), tj.eye(3)), (tj.tensor([[1, 2]], device="cuda"), tj.tensor([[1, 2]])),
                    (tj.zeros_like(tj.ones(2, 2, device="cuda")), tj.zeros(2, 2)),
                    (tj.full_like(tj.ones(3, device="cuda"), 2.5), tj.full((3,), 2.5)),
                    (tj.ones_like(tj.ones(2, 3).t(), device="cuda"), tj.ones(3, 2))]:
        assert t.is_cuda and t.dtype is want.dtype and t.shape == want.shape
        np.testing.assert_array_equal(t.cpu().numpy(), want.numpy())
    assert tj.empty(2, 2, device="cuda").is_cuda and tj.empty_strided((2, 2), (1, 2), device="cuda").stride() == (1, 2)
    assert tj.empty(0, device="cuda").numel() == 0


def test_views_on_cuda_tensors():
    x = tj.arange(24, dtype=tj.float32).view(2, 3, 4)
    g = x.cuda()
    for f in (lambda t: t[1], lambda t: t[:, ::2, 1:], lambda t: t.permute(2, 0, 1), lambda t: t.view(6, 4),
              lambda t: t.unsqueeze(1).expand(2, 5, 3, 4), lambda t: t.transpose(0, 2)[::-1],
              lambda t: t.narrow(2, 1, 2), lambda t: t.flatten(), lambda t: t.diagonal(0, 1, 2),
              lambda t: t.permute(2, 0, 1).contiguous(), lambda t: t.t().clone() if t.dim() == 2 else t.clone()):
        v, w = f(g), f(x)
        assert v.is_cuda and v.shape == w.shape and v.dtype is w.dtype
        np.testing.assert_array_equal(v.cpu().numpy(), w.numpy())
    c = tj.tensor([1 + 2j, 3 - 1j]).cuda()
    assert c.real.is_cuda and c.imag.cpu().tolist() == [2.0, -1.0]
    v = g[0, 1]
    v.fill_(-1)                                      # writes through the view
    g[1, :, 0] = tj.tensor([7.0, 8.0, 9.0])          # CPU source into a CUDA view
    x[0, 1] = -1
    x[1, :, 0] = tj.tensor([7.0, 8.0, 9.0])
    np.testing.assert_array_equal(g.cpu().numpy(), x.numpy())
    assert g[1, 2, 3].item() == x[1, 2, 3].item() and g.tolist() == x.tolist()
    r = g.clone()
    r.resize_(30)
    assert r.is_cuda and r.shape == (30,) and r[:24].tolist() == x.flatten().tolist()


def test_device_mixing_errors_name_both_devices():
    g = tj.ones(2, device="cuda")
    c = tj.ones(2)
    for f in (lambda: g + c, lambda: c * g, lambda: tj.add(c, c, out=g), lambda: tj.add(g, g, out=tj.zeros(2))):
        with pytest.raises(RuntimeError, match=r"same device.*(cuda:0 and cpu|cpu and cuda:0)"):
            f()
    assert (g + tj.tensor(2.0)).tolist() == [3.0, 3.0]      # a CPU 0-d tensor acts as a scalar
    c.copy_(g + 1)                                          # copy_ moves data across devices
    assert c.tolist() == [2.0, 2.0]


def test_numpy_refused_and_host_access():
    g = tj.ones(2, 2, device="cuda")
    with pytest.raises(TypeError, match=r"cuda:0 device type tensor to numpy.*\.cpu\(\)"):
        g.numpy()
    with pytest.raises(TypeError, match="cpu"):
        np.asarray(g)
    assert g.numpy(force=True).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert "device='cuda:0'" in repr(g) and float(g[0, 0]) == 1.0 and bool(g[0, 0])
    assert pickle.loads(pickle.dumps(g)).is_cuda
    assert not hasattr(g, "__array_interface__")


def test_ops_without_cuda_kernels_raise_not_implemented():
    g = tj.arange(6, dtype=tj.float32).view(2, 3).cuda()
    for name, f in [("median", lambda: g.median(0)), ("unique", lambda: tj.unique(g)),
                    ("kthvalue", lambda: g.kthvalue(1, 0)), ("mode", lambda: tj.mode(g, 0))]:
        with pytest.raises(NotImplementedError, match=rf"{name}.*CUDA.*cuda:0"):
            f()
    with pytest.raises(NotImplementedError, match="storage"):
        g.storage()


def test_cuda_module():
    assert tj.cuda.is_available() and tj.cuda.device_count() == 1 and tj.cuda.current_device() == 0
    tj.cuda.set_device(0)
    tj.cuda.set_device("cuda:0")
    tj.cuda.synchronize()
    tj.cuda.manual_seed(3)
    assert tj.cuda.initial_seed() == 3 and isinstance(tj.cuda.get_device_name(), str)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        tj.zeros(1, device="cuda:3")
    g = tj.ones(3, device="cuda")
    assert g.__dlpack_device__() == (2, 0) and g.is_cuda and not tj.ones(1).is_cuda
