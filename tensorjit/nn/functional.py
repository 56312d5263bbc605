"""``tensorjit.nn.functional``: the functional forms of the layers, as ``torch.nn.functional``.

The implementations live in the ``_functional_*`` modules, one per op group (and
``attention``); this module gathers them under PyTorch's names. ``pad`` is the shape op of
tensorjit/ops/shape_pad.py, also public as ``tensorjit.pad``.
"""
from ..ops.shape_pad import pad
from ._functional_act import (relu, relu_, relu6, leaky_relu, leaky_relu_, elu, elu_, gelu, silu, tanh, sigmoid,
                              softmax, log_softmax, softmin, softplus, hardtanh, hardtanh_, logsigmoid, dropout,
                              dropout1d, dropout2d)
from ._functional_conv import (conv1d, conv2d, conv_transpose1d, conv_transpose2d)
from ._functional_layers import (linear, bilinear, embedding, one_hot, normalize, batch_norm, layer_norm, group_norm,
                                 instance_norm)
from ._functional_loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss, cross_entropy,
                               binary_cross_entropy, binary_cross_entropy_with_logits, kl_div)
from ._functional_pool import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,
                               adaptive_avg_pool2d)
from .attention import scaled_dot_product_attention

__all__ = ["pad", "scaled_dot_product_attention", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu",
           "elu_", "gelu", "silu", "tanh", "sigmoid", "softmax", "log_softmax", "softmin", "softplus", "hardtanh",
           "hardtanh_", "logsigmoid", "dropout", "dropout1d", "dropout2d", "conv1d", "conv2d", "conv_transpose1d",
           "conv_transpose2d", "linear", "bilinear", "embedding", "one_hot", "normalize", "batch_norm",
           "layer_norm", "group_norm", "instance_norm", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d"]
