"""Numba CPU (njit) kernel generators, one module per op group."""
