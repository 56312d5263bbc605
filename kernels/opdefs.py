"""The op tables. Adding a pointwise op is adding a row here plus, where needed, a scalar
function in ``scalar.py``; the front end builds the public function from the row.

Note [promotion kinds]
    As PyTorch's ELEMENTWISE_TYPE_PROMOTION_KIND. With ``c`` the promoted dtype of the inputs:
    DEFAULT computes and returns ``c``; INT_TO_FLOAT computes and returns the default float
    dtype when ``c`` is bool or integer; ALWAYS_BOOL computes in ``c`` and returns bool;
    COMPLEX_TO_FLOAT computes in ``c`` and returns its real dtype.
"""
from dataclasses import dataclass, field

DEFAULT, INT_TO_FLOAT, ALWAYS_BOOL, COMPLEX_TO_FLOAT = "default", "int_to_float", "always_bool", "complex_to_float"

# Dtype categories (as in tensorjit._dtypes) an op accepts for its compute dtype.
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3
ALL = frozenset({BOOL, INT, FLOAT, COMPLEX})
NO_COMPLEX = frozenset({BOOL, INT, FLOAT})
NUMERIC = frozenset({INT, FLOAT, COMPLEX})
REAL_NUMERIC = frozenset({INT, FLOAT})


@dataclass(frozen=True)
class Pointwise:
    """One elementwise op: ``scalar`` names a function in scalar.py, or maps a category to one."""
    name: str
    arity: int
    scalar: object
    kind: str = DEFAULT
    categories: frozenset = ALL
    # Per-category error text where PyTorch has a specific one (else a generic message).
    refuse: dict = field(default_factory=dict)
    # Integer division by zero raises before dispatch, as PyTorch's ZeroDivisionError.
    divisor_check: bool = False
    # Error text when any operand (tensor or Python scalar) is a bool, where PyTorch refuses that.
    no_bool_operand: str = ""
    # The derivative (Note [derivative formulas]): one formula per operand, NONDIFF, or None
    # where it is not implemented yet.
    grad: object = None

    def scalar_for(self, category):
        s = self.scalar
        return s if isinstance(s, str) else s[category]


# Note [derivative formulas]
#     As PyTorch's derivatives.yaml: the ``grad`` field of a row holds, per operand, the
#     gradient of that operand as an expression in tensorjit ops over ``grad`` (the incoming
#     gradient), ``result`` (the op's output) and the operands ``x, y, z, w, v`` in order (tensors
#     or Python numbers). Expressions may call the helpers of
#     tensorjit/autograd/_formulas_pointwise.py. tensorjit/autograd/_pointwise.py compiles each
#     once, saves for backward only the operands and result an expression names, then sums the
#     gradient down to its operand's shape and casts it to its dtype. NONDIFF marks an op whose
#     results never require grad (rounding to integers, comparisons ...).
NONDIFF = "nondiff"
_ZERO = "zeros_like(grad)"

_BOOL_SUB = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
             "Use the `^` or `logical_xor()` operator instead.")
_BOOL_SUB_ANY = ("Subtraction, the `-` operator, with a bool tensor is not supported. "
                 "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_BOOL_NEG = ("Negation, the `-` operator, on a bool tensor is not supported. "
             "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


POINTWISE = {r.name: r for r in [
    Pointwise("copy", 1, "identity", grad=("grad",)),
    Pointwise("add", 2, "add", grad=("grad", "grad")),
    Pointwise("add_alpha", 3, "add_alpha", grad=("grad", "grad * z", None)),
    Pointwise("sub", 2, "sub", categories=NUMERIC, refuse={BOOL: _BOOL_SUB}, no_bool_operand=_BOOL_SUB_ANY,
              grad=("grad", "-grad")),
    Pointwise("sub_alpha", 3, "add_alpha", categories=NUMERIC, refuse={BOOL: _BOOL_SUB},
              no_bool_operand=_BOOL_SUB_ANY, grad=("grad", "grad * z", None)),
    Pointwise("mul", 2, "mul", grad=("grad * cj(y)", "grad * cj(x)")),
    Pointwise("true_divide", 2, {BOOL: "truediv", INT: "truediv", FLOAT: "truediv", COMPLEX: "ctruediv"},
              INT_TO_FLOAT, grad=("grad / cj(y)", "-grad * cj(x / (y * y))")),
    Pointwise("div_trunc", 2, {INT: "idiv_trunc", FLOAT: "fdiv_trunc"}, categories=REAL_NUMERIC, divisor_check=True,
              grad=(_ZERO, _ZERO)),
    Pointwise("floor_divide", 2, {INT: "ifloordiv", FLOAT: "ffloordiv"}, categories=REAL_NUMERIC, divisor_check=True),
    Pointwise("remainder", 2, {INT: "imod", FLOAT: "fmod_py"}, categories=REAL_NUMERIC, divisor_check=True,
              grad=("grad", "-grad * floor_divide(x, y)")),
    Pointwise("pow", 2, {INT: "ipow", FLOAT: "fpow", COMPLEX: "fpow"}, categories=NUMERIC,
              grad=("pow_base(grad, x, y)", "pow_exponent(grad, x, y, result)")),
    Pointwise("maximum", 2, "maximum", categories=NO_COMPLEX,
              grad=("where(x < y, 0., where(x == y, grad / 2, grad))",
                    "where(y < x, 0., where(x == y, grad / 2, grad))")),
    Pointwise("minimum", 2, "minimum", categories=NO_COMPLEX,
              grad=("where(x > y, 0., where(x == y, grad / 2, grad))",
                    "where(y > x, 0., where(x == y, grad / 2, grad))")),
    Pointwise("eq", 2, "eq", ALWAYS_BOOL),
    Pointwise("ne", 2, "ne", ALWAYS_BOOL),
    Pointwise("lt", 2, "lt", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("le", 2, "le", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("gt", 2, "gt", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("ge", 2, "ge", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("neg", 1, "neg", categories=NUMERIC, refuse={BOOL: _BOOL_NEG}, grad=("-grad",)),
    Pointwise("abs", 1, "abs_", COMPLEX_TO_FLOAT, NUMERIC, grad=("grad * sgn(x)",)),
    Pointwise("where", 3, "where", grad=(None, "where(x, grad, 0.)", "where(x, 0., grad)")),
]}


# -- math ops (tensorjit/ops/math.py) --------------------------------------------------------
FLOATING = frozenset({FLOAT})
INEXACT = frozenset({FLOAT, COMPLEX})
INTEGRAL = frozenset({BOOL, INT})
INTS_ONLY = frozenset({INT})
_ADDCDIV_INT = ("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                "for all dtypes.")
_NO_ROUND_SIGNATURE = {COMPLEX: "not supported for complex inputs", BOOL: "not implemented for dtype bool"}
# Derivatives of the unary math rows built in a loop below (Note [derivative formulas]).
_UNARY_GRADS = {
    "exp": "grad * cj(result)", "exp2": "grad * cj(result) * 0.6931471805599453",
    "expm1": "grad * (cj(result) + 1)", "log": "grad / cj(x)", "log2": "grad / (cj(x) * 0.6931471805599453)",
    "log10": "grad / (cj(x) * 2.302585092994046)", "log1p": "grad / (cj(x) + 1)", "sqrt": "grad / (2 * cj(result))",
    "sin": "grad * cj(cos(x))", "cos": "-grad * cj(sin(x))", "tan": "grad * cj(1 + result * result)",
    "asin": "grad * cj(rsqrt(1 - x * x))", "acos": "-grad * cj(rsqrt(1 - x * x))", "atan": "grad / cj(1 + x * x)",
    "sinh": "grad * cj(cosh(x))", "cosh": "grad * cj(sinh(x))", "asinh": "grad * cj(rsqrt(x * x + 1))",
    "acosh": "grad * cj(rsqrt(x * x - 1))", "atanh": "grad / cj(1 - x * x)",
    "rsqrt": "-0.5 * grad * cj(result * result * result)", "sigmoid": "grad * cj(result * (1 - result))",
    "reciprocal": "-grad * cj(result * result)", "tanh": "grad * cj(1 - result * result)",
    "erf": "grad * 1.1283791670955126 * exp(-x * x)", "erfc": "-grad * 1.1283791670955126 * exp(-x * x)",
    "lgamma": "grad * digamma(x)", "erfinv": "grad * 0.886226925452758 * exp(result * result)",
    "digamma": "grad * polygamma(1, x)",
    "logit": "logit_backward(grad, x)", "deg2rad": "grad * 0.017453292519943295", "rad2deg": "grad * 57.29577951308232",
    "floor": _ZERO, "ceil": _ZERO, "trunc": _ZERO, "round": _ZERO,
}
_MATH_ROWS = [
    # unary, integers and bool promoted to the default float dtype
    *[Pointwise(n, 1, n + "_", INT_TO_FLOAT, INEXACT, grad=(_UNARY_GRADS[n],)) for n in (
        "exp", "exp2", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan",
        "asin", "atan")],
    # complex division by zero gives inf/nan parts (PyTorch's and NumPy's algorithm), not an error;
    # the complex functions of kernels/complex_special.py give C99's special values (Note [annex g])
    *[Pointwise(n, 1, {FLOAT: n + "_", COMPLEX: "c" + n + "_"}, INT_TO_FLOAT, INEXACT, grad=(_UNARY_GRADS[n],))
      for n in ("rsqrt", "sigmoid", "reciprocal", "tanh", "expm1", "acos", "sinh", "cosh", "asinh", "acosh",
                "atanh")],
    *[Pointwise(n, 1, n + "_", INT_TO_FLOAT, FLOATING, grad=(_UNARY_GRADS[n],)) for n in ("erf", "erfc", "lgamma",
                                                                                        "erfinv", "digamma",
                                                                   "logit")],
    Pointwise("logit_eps", 2, "logit_eps_", INT_TO_FLOAT, FLOATING, grad=("logit_eps_backward(grad, x, y)", None)),
    # polygamma(n, x) as the row (x, n): n a Python int the front end checks (>= 0)
    Pointwise("polygamma", 2, "polygamma_", INT_TO_FLOAT, FLOATING, grad=("grad * polygamma(y + 1, x)", None)),
    # Hurwitz zeta(x, q); PyTorch has no derivative in x
    Pointwise("zeta", 2, "zeta_", INT_TO_FLOAT, FLOATING, grad=(None, "grad * -x * special_zeta(x + 1, y)")),
    Pointwise("sinc", 1, "sinc_", INT_TO_FLOAT, FLOATING,
              grad=("where(x == 0, 0., grad * (cos(3.141592653589793 * x) * 3.141592653589793 * x "
                    "- sin(3.141592653589793 * x)) / (3.141592653589793 * x * x))",)),
    # heaviside: same-dtype operands (the front end checks, as PyTorch); no derivative in PyTorch
    Pointwise("heaviside", 2, "heaviside_", categories=NO_COMPLEX),
    # frexp's two results as two rows; the exponent (a float here) is cast to int32 by the front end
    Pointwise("frexp_mantissa", 1, "frexp_mantissa_", categories=FLOATING,
              grad=("grad * exp2(-frexp(x)[1].to(grad.dtype))",)),
    Pointwise("frexp_exponent", 1, "frexp_exponent_", categories=FLOATING, grad=NONDIFF),
    # modified Bessel functions of the first kind (special_* are torch.special's i0e, i1, i1e)
    Pointwise("i0", 1, "i0_", INT_TO_FLOAT, FLOATING, grad=("grad * special_i1(x)",)),
    Pointwise("i0e", 1, "i0e_", INT_TO_FLOAT, FLOATING, grad=("grad * (special_i1e(x) - sgn(x) * result)",)),
    Pointwise("i1", 1, "i1_", INT_TO_FLOAT, FLOATING,
              grad=("grad * where(x == 0, 0.5, i0(x) - result / where(x == 0, 1., x))",)),
    Pointwise("i1e", 1, "i1e_", INT_TO_FLOAT, FLOATING,
              grad=("grad * where(x == 0, 0.5, special_i0e(x) - result * (sgn(x) + 1 / where(x == 0, 1., x)))",)),
    # angle: integers compute in the default float dtype (the front end asks), complex -> real
    Pointwise("angle", 1, {FLOAT: "angle_", COMPLEX: "cangle_"}, COMPLEX_TO_FLOAT, INEXACT,
              grad=("angle_backward(grad, x)",)),
    # sgn: zero for real input; PyTorch's sgn_backward, (g - sgn * Re(conj(sgn) * g)) / |x|, for complex
    Pointwise("sgn", 1, {BOOL: "identity", INT: "isign_", FLOAT: "fsign_", COMPLEX: "csgn_"},
              grad=("where(x == 0, 0., (grad - result * real(conj_physical(result) * grad)) / abs(x)) "
                    "if x.is_complex() else zeros_like(grad)",)),
    # (x, nan, posinf, neginf); integers and bool pass through in the front end
    Pointwise("nan_to_num", 4, {FLOAT: "nan_to_num_", COMPLEX: "cnan_to_num_"}, categories=INEXACT,
              grad=("where(isfinite(x), grad, 0.)", None, None, None)),
    *[Pointwise(n, 1, n + "_", INT_TO_FLOAT, FLOATING, refuse={COMPLEX: f"{n} is not supported for complex tensors."},
                grad=(_UNARY_GRADS[n],))
      for n in ("deg2rad", "rad2deg")],
    # unary, computing in the input dtype
    Pointwise("square", 1, "square_", categories=NUMERIC, grad=("2 * grad * cj(x)",)),
    Pointwise("positive", 1, "identity", categories=NUMERIC,
              refuse={BOOL: "The `+` operator, on a bool tensor is not supported."}, grad=("grad",)),
    Pointwise("sign", 1, {BOOL: "identity", INT: "isign_", FLOAT: "fsign_"}, categories=NO_COMPLEX,
              refuse={COMPLEX: "Unlike NumPy, torch.sign is not intended to support complex numbers. "
                               "Please use torch.sgn instead."}, grad=(_ZERO,)),
    *[Pointwise(n, 1, {INT: "identity", FLOAT: n + "_"}, categories=REAL_NUMERIC, refuse=_NO_ROUND_SIGNATURE,
                grad=(_UNARY_GRADS[n],))
      for n in ("floor", "ceil", "trunc", "round")],
    Pointwise("round_pos", 2, "round_pos_", categories=FLOATING, grad=(_ZERO, None)),
    Pointwise("round_neg", 2, "round_neg_", categories=FLOATING, grad=(_ZERO, None)),
    Pointwise("frac", 1, "frac_", categories=FLOATING, grad=("grad",)),
    Pointwise("bitwise_not", 1, {BOOL: "logical_not_", INT: "invert_"}, categories=INTEGRAL),
    Pointwise("logical_not", 1, "logical_not_", ALWAYS_BOOL),
    Pointwise("isnan", 1, "self_ne_", ALWAYS_BOOL),
    Pointwise("isinf", 1, {BOOL: "self_ne_", INT: "self_ne_", FLOAT: "isinf_", COMPLEX: "isinf_"}, ALWAYS_BOOL),
    Pointwise("isfinite", 1, {BOOL: "self_eq_", INT: "self_eq_", FLOAT: "isfinite_", COMPLEX: "isfinite_"},
              ALWAYS_BOOL),
    Pointwise("isposinf", 1, {BOOL: "self_ne_", INT: "self_ne_", FLOAT: "isposinf_"}, ALWAYS_BOOL, NO_COMPLEX,
              refuse={COMPLEX: "isposinf does not support complex inputs."}),
    Pointwise("isneginf", 1, {BOOL: "self_ne_", INT: "self_ne_", FLOAT: "isneginf_"}, ALWAYS_BOOL, NO_COMPLEX,
              refuse={COMPLEX: "isneginf does not support complex inputs."}),
    Pointwise("signbit", 1, {BOOL: "self_ne_", INT: "isignbit_", FLOAT: "fsignbit_"}, ALWAYS_BOOL, NO_COMPLEX,
              refuse={COMPLEX: "signbit is not implemented for complex tensors."}),
    # binary
    Pointwise("atan2", 2, "atan2_", INT_TO_FLOAT, FLOATING,
              grad=("grad * y / (x * x + y * y)", "-grad * x / (x * x + y * y)")),
    Pointwise("copysign", 2, "copysign_", INT_TO_FLOAT, FLOATING, grad=("where(x == 0, 0., grad * result / x)", _ZERO)),
    Pointwise("xlogy", 2, "xlogy_", INT_TO_FLOAT, FLOATING, grad=("xlogy_self(grad, x, y)", "grad * x / y")),
    Pointwise("hypot", 2, "hypot_", categories=FLOATING, grad=("grad * x / result", "grad * y / result")),
    Pointwise("logaddexp", 2, {FLOAT: "logaddexp_", COMPLEX: "clogaddexp_"}, categories=INEXACT,
              grad=("grad / (1 + exp(y - x))", "grad / (1 + exp(x - y))")),
    Pointwise("logaddexp2", 2, "logaddexp2_", categories=FLOATING,
              grad=("grad / (1 + exp2(y - x))", "grad / (1 + exp2(x - y))")),
    Pointwise("fmod", 2, {INT: "ifmod_", FLOAT: "fmod_"}, categories=REAL_NUMERIC, divisor_check=True,
              grad=("grad", "-grad * trunc(x / y)")),
    Pointwise("fmax", 2, "fmax_", categories=NO_COMPLEX, refuse={COMPLEX: "fmax not implemented for complex tensors."},
              grad=("where((x >= y) | isnan(y), grad, 0.)", "where((x >= y) | isnan(y), 0., grad)")),
    Pointwise("fmin", 2, "fmin_", categories=NO_COMPLEX, refuse={COMPLEX: "fmin not implemented for complex tensors."},
              grad=("where((x <= y) | isnan(y), grad, 0.)", "where((x <= y) | isnan(y), 0., grad)")),
    Pointwise("float_power", 2, "fpow", categories=INEXACT,   # the front end picks float64/complex128
              grad=("pow_base(grad, x, y)", "pow_exponent(grad, x, y, result)")),
    Pointwise("nextafter", 2, "nextafter_", categories=FLOATING, grad=("grad", _ZERO)),   # as PyTorch's
    # ldexp: input * 2**other; with integer exponents exactly (no overflow of 2**other alone)
    Pointwise("ldexp", 2, "ldexp_", INT_TO_FLOAT, INEXACT,
              grad=("grad * exp2(y)", "grad * result * 0.6931471805599453")),
    Pointwise("ldexp_int", 2, "ldexp_exact_", INT_TO_FLOAT, FLOATING, grad=("grad * exp2(y)", None)),
    # (input, other, rtol, atol, equal_nan); integers and bool compute in the default float dtype
    Pointwise("isclose", 5, {FLOAT: "isclose_", COMPLEX: "cisclose_"}, ALWAYS_BOOL, INEXACT),
    Pointwise("logical_and", 2, "logical_and_", ALWAYS_BOOL),
    Pointwise("logical_or", 2, "logical_or_", ALWAYS_BOOL),
    Pointwise("logical_xor", 2, "logical_xor_", ALWAYS_BOOL),
    Pointwise("bitwise_and", 2, "and_", categories=INTEGRAL),
    Pointwise("bitwise_or", 2, "or_", categories=INTEGRAL),
    Pointwise("bitwise_xor", 2, "xor_", categories=INTEGRAL),
    Pointwise("bitwise_left_shift", 2, "lshift_", categories=INTS_ONLY),
    Pointwise("bitwise_right_shift", 2, "rshift_", categories=INTS_ONLY),
    # clamp: the missing bound is a separate row, so integers need no infinities
    Pointwise("clamp", 3, "clamp_", categories=NO_COMPLEX, refuse={COMPLEX: "clamp is not supported for complex types"},
              grad=("where((x >= y) & (x <= z), grad, 0.)", "where(x < y, grad, 0.)", "where(x > z, grad, 0.)")),
    Pointwise("clamp_min", 2, "clamp_min_", categories=NO_COMPLEX,
              refuse={COMPLEX: "clamp is not supported for complex types"},
              grad=("where(x >= y, grad, 0.)", "where(x < y, grad, 0.)")),
    Pointwise("clamp_max", 2, "clamp_max_", categories=NO_COMPLEX,
              refuse={COMPLEX: "clamp is not supported for complex types"},
              grad=("where(x <= y, grad, 0.)", "where(x > y, grad, 0.)")),
    Pointwise("lerp", 3, "lerp_", categories=INEXACT, grad=("grad * (1 - z)", "grad * z", "grad * (y - x)")),
    Pointwise("addcmul", 4, "addcmul_", categories=NUMERIC,
              grad=("grad", "grad * w * cj(z)", "grad * w * cj(y)", None)),
    Pointwise("addcdiv", 4, {FLOAT: "addcdiv_", COMPLEX: "caddcdiv_"}, categories=INEXACT,
              refuse={BOOL: _ADDCDIV_INT, INT: _ADDCDIV_INT},
              grad=("grad", "grad * w / cj(z)", "-grad * w * cj(y / (z * z))", None)),
]
POINTWISE.update((r.name, r) for r in _MATH_ROWS)


# Note [fast scalars]
#     (scalar function, compute dtype code) -> a function of kernels/cpu/vecmath.py used in its
#     place: float32 transcendentals LLVM vectorises (libm calls never do). float16 computes in
#     float32, so it takes the same functions; nextafter needs float16's own spacing. The kernel
#     generator (kernels/cpu/pointwise.py) applies this table; everything else is unchanged.
FAST_SCALARS = {
    **{(s, c): f for s, f in (("exp_", "exp_f32"), ("expm1_", "expm1_f32"), ("log_", "log_f32"),
                              ("sigmoid_", "sigmoid_f32"), ("tanh_", "tanh_f32"))
       for c in ("f4", "f2")},
    ("nextafter_", "f2"): "nextafter_f16",
}
