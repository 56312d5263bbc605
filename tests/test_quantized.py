"""Quantized tensors against PyTorch: quantization bit for bit, dequantization, views,
metadata, repr, pickling, and the errors for dense ops on quantized tensors."""
import copy
import pickle

import numpy as np
import pytest

import tensorjit as tj
from tensorjit._layouts import KEYED, support_table
from tensorjit._quantized_tensor import QTensor, raw_data

from layouts import layouts

pytestmark = pytest.mark.filterwarnings("ignore:.*quantized tensor creation functions:UserWarning")

NAMES = ["quint8", "qint8", "qint32"]
SPECIALS = [np.nan, np.inf, -np.inf, 1e30, -1e30, 0.0, -0.0, 3e9, -3e9, 1e-40, -1e-40]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle of the quantized tensor tests")


def qd_of(name):
    return getattr(tj, name)


def tq(torch, name):
    return getattr(torch, name)


def values(rng, n, scale):
    """float32 values: normal, exact halves of the scale (ties), near-halves and specials."""
    x = (rng.standard_normal(n) * 100 * scale).astype(np.float32)
    h = n // 3
    x[:h] = ((rng.integers(-300, 300, h) + 0.5) * scale).astype(np.float32)
    x[h:2 * h] = np.nextafter(x[:h], np.float32(np.inf)) if h else x[h:2 * h]
    x[-len(SPECIALS):] = SPECIALS
    return x


def zero_point(rng, qd):
    return int(rng.integers(max(qd.qmin, -1000), min(qd.qmax, 1000) + 1))


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and \
        (a.reshape(-1).view(np.uint8) == b.reshape(-1).view(np.uint8)).all()


def check_against(q, t):
    """QTensor q equals torch quantized tensor t: int_repr bit for bit, dequantize bit for bit."""
    assert type(q) is QTensor and q.is_quantized
    assert str(q.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(q.shape) == tuple(t.shape) and q.stride() == t.stride()
    assert same_bits(q.int_repr().numpy(), t.int_repr().numpy())
    assert same_bits(q.dequantize().numpy(), t.dequantize().numpy())


# -- quantization and dequantization, bit for bit ----------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_quantize_per_tensor_bit_exact(torch, name):
    rng = np.random.default_rng(NAMES.index(name))
    qd = qd_of(name)
    # Lengths that end inside and outside PyTorch's vector blocks; scales with exact and inexact inverses.
    for n, scale in [(20011, 0.5), (4099, 1 / 3), (1037, 0.1), (257, float(rng.uniform(1e-3, 2))), (33, 7.3),
                     (17, 1e-3)]:
        x = values(rng, n, scale)
        zp = zero_point(rng, qd)
        q = tj.quantize_per_tensor(tj.from_numpy(x), scale, zp, qd)
        t = torch.quantize_per_tensor(torch.from_numpy(x), scale, zp, tq(torch, name))
        check_against(q, t)
        assert q.q_scale() == t.q_scale() and q.q_zero_point() == t.q_zero_point()
        assert q.qscheme() is tj.per_tensor_affine
        assert q.int_repr().dtype is qd.underlying and q.dequantize().dtype is tj.float32


@pytest.mark.parametrize("scale", [0.0, 1e-45, 1e-20, 3e38, -1.0])
def test_quantize_extreme_scales(torch, scale):
    x = np.array([0.0, 1e-30, -1e-30, 1.0, -1.0, 1e30, np.nan, np.inf], np.float32)
    for name in ("quint8", "qint32"):
        q = tj.quantize_per_tensor(tj.from_numpy(x), scale, 3, qd_of(name))
        t = torch.quantize_per_tensor(torch.from_numpy(x), scale, 3, tq(torch, name))
        assert (q.int_repr().numpy() == t.int_repr().numpy()).all()


@pytest.mark.parametrize("name", NAMES)
def test_quantize_per_channel_bit_exact(torch, name):
    rng = np.random.default_rng(10 + NAMES.index(name))
    qd = qd_of(name)
    x = values(rng, 6 * 5 * 70, 0.05).reshape(6, 5, 70)
    x[:, :, :5] = np.array(SPECIALS[:5], np.float32)
    for axis in range(3):
        nch = x.shape[axis]
        s = rng.uniform(1e-3, 0.2, nch)
        s[0] = 1 / 3
        z = rng.integers(max(qd.qmin, -1000), min(qd.qmax, 1000) + 1, nch)
        q = tj.quantize_per_channel(tj.from_numpy(x), tj.from_numpy(s), tj.from_numpy(z), axis, qd)
        t = torch.quantize_per_channel(torch.from_numpy(x), torch.from_numpy(s), torch.from_numpy(z), axis,
                                       tq(torch, name))
        check_against(q, t)
        assert q.qscheme() is tj.per_channel_affine and q.q_per_channel_axis() == axis
        sc, zc = q.q_per_channel_scales(), q.q_per_channel_zero_points()
        assert sc.dtype is tj.float64 and zc.dtype is tj.int64
        assert (sc.numpy() == t.q_per_channel_scales().numpy()).all()
        assert (zc.numpy() == t.q_per_channel_zero_points().numpy()).all()


def test_quantize_layouts(torch):
    rng = np.random.default_rng(20)
    a = values(rng, 6 * 7, 0.1).reshape(6, 7)
    for lname, t, arr in layouts(a):
        q = tj.quantize_per_tensor(t, 0.1, 100, tj.quint8)
        ref = torch.quantize_per_tensor(torch.from_numpy(np.array(arr)), 0.1, 100, torch.quint8)
        check_against(q, ref)
        nch = t.shape[1]
        qc = tj.quantize_per_channel(t, tj.full((nch,), 0.1, dtype=tj.float64), tj.zeros(nch, dtype=tj.int64), 1,
                                     tj.quint8)
        refc = torch.quantize_per_channel(torch.from_numpy(np.array(arr)), torch.full((nch,), 0.1, dtype=torch.float64),
                                          torch.zeros(nch, dtype=torch.int64), 1, torch.quint8)
        check_against(qc, refc)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (0, 4)])
def test_quantize_zero_d_and_empty(torch, shape):
    x = np.full(shape, 1.25, np.float32)
    q = tj.quantize_per_tensor(tj.from_numpy(x), 0.5, 7, tj.qint8)
    t = torch.quantize_per_tensor(torch.from_numpy(x), 0.5, 7, torch.qint8)
    check_against(q, t)
    if shape and shape[-1]:
        z = tj.quantize_per_channel(tj.from_numpy(x), tj.ones(shape[-1]), tj.zeros(shape[-1], dtype=tj.int64),
                                    len(shape) - 1, tj.qint8)
        assert z.shape == shape and z.int_repr().numel() == 0


def test_scale_and_zero_point_as_tensors(torch):
    x = np.array([0.3, -2.0], np.float32)
    q = tj.quantize_per_tensor(tj.from_numpy(x), tj.tensor(0.1), tj.tensor(2), tj.qint8)
    t = torch.quantize_per_tensor(torch.from_numpy(x), torch.tensor(0.1), torch.tensor(2), torch.qint8)
    check_against(q, t)
    assert type(q.q_scale()) is float and type(q.q_zero_point()) is int


def test_quantize_list_form(torch):
    xs = [np.array([0.3, -1.0], np.float32), np.zeros((2, 2), np.float32)]
    got = tj.quantize_per_tensor([tj.from_numpy(x) for x in xs], tj.tensor([0.1, 0.2]), tj.tensor([5, 1]), tj.qint8)
    want = torch.quantize_per_tensor([torch.from_numpy(x) for x in xs], torch.tensor([0.1, 0.2]),
                                     torch.tensor([5, 1]), torch.qint8)
    assert type(got) is tuple and len(got) == 2
    for q, t in zip(got, want):
        check_against(q, t)
        assert repr(q) == repr(t).replace("torch.", "tensorjit.")
    with pytest.raises(TypeError):
        tj.quantize_per_tensor([tj.ones(2)], 0.1, 0, tj.quint8)
    with pytest.raises(IndexError):
        tj.quantize_per_tensor([tj.ones(2), tj.ones(2)], tj.tensor([0.1]), tj.tensor([0]), tj.quint8)


def test_dequantize_function_and_dense(torch):
    q = tj.quantize_per_tensor(tj.tensor([0.3, -1.0]), 0.1, 5, tj.qint8)
    a, b = tj.dequantize([q, q])
    assert same_bits(a.numpy(), q.dequantize().numpy()) and same_bits(b.numpy(), a.numpy())
    for dt, tdt in ((tj.int32, torch.int32), (tj.float32, torch.float32)):
        d = tj.dequantize(tj.tensor([1, 2], dtype=dt))
        r = torch.dequantize(torch.tensor([1, 2], dtype=tdt))
        assert d.dtype is tj.float32 and str(r.dtype) == "torch.float32" and d.tolist() == r.tolist()
        assert tj.tensor([1, 2], dtype=dt).dequantize().tolist() == r.tolist()


# -- views and copies ----------------------------------------------------------------------------
VIEWS = [
    ("t", lambda q: q.t()), ("transpose", lambda q: q.transpose(0, 1)), ("permute", lambda q: q.permute(1, 0)),
    ("reshape", lambda q: q.reshape(3, 8)), ("view", lambda q: q.view(24)), ("view_infer", lambda q: q.view(2, -1)),
    ("reshape_copy", lambda q: q.t().reshape(24)), ("flatten", lambda q: q.flatten()),
    ("unsqueeze", lambda q: q.unsqueeze(1)), ("squeeze", lambda q: q.unsqueeze(0).squeeze()),
    ("expand", lambda q: q[:1].expand(3, 6)), ("narrow", lambda q: q.narrow(1, 2, 3)),
    ("select", lambda q: q.select(1, 4)), ("int", lambda q: q[1]), ("steps", lambda q: q[:, ::2]),
    ("slices", lambda q: q[1:3, 2:]), ("ellipsis_none", lambda q: q[..., None]), ("none_int", lambda q: q[None, -1]),
    ("scalar", lambda q: q[-1, -1]), ("index_list", lambda q: q[[0, 2]]), ("clone", lambda q: q.t().clone()),
    ("contiguous", lambda q: q.t().contiguous()), ("contiguous_self", lambda q: q.contiguous()),
]


@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_views_match_torch(torch, name, fn):
    rng = np.random.default_rng(30)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    q = tj.quantize_per_tensor(tj.from_numpy(x), 0.02, 120, tj.quint8)
    t = torch.quantize_per_tensor(torch.from_numpy(x), 0.02, 120, torch.quint8)
    v, r = fn(q), fn(t)
    check_against(v, r)
    assert v.q_scale() == 0.02 and v.q_zero_point() == 120
    # Views share storage exactly where PyTorch's do, at the same offset.
    shares = raw_data(v) is raw_data(q)
    assert shares == (r.untyped_storage().data_ptr() == t.untyped_storage().data_ptr())
    assert not shares or v.storage_offset() == r.storage_offset()
    assert v.is_contiguous() == r.is_contiguous()


def test_function_forms_of_views(torch):
    # tensorjit.transpose(q, ...) and friends reach the same views through the dispatcher.
    x = np.arange(24, dtype=np.float32).reshape(4, 6) / 8
    q = tj.quantize_per_tensor(tj.from_numpy(x), 0.125, 3, tj.qint8)
    t = torch.quantize_per_tensor(torch.from_numpy(x), 0.125, 3, torch.qint8)
    for name, args in (("transpose", (0, 1)), ("t", ()), ("permute", ((1, 0),)), ("reshape", ((3, 8),)),
                       ("unsqueeze", (0,)), ("squeeze", ()), ("narrow", (1, 1, 2)), ("select", (0, 2)),
                       ("flatten", ()), ("clone", ())):
        check_against(getattr(tj, name)(q, *args), getattr(torch, name)(t, *args))


def test_iteration_and_item(torch):
    x = np.array([[0.3, 1.7], [-0.4, 2.2]], np.float32)
    q = tj.quantize_per_tensor(tj.from_numpy(x), 0.1, 10, tj.qint8)
    t = torch.quantize_per_tensor(torch.from_numpy(x), 0.1, 10, torch.qint8)
    assert len(q) == 2
    for a, b in zip(q, t):
        check_against(a, b)
    assert q[0, 1].item() == t[0, 1].item() and float(q[1, 0]) == float(t[1, 0])
    with pytest.raises(RuntimeError, match="2 elements"):
        q[0].item()


def test_per_channel_views_refused():
    q = tj.quantize_per_channel(tj.ones(2, 3), tj.ones(2), tj.zeros(2, dtype=tj.int64), 0, tj.qint8)
    for fn in (lambda: q.t(), lambda: q.reshape(6), lambda: q[0], lambda: q.view(3, 2)):
        with pytest.raises(RuntimeError, match="per-channel"):
            fn()
    c = q.clone()
    assert c.qscheme() is tj.per_channel_affine and c.int_repr().tolist() == q.int_repr().tolist()
    assert q.contiguous() is q


# -- metadata, dtypes, repr ----------------------------------------------------------------------
def test_dtypes_and_schemes(torch):
    for name in NAMES:
        d, td = qd_of(name), tq(torch, name)
        assert isinstance(d, tj.dtype) and d.is_quantized and repr(d) == f"tensorjit.{name}"
        assert d.itemsize == td.itemsize and d.is_floating_point == td.is_floating_point
        assert d.is_signed == d.underlying.is_signed and d != d.underlying and hash(d) != hash(d.underlying)
        assert pickle.loads(pickle.dumps(d)) is d
    assert not tj.float32.is_quantized and not tj.uint8.is_quantized
    assert repr(tj.per_tensor_affine) == "tensorjit.per_tensor_affine"
    assert pickle.loads(pickle.dumps(tj.per_channel_affine)) is tj.per_channel_affine
    q = tj.quantize_per_tensor(tj.ones(3), 0.5, 0, tj.qint32)
    t = torch.quantize_per_tensor(torch.ones(3), 0.5, 0, torch.qint32)
    assert q.element_size() == t.element_size() and q.is_floating_point() == t.is_floating_point()
    assert q.is_quantized and not tj.ones(1).is_quantized and q.layout is tj.strided
    table = support_table()
    assert QTensor in KEYED and all("quantized" in table[op] for op in ("eq", "lt", "transpose", "getitem", "to"))
    assert "quantized" not in table.get("pointwise", []) and "quantized" not in table.get("exp", [])


REPRS = [
    ("2x2", lambda m: m.quantize_per_tensor(m.tensor([[1.0, 2.0], [3.0, 4.0]]), 0.5, 2, m.quint8)),
    ("specials", lambda m: m.quantize_per_tensor(m.tensor([-1.0, 0.0, 0.5, 2.5, float("nan"), float("inf"), 300.0]),
                                                 1.0, 3, m.qint32)),
    ("0-d", lambda m: m.quantize_per_tensor(m.tensor(1.0), 0.5, 2, m.quint8)),
    ("empty", lambda m: m.quantize_per_tensor(m.zeros(0), 0.1, 0, m.quint8)),
    ("empty-2d", lambda m: m.quantize_per_tensor(m.zeros(2, 0), 0.1, 0, m.qint8)),
    ("long", lambda m: m.quantize_per_tensor(m.arange(2000, dtype=m.float32), 0.25, -3, m.qint8)),
    ("per-channel", lambda m: m.quantize_per_channel(m.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                                     m.tensor([0.5, 0.25], dtype=m.float64), m.tensor([1, 2]), 0,
                                                     m.qint8)),
]


@pytest.mark.parametrize("name,make", REPRS, ids=[r[0] for r in REPRS])
def test_repr_matches_torch(torch, name, make):
    assert repr(make(tj)) == repr(make(torch)).replace("torch.", "tensorjit.")
    assert str(make(tj)) == repr(make(tj))


def test_pickle_and_deepcopy():
    q = tj.quantize_per_tensor(tj.tensor([[0.5, -1.0], [2.0, 3.0]]), 0.25, 3, tj.qint8).t()
    qc = tj.quantize_per_channel(tj.tensor([[1.0, 2.0], [3.0, 4.0]]), tj.tensor([0.5, 0.25]), tj.tensor([1, 2]), 1,
                                 tj.quint8)
    for a in (q, qc):
        for b in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a)):
            assert type(b) is QTensor and b.dtype is a.dtype and b.qscheme() is a.qscheme()
            assert b.int_repr().tolist() == a.int_repr().tolist() and b.shape == a.shape
            assert repr(b) == repr(a)


# -- refusals ------------------------------------------------------------------------------------
def test_creation_errors(torch):
    x = tj.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="above upper bound"):
        tj.quantize_per_tensor(x, 0.1, 300, tj.quint8)
    with pytest.raises(RuntimeError, match="below lower bound"):
        tj.quantize_per_tensor(x, 0.1, -129, tj.qint8)
    with pytest.raises(RuntimeError, match="Float Tensor, got tensorjit.float64"):
        tj.quantize_per_tensor(x.double(), 0.1, 0, tj.quint8)
    with pytest.raises(RuntimeError, match="Float Tensor"):
        tj.quantize_per_tensor(tj.tensor([1, 2]), 0.1, 0, tj.quint8)
    q = tj.quantize_per_tensor(x, 0.1, 0, tj.quint8)
    with pytest.raises(RuntimeError, match="Float Tensor, got tensorjit.quint8"):
        tj.quantize_per_tensor(q, 0.1, 0, tj.quint8)
    with pytest.raises(RuntimeError, match="not a quantized dtype"):
        tj.quantize_per_tensor(x, 0.1, 0, tj.uint8)
    with pytest.raises(TypeError, match="must be Tensor"):
        tj.quantize_per_tensor(np.ones(2, np.float32), 0.1, 0, tj.quint8)
    with pytest.raises(RuntimeError, match="Channel axis out of range"):
        tj.quantize_per_channel(x, tj.ones(2), tj.zeros(2, dtype=tj.int64), 1, tj.quint8)
    with pytest.raises(RuntimeError, match="Channel axis out of range"):
        tj.quantize_per_channel(x, tj.ones(2), tj.zeros(2, dtype=tj.int64), -1, tj.quint8)
    with pytest.raises(RuntimeError, match="number of channels 2"):
        tj.quantize_per_channel(x, tj.ones(3), tj.zeros(3, dtype=tj.int64), 0, tj.quint8)
    with pytest.raises(RuntimeError, match="above upper bound"):
        tj.quantize_per_channel(x, tj.ones(2), tj.tensor([0, 200]), 0, tj.qint8)
    with pytest.raises(NotImplementedError, match="float_qparams"):
        tj.quantize_per_channel(x, tj.ones(2), tj.zeros(2), 0, tj.quint8)
    # PyTorch raises RuntimeError for the same calls.
    with pytest.raises(RuntimeError):
        torch.quantize_per_tensor(torch.ones(2), 0.1, 300, torch.quint8)
    with pytest.raises(RuntimeError):
        torch.quantize_per_tensor(torch.ones(2, dtype=torch.float64), 0.1, 0, torch.quint8)
    with pytest.raises(RuntimeError):
        torch.quantize_per_channel(torch.ones(2), torch.ones(3, dtype=torch.float64), torch.zeros(3, dtype=torch.long),
                                   0, torch.quint8)


def test_accessor_errors(torch):
    q = tj.quantize_per_tensor(tj.ones(2), 0.1, 0, tj.quint8)
    qc = tj.quantize_per_channel(tj.ones(2), tj.ones(2), tj.zeros(2, dtype=tj.int64), 0, tj.quint8)
    for fn in (q.q_per_channel_scales, q.q_per_channel_zero_points, q.q_per_channel_axis, qc.q_scale,
               qc.q_zero_point):
        with pytest.raises(RuntimeError):
            fn()
    for op in ("int_repr", "q_scale", "q_zero_point", "q_per_channel_scales", "qscheme"):
        with pytest.raises(RuntimeError, match="expected a quantized tensor"):
            getattr(tj.ones(2), op)()
        with pytest.raises(RuntimeError):
            getattr(torch.ones(2), op)()
    with pytest.raises(TypeError, match="int_repr"):
        q.numpy()
    with pytest.raises(TypeError):
        np.asarray(q)
    with pytest.raises(RuntimeError, match="tolist"):
        q.tolist()
    with pytest.raises(RuntimeError):
        q.is_signed()


DENSE = [
    ("add", lambda q: q + q), ("mul_scalar", lambda q: q * 2), ("radd", lambda q: 1 + q), ("exp", lambda q: tj.exp(q)),
    ("eq_", lambda q: q.eq_(q)), ("maximum", lambda q: tj.maximum(q, q)), ("sum", lambda q: q.sum()),
    ("mean_dim", lambda q: q.mean(0)), ("eq_out_quantized", lambda q: tj.eq(tj.ones(2, 3), 1.0, out=q)),
    ("amax", lambda q: tj.amax(q, dim=1, keepdim=True)), ("iadd", lambda q: q.__iadd__(1)),
    ("add_out", lambda q: tj.add(tj.ones(2, 3), 1, out=q)), ("matmul", lambda q: tj.matmul(q, q.t())),
    ("cat", lambda q: tj.cat([q, q])), ("sort", lambda q: tj.sort(q)), ("flip", lambda q: tj.flip(q, [0])),
    ("abs", lambda q: q.abs()), ("zeros_like", lambda q: tj.zeros_like(q)),
    ("setitem", lambda q: q.__setitem__(0, 1.0)), ("fill_", lambda q: q.fill_(0)),
]


@pytest.mark.parametrize("name,fn", DENSE, ids=[d[0] for d in DENSE])
def test_dense_ops_refused(name, fn):
    q = tj.quantize_per_tensor(tj.tensor([[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]]), 0.5, 1, tj.quint8)
    before = q.int_repr().tolist()
    with pytest.raises(NotImplementedError, match="quantized"):
        fn(q)
    assert q.int_repr().tolist() == before


CMP = ["eq", "ne", "lt", "le", "gt", "ge"]


@pytest.mark.parametrize("op", CMP)
def test_comparisons_match_torch(torch, op):
    # PyTorch compares dequantized values: quantized with quantized (other parameters, other
    # dtype), with a Python scalar, with a dense tensor, and into a bool out= tensor.
    x, y = np.array([0.5, 1.0, 1.5, 2.0], np.float32), np.array([0.5, 2.0, 1.0, 2.0], np.float32)
    q, t = tj.quantize_per_tensor(tj.from_numpy(x), 0.5, 1, tj.quint8), \
        torch.quantize_per_tensor(torch.from_numpy(x), 0.5, 1, torch.quint8)
    r, u = tj.quantize_per_tensor(tj.from_numpy(y), 0.25, -3, tj.qint8), \
        torch.quantize_per_tensor(torch.from_numpy(y), 0.25, -3, torch.qint8)
    f, g = getattr(tj, op), getattr(torch, op)
    for a, b in (((q, r), (t, u)), ((q, 1.0), (t, 1.0)), ((q, tj.from_numpy(y)), (t, torch.from_numpy(y))),
                 ((tj.from_numpy(y), q), (torch.from_numpy(y), t)), ((q[::2], r[1::2]), (t[::2], u[1::2]))):
        got, want = f(*a), g(*b)
        assert got.dtype is tj.bool and got.tolist() == want.tolist()
    out = tj.empty(4, dtype=tj.bool)
    assert f(q, r, out=out) is out and out.tolist() == g(t, u).tolist()
    qc = tj.quantize_per_channel(tj.from_numpy(x), tj.tensor([0.5, 0.25, 1.0, 0.5]), tj.tensor([0, 1, 2, 3]), 0,
                                 tj.quint8)
    assert f(qc, 1.0).tolist() == g(torch.from_numpy(qc.dequantize().numpy()), 1.0).tolist()


def test_torch_refuses_the_same_dense_ops(torch):
    t = torch.quantize_per_tensor(torch.ones(2, 3), 0.5, 1, torch.quint8)
    for fn in (lambda: t + t, lambda: torch.exp(t), lambda: t.sum(), lambda: torch.matmul(t, t.t())):
        with pytest.raises(NotImplementedError):
            fn()


def test_to_casts_and_detach(torch):
    q = tj.quantize_per_tensor(tj.tensor([0.5, 1.0]), 0.5, 3, tj.quint8)
    t = torch.quantize_per_tensor(torch.tensor([0.5, 1.0]), 0.5, 3, torch.quint8)
    assert q.cpu() is q and q.to("cpu") is q and q.to(tj.quint8) is q
    assert t.cpu() is t and t.to("cpu") is t and t.to(torch.quint8) is t
    c = q.to(tj.quint8, copy=True)
    assert c is not q and raw_data(c) is not raw_data(q) and c.int_repr().tolist() == q.int_repr().tolist()
    d, e = q.detach(), t.detach()
    check_against(d, e)
    assert raw_data(d) is raw_data(q) and e.data_ptr() == t.data_ptr()
    for fn, tfn in ((lambda x: x.float(), lambda x: x.float()), (lambda x: x.double(), lambda x: x.double()),
                    (lambda x: x.to(tj.float32), lambda x: x.to(torch.float32)),
                    (lambda x: x.to(tj.qint8), lambda x: x.to(torch.qint8))):
        with pytest.raises(RuntimeError, match="dequantize"):
            fn(q)
        with pytest.raises(RuntimeError):
            tfn(t)
    with pytest.raises(NotImplementedError, match="CPU only"):
        q.to("cuda")


def test_dense_factories_refuse_quantized_dtypes():
    for fn in (lambda: tj.zeros(2, dtype=tj.quint8), lambda: tj.tensor([1], dtype=tj.qint8),
               lambda: tj.ones(2).to(tj.qint32), lambda: tj.promote_types(tj.quint8, tj.float32)):
        with pytest.raises(TypeError, match="tensorjit.q"):
            fn()


def test_save_load_round_trip(tmp_path):
    q = tj.quantize_per_tensor(tj.tensor([[0.5, -1.0, 2.0], [2.0, 3.0, -0.25]]), 0.25, 3, tj.qint8).t()
    qc = tj.quantize_per_channel(tj.tensor([[1.0, 2.0], [3.0, 4.0]]), tj.tensor([0.5, 0.25]), tj.tensor([1, 2]), 1,
                                 tj.quint8)
    path = str(tmp_path / "q.tj")
    tj.save({"q": q, "view": q[1:], "qc": qc, "dense": tj.ones(2)}, path)
    for mmap in (False, True):
        d = tj.load(path, mmap=mmap)
        for a, b in ((d["q"], q), (d["view"], q[1:]), (d["qc"], qc)):
            assert type(a) is QTensor and repr(a) == repr(b) and a.stride() == b.stride()
            assert a.int_repr().tolist() == b.int_repr().tolist()
        # A view and its base share storage again after loading.
        assert d["view"].data_ptr() - d["q"].data_ptr() == q[1:].data_ptr() - q.data_ptr()
        assert d["dense"].tolist() == [1.0, 1.0]


def test_load_refuses_malformed_quantized_entries(tmp_path):
    q = tj.quantize_per_tensor(tj.ones(2), 0.5, 3, tj.quint8)
    path = tmp_path / "q.tj"
    tj.save(q, str(path))
    raw = path.read_bytes()
    for old, new in ((b'"per_tensor_affine"', b'"per_tensor_affinX"'), (b'"scale":0.5', b'"scale":"5"'),
                     (b'"quint8"', b'"qint08"'), (b'"zero_point":3', b'"zero_point":0')):
        assert old in raw and len(old) == len(new)
        bad = tmp_path / "bad.tj"
        bad.write_bytes(raw.replace(old, new))
        if new.endswith(b":0"):  # a valid zero point: loads, with that zero point
            assert tj.load(str(bad)).q_zero_point() == 0
            continue
        with pytest.raises(tj.serialization.LoadError, match="quantized"):
            tj.load(str(bad))


def test_dense_data_refuses_a_quantized_or_sparse_value():
    d = tj.zeros(2)
    with pytest.raises(RuntimeError, match="quantized"):
        d.data = tj.quantize_per_tensor(tj.ones(2), 0.5, 0, tj.quint8)
    with pytest.raises(RuntimeError, match="sparse_coo"):
        d.data = tj.ones(2, 2).to_sparse()
    assert d.tolist() == [0.0, 0.0] and d.dtype == tj.float32
