"""Hash primitives shared by the compiled stages (numba): the stem hash, its mixing and the
shingle combination.  Integer arithmetic is unsigned 64/32-bit with wrap-around; every
constant is typed, because numba (like numpy) turns ``uint64 op int64`` into float64.  The
plain-Python twins are in :mod:`dedupe_news.shingle` (``poly64``, ``stem_hash``,
``combine``), held equal by ``tests/test_kernels.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

U64 = np.uint64
U32 = np.uint32
_Q = U64(0x100000001B3)  # FNV-1a 64-bit prime: the polynomial base of the stem hash
_SEED = U64(0xCBF29CE484222325)
_M1 = U64(0xFF51AFD7ED558CCD)
_M2 = U64(0xC4CEB9FE1A85EC53)
_S33 = U64(33)
_ONE = U64(1)
_LOW32 = U64(0xFFFFFFFF)
_EVEN32 = U64(0xFFFFFFFE)  # stem hashes: the low bit says "a number" (see shingle.stem_hash)
_MIX = U32(0x9E3779B1)
_ADD = U32(0x7F4A7C15)
_S16 = U32(16)
_STEM_CHARS = 4
_MAX_STOP_BYTES = 16  # no stop word is longer ("themselves": 10); longer words skip the lookup




@njit(cache=True, nogil=True)
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@njit(cache=True, nogil=True)
def poly64(buf: np.ndarray, a: int, b: int) -> np.uint64:
    """Polynomial hash of ``buf[a:b]`` (Horner, base FNV prime, mod 2**64), fmix64-mixed."""
    h = _SEED
    for k in range(a, b):
        h = h * _Q + U64(buf[k]) + _ONE
    return _fmix64(h)


@njit(cache=True, nogil=True)
def combine32(h1: np.uint32, h2: np.uint32) -> np.uint32:
    """Order-sensitive 32-bit combination of two stem hashes (a shingle)."""
    return U32((h1 * _MIX) ^ (h2 + _ADD) ^ (h1 >> _S16))


@njit(cache=True, nogil=True)
def _in_sorted(arr: np.ndarray, x: np.uint64) -> bool:
    k = np.searchsorted(arr, x)
    return k < len(arr) and arr[k] == x
