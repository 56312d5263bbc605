"""nansum, nanmean, var, std, var_mean, std_mean, norm, max/min along a dim, argmax, argmin,
aminmax and logsumexp against PyTorch: values, dtypes, shapes, indices (exactly), layouts,
empties, NaN/inf, dtype rules, out= and errors.

Compile budget: the dim/layout sweep runs on float32 (int64 where dtype rules matter, on one
layout); other dtypes appear once each.
"""
import itertools
import math
import warnings

import numpy as np
import pytest

import tensorjit as tj
from layouts import layouts

torch = pytest.importorskip("torch", reason="reductions are checked against PyTorch")

INF, NAN = math.inf, math.nan


def _name(d):
    return str(d).split(".")[-1]


def _check(got, want, rtol=1e-5, atol=1e-5, what=""):
    """``got`` (tensorjit tensor or tuple of them) equals ``want`` (torch): dtype, shape, values;
    integer results (indices) exactly."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), what
        if hasattr(want, "_fields"):
            assert type(got).__name__ == type(want).__name__ and got._fields == want._fields, what
        for g, w in zip(got, want):
            _check(g, w, rtol, atol, what)
        return
    assert isinstance(got, tj.Tensor), what
    assert _name(got.dtype) == _name(want.dtype), (what, got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (what, got.shape, want.shape)
    g, w = got.numpy(), want.numpy()
    if g.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


def _tt(a):
    return torch.from_numpy(np.array(a, order="C"))


def _same(fn, t, tv, what, **tol):
    """Run ``fn(module, tensor)`` on tensorjit and torch: equal results, or the same error
    type with the op named in tensorjit's message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            want = fn(torch, tv)
    except (RuntimeError, IndexError, TypeError, ValueError) as e:
        with pytest.raises(type(e)) as info:
            fn(tj, t)
        return info
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        got = fn(tj, t)
    _check(got, want, what=what, **tol)


def _dims(ndim, tuples=True):
    dims = [None] + list(range(-ndim, ndim))
    if tuples:
        for r in range(2, ndim + 1):
            dims += list(itertools.combinations(range(ndim), r))
    return dims


# (name, call(mod, x, dim, keepdim), accepts tuples of dims, accepts dim=None)
def _norm_call(p):
    return lambda m, x, d, k: m.norm(x, p, d, k)


OPS = [
    ("nansum", lambda m, x, d, k: m.nansum(x, d, k), True, True),
    ("nanmean", lambda m, x, d, k: m.nanmean(x, d, k), True, True),
    ("var", lambda m, x, d, k: m.var(x, d, keepdim=k), True, True),
    ("std_unbiased_false", lambda m, x, d, k: m.std(x, d, False, k), True, True),
    ("var_mean", lambda m, x, d, k: m.var_mean(x, d, keepdim=k, correction=0), True, True),
    ("std_mean", lambda m, x, d, k: m.std_mean(x, d, keepdim=k), True, True),
    ("norm2", _norm_call(2), True, True),
    ("norm1", _norm_call(1), True, True),
    ("norm_inf", _norm_call(INF), True, True),
    ("norm_-inf", _norm_call(-INF), True, True),
    ("norm0", _norm_call(0), True, True),
    ("norm3", _norm_call(3.0), True, True),
    ("max", lambda m, x, d, k: m.max(x, d, k), False, False),
    ("min", lambda m, x, d, k: m.min(x, d, keepdim=k), False, False),
    ("argmax", lambda m, x, d, k: m.argmax(x, d, k), False, True),
    ("argmin", lambda m, x, d, k: m.argmin(x, dim=d, keepdim=k), False, True),
    ("aminmax", lambda m, x, d, k: m.aminmax(x, dim=d, keepdim=k), False, True),
    ("logsumexp", lambda m, x, d, k: m.logsumexp(x, d, k), True, False),
]
INT_OPS = {"nansum", "max", "min", "argmax", "argmin", "aminmax", "logsumexp"}


_layouts = layouts


def _ties(shape, dtype, rng):
    # Few distinct values so equal maxima (and argmax ties) are common.
    a = rng.integers(-3, 4, shape)
    return (a / 2).astype(np.float32) if dtype == "float32" else a.astype(np.int64)


@pytest.mark.parametrize("op", OPS, ids=[o[0] for o in OPS])
def test_dim_and_layout_sweep_float32(op):
    name, call, tuples, none_ok = op
    a = _ties((2, 3, 4), "float32", np.random.default_rng(0))
    for lname, t, v in _layouts(a):
        tv = _tt(v)
        for dim in _dims(3, tuples):
            if dim is None and not none_ok:
                continue
            for keepdim in (False, True):
                _same(lambda m, x: call(m, x, dim, keepdim), t, tv, f"{name} {lname} dim={dim} keepdim={keepdim}")


@pytest.mark.parametrize("op", [o for o in OPS if o[0] in INT_OPS], ids=lambda o: o[0])
def test_dim_sweep_int64(op):
    name, call, tuples, none_ok = op
    a = _ties((2, 3, 4), "int64", np.random.default_rng(1))
    t, tv = tj.from_numpy(a), torch.from_numpy(a)
    for dim in _dims(3, tuples):
        if dim is None and not none_ok:
            continue
        for keepdim in (False, True):
            _same(lambda m, x: call(m, x, dim, keepdim), t, tv, f"{name} int64 dim={dim} keepdim={keepdim}")


@pytest.mark.parametrize("op", OPS, ids=[o[0] for o in OPS])
def test_zero_dim_and_empty(op):
    name, call, tuples, none_ok = op
    s = np.array(1.5, np.float32)
    for dim in ([None] if none_ok else []) + [0, -1]:
        for keepdim in (False, True):
            _same(lambda m, x: call(m, x, dim, keepdim), tj.from_numpy(s), torch.from_numpy(s),
                  f"{name} 0-d dim={dim} keepdim={keepdim}")
    e = np.zeros((0, 3), np.float32)
    for dim in ([None] if none_ok else []) + [0, 1]:
        for keepdim in (False, True):
            info = _same(lambda m, x: call(m, x, dim, keepdim), tj.from_numpy(e), torch.from_numpy(e),
                         f"{name} empty dim={dim} keepdim={keepdim}")
            if info is not None:
                op_name = {"norm2": "norm", "norm_inf": "norm", "norm_-inf": "norm"}.get(name, name.split("_")[0])
                msg = str(info.value)
                assert op_name in msg or "vector_norm" in msg, msg


NAN_DATA = np.array([[1.0, NAN, 3.0, 2.0, NAN],
                     [-INF, 2.0, INF, INF, 0.0],
                     [NAN, NAN, NAN, NAN, NAN],
                     [-INF, -INF, -INF, -INF, -INF],
                     [INF, 1.0, -INF, 2.0, 3.0]], np.float32)


@pytest.mark.parametrize("op", OPS, ids=[o[0] for o in OPS])
def test_nan_and_inf(op):
    name, call, tuples, none_ok = op
    t, tv = tj.from_numpy(NAN_DATA), torch.from_numpy(NAN_DATA)
    for dim in ([None] if none_ok else []) + [0, 1]:
        for keepdim in (False, True):
            _same(lambda m, x: call(m, x, dim, keepdim), t, tv, f"{name} nan/inf dim={dim} keepdim={keepdim}")
    # Transposed too: NaN must win with its (first) index whatever the memory order.
    _same(lambda m, x: call(m, x, 1, False), t.t(), tv.t(), f"{name} nan/inf transposed")


def test_dtype_rules():
    i = np.array([[1, 2, 3], [4, 5, 6]], np.int64)
    b = np.array([[True, False, True], [False, False, True]])
    t, tv = tj.from_numpy(b), torch.from_numpy(b)
    _check(tj.nansum(t), torch.nansum(tv))                          # int64
    _check(tj.logsumexp(t, 1), torch.logsumexp(tv, 1))              # default float dtype
    t, tv = tj.from_numpy(i), torch.from_numpy(i)
    _check(tj.nansum(t, 1, dtype=tj.float64), torch.nansum(tv, 1, dtype=torch.float64))
    f16 = (i / 3).astype(np.float16)
    t, tv = tj.from_numpy(f16), torch.from_numpy(f16)
    for fn in (lambda m, x: m.var_mean(x, 1), lambda m, x: m.logsumexp(x, 0)):
        _same(fn, t, tv, "float16", rtol=2e-3, atol=2e-3)
    f = (i / 3).astype(np.float32)
    t, tv = tj.from_numpy(f), torch.from_numpy(f)
    _check(tj.norm(t, dtype=tj.float64), torch.norm(tv, dtype=torch.float64))
    c = (i + 1j * i[::-1]).astype(np.complex64)
    t, tv = tj.from_numpy(c), torch.from_numpy(c)
    for fn in (lambda m, x: m.var(x, 1), lambda m, x: m.var_mean(x, 0), lambda m, x: m.norm(x)):
        _same(fn, t, tv, "complex64")
    bo = tj.from_numpy(b)
    _check(tj.max(bo, 1), torch.max(torch.from_numpy(b), 1))


def test_var_correction_forms():
    a = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    t, tv = tj.from_numpy(a), torch.from_numpy(a)
    for fn in (lambda m, x: m.var(x, True), lambda m, x: m.var(x, False), lambda m, x: m.std(x, 1, True, True),
               lambda m, x: m.var(x, 1, unbiased=False), lambda m, x: m.var(x, (0, 1), correction=2.5),
               lambda m, x: x.std(0, correction=0), lambda m, x: x.var(unbiased=False),
               lambda m, x: m.var_mean(x, 1, True), lambda m, x: m.std_mean(x, correction=3)):
        _same(fn, t, tv, "correction")
    one = tj.ones(1)
    with pytest.warns(UserWarning, match="var.*degrees of freedom"):
        r = tj.var(one)
    assert math.isnan(r.item())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _check(tj.var(tj.tensor([1.0, 5.0]), correction=3), torch.var(torch.tensor([1.0, 5.0]), correction=3))
    with pytest.raises(RuntimeError, match="var.*both"):
        tj.var(t, 0, True, correction=1)


def test_var_accuracy_like_numpy():
    # A large mean and a small spread: sum-of-squares formulas lose every digit here.
    rng = np.random.default_rng(3)
    a = (1e4 + rng.standard_normal(10**5)).astype(np.float32)     # serial kernels: no parallel compile
    ref = a.astype(np.float64).var(ddof=1)
    err = abs(tj.from_numpy(a).var().item() - ref) / ref
    err_np = abs(float(a.var(ddof=1)) - ref) / ref
    assert err <= max(4 * err_np, 4 * 2.0**-24), (err, err_np)
    m = a.reshape(100, 1000)
    ref = m.astype(np.float64).std(1, ddof=1)
    err = np.abs(tj.from_numpy(m).std(1).numpy() - ref) / ref
    assert err.max() <= 4 * 2.0**-24, err.max()


def test_logsumexp_is_stable():
    a = np.array([[1000.0, 1000.0, -INF], [-1000.0, -1001.0, -1002.0]], np.float32)
    _check(tj.logsumexp(tj.from_numpy(a), 1), torch.logsumexp(torch.from_numpy(a), 1))
    assert tj.logsumexp(tj.from_numpy(a), 1).numpy()[0] == pytest.approx(1000.0 + math.log(2))


def test_out_arguments():
    a = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    t, tv = tj.from_numpy(a), torch.from_numpy(a)
    o = tj.empty(4, dtype=tj.float64)
    assert tj.var(t, 0, out=o) is o
    _check(o, torch.var(tv, 0).double())
    o = tj.empty(3)
    tj.nansum(t, 1, out=o)
    _check(o, torch.nansum(tv, 1))
    o = tj.empty(3, dtype=tj.float64)
    tj.logsumexp(t, 1, out=o)
    _check(o, torch.logsumexp(tv, 1, out=torch.empty(3, dtype=torch.float64)))
    v, ix = tj.empty(4), tj.empty(4, dtype=tj.int64)
    r = tj.max(t, 0, out=(v, ix))
    assert r.values is v and r.indices is ix and type(r).__name__ == "max"
    _check(r, torch.max(tv, 0))
    ix = tj.zeros(2, 5, dtype=tj.int64)
    with pytest.warns(UserWarning, match="argmax.*resized"):
        tj.argmax(t, 1, out=ix)
    _check(ix, torch.argmax(tv, 1))
    o = tj.zeros(4, 2)
    tj.norm(t, 2, 0, out=o.t()[0])           # a strided out= view
    _check(o.t()[0], torch.norm(tv, 2, 0))
    lo, hi = tj.empty(3), tj.empty(3)
    _check(tj.aminmax(t, dim=1, out=(lo, hi)), torch.aminmax(tv, dim=1))
    o = tj.empty(4)
    tj.nanmean(t, 0, out=o)
    _check(o, torch.nanmean(tv, 0))
    # Refused out= dtypes: an error naming the op, out untouched.
    for call, out in [(lambda o: tj.argmax(t, 1, out=o), tj.full((3,), 7.0)),
                      (lambda o: tj.argmax(t, 1, out=o), tj.full((3,), 7, dtype=tj.int32)),
                      (lambda o: tj.var(t, 1, out=o), tj.full((3,), 7, dtype=tj.int64)),
                      (lambda o: tj.norm(t, 2, 1, out=o), tj.full((3,), 7.0, dtype=tj.float64)),
                      (lambda o: tj.logsumexp(t, 1, out=o), tj.full((3,), 7, dtype=tj.int64)),
                      (lambda o: tj.max(t, 1, out=(o, tj.full((3,), 7.0))), tj.full((3,), 7.0))]:
        with pytest.raises(RuntimeError):
            call(out)
        assert (out.numpy() == 7).all()
    with pytest.raises(RuntimeError, match="logsumexp"):
        tj.logsumexp(t, 1, out=tj.empty(3, dtype=tj.int64))


def test_errors_name_the_op():
    t = tj.ones(2, 3)
    i = tj.ones(2, 3, dtype=tj.int64)
    cases = [
        (RuntimeError, "var.*floating point", lambda: tj.var(i)),
        (RuntimeError, "std_mean.*floating point", lambda: tj.std_mean(i)),
        (RuntimeError, "nanmean.*Long", lambda: tj.nanmean(i)),
        (RuntimeError, "nansum.*complex", lambda: tj.nansum(tj.ones(2, dtype=tj.complex64))),
        (RuntimeError, "vector_norm.*Long", lambda: tj.norm(i)),
        (RuntimeError, "vector_norm.*dtype", lambda: tj.norm(t, dtype=tj.int64)),
        (NotImplementedError, "nuc.*linalg", lambda: tj.norm(t, "nuc")),
        (RuntimeError, "matrix_norm.*abc", lambda: tj.norm(t, "abc")),
        (RuntimeError, "matrix_norm.*2-tuple", lambda: tj.norm(tj.ones(2, 2, 2), "fro", (0, 1, 2))),
        (TypeError, "max.*dim", lambda: tj.max(t, (0, 1))),
        (TypeError, "aminmax.*dim", lambda: tj.aminmax(t, dim=(0, 1))),
        (RuntimeError, "argmax.*bool", lambda: tj.argmax(tj.ones(2, dtype=tj.bool))),
        (RuntimeError, "max.*complex", lambda: tj.max(tj.ones(2, dtype=tj.complex64), 0)),
        (RuntimeError, "argmin.*complex", lambda: tj.argmin(tj.ones(2, dtype=tj.complex64))),
        (IndexError, "argmax.*numel", lambda: tj.argmax(tj.zeros(0))),
        (IndexError, "min.*Dimension out of range", lambda: tj.min(t, 2)),
        (IndexError, "logsumexp.*Dimension out of range", lambda: tj.logsumexp(t, 5)),
        (TypeError, "dim", lambda: tj.logsumexp(t)),
        (NotImplementedError, "logsumexp.*complex", lambda: tj.logsumexp(tj.ones(2, dtype=tj.complex64), 0)),
        (TypeError, "var.*Tensor", lambda: tj.var([1.0, 2.0])),
        (RuntimeError, "nansum.*appears multiple times", lambda: tj.nansum(t, (0, 0))),
    ]
    for exc, pattern, fn in cases:
        with pytest.raises(exc, match=pattern):
            fn()


def test_methods_and_max_forms():
    a = _ties((3, 5), "float32", np.random.default_rng(5))
    t, tv = tj.from_numpy(a), torch.from_numpy(a)
    for m in ("nansum", "nanmean", "var", "std", "norm", "argmax", "argmin"):
        _check(getattr(t, m)(), getattr(tv, m)())
    _check(t.logsumexp(1), tv.logsumexp(1))
    _check(t.aminmax(dim=0), tv.aminmax(dim=0))
    _check(t.max(dim=1, keepdim=True), tv.max(dim=1, keepdim=True))
    _check(t.min(1), tv.min(1))
    _check(tj.max(t, t.t().t() * 0), torch.max(tv, tv * 0))     # the binary form stays maximum
    _check(t.max(), tv.max())


@pytest.mark.parametrize("threads", [1, 2])
def test_parallel_states_merge_in_order(threads):
    # >= 2**17 elements: one output reduces in per-thread chunks whose states merge in order.
    old = tj.get_num_threads()
    try:
        tj.set_num_threads(min(threads, old))
        n = 2**18
        rng = np.random.default_rng(6)
        a = (rng.standard_normal(n) + 100).astype(np.float32)
        a[[5, n // 2 + 3, n - 2]] = a.max() + 1          # ties across the chunk boundary: the first wins
        t, tv = tj.from_numpy(a), torch.from_numpy(a)
        for fn in (lambda m, x: m.argmax(x), lambda m, x: m.max(x, 0), lambda m, x: m.std(x),
                   lambda m, x: m.std_mean(x), lambda m, x: m.logsumexp(x, 0)):
            _same(fn, t, tv, "parallel", rtol=1e-5, atol=1e-3)
        b = a.copy()
        b[n - 10] = NAN                                    # a NaN in the second chunk wins with its index
        b[: n // 2] = -INF                                 # a first chunk of -inf only
        _same(lambda m, x: m.argmax(x), tj.from_numpy(b), torch.from_numpy(b), "parallel nan")
        c = b.copy()
        c[n - 10] = 0.0
        _same(lambda m, x: m.logsumexp(x, 0), tj.from_numpy(c), torch.from_numpy(c), "parallel lse -inf chunk")
    finally:
        tj.set_num_threads(old)
