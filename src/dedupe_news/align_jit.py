"""The aligner's dynamic programme, compiled (numba): the rows of the monotone alignment,
the same floating-point sums as :func:`dedupe_news.align._fill_rows` (the numpy definition,
used below ``align.NUMBA_MIN_CELLS``), so the same path."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def align_fill(gains: np.ndarray, ks: np.ndarray, qs: np.ndarray, n: int, m: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Score and back-pointer tables of the aligner's monotone programme.

    ``gains[s, i, j]``: the gain of a group of shape ``(ks[s], qs[s])`` starting at A
    sentence ``i`` and B sentence ``j`` (-inf where none).  ``d[i, j]`` is the best score of
    the first ``i`` x ``j`` sentences; ``back[i, j]`` is 0 for an insertion (B sentence
    alone), 1 for a deletion, ``2 + s`` for a group of shape ``s``.  Ties go to the first
    move in that order, as ``numpy.argmax`` and the running maximum do in the definition.
    """
    d = np.zeros((n + 1, m + 1))
    back = np.zeros((n + 1, m + 1), dtype=np.int8)
    x = np.empty(m + 1)
    code = np.empty(m + 1, dtype=np.int8)
    for i in range(1, n + 1):
        for j in range(m + 1):
            best = d[i - 1, j]
            c = 0
            for s in range(len(ks)):
                k = ks[s]
                q = qs[s]
                if i >= k and j >= q:
                    v = d[i - k, j - q] + gains[s, i - k, j - q]
                    if v > best:
                        best = v
                        c = s + 1
            x[j] = best
            code[j] = c
        run = -np.inf
        for j in range(m + 1):
            if j == 0 or x[j] >= run:
                run = x[j]
                back[i, j] = code[j] + 1
            else:
                back[i, j] = 0
            d[i, j] = run
    return d, back
