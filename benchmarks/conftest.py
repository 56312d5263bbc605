"""Fixtures for the benchmarks: run with ``python -m pytest benchmarks`` (they are outside the
default ``testpaths``). PyTorch is optional: its cases skip with a reason when it is absent."""
import os

# Bind OpenMP threads before any OpenMP runtime starts, unless the caller chose otherwise:
# unbound, the worker often shares the main thread's CPU on small VMs and every parallel op
# (tensorjit's and PyTorch's) stalls ~8 ms. Note [bench isolation] in tensorjit/_bench.py.
os.environ.setdefault("OMP_PROC_BIND", "true")

import pytest  # noqa: E402

from tensorjit import _bench  # noqa: E402


def pytest_report_header(config):
    return ["benchmark environment: " + _bench.environment(), _bench.format_cpu_lost(_bench.cpu_lost()),
            _bench.format_parallel_stall(_bench.parallel_stall())]


@pytest.fixture(params=_bench.LIBS)
def lib(request):
    """(name, module) of each library compared: tensorjit, numpy, torch."""
    name = request.param
    mod = _bench.load(name)
    if mod is None:
        pytest.skip(f"{name} is not installed (pip install torch==2.13.0 to compare with PyTorch)")
    return name, mod
