"""Recall-oriented candidate generation: MinHash LSH banding over the cluster leaders.

The index holds only the *leaders* found so far (each cluster's first, most complete
member); every article queries it once.  That keeps verification linear in the number of
articles instead of quadratic in the size of big copy groups, and it is what makes the
clustering star-shaped: an article can only join a cluster by being verified against that
cluster's leader, so A~B~C chains cannot form.

Banding: with ``num_perm=256`` split into ``b=128`` bands of ``r=2`` rows, the chance that a
pair with shingle Jaccard ``s`` becomes a candidate is ``1 - (1 - s**2)**128``: 0.72 at
s=0.1, 0.95 at 0.15, 0.99 at 0.2, 1.00 at 0.26 (the seed MT pair).  That is deliberately
low: an MT round trip cut to half has Jaccard 0.13-0.27 on our shingles, and precision comes
from verification.  (With 128 permutations in 64 bands - 0.77 at 0.15, 0.93 at 0.2 - five of
50 truncated round trips on the test split collided in no band at all; 256 permutations cost
~11 us an article more to sketch and 0.5 GB more per million articles until the leader loop
ends.)  ``min_jaccard`` then drops candidates whose *estimated* Jaccard (from the full
signatures) is below it, before any sentence is compared.

The index itself is a compiled open-addressing table of band keys
(:func:`dedupe_news.candidates_jit.leader_loop`): the same banding as datasketch's
``MinHashLSH(num_perm, params=(bands, rows))`` - a pair is a candidate when all ``rows``
minima of some band are equal - and ``tests/test_kernels.py`` checks that it returns
exactly datasketch's candidates for the same signatures.  datasketch's own index costs
~0.26 ms a query in Python (a ``LeanMinHash`` and 64 byte-string keys per article); the
table costs ~1 us, which matters at a million articles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LshSettings:
    num_perm: int = 256
    seed: int = 1
    bands: int = 128
    rows: int = 2
    min_jaccard: float = 0.06

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands*rows = {self.bands * self.rows} exceeds num_perm "
                             f"{self.num_perm}; lower --bands/--rows or raise --num-perm")

    def candidate_probability(self, jaccard: float) -> float:
        """The LSH S-curve: chance a pair at this Jaccard collides in some band."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)

    def signature(self) -> str:
        return (f"perm{self.num_perm}+seed{self.seed}+b{self.bands}r{self.rows}"
                f"+minj{self.min_jaccard:g}")


#: Second pass for pieces of longer articles (a copy cut to a third, an article embedded in
#: other news): their shingle Jaccard with the whole is 0.02-0.10 - one band of two rows
#: collides with probability 0.1-0.7 - while their *containment* is 0.3-0.6.  Single
#: minima of the first ``CONTAIN_PERMS`` permutations are compared instead: an article left
#: alone by the leader loop meets each leader at least ``CONTAIN_MIN_HITS`` times as large
#: with an estimated containment of ``CONTAIN_MIN`` or more (estimated from all the
#: permutations' minima); the ``CONTAIN_TOP`` best are verified.  Tuned on the dev half of
#: bench/eval_relations.py (35% round trips found by no band: 5 of 30; estimated from the
#: first 64 minima at 0.25 at first, from all 256 at 0.12 since: 35% round trips found
#: 0.900 -> 0.933, two MT passes 0.967 -> 1.000, nothing else moved; test unchanged).
CONTAIN_PERMS = 64
CONTAIN_MIN_HITS = 2
CONTAIN_MIN = 0.12
CONTAIN_TOP = 3
CONTAIN_MAX_BUCKET = 64  # a minimum shared by more leaders is too common to say anything
_EST_BLOCK = 65536  # candidate pairs whose signatures are compared at once


def containment_candidates(sigs: np.ndarray, counts: np.ndarray, alone: np.ndarray,
                           leaders: np.ndarray) -> np.ndarray:
    """(alone article, leader) pairs worth verifying for containment, best first per article.

    ``sigs``: MinHash signatures (n, num_perm); ``counts``: shingles per article; ``alone``:
    the articles to place; ``leaders``: the cluster leaders they may belong to.  A pair
    qualifies when the leader has at least as many shingles, they share at least
    ``CONTAIN_MIN_HITS`` of the first ``CONTAIN_PERMS`` minima, and the containment of the
    article in the leader estimated from those hits and both sizes is ``CONTAIN_MIN`` or more.
    """
    empty = np.zeros((0, 2), dtype=np.int64)
    p = min(CONTAIN_PERMS, sigs.shape[1])
    alone = alone[counts[alone] > 0]
    leaders = leaders[counts[leaders] > 0]
    if len(alone) == 0 or len(leaders) == 0:
        return empty
    perm = np.arange(p, dtype=np.uint64) << np.uint64(32)
    lkeys = (sigs[leaders, :p].astype(np.uint64) | perm).ravel()
    lown = np.repeat(leaders, p)
    order = np.argsort(lkeys, kind="stable")
    lkeys, lown = lkeys[order], lown[order]
    akeys = (sigs[alone, :p].astype(np.uint64) | perm).ravel()
    aown = np.repeat(alone, p)
    lo = np.searchsorted(lkeys, akeys, side="left")
    hi = np.searchsorted(lkeys, akeys, side="right")
    width = hi - lo
    ok = (width > 0) & (width <= CONTAIN_MAX_BUCKET)
    lo, width, aown = lo[ok], width[ok], aown[ok]
    if len(lo) == 0:
        return empty
    # expand every (article key, matching leader entry)
    starts = np.repeat(lo - np.cumsum(width) + width, width) + np.arange(int(width.sum()))
    a = np.repeat(aown, width)
    b = lown[starts]
    keep = (a != b) & (counts[b] >= counts[a])
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return empty
    n = int(counts.shape[0])
    pair, hits = np.unique(a * n + b, return_counts=True)
    a, b = pair // n, pair % n
    many = hits >= CONTAIN_MIN_HITS
    a, b, hits = a[many], b[many], hits[many]
    if len(a) == 0:
        return empty
    # the containment is estimated from every permutation's minimum (the first CONTAIN_PERMS
    # only find the pairs: four times fewer samples misjudge a piece of 100 shingles by
    # +-0.1; a 35% round trip at 0.28 read 0.11)
    jac = np.concatenate([(sigs[a[k:k + _EST_BLOCK]] == sigs[b[k:k + _EST_BLOCK]]).mean(axis=1)
                          for k in range(0, len(a), _EST_BLOCK)])
    inter = jac / (1.0 + jac) * (counts[a] + counts[b])
    contain = inter / counts[a]
    good = contain >= CONTAIN_MIN
    a, b, hits = a[good], b[good], hits[good]
    if len(a) == 0:
        return empty
    srt = np.lexsort((b, -hits, a))
    a, b = a[srt], b[srt]
    first = np.r_[True, a[1:] != a[:-1]]
    rank_in = np.arange(len(a)) - np.maximum.accumulate(np.where(first, np.arange(len(a)), 0))
    sel = rank_in < CONTAIN_TOP
    return np.stack([a[sel], b[sel]], axis=1).astype(np.int64)
