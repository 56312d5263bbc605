"""The reduction table. Adding a reduction whose partial results combine by one of the
combine kinds below is adding a row here; the front end (tensorjit/_reduce.py) and the kernel
generator (kernels/cpu/reduction.py) do the rest.
"""
from dataclasses import dataclass, field

from .opdefs import ALL, INEXACT, NO_COMPLEX

# -- reductions (tensorjit/ops/reduction.py, kernels/cpu/reduction.py) --------------------------
# Accumulation rules (PyTorch's): SUM_RULE and PROD_RULE accumulate bool and integers (uint64
# included) in int64 and float16 in float32, returning int64 / float16; KEEP computes and returns
# the input dtype; TO_BOOL returns bool (uint8 for uint8 input, as torch.any/all do); TO_REAL
# computes in the input dtype and returns its real counterpart (norms, var, std);
# INT_TO_FLOAT computes bool and integers in the default float dtype (logsumexp).
SUM_RULE, PROD_RULE, KEEP, TO_BOOL, TO_REAL, INT_TO_FLOAT = "sum", "prod", "keep", "to_bool", "to_real", \
    "int_to_float"
# Combine kinds the kernel generator knows (Note [reduction states] in kernels/cpu/reduction.py):
# ADD is blocked and cascaded for inexact dtypes (float32 sums reach NumPy's pairwise accuracy);
# MUL, MAX, MIN (NaN-propagating), OR, AND fold one value; MOMENTS carries (count, mean, M2)
# merged by Chan's formula; ARGMAX / ARGMIN carry (value, index) with the first occurrence and
# the first NaN winning; LSE carries (max, sum of exp(x - max)).
ADD, MUL, MAX, MIN, OR, AND = "add", "mul", "max", "min", "or", "and"
MOMENTS, ARGMAX, ARGMIN, LSE = "moments", "argmax", "argmin", "lse"
# Combine kinds whose state is one value per output: the column kernel (Note [column
# reductions]) accumulates them across rows, vectorised over the contiguous kept dim.
ELEMENTWISE = frozenset({ADD, MUL, MAX, MIN, OR, AND})
# Combine kinds that report positions: their reduced dims are walked in logical (row-major) order.
INDEXED = frozenset({ARGMAX, ARGMIN})
# Transforms applied to each loaded value before combining (``pre``): NAN0 reads NaN as 0
# (nansum), ABS |x|, ABS2 |x|**2, NONZERO 1 for x != 0 else 0 (the last three give real values
# for complex input). Transforms of the combined value (``post``): MEAN divides by the number
# of reduced elements, SQRT takes the square root, VAR divides M2 by max(0, n - correction),
# STD takes the square root of that.
NAN0, ABS, ABS2, NONZERO = "nan0", "abs", "abs2", "nonzero"
MEAN, SQRT, VAR, STD = "mean", "sqrt", "var", "std"


@dataclass(frozen=True)
class Reduction:
    """One reduction: how two partial results combine, from what identity, in what dtype.

    ``identity`` is None where an empty reduction has no value (amax/amin raise, as in PyTorch).
    ``pre`` transforms each element before combining, ``post`` the combined result.
    ``second`` names the second output of a two-output kernel ("mean" for MOMENTS, "indices" for
    ARGMAX/ARGMIN), or None.
    """
    name: str
    combine: str
    identity: object
    rule: str
    categories: frozenset = ALL
    pre: str = None
    post: str = None
    second: str = None
    refuse: dict = field(default_factory=dict)
    # The derivative (Note [reduction derivatives]); None where not implemented yet.
    grad: str = None
    # For two-output rows, the second output's contribution (var_mean's mean).
    grad2: str = None

    @property
    def mean(self):
        return self.post == MEAN


# Note [reduction derivatives]
#     As Note [derivative formulas] in kernels/opdefs.py, for reductions: an expression in
#     tensorjit ops over ``grad``, ``result``, the input ``x`` (and its ``shape``: a formula
#     that names neither ``x`` nor ``result`` saves nothing), the reduced dims ``dims`` (a tuple
#     of wrapped dims), ``keepdim``, ``count`` (elements per output) and ``param`` (the row's
#     parameter: var/std's correction); two-output rows also see ``result2`` and ``grad2``.
#     Helpers (``unsq`` puts the reduced dims back as size 1) live in
#     tensorjit/autograd/_formulas_reduce.py.
_EXPAND = "unsq(grad, dims, keepdim).expand(shape)"
_MINMAX = "minmax_backward(grad, x, result, dims, keepdim)"

REDUCTIONS = {r.name: r for r in [
    Reduction("sum", ADD, 0, SUM_RULE, grad=_EXPAND),
    Reduction("prod", MUL, 1, PROD_RULE, grad="prod_backward(grad, x, result, dims, keepdim)"),
    Reduction("mean", ADD, 0, KEEP, INEXACT, post=MEAN, grad=_EXPAND + " / count"),
    Reduction("amax", MAX, None, KEEP, NO_COMPLEX, grad=_MINMAX),
    Reduction("amin", MIN, None, KEEP, NO_COMPLEX, grad=_MINMAX),
    Reduction("any", OR, False, TO_BOOL),
    Reduction("all", AND, True, TO_BOOL),
    Reduction("nansum", ADD, 0, SUM_RULE, NO_COMPLEX, pre=NAN0, grad="where(isnan(x), 0., unsq(grad, dims, keepdim))"),
    # Vector norms (tensorjit/_reduce_stats.py picks the row from p).
    Reduction("norm0", ADD, 0, TO_REAL, INEXACT, pre=NONZERO, grad="zeros_like(x)"),
    Reduction("norm1", ADD, 0, TO_REAL, INEXACT, pre=ABS, grad="unsq(grad, dims, keepdim) * sgn(x)"),
    Reduction("norm2", ADD, 0, TO_REAL, INEXACT, pre=ABS2, post=SQRT,
              grad="norm2_backward(grad, x, result, dims, keepdim)"),
    Reduction("norminf", MAX, None, TO_REAL, INEXACT, pre=ABS,
              grad="minmax_backward(grad, abs(x), result, dims, keepdim) * sgn(x)"),
    Reduction("normneginf", MIN, None, TO_REAL, INEXACT, pre=ABS,
              grad="minmax_backward(grad, abs(x), result, dims, keepdim) * sgn(x)"),
    Reduction("var", MOMENTS, 0, TO_REAL, INEXACT, post=VAR, second="mean",
              grad="var_backward(grad, x, dims, keepdim, count, param)",
              grad2=_EXPAND.replace("grad", "grad2") + " / count"),
    Reduction("std", MOMENTS, 0, TO_REAL, INEXACT, post=STD, second="mean",
              grad="std_backward(grad, x, result, dims, keepdim, count, param)",
              grad2=_EXPAND.replace("grad", "grad2") + " / count"),
    Reduction("max_dim", ARGMAX, None, KEEP, NO_COMPLEX, second="indices",
              grad="index_backward(grad, x, result2, dims, keepdim)"),
    Reduction("min_dim", ARGMIN, None, KEEP, NO_COMPLEX, second="indices",
              grad="index_backward(grad, x, result2, dims, keepdim)"),
    Reduction("logsumexp", LSE, 0, INT_TO_FLOAT, NO_COMPLEX,
              grad="unsq(grad, dims, keepdim) * exp(x - unsq(result, dims, keepdim))"),
]}
