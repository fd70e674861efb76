"""MinHash signatures, compiled (numba): datasketch's ``affine32`` permutations over the
shingle hashes of many documents at once (:class:`dedupe_news.sketch.Sketcher`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from dedupe_news._hashing import U32


@njit(cache=True, nogil=True)
def minhash_flat(flat: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> np.ndarray:
    """MinHash rows of documents given as one uint32 hash array (doc d =
    ``flat[offsets[d]:offsets[d+1]]``): ``min over h of a * fmix32(h) + b (mod 2**32)`` per
    permutation, 0xFFFFFFFF for an empty document - :meth:`sketch.Sketcher.signatures_flat`
    (datasketch's ``affine32`` scheme).  The permutation loop is innermost, so it vectorises.
    """
    n = len(offsets) - 1
    num_perm = len(a)
    out = np.full((n, num_perm), U32(0xFFFFFFFF), dtype=np.uint32)
    for d in range(n):
        row = out[d]
        for t in range(offsets[d], offsets[d + 1]):
            hv = U32(flat[t])
            hv ^= hv >> U32(16)
            hv = U32(hv * U32(0x85EBCA6B))
            hv ^= hv >> U32(13)
            hv = U32(hv * U32(0xC2B2AE35))
            hv ^= hv >> U32(16)
            for k in range(num_perm):
                # min(), not a compare-and-store: LLVM vectorises this one (8x faster)
                row[k] = min(row[k], U32(a[k] * hv + b[k]))
    return out
