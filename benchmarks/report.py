"""Compare tensorjit with NumPy and PyTorch (when installed) without pytest.

    python benchmarks/report.py            # the full table plus compile times (~1 minute)
    python benchmarks/report.py --help     # options: --repeat, --min-time, --no-torch, --case ...

Prints median per-call times (JIT warmed first), the ratios NumPy/tensorjit and
PyTorch/tensorjit (> 1: tensorjit is faster), and the cold-compile and warm-cache cost of a
first ``a + b`` measured in two fresh subprocesses. The measuring code lives in
``tensorjit/_bench.py`` and also backs ``python -m tensorjit bench``.
"""
import os
import sys

try:
    from tensorjit import _bench
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tensorjit import _bench

if __name__ == "__main__":
    sys.exit(_bench.main())
