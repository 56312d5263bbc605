"""Random sampling into CUDA tensors (Numba's simulator) against the CPU backend: the same
seed and offset on a CUDA generator and a CPU generator give the same numbers (Note [cuda
philox] in kernels/cuda/random.py; the simulator runs the CPU's arithmetic, so here they are
equal to the bit), for every float dtype and the integer ones, factories and in-place
samplers, dense and strided outputs, and the offset advances alike."""
import numpy as np
import pytest

import tensorjit as tj
from numba import config as _config

_SIMULATOR = bool(_config.ENABLE_CUDASIM)

FLOATS = ["float16", "float32", "float64", "complex64", "complex128"]
INTS = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float32"]


def _gens(seed=11):
    return tj.Generator().manual_seed(seed), tj.Generator("cuda").manual_seed(seed)


def _same(g, c):
    assert g.is_cuda and not c.is_cuda and g.dtype is c.dtype and g.shape == c.shape
    if _SIMULATOR or c.dtype.category < 2:
        np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())
    else:
        # On a GPU a fused multiply-add may round a transcendental sample's last bit differently
        # (Note [cuda philox]); integer and uniform samples stay bit-identical there too.
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=2e-6 if c.dtype.itemsize > 2 else 1e-3)


@pytest.mark.parametrize("dn", FLOATS)
def test_factories_every_float_dtype(dn):
    d = getattr(tj, dn)
    gc, gg = _gens()
    for shape in ((2, 3), ()) + (((0, 4),) if d is tj.float32 else ()):
        _same(tj.rand(shape, dtype=d, generator=gg, device="cuda"), tj.rand(shape, dtype=d, generator=gc))
        _same(tj.randn(shape, dtype=d, generator=gg, device="cuda"), tj.randn(shape, dtype=d, generator=gc))
    assert gg.get_offset() == gc.get_offset() == (6 if d is tj.float32 else 4)


@pytest.mark.parametrize("dn", INTS)
def test_integers_every_dtype(dn):
    d = getattr(tj, dn)
    gc, gg = _gens()
    with np.errstate(over="ignore"):       # the simulator's uint64 arithmetic wraps by design
        _same(tj.randint(0, 2, (7,), dtype=d, generator=gg, device="cuda"),
              tj.randint(0, 2, (7,), dtype=d, generator=gc))
        if d is not tj.bool:
            hi = 100 if d.itemsize > 1 or d is tj.uint8 else 50
            _same(tj.randint(-3 if d.is_signed else 0, hi, (3, 3), dtype=d, generator=gg, device="cuda"),
                  tj.randint(-3 if d.is_signed else 0, hi, (3, 3), dtype=d, generator=gc))
            _same(tj.empty(9, dtype=d, device="cuda").random_(generator=gg), tj.empty(9, dtype=d).random_(generator=gc))


def test_wide_ranges_and_like():
    gc, gg = _gens(3)
    with np.errstate(over="ignore"):
        _same(tj.randint(-2 ** 62, 2 ** 62, (9,), generator=gg, device="cuda"),
              tj.randint(-2 ** 62, 2 ** 62, (9,), generator=gc))
        _same(tj.empty(5, dtype=tj.uint64, device="cuda").random_(2 ** 63 + 5, generator=gg),
              tj.empty(5, dtype=tj.uint64).random_(2 ** 63 + 5, generator=gc))
    x = tj.zeros(2, 3, device="cuda")
    _same(tj.rand_like(x, generator=gg), tj.rand_like(x.cpu(), generator=gc))
    _same(tj.randn_like(x, dtype=tj.float64, generator=gg), tj.randn_like(x.cpu(), dtype=tj.float64, generator=gc))
    _same(tj.randint_like(x, 3, 9, generator=gg), tj.randint_like(x.cpu(), 3, 9, generator=gc))
    _same(tj.normal(2.0, 3.0, (4,), generator=gg, device="cuda"), tj.normal(2.0, 3.0, (4,), generator=gc))


@pytest.mark.parametrize("dn", ["float32", "float64", "float16"])
def test_inplace_samplers_and_layouts(dn):
    d = getattr(tj, dn)
    gc, gg = _gens(5)
    makes = (lambda t: t, lambda t: t.t(), lambda t: t[:, ::2]) if dn == "float32" else (lambda t: t,)
    for make in makes:
        c, g = make(tj.zeros(4, 6, dtype=d)), make(tj.zeros(4, 6, dtype=d, device="cuda"))
        for fn in (lambda t, gen: t.uniform_(-2, 3, generator=gen), lambda t, gen: t.normal_(1, 2, generator=gen),
                   lambda t, gen: t.exponential_(1.5, generator=gen), lambda t, gen: t.cauchy_(generator=gen),
                   lambda t, gen: t.log_normal_(generator=gen), lambda t, gen: t.bernoulli_(0.3, generator=gen),
                   lambda t, gen: t.random_(0, 10, generator=gen)):
            assert fn(g, gg) is g
            fn(c, gc)
            assert g.stride() == c.stride()
            _same(g, c)


def test_bernoulli_and_masks():
    gc, gg = _gens(7)
    p = tj.rand(3, 5, generator=tj.Generator().manual_seed(1))
    _same(tj.bernoulli(p.cuda(), generator=gg), tj.bernoulli(p, generator=gc))
    _same(tj.bernoulli(p.cuda(), 0.25, generator=gg), tj.bernoulli(p, 0.25, generator=gc))
    mask_g = tj.empty(4, 4, dtype=tj.bool, device="cuda").bernoulli_(0.5, generator=gg)
    mask_c = tj.empty(4, 4, dtype=tj.bool).bernoulli_(0.5, generator=gc)
    _same(mask_g, mask_c)
    bad = tj.tensor([0.5, 1.5])
    with pytest.raises(RuntimeError) as cpu:
        tj.bernoulli(bad, generator=gc)
    with pytest.raises(RuntimeError) as cuda:
        tj.bernoulli(bad.cuda(), generator=gg)
    assert str(cuda.value) == str(cpu.value)
    assert gg.get_offset() == gc.get_offset()


def test_default_generators_and_errors():
    tj.manual_seed(21)
    tj.cuda.manual_seed(21)
    assert tj.cuda.initial_seed() == 21
    _same(tj.randn(6, device="cuda"), tj.randn(6))
    _same(tj.rand(2, 2, device="cuda"), tj.rand(2, 2))
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator"):
        tj.rand(3, device="cuda", generator=tj.Generator())
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator"):
        tj.rand(3, generator=tj.Generator("cuda"))
    with pytest.raises(NotImplementedError, match="rand"):
        tj.rand(3, dtype=tj.int32, device="cuda")
    out = tj.empty(1, device="cuda")
    tj.rand(2, 3, out=out, generator=tj.Generator("cuda").manual_seed(4))
    _same(out, tj.rand(2, 3, generator=tj.Generator().manual_seed(4)))
