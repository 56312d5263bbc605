"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp, diff.

Row layout and kernels: Note [row kernels] (tensorjit/_rows.py).
"""
from __future__ import annotations

__all__ = []

METHODS = {}
