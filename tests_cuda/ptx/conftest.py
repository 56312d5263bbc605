"""The PTX check compiles generated kernels with Numba's real CUDA target (no simulator, no GPU
needed): run this directory in its own pytest process without NUMBA_ENABLE_CUDASIM."""
