"""Per-article features for clustering: boilerplate, shingles, signature, completeness,
and the sentence profile used to verify candidates.

This is the embarrassingly parallel part of ``cluster`` (tokenising dominates), so it runs
in worker processes for large inputs; everything else stays in the main process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from dedupe_news.normalize import Boilerplate, prepare
from dedupe_news.shingle import content_stems, shingle_hashes
from dedupe_news.sketch import Sketcher
from dedupe_news.verify import Profile, profile

PARALLEL_MIN_DOCS = 4000  # below this, process start-up costs more than it saves
CHUNK_DOCS = 2000


@dataclass
class Features:
    signatures: np.ndarray  # (n, num_perm) uint32
    sizes: np.ndarray  # content words of the story (boilerplate excluded): completeness
    shingle_counts: np.ndarray
    boilerplate: list[tuple[Boilerplate, ...]]
    profiles: list[Profile]  # sentence profiles (compact: no spans) for verification


_SKETCHER: Sketcher | None = None


def _init(num_perm: int, seed: int) -> None:
    global _SKETCHER
    _SKETCHER = Sketcher(num_perm, seed)


def _chunk(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                           list[tuple[Boilerplate, ...]], list[Profile]]:
    assert _SKETCHER is not None
    shingles, sizes, bps, profs = [], [], [], []
    for text in texts:
        prep = prepare(text)
        stems = content_stems(prep.body)
        shingles.append(shingle_hashes(stems))
        sizes.append(len(stems))
        bps.append(prep.boilerplate)
        profs.append(profile(text, prep.boilerplate, keep_spans=False))
    sigs = _SKETCHER.signatures(shingles)
    return (sigs, np.asarray(sizes, dtype=np.int64),
            np.asarray([len(s) for s in shingles], dtype=np.int64), bps, profs)


def workers_for(n: int, workers: int | None) -> int:
    if workers is not None and workers > 0:
        return workers
    return 1 if n < PARALLEL_MIN_DOCS else max(1, min(os.cpu_count() or 1, 8))


def featurize(texts: Sequence[str], num_perm: int = 128, seed: int = 1,
              workers: int | None = None, on_chunk=None) -> Features:
    """Features of every text, in order; uses ``workers`` processes for large inputs."""
    n = len(texts)
    nworkers = workers_for(n, workers)
    parts = []
    chunks = [texts[i : i + CHUNK_DOCS] for i in range(0, n, CHUNK_DOCS)]
    if nworkers <= 1 or len(chunks) <= 1:
        _init(num_perm, seed)
        for c in chunks:
            parts.append(_chunk(c))
            if on_chunk:
                on_chunk(len(c))
    else:
        with ProcessPoolExecutor(nworkers, initializer=_init, initargs=(num_perm, seed)) as ex:
            for c, part in zip(chunks, ex.map(_chunk, chunks), strict=True):
                parts.append(part)
                if on_chunk:
                    on_chunk(len(c))
    if not parts:
        return Features(np.zeros((0, num_perm), np.uint32), np.zeros(0, np.int64),
                        np.zeros(0, np.int64), [], [])
    return Features(np.concatenate([p[0] for p in parts]),
                    np.concatenate([p[1] for p in parts]),
                    np.concatenate([p[2] for p in parts]),
                    [b for p in parts for b in p[3]],
                    [x for p in parts for x in p[4]])
