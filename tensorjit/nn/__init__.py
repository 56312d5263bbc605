"""``tensorjit.nn``: modules, layers, losses, ``functional``, ``init`` and ``utils``, with
PyTorch's names and semantics.

>>> import tensorjit as tj
>>> net = tj.nn.Sequential(tj.nn.Linear(4, 8), tj.nn.ReLU(), tj.nn.Linear(8, 2))
>>> net(tj.randn(3, 4)).shape
tensorjit.Size([3, 2])
"""
from . import functional, init, utils
from .module import Module
from .parameter import Parameter
from .activation import (ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid, Softmax, LogSoftmax, Softmin,
                         Softplus, Hardtanh, LogSigmoid, Dropout, Dropout1d, Dropout2d)
from .attention import MultiheadAttention
from .container import (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict)
from .conv import (Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d)
from .linear import (Identity, Linear, Bilinear, Flatten, Unflatten, Embedding)
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss,
                   KLDivLoss)
from .normalization import (BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm)
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d)
from .rnn import (RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell)

__all__ = ["Module", "Parameter", "functional", "init", "utils", "ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU",
           "SiLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Softmin", "Softplus", "Hardtanh", "LogSigmoid",
           "Dropout", "Dropout1d", "Dropout2d", "MultiheadAttention", "Sequential", "ModuleList", "ModuleDict",
           "ParameterList", "ParameterDict", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "Identity",
           "Linear", "Bilinear", "Flatten", "Unflatten", "Embedding", "MSELoss", "L1Loss", "SmoothL1Loss",
           "HuberLoss", "NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "BatchNorm1d",
           "BatchNorm2d", "LayerNorm", "GroupNorm", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]
