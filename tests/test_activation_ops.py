"""relu/softmax/log_softmax at the top level and as methods, as torch has them."""
import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="PyTorch is the oracle")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_match_torch(dim):
    x = tj.tensor([[1.0, -2.0, 3.0], [0.5, float("-inf"), 0.0]])
    r = torch.tensor(x.numpy())
    for got, ref in ((tj.softmax(x, dim), torch.softmax(r, dim)), (x.softmax(dim), r.softmax(dim)),
                     (tj.log_softmax(x, dim), torch.log_softmax(r, dim)),
                     (x.log_softmax(dim, dtype=tj.float64), r.log_softmax(dim, dtype=torch.float64))):
        assert got.dtype.name == str(ref.dtype).split(".")[-1]
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-6)


def test_relu_function_method_in_place_and_grad():
    x = tj.tensor([-1.5, 0.0, 2.0])
    r = torch.tensor(x.numpy())
    np.testing.assert_array_equal(tj.relu(x).numpy(), torch.relu(r).numpy())
    np.testing.assert_array_equal(x.relu().numpy(), r.relu().numpy())
    y = x.clone()
    assert y.relu_() is y and y.tolist() == [0.0, 0.0, 2.0]
    w = tj.tensor([-1.0, 3.0], requires_grad=True)
    (w.relu() * tj.tensor([2.0, 5.0])).sum().backward()
    assert w.grad.tolist() == [0.0, 5.0]
