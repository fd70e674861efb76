"""Recall-oriented candidate generation: a datasketch MinHashLSH over canonical members.

The index holds only the *leaders* found so far (each cluster's first, most complete
member); every article queries it once.  That keeps verification linear in the number of
articles instead of quadratic in the size of big copy groups, and it is what makes the
clustering star-shaped: an article can only join a cluster by being verified against that
cluster's leader, so A~B~C chains cannot form.

Banding: with ``num_perm=128`` split into ``b=64`` bands of ``r=2`` rows, the chance that a
pair with shingle Jaccard ``s`` becomes a candidate is ``1 - (1 - s**2)**64``: 0.47 at s=0.1,
0.77 at 0.15, 0.93 at 0.2, 0.99 at 0.26 (the seed MT pair).  That is deliberately low: an MT
round trip cut to half has Jaccard near 0.2 on our shingles, and precision comes from
verification.  ``min_jaccard`` then drops candidates whose *estimated* Jaccard (from the full
signatures) is below it, before any sentence is compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedupe_news.sketch import Sketcher, estimate_jaccard


@dataclass(frozen=True)
class LshSettings:
    num_perm: int = 128
    seed: int = 1
    bands: int = 64
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


class LeaderIndex:
    """Leaders' signatures in a datasketch MinHashLSH, plus the raw rows for estimates."""

    def __init__(self, settings: LshSettings, sketcher: Sketcher) -> None:
        from datasketch import MinHashLSH

        self.settings = settings
        self.sketcher = sketcher
        self.lsh = MinHashLSH(num_perm=settings.num_perm,
                              params=(settings.bands, settings.rows))
        self._rows: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._rows)

    def query(self, row: np.ndarray) -> list[tuple[int, float]]:
        """Leaders (index, estimated Jaccard) colliding with ``row``, best first."""
        if not self._rows:
            return []
        keys = self.lsh.query(self.sketcher.to_minhash(row))
        if not keys:
            return []
        keys = sorted(keys)
        est = estimate_jaccard(row, np.stack([self._rows[k] for k in keys]))
        out = [(k, float(e)) for k, e in zip(keys, est, strict=True)
               if e >= self.settings.min_jaccard]
        out.sort(key=lambda t: (-t[1], t[0]))
        return out

    def add(self, row: np.ndarray) -> int:
        key = len(self._rows)
        self._rows.append(row)
        self.lsh.insert(key, self.sketcher.to_minhash(row), check_duplication=False)
        return key
