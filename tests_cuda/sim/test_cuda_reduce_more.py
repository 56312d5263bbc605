"""CUDA reductions beyond the one-value folds, in Numba's simulator: nansum and the vector norms
(rows with a ``pre`` transform), logsumexp, var/std/var_mean/std_mean, max/min along a dim and
argmax/argmin. PyTorch is the oracle of every value (the CPU backend is checked against it by
the main suite); var/std are also compared with the CPU backend, which they must match within
float tolerance. Small shapes; a row long enough for two blocks and a column layout cover the
kernels' two strategies (Note [cuda reductions])."""
import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the CUDA reduction checks")
# The simulator runs kernel arithmetic on NumPy scalars, which warn on inf - inf or 0 / 0 where
# a GPU silently gives NaN or inf; the values are checked below.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning",
                                        "ignore:divide by zero encountered:RuntimeWarning")

NAN, INF = float("nan"), float("inf")
DIMS = [(None, False), (0, True), (-1, False), ((0, 2), False), ((1, 2), True)]


def _base(d):
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.37 - 3
    return tj.from_numpy(x.astype(d.np))


def _special(d):
    """Rows with NaN, +inf, -inf, both infinities, all -inf and a finite row (2, 3, 4)."""
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5 - 4
    x[0, 0, 1] = NAN
    x[0, 1, 2] = INF
    x[0, 2, :] = -INF
    x[1, 0, 0], x[1, 0, 3] = INF, -INF
    x[1, 1, 3] = NAN
    x[1, 1, 0] = INF
    return tj.from_numpy(x.astype(d.np))


def _t(x):
    return torch.from_numpy(np.ascontiguousarray(x.numpy()))


def _check(got, want, tol=None):
    """``got`` (a CUDA tensorjit tensor) against ``want`` (a torch or CPU tensorjit tensor)."""
    assert got.is_cuda
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    g = got.cpu().numpy()
    w = want.numpy()
    if g.dtype.kind in "fc":
        rtol = tol or (1e-5 if g.dtype in (np.float32, np.complex64) else 1e-12)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w)


def _layouts(x):
    """The input, a transposed view of it and a stepped slice with an offset."""
    return [x, x.transpose(0, 2), x[:, 1:, ::2]]


def test_every_reduction_row_has_cuda_kernels():
    from tensorjit.cuda._reduce import supported
    from tensorjit.kernels.reductions import REDUCTIONS
    assert [name for name, row in REDUCTIONS.items() if not supported(row)] == []


# -- pre transforms: nansum and the vector norms -----------------------------------------------
@pytest.mark.parametrize("dn", ["float32", "float64"])
def test_nansum_and_norms(dn):
    x = _special(getattr(tj, dn))
    vs = _layouts(x)
    _check(tj.nansum(vs[0].cuda()), torch.nansum(_t(vs[0])))
    _check(tj.nansum(vs[1].cuda(), (0, 2), True), torch.nansum(_t(vs[1]), (0, 2), True))
    # each p on one layout and one (dim, keepdim) of DIMS, cycling through both
    for k, p in enumerate((0, 1, 2, INF, -INF, 3)):
        v = vs[k % 3]
        dim, keep = DIMS[k % len(DIMS)]
        _check(tj.norm(v.cuda(), p, dim, keep), torch.linalg.vector_norm(_t(v), p, dim, keep))
    _check(tj.norm(vs[2].cuda(), "fro", (1, 2)), torch.norm(_t(vs[2]), "fro", (1, 2)))


def test_nansum_int_norm_empty_and_out():
    x = tj.from_numpy(np.arange(-6, 18, dtype=np.int32).reshape(2, 3, 4))
    _check(tj.nansum(x.cuda(), 1), torch.nansum(_t(x), 1))
    _check(tj.nansum(x.cuda().transpose(0, 2)), torch.nansum(_t(x).transpose(0, 2)))
    e = tj.zeros(0, 3)
    _check(tj.nansum(e.cuda(), 0), torch.nansum(_t(e), 0))
    _check(tj.norm(e.cuda(), 2, 0), torch.linalg.vector_norm(_t(e), 2, 0))
    _check(tj.norm(e.cuda(), 0), torch.linalg.vector_norm(_t(e), 0))
    with pytest.raises(RuntimeError, match="inf norm on the dimension 0"):
        tj.norm(e.cuda(), INF, 0)
    z = tj.tensor(-2.5)
    _check(tj.norm(z.cuda(), 1), torch.linalg.vector_norm(_t(z), 1))
    out = tj.zeros(3, device="cuda")
    assert tj.nansum(_special(tj.float32).cuda(), (0, 2), out=out) is out
    _check(out, torch.nansum(_t(_special(tj.float32)), (0, 2)))


# -- logsumexp ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dn", ["float32", "float64", "int32"])
def test_logsumexp(dn):
    d = getattr(tj, dn)
    x = _base(d) if dn == "int32" else _special(d)
    for k, v in enumerate(_layouts(x)):
        dim, keep = DIMS[1 + k]
        _check(tj.logsumexp(v.cuda(), dim, keep), torch.logsumexp(_t(v), dim, keep))
    if dn != "int32":
        big = _base(d) * 300     # exp overflows without the max taken out
        _check(tj.logsumexp(big.cuda(), (0, 1, 2)), torch.logsumexp(_t(big), (0, 1, 2)))


def test_logsumexp_empty_out_and_errors():
    e = tj.zeros(0, 3)
    _check(tj.logsumexp(e.cuda(), 0), torch.logsumexp(_t(e), 0))
    x = _special(tj.float64)
    out = tj.zeros(2, 4, device="cuda")
    assert tj.logsumexp(x.cuda(), 1, out=out) is out
    _check(out, torch.logsumexp(_t(x), 1).float())
    with pytest.raises(RuntimeError, match="floating point type"):
        tj.logsumexp(x.cuda(), 1, out=tj.zeros(2, 4, dtype=tj.int64, device="cuda"))


# -- var and std -------------------------------------------------------------------------------
@pytest.mark.parametrize("dn", ["float32", "float64"])
def test_var_std(dn):
    d = getattr(tj, dn)
    vs = _layouts(_base(d))
    for k, (dim, keep) in enumerate(DIMS):
        v = vs[k % 3]
        g, t = v.cuda(), _t(v)
        corr = k % 3
        if k % 2:
            _check(tj.std(g, dim, keepdim=keep, correction=corr), torch.std(t, dim, keepdim=keep, correction=corr))
            for got, want in zip(tj.std_mean(g, dim, keepdim=keep, unbiased=False),
                                 torch.std_mean(t, dim, keepdim=keep, unbiased=False)):
                _check(got, want)
        else:
            for got, want in zip(tj.var_mean(g, dim, keepdim=keep, correction=corr),
                                 torch.var_mean(t, dim, keepdim=keep, correction=corr)):
                _check(got, want)
    # NaN or inf in a row makes its variance NaN; a NaN row's mean is NaN too.
    s = _special(d)
    _check(tj.var(s.cuda(), 2), torch.var(_t(s), 2))
    _check(tj.std(s.cuda().transpose(0, 2), (1, 2)), torch.std(_t(s).transpose(0, 2), (1, 2)))
    n = tj.from_numpy(np.where(np.arange(12).reshape(3, 4) == 5, np.nan, 1.5).astype(d.np))
    for got, want in zip(tj.var_mean(n.cuda(), 1), torch.var_mean(_t(n), 1)):
        _check(got, want)


def test_long_rows_and_columns():
    rng = np.random.default_rng(5)
    x = tj.from_numpy(rng.standard_normal((3, 150)) * 10 + 1e4)     # two blocks per row, a large mean
    for dim in (1, None):
        _check(tj.var(x.cuda(), dim), tj.var(x, dim))
        _check(tj.std_mean(x.cuda(), dim)[1], tj.std_mean(x, dim)[1])
    lse = rng.standard_normal((3, 150)) * 30
    lse[1, 120] = INF
    lse[2] = -INF
    lse = tj.from_numpy(lse)
    _check(tj.logsumexp(lse.cuda(), 1), torch.logsumexp(_t(lse), 1))
    c = tj.from_numpy(rng.standard_normal((6, 40)).astype(np.float32))  # kept dim innermost: columns
    _check(tj.var(c.cuda(), 0, correction=0), torch.var(_t(c), 0, correction=0))
    _check(tj.logsumexp(c.cuda(), 0), torch.logsumexp(_t(c), 0))
    _check(tj.norm(c.cuda(), 1, 0), torch.linalg.vector_norm(_t(c), 1, 0))


def test_var_complex_empty_out_and_errors():
    z = tj.from_numpy((np.arange(12) * (0.5 - 0.25j)).reshape(3, 4).astype(np.complex64))
    _check(tj.var(z.cuda(), 1), torch.var(_t(z), 1))
    e = tj.zeros(0, 3)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        _check(tj.var(e.cuda(), 0), torch.var(_t(e), 0))
    out = tj.zeros(3, device="cuda")
    assert tj.std(_base(tj.float32).cuda(), (0, 2), out=out) is out
    _check(out, torch.std(_t(_base(tj.float32)), (0, 2)))
    with pytest.raises(RuntimeError, match="floating point"):
        tj.var(tj.arange(4).cuda())


# -- values with their positions ---------------------------------------------------------------
def _ties(d):
    x = np.array([[[3, 1, 3, 0], [2, 2, 2, 2], [0, 5, 5, 1]],
                  [[7, 7, 1, 7], [1, 0, 0, 1], [4, 4, 4, 9]]], dtype=np.float64)
    return tj.from_numpy(x.astype(d.np))


@pytest.mark.parametrize("dn", ["float32", "float64", "int32"])
def test_max_min_argmax_argmin(dn):
    d = getattr(tj, dn)
    xs = [_ties(d)] + ([] if dn == "int32" else [_special(d)])
    for i, x in enumerate(xs):
        for k, v in enumerate(_layouts(x)):
            g, t = v.cuda(), _t(v)
            dim = (0, 1, -1)[(i + k) % 3]
            keep = (i + k) % 2 == 1
            f = ("max", "min")[(i + k) % 2]
            got, want = getattr(tj, f)(g, dim, keep), getattr(torch, f)(t, dim, keep)
            _check(got.values, want.values)
            _check(got.indices, want.indices)
            f = ("argmin", "argmax")[(i + k) % 2]
            _check(getattr(tj, f)(g, dim - 1, not keep), getattr(torch, f)(t, dim - 1, not keep))
            _check(getattr(tj, f)(g, keepdim=keep), getattr(torch, f)(t, keepdim=keep))


def test_indexed_ties_and_nans_across_blocks():
    # Rows of 150: two blocks of threads per row; equal values and NaNs in several threads.
    x = np.zeros((3, 150), np.float32)
    x[1, [7, 90, 140]] = np.nan
    x[2, [3, 80]] = 5.0
    x[2, 100] = -1.0
    x = tj.from_numpy(x)
    for v in (x, x.t()):
        dim = 1 if v is x else 0
        g, t = v.cuda(), _t(v)
        for f in ("max", "min"):
            got, want = getattr(tj, f)(g, dim), getattr(torch, f)(t, dim)
            _check(got.values, want.values)
            _check(got.indices, want.indices)
        _check(tj.argmax(g), torch.argmax(t))
        _check(tj.argmin(g), torch.argmin(t))
    c = tj.from_numpy(np.tile(np.array([1, 3, 3, 0, 3, 1], np.int64)[:, None], (1, 40)))  # columns
    _check(tj.argmax(c.cuda(), 0), torch.argmax(_t(c), 0))
    _check(tj.min(c.cuda(), 0).indices, torch.min(_t(c), 0).indices)


def test_indexed_bool_empty_out_and_errors():
    b = tj.from_numpy(np.array([[False, True, True], [False, False, False]]))
    got, want = tj.max(b.cuda(), 1), torch.max(_t(b), 1)
    _check(got.values, want.values)
    _check(got.indices, want.indices)
    e = tj.zeros(0, 3)
    got, want = tj.max(e.cuda(), 1), torch.max(_t(e), 1)
    _check(got.values, want.values)
    _check(got.indices, want.indices)
    with pytest.raises(IndexError, match="max"):
        tj.max(e.cuda(), 0)
    with pytest.raises(IndexError, match="argmax"):
        tj.argmax(e.cuda())
    with pytest.raises(RuntimeError, match="bool"):
        tj.argmax(b.cuda())
    x = _ties(tj.float32)
    vals, idx = tj.zeros(2, 4, device="cuda"), tj.zeros(2, 4, dtype=tj.int64, device="cuda")
    r = tj.min(x.cuda(), 1, out=(vals, idx))
    assert r.values is vals and r.indices is idx
    want = torch.min(_t(x), 1)
    _check(vals, want.values)
    _check(idx, want.indices)
    with pytest.raises(RuntimeError, match="dtype"):
        tj.argmax(x.cuda(), 1, out=tj.zeros(2, 4, device="cuda"))


def test_zero_dim_inputs():
    z = tj.tensor(-1.5)
    g, t = z.cuda(), _t(z)
    got, want = tj.max(g, 0), torch.max(t, 0)
    _check(got.values, want.values)
    _check(got.indices, want.indices)
    _check(tj.argmin(g), torch.argmin(t))
    _check(tj.logsumexp(g, 0), torch.logsumexp(t, 0))
    _check(tj.std(g, correction=0), torch.std(t, correction=0))
    _check(tj.nansum(g), torch.nansum(t))


@pytest.mark.parametrize("ord", [2, 1, float("inf")])
def test_linalg_vector_norm_runs_on_cuda(ord):
    x = tj.tensor([[3.0, -4.0, 0.5], [0.0, 1.0, -2.0]])
    r = torch.tensor(x.numpy())
    for dim in (None, 1):
        got = tj.linalg.vector_norm(x.cuda(), ord=ord, dim=dim)
        assert got.is_cuda
        np.testing.assert_allclose(got.cpu().numpy(), torch.linalg.vector_norm(r, ord=ord, dim=dim).numpy(),
                                   rtol=1e-6)
