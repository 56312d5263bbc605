"""Training workloads timed against PyTorch CPU on 2 threads, in the same run:

- one epoch of a small MLP on scikit-learn's digits (batch 64, shuffled DataLoader, Adam),
- forward + backward of a 3x3 Conv2d (batch 32, 64 -> 64 channels, 32x32, float32), and its
  forward alone,
- a gradient penalty through that Conv2d (the input's gradient taken with ``create_graph``,
  then the backward of its squared norm: a double backward),
- one Adam step over 10M float32 parameters (one fused kernel call in tensorjit).

    python -m pytest benchmarks/test_bench_train.py     # about a minute

Each case's group holds both libraries. Kernels are compiled (or loaded from the cache) and
warmed before the timed rounds; no test asserts on a timing.
"""
import numpy as np
import pytest

LIBS = ("tensorjit", "torch")


@pytest.fixture(params=LIBS)
def lib(request):
    """(name, module) of each library compared."""
    if request.param == "torch":
        torch = pytest.importorskip("torch", reason="pip install torch==2.13.0 to compare with PyTorch")
        torch.set_num_threads(2)
        return "torch", torch
    import tensorjit
    return "tensorjit", tensorjit


def _warm(fn, n=3):
    for _ in range(n):
        fn()


def test_mlp_epoch(benchmark, lib):
    datasets = pytest.importorskip("sklearn.datasets", reason="the digits data ships with scikit-learn")
    name, m = lib
    X, y = datasets.load_digits(return_X_y=True)
    X, y = (X / 16.0).astype(np.float32)[:1437], y.astype(np.int64)[:1437]
    data = m.utils.data
    m.manual_seed(0)
    model = m.nn.Sequential(m.nn.Linear(64, 64), m.nn.ReLU(), m.nn.Linear(64, 10))
    opt = m.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = m.nn.CrossEntropyLoss()
    loader = data.DataLoader(data.TensorDataset(m.from_numpy(X), m.from_numpy(y)), batch_size=64, shuffle=True)

    def epoch():
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()

    _warm(epoch, 2)
    benchmark.group = "MLP 64-64-10, one epoch of 1437 digits, batch 64, Adam"
    benchmark.extra_info["library"] = name
    benchmark.pedantic(epoch, rounds=10, iterations=1, warmup_rounds=1)


def test_conv2d_forward_backward(benchmark, lib):
    name, m = lib
    rng = np.random.default_rng(0)
    conv = m.nn.Conv2d(64, 64, 3, padding=1)
    x = m.from_numpy(rng.standard_normal((32, 64, 32, 32)).astype(np.float32)).requires_grad_()
    gy = m.from_numpy(rng.standard_normal((32, 64, 32, 32)).astype(np.float32))

    def step():
        x.grad = None
        conv.zero_grad()
        conv(x).backward(gy)

    _warm(step)
    benchmark.group = "Conv2d 3x3 64->64, batch 32, 32x32: forward + backward"
    benchmark.extra_info["library"] = name
    benchmark.pedantic(step, rounds=10, iterations=1, warmup_rounds=1)


def test_conv2d_forward(benchmark, lib):
    name, m = lib
    rng = np.random.default_rng(0)
    conv = m.nn.Conv2d(64, 64, 3, padding=1)
    x = m.from_numpy(rng.standard_normal((32, 64, 32, 32)).astype(np.float32))

    def fwd():
        with m.no_grad():
            conv(x)

    _warm(fwd)
    benchmark.group = "Conv2d 3x3 64->64, batch 32, 32x32: forward"
    benchmark.extra_info["library"] = name
    benchmark.pedantic(fwd, rounds=10, iterations=1, warmup_rounds=1)


def test_conv2d_gradient_penalty(benchmark, lib):
    name, m = lib
    rng = np.random.default_rng(0)
    conv = m.nn.Conv2d(32, 32, 3, padding=1)
    x = m.from_numpy(rng.standard_normal((16, 32, 32, 32)).astype(np.float32)).requires_grad_()

    def step():
        conv.zero_grad()
        g, = m.autograd.grad(m.tanh(conv(x)).sum(), [x], create_graph=True)
        (g * g).sum().backward()

    _warm(step)
    benchmark.group = "Conv2d 3x3 32->32, batch 16, 32x32: gradient penalty (double backward)"
    benchmark.extra_info["library"] = name
    benchmark.pedantic(step, rounds=10, iterations=1, warmup_rounds=1)


def test_adam_step_10m(benchmark, lib):
    name, m = lib
    rng = np.random.default_rng(0)
    n = 10_000_000
    p = m.from_numpy(rng.standard_normal(n).astype(np.float32)).requires_grad_()
    p.grad = m.from_numpy(rng.standard_normal(n).astype(np.float32))
    opt = m.optim.Adam([p], lr=1e-3)
    _warm(opt.step)
    benchmark.group = "Adam step, 10M float32 parameters"
    benchmark.extra_info["library"] = name
    benchmark.pedantic(opt.step, rounds=15, iterations=1, warmup_rounds=1)


def test_adam_step_10m_torch_fused(benchmark):
    """PyTorch's own fused CPU Adam (``fused=True``, not its default) for reference."""
    torch = pytest.importorskip("torch", reason="pip install torch==2.13.0 to compare with PyTorch")
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    p = torch.from_numpy(rng.standard_normal(10_000_000).astype(np.float32)).requires_grad_()
    p.grad = torch.from_numpy(rng.standard_normal(10_000_000).astype(np.float32))
    opt = torch.optim.Adam([p], lr=1e-3, fused=True)
    _warm(opt.step)
    benchmark.group = "Adam step, 10M float32 parameters"
    benchmark.extra_info["library"] = "torch fused=True"
    benchmark.pedantic(opt.step, rounds=15, iterations=1, warmup_rounds=1)
