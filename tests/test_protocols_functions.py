"""NumPy functions on tensors (``__array_function__``): every mapped function round trips.

Each case runs the same NumPy call on NumPy arrays and on tensors sharing their data: the
result must be a Tensor (or a tuple/list of them) with NumPy's dtype, shape and values.
Inputs are float64 unless the case is about another dtype, so most cases share kernels.
"""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _protocols_func as F

A = np.array([[0.5, -1.5, 2.0, 3.25], [4.0, -0.5, 1.0, -2.0], [1.5, 2.5, -3.0, 0.0]])
B = np.array([[1.0, 2.0, -1.0], [0.5, -2.0, 3.0], [2.0, 1.0, 0.0], [-1.0, 4.0, 0.25]])
V = np.array([3.0, -1.0, 2.0, 2.0, 0.5])
I = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.int64)
S = np.array([0.5, 1.0, 2.0, 4.0])
SQ = np.array([[2.0, 1.0], [0.5, 3.0]])

CASES = {
    "sum_axis0": (lambda x: np.sum(x, axis=0), A), "sum_all": (lambda x: np.sum(x), A),
    "sum_keepdims": (lambda x: np.sum(x, axis=(0, 1), keepdims=True), A),
    "sum_int32_dtype": (lambda x: np.sum(x, axis=1), I.astype(np.int32)),
    "prod": (lambda x: np.prod(x, axis=1), A), "mean": (lambda x: np.mean(x, axis=-1), A),
    "mean_int": (lambda x: np.mean(x), I), "var_ddof": (lambda x: np.var(x, axis=0, ddof=1), A),
    "std": (lambda x: np.std(x, axis=1, keepdims=True), A), "std_int": (lambda x: np.std(x), I),
    "max": (lambda x: np.max(x, axis=0), A), "amin": (lambda x: np.amin(x), A),
    "all": (lambda x: np.all(x, axis=1), A), "any": (lambda x: np.any(x > 3, axis=0), A),
    "argmax": (lambda x: np.argmax(x, axis=1), A), "argmin_flat": (lambda x: np.argmin(x), A),
    "argmax_keepdims": (lambda x: np.argmax(x, axis=0, keepdims=True), A),
    "cumsum": (lambda x: np.cumsum(x, axis=1), A), "cumsum_flat": (lambda x: np.cumsum(x), A),
    "cumprod": (lambda x: np.cumprod(x, axis=0), A), "cumsum_int32": (lambda x: np.cumsum(x, axis=1),
                                                                       I.astype(np.int32)),
    "nansum": (lambda x: np.nansum(x, axis=0), np.where(A > 3, np.nan, A)),
    "nanmean": (lambda x: np.nanmean(x, axis=1), np.where(A > 3, np.nan, A)),
    "median": (lambda x: np.median(x, axis=1), A), "median_all": (lambda x: np.median(x), A),
    "quantile": (lambda x: np.quantile(x, 0.3, axis=0), A), "percentile": (lambda x: np.percentile(x, 75), A),
    "ptp": (lambda x: np.ptp(x, axis=1), A), "count_nonzero": (lambda x: np.count_nonzero(x, axis=0), I),
    "concatenate": (lambda x, y: np.concatenate([x, y.T], axis=0), A, B),
    "concatenate_none": (lambda x, y: np.concatenate([x, y], axis=None), A, B),
    "concatenate_promotes": (lambda x, y: np.concatenate([x[:, :3], y]), A, I.astype(np.int32)),
    "stack": (lambda x: np.stack([x, x], axis=1), A), "vstack": (lambda x: np.vstack([x, x]), A),
    "hstack": (lambda x: np.hstack([x, x]), A), "dstack": (lambda x: np.dstack([x, x]), A),
    "column_stack": (lambda x: np.column_stack([x, x]), V),
    "split": (lambda x: np.split(x, 2, axis=1), A), "array_split": (lambda x: np.array_split(x, [1, 3]), V),
    "reshape": (lambda x: np.reshape(x, (4, 3)), A), "reshape_neg": (lambda x: np.reshape(x, (2, -1)), A),
    "ravel": (lambda x: np.ravel(x.T), A), "transpose": (lambda x: np.transpose(x), A),
    "transpose_axes": (lambda x: np.transpose(x.reshape(2, 3, 2), (2, 0, 1)), A),
    "swapaxes": (lambda x: np.swapaxes(x, 0, 1), A), "moveaxis": (lambda x: np.moveaxis(x, 0, -1), A),
    "expand_dims": (lambda x: np.expand_dims(x, (0, 2)), A), "squeeze": (lambda x: np.squeeze(x[None]), A),
    "flip": (lambda x: np.flip(x), A), "flip_axis": (lambda x: np.flip(x, axis=1), A),
    "fliplr": (lambda x: np.fliplr(x), A), "flipud": (lambda x: np.flipud(x), A),
    "roll": (lambda x: np.roll(x, 2), A), "roll_axis": (lambda x: np.roll(x, -1, axis=0), A),
    "rot90": (lambda x: np.rot90(x), A), "tile": (lambda x: np.tile(x, (2, 1)), A),
    "repeat": (lambda x: np.repeat(x, 2, axis=1), A), "repeat_flat": (lambda x: np.repeat(x, 2), V),
    "broadcast_to": (lambda x: np.broadcast_to(x, (2, 5)), V),
    "broadcast_arrays": (lambda x, y: np.broadcast_arrays(x, y[:1]), A, A),
    "atleast_2d": (lambda x: np.atleast_2d(x), V), "atleast_3d": (lambda x: np.atleast_3d(x), A),
    "atleast_1d": (lambda x: np.atleast_1d(x), V),
    "copy": (lambda x: np.copy(x), A), "zeros_like": (lambda x: np.zeros_like(x), A),
    "ones_like": (lambda x: np.ones_like(x, dtype=np.int32), A), "full_like": (lambda x: np.full_like(x, 7), A),
    "empty_like_shape": (lambda x: np.empty_like(x).shape, A),
    "where": (lambda x: np.where(x > 1, x, -x), A), "where_scalar": (lambda x: np.where(x > 1, x, 0), A),
    "where_nonzero": (lambda x: np.where(x > 1), A), "nonzero": (lambda x: np.nonzero(x), I),
    "argwhere": (lambda x: np.argwhere(x), I),
    "clip": (lambda x: np.clip(x, -1, 2), A), "clip_int_float": (lambda x: np.clip(x, 0.5, 3.5), I),
    "clip_kw": (lambda x: np.clip(x, max=1.0), A),
    "take": (lambda x: np.take(x, [[0, 2], [1, 1]], axis=1), A), "take_flat": (lambda x: np.take(x, [5, 0]), A),
    "take_along_axis": (lambda x: np.take_along_axis(x, np.argsort(x, axis=1), axis=1), A),
    "diagonal": (lambda x: np.diagonal(x, 1), A), "trace": (lambda x: np.trace(x), A),
    "trace_int": (lambda x: np.trace(x), I.astype(np.int32)),
    "diag": (lambda x: np.diag(x), V), "diag_2d": (lambda x: np.diag(x, -1), A),
    "tril": (lambda x: np.tril(x, -1), A), "triu": (lambda x: np.triu(x, 1), A),
    "diff": (lambda x: np.diff(x, axis=0), A), "diff_n": (lambda x: np.diff(x, n=2, prepend=0.0), V),
    "sort": (lambda x: np.sort(x), A), "sort_axis0": (lambda x: np.sort(x, axis=0), A),
    "sort_none": (lambda x: np.sort(x, axis=None), A), "argsort": (lambda x: np.argsort(x, axis=0), A),
    "searchsorted": (lambda x: np.searchsorted(x, [0.75, 2.0], side="right"), S),
    "unique": (lambda x: np.unique(x), V),
    "unique_counts": (lambda x: np.unique(x, return_inverse=True, return_counts=True), I % 3),
    "isin": (lambda x: np.isin(x, [1, 4]), I), "isclose": (lambda x: np.isclose(x, x + 1e-9), A),
    "allclose": (lambda x: np.allclose(x, x), A), "array_equal": (lambda x: np.array_equal(x, x), A),
    "round": (lambda x: np.round(x * 1.37, 2), A), "around_int": (lambda x: np.around(x), I),
    "nan_to_num": (lambda x: np.nan_to_num(x, posinf=9.0), np.array([np.nan, np.inf, -np.inf, 1.0])),
    "matmul": (lambda x, y: np.matmul(x, y), A, B), "dot": (lambda x, y: np.dot(x, y), A, B),
    "dot_vec": (lambda x: np.dot(x, x), V), "vdot": (lambda x: np.vdot(x, x), A),
    "inner": (lambda x, y: np.inner(x, y), A, A), "outer": (lambda x, y: np.outer(x, y), V, S),
    "tensordot": (lambda x, y: np.tensordot(x, y, axes=([1], [0])), A, B),
    "tensordot_int": (lambda x, y: np.tensordot(x, y, 1), A, B),
    "einsum": (lambda x, y: np.einsum("ij,jk->ik", x, y), A, B), "einsum_trace": (lambda x: np.einsum("ii", x), SQ),
    "kron": (lambda x: np.kron(x, x), SQ),
    "norm": (lambda x: np.linalg.norm(x), A), "norm_axis": (lambda x: np.linalg.norm(x, axis=1), A),
    "norm_ord1": (lambda x: np.linalg.norm(x, 1, axis=0), A), "norm_fro": (lambda x: np.linalg.norm(x, axis=(0, 1)), A),
    "la_matmul": (lambda x, y: np.linalg.matmul(x, y), A, B),
    "multi_dot": (lambda x, y: np.linalg.multi_dot([x, y, x]), A, B),
    "matrix_power": (lambda x: np.linalg.matrix_power(x, 3), SQ),
    "matrix_transpose": (lambda x: np.linalg.matrix_transpose(x), A),
    "la_trace": (lambda x: np.linalg.trace(x, offset=1), A), "vecdot": (lambda x: np.linalg.vecdot(x, x), A),
    "la_outer": (lambda x, y: np.linalg.outer(x, y), V, S),
    "la_tensordot": (lambda x, y: np.linalg.tensordot(x, y, axes=1), A, B),
    "la_diagonal": (lambda x: np.linalg.diagonal(x), A),
}
# Functions tensorjit does not map: NumPy computes on the shared buffer, the result is wrapped.
FALLBACK = {
    "inv": (lambda x: np.linalg.inv(x), SQ), "solve": (lambda x: np.linalg.solve(x, x), SQ),
    "det": (lambda x: np.linalg.det(x), SQ), "svd": (lambda x: np.linalg.svd(x), SQ),
    "fft": (lambda x: np.fft.fft(x), V), "rfft2": (lambda x: np.fft.rfft2(x), A),
    "interp": (lambda x: np.interp([0.7, 3.0], x, x * 2), S), "histogram": (lambda x: np.histogram(x, 3), V),
    "dot_nd": (lambda x: np.dot(x.reshape(2, 2, 3), x.reshape(2, 3, 2)), A),
    "matrix_power_neg": (lambda x: np.linalg.matrix_power(x, -1), SQ),
}


def _compare(got, ref):
    if isinstance(ref, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(ref)
        for g, r in zip(got, ref):
            _compare(g, r)
        return
    if isinstance(ref, (bool, np.bool_, tuple)) or not isinstance(ref, np.ndarray) and np.ndim(ref) == 0 \
            and not isinstance(got, tj.Tensor):
        assert got == ref
        return
    assert isinstance(got, tj.Tensor), type(got)
    ref = np.asarray(ref)
    g = got.numpy()
    assert g.dtype == ref.dtype, (g.dtype, ref.dtype)
    assert g.shape == ref.shape, (g.shape, ref.shape)
    np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-12, equal_nan=True)


def _run(case):
    fn, *arrays = case
    ref = fn(*arrays)
    got = fn(*(tj.from_numpy(a.copy()) for a in arrays))
    _compare(got, ref)


@pytest.mark.parametrize("name", sorted(CASES))
def test_mapped_function_matches_numpy(name):
    _run(CASES[name])


@pytest.mark.parametrize("name", sorted(FALLBACK))
def test_unmapped_function_falls_back_to_numpy(name):
    _run(FALLBACK[name])


def test_every_mapped_function_has_a_case():
    # Each handler in the table is exercised above by at least one case naming it.
    covered = {"amax", "amin", "around", "vecdot"}
    names = {f.__name__ for f in F.HANDLERS}
    text = " ".join(CASES)
    missing = {n for n in names if n not in covered and n not in text and n.replace("_", "") not in text}
    assert not missing, missing


def test_mapped_functions_run_tensorjit_not_numpy(monkeypatch):
    # The handler answers: NumPy's own implementation must not be reached.
    calls = []
    handler = F.HANDLERS[np.sum]
    monkeypatch.setitem(F.HANDLERS, np.sum, lambda *a, **k: calls.append(1) or handler(*a, **k))
    r = np.sum(tj.ones(3, dtype=tj.float64), axis=0)
    assert isinstance(r, tj.Tensor) and float(r) == 3.0 and calls == [1]


def test_fallback_writes_through_shared_memory():
    t = tj.zeros(4, dtype=tj.float64)
    np.copyto(t, np.arange(4.0))
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]
    np.fill_diagonal(m := tj.zeros(2, 2, dtype=tj.float64), 5.0)
    assert m.tolist() == [[5.0, 0.0], [0.0, 5.0]]


def test_numpy_methods_on_tensors_keep_torch_meaning_without_numpy_keywords():
    t = tj.from_numpy(A.copy())
    _compare(t.sum(axis=0, keepdims=True), A.sum(axis=0, keepdims=True))
    _compare(t.max(axis=1), A.max(axis=1))
    assert t.max(1).indices.tolist() == A.argmax(1).tolist()          # PyTorch's (values, indices)
    _compare(t.transpose(), A.transpose())
    _compare(t.reshape(2, 3, 2).transpose((2, 0, 1)), A.reshape(2, 3, 2).transpose((2, 0, 1)))
    _compare(t.reshape(2, 3, 2).transpose(0, 2), A.reshape(2, 3, 2).swapaxes(0, 2))   # PyTorch's swap
    _compare(t[None].squeeze(axis=0), A)
    c = t.copy()
    c[0, 0] = 100.0
    assert t[0, 0].item() == A[0, 0]
    _compare(t.astype(np.int32), A.astype(np.int32))
    _compare(t.std(axis=0, ddof=1), A.std(axis=0, ddof=1))
    _compare(t.sum(dtype=np.float32), A.sum(dtype=np.float32))
