"""The timed cases of tensorjit's side-by-side benchmarks (see Note [bench method] in _bench.py).

A case builds its inputs once per library from the same seeded NumPy arrays and returns a
zero-argument callable per library. ``CASES`` are the elementwise cases the tour and the
default report show; ``OP_CASES`` time the op library (transcendentals, reductions, scans,
sorting, indexing, joining) against the NumPy and PyTorch call that does the same work.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _float32(*shapes):
    return lambda rng: [rng.random(s, dtype=np.float32) for s in shapes]


@dataclass(frozen=True)
class Case:
    """One timed expression. ``make(rng)`` gives the NumPy inputs (float32 arrays of ``shapes``
    when None); ``calls[lib](mod, *inputs)`` gives the callable (``calls["*"]`` serves every
    library whose API agrees)."""
    name: str
    expr: str
    shapes: tuple
    make: object = None
    calls: dict = field(default_factory=dict)

    def inputs(self, lib, mod=None, seed=0):
        """Fresh inputs for library ``lib`` (``mod``: its module, imported if None)."""
        rng = np.random.default_rng(seed)
        arrays = (self.make or _float32(*self.shapes))(rng)
        if lib == "numpy":
            return arrays
        if mod is None:
            from ._bench import load
            mod = load(lib)
        return [mod.from_numpy(a) for a in arrays]

    def function(self, lib, mod=None):
        """A zero-argument callable evaluating the expression on fresh inputs for ``lib``."""
        if mod is None:
            from ._bench import load
            mod = np if lib == "numpy" else load(lib)
        xs = self.inputs(lib, mod)
        if self.calls:
            build = self.calls.get(lib) or self.calls["*"]
            return build(mod, *xs)
        if self.expr == "a + b":
            a, b = xs
            return lambda: a + b
        if self.expr == "A + B.T":
            A, B = xs
            return lambda: A + B.T
        if self.expr == "M + row":
            M, row = xs
            return lambda: M + row
        raise ValueError(f"unknown expression {self.expr!r}")


CASES = (
    Case("add 1e2", "a + b", ((100,), (100,))),
    Case("add 1e4", "a + b", ((10_000,), (10_000,))),
    Case("add 1e6", "a + b", ((1_000_000,), (1_000_000,))),
    Case("add 1e7", "a + b", ((10_000_000,), (10_000_000,))),
    Case("A + B.T 1000x1000", "A + B.T", ((1000, 1000), (1000, 1000))),
    Case("M + row 1000x1000", "M + row", ((1000, 1000), (1000,))),
    Case("add 2x2 (per op)", "a + b", ((2, 2), (2, 2))),
)


# -- the op library ------------------------------------------------------------------------------
def _mask_inputs(rng):
    x = rng.random(10_000_000, dtype=np.float32)
    return [x, rng.random(10_000_000, dtype=np.float32) < 0.5]


def _gather_inputs(rng):
    return [rng.random((4096, 4096), dtype=np.float32), rng.integers(0, 4096, (4096, 4096))]


def _put_inputs(rng):
    return [np.zeros(100_000, np.float32), rng.integers(0, 100_000, 1_000_000),
            rng.random(1_000_000, dtype=np.float32)]


def _np_put(np_, z, i, v):
    def f():
        np.add.at(z, i, v)
        return z
    return f


OP_CASES = (
    Case("exp 1e7", "exp(a)", ((10_000_000,),), calls={"*": lambda m, a: lambda: m.exp(a)}),
    Case("sigmoid 1e7", "sigmoid(a)", ((10_000_000,),), calls={
        "numpy": lambda m, a: lambda: 1 / (1 + np.exp(-a)), "*": lambda m, a: lambda: m.sigmoid(a)}),
    Case("sum 1e7", "a.sum()", ((10_000_000,),), calls={"*": lambda m, a: lambda: a.sum()}),
    Case("sum(dim=0) 4000x4000", "A.sum(0)", ((4000, 4000),), calls={"*": lambda m, a: lambda: a.sum(0)}),
    Case("sum(dim=1) 4000x4000", "A.sum(1)", ((4000, 4000),), calls={"*": lambda m, a: lambda: a.sum(1)}),
    Case("sort 1e6", "sort(a)", ((1_000_000,),), calls={
        "numpy": lambda m, a: lambda: np.sort(a), "*": lambda m, a: lambda: m.sort(a).values}),
    Case("cumsum 1e7", "cumsum(a)", ((10_000_000,),), calls={
        "numpy": lambda m, a: lambda: np.cumsum(a), "*": lambda m, a: lambda: m.cumsum(a, 0)}),
    Case("x[mask] 1e7", "x[mask] (50% True)", ((10_000_000,),), make=_mask_inputs,
         calls={"*": lambda m, x, k: lambda: x[k]}),
    Case("gather dim 1 4096x4096", "gather(A, 1, I)", ((4096, 4096),), make=_gather_inputs, calls={
        "numpy": lambda m, a, i: lambda: np.take_along_axis(a, i, 1), "*": lambda m, a, i: lambda: m.gather(a, 1, i)}),
    Case("cat 8 x 1e6", "cat([a0..a7])", ((1_000_000,),) * 8, calls={
        "numpy": lambda m, *xs: lambda: np.concatenate(xs), "*": lambda m, *xs: lambda: m.cat(xs)}),
    Case("index_put_ accumulate 1e6 into 1e5", "z.index_put_((i,), v, accumulate=True)", ((100_000,),),
         make=_put_inputs, calls={"numpy": _np_put,
                                  "*": lambda m, z, i, v: lambda: z.index_put_((i,), v, accumulate=True)}),
)

CASE_BY_NAME = {c.name: c for c in CASES + OP_CASES}
