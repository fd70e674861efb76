"""Per-article features for clustering: boilerplate, stems, shingles, signature, units.

This is the embarrassingly parallel part of ``cluster``: each chunk of articles is prepared
in Python (normalise, set boilerplate aside), tokenised by the compiled
:func:`dedupe_news.shingle_jit.tokenize_chunk` (content stems, shingles and the sentence units
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
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import overload

import numpy as np

from dedupe_news import shingle_jit
from dedupe_news._gc import frozen_for_fork, paused_gc
from dedupe_news._kernel_cache import numba_ready
from dedupe_news.load import (
    DEFAULT_MAX_BYTES,
    RawBlock,
    iter_raw_blocks,
    parse_jsonl_line,
    plain_record,
)
from dedupe_news.model import Article, Reject, Span
from dedupe_news.normalize import (
    CREDIT_MARK,
    Boilerplate,
    all_boilerplate,
    boilerplate_chars_special,
    chars_special,
    cut_boilerplate,
    hard_wrapped,
    prepare,
)
from dedupe_news.shingle import (
    _NOSPACE_SCRIPT,
    ABBREV_HASHES,
    STOP_HASHES,
    StoryBytes,
    story_bytes,
)
from dedupe_news.sketch import Sketcher
from dedupe_news.verify_jit import TITLE_K

PARALLEL_MIN_DOCS = 4000  # below this, process start-up costs more than it saves
CHUNK_DOCS = 2000


_Line = tuple[int, int, str, str, str]  # (start, end, text, rule, why) of a boilerplate line


class BoilerplateColumn(Sequence[tuple[Boilerplate, ...]]):
    """Every article's boilerplate lines (``column[i]``: article i's, in text order), kept
    as plain tuples and made :class:`~dedupe_news.normalize.Boilerplate` objects when read.
    Features cross from the worker processes pickled, and unpickling objects cost the main
    process ~35 ms a chunk of 2,000 wire republications (~1.7 s at 100k, taken from the
    workers' two cores); plain tuples take ~3 ms.  Most are never read: ``cluster``'s JSONL
    output counts the lines of the versions competing to be canonical (:meth:`lines`)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple[_Line, ...]] | None = None) -> None:
        self._rows = rows if rows is not None else []

    @classmethod
    def of(cls, found: Sequence[Sequence[Boilerplate]]) -> BoilerplateColumn:
        return cls([tuple((b.span.start, b.span.end, b.span.text, b.rule, b.why) for b in bp)
                    for bp in found])

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> tuple[Boilerplate, ...]: ...

    @overload
    def __getitem__(self, i: slice) -> BoilerplateColumn: ...

    def __getitem__(self, i: int | slice) -> tuple[Boilerplate, ...] | BoilerplateColumn:
        if isinstance(i, slice):
            return BoilerplateColumn(self._rows[i])
        return tuple(Boilerplate(Span(a, b, t), r, w) for a, b, t, r, w in self._rows[i])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BoilerplateColumn):
            return self._rows == other._rows
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def lines(self, i: int) -> int:
        """How many boilerplate lines article i has (no objects made)."""
        return len(self._rows[i])

    def found(self) -> Iterator[tuple[int, tuple[Boilerplate, ...]]]:
        """(article, its lines) for the articles with any."""
        for i, row in enumerate(self._rows):
            if row:
                yield i, self[i]

    def extend(self, other: BoilerplateColumn) -> None:
        self._rows.extend(other._rows)

    def select(self, rows: Sequence[int]) -> BoilerplateColumn:
        return BoilerplateColumn([self._rows[r] for r in rows])


@dataclass
class Features:
    """Columnar features of n articles."""

    signatures: np.ndarray  # (n, num_perm) uint32
    sizes: np.ndarray  # content words of the story (boilerplate excluded): completeness
    shingle_counts: np.ndarray
    boilerplate: BoilerplateColumn
    u_flat: np.ndarray  # distinct stem hashes of every unit (uint32)
    u_off: np.ndarray  # unit k = u_flat[u_off[k]:u_off[k+1]]
    doc_units: np.ndarray  # article d's units = doc_units[d]..doc_units[d+1]
    titles: np.ndarray | None = None  # (n, TITLE_K) title stems (None: no titles)

    def __len__(self) -> int:
        return len(self.sizes)

    def title_rows(self) -> np.ndarray:
        """The title-stem rows the verifier reads (zero rows where there are no titles)."""
        if self.titles is None or len(self.titles) != len(self.sizes):
            self.titles = np.zeros((len(self.sizes), TITLE_K), dtype=np.uint32)
        return self.titles

    def select(self, rows: Sequence[int]) -> Features:
        """The features of ``rows`` only, in that order (a copy)."""
        idx = np.asarray(rows, dtype=np.int64)
        flat_parts, off_parts, doc_units = [], [np.zeros(1, dtype=np.int64)], [0]
        base = 0
        for r in idx.tolist():
            a, b = int(self.doc_units[r]), int(self.doc_units[r + 1])
            lo, hi = int(self.u_off[a]), int(self.u_off[b])
            flat_parts.append(self.u_flat[lo:hi])
            off_parts.append(self.u_off[a + 1 : b + 1] - lo + base)
            base += hi - lo
            doc_units.append(doc_units[-1] + b - a)
        return Features(self.signatures[idx], self.sizes[idx], self.shingle_counts[idx],
                        self.boilerplate.select(idx.tolist()),
                        np.concatenate([np.zeros(0, np.uint32), *flat_parts]),
                        np.concatenate(off_parts), np.asarray(doc_units, dtype=np.int64),
                        self.title_rows()[idx])


_SKETCHER: Sketcher | None = None


def _init(num_perm: int, seed: int) -> None:
    global _SKETCHER
    _SKETCHER = Sketcher(num_perm, seed)


def title_stems(titles: Sequence[str | None]) -> np.ndarray:
    """(n, TITLE_K) rows of each title's content stems (sorted, 0-padded; none: zeros),
    tokenised as story text is, so an MT'd headline keeps the stems it shares."""
    if not titles:
        return np.zeros((0, TITLE_K), dtype=np.uint32)
    bodies = [_title_story(t) if t else story_bytes("") for t in titles]
    offsets = np.zeros(len(bodies) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b.orig) for b in bodies])
    _s, _f, _o, u_flat, u_off, doc_units = shingle_jit.tokenize_chunk(
        np.frombuffer(b"".join(b.orig for b in bodies), dtype=np.uint8),
        np.frombuffer(b"".join(b.low for b in bodies), dtype=np.uint8),
        offsets, np.asarray([b.cjk for b in bodies], dtype=np.bool_), STOP_HASHES,
        ABBREV_HASHES)
    return shingle_jit.title_rows(u_flat, u_off, doc_units, TITLE_K)


def _title_story(title: str) -> StoryBytes:
    """``_story(title)[1]`` (tests hold the two equal), without the boilerplate scan where no
    boilerplate could change the words: a title of one line without a credit's marks is
    either all boilerplate (then kept whole) or none, and a story kept whole reads as one
    without boilerplate."""
    if "\n" in title or CREDIT_MARK.search(title) is not None:
        return _story(title)[1]
    chars, special = chars_special(title)
    story = _as_is(title, chars, special)
    if story is None:
        return story_bytes(prepare(title, []).body)
    if " ".join(story.split()) != story:
        # whitespace prepare collapses: a title that is all boilerplate is kept as prepare's
        # body, so the scan decides (the stems are the same either way; the bytes are not)
        return _story(title)[1]
    return story_bytes(story, special)


def featurize_chunk(texts: Sequence[str], sketcher: Sketcher | None = None,
                    titles: Sequence[str | None] | None = None) -> Features:
    """Features of a few thousand texts (one process); ``titles`` (one a text, or None)
    give the title evidence of the relation model."""
    numba_ready()  # (once a process)
    sk = sketcher or _SKETCHER
    assert sk is not None
    if not texts:  # (tokenize_chunk leaves u_off[0] unset when there is no document)
        return Features(np.empty((0, sk.num_perm), dtype=np.uint32), np.zeros(0, np.int64),
                        np.zeros(0, np.int64), BoilerplateColumn(), np.zeros(0, np.uint32),
                        np.zeros(1, np.int64), np.zeros(1, np.int64),
                        np.zeros((0, TITLE_K), dtype=np.uint32))
    bps: list[tuple[Boilerplate, ...]] = []
    origs, lows, cjk = [], [], []
    for text in texts:
        bp, sb = _story(text)
        bps.append(bp)
        origs.append(sb.orig)
        lows.append(sb.low)
        cjk.append(sb.cjk)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(o) for o in origs])
    sizes, sh_flat, sh_off, u_flat, u_off, doc_units = shingle_jit.tokenize_chunk(
        np.frombuffer(b"".join(origs), dtype=np.uint8),
        np.frombuffer(b"".join(lows), dtype=np.uint8),
        offsets, np.asarray(cjk, dtype=np.bool_), STOP_HASHES, ABBREV_HASHES)
    sigs = sk.signatures_flat(sh_flat, sh_off)
    trows = title_stems(titles) if titles is not None and any(titles) else \
        np.zeros((len(texts), TITLE_K), dtype=np.uint32)
    return Features(sigs, sizes, np.diff(sh_off), BoilerplateColumn.of(bps), u_flat, u_off,
                    doc_units, trows)


def _story(text: str) -> tuple[tuple[Boilerplate, ...], StoryBytes]:
    """``prepare(text)``'s boilerplate and ``story_bytes`` of its body, as the tokeniser reads
    them: without the per-line normalising where :func:`_as_is` allows (tests hold the two
    equal)."""
    bp, chars, special = boilerplate_chars_special(text)
    story = _as_is(text, chars, special)
    if story is None:
        prep = prepare(text, bp)
        return prep.boilerplate, story_bytes(prep.body)
    if not bp:
        if hard_wrapped(story):  # (its lines joined: prepare)
            return (), story_bytes(prepare(text, bp).body)
        return (), story_bytes(story, special)
    # the story's characters with the boilerplate lines cut out (prepare then normalises
    # their whitespace, which the tokeniser ignores)
    body = cut_boilerplate(story, bp)
    words = body.split(None, 5)
    if all_boilerplate(len(words), sum(map(len, words)) + len(words) - 1) \
            or hard_wrapped(body):
        # the text kept whole (prepare's body: these words, one separator between each two),
        # or a hard-wrapped story (prepare joins its lines)
        prep = prepare(text, bp)
        return prep.boilerplate, story_bytes(prep.body)
    return tuple(bp), story_bytes(body)


def _as_is(text: str, chars: str | None, special: set[str] | None) -> str | None:
    """What the tokeniser may read instead of ``prepare(text).body`` for a text without
    boilerplate: ``prepare`` would only map characters in place (curly quotes, dashes) and
    collapse whitespace, which the tokeniser ignores (tests/test_features_fast.py holds the
    two equal).  None when it would do more: NFKC changes lengths, and the test for scripts
    written without spaces counts characters, whitespace included.  ``chars``: the text's
    characters mapped in place (``normalize._chars_in_place``); ``special``: its distinct
    non-ASCII characters (``normalize.boilerplate_chars_special``; the scripts without spaces
    are all non-ASCII, so looking at these is searching ``chars``)."""
    if chars is None:  # (characters references to decode, or NFKC changes lengths)
        return None
    if text.isascii():
        return text
    if special is None \
            or any(_NOSPACE_SCRIPT.match(c) is not None for c in special):
        return None
    return chars


def _chunk_worker(payload: tuple[bytes, list[int], list[str | None] | None]) -> Features:
    blob, lengths, titles = payload
    joined = blob.decode("utf-8", "surrogatepass")
    texts, pos = [], 0
    for k in lengths:
        texts.append(joined[pos : pos + k])
        pos += k
    return featurize_chunk(texts, titles=titles)


_Odd = list[tuple[int, Reject | None]]


def _lines_worker(payload: tuple[list[str], list[int], bytes, list[int]]
                  ) -> tuple[Features, list[str], list[str | None], _Odd]:
    """Parse raw JSONL lines (as :func:`dedupe_news.load.parse_jsonl_line`) and featurize the
    articles among them: the features, the articles' ids and dates, and (line index, Reject
    or None for a blank line) for the lines that are not articles."""
    wheres, linenos, blob, lengths = payload
    texts: list[str] = []
    titles: list[str | None] = []
    ids: list[str] = []
    published: list[str | None] = []
    odd: _Odd = []
    pos = 0
    for k, (where, lineno, n) in enumerate(zip(wheres, linenos, lengths, strict=True)):
        raw = blob[pos : pos + n]
        pos += n
        obj = plain_record(raw)  # the common record: its fields, without an Article
        if obj is not None:
            texts.append(obj["text"])  # type: ignore[arg-type]
            titles.append(obj.get("title"))  # type: ignore[arg-type]
            ids.append(obj["id"])  # type: ignore[arg-type]
            published.append(obj.get("published"))  # type: ignore[arg-type]
            continue
        item = parse_jsonl_line(raw, where, lineno, fast=False)  # (plain_record: tried)
        if item is None or isinstance(item, Reject):
            odd.append((k, item))
        else:
            texts.append(item.text)
            titles.append(item.title)
            ids.append(item.id)
            published.append(item.published)
    return featurize_chunk(texts, titles=titles), ids, published, odd


def _payload(texts: Sequence[str], titles: Sequence[str | None] | None = None
             ) -> tuple[bytes, list[int], list[str | None] | None]:
    """A chunk as one UTF-8 blob: pickling a non-ASCII ``str`` would leave a cached UTF-8
    copy inside every text of the caller (~0.7 GB per million news articles)."""
    return ("".join(texts).encode("utf-8", "surrogatepass"), [len(t) for t in texts],
            None if titles is None else list(titles))


def _ready(_: int) -> int:
    return os.getpid()


def start_pool(workers: int, num_perm: int = 128, seed: int = 1) -> ProcessPoolExecutor:
    """Start ``workers`` worker processes now (forked while this process is still small).

    This process loads the workers' kernels first, so each worker inherits them instead of
    loading numba and them again (~0.7 s of CPU a worker), and its sketcher (forked: no
    initializer runs again); none of them runs threads."""
    _init(num_perm, seed)
    featurize_chunk(["A short text. It has two sentences."], titles=["A title"])
    with frozen_for_fork():  # (a fork context forks every worker at the first task)
        ex = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
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
        self.titles = np.zeros((n, TITLE_K), dtype=np.uint32)
        self.u_flat = np.empty(max(16, flat_hint), dtype=np.uint32)
        self.u_off = np.zeros(max(16, flat_hint // 8), dtype=np.int64)
        self.boilerplate = BoilerplateColumn()
        self.docs = self.flat = self.units = 0

    @staticmethod
    def _room(arr: np.ndarray, need: int) -> np.ndarray:
        if need <= len(arr):
            return arr
        grown = np.empty(max(need, len(arr) + len(arr) // 2), dtype=arr.dtype)
        grown[: len(arr)] = arr
        return grown

    def _room_docs(self, need: int) -> None:
        if need <= len(self.sizes):
            return
        cap = max(need, len(self.sizes) + len(self.sizes) // 2)
        sigs = np.empty((cap, self.sigs.shape[1]), dtype=np.uint32)
        sigs[: self.docs] = self.sigs[: self.docs]
        self.sigs = sigs
        self.sizes = self._room(self.sizes, cap)
        self.shingles = self._room(self.shingles, cap)
        self.doc_units = self._room(self.doc_units, cap + 1)
        titles = np.zeros((cap, TITLE_K), dtype=np.uint32)
        titles[: self.docs] = self.titles[: self.docs]
        self.titles = titles

    def add(self, part: Features) -> None:
        d, k = self.docs, len(part)
        self._room_docs(d + k)
        nf, nu = len(part.u_flat), len(part.u_off) - 1
        self.sigs[d : d + k] = part.signatures
        self.sizes[d : d + k] = part.sizes
        self.shingles[d : d + k] = part.shingle_counts
        self.titles[d : d + k] = part.title_rows()
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
                        self.doc_units[: n + 1], self.titles[:n])


def featurize(texts: Sequence[str], num_perm: int = 128, seed: int = 1,
              workers: int | None = None,
              on_chunk: Callable[[int], None] | None = None,
              pool: Executor | None = None,
              titles: Sequence[str | None] | None = None) -> Features:
    """Features of every text, in order (``titles``: one a text, for the title evidence).

    Uses ``pool`` (from :func:`start_pool`, same ``num_perm``/``seed``) when given, else
    ``workers`` processes for large inputs.
    """
    n = len(texts)
    chunks = [texts[i : i + CHUNK_DOCS] for i in range(0, n, CHUNK_DOCS)]
    tchunks = [None if titles is None else titles[i : i + CHUNK_DOCS]
               for i in range(0, n, CHUNK_DOCS)]
    # News text has ~0.1 distinct unit stems per character; the table is sized for 0.25 (the
    # untouched rest of an np.empty array costs address space, not memory) and grows if needed
    table = _Table(n, num_perm, sum(len(t) for t in texts) // 4)

    def take(c: Sequence[str], part: Features) -> None:
        table.add(part)
        if on_chunk:
            on_chunk(len(c))

    if pool is None and (workers_for(n, workers) <= 1 or len(chunks) <= 1):
        sk = Sketcher(num_perm, seed)
        for c, tc in zip(chunks, tchunks, strict=True):
            take(c, featurize_chunk(c, sk, tc))
        return table.features()
    own = pool is None
    ex = pool or start_pool(workers_for(n, workers), num_perm, seed)
    try:
        # a sliding window of chunks in flight (not all at once: each queued chunk is a
        # pickled copy of its texts)
        window: deque[tuple[Sequence[str], Future[Features]]] = deque()
        for c, tc in zip(chunks, tchunks, strict=True):
            window.append((c, ex.submit(_chunk_worker, _payload(c, tc))))
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


class JsonlArticles(Sequence[Article]):
    """Articles read by the workers (:func:`featurize_jsonl`): ids and dates kept, texts
    read again from their file when asked for (only canonical candidates are)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.published: list[str | None] = []
        self._files: list[str] = []
        self._file = array("i")
        self._lineno = array("q")
        self._offset = array("q")
        self._length = array("q")
        self._fds: dict[int, int] = {}

    def extend(self, ids: list[str], published: list[str | None], where: str,
               linenos: Sequence[int], offsets: Sequence[int], lengths: Sequence[int]) -> None:
        """Record articles read from consecutive lines of one file."""
        self.ids += ids
        self.published += published
        if not self._files or self._files[-1] != where:
            self._files.append(where)
        self._file.extend([len(self._files) - 1] * len(ids))
        self._lineno.extend(linenos)
        self._offset.extend(offsets)
        self._length.extend(lengths)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return _ArticleRef(self, i, self.ids[i], self.published[i])

    def text(self, i: int) -> str:
        f = self._file[i]
        if f not in self._fds:
            self._fds[f] = os.open(self._files[f], os.O_RDONLY)
        raw = os.pread(self._fds[f], self._length[i], self._offset[i])
        item = parse_jsonl_line(raw, self._files[f], self._lineno[i])
        if not isinstance(item, Article) or item.id != self.ids[i]:
            raise OSError(f"{self.origin(i)}: the file changed while it was being clustered")
        return item.text

    def origin(self, i: int) -> str:
        return f"{self._files[self._file[i]]}:{self._lineno[i]}"

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


class _ArticleRef:
    """What the clustering reads of an :class:`Article`; the text is fetched on use."""

    __slots__ = ("_i", "_src", "id", "published")

    def __init__(self, src: JsonlArticles, i: int, aid: str, published: str | None) -> None:
        self._src, self._i, self.id, self.published = src, i, aid, published

    @property
    def text(self) -> str:
        return self._src.text(self._i)

    @property
    def origin(self) -> str:
        return self._src.origin(self._i)


_Piece = tuple[RawBlock, int, int]  # lines k0 <= k < k1 of a block
_LinesResult = tuple[Features, list[str], list[str | None], _Odd]


def _line_starts(block: RawBlock, k0: int, k1: int) -> list[int]:
    """Where lines k0..k1-1 of ``block`` start in its data."""
    return [0, *block.ends[: k1 - 1]] if k0 == 0 else block.ends[k0 - 1 : k1 - 1]


def _take_lines(entries: list[_Piece | Reject], ids: list[str], published: list[str | None],
                odd: _Odd, seen: set[str], arts: JsonlArticles,
                reject: Callable[[Reject], None]) -> list[int]:
    """Record a chunk's articles and rejects line by line, in order (the duplicate-id rule
    applied): the rows of its features to keep."""
    odd_at = dict(odd)
    keep: list[int] = []
    row = i = 0
    for e in entries:
        if isinstance(e, Reject):
            reject(e)
            continue
        block, k0, k1 = e
        for k, start, end in zip(range(k0, k1), _line_starts(block, k0, k1), block.ends[k0:k1],
                                 strict=True):
            line = i
            i += 1
            if line in odd_at:
                item = odd_at[line]
                if item is not None:
                    reject(item)
                continue
            aid = ids[row]
            if aid in seen:
                origin = f"{block.where}:{block.lineno + k}"
                reject(Reject(origin, None, "duplicate_id",
                              f"{origin}: id {aid!r} was already used; "
                              "ids must be unique (this record is skipped)"))
            else:
                seen.add(aid)
                arts.extend([aid], [published[row]], block.where, [block.lineno + k],
                            [block.offset + start], [end - start])
                keep.append(row)
            row += 1
    return keep


def featurize_jsonl(paths: Sequence[str], pool: Executor, num_perm: int = 128,
                    max_bytes: int = DEFAULT_MAX_BYTES,
                    on_reject: Callable[[Reject], None] | None = None,
                    on_chunk: Callable[[int], None] | None = None,
                    size_hint: int = 0) -> tuple[JsonlArticles, Features, list[Reject]]:
    """Read plain ``.jsonl`` files and featurize them, parsing in the worker processes.

    The same articles, rejects (in the same order, reported through ``on_reject`` as they
    are met) and features as :func:`dedupe_news.load.iter_articles` + :func:`featurize`:
    this process only splits lines and sends them on, so reading overlaps fingerprinting,
    and it keeps ids, dates and file offsets instead of a million texts.
    """
    with paused_gc():  # (every chunk unpickles ~10k boilerplate objects kept to the end)
        return _featurize_jsonl(paths, pool, num_perm, max_bytes, on_reject, on_chunk,
                                size_hint)


def _featurize_jsonl(paths: Sequence[str], pool: Executor, num_perm: int,
                     max_bytes: int, on_reject: Callable[[Reject], None] | None,
                     on_chunk: Callable[[int], None] | None,
                     size_hint: int) -> tuple[JsonlArticles, Features, list[Reject]]:
    if size_hint <= 0:  # the files' sizes, as the CLI gives (else the table grows by copies)
        size_hint = sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
    table = _Table(max(16, size_hint // 1000), num_perm, size_hint // 4)
    arts = JsonlArticles()
    rejects: list[Reject] = []
    seen: set[str] = set()

    def reject(r: Reject) -> None:
        rejects.append(r)
        if on_reject:
            on_reject(r)

    def take(entries: list[_Piece | Reject], fut: Future[_LinesResult]) -> None:
        part, ids, published, odd = fut.result()
        if odd or not seen.isdisjoint(ids) or len(set(ids)) < len(ids) \
                or any(isinstance(e, Reject) for e in entries):
            keep = _take_lines(entries, ids, published, odd, seen, arts, reject)
            kept = len(keep)
            table.add(part if kept == len(part) else part.select(keep))
        else:  # lines only, all articles with new ids: what _take_lines does, run by run
            seen.update(ids)
            row = 0
            for block, k0, k1 in entries:  # type: ignore[misc]
                starts, ends = _line_starts(block, k0, k1), block.ends[k0:k1]
                arts.extend(ids[row : row + k1 - k0], published[row : row + k1 - k0],
                            block.where, range(block.lineno + k0, block.lineno + k1),
                            [block.offset + s for s in starts],
                            [e - s for s, e in zip(starts, ends, strict=True)])
                row += k1 - k0
            kept = len(ids)
            table.add(part)
        if on_chunk:
            on_chunk(kept)

    def submit(entries: list[_Piece | Reject]) -> Future[_LinesResult]:
        wheres: list[str] = []
        linenos: list[int] = []
        blobs: list[memoryview] = []
        lengths: list[int] = []
        for e in entries:
            if isinstance(e, Reject):
                continue
            block, k0, k1 = e
            starts, ends = _line_starts(block, k0, k1), block.ends[k0:k1]
            wheres += [block.where] * (k1 - k0)
            linenos += range(block.lineno + k0, block.lineno + k1)
            blobs.append(memoryview(block.data)[starts[0] : ends[-1]])
            lengths += [e - s for s, e in zip(starts, ends, strict=True)]
        return pool.submit(_lines_worker, (wheres, linenos, b"".join(blobs), lengths))

    window: deque[tuple[list[_Piece | Reject], Future[_LinesResult]]] = deque()
    limit = 2 * (getattr(pool, "_max_workers", 2) or 2)
    entries: list[_Piece | Reject] = []
    nlines = 0
    for b in iter_raw_blocks(paths, max_bytes):
        if isinstance(b, Reject):
            entries.append(b)
            continue
        k, n = 0, len(b.ends)
        while k < n:  # chunks of CHUNK_DOCS lines (blank and bad ones too), as they come
            m = min(n - k, CHUNK_DOCS - nlines)
            entries.append((b, k, k + m))
            nlines += m
            k += m
            if nlines >= CHUNK_DOCS:
                window.append((entries, submit(entries)))
                entries, nlines = [], 0
                if len(window) > limit:
                    take(*window.popleft())
    if entries:
        window.append((entries, submit(entries)))
    while window:
        take(*window.popleft())
    # Load what damage scoring needs (rule tables, word list, Punkt) while this process
    # starts the leader loop, one task a worker, not waited for.
    for _ in range(limit // 2):
        pool.submit(_warm_up)
    return arts, table.features(), rejects


def _warm_up() -> None:
    """Load the damage scorer's data (rule tables, word list, Punkt) into this process."""
    from dedupe_news.damage import version_scores
    from dedupe_news.segment import load_tokenizer
    from dedupe_news.words import word_zipf

    word_zipf()
    load_tokenizer()
    version_scores(["A first version. It is short.", "A second version. It is short too."])
