"""Every POINTWISE row on CUDA (Numba's simulator) against the same row's CPU kernel, and the
layouts (contiguous, transposed, stepped, offset, broadcast, 0-d, empty, > 4 dims) on a few
dtypes. Compile budget: the CPU reference is each row's ``contig`` entry (the cheapest compile),
one dtype per category for every row, every dtype on ``add`` only; the public-function checks
compare with PyTorch, so they compile no CPU kernels."""
import math

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dtypes
from tensorjit._dispatch import elementwise, kernel, compute_dtype, result_dtype_for
from tensorjit.kernels import opdefs

ROWS = opdefs.POINTWISE
REP = {opdefs.BOOL: ["bool"], opdefs.INT: ["int32"], opdefs.FLOAT: ["float32"], opdefs.COMPLEX: ["complex64"]}
# Every other dtype on one cheap row (the loads, stores and float16 handling are the same for
# every row; tests_cuda/ptx compiles the other widths of the rows whose GPU code differs).
EXTRA = {"add": ["uint8", "int8", "int16", "int64", "uint16", "uint32", "uint64", "float16", "float64",
                 "complex128"]}
# Second operands of rows that need a domain (shift counts, exponents, flags).
SMALL_NONNEG = {"bitwise_left_shift", "bitwise_right_shift", "pow", "ldexp_int", "round_pos", "round_neg",
                "polygamma"}   # (polygamma's order n: the front end allows only integers >= 0)


def _values(dt, k, name):
    """Seeded values of dtype ``dt`` for operand ``k`` of row ``name`` (NaN/inf for floats)."""
    rng = np.random.default_rng(17 + 5 * k + len(name))
    n = 6
    if dt.category == _dtypes.BOOL:
        return rng.integers(0, 2, n).astype(bool)
    if dt.category == _dtypes.INT:
        lo = 0 if (not dt.is_signed or (k > 0 and name in SMALL_NONNEG)) else -5
        v = rng.integers(lo, 6, n)
        if k > 0 and ROWS[name].divisor_check or k > 0 and name in ("pow",):
            v = np.where(v == 0, 1, v)
        return np.abs(v).astype(dt.np) if k > 0 and name in SMALL_NONNEG else v.astype(dt.np)
    v = rng.uniform(-3, 3, n).round(2)
    if k == 0 and name not in SMALL_NONNEG:
        v[1], v[4] = np.nan, np.inf
    if k > 0 and name in SMALL_NONNEG:
        v = np.abs(v).round()
    if dt.category == _dtypes.COMPLEX:
        # Finite only: complex special values differ between the simulator (NumPy's C99 rules)
        # and Numba's compiled complex functions, on CPU and GPU alike.
        v = np.nan_to_num(v, nan=0.25, posinf=1.5)
        return (v + 1j * rng.uniform(-2, 2, n).round(2)).astype(dt.np)
    return v.astype(dt.np)


def _cases():
    for name, row in ROWS.items():
        for cat in sorted(row.categories):
            try:
                row.scalar_for(cat)
            except KeyError:
                continue
            for dn in REP[cat] + [d for d in EXTRA.get(name, []) if getattr(tj, d).category == cat]:
                yield name, dn


def _cpu_reference(row, arrays, dt):
    """The row's CPU kernel (its ``contig`` entry) over contiguous NumPy inputs."""
    compute = compute_dtype(row, tuple(tj.from_numpy(a) for a in arrays), row.name)
    result = result_dtype_for(row, compute)
    k = kernel(row, (dt,) * len(arrays), compute, result)
    n = arrays[0].size
    out = np.empty(n, result.knp)
    k.contig()(out, *(a.view(dt.knp) for a in arrays), *([0] * len(arrays)), n)
    return out.view(result.np), result


@pytest.mark.parametrize("name,dn", list(_cases()))
def test_row_matches_cpu(name, dn):
    row = ROWS[name]
    dt = getattr(tj, dn)
    arrays = [_values(dt, k, name) for k in range(row.arity)]
    with np.errstate(all="ignore"):
        want, result = _cpu_reference(row, arrays, dt)
    got = elementwise(row, tuple(tj.from_numpy(a).cuda() for a in arrays))
    assert got.is_cuda and got.dtype is result and got.shape == (6,)
    g = got.cpu().numpy()
    if result.category >= _dtypes.FLOAT and name not in ("copy", "add", "neg", "where"):
        # Transcendentals: libm on CPU, the simulator's NumPy scalars or libdevice on a GPU.
        tol = 2e-3 if dt is tj.float16 else (1e-5 if result.np in (np.float32, np.complex64) else 1e-12)
        np.testing.assert_allclose(g, want, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, want)


CAST_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
               "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("src", CAST_DTYPES)
def test_copy_cast_row(src):
    """The copy/cast row from every dtype into a few (NumPy's astype is the oracle: no CPU compile).
    Values stay in range of every target (out-of-range float -> int is undefined, as in PyTorch)."""
    s = getattr(tj, src)
    base = np.array([0, 1, 2, 3, 7, 100])
    a = (base % 2).astype(bool) if s is tj.bool else base.astype(s.np)
    x = tj.from_numpy(a).cuda()
    for dst in ("bool", "uint8", "int64", "float16", "float32", "complex128"):
        d = getattr(tj, dst)
        got = x.to(d)
        assert got.is_cuda and got.dtype is d
        want = (a != 0) if d is tj.bool else (a.real if a.dtype.kind == "c" and d.category < 3 else a).astype(d.np)
        np.testing.assert_array_equal(got.cpu().numpy(), want)


def _layouts():
    """(label, maker) pairs: maker(base CPU tensor (4, 6)) -> a CPU view of that layout."""
    return [
        ("contiguous", lambda t: t),
        ("transposed", lambda t: t.t()),
        ("stepped", lambda t: t[::2, ::3]),
        ("offset", lambda t: t[1:, 2:]),
        ("negative", lambda t: t[:, ::-1]),
        ("broadcast", lambda t: t[:1].expand(4, 6)),
        ("zero_d", lambda t: t[2, 3]),
        ("empty", lambda t: t[:, 6:]),
        ("six_dims", lambda t: t.reshape(2, 2, 3, 2)[:, :, ::2, :].unsqueeze(1).unsqueeze(3).expand(2, 2, 2, 2, 2, 2)),
    ]


@pytest.mark.parametrize("dn", ["float32", "int64"])
@pytest.mark.parametrize("label,make", _layouts())
def test_layouts(label, make, dn):
    d = getattr(tj, dn)
    base = tj.from_numpy(np.arange(24).astype(d.np).reshape(4, 6))
    other = tj.from_numpy((np.arange(24) * 3 - 7).astype(d.np).reshape(4, 6))
    x = make(base)
    y = make(other)
    nx, ny = x.numpy(), y.numpy()
    gx, gy = x.cuda(), y.cuda()
    assert gx.shape == x.shape and gx.is_cuda
    # .cuda() of a non-dense view is a dense copy (as PyTorch's), so outputs follow its layout.
    assert gx.is_contiguous() or gx.stride() == x.stride()
    for got, want in [(gx + gy, nx + ny), (gx * 2 - gy, nx * 2 - ny), (-gx, -nx)]:
        assert got.is_cuda and got.dtype is d and got.shape == want.shape
        np.testing.assert_array_equal(got.cpu().numpy(), want)
    # the same layout made on the device: views of a CUDA tensor; the output's dim order is the
    # CPU op's (tensorjit's own rule: PyTorch refuses negative steps)
    vx, vy = make(base.cuda()), make(other.cuda())
    assert vx.is_cuda and vx.stride() == x.stride() and vx.storage_offset() == x.storage_offset()
    got, want = vx + vy, x + y
    if want.numel() and all(n > 1 for n in want.shape):
        assert got.stride() == want.stride()
    np.testing.assert_array_equal(got.cpu().numpy(), nx + ny)
    # out= and in place on a strided CUDA view
    if label not in ("broadcast", "six_dims"):
        dst = make(tj.zeros(4, 6, dtype=d, device="cuda"))
        tj.add(gx, gy, out=dst)
        np.testing.assert_array_equal(dst.cpu().numpy(), nx + ny)
        dst += 1
        np.testing.assert_array_equal(dst.cpu().numpy(), nx + ny + 1)


def _torch(x):
    """A CPU tensorjit tensor as a torch tensor (the oracle)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the public-function checks")
    return torch.from_numpy(np.ascontiguousarray(x.numpy()))


def _check_torch(got, want):
    assert got.is_cuda and str(want.dtype) == f"torch.{got.dtype.name}" and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.cpu().numpy(), want.numpy(), rtol=1e-6, atol=0, equal_nan=True)


def test_broadcast_and_scalars():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the public-function checks")
    a = tj.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3))
    row = tj.tensor([10.0, 20.0, 30.0])
    ta, trow = _torch(a), _torch(row)
    g = a.cuda()
    cases = [(g + row.cuda(), ta + trow), (g * 2.5, ta * 2.5), (3 - g, 3 - ta),
             (g + tj.tensor(2, dtype=tj.int64), ta + torch.tensor(2)), (g.cuda() > 2, ta > 2),
             (tj.where(g > 2, g, -g), torch.where(ta > 2, ta, -ta)),
             (g.to(tj.int32) // 2, ta.to(torch.int32) // 2), (g + 1j, ta + 1j)]
    for got, want in cases:
        _check_torch(got, want)


def test_inplace_overlap_reads_a_copy():
    a = tj.arange(8, dtype=tj.float32)
    g = a.cuda()
    g[1:] += g[:-1]
    a[1:] += a[:-1]
    np.testing.assert_array_equal(g.cpu().numpy(), a.numpy())


def test_integer_division_by_zero_raises_and_leaves_out():
    g = tj.tensor([4, 6], device="cuda")
    out = tj.full((2,), 9, device="cuda")
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        tj.floor_divide(g, tj.tensor([1, 0], device="cuda"), out=out)
    assert out.tolist() == [9, 9]


def test_errors_match_cpu():
    g = tj.ones(2, dtype=tj.bool, device="cuda")
    for fn in (lambda x: x - x, lambda x: -x):
        with pytest.raises(RuntimeError) as cpu_err:
            fn(tj.ones(2, dtype=tj.bool))
        with pytest.raises(RuntimeError) as cuda_err:
            fn(g)
        assert str(cpu_err.value).split("(operands")[0] == str(cuda_err.value).split("(operands")[0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        tj.add(tj.ones(2, device="cuda"), 1.5, out=tj.zeros(2, dtype=tj.int32, device="cuda"))


def test_math_rows_through_public_functions():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the public-function checks")
    x = tj.tensor([0.5, -1.25, 2.0])
    tx = _torch(x)
    g = x.cuda()
    for fn, tfn in ((tj.exp, torch.exp), (tj.sin, torch.sin), (tj.sqrt, torch.sqrt), (tj.isnan, torch.isnan),
                    (lambda t: tj.clamp(t, -1, 1), lambda t: torch.clamp(t, -1, 1)),
                    (lambda t: t.pow(2), lambda t: t.pow(2)),
                    (lambda t: tj.nan_to_num(t / 0), lambda t: torch.nan_to_num(t / 0))):
        _check_torch(fn(g), tfn(tx))
    assert math.isclose(float((g * g).cpu()[1]), 1.5625)
