"""The shared index: Redis, for several filter workers on several machines.

Nothing is ever unpickled: every value is bytes this module writes and parses itself
(decision lines as JSON text, signatures, units and title stems as little-endian uint32
arrays, texts as zlib'd UTF-8).  Keys (``PREFIX`` defaults to ``dn:``; ``?prefix=`` in the
URL changes it):

* ``PREFIX meta`` (hash) - schema version (3: title stems stored; an older index is
  refused) and parameters, checked like SQLite's;
* ``PREFIX line`` (hash id -> decision line), ``PREFIX doc`` (hash id -> doc number),
  ``PREFIX seq`` (doc counter), ``PREFIX ingested`` (sorted set doc -> decision time, for
  pruning), ``PREFIX actions`` (hash action -> count);
* ``PREFIX d:<doc>`` (hash) - an article: id, cluster, crank, canonical, action, published,
  ingested and, for canonicals, sig, units, text and title (the non-zero title-stem hashes,
  :func:`~dedupe_news.filter.core.pack_title`; absent for an article without title);
* ``PREFIX b:<key>`` (set of doc numbers) - the LSH table, canonicals only.

A decision is two round trips plus one atomic commit: a Lua *lookup* returns the id's stored
line (a replay) or the union of the band sets (pipelined candidate fetches follow), the
decision is made in the worker, and a Lua *commit* re-reads the union of the article's band
sets and applies the writes only if it is unchanged (and the id still undecided) - else
the worker decides again.  A story two workers send at once therefore gets one ``keep``: the
second commit sees the first's band entries and retries into a ``drop`` or ``replace``.
Standalone Redis (not Redis Cluster: the scripts build key names).
"""

from __future__ import annotations

import contextlib
import json
import time
import zlib
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np

from dedupe_news import __version__
from dedupe_news.filter.core import (
    RECORD_VERSION,
    FilterIndexError,
    FilterSettings,
    IndexBusy,
    Indexed,
    IndexMismatch,
    Plan,
    Replay,
    band_keys,
    corrupt,
    now_iso,
    pack_sig,
    pack_title,
    pack_units,
    unpack_sig,
    unpack_title,
    unpack_units,
)
from dedupe_news.filter.recent import Sketches
from dedupe_news.sketch import SCHEME

_LOOKUP = """
local p = ARGV[1]
local line = redis.call('HGET', p .. 'line', ARGV[2])
if line then return {line} end
local seen, out = {}, {''}
for i = 3, #ARGV do
  local m = redis.call('SMEMBERS', p .. 'b:' .. ARGV[i])
  for _, d in ipairs(m) do
    if not seen[d] then seen[d] = true; out[#out + 1] = d end
  end
end
return out
"""

# ARGV: prefix, id, snapshot ("" or sorted doc numbers joined by ","), canonical (0/1),
# old doc ("" unless replace), nkeys, nold, keys..., old keys..., then the fields:
# cluster, crank ("" = the new doc), action, published, ingested (unix seconds),
# ingested_iso, size, nshingles, sig, units, text, line, title ("" = none)
_COMMIT = """
local p = ARGV[1]
local id = ARGV[2]
local line = redis.call('HGET', p .. 'line', id)
if line then return {0, line} end
local nk, nold = tonumber(ARGV[6]), tonumber(ARGV[7])
local seen, members = {}, {}
for i = 1, nk do
  local m = redis.call('SMEMBERS', p .. 'b:' .. ARGV[7 + i])
  for _, d in ipairs(m) do
    if not seen[d] then seen[d] = true; members[#members + 1] = tonumber(d) end
  end
end
table.sort(members)
if table.concat(members, ',') ~= ARGV[3] then return {1} end
local f = 7 + nk + nold
local cluster, crank, action = ARGV[f + 1], ARGV[f + 2], ARGV[f + 3]
local published, ingested, iso = ARGV[f + 4], ARGV[f + 5], ARGV[f + 6]
local doc = redis.call('INCR', p .. 'seq')
if crank == '' then crank = tostring(doc) end
local key = p .. 'd:' .. doc
redis.call('HSET', key, 'id', id, 'cluster', cluster, 'crank', crank,
           'canonical', ARGV[4], 'action', action, 'published', published,
           'ingested', iso, 'size', ARGV[f + 7], 'nshingles', ARGV[f + 8])
if ARGV[4] == '1' then
  redis.call('HSET', key, 'sig', ARGV[f + 9], 'units', ARGV[f + 10])
  if ARGV[f + 11] ~= '' then redis.call('HSET', key, 'text', ARGV[f + 11]) end
  if ARGV[f + 13] ~= '' then redis.call('HSET', key, 'title', ARGV[f + 13]) end
  for i = 1, nk do redis.call('SADD', p .. 'b:' .. ARGV[7 + i], doc) end
end
local old = ARGV[5]
if old ~= '' then
  for i = 1, nold do redis.call('SREM', p .. 'b:' .. ARGV[7 + nk + i], old) end
  redis.call('HSET', p .. 'd:' .. old, 'canonical', '0')
  redis.call('HDEL', p .. 'd:' .. old, 'units', 'text', 'title')
end
redis.call('HSET', p .. 'line', id, ARGV[f + 12])
redis.call('HSET', p .. 'doc', id, doc)
redis.call('ZADD', p .. 'ingested', ingested, doc)
redis.call('HINCRBY', p .. 'actions', action, 1)
return {2, doc}
"""

# ARGV: prefix, doc, nkeys, keys...: remove one article (and its band entries)
_REMOVE = """
local p, doc = ARGV[1], ARGV[2]
local key = p .. 'd:' .. doc
local id = redis.call('HGET', key, 'id')
if not id then return 0 end
for i = 1, tonumber(ARGV[3]) do redis.call('SREM', p .. 'b:' .. ARGV[3 + i], doc) end
local action = redis.call('HGET', key, 'action')
if action then redis.call('HINCRBY', p .. 'actions', action, -1) end
redis.call('DEL', key)
redis.call('HDEL', p .. 'line', id)
redis.call('HDEL', p .. 'doc', id)
redis.call('ZREM', p .. 'ingested', doc)
return 1
"""

_CAND_FIELDS = ("id", "cluster", "crank", "sig", "nshingles", "size", "published",
                "canonical")


def _b(text: str) -> bytes:
    """Ids and other strings as sent to Redis: UTF-8, lone surrogates kept."""
    return text.encode("utf-8", "surrogatepass")


def _s(b: bytes | None) -> str | None:
    return None if b is None else b.decode("utf-8", "surrogatepass")


class RedisIndex:
    """An index in a Redis database (``redis://host:port/db[?prefix=dn:]``)."""

    def __init__(self, url: str, settings: FilterSettings | None = None,
                 busy_timeout: float = 30.0, create: bool = True, adopt: bool = False) -> None:
        try:
            import redis
        except ImportError:
            raise FilterIndexError("a Redis index needs the redis package: pip install "
                                   "'dedupe-news[service]'") from None
        self._redis = redis
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.prefix = (query.pop("prefix", ["dn:"])[0])
        self.url = urlunsplit(parts._replace(query=""))
        self.settings = settings or FilterSettings()
        self.params = self.settings.params()
        # article numbers come from one INCR in the atomic commit: never given twice
        self._sketches = Sketches(self.settings.cluster.lsh.num_perm)
        try:
            self.r = redis.Redis.from_url(self.url, socket_timeout=max(1.0, busy_timeout),
                                          socket_connect_timeout=5)
            self.r.ping()
            self._lookup = self.r.register_script(_LOOKUP)
            self._commit = self.r.register_script(_COMMIT)
            self._remove = self.r.register_script(_REMOVE)
            self._init(create, adopt)
        except redis.RedisError as exc:
            raise FilterIndexError(f"{self.url}: {exc}") from None

    def _init(self, create: bool, adopt: bool) -> None:
        meta_key = self.prefix + "meta"
        lsh = self.settings.cluster.lsh
        if create:
            fields = {"schema_version": str(RECORD_VERSION),
                      "params": json.dumps(self.params, sort_keys=True),
                      "created": now_iso(), "created_by": f"dedupe-news {__version__}",
                      "bands": str(lsh.bands), "rows": str(lsh.rows),
                      "num_perm": str(lsh.num_perm), "seed": str(lsh.seed)}
            # HSETNX field by field in one transaction: the first worker's parameters win
            pipe = self.r.pipeline(transaction=True)
            for k, v in fields.items():
                pipe.hsetnx(meta_key, k, v)
            pipe.execute()
        meta = {k.decode(): v.decode() for k, v in self.r.hgetall(meta_key).items()}
        if not meta:
            raise FilterIndexError(f"{self.url}: no dedupe-news index here (prefix "
                                   f"{self.prefix!r})")
        self.meta = meta
        if adopt:
            from dedupe_news.filter.sqlite_index import settings_from_meta

            self.settings = settings_from_meta(meta)
            self.params = json.loads(meta.get("params", "{}"))
            if meta.get("schema_version") == str(RECORD_VERSION):
                return
        if meta.get("schema_version") != str(RECORD_VERSION):
            raise IndexMismatch(f"{self.url}: index schema version "
                                f"{meta.get('schema_version')}, this dedupe-news writes "
                                f"{RECORD_VERSION}; refused (never mixed)")
        stored = json.loads(meta.get("params", "{}"))
        if stored != self.params:
            diff = [f"{k}: index {stored.get(k)!r}, now {self.params.get(k)!r}"
                    for k in sorted(set(stored) | set(self.params))
                    if stored.get(k) != self.params.get(k)]
            raise IndexMismatch(f"{self.url}: index made with other parameters; refused "
                                "(never mixed): " + "; ".join(diff))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.r.close()

    @contextlib.contextmanager
    def begin(self) -> Iterator[_Txn]:
        try:
            yield _Txn(self)
        except self._redis.RedisError as exc:
            raise FilterIndexError(f"{self.url}: {exc}") from None

    def keys_of(self, sig: np.ndarray) -> list[int]:
        lsh = self.settings.cluster.lsh
        return band_keys(sig, lsh.bands, lsh.rows).tolist()

    # --- maintenance --------------------------------------------------------------------

    def _docs_of(self, ids: Sequence[str]) -> list[int]:
        vals = self.r.hmget(self.prefix + "doc", [_b(x) for x in ids]) if ids else []
        return [int(v) for v in vals if v is not None]

    def _remove_docs(self, docs: Sequence[int]) -> int:
        n = 0
        for doc in docs:
            sig = self.r.hget(f"{self.prefix}d:{doc}", "sig")
            keys = self.keys_of(unpack_sig(sig)) if sig else []
            n += int(self._remove(args=[self.prefix, doc, len(keys), *keys]))
        return n

    def remove(self, ids: Sequence[str], batch: int = 500) -> int:
        n = 0
        for i in range(0, len(ids), batch):
            n += self._remove_docs(self._docs_of(ids[i : i + batch]))
        return n

    def prune(self, before: str, batch: int = 1000) -> int:
        import calendar

        t = calendar.timegm(time.strptime(before, "%Y-%m-%dT%H:%M:%SZ"))
        n = 0
        while True:
            docs = [int(d) for d in self.r.zrangebyscore(self.prefix + "ingested", "-inf",
                                                         f"({t}", start=0, num=batch)]
            if not docs:
                return n
            n += self._remove_docs(docs)

    def compact(self) -> None:
        """Nothing to do: Redis frees a removed article's memory at once."""

    def stats(self, tables: bool = False) -> dict[str, Any]:
        """Counts, Redis memory and parameters (``tables``: SQLite only, ignored here)."""
        actions = {k.decode(): int(v) for k, v in
                   self.r.hgetall(self.prefix + "actions").items() if int(v)}
        n = int(self.r.hlen(self.prefix + "line"))
        info = self.r.info("memory")
        return {"index": self.url, "kind": "redis", "prefix": self.prefix, "articles": n,
                "actions": actions, "redis_used_memory": info.get("used_memory"),
                "bytes_per_article": round(info.get("used_memory", 0) / n, 1) if n else None,
                "schema_version": self.meta.get("schema_version"),
                "created": self.meta.get("created"), "created_by": self.meta.get("created_by"),
                "params": json.loads(self.meta.get("params", "{}"))}

    def export(self, signatures: bool = True) -> Iterator[dict[str, Any]]:
        seed = self.settings.cluster.lsh.seed
        docs = [int(d) for d in self.r.zrange(self.prefix + "ingested", 0, -1)]
        docs.sort()
        for i in range(0, len(docs), 500):
            pipe = self.r.pipeline(transaction=False)
            for doc in docs[i : i + 500]:
                pipe.hmget(f"{self.prefix}d:{doc}", "id", "cluster", "canonical", "action",
                           "published", "ingested", "sig")
            rows = pipe.execute()
            ids = [r[0] or b"" for r in rows]
            lines = self.r.hmget(self.prefix + "line", ids) if ids else []
            for r, line in zip(rows, lines, strict=True):
                aid, cluster, canonical, action, published, ingested, sig = r
                if aid is None or line is None:
                    continue
                row: dict[str, Any] = {"id": _s(aid), "cluster": _s(cluster),
                                       "canonical": canonical == b"1", "action": _s(action),
                                       "published": _s(published) or None,
                                       "ingested": _s(ingested),
                                       "decision": json.loads(line)}
                if signatures and sig:
                    row["minhash"] = {"seed": seed, "scheme": SCHEME, "num_perm": len(sig) // 4,
                                      "hashvalues": unpack_sig(sig).tolist()}
                yield row

    def verify(self) -> dict[str, Any]:
        problems: list[str] = []
        n_line = int(self.r.hlen(self.prefix + "line"))
        n_doc = int(self.r.hlen(self.prefix + "doc"))
        n_ing = int(self.r.zcard(self.prefix + "ingested"))
        if not n_line == n_doc == n_ing:
            problems.append(f"counts differ: {n_line} lines, {n_doc} ids, {n_ing} docs")
        for key in self.r.scan_iter(match=self.prefix + "b:*", count=1000):
            for d in self.r.smembers(key):
                if self.r.hget(f"{self.prefix}d:{int(d)}", "canonical") != b"1":
                    problems.append(f"{key.decode()}: doc {int(d)} is not a canonical")
                    break
            if len(problems) > 20:
                break
        return {"index": self.url, "ok": not problems, "problems": problems}


class _Txn:
    """One optimistic decision: look-up now, commit checked by :data:`_COMMIT`."""

    def __init__(self, ix: RedisIndex) -> None:
        self.ix = ix
        self.snapshot = ""
        self.keys: list[int] = []

    def replay(self, article_id: str) -> str | None:
        self.article_id = article_id
        return None  # asked of the look-up script with the candidates (one round trip)

    def _found(self, keys: np.ndarray) -> list[int]:
        """The look-up script: the articles with a band key of ``keys`` (ascending), or
        :class:`Replay` when the id was decided before; the snapshot the commit checks."""
        ix = self.ix
        self.keys = keys.tolist()
        out = ix._lookup(args=[ix.prefix, _b(self.article_id), *self.keys])
        if out and out[0] != b"":
            self.replayed = _s(out[0])
            raise Replay(self.replayed or "")
        docs = sorted(int(d) for d in out[1:])
        self.snapshot = ",".join(map(str, docs))
        return docs

    def candidate_sigs(self, keys: np.ndarray, sig: np.ndarray | None = None,
                       early: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """As the SQLite index's: the canonicals' numbers and signatures only (one pipelined
        round trip; with ``sig``, not those whose remembered sketch fails the bound), the
        rest of the row for the few the ranking keeps (:meth:`indexed`).  ``early`` (a
        look-up made ahead, SQLite only) is not used: the look-up script is one round
        trip."""
        docs = self._found(keys)
        lsh = self.ix.settings.cluster.lsh  # those that cannot pass are not read
        docs = self.ix._sketches.passing(docs, sig, lsh.num_perm, lsh.min_jaccard)
        kept: list[tuple[int, bytes]] = []
        if docs:
            pipe = self.ix.r.pipeline(transaction=False)
            for d in docs:
                pipe.hmget(f"{self.ix.prefix}d:{d}", "sig", "canonical")
            kept = [(d, blob) for d, (blob, canonical) in zip(docs, pipe.execute(), strict=True)
                    if blob is not None and canonical == b"1"]
        if not kept:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.uint32)
        got = np.array([d for d, _ in kept], dtype=np.int64)
        sigs = np.stack([unpack_sig(s) for _, s in kept])
        self.ix._sketches.put(got, sigs)
        return got, sigs

    def indexed(self, docs: Sequence[int], sigs: np.ndarray) -> list[Indexed]:
        """The canonicals ``docs`` with their ``sigs`` as candidates (a number that is no
        canonical any more is left out)."""
        if not len(docs):
            return []
        pipe = self.ix.r.pipeline(transaction=False)
        for d in docs:
            pipe.hmget(f"{self.ix.prefix}d:{d}", *_CAND_FIELDS)
        return self._rows(docs, pipe.execute(), list(sigs))

    def candidates(self, keys: np.ndarray) -> list[Indexed]:
        docs = self._found(keys)
        if not docs:
            return []
        pipe = self.ix.r.pipeline(transaction=False)
        for d in docs:
            pipe.hmget(f"{self.ix.prefix}d:{d}", *_CAND_FIELDS)
        return self._rows(docs, pipe.execute(), None)

    def _rows(self, docs: Sequence[int], rows: list[Any], sigs: list[np.ndarray] | None
              ) -> list[Indexed]:
        found = []
        for k, (d, row) in enumerate(zip(docs, rows, strict=True)):
            aid, cluster, crank, sig, nsh, size, pub, canonical = row
            if aid is None or sig is None or canonical != b"1":
                continue
            found.append(Indexed(d, _s(aid) or "", _s(cluster) or "", int(crank or d),
                                 unpack_sig(sig) if sigs is None else sigs[k], int(nsh or 0),
                                 int(size or 0), _s(pub) or None))
        return found

    def load(self, docs: Sequence[Indexed]) -> None:
        if not docs:
            return
        pipe = self.ix.r.pipeline(transaction=False)
        for d in docs:
            pipe.hmget(f"{self.ix.prefix}d:{d.doc}", "units", "text", "title")
        for d, (units, text, title) in zip(docs, pipe.execute(), strict=True):
            try:
                if units is None:  # replaced meanwhile: the commit will see it and retry
                    d.flat, d.off = np.zeros(0, np.uint32), np.zeros(1, np.int64)
                else:
                    d.flat, d.off = unpack_units(units)
                d.title = unpack_title(title)
                d.text = None if not text else zlib.decompress(text).decode("utf-8",
                                                                            "surrogatepass")
            except (zlib.error, ValueError, IndexError) as exc:
                raise corrupt(self.ix.url, d, exc) from None

    def write(self, plan: Plan) -> bool:
        ix = self.ix
        p = plan.prep
        a = p.article
        canon = plan.canonical
        text = b""
        if canon and ix.settings.store_text:
            text = zlib.compress(a.text.encode("utf-8", "surrogatepass"), 6)
        old = plan.replaces
        old_keys = ix.keys_of(old.sig) if old is not None else []
        now = time.time()
        args: list[Any] = [ix.prefix, _b(a.id), self.snapshot, "1" if canon else "0",
                           "" if old is None else str(old.doc), len(self.keys), len(old_keys),
                           *self.keys, *old_keys,
                           _b(plan.cluster), "" if plan.crank is None else str(plan.crank),
                           plan.decision.action, _b(a.published or ""), f"{now:.6f}",
                           time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                           p.size, p.nshingles, pack_sig(p.sig) if canon else b"",
                           pack_units(p.flat, p.off) if canon else b"", text,
                           plan.decision.line.encode("utf-8"),
                           pack_title(p.title) if canon else b""]
        res = ix._commit(args=args)
        code = int(res[0])
        if code == 0:  # decided meanwhile by another worker: replay its line
            raise Replay(_s(res[1]) or "")
        return code == 2


__all__ = ["IndexBusy", "RedisIndex"]
