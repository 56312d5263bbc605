"""Note [output pool]: large outputs reuse recycled blocks, never while anything still views them."""
import numpy as np

import tensorjit as tj
from tensorjit import _storage

N = _storage.POOL_MIN // 4  # float32 elements that make a pooled output


def _pair():
    a = tj.from_numpy(np.arange(N, dtype=np.float32))
    return a, tj.from_numpy(np.full(N, 2.0, np.float32))


def test_live_outputs_never_share_a_block():
    a, b = _pair()
    outs = [a + b, a * b, a - b]
    ptrs = {o.data_ptr() for o in outs}
    assert len(ptrs) == 3
    np.testing.assert_array_equal(outs[0].numpy(), np.arange(N, dtype=np.float32) + 2)
    np.testing.assert_array_equal(outs[1].numpy(), np.arange(N, dtype=np.float32) * 2)


def test_views_and_numpy_arrays_keep_their_block():
    a, b = _pair()
    c = a + b
    ptr = c.data_ptr()
    view = c[5:9]
    arr = c.numpy()
    del c
    d = a * b  # must not land on the block that view and arr still use
    assert d.data_ptr() != ptr
    assert view.tolist() == [7.0, 8.0, 9.0, 10.0]
    assert arr[0] == 2.0
    del view
    e = a * b
    assert e.data_ptr() != ptr  # arr still holds it
    assert arr[-1] == N + 1


def test_a_dropped_output_is_reused_and_fully_overwritten():
    a, b = _pair()
    c = a + b
    ptr = c.data_ptr()
    del c
    d = a - b
    assert d.data_ptr() == ptr
    np.testing.assert_array_equal(d.numpy(), np.arange(N, dtype=np.float32) - 2)


def test_small_outputs_are_not_pooled():
    x = tj.ones(16)
    pooled = dict(_storage._pool)
    for _ in range(3):
        x + x
    assert _storage._pool.keys() == pooled.keys()
