"""The reduction table. Adding a reduction whose partial results combine by one of the
combine kinds below is adding a row here; the front end (tensorjit/_reduce.py) and the kernel
generator (kernels/cpu/reduction.py) do the rest.
"""
from dataclasses import dataclass, field

from .opdefs import ALL, INEXACT, NO_COMPLEX

# -- reductions (tensorjit/ops/reduction.py, kernels/cpu/reduction.py) --------------------------
# Accumulation rules (PyTorch's): SUM_RULE and PROD_RULE accumulate bool and integers (uint64
# included) in int64 and float16 in float32, returning int64 / float16; KEEP computes and returns
# the input dtype; TO_BOOL returns bool (uint8 for uint8 input, as torch.any/all do).
SUM_RULE, PROD_RULE, KEEP, TO_BOOL = "sum", "prod", "keep", "to_bool"
# Combine kinds the kernel generator knows: ADD is blocked and cascaded for inexact dtypes
# (float32 sums reach NumPy's pairwise accuracy); MUL, MAX, MIN (NaN-propagating), OR, AND.
ADD, MUL, MAX, MIN, OR, AND = "add", "mul", "max", "min", "or", "and"


@dataclass(frozen=True)
class Reduction:
    """One reduction: how two partial results combine, from what identity, in what dtype.

    ``identity`` is None where an empty reduction has no value (amax/amin raise, as in PyTorch).
    ``mean`` divides the combined sum by the number of reduced elements.
    """
    name: str
    combine: str
    identity: object
    rule: str
    categories: frozenset = ALL
    mean: bool = False
    refuse: dict = field(default_factory=dict)


REDUCTIONS = {r.name: r for r in [
    Reduction("sum", ADD, 0, SUM_RULE),
    Reduction("prod", MUL, 1, PROD_RULE),
    Reduction("mean", ADD, 0, KEEP, INEXACT, mean=True),
    Reduction("amax", MAX, None, KEEP, NO_COMPLEX),
    Reduction("amin", MIN, None, KEEP, NO_COMPLEX),
    Reduction("any", OR, False, TO_BOOL),
    Reduction("all", AND, True, TO_BOOL),
]}
