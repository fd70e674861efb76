"""Keep numba's on-disk kernel cache in step with the sources it was compiled from.

numba caches each ``@njit(cache=True)`` kernel beside its module (``__pycache__/*.nbi`` and
``*.nbc``) and checks only the timestamp of the file that *defines* the kernel.  A kernel
that calls into another module (the leader loop inlines ``verify_jit.compare_docs``) or
reads a constant defined elsewhere (``shingle.COMMON_HASHES``) keeps its old machine code
when only that other file changes - after an upgrade over an old install, or an edit in a
checkout, the leader loop would run the previous relation model while ``explain`` runs the
new one.  So the package's ``__init__`` calls :func:`check` before any kernel module is
imported: it hashes the sources the kernels are built from (and the numba version) and,
when the hash differs from the one stamped in the cache directory, deletes the cached
kernels there before any is loaded.  They are then
compiled again on first use (``python -m dedupe_news.warmup`` does it up front).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent
#: files whose code or constants end up in kernels defined in *other* files (numba already
#: tracks each kernel's own file)
SOURCES = ("_hashing.py", "shingle_jit.py", "sketch_jit.py", "align_jit.py", "verify_jit.py",
           "candidates_jit.py", "shingle.py", "words.py", "data/damage_wordfreq.tsv",
           "data/common_stems.tsv")
#: where kernels are cached (every module with ``@njit(cache=True)``)
CACHE_DIRS = ("__pycache__", "filter/__pycache__")
STAMP = "dedupe-news-kernels.stamp"
_checked = False


def sources_hash() -> str:
    try:  # (the installed version, without importing numba: ~1 s)
        from importlib.metadata import version

        numba_version = version("numba")
    except Exception:
        import numba

        numba_version = numba.__version__
    h = hashlib.sha256(numba_version.encode())
    for name in SOURCES:
        path = _PKG / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()[:16]


def check() -> None:
    """Once per process: drop the cached kernels when their sources changed."""
    global _checked
    if _checked or os.environ.get("NUMBA_CACHE_DIR"):  # (a cache elsewhere: left alone)
        _checked = True
        return
    _checked = True
    sync([_PKG / d for d in CACHE_DIRS], _PKG / "__pycache__" / STAMP)


def sync(dirs: list[Path], stamp: Path) -> None:
    """Delete the kernels cached in ``dirs`` unless ``stamp`` holds the current
    :func:`sources_hash`; then stamp it.  (Also for kernels outside the package that call
    into it, e.g. a test oracle.)"""
    want = sources_hash()
    with contextlib.suppress(OSError):
        if stamp.read_text(encoding="ascii").strip() == want:
            return
    for d in dirs:
        for pattern in ("*.nbi", "*.nbc"):
            for f in d.glob(pattern):
                with contextlib.suppress(OSError):  # another process was first, or read-only
                    f.unlink()
    try:
        stamp.parent.mkdir(exist_ok=True)
        tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(want + "\n", encoding="ascii")
        tmp.replace(stamp)
    except OSError:  # read-only install: numba compiles in memory then
        pass


_ready = False


def numba_ready() -> None:
    """Load numba's NumPy support now, once per process, without SciPy's linear algebra.

    The first kernel a process loads (from the cache or compiled) makes numba load its
    NumPy support (~0.3 s), and with it import ``scipy.linalg`` only to probe for a BLAS
    (~0.25 s): what ``np.dot`` and ``np.linalg`` need in a kernel.  No kernel of ours uses
    them (tests/test_kernel_cache.py holds it), so when ``scipy.linalg`` is not imported
    yet it is hidden during that load: numba records "no BLAS" and goes on.  It imports
    normally afterwards (``align`` uses SciPy).  The cluster command's worker processes are
    forked after this and inherit it."""
    global _ready
    if _ready:
        return
    _ready = True
    import sys

    from numba.core.registry import cpu_target

    hide = "scipy.linalg" not in sys.modules
    if hide:  # (import scipy.linalg...: ImportError)
        sys.modules["scipy.linalg"] = None  # type: ignore[assignment]
    try:
        cpu_target.target_context.refresh()
    finally:
        if hide and "scipy.linalg" in sys.modules and sys.modules["scipy.linalg"] is None:
            del sys.modules["scipy.linalg"]
