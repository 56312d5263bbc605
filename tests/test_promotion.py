"""Type promotion: tj.promote_types / tj.result_type / tj.can_cast against PyTorch.

With PyTorch installed, every pair PyTorch answers is compared with PyTorch itself. PyTorch
refuses to promote uint16/uint32/uint64 with other dtypes: those entries come from
tensorjit's own rules in the checked-in table (tests/data/promotion_table.json, made by
tests/data/make_promotion_table.py), and are checked here against the Python array API
standard's promotion table (written out below from the standard's text) and against
PyTorch's category rules. Without PyTorch, everything is compared with the table.

No kernels are compiled here except one (true division under a float64 default dtype).
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tensorjit as tj

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "promotion_table.json")) as _f:
    TABLE = json.load(_f)

DTYPES = TABLE["dtypes"]
WIDE_UINTS = ("uint16", "uint32", "uint64")
SCALARS = {"bool": True, "int": 2, "float": 2.5, "complex": 1 + 2j}
TORCH_REASON = "PyTorch is the reference for type promotion (without it the checked-in table is)"

try:
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None


def need_torch():
    return pytest.importorskip("torch", reason=TORCH_REASON)


def name(d):
    return str(d).split(".")[-1]


def expected_name(d):
    """PyTorch's answer as tensorjit spells it. tensorjit has no complex32 (PyTorch's complex
    dtype for float16): float16 with a complex operand gives complex64 (``float16.to_complex()``)."""
    if d is None:
        return None
    n = d if isinstance(d, str) else name(d)
    return "complex64" if n == "complex32" else n


def operand(kind, what, lib="tj"):
    """A 1-d tensor, a 0-d tensor or a Python scalar (as in make_promotion_table.py)."""
    if kind == "scalar":
        return SCALARS[what]
    shape = (2,) if kind == "tensor" else ()
    if lib == "torch":
        return need_torch().zeros(shape, dtype=getattr(_torch, what))
    return tj.from_numpy(np.zeros(shape, dtype=what))


def parse_key(k):
    return tuple(tuple(part.split(":")) for part in k.split(","))


def tj_promote(a, b):
    try:
        return name(tj.promote_types(getattr(tj, a), getattr(tj, b)))
    except TypeError:
        return None


def tj_result_type(a, b):
    try:
        return name(tj.result_type(operand(*a), operand(*b)))
    except TypeError:
        return None


@pytest.fixture(autouse=True)
def _restore_default_dtypes():
    saved_torch = _torch.get_default_dtype() if _torch is not None else None
    yield
    tj.set_default_dtype(tj.float32)
    if _torch is not None:
        _torch.set_default_dtype(saved_torch)


def _set_default(dtype):
    tj.set_default_dtype(getattr(tj, dtype))
    if _torch is not None:
        _torch.set_default_dtype(getattr(_torch, dtype))


# -- promote_types --------------------------------------------------------------------------------
PAIRS = [(a, b) for a in DTYPES for b in DTYPES]
TORCH_PAIRS = [p for p in PAIRS if TABLE["promote_types_source"][p[0]][p[1]] == "torch"]
TJ_PAIRS = [p for p in PAIRS if TABLE["promote_types_source"][p[0]][p[1]] == "tensorjit"]


@pytest.mark.parametrize("a,b", TORCH_PAIRS, ids=[f"{a}-{b}" for a, b in TORCH_PAIRS])
def test_promote_types_vs_torch(a, b):
    torch = need_torch()
    assert tj_promote(a, b) == name(torch.promote_types(getattr(torch, a), getattr(torch, b)))


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_promote_types_vs_table(a, b):
    assert tj_promote(a, b) == TABLE["promote_types"][a][b]


def test_torch_refuses_exactly_the_table_pairs():
    """The table's tensorjit-sourced pairs are the ones PyTorch refuses (the table is current)."""
    torch = need_torch()
    refused = []
    for a, b in PAIRS:
        try:
            torch.promote_types(getattr(torch, a), getattr(torch, b))
        except RuntimeError:
            refused.append((a, b))
    assert refused == TJ_PAIRS
    assert all(a in WIDE_UINTS or b in WIDE_UINTS for a, b in refused)


@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_is_symmetric_and_idempotent(a):
    assert tj_promote(a, a) == a
    for b in DTYPES:
        assert tj_promote(a, b) == tj_promote(b, a)


def test_promote_types_accepts_dtype_spellings():
    assert tj.promote_types("int8", np.uint8) is tj.int16
    assert tj.promote_types(tj.float16, "float") is tj.float32      # the alias of float32
    if _torch is not None:
        assert tj.promote_types(_torch.int32, tj.float16) is tj.float16


# The Python array API standard (2023.12), "Type Promotion Rules": the promotion table for
# the dtypes it defines, written out from the standard's text. "-" is "no promotion"
# (tensorjit raises). Mixed kinds (bool with numbers, integers with floats) are not in it.
ARRAY_API_TABLE = """
        i1   i2   i4   i8   u1   u2   u4   u8
    i1  i1   i2   i4   i8   i2   i4   i8   -
    i2  i2   i2   i4   i8   i2   i4   i8   -
    i4  i4   i4   i4   i8   i4   i4   i8   -
    i8  i8   i8   i8   i8   i8   i8   i8   -
    u1  i2   i2   i4   i8   u1   u2   u4   u8
    u2  i4   i4   i4   i8   u2   u2   u4   u8
    u4  i8   i8   i8   i8   u4   u4   u4   u8
    u8  -    -    -    -    u8   u8   u8   u8

        f4   f8   c8   c16
    f4  f4   f8   c8   c16
    f8  f8   f8   c16  c16
    c8  c8   c16  c8   c16
    c16 c16  c16  c16  c16

        b
    b   b
"""
_CODES = {"b": "bool", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64", "u1": "uint8",
          "u2": "uint16", "u4": "uint32", "u8": "uint64", "f4": "float32", "f8": "float64",
          "c8": "complex64", "c16": "complex128"}


def _parse_array_api():
    out = {}
    for block in ARRAY_API_TABLE.strip().split("\n\n"):
        rows = [r.split() for r in block.strip().splitlines()]
        cols = rows[0]
        for r in rows[1:]:
            for c, v in zip(cols, r[1:]):
                out[_CODES[r[0]], _CODES[c]] = None if v == "-" else _CODES[v]
    return out


ARRAY_API = _parse_array_api()


@pytest.mark.parametrize("a,b", sorted(ARRAY_API), ids=[f"{a}-{b}" for a, b in sorted(ARRAY_API)])
def test_promote_types_vs_array_api(a, b):
    assert tj_promote(a, b) == ARRAY_API[a, b]


def test_array_api_examples_from_the_brief():
    assert tj.promote_types(tj.uint16, tj.int8) is tj.int32
    assert tj.promote_types(tj.uint32, tj.int32) is tj.int64
    with pytest.raises(TypeError, match="uint64"):
        tj.promote_types(tj.uint64, tj.int64)
    with pytest.raises(TypeError):
        tj.result_type(operand("tensor", "uint64"), operand("tensor", "int64"))


def test_every_table_only_pair_is_checked():
    """Each pair PyTorch refuses is covered by the array API table or by the category rules below."""
    for a, b in TJ_PAIRS:
        assert (a, b) in ARRAY_API or {a, b} & {"bool", "complex64", "complex128"}, (a, b)


@pytest.mark.parametrize("u", WIDE_UINTS)
def test_wide_unsigned_mixed_kinds_follow_torch_category_rules(u):
    """PyTorch's rules for the dtypes it does promote, applied to uint16/32/64: bool promotes
    to the other dtype, and an integer with a float or complex dtype gives that dtype. The rules
    are checked on PyTorch's own (table) answers first, then applied to the wide unsigned dtypes."""
    pt = TABLE["promote_types"]
    src = TABLE["promote_types_source"]
    ints = ("uint8", "int8", "int16", "int32", "int64")
    for d in DTYPES:
        if src["bool"][d] == "torch":
            assert pt["bool"][d] == d
    for i in ints:
        for c in ("float16", "float32", "float64", "complex64", "complex128"):
            assert pt[i][c] == c
    assert tj_promote("bool", u) == u and tj_promote(u, "bool") == u
    for c in ("float16", "float32", "float64", "complex64", "complex128"):
        assert tj_promote(u, c) == c and tj_promote(c, u) == c


# -- result_type ------------------------------------------------------------------------------------
def _rt_cases(source=None):
    out = []
    for default in ("float32", "float64"):
        for k, s in sorted(TABLE["result_type_source"][default].items()):
            if source is None or s == source:
                out.append(pytest.param(default, k, id=f"{default}-{k}"))
    return out


@pytest.mark.parametrize("default,key", _rt_cases("torch"))
def test_result_type_vs_torch(default, key):
    torch = need_torch()
    _set_default(default)
    a, b = parse_key(key)
    assert tj_result_type(a, b) == expected_name(torch.result_type(operand(*a, lib="torch"), operand(*b, lib="torch")))


@pytest.mark.parametrize("default,key", _rt_cases())
def test_result_type_vs_table(default, key):
    tj.set_default_dtype(getattr(tj, default))
    a, b = parse_key(key)
    assert tj_result_type(a, b) == expected_name(TABLE["result_type"][default][key])


_CAT = {d: (0 if d == "bool" else 3 if d.startswith("complex") else 2 if d.startswith("float") else 1)
        for d in DTYPES}


def _rule(a, b, default):
    """PyTorch's result_type rule (docs "Type promotion"; c10 ``combine_categories``) over the
    table's promote_types: dimensioned tensors, then 0-d tensors, then Python scalars; a group
    of lower priority only matters when its category is higher."""
    pt = TABLE["promote_types"]
    to_complex = {"float16": "complex64", "float32": "complex64", "float64": "complex128"}
    scalar_dtype = {"bool": "bool", "int": "int64", "float": default, "complex": to_complex[default]}
    groups = {"tensor": None, "zerodim": None, "scalar": None}
    for kind, what in (a, b):
        d = scalar_dtype[what] if kind == "scalar" else what
        if groups[kind] is None:
            groups[kind] = d
        else:
            groups[kind] = pt[groups[kind]][d]
            if groups[kind] is None:
                return None

    def combine(higher, lower):
        if higher is None:
            return lower
        if lower is None:
            return higher
        if _CAT[higher] == 3:
            return higher
        if _CAT[lower] == 3:
            return to_complex[higher] if _CAT[higher] == 2 else lower
        if _CAT[higher] == 2:
            return higher
        if higher == "bool" or _CAT[lower] == 2:
            return pt[higher][lower]
        return higher

    return combine(groups["tensor"], combine(groups["zerodim"], groups["scalar"]))


def test_documented_rule_reproduces_torch():
    """The rule used for the table-only rows is checked on every row PyTorch answered."""
    for default in ("float32", "float64"):
        for k, s in TABLE["result_type_source"][default].items():
            if s == "torch":
                a, b = parse_key(k)
                assert _rule(a, b, default) == expected_name(TABLE["result_type"][default][k]), (default, k)


@pytest.mark.parametrize("default,key", _rt_cases("tensorjit"))
def test_result_type_table_only_rows_follow_documented_rule(default, key):
    tj.set_default_dtype(getattr(tj, default))
    a, b = parse_key(key)
    assert tj_result_type(a, b) == _rule(a, b, default)


@pytest.mark.parametrize("d", DTYPES)
def test_result_type_matches_the_dtype_ops_produce(d):
    """result_type(t, t) is t's dtype, and with Python scalars of a lower category too."""
    t = operand("tensor", d)
    assert tj.result_type(t, t) is getattr(tj, d)
    for s, v in SCALARS.items():
        if _CAT[d] >= {"bool": 0, "int": 1, "float": 2, "complex": 3}[s]:
            assert tj.result_type(t, v) is getattr(tj, d)


# -- can_cast ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_can_cast_vs_torch(a, b):
    torch = need_torch()
    assert tj.can_cast(getattr(tj, a), getattr(tj, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_can_cast_vs_table(a, b):
    assert tj.can_cast(getattr(tj, a), getattr(tj, b)) is TABLE["can_cast"][a][b]


# -- the default dtype ------------------------------------------------------------------------------
@pytest.mark.parametrize("default", ["float64", "float16"])
def test_set_default_dtype_changes_python_float_promotion(default):
    torch = need_torch()
    _set_default(default)
    assert tj.get_default_dtype() is getattr(tj, default)
    for d in DTYPES:
        for s in ("bool", "int", "float", "complex"):
            a = ("tensor", d)
            assert tj_result_type(a, ("scalar", s)) == expected_name(
                torch.result_type(operand(*a, lib="torch"), SCALARS[s])), (d, s)
    assert name(tj.tensor([1.5]).dtype) == name(torch.tensor([1.5]).dtype) == default
    assert name(tj.result_type(2, 2.5)) == default


def test_set_default_dtype_float64_in_ops_and_restore():
    torch = need_torch()
    # An operand shape no other test uses: ops cache their plan per operand shape and dtype,
    # ignoring the default dtype (see test_default_dtype_change_after_an_op_is_honoured).
    ints = np.arange(1, 15, dtype=np.int64).reshape(2, 1, 7)
    _set_default("float64")
    r = tj.true_divide(tj.from_numpy(ints), 2)      # INT_TO_FLOAT: the default dtype
    e = torch.true_divide(torch.from_numpy(ints), 2)
    assert r.dtype is tj.float64 and name(e.dtype) == "float64"
    np.testing.assert_array_equal(r.numpy(), e.numpy())
    assert tj.result_type(tj.from_numpy(ints), 2.5) is tj.float64
    assert tj.result_type(tj.from_numpy(ints), 1j) is tj.complex128
    tj.set_default_dtype(tj.float32)
    assert tj.result_type(tj.from_numpy(ints), 2.5) is tj.float32
    assert tj.result_type(tj.from_numpy(ints), 1j) is tj.complex64


@pytest.mark.parametrize("call", [lambda a: tj.true_divide(a, 2), lambda a: a + 2.5, lambda a: a / a],
                         ids=["true_divide", "add_float_scalar", "int_div_int"])
def test_default_dtype_change_after_an_op_is_honoured(call):
    a = tj.from_numpy(np.array([1, 2, 3, 4, 5], np.int64))
    assert call(a).dtype is tj.float32
    tj.set_default_dtype(tj.float64)
    assert tj.result_type(a, 2.5) is tj.float64
    assert call(a).dtype is tj.float64


@pytest.mark.parametrize("d", ["int64", "bool", "complex64"])
def test_set_default_dtype_refuses_non_float(d):
    with pytest.raises(TypeError):
        tj.set_default_dtype(getattr(tj, d))
    assert tj.get_default_dtype() is tj.float32
    torch = need_torch()
    with pytest.raises(TypeError):
        torch.set_default_dtype(getattr(torch, d))
