"""Complex functions with C99 Annex G special values (Note [annex g] in
kernels/complex_special.py) on CUDA (Numba's simulator) against the CPU kernels: the GPU runs
the same scalar functions, so every special value, sign of zero included, must agree."""
import math

import numpy as np
import pytest

import tensorjit as tj

INF, NAN = math.inf, math.nan
PARTS = (0.0, -0.0, 0.5, -2.0, 4.0, INF, -INF, NAN)


@pytest.mark.parametrize("f", ["cosh", "sinh", "tanh", "expm1", "acosh", "asinh", "atanh", "acos"])
def test_special_values_match_cpu(f):
    z = np.array([complex(a, b) for a in PARTS for b in PARTS] + [complex(1.0, 0.0)], np.complex128)
    cpu = getattr(tj, f)(tj.from_numpy(z)).numpy()
    got = getattr(tj, f)(tj.from_numpy(z).cuda())
    assert got.is_cuda and got.dtype is tj.complex128 and got.shape == z.shape
    got = got.cpu().numpy()
    for part in ("real", "imag"):
        g, c = getattr(got, part), getattr(cpu, part)
        np.testing.assert_array_equal(g, c)                     # NaN == NaN here
        ok = ~np.isnan(c)
        np.testing.assert_array_equal(np.signbit(g[ok]), np.signbit(c[ok]), err_msg=f"{f} {part} signs")
    # and one annex value outright: cosh(inf + 0j) = inf + 0j (was inf + NaN j)
    if f == "cosh":
        assert got[PARTS.index(INF) * len(PARTS)] == complex(INF, 0.0)
