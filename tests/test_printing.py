"""format_tensor must reproduce torch's tensor repr exactly (torch is the oracle)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="torch is the reference implementation for tensor printing"
)

from tensorjit._printing import (  # noqa: E402
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

ALL_DTYPES = [
    "bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "complex64", "complex128",
]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]


@pytest.fixture(autouse=True)
def _reset_state():
    saved_default = torch.get_default_dtype()
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(saved_default)


def torch_repr(a):
    # torch.from_numpy rejects negative strides and non-native byte order, so
    # give torch a fresh C-ordered native copy (np.array keeps 0-d arrays 0-d).
    a = np.array(a, order="C", dtype=a.dtype.newbyteorder("="))
    return repr(torch.from_numpy(a)).replace("torch", "tensorjit")


def check(a, name=None, default="float32"):
    name = name or a.dtype.name
    assert format_tensor(a, name, default_dtype_name=default) == torch_repr(a)


def both_options(**kwargs):
    torch.set_printoptions(**kwargs)
    set_printoptions(**kwargs)


# --------------------------------------------------------------------------
# Values and dtypes
# --------------------------------------------------------------------------

FLOAT_VALUES = {
    "ints": [1.0, 2.0, 3.0],
    "neg_ints": [-1.0, 20.0, -300.0],
    "fractions": [1.5, -2.25, 3.125],
    "tiny_min": [1e-5, 1.0],
    "huge_max": [1e9, 1.0],
    "ratio_over_1000": [1.0, 2000.0],
    "ratio_under_1000": [1.0, 999.0],
    "exactly_1e8": [1e8, 3.0],
    "just_over_1e8": [1.5e8, 3.0],
    "nonfinite_mixed": [math.nan, math.inf, -math.inf, 1.0],
    "nonfinite_fraction": [math.nan, -math.inf, 0.5],
    "only_nan": [math.nan],
    "only_inf": [math.inf, -math.inf],
    "zeros": [0.0, -0.0],
    "neg_zero_fraction": [-0.0, 1.5],
    "neg_zero_int": [-0.0, 7.0],
    "zero_sci": [0.0, 1e-7, 3.0],
    "rounding_width": [9.99996, 1.5],
    "mixed_magnitudes": [123456.789, 0.001, -42.0],
    "negative_fraction": [-1000.5, 2.25],
    "small_fractions": [0.1, 0.2, 0.3],
}
FLOAT64_ONLY = {
    "three_digit_exponents": [1e-300, 1e300, -2.5],
    "tiny_and_huge": [-1e-120, 5.0, 3e150],
    "subnormal": [5e-324, 1.0],
    "max_ratio_overflow": [1e308, 1e-308],
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("key", sorted(FLOAT_VALUES))
def test_float_values(dtype, key):
    with np.errstate(over="ignore"):
        a = np.array(FLOAT_VALUES[key], dtype=dtype)
    check(a)
    check(a.reshape(-1, 1))


@pytest.mark.parametrize("key", sorted(FLOAT64_ONLY))
def test_float64_extremes(key):
    check(np.array(FLOAT64_ONLY[key]))


def test_float16_range():
    check(np.array([65504.0, 1.0, -65504.0], dtype=np.float16))
    check(np.array([6e-5, 1.0], dtype=np.float16))
    check(np.array([6e-8, 0.5], dtype=np.float16))  # subnormal half


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_int_values(dtype):
    info = np.iinfo(dtype)
    check(np.array([info.min, 0, 1, info.max], dtype=dtype))
    check(np.array([[5, 10], [15, 120]], dtype=dtype))
    check(np.array([7], dtype=dtype))


def test_bool_values():
    check(np.array([True, False, True]))
    check(np.array([[True], [True]]))
    check(np.array(False))


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_values(dtype):
    cases = [
        [1 + 2j, -0.0 - 0.5j],
        [1 + 1j, 2 - 3j],
        [1.5 + 0j, 0 + 0j],
        [complex(math.nan, 1), complex(1, math.inf), complex(-math.inf, -0.0)],
        [1e-5j, 1 + 0j],
        [1e9 + 1j, -3 - 1e-6j],
        [complex(0.0, -0.0), complex(-0.0, 0.0)],
    ]
    for values in cases:
        check(np.array(values, dtype=dtype))
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(dtype)
    check(z)
    check(np.array(2 - 1j, dtype=dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_zero_dim(dtype):
    value = {"bool": True, "complex64": 1 - 2j, "complex128": 0.5j}.get(dtype, 3)
    check(np.array(value, dtype=dtype))
    if dtype.startswith("float"):
        check(np.array(3.25, dtype=dtype))
        check(np.array(-0.0, dtype=dtype))
        check(np.array(math.nan, dtype=dtype))
        check(np.array(1e-9, dtype=dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4)])
def test_empty(dtype, shape):
    check(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128", "int64"])
def test_default_dtype_float64(dtype):
    torch.set_default_dtype(torch.float64)
    check(np.array([1.5, 2.0], dtype=dtype), default="float64")
    check(np.zeros((0, 2), dtype=dtype), default="float64")
    check(np.array(4, dtype=dtype), default="float64")


def test_default_dtype_float16_pairs_with_complex64():
    # Torch uses complex128 as the implied complex dtype only for float64.
    torch.set_default_dtype(torch.float16)
    for dtype in ("float16", "float32", "complex64", "complex128"):
        check(np.array([1.5, 2.0], dtype=dtype), default="float16")


# --------------------------------------------------------------------------
# Shapes, layout and summarisation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(1,), (7,), (2, 3), (1, 1, 1), (2, 3, 4), (2, 1, 2, 3), (3, 1), (1, 5)]
)
@pytest.mark.parametrize("dtype", ["float32", "int32", "complex64", "bool"])
def test_shapes(shape, dtype):
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    a = rng.standard_normal(shape) * 10
    if dtype == "complex64":
        a = a + 1j * rng.standard_normal(shape)
    elif dtype == "bool":
        a = a > 0
    check(a.astype(dtype))


@pytest.mark.parametrize(
    "shape", [(5000,), (40, 50), (1001, 1), (1, 1001), (10, 10, 20), (3, 4, 5, 30), (7, 200)]
)
def test_summarised(shape):
    rng = np.random.default_rng(1)
    n = int(np.prod(shape))
    check(np.arange(n, dtype=np.int64).reshape(shape))
    check((rng.standard_normal(shape) * 100).astype(np.float32))
    check(np.ones(shape, dtype=np.bool_))


def test_summarised_ignores_hidden_values():
    # A huge value hidden by "..." must not switch on sci mode or widen columns.
    a = np.ones(2000)
    a[1000] = 1e12
    a[3] = 1.25
    check(a.astype(np.float32))
    b = np.zeros((50, 50), dtype=np.int64)
    b[25, 25] = 10**15
    check(b)
    z = np.ones(2000, dtype=np.complex128)
    z[500] = 1e20j
    check(z)


def test_summarised_sci_and_complex():
    rng = np.random.default_rng(2)
    check((rng.standard_normal((30, 40)) * 1e-6).astype(np.float64))
    z = rng.standard_normal((30, 40)) + 1j * rng.standard_normal((30, 40))
    check(z.astype(np.complex64))


def test_line_wrapping():
    check(np.arange(100, dtype=np.int64))
    check(np.linspace(-1, 1, 40).astype(np.float32))
    check(np.linspace(0, 1e-6, 30))
    check((np.arange(30) * (1 + 1j)).astype(np.complex64))
    check(np.arange(60, dtype=np.float32).reshape(2, 30))
    # dtype suffix pushed onto its own line
    check(np.array([1, 2**63, 2**64 - 1], dtype=np.uint64))
    check(np.full(9, 0.123, dtype=np.float16))


def test_non_contiguous():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((6, 8)).astype(np.float32)
    check(base.T)
    check(base[::2, 1::3])
    check(base[::-1, ::-2])
    check(np.asfortranarray(base))
    check(np.broadcast_to(np.arange(4, dtype=np.int16), (3, 4)))
    big = np.arange(4000, dtype=np.float64).reshape(40, 100)
    check(big.T[::-1])
    check(np.arange(6, dtype=">i4"), "int32")  # non-native byte order


def test_values_cast_to_named_dtype():
    vals = np.array([0.1, 1 / 3, 2.5])
    expected = repr(torch.tensor(vals.tolist(), dtype=torch.float16))
    assert format_tensor(vals, "float16", module="torch") == expected
    assert format_tensor([1, 2], "int8") == "tensor([1, 2], dtype=tensorjit.int8)"


def test_device_and_module():
    a = np.array([1.0, 2.0], dtype=np.float32)
    assert format_tensor(a, "float32", device="cuda:0") == "tensor([1., 2.], device='cuda:0')"
    assert format_tensor(a, "float32", device="cuda") == "tensor([1., 2.], device='cuda:0')"
    assert (
        format_tensor(a, "float64", device="cuda:1", module="tj")
        == "tensor([1., 2.], device='cuda:1', dtype=tj.float64)"
    )
    assert format_tensor(np.zeros((0, 2)), "int64", device="cuda:0") == (
        "tensor([], device='cuda:0', size=(0, 2), dtype=tensorjit.int64)"
    )
    assert format_tensor(a, "float64", module="torch") == repr(
        torch.tensor([1.0, 2.0], dtype=torch.float64)
    )


def test_bad_dtype_name():
    with pytest.raises(ValueError, match="unsupported dtype"):
        format_tensor(np.zeros(2), "bfloat16")


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------

SAMPLES = [
    np.array([1.123456789, -22.5, 3.0], dtype=np.float64),
    np.array([1.0, 2.0, 3.0], dtype=np.float32),
    np.array([1e-5, 1.0, 123.0], dtype=np.float32),
    np.arange(24, dtype=np.int64).reshape(2, 3, 4),
    np.linspace(-5, 5, 60).astype(np.float32).reshape(6, 10),
    np.array([1.5 + 2.25j, -3j], dtype=np.complex64),
    np.array(2.5, dtype=np.float32),
    np.array([True, False] * 5),
    np.zeros((0, 2), dtype=np.float32),
]


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 0},
        {"precision": 2},
        {"precision": 8},
        {"threshold": 5},
        {"threshold": 0},
        {"threshold": 5, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"edgeitems": 0},
        {"threshold": 10, "edgeitems": 5},
        {"linewidth": 20},
        {"linewidth": 1},
        {"linewidth": 200},
        {"sci_mode": True},
        {"sci_mode": False},
        {"sci_mode": True, "precision": 1},
        {"profile": "short"},
        {"profile": "full"},
        {"profile": "short", "precision": 5},
        {"profile": "no-such-profile"},
    ],
    ids=repr,
)
def test_print_options(options):
    both_options(**options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    for a in SAMPLES:
        check(a)
    check(np.arange(2000, dtype=np.float32).reshape(20, 100))
    check(np.array([1e-7, 1e9, math.nan]))


def test_sci_mode_forced_on_all_zero_tensor():
    # Torch leaves sci mode off when there is no nonzero finite value.
    both_options(sci_mode=True)
    check(np.zeros(3, dtype=np.float32))
    check(np.array([math.nan, 0.0]))


def test_full_profile_prints_everything():
    both_options(profile="full")
    check(np.arange(1500, dtype=np.int16))


def test_set_printoptions_semantics():
    assert get_printoptions() == {
        "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None,
    }
    set_printoptions(sci_mode=True, precision=3)
    set_printoptions(linewidth=100)  # like torch: sci_mode resets to None
    assert get_printoptions()["sci_mode"] is None
    assert get_printoptions()["precision"] == 3
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == math.inf
    opts = get_printoptions()
    opts["precision"] = 99  # a copy, not the live settings
    assert get_printoptions()["precision"] == 4


def test_printoptions_context_manager():
    with printoptions(precision=1, threshold=3):
        assert format_tensor(np.array([0.25, 1.75]), "float64", module="torch") == (
            "tensor([0.2, 1.8], dtype=torch.float64)"
        )
    assert get_printoptions()["precision"] == 4


# --------------------------------------------------------------------------
# Randomised comparison
# --------------------------------------------------------------------------


def test_random_against_torch():
    rng = np.random.default_rng(1234)
    scales = [1e-8, 1e-3, 1.0, 1e3, 1e7, 1e12]
    for _ in range(300):
        dtype = ALL_DTYPES[rng.integers(len(ALL_DTYPES))]
        shape = tuple(int(n) for n in rng.integers(0, 6, size=rng.integers(0, 4)))
        raw = rng.standard_normal(shape) * scales[rng.integers(len(scales))]
        if rng.random() < 0.5:
            raw = np.round(raw)
        if dtype == "bool":
            a = raw > 0
        elif dtype.startswith("complex"):
            a = (raw + 1j * np.round(rng.standard_normal(shape) * 3)).astype(dtype)
        elif dtype.startswith(("int", "uint")):
            info = np.iinfo(dtype)
            a = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
        else:
            with np.errstate(over="ignore"):
                a = raw.astype(dtype)
            if a.size and rng.random() < 0.3:
                a.flat[rng.integers(a.size)] = rng.choice([math.nan, math.inf, -0.0])
        if rng.random() < 0.3:
            both_options(
                precision=int(rng.integers(0, 7)),
                threshold=int(rng.integers(0, 30)),
                edgeitems=int(rng.integers(0, 3)),
                linewidth=int(rng.integers(10, 120)),
            )
        else:
            both_options(profile="default")
        check(a, dtype)
