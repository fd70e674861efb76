"""Per-article features for clustering: boilerplate, stems, shingles, signature, units.

This is the embarrassingly parallel part of ``cluster``: each chunk of articles is prepared
in Python (normalise, set boilerplate aside), tokenised by the compiled
:func:`dedupe_news.kernels.tokenize_chunk` (content stems, shingles and the sentence units
used for verification, in one pass) and MinHashed (:class:`~dedupe_news.sketch.Sketcher`).
Large inputs use worker processes (:func:`start_pool`); the CLI starts them before it reads
the articles, so the forked workers do not inherit (and, in the memory accounting, double)
the parent's copy of a million texts.

The result is columnar - a few numpy arrays for all articles, no per-article objects - so a
million articles fit in about 1.5 GB and verification can run compiled over them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from dedupe_news import kernels
from dedupe_news.normalize import Boilerplate, find_boilerplate, prepare
from dedupe_news.shingle import ABBREV_HASHES, STOP_HASHES, story_bytes
from dedupe_news.sketch import Sketcher

PARALLEL_MIN_DOCS = 4000  # below this, process start-up costs more than it saves
CHUNK_DOCS = 2000


@dataclass
class Features:
    """Columnar features of n articles."""

    signatures: np.ndarray  # (n, num_perm) uint32
    sizes: np.ndarray  # content words of the story (boilerplate excluded): completeness
    shingle_counts: np.ndarray
    boilerplate: list[tuple[Boilerplate, ...]]
    u_flat: np.ndarray  # distinct stem hashes of every unit (uint32)
    u_off: np.ndarray  # unit k = u_flat[u_off[k]:u_off[k+1]]
    doc_units: np.ndarray  # article d's units = doc_units[d]..doc_units[d+1]

    def __len__(self) -> int:
        return len(self.sizes)


_SKETCHER: Sketcher | None = None


def _init(num_perm: int, seed: int) -> None:
    global _SKETCHER
    _SKETCHER = Sketcher(num_perm, seed)


def featurize_chunk(texts: Sequence[str], sketcher: Sketcher | None = None) -> Features:
    """Features of a few thousand texts (one process)."""
    sk = sketcher or _SKETCHER
    assert sk is not None
    bps = []
    origs, lows, cjk = [], [], []
    for text in texts:
        bp = find_boilerplate(text)
        if not bp and text.isascii():
            # prepare() would only collapse whitespace, which the tokeniser does anyway
            # (tests/test_kernels.py holds the two equal): skip it.
            bps.append(())
            sb = story_bytes(text)
        else:
            prep = prepare(text, bp)
            bps.append(prep.boilerplate)
            sb = story_bytes(prep.body)
        origs.append(sb.orig)
        lows.append(sb.low)
        cjk.append(sb.cjk)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(o) for o in origs])
    sizes, sh_flat, sh_off, u_flat, u_off, doc_units = kernels.tokenize_chunk(
        np.frombuffer(b"".join(origs), dtype=np.uint8),
        np.frombuffer(b"".join(lows), dtype=np.uint8),
        offsets, np.asarray(cjk, dtype=np.bool_), STOP_HASHES, ABBREV_HASHES)
    sigs = sk.signatures_flat(sh_flat, sh_off)
    return Features(sigs, sizes, np.diff(sh_off), bps, u_flat, u_off, doc_units)


def _chunk_worker(payload: tuple[bytes, list[int]]) -> Features:
    blob, lengths = payload
    joined = blob.decode("utf-8", "surrogatepass")
    texts, pos = [], 0
    for k in lengths:
        texts.append(joined[pos : pos + k])
        pos += k
    return featurize_chunk(texts)


def _payload(texts: Sequence[str]) -> tuple[bytes, list[int]]:
    """A chunk as one UTF-8 blob: pickling a non-ASCII ``str`` would leave a cached UTF-8
    copy inside every text of the caller (~0.7 GB per million news articles)."""
    return "".join(texts).encode("utf-8", "surrogatepass"), [len(t) for t in texts]


def _ready(_: int) -> int:
    return os.getpid()


def start_pool(workers: int, num_perm: int = 128, seed: int = 1) -> ProcessPoolExecutor:
    """Start ``workers`` worker processes now (forked while this process is still small)."""
    ctx = multiprocessing.get_context("fork")
    ex = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init,
                             initargs=(num_perm, seed))
    list(ex.map(_ready, range(workers)))
    return ex


def workers_for(n: int, workers: int | None) -> int:
    if workers is not None and workers > 0:
        return workers
    return 1 if n < PARALLEL_MIN_DOCS else max(1, min(os.cpu_count() or 1, 8))


class _Table:
    """Feature arrays filled chunk by chunk (no second copy of everything at the end)."""

    def __init__(self, n: int, num_perm: int, flat_hint: int) -> None:
        self.sigs = np.empty((n, num_perm), dtype=np.uint32)
        self.sizes = np.empty(n, dtype=np.int64)
        self.shingles = np.empty(n, dtype=np.int64)
        self.doc_units = np.zeros(n + 1, dtype=np.int64)
        self.u_flat = np.empty(max(16, flat_hint), dtype=np.uint32)
        self.u_off = np.zeros(max(16, flat_hint // 8), dtype=np.int64)
        self.boilerplate: list[tuple[Boilerplate, ...]] = []
        self.docs = self.flat = self.units = 0

    @staticmethod
    def _room(arr: np.ndarray, need: int) -> np.ndarray:
        if need <= len(arr):
            return arr
        grown = np.empty(max(need, len(arr) + len(arr) // 2), dtype=arr.dtype)
        grown[: len(arr)] = arr
        return grown

    def add(self, part: Features) -> None:
        d, k = self.docs, len(part)
        nf, nu = len(part.u_flat), len(part.u_off) - 1
        self.sigs[d : d + k] = part.signatures
        self.sizes[d : d + k] = part.sizes
        self.shingles[d : d + k] = part.shingle_counts
        self.boilerplate.extend(part.boilerplate)
        self.u_flat = self._room(self.u_flat, self.flat + nf)
        self.u_flat[self.flat : self.flat + nf] = part.u_flat
        self.u_off = self._room(self.u_off, self.units + nu + 1)
        self.u_off[self.units : self.units + nu + 1] = part.u_off + self.flat
        self.doc_units[d : d + k + 1] = part.doc_units + self.units
        self.docs, self.flat, self.units = d + k, self.flat + nf, self.units + nu

    def features(self) -> Features:
        """Views of the filled part (no copy)."""
        n = self.docs
        return Features(self.sigs[:n], self.sizes[:n], self.shingles[:n], self.boilerplate,
                        self.u_flat[: self.flat], self.u_off[: self.units + 1],
                        self.doc_units[: n + 1])


def featurize(texts: Sequence[str], num_perm: int = 128, seed: int = 1,
              workers: int | None = None,
              on_chunk: Callable[[int], None] | None = None,
              pool: Executor | None = None) -> Features:
    """Features of every text, in order.

    Uses ``pool`` (from :func:`start_pool`, same ``num_perm``/``seed``) when given, else
    ``workers`` processes for large inputs.
    """
    n = len(texts)
    chunks = [texts[i : i + CHUNK_DOCS] for i in range(0, n, CHUNK_DOCS)]
    # News text has ~0.1 distinct unit stems per character; the table is sized for 0.25 (the
    # untouched rest of an np.empty array costs address space, not memory) and grows if needed
    table = _Table(n, num_perm, sum(len(t) for t in texts) // 4)

    def take(c: Sequence[str], part: Features) -> None:
        table.add(part)
        if on_chunk:
            on_chunk(len(c))

    if pool is None and (workers_for(n, workers) <= 1 or len(chunks) <= 1):
        sk = Sketcher(num_perm, seed)
        for c in chunks:
            take(c, featurize_chunk(c, sk))
        return table.features()
    own = pool is None
    ex = pool or start_pool(workers_for(n, workers), num_perm, seed)
    try:
        # a sliding window of chunks in flight (not all at once: each queued chunk is a
        # pickled copy of its texts)
        window: deque[tuple[Sequence[str], Future[Features]]] = deque()
        for c in chunks:
            window.append((c, ex.submit(_chunk_worker, _payload(c))))
            if len(window) > 2 * (getattr(ex, "_max_workers", 2) or 2):
                done_c, fut = window.popleft()
                take(done_c, fut.result())
        while window:
            done_c, fut = window.popleft()
            take(done_c, fut.result())
    finally:
        if own:
            ex.shutdown()
    return table.features()
