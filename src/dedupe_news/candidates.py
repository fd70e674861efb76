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
