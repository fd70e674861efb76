"""Shingle hashes -> MinHash signatures, vectorised, bit-identical to datasketch.

datasketch 2.0's default ``affine32`` scheme computes, for each permutation k,
``min over shingles of a_k * fmix32(h) + b_k (mod 2**32)``, with ``(a, b)`` drawn from
``numpy.random.RandomState(seed)``.  :class:`Sketcher` takes the permutations from a real
``datasketch.MinHash`` and applies them to many documents at once (compiled), which is far
faster than ``MinHash.update_batch`` (SHA-1 per shingle, one document per call) and gives the
same ``hashvalues`` as ``MinHash(num_perm, seed, hashfunc=shingle.hash_shingle)`` would
(tested in tests/test_cluster.py).  ``to_minhash`` wraps a row as a ``LeanMinHash`` for
datasketch's LSH.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

SCHEME = "affine32"


class Sketcher:
    """MinHash signatures for many documents; parameters from datasketch itself."""

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        if num_perm < 2:
            raise ValueError(f"num_perm must be at least 2, got {num_perm}")
        self.num_perm = num_perm
        self.seed = seed
        self._a, self._b = _permutations(num_perm, seed)

    def signatures(self, docs: Sequence[np.ndarray], chunk: int = 1 << 13) -> np.ndarray:
        """One row of ``num_perm`` uint32 minima per document (all 0xFFFFFFFF if empty)."""
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(lengths)
        flat = np.concatenate(docs) if len(docs) else np.zeros(0, np.uint32)
        return self.signatures_flat(flat.astype(np.uint32, copy=False), offsets, chunk)

    def signatures_flat(self, flat: np.ndarray, offsets: np.ndarray,
                        chunk: int = 1 << 13) -> np.ndarray:
        """Signatures of documents given as one hash array: doc d = ``flat[off[d]:off[d+1]]``.

        Compiled (:func:`dedupe_news.sketch_jit.minhash_flat`, vectorised): ~6 us per news
        article of 300 shingles at 256 permutations.
        ``chunk`` is accepted for compatibility and unused.
        """
        from dedupe_news.sketch_jit import minhash_flat

        return minhash_flat(np.ascontiguousarray(flat, dtype=np.uint32),
                            np.asarray(offsets, dtype=np.int64), self._a, self._b)

    def to_minhash(self, row: np.ndarray):  # -> datasketch.LeanMinHash
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=row, scheme=SCHEME)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own permutation parameters, made once per (num_perm, seed) in a process
    (~0.4 ms each time otherwise: a filter builds signatures one article at a time).  Shared
    by every Sketcher of those parameters: never written to.

    Made as datasketch 2.x makes them for its ``affine32`` scheme (``MinHash(...,
    scheme="affine32").permutations``: odd ``a``, any ``b``, drawn from
    ``RandomState(seed)``), without importing datasketch: its package pulls in scipy, ~0.8 s
    in every process that starts (the worker processes included).
    ``tests/test_sketch.py`` holds the two equal."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b
