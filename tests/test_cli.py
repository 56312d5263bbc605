"""``python -m tensorjit`` commands run and say what they should."""
import os
import subprocess
import sys

import pytest


def _run(*args, env=None, timeout=300):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([sys.executable, "-m", "tensorjit", *args], capture_output=True, text=True, env=e,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_info():
    out = _run("info")
    for word in ("tensorjit", "numpy", "numba", "BLAS", "CUDA", "kernel cache"):
        assert word in out


def test_cache_info_and_clear(tmp_path):
    env = {"TENSORJIT_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "cache" / "kernels-x").mkdir(parents=True)
    (tmp_path / "cache" / "kernels-x" / "k.py").write_text("# a kernel\n")
    assert "1 files" in _run("cache", "info", env=env)
    assert "removed" in _run("cache", "clear", env=env)
    assert not (tmp_path / "cache").exists()
    assert "nothing to remove" in _run("cache", "clear", env=env)


def test_warmup_compiles_into_the_cache():
    # The session's own cache directory: kernels the suite compiled already load from it.
    out = _run("warmup", "--dtype", "float32")
    assert "warmed 9 kernels" in out


def test_unknown_command_fails():
    r = subprocess.run([sys.executable, "-m", "tensorjit", "frobnicate"], capture_output=True, text=True)
    assert r.returncode != 0 and "invalid choice" in r.stderr


def test_bench_plot(tmp_path):
    pytest.importorskip("matplotlib", reason="--plot draws with matplotlib")
    png = tmp_path / "b.png"
    out = _run("bench", "--case", "add 1e2", "--no-compile", "--no-torch", "--repeat", "2", "--min-time", "0.001",
               "--same-process", "--plot", str(png))
    assert "add 1e2" in out and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
