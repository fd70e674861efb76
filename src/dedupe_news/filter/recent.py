"""The SQLite index's recent band entries, in memory, and the merge that moves them to disk.

A new canonical used to append its ~128 band entries to ~128 bucket rows at once: ~128
random pages rewritten (and written to the WAL) per keep, a cost that grows with the index
(at 1M articles every entry lands on a page of its own).  Instead, the index is two levels:

* the **bucket rows** on disk hold the entries of every canonical up to ``merged`` (a doc
  number kept in the index's ``state`` row);
* canonicals after it are read from their stored signatures (the ``sigs`` rows, which every
  canonical has anyway) into a hash table in each process's memory, :class:`RecentBands`;
  a look-up reads both.

Once ``RECENT_MAX`` canonicals are past ``merged``, a merge starts: its entries, sorted by
bucket, are appended to the bucket rows a slice at a time - ``MERGE_STEP`` buckets per
decision, in bucket order, so each transaction rewrites one contiguous run of rows - and
when the slice reaches the last bucket ``merged`` moves up and the merged canonicals leave
memory.  Until then an entry may be found twice (in its bucket and in memory): look-ups take
each doc once.  Every step is part of a decision's transaction, so a crash leaves the merge
where the last commit put it.  Memory: at most ~2 x ``RECENT_MAX`` canonicals' keys.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BUCKET_SHIFT = 14  # band key (32 bits) -> bucket: its top 18 bits; entries keep the low 14
BUCKETS = 1 << (32 - BUCKET_SHIFT)
ENTRY = 6  # bytes an entry: doc << 14 | low 14 bits of the key, little-endian (docs < 2**34)
RECENT_MAX = 32768  # articles after the last merged one at which a merge starts
MERGE_STEP = 2 * BUCKETS // RECENT_MAX  # buckets merged per decision: done in RECENT_MAX / 2
_LOW = (1 << BUCKET_SHIFT) - 1


@njit(cache=True, nogil=True)
def _add_rows(skey, shead, nkeys, enext, npos, rows: np.ndarray, pos0: int
              ):  # pragma: no cover - compiled
    """Add the band keys of ``rows`` (row ``i`` is the held canonical at position ``pos0 +
    i``) to the open-addressing table (``shead`` -1: a free slot; chains through ``enext``,
    one entry per held position and band, entry ``pos * bands + band``)."""
    bands = rows.shape[1]
    need = (pos0 + len(rows)) * bands
    if need > len(enext):
        grown = np.full(max(need, 2 * len(enext)), -1, dtype=np.int32)
        grown[: len(enext)] = enext
        enext = grown
    for i in range(len(rows)):
        if (nkeys + bands) * 2 > len(skey):  # keep the table at most half full
            cap = len(skey) * 2
            while (nkeys + bands) * 2 > cap:
                cap *= 2
            nk = np.zeros(cap, dtype=np.uint32)
            nh = np.full(cap, -1, dtype=np.int32)
            mask = cap - 1
            for s in range(len(skey)):
                if shead[s] >= 0:
                    t = np.int64(skey[s]) & mask
                    while nh[t] >= 0:
                        t = (t + 1) & mask
                    nk[t] = skey[s]
                    nh[t] = shead[s]
            skey, shead = nk, nh
        mask = len(skey) - 1
        for j in range(bands):
            k = rows[i, j]
            t = np.int64(k) & mask
            while shead[t] >= 0 and skey[t] != k:
                t = (t + 1) & mask
            if shead[t] < 0:
                skey[t] = k
                nkeys += 1
            e = (pos0 + i) * bands + j
            enext[e] = shead[t]
            shead[t] = e
    return skey, shead, nkeys, enext, npos + len(rows)


@njit(cache=True, nogil=True)
def _find_pos(skey, shead, enext, bands: int, query: np.ndarray
              ) -> np.ndarray:  # pragma: no cover - compiled
    """Held positions (sorted, each once) with any of the ``query`` keys."""
    out = np.empty(16, dtype=np.int64)
    m = 0
    mask = len(skey) - 1
    for q in query:
        t = np.int64(q) & mask
        while shead[t] >= 0 and skey[t] != q:
            t = (t + 1) & mask
        e = shead[t]
        while e >= 0:
            if m == len(out):
                out = np.concatenate((out, np.empty(m, np.int64)))
            out[m] = e // bands
            m += 1
            e = enext[e]
    return np.unique(out[:m])


@njit(cache=True, nogil=True)
def merge_entries(docs: np.ndarray, rows: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """The bucket entries of these canonicals (``rows``: their 32-bit band keys, each row's
    distinct keys once) sorted by bucket, then doc: (buckets, 6-byte entries, docs)."""
    n = len(docs) * rows.shape[1]
    bucket = np.empty(n, dtype=np.int64)
    entry = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(len(docs)):
        r = np.unique(rows[i])
        for k in r:
            bucket[m] = np.int64(k) >> BUCKET_SHIFT
            entry[m] = (docs[i] << BUCKET_SHIFT) | (np.int64(k) & _LOW)
            m += 1
    order = np.argsort(bucket[:m] * (np.int64(1) << 40) + (entry[:m] >> BUCKET_SHIFT),
                       kind="mergesort")
    b = bucket[:m][order]
    e = entry[:m][order]
    raw = np.empty(m * ENTRY, dtype=np.uint8)
    for i in range(m):
        for t in range(ENTRY):
            raw[i * ENTRY + t] = (e[i] >> (8 * t)) & 0xFF
    return b, raw, e >> BUCKET_SHIFT


class RecentBands:
    """Band keys of the canonicals after ``merged``, in memory: held position -> doc and
    keys, key -> positions (an open-addressing table of 32-bit keys; ~24 bytes a key)."""

    def __init__(self, bands: int) -> None:
        self.bands = bands
        self._clear()

    def _clear(self) -> None:
        self.docs = np.empty(0, dtype=np.int64)
        self.rows = np.empty((0, self.bands), dtype=np.uint32)
        self._n = 0
        self._t = (np.zeros(1 << 10, np.uint32), np.full(1 << 10, -1, np.int32), 0,
                   np.empty(0, np.int32), 0)

    def __len__(self) -> int:
        return self._n

    def add(self, docs: np.ndarray, rows: np.ndarray) -> None:
        """Canonicals ``docs`` (ascending, after every doc held) with their band keys."""
        if not len(docs):
            return
        docs = np.asarray(docs, dtype=np.int64)
        rows = (np.asarray(rows, dtype=np.int64) & 0xFFFFFFFF).astype(np.uint32)
        need = self._n + len(docs)
        if need > len(self.docs):
            cap = max(need, 2 * len(self.docs), 64)
            d = np.empty(cap, dtype=np.int64)
            r = np.empty((cap, self.bands), dtype=np.uint32)
            d[: self._n] = self.docs[: self._n]
            r[: self._n] = self.rows[: self._n]
            self.docs, self.rows = d, r
        self.docs[self._n : need] = docs
        self.rows[self._n : need] = rows
        skey, shead, nkeys, enext, _npos = self._t
        self._t = _add_rows(skey, shead, nkeys, enext, self._n, rows, self._n)
        self._n = need

    def find(self, keys: np.ndarray, distinct: bool = False) -> np.ndarray:
        """The docs (sorted, each once) holding any of these band keys (``distinct``: they
        are already 32-bit values, sorted, each once: :func:`keys_and_buckets`)."""
        if not self._n:
            return np.empty(0, dtype=np.int64)
        q = np.asarray(keys).astype(np.uint32) if distinct else \
            np.unique((np.asarray(keys, dtype=np.int64) & 0xFFFFFFFF).astype(np.uint32))
        skey, shead, _nkeys, enext, _npos = self._t
        return self.docs[_find_pos(skey, shead, enext, self.bands, q)]

    def held(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """(docs, keys) of the canonicals held with ``lo < doc <= hi``."""
        d = self.docs[: self._n]
        a, b = np.searchsorted(d, lo, side="right"), np.searchsorted(d, hi, side="right")
        return d[a:b], self.rows[a:b]

    def drop_through(self, doc: int) -> None:
        """Forget the canonicals up to ``doc`` (merged into the buckets)."""
        d, r = self.held(doc, np.iinfo(np.int64).max)
        d, r = d.copy(), r.copy()
        self._clear()
        self.add(d, r)

    def last(self) -> int:
        return int(self.docs[self._n - 1]) if self._n else 0


SKETCH_SLOTS = 1 << 20  # canonicals whose sketch a process keeps: 256 bytes each (256 MB)


class Sketches:
    """The low 8 bits of each signature value of the canonicals this process has read,
    in memory: a bound that spares reading most band-sharing signatures from disk.

    Two signatures' equal values are equal in their low 8 bits too, so the count of equal
    low bytes is at least the count of equal values: a candidate whose low bytes agree in
    fewer than the leader loop's least number of equal values cannot pass it, and its
    signature is not read (an unrelated article agrees by chance in ~1 value of 256 more
    than it really does: the bound is tight).  A look-up at 100k articles finds ~100
    band-sharing canonicals, at 1M ~1,000 (``rows = 2``); almost all fail the bound.

    Direct-mapped by article number (``slots``, a power of two; numbers only grow and a
    signature never changes): a newer article takes an older one's slot, so memory stays
    at ``slots`` x (``num_perm`` + 8) bytes however long the stream, and the cache holds
    the most recent canonicals.  Pages never touched are never allocated."""

    def __init__(self, num_perm: int, slots: int = SKETCH_SLOTS) -> None:
        self.num_perm = num_perm
        self._mask = slots - 1
        self._tags = np.full(slots, -1, dtype=np.int64)
        self._low = np.zeros((slots, num_perm), dtype=np.uint8)

    def put(self, docs: np.ndarray, rows: np.ndarray) -> None:
        """Remember these articles by ``rows``: their signatures, or the low byte of each
        signature value as the index's sketches table stores them (the same: the uint8
        rows keep the low byte of what is put in them)."""
        if len(docs) == 1:  # a new canonical
            at = int(docs[0]) & self._mask
            self._tags[at] = docs[0]
            self._low[at] = rows[0]
        elif len(docs):
            at = np.asarray(docs, dtype=np.int64) & self._mask
            self._tags[at] = docs
            rows = np.asarray(rows)
            self._low[at] = rows if rows.dtype == np.uint8 else \
                rows.astype(np.uint32).astype(np.uint8)

    def passing(self, found: list[int], sig: np.ndarray | None, num_perm: int,
                min_jaccard: float) -> list[int]:
        """``found`` (article numbers) without those whose remembered sketch proves them
        unable to reach ``min_jaccard`` against ``sig`` (None: all of them)."""
        if not found or sig is None:
            return found
        from dedupe_news.filter.core import least_equal

        ok = self.may_pass(np.asarray(found, dtype=np.int64), sig,
                           least_equal(num_perm, min_jaccard))
        return [d for d, o in zip(found, ok.tolist(), strict=True) if o]

    def may_pass(self, docs: np.ndarray, sig: np.ndarray, least: int) -> np.ndarray:
        """For each of ``docs``: False when its remembered sketch proves fewer than
        ``least`` values equal to ``sig``'s; True when it may pass (or is not known)."""
        docs = np.asarray(docs, dtype=np.int64)
        return _may_pass(self._tags, self._low, self._mask, docs,
                         np.asarray(sig, dtype=np.uint32).astype(np.uint8), least)


@njit(cache=True, nogil=True)
def _may_pass(tags: np.ndarray, low: np.ndarray, mask: int, docs: np.ndarray,
              sig: np.ndarray, least: int) -> np.ndarray:  # pragma: no cover - compiled
    out = np.ones(len(docs), dtype=np.bool_)
    m = len(sig)
    for i in range(len(docs)):
        at = docs[i] & mask
        if tags[at] != docs[i]:
            continue
        same = 0
        for t in range(m):
            same += low[at, t] == sig[t]
        out[i] = same >= least
    return out


@njit(cache=True, nogil=True)
def keys_and_buckets(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """An article's band keys as 32-bit values (sorted, each once) and the buckets they
    name (sorted, each once)."""
    k = np.unique(keys & 0xFFFFFFFF)
    b = k >> BUCKET_SHIFT
    keep = np.ones(len(b), dtype=np.bool_)
    for i in range(1, len(b)):
        keep[i] = b[i] != b[i - 1]
    return k, b[keep]


@njit(cache=True, nogil=True)
def union_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """The union of two sorted arrays of distinct values, sorted, each once."""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i = j = m = 0
    while i < len(a) or j < len(b):
        if j == len(b) or (i < len(a) and a[i] < b[j]):
            out[m] = a[i]
            i += 1
        elif i == len(a) or b[j] < a[i]:
            out[m] = b[j]
            j += 1
        else:
            out[m] = a[i]
            i += 1
            j += 1
        m += 1
    return out[:m]
