"""The NumPy protocols on Tensor: ``__array_ufunc__``, ``__array_function__``, DLPack.

``METHODS`` are bound to Tensor by tensorjit/_methods.py.
"""
from __future__ import annotations

METHODS = {}
