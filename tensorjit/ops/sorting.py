"""Sorting and order statistics along one dim: sort, argsort, msort, topk, kthvalue, median,
nanmedian, mode, quantile, nanquantile.

Row layout and kernels: Note [row kernels] (tensorjit/_rows.py).
"""
from __future__ import annotations

__all__ = []

METHODS = {}
