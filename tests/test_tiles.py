"""Note [tiles]: large 2-d iterations with a transposed operand run block by block. The blocks
and the edge strips must cover every element exactly once, whatever the shape and strides."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dispatch

SHAPES = [(64, 256), (65, 257), (96, 300), (300, 700), (1000, 300)]


def _tiled(shape, *strides):
    return _dispatch._wants_tiles(shape, strides)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_transposed_add_covers_every_element(shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape[::-1]).astype(np.float32)
    assert _tiled(shape, (shape[1], 1), (1, shape[0]))
    r = tj.from_numpy(a) + tj.from_numpy(b).t()
    np.testing.assert_array_equal(r.numpy(), a + b.T)
    assert r.stride() == (shape[1], 1)


@pytest.mark.parametrize("shape", SHAPES[:3], ids=str)
def test_stepped_negative_and_offset_operands(shape):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((shape[1] * 2 + 3, shape[0] + 5)).astype(np.float32)
    bt = base[3::2, 5:][::-1].T          # (r, c) view: negative, stepped, offset, transposed
    a = rng.standard_normal(shape).astype(np.float32)
    r = tj.from_numpy(a) * tj.from_numpy(base)[3::2, 5:][::-1].t()
    np.testing.assert_array_equal(r.numpy(), a * bt)


@pytest.mark.parametrize("shape", SHAPES[1:4], ids=str)
def test_transposed_copies_and_out(shape):
    rng = np.random.default_rng(2)
    b = rng.standard_normal(shape[::-1])
    t = tj.from_numpy(b).t()
    c = t.contiguous()
    assert c.is_contiguous()
    np.testing.assert_array_equal(c.numpy(), b.T)
    out = tj.empty(shape[::-1], dtype=tj.float64).t()   # a transposed destination
    tj.add(t, 1.0, out=out)
    np.testing.assert_array_equal(out.numpy(), b.T + 1.0)
    x = tj.from_numpy(rng.standard_normal(shape))
    x += x.t().t()                       # identical layout: no copy needed, still exact
    y = tj.zeros(shape[::-1], dtype=tj.int32)
    y.copy_(tj.from_numpy(np.arange(np.prod(shape)).reshape(shape)).t())
    np.testing.assert_array_equal(y.numpy(), np.arange(np.prod(shape)).reshape(shape).T)
