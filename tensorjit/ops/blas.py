"""Products: matmul and @, mm, bmm, mv, dot, einsum, ... (BLAS for float and complex, Numba kernels otherwise)."""
from __future__ import annotations

__all__ = []

METHODS = {}
