"""Optimizers and learning-rate schedules with PyTorch's API (``torch.optim``).

Every optimizer's ``step`` is one fused kernel call per parameter dtype over all parameters
(Note [fused step] in tensorjit/optim/_fused.py).

>>> import tensorjit as tj
>>> w = tj.zeros(3, requires_grad=True)
>>> opt = tj.optim.Adam([w], lr=0.1)
>>> w.grad = tj.ones(3); opt.step(); opt.zero_grad(); w.grad is None
True
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
