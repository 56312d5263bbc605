"""Kernel sources and generators for tensorjit (installed as ``tensorjit.kernels``).

``opdefs`` holds the op tables, ``scalar`` the scalar functions the rows name,
``registry`` the kernel cache, and ``cpu/`` the njit kernel generators per op group.
"""
