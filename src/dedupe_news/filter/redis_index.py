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
* ``PREFIX b:<key>`` (set of doc numbers) - the LSH table, canonicals only;
* ``PREFIX epoch`` - counts the commits and removals: unchanged, nothing changed.

A batch of decisions (``filter`` reads 32 lines at a time; :meth:`_Txn.ahead`) costs three
round trips however many articles it holds: one Lua *look-up* gives each article's stored
line (a replay) or the union of its band sets, the epoch and a block of article numbers;
one pipeline reads the rows, units, titles and texts of each article's ``max_candidates``
most similar canonicals, ranked on the signatures the process keeps in memory
(:class:`Signatures`; one more pipeline reads those it has not seen); the decisions are
made in the worker, each seeing the batch's earlier writes (its new canonicals, the ones it
replaced, its ids); one Lua *commit* writes them all, or none.  The commit trusts the
look-up when the epoch has not moved; when it has, it checks every article first (its id
still undecided, the union of its band sets as the look-up saw it) and, on any difference,
writes nothing: the batch is decided again one article at a time.  One decision alone takes
the same path without the epoch (always checked), its candidates read in pipelined round
trips.  A story two workers send at once therefore gets one ``keep``: the second commit
sees the first's band entries and retries into a ``drop`` or ``replace``.
Standalone Redis (not Redis Cluster: the scripts build key names).
"""

from __future__ import annotations

import contextlib
import json
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np

from dedupe_news import __version__
from dedupe_news.filter.core import (
    RECORD_VERSION,
    BatchConflict,
    FilterIndexError,
    FilterSettings,
    IndexBusy,
    Indexed,
    IndexMismatch,
    Plan,
    Prepared,
    Replay,
    band_keys,
    corrupt,
    most_similar,
    now_iso,
    pack_sig,
    pack_title,
    pack_units,
    unpack_sig,
    unpack_title,
    unpack_units,
)
from dedupe_news.sketch import SCHEME

# Band keys travel as one blob of int32 (little-endian) per article; a script turns them
# back into the band sets' names (a number prints as Python prints the int).
_KEYS_LUA = """
local function bandkeys(p, blob)
  local n = #blob / 4
  local keys = {}
  if n == 0 then return keys end
  local v = {struct.unpack('<' .. string.rep('i4', n), blob)}
  for j = 1, n do keys[j] = p .. 'b:' .. v[j] end
  return keys
end
"""

# Look-ups (a batch's in one call, :meth:`_Txn.ahead`; or one).  ARGV: prefix, n, reserve,
# then per article: id, band keys (a blob).  Returns the epoch; the last of ``reserve``
# article numbers taken from the counter (the batch's); per article {line} (decided before)
# or {"", docs...} (the union of its band sets).
_LOOKUP_MANY = _KEYS_LUA + """
local p = ARGV[1]
local n = tonumber(ARGV[2])
local out = {redis.call('GET', p .. 'epoch') or '0',
             redis.call('INCRBY', p .. 'seq', tonumber(ARGV[3]))}
for a = 1, n do
  local line = redis.call('HGET', p .. 'line', ARGV[2 + 2 * a])
  if line then
    out[#out + 1] = {line}
  else
    local keys = bandkeys(p, ARGV[3 + 2 * a])
    local r = #keys > 0 and redis.call('SUNION', unpack(keys)) or {}
    table.insert(r, 1, '')
    out[#out + 1] = r
  end
end
return out
"""

# The commit of one decision or of a batch's, all or nothing.  ARGV: prefix, epoch (as the
# look-up read it; "" = check), n, then per article a record: id, snapshot ("" or the
# sorted doc numbers its band sets held, joined by ","), canonical (0/1), old doc ("" unless
# replace), doc ("" = the next from the counter), band keys, the old doc's band keys
# (blobs), then 13 fields: cluster, crank ("" = the new doc), action, published, ingested
# (unix seconds), ingested_iso, size, nshingles, sig, units, text, line, title ("" = none).
# When another writer committed since the look-up (the epoch moved), every record is
# checked first - its id still undecided ({0, line} if not), the union of its band sets
# still its snapshot ({1} if not) - and nothing is written unless all pass.  Returns {2}.
_COMMIT = _KEYS_LUA + """
local p, n = ARGV[1], tonumber(ARGV[3])
if (redis.call('GET', p .. 'epoch') or '0') ~= ARGV[2] then
  for a = 1, n do
    local b = 4 + 20 * (a - 1)
    local line = redis.call('HGET', p .. 'line', ARGV[b])
    if line then return {0, line} end
    local keys, members = bandkeys(p, ARGV[b + 5]), {}
    if #keys > 0 then
      for _, d in ipairs(redis.call('SUNION', unpack(keys))) do
        members[#members + 1] = tonumber(d)
      end
      table.sort(members)
    end
    if table.concat(members, ',') ~= ARGV[b + 1] then return {1} end
  end
end
for a = 1, n do
  local b = 4 + 20 * (a - 1)
  local id, canon, old = ARGV[b], ARGV[b + 2], ARGV[b + 3]
  local f = b + 6
  local doc = ARGV[b + 4]
  if doc == '' then doc = tostring(redis.call('INCR', p .. 'seq')) end
  local crank = ARGV[f + 2]
  if crank == '' then crank = doc end
  local key = p .. 'd:' .. doc
  redis.call('HSET', key, 'id', id, 'cluster', ARGV[f + 1], 'crank', crank,
             'canonical', canon, 'action', ARGV[f + 3], 'published', ARGV[f + 4],
             'ingested', ARGV[f + 6], 'size', ARGV[f + 7], 'nshingles', ARGV[f + 8])
  if canon == '1' then
    redis.call('HSET', key, 'sig', ARGV[f + 9], 'units', ARGV[f + 10])
    if ARGV[f + 11] ~= '' then redis.call('HSET', key, 'text', ARGV[f + 11]) end
    if ARGV[f + 13] ~= '' then redis.call('HSET', key, 'title', ARGV[f + 13]) end
    for _, k in ipairs(bandkeys(p, ARGV[b + 5])) do redis.call('SADD', k, doc) end
  end
  if old ~= '' then
    for _, k in ipairs(bandkeys(p, ARGV[f])) do redis.call('SREM', k, old) end
    redis.call('HSET', p .. 'd:' .. old, 'canonical', '0')
    redis.call('HDEL', p .. 'd:' .. old, 'units', 'text', 'title')
  end
  redis.call('HSET', p .. 'line', id, ARGV[f + 12])
  redis.call('HSET', p .. 'doc', id, doc)
  redis.call('ZADD', p .. 'ingested', ARGV[f + 5], doc)
  redis.call('HINCRBY', p .. 'actions', ARGV[f + 3], 1)
end
redis.call('INCR', p .. 'epoch')
return {2}
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
redis.call('INCR', p .. 'epoch')
return 1
"""

_CAND_FIELDS = ("id", "cluster", "crank", "sig", "nshingles", "size", "published",
                "canonical")
_LOAD_FIELDS = ("units", "text", "title")


def _keys_blob(keys: Any) -> bytes:
    """Band keys as the scripts read them: int32 little-endian, one blob."""
    return np.asarray(keys, dtype="<i4").tobytes()


def _b(text: str) -> bytes:
    """Ids and other strings as sent to Redis: UTF-8, lone surrogates kept."""
    return text.encode("utf-8", "surrogatepass")


def _s(b: bytes | None) -> str | None:
    return None if b is None else b.decode("utf-8", "surrogatepass")


def stored_values(p: Prepared, store_text: bool) -> dict[str, bytes]:
    """What a commit stores for ``p`` as a canonical: signature, sentence units, title
    stems and (``store_text``) its text, zlib'd.  Pure: the filter's reader process packs
    them ahead (:func:`dedupe_news.filter.core.prepare_articles`)."""
    out = {"sig": pack_sig(p.sig), "units": pack_units(p.flat, p.off),
           "title": pack_title(p.title)}
    if store_text:
        out["text"] = zlib.compress(p.article.text.encode("utf-8", "surrogatepass"), 6)
    return out


class Signatures:
    """The signatures of the canonicals this process has written or read, in memory: a
    signature never changes, so a decision reads from Redis only those it has not seen, and
    rows only for the few candidates it will verify.  Direct-mapped by article number
    (``slots``, a power of two: 2^17 x 1 KB, 128 MB at most, pages never touched never
    allocated); a newer article takes an older one's slot."""

    def __init__(self, num_perm: int, slots: int = 1 << 17) -> None:
        self._mask = slots - 1
        self._tags = np.full(slots, -1, dtype=np.int64)
        self._sigs = np.zeros((slots, num_perm), dtype=np.uint32)

    def unknown(self, docs: Sequence[int]) -> list[int]:
        if not len(docs):
            return []
        d = np.asarray(docs, dtype=np.int64)
        return d[self._tags[d & self._mask] != d].tolist()

    def put(self, doc: int, sig: np.ndarray) -> None:
        at = doc & self._mask
        self._tags[at], self._sigs[at] = doc, sig

    def take(self, docs: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Of ``docs``: those held (in the order given) and their signatures."""
        d = np.asarray(docs, dtype=np.int64)
        at = d & self._mask
        held = self._tags[at] == d
        return d[held], self._sigs[at[held]]


class RedisIndex:
    """An index in a Redis database (``redis://host:port/db[?prefix=dn:]``)."""

    batches = True  # a batch's decisions share one look-up and one commit (Filter.decide_items)

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
        self._signatures = Signatures(self.settings.cluster.lsh.num_perm)
        try:
            self.r = redis.Redis.from_url(self.url, socket_timeout=max(1.0, busy_timeout),
                                          socket_connect_timeout=5)
            self.r.ping()
            self._lookup_many = self.r.register_script(_LOOKUP_MANY)
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
            tx = _Txn(self)
            yield tx
            tx.commit()
        except self._redis.RedisError as exc:
            raise FilterIndexError(f"{self.url}: {exc}") from None

    def rows(self, docs: Sequence[int], *fields: str) -> list[list[bytes | None]]:
        """``fields`` of the articles ``docs``, in one pipelined round trip."""
        pipe = self.r.pipeline(transaction=False)
        for d in docs:
            pipe.hmget(f"{self.prefix}d:{d}", *fields)
        return list(pipe.execute())

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
            rows = self.rows(docs[i : i + 500], "id", "cluster", "canonical", "action",
                             "published", "ingested", "sig")
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


@dataclass
class _Batch:
    """What a batch's transaction knows beyond the index: its look-ups (made together at
    its start), the numbers it took, and its decisions so far (written at its end)."""

    epoch: bytes
    next_doc: int
    lines: dict[str, str] = field(default_factory=dict)  # id -> line decided before
    found: dict[str, list[int]] = field(default_factory=dict)  # id -> its band sets' union
    read: dict[int, Any] = field(default_factory=dict)  # doc -> its candidate fields, as read
    loaded: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # doc -> units, text..
    decided: dict[str, str] = field(default_factory=dict)  # id -> line, decided in the batch
    bands: dict[int, list[int]] = field(default_factory=dict)  # band key -> new canonicals
    rows: dict[int, Indexed] = field(default_factory=dict)  # the batch's new canonicals
    dropped: set[int] = field(default_factory=set)  # canonicals the batch replaced
    records: list[Any] = field(default_factory=list)  # the commit's arguments
    written: int = 0  # decisions in ``records``


class _Txn:
    """One optimistic decision (look-up now, commit checked by :data:`_COMMIT`), or a
    batch's (:meth:`ahead`; the commit when the block ends)."""

    def __init__(self, ix: RedisIndex) -> None:
        self.ix = ix
        self.snapshot = ""
        self.keys: list[int] = []
        self.batch: _Batch | None = None

    def ahead(self, preps: Sequence[Prepared]) -> None:
        """Look up a batch's articles in one round trip (and take an article number for
        each).  Its decisions then see the index as it was, plus their own writes, which
        wait for :meth:`commit`."""
        ix = self.ix
        args: list[Any] = [ix.prefix, len(preps), len(preps)]
        for p in preps:
            args += [_b(p.article.id), _keys_blob(p.keys)]
        out = ix._lookup_many(args=args)
        b = _Batch(out[0], int(out[1]) - len(preps) + 1)
        for p, r in zip(preps, out[2:], strict=True):
            if r and r[0] != b"":
                b.lines[p.article.id] = _s(r[0]) or ""
            else:
                b.found[p.article.id] = sorted(int(d) for d in r[1:])
        self.batch = b
        # the signatures of canonicals this process has not seen (another worker's, or
        # from before its start); then the rows, units, titles and texts of those each
        # article will verify (Filter._candidates's ranking)
        sigs = ix._signatures
        self._signed(sigs.unknown(sorted({d for docs in b.found.values() for d in docs})))
        top: set[int] = set()
        for p in preps:
            docs, rows = sigs.take(b.found.get(p.article.id, ()))
            if len(docs):
                top.update(most_similar(docs, rows, p.sig, ix.settings.cluster)[0].tolist())
        self._load(sorted(top))

    def _signed(self, docs: Sequence[int]) -> None:
        """Read the signatures of ``docs`` into the process's memory (one round trip; those
        no canonical any more are left out)."""
        if not docs:
            return
        for d, (sig, canonical) in zip(docs, self.ix.rows(docs, "sig", "canonical"),
                                       strict=True):
            if sig is not None and canonical == b"1":
                self.ix._signatures.put(d, unpack_sig(sig))

    def _load(self, docs: Sequence[int]) -> None:
        """Into the batch: the candidate rows, units, titles and texts of ``docs`` (one
        round trip)."""
        b = self.batch
        assert b is not None
        docs = [d for d in docs if d not in b.read]
        if not docs:
            return
        n = len(_CAND_FIELDS)
        for d, row in zip(docs, self.ix.rows(docs, *_CAND_FIELDS, *_LOAD_FIELDS),
                          strict=True):
            b.read[d], b.loaded[d] = row[:n], tuple(row[n:])

    def replay(self, article_id: str) -> str | None:
        self.article_id = article_id
        self.snapshot, self.keys = "", []
        b = self.batch
        if b is None:
            return None  # asked of the look-up script with the candidates (one round trip)
        return b.decided.get(article_id, b.lines.get(article_id))

    def _found(self, keys: np.ndarray) -> list[int]:
        """The look-up: the articles with a band key of ``keys`` (ascending), or
        :class:`Replay` when the id was decided before; the snapshot the commit checks.
        In a batch: the batch's look-up, less the canonicals it replaced, plus those it
        added."""
        ix = self.ix
        self.keys = keys.tolist()
        b = self.batch
        if b is not None:
            docs = b.found[self.article_id]
            self.snapshot = ",".join(map(str, docs))
            mine = {d for k in self.keys for d in b.bands.get(k, ())}
            return sorted(mine.union(d for d in docs if d not in b.dropped))
        r = ix._lookup_many(args=[ix.prefix, 1, 0, _b(self.article_id),
                                  _keys_blob(self.keys)])[2]
        if r and r[0] != b"":
            raise Replay(_s(r[0]) or "")
        docs = sorted(int(d) for d in r[1:])
        self.snapshot = ",".join(map(str, docs))
        return docs

    def _mine(self, docs: Sequence[int]) -> tuple[list[int], list[int]]:
        """``docs`` split: those the batch added (held here), those to read."""
        rows = self.batch.rows if self.batch is not None else {}
        return [d for d in docs if d in rows], [d for d in docs if d not in rows]

    def candidate_sigs(self, keys: np.ndarray, sig: np.ndarray | None = None,
                       early: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """As the SQLite index's: the canonicals' numbers and signatures only, the rest of
        the row for the few the ranking keeps (:meth:`indexed`).  The signatures come from
        memory (:class:`Signatures`; those not seen yet in one round trip).  ``sig`` and
        ``early`` (SQLite's sketches and look-up made ahead) are not used."""
        mine, docs = self._mine(self._found(keys))
        sigs = self.ix._signatures
        self._signed(sigs.unknown(docs))
        held, rows = sigs.take(docs)
        if mine:
            assert self.batch is not None
            order = np.argsort(np.concatenate([held, mine]), kind="stable")
            held = np.concatenate([held, mine])[order]
            rows = np.concatenate([rows, np.stack([self.batch.rows[d].sig for d in mine])]
                                  )[order]
        return held, rows

    def indexed(self, docs: Sequence[int], sigs: np.ndarray) -> list[Indexed]:
        """The canonicals ``docs`` with their ``sigs`` as candidates (a number that is no
        canonical any more is left out), their units, title and text read with them (in a
        batch: read ahead, or now if the batch's own writes moved the ranking)."""
        if not len(docs):
            return []
        mine, read = self._mine(docs)
        b = self.batch
        if b is not None:
            self._load(read)
            rows = [(b.read[d], b.loaded[d]) for d in read]
        else:
            n = len(_CAND_FIELDS)
            rows = [(r[:n], r[n:]) for r in self.ix.rows(read, *_CAND_FIELDS, *_LOAD_FIELDS)]
        sig_of = dict(zip(docs, sigs, strict=True))
        got: dict[int, Indexed] = {}
        for c, (_cand, loaded) in zip(self._rows(read, [r[0] for r in rows],
                                                 [sig_of[d] for d in read]), rows, strict=True):
            if c is not None:
                self._fill(c, *loaded)
                got[c.doc] = c
        for d in mine:
            assert b is not None
            got[d] = b.rows[d]
        return [got[d] for d in docs if d in got]

    def candidates(self, keys: np.ndarray) -> list[Indexed]:
        mine, docs = self._mine(self._found(keys))
        found: list[Indexed] = []
        if docs:
            found = [c for c in self._rows(docs, self.ix.rows(docs, *_CAND_FIELDS), None)
                     if c is not None]
        if mine:
            assert self.batch is not None
            found = sorted(found + [self.batch.rows[d] for d in mine], key=lambda c: c.doc)
        return found

    def _rows(self, docs: Sequence[int], rows: list[Any], sigs: list[np.ndarray] | None
              ) -> list[Indexed | None]:
        """The rows as candidates (None: no canonical now)."""
        found: list[Indexed | None] = []
        for k, (d, row) in enumerate(zip(docs, rows, strict=True)):
            aid, cluster, crank, sig, nsh, size, pub, canonical = row
            if aid is None or sig is None or canonical != b"1":
                found.append(None)
                continue
            found.append(Indexed(d, _s(aid) or "", _s(cluster) or "", int(crank or d),
                                 unpack_sig(sig) if sigs is None else sigs[k], int(nsh or 0),
                                 int(size or 0), _s(pub) or None))
        return found

    def _fill(self, d: Indexed, units: bytes | None, text: bytes | None,
              title: bytes | None) -> None:
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

    def load(self, docs: Sequence[Indexed]) -> None:
        docs = [d for d in docs if d.flat is None]  # (read with the candidate's row)
        b = self.batch
        if b is not None:  # read once a batch
            for d in docs:
                if d.doc in b.loaded:
                    self._fill(d, *b.loaded[d.doc])
            docs = [d for d in docs if d.flat is None]
        if not docs:
            return
        for d, row in zip(docs, self.ix.rows([d.doc for d in docs], *_LOAD_FIELDS),
                          strict=True):
            if b is not None:
                b.loaded[d.doc] = tuple(row)
            self._fill(d, *row)

    def _record(self, plan: Plan, doc: int | None, packed: dict[str, bytes]) -> list[Any]:
        """The commit's arguments for one decision (:data:`_COMMIT`'s record; ``packed``:
        what a canonical stores, :func:`stored_values`)."""
        ix = self.ix
        p = plan.prep
        a = p.article
        canon = plan.canonical
        old = plan.replaces
        old_keys = ix.keys_of(old.sig) if old is not None else []
        now = time.time()
        return [_b(a.id), self.snapshot, "1" if canon else "0",
                "" if old is None else str(old.doc), "" if doc is None else str(doc),
                _keys_blob(self.keys), _keys_blob(old_keys),
                _b(plan.cluster), "" if plan.crank is None else str(plan.crank),
                plan.decision.action, _b(a.published or ""), f"{now:.6f}",
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                p.size, p.nshingles, packed.get("sig", b""), packed.get("units", b""),
                packed.get("text", b""), plan.decision.line.encode("utf-8"),
                packed.get("title", b"")]

    def write(self, plan: Plan) -> bool:
        b = self.batch
        p = plan.prep
        packed = (p.stored or stored_values(p, self.ix.settings.store_text)) \
            if plan.canonical else {}
        if b is None:
            res = self.ix._commit(args=[self.ix.prefix, "", 1,
                                        *self._record(plan, None, packed)])
            code = int(res[0])
            if code == 0:  # decided meanwhile by another worker: replay its line
                raise Replay(_s(res[1]) or "")
            return code == 2
        doc, b.next_doc = b.next_doc, b.next_doc + 1
        b.records += self._record(plan, doc, packed)
        b.written += 1
        b.decided[plan.prep.article.id] = plan.decision.line
        old = plan.replaces
        if old is not None:
            b.dropped.add(old.doc)
            if b.rows.pop(old.doc, None) is not None:
                for members in b.bands.values():
                    if old.doc in members:
                        members.remove(old.doc)
        if plan.canonical:
            a = p.article
            crank = doc if plan.crank is None else plan.crank
            self.ix._signatures.put(doc, p.sig)
            for k in self.keys:
                b.bands.setdefault(k, []).append(doc)
            # as a read of what the commit writes gives it
            flat, off = unpack_units(packed["units"])
            b.rows[doc] = Indexed(
                doc, a.id, plan.cluster, crank, unpack_sig(packed["sig"]), p.nshingles,
                p.size, a.published or None, flat=flat, off=off,
                title=unpack_title(packed["title"]),
                text=a.text if self.ix.settings.store_text else None)
        return True

    def commit(self) -> None:
        """A batch's writes, all or none: :class:`BatchConflict` when another writer
        changed what its look-ups read (its decisions are then made again one by one)."""
        b = self.batch
        if b is None or not b.records:
            return
        res = self.ix._commit(args=[self.ix.prefix, b.epoch, b.written, *b.records])
        if int(res[0]) != 2:
            raise BatchConflict("another writer changed the index during the batch")


__all__ = ["IndexBusy", "RedisIndex"]
