"""Regenerate tests/data/promotion_table.json, the golden type-promotion table that
tests/test_promotion.py checks tensorjit against when PyTorch is not installed.

    python3 tests/data/make_promotion_table.py

Every entry PyTorch answers comes from PyTorch (``source`` "torch"). PyTorch refuses to
promote uint16/uint32/uint64 with other dtypes; those entries come from tensorjit's own
rules (``source`` "tensorjit") and test_promotion.py checks them separately against the
Python array API standard's promotion table. ``null`` means "no promotion: raises".
"""
import json
import os
import sys

import numpy as np
import torch

import tensorjit as tj

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
# The Python scalar standing for each scalar kind.
SCALARS = {"bool": True, "int": 2, "float": 2.5, "complex": 1 + 2j}
DEFAULTS = ["float32", "float64"]


def name(d):
    return str(d).split(".")[-1]


def operand(kind, what, lib):
    """``kind``: tensor (1-d), zerodim (0-d tensor) or scalar; ``what``: a dtype or scalar kind."""
    if kind == "scalar":
        return SCALARS[what]
    shape = (2,) if kind == "tensor" else ()
    if lib == "torch":
        return torch.zeros(shape, dtype=getattr(torch, what))
    return tj.from_numpy(np.zeros(shape, dtype=what))


def operand_cases():
    """Every (kind, what) pair of operands result_type is checked on."""
    ops = [("tensor", d) for d in DTYPES] + [("zerodim", d) for d in DTYPES] + [("scalar", s) for s in SCALARS]
    for a in ops:
        for b in ops:
            if a[0] == "tensor" and b[0] == "tensor":
                continue  # the promote_types table
            yield a, b


def key(a, b):
    return f"{a[0]}:{a[1]},{b[0]}:{b[1]}"


def try_torch(fn):
    try:
        return name(fn()), "torch"
    except RuntimeError:
        return None, None


def try_tj(fn):
    try:
        return name(fn())
    except (TypeError, RuntimeError):
        return None


def main(path):
    saved = torch.get_default_dtype()
    table = {"_doc": __doc__.strip().splitlines()[0], "dtypes": DTYPES,
             "scalars": {k: repr(v) for k, v in SCALARS.items()}, "promote_types": {}, "promote_types_source": {}, "result_type": {}, "result_type_source": {},
             "can_cast": {}}
    for a in DTYPES:
        row, src = {}, {}
        for b in DTYPES:
            r, s = try_torch(lambda: torch.promote_types(getattr(torch, a), getattr(torch, b)))
            if s is None:
                r, s = try_tj(lambda: tj.promote_types(getattr(tj, a), getattr(tj, b))), "tensorjit"
            row[b], src[b] = r, s
        table["promote_types"][a], table["promote_types_source"][a] = row, src
        table["can_cast"][a] = {b: bool(torch.can_cast(getattr(torch, a), getattr(torch, b))) for b in DTYPES}
    try:
        for default in DEFAULTS:
            torch.set_default_dtype(getattr(torch, default))
            tj.set_default_dtype(getattr(tj, default))
            res, src = {}, {}
            for a, b in operand_cases():
                r, s = try_torch(lambda: torch.result_type(operand(*a, "torch"), operand(*b, "torch")))
                if s is None:
                    r, s = try_tj(lambda: tj.result_type(operand(*a, "tj"), operand(*b, "tj"))), "tensorjit"
                res[key(a, b)], src[key(a, b)] = r, s
            table["result_type"][default], table["result_type_source"][default] = res, src
    finally:
        torch.set_default_dtype(saved)
        tj.set_default_dtype(tj.float32)
    with open(path, "w") as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "promotion_table.json"))
