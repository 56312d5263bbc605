"""Searching and counting: unique, unique_consecutive, searchsorted, bucketize, histc, bincount,
isin.
"""
from __future__ import annotations

__all__ = []

METHODS = {}
