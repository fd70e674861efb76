"""The filter reads titles as ``cluster`` does: under one headline a copy cut off after its
first 35% is the same story (``drop`` / ``replace``), under another headline it stays held
in the indexed article (``keep`` with a ``contained_in`` link); both indexes store each
canonical's title-stem row, and an index of the schema before titles is refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED, headline_cut_cases
from dedupe_news.cluster import cluster_articles
from dedupe_news.features import title_stems
from dedupe_news.filter import Filter, IndexMismatch, open_index
from dedupe_news.filter.core import RECORD_VERSION, pack_title, unpack_title
from dedupe_news.model import Article
from dedupe_news.verify_jit import TITLE_K
from test_filter_support import NO_REDIS, REDIS_SERVER, redis_py_missing, start_redis

CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not beside checkout")
needs_redis = [pytest.mark.skipif(REDIS_SERVER is None, reason=NO_REDIS),
               pytest.mark.skipif(redis_py_missing(), reason="the redis package is missing")]


def _cut_case() -> tuple[Article, str, str]:
    """(a BBC article with its title, its first 35% of paragraphs, another article's title):
    the text alone calls the cut ``contained_in`` the whole (``conftest.headline_cut_cases``)."""
    held, other = headline_cut_cases()
    assert held
    short, r = held[0]
    return Article(r["id"], r["text"], title=r["title"]), short, other


def _pair(location: str, first: Article, second: Article) -> tuple[str, str, str]:
    """``second``'s decision on a fresh index holding ``first``: (action, the decision's
    relation or its first link's, the article it names)."""
    with Filter(location) as f:
        assert f.decide(first).action == "keep"
        b = f.decide(second)
    link = b.links[0] if b.links else {"relation": "", "id": ""}
    return b.action, b.relation or link["relation"], b.duplicate_of or link["id"]


def _check(fresh: Callable[[str], str]) -> None:
    """``fresh(name)``: the location of a new, empty index."""
    whole, short, other = _cut_case()
    same = Article(whole.id + "-cut", short, title=whole.title)
    # one headline: the cut is a copy; the whole version stays, or replaces it
    assert _pair(fresh("a"), whole, same) == ("drop", "copy", whole.id)
    assert _pair(fresh("b"), same, whole) == ("replace", "copy", same.id)
    res = {r["id"]: r for r in cluster_articles([whole, same]).records}
    assert res[same.id]["relation"] == "copy" and res[same.id]["cluster"] == whole.id
    # another headline: held in the whole article, a new story with a link
    diff = Article(whole.id + "-held", short, title=other)
    assert _pair(fresh("c"), whole, diff) == ("keep", "contained_in", whole.id)
    assert _pair(fresh("d"), diff, whole) == ("keep", "contains", diff.id)
    res = {r["id"]: r for r in cluster_articles([whole, diff]).records}
    assert res[diff.id]["cluster"] == diff.id  # not a copy in cluster either
    # no titles at all: the text alone (held, as before titles were read)
    bare = Article(whole.id + "-bare", short)
    assert _pair(fresh("e"), Article(whole.id, whole.text), bare)[:2] == \
        ("keep", "contained_in")


@needs_corpus
def test_one_headline_makes_a_cut_copy_a_copy_sqlite(tmp_path: Path) -> None:
    _check(lambda name: str(tmp_path / f"{name}.idx"))
    idx = str(tmp_path / "a.idx")
    with Filter(idx) as f:
        f.decide(Article("untitled", "A story with no headline at all. " * 8))
    con = sqlite3.connect(idx)
    try:
        rows = con.execute("SELECT d.id, u.title FROM docs d JOIN units u ON u.doc = d.doc "
                           "WHERE d.canonical = 1").fetchall()
    finally:
        con.close()
    titles = {i.decode() if isinstance(i, bytes) else i: t for i, t in rows}
    assert titles["untitled"] is None  # no title: nothing stored
    whole, _short, _other = _cut_case()
    stems = title_stems([whole.title])[0]
    assert titles[whole.id] == stems[stems != 0].astype("<u4").tobytes()  # compact
    with _opened(idx) as ix:
        assert ix.verify()["ok"]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    yield from start_redis(tmp_path)


@needs_corpus
@needs_redis[0]
@needs_redis[1]
def test_one_headline_makes_a_cut_copy_a_copy_redis(redis_url: str) -> None:
    import redis

    _check(lambda name: f"{redis_url}?prefix={name}:")
    with Filter(f"{redis_url}?prefix=a:") as f:
        f.decide(Article("untitled", "A story with no headline at all. " * 8))
    r = redis.Redis.from_url(redis_url)
    try:
        whole, _short, _other = _cut_case()
        stems = title_stems([whole.title])[0]
        doc = int(r.hget("a:doc", whole.id))
        assert r.hget(f"a:d:{doc}", "title") == pack_title(stems) == \
            stems[stems != 0].astype("<u4").tobytes()
        untitled = int(r.hget("a:doc", "untitled"))
        assert r.hget(f"a:d:{untitled}", "canonical") == b"1"
        assert r.hget(f"a:d:{untitled}", "title") is None  # no title: nothing stored
        replaced = int(r.hget("b:doc", whole.id + "-cut"))  # replaced: its rows go
        assert r.hmget(f"b:d:{replaced}", "canonical", "units", "title") == [b"0", None, None]
    finally:
        r.close()


def test_title_rows_round_trip() -> None:
    rows = title_stems(["Ad sales boost Time Warner profit", None, ""])
    for row in rows:
        blob = pack_title(row)
        assert len(blob) == 4 * int((row != 0).sum())
        assert (unpack_title(blob) == row).all() and unpack_title(blob).shape == (TITLE_K,)
    assert (unpack_title(None) == np.zeros(TITLE_K, dtype=np.uint32)).all()
    with pytest.raises(ValueError):
        unpack_title(b"\x01\x02\x03")


def test_an_index_without_titles_is_refused(tmp_path: Path) -> None:
    assert RECORD_VERSION >= 3
    idx = str(tmp_path / "old.idx")
    with Filter(idx) as f:
        f.decide(Article("a", "Some story text that is long enough to index. " * 5))
    con = sqlite3.connect(idx)
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(IndexMismatch, match="schema version 2"):
        open_index(idx)


class _opened:
    def __init__(self, location: str) -> None:
        self.ix = open_index(location)

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.ix

    def __exit__(self, *exc: object) -> None:
        self.ix.close()
