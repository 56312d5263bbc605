"""tensorjit.dask: Dask arrays whose chunks are tensors keep them through compute(), on the
threaded scheduler and on a distributed LocalCluster (threads, and one run with processes).

Float64 data throughout, so the kernels are those of the protocol tests.
"""
import pickle

import numpy as np
import pytest

import tensorjit as tj

da = pytest.importorskip("dask.array", reason="Dask is an optional extra (pip install tensorjit[dask])")
tjd = pytest.importorskip("tensorjit.dask", reason="needs Dask")

A = np.arange(48, dtype=np.float64).reshape(6, 8) / 7 - 3


def _x():
    return da.from_array(tj.from_numpy(A.copy()), chunks=(3, 4), asarray=False)


CASES = {
    "add": (lambda x: x + x, lambda a: a + a),
    "scalar": (lambda x: 2 * x - 1.5, lambda a: 2 * a - 1.5),
    "ufunc": (lambda x: np.exp(x / 10), lambda a: np.exp(a / 10)),
    "sum_axis0": (lambda x: x.sum(axis=0), lambda a: a.sum(axis=0)),
    "sum_all": (lambda x: x.sum(), lambda a: a.sum()),
    "mean_axis1": (lambda x: x.mean(axis=1), lambda a: a.mean(axis=1)),
    "std": (lambda x: x.std(axis=0), lambda a: a.std(axis=0)),
    "max": (lambda x: x.max(axis=1), lambda a: a.max(axis=1)),
    "matmul": (lambda x: x @ x.T, lambda a: a @ a.T),
    "tensordot": (lambda x: da.tensordot(x, x, axes=([0], [0])), lambda a: np.tensordot(a, a, ([0], [0]))),
    "concatenate": (lambda x: da.concatenate([x, x], axis=1), lambda a: np.concatenate([a, a], axis=1)),
    "stack": (lambda x: da.stack([x, x]), lambda a: np.stack([a, a])),
    "reshape": (lambda x: x.reshape(3, 2, 8), lambda a: a.reshape(3, 2, 8)),
    "T": (lambda x: x.T, lambda a: a.T),
    "slicing": (lambda x: x[1:5, ::3], lambda a: a[1:5, ::3]),
    "rechunk": (lambda x: x.rechunk((2, 8)) * 1, lambda a: a),
    "cumsum": (lambda x: x.cumsum(axis=1), lambda a: a.cumsum(axis=1)),
    "where": (lambda x: da.where(x > 0, x, 0.0), lambda a: np.where(a > 0, a, 0.0)),
    "einsum": (lambda x: da.einsum("ij,ij->j", x, x), lambda a: np.einsum("ij,ij->j", a, a)),
    "map_blocks": (lambda x: x.map_blocks(lambda b: b * 3), lambda a: a * 3),
    "mixed_numpy_left": (lambda x: da.from_array(A, chunks=(3, 4)) + x, lambda a: a + a),
    "mixed_ufunc": (lambda x: np.add(x, da.from_array(A, chunks=(3, 4))), lambda a: a + a),
}


def _check(result, ref):
    assert isinstance(result, tj.Tensor), type(result)
    np.testing.assert_allclose(result.numpy(), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_threaded_scheduler_keeps_tensor_chunks(name):
    build, ref = CASES[name]
    y = build(_x())
    if name != "max":       # max of an empty meta chunk raises (as NumPy's does): Dask keeps a NumPy meta
        assert isinstance(y._meta, tj.Tensor)
    _check(y.compute(scheduler="threads"), ref(A))


def test_argmax_values():
    # Dask's arg reductions combine chunks through NumPy structured arrays: values are right,
    # the container is NumPy's.
    r = _x().argmax(axis=0).compute(scheduler="threads")
    np.testing.assert_array_equal(np.asarray(r), A.argmax(axis=0))


def test_mixed_with_tensor_on_the_left():
    _check((_x() + da.from_array(A, chunks=(3, 4))).compute(scheduler="threads"), A + A)


def test_tensors_pickle_and_serialise():
    t = tj.from_numpy(A.copy())[1:, ::-2]
    u = pickle.loads(pickle.dumps(t))
    assert isinstance(u, tj.Tensor) and u.tolist() == t.tolist()
    from distributed.protocol import deserialize, serialize
    header, frames = serialize(t, serializers=("dask",))
    assert header["serializer"] == "dask"
    v = deserialize(header, frames)
    assert isinstance(v, tj.Tensor) and v.dtype == t.dtype and v.tolist() == t.tolist()
    e = deserialize(*serialize(tj.zeros(0, 3, dtype=tj.int32), serializers=("dask",)))
    assert tuple(e.shape) == (0, 3) and e.dtype == tj.int32


@pytest.fixture(scope="module")
def thread_cluster():
    distributed = pytest.importorskip("distributed", reason="distributed is an optional extra")
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("name", ["add", "sum_axis0", "matmul", "std", "rechunk"])
def test_local_cluster_threads(thread_cluster, name):
    build, ref = CASES[name]
    _check(thread_cluster.compute(build(_x())).result(), ref(A))


@pytest.mark.slow
def test_local_cluster_processes():
    distributed = pytest.importorskip("distributed", reason="distributed is an optional extra")
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        x = _x()
        r = client.compute((x @ x.T).sum(axis=0) + x.mean()).result()
        _check(r, (A @ A.T).sum(axis=0) + A.mean())
