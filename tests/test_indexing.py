"""Advanced indexing and the indexing ops against PyTorch.

Every case is one function ``f(m, x)`` run twice, with ``m`` the tensorjit module on a
tensorjit tensor and with ``m`` torch on a torch tensor holding the same values in the same
layout. Where torch returns, tensorjit must return the same values, dtype, shape and strides
(results of advanced indexing follow TensorIterator's layout), and leave its input with the
same values (in-place ops write through views, so the base array is compared too). Where
torch raises, tensorjit must raise the same exception type and leave every tensor untouched.

Kernel budget: element moves (gather ``get`` / scatter ``put``) are keyed on the item size,
accumulations (``acc``) on the dtype and combine. Every dtype runs on the contiguous layout
only; the layout sweep (contiguous, transposed, stepped, offset) runs on float32 and int64.
"""
import warnings

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="torch is the reference for indexing semantics")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
LAYOUTS = ["contiguous", "transposed", "stepped", "offset"]
SHAPE = (3, 4, 5)


# -- helpers -------------------------------------------------------------------------------
def dname(d):
    return str(d).split(".")[-1]


def values(dtype, shape, seed=0, special=True):
    """Seeded NumPy data of ``dtype`` (NaN and inf among the floats when ``special``)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        a = rng.random(n) > 0.5
    elif dtype == "uint8":
        a = rng.integers(0, 10, n).astype(np.uint8)
    elif dtype.startswith("int"):
        a = rng.integers(-9, 10, n).astype(dtype)
    else:
        a = rng.integers(-9, 10, n).astype(np.float64) + rng.integers(0, 4, n) / 4
        if dtype.startswith("complex"):
            a = a + 1j * rng.integers(-3, 4, n)
        if special and n >= 4:
            a[1], a[3] = np.nan, -np.inf
        a = a.astype(dtype)
    return a.reshape(shape)


def layout_pair(base, layout):
    """(tensorjit, torch) tensors of ``base``'s shape and values in ``layout``, each over its own
    storage (so in-place results can be compared through ``.base``)."""
    shape = base.shape
    nd = base.ndim
    if layout == "contiguous" or nd == 0:
        store, view = base.copy(), lambda t: t
    elif layout == "transposed":
        store = np.ascontiguousarray(base.transpose(tuple(reversed(range(nd)))))
        view = lambda t: t.permute(*reversed(range(nd)))     # noqa: E731
    elif layout == "stepped":
        store = np.zeros(shape[:-1] + (2 * shape[-1],), base.dtype)
        store[..., ::2] = base
        view = lambda t: t[..., ::2]                          # noqa: E731
    elif layout == "offset":
        store = np.zeros((shape[0] + 1,) + shape[1:], base.dtype)
        store[1:] = base
        view = lambda t: t[1:]                                # noqa: E731
    else:
        raise ValueError(layout)
    a, r = tj.from_numpy(store.copy()), torch.from_numpy(store.copy())
    return view(a), view(r)


def to_np(t):
    return t.numpy() if isinstance(t, tj.Tensor) else t.detach().numpy()


def assert_same(a, r, *, strides=True, what="result"):
    """tensorjit ``a`` matches torch ``r``: type, shape, dtype, values (NaN == NaN), strides."""
    if isinstance(r, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(r), (what, a, r)
        for x, y in zip(a, r):
            assert_same(x, y, strides=strides, what=what)
        return
    if not isinstance(r, torch.Tensor):
        assert a == r, what
        return
    assert isinstance(a, tj.Tensor), (what, type(a))
    assert tuple(a.shape) == tuple(r.shape), (what, a.shape, r.shape)
    assert dname(a.dtype) == dname(r.dtype), (what, a.dtype, r.dtype)
    np.testing.assert_array_equal(to_np(a), to_np(r), err_msg=what)
    if strides and r.numel() > 0:
        assert a.stride() == r.stride(), (what, a.stride(), r.stride())


def snapshot(tensors):
    return [t.numpy().copy() for t in tensors]


def run_both(f, a_args, r_args, *, strides=True, op=None):
    """Run ``f`` with tensorjit and torch; compare results and the (possibly written) arguments.
    Where torch raises, tensorjit must raise the same type (naming ``op``) and change nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = f(torch, *r_args)
    except Exception as e:      # noqa: BLE001 - the type is what is compared
        exc = type(e)
    else:
        exc = None
    tj_tensors = [t for t in a_args if isinstance(t, tj.Tensor)]
    before = snapshot(tj_tensors)
    if exc is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(exc) as info:
                f(tj, *a_args)
        if op is not None:
            assert op in str(info.value), str(info.value)
        for t, b in zip(tj_tensors, before):
            np.testing.assert_array_equal(t.numpy(), b, err_msg="a failing op wrote to its tensors")
        return info.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = f(tj, *a_args)
    assert_same(got, expected, strides=strides)
    for a, r in zip(a_args, r_args):
        if isinstance(r, torch.Tensor):
            assert_same(a, r, what="argument after the call")
    return None


def I(m, v, dtype="int64"):          # noqa: E743 - short name for index tensors in the cases
    return m.tensor(v, dtype=getattr(m, dtype))


def B(m, v):
    return m.tensor(v, dtype=m.bool)


# -- cases: f(m, x) over x of SHAPE (3, 4, 5) ------------------------------------------------
I3 = [[[0, 2, 1, 0, 2], [1, 1, 0, 2, 0]]]                 # (1, 2, 5) into dim 0 of size 3
I5 = [[[4, 0, 0], [3, 3, 1]], [[0, 1, 2], [4, 4, 4]]]      # (2, 2, 3) into dim 2 of size 5
MASK345 = (np.random.default_rng(5).random(SHAPE) > 0.4).tolist()
MASK45 = [[True, False, True, True, False], [False] * 5, [True] * 5, [False, True, False, False, True]]

CASES = {
    # advanced indexing, read
    "getitem_list": lambda m, x: x[[0, 2, -1]],
    "getitem_dim1": lambda m, x: x[:, I(m, [3, -1, 0, 3])],
    "getitem_last": lambda m, x: x[..., I(m, [[4, 0], [-5, 2]])],
    "getitem_int_adv": lambda m, x: x[0, :, I(m, [1, 2])],
    "getitem_nonadjacent": lambda m, x: x[I(m, [0, 2]), :, I(m, [1, -2])],
    "getitem_broadcast": lambda m, x: x[I(m, [[0], [2]]), I(m, [1, 2, 3])],
    "getitem_all_adv": lambda m, x: x[I(m, [2, 0]), I(m, [3, 1]), I(m, [4, 4])],
    "getitem_slice_adv": lambda m, x: x[1:, I(m, [3, 0]), ::2],
    "getitem_none": lambda m, x: x[None, I(m, [0, 1]), None, 1:3],
    "getitem_int32": lambda m, x: x[I(m, [0, 2], "int32"), :, I(m, [1, 1], "int32")],
    "getitem_empty_index": lambda m, x: x[:, I(m, [])],
    "getitem_mask_full": lambda m, x: x[B(m, MASK345)],
    "getitem_mask_dim1": lambda m, x: x[:, B(m, [True, False, True, True])],
    "getitem_mask_2d": lambda m, x: x[1, B(m, MASK45)],
    "getitem_mask_lead": lambda m, x: x[B(m, [[True, False, False, True]] * 3)],
    "getitem_mask_and_index": lambda m, x: x[B(m, [True, False, True]), :, I(m, [4, 0])],
    "getitem_uint8_mask": lambda m, x: x[m.tensor([1, 0, 1], dtype=m.uint8)],
    "getitem_bool_scalar": lambda m, x: x[I(m, [1, 0]), True],
    "getitem_numpy": lambda m, x: x[np.array([2, 0]), np.array([[1], [3]])],
    # advanced indexing, write
    "setitem_scalar": lambda m, x: x.__setitem__((I(m, [0, 2, 0]), slice(None), I(m, [1, 1, -1])), 1),
    "setitem_tensor": lambda m, x: x.__setitem__((slice(None), I(m, [3, 0])), x[:, :2].clone()),
    "setitem_broadcast": lambda m, x: x.__setitem__((Ellipsis, I(m, [4, 2])), x[0, 0, :2].clone()),
    "setitem_mask": lambda m, x: x.__setitem__(B(m, [True, False, True]), x[0].clone()),
    "setitem_mask_2d": lambda m, x: x.__setitem__((2, B(m, MASK45)), x[0, 0, 0].clone()),
    "setitem_int32": lambda m, x: x.__setitem__(I(m, [[1], [0]], "int32"), x[:1].clone()),
    # index_select / gather / take / take_along_dim
    "index_select": lambda m, x: m.index_select(x, 1, I(m, [2, 0, 0, 3])),
    "index_select_last": lambda m, x: x.index_select(-1, I(m, [4, 1])),
    "index_select_int32": lambda m, x: m.index_select(x, 0, I(m, [2, 1], "int32")),
    "index_select_scalar_index": lambda m, x: m.index_select(x, 2, I(m, 3)),
    "index_select_negative": lambda m, x: m.index_select(x, 0, I(m, [-1])),
    "gather": lambda m, x: m.gather(x, 2, I(m, I5)),
    "gather_dim0": lambda m, x: x.gather(0, I(m, I3)),
    "gather_index_transposed": lambda m, x: m.gather(x, 1, I(m, [[[0, 3], [1, 2], [3, 3]]]).permute(2, 1, 0)),
    "gather_negative": lambda m, x: m.gather(x, 0, I(m, [[[-1]]])),
    "gather_int32": lambda m, x: m.gather(x, 0, I(m, I3, "int32")),
    "take": lambda m, x: m.take(x, I(m, [[0, 59], [-1, 17]])),
    "take_scalar_index": lambda m, x: x.take(I(m, 7)),
    "take_along_dim": lambda m, x: m.take_along_dim(x, I(m, [[[4, 0], [1, 1], [2, 3], [0, 0]]]), dim=2),
    "take_along_dim_negative": lambda m, x: m.take_along_dim(x, I(m, [[[-1], [0], [-5], [2]]]), dim=2),
    "take_along_dim_bcast": lambda m, x: m.take_along_dim(x, I(m, [[[0]], [[2]]]), dim=0),
    # torch's flat take_along_dim views its input as 1-d, which fails on most layouts.
    "take_along_dim_flat": lambda m, x: m.take_along_dim(x if m is tj else x.reshape(-1), I(m, [0, 59, 7])),
    # scatter family (out of place, in place)
    "scatter_src": lambda m, x: m.scatter(x, 2, I(m, I5), x[:2, :2, :3].clone()),
    "scatter_value": lambda m, x: m.scatter(x, 0, I(m, I3), 1),
    "scatter_inplace": lambda m, x: x.scatter_(1, I(m, [[[0, 2], [3, 1]]]), x[:1, :2, :2].clone()),
    "scatter_add": lambda m, x: m.scatter_add(x, 2, I(m, [[[0, 0, 0], [1, 1, 1]]]), x[:1, :2, :3].clone()),
    "scatter_add_inplace": lambda m, x: x.scatter_add_(0, I(m, [[[0, 0], [0, 2]], [[0, 0], [1, 1]]]),
                                                       x[1:, :2, :2].clone()),
    "scatter_reduce_add": lambda m, x: x.scatter_(2, I(m, [[[0, 0, 0]]]), x[:1, :1, :3].clone(), reduce="add"),
    "scatter_reduce_multiply": lambda m, x: x.scatter_(2, I(m, [[[1, 1, 1]]]), x[:1, :1, :3].clone(),
                                                       reduce="multiply"),
    "scatter_reduce_sum": lambda m, x: m.scatter_reduce(x, 2, I(m, I5), x[:2, :2, :3].clone(), "sum"),
    "scatter_reduce_prod": lambda m, x: m.scatter_reduce(x, 2, I(m, I5), x[1:, 2:, 2:].clone(), "prod"),
    "scatter_reduce_mean": lambda m, x: m.scatter_reduce(x, 2, I(m, I5), x[1:, 2:, 2:].clone(), "mean"),
    "scatter_reduce_amax": lambda m, x: m.scatter_reduce(x, 2, I(m, I5), x[1:, 2:, 2:].clone(), "amax"),
    "scatter_reduce_amin": lambda m, x: m.scatter_reduce(x, 2, I(m, I5), x[1:, 2:, 2:].clone(), "amin"),
    "scatter_reduce_sum_excl": lambda m, x: m.scatter_reduce(x, 0, I(m, I3), x[1:2, :2].clone(), "sum",
                                                             include_self=False),
    "scatter_reduce_prod_excl": lambda m, x: x.scatter_reduce_(0, I(m, I3), x[1:2, :2].clone(), "prod",
                                                               include_self=False),
    "scatter_reduce_mean_excl": lambda m, x: m.scatter_reduce(x, 0, I(m, I3), x[1:2, :2].clone(), "mean",
                                                              include_self=False),
    "scatter_reduce_amax_excl": lambda m, x: m.scatter_reduce(x, 0, I(m, I3), x[1:2, :2].clone(), "amax",
                                                              include_self=False),
    "scatter_reduce_amin_excl": lambda m, x: m.scatter_reduce(x, 0, I(m, I3), x[1:2, :2].clone(), "amin",
                                                              include_self=False),
    # index_add / index_copy / index_fill
    "index_add": lambda m, x: m.index_add(x, 1, I(m, [0, 3, 0]), x[:, 1:].clone()),
    "index_add_alpha": lambda m, x: x.index_add_(2, I(m, [4, 4]), x[..., :2].clone(), alpha=2),
    "index_add_int32": lambda m, x: x.index_add_(0, I(m, [1, 1], "int32"), x[1:].clone()),
    "index_copy": lambda m, x: m.index_copy(x, 2, I(m, [4, 0]), x[..., 1:3].clone()),
    "index_copy_inplace": lambda m, x: x.index_copy_(0, I(m, [2, 0]), x[:2].clone()),
    "index_fill": lambda m, x: m.index_fill(x, 1, I(m, [3, -1, 0]), 1),
    "index_fill_inplace": lambda m, x: x.index_fill_(2, I(m, [1]), x[0, 0, 0].clone()),
    # index_put / put
    "index_put": lambda m, x: m.index_put(x, (I(m, [0, 2]), I(m, [1, 3])), x[0, 0, :].clone()),
    "index_put_accumulate": lambda m, x: x.index_put_((I(m, [0, 0, 2, 0]), I(m, [[1], [1], [-1]])),
                                                      x[0, :3, :4].clone(), accumulate=True),
    # (torch refuses a uint8 mask with a 0-d value: its masked_fill_ shortcut takes bool masks only)
    "index_put_uint8_mask": lambda m, x: x.index_put_((I(m, [1, 0, 1], "uint8"),), x[0].clone()),
    "index_put_mask": lambda m, x: m.index_put(x, (B(m, [True, False, True]),), x[0, 0, 0].clone()),
    "index_put_mask_acc": lambda m, x: m.index_put(x, (B(m, [True, False, True]), I(m, [1, 1])),
                                                   x[0, :2, :].clone(), accumulate=True),
    "put": lambda m, x: m.put(x, I(m, [0, 59, -1]), x[0, 0, :3].clone()),
    "put_accumulate": lambda m, x: x.put_(I(m, [[3, 3], [-57, 0]]), x[0, :2, :2].clone(), accumulate=True),
    # masks
    "masked_fill": lambda m, x: m.masked_fill(x, B(m, MASK45), 1),
    "masked_fill_tensor_value": lambda m, x: x.masked_fill_(B(m, [[[True]], [[False]], [[True]]]),
                                                            x[0, 0, 0].clone()),
    "masked_fill_broadcast_result": lambda m, x: m.masked_fill(x[0, 0], B(m, [[True] * 5, [False] * 5]), 1),
    "masked_select": lambda m, x: m.masked_select(x, B(m, MASK45)),
    "masked_select_broadcast": lambda m, x: m.masked_select(x[:, :1], B(m, MASK45)),
    "masked_scatter": lambda m, x: m.masked_scatter(x, B(m, MASK45), x[::-1].clone() if m is tj else x.flip(0)),
    "masked_scatter_inplace": lambda m, x: x.masked_scatter_(B(m, [[[True], [False], [True], [True]]]),
                                                             x[2].clone()),
    "nonzero": lambda m, x: m.nonzero(x),
    "nonzero_tuple": lambda m, x: x.nonzero(as_tuple=True),
    "argwhere": lambda m, x: m.argwhere(x),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("case", list(CASES))
def test_layouts(case, dtype, layout):
    a, r = layout_pair(values(dtype, SHAPE, seed=len(case)), layout)
    run_both(CASES[case], (a,), (r,))


# Cases the dtype sweep runs: one per kernel family (element moves by item size, masks) and
# every accumulating combine (add, mul, max, min: one kernel per dtype).
DTYPE_CASES = ["getitem_dim1", "getitem_all_adv", "getitem_mask_full", "setitem_tensor", "setitem_mask",
               "index_select", "gather", "take", "scatter_src", "scatter_value", "scatter_add",
               "scatter_reduce_multiply", "scatter_reduce_sum", "scatter_reduce_amax", "scatter_reduce_amin",
               "scatter_reduce_amax_excl", "index_add", "index_copy", "index_fill", "index_put",
               "index_put_accumulate", "put", "put_accumulate", "masked_select"]
# Ops built on pointwise kernels as well (where, ne, mul, div: one compile per dtype each) run
# on a dtype per category and item size class, to keep the compile budget.
COMPOSED_CASES = ["take_along_dim", "scatter_reduce_prod", "scatter_reduce_mean", "index_add_alpha", "masked_fill",
                  "masked_scatter", "nonzero"]
COMPOSED_DTYPES = ["bool", "int8", "float16", "complex128"]


@pytest.mark.parametrize("case,dtype", [(c, d) for c in DTYPE_CASES for d in DTYPES] +
                         [(c, d) for c in COMPOSED_CASES for d in COMPOSED_DTYPES])
def test_dtypes(case, dtype):
    a, r = layout_pair(values(dtype, SHAPE, seed=len(case)), "contiguous")
    run_both(CASES[case], (a,), (r,))


# -- 0-d and empty tensors -------------------------------------------------------------------
SMALL_CASES = {
    "getitem": lambda m, x: x[I(m, [0, 0])] if x.dim() else x[None][I(m, [0, 0])],
    "getitem_mask": lambda m, x: x[x > 0],
    "setitem_mask": lambda m, x: x.__setitem__(x > 0, 1.5),
    "index_select": lambda m, x: m.index_select(x, 0, I(m, [0])),
    "index_select_empty_index": lambda m, x: m.index_select(x, 0, I(m, [])),
    "gather": lambda m, x: m.gather(x, 0, m.zeros((1,) * x.dim(), dtype=m.int64)),
    "gather_empty_index": lambda m, x: m.gather(x, 0, m.zeros((0,) * max(x.dim(), 1), dtype=m.int64)),
    "take": lambda m, x: m.take(x, I(m, [0, 0])),
    "take_empty": lambda m, x: m.take(x, I(m, [])),
    "take_along_dim": lambda m, x: m.take_along_dim(x, m.zeros((1,) * x.dim(), dtype=m.int64), dim=0),
    "scatter": lambda m, x: m.scatter(x, 0, m.zeros((1,) * x.dim(), dtype=m.int64), 2.5),
    "scatter_add": lambda m, x: m.scatter_add(x, 0, m.zeros((1,) * x.dim(), dtype=m.int64), x.clone()),
    "scatter_reduce": lambda m, x: m.scatter_reduce(x, 0, m.zeros((1,) * x.dim(), dtype=m.int64), x.clone(),
                                                    "amax", include_self=False),
    "index_add": lambda m, x: m.index_add(x, 0, I(m, [0]), x.clone() if x.dim() else x[None].clone()),
    "index_copy": lambda m, x: m.index_copy(x, 0, I(m, [0]), x.clone() if x.dim() else x[None].clone()),
    "index_fill": lambda m, x: m.index_fill(x, 0, I(m, [0]), -1.0),
    "index_put": lambda m, x: m.index_put(x, (x > 0,), m.tensor(7.0)),
    "put": lambda m, x: m.put(x, I(m, [0]), m.tensor([3.0]), accumulate=True),
    "put_empty": lambda m, x: m.put(x, I(m, []), m.tensor([])),
    "masked_fill": lambda m, x: m.masked_fill(x, x > 0, 4.0),
    "masked_select": lambda m, x: m.masked_select(x, x > 0),
    "masked_scatter": lambda m, x: m.masked_scatter(x, x > 0, m.full((3,), 9.0)),
    "nonzero": lambda m, x: m.nonzero(x),
    "nonzero_tuple": lambda m, x: m.nonzero(x, as_tuple=True),
    "argwhere": lambda m, x: m.argwhere(x),
}
SMALL_SHAPES = {"0d_true": (np.float32(2.5), ()), "0d_false": (np.float32(0.0), ()), "empty_0": (None, (0,)),
                "empty_2x0": (None, (2, 0)), "empty_0x3": (None, (0, 3))}


@pytest.mark.parametrize("shape", list(SMALL_SHAPES))
@pytest.mark.parametrize("case", list(SMALL_CASES))
def test_zero_dim_and_empty(case, shape):
    v, sh = SMALL_SHAPES[shape]
    base = np.array(v, np.float32) if v is not None else np.zeros(sh, np.float32)
    run_both(SMALL_CASES[case], (tj.from_numpy(base.copy()),), (torch.from_numpy(base.copy()),))


def test_empty_index_on_empty_dim_and_mask_of_none():
    for f in [lambda m, x: x[I(m, [])], lambda m, x: x[:, B(m, [False] * 4)],
              lambda m, x: x[I(m, [[], []])], lambda m, x: x.__setitem__(I(m, []), 1.0)]:
        a, r = layout_pair(values("float32", SHAPE), "transposed")
        run_both(f, (a,), (r,))


# -- repeated indices: accumulations add every duplicate --------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_repeated_indices_accumulate(dtype):
    n, slots = 2000, 7
    idx = np.random.default_rng(1).integers(-slots, slots, n)
    v = values(dtype, (n,), seed=2, special=False)
    cases = [
        lambda m, x, i, s: x.index_put_((i,), s, accumulate=True),
        lambda m, x, i, s: x.put_(i, s, accumulate=True),
        lambda m, x, i, s: x.index_add_(0, i.abs() % slots, s),
        lambda m, x, i, s: x.scatter_add_(0, i.abs() % slots, s),
        lambda m, x, i, s: x.scatter_reduce_(0, i.abs() % slots, s, "sum", include_self=False),
    ]
    for f in cases:
        a = (tj.zeros(slots, dtype=getattr(tj, dtype)), tj.tensor(idx), tj.tensor(v))
        r = (torch.zeros(slots, dtype=getattr(torch, dtype)), torch.tensor(idx), torch.tensor(v))
        run_both(f, a, r)
        # Independently of torch: every duplicate counted once, and only once.
        np.testing.assert_allclose(a[0].numpy().sum(), v.sum(), rtol=1e-4)


# -- out= ---------------------------------------------------------------------------------------
OUT_CASES = {
    "index_select": lambda m, x, o: m.index_select(x, 1, I(m, [3, 0]), out=o),
    "gather": lambda m, x, o: m.gather(x, 2, I(m, I5), out=o),
    "take_along_dim": lambda m, x, o: m.take_along_dim(x, I(m, [[[1]]]), dim=1, out=o),
    "take": lambda m, x, o: m.take(x, I(m, [5, -1]), out=o),
    "scatter": lambda m, x, o: m.scatter(x, 2, I(m, I5), 2.0, out=o),
    "scatter_add": lambda m, x, o: m.scatter_add(x, 2, I(m, I5), x[:2, :2, :3].clone(), out=o),
    "scatter_reduce": lambda m, x, o: m.scatter_reduce(x, 2, I(m, I5), x[:2, :2, :3].clone(), "amin", out=o),
    "index_add": lambda m, x, o: m.index_add(x, 0, I(m, [1, 1]), x[:2].clone(), out=o),
    "index_copy": lambda m, x, o: m.index_copy(x, 0, I(m, [2, 0]), x[:2].clone(), out=o),
    "masked_select": lambda m, x, o: m.masked_select(x, B(m, MASK45), out=o),
    "nonzero": lambda m, x, o: m.nonzero(x, out=o),
}


@pytest.mark.parametrize("out", ["right_shape", "empty", "wrong_shape_transposed", "wrong_dtype"])
@pytest.mark.parametrize("case", list(OUT_CASES))
def test_out(case, out):
    a, r = layout_pair(values("float32", SHAPE), "contiguous")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OUT_CASES[case](torch, r, None)
    dtype = ref.dtype if out != "wrong_dtype" else torch.float64
    if out == "right_shape":
        shape = tuple(ref.shape)
    elif out == "empty":
        shape = (0,)
    else:
        shape = (2, 3)
    o_r = torch.full(shape, -7, dtype=dtype)
    o_a = tj.full(shape, -7, dtype=getattr(tj, dname(dtype)))
    if out == "wrong_shape_transposed":
        o_r, o_a = o_r.t(), o_a.t()
    err = run_both(lambda m, x, o: OUT_CASES[case](m, x, o), (a, o_a), (r, o_r), op=case)
    if err is None:
        got = OUT_CASES[case](tj, a, o_a)
        assert got is o_a


# -- errors: the type torch raises, a message naming the op, nothing written -------------------
ERROR_CASES = {
    # (op named in the message or None, case)
    "getitem_out_of_bounds": (None, lambda m, x: x[I(m, [0, 3])]),
    "getitem_negative_out_of_bounds": (None, lambda m, x: x[:, :, I(m, [-6])]),
    "getitem_float_index": (None, lambda m, x: x[m.tensor([0.0])]),
    "getitem_mask_shape": (None, lambda m, x: x[B(m, [True, False])]),
    "getitem_mask_shape_2d": (None, lambda m, x: x[:, B(m, [[True] * 4] * 4)]),
    "getitem_broadcast": (None, lambda m, x: x[I(m, [0, 1]), I(m, [0, 1, 2])]),
    "getitem_too_many": (None, lambda m, x: x[I(m, [0]), I(m, [0]), I(m, [0]), I(m, [0])]),
    "setitem_out_of_bounds": (None, lambda m, x: x.__setitem__((I(m, [0, 1, 3]),), 1.0)),
    "setitem_value_shape": (None, lambda m, x: x.__setitem__(I(m, [0, 1]), m.ones(3, 4, 5))),
    "setitem_mask_shape": (None, lambda m, x: x.__setitem__(B(m, [True, False, True, True]), 0.0)),
    "index_select_out_of_range": ("index_select", lambda m, x: m.index_select(x, 1, I(m, [0, 4]))),
    "index_select_negative": ("index_select", lambda m, x: m.index_select(x, 1, I(m, [-1]))),
    "index_select_2d_index": ("index_select", lambda m, x: m.index_select(x, 1, I(m, [[0]]))),
    "index_select_float_index": ("index_select", lambda m, x: m.index_select(x, 1, m.tensor([0.0]))),
    "index_select_dim": ("index_select", lambda m, x: m.index_select(x, 3, I(m, [0]))),
    "gather_out_of_range": ("gather", lambda m, x: m.gather(x, 2, I(m, [[[5]]]))),
    "gather_negative": ("gather", lambda m, x: m.gather(x, 2, I(m, [[[-6]]]))),
    "gather_ndim": ("gather", lambda m, x: m.gather(x, 1, I(m, [[0]]))),
    "gather_size": ("gather", lambda m, x: m.gather(x, 1, m.zeros((4, 1, 1), dtype=m.int64))),
    "take_out_of_range": ("take", lambda m, x: m.take(x, I(m, [60]))),
    "take_along_dim_ndim": ("take_along_dim", lambda m, x: m.take_along_dim(x, I(m, [0]), dim=0)),
    "scatter_out_of_range": ("scatter", lambda m, x: x.scatter_(1, I(m, [[[0, 4]]]), 1.0)),
    "scatter_src_dtype": ("scatter", lambda m, x: x.scatter_(1, I(m, [[[0]]]), m.ones(1, 1, 1, dtype=m.float64))),
    "scatter_src_small": ("scatter", lambda m, x: x.scatter_(1, I(m, [[[0, 1]]]), m.ones(1, 1, 1, dtype=x.dtype))),
    "scatter_bad_reduce": ("scatter", lambda m, x: x.scatter_(1, I(m, [[[0]]]), 1.0, reduce="max")),
    "scatter_add_out_of_range": ("scatter_add", lambda m, x: x.scatter_add_(0, I(m, [[[1, 3]]]),
                                                                             m.ones(1, 1, 2, dtype=x.dtype))),
    "scatter_reduce_bad_reduce": ("scatter_reduce", lambda m, x: x.scatter_reduce_(
        0, I(m, [[[0]]]), m.ones(1, 1, 1, dtype=x.dtype), "maximum")),
    "scatter_reduce_out_of_range": ("scatter_reduce", lambda m, x: x.scatter_reduce_(
        0, I(m, [[[0, 0], [0, 5]]]), m.ones(1, 2, 2, dtype=x.dtype), "mean", include_self=False)),
    "index_add_out_of_range": ("index_add", lambda m, x: x.index_add_(0, I(m, [0, 3]), m.ones(2, 4, 5))),
    "index_add_source_shape": ("index_add", lambda m, x: x.index_add_(0, I(m, [0, 1]), m.ones(2, 4, 4))),
    "index_add_dtype": ("index_add", lambda m, x: x.index_add_(0, I(m, [0]), m.ones(1, 4, 5, dtype=m.float64))),
    "index_copy_out_of_range": ("index_copy", lambda m, x: x.index_copy_(2, I(m, [5]), m.ones(3, 4, 1))),
    "index_copy_source_shape": ("index_copy", lambda m, x: x.index_copy_(2, I(m, [0, 1]), m.ones(3, 4, 1))),
    "index_fill_out_of_range": ("index_fill", lambda m, x: x.index_fill_(1, I(m, [1, -5]), 0.0)),
    "index_fill_tensor_value": ("index_fill", lambda m, x: x.index_fill_(1, I(m, [1]), m.ones(2))),
    "index_put_out_of_range": (None, lambda m, x: x.index_put_((I(m, [0, 2]), I(m, [0, 4])), m.tensor(1.0))),
    "index_put_none_index": (None, lambda m, x: x.index_put_((I(m, [0]), None), m.tensor(1.0))),
    "index_put_dtype": ("index_put", lambda m, x: x.index_put_((I(m, [0]),), m.tensor(1.0, dtype=m.float64))),
    "index_put_values_shape": (None, lambda m, x: x.index_put_((I(m, [0, 1]),), m.ones(2, 3, 5),
                                                               accumulate=True)),
    "put_out_of_range": ("put", lambda m, x: x.put_(I(m, [1, 60]), m.ones(2), accumulate=True)),
    "put_numel": ("put", lambda m, x: x.put_(I(m, [1, 2]), m.ones(3))),
    "put_dtype": ("put", lambda m, x: x.put_(I(m, [1]), m.ones(1, dtype=m.float64))),
    "masked_fill_uint8_mask": ("masked_fill", lambda m, x: x.masked_fill_(m.ones(5, dtype=m.uint8), 0.0)),
    "masked_fill_mask_shape": ("masked_fill", lambda m, x: x.masked_fill_(B(m, [True, False]), 0.0)),
    "masked_fill_mask_grows_self": ("masked_fill", lambda m, x: x.masked_fill_(m.ones(2, 3, 4, 5, dtype=m.bool),
                                                                                0.0)),
    "masked_fill_value_dim": ("masked_fill", lambda m, x: x.masked_fill_(B(m, [True] * 5), m.ones(2))),
    "masked_select_mask_shape": ("masked_select", lambda m, x: m.masked_select(x, B(m, [True, False]))),
    "masked_select_uint8": ("masked_select", lambda m, x: m.masked_select(x, m.ones(5, dtype=m.uint8))),
    "masked_scatter_source_small": ("masked_scatter", lambda m, x: x.masked_scatter_(
        m.ones(5, dtype=m.bool), m.ones(59))),
    "masked_scatter_dtype": ("masked_scatter", lambda m, x: x.masked_scatter_(
        m.ones(5, dtype=m.bool), m.ones(60, dtype=m.float64))),
    "masked_scatter_mask_shape": ("masked_scatter", lambda m, x: x.masked_scatter_(B(m, [True] * 4), m.ones(60))),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors(case):
    op, f = ERROR_CASES[case]
    a, r = layout_pair(values("float32", SHAPE), "transposed")
    assert run_both(f, (a,), (r,), op=op) is not None, "torch accepts this call"


def test_take_along_dim_checks_its_indices():
    # torch reads out of bounds here (no error, arbitrary values); tensorjit raises as gather does.
    x = tj.zeros(3, 5)
    for bad in ([[5]], [[-6]]):
        with pytest.raises(RuntimeError, match="take_along_dim"):
            tj.take_along_dim(x, tj.tensor(bad), dim=1)


def test_error_type_of_non_tensor_arguments():
    x = tj.zeros(3)
    for f in [lambda: tj.gather(x, 0, [0]), lambda: tj.index_select([1.0], 0, tj.tensor([0])),
              lambda: x.scatter_(0, tj.tensor([0]), [1.0]), lambda: tj.masked_select(x, [True, False, True])]:
        with pytest.raises(TypeError):
            f()
    np.testing.assert_array_equal(x.numpy(), 0)


# -- writes whose values overlap the destination ---------------------------------------------
OVERLAP_CASES = {
    # tensorjit computes as if from a copy of the source (README); torch gets that copy explicitly.
    "setitem_flip": lambda m, x, c: x.__setitem__(I(m, [0, 1, 2, 3]), c(x[::-1] if m is tj else x.flip(0))),
    "setitem_transpose": lambda m, x, c: x.__setitem__((slice(None), I(m, [3, 2, 1, 0])), c(x.t())),
    "setitem_mask": lambda m, x, c: x.__setitem__(x > 0, c(x[x < 100][:int((x > 0).sum())])),
    "index_copy_self": lambda m, x, c: x.index_copy_(0, I(m, [3, 2, 1, 0]), c(x)),
    "index_copy_shifted": lambda m, x, c: x[:3].index_copy_(0, I(m, [2, 1, 0]), c(x[1:])),
    "index_add_self": lambda m, x, c: x.index_add_(1, I(m, [1, 1, 0, 2]), c(x)),
    "scatter_self": lambda m, x, c: x.scatter_(0, I(m, [[1, 2, 3, 0]] * 4).t(), c(x)),
    "scatter_add_self": lambda m, x, c: x.scatter_add_(1, I(m, [[0, 0, 1, 1]] * 4), c(x)),
    "scatter_reduce_self": lambda m, x, c: x.scatter_reduce_(1, I(m, [[0, 0, 1, 1]] * 4), c(x), "amax"),
    "index_put_self": lambda m, x, c: x.index_put_((I(m, [1, 2]),), c(x[:2]), accumulate=True),
    "put_self": lambda m, x, c: x.put_(I(m, [15, 14, 13, 12]), c(x[0]), accumulate=False),
    "masked_scatter_self": lambda m, x, c: x.masked_scatter_(x > 2, c(x[1:].reshape(-1))),
    "scatter_own_index": lambda m, x, c: x.scatter_(1, c(x[:, :2]), c(x[:, 2:])),
    "setitem_own_index": lambda m, x, c: x.__setitem__(c(x[0]), c(x[1:2])),
}


@pytest.mark.parametrize("case,dtype", [(c, d) for c in OVERLAP_CASES for d in ["float32", "int64"]
                                        if d == "int64" or not c.endswith("own_index")])
def test_overlapping_writes(case, dtype):
    data = (np.arange(16).reshape(4, 4) * 7 % 4).astype(dtype)
    a, r = tj.from_numpy(data.copy()), torch.from_numpy(data.copy())
    f = OVERLAP_CASES[case]
    out_a = f(tj, a, lambda t: t)
    out_r = f(torch, r, lambda t: t.clone())
    assert_same(a, r, what="destination")
    if out_r is not None:
        assert_same(out_a, out_r)


# -- uint8 masks and int32 indices -------------------------------------------------------------
def test_uint8_index_tensor_is_a_mask_with_warning():
    a, r = layout_pair(values("float32", SHAPE), "stepped")
    m = np.array([[1, 0, 1, 1]] * 3, np.uint8)
    with pytest.warns(UserWarning, match="uint8"):
        got = a[tj.from_numpy(m)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(got, r[torch.from_numpy(m)])
        a[tj.from_numpy(m)] = tj.tensor([0.5, 1.5, 2.5, 3.5, 4.5])
        r[torch.from_numpy(m)] = torch.tensor([0.5, 1.5, 2.5, 3.5, 4.5])
        # torch refuses a scalar here (its masked_fill_ shortcut takes bool masks only);
        # tensorjit writes it like any other value.
        a[tj.from_numpy(m), 1] = 9.0
        r[torch.from_numpy(m).bool(), 1] = 9.0
    assert_same(a, r)


def test_int32_and_int64_indices_agree():
    a, r = layout_pair(values("float32", SHAPE), "offset")
    for f in [lambda m, x, d: x[I(m, [2, -1], d), 1:, I(m, [[0], [4]], d)],
              lambda m, x, d: m.index_select(x, 2, I(m, [4, 1], d)),
              lambda m, x, d: m.gather(x, 1, I(m, [[[3, 0]]], d)),
              lambda m, x, d: x.index_add_(2, I(m, [4, 4], d), x[..., :2].clone()),
              lambda m, x, d: m.take(x, I(m, [[4, 1]], d)),                  # torch: int64 only
              lambda m, x, d: x.put_(I(m, [4, 1], d), x[0, 0, :2].clone()),   # torch: int64 only
              lambda m, x, d: m.index_fill(x, 0, I(m, [1], d), 1.0)]:         # torch: int64 only
        if run_both(lambda m, x: f(m, x, "int32"), (a.clone(),), (r.clone(),)) is None:
            np.testing.assert_array_equal(f(tj, a.clone(), "int32").numpy(), f(tj, a.clone(), "int64").numpy())


# -- large inputs: the parallel gather and compaction paths -----------------------------------
def test_parallel_paths_match_serial():
    n = (1 << 17) + 5
    x = values("float32", (n,), special=False)
    mask = np.random.default_rng(3).random(n) > 0.5
    idx = np.random.default_rng(4).integers(-n, n, n)
    a = tj.from_numpy(x)
    np.testing.assert_array_equal(a[tj.from_numpy(mask)].numpy(), x[mask])
    np.testing.assert_array_equal(a[tj.from_numpy(idx)].numpy(), x[idx])
    g = tj.gather(a, 0, tj.from_numpy(idx % n))
    np.testing.assert_array_equal(g.numpy(), x[idx % n])
