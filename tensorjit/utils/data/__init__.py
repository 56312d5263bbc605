"""Datasets, samplers and the DataLoader, with ``torch.utils.data``'s API.

>>> import tensorjit as tj
>>> from tensorjit.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(tj.randn(10, 3), tj.arange(10))
>>> [y.shape[0] for _, y in DataLoader(ds, batch_size=4, shuffle=True)]
[4, 4, 2]
"""
from .dataset import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset,
                      random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
                      BatchSampler)
from ._collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info, WorkerInfo

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert", "DataLoader",
           "get_worker_info", "WorkerInfo"]
