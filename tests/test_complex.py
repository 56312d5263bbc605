"""Complex part views (Note [complex views]) against PyTorch: values, dtypes, strides, sharing."""
import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="complex views are checked against PyTorch")


def _pair(dtype="complex64"):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(dtype)
    return tj.from_numpy(a.copy()), torch.from_numpy(a.copy())


LAYOUTS = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.t(),
    "stepped": lambda t: t[:, ::2],
    "offset": lambda t: t[1:, 1:],
    "0-d": lambda t: t[1, 2],
}


def _same(got, want):
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    assert got.stride() == want.stride()
    assert got.storage_offset() == want.storage_offset()
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("op", ["real", "imag", "view_as_real"])
def test_part_views_match_torch(op, layout, dtype):
    t, w = _pair(dtype)
    t, w = LAYOUTS[layout](t), LAYOUTS[layout](w)
    _same(getattr(tj, op)(t), getattr(torch, op)(w))


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "offset"])
def test_view_as_complex_round_trip(layout):
    t, w = _pair("complex128")
    t, w = LAYOUTS[layout](t), LAYOUTS[layout](w)
    _same(tj.view_as_complex(tj.view_as_real(t)), torch.view_as_complex(torch.view_as_real(w)))


def test_writes_through_part_views():
    t, w = _pair()
    t.real[0] = 5.0
    w.real[0] = 5.0
    t.imag[:, 1] *= 2
    w.imag[:, 1] *= 2
    tj.view_as_real(t)[2, :, 0] = -1.0
    torch.view_as_real(w)[2, :, 0] = -1.0
    np.testing.assert_array_equal(t.numpy(), w.numpy())


def test_property_setters():
    t, w = _pair()
    t.imag = tj.zeros(4)
    w.imag = torch.zeros(4)
    t.real = tj.ones(3, 4)
    w.real = torch.ones(3, 4)
    np.testing.assert_array_equal(t.numpy(), w.numpy())


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "0-d"])
def test_conj_values(layout):
    t, w = _pair()
    t, w = LAYOUTS[layout](t), LAYOUTS[layout](w)
    for got, want in [(t.conj(), w.conj().resolve_conj()), (tj.conj_physical(t), torch.conj_physical(w))]:
        assert got.dtype == tj.complex64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    # a copy, not a view: the input is unchanged
    np.testing.assert_array_equal(t.numpy(), w.numpy())
    assert not t.conj().is_conj()


def test_conj_physical_in_place_and_out():
    t, w = _pair()
    t.conj_physical_()
    w.conj_physical_()
    np.testing.assert_array_equal(t.numpy(), w.numpy())
    out = tj.empty(3, 4, dtype=tj.complex64)
    tj.conj_physical(t, out=out)
    np.testing.assert_array_equal(out.numpy(), torch.conj_physical(w).numpy())


def test_real_dtypes():
    x = tj.arange(4.0)
    assert tj.real(x) is x and x.conj() is x
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        x.imag
    with pytest.raises(RuntimeError, match="view_as_real"):
        tj.view_as_real(x)


@pytest.mark.parametrize("bad, match", [
    (lambda: tj.zeros(3, 3), "last dimension of size 2"),
    (lambda: tj.zeros(2, 3).t(), "last dimension with stride 1"),
    (lambda: tj.zeros(7)[1:].view(3, 2), "storage_offset divisible by 2"),
    (lambda: tj.zeros(3, 2, dtype=tj.int32), "float and double"),
])
def test_view_as_complex_errors(bad, match):
    with pytest.raises(RuntimeError, match=match):
        tj.view_as_complex(bad())
