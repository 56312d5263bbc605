"""``DataLoader``: batches from a dataset, with ``torch.utils.data.DataLoader``'s arguments,
checks and order; workers are threads.

Note [loader threads]
    ``num_workers > 0`` starts that many threads per iteration (no processes: tensorjit's
    kernels release the GIL, datasets and tensors are shared without pickling, and nothing
    is pinned). As in PyTorch, batch ``i`` is fetched by worker ``i mod num_workers`` (cycling
    over the workers still running), at most ``prefetch_factor`` batches ahead per worker,
    and batches come back in sampler order. An iterable dataset is iterated once per worker
    (each sees ``get_worker_info()``, so it can shard itself; without sharding each sample
    comes ``num_workers`` times, as in PyTorch) and a worker that runs out leaves the cycle.
    An exception in a worker is raised again in the loop that consumes the batches.
    ``persistent_workers`` is accepted; the threads are started anew for each iteration.
"""
from __future__ import annotations

import collections
import itertools
import math
import queue
import threading
import warnings

from ._collate import default_collate, default_convert
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo"]

_local = threading.local()


class WorkerInfo:
    """What a worker thread knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


def get_worker_info():
    """The calling worker thread's ``WorkerInfo``; None outside a DataLoader worker.

    >>> from tensorjit.utils.data import get_worker_info
    >>> get_worker_info() is None
    True
    """
    return getattr(_local, "info", None)


def _gather_rows(tensors, index):
    """``default_collate([ds[i] for i in index])`` of a TensorDataset ``ds`` of ``tensors``.

    Note [tensor dataset batches]
        Collating the rows of a TensorDataset stacks ``len(index)`` one-row views per tensor:
        a Python-level index and copy each. Gathering ``index_select(t, 0, index)`` gives the same values,
        dtype, shape and contiguous layout (and the same gradient for a tensor that requires
        one) in one indexing kernel, so the loader takes that route whenever the dataset is
        exactly a TensorDataset and the collate function is ``default_collate``.
    """
    import numpy as np
    from ..._creation import from_numpy
    from ...ops.indexing import index_select
    a = np.asarray(index, dtype=np.int64)
    n = tensors[0].shape[0]
    bad = (a < -n) | (a >= n)
    if bad.any():
        raise IndexError(f"index {int(a[bad][0])} is out of bounds for dimension 0 with size {n}")
    idx = from_numpy(a)
    return [index_select(t, 0, idx) for t in tensors]


class _InfiniteConstantSampler:
    # The sampler of an iterable dataset: one None per batch, for ever.
    def __iter__(self):
        return itertools.repeat(None)


_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples put together by
    ``collate_fn`` (``default_collate``), in order or shuffled (``shuffle=True`` with an
    optional ``generator``), from ``num_workers`` threads (Note [loader threads]).

    >>> import tensorjit as tj
    >>> ds = tj.utils.data.TensorDataset(tj.arange(10.0).view(5, 2), tj.arange(5))
    >>> [(x.shape[0], y.tolist()) for x, y in tj.utils.data.DataLoader(ds, batch_size=2)]
    [(2, [0, 1]), (2, [2, 3]), (1, [4])]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers "
                             "> 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            if num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={num_workers}")
            raise NotImplementedError("DataLoader: workers are threads (Note [loader threads]); "
                                      "multiprocessing_context is not supported")
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        s = object.__setattr__
        s(self, "dataset", dataset)
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self.generator = generator

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        self._iterable = iterable
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        s(self, "batch_size", batch_size)
        s(self, "drop_last", drop_last)
        s(self, "sampler", sampler)
        s(self, "batch_sampler", batch_sampler)
        s(self, "persistent_workers", persistent_workers)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    def __setattr__(self, name, value):
        if name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return self._serial()
        return self._threaded()

    # -- fetching ----------------------------------------------------------------------
    def _fetch_map(self, index):
        if self._auto_collation:
            if type(self.dataset) is TensorDataset and self.collate_fn is default_collate:
                # Note [tensor dataset batches]: one gather per tensor, not a stack of rows.
                return _gather_rows(self.dataset.tensors, index)
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)

    def _fetch_iter(self, it):
        """The next batch from dataset iterator ``it``; StopIteration when there is none."""
        if self._auto_collation:
            data = list(itertools.islice(it, self.batch_size))
            if not data or (self.drop_last and len(data) < self.batch_size):
                raise StopIteration
        else:
            data = next(it)
        return self.collate_fn(data)

    def _serial(self):
        if self._iterable:
            it = iter(self.dataset)
            while True:
                try:
                    batch = self._fetch_iter(it)
                except StopIteration:
                    return
                yield batch
        else:
            for index in self._index_sampler:
                yield self._fetch_map(index)

    def _threaded(self):
        # Note [loader threads]
        from ...ops.random import randint
        nw = self.num_workers
        base_seed = int(randint(0, 2 ** 63 - 1, (), generator=self.generator).item())
        inq = [queue.Queue() for _ in range(nw)]
        outq = [queue.Queue() for _ in range(nw)]
        threads = [threading.Thread(target=self._worker, args=(w, nw, base_seed + w, inq[w], outq[w]),
                                    daemon=True, name=f"tensorjit-loader-{w}") for w in range(nw)]
        for t in threads:
            t.start()
        tasks = iter(self._index_sampler)
        order = collections.deque()
        active = list(range(nw))
        turn = 0

        def send():
            nonlocal turn
            for _ in range(len(active)):
                w = active[turn % len(active)]
                turn += 1
                try:
                    task = next(tasks)
                except StopIteration:
                    return False
                inq[w].put((True, task))
                order.append(w)
                return True
            return False

        try:
            for _ in range(self.prefetch_factor * nw or 1):
                if not send():
                    break
            while order:
                w = order.popleft()
                try:
                    kind, value = outq[w].get(timeout=self.timeout or None)
                except queue.Empty:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                if kind == "error":
                    raise value
                if kind == "done":
                    # An iterable dataset's worker ran out: it leaves the cycle, and the
                    # batches still queued for it come back as "done" too.
                    if w in active:
                        active.remove(w)
                    if active:
                        send()
                    continue
                if active:
                    send()
                yield value
        finally:
            for q in inq:
                q.put((False, None))

    def _worker(self, wid, nw, seed, inq, outq):
        _local.info = WorkerInfo(wid, nw, seed, self.dataset)
        it = None
        done = False
        try:
            if self.worker_init_fn is not None:
                self.worker_init_fn(wid)
            if self._iterable:
                it = iter(self.dataset)
        except BaseException as e:      # reported with the first batch this worker owes
            init_error = e
        else:
            init_error = None
        while True:
            go, task = inq.get()
            if not go:
                return
            if init_error is not None:
                outq.put(("error", init_error))
                continue
            if done:
                outq.put(("done", None))
                continue
            try:
                if self._iterable:
                    batch = self._fetch_iter(it)
                else:
                    batch = self._fetch_map(task)
            except StopIteration:
                done = self._iterable
                outq.put(("done", None) if done else ("error", RuntimeError("StopIteration in a worker")))
            except BaseException as e:
                outq.put(("error", e))
            else:
                outq.put(("ok", batch))
