"""The canonical stage's compiled part (numba): the per-unit shares of
:func:`dedupe_news.cluster._lede`, read for versions tied on everything before it (light
replicas tie by the thousand: ~0.3 ms each in numpy on arrays of a few hundred stems,
~20 us here).  ``tests/test_relation_model.py`` holds it equal to the numpy definition,
bit for bit."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def lede_shares(flat: np.ndarray, off: np.ndarray, title: np.ndarray
                ) -> np.ndarray:  # pragma: no cover - compiled
    """For each sentence unit (unit k: ``flat[off[k] - off[0]:off[k + 1] - off[0]]``, its
    distinct stems): the share of its stems that occur in another unit, plus the share of
    the ``title`` stems (none: nothing added) that it holds - each share one float
    division, as numpy's ``bincount(...) / n`` makes it."""
    n = len(off) - 1
    base = off[0]
    srt = np.sort(flat)
    x = np.zeros(n, dtype=np.float64)
    for u in range(n):
        lo, hi = off[u] - base, off[u + 1] - base
        if hi > lo:
            recur = 0
            for t in range(lo, hi):
                i = np.searchsorted(srt, flat[t])  # its first place among all stems
                if i + 1 < len(srt) and srt[i + 1] == flat[t]:
                    recur += 1
            x[u] = np.float64(recur) / np.float64(hi - lo)
        if len(title):
            hits = 0
            for t in range(lo, hi):
                for q in range(len(title)):
                    if flat[t] == title[q]:
                        hits += 1
                        break
            x[u] = x[u] + np.float64(hits) / np.float64(len(title))
    return x
