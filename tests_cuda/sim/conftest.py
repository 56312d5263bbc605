"""The CUDA test suite runs in Numba's CUDA simulator: NUMBA_ENABLE_CUDASIM must be set before
Numba is first imported, so this conftest sets it and refuses to run in a process that has
imported Numba already (run this directory in its own pytest process, as .ci/run does)."""
import os
import sys

os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
if "numba" in sys.modules:
    from numba import config as _config
    if not _config.ENABLE_CUDASIM:
        raise RuntimeError("tests_cuda/sim needs NUMBA_ENABLE_CUDASIM=1 before numba is imported: "
                           "run it in its own pytest process (python -m pytest tests_cuda/sim)")
