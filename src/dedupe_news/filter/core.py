"""The pre-ingest filter: one decision per incoming article, against everything indexed.

An article is fingerprinted exactly as ``cluster`` fingerprints it
(:func:`dedupe_news.features.featurize_chunk`: boilerplate set aside, content-stem shingles,
MinHash, sentence units), then, inside one index transaction:

1. its id is looked up: an id decided before replays its stored decision line byte for byte
   (nothing is inserted twice);
2. the index's *canonicals* (one per cluster, the version other copies are compared with,
   as ``cluster``'s leaders) sharing an LSH band with it are candidates - the same banding,
   the same ``min_jaccard`` estimate, the same ranking (best estimate, then the older
   cluster) and the same ``max_candidates`` as ``cluster``'s leader loop;
3. each candidate is verified with the relation model (:func:`dedupe_news.kernels.
   compare_units`, the incoming article as A, with both title-stem rows: one headline, or
   the longer side's headline about its rest, as ``cluster`` reads them): the best-scoring
   ``copy`` wins;
4. for a copy, the canonical rule ``cluster`` uses (:func:`dedupe_news.cluster.best_version`:
   completeness, agreement, damage, published, id) picks between the indexed canonical and
   the newcomer: ``drop`` when the indexed one stays, ``replace`` when the newcomer is better
   (it becomes the cluster's canonical);
5. otherwise ``keep``: a new cluster, with ``links`` to the candidates it is a ``partial``,
   ``contains`` or ``contained_in`` relation of; ``review`` when the policy asks for a person
   (MT damage at or above ``review_damage``; a ``partial`` relation within ``review_margin``
   of a copy's coverage) - recorded, never indexed as a canonical.

The decision and every write it implies are committed together, so a crash leaves either
both or neither, and two workers on one index cannot both keep one story (SQLite: one
``BEGIN IMMEDIATE`` transaction; Redis: an atomic Lua commit that re-checks the candidates).
"""

from __future__ import annotations

import json
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numba
import numpy as np
from numba import njit

from dedupe_news import kernels
from dedupe_news.cluster import ClusterSettings, is_complete
from dedupe_news.filter import codec
from dedupe_news.filter.canon import (
    CACHE_TEXTS,
    PairDamage,
    choose,
    mirrors_version_scores,
    pair_features,
)
from dedupe_news.load import DEFAULT_MAX_BYTES
from dedupe_news.model import Article, Reject
from dedupe_news.sketch import SCHEME, Sketcher
from dedupe_news.verify import RELATION_NAMES, RULES
from dedupe_news.verify_jit import TITLE_K, TITLE_MIN, TITLE_SHARE

# What a canonical's record holds, in every index: recorded in the parameters (``schema``)
# and as the Redis index's schema version.  3: canonicals' title-stem rows stored (2: none;
# refused, never mixed).  The SQLite index's table layout has a version of its own
# (``sqlite_index.SCHEMA_VERSION``).
RECORD_VERSION = 3
ACTIONS = ("keep", "drop", "replace", "review", "error")
FIELDS = ("id", "action", "reason", "duplicate_of", "cluster", "relation", "similarity",
          "damage_score", "flags", "links")
_RULES = {code: name for code, (name, _why) in RULES.items()}
ONLY_COMPLETE = "the only complete version (the others are shorter)"  # best_version's words
MAX_RETRIES = 50  # optimistic commits (Redis) retried at most this often per decision


class FilterIndexError(Exception):
    """An index that cannot be used as asked (other parameters or schema, locked, ...)."""


class IndexMismatch(FilterIndexError):
    """The index was made with other parameters or another schema: refused, never mixed."""


class Replay(Exception):
    """Raised by an index inside a transaction: the id was decided (meanwhile); replay."""

    def __init__(self, line: str) -> None:
        super().__init__("replay")
        self.line = line


class BatchConflict(Exception):
    """An optimistic index (Redis) could not commit a batch: another writer changed what
    its look-ups read.  Nothing of it was written; its articles are decided again one by
    one."""


class IndexBusy(FilterIndexError):
    """The index stayed locked (or contended) past the timeout."""


@dataclass(frozen=True)
class FilterSettings:
    """Fingerprint/verification settings (recorded in the index) and the decision policy
    (per run)."""

    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    drop_contained: bool = False  # an article held in an indexed one is dropped, not kept
    review_damage: float | None = None  # MT damage score from which keep/replace -> review
    review_margin: float = 0.0  # partial within this of copy coverage -> review
    store_text: bool = True  # keep canonicals' texts (deflated) for the canonical rule
    max_bytes: int = DEFAULT_MAX_BYTES

    def params(self) -> dict[str, str]:
        """What an index records and checks: anything that changes fingerprints, candidates
        or verdicts.  The package version is recorded apart and not compared."""
        sig = self.cluster.signature()
        sig = sig.split("|", 1)[1] if sig.startswith("dn:") else sig
        return {"schema": str(RECORD_VERSION),
                "fingerprint": f"{sig}|minhash:{SCHEME}|cand{self.cluster.max_candidates}",
                "titles": f"stems{TITLE_K}|min{TITLE_MIN}|share{TITLE_SHARE:g}",
                "band_keys": "kernels.band_key low 32 bits, signed"}


@dataclass
class Prepared:
    """An incoming article's fingerprint and units (computed outside any transaction)."""

    article: Article
    sig: np.ndarray  # (num_perm,) uint32
    size: int  # content words (completeness)
    nshingles: int
    flat: np.ndarray  # unit stem hashes (uint32)
    off: np.ndarray  # unit offsets (int64, from 0)
    keys: np.ndarray  # (bands,) int64: 32-bit band keys
    title: np.ndarray = field(  # (TITLE_K,) uint32 title stems, sorted, 0-padded (none: 0s)
        default_factory=lambda: np.zeros(TITLE_K, dtype=np.uint32))
    boilerplate: tuple[Any, ...] = ()  # lines set aside (the canonical rule's furniture)
    # what the index writes for it as a canonical, packed ahead (:func:`prepare_articles`'s
    # ``pack``); None: packed when written
    stored: dict[str, bytes] | None = field(default=None, repr=False)
    # the disk half of its look-up made ahead by the reader process, against a snapshot of
    # the index (SQLite: :class:`~dedupe_news.filter.sqlite_index.LookAhead`): the
    # snapshot's state and the article numbers found; None: looked up when decided
    early: tuple[tuple[int, ...], np.ndarray] | None = field(default=None, repr=False)


@dataclass
class Indexed:
    """An indexed canonical (a candidate); units and text are loaded for the top few."""

    doc: int
    id: str
    cluster: str
    crank: int  # the cluster's creation rank (older clusters first on ties)
    sig: np.ndarray
    nshingles: int
    size: int
    published: str | None
    flat: np.ndarray | None = None
    off: np.ndarray | None = None
    text: str | None = None
    title: np.ndarray | None = None  # (TITLE_K,) title stems, loaded with the units
    ztext: bytes | None = field(default=None, repr=False)  # the text as stored (codec.pack), if
    where: str = field(default="", repr=False)  # loaded but not yet read: see full_text
    # reads the stored text (``ztext``) when first asked for, inside the decision's transaction
    fetch: Callable[[], bytes | None] | None = field(default=None, repr=False)

    def full_text(self) -> str | None:
        """The stored text (read and decompressed when first asked for: most candidates never
        need it); ``None`` for an index that keeps no texts."""
        if self.text is None and self.ztext is None and self.fetch is not None:
            self.ztext, self.fetch = self.fetch(), None
        if self.text is None and self.ztext is not None:
            try:
                self.text = codec.unpack_text(self.ztext)
            except (zlib.error, ValueError) as exc:
                raise corrupt(self.where, self, exc) from None
            self.ztext = None
        return self.text


@dataclass
class Plan:
    """What a decision writes: its line, and how the article enters the index."""

    prep: Prepared
    decision: Decision
    canonical: bool  # indexed as its cluster's canonical (keep, replace)
    cluster: str
    crank: int | None  # None: a new cluster (the index assigns the next rank)
    replaces: Indexed | None = None  # replace: the canonical it takes over from


class Txn(Protocol):
    def replay(self, article_id: str) -> str | None: ...
    def candidates(self, keys: np.ndarray) -> list[Indexed]: ...
    def load(self, docs: Sequence[Indexed]) -> None: ...
    def write(self, plan: Plan) -> bool: ...  # False: retry (optimistic stores)


class Index(Protocol):
    params: dict[str, str]

    def begin(self) -> Any: ...  # a context manager yielding a Txn
    def close(self) -> None: ...


@dataclass
class Decision:
    """One decision, as written on its output line (:attr:`line`, byte for byte on replay)."""

    id: str | None
    action: str
    reason: str
    duplicate_of: str | None = None
    cluster: str | None = None
    relation: str | None = None
    similarity: float | None = None
    damage_score: float | None = None
    flags: list[str] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False  # not part of the line
    line_: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FIELDS}

    @property
    def line(self) -> str:
        if self.line_ is None:
            self.line_ = json_line(self.to_dict())
        return self.line_

    @classmethod
    def from_line(cls, line: str, replayed: bool = True) -> Decision:
        obj = json.loads(line)
        return cls(**{k: obj.get(k) for k in FIELDS if k not in ("flags", "links")},
                   flags=obj.get("flags") or [], links=obj.get("links") or [],
                   replayed=replayed, line_=line)


_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def json_line(obj: Any) -> str:
    """JSON that is always valid UTF-8 (lone surrogates escaped) with no raw character that
    ``str.splitlines`` would break on (the CLI's JSONL policy)."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True)
    return text.translate(_LINE_BREAKS)


def error(article_id: str | None, code: str, message: str) -> Decision:
    """The ``error`` decision for a bad record (never stored: it replays by itself)."""
    return Decision(article_id, "error", f"{code}: {message}")


@njit(cache=True, nogil=True)
def _band_keys64(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    out = np.empty((sigs.shape[0], bands), dtype=np.uint64)
    for i in range(sigs.shape[0]):
        for b in range(bands):
            out[i, b] = kernels.band_key(sigs[i], b, rows)
    return out


@njit(cache=True, nogil=True)
def similar_rows(sigs: np.ndarray, sig: np.ndarray, bands: int, rows: int,
                 least: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """For each row of ``sigs``: the values equal to ``sig``'s, and whether a band (``rows``
    values) is equal whole and at least ``least`` values are (see :func:`similar`)."""
    n, m = sigs.shape
    eq = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        e = 0
        banded = False
        for b in range(bands):
            same = 0
            for r in range(rows):
                same += sigs[i, b * rows + r] == sig[b * rows + r]
            e += same
            banded = banded or same == rows
        for t in range(bands * rows, m):
            e += sigs[i, t] == sig[t]
        eq[i] = e
        ok[i] = banded and e >= least
    return eq, ok


def similar(sigs: np.ndarray, sig: np.ndarray, st: ClusterSettings
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each signature row: how many of its values equal ``sig``'s, and whether the
    leader loop considers it (a band in common, the estimated Jaccard at least
    ``min_jaccard``)."""
    lsh = st.lsh
    return similar_rows(np.ascontiguousarray(sigs, dtype=np.uint32),
                        np.ascontiguousarray(sig, dtype=np.uint32), lsh.bands, lsh.rows,
                        least_equal(lsh.num_perm, lsh.min_jaccard))


def most_similar(docs: np.ndarray, sigs: np.ndarray, sig: np.ndarray, st: ClusterSettings
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the candidates ``docs`` (signatures ``sigs``): those the leader loop considers
    against ``sig`` (:func:`similar`), cut to every one as similar as the
    ``max_candidates``-th best (the cluster ranks then decide ties) - with their counts of
    equal values and their signatures."""
    eq, ok = similar(sigs, sig, st)
    docs, eq, sigs = docs[ok], eq[ok], sigs[ok]
    if len(docs) > st.max_candidates:
        top = eq >= np.sort(eq)[::-1][st.max_candidates - 1]
        docs, eq, sigs = docs[top], eq[top], sigs[top]
    return docs, eq, sigs


@lru_cache(maxsize=8)
def least_equal(num_perm: int, min_jaccard: float) -> int:
    """The fewest equal values ``e`` with ``e / num_perm >= min_jaccard`` (the leader loop's
    test, float quotient and all); ``num_perm + 1`` when none."""
    return next(e for e in range(num_perm + 2)
                if e > num_perm or e / num_perm >= min_jaccard)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The index's band keys: the low 32 bits of :func:`dedupe_news.kernels.band_key` (the
    in-memory table's key), signed, so SQLite stores each in 4 bytes.  A collision of
    truncated keys only costs a look at a signature: candidates are confirmed by comparing
    the signatures' bands themselves.  ``sig``: one signature, or one a row (keys a row)."""
    s = np.ascontiguousarray(sig, dtype=np.uint32)
    k = _band_keys64(s.reshape(-1, s.shape[-1]), bands, rows)
    k = (k & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32).astype(np.int64)
    return k[0] if s.ndim == 1 else k


def pack_units(flat: np.ndarray, off: np.ndarray) -> bytes:
    """Units as bytes: count, offsets, stem hashes (uint32 little-endian)."""
    n = len(off) - 1
    return np.concatenate([np.array([n], dtype="<u4"), off.astype("<u4"),
                           flat.astype("<u4")]).tobytes()


def unpack_units(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    arr = np.frombuffer(blob, dtype="<u4")
    n = int(arr[0])
    off = arr[1 : n + 2].astype(np.int64)
    flat = np.ascontiguousarray(arr[n + 2 :], dtype=np.uint32)
    return flat, off


def pack_title(row: np.ndarray) -> bytes:
    """A title-stem row as stored: its non-zero stems only (uint32 little-endian, at most
    ``TITLE_K``); an article without title stores ``b""``."""
    r = np.asarray(row, dtype=np.uint32)
    return r[r != 0].astype("<u4").tobytes()


def unpack_title(blob: bytes | None) -> np.ndarray:
    """The ``(TITLE_K,)`` uint32 row :func:`dedupe_news.verify_jit.titles_match` reads
    (sorted, 0-padded; ``None`` or empty: a zero row, no title evidence)."""
    out = np.zeros(TITLE_K, dtype=np.uint32)
    if blob:
        if len(blob) % 4 or len(blob) > 4 * TITLE_K:
            raise ValueError(f"a title row of {len(blob)} bytes")
        v = np.frombuffer(blob, dtype="<u4")
        out[: len(v)] = v
    return out


def pack_sig(sig: np.ndarray) -> bytes:
    return np.ascontiguousarray(sig, dtype="<u4").tobytes()


def unpack_sig(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


def corrupt(where: str, d: Indexed, exc: BaseException) -> FilterIndexError:
    return FilterIndexError(f"{where}: indexed article {d.id!r} has an unreadable value "
                            f"({exc}); the index was changed by something else: run "
                            "dedupe-news index verify, remove that id")


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def prepare_articles(articles: Sequence[Article], settings: FilterSettings,
                     sketcher: Sketcher | None = None,
                     pack: Callable[[Prepared], dict[str, bytes]] | None = None
                     ) -> list[Prepared]:
    """The :class:`Prepared` fingerprints of ``articles`` (one ``featurize_chunk`` call;
    each row is the article's own, so a batch can be prepared anywhere, ahead of its
    decisions).  ``pack``: the index's own packing of what it writes for a canonical
    (:attr:`Prepared.stored`, e.g. :func:`dedupe_news.filter.sqlite_index.stored_values`),
    done here so that the process that decides does not."""
    from dedupe_news.features import featurize_chunk

    if not articles:
        return []
    lsh = settings.cluster.lsh
    sketcher = sketcher or Sketcher(lsh.num_perm, lsh.seed)
    f = featurize_chunk([a.text for a in articles], sketcher, [a.title for a in articles])
    sigs = np.ascontiguousarray(f.signatures, dtype=np.uint32)
    keys = band_keys(sigs, lsh.bands, lsh.rows)
    titles = np.ascontiguousarray(f.title_rows(), dtype=np.uint32)
    out = []
    for i, article in enumerate(articles):
        a, b = int(f.doc_units[i]), int(f.doc_units[i + 1])
        lo, hi = int(f.u_off[a]), int(f.u_off[b])
        p = Prepared(article, sigs[i].copy(), int(f.sizes[i]), int(f.shingle_counts[i]),
                     np.ascontiguousarray(f.u_flat[lo:hi]), f.u_off[a : b + 1] - lo,
                     keys[i].copy(), titles[i].copy(), tuple(f.boilerplate[i]))
        if pack is not None:
            p.stored = pack(p)
        out.append(p)
    return out


class Filter:
    """Decide incoming articles against an index: ``Filter(index).decide(article)``.

    ``index``: an :class:`Index` (:func:`dedupe_news.filter.open_index`) or a location
    (a path, ``redis://host:port/db``).  A context manager: leaving it closes the index.
    """

    def __init__(self, index: Index | str, settings: FilterSettings | None = None) -> None:
        self.settings = settings or FilterSettings()
        if isinstance(index, str):
            from dedupe_news.filter import open_index

            index = open_index(index, self.settings)
        self.index: Index = index
        lsh = self.settings.cluster.lsh
        self._sketcher = Sketcher(lsh.num_perm, lsh.seed)
        self._vargs = self.settings.cluster.verify.args()
        self._damage = PairDamage()
        self._furniture: OrderedDict[int, tuple[Any, ...]] = OrderedDict()  # doc -> lines
        self.counts: dict[str, int] = dict.fromkeys((*ACTIONS, "replayed"), 0)

    def __enter__(self) -> Filter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.index.close()

    # --- fingerprints --------------------------------------------------------------------

    def prepare(self, article: Article) -> Prepared:
        return self.prepare_many([article])[0]

    def prepare_many(self, articles: Sequence[Article]) -> list[Prepared]:
        """Fingerprints of several articles from one ``featurize_chunk`` call (each row is
        the article's own: a chunk's rows do not depend on one another)."""
        return prepare_articles(articles, self.settings, self._sketcher)

    # --- decisions -----------------------------------------------------------------------

    def decide_item(self, item: Article | Reject | None, where: str = "-",
                    lineno: int | None = None) -> Decision:
        """The decision for one input line: an article, a reject (``error``) or a blank
        line (``error: blank``)."""
        return self.decide_items([(item, where, lineno)])[0]

    def decide_items(self, items: Sequence[tuple[Article | Reject | None, str, int | None]],
                     preps: Sequence[Prepared | None] | None = None) -> list[Decision]:
        """Decisions for several input lines, in order.  On an index that takes batches
        (SQLite, Redis) the articles share one transaction: all committed, or none (a crash
        mid-batch leaves the index as before it, and nothing of the batch was written
        out); on Redis, a batch another writer disturbed is decided again article by
        article.  ``preps``: the items' fingerprints where already made (:func:`
        prepare_articles` with this filter's settings, e.g. in a reader process), one per
        item, each holding that item's own :class:`Article` object (otherwise, or None:
        made here)."""
        # one decision's compiled calls are small (two articles): numba's thread pool costs
        # more to wake than it saves, the more so on a loaded machine
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return self._decide_items(items, preps)
        finally:
            numba.set_num_threads(threads)

    def _decide_items(self, items: Sequence[tuple[Article | Reject | None, str, int | None]],
                      preps: Sequence[Prepared | None] | None = None) -> list[Decision]:
        out: list[Decision | None] = [None] * len(items)
        fresh: list[tuple[int, Article]] = []
        for k, (item, where, lineno) in enumerate(items):
            if isinstance(item, Article):
                nbytes = len(item.text.encode("utf-8", "surrogatepass"))
                if nbytes > self.settings.max_bytes:
                    out[k] = error(item.id, "too_large", f"text of {nbytes:,} bytes is over "
                                   f"the {self.settings.max_bytes:,}-byte limit")
                else:
                    fresh.append((k, item))
            elif item is None:
                out[k] = error(None, "blank", f"{where}:{lineno}: blank line, no record")
            else:
                out[k] = error(None, item.reason, item.message)
        # a fingerprint given for the item itself (the same object) is used as it is
        given = {k: p for k, p in enumerate(preps or ()) if p is not None
                 and isinstance(items[k][0], Article) and p.article is items[k][0]}
        made = iter(self.prepare_many([a for k, a in fresh if k not in given]))
        todo = [(k, given[k] if k in given else next(made)) for k, _a in fresh]
        if len(todo) > 1 and getattr(self.index, "batches", False):
            try:
                with self.index.begin() as tx:
                    if hasattr(tx, "ahead"):  # the batch's look-ups in one (Redis)
                        tx.ahead([prep for _k, prep in todo])
                    for k, prep in todo:
                        out[k] = self._decide_in(tx, prep)
            except BatchConflict:
                for k, prep in todo:
                    out[k] = self._decide(prep)
        else:
            for k, prep in todo:
                out[k] = self._decide(prep)
        decisions = [d for d in out if d is not None]
        for d in decisions:
            key = "replayed" if d.replayed else d.action
            self.counts[key] = self.counts.get(key, 0) + 1
        return decisions

    def decide(self, article: Article) -> Decision:
        """The decision for one article (committed to the index before it returns)."""
        return self.decide_items([(article, article.origin or "-", None)])[0]

    def _decide_in(self, tx: Txn, prep: Prepared) -> Decision:
        line = tx.replay(prep.article.id)
        if line is not None:
            return Decision.from_line(line)
        plan = self._plan(tx, prep)
        if not tx.write(plan):
            raise IndexBusy("a batched index asked for a retry")
        return plan.decision

    def _decide(self, prep: Prepared) -> Decision:
        article = prep.article
        for _ in range(MAX_RETRIES):
            try:
                with self.index.begin() as tx:
                    line = tx.replay(article.id)
                    if line is not None:
                        return Decision.from_line(line)
                    plan = self._plan(tx, prep)
                    if tx.write(plan):
                        return plan.decision
            except Replay as rp:
                return Decision.from_line(rp.line)
        raise IndexBusy(f"{article.id!r}: the index kept changing under this decision "
                        f"({MAX_RETRIES} tries); too many workers on one story?")

    def _candidates(self, tx: Txn, prep: Prepared) -> list[Indexed]:
        """The canonicals ``cluster``'s leader loop would verify, in its order."""
        st = self.settings.cluster
        if prep.nshingles <= 0:
            return []
        found: list[Indexed] = []
        equal: dict[int, int] = {}  # candidate number -> its values equal to the newcomer's
        if hasattr(tx, "candidate_sigs"):
            # signatures first, rows only for those the ranking can keep: every candidate
            # as similar as the max_candidates-th best (the cluster ranks then decide ties)
            docs, sigs = tx.candidate_sigs(prep.keys, prep.sig, prep.early)
            if not len(docs):
                return []
            docs, eq, sigs = most_similar(docs, sigs, prep.sig, st)
            found = tx.indexed(docs.tolist(), sigs)
            equal = dict(zip(docs.tolist(), eq.tolist(), strict=True))
        if len(found) < len(equal) or not hasattr(tx, "candidate_sigs"):
            # every candidate's row (an index without the two steps, or a number that is
            # no canonical: see index verify)
            found = tx.candidates(prep.keys)
            if not found:
                return []
            eq, ok = similar(np.stack([c.sig for c in found]), prep.sig, st)
            equal = {c.doc: e for c, e, o in zip(found, eq.tolist(), ok.tolist(), strict=True)
                     if o}
        kept = sorted((st.lsh.num_perm - equal[c.doc], c.crank, c.doc, c) for c in found
                      if c.doc in equal)
        return [t[3] for t in kept[: st.max_candidates]]

    def _plan(self, tx: Txn, prep: Prepared) -> Plan:
        st = self.settings
        art = prep.article
        cands = self._candidates(tx, prep)
        tx.load(cands)
        best: tuple[Indexed, float, str, float] | None = None
        links: list[dict[str, Any]] = []
        near: list[tuple[Indexed, float, str, float]] = []  # (cand, score, relation, cover)
        for c in cands:
            assert c.flat is not None and c.off is not None
            ctitle = c.title if c.title is not None else unpack_title(None)
            rel, score, cov_a, cov_b, _pa, _pb, _ps, why = kernels.compare_units(
                prep.flat, prep.off, c.flat, c.off, *self._vargs, prep.title, ctitle)
            rel, score = int(rel), float(score)
            if rel == kernels.COPY:
                if best is None or score > best[1]:
                    # (and the share of the longer one's content the shorter one holds)
                    best = (c, score, _RULES.get(int(why[0]), "covered"),
                            float(cov_b) if c.size >= prep.size else float(cov_a))
            elif rel != kernels.NONE:
                near.append((c, score, RELATION_NAMES[rel], max(float(cov_a), float(cov_b))))
        if best is not None:
            near = [t for t in near if t[0].cluster != best[0].cluster]
        links = [{"id": c.id, "cluster": c.cluster, "relation": r, "score": round(s, 4)}
                 for c, s, r, _cv in sorted(near, key=lambda t: (-t[1], t[0].id))]
        links = links[: st.cluster.max_links]
        if best is not None:
            return self._copy_plan(prep, best, links)
        contained = [t for t in near if t[2] == "contained_in"]
        if st.drop_contained and contained:
            c, s, _r, _cv = max(contained, key=lambda t: (t[1], -t[0].crank))
            d = Decision(art.id, "drop", f"held in {c.id} (contained_in), --drop-contained",
                         c.id, c.cluster, "contained_in", round(s, 4), links=links)
            return Plan(prep, d, False, c.cluster, c.crank)
        margin = st.cluster.verify.copy_coverage - st.review_margin
        close = [t for t in near if t[2] == "partial" and t[3] >= margin] \
            if st.review_margin > 0 else []
        if close:
            c, s, _r, cv = max(close, key=lambda t: (t[3], t[1]))
            d = Decision(art.id, "review", f"too close to call: partial to {c.id} with "
                         f"coverage {cv:.2f}, a copy needs "
                         f"{st.cluster.verify.copy_coverage:.2f}", None, None, "partial",
                         round(s, 4), links=links)
            return Plan(prep, d, False, art.id, None)
        d = Decision(art.id, "keep", _keep_reason(len(cands), links), None, art.id,
                     links=links)
        damaged = self._damage_review(d, art.text)
        if damaged is not None:
            return Plan(prep, damaged, False, art.id, None)
        return Plan(prep, d, True, art.id, None)

    def _boilerplate(self, c: Indexed) -> tuple[Any, ...]:
        """An indexed canonical's boilerplate lines (from its stored text, as ``featurize``
        sets them aside; kept for the last ``CACHE_TEXTS`` canonicals asked about)."""
        hit = self._furniture.get(c.doc)
        if hit is not None:
            self._furniture.move_to_end(c.doc)
            return hit
        from dedupe_news.normalize import boilerplate_chars_special, prepare

        text = c.full_text()
        assert text is not None
        found = boilerplate_chars_special(text)[0]  # featurize_chunk's own steps
        bp = tuple(prepare(text, found).boilerplate) if found else ()
        self._furniture[c.doc] = bp
        if len(self._furniture) > CACHE_TEXTS:
            self._furniture.popitem(last=False)
        return bp

    def _own_damage(self, text: str) -> tuple[float, list[Any]]:
        """The article's MT damage score and flags, as ``dedupe-news check`` reports them."""
        return self._damage.own(text)

    def _damage_review(self, d: Decision, text: str,
                       scored: tuple[float, list[Any]] | None = None) -> Decision | None:
        """With ``review_damage``: the damage score (and flags) go on the decision, and a
        score at or over the threshold turns it into ``review``."""
        limit = self.settings.review_damage
        if limit is None:
            return None
        own, flags = scored if scored is not None else self._own_damage(text)
        d.damage_score = round(own, 4)
        d.flags = sorted({f.rule for f in flags})
        if d.damage_score < limit:
            return None
        return Decision(d.id, "review", f"MT damage {d.damage_score:.2f} >= {limit:g} "
                        f"(would have been {d.action})", d.duplicate_of, d.cluster,
                        d.relation, d.similarity, d.damage_score, d.flags, d.links)

    def _copy_plan(self, prep: Prepared, best: tuple[Indexed, float, str, float],
                   links: list[dict[str, Any]]) -> Plan:
        c, score, rule, held = best
        art = prep.article
        top = max(c.size, prep.size)
        share = self.settings.cluster.complete_share
        c_ok = is_complete(c.size, top, share, held if c.size < prep.size else 0.0)
        p_ok = is_complete(prep.size, top, share, held if prep.size < c.size else 0.0)
        if not (c_ok and p_ok):
            # only one of the two is complete: best_version's pool holds it alone (the same
            # rule, without scoring what cannot change the outcome)
            winner, why = (0 if c_ok else 1), ONLY_COMPLETE
        elif c.full_text() is None:  # an index without texts: the indexed version stays
            winner, why = 0, "the index keeps no texts to compare (indexed version stays)"
        elif c.text == art.text:
            # the same text: completeness, agreement and damage tie by construction, so
            # best_version's order falls to published (dated first, earlier first), then id
            def order(a_pub: str | None, a_id: str) -> tuple[bool, str, str]:
                return (a_pub is None, a_pub or "", a_id)

            new_first = order(art.published, art.id) < order(c.published, c.id)
            winner = 1 if new_first else 0
            why = ("the same text, published earlier (or the lower id)" if new_first else
                   "the same text; the indexed version was published first (or has the "
                   "lower id)")
        else:
            # best_version's rule, from the fingerprints at hand (canon.choose)
            assert c.flat is not None and c.off is not None
            versions = [Article(c.id, c.text, published=c.published),
                        Article(art.id, art.text, published=art.published)]
            feats = pair_features((c.sig, prep.sig), (c.size, prep.size),
                                  (c.nshingles, prep.nshingles),
                                  ((c.flat, c.off), (prep.flat, prep.off)),
                                  (c.title if c.title is not None else unpack_title(None),
                                   prep.title),
                                  (self._boilerplate(c), prep.boilerplate))
            fresh: list[tuple[str, float]] = []

            def damage(texts: Sequence[str]) -> list[float]:
                if len(texts) != 2 or not mirrors_version_scores():
                    from dedupe_news.damage import version_scores

                    out = version_scores(texts)
                else:
                    pair = [self._damage.parts(t, keep=t is not art.text) for t in texts]
                    fresh.extend(p for t, p in zip(texts, pair, strict=True)
                                 if t is art.text)
                    out = PairDamage.combine(pair[0], pair[1])
                return out

            winner, why = choose(versions, feats, self.settings.cluster, damage)
            if winner == 1 and fresh:  # the newcomer becomes the canonical: keep its parts
                self._damage.remember(art.text, fresh[0])
        # the line's damage score is the newcomer's own, as `check` gives it (the pair's
        # version scores above are the canonical rule's, read only to choose)
        own, flags = self._own_damage(art.text)
        dmg, rules = round(own, 4), sorted({f.rule for f in flags})
        if winner == 1:
            d = Decision(art.id, "replace", f"copy of {c.id} ({rule}), better: {why}",
                         c.id, c.cluster, "copy", round(score, 4), dmg, rules, links=links)
            damaged = self._damage_review(d, art.text, (own, flags))
            if damaged is not None:
                return Plan(prep, damaged, False, c.cluster, c.crank)
            return Plan(prep, d, True, c.cluster, c.crank, replaces=c)
        d = Decision(art.id, "drop", f"copy of {c.id} ({rule}); the indexed version stays: "
                     f"{why}", c.id, c.cluster, "copy", round(score, 4), dmg, rules,
                     links=links)
        return Plan(prep, d, False, c.cluster, c.crank)


def _keep_reason(ncand: int, links: list[dict[str, Any]]) -> str:
    if not ncand:
        return "new: no indexed article shares a band"
    text = f"new: {ncand} candidate(s) verified, none a copy"
    if links:
        rels = sorted({str(lk["relation"]) for lk in links})
        text += f"; linked ({', '.join(rels)})"
    return text

