"""The embedded index: one SQLite file (WAL), one ``BEGIN IMMEDIATE`` transaction a decision.

Tables:

* ``meta`` - the schema version and the fingerprint parameters (:meth:`FilterSettings.params`)
  the index was made with; an index made with others is refused (:class:`IndexMismatch`).
* ``docs`` - one row per decided article: its decision line (replayed byte for byte), its
  cluster and the cluster's rank, whether it is the cluster's canonical, when it was
  decided; canonicals also keep what candidates and verification need - the MinHash
  signature (256 uint32), the sentence units (stem hashes) and, unless ``store_text`` is
  off, the text (zlib) for the canonical rule.
* ``bands`` - (band key, doc) for every canonical: the LSH table, ``WITHOUT ROWID`` so the
  key index is the table.

Writers serialise on ``BEGIN IMMEDIATE`` (look-up, verification and insert in one
transaction: two processes cannot both keep one story); readers see WAL snapshots; a busy
index is waited for up to ``busy_timeout`` seconds, then a clean error.  ``synchronous =
NORMAL``: a committed decision survives the process being killed (``kill -9``); after a
power cut the index is consistent but may miss its last decisions.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from dedupe_news import __version__
from dedupe_news.filter.core import (
    SCHEMA_VERSION,
    FilterIndexError,
    FilterSettings,
    IndexBusy,
    Indexed,
    IndexMismatch,
    Plan,
    band_keys,
    corrupt,
    now_iso,
    pack_sig,
    pack_units,
    unpack_sig,
    unpack_units,
)
from dedupe_news.sketch import SCHEME

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
    sig BLOB,
    units BLOB,
    text BLOB,
    line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_cluster ON docs(cluster);
CREATE INDEX IF NOT EXISTS docs_ingested ON docs(ingested);
CREATE TABLE IF NOT EXISTS bands(key INTEGER NOT NULL, doc INTEGER NOT NULL,
                                 PRIMARY KEY(key, doc)) WITHOUT ROWID;
"""
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CAND_COLS = "d.doc, d.id, d.cluster, d.crank, d.sig, d.nshingles, d.size, d.published"


def _b(text: str | None) -> bytes | None:
    """A string as stored: UTF-8 bytes, lone surrogates kept (``surrogatepass``), so any id
    a JSON record can carry round-trips and stays unique."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _s(blob: bytes | str | None) -> str | None:
    if blob is None or isinstance(blob, str):
        return blob
    return blob.decode("utf-8", "surrogatepass")


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
            self.conn.execute("PRAGMA cache_size = -65536")  # 64 MB of pages at most
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
                    self.conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    raise
        self.meta = self._meta()
        if self._adopt:
            self.settings = settings_from_meta(self.meta)
            self.params = json.loads(self.meta.get("params", "{}"))
            if self.meta.get("schema_version") == str(SCHEMA_VERSION):
                return
        self._check(self.meta)

    def _meta(self) -> dict[str, str]:
        try:
            return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:
            raise FilterIndexError(f"{self.path}: an SQLite file, but not a dedupe-news index "
                                   "(no meta table)") from None

    def _check(self, meta: dict[str, str]) -> None:
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
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
            yield _Txn(self)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise _clean(exc, self.path) from None

    # --- maintenance --------------------------------------------------------------------

    def _keys_of(self, sig_blob: bytes | None) -> list[int]:
        if sig_blob is None:
            return []
        lsh = self.settings.cluster.lsh
        return band_keys(unpack_sig(sig_blob), lsh.bands, lsh.rows).tolist()

    def _delete_docs(self, rows: Sequence[tuple[int, int, bytes | None]]) -> None:
        for doc, canonical, sig in rows:
            if canonical:
                self.conn.executemany("DELETE FROM bands WHERE key = ? AND doc = ?",
                                      [(k, doc) for k in self._keys_of(sig)])
            self.conn.execute("DELETE FROM docs WHERE doc = ?", (doc,))

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
                    f"SELECT doc, canonical, sig FROM docs WHERE id IN ({marks})",
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
                    "SELECT doc, canonical, sig FROM docs WHERE ingested < ? LIMIT ?",
                    (before, batch)).fetchall()
                self._delete_docs(rows)
            removed += len(rows)
            if len(rows) < batch:
                return removed

    def compact(self) -> None:
        """Checkpoint the WAL into the file and VACUUM it (space of removed rows returned)."""
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.execute("VACUUM")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise _clean(exc, self.path) from None

    def stats(self) -> dict[str, Any]:
        c = self.conn
        actions = dict(c.execute("SELECT action, COUNT(*) FROM docs GROUP BY action"))
        docs = sum(actions.values())
        canon = c.execute("SELECT COUNT(*) FROM docs WHERE canonical = 1").fetchone()[0]
        band_rows = c.execute("SELECT COUNT(*) FROM bands").fetchone()[0]
        files = {p: os.path.getsize(p) for p in (self.path, self.path + "-wal")
                 if os.path.exists(p)}
        size = sum(files.values())
        return {"index": self.path, "kind": "sqlite", "articles": docs,
                "canonicals": canon, "actions": actions, "band_rows": band_rows,
                "bytes": size, "bytes_per_article": round(size / docs, 1) if docs else None,
                "schema_version": self.meta.get("schema_version"),
                "created": self.meta.get("created"), "created_by": self.meta.get("created_by"),
                "params": json.loads(self.meta.get("params", "{}"))}

    def export(self, signatures: bool = True) -> Iterator[dict[str, Any]]:
        """Every article, in decision order: id, cluster, canonical, decision, and (for
        canonicals) the MinHash as ``LeanMinHash(seed=..., hashvalues=...)`` arguments."""
        seed = self.settings.cluster.lsh.seed
        cur = self.conn.execute("SELECT id, cluster, canonical, action, published, ingested, "
                                "sig, line FROM docs ORDER BY doc")
        for aid, cluster, canonical, action, published, ingested, sig, line in cur:
            row: dict[str, Any] = {"id": _s(aid), "cluster": _s(cluster),
                                   "canonical": bool(canonical),
                                   "action": action, "published": _s(published),
                                   "ingested": ingested, "decision": json.loads(line)}
            if signatures and sig is not None:
                row["minhash"] = {"seed": seed, "scheme": SCHEME, "num_perm": len(sig) // 4,
                                  "hashvalues": unpack_sig(sig).tolist()}
            yield row

    def verify(self) -> dict[str, Any]:
        """``PRAGMA integrity_check`` plus the index's own invariants."""
        c = self.conn
        problems: list[str] = []
        integrity = [r[0] for r in c.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems += [f"integrity_check: {x}" for x in integrity[:20]]
        orphans = c.execute("SELECT COUNT(*) FROM bands b LEFT JOIN docs d ON d.doc = b.doc "
                            "WHERE d.doc IS NULL OR d.canonical = 0").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} band rows of articles that are not canonicals")
        bare = c.execute("SELECT COUNT(*) FROM docs d WHERE d.canonical = 1 AND (d.sig IS NULL "
                         "OR d.units IS NULL OR NOT EXISTS (SELECT 1 FROM bands b "
                         "WHERE b.doc = d.doc))").fetchone()[0]
        if bare:
            problems.append(f"{bare} canonicals without their signature, units or bands")
        multi = c.execute("SELECT COUNT(*) FROM (SELECT cluster FROM docs WHERE canonical = 1 "
                          "GROUP BY cluster HAVING COUNT(*) > 1)").fetchone()[0]
        if multi:
            problems.append(f"{multi} clusters with more than one canonical")
        bad_lines = 0
        for (aid, line) in c.execute("SELECT id, line FROM docs"):
            try:
                if json.loads(line).get("id") != _s(aid):
                    bad_lines += 1
            except ValueError:
                bad_lines += 1
        if bad_lines:
            problems.append(f"{bad_lines} stored decision lines unreadable or of another id")
        return {"index": self.path, "ok": not problems, "integrity_check": integrity[:20],
                "problems": problems}


class _Txn:
    """The index inside one transaction (:meth:`SqliteIndex.begin`)."""

    def __init__(self, index: SqliteIndex) -> None:
        self.ix = index
        self.c = index.conn

    def replay(self, article_id: str) -> str | None:
        row = self.c.execute("SELECT line FROM docs WHERE id = ?",
                             (_b(article_id),)).fetchone()
        return None if row is None else str(row[0])

    def candidates(self, keys: np.ndarray) -> list[Indexed]:
        ks = sorted(set(keys.tolist()))
        marks = ",".join("?" * len(ks))
        rows = self.c.execute(
            f"SELECT {_CAND_COLS} FROM docs d WHERE d.doc IN "
            f"(SELECT DISTINCT doc FROM bands WHERE key IN ({marks})) AND d.canonical = 1",
            ks).fetchall()
        return [Indexed(doc, _s(aid) or "", _s(cluster) or "", crank, unpack_sig(sig), nsh,
                        size, _s(pub))
                for doc, aid, cluster, crank, sig, nsh, size, pub in rows]

    def load(self, docs: Sequence[Indexed]) -> None:
        for d in docs:
            units, text = self.c.execute("SELECT units, text FROM docs WHERE doc = ?",
                                         (d.doc,)).fetchone()
            try:
                d.flat, d.off = unpack_units(units)
                d.text = None if text is None else \
                    zlib.decompress(text).decode("utf-8", "surrogatepass")
            except (zlib.error, ValueError, IndexError, TypeError) as exc:
                raise corrupt(self.ix.path, d, exc) from None

    def write(self, plan: Plan) -> bool:
        p = plan.prep
        a = p.article
        canonical = plan.canonical
        sig = units = text = None
        if canonical:
            sig, units = pack_sig(p.sig), pack_units(p.flat, p.off)
            if self.ix.settings.store_text:
                text = zlib.compress(a.text.encode("utf-8", "surrogatepass"), 6)
        cur = self.c.execute(
            "INSERT INTO docs(id, cluster, crank, canonical, action, published, ingested, size, "
            "nshingles, sig, units, text, line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (_b(a.id), _b(plan.cluster), plan.crank, int(canonical), plan.decision.action,
             _b(a.published),
             now_iso(), p.size, p.nshingles, sig, units, text, plan.decision.line))
        doc = cur.lastrowid
        if plan.crank is None:
            self.c.execute("UPDATE docs SET crank = doc WHERE doc = ?", (doc,))
        if plan.replaces is not None:
            old = plan.replaces
            self.c.executemany("DELETE FROM bands WHERE key = ? AND doc = ?",
                               [(k, old.doc) for k in self.ix._keys_of(pack_sig(old.sig))])
            self.c.execute("UPDATE docs SET canonical = 0, units = NULL, text = NULL "
                           "WHERE doc = ?", (old.doc,))
        if canonical:
            self.c.executemany("INSERT OR IGNORE INTO bands(key, doc) VALUES (?, ?)",
                               [(k, doc) for k in p.keys.tolist()])
        return True
