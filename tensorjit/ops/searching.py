"""Searching and counting: unique, unique_consecutive, searchsorted, bucketize, histc, bincount,
isin.

Row layout and kernels: Note [row kernels] (tensorjit/_rows.py); the kernels are in
kernels/cpu/search.py. unique, unique_consecutive and isin work on order-preserving uint64 keys
(Note [order keys] there), so only small key kernels are compiled per dtype. Every check runs
before a kernel writes, and ``out=`` tensors are written only once the result exists.
"""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from .. import _dtypes
from .._dtypes import BOOL, COMPLEX, FLOAT, result_type, scalar_dtype
from .._dispatch import PARALLEL_THRESHOLD, get_num_threads, scalar_array, _check_writable
from .._rows import compute_dtype, from_rows, kernels, new_rows, rows
from .._shape import contiguous_strides, wrap_dim
from .._storage import allocate
from .._tensor import Tensor, make_dense

__all__ = ["unique", "unique_consecutive", "searchsorted", "bucketize", "histc", "bincount", "isin"]

_int64, _uint64 = _dtypes.int64, _dtypes.uint64
_NUMBERS = (bool, int, float, np.bool_, np.integer, np.floating)
_NO_INDEX = np.zeros(1, np.int64)
_NO_SORTER = np.zeros((1, 1), np.int64)
_NO_COUNTS = np.zeros(1, np.int64)

# Note [order keys] (kernels/cpu/search.py): per kernel dtype, the sign bit an integer key flips,
# or the bit-pattern view, sign bit and +inf bits of a float.
_INT_FLIP = {"i": np.uint64(1 << 63), "u": np.uint64(0), "b": np.uint64(0)}
_FLOAT_BITS = {np.dtype(np.float32): (np.uint32, np.uint64(1 << 31), np.uint64(0x7F800000)),
               np.dtype(np.float64): (np.uint64, np.uint64(1 << 63), np.uint64(0x7FF0000000000000))}

# bincount's result dtype with weights (PyTorch sums float32 weights in float32, others in float64).
_BINCOUNT_RESULT = {_dtypes.float32: _dtypes.float32}
_BINCOUNT_INPUTS = frozenset([_dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64])

# isin looks integer keys up in a table when the test elements span at most this many keys
# per element of both inputs (a table of that size costs about as much as sorting them).
_TABLE_SPAN = 4

_TORCH_NAMES = {"bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


_KERNELS = []


def _k():
    # The kernel module, imported once (``kernels`` reads its source file on every call).
    if not _KERNELS:
        _KERNELS.append(kernels("search"))
    return _KERNELS[0]


# -- helpers ---------------------------------------------------------------------------------
def _check_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def _refuse_complex(x, name):
    if x._dtype.category == COMPLEX:
        raise NotImplementedError(f"{name}(): not implemented for dtype {x._dtype.name}")


def _flat(x, name):
    """``x`` flattened to a C-contiguous 1-d kernel array (float16 as float32)."""
    a, _, _ = rows(x.reshape(-1), 0, name)
    return a.reshape(-1)


def _scalar_tensor(value, d):
    """A 0-d tensor of dtype ``d`` holding Python number ``value``, converted as PyTorch converts
    scalars (integers wrap)."""
    c = compute_dtype(d)
    t = make_dense(scalar_array(value, d), (), (), 0, c)
    return t.to(d) if c is not d else t


def _dense(data, shape, d):
    return make_dense(data, shape, contiguous_strides(shape), 0, d)


def _write_out(name, res, out):
    """Copy result ``res`` into ``out``, resizing it as PyTorch does (with its warning)."""
    if out._shape != res._shape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape "
                          f"{list(res._shape)}.", UserWarning, stacklevel=3)
        from .._views import resize_
        resize_(out, res._shape)
    return out.copy_(res)


def _check_out(out, name):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _check_writable(out, name, allow_overlap=True)


def _chunks(n, steps=1):
    """Threads for a parallel kernel over ``n`` elements of ``steps`` steps each (a binary
    search costs log2 of its sequence's length): 1 means run the serial kernel."""
    return get_num_threads() if n * steps >= PARALLEL_THRESHOLD else 1


def _keys(a):
    """(uint64 order keys of 1-d kernel array ``a``, the number of NaNs): Note [order keys]."""
    keys = allocate(a.shape[0], _uint64)
    bits = _FLOAT_BITS.get(a.dtype)
    if bits is None:
        _k().int_keys(a, keys, _INT_FLIP[a.dtype.kind])
        return keys, 0
    view, sign, inf = bits
    return keys, int(_k().float_keys(a.view(view), keys, sign, inf))


def _sorted_keys(keys):
    """(keys sorted in place or into scratch, the stable permutation that sorts them)."""
    n = keys.shape[0]
    perm, tk, tp = allocate(n, _int64), allocate(n, _uint64), allocate(n, _int64)
    if _k().argsort_keys(keys, perm, tk, tp):
        return tk, tp
    return keys, perm


def _runs(a, sort, want_inverse, want_counts):
    """Runs of equal elements of 1-d kernel array ``a`` (of its sorted copy when ``sort``):
    (first element of each run, inverse or None, counts or None) as kernel arrays, and the
    number of NaNs (each a run of its own, the last ones when sorted)."""
    k = _k()
    n = a.shape[0]
    keys, nan = _keys(a)
    perm = _NO_INDEX
    if sort:
        keys, perm = _sorted_keys(keys)
    starts = allocate(n + 1, _int64)
    nrun = k.run_starts(keys, nan > 0, starts)
    counts = allocate(nrun, _int64) if want_counts else _NO_COUNTS
    inverse = allocate(n, _int64) if want_inverse else _NO_INDEX
    if want_counts or want_inverse:
        k.fill_runs(starts, nrun, perm, sort, counts, want_counts, inverse, want_inverse)
    values = allocate(nrun, _dtypes.from_numpy_dtype(a.dtype))
    k.take_firsts(a, starts, nrun, perm, sort, values)
    return values, (inverse if want_inverse else None), (counts if want_counts else None), nan


def _results(values, inverse, counts, return_inverse, return_counts):
    if not (return_inverse or return_counts):
        return values
    r = (values,)
    if return_inverse:
        r += (inverse,)
    if return_counts:
        r += (counts,)
    return r


# -- unique ----------------------------------------------------------------------------------
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The unique elements of ``input`` in ascending order (of its slices along ``dim`` when
    given), with the index of each element's unique value (``return_inverse``, int64) and
    how often each unique value occurs (``return_counts``, int64). Each NaN is unique, as in
    PyTorch; results are sorted whatever ``sorted`` says, as PyTorch's CPU results are.

    >>> import tensorjit as tj
    >>> v, inv, cnt = tj.unique(tj.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    >>> v.tolist(), inv.tolist(), cnt.tolist()
    ([1, 2, 3], [2, 0, 2, 1], [1, 1, 2])
    >>> tj.unique(tj.tensor([[1, 2], [0, 5], [1, 2]]), dim=0).tolist()
    [[0, 5], [1, 2]]
    """
    return _unique("unique", input, True, return_inverse, return_counts, dim)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with every run of equal consecutive elements (slices along ``dim`` when given)
    cut to its first, with ``return_inverse`` and ``return_counts`` as ``unique``.

    >>> import tensorjit as tj
    >>> v, cnt = tj.unique_consecutive(tj.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    >>> v.tolist(), cnt.tolist()
    ([1, 2, 3, 1], [2, 2, 1, 1])
    """
    return _unique("unique_consecutive", input, False, return_inverse, return_counts, dim)


def _unique(name, x, sort, return_inverse, return_counts, dim):
    _check_tensor(x, name)
    _refuse_complex(x, name)
    if dim is None:
        values, inverse, counts, _ = _runs(_flat(x, name), sort, return_inverse, return_counts)
        v = from_rows(values.reshape(1, -1), (), 0, x._dtype, 1)
        inv = _dense(inverse, x._shape, _int64) if return_inverse else None
        cnt = _dense(counts, counts.shape, _int64) if return_counts else None
        return _results(v, inv, cnt, return_inverse, return_counts)
    return _unique_dim(name, x, dim, sort, return_inverse, return_counts)


def _unique_dim(name, x, dim, sort, return_inverse, return_counts):
    from .._views import movedim
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int or None, not {type(dim).__name__}")
    if not x._shape:
        raise IndexError(f"{name}(): Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, len(x._shape), name)
    m = x._shape[dim]
    if m == 0:
        empty = np.empty(0, np.int64)
        v = _dense(allocate(0, x._dtype), x._shape, x._dtype)
        return _results(v, _dense(empty, (0,), _int64), _dense(empty, (0,), _int64), return_inverse, return_counts)
    if 0 in x._shape:
        raise RuntimeError(f"{name}(): There are 0 sized dimensions, and they aren't selected, so unique "
                           f"cannot be applied (input shape {list(x._shape)}, dim {dim})")
    c = compute_dtype(x._dtype)
    moved = movedim(x.to(c), dim, 0).contiguous()
    rest = moved._shape[1:]
    width = math.prod(rest)
    a = moved._data[moved._offset:moved._offset + m * width].reshape(m, width)
    # Rows compare through the ranks of their elements among all elements: equal elements get
    # equal ranks and each NaN its own (the highest ones), so rows of ranks order and match as
    # the rows do.
    values, ranks, _, nans = _runs(a.reshape(-1), True, True, False)
    ranks = ranks.reshape(m, width)
    k = _k()
    perm = _NO_INDEX
    if sort:
        perm, tmp = allocate(m, _int64), allocate(m, _int64)
        if k.argsort_rows(ranks, values.shape[0] - nans, perm, tmp):
            perm = tmp
    starts = allocate(m + 1, _int64)
    nrun = k.row_run_starts(ranks, perm, sort, starts)
    counts = allocate(nrun, _int64) if return_counts else _NO_COUNTS
    inverse = allocate(m, _int64) if return_inverse else _NO_INDEX
    if return_counts or return_inverse:
        k.fill_runs(starts, nrun, perm, sort, counts, return_counts, inverse, return_inverse)
    out = allocate(nrun * width, c).reshape(nrun, width)
    k.take_first_rows(a, starts, nrun, perm, sort, out)
    v = movedim(_dense(out.reshape(-1), (nrun,) + rest, c), 0, dim).contiguous()
    if c is not x._dtype:
        v = v.to(x._dtype)
    inv = _dense(inverse, (m,), _int64) if return_inverse else None
    cnt = _dense(counts, (nrun,), _int64) if return_counts else None
    return _results(v, inv, cnt, return_inverse, return_counts)


# -- searchsorted, bucketize -------------------------------------------------------------------
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None, sorter=None):
    """Indices at which ``input`` (a tensor or a number) would be inserted into the innermost
    dim of ``sorted_sequence`` to keep it sorted: the first such index, or the last with
    ``right=True`` / ``side='right'``. ``sorted_sequence`` is 1-d, or N-d with the leading
    dims of ``input``; ``sorter`` (int64) sorts an unsorted sequence. int64 result (int32
    with ``out_int32``), shaped like ``input``.

    >>> import tensorjit as tj
    >>> s = tj.tensor([1, 3, 5, 7])
    >>> tj.searchsorted(s, tj.tensor([3, 6])).tolist(), tj.searchsorted(s, 3, right=True).item()
    ([1, 3], 2)
    """
    _check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    return _search("searchsorted", sorted_sequence, input, out_int32, _side(side, right), out, sorter)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each element of ``input`` (a tensor or a number) among the 1-d sorted
    ``boundaries``: ``i`` with ``boundaries[i-1] < x <= boundaries[i]``, or
    ``boundaries[i-1] <= x < boundaries[i]`` with ``right=True``.

    >>> import tensorjit as tj
    >>> tj.bucketize(tj.tensor([1, 4, 9]), tj.tensor([2, 4, 6])).tolist()
    [0, 1, 3]
    """
    _check_tensor(boundaries, "bucketize", "boundaries")
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _search("bucketize", boundaries, input, out_int32, bool(right), out, None)


def _side(side, right):
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError("searchsorted(): side and right can't be set to opposites, got side of left "
                           "while right was True")
    return side == "right"


def _search(name, seq, values, out_int32, right, out, sorter):
    scalar = not isinstance(values, Tensor)
    if scalar and not isinstance(values, _NUMBERS):
        raise TypeError(f"{name}(): argument 'input' must be Tensor or Number, not {type(values).__name__}")
    if seq.ndim == 0:
        raise RuntimeError(f"{name}(): boundaries tensor should have positive dimension, but got 0 dimension")
    if scalar and seq.ndim != 1:
        raise RuntimeError(f"{name}(): input value can be a scalar only when boundaries tensor dimension is 1, "
                           f"but we got boundaries tensor dim({seq.ndim}) and input value's dim(0) numel(1)")
    if not scalar and seq.ndim != 1 and (values.ndim != seq.ndim or values._shape[:-1] != seq._shape[:-1]):
        raise RuntimeError(f"{name}(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                           f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq._shape)} and input value tensor {list(values._shape)}")
    odt = _dtypes.int32 if out_int32 else _int64
    if out is not None:
        _check_out(out, name)
        if out._dtype is not odt:
            raise RuntimeError(f"{name}(): output tensor's dtype is wrong, it can only be int32 or int64 depending "
                               f"on whether out_int32 flag is True, but we got output tensor's dtype "
                               f"{out._dtype.name} and out_int32 flag is {bool(out_int32)}")
    if sorter is not None:
        if not isinstance(sorter, Tensor) or sorter._dtype is not _int64:
            got = sorter._dtype.name if isinstance(sorter, Tensor) else type(sorter).__name__
            raise RuntimeError(f"{name}(): sorter must be a tensor of long dtype but got dtype {got}")
        if sorter._shape != seq._shape:
            raise RuntimeError(f"{name}(): boundary and sorter must have the same size, but got boundary tensor "
                               f"{list(seq._shape)} and got sorter tensor {list(sorter._shape)}")
    compute = result_type(seq, values)
    if compute.category in (BOOL, COMPLEX):
        raise NotImplementedError(f"{name}(): not implemented for dtype {compute.name} (boundaries "
                                  f"{seq._dtype.name}, input {_describe(values)})")
    if seq.is_cuda or (not scalar and values.is_cuda):
        from ..cuda._sort import search
        return search(name, seq, values, compute, odt, right, out, sorter)
    k = _k()
    s, _, _ = rows(seq.to(compute), -1, name)
    vt = _scalar_tensor(values, compute) if scalar else values.to(compute)
    v, _, _ = rows(vt, -1, name)
    srt = _NO_SORTER
    if sorter is not None:
        srt, _, _ = rows(sorter, -1, name)
        if not k.sorter_in_range(srt, s.shape[1]):
            raise RuntimeError(f"{name}(): sorter index out of range (sequence length {s.shape[1]})")
    n = v.shape[0] * v.shape[1]
    res = allocate(n, odt).reshape(v.shape)
    t = _chunks(n, s.shape[1].bit_length())
    if t > 1:
        k.searchsorted_par(s, v, srt, sorter is not None, right, res, t)
    else:
        k.searchsorted(s, v, srt, sorter is not None, right, res, 0, n)
    r = _dense(res.reshape(-1), () if scalar else vt._shape, odt)
    return r if out is None else _write_out(name, r, out)


def _describe(x):
    return x._dtype.name if isinstance(x, Tensor) else f"{type(x).__name__} scalar"


# -- histc -------------------------------------------------------------------------------------
def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of ``input`` (floating dtypes) in ``bins`` equal bins over [min, max], in the
    input's dtype. ``min == max`` takes the data's range (widened by 1 each way when the
    data is constant). Elements outside the range and NaN are not counted.

    >>> import tensorjit as tj
    >>> tj.histc(tj.tensor([1., 2., 1., 9.]), bins=4, min=0, max=4).tolist()
    [0.0, 2.0, 1.0, 0.0]
    """
    name = "histc"
    _check_tensor(input, name)
    if input._dtype.category != FLOAT:
        raise NotImplementedError(f"histc(): not implemented for dtype {input._dtype.name} "
                                  "(floating point inputs only)")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    bins = int(bins)
    lo, hi = _number(min, name, "min"), _number(max, name, "max")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
    if out is not None:
        _check_out(out, name)
        if out._dtype is not input._dtype:
            raise RuntimeError(f"histc(): input tensor and hist tensor should have the same dtype, but got input "
                               f"{input._dtype.name} and hist {out._dtype.name}")
    k = _k()
    a = _flat(input, name)
    if lo == hi and a.shape[0]:
        lo, hi = (float(e) for e in k.float_range(a))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"histc(): range of [{lo:g}, {hi:g}] is not finite")
    if not lo < hi:
        raise RuntimeError("histc(): max must be larger than min")
    # The edges and the bin arithmetic in the input dtype, as PyTorch computes them.
    d = input._dtype.np.type
    left, right, nbins = d(lo), d(hi), d(bins)
    width = right - left
    c = compute_dtype(input._dtype).np.type
    hist = new_rows(1, bins, input._dtype)
    k.histc(a, c(left), c(right), c(nbins), c(width), bins, input._dtype is _dtypes.float16, hist.reshape(-1))
    r = from_rows(hist, (), 0, input._dtype, 1)
    return r if out is None else _write_out(name, r, out)


def _number(v, name, arg):
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise TypeError(f"{name}(): argument '{arg}' must be Number, not a Tensor of {v.numel()} elements")
        v = v.item()
    if not isinstance(v, _NUMBERS):
        raise TypeError(f"{name}(): argument '{arg}' must be Number, not {type(v).__name__}")
    return float(v)


# -- bincount ----------------------------------------------------------------------------------
def bincount(input, weights=None, minlength=0):
    """How often each value occurs in the 1-d non-negative integer ``input`` (int64), or the
    sum of ``weights`` per value (float32 for float32 weights, else float64). The result
    has ``max(input) + 1`` bins, at least ``minlength``.

    >>> import tensorjit as tj
    >>> tj.bincount(tj.tensor([1, 3, 1])).tolist()
    [0, 2, 0, 1]
    >>> tj.bincount(tj.tensor([1, 3, 1]), tj.tensor([0.5, 1.0, 2.0])).tolist()
    [0.0, 2.5, 0.0, 1.0]
    """
    name = "bincount"
    _check_tensor(input, name)
    if input._dtype not in _BINCOUNT_INPUTS:
        raise NotImplementedError(f"bincount(): not implemented for dtype {input._dtype.name} "
                                  "(int8, int16, int32, int64 and uint8 inputs only)")
    if weights is not None:
        _check_tensor(weights, name, "weights")
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)):
        raise TypeError(f"bincount(): argument 'minlength' must be int, not {type(minlength).__name__}")
    minlength = int(minlength)
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0, got {minlength}")
    if input.ndim == 1 and input.numel() == 0:
        # PyTorch returns int64 zeros here, weights or not.
        return _dense(np.zeros(minlength, np.int64), (minlength,), _int64)
    k = _k()
    x = _flat(input, name) if input.ndim == 1 else None
    lo, hi = k.int_range(x) if x is not None else (-1, -1)
    if lo < 0:
        raise RuntimeError(f"bincount(): bincount only supports 1-d non-negative integral inputs "
                           f"(got shape {list(input._shape)}, dtype {input._dtype.name}).")
    if weights is not None and (weights.ndim != 1 or weights._shape[0] != input._shape[0]):
        raise RuntimeError(f"bincount(): weights should be 1-d and have the same length as input (input shape "
                           f"{list(input._shape)}, weights shape {list(weights._shape)})")
    nb = builtins.max(minlength, int(hi) + 1)
    n = x.shape[0]
    if weights is None:
        res = allocate(nb, _int64)
        t = _chunks(n)
        if t > 1 and nb * t <= n:
            k.bincount_par(x, res, allocate(t * nb, _int64).reshape(t, nb))
        else:
            k.bincount(x, res, 0, n)
        return _dense(res, (nb,), _int64)
    rdt = _BINCOUNT_RESULT.get(weights._dtype, _dtypes.float64)
    if weights._dtype.category == COMPLEX:
        warnings.warn("bincount(): casting complex weights to real discards the imaginary part", UserWarning,
                      stacklevel=2)
    w = _flat(weights.to(rdt), name)
    res = allocate(nb, rdt)
    k.bincount_weighted(x, w, res)
    return _dense(res, (nb,), rdt)


# -- isin --------------------------------------------------------------------------------------
def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None):
    """Whether each element of ``elements`` is in ``test_elements`` (either may be a number):
    a bool tensor shaped like ``elements`` (negated with ``invert``). NaN is in nothing.
    The test elements are sorted once and each element found by binary search.

    >>> import tensorjit as tj
    >>> tj.isin(tj.tensor([[1, 2], [3, 4]]), tj.tensor([2, 3])).tolist()
    [[False, True], [True, False]]
    """
    name = "isin"
    e_scalar, t_scalar = not isinstance(elements, Tensor), not isinstance(test_elements, Tensor)
    for v, arg in ((elements, "elements"), (test_elements, "test_elements")):
        if not isinstance(v, (Tensor,) + _NUMBERS):
            raise TypeError(f"isin(): argument '{arg}' must be Tensor or Number, not {type(v).__name__}")
    if e_scalar and t_scalar:
        raise TypeError(f"isin(): expected at least one of 'elements' and 'test_elements' to be a Tensor, got "
                        f"{type(elements).__name__} and {type(test_elements).__name__}")
    for v in (elements, test_elements):
        d = v._dtype if isinstance(v, Tensor) else scalar_dtype(v)
        if d.category in (BOOL, COMPLEX):
            raise RuntimeError(f"isin(): Unsupported input type encountered for isin(): "
                               f"{_TORCH_NAMES.get(d.name, d.name)}")
    if out is not None:
        _check_out(out, name)
        if out._dtype is not _dtypes.bool:
            raise RuntimeError(f"isin(): Expected out tensor to have dtype bool, but got {out._dtype.name} instead")
    compute = result_type(elements, test_elements)
    et = _scalar_tensor(elements, compute) if e_scalar else elements.to(compute)
    tt = _scalar_tensor(test_elements, compute) if t_scalar else test_elements.to(compute)
    ekeys, _ = _keys(_flat(et, name))
    tkeys, _ = _keys(_flat(tt, name))
    tkeys, _ = _sorted_keys(tkeys)
    n, m = ekeys.shape[0], tkeys.shape[0]
    res = allocate(n, _dtypes.bool)
    nan = compute.category == FLOAT
    k = _k()
    t = _chunks(n, m.bit_length())
    span = int(tkeys[m - 1]) - int(tkeys[0]) + 1 if m else 0
    if not nan and m and span <= _TABLE_SPAN * (n + m):
        # Integer test elements in a narrow range: a table of which keys are present, one
        # lookup per element instead of a binary search (NumPy's "table" method).
        table = allocate(span, _dtypes.bool)
        k.key_table(tkeys, table)
        k.isin_table(ekeys, tkeys[0], table, bool(invert), res)
    elif t > 1:
        k.isin_keys_par(ekeys, tkeys, nan, bool(invert), res, t)
    else:
        k.isin_keys(ekeys, tkeys, nan, bool(invert), res, 0, n)
    r = _dense(res, et._shape, _dtypes.bool)
    return r if out is None else _write_out(name, r, out)


METHODS = {"unique": unique, "unique_consecutive": unique_consecutive, "histc": histc, "bincount": bincount}
