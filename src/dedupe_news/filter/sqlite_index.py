"""The embedded index: one SQLite file (WAL), one ``BEGIN IMMEDIATE`` transaction a decision.

Tables (schema version 5; a version-3 or 4 index is upgraded in place when opened for
writing - a version-3 index's buckets hold every canonical, so ``merged`` starts at its last
article; version 4's rows are read as they are (:mod:`~dedupe_news.filter.codec`), and a
version-4 index opened read-only is read without upgrading; an older one is refused: version
2 stored no titles, and its verdicts would lack the title evidence ``cluster`` reads):

* ``meta`` - the schema version and the fingerprint parameters (:meth:`FilterSettings.params`)
  the index was made with; an index made with others is refused (:class:`IndexMismatch`).
* ``docs`` - one small row per decided article: its decision line (replayed byte for byte),
  its cluster and the cluster's rank, whether it is the cluster's canonical, when it was
  decided, its content words and shingle count.
* ``sigs``, ``units``, ``texts`` - for canonicals only, one table each so that rows pack
  pages well (a 2.5 KB row of all three left 1.5 KB of every 4 KB page empty): the MinHash
  signature bit-packed at the width its largest value needs (~27 bits, :func:`pack_sig_bits`),
  the sentence units (stem hashes) beside the title's stems (``units.title``: its non-zero
  title-stem hashes as uint32, :func:`~dedupe_news.filter.core.pack_title`, at most
  ``TITLE_K``; NULL for an article without title), and unless ``store_text`` is off the text
  for the canonical rule.  Decision lines and texts are deflated with a preset dictionary
  of common English words and decision-line furniture (:mod:`dedupe_news.filter.codec`).
* ``buckets`` - the LSH table: a band key's top 18 bits name a bucket, whose blob lists
  6-byte entries (article << 14 | the key's low 14 bits).  One B-tree row per band key and
  article cost 13 bytes; a bucket amortises the row over its entries (~7 bytes an entry at
  100k articles).  A look-up reads the buckets of the article's keys and keeps the entries
  whose full key matches.  The buckets hold the canonicals up to ``state.merged``; the
  later ones are read from ``sigs`` into memory and merged into the buckets in bucket order,
  a slice per decision (:mod:`dedupe_news.filter.recent`), so a keep rewrites no bucket
  row of its own.
* ``dead`` - canonicals replaced or removed, with the merge cycle they died in: their
  entries stay in the buckets (a look-up reads only canonicals) until a merge that began
  after their death has rewritten every bucket holding them, dropping them; then the row
  goes.  A replace or a removal so writes one row instead of ~128 scattered bucket rows.
* ``sketches`` - the low byte of every signature value of the canonicals numbered
  ``(lo, hi]`` (``docs``: their numbers, int64; ``low``: ``num_perm`` bytes each), one row
  written when a merge starts (for the canonicals it merges) - what
  :class:`~dedupe_news.filter.recent.Sketches` holds, so that a process just started
  loads it in one read (~0.3 s at 1M articles) instead of reading, look-up by look-up,
  every band-sharing signature it has not seen (up to ~2,700 rows of a look-up at 1M: the
  slowest decisions of a fresh process).  A number's signature never changes and numbers
  are never given again, so a row stays true; an index made before the table is filled
  for its last ``SKETCH_SLOTS`` numbers at its first look-up.
* ``state`` - one row: ``merged`` and the merge under way (``merge_to``, ``cursor``),
  ``gen`` (moves whenever ``dead`` changes), ``cycle`` (merges begun) and
  ``last_doc`` (the highest article number ever given: numbers are never reused, so a
  process that read the signatures up to a number has seen every canonical before it).

Writers serialise on ``BEGIN IMMEDIATE`` (look-up, verification and insert in one
transaction: two processes cannot both keep one story); readers see WAL snapshots; a busy
index is waited for up to ``busy_timeout`` seconds, then a clean error.  ``synchronous =
NORMAL``: a committed decision survives the process being killed (``kill -9``); after a
power cut the index is consistent but may miss its last decisions.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import sys
import threading
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numba import njit

from dedupe_news import __version__
from dedupe_news.filter import codec
from dedupe_news.filter.core import (
    FilterIndexError,
    FilterSettings,
    IndexBusy,
    Indexed,
    IndexMismatch,
    Plan,
    Prepared,
    band_keys,
    corrupt,
    now_iso,
    pack_title,
    pack_units,
    unpack_title,
    unpack_units,
)
from dedupe_news.filter.recent import (
    _LOW,
    BUCKET_SHIFT,
    BUCKETS,
    ENTRY,
    MERGE_STEP,
    RECENT_MAX,
    SKETCH_SLOTS,
    RecentBands,
    Sketches,
    keys_and_buckets,
    merge_entries,
    union_sorted,
)
from dedupe_news.sketch import SCHEME
from dedupe_news.verify_jit import TITLE_K

# (its own statement too: an index made before the table gets it when opened for writing)
_SKETCHES_TABLE = """CREATE TABLE IF NOT EXISTS sketches(hi INTEGER PRIMARY KEY,
    lo INTEGER NOT NULL, docs BLOB NOT NULL, low BLOB NOT NULL)"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    cluster TEXT NOT NULL,
    crank INTEGER,
    canonical INTEGER NOT NULL,
    action TEXT NOT NULL,
    published TEXT,
    ingested TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    nshingles INTEGER NOT NULL DEFAULT 0,
    line NOT NULL  -- codec.pack (schema 5), text in rows schema 4 wrote
);
CREATE INDEX IF NOT EXISTS docs_ingested ON docs(ingested);
CREATE TABLE IF NOT EXISTS sigs(doc INTEGER PRIMARY KEY, sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS units(doc INTEGER PRIMARY KEY, units BLOB NOT NULL, title BLOB);
CREATE TABLE IF NOT EXISTS texts(doc INTEGER PRIMARY KEY, text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS buckets(b INTEGER PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state(id INTEGER PRIMARY KEY CHECK (id = 0),
    merged INTEGER NOT NULL, merge_to INTEGER NOT NULL, cursor INTEGER NOT NULL,
    gen INTEGER NOT NULL, last_doc INTEGER NOT NULL, cycle INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead(doc INTEGER PRIMARY KEY, cycle INTEGER NOT NULL);
""" + _SKETCHES_TABLE + ";\n"
SCHEMA_VERSION = 5  # 5: lines and texts deflated with a preset dictionary (filter/codec.py)
# 4: recent canonicals merged into the buckets in slices (3: at once)
_UPGRADABLE = ("3", "4")  # upgraded in place when opened for writing
_READABLE = ("4", str(SCHEMA_VERSION))  # read as they are when opened read-only
# Pages of a new index.  A bucket row grows to ~2.3 KB at 1M articles: 4 KB pages held one
# such row each (42% of the bucket table's bytes unused, ~460 bytes an article); 8 KB pages
# hold three (21% unused, ~290 bytes an article less), for the same look-up time.  An index
# keeps the page size it was made with (``compact`` too).
PAGE_SIZE = 8192
# SQLite's page cache a connection keeps: a look-up reads ~128 bucket rows at random, so the
# share of the bucket table held in memory decides how many come from the OS instead (at 100k
# articles the bucket table is ~80 MB: held whole; a first 2,000 look-ups on the 100k stream
# index took 698 us each with 64 MB, 568 us with 256 MB)
CACHE_KB = 262144
# Pages read through a memory map instead of read() calls into that cache: at 1M articles the
# bucket table (~600 MB) is more than the cache holds, and a look-up's 128 bucket rows took
# 1.01 ms with read() calls, 0.56 ms mapped (10,000 look-ups on the 1M stream-fresh index).
# SQLite caps the map at 2 GiB (SQLITE_MAX_MMAP_SIZE); the mapped pages are the OS's file
# cache (counted in RSS once touched, given back under memory pressure), written only through
# SQLite's own write() calls.
MMAP_BYTES = 1 << 31
SKETCH_ROW = 32768  # at most this many article numbers a row of the sketches table covers
_STATE = ("merged", "merge_to", "cursor", "gen", "last_doc", "cycle")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_EPOCH_MAX = 1 << 14  # rewrites (or states) remembered for look-ups made ahead
_CAND_COLS = "d.doc, d.id, d.cluster, d.crank, s.sig, d.nshingles, d.size, d.published"


def _b(text: str | None) -> bytes | None:
    """A string as stored: UTF-8 bytes, lone surrogates kept (``surrogatepass``), so any id
    a JSON record can carry round-trips and stays unique."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _s(blob: bytes | str | None) -> str | None:
    if blob is None or isinstance(blob, str):
        return blob
    return blob.decode("utf-8", "surrogatepass")


def pack_sig_bits(sig: np.ndarray) -> bytes:
    """A MinHash signature in as many bits a value as its largest needs (a minimum over
    the article's shingles is small: ~27 bits for a news story), after one byte holding
    that width.  Four fit in a 4 KB page where three 1 KB ones did."""
    v = np.ascontiguousarray(sig, dtype=np.uint32)
    w = max(1, int(v.max()).bit_length()) if len(v) else 1
    return _pack_bits(v, w).tobytes()


@njit(cache=True, nogil=True)
def _pack_bits(v: np.ndarray, w: int) -> np.ndarray:  # pragma: no cover - compiled
    """``w`` bits a value, most significant first, after a byte holding ``w`` (the bits of
    ``numpy.packbits`` over the values' binary digits)."""
    out = np.zeros(1 + (len(v) * w + 7) // 8, dtype=np.uint8)
    out[0] = w
    pos = 0
    for x in v:
        for t in range(w - 1, -1, -1):
            if (x >> t) & 1:
                out[1 + (pos >> 3)] |= np.uint8(0x80 >> (pos & 7))
            pos += 1
    return out


@njit(cache=True, nogil=True)
def _unpack_bits(raw: np.ndarray, starts: np.ndarray, out: np.ndarray
                 ) -> None:  # pragma: no cover - compiled
    """Fill ``out[i]`` from the packed signature starting at ``raw[starts[i]]``."""
    num_perm = out.shape[1]
    for i in range(len(starts)):
        s = starts[i]
        w = np.int64(raw[s])
        mask = (np.uint64(1) << np.uint64(w)) - np.uint64(1)
        at = s + 1
        buf = np.uint64(0)  # bits read but not yet used, the oldest highest
        have = 0
        for p in range(num_perm):
            while have < w:
                buf = (buf << np.uint64(8)) | np.uint64(raw[at])
                at += 1
                have += 8
            have -= w
            out[i, p] = np.uint32((buf >> np.uint64(have)) & mask)


def stored_values(p: Prepared, store_text: bool) -> dict[str, bytes]:
    """What :meth:`_Txn.write` stores for ``p`` as a canonical: its signature
    (:func:`pack_sig_bits`), sentence units, title stems and (``store_text``) its text
    (:func:`dedupe_news.filter.codec.pack`).  Pure: the filter's reader process packs them
    ahead (:func:`dedupe_news.filter.core.prepare_articles`)."""
    out = {"sig": pack_sig_bits(p.sig), "units": pack_units(p.flat, p.off),
           "title": pack_title(p.title)}
    if store_text:
        out["text"] = codec.pack(p.article.text)
    return out


def unpack_sig_bits(blob: bytes, num_perm: int) -> np.ndarray:
    return unpack_sigs([blob], num_perm)[0]


def unpack_sigs(blobs: Sequence[bytes], num_perm: int) -> np.ndarray:
    """(len(blobs), num_perm) uint32 signatures from :func:`pack_sig_bits` blobs."""
    out = np.empty((len(blobs), num_perm), dtype=np.uint32)
    starts = np.empty(len(blobs), dtype=np.int64)
    at = 0
    for i, blob in enumerate(blobs):
        w = blob[0] if blob else 0
        if not 1 <= w <= 32 or len(blob) != 1 + (num_perm * w + 7) // 8:
            raise ValueError(f"a packed signature of {len(blob)} bytes, width {w}")
        starts[i] = at
        at += len(blob)
    if len(blobs):
        _unpack_bits(np.frombuffer(b"".join(blobs), dtype=np.uint8), starts, out)
    return out


def _decode(buckets: Sequence[int], blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(band keys, docs) of the entries of these bucket rows."""
    counts = [len(v) // ENTRY for v in blobs]
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    if len(raw) != ENTRY * sum(counts):
        raise ValueError("a bucket's length is not a whole number of entries")
    wide = np.zeros((len(raw) // ENTRY, 8), dtype=np.uint8)
    wide[:, :ENTRY] = raw.reshape(-1, ENTRY)
    e = wide.view("<u8").ravel().astype(np.int64)
    b = np.repeat(np.asarray(buckets, dtype=np.int64), counts)
    return (b << BUCKET_SHIFT) | (e & _LOW), e >> BUCKET_SHIFT


# _match reads an entry as three little-endian 16-bit words, its low bits in the first
assert ENTRY == 6 and BUCKET_SHIFT <= 16 and sys.byteorder == "little", \
    "_match assumes 6-byte little-endian entries with the key's low bits in their first word"


@njit(cache=True, nogil=True)
def _match(raw: np.ndarray, buckets: np.ndarray, counts: np.ndarray, keys: np.ndarray
           ) -> np.ndarray:  # pragma: no cover - compiled
    """The docs (sorted, each once) of the entries in these bucket rows whose full band key
    is one of ``keys`` (sorted, unsigned 32-bit values).  An entry's low 14 bits are its
    first byte and the low 6 bits of its second (little-endian): only an entry whose low bits
    are one of the bucket's keys' is decoded (at 1M articles a look-up scans ~50,000
    entries, of which a handful match)."""
    out = np.empty(len(raw) // ENTRY, dtype=np.int64)
    m = 0
    at = 0  # in 16-bit words: an entry is 3 of them
    words = raw.view(np.uint16)  # little-endian like the entries (x86, ARM)
    for i in range(len(buckets)):
        b = buckets[i]
        lo = np.searchsorted(keys, b << BUCKET_SHIFT)
        hi = np.searchsorted(keys, (b + 1) << BUCKET_SHIFT)
        n = counts[i]
        for q in range(lo, hi):  # mostly one key a bucket
            want = keys[q] & _LOW
            for j in range(at, at + 3 * n, 3):
                if (words[j] & _LOW) == want:
                    out[m] = ((np.int64(words[j + 2]) << 32) | (np.int64(words[j + 1]) << 16)
                              | np.int64(words[j])) >> BUCKET_SHIFT
                    m += 1
        at += 3 * n
    return np.unique(out[:m])


def matched(rows: Sequence[tuple[int, bytes]], keys: np.ndarray) -> np.ndarray:
    """The article numbers (sorted, each once) in these ``(bucket, blob)`` rows whose full
    band key is one of ``keys`` (:func:`~dedupe_news.filter.recent.keys_and_buckets`' first
    half); ValueError for a blob that is not whole entries."""
    blobs = [r[1] for r in rows]
    counts = np.fromiter((len(v) for v in blobs), dtype=np.int64, count=len(blobs))
    if (counts % ENTRY).any():
        raise ValueError("a bucket's length is not a whole number of entries")
    return _match(np.frombuffer(b"".join(blobs), dtype=np.uint8),
                  np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                  counts // ENTRY, keys)


def _bucket_rows(conn: sqlite3.Connection, buckets: np.ndarray) -> list[tuple[int, bytes]]:
    """The ``(bucket, blob)`` rows of these buckets (those that have one)."""
    bs = buckets.tolist()
    return conn.execute(f"SELECT b, v FROM buckets WHERE b IN ({','.join('?' * len(bs))})",
                        bs).fetchall()


def _key(st: dict[str, int]) -> tuple[int, ...]:
    return tuple(st[k] for k in _STATE)


def _held_in(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``numpy.isin(values, members)`` for ``members`` sorted, distinct and not empty (one
    binary search a value; ``isin`` sorts both sides on every call)."""
    at = np.minimum(np.searchsorted(members, values), len(members) - 1)
    return members[at] == values


def settings_from_meta(meta: dict[str, str]) -> FilterSettings:
    """Settings with the LSH shape an index records (for maintenance commands)."""
    from dedupe_news.candidates import LshSettings
    from dedupe_news.cluster import ClusterSettings

    try:
        lsh = LshSettings(num_perm=int(meta["num_perm"]), seed=int(meta["seed"]),
                          bands=int(meta["bands"]), rows=int(meta["rows"]))
    except (KeyError, ValueError):
        return FilterSettings()
    return FilterSettings(cluster=ClusterSettings(lsh=lsh))


def _bad_bucket(path: str) -> FilterIndexError:
    return FilterIndexError(f"{path}: a bucket's length is not a whole number of entries; "
                            "run dedupe-news index verify")


def _clean(exc: sqlite3.Error, path: str) -> FilterIndexError:
    msg = str(exc)
    if "locked" in msg or "busy" in msg:
        return IndexBusy(f"{path}: the index stayed locked past the busy timeout ({msg}); "
                         "another writer is stalled, or raise --busy-timeout")
    if "readonly" in msg or "read-only" in msg:
        return FilterIndexError(f"{path}: the index is read-only ({msg}); nothing was "
                                "written")
    if "full" in msg:
        return FilterIndexError(f"{path}: disk full ({msg}); the last decision was rolled "
                                "back, the index is unchanged")
    return FilterIndexError(f"{path}: {msg}")


class SqliteIndex:
    """An index in one SQLite file (created on first use with ``settings``' parameters)."""

    batches = True  # several decisions may share one transaction (Filter.decide_items)

    def __init__(self, path: str, settings: FilterSettings | None = None,
                 busy_timeout: float = 30.0, create: bool = True,
                 readonly: bool = False, adopt: bool = False) -> None:
        self.path = path
        self.settings = settings or FilterSettings()
        self._adopt = adopt  # maintenance: take the index's own parameters
        self.params = self.settings.params()
        self._readonly = readonly
        # a merge starts RECENT_MAX articles after the last one merged (by article number:
        # the same points in every run over the same input) and moves MERGE_STEP buckets a
        # decision (tests make both small)
        self.recent_max, self.merge_step = RECENT_MAX, MERGE_STEP
        self._forget()
        if os.path.isdir(path):
            raise FilterIndexError(f"{path}: is a directory; give the index file's path")
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        if exists:
            with open(path, "rb") as fh:
                head = fh.read(16)
            if head != _SQLITE_MAGIC:
                raise FilterIndexError(f"{path}: not a dedupe-news index (not an SQLite file)")
        elif not create:
            raise FilterIndexError(f"{path}: no such index")
        try:
            uri = f"file:{path}?mode=ro" if readonly else path
            self.conn = sqlite3.connect(uri, uri=readonly, isolation_level=None,
                                        check_same_thread=False,
                                        timeout=busy_timeout)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if not readonly and not exists:
                # set before the first table (a WAL file's page size is fixed once made)
                self.conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            if not readonly:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise FilterIndexError(f"{path}: cannot switch the index to WAL ({mode})")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                # Checkpoints (the WAL copied into the file, with an fsync) run in a
                # background thread, so no decision waits for one; the writer's own
                # automatic checkpoint stays as a safety net at 200 MB of WAL (SQLite's
                # 4 MB default cost more than the decisions: each new article touches ~128
                # band-key pages).
                self.conn.execute("PRAGMA wal_autocheckpoint = 50000")
            self.conn.execute(f"PRAGMA cache_size = -{CACHE_KB}")  # of pages, at most
            self.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._init(exists)
            if not readonly:
                self._stop = threading.Event()
                self._checkpoints = threading.Thread(target=self._checkpointer,
                                                     name="index-checkpoint", daemon=True)
                self._checkpoints.start()
        except sqlite3.Error as exc:
            raise _clean(exc, path) from None

    # --- set-up ------------------------------------------------------------------------

    def _init(self, exists: bool) -> None:
        if not self._readonly:
            tables = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if not exists or "meta" not in tables:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            self.conn.execute(stmt)
                    rows = [("schema_version", str(SCHEMA_VERSION)),
                            ("params", json.dumps(self.params, sort_keys=True)),
                            ("created", now_iso()), ("created_by", f"dedupe-news {__version__}"),
                            ("bands", str(self.settings.cluster.lsh.bands)),
                            ("rows", str(self.settings.cluster.lsh.rows)),
                            ("num_perm", str(self.settings.cluster.lsh.num_perm)),
                            ("seed", str(self.settings.cluster.lsh.seed))]
                    self.conn.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", rows)
                    self.conn.execute("INSERT OR IGNORE INTO state VALUES (0, 0, 0, 0, 0, 0, 0)")
                    self.conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    raise
        self.meta = self._meta()
        if self.meta.get("schema_version") in _UPGRADABLE and not self._readonly:
            self._upgrade()
            self.meta = self._meta()
        if self._adopt:
            self.settings = settings_from_meta(self.meta)
            self.params = json.loads(self.meta.get("params", "{}"))
        if not (self._adopt and self.meta.get("schema_version") == str(SCHEMA_VERSION)):
            self._check(self.meta)
        if self._readonly:
            self._has_sketches = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sketches'"
            ).fetchone() is not None
        else:
            self._has_sketches = True
            self._fill_sketches(exists and "sketches" not in tables)

    def _fill_sketches(self, create: bool) -> None:
        """An index made before the sketches table (accepted above; ``create``: it has none
        yet), or merged since by a release without it: the rows of its last
        ``SKETCH_SLOTS`` merged numbers, written now in one transaction (~5 s at 1M
        articles, once; said on stderr when that long), not by the first decision."""
        if not create and self._sketched_to() >= self._state()["merged"]:
            return  # (the usual case: no write lock taken)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if create:
                self.conn.execute(_SKETCHES_TABLE)
            merged, covered = self._state()["merged"], self._sketched_to()
            if merged - max(covered, merged - SKETCH_SLOTS) > SKETCH_ROW:
                print(f"dedupe-news: {self.path}: writing the sketches of its last "
                      f"{min(merged - covered, SKETCH_SLOTS):,} article numbers (once, for "
                      "an index made by an earlier release) ...", file=sys.stderr, flush=True)
            if covered < merged:
                self._write_sketches(merged)
            self.conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise

    def _upgrade(self) -> None:
        """Schema 3 -> 5: the buckets of a version-3 index hold every canonical, so the
        state row starts with all of them merged.  4 -> 5: nothing to rewrite (the rows of
        schema 4 say how they were written: :mod:`dedupe_news.filter.codec`)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            version = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                        ).fetchone()[0]
            if version == "3":
                for stmt in _SCHEMA.split(";"):
                    if "state(" in stmt or "dead(" in stmt:
                        self.conn.execute(stmt)
                last = int(self.conn.execute("SELECT COALESCE(MAX(doc), 0) FROM docs"
                                             ).fetchone()[0])
                self.conn.execute("INSERT OR REPLACE INTO state VALUES (0, ?, ?, 0, 0, ?, 0)",
                                  (last, last, last))
            if version in _UPGRADABLE:
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                                  (str(SCHEMA_VERSION),))
            self.conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise

    def _state(self) -> dict[str, int]:
        """The state row (an index opened read-only at version 3: everything merged)."""
        try:
            row = self.conn.execute(f"SELECT {', '.join(_STATE)} FROM state").fetchone()
        except sqlite3.OperationalError:
            row = None
        if row is None:
            big = 1 << 62
            return {"merged": big, "merge_to": big, "cursor": 0, "gen": 0, "last_doc": 0,
                    "cycle": 0}
        return dict(zip(_STATE, (int(x) for x in row), strict=True))

    def _meta(self) -> dict[str, str]:
        try:
            return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:
            raise FilterIndexError(f"{self.path}: an SQLite file, but not a dedupe-news index "
                                   "(no meta table)") from None

    def _check(self, meta: dict[str, str]) -> None:
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION) and not (self._readonly and version in _READABLE):
            raise IndexMismatch(
                f"{self.path}: index schema version {version}, this dedupe-news writes "
                f"{SCHEMA_VERSION}; refused (never mixed): start a new index, or use the "
                "dedupe-news that made it")
        stored = json.loads(meta.get("params", "{}"))
        if stored != self.params:
            diff = [f"{k}: index {stored.get(k)!r}, now {self.params.get(k)!r}"
                    for k in sorted(set(stored) | set(self.params))
                    if stored.get(k) != self.params.get(k)]
            raise IndexMismatch(
                f"{self.path}: index made with other parameters; refused (never mixed): "
                + "; ".join(diff) + ". Run with the index's settings or start a new index")

    def _checkpointer(self, every: float = 0.5) -> None:
        """PASSIVE checkpoints from a connection of its own: they never block a writer."""
        try:
            con = sqlite3.connect(self.path, timeout=1.0, isolation_level=None,
                                  check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            while not self._stop.wait(every):
                with contextlib.suppress(sqlite3.Error):
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            con.close()

    def close(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
            self._checkpoints.join(5)
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    # --- decisions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def begin(self) -> Iterator[_Txn]:
        """One ``BEGIN IMMEDIATE`` transaction: committed when the block ends, rolled back
        on any error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _clean(exc, self.path) from None
        try:
            self._sync()
            yield _Txn(self)
            self._save_state()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            self._forget()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            self._forget()
            raise _clean(exc, self.path) from None
        now = _key(self._st_read)
        if len(self._rewrites) > _EPOCH_MAX or len(self._epoch) > _EPOCH_MAX:
            self._new_epoch(now)
        self._epoch[now] = len(self._rewrites)

    # --- the recent canonicals (memory) and their merge into the buckets ---------------

    def _forget(self) -> None:
        """Drop what this process holds of the index's state (after a rollback: the next
        transaction reads it again)."""
        self._recent = RecentBands(self.settings.cluster.lsh.bands)
        # (a rolled-back transaction's article numbers are given again: forget its sketches)
        self._sketches = Sketches(self.settings.cluster.lsh.num_perm)
        self._sketches_read = False  # the sketches table not loaded yet (first look-up)
        self._loaded = -1  # the highest doc whose signature is held (-1: none read yet)
        self._st: dict[str, int] = {}
        self._st_read: dict[str, int] = {}
        self._merge_plan: tuple[int, int, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._dead_gen = -1
        self._dead_docs = np.empty(0, dtype=np.int64)
        # look-ups made ahead (:class:`LookAhead`): the bucket ranges this process rewrote
        # since the index was last in a state it knows, and for each such state (one it
        # committed, or found at a transaction's start after someone else's commit) where
        # in that list it stood; an early look-up whose snapshot is one of them is read
        # again only in the buckets rewritten since
        self._new_epoch(None)
        self.lookahead = {"used": 0, "reread": 0, "missed": 0}

    def _sync(self) -> None:
        """At a transaction's start: the state row, and the signatures of the canonicals
        written since this process last looked (by anyone) into :class:`RecentBands`."""
        st = self._state()
        if st != self._st_read:  # someone else committed (or a first look): a new epoch
            self._new_epoch(_key(st))
        merged = st["merged"]
        if self._loaded < 0 or merged < self._st_read.get("merged", 0):
            self._recent = RecentBands(self.settings.cluster.lsh.bands)
            self._loaded = merged
        elif merged != self._st_read.get("merged"):
            self._recent.drop_through(merged)
            self._loaded = max(self._loaded, merged)
        self._st, self._st_read = dict(st), st
        rows = self.conn.execute("SELECT doc, sig FROM sigs WHERE doc > ? ORDER BY doc",
                                 (self._loaded,)).fetchall()
        if rows:
            lsh = self.settings.cluster.lsh
            sigs = self._stored_sigs([r[1] for r in rows])
            keys = band_keys(sigs, lsh.bands, lsh.rows)
            docs = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            self._recent.add(docs, keys)
            self._sketches.put(docs, sigs)
            self._loaded = int(docs[-1])

    def _hold(self, doc: int, keys: np.ndarray) -> None:
        """A canonical written in this transaction: held in memory at once (a later decision
        of the same batch must find it)."""
        self._recent.add(np.array([doc], dtype=np.int64), np.asarray(keys)[None, :])
        self._loaded = doc

    def _new_epoch(self, state: tuple[int, ...] | None) -> None:
        """Forget the rewrites and states of the epoch before; ``state``: the index's now."""
        self._rewrites: list[tuple[int, int]] = []
        self._epoch: dict[tuple[int, ...], int] = {} if state is None else {state: 0}
        self._since_last: tuple[int, int, list[tuple[int, int]]] | None = None

    def _since(self, state: tuple[int, ...]) -> list[tuple[int, int]] | None:
        """The bucket ranges rewritten since the index was in ``state`` (coalesced), or None
        when that is not a state of this epoch (someone else wrote since, or long ago).  The
        articles of a batch share a snapshot: the last answer is kept until a rewrite."""
        pos = self._epoch.get(state)
        if pos is None:
            return None
        last = self._since_last
        if last is not None and last[:2] == (pos, len(self._rewrites)):
            return last[2]
        out: list[tuple[int, int]] = []
        for a, b in sorted(self._rewrites[pos:]):
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(b, out[-1][1]))
            else:
                out.append((a, b))
        self._since_last = (pos, len(self._rewrites), out)
        return out

    def _stored_sigs(self, blobs: Sequence[bytes]) -> np.ndarray:
        """Stored signatures unpacked (an unreadable one: a clean error naming the index)."""
        try:
            return unpack_sigs(blobs, self.settings.cluster.lsh.num_perm)
        except (ValueError, IndexError, TypeError) as exc:
            raise FilterIndexError(f"{self.path}: an unreadable signature ({exc}); run "
                                   "dedupe-news index verify") from None

    def _save_state(self) -> None:
        if self._st and self._st != self._st_read:
            self.conn.execute(f"UPDATE state SET {', '.join(k + ' = ?' for k in _STATE)} "
                              "WHERE id = 0", [self._st[k] for k in _STATE])
            self._st_read = dict(self._st)

    def _dead(self) -> np.ndarray:
        """Former canonicals whose bucket entries may remain (sorted; read again whenever
        ``gen`` moved)."""
        if self._dead_gen != self._st["gen"]:
            self._dead_docs = np.array(sorted(r[0] for r in self.conn.execute(
                "SELECT doc FROM dead")), dtype=np.int64)
            self._dead_gen = self._st["gen"]
        return self._dead_docs

    def _bury(self, docs: Sequence[int]) -> None:
        """Canonicals replaced or removed: their bucket entries are left to the merge, which
        drops them as it rewrites each bucket (look-ups read only canonicals meanwhile)."""
        if docs:
            self.conn.executemany("INSERT OR IGNORE INTO dead(doc, cycle) VALUES (?, ?)",
                                  [(int(d), self._st["cycle"]) for d in docs])
            self._st["gen"] += 1

    def _start_merge(self) -> None:
        """A merge of every canonical up to the last article given, from the first bucket
        (and their sketches written: :meth:`_write_sketches`)."""
        st = self._st
        st["merge_to"], st["cursor"] = st["last_doc"], 0
        st["cycle"] += 1
        self._write_sketches(st["merge_to"])

    def _sketched_to(self) -> int:
        """The highest article number the sketches table covers (0: none)."""
        return int(self.conn.execute("SELECT COALESCE(MAX(hi), 0) FROM sketches"
                                     ).fetchone()[0])

    def _write_sketches(self, hi: int) -> None:
        """Rows of the sketches table for the canonicals numbered after the last covered one
        up to ``hi`` (never further back than ``SKETCH_SLOTS`` numbers: older ones would not
        stay in memory), from their stored signatures."""
        lo = max(self._sketched_to(), hi - SKETCH_SLOTS, 0)
        for a in range(lo, hi, SKETCH_ROW):
            b = min(hi, a + SKETCH_ROW)
            rows = self.conn.execute("SELECT doc, sig FROM sigs WHERE doc > ? AND doc <= ? "
                                     "ORDER BY doc", (a, b)).fetchall()
            sigs = self._stored_sigs([r[1] for r in rows])
            docs = np.fromiter((r[0] for r in rows), dtype="<i8", count=len(rows))
            self.conn.execute("INSERT OR REPLACE INTO sketches(hi, lo, docs, low) "
                              "VALUES (?, ?, ?, ?)",
                              (b, a, docs.tobytes(), sigs.astype(np.uint8).tobytes()))

    def _read_sketches(self) -> None:
        """At a process's first look-up: the sketches table into memory (filled for an
        older index when it was opened: :meth:`_fill_sketches`; a read-only one made before
        the table has none, and its look-ups read every band-sharing signature)."""
        self._sketches_read = True
        if not self._has_sketches:
            return
        num_perm = self.settings.cluster.lsh.num_perm
        cur = self.conn.execute("SELECT hi, docs, low FROM sketches WHERE hi > ? ORDER BY hi",
                                (self._st["last_doc"] - SKETCH_SLOTS,))
        for _hi, docs, low in cur:
            if len(docs) % 8 or len(low) != len(docs) // 8 * num_perm:
                raise FilterIndexError(f"{self.path}: a sketches row of a wrong length; run "
                                       "dedupe-news index verify")
            self._sketches.put(np.frombuffer(docs, dtype="<i8"),
                                   np.frombuffer(low, dtype=np.uint8).reshape(-1, num_perm))

    def _merge_step(self, buckets: int) -> None:
        """Merge the next ``buckets`` buckets' share of the recent canonicals (start a merge
        ``recent_max`` articles after the last one; finish it at the last bucket)."""
        st = self._st
        if st["merge_to"] <= st["merged"]:
            if st["last_doc"] - st["merged"] < self.recent_max:
                return
            self._start_merge()
        lo, to = st["merged"], st["merge_to"]
        plan = self._merge_plan
        if plan is None or plan[:2] != (lo, to):
            plan = self._merge_plan = (lo, to, *merge_entries(*self._recent.held(lo, to)))
        b, raw, owner = plan[2], plan[3], plan[4]
        start = st["cursor"]
        stop = min(BUCKETS, start + buckets)
        i, j = np.searchsorted(b, start), np.searchsorted(b, stop)
        self._rewrite(start, stop, b[i:j], raw[i * ENTRY : j * ENTRY], owner[i:j])
        st["cursor"] = stop
        if stop >= BUCKETS:
            st["merged"], st["cursor"] = to, 0
            self._recent.drop_through(to)
            self._merge_plan = None
            # every bucket has been read since the deaths before this merge began
            self.conn.execute("DELETE FROM dead WHERE cycle < ?", (st["cycle"],))
            st["gen"] += 1

    def _rewrite(self, start: int, stop: int, part: np.ndarray, blob: np.ndarray,
                 owner: np.ndarray) -> None:
        """Append entries (``part``: their buckets, ascending; ``blob``: 6 bytes each;
        ``owner``: their articles) to the buckets in ``[start, stop)``, leaving out those of
        dead articles - in the rows there too, when there are any."""
        self._rewrites.append((start, stop))
        dead = self._dead()
        if len(dead) and len(part):
            ok = ~_held_in(owner, dead)
            part, blob = part[ok], blob.reshape(-1, ENTRY)[ok].ravel()
        new: dict[int, bytes] = {}
        if len(part):
            cut = np.flatnonzero(np.diff(part)) + 1
            bounds = [0, *cut.tolist(), len(part)]
            data = blob.tobytes()
            new = {int(part[bounds[t]]): data[bounds[t] * ENTRY : bounds[t + 1] * ENTRY]
                   for t in range(len(bounds) - 1)}
        purged: dict[int, bytes] = {}
        if len(dead):
            rows = self.conn.execute("SELECT b, v FROM buckets WHERE b >= ? AND b < ?",
                                     (start, stop)).fetchall()
            if rows:
                try:
                    _k, docs = _decode([r[0] for r in rows], [r[1] for r in rows])
                except ValueError:
                    raise _bad_bucket(self.path) from None
                bad = _held_in(docs, dead)
                if bad.any():
                    counts = [len(r[1]) // ENTRY for r in rows]
                    which = np.repeat(np.arange(len(rows)), counts)
                    for r in np.unique(which[bad]).tolist():
                        v = np.frombuffer(rows[r][1], dtype=np.uint8).reshape(-1, ENTRY)
                        purged[int(rows[r][0])] = v[~bad[which == r]].tobytes()
        c = self.conn
        if purged:
            gone = [(bk,) for bk, v in purged.items() if not v and bk not in new]
            c.executemany("UPDATE buckets SET v = ? WHERE b = ?",
                          [(v + new.pop(bk, b""), bk) for bk, v in purged.items()
                           if v or bk in new])
            c.executemany("DELETE FROM buckets WHERE b = ?", gone)
        if new:
            c.executemany("INSERT INTO buckets(b, v) VALUES (?, ?) ON CONFLICT(b) DO UPDATE "
                          "SET v = CAST(v || excluded.v AS BLOB)", list(new.items()))

    def merge_all(self) -> None:
        """Merge every held canonical into the buckets and drop every dead article's entries
        (``index compact``)."""
        with self.begin():
            while self._st["last_doc"] > self._st["merged"]:  # one under way, then the rest
                if self._st["merge_to"] <= self._st["merged"]:
                    self._start_merge()
                self._merge_step(4096)
            if len(self._dead()):
                empty = np.empty(0, dtype=np.int64)
                for start in range(0, BUCKETS, 4096):
                    self._rewrite(start, start + 4096, empty, np.empty(0, np.uint8), empty)
                self.conn.execute("DELETE FROM dead")
                self._st["gen"] += 1

    # --- maintenance --------------------------------------------------------------------

    def _delete_docs(self, rows: Sequence[tuple[int, int, bytes | None]]) -> None:
        # numbers are never given again (state.last_doc stays); a merge drops their entries
        self._bury([doc for doc, canonical, _sig in rows if canonical])
        for doc, _canonical, _sig in rows:
            for table in ("sigs", "units", "texts", "docs"):
                self.conn.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))

    def remove(self, ids: Sequence[str], batch: int = 500) -> int:
        """Remove articles by id (batches of ``batch`` per transaction); returns how many
        were there.  A removed canonical takes its cluster out of the index: later copies
        of that story are new again."""
        removed = 0
        for i in range(0, len(ids), batch):
            with self.begin():
                chunk = [_b(x) for x in ids[i : i + batch]]
                marks = ",".join("?" * len(chunk))
                rows = self.conn.execute(
                    "SELECT d.doc, d.canonical, s.sig FROM docs d LEFT JOIN sigs s ON "
                    f"s.doc = d.doc WHERE d.id IN ({marks})",
                    chunk).fetchall()
                self._delete_docs(rows)
                removed += len(rows)
        return removed

    def prune(self, before: str, batch: int = 1000) -> int:
        """Remove every article decided before ``before`` (an ISO date or time, UTC), in
        transactions of ``batch`` articles; returns the count."""
        removed = 0
        while True:
            with self.begin():
                rows = self.conn.execute(
                    "SELECT d.doc, d.canonical, s.sig FROM docs d LEFT JOIN sigs s ON "
                    "s.doc = d.doc WHERE d.ingested < ? LIMIT ?",
                    (before, batch)).fetchall()
                self._delete_docs(rows)
                if rows:  # sketches rows of numbers that are all gone
                    self.conn.execute("DELETE FROM sketches WHERE hi < (SELECT "
                                      "COALESCE(MIN(doc), 1 << 62) FROM docs)")
            removed += len(rows)
            if len(rows) < batch:
                return removed

    def compact(self) -> None:
        """Merge the recent canonicals into the buckets, checkpoint the WAL into the file
        and VACUUM it (space of removed rows returned)."""
        self.merge_all()
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.execute("VACUUM")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise _clean(exc, self.path) from None

    def stats(self, tables: bool = False) -> dict[str, Any]:
        """Counts, size and parameters; ``tables``: also each table's and index's pages in
        bytes, in all and per article, and the share of them left unused (SQLite's
        ``dbstat``, which reads every page: seconds for a GB)."""
        c = self.conn
        actions = dict(c.execute("SELECT action, COUNT(*) FROM docs GROUP BY action"))
        docs = sum(actions.values())
        canon = c.execute("SELECT COUNT(*) FROM docs WHERE canonical = 1").fetchone()[0]
        band_rows = c.execute("SELECT COALESCE(SUM(length(v)), 0) FROM buckets"
                              ).fetchone()[0] // ENTRY
        st = self._state()
        unmerged = c.execute("SELECT COUNT(*) FROM sigs WHERE doc > ?",
                             (st["merged"],)).fetchone()[0]
        try:
            dead = c.execute("SELECT COUNT(*) FROM dead").fetchone()[0]
        except sqlite3.OperationalError:
            dead = 0
        files = {p: os.path.getsize(p) for p in (self.path, self.path + "-wal")
                 if os.path.exists(p)}
        size = sum(files.values())
        return {"index": self.path, "kind": "sqlite", "articles": docs,
                "canonicals": canon, "actions": actions, "band_rows": band_rows,
                "unmerged_canonicals": unmerged, "dead_pending": dead,
                "bytes": size, "bytes_per_article": round(size / docs, 1) if docs else None,
                "schema_version": self.meta.get("schema_version"),
                "created": self.meta.get("created"), "created_by": self.meta.get("created_by"),
                "params": json.loads(self.meta.get("params", "{}")),
                **({"tables": self._table_bytes(docs)} if tables else {})}

    def _table_bytes(self, docs: int) -> dict[str, dict[str, float]] | str:
        try:
            rows = self.conn.execute("SELECT name, SUM(pgsize), SUM(unused) FROM dbstat "
                                     "GROUP BY name ORDER BY 2 DESC").fetchall()
        except sqlite3.OperationalError:
            return "not available (this SQLite has no dbstat table)"
        return {str(name): {"bytes": int(size),
                            "per_article": round(size / docs, 1) if docs else 0.0,
                            "unused_share": round(unused / size, 3) if size else 0.0}
                for name, size, unused in rows}

    def export(self, signatures: bool = True) -> Iterator[dict[str, Any]]:
        """Every article, in decision order: id, cluster, canonical, decision, and (for
        canonicals) the MinHash as ``LeanMinHash(seed=..., hashvalues=...)`` arguments."""
        seed, num_perm = self.settings.cluster.lsh.seed, self.settings.cluster.lsh.num_perm
        cur = self.conn.execute("SELECT d.id, d.cluster, d.canonical, d.action, d.published, "
                                "d.ingested, s.sig, d.line FROM docs d LEFT JOIN sigs s "
                                "ON s.doc = d.doc ORDER BY d.doc")
        for aid, cluster, canonical, action, published, ingested, sig, line in cur:
            row: dict[str, Any] = {"id": _s(aid), "cluster": _s(cluster),
                                   "canonical": bool(canonical),
                                   "action": action, "published": _s(published),
                                   "ingested": ingested,
                                   "decision": json.loads(codec.unpack_line(line))}
            if signatures and sig is not None:
                row["minhash"] = {"seed": seed, "scheme": SCHEME, "num_perm": num_perm,
                                  "hashvalues": unpack_sig_bits(sig, num_perm).tolist()}
            yield row

    def verify(self) -> dict[str, Any]:
        """``PRAGMA integrity_check`` plus the index's own invariants."""
        c = self.conn
        problems: list[str] = []
        integrity = [r[0] for r in c.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems += [f"integrity_check: {x}" for x in integrity[:20]]
        canon = {r[0] for r in c.execute("SELECT doc FROM docs WHERE canonical = 1")}
        try:  # former canonicals whose entries the merge has not dropped yet
            dead = {r[0] for r in c.execute("SELECT doc FROM dead")}
        except sqlite3.OperationalError:
            dead = set()
        banded: set[int] = set()
        orphans = broken = 0
        cur = c.execute("SELECT b, v FROM buckets")
        while rows := cur.fetchmany(4096):
            try:
                _k, docs = _decode([r[0] for r in rows], [r[1] for r in rows])
            except ValueError:
                broken += 1
                continue
            seen = set(np.unique(docs).tolist())
            orphans += len(seen - canon - dead)
            banded |= seen & canon
        if broken:
            problems.append(f"{broken} band buckets of a length that is not whole entries")
        if orphans:
            problems.append(f"{orphans} band rows of articles that are not canonicals")
        bare = c.execute("SELECT COUNT(*) FROM docs d WHERE d.canonical = 1 AND (NOT EXISTS "
                         "(SELECT 1 FROM sigs s WHERE s.doc = d.doc) OR NOT EXISTS (SELECT 1 "
                         "FROM units u WHERE u.doc = d.doc))").fetchone()[0]
        merged = self._state()["merged"]  # later canonicals are read from their signatures
        bare += sum(1 for d in canon - banded if d <= merged)
        if bare:
            problems.append(f"{bare} canonicals without their signature, units or bands")
        wrong = self._verify_sketches()
        if wrong:
            problems.append(f"{wrong} sketches rows of a wrong length or disagreeing with "
                            "their articles' signatures")
        bad_titles = c.execute(f"SELECT COUNT(*) FROM units WHERE title IS NOT NULL AND "
                               f"(length(title) % 4 != 0 OR length(title) > {4 * TITLE_K})"
                               ).fetchone()[0]
        if bad_titles:
            problems.append(f"{bad_titles} stored title rows of a wrong length")
        multi = c.execute("SELECT COUNT(*) FROM (SELECT cluster FROM docs WHERE canonical = 1 "
                          "GROUP BY cluster HAVING COUNT(*) > 1)").fetchone()[0]
        if multi:
            problems.append(f"{multi} clusters with more than one canonical")
        bad_lines = 0
        for (aid, line) in c.execute("SELECT id, line FROM docs"):
            try:
                if json.loads(codec.unpack_line(line)).get("id") != _s(aid):
                    bad_lines += 1
            except (ValueError, zlib.error):
                bad_lines += 1
        if bad_lines:
            problems.append(f"{bad_lines} stored decision lines unreadable or of another id")
        return {"index": self.path, "ok": not problems, "integrity_check": integrity[:20],
                "problems": problems}


    def _verify_sketches(self) -> int:
        """The sketches rows that are malformed or whose bytes are not the low bytes of
        their canonicals' stored signatures (a wrong sketch could hide a candidate)."""
        num_perm = self.settings.cluster.lsh.num_perm
        try:
            his = [r[0] for r in self.conn.execute("SELECT hi FROM sketches ORDER BY hi")]
        except sqlite3.OperationalError:
            return 0
        wrong = 0
        for hi in his:
            lo, docs, low = self.conn.execute("SELECT lo, docs, low FROM sketches WHERE hi = ?",
                                              (hi,)).fetchone()
            if len(docs) % 8 or len(low) != len(docs) // 8 * num_perm:
                wrong += 1
                continue
            d = np.frombuffer(docs, dtype="<i8")
            held = dict(zip(d.tolist(), np.frombuffer(low, dtype=np.uint8).reshape(-1, num_perm),
                            strict=True))
            rows = self.conn.execute("SELECT doc, sig FROM sigs WHERE doc > ? AND doc <= ?",
                                     (lo, hi)).fetchall()
            if not (len(d) == 0 or (lo < d.min() and d.max() <= hi)):
                wrong += 1
                continue
            try:
                sigs = unpack_sigs([r[1] for r in rows], num_perm)
            except (ValueError, IndexError, TypeError):
                wrong += 1  # its signatures cannot be read to check it
                continue
            if any(r[0] in held and not np.array_equal(held[r[0]], s.astype(np.uint8))
                   for r, s in zip(rows, sigs, strict=True)):
                wrong += 1
        return wrong


class _Txn:
    """The index inside one transaction (:meth:`SqliteIndex.begin`)."""

    def __init__(self, index: SqliteIndex) -> None:
        self.ix = index
        self.c = index.conn

    def replay(self, article_id: str) -> str | None:
        row = self.c.execute("SELECT line FROM docs WHERE id = ?",
                             (_b(article_id),)).fetchone()
        return None if row is None else codec.unpack_line(row[0])

    def candidate_sigs(self, keys: np.ndarray, sig: np.ndarray | None = None,
                       early: tuple[tuple[int, ...], np.ndarray] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """The canonicals sharing a band key with ``keys``: their numbers (ascending) and
        signatures, and nothing else (:meth:`indexed` reads the rows of the few the leader
        loop's ranking keeps: at 100k articles a look-up finds ~100 canonicals, most of
        them sharing one band by chance).  With the newcomer's ``sig``, those whose
        remembered sketch proves them too dissimilar for the leader loop's ``min_jaccard``
        (:class:`~dedupe_news.filter.recent.Sketches`) are left out unread: they would
        fail :func:`~dedupe_news.filter.core.similar` anyway.  ``early``: the disk half of
        the look-up made ahead (:class:`LookAhead`), used when its snapshot is a state this
        process knows."""
        found = self._found(keys, early)
        if not self.ix._sketches_read:
            self.ix._read_sketches()
        lsh = self.ix.settings.cluster.lsh  # those that cannot pass are not read
        found = self.ix._sketches.passing(found, sig, lsh.num_perm, lsh.min_jaccard)
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.uint32)
        rows = self.c.execute(
            f"SELECT doc, sig FROM sigs WHERE doc IN ({','.join('?' * len(found))}) "
            "ORDER BY doc", found).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.uint32)
        sigs = self.ix._stored_sigs([r[1] for r in rows])
        docs = np.array([r[0] for r in rows], dtype=np.int64)
        self.ix._sketches.put(docs, sigs)
        return docs, sigs

    def indexed(self, docs: Sequence[int], sigs: np.ndarray) -> list[Indexed]:
        """The canonicals ``docs`` (with their ``sigs``, from :meth:`candidate_sigs`) as
        candidates; a number that is no canonical is left out."""
        if not len(docs):
            return []
        rows = self.c.execute(
            "SELECT doc, id, cluster, crank, nshingles, size, published FROM docs "
            f"WHERE doc IN ({','.join('?' * len(docs))}) AND canonical = 1",
            list(docs)).fetchall()
        sig_of = dict(zip(docs, sigs, strict=True))
        return [Indexed(doc, _s(aid) or "", _s(cluster) or "", crank, sig_of[doc], nsh, size,
                        _s(pub)) for doc, aid, cluster, crank, nsh, size, pub in rows]

    def _found(self, keys: np.ndarray,
               early: tuple[tuple[int, ...], np.ndarray] | None = None) -> list[int]:
        """The numbers of the articles with a band key of ``keys``: bucket rows on disk and
        the recent canonicals in memory (canonicals, and former ones a merge has not purged
        yet).  ``early``: the bucket rows' numbers as a snapshot held them (the state it
        read, the numbers) - only the buckets this process rewrote since are read (the same
        numbers, but for dead entries a rewrite purged since: those are no canonicals, and
        no signature row is found for them); a snapshot of an unknown state is ignored."""
        ix = self.ix
        k, buckets = keys_and_buckets(np.asarray(keys, dtype=np.int64))
        recent = ix._recent.find(k, distinct=True)
        base = None
        if early is not None:
            ranges = ix._since(early[0])
            if ranges is None:
                ix.lookahead["missed"] += 1
            else:
                base = early[1]
                ix.lookahead["used"] += 1
                stale = np.zeros(len(buckets), dtype=np.bool_)
                for a, b in ranges:
                    stale |= (buckets >= a) & (buckets < b)
                buckets = buckets[stale]
                ix.lookahead["reread"] += len(buckets)
        if base is None or len(buckets):
            rows = _bucket_rows(self.c, buckets)
            if rows:
                try:
                    got = matched(rows, k)
                except ValueError:
                    raise _bad_bucket(ix.path) from None
                base = got if base is None else union_sorted(base, got)
        if base is None or not len(base):
            return recent.tolist()
        return (union_sorted(base, recent) if len(recent) else base).tolist()

    def candidates(self, keys: np.ndarray) -> list[Indexed]:
        """Every canonical sharing a band key with ``keys``, with its row (see
        :meth:`candidate_sigs` for the look-up the filter makes)."""
        found = self._found(keys)
        if not found:
            return []
        rows = self.c.execute(
            f"SELECT {_CAND_COLS} FROM docs d JOIN sigs s ON s.doc = d.doc "
            f"WHERE d.doc IN ({','.join('?' * len(found))}) AND d.canonical = 1",
            found).fetchall()
        num_perm = self.ix.settings.cluster.lsh.num_perm
        try:
            sigs = unpack_sigs([r[4] for r in rows], num_perm)
        except (ValueError, IndexError, TypeError) as exc:
            raise FilterIndexError(f"{self.ix.path}: an unreadable signature ({exc}); run "
                                   "dedupe-news index verify") from None
        return [Indexed(doc, _s(aid) or "", _s(cluster) or "", crank, sig, nsh, size, _s(pub))
                for (doc, aid, cluster, crank, _blob, nsh, size, pub), sig
                in zip(rows, sigs, strict=True)]

    def load(self, docs: Sequence[Indexed]) -> None:
        """Units and title rows of these candidates; their texts are read (and decompressed)
        only if asked for (:meth:`Indexed.full_text`: a copy's decision)."""
        if not docs:
            return
        got = {r[0]: r[1:] for r in self.c.execute(
            f"SELECT doc, units, title FROM units WHERE doc IN ({','.join('?' * len(docs))})",
            [d.doc for d in docs])}
        for d in docs:
            units, title = got.get(d.doc, (None, None))
            try:
                d.flat, d.off = unpack_units(units)
                d.title = unpack_title(title)
            except (ValueError, IndexError, TypeError) as exc:
                raise corrupt(self.ix.path, d, exc) from None
            # the text is read when asked for, in this transaction (a copy's decision only)
            d.text, d.ztext, d.where = None, None, self.ix.path
            d.fetch = functools.partial(self._text, d.doc)

    def _text(self, doc: int) -> bytes | None:
        row = self.c.execute("SELECT text FROM texts WHERE doc = ?", (doc,)).fetchone()
        return None if row is None else row[0]

    def write(self, plan: Plan) -> bool:
        p = plan.prep
        a = p.article
        canonical = plan.canonical
        c = self.c
        st = self.ix._st
        doc = st["last_doc"] + 1  # numbers only grow (never one of a removed article)
        st["last_doc"] = doc
        c.execute(
            "INSERT INTO docs(doc, id, cluster, crank, canonical, action, published, ingested, "
            "size, nshingles, line) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (doc, _b(a.id), _b(plan.cluster), doc if plan.crank is None else plan.crank,
             int(canonical), plan.decision.action, _b(a.published), now_iso(), p.size,
             p.nshingles, codec.pack(plan.decision.line)))
        if plan.replaces is not None:
            old = plan.replaces
            self.ix._bury([old.doc])
            c.execute("UPDATE docs SET canonical = 0 WHERE doc = ?", (old.doc,))
            for table in ("sigs", "units", "texts"):
                c.execute(f"DELETE FROM {table} WHERE doc = ?", (old.doc,))
        if canonical:
            v = p.stored if p.stored is not None and ("text" in p.stored) == \
                self.ix.settings.store_text else stored_values(p, self.ix.settings.store_text)
            c.execute("INSERT INTO sigs(doc, sig) VALUES (?, ?)", (doc, v["sig"]))
            c.execute("INSERT INTO units(doc, units, title) VALUES (?, ?, ?)",
                      (doc, v["units"], v["title"] or None))
            if "text" in v:
                c.execute("INSERT INTO texts(doc, text) VALUES (?, ?)", (doc, v["text"]))
            self.ix._hold(doc, p.keys)
            self.ix._sketches.put(np.array([doc], dtype=np.int64), p.sig[None, :])
        self.ix._merge_step(self.ix.merge_step)
        return True


class LookAhead:
    """The disk half of a decision's look-up (:meth:`_Txn._found`: the bucket rows of the
    article's band keys, matched), made ahead of the decision in the filter's reader process
    (:mod:`~dedupe_news.filter.prefetch`) on a read-only connection of its own, so that the
    deciding process reads only the few buckets it rewrote since.

    Each batch is looked up in one read transaction (one WAL snapshot), whose state row
    goes with the numbers found (:attr:`Prepared.early`).  The deciding process uses them
    only when that state is one it knows (:meth:`SqliteIndex._since`: it committed it, or
    found it at a transaction's start, and nobody else has written since); otherwise, or
    when this side could not look (no index yet, another schema, an SQLite error), it looks
    up as before.  Bucket rows change only by the merge's rewrites, and every rewrite moves
    the state row, so a known state and the ranges rewritten since give the same numbers as
    a fresh read (tests/test_filter_prefetch.py holds the decisions equal byte for byte)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.failures = 0  # after a few, stop trying (the deciding side looks up itself)

    def _open(self) -> sqlite3.Connection | None:
        if self.failures >= 3 or not os.path.isfile(self.path) or \
                os.path.getsize(self.path) == 0:
            return None  # (the deciding process creates a new index after this one starts)
        conn = None
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                   isolation_level=None, check_same_thread=False, timeout=5)
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                               ).fetchone()
        except sqlite3.Error:  # (not made yet: tried again at the next batch)
            row = None
        if row is None or row[0] != str(SCHEMA_VERSION):
            if conn is not None:
                conn.close()
            return None
        self.conn = conn
        return conn

    def look(self, preps: Sequence[Prepared | None]) -> None:
        """Set ``early`` on each of ``preps`` with shingles (the same snapshot for all)."""
        todo = [p for p in preps if p is not None and p.nshingles > 0]
        conn = (self.conn or self._open()) if todo else None
        if conn is None:
            return
        found: list[np.ndarray | None] = []
        try:
            conn.execute("BEGIN")
            try:
                row = conn.execute(f"SELECT {', '.join(_STATE)} FROM state").fetchone()
                for p in todo if row is not None else ():
                    k, buckets = keys_and_buckets(np.asarray(p.keys, dtype=np.int64))
                    rows = _bucket_rows(conn, buckets)
                    try:
                        found.append(matched(rows, k) if rows else np.zeros(0, np.int64))
                    except ValueError:  # the deciding side reports it
                        found.append(None)
            finally:
                conn.execute("COMMIT")
        except Exception:  # (a look-up ahead is only a head start: never the stream's end)
            self.failures += 1
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            self.conn = None
            return
        if row is None:
            return
        state = tuple(int(x) for x in row)
        for p, f in zip(todo, found, strict=True):
            if f is not None:
                p.early = (state, f)

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self.conn.close()
            self.conn = None
