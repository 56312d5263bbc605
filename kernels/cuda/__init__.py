"""Source generators for CUDA kernels (``numba.cuda``), one module per op group, built from
the same op tables (kernels/opdefs.py, kernels/reductions.py) and scalar functions
(kernels/scalar.py) as the CPU kernels. Only the CUDA backend (tensorjit/cuda/) and the PTX
check import these modules (``scalar.py`` imports ``numba.cuda``'s libdevice bindings, which
touch no driver), never ``import tensorjit``."""
