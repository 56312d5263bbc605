"""tensorjit.utils.data against torch.utils.data: batch shapes, dtypes and values in order
(unshuffled), lengths, drop_last, collation of nested samples, samplers, splits, threads
and errors.

Shuffled orders come from tensorjit's generator (its streams differ from PyTorch's), so they
are checked as permutations, for reproducibility under a seed, and against NumPy.
"""
import collections
import threading

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.utils import data as jd

torch = pytest.importorskip("torch", reason="data loading is checked against torch.utils.data")
td = torch.utils.data


def _np(x):
    """Nested torch/tensorjit batches as nested NumPy arrays and Python values."""
    if isinstance(x, (torch.Tensor, tj.Tensor)):
        a = x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy()
        return ("tensor", a.dtype.name, a.shape, a.tolist())
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(_np(v) for v in x)
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_np(v) for v in x])
    return x


def _same(jbatches, tbatches):
    assert [_np(b) for b in jbatches] == [_np(b) for b in tbatches]


def _tensors(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 3
    return (jd.TensorDataset(tj.from_numpy(x.copy()), tj.from_numpy(y.copy())),
            td.TensorDataset(torch.from_numpy(x.copy()), torch.from_numpy(y.copy())))


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (10, False), (12, True),
                                                  (4, False)])
def test_tensor_dataset_batches_match_torch(batch_size, drop_last):
    j, t = _tensors()
    lj = jd.DataLoader(j, batch_size=batch_size, drop_last=drop_last)
    lt = td.DataLoader(t, batch_size=batch_size, drop_last=drop_last)
    assert len(lj) == len(lt)
    _same(list(lj), list(lt))


def test_no_batching_matches_torch():
    j, t = _tensors(4)
    _same(list(jd.DataLoader(j, batch_size=None)), list(td.DataLoader(t, batch_size=None)))
    assert len(jd.DataLoader(j, batch_size=None)) == 4


Point = collections.namedtuple("Point", "x y")


class _Samples:
    """A map-style dataset of nested samples (numbers, NumPy arrays, strings, dicts, named
    tuples, lists) built for either library."""

    def __init__(self, lib, n=7):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"img": np.full((2, 2), i, np.float32), "label": i, "w": 0.5 * i, "name": f"s{i}",
                "flag": bool(i % 2), "np_scalar": np.int16(i), "pt": Point(float(i), [i, i + 1]),
                "t": self.lib.arange(3) * i, "pair": (i, np.float64(i))}


@pytest.mark.parametrize("batch_size", [3, None])
def test_default_collate_of_nested_samples_matches_torch(batch_size):
    _same(list(jd.DataLoader(_Samples(tj), batch_size=batch_size)),
          list(td.DataLoader(_Samples(torch), batch_size=batch_size)))


def test_default_collate_and_convert_directly():
    cases = [[1, 2, 3], [1.5, 2.5], [True, False], [np.float32(1), np.float32(2)], [np.ones(2), np.zeros(2)],
             [{"a": 1}, {"a": 2}], [[1, 2], [3, 4]], [(1, "a"), (2, "b")], ["x", "y"], [b"x", b"y"]]
    for c in cases:
        assert _np(jd.default_collate(c)) == _np(td.default_collate(c)), c
    for c in [np.arange(3), (np.ones(2), "a"), {"k": [np.float32(3)]}, "s", 4]:
        assert _np(jd.default_convert(c)) == _np(td.default_convert(c)), c


@pytest.mark.parametrize("batch", [[object(), object()], [[1, 2], [3]], [np.array(["a"]), np.array(["b"])]])
def test_default_collate_errors_match_torch(batch):
    with pytest.raises(Exception) as et:
        td.default_collate(batch)
    with pytest.raises(Exception) as ej:
        jd.default_collate(batch)
    assert type(ej.value) is type(et.value)
    assert str(ej.value).split("found")[0] == str(et.value).split("found")[0]


def test_shuffle_is_a_permutation_reproducible_with_a_generator():
    j, _ = _tensors(23)

    def order(seed):
        g = tj.Generator().manual_seed(seed)
        return [int(v) for _, y in jd.DataLoader(j, batch_size=5, shuffle=True, generator=g) for v in y.tolist()]

    a, b, c = order(0), order(0), order(1)
    assert a == b and a != c
    # labels are index % 3: the shuffled labels are a permutation of the unshuffled ones
    assert sorted(a) == sorted(np.arange(23) % 3)
    # the first feature of each row identifies its index
    g = tj.Generator().manual_seed(0)
    idx = [int(v) // 3 for x, _ in jd.DataLoader(j, batch_size=5, shuffle=True, generator=g)
           for v in x[:, 0].tolist()]
    assert sorted(idx) == list(range(23)) and idx != list(range(23))
    assert idx == tj.randperm(23, generator=tj.Generator().manual_seed(0)).tolist()


def test_unseeded_shuffle_follows_the_default_generator():
    j, _ = _tensors(9)
    tj.manual_seed(5)
    a = [v for x, _ in jd.DataLoader(j, batch_size=4, shuffle=True) for v in x[:, 0].tolist()]
    tj.manual_seed(5)
    b = [v for x, _ in jd.DataLoader(j, batch_size=4, shuffle=True) for v in x[:, 0].tolist()]
    assert a == b


def test_samplers_match_torch_where_deterministic():
    src = list(range(11))
    assert list(jd.SequentialSampler(src)) == list(td.SequentialSampler(src))
    for bs, dl in [(3, False), (3, True), (11, True), (20, False)]:
        sj = jd.BatchSampler(jd.SequentialSampler(src), bs, dl)
        st = td.BatchSampler(td.SequentialSampler(src), bs, dl)
        assert list(sj) == list(st) and len(sj) == len(st)
    g = tj.Generator().manual_seed(3)
    r = jd.RandomSampler(src, generator=g)
    assert len(r) == 11 and sorted(r) == src
    r = jd.RandomSampler(src, num_samples=25, generator=g)
    got = list(r)
    assert len(got) == 25 == len(r) and sorted(got[:11]) == src and sorted(got[11:22]) == src
    r = jd.RandomSampler(src, replacement=True, num_samples=70, generator=g)
    got = list(r)
    assert len(got) == 70 and all(0 <= v < 11 for v in got) and len(set(got)) > 5
    s = jd.SubsetRandomSampler([10, 20, 30, 40], generator=g)
    assert sorted(s) == [10, 20, 30, 40] and len(s) == 4
    w = jd.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50, generator=g)
    got = list(w)
    assert len(got) == 50 and set(got) <= {1, 3}
    assert sorted(jd.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False, generator=g)) == [0, 1, 2]


def test_custom_sampler_and_batch_sampler_match_torch():
    j, t = _tensors(10)
    order = [9, 2, 4, 4, 0]
    _same(list(jd.DataLoader(j, batch_size=2, sampler=order)), list(td.DataLoader(t, batch_size=2, sampler=order)))
    batches = [[1, 2, 3], [0], [9, 8]]
    lj, lt = jd.DataLoader(j, batch_sampler=batches), td.DataLoader(t, batch_sampler=batches)
    assert len(lj) == len(lt) == 3
    _same(list(lj), list(lt))


def test_collate_fn_and_getitems():
    j, t = _tensors(5)
    fn = lambda b: len(b)  # noqa: E731
    assert list(jd.DataLoader(j, batch_size=2, collate_fn=fn)) == list(td.DataLoader(t, batch_size=2, collate_fn=fn))

    class Batched(jd.Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("the loader fetches whole batches through __getitems__")

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [i * 10 for i in idx]

    ds = Batched()
    assert [b.tolist() for b in jd.DataLoader(ds, batch_size=4)] == [[0, 10, 20, 30], [40, 50]]
    assert ds.calls == [[0, 1, 2, 3], [4, 5]]


def _count_iter(self, lib):
    info = lib.get_worker_info()
    if info is None or not self.shard:
        return iter(range(self.n))
    return iter(range(info.id, self.n, info.num_workers))


class _CountJ(jd.IterableDataset):
    """``n`` numbers, sharded over loader workers when ``shard``."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        return _count_iter(self, jd)

    def __len__(self):
        return self.n


class _CountT(td.IterableDataset):
    __init__, __len__ = _CountJ.__init__, _CountJ.__len__

    def __iter__(self):
        return _count_iter(self, td)


class _Count:
    def __init__(self, lib, n, shard=True):
        self.ds = (_CountJ if lib is tj else _CountT)(n, shard)


@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (4, True), (None, False)])
def test_iterable_dataset_matches_torch(batch_size, drop_last):
    lj = jd.DataLoader(_Count(tj, 10).ds, batch_size=batch_size, drop_last=drop_last)
    lt = td.DataLoader(_Count(torch, 10).ds, batch_size=batch_size, drop_last=drop_last)
    assert len(lj) == len(lt)
    _same(list(lj), list(lt))


@pytest.mark.parametrize("shard", [True, False])
def test_iterable_dataset_with_workers_matches_torch_order(shard):
    # PyTorch's order: batches taken from the workers in turn; a worker that runs out leaves.
    lj = jd.DataLoader(_Count(tj, 11, shard).ds, batch_size=2, num_workers=2)
    lt = td.DataLoader(_Count(torch, 11, shard).ds, batch_size=2, num_workers=2)
    _same(list(lj), list(lt))


def test_map_dataset_with_workers_is_in_order_and_uses_threads():
    j, t = _tensors(17)
    seen = set()

    class Watch(jd.Dataset):
        def __len__(self):
            return len(j)

        def __getitem__(self, i):
            info = jd.get_worker_info()
            seen.add((info.id, info.num_workers, threading.current_thread().name))
            return j[i]

    inits = []
    lj = jd.DataLoader(Watch(), batch_size=3, num_workers=2, worker_init_fn=inits.append, prefetch_factor=1)
    _same(list(lj), list(td.DataLoader(t, batch_size=3)))
    assert sorted(inits) == [0, 1]
    assert {s[:2] for s in seen} == {(0, 2), (1, 2)}
    assert jd.get_worker_info() is None


def test_worker_errors_reach_the_loop():
    class Bad(jd.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                raise KeyError("sample 5 is broken")
            return i

    it = iter(jd.DataLoader(Bad(), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1] and next(it).tolist() == [2, 3]
    with pytest.raises(KeyError, match="sample 5"):
        next(it)


def test_datasets_match_torch():
    j, t = _tensors(6)
    assert len(j) == len(t) == 6
    assert _np(j[2]) == _np(t[2]) and _np(j[-1]) == _np(t[-1])
    sj, st = jd.Subset(j, [5, 0, 3]), td.Subset(t, [5, 0, 3])
    assert len(sj) == len(st) and _np(sj[0]) == _np(st[0])
    cj, ct = jd.ConcatDataset([j, sj, [("a", 1)]]), td.ConcatDataset([t, st, [("a", 1)]])
    assert len(cj) == len(ct) == 10 and cj.cumulative_sizes == ct.cumulative_sizes
    for i in (0, 5, 6, 8, 9, -1, -4, -10):
        assert _np(cj[i]) == _np(ct[i])
    assert len(j + sj) == 9 and isinstance(j + sj, jd.ConcatDataset)
    cat = _Count(tj, 3).ds + _Count(tj, 2).ds
    assert isinstance(cat, jd.ChainDataset) and list(cat) == [0, 1, 2, 0, 1] and len(cat) == 5


@pytest.mark.parametrize("make", [
    lambda lib, d: lib.TensorDataset(d(3), d(2)),
    lambda lib, d: lib.ConcatDataset([]),
    lambda lib, d: lib.ConcatDataset([lib.TensorDataset(d(3))])[-4],
    lambda lib, d: lib.random_split(range(5), [2, 2]),
    lambda lib, d: lib.random_split(range(5), [0.5, 0.7]),
    lambda lib, d: lib.RandomSampler(range(3), replacement=1),
    lambda lib, d: lib.RandomSampler(range(3), num_samples=0),
    lambda lib, d: lib.BatchSampler(range(3), 0, False),
    lambda lib, d: lib.BatchSampler(range(3), 2, 1),
    lambda lib, d: lib.DataLoader(range(3), num_workers=-1),
    lambda lib, d: lib.DataLoader(range(3), timeout=-1),
    lambda lib, d: lib.DataLoader(range(3), prefetch_factor=2),
    lambda lib, d: lib.DataLoader(range(3), persistent_workers=True),
    lambda lib, d: lib.DataLoader(range(3), sampler=[0, 1], shuffle=True),
    lambda lib, d: lib.DataLoader(range(3), batch_sampler=[[0]], batch_size=2),
    lambda lib, d: lib.DataLoader(range(3), batch_size=None, drop_last=True),
    lambda lib, d: lib.DataLoader(_Count(tj if lib is jd else torch, 3).ds, shuffle=True),
    lambda lib, d: lib.DataLoader(_Count(tj if lib is jd else torch, 3).ds, sampler=[0]),
    lambda lib, d: setattr(lib.DataLoader(range(3)), "batch_size", 2),
    lambda lib, d: lib.default_collate([[1, 2], [3]]),
    lambda lib, d: lib.Dataset()[0],
])
def test_errors_match_torch(make):
    got = []
    for lib, d in ((td, lambda n: torch.zeros(n)), (jd, lambda n: tj.zeros(n))):
        with pytest.raises(Exception) as e:
            make(lib, d)
        got.append((type(e.value), str(e.value).replace("torch", "tensorjit")))
    assert got[0][0] is got[1][0]
    assert got[0][1].split(",")[0] == got[1][1].split(",")[0]


def test_random_split_lengths_and_fractions():
    g = tj.Generator().manual_seed(0)
    for lengths in ([3, 7], [0.3, 0.7], [0.34, 0.33, 0.33], [1.0, 0.0]):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pj = jd.random_split(range(10), lengths, generator=g)
            pt = td.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(s) for s in pj] == [len(s) for s in pt]
        assert all(isinstance(s, jd.Subset) for s in pj)
        assert sorted(i for s in pj for i in s) == list(range(10))
    a = [list(s) for s in jd.random_split(range(10), [5, 5], generator=tj.Generator().manual_seed(1))]
    b = [list(s) for s in jd.random_split(range(10), [5, 5], generator=tj.Generator().manual_seed(1))]
    assert a == b


def test_training_loop_over_a_loader_sees_every_sample_once_per_epoch():
    x = tj.arange(40.0).view(20, 2)
    seen = []
    loader = jd.DataLoader(jd.TensorDataset(x), batch_size=6, shuffle=True, generator=tj.Generator().manual_seed(2))
    for _ in range(2):
        epoch = []
        for (b,) in loader:
            assert b.dtype == tj.float32 and b.shape[1] == 2
            epoch += b[:, 0].tolist()
        seen.append(epoch)
        assert sorted(epoch) == x[:, 0].tolist()
    assert seen[0] != seen[1]
