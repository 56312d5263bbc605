"""The PTX check compiles generated kernels with Numba's real CUDA target (no simulator, no GPU
needed): run this directory in its own pytest process without NUMBA_ENABLE_CUDASIM.

Device functions (the rows' scalar functions, user functions) are compiled for the current
device's compute capability by Numba; with no GPU there is none, so the autouse fixture below
answers that query with 9.0, and skips (with the reason) where no NVVM is installed.
"""
import os

import pytest

CC = (9, 0)
_NVVM = {}


class _Device:
    compute_capability = CC


def _nvvm_error():
    """Why compile_ptx can't run here (no NVVM), or None; asked once per process."""
    if "error" not in _NVVM:
        from numba import cuda, types
        try:
            cuda.compile_ptx(lambda a: None, (types.float32[::1],), cc=CC)
            _NVVM["error"] = None
        except Exception as e:  # no NVVM on this machine
            _NVVM["error"] = f"numba.cuda.compile_ptx is unavailable here ({type(e).__name__}: {e})"[:200]
    return _NVVM["error"]


@pytest.fixture(autouse=True)
def _cc90(monkeypatch):
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return          # the modules' own skip marker explains
    pytest.importorskip("numba.cuda")
    import numba.cuda.dispatcher as disp
    if hasattr(disp, "get_current_device"):
        monkeypatch.setattr(disp, "get_current_device", lambda: _Device())
    err = _nvvm_error()
    if err:
        pytest.skip(err)
