"""Every public op on every sparse layout: supported (and then right) or a clear error.

For each public function of ``tensorjit`` (``_layouts.public_ops``) and each layout with a
registered sample (COO, CSR), ``_layouts.probe`` calls the function with a small sparse tensor
first (Note [layout probe]). The outcome must be one of:

- "supported": the result equals the same call on the dense twin (``to_dense()`` of every
  sparse argument) in values, dtype and shape, and, where PyTorch runs the same call on its
  sparse tensors, the result's layout is PyTorch's (a dense result where PyTorch keeps the
  tensor sparse is a silent densification and fails);
- "error": ``NotImplementedError`` naming the op and the layout;
- "unprobed": no argument recipe fits even the dense twin (factories, getters, functions
  whose first argument is not a tensor of this shape).

Anything else ("other": AttributeError, a wrong dtype, a crash where the dense twin works)
fails. The table the README shows is ``_layouts.markdown_table()`` over the same probe.
"""
import math

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _layouts
from tensorjit._random import manual_seed

torch = pytest.importorskip("torch", reason="layouts are checked against PyTorch's sparse tensors")

KEYS = ("sparse_coo", "sparse_csr")
OPS = _layouts.public_ops()
# Public functions that are not ops on a tensor: they build user ops from Python functions.
NOT_OPS = {"fuse": "makes a fused kernel from a function", "elementwise": "a decorator for user ops",
           "reduction": "a decorator for user ops"}
TORCH_LAYOUT = {"sparse_coo": torch.sparse_coo, "sparse_csr": torch.sparse_csr}


def _dense(x):
    return x.to_dense() if getattr(x, "_dispatch_key", None) in KEYS else x


def _to_torch(x):
    if isinstance(x, tj.Tensor):
        d = torch.from_numpy(np.array(_dense(x).numpy(), order="C"))
        if x.layout is tj.sparse_coo:
            return d.to_sparse()
        if x.layout is tj.sparse_csr:
            return d.to_sparse_csr()
        return d
    if isinstance(x, list):
        return [_to_torch(v) for v in x]
    return x


def _same(got, want, path="result"):
    """``got`` (from sparse inputs) equals ``want`` (from their dense twins)."""
    if isinstance(want, tj.Tensor):
        assert isinstance(got, tj.Tensor), f"{path}: {type(got).__name__} where the dense op gives a tensor"
        g = _dense(got)
        assert g.dtype is want.dtype, f"{path}: dtype {g.dtype} != {want.dtype}"
        assert g.shape == want.shape, f"{path}: shape {g.shape} != {want.shape}"
        np.testing.assert_allclose(g.numpy(), want.numpy(), rtol=1e-6, atol=1e-6, equal_nan=True, err_msg=path)
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), path
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


def _layout_name(r):
    return str(r.layout).split(".")[-1]


def _check_against_torch(name, key, args, got):
    """Where PyTorch runs the same call on its sparse tensors, the result layouts agree."""
    fn = getattr(torch, name, None)
    if fn is None or not isinstance(got, tj.Tensor):
        return
    sample = _layouts._SAMPLES[key]()
    try:
        want = fn(_to_torch(sample), *[_to_torch(a) for a in args])
    except Exception:  # noqa: BLE001  (PyTorch refuses: tensorjit is more lenient here)
        return
    if isinstance(want, torch.Tensor):
        assert _layout_name(got) == _layout_name(want), \
            f"{name} on {key}: tensorjit gives layout {got.layout}, PyTorch {want.layout}"


# Where tensorjit still differs: each entry fails strictly once it is fixed (xfail strict).
KNOWN = {"randn_like": "PyTorch's randn_like of a CSR tensor fills its stored values (a CSR result); "
                       "tensorjit's *_like factories read only the shape and give a dense tensor"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True))
                                  if n in KNOWN else n for n in OPS if n not in NOT_OPS])
def test_every_public_op_is_supported_or_refused(name):
    fn = OPS[name]
    for key in KEYS:
        outcome, args, value = _layouts.probe(name, fn, key)
        assert outcome in ("supported", "error", "unprobed"), \
            f"{name} on {key}: {type(value).__name__}: {value} (args {args})"
        if outcome == "error":
            msg = str(value)
            assert key in msg and (name in msg or fn.__name__ in msg), msg
        if outcome == "supported":
            manual_seed(0)
            want = fn(_dense(_layouts._SAMPLES[key]()), *map(_dense, args))
            _same(value, want, f"{name} on {key}")
            _check_against_torch(name, key, args, value)


def test_core_sparse_ops_are_supported():
    # The probe above would accept an error for everything: these must run.
    must = {"add", "sub", "mul", "neg", "abs", "sqrt", "sum", "matmul", "mm", "sin", "tanh", "isnan"}
    table = {name: {key: _layouts.probe(name, OPS[name], key)[0] for key in KEYS} for name in must}
    for name, row in table.items():
        assert row == {"sparse_coo": "supported", "sparse_csr": "supported"}, (name, row)
    assert _layouts.probe("transpose", OPS["transpose"], "sparse_coo")[0] == "supported"
    assert _layouts.probe("transpose", OPS["transpose"], "sparse_csr")[0] == "error"


def test_support_table_and_markdown():
    table = _layouts.support_table()
    for op in ("pointwise", "reduce", "matmul", "mm", "mv", "addmm"):
        assert {"sparse_coo", "sparse_csr"} <= set(table[op]), op
    assert "sparse_coo" in table["transpose"] and "sparse_csr" not in table.get("transpose", [])
    sample = {"add": {"sparse_coo": "supported", "sparse_csr": "supported"},
              "exp": {"sparse_coo": "error", "sparse_csr": "error"},
              "arange": {"sparse_coo": "unprobed", "sparse_csr": "unprobed"}}
    md = _layouts.markdown_table(sample).splitlines()
    assert md[0] == "| op | strided | sparse_coo | sparse_csr |"
    assert md[2:] == ["| `add` | yes | yes | yes |", "| `exp` | yes | - | - |"]


def test_dispatcher_errors_and_registration():
    with pytest.raises(NotImplementedError, match=r"frobnicate.*tensorjit\.sparse_coo.*SparseCPU"):
        _layouts.dispatch("frobnicate", "sparse_coo")
    assert _layouts.lookup("transpose", "sparse_coo") is not None
    assert _layouts.lookup("transpose", "sparse_csr") is None
    with pytest.raises(TypeError, match="_dispatch_key"):
        _layouts.register_class(type("Plain", (tj.Tensor,), {"__slots__": ()}))
    s = tj.eye(2).to_sparse()
    assert _layouts.key_of(tj.ones(2), s) == "sparse_coo" and _layouts.key_of(tj.ones(2)) is None
    assert tj.ones(2).layout is tj.strided and s.layout is tj.sparse_coo
