"""Text rendering of tensors that matches PyTorch's ``repr`` character for character.

The rules follow ``torch/_tensor_str.py`` (PyTorch 2.13): one formatter per
tensor decides integer mode, scientific mode and a common column width from
the (possibly summarised) values; the layout then nests brackets, wraps 1-d
rows at ``linewidth`` and appends ``dtype=``/``size=``/``device=`` suffixes.
Matching torch exactly matters because users diff our output against theirs
and doctests copy torch examples verbatim.

This module deliberately depends only on NumPy and the standard library so it
can be used (and tested) without importing the rest of the package.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# A plain dict (not a dataclass) keeps get_printoptions() trivially a copy.
_OPTS: dict[str, Any] = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set global print options, with the same semantics as ``torch.set_printoptions``.

    ``profile`` ("default", "short" or "full") is applied first, then any
    explicit option overrides it. As in torch, ``sci_mode`` is always
    assigned, so omitting it resets it to ``None`` (automatic); unknown
    profiles are silently ignored.

    >>> set_printoptions(precision=2)
    >>> format_tensor(np.array([1.12345], dtype=np.float32), "float32")
    'tensor([1.12])'
    >>> set_printoptions(profile="default")
    """
    if profile is not None and profile in _PROFILES:
        _OPTS.update(_PROFILES[profile])
    for key, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            _OPTS[key] = value
    _OPTS["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict usable as ``set_printoptions(**opts)``.

    >>> get_printoptions()["precision"]
    4
    """
    return dict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options inside a ``with`` block.

    >>> with printoptions(precision=1):
    ...     format_tensor(np.array([0.25]), "float64", default_dtype_name="float64")
    'tensor([0.2])'
    """
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------
# Dtypes
# --------------------------------------------------------------------------

_NP_DTYPES: dict[str, np.dtype] = {
    name: np.dtype(name)
    for name in (
        "bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32",
        "uint64", "float16", "float32", "float64", "complex64", "complex128",
    )
}
_FLOATING = {"float16", "float32", "float64"}
_COMPLEX = {"complex64", "complex128"}


# --------------------------------------------------------------------------
# Element formatting
# --------------------------------------------------------------------------


class _Formatter:
    """Shared formatting decisions for every element of one (real) tensor.

    Torch computes int/sci mode and the column width once, from the values
    that will actually be shown, so all columns line up.
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.precision = _OPTS["precision"]
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if flat.size == 0:
            return
        if not floating:
            # str() length is monotone in |v| per sign, so the extremes
            # determine the widest element (bool: False is widest).
            self.width = max(len(str(v)) for v in (flat.min().item(), flat.max().item()))
            return

        # Zeros, nan and inf never influence modes or width (torch ignores
        # them); they are just padded (or overflow) at format time.
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return  # note: leaves sci_mode False even if forced on, as torch does
        self.int_mode = bool(np.all(np.ceil(vals) == vals))
        forced = _OPTS["sci_mode"]
        if forced is None:
            # Torch takes abs in the tensor dtype, then widens to float64.
            mag = np.abs(vals).astype(np.float64)
            lo, hi = float(mag.min()), float(mag.max())
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = bool(forced)

        # The formatted length is monotone in |v| for each sign except for the
        # exponent digits in sci mode (e-100 vs e-05), so the smallest and
        # largest magnitude of each sign cover every case without formatting
        # all elements (matters for threshold=inf on big tensors).
        pos, neg = vals[vals > 0], vals[vals < 0]
        candidates = [float(x) for part in (pos, neg) if part.size for x in (part.min(), part.max())]
        p = self.precision
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in candidates]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in candidates]  # +1 for the trailing "."
        else:
            widths = [len(f"{v:.{p}f}") for v in candidates]
        self.width = max(self.width, *widths)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            # The trailing "." marks a float tensor whose values are integral.
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


def _format_value(value: Any, real_fmt: _Formatter, imag_fmt: _Formatter | None) -> str:
    if imag_fmt is None:
        return real_fmt.format(value)
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    # A sign already present (negative, -0., or "+" never) joins directly.
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


def _summarized(a: np.ndarray, edge: int) -> np.ndarray:
    """The values that will be displayed, which alone drive the formatter."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * edge:
            # With edge == 0, a[-0:] is the whole vector; torch has the same
            # quirk, and it only affects widths that are never displayed.
            return np.concatenate((a[:edge], a[-edge:]))
        return a
    if not edge:
        return a[(slice(0, 0),) * a.ndim]
    # Per-axis index selection is equivalent to torch's recursive stack.
    index = [
        np.r_[0:edge, n - edge:n] if n > 2 * edge else np.arange(n) for n in a.shape
    ]
    return a[np.ix_(*index)]


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def _vector_str(a, indent, summarize, real_fmt, imag_fmt) -> str:
    # Each element occupies its width plus ", "; complex adds imag width + "j".
    elem_len = real_fmt.width + 2
    if imag_fmt is not None:
        elem_len += imag_fmt.width + 1
    per_line = max(1, math.floor((_OPTS["linewidth"] - indent) / elem_len))
    edge = _OPTS["edgeitems"]

    def fmt(part):
        return [_format_value(v, real_fmt, imag_fmt) for v in part.tolist()]

    if summarize and not edge:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        items = fmt(a[:edge]) + [" ..."] + fmt(a[-edge:])
    else:
        items = fmt(a)
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nd_str(a, indent, summarize, real_fmt, imag_fmt) -> str:
    if a.ndim == 0:
        return _format_value(a.item(), real_fmt, imag_fmt)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, real_fmt, imag_fmt)
    edge, n = _OPTS["edgeitems"], a.shape[0]
    if summarize and n > 2 * edge:
        rows = [*range(edge), None, *range(n - edge, n)]
    else:
        rows = list(range(n))
    parts = [
        "..." if i is None else _nd_str(a[i], indent + 1, summarize, real_fmt, imag_fmt)
        for i in rows
    ]
    # Blank lines between sub-blocks grow with depth, as in torch/NumPy.
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body_str(a: np.ndarray, dtype_name: str, indent: int) -> str:
    summarize = a.size > _OPTS["threshold"]
    edge = _OPTS["edgeitems"]

    def shown(x):
        return _summarized(x, edge) if summarize else x

    if dtype_name in _COMPLEX:
        # Real and imaginary parts get independent formatters (own widths/modes).
        real_fmt = _Formatter(shown(a.real), True)
        imag_fmt = _Formatter(shown(a.imag), True)
        return _nd_str(a, indent, summarize, real_fmt, imag_fmt)
    fmt = _Formatter(shown(a), dtype_name in _FLOATING)
    return _nd_str(a, indent, summarize, fmt, None)


def _add_suffixes(text: str, suffixes: list[tuple[str, int]], indent: int) -> str:
    """Append ``(suffix, layout_length)`` pairs, wrapping like torch does."""
    # Torch's line-length estimate is off by design (+1, and +2 when there is
    # no newline); reproduce it so suffixes wrap at the same place.
    pieces = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix, length in suffixes:
        if line_len + length + 2 > _OPTS["linewidth"]:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + length
        else:
            pieces.append(", " + suffix)
            line_len += length + 2
    return "".join(pieces) + ")"


def _device_str(device: str) -> str:
    # A tensor's device always carries an index in torch ("cuda" -> "cuda:0").
    device = str(device)
    if ":" in device or device in ("cpu", "meta"):
        return device
    return device + ":0"


def format_tensor(
    arr: Any,
    dtype_name: str,
    *,
    default_dtype_name: str = "float32",
    device: str = "cpu",
    module: str = "tensorjit",
) -> str:
    """Render values the way ``repr(torch.tensor(...))`` does, with ``torch`` -> ``module``.

    ``arr`` holds the values (any layout; it is cast to ``dtype_name`` first so
    rounding matches the tensor's dtype). The dtype suffix is omitted for
    ``default_dtype_name``, its complex counterpart, int64 and bool.

    >>> format_tensor(np.array([[1.0, 2.0]]), "float64")
    'tensor([[1., 2.]], dtype=tensorjit.float64)'
    >>> format_tensor(np.zeros((0, 3), dtype=np.int64), "int64")
    'tensor([], size=(0, 3), dtype=tensorjit.int64)'
    """
    try:
        np_dtype = _NP_DTYPES[dtype_name]
    except KeyError:
        raise ValueError(
            f"unsupported dtype name {dtype_name!r}; expected one of {sorted(_NP_DTYPES)}"
        ) from None
    a = np.asarray(arr)
    if a.dtype != np_dtype:
        a = a.astype(np_dtype)

    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    device = _device_str(device)
    if device != "cpu":
        device_text = f"device='{device}'"
        suffixes.append((device_text, len(device_text)))

    # Torch pairs the default float dtype with complex128 only for float64.
    default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
    # Wrapping decisions measure the suffix as torch spells it ("torch."), so
    # the output is exactly torch's text with the module name swapped in even
    # when ``module`` has a different length.
    dtype_suffix = (f"dtype={module}.{dtype_name}", len(f"dtype=torch.{dtype_name}"))
    shape_text = f"size={tuple(int(n) for n in a.shape)}"
    shape_suffix = (shape_text, len(shape_text))

    if a.size == 0:
        # No elements to infer the dtype from, so only the default float dtype
        # is left implicit; a non-1-d shape is spelled out as NumPy does.
        if a.ndim != 1:
            suffixes.append(shape_suffix)
        if dtype_name != default_dtype_name:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not _OPTS["edgeitems"]:
            # Nothing but "..." is shown, so the shape is the only information.
            suffixes.append(shape_suffix)
        if dtype_name not in (default_dtype_name, default_complex, "int64", "bool"):
            suffixes.append(dtype_suffix)
        body = _body_str(a, dtype_name, indent)
    return _add_suffixes(prefix + body, suffixes, indent)
