"""The CUDA backend seen from the main suite (no simulator): importing tensorjit loads no CUDA
code, and without a GPU ``is_available()`` is False and CUDA requests raise a clear error."""
import os
import subprocess
import sys

import pytest

import tensorjit as tj

_SCRIPT = r"""
import sys
import tensorjit as tj
assert "numba.cuda" not in sys.modules and "numba" not in sys.modules, "import tensorjit loaded numba"
avail = tj.cuda.is_available()
from numba import cuda
assert avail == cuda.is_available(), (avail, cuda.is_available())
if not avail:
    assert tj.cuda.device_count() == 0 and tj.cuda.is_available() is False
    try:
        tj.cuda.get_device_name()
    except RuntimeError as e:
        assert "get_device_name" in str(e) and "CUDA is not available" in str(e), e
    else:
        raise AssertionError("get_device_name without CUDA did not raise")
    for f in (lambda: tj.zeros(2, device="cuda"), lambda: tj.ones(2).cuda(), lambda: tj.ones(2).to("cuda:0")):
        try:
            f()
        except RuntimeError as e:
            assert "CUDA is not available" in str(e), e
        else:
            raise AssertionError("a CUDA request without CUDA did not raise")
print("ok", avail)
"""


@pytest.mark.slow
def test_cuda_unavailable_without_gpu_or_simulator():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    r = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("ok")


def test_device_names():
    assert tj.device("cuda", 0) == "cuda:0" and str(tj.device("cuda:1")) == "cuda:1"
    assert tj.ones(2).device == tj.device("cpu") and not tj.ones(2).is_cuda
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        tj.device("tpu")
