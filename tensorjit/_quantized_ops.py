"""Quantized ops (``tensorjit.quantized.add``, ``mul``, ``matmul``, ``linear`` ...) and the
dispatcher entries for dense ops on quantized tensors: comparisons compare the dequantized
values (as PyTorch's); every other pointwise op and reduction raises the dispatcher's
NotImplementedError.

Each op takes per-tensor quantized operands and the output's ``scale`` and ``zero_point``,
as PyTorch's ``torch.ops.quantized`` functions do, and runs one kernel of
kernels/cpu/quant.py over contiguous integer copies (broadcast operands are expanded and
copied first: one kernel per dtype serves every layout). ``add`` computes in float32 between
dequantization and requantization, as PyTorch's ``qadd``; ``mul`` multiplies in int32 and
requantizes with one float multiplier, as ``qmul``; ``matmul`` and ``linear`` accumulate in
int32 (Note [quantized gemm]).
"""
from __future__ import annotations

import numpy as np

from . import _dispatch, _dtypes
from ._layouts import register
from ._quantized_tensor import (QTensor, dequantize, int_view, inverse_scale, kernels, new_qtensor,
                                per_channel_affine, per_tensor_affine, qint8, quint8, raw_dtype, rules)
from ._storage import allocate
from ._shape import broadcast_shapes, contiguous_strides, numel as _numel
from ._tensor import Tensor


def _describe(t):
    if type(t) is QTensor:
        return f"{raw_dtype(t)!r} {t._qscheme!r} tensor of shape {tuple(t._shape)}"
    if isinstance(t, Tensor):
        return f"{t.dtype!r} tensor of shape {tuple(t._shape)}"
    return type(t).__name__


def _per_tensor(t, what, op):
    if type(t) is not QTensor:
        raise TypeError(f"{op}: argument '{what}' must be a quantized tensor, got {_describe(t)}")
    if t._qscheme is not per_tensor_affine:
        raise RuntimeError(f"{op}: only per-tensor quantization is supported for '{what}', got {_describe(t)}")
    return t


def _out_params(scale, zero_point, qd, op):
    scale, zero_point = float(scale), int(zero_point)
    if not qd.qmin <= zero_point <= qd.qmax:
        raise RuntimeError(f"{op}: output zero_point {zero_point} is out of the range [{qd.qmin}, {qd.qmax}] of {qd!r}")
    return scale, zero_point


def _flat(t, shape):
    # The integer representation of t broadcast to shape, as a flat C-contiguous kernel array.
    iv = int_view(t)
    if iv._shape != shape:
        iv = iv.expand(*shape)
    iv = iv.contiguous()
    n = _numel(shape)
    return iv._data[iv._offset:iv._offset + n]


def _binary(qa, qb, scale, zero_point, op):
    _per_tensor(qa, "qa", op)
    _per_tensor(qb, "qb", op)
    da, db = raw_dtype(qa), raw_dtype(qb)
    if da is not db:
        raise RuntimeError(f"{op}: operands should have the same quantized dtype, got {_describe(qa)} and "
                           f"{_describe(qb)}")
    scale, zero_point = _out_params(scale, zero_point, da, op)
    shape = broadcast_shapes(qa._shape, qb._shape, op=op)
    out = allocate(_numel(shape), da.underlying)
    return da, shape, scale, zero_point, out


def _add(qa, qb, scale, zero_point, relu, op):
    qd, shape, scale, zero_point, out = _binary(qa, qb, scale, zero_point, op)
    if out.size:
        fma, nanv = rules(qd, False)
        kernels().add(_flat(qa, shape), _flat(qb, shape), out, np.float32(qa._scale), qa._zero_point,
                      np.float32(qb._scale), qb._zero_point, inverse_scale(scale), float(zero_point), relu, fma,
                      nanv, float(qd.qmin), float(qd.qmax))
    return new_qtensor(out, shape, contiguous_strides(shape), 0, qd, per_tensor_affine, scale, zero_point)


def add(qa, qb, scale, zero_point):
    """``qa + qb`` requantized to ``scale`` and ``zero_point``, as ``torch.ops.quantized.add``
    (both per-tensor, same dtype, broadcast; float32 between dequantization and quantization).

    >>> import tensorjit as tj
    >>> qa = tj.quantize_per_tensor(tj.tensor([1.0, 2.0]), 0.1, 0, tj.quint8)
    >>> tj.quantized.add(qa, qa, 0.2, 0).int_repr().tolist()
    [10, 20]
    """
    return _add(qa, qb, scale, zero_point, False, "quantized.add")


def add_relu(qa, qb, scale, zero_point):
    """``relu(qa + qb)`` requantized, as ``torch.ops.quantized.add_relu``.

    >>> import tensorjit as tj
    >>> qa = tj.quantize_per_tensor(tj.tensor([1.0, -2.0]), 0.1, 0, tj.qint8)
    >>> tj.quantized.add_relu(qa, qa, 0.2, 0).dequantize().tolist()
    [2.0, 0.0]
    """
    return _add(qa, qb, scale, zero_point, True, "quantized.add_relu")


def _mul(qa, qb, scale, zero_point, relu, op):
    qd, shape, scale, zero_point, out = _binary(qa, qb, scale, zero_point, op)
    if out.size:
        f32 = np.float32
        mult = f32(f32(f32(qa._scale) * f32(qb._scale)) * inverse_scale(scale))
        kernels().mul(_flat(qa, shape), _flat(qb, shape), out, qa._zero_point, qb._zero_point, mult,
                      float(zero_point), relu, float(qd.qmin), float(qd.qmax))
    return new_qtensor(out, shape, contiguous_strides(shape), 0, qd, per_tensor_affine, scale, zero_point)


def mul(qa, qb, scale, zero_point):
    """``qa * qb`` requantized to ``scale`` and ``zero_point``, as ``torch.ops.quantized.mul``:
    the product of ``q - zero_point`` in int32, scaled by one float32 multiplier.

    >>> import tensorjit as tj
    >>> qa = tj.quantize_per_tensor(tj.tensor([1.0, -2.0]), 0.1, 0, tj.qint8)
    >>> tj.quantized.mul(qa, qa, 0.1, 0).dequantize().tolist()
    [1.0, 4.0]
    """
    return _mul(qa, qb, scale, zero_point, False, "quantized.mul")


def mul_relu(qa, qb, scale, zero_point):
    """``relu(qa * qb)`` requantized (values below the zero point become it), as
    ``torch.ops.quantized.mul_relu``.

    >>> import tensorjit as tj
    >>> qa = tj.quantize_per_tensor(tj.tensor([1.0, -2.0]), 0.1, 0, tj.qint8)
    >>> qb = tj.quantize_per_tensor(tj.tensor([1.0, 2.0]), 0.1, 0, tj.qint8)
    >>> tj.quantized.mul_relu(qa, qb, 0.1, 0).dequantize().tolist()
    [1.0, 0.0]
    """
    return _mul(qa, qb, scale, zero_point, True, "quantized.mul_relu")


def _rows(t):
    # The integer representation as a C-contiguous 2-d array (a copy only when t isn't).
    iv = int_view(t)
    return np.ascontiguousarray(iv.numpy()).reshape(_numel(iv._shape[:-1]), iv._shape[-1])


def _gemm(a, b, za, zb, bias_q, mult, zo, qd):
    # The kernel writes clamped values into int32 (one compiled kernel for every output
    # dtype); the narrowing copy costs m * n, the product m * n * k.
    m, n = a.shape[0], b.shape[0]
    out = np.empty((m, n), np.int32)
    if m and n:
        k = kernels()
        rowsum, colsum = np.empty(m, np.int32), np.empty(n, np.int32)
        k.rowsums(a, rowsum)
        k.rowsums(b, colsum)
        # Parallel over blocks of 64 output columns, for products of ~1e6 multiply-adds and more.
        parallel = n > 64 and m * n * a.shape[1] >= 8 * _dispatch.PARALLEL_THRESHOLD and \
            _dispatch.get_num_threads() > 1
        (k.qgemm_parallel if parallel else k.qgemm)(a, b, za, zb, rowsum, colsum, bias_q, mult, float(zo),
                                                    float(qd.qmin), float(qd.qmax), out)
    final = allocate(m * n, qd.underlying).reshape(m, n)
    np.copyto(final, out, casting="unsafe")   # values are clamped to the dtype's range already
    return final


def matmul(qa, qb, scale, zero_point):
    """The matrix product of two 2-d per-tensor quantized tensors of the same dtype (quint8 or
    qint8), requantized to ``scale`` and ``zero_point``, as ``torch.ops.quantized.matmul``;
    accumulates in int32 (Note [quantized gemm]).

    >>> import tensorjit as tj
    >>> qa = tj.quantize_per_tensor(tj.tensor([[1.0, 2.0]]), 0.5, 0, tj.qint8)
    >>> qb = tj.quantize_per_tensor(tj.tensor([[3.0], [4.0]]), 0.5, 0, tj.qint8)
    >>> tj.quantized.matmul(qa, qb, 0.5, 0).dequantize().tolist()
    [[11.0]]
    """
    op = "quantized.matmul"
    _per_tensor(qa, "qa", op)
    _per_tensor(qb, "qb", op)
    qd = raw_dtype(qa)
    if raw_dtype(qb) is not qd or qd not in (quint8, qint8):
        raise RuntimeError(f"{op}: both operands must be quint8 or both qint8, got {_describe(qa)} and {_describe(qb)}")
    if len(qa._shape) != 2 or len(qb._shape) != 2:
        raise RuntimeError(f"{op}: only 2-d operands are supported, got {_describe(qa)} and {_describe(qb)}")
    if qa._shape[1] != qb._shape[0]:
        raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied ({qa._shape[0]}x{qa._shape[1]} and "
                           f"{qb._shape[0]}x{qb._shape[1]})")
    scale, zero_point = _out_params(scale, zero_point, qd, op)
    n = qb._shape[1]
    a8 = _rows(qa)
    b8 = np.ascontiguousarray(int_view(qb).numpy().T)
    f32 = np.float32
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        mult = np.full(n, f32(f32(f32(qa._scale) * f32(qb._scale)) / f32(scale)), np.float32)
    out = _gemm(a8, b8, qa._zero_point, np.full(n, qb._zero_point, np.int32), np.zeros(n, np.float32), mult,
                zero_point, qd)
    shape = (qa._shape[0], n)
    return new_qtensor(out.reshape(-1), shape, contiguous_strides(shape), 0, qd, per_tensor_affine, scale, zero_point)


def linear(input, weight, bias, scale, zero_point):
    """``input @ weight.T + bias`` requantized, as ``torch.ao.nn.quantized.functional.linear``:
    ``input`` quint8 per-tensor of shape ``(*, in_features)``, ``weight`` qint8 ``(out_features,
    in_features)`` per-tensor or per-channel along dim 0, ``bias`` float32 ``(out_features,)`` or
    None; int32 accumulation, FBGEMM's requantization (Note [quantized gemm]).

    >>> import tensorjit as tj
    >>> x = tj.quantize_per_tensor(tj.tensor([[1.0, 2.0]]), 0.5, 0, tj.quint8)
    >>> w = tj.quantize_per_tensor(tj.tensor([[1.0, -1.0]]), 0.5, 0, tj.qint8)
    >>> tj.quantized.linear(x, w, tj.tensor([0.5]), 0.25, 10).dequantize().tolist()
    [[-0.5]]
    """
    op = "quantized.linear"
    _per_tensor(input, "input", op)
    if type(weight) is not QTensor:
        raise TypeError(f"{op}: argument 'weight' must be a quantized tensor, got {_describe(weight)}")
    if raw_dtype(input) is not quint8:
        raise RuntimeError(f"{op}: expected input data type quint8 but got {_describe(input)}")
    if raw_dtype(weight) is not qint8:
        raise RuntimeError(f"{op}: expected weight data type qint8 but got {_describe(weight)}")
    if len(input._shape) < 2:
        raise RuntimeError(f"{op}: the input must have at least 2 dims (as PyTorch's), got {_describe(input)}")
    if len(weight._shape) != 2 or input._shape[-1] != weight._shape[1]:
        raise RuntimeError(f"{op}: input {_describe(input)} and weight {_describe(weight)} don't match: weight must "
                           "be (out_features, in_features) with in_features the input's last dim")
    n = weight._shape[0]
    if weight._qscheme is per_channel_affine:
        if weight._axis != 0:
            raise RuntimeError(f"{op}: per-channel weights must be quantized along dim 0, got axis {weight._axis}")
        wscale, wzp = weight._scales.astype(np.float32), weight._zero_points.astype(np.int32)
    else:
        wscale, wzp = np.full(n, weight._scale, np.float32), np.full(n, weight._zero_point, np.int32)
    f32 = np.float32
    if bias is not None:
        if type(bias) is not Tensor or bias._dtype is not _dtypes.float32 or bias._shape != (n,):
            raise RuntimeError(f"{op}: bias must be a float32 tensor of shape ({n},), got {_describe(bias)}")
    scale, zero_point = _out_params(scale, zero_point, quint8, op)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        act_w = (f32(input._scale) * wscale).astype(np.float32)
        mult = (act_w / f32(scale)).astype(np.float32)
        bias_q = (np.ascontiguousarray(bias.numpy()) / act_w).astype(np.float32) if bias is not None \
            else np.zeros(n, np.float32)
    lead = input._shape[:-1]
    out = _gemm(_rows(input), _rows(weight), input._zero_point, wzp, bias_q, mult, zero_point,
                quint8)
    shape = lead + (n,)
    return new_qtensor(out.reshape(-1), shape, contiguous_strides(shape), 0, quint8, per_tensor_affine, scale,
                       zero_point)


# -- dense ops on quantized tensors -------------------------------------------------------------
# PyTorch's QuantizedCPU comparison kernels compare the dequantized values; every other
# pointwise op and reduction has no quantized implementation here, so the dispatcher raises its
# NotImplementedError naming the op and the layout (Note [layout dispatch]).
def _compare(row, args, out, inplace, name, compute):
    if inplace or type(out) is QTensor:
        raise NotImplementedError(f"{name or row.name}: not supported for tensors of layout 'quantized' on cpu "
                                  "(a comparison writes bool values: it can't write into a quantized tensor)")
    return _dispatch.elementwise(row, [dequantize(a) if type(a) is QTensor else a for a in args], out, name=name)


for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"):
    register(_name, "quantized")(_compare)
