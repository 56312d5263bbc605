"""Random sampling: the Philox streams, reproducibility (seeds, states, thread counts, processes),
distributions (moments and Kolmogorov-Smirnov statistics against the analytic CDF, fixed seeds),
dtypes, shapes, argument handling and errors against PyTorch's behaviour.

PyTorch's CPU generator is a different one (MT19937), so values are never compared with it; its
behaviour is: result dtypes and shapes, which calls raise and with which exception type.
Compile budget: the float kernels compile for float32 and float64 only (float16 draws as
float32), the integer kernel once (uint64); the parallel variants once each.
"""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.ops import random as trandom
from tensorjit._dispatch import PARALLEL_THRESHOLD

torch = pytest.importorskip("torch", reason="sampler behaviour is checked against PyTorch")


def _gen(seed=1234):
    return tj.Generator().manual_seed(seed)


def _ks(sample, cdf):
    """The Kolmogorov-Smirnov statistic of ``sample`` against the CDF ``cdf`` (vectorised)."""
    x = np.sort(np.asarray(sample, np.float64))
    n = x.size
    f = cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


def _ks_bound(n):
    return 1.95 / math.sqrt(n)  # the 0.1% critical value


_erf = np.vectorize(math.erf)


def _normal_cdf(x, mu=0.0, sigma=1.0):
    return 0.5 * (1 + _erf((x - mu) / (sigma * math.sqrt(2))))


# -- the generator ----------------------------------------------------------------------------
def test_philox_known_answers():
    """Philox4x32-10 known-answer vectors of Salmon et al. (Random123): a device that runs the
    same arithmetic reproduces every stream."""
    k = trandom.kernels()
    cases = [((0, 0, 0, 0, 0, 0), [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
             ((0xFFFFFFFF,) * 6, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
             ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822, 0x299F31D0),
              [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1])]
    for args, want in cases:
        assert k.philox_block(*args).tolist() == want


def test_numbers_are_a_function_of_seed_offset_and_index():
    g = _gen(7)
    a = tj.rand(1000, generator=g)
    b = tj.rand(10, generator=g.manual_seed(7))
    assert a[:10].tolist() == b.tolist()                 # a prefix: element e depends on e only
    c = tj.rand(1000, generator=g)                        # the next call reads the next stream
    assert g.get_offset() == 2
    assert not np.array_equal(a.numpy(), c.numpy())
    g.set_offset(1)
    assert tj.rand(1000, generator=g).tolist() == c.tolist()
    # In place into a transposed or stepped tensor: the same numbers in row-major order.
    x = tj.zeros(40, 25).t()
    x.normal_(generator=g.manual_seed(3))
    assert x.contiguous().tolist() == tj.randn(25, 40, generator=g.manual_seed(3)).tolist()
    y = tj.zeros(30)[::3]
    y.uniform_(generator=g.manual_seed(4))
    assert y.tolist() == tj.rand(10, generator=g.manual_seed(4)).tolist()


def test_default_generator_seed_and_state():
    tj.manual_seed(99)
    assert tj.initial_seed() == 99
    a = tj.randn(5)
    tj.manual_seed(99)
    assert tj.randn(5).tolist() == a.tolist()
    state = tj.get_rng_state()
    assert state.dtype == tj.uint8 and tuple(state.shape) == (16,)
    b = tj.randint(0, 100, (8,))
    tj.set_rng_state(state)
    assert tj.randint(0, 100, (8,)).tolist() == b.tolist()
    s = tj.seed()
    assert isinstance(s, int) and tj.initial_seed() == s
    assert tj.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    with pytest.raises(ValueError):
        torch.manual_seed(1 << 64)
    with pytest.raises(ValueError):
        tj.manual_seed(1 << 64)
    with pytest.raises(RuntimeError):
        tj.set_rng_state(tj.zeros(3, dtype=tj.uint8))
    g = _gen(5)
    g2 = tj.Generator().set_state(g.get_state())
    assert tj.rand(4, generator=g2).tolist() == tj.rand(4, generator=g).tolist()
    assert g.device == tj.device("cpu") and g.initial_seed() == 5
    tj.manual_seed(0)
    x = tj.rand(3)
    tj.rand(3, generator=_gen(0))                           # another generator leaves the default alone
    tj.manual_seed(0)
    assert tj.rand(3).tolist() == x.tolist()


def test_same_numbers_whatever_the_thread_count():
    n = 2 * PARALLEL_THRESHOLD + 13   # large enough for the parallel kernels, with a ragged tail
    threads = tj.get_num_threads()
    try:
        tj.set_num_threads(1)
        serial = [tj.randn(n, generator=_gen(11)).numpy(), tj.randint(-5, 1 << 40, (n,), generator=_gen(12)).numpy()]
        tj.set_num_threads(max(threads, 2) if threads > 1 else 1)
        par = [tj.randn(n, generator=_gen(11)).numpy(), tj.randint(-5, 1 << 40, (n,), generator=_gen(12)).numpy()]
    finally:
        tj.set_num_threads(threads)
    for s, p in zip(serial, par):
        np.testing.assert_array_equal(s, p)
    # The parallel kernel chunks the stream; the serial one walks it in one go: same numbers.
    k = trandom.kernels()
    a, b = np.empty(50001, np.float32), np.empty(50001, np.float32)
    key = _gen(13).next_stream()
    k.fill(a, *key, trandom.UNIFORM, 24, 0.0, 1.0)
    k.fill_par(b, *key, trandom.UNIFORM, 24, 0.0, 1.0)
    np.testing.assert_array_equal(a, b)


_CHILD = ("import tensorjit as tj, hashlib; tj.manual_seed(2024); "
          "x = tj.cat([tj.randn(1000), tj.rand(999, dtype=tj.float64), tj.randint(0, 7, (50,)).double()]); "
          "print(hashlib.sha256(x.numpy().tobytes()).hexdigest())")


@pytest.mark.slow
def test_same_numbers_across_processes_and_thread_counts():
    import hashlib
    tj.manual_seed(2024)
    x = tj.cat([tj.randn(1000), tj.rand(999, dtype=tj.float64), tj.randint(0, 7, (50,)).double()])
    want = hashlib.sha256(x.numpy().tobytes()).hexdigest()
    # A fresh process on one thread against this one (on tensorjit's default thread count).
    for threads in ("1",):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.strip().splitlines()[-1] == want


# -- distributions ------------------------------------------------------------------------------
N = 20000


def test_uniform_and_normal_distributions():
    u = tj.rand(N, generator=_gen(1)).numpy()
    assert u.min() >= 0 and u.max() < 1
    assert _ks(u, lambda x: np.clip(x, 0, 1)) < _ks_bound(N)
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.003
    z = tj.randn(N, generator=_gen(2)).numpy()
    assert _ks(z, _normal_cdf) < _ks_bound(N)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.02
    z64 = tj.randn(N, dtype=tj.float64, generator=_gen(3)).numpy()
    assert _ks(z64, _normal_cdf) < _ks_bound(N)
    x = tj.empty(N, dtype=tj.float64).uniform_(-2, 3, generator=_gen(4)).numpy()
    assert _ks(x, lambda v: np.clip((v + 2) / 5, 0, 1)) < _ks_bound(N)
    y = tj.empty(N).normal_(5, 0.5, generator=_gen(5)).numpy()
    assert _ks(y, lambda v: _normal_cdf(v, 5, 0.5)) < _ks_bound(N)
    h = tj.randn(N, dtype=tj.float16, generator=_gen(6)).numpy().astype(np.float64)
    assert _ks(h, _normal_cdf) < 0.02     # float16 rounding of the sample adds up to ~1e-3
    hu = tj.rand(4 * N, dtype=tj.float16, generator=_gen(7)).numpy()
    assert hu.max() < 1 and hu.min() >= 0
    c = tj.randn(N, dtype=tj.complex64, generator=_gen(8)).numpy()
    assert abs(np.mean(np.abs(c) ** 2) - 1) < 0.03 and _ks(c.real * math.sqrt(2), _normal_cdf) < _ks_bound(N)


def test_continuous_in_place_samplers():
    e = tj.empty(N, dtype=tj.float64).exponential_(2.0, generator=_gen(21)).numpy()
    assert _ks(e, lambda v: 1 - np.exp(-2 * np.maximum(v, 0))) < _ks_bound(N)
    c = tj.empty(N).cauchy_(1.0, 2.0, generator=_gen(22)).numpy()
    assert _ks(c, lambda v: 0.5 + np.arctan((v - 1) / 2) / np.pi) < _ks_bound(N)
    ln = tj.empty(N).log_normal_(0.5, 0.25, generator=_gen(23)).numpy()
    assert ln.min() > 0 and _ks(np.log(ln), lambda v: _normal_cdf(v, 0.5, 0.25)) < _ks_bound(N)
    g = tj.empty(N, dtype=tj.int32).geometric_(0.25, generator=_gen(24)).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.1 and abs(g.var() - 12) < 0.8
    gf = tj.empty(N).geometric_(0.5, generator=_gen(25)).numpy()
    assert set(np.unique(gf)) <= set(range(1, 64)) and abs(gf.mean() - 2) < 0.05


def test_normal_overloads():
    m = tj.tensor([[0.0], [10.0]])
    s = tj.tensor([1.0, 2.0, 0.0])
    r = tj.normal(m, s, generator=_gen(30))
    tr = torch.normal(torch.tensor([[0.0], [10.0]]), torch.tensor([1.0, 2.0, 0.0]))
    assert tuple(r.shape) == tuple(tr.shape) and r.dtype == tj.float32
    assert r[:, 2].tolist() == [0.0, 10.0]
    big = tj.normal(tj.full((N,), 3.0), 2.0, generator=_gen(31)).numpy()
    assert _ks(big, lambda v: _normal_cdf(v, 3, 2)) < _ks_bound(N)
    big = tj.normal(-1.0, tj.full((N,), 0.5, dtype=tj.float64), generator=_gen(32))
    assert big.dtype == tj.float64 and _ks(big.numpy(), lambda v: _normal_cdf(v, -1, 0.5)) < _ks_bound(N)
    r = tj.normal(2.0, 3.0, (4, 5), generator=_gen(33), dtype=tj.float64)
    assert tuple(r.shape) == (4, 5) and r.dtype == tj.float64
    out = tj.empty(7)
    assert tj.normal(0.0, 1.0, (7,), out=out) is out


def test_integer_samplers():
    r = tj.randint(-3, 5, (N,), generator=_gen(40)).numpy()
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 4
    counts = np.bincount(r + 3)
    assert np.all(np.abs(counts - N / 8) < 5 * math.sqrt(N / 8))
    assert tj.randint(10, (3, 2)).shape == (3, 2)
    assert tj.randint(0, 3, (5,), dtype=tj.uint8).dtype == tj.uint8
    assert tj.randint(low=2, high=3, size=(4,)).tolist() == [2] * 4
    wide = tj.randint(-(1 << 62), 1 << 62, (N,), generator=_gen(41)).numpy()
    assert abs(wide.astype(np.float64).mean()) < 0.05 * (1 << 62)
    full = tj.empty(N, dtype=tj.int64).random_(generator=_gen(42)).numpy()
    assert full.min() >= 0 and full.max() > (1 << 62)
    i8 = tj.empty(N, dtype=tj.int8).random_(generator=_gen(43)).numpy()
    assert i8.min() == 0 and i8.max() == 127
    f = tj.empty(N).random_(generator=_gen(44)).numpy()
    assert f.min() >= 0 and f.max() <= 1 << 24 and np.all(f == np.round(f))
    b = tj.empty(N, dtype=tj.bool).random_(generator=_gen(45)).numpy()
    assert abs(b.mean() - 0.5) < 0.02
    u = tj.empty(N, dtype=tj.int16).random_(7, generator=_gen(46)).numpy()
    assert u.min() == 0 and u.max() == 6
    like = tj.randint_like(tj.zeros(2, 3, dtype=tj.float64), 3, 9, generator=_gen(47))
    assert like.dtype == tj.float64 and like.shape == (2, 3) and 3 <= like.min().item() and like.max().item() < 9


def test_randperm():
    p = tj.randperm(1000, generator=_gen(50))
    assert p.dtype == tj.int64 and sorted(p.tolist()) == list(range(1000))
    assert p.tolist() != list(range(1000))
    # Every element lands in every position about equally often.
    g = _gen(51)
    firsts = np.array([tj.randperm(4, generator=g)[0].item() for _ in range(2000)])
    assert np.all(np.abs(np.bincount(firsts, minlength=4) - 500) < 100)
    assert tj.randperm(0).shape == (0,)
    assert tj.randperm(5, dtype=tj.float32).dtype == tj.float32
    with pytest.raises(RuntimeError):
        torch.randperm(-1)
    with pytest.raises(RuntimeError):
        tj.randperm(-1)


def test_bernoulli():
    p = tj.tensor([0.0, 0.2, 0.9, 1.0], dtype=tj.float64).expand(N // 4, 4).contiguous()
    x = tj.bernoulli(p, generator=_gen(60))
    assert x.dtype == tj.float64
    means = x.numpy().mean(axis=0)
    assert means[0] == 0 and means[3] == 1 and abs(means[1] - 0.2) < 0.03 and abs(means[2] - 0.9) < 0.03
    y = tj.empty(N, dtype=tj.int64).bernoulli_(0.3, generator=_gen(61)).numpy()
    assert set(np.unique(y)) == {0, 1} and abs(y.mean() - 0.3) < 0.02
    z = tj.zeros(N // 2, 2).bernoulli_(tj.tensor([0.0, 1.0]), generator=_gen(62)).numpy()
    assert z[:, 0].sum() == 0 and z[:, 1].min() == 1
    w = tj.ones(N).bernoulli(0.75, generator=_gen(63)).numpy()
    assert abs(w.mean() - 0.75) < 0.02


def test_multinomial():
    w = tj.tensor([1.0, 2.0, 0.0, 5.0])
    r = tj.multinomial(w, N, replacement=True, generator=_gen(70)).numpy()
    freq = np.bincount(r, minlength=4) / N
    np.testing.assert_allclose(freq, [1 / 8, 2 / 8, 0, 5 / 8], atol=0.015)
    rows = tj.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    assert tj.multinomial(rows, 3, replacement=True).tolist() == [[0] * 3, [2] * 3]
    g = _gen(71)
    draws = np.array([tj.multinomial(w, 2, generator=g).tolist() for _ in range(3000)])
    assert np.all(draws[:, 0] != draws[:, 1])
    # The first draw without replacement follows the weights; the second the remaining ones.
    first = np.bincount(draws[:, 0], minlength=4) / 3000
    np.testing.assert_allclose(first, [1 / 8, 2 / 8, 0, 5 / 8], atol=0.03)
    t = tj.multinomial(tj.ones(2, 6), 6, generator=_gen(72))
    assert t.dtype == tj.int64 and [sorted(row) for row in t.tolist()] == [list(range(6))] * 2
    assert w.multinomial(3).shape == (3,)


def test_poisson():
    for rate in (0.5, 4.0, 30.0, 1000.0):
        x = tj.poisson(tj.full((N,), rate, dtype=tj.float64), generator=_gen(int(rate) + 80)).numpy()
        assert x.dtype == np.float64 and np.all(x == np.round(x)) and x.min() >= 0
        assert abs(x.mean() - rate) < 5 * math.sqrt(rate / N)
        assert abs(x.var() / rate - 1) < 0.05
    assert tj.poisson(tj.zeros(3)).tolist() == [0.0] * 3


# -- dtypes, shapes, arguments, errors ------------------------------------------------------------
@pytest.mark.parametrize("fn", ["rand", "randn"])
@pytest.mark.parametrize("dtype", [None, "float16", "float32", "float64", "complex64", "complex128"])
def test_factory_dtypes_and_shapes(fn, dtype):
    kw = {} if dtype is None else {"dtype": getattr(tj, dtype)}
    tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    for size in [(2, 3), ((2, 3),), ([4],), (0,), ((),)]:
        got = getattr(tj, fn)(*size, **kw)
        want = getattr(torch, fn)(*size, **tkw)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        assert tuple(got.shape) == tuple(want.shape) and got.is_contiguous()


def test_like_and_out_forms():
    x = tj.zeros(3, 4, dtype=tj.float64).t()
    for fn in ("rand_like", "randn_like"):
        r = getattr(tj, fn)(x)
        assert r.dtype == tj.float64 and r.shape == (4, 3)
        assert getattr(tj, fn)(x, dtype=tj.float16).dtype == tj.float16
    out = tj.empty(2)
    assert tj.rand(5, out=out) is out and out.shape == (5,)
    out = tj.empty(0, dtype=tj.int32)
    assert tj.randint(3, (4,), out=out) is out and out.dtype == tj.int32
    assert tj.randperm(4, out=tj.empty(0, dtype=tj.int64)).shape == (4,)


def _both(call):
    """The exception types ``call`` raises in PyTorch and tensorjit (None when it does not)."""
    kinds = []
    for lib in (torch, tj):
        try:
            call(lib)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            kinds.append(type(e))
        else:
            kinds.append(None)
    return kinds


ERRORS = {
    "rand int": lambda L: L.rand(3, dtype=L.int64),
    "randn int": lambda L: L.randn(3, dtype=L.int32),
    "rand negative": lambda L: L.rand(-1),
    "rand no size": lambda L: L.rand(),
    "uniform_ from>to": lambda L: L.empty(3).uniform_(1, 0),
    "uniform_ int": lambda L: L.empty(3, dtype=L.int64).uniform_(),
    "normal_ std<0": lambda L: L.empty(3).normal_(0, -1),
    "normal_ int": lambda L: L.empty(3, dtype=L.int64).normal_(),
    "exponential_ 0": lambda L: L.empty(3).exponential_(0),
    "exponential_ int": lambda L: L.empty(3, dtype=L.int64).exponential_(),
    "cauchy_ int": lambda L: L.empty(3, dtype=L.int64).cauchy_(),
    "log_normal_ std 0": lambda L: L.empty(3).log_normal_(0, 0),
    "geometric_ p=0": lambda L: L.empty(3).geometric_(0),
    "geometric_ p=1": lambda L: L.empty(3).geometric_(1),
    "geometric_ int": lambda L: L.empty(3, dtype=L.int64).geometric_(0.5),
    "bernoulli_ p=2": lambda L: L.empty(3).bernoulli_(2),
    "bernoulli int input": lambda L: L.bernoulli(L.ones(3, dtype=L.int64)),
    "bernoulli p>1": lambda L: L.bernoulli(L.full((3,), 2.0)),
    "random_ from=to": lambda L: L.empty(3).random_(5, 5),
    "random_ to out of range": lambda L: L.empty(3, dtype=L.uint8).random_(0, 300),
    "randint low=high": lambda L: L.randint(5, 5, (3,)),
    "randint bool": lambda L: L.randint(0, 2, (3,), dtype=L.bool),
    "normal float float": lambda L: L.normal(2.0, 3.0),
    "normal std<0 tensor": lambda L: L.normal(L.zeros(2), -L.ones(2)),
    "normal std<0 size": lambda L: L.normal(2.0, -3.0, (2,)),
    "normal int mean": lambda L: L.normal(L.zeros(2, dtype=L.int64), 1.0),
    "multinomial negative": lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 1),
    "multinomial zero sum": lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    "multinomial too many": lambda L: L.multinomial(L.tensor([1.0, 2.0]), 3),
    "multinomial 3-d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "multinomial int": lambda L: L.multinomial(L.ones(2, dtype=L.int64), 1),
    "multinomial 0 samples": lambda L: L.multinomial(L.ones(2), 0),
    "multinomial nan": lambda L: L.multinomial(L.tensor([float("nan"), 1.0]), 1),
    "poisson negative": lambda L: L.poisson(-L.ones(2)),
    "poisson int": lambda L: L.poisson(L.ones(2, dtype=L.int64)),
    "generator wrong type": lambda L: L.rand(2, generator=3),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    t_exc, j_exc = _both(ERRORS[case])
    assert j_exc is t_exc, (case, t_exc, j_exc)


def test_failed_call_leaves_tensor_and_generator_untouched():
    x = tj.full((3,), 7.0)
    g = _gen(9)
    with pytest.raises(RuntimeError):
        x.uniform_(1, 0, generator=g)
    with pytest.raises(RuntimeError):
        x.normal_(0, -1, generator=g)
    assert x.tolist() == [7.0] * 3 and g.get_offset() == 0
