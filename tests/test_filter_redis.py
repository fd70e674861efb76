"""The shared Redis index: a private redis-server on 127.0.0.1 and a free port, started and
stopped here (skipped with the reason when redis-server or the redis package is missing)."""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedupe_news.filter import Filter, FilterSettings, IndexMismatch
from dedupe_news.model import Article
from test_filter_support import (
    NO_REDIS,
    REDIS_SERVER,
    agreement_corpus,
    cli,
    jsonl,
    lines,
    redis_py_missing,
    same_cluster_pairs,
    seed_articles,
    start_redis,
)

pytestmark = [
    pytest.mark.skipif(REDIS_SERVER is None, reason=NO_REDIS),
    pytest.mark.skipif(redis_py_missing(), reason="the redis package is missing: "
                       "pip install -e '.[test]'"),
]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    yield from start_redis(tmp_path)


def test_seeds_replay_and_stats(redis_url: str) -> None:
    data = jsonl(seed_articles())
    first = cli("filter", "--index", redis_url, input=data)
    assert first.returncode == 0, first.stderr
    rows = lines(first.stdout)
    assert [r["action"] for r in rows][:4] == ["keep"] * 4
    assert rows[4]["action"] in ("drop", "replace") and rows[4]["duplicate_of"] == "002"
    again = cli("filter", "--index", redis_url, input=data)
    assert again.stdout == first.stdout
    stats = json.loads(cli("index", "stats", "--index", redis_url).stdout)
    assert stats["articles"] == 5 and stats["actions"] == {"keep": 4, "drop": 1}
    exp = lines(cli("index", "export", "--index", redis_url).stdout)
    assert [r["id"] for r in exp] == ["000", "001", "002", "003", "004"]
    assert json.loads(cli("index", "verify", redis_url).stdout)["ok"]
    assert cli("index", "remove", "--index", redis_url, "004").returncode == 0
    assert json.loads(cli("index", "stats", "--index", redis_url).stdout)["articles"] == 4
    assert cli("index", "prune", "--index", redis_url, "--before", "2999-01-01").returncode == 0
    assert json.loads(cli("index", "stats", "--index", redis_url).stdout)["articles"] == 0


def test_agrees_with_sqlite_and_cluster(redis_url: str, tmp_path: Path) -> None:
    arts = agreement_corpus()
    with Filter(redis_url) as fr, Filter(str(tmp_path / "same.idx")) as fs:
        for a in arts:
            dr, ds = fr.decide(a), fs.decide(a)
            assert dr.line == ds.line
    from dedupe_news.cluster import cluster_articles

    batch = {str(r["id"]): str(r["cluster"]) for r in cluster_articles(arts).records}
    with Filter(redis_url) as fr:
        stream = {a.id: str(fr.decide(a).cluster) for a in arts}  # replays
    assert same_cluster_pairs(stream) == same_cluster_pairs(batch)


def test_other_parameters_refused(redis_url: str) -> None:
    from dedupe_news.candidates import LshSettings
    from dedupe_news.cluster import ClusterSettings

    with Filter(redis_url) as f:
        f.decide(seed_articles()[0])
    other = FilterSettings(cluster=ClusterSettings(lsh=LshSettings(bands=64)))
    with pytest.raises(IndexMismatch):
        Filter(redis_url, other)
    r = cli("filter", "--index", redis_url, "--bands", "64", input=jsonl(seed_articles()))
    assert r.returncode == 1 and b"other parameters" in r.stderr and r.stdout == b""


def test_two_workers_one_keep_per_story(redis_url: str) -> None:
    rng = random.Random(8)
    stories = seed_articles()[:4] + [
        Article(f"s{i}", " ".join(f"v{rng.randrange(10**6)}" for _ in range(150)) + ".")
        for i in range(26)]
    import threading

    procs = [subprocess.Popen([sys.executable, "-m", "dedupe_news", "filter", "--index",
                               redis_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    feeds = [jsonl([Article(f"{a.id}@w{k}", a.text) for a in stories]) for k in range(2)]

    def feed(p: subprocess.Popen[bytes], data: bytes) -> None:
        assert p.stdin is not None
        p.stdin.write(data)
        p.stdin.close()

    threads = [threading.Thread(target=feed, args=pf) for pf in zip(procs, feeds, strict=True)]
    for t in threads:
        t.start()
    keeps: dict[str, int] = {}
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        out, err = p.stdout.read(), p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        assert p.wait(300) == 0, err
        rows = lines(out)
        assert len(rows) == len(stories)
        for r in rows:
            story = str(r["id"]).split("@")[0]
            keeps[story] = keeps.get(story, 0) + (r["action"] == "keep")
    for t in threads:
        t.join()
    assert all(v == 1 for v in keeps.values()), keeps


def test_planted_pickle_is_never_loaded(redis_url: str, tmp_path: Path) -> None:
    """RELIABILITY 30: a pickle planted where the index keeps its values runs nothing."""
    import redis

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (open, (str(marker), "w"))

    with Filter(redis_url) as f:
        f.decide(seed_articles()[2])
    r = redis.Redis.from_url(redis_url)
    payload = pickle.dumps(Evil())
    for key in r.scan_iter(match="dn:*"):
        if r.type(key) == b"hash" and key.startswith(b"dn:d:"):
            r.hset(key, "text", payload)
    r.close()
    out = cli("filter", "--index", redis_url, input=jsonl(seed_articles()))
    assert not marker.exists()
    assert b"Traceback" not in out.stderr


def test_candidates_ranked_from_signatures_first(redis_url: str) -> None:
    """The Redis look-up, like the SQLite one, reads signatures first and rows only for the
    candidates the ranking can keep: the same candidates as ranking every row."""
    from dedupe_news.filter.redis_index import _Txn

    arts = agreement_corpus()
    with Filter(redis_url) as f:
        for a in arts[: len(arts) // 2]:
            f.decide(a)
        preps = f.prepare_many([Article(a.id + "-probe", a.text) for a in arts])

        def ranked() -> list[list[int]]:
            out = []
            for p in preps:
                with f.index.begin() as tx:
                    tx.replay(p.article.id)
                    out.append([c.doc for c in f._candidates(tx, p)])
            return out

        got = ranked()
        fast = _Txn.candidate_sigs
        try:
            del _Txn.candidate_sigs  # every candidate's row, ranked
            want = ranked()
        finally:
            _Txn.candidate_sigs = fast
    assert got == want and sum(map(len, got)) > len(arts) // 2


def _stream_with_replaces() -> list[Article]:
    """The agreement corpus, then each seed's first half before the seed itself (a copy the
    complete version replaces), and ids sent twice within a few lines (replays)."""
    arts = agreement_corpus()
    for a in seed_articles():
        cut = a.text[: len(a.text) // 2]
        arts += [Article(a.id + "-half", cut), Article(a.id + "-whole", a.text)]
    return arts + arts[3:9] + [arts[-1]]


def test_batches_decide_as_one_by_one(redis_url: str) -> None:
    """A batch's decisions share one look-up and one commit; they see each other's writes
    (a copy of an article kept earlier in the batch, a replace of one, an id sent twice)
    and equal deciding one by one, byte for byte."""
    arts = _stream_with_replaces()
    with Filter(redis_url + "?prefix=one:") as one:
        want = [one.decide(a).line for a in arts]
    with Filter(redis_url + "?prefix=batch:") as f:
        got = []
        for i in range(0, len(arts), 7):
            got += [d.line for d in f.decide_items([(a, "-", None) for a in arts[i : i + 7]])]
        assert f.index.verify()["ok"]
    assert got == want
    actions = [json.loads(x)["action"] for x in got]
    assert {"keep", "drop", "replace"} <= set(actions)
    # the same input again: every line replayed (from the index, or earlier in its batch)
    with Filter(redis_url + "?prefix=batch:") as f:
        again = [d.line for d in f.decide_items([(a, "-", None) for a in arts])]
    assert again == want


def test_cli_batches_write_what_one_by_one_writes(redis_url: str) -> None:
    """Through the CLI (a reader process fingerprints and packs ahead): ``--batch 7`` and
    ``--batch 1`` on two indexes of one server write the same bytes."""
    data = jsonl(_stream_with_replaces())
    one = cli("filter", "--index", redis_url + "?prefix=one:", "--batch", "1", input=data)
    seven = cli("filter", "--index", redis_url + "?prefix=seven:", "--batch", "7", input=data)
    assert one.returncode == seven.returncode == 0, seven.stderr
    assert seven.stdout == one.stdout and len(lines(one.stdout)) == len(data.splitlines())
    a, b = ([(r["id"], r["cluster"], r["canonical"], r.get("minhash")) for r in
             lines(cli("index", "export", "--index", redis_url + f"?prefix={p}:").stdout)]
            for p in ("one", "seven"))
    assert a == b and len(a) == len(set(r[0] for r in a))


def test_a_batch_another_writer_disturbed_is_decided_again(redis_url: str,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Another worker commits a story between a batch's look-up and its commit: the commit
    sees it (the epoch moved, the band sets differ), writes nothing, and the batch is
    decided again one by one - one keep for the story, not two."""
    from dedupe_news.filter.redis_index import _Txn

    seeds = seed_articles()
    story = seeds[0]
    ahead = _Txn.ahead
    calls = []

    def disturbed(self: _Txn, preps: list) -> None:
        ahead(self, preps)
        if not calls:
            calls.append(1)
            with Filter(redis_url) as other:
                assert other.decide(Article("other-worker", story.text)).action == "keep"

    monkeypatch.setattr(_Txn, "ahead", disturbed)
    batch = [Article("mine", story.text), seeds[1], seeds[3]]
    with Filter(redis_url) as f:
        rows = [json.loads(d.line) for d in f.decide_items([(a, "-", None) for a in batch])]
        assert f.index.verify()["ok"]
    assert calls == [1]
    # the same text: the lower id wins, so "mine" takes over as the story's canonical
    assert [r["action"] for r in rows] == ["replace", "keep", "keep"]
    assert rows[0]["duplicate_of"] == "other-worker"
    stats = json.loads(cli("index", "stats", "--index", redis_url).stdout)
    assert stats["articles"] == 4 and stats["actions"] == {"keep": 3, "replace": 1}
