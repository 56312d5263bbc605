"""Where user ops' Python functions live while a process runs, so that generated kernel files
can import them by name (Note [user ops] in tensorjit/_userops.py).

Each function is bound here as a module attribute (``uf_<name>_<hash>``); ``DISK_CACHE`` names
those whose kernels may keep compiled code on disk (functions defined in real files, Note
[kernel cache]). Generated kernels import ``from tensorjit._userops_funcs import uf_...``: in a
later process the op registers its function again before any kernel of it loads.
"""
DISK_CACHE = set()


def register(attr, fn, disk_cache):
    """Bind ``fn`` as ``attr`` (a kernel imports it under that name)."""
    globals()[attr] = fn
    if disk_cache:
        DISK_CACHE.add(attr)
    else:
        DISK_CACHE.discard(attr)
