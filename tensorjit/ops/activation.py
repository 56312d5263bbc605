"""The activations PyTorch exposes on ``torch`` and as Tensor methods (``torch.relu``,
``t.softmax(dim)`` ...). They are the ``tensorjit.nn.functional`` implementations (kernels and
derivatives live there), imported on first call so that ``import tensorjit`` stays light.
"""
from __future__ import annotations

__all__ = ["relu", "relu_", "softmax", "log_softmax"]


def _f():
    from ..nn import functional
    return functional


def relu(input):
    """``max(input, 0)`` elementwise.

    >>> import tensorjit as tj
    >>> tj.relu(tj.tensor([-1., 2.])).tolist()
    [0.0, 2.0]
    """
    return _f().relu(input)


def relu_(input):
    """In-place ``relu``."""
    return _f().relu_(input)


def softmax(input, dim, *, dtype=None):
    """``exp(x) / exp(x).sum(dim)``, computed stably along ``dim`` (in ``dtype`` if given).

    >>> import tensorjit as tj
    >>> tj.softmax(tj.tensor([0., 0.]), 0).tolist()
    [0.5, 0.5]
    """
    return _f().softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """``log(softmax(x, dim))``, computed stably along ``dim`` (in ``dtype`` if given).

    >>> import tensorjit as tj
    >>> round(tj.log_softmax(tj.tensor([0., 0.]), 0)[0].item(), 4)
    -0.6931
    """
    return _f().log_softmax(input, dim, dtype=dtype)


def _softmax_method(self, dim, dtype=None):
    return softmax(self, dim, dtype=dtype)


def _log_softmax_method(self, dim, dtype=None):
    return log_softmax(self, dim, dtype=dtype)


METHODS = {"relu": relu, "relu_": relu_, "softmax": _softmax_method, "log_softmax": _log_softmax_method}
