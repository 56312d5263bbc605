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

    def scalar_for(self, category):
        s = self.scalar
        return s if isinstance(s, str) else s[category]


_BOOL_SUB = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
             "Use the `^` or `logical_xor()` operator instead.")
_BOOL_SUB_ANY = ("Subtraction, the `-` operator, with a bool tensor is not supported. "
                 "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_BOOL_NEG = ("Negation, the `-` operator, on a bool tensor is not supported. "
             "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


POINTWISE = {r.name: r for r in [
    Pointwise("copy", 1, "identity"),
    Pointwise("add", 2, "add"),
    Pointwise("add_alpha", 3, "add_alpha"),
    Pointwise("sub", 2, "sub", categories=NUMERIC, refuse={BOOL: _BOOL_SUB}, no_bool_operand=_BOOL_SUB_ANY),
    Pointwise("sub_alpha", 3, "add_alpha", categories=NUMERIC, refuse={BOOL: _BOOL_SUB},
              no_bool_operand=_BOOL_SUB_ANY),
    Pointwise("mul", 2, "mul"),
    Pointwise("true_divide", 2, "truediv", INT_TO_FLOAT),
    Pointwise("div_trunc", 2, {INT: "idiv_trunc", FLOAT: "fdiv_trunc"}, categories=REAL_NUMERIC, divisor_check=True),
    Pointwise("floor_divide", 2, {INT: "ifloordiv", FLOAT: "ffloordiv"}, categories=REAL_NUMERIC, divisor_check=True),
    Pointwise("remainder", 2, {INT: "imod", FLOAT: "fmod_py"}, categories=REAL_NUMERIC, divisor_check=True),
    Pointwise("pow", 2, {INT: "ipow", FLOAT: "fpow", COMPLEX: "fpow"}, categories=NUMERIC),
    Pointwise("maximum", 2, "maximum", categories=NO_COMPLEX),
    Pointwise("minimum", 2, "minimum", categories=NO_COMPLEX),
    Pointwise("eq", 2, "eq", ALWAYS_BOOL),
    Pointwise("ne", 2, "ne", ALWAYS_BOOL),
    Pointwise("lt", 2, "lt", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("le", 2, "le", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("gt", 2, "gt", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("ge", 2, "ge", ALWAYS_BOOL, NO_COMPLEX),
    Pointwise("neg", 1, "neg", categories=NUMERIC, refuse={BOOL: _BOOL_NEG}),
    Pointwise("abs", 1, "abs_", COMPLEX_TO_FLOAT, NUMERIC),
    Pointwise("where", 3, "where"),
]}
