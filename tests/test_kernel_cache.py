"""The on-disk kernel cache (Note [kernel cache] in kernels/registry.py), thread control,
and the parallel kernel path.

The cache tests run fresh interpreters (sys.executable) with TENSORJIT_CACHE_DIR set to a
temporary folder: the first compiles an add and records Numba's compile statistics; the
second, over the same folder, must load every entry point from the cache (hits, no misses).
"""
import ast
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dispatch

# Runs in a child process: an add on the general path (a scalar operand: the module's `body`)
# and one on the fast path (two dense tensors of one shape: `contig`), then reports Numba's
# compile statistics for every entry point of every kernel module it loaded.
CHILD = textwrap.dedent("""
    import json
    import tensorjit as tj
    from tensorjit import _dispatch

    a = tj.arange(6, dtype=tj.float32).view(2, 3)
    general = (a + 1.5).tolist()
    fast = (a + a).tolist()
    kernels = []
    for key, k in _dispatch._KERNELS.items():
        entry = {"key": repr(key), "file": k.module.__file__}
        for fn in ("body", "contig", "body_par"):
            disp = getattr(k.module, fn)
            entry[fn] = {"hits": sum(disp.stats.cache_hits.values()),
                         "misses": sum(disp.stats.cache_misses.values()),
                         "cache_path": disp.stats.cache_path}
        kernels.append(entry)
    print(json.dumps({"general": general, "fast": fast, "kernels": kernels}))
""")


def _run_child(cache_dir, cwd):
    env = dict(os.environ, TENSORJIT_CACHE_DIR=str(cache_dir))
    env.pop("NUMBA_CACHE_DIR", None)           # Numba's cache must live beside the generated sources
    env.pop("NUMBA_DISABLE_JIT", None)
    p = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=str(cwd), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    cache = tmp_path_factory.mktemp("kernel_cache")
    cwd = tmp_path_factory.mktemp("cwd")
    first = _run_child(cache, cwd)
    files_after_first = {p: os.stat(p).st_mtime_ns for p in _sources(cache)}
    second = _run_child(cache, cwd)
    return cache, first, second, files_after_first


def _sources(cache):
    out = []
    for dirpath, dirnames, filenames in os.walk(cache):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        out += [os.path.join(dirpath, f) for f in filenames if not f.startswith(".")]
    return sorted(out)


def _add_kernels(run):
    ks = [k for k in run["kernels"] if k["key"].startswith("('add',")]
    assert ks, run["kernels"]
    return ks


def test_results_are_right_in_both_processes(two_runs):
    _, first, second, _ = two_runs
    expected_general = [[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]]
    expected_fast = [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
    for run in (first, second):
        assert run["general"] == expected_general
        assert run["fast"] == expected_fast


def test_first_process_compiles(two_runs):
    _, first, _, _ = two_runs
    for k in _add_kernels(first):
        used = [fn for fn in ("body", "contig") if k[fn]["misses"] or k[fn]["hits"]]
        assert used, k
        for fn in used:
            assert k[fn]["misses"] >= 1 and k[fn]["hits"] == 0, (fn, k)
        assert k["body_par"]["misses"] == 0 and k["body_par"]["hits"] == 0      # small: no parallel kernel
    used = {fn for k in _add_kernels(first) for fn in ("body", "contig") if k[fn]["misses"]}
    assert used == {"body", "contig"}                   # both entry points were exercised


def test_second_process_reuses_the_disk_cache(two_runs):
    _, first, second, _ = two_runs
    assert [k["key"] for k in first["kernels"]] == [k["key"] for k in second["kernels"]]
    for k1, k2 in zip(first["kernels"], second["kernels"]):
        assert k1["file"] == k2["file"]
        for fn in ("body", "contig", "body_par"):
            assert k2[fn]["misses"] == 0, (fn, k2)
            assert k2[fn]["hits"] == k1[fn]["misses"], (fn, k1, k2)     # everything compiled is reloaded
    assert sum(k["body"]["hits"] + k["contig"]["hits"] for k in _add_kernels(second)) >= 2


def test_generated_sources_are_plain_python_under_the_cache_dir(two_runs):
    cache, first, _, files_after_first = two_runs
    for k in first["kernels"]:
        path = k["file"]
        assert os.path.commonpath([path, str(cache)]) == str(cache)
        assert path.endswith(".py") and os.path.isfile(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        tree = ast.parse(text)                          # plain, importable Python
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert {"body", "body_par", "contig"} <= names
        assert "cache=True" in text
        assert k["body"]["cache_path"] == os.path.join(os.path.dirname(path), "__pycache__")
    sources = _sources(cache)
    assert sources and all(p.endswith(".py") for p in sources)
    assert any(os.path.basename(p).startswith("pw_add__") for p in sources)
    # Numba's index and data files sit beside the sources.
    pyc = os.path.join(os.path.dirname(first["kernels"][0]["file"]), "__pycache__")
    assert any(f.endswith(".nbi") for f in os.listdir(pyc)) and any(f.endswith(".nbc") for f in os.listdir(pyc))
    # The second process did not rewrite the sources (Numba keys its cache on their mtime).
    assert {p: os.stat(p).st_mtime_ns for p in sources} == files_after_first


def test_cache_root_follows_the_environment(tmp_path, monkeypatch):
    from tensorjit.kernels import registry
    monkeypatch.setenv("TENSORJIT_CACHE_DIR", str(tmp_path))
    assert registry.cache_root() == str(tmp_path)
    monkeypatch.delenv("TENSORJIT_CACHE_DIR")
    assert registry.cache_root() == os.path.join(os.path.expanduser("~"), ".cache", "tensorjit")


# -- threads and the parallel path ------------------------------------------------------------
@pytest.fixture
def restore_threads():
    saved = tj.get_num_threads()
    yield saved
    tj.set_num_threads(saved)


def test_set_and_get_num_threads(restore_threads):
    import numba
    assert tj.get_num_threads() >= 1
    tj.set_num_threads(1)
    assert tj.get_num_threads() == 1 and numba.get_num_threads() == 1
    n = numba.config.NUMBA_NUM_THREADS
    tj.set_num_threads(n)
    assert tj.get_num_threads() == n and numba.get_num_threads() == n
    for bad in (0, n + 1):
        with pytest.raises(ValueError):
            tj.set_num_threads(bad)
        assert tj.get_num_threads() == n


LARGE = (1 << 17) + 4099          # above the parallel threshold, not a multiple of any chunk


def _chunked_numpy_add(x, y, chunk=4096):
    out = np.empty(np.broadcast_shapes(x.shape, y.shape), np.result_type(x, y))
    flat_out = out.reshape(-1)
    bx, by = np.broadcast_to(x, out.shape).reshape(-1), np.broadcast_to(y, out.shape).reshape(-1)
    for i in range(0, flat_out.size, chunk):
        flat_out[i:i + chunk] = bx[i:i + chunk] + by[i:i + chunk]
    return out


def test_large_add_takes_the_parallel_path(restore_threads):
    import numba
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("the parallel path needs at least 2 Numba threads")
    assert LARGE >= _dispatch.PARALLEL_THRESHOLD >= 1 << 17
    tj.set_num_threads(2)
    rng = np.random.default_rng(0)
    xa = rng.standard_normal(LARGE).astype(np.float32)
    ya = rng.standard_normal(LARGE).astype(np.float32)
    x, y = tj.from_numpy(xa), tj.from_numpy(ya)
    key = ("add", (tj.float32, tj.float32), tj.float32, tj.float32)

    z = x + y
    assert z.dtype is tj.float32 and z.shape == (LARGE,) and z.is_contiguous()
    np.testing.assert_array_equal(z.numpy(), _chunked_numpy_add(xa, ya))
    assert _dispatch._KERNELS[key].compiled("body_par")          # the parallel entry point ran

    # Strided and broadcast operands on the parallel path.
    m = x[:LARGE - LARGE % 7].view(-1, 7).t()                 # (7, k), strides (1, 7)
    row = y[:m.shape[1]]
    w = m + row
    ma = xa[:LARGE - LARGE % 7].reshape(-1, 7).T
    assert w.shape == ma.shape and w.numel() >= 1 << 17
    np.testing.assert_array_equal(w.numpy(), _chunked_numpy_add(ma, ya[:m.shape[1]]))

    # One thread (the serial path) gives bit-identical results.
    tj.set_num_threads(1)
    np.testing.assert_array_equal((x + y).numpy(), z.numpy())
    np.testing.assert_array_equal((m + row).numpy(), w.numpy())
