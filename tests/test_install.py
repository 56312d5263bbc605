"""The project builds into a wheel that works on its own: the top-level kernels/ folder ships
as tensorjit.kernels, and an add runs from the installed copy (not from this checkout or the
editable install)."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Build from a copy of the source tree so setuptools' build/ folder (which keeps files
# deleted from the sources) can neither leak stale modules into the wheel nor litter the checkout.
_IGNORE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache",
                                 ".benchmarks", ".tensorjit_cache", ".venv", "notebooks", "benchmarks", "tests")

CHILD = textwrap.dedent("""
    import json, sys
    import tensorjit
    import tensorjit.kernels.opdefs as opdefs
    import tensorjit as tj
    a = tj.arange(4, dtype=tj.float32)
    r = a + tj.tensor([10.0, 20.0, 30.0, 40.0])
    print(json.dumps({"tensorjit": tensorjit.__file__, "opdefs": opdefs.__file__, "version": tensorjit.__version__,
                      "add": r.tolist(), "dtype": repr(r.dtype), "has_add_row": "add" in opdefs.POINTWISE,
                      "kernels_top_level": "kernels" in sys.modules}))
""")


def _pip_wheel_available():
    if importlib.util.find_spec("pip") is None:
        return "pip is not installed"
    if importlib.util.find_spec("setuptools") is None:
        return "setuptools (needed by --no-build-isolation) is not installed"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return "`pip wheel` is unavailable: " + p.stderr.strip()[-200:]
    return None


def test_wheel_builds_installs_and_runs(tmp_path):
    why = _pip_wheel_available()
    if why:
        pytest.skip(why)
    src = tmp_path / "src"
    shutil.copytree(REPO_ROOT, src, ignore=_IGNORE)
    wheels, target, cwd = tmp_path / "wheels", tmp_path / "target", tmp_path / "elsewhere"
    cwd.mkdir()
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
                            str(wheels), str(src)], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    built = sorted(wheels.glob("tensorjit-*.whl"))
    assert len(built) == 1, list(wheels.iterdir())

    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target),
                              str(built[0])], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    for rel in ("tensorjit/__init__.py", "tensorjit/ops/pointwise.py", "tensorjit/kernels/opdefs.py",
                "tensorjit/kernels/registry.py", "tensorjit/kernels/cpu/pointwise.py"):
        assert (target / rel).is_file(), rel
    assert not (target / "kernels").exists()            # kernels/ ships inside the package only

    run_env = dict(os.environ, PYTHONPATH=str(target), TENSORJIT_CACHE_DIR=str(tmp_path / "cache"))
    run_env.pop("NUMBA_CACHE_DIR", None)
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300,
                           env=run_env, cwd=cwd)
    assert child.returncode == 0, child.stderr[-3000:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert Path(out["tensorjit"]).resolve().is_relative_to(target.resolve()), out
    assert Path(out["opdefs"]).resolve() == (target / "tensorjit" / "kernels" / "opdefs.py").resolve()
    assert out["add"] == [10.0, 21.0, 32.0, 43.0] and out["dtype"] == "tensorjit.float32"
    assert out["has_add_row"] and not out["kernels_top_level"]
    assert out["version"] == "0.1.0"
    assert any((tmp_path / "cache").rglob("pw_add__*.py"))   # kernels were generated from the installed copy
