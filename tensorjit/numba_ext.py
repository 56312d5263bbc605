"""(under construction) Tensors inside user @numba.njit code."""


def _init_extension():
    """Numba's ``numba_extensions`` entry point (called when Numba initialises)."""
