"""tensorjit.quantized ops against PyTorch's quantized CPU ops (torch.ops.quantized,
torch.ao.nn.quantized.functional) and against dequantize -> float op -> quantize."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dispatch
from tensorjit._quantized_tensor import QTensor, kernels

from layouts import layouts

pytestmark = pytest.mark.filterwarnings("ignore:.*quantized tensor creation functions:UserWarning")

NAMES = ["quint8", "qint8", "qint32"]
BINARY = ["add", "add_relu", "mul", "mul_relu"]


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the quantized op tests")
    if "fbgemm" not in torch.backends.quantized.supported_engines and \
            "x86" not in torch.backends.quantized.supported_engines:
        pytest.skip("PyTorch's quantized CPU ops need the fbgemm/x86 engine")
    return torch


def pair(torch, x, scale, zp, name):
    """The same float32 array quantized by tensorjit and by PyTorch."""
    return (tj.quantize_per_tensor(tj.from_numpy(np.ascontiguousarray(x)), scale, zp, getattr(tj, name)),
            torch.quantize_per_tensor(torch.from_numpy(np.ascontiguousarray(x)), scale, zp, getattr(torch, name)))


def ints(q):
    return q.int_repr().numpy().astype(np.int64)


def check_result(r, t):
    assert type(r) is QTensor and str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(r.shape) == tuple(t.shape) and r.stride() == t.stride()
    assert r.q_scale() == t.q_scale() and r.q_zero_point() == t.q_zero_point()


def params(rng, name):
    info = np.iinfo({"quint8": np.uint8, "qint8": np.int8, "qint32": np.int32}[name])
    lo, hi = max(int(info.min), -100), min(int(info.max), 200)
    return [float(s) for s in rng.uniform(0.01, 0.2, 3)], [int(z) for z in rng.integers(lo, hi, 3)]


# -- add / mul -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("op", BINARY)
def test_binary_matches_torch(torch, op, name):
    rng = np.random.default_rng(BINARY.index(op) * 3 + NAMES.index(name))
    (sa, sb, so), (za, zb, zo) = params(rng, name)
    # Broadcasting, and a length that leaves a tail after PyTorch's vector blocks.
    a, ta = pair(torch, rng.standard_normal((37, 41)).astype(np.float32) * 4, sa, za, name)
    b, tb = pair(torch, rng.standard_normal(41).astype(np.float32) * 4, sb, zb, name)
    r = getattr(tj.quantized, op)(a, b, so, zo)
    t = getattr(torch.ops.quantized, op)(ta, tb, so, zo)
    check_result(r, t)
    assert (ints(r) == ints(t)).all()


@pytest.mark.parametrize("op", BINARY)
def test_binary_layouts(torch, op):
    # Quantized from every input layout, then combined through transposed and stepped views.
    rng = np.random.default_rng(40)
    x = (rng.standard_normal((6, 8)) * 3).astype(np.float32)
    for lname, tx, nx in layouts(x):
        a = tj.quantize_per_tensor(tx, 0.04, 90, tj.quint8)
        ta = torch.quantize_per_tensor(torch.from_numpy(np.ascontiguousarray(nx)), 0.04, 90, torch.quint8)
        b, tb = pair(torch, (rng.standard_normal(nx.shape) * 3).astype(np.float32), 0.05, 100, "quint8")
        for view in (lambda q: q, lambda q: q.t(), lambda q: q[::2, 1:]):
            r = getattr(tj.quantized, op)(view(a), view(b), 0.1, 128)
            t = getattr(torch.ops.quantized, op)(view(ta), view(tb), 0.1, 128)
            check_result(r, t)
            assert (ints(r) == ints(t)).all(), lname


@pytest.mark.parametrize("shapes", [((), ()), ((0,), (0,)), ((3, 0), (1, 0)), ((), (4,))])
def test_binary_zero_d_and_empty(torch, shapes):
    sa, sb = shapes
    a, ta = pair(torch, np.full(sa, 1.3, np.float32), 0.1, 3, "qint8")
    b, tb = pair(torch, np.full(sb, -0.7, np.float32), 0.1, 3, "qint8")
    for op in BINARY:
        r = getattr(tj.quantized, op)(a, b, 0.2, 1)
        t = getattr(torch.ops.quantized, op)(ta, tb, 0.2, 1)
        check_result(r, t)
        assert (ints(r) == ints(t)).all()


@pytest.mark.parametrize("name", NAMES)
def test_binary_against_float_reference(name):
    # add: dequantize -> float32 add -> quantize is exactly what qadd computes (bit for bit);
    # mul: the int32 product and one float multiplier round differently from the float
    # product of dequantized values, so results may differ by one quantum.
    rng = np.random.default_rng(50 + NAMES.index(name))
    (sa, sb, so), (za, zb, zo) = params(rng, name)
    qd = getattr(tj, name)
    a = tj.quantize_per_tensor(tj.from_numpy((rng.standard_normal(5000) * 3).astype(np.float32)), sa, za, qd)
    b = tj.quantize_per_tensor(tj.from_numpy((rng.standard_normal(5000) * 3).astype(np.float32)), sb, zb, qd)
    da, db = a.dequantize(), b.dequantize()
    for op, ref in (("add", da + db), ("add_relu", (da + db).clamp(min=0.0))):
        r = getattr(tj.quantized, op)(a, b, so, zo)
        assert (ints(r) == ints(tj.quantize_per_tensor(ref, so, zo, qd))).all()
    r = tj.quantized.mul(a, b, so, zo)
    diff = np.abs(ints(r) - ints(tj.quantize_per_tensor(da * db, so, zo, qd)))
    assert diff.max() <= 1 and (diff != 0).mean() < 0.01


def test_binary_errors():
    a = tj.quantize_per_tensor(tj.ones(2, 3), 0.1, 0, tj.quint8)
    b = tj.quantize_per_tensor(tj.ones(2, 3), 0.1, 0, tj.qint8)
    c = tj.quantize_per_channel(tj.ones(2, 3), tj.ones(2), tj.zeros(2, dtype=tj.int64), 0, tj.quint8)
    with pytest.raises(RuntimeError, match="same quantized dtype"):
        tj.quantized.add(a, b, 0.1, 0)
    with pytest.raises(RuntimeError, match="per-tensor"):
        tj.quantized.mul(a, c, 0.1, 0)
    with pytest.raises(TypeError, match="must be a quantized tensor"):
        tj.quantized.add(a, tj.ones(2, 3), 0.1, 0)
    with pytest.raises(RuntimeError, match="zero_point 300"):
        tj.quantized.add(a, a, 0.1, 300)
    with pytest.raises(RuntimeError, match="shape"):
        tj.quantized.mul(a, a.t(), 0.1, 0)


# -- matmul --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["quint8", "qint8"])
def test_matmul(torch, name):
    # Against PyTorch (which computes in float) and against dequantize -> matmul -> quantize:
    # int32 accumulation is exact, the one float rounding of the requantization may put a
    # value on the other side of a tie: at most one quantum apart, rarely.
    rng = np.random.default_rng(60 + (name == "qint8"))
    zlo = 0 if name == "quint8" else -100
    for m, k, n in ((33, 70, 29), (1, 1, 1), (5, 300, 2)):
        (sa, sb, so), (za, zb, zo) = params(rng, name)
        za, zb, zo = (max(z, zlo) for z in (za, zb, zo))
        a, ta = pair(torch, rng.standard_normal((m, k)).astype(np.float32), sa / 4, za, name)
        b, tb = pair(torch, rng.standard_normal((k, n)).astype(np.float32), sb / 4, zb, name)
        for x, y, tx, ty in ((a, b, ta, tb), (a, b.t().contiguous().t(), ta, tb)):
            r = tj.quantized.matmul(x, y, so, zo)
            t = torch.ops.quantized.matmul(tx, ty, so, zo)
            check_result(r, t)
            ref = tj.quantize_per_tensor(tj.matmul(x.dequantize(), y.dequantize()), so, zo, getattr(tj, name))
            for other in (ints(t), ints(ref)):
                d = np.abs(ints(r) - other)
                assert d.max() <= 1 and (d != 0).mean() <= 0.01


def test_matmul_layouts_and_empty(torch):
    rng = np.random.default_rng(62)
    x = rng.standard_normal((6, 10)).astype(np.float32)
    w = tj.quantize_per_tensor(tj.from_numpy(rng.standard_normal((10, 4)).astype(np.float32)), 0.05, 3, tj.qint8)
    for lname, tx, nx in layouts(x):
        if nx.shape != x.shape:
            continue
        dense = tj.quantize_per_tensor(tj.from_numpy(np.ascontiguousarray(nx)), 0.05, 1, tj.qint8)
        q = tj.quantize_per_tensor(tx, 0.05, 1, tj.qint8)
        want = ints(tj.quantized.matmul(dense, w, 0.2, 0))
        assert (ints(tj.quantized.matmul(q, w, 0.2, 0)) == want).all(), lname
        assert (ints(tj.quantized.matmul(q.t().contiguous().t(), w.t().contiguous().t(), 0.2, 0)) == want).all()
    e = tj.quantize_per_tensor(tj.zeros(0, 10), 0.05, 1, tj.qint8)
    r = tj.quantized.matmul(e, w, 0.2, 0)
    assert r.shape == (0, 4)
    z = tj.quantized.matmul(tj.quantize_per_tensor(tj.zeros(2, 0), 0.1, 4, tj.qint8),
                            tj.quantize_per_tensor(tj.zeros(0, 3), 0.1, 5, tj.qint8), 0.2, 7)
    tz = torch.ops.quantized.matmul(torch.quantize_per_tensor(torch.zeros(2, 0), 0.1, 4, torch.qint8),
                                    torch.quantize_per_tensor(torch.zeros(0, 3), 0.1, 5, torch.qint8), 0.2, 7)
    assert (ints(z) == ints(tz)).all()


def test_matmul_errors():
    a = tj.quantize_per_tensor(tj.ones(2, 3), 0.1, 0, tj.qint8)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        tj.quantized.matmul(a, a, 0.1, 0)
    with pytest.raises(RuntimeError, match="2-d"):
        tj.quantized.matmul(a.unsqueeze(0), a.t(), 0.1, 0)
    with pytest.raises(RuntimeError, match="quint8 or both qint8"):
        tj.quantized.matmul(a, tj.quantize_per_tensor(tj.ones(3, 2), 0.1, 0, tj.quint8), 0.1, 0)
    with pytest.raises(RuntimeError, match="quint8 or both qint8"):
        q32 = tj.quantize_per_tensor(tj.ones(2, 2), 0.1, 0, tj.qint32)
        tj.quantized.matmul(q32, q32, 0.1, 0)


# -- linear --------------------------------------------------------------------------------------
def linear_operands(torch, rng, lead, k, n, per_channel, weight_zp):
    # Activations within 7 bits (zero point 64, |x / scale| < 64): FBGEMM's u8 x s8 pair
    # products saturate at int16 above that (hence PyTorch's reduce_range); tensorjit does not.
    x = np.clip(rng.standard_normal(lead + (k,)), -3, 3).astype(np.float32)
    xq, txq = pair(torch, x, 0.05, 64, "quint8")
    w = (rng.standard_normal((n, k)) * 0.3).astype(np.float32)
    if per_channel:
        s = rng.uniform(0.003, 0.02, n)
        z = rng.integers(-10, 10, n) if weight_zp else np.zeros(n, np.int64)
        wq = tj.quantize_per_channel(tj.from_numpy(w), tj.from_numpy(s), tj.from_numpy(z), 0, tj.qint8)
        twq = torch.quantize_per_channel(torch.from_numpy(w), torch.from_numpy(s), torch.from_numpy(z), 0, torch.qint8)
    else:
        wq, twq = pair(torch, w, 0.01, 3 if weight_zp else 0, "qint8")
    return xq, txq, wq, twq


@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("weight_zp", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_linear_matches_torch(torch, per_channel, weight_zp, with_bias):
    # Bit for bit: int32 accumulation and FBGEMM's float requantization of a float bias.
    rng = np.random.default_rng(70 + 4 * per_channel + 2 * weight_zp + with_bias)
    for lead, k, n in (((45,), 130, 37), ((2, 3), 16, 5), ((1,), 1, 1), ((0,), 4, 3)):
        xq, txq, wq, twq = linear_operands(torch, rng, lead, k, n, per_channel, weight_zp)
        bias = (rng.standard_normal(n) * 3).astype(np.float32) if with_bias else None
        so, zo = float(rng.uniform(0.05, 1.0)), int(rng.integers(0, 256))
        r = tj.quantized.linear(xq, wq, None if bias is None else tj.from_numpy(bias), so, zo)
        t = torch.ao.nn.quantized.functional.linear(txq, twq, None if bias is None else torch.from_numpy(bias), so, zo)
        check_result(r, t)
        assert (ints(r) == ints(t)).all()


def test_linear_against_float_reference_and_layouts(torch):
    rng = np.random.default_rng(80)
    xq, txq, wq, twq = linear_operands(torch, rng, (20,), 64, 12, True, True)
    bias = tj.from_numpy((rng.standard_normal(12) * 2).astype(np.float32))
    r = tj.quantized.linear(xq, wq, bias, 0.2, 100)
    ref = tj.quantize_per_tensor(tj.matmul(xq.dequantize(), wq.dequantize().t()) + bias, 0.2, 100, tj.quint8)
    d = np.abs(ints(r) - ints(ref))
    assert d.max() <= 1 and (d != 0).mean() <= 0.01
    # A transposed input and a sliced weight give the same integers as their contiguous copies.
    xt = xq.t().contiguous().t()
    assert (ints(tj.quantized.linear(xt, wq, bias, 0.2, 100)) == ints(r)).all()
    wp = tj.quantize_per_tensor(tj.from_numpy(rng.standard_normal((12, 128)).astype(np.float32) * 0.3), 0.01, 0,
                                tj.qint8)
    assert (ints(tj.quantized.linear(xq, wp[:, ::2], None, 0.2, 100)) ==
            ints(tj.quantized.linear(xq, wp[:, ::2].clone(), None, 0.2, 100))).all()


def test_linear_parallel_path(torch):
    # Large enough for the parallel kernel; the same integers as PyTorch.
    rng = np.random.default_rng(81)
    m, k, n = 64, 256, 96
    assert m * k * n >= 8 * _dispatch.PARALLEL_THRESHOLD
    xq, txq, wq, twq = linear_operands(torch, rng, (m,), k, n, False, True)
    bias = (rng.standard_normal(n) * 3).astype(np.float32)
    r = tj.quantized.linear(xq, wq, tj.from_numpy(bias), 0.5, 128)
    t = torch.ao.nn.quantized.functional.linear(txq, twq, torch.from_numpy(bias), 0.5, 128)
    assert (ints(r) == ints(t)).all()
    if _dispatch.get_num_threads() > 1:
        assert kernels().qgemm_parallel.signatures   # the parallel kernel ran


def test_linear_errors(torch):
    x = tj.quantize_per_tensor(tj.ones(3, 4), 0.1, 0, tj.quint8)
    w = tj.quantize_per_tensor(tj.ones(5, 4), 0.1, 0, tj.qint8)
    with pytest.raises(RuntimeError, match="input data type quint8"):
        tj.quantized.linear(tj.quantize_per_tensor(tj.ones(3, 4), 0.1, 0, tj.qint8), w, None, 0.1, 0)
    with pytest.raises(RuntimeError, match="weight data type qint8"):
        tj.quantized.linear(x, tj.quantize_per_tensor(tj.ones(5, 4), 0.1, 0, tj.quint8), None, 0.1, 0)
    with pytest.raises(RuntimeError, match="in_features"):
        tj.quantized.linear(x, tj.quantize_per_tensor(tj.ones(5, 3), 0.1, 0, tj.qint8), None, 0.1, 0)
    with pytest.raises(RuntimeError, match="bias"):
        tj.quantized.linear(x, w, tj.ones(4), 0.1, 0)
    with pytest.raises(RuntimeError, match="bias"):
        tj.quantized.linear(x, w, tj.ones(5, dtype=tj.float64), 0.1, 0)
    wc = tj.quantize_per_channel(tj.ones(5, 4), tj.ones(4), tj.zeros(4, dtype=tj.int64), 1, tj.qint8)
    with pytest.raises(RuntimeError, match="dim 0"):
        tj.quantized.linear(x, wc, None, 0.1, 0)
    with pytest.raises(TypeError, match="weight"):
        tj.quantized.linear(x, tj.ones(5, 4), None, 0.1, 0)
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        tj.quantized.linear(x[0], w, None, 0.1, 0)
    with pytest.raises(RuntimeError):
        torch.ao.nn.quantized.functional.linear(torch.quantize_per_tensor(torch.ones(4), 0.1, 0, torch.quint8),
                                                torch.quantize_per_tensor(torch.ones(5, 4), 0.1, 0, torch.qint8),
                                                None, 0.1, 0)
    # PyTorch refuses the same dtype mismatches.
    tx = torch.quantize_per_tensor(torch.ones(3, 4), 0.1, 0, torch.qint8)
    with pytest.raises(RuntimeError):
        torch.ao.nn.quantized.functional.linear(tx, torch.quantize_per_tensor(torch.ones(5, 4), 0.1, 0, torch.qint8),
                                                None, 0.1, 0)
