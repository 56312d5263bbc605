"""The kernel cache: generated source files on disk, compiled kernels in memory.

Note [kernel cache]
    Numba's ``cache=True`` only works for functions defined in real source files, and it
    keys its on-disk cache on the file's path and modification time. So each kernel's source
    is generated once into ``<cache dir>/<version>/<name>.py`` (written atomically, never
    rewritten while its text is unchanged) and imported from there; Numba then keeps the
    compiled machine code beside it in ``__pycache__``. ``<version>`` hashes the kernel
    generators and scalar functions, so editing them starts a fresh cache. The cache
    directory is ``$TENSORJIT_CACHE_DIR`` or ``~/.cache/tensorjit``. In memory, kernels are
    memoised on explicit key tuples.
"""
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

_HERE = os.path.dirname(os.path.abspath(__file__))
_lock = threading.RLock()
_modules = {}
_version_dir = None


def cache_root():
    """Where generated kernel sources and Numba's compiled cache live."""
    root = os.environ.get("TENSORJIT_CACHE_DIR")
    if not root:
        root = os.path.join(os.path.expanduser("~"), ".cache", "tensorjit")
    return root


def _source_hash():
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(_HERE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                with open(os.path.join(dirpath, fn), "rb") as f:
                    h.update(fn.encode() + b"\0" + f.read())
    import numba
    h.update(numba.__version__.encode())
    return h.hexdigest()[:16]


def version_dir():
    global _version_dir
    if _version_dir is None:
        d = os.path.join(cache_root(), "kernels-" + _source_hash())
        os.makedirs(d, exist_ok=True)
        _version_dir = d
    return _version_dir


def _write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_module(name, text):
    """Import generated ``text`` as module ``name`` from a real file (see Note [kernel cache])."""
    with _lock:
        mod = _modules.get(name)
        if mod is not None:
            return mod
        path = os.path.join(version_dir(), name + ".py")
        try:
            with open(path) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            _write_atomic(path, text)
        modname = "tensorjit_kernels_gen." + name
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
        _modules[name] = mod
        return mod


def load_source(relpath):
    """Import the hand-written kernel file ``kernels/<relpath>`` through the cache directory, so
    its ``cache=True`` functions keep their compiled code there like generated kernels do
    (Note [kernel cache]). Such files hold generic ``@njit`` functions that Numba specialises
    per argument dtype on first call: sorting, scans and the other row kernels."""
    mod = _modules.get("src_" + relpath[:-3].replace("/", "_"))
    if mod is not None:
        return mod
    with open(os.path.join(_HERE, relpath)) as f:
        text = f.read()
    return load_module("src_" + relpath[:-3].replace("/", "_"), text)


class LazyEntries:
    """The functions of one generated kernel module, each compiled to its entry point on
    first use: a parallel variant costs ~0.7 s, so only a large input compiles it."""

    __slots__ = ("module", "sig", "_entries")

    def __init__(self, module, sig):
        self.module, self.sig, self._entries = module, sig, {}

    def entry(self, fname, sig=None):
        e = self._entries.get(fname)
        if e is None:
            e = self._entries[fname] = getattr(self.module, fname).compile(self.sig if sig is None else sig)
        return e

    def compiled(self, fname):
        """Whether ``fname``'s entry point exists already (tests count compiles with it)."""
        return fname in self._entries


def cached_files():
    """(number of files, total bytes) under the cache root."""
    n = size = 0
    for dirpath, _, filenames in os.walk(cache_root()):
        for fn in filenames:
            n += 1
            size += os.path.getsize(os.path.join(dirpath, fn))
    return n, size
