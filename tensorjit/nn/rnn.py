"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (multi-layer, ``batch_first``, bidirectional,
dropout between layers) and their cells, written with differentiable tensorjit ops.

The input projection of a whole sequence is one matmul per layer and direction; the
recurrence then does one (N, H) x (H, G*H) matmul per time step. Parameter names, shapes,
gate order (LSTM: i, f, g, o; GRU: r, z, n) and initialisation (U(-1/sqrt(H), 1/sqrt(H)))
follow PyTorch, so a ``state_dict`` moves between the two.
"""
from __future__ import annotations

import math

from . import init
from ._functional_act import dropout
from .linear import _empty
from .module import Module
from .parameter import Parameter

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _tj():
    import tensorjit
    return tensorjit


def _act(mode):
    tj = _tj()
    if mode == "RNN_RELU":
        from ._functional_act import relu
        return relu
    return tj.tanh


def _step(mode, gi, h, c, w_hh, b_hh):
    """One time step: ``gi`` is the input projection (with its bias) of this step."""
    tj = _tj()
    gh = tj.matmul(h, w_hh.t())
    if b_hh is not None:
        gh = gh + b_hh
    H = h.shape[-1]
    if mode == "LSTM":
        g = gi + gh
        i = tj.sigmoid(g[..., 0:H])
        f = tj.sigmoid(g[..., H:2 * H])
        gg = tj.tanh(g[..., 2 * H:3 * H])
        o = tj.sigmoid(g[..., 3 * H:4 * H])
        c = f * c + i * gg
        return o * tj.tanh(c), c
    if mode == "GRU":
        r = tj.sigmoid(gi[..., 0:H] + gh[..., 0:H])
        z = tj.sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
        n = tj.tanh(gi[..., 2 * H:3 * H] + r * gh[..., 2 * H:3 * H])
        return (1 - z) * n + z * h, None
    return _act(mode)(gi + gh), None


class RNNBase(Module):
    """Shared parameters and forward of RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError("LSTM: proj_size is not supported")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be an integer greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be an integer greater than zero")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        g = _GATES[mode] * hidden_size
        D = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                lin = input_size if layer == 0 else hidden_size * D
                shapes = [("weight_ih", (g, lin)), ("weight_hh", (g, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (g,)), ("bias_hh", (g,))]
                for name, shape in shapes:
                    setattr(self, name + sfx, Parameter(_empty(*shape, dtype=dtype, device=device)))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self):
        """Nothing to do: the weights are separate tensors (PyTorch packs them for cuDNN)."""

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _run(self, input, hx):
        """Returns ``(output, h_n, c_n)`` (``c_n`` None except for LSTM)."""
        tj = _tj()
        name = type(self).__name__
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        L, N = input.shape[0], input.shape[1]
        D = 2 if self.bidirectional else 1
        H = self.hidden_size
        lstm = self.mode == "LSTM"
        h0 = c0 = None
        if hx is not None:
            h0, c0 = hx if lstm else (hx, None)
            if not batched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            expect = (self.num_layers * D, N, H)
            for t in (h0, c0):
                if t is not None and tuple(t.shape) != expect:
                    raise RuntimeError(f"Expected hidden size {expect}, got {list(t.shape)}")
        zeros = tj.zeros(N, H, dtype=input.dtype)
        h_n, c_n = [], []
        layer_in = input
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
                b_ih = getattr(self, "bias_ih" + sfx) if self.bias else None
                b_hh = getattr(self, "bias_hh" + sfx) if self.bias else None
                gi_all = tj.matmul(layer_in, w_ih.t())
                if b_ih is not None:
                    gi_all = gi_all + b_ih
                k = layer * D + d
                h = h0[k] if h0 is not None else zeros
                c = (c0[k] if c0 is not None else zeros) if lstm else None
                steps = [None] * L
                for t in (range(L - 1, -1, -1) if d else range(L)):
                    h, c = _step(self.mode, gi_all[t], h, c, w_hh, b_hh)
                    steps[t] = h
                outs.append(tj.stack(steps) if L else tj.zeros(0, N, H, dtype=input.dtype))
                h_n.append(h)
                if lstm:
                    c_n.append(c)
            layer_in = outs[0] if D == 1 else tj.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = dropout(layer_in, self.dropout, True)
        out = layer_in
        h_n = tj.stack(h_n)
        c_n = tj.stack(c_n) if lstm else None
        if not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, h_n, c_n


class RNN(RNNBase):
    """Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    >>> import tensorjit as tj
    >>> out, h = tj.nn.RNN(3, 4, num_layers=2)(tj.zeros(5, 2, 3))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 2, 4), (2, 2, 4))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)

    def extra_repr(self):
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity != "tanh" else "")

    def forward(self, input, hx=None):
        out, h, _ = self._run(input, hx)
        return out, h


class LSTM(RNNBase):
    """Long short-term memory; returns ``(output, (h_n, c_n))``.

    >>> import tensorjit as tj
    >>> out, (h, c) = tj.nn.LSTM(3, 4, batch_first=True)(tj.zeros(2, 5, 3))
    >>> tuple(out.shape), tuple(c.shape)
    ((2, 5, 4), (1, 2, 4))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def forward(self, input, hx=None):
        out, h, c = self._run(input, hx)
        return out, (h, c)


class GRU(RNNBase):
    """Gated recurrent unit; returns ``(output, h_n)``.

    >>> import tensorjit as tj
    >>> out, h = tj.nn.GRU(3, 4, bidirectional=True)(tj.zeros(5, 2, 3))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 2, 8), (2, 2, 4))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)

    def forward(self, input, hx=None):
        out, h, _ = self._run(input, hx)
        return out, h


class _CellBase(Module):
    def __init__(self, mode, input_size, hidden_size, bias, device, dtype):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        g = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(_empty(g, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(_empty(g, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(_empty(g, dtype=dtype, device=device))
            self.bias_hh = Parameter(_empty(g, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        stdv = 1.0 / math.sqrt(hidden_size)
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        return s

    def _cell(self, input, h, c):
        tj = _tj()
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        N = input.shape[0]
        if h is None:
            h = tj.zeros(N, self.hidden_size, dtype=input.dtype)
        elif not batched:
            h = h.unsqueeze(0)
        if self.mode == "LSTM":
            if c is None:
                c = tj.zeros(N, self.hidden_size, dtype=input.dtype)
            elif not batched:
                c = c.unsqueeze(0)
        gi = tj.matmul(input, self.weight_ih.t())
        if self.bias_ih is not None:
            gi = gi + self.bias_ih
        h, c = _step(self.mode, gi, h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return h, c


class RNNCell(_CellBase):
    """One step of an Elman RNN."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         device, dtype)

    def forward(self, input, hx=None):
        return self._cell(input, hx, None)[0]


class LSTMCell(_CellBase):
    """One step of an LSTM; returns ``(h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._cell(input, h, c)


class GRUCell(_CellBase):
    """One step of a GRU."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._cell(input, hx, None)[0]
