"""Shingle hashes -> MinHash signatures, vectorised, bit-identical to datasketch.

datasketch 2.0's default ``affine32`` scheme computes, for each permutation k,
``min over shingles of a_k * fmix32(h) + b_k (mod 2**32)``, with ``(a, b)`` drawn from
``numpy.random.RandomState(seed)``.  :class:`Sketcher` takes the permutations from a real
``datasketch.MinHash`` and applies them to many documents at once with numpy, which is far
faster than ``MinHash.update_batch`` (SHA-1 per shingle, one document per call) and gives the
same ``hashvalues`` as ``MinHash(num_perm, seed, hashfunc=shingle.hash_shingle)`` would
(tested in tests/test_cluster.py).  ``to_minhash`` wraps a row as a ``LeanMinHash`` for
datasketch's LSH.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SCHEME = "affine32"
_EMPTY = np.uint32(0xFFFFFFFF)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


class Sketcher:
    """MinHash signatures for many documents; parameters from datasketch itself."""

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        from datasketch import MinHash

        if num_perm < 2:
            raise ValueError(f"num_perm must be at least 2, got {num_perm}")
        self.num_perm = num_perm
        self.seed = seed
        proto = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)
        a, b = proto.permutations
        self._a = np.asarray(a, dtype=np.uint32)
        self._b = np.asarray(b, dtype=np.uint32)

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

        Documents are processed in groups of about ``chunk`` shingles, laid out as
        (num_perm, shingles) so each group stays in cache: ~10 us per news article.
        """
        n = len(offsets) - 1
        out = np.full((n, self.num_perm), _EMPTY, dtype=np.uint32)
        lengths = np.diff(offsets)
        nonempty = np.flatnonzero(lengths)
        a = self._a[:, None]
        b = self._b[:, None]
        start = 0
        while start < len(nonempty):
            total, stop = 0, start
            while stop < len(nonempty) and (total < chunk or stop == start):
                total += lengths[nonempty[stop]]
                stop += 1
            idx = nonempty[start:stop]
            if idx[-1] - idx[0] + 1 == len(idx):  # contiguous: one slice
                part = flat[offsets[idx[0]]:offsets[idx[-1] + 1]]
            else:
                part = np.concatenate([flat[offsets[i]:offsets[i + 1]] for i in idx])
            hv = _fmix32(part.astype(np.uint32, copy=False))
            phv = np.empty((self.num_perm, len(hv)), dtype=np.uint32)
            np.multiply(a, hv[None, :], out=phv)
            np.add(phv, b, out=phv)
            starts = np.concatenate(([0], np.cumsum(lengths[idx])[:-1]))
            out[idx] = np.minimum.reduceat(phv, starts, axis=1).T
            start = stop
        return out

    def to_minhash(self, row: np.ndarray):  # -> datasketch.LeanMinHash
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=row, scheme=SCHEME)
