"""``MultiheadAttention`` and ``functional.scaled_dot_product_attention``, written with
differentiable tensorjit ops (batched matmuls, softmax, dropout)."""
from __future__ import annotations

import math

from .. import _dtypes
from . import init
from ._functional_act import dropout, softmax
from .linear import Linear, _empty
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``'s class (PyTorch's name, kept for reprs)."""


def _tj():
    import tensorjit
    return tensorjit


def _additive_mask(mask, dtype):
    """A boolean mask (True = masked out) as ``-inf``/0, a float mask as is."""
    if mask is None:
        return None
    tj = _tj()
    if mask.dtype is _dtypes.bool:
        return tj.zeros(tuple(mask.shape), dtype=dtype).masked_fill(mask, float("-inf"))
    return mask.to(dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(q @ k^T * scale + mask) @ v`` over the last two dims (boolean masks: True
    keeps a position, as PyTorch's SDPA).

    >>> import tensorjit as tj
    >>> q = tj.ones(1, 2, 4)
    >>> tj.nn.functional.scaled_dot_product_attention(q, q, q).shape
    tensorjit.Size([1, 2, 4])
    """
    tj = _tj()
    L, S = query.shape[-2], key.shape[-2]
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = tj.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        causal = tj.ones(L, S, dtype=_dtypes.bool).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is _dtypes.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    w = softmax(scores, -1)
    if dropout_p > 0:
        w = dropout(w, dropout_p, True)
    return tj.matmul(w, value)


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's parameters (``in_proj_weight`` (3E, E), or
    ``q/k/v_proj_weight`` when ``kdim``/``vdim`` differ from ``embed_dim``; ``in_proj_bias``,
    ``out_proj``) and forward; ``add_bias_kv`` and ``add_zero_attn`` are not supported.

    >>> import tensorjit as tj
    >>> mha = tj.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = tj.randn(3, 5, 8)
    >>> out, w = mha(x, x, x)
    >>> tuple(out.shape), tuple(w.shape)
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(_empty(3 * embed_dim, embed_dim, dtype=dtype, device=device))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(_empty(embed_dim, embed_dim, dtype=dtype, device=device))
            self.k_proj_weight = Parameter(_empty(embed_dim, self.kdim, dtype=dtype, device=device))
            self.v_proj_weight = Parameter(_empty(embed_dim, self.vdim, dtype=dtype, device=device))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_empty(3 * embed_dim, dtype=dtype, device=device))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        tj = _tj()
        batched = query.dim() == 3
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        L, N, E = query.shape
        S = key.shape[0]
        if E != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but got {E}")
        h, hd = self.num_heads, self.head_dim
        b = self.in_proj_bias
        if self._qkv_same_embed_dim:
            W = self.in_proj_weight
            ws = [W[i * E:(i + 1) * E] for i in range(3)]
        else:
            ws = [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]

        def proj(x, i):
            y = tj.matmul(x, ws[i].t())
            return y + b[i * E:(i + 1) * E] if b is not None else y
        q, k, v = proj(query, 0), proj(key, 1), proj(value, 2)
        # (L, N, E) -> (N*h, L, hd), head-major within a batch entry as PyTorch lays it out
        q = q.reshape(L, N * h, hd).transpose(0, 1)
        k = k.reshape(S, N * h, hd).transpose(0, 1)
        v = v.reshape(S, N * h, hd).transpose(0, 1)
        scores = tj.matmul(q * (1.0 / math.sqrt(hd)), k.transpose(1, 2))
        mask = _additive_mask(attn_mask, scores.dtype)
        if is_causal and mask is None:
            mask = tj.zeros(L, S, dtype=scores.dtype).masked_fill(~tj.ones(L, S, dtype=_dtypes.bool).tril(),
                                                                   float("-inf"))
        if mask is not None:
            if mask.dim() == 2:
                mask = mask.unsqueeze(0)
            scores = scores + mask
        if key_padding_mask is not None:
            kpm = _additive_mask(key_padding_mask, scores.dtype).reshape(N, 1, 1, S)
            scores = (scores.reshape(N, h, L, S) + kpm).reshape(N * h, L, S)
        w = softmax(scores, -1)
        if self.dropout > 0 and self.training:
            w = dropout(w, self.dropout, True)
        out = tj.matmul(w, v)                                     # (N*h, L, hd)
        out = out.transpose(0, 1).reshape(L * N, E)
        out = self.out_proj(out).reshape(L, N, E)
        weights = None
        if need_weights:
            weights = w.reshape(N, h, L, S)
            if average_attn_weights:
                weights = weights.mean(1)
        if not batched:
            out = out.squeeze(1)
            weights = weights.squeeze(0) if weights is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights
