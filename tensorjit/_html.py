"""``Tensor._repr_html_``: how a tensor shows in Jupyter.

Small tensors show their text repr; large ones a table of shape, dtype, device, strides,
contiguity and a summary (min, max, mean of the finite values, NaN count) plus the head of
the text repr, so a notebook never prints a million numbers.
"""
from __future__ import annotations

import html

import numpy as np

LARGE = 1000


def repr_html(t):
    """The HTML for tensor ``t``."""
    text = html.escape(repr(t))
    if t.numel() <= LARGE:
        return f"<pre>{text}</pre>"
    rows = [("shape", list(t.shape)), ("dtype", str(t.dtype).replace("tensorjit.", "")), ("device", str(t.device)),
            ("strides", t.stride()), ("storage offset", t.storage_offset()), ("contiguous", t.is_contiguous())]
    if t.device.type == "cpu":
        rows += _summary(t)
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                   f"{html.escape(str(v))}</td></tr>" for k, v in rows)
    head = "\n".join(text.splitlines()[:12])
    return f"<table>{body}</table><details><summary>values</summary><pre>{head}\n...</pre></details>"


def _summary(t):
    a = np.asarray(t.numpy())
    if a.dtype.kind == "b":
        return [("true", int(a.sum()))]
    if a.dtype.kind == "c":
        return [("mean", complex(a.mean()))]
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    out = []
    if finite.size:
        out += [("min", finite.min()), ("max", finite.max()), ("mean", float(finite.mean(dtype=np.float64)))]
    if a.dtype.kind == "f":
        out.append(("NaN count", int(np.isnan(a).sum())))
    return out
