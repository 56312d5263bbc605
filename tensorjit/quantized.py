"""Quantized tensors: affine per-tensor and per-channel quantization, and quantized ops.

``tensorjit.quantize_per_tensor``, ``quantize_per_channel``, ``dequantize``, the dtypes
``quint8``/``qint8``/``qint32`` and the schemes ``per_tensor_affine``/``per_channel_affine``
are top-level names; the ops live here as ``tensorjit.quantized.add``, ``mul``, ``add_relu``,
``mul_relu``, ``matmul`` and ``linear`` (PyTorch's ``torch.ops.quantized`` and
``torch.ao.nn.quantized.functional`` semantics). See Note [quantized tensor] in
tensorjit/_quantized_tensor.py.

>>> import tensorjit as tj
>>> q = tj.quantize_per_tensor(tj.tensor([0.5, 1.0, 1.75]), 0.25, 0, tj.quint8)
>>> q.int_repr().tolist(), tj.quantized.add(q, q, 0.5, 0).dequantize().tolist()
([2, 4, 7], [1.0, 2.0, 3.5])
"""
from . import _quantized_ops as _ops, _quantized_tensor as _qt
from ._quantized_tensor import (quint8, qint8, qint32, per_tensor_affine, per_channel_affine, quantize_per_tensor,
                                quantize_per_channel, dequantize)

QTensor, qdtype, qscheme = _qt.QTensor, _qt.qdtype, _qt.qscheme
# The ops stay in this namespace only (``tensorjit.add`` is the dense add).
add, add_relu, mul, mul_relu = _ops.add, _ops.add_relu, _ops.mul, _ops.mul_relu
matmul, linear = _ops.matmul, _ops.linear

__all__ = ["quantize_per_tensor", "quantize_per_channel", "dequantize", "quint8", "qint8", "qint32",
           "per_tensor_affine", "per_channel_affine"]


def _not_quantized(op):
    def method(self, *args, **kwargs):
        raise RuntimeError(f"{op}(): expected a quantized tensor, got a {self.dtype!r} tensor of shape "
                           f"{tuple(self.shape)} (quantize it with tensorjit.quantize_per_tensor first)")
    method.__name__ = op
    return method


# Methods bound on the dense Tensor by tensorjit/_methods.py (QTensor defines its own).
TENSOR_METHODS = {"dequantize": dequantize, "qscheme": _not_quantized("qscheme"),
                  **{op: _not_quantized(op) for op in ("int_repr", "q_scale", "q_zero_point", "q_per_channel_scales",
                                                      "q_per_channel_zero_points", "q_per_channel_axis")}}
