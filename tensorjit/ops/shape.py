"""Joining and rearranging: cat, stack, flip, roll, repeat, tril/triu, diag, pad, ...

Built from views and copies (``_copy.copy_``) wherever that is enough.
"""
from __future__ import annotations

__all__ = []

METHODS = {}
