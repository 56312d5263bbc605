"""tensorjit: a PyTorch-style tensor engine whose operations run in Numba-compiled kernels.

>>> import tensorjit as tj
>>> a = tj.arange(6, dtype=tj.float32).view(2, 3)
>>> (a + a.t().t() * 2).tolist()
[[0.0, 3.0, 6.0], [9.0, 12.0, 15.0]]
"""
from ._dtypes import (dtype, bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64, float16,
                      float32, float64, complex64, complex128, promote_types, result_type, can_cast,
                      get_default_dtype, set_default_dtype, iinfo, finfo)
from ._dtypes import ALIASES as _ALIASES
from ._device import device
from ._layouts import layout, strided, sparse_coo, sparse_csr  # noqa: F401
from ._storage import Storage
from ._tensor import Tensor, Size
from ._creation import (tensor, as_tensor, from_numpy, empty, zeros, ones, full, empty_like, zeros_like,
                        ones_like, full_like, empty_strided, arange, linspace, logspace, eye)
from ._views import (as_strided, transpose, permute, movedim, expand_as, broadcast_to, unsqueeze, squeeze,
                     flatten, unflatten, narrow, select, diagonal, split, chunk, reshape, clone)
from ._views import movedim as moveaxis, t_ as t
from .ops.pointwise import (add, sub, subtract, mul, multiply, div, divide, true_divide, floor_divide,
                            remainder, pow, maximum, minimum, eq, ne, lt, le, gt, ge, greater,
                            greater_equal, less, less_equal, not_equal, neg, negative, abs, absolute,
                            where, rsub)
from .ops.math import *  # noqa: F401,F403  (exp, log, clamp, bitwise ops, ...: see its __all__)
from .ops.reduction import *  # noqa: F401,F403  (sum, mean, max, ...: see its __all__)
from .ops.scan import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.searching import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403  (gather, scatter, index_*, masks, nonzero)
from .ops.blas import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from .ops.activation import *  # noqa: F401,F403  (relu, softmax, log_softmax: nn.functional's, lazily)
from ._linalg_top import *  # noqa: F401,F403  (det, inverse, cholesky_solve, ...: torch's top-level linalg names)
from .ops.special_fns import *  # noqa: F401,F403  (cdist, block_diag, trapezoid, ...)
from ._complex import *  # noqa: F401,F403  (real, imag, conj, view_as_real, ...)
from ._dlpack import from_dlpack  # noqa: F401
from . import linalg, fft  # noqa: F401  (NumPy's LAPACK and pocketfft on tensor storage)
from .ops.spectral import (hann_window, hamming_window, blackman_window, bartlett_window,  # noqa: F401
                           kaiser_window, stft, istft)
from ._dispatch import get_num_threads, set_num_threads
from ._printing import set_printoptions, get_printoptions
from . import return_types  # noqa: F401
from .serialization import save, load  # noqa: F401
from . import safetensors, hdf5  # noqa: F401  (light modules: h5py loads on first use)
from .autograd import *  # noqa: F401,F403  (no_grad, enable_grad, set_grad_enabled, inference_mode)
from .sparse import *  # noqa: F401,F403  (sparse_coo_tensor, sparse_csr_tensor: see its __all__)
from .quantized import *  # noqa: F401,F403  (quantize_per_tensor, quint8, ...: see its __all__)
from ._userops import *  # noqa: F401,F403  (elementwise, reduction, fuse: your own ops)
from . import _methods  # noqa: F401  (binds methods and operators to Tensor)

_LAZY_SUBMODULES = ("nn", "optim", "utils", "numba_ext", "special")


def __getattr__(name):
    # Heavier packages load on first use so that ``import tensorjit`` stays light.
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'tensorjit' has no attribute {name!r}")

float, double, half, short, int, long, cfloat, cdouble = (_ALIASES[n] for n in (
    "float", "double", "half", "short", "int", "long", "cfloat", "cdouble"))

__version__ = "0.1.0"


def is_tensor(obj):
    """Whether ``obj`` is a tensorjit Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(t):
    """Whether ``t``'s dtype is a floating-point dtype."""
    return t.is_floating_point()


def is_complex(t):
    """Whether ``t``'s dtype is complex."""
    return t.is_complex()


def numel(t):
    """The number of elements of ``t``."""
    return t.numel()
