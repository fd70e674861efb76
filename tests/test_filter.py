"""dedupe-news filter on the embedded SQLite index: decisions, replays, bad input, crash
safety, concurrency, parameter refusal, maintenance (RELIABILITY.md 1-8, 18-26, 30)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from dedupe_news.cluster import cluster_articles
from dedupe_news.filter import (
    Filter,
    FilterSettings,
    IndexMismatch,
    codec,
    open_index,
    sqlite_index,
)
from dedupe_news.filter.sqlite_index import BUCKET_SHIFT, ENTRY, PAGE_SIZE, SqliteIndex, _decode
from dedupe_news.model import Article
from test_filter_support import (
    agreement_corpus,
    cli,
    jsonl,
    lines,
    popen,
    same_cluster_pairs,
    seed_articles,
    variants,
)

# --- the library API and the acceptance checks --------------------------------------------


def test_seeds_in_order_and_replayed(tmp_path: Path) -> None:
    idx = str(tmp_path / "news.idx")
    data = tmp_path / "seeds.jsonl"
    data.write_bytes(jsonl(seed_articles()))
    first = cli("filter", "--index", idx, str(data))
    assert first.returncode == 0, first.stderr
    rows = lines(first.stdout)
    assert [r["id"] for r in rows] == ["000", "001", "002", "003", "004"]
    assert [r["action"] for r in rows[:4]] == ["keep"] * 4
    assert rows[4]["action"] in ("drop", "replace")
    assert rows[4]["duplicate_of"] == "002" and rows[4]["relation"] == "copy"
    assert rows[4]["cluster"] == "002"
    # a copy's line carries its damage score, also when completeness alone decides: the
    # number `check` gives the article (one answer in every command)
    from dedupe_news.damage import check_text

    texts = {a.id: a.text for a in seed_articles()}
    assert rows[4]["damage_score"] == round(check_text(texts["004"]).score, 4)
    checked = cli("check", "--format", "jsonl", str(data))
    by_id = {r["id"]: r for r in lines(checked.stdout)}
    assert by_id["004"]["damage_score"] == rows[4]["damage_score"]
    assert rows[4]["flags"] == sorted({f["rule"] for f in by_id["004"]["flags"]})
    for r in rows:
        assert list(r) == ["id", "action", "reason", "duplicate_of", "cluster", "relation",
                           "similarity", "damage_score", "flags", "links"]
    again = cli("filter", "--index", idx, str(data))
    assert again.returncode == 0
    assert again.stdout == first.stdout  # replayed byte for byte
    with _Open(idx) as ix:
        assert ix.stats()["articles"] == 5  # nothing inserted twice
        assert ix.verify()["ok"]


class _Open:
    def __init__(self, idx: str, **kw: object) -> None:
        self.ix = open_index(idx, **kw)  # type: ignore[arg-type]

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.ix

    def __exit__(self, *exc: object) -> None:
        self.ix.close()


def test_api_replace_when_the_better_version_comes_second(tmp_path: Path) -> None:
    seeds = {a.id: a for a in seed_articles()}
    with Filter(str(tmp_path / "i.idx")) as f:
        first = f.decide(seeds["004"])
        second = f.decide(seeds["002"])
        third = f.decide(Article("002-again", seeds["002"].text))
        assert first.action == "keep"
        assert second.action == "replace" and second.duplicate_of == "004"
        assert second.cluster == "004"  # the cluster keeps its first id
        assert third.action == "drop" and third.duplicate_of == "002"
        assert not third.replayed and f.decide(seeds["002"]).replayed
        assert f.counts["keep"] == 1 and f.counts["replace"] == 1


def test_links_and_policies(tmp_path: Path) -> None:
    seeds = {a.id: a for a in seed_articles()}
    paras = [p for p in seeds["001"].text.split("\n") if p.strip()]
    host = "\n".join(["Markets opened lower on Monday as traders weighed new tariffs on "
                      "semiconductors, steel and timber, while the central bank kept rates "
                      "on hold and warned of slower growth in the months ahead."] * 1
                     + [seeds["003"].text] + paras)
    with Filter(str(tmp_path / "a.idx")) as f:
        f.decide(Article("host", host))
        d = f.decide(Article("piece", seeds["003"].text))
    if d.action == "keep":  # held in the host: a link, not a copy
        assert any(lk["id"] == "host" for lk in d.links)
    with Filter(str(tmp_path / "b.idx"), FilterSettings(drop_contained=True)) as f:
        f.decide(Article("host", host))
        d2 = f.decide(Article("piece", seeds["003"].text))
    if d.action == "keep" and any(lk["relation"] == "contained_in" for lk in d.links):
        assert d2.action == "drop" and d2.relation == "contained_in"
    with Filter(str(tmp_path / "c.idx"), FilterSettings(review_damage=0.2)) as f:
        d3 = f.decide(seeds["000"])  # damage 0.30 on the rules
        assert d3.action == "review" and d3.damage_score is not None and d3.flags
        assert f.decide(seeds["001"]).action == "keep"


def test_stream_and_batch_agree(tmp_path: Path) -> None:
    """The pairs the filter puts together are the pairs cluster puts together."""
    arts = agreement_corpus()
    batch = {str(r["id"]): str(r["cluster"]) for r in cluster_articles(arts).records}
    stream = {}
    with Filter(str(tmp_path / "agree.idx")) as f:
        for a in arts:
            d = f.decide(a)
            stream[a.id] = str(d.cluster)
            assert d.action in ("keep", "drop", "replace")
    b, s = same_cluster_pairs(batch), same_cluster_pairs(stream)
    assert len(b) > 40
    assert s == b


def test_candidates_ranked_from_signatures_first_are_the_full_ranking(tmp_path: Path) -> None:
    """The SQLite look-up reads signatures first and rows only for the candidates the ranking
    can keep (``candidate_sigs`` / ``indexed``): the candidates equal the ranking of every
    candidate's row (the path an index without it takes), ties on similarity included; and
    the compiled similarity equals its numpy definition."""
    from dedupe_news.filter.core import least_equal, similar_rows
    from dedupe_news.filter.sqlite_index import _Txn

    arts = agreement_corpus()
    with Filter(str(tmp_path / "rank.idx")) as f:
        for a in arts[: len(arts) // 2]:
            f.decide(a)
        preps = f.prepare_many([Article(a.id + "-probe", a.text) for a in arts])
        fast = _Txn.candidate_sigs
        with f.index.begin() as tx:
            got = [[c.doc for c in f._candidates(tx, p)] for p in preps]
            try:
                del _Txn.candidate_sigs  # the path without it: every candidate's row
                want = [[c.doc for c in f._candidates(tx, p)] for p in preps]
            finally:
                _Txn.candidate_sigs = fast
    assert got == want and sum(map(len, got)) > len(arts) // 2
    rng = np.random.default_rng(3)
    sig = rng.integers(0, 50, 256, dtype=np.uint32)
    sigs = np.where(rng.random((300, 256)) < rng.random((300, 1)), sig,
                    rng.integers(0, 50, (300, 256))).astype(np.uint32)
    for bands, rows, minj in ((128, 2, 0.06), (32, 7, 0.3), (64, 4, 0.0)):
        eq_rows = sigs == sig[None, :]
        eq = eq_rows.sum(axis=1)
        banded = eq_rows[:, : bands * rows].reshape(300, bands, rows).all(axis=2).any(axis=1)
        e, ok = similar_rows(sigs, sig, bands, rows, least_equal(256, minj))
        assert (e == eq).all() and (ok == (banded & (eq / 256 >= minj))).all()


def test_sketch_bound_never_drops_a_candidate_that_could_pass() -> None:
    """:class:`Sketches`: a remembered sketch rules a candidate out only when fewer than
    ``least`` of its values can equal the newcomer's (the count of equal low bytes bounds
    the count of equal values from above); an unknown article always may pass; a newer
    article takes an older one's slot."""
    from dedupe_news.filter.core import least_equal
    from dedupe_news.filter.recent import Sketches

    rng = np.random.default_rng(11)
    sig = rng.integers(0, 1 << 27, 256, dtype=np.uint32)
    share = rng.random((2000, 1)) * 0.2
    sigs = np.where(rng.random((2000, 256)) < share, sig,
                    rng.integers(0, 1 << 27, (2000, 256))).astype(np.uint32)
    docs = np.arange(2000, dtype=np.int64) * 3 + 5
    sk = Sketches(256, slots=1 << 14)
    least = least_equal(256, 0.06)
    assert sk.may_pass(docs, sig, least).all()  # nothing known yet
    sk.put(docs, sigs)
    ok = sk.may_pass(docs, sig, least)
    eq = (sigs == sig).sum(axis=1)
    assert ok[eq >= least].all()  # sound: whatever could pass may pass
    assert (~ok).sum() >= 0.9 * (eq < least).sum()  # and tight: most others are ruled out
    small = Sketches(256, slots=8)
    small.put(np.array([3]), sigs[:1])
    assert small.may_pass(np.array([3]), sig, 300).tolist() == [False]
    small.put(np.array([11]), sigs[1:2])  # the same slot
    assert small.may_pass(np.array([3, 11]), sig, 300).tolist() == [True, False]


def test_bucket_helpers_equal_their_numpy_definitions() -> None:
    from dedupe_news.filter.recent import keys_and_buckets, union_sorted
    from dedupe_news.filter.sqlite_index import _held_in

    rng = np.random.default_rng(4)
    for n in (0, 1, 128, 500):
        keys = rng.integers(-(1 << 31), 1 << 31, n, dtype=np.int64)
        keys[: n // 3] = keys[n // 3 : 2 * (n // 3)]  # repeats
        k, b = keys_and_buckets(keys)
        want = np.unique(keys & 0xFFFFFFFF)
        assert np.array_equal(k, want) and np.array_equal(b, np.unique(want >> BUCKET_SHIFT))
        x = np.unique(rng.integers(0, 300, n))
        y = np.unique(rng.integers(0, 300, n // 2 + 1))
        assert np.array_equal(union_sorted(x, y), np.union1d(x, y))
        if len(y):  # the merge's test for dead articles' entries
            v = rng.integers(-5, 310, n)
            assert np.array_equal(_held_in(v, y), np.isin(v, y))


def test_candidate_texts_read_only_when_asked(tmp_path: Path) -> None:
    """A look-up loads candidates' units; a text is read (in the same transaction) only
    when a copy's decision asks for it."""
    arts = seed_articles()
    with Filter(str(tmp_path / "t.idx")) as f:
        f.decide(arts[2])
        prep = f.prepare(Article("x", arts[2].text))
        with f.index.begin() as tx:
            (c,) = f._candidates(tx, prep)
            tx.load([c])
            assert c.text is None and c.ztext is None and c.fetch is not None
            assert c.full_text() == arts[2].text and c.fetch is None
    with Filter(str(tmp_path / "n.idx"), FilterSettings(store_text=False)) as f:
        f.decide(arts[2])
        with f.index.begin() as tx:
            (c,) = f._candidates(tx, prep)
            tx.load([c])
            assert c.full_text() is None


def test_sketches_forgotten_on_rollback(tmp_path: Path) -> None:
    """Article numbers of a rolled-back transaction are given again: their sketches go."""
    arts = seed_articles()
    with Filter(str(tmp_path / "rb.idx")) as f:
        f.decide(arts[0])
        ix = f.index
        with pytest.raises(RuntimeError), ix.begin() as tx:
            prep = f.prepare(arts[2])
            tx.write(f._plan(tx, prep))
            assert (ix._sketches._tags >= 0).sum() >= 2
            raise RuntimeError("stop")
        assert (ix._sketches._tags >= 0).sum() == 0
        assert f.decide(arts[2]).action == "keep"


# --- bad input: one decision per input line ----------------------------------------------


def _run_bytes(tmp_path: Path, data: bytes, *extra: str, name: str = "in.jsonl"
               ) -> subprocess.CompletedProcess[bytes]:
    p = tmp_path / name
    p.write_bytes(data)
    return cli("filter", "--index", str(tmp_path / "x.idx"), str(p), *extra)


def test_every_line_answered_in_order(tmp_path: Path) -> None:
    seeds = seed_articles()
    good = json.dumps({"id": "a", "text": seeds[0].text}).encode()
    weird = json.dumps({"id": "w\ud800", "text": "Lone \ud800 NUL \x00 NEL \x85 LS \u2028 "
                        "PS \u2029 <script>alert(1)</script> " + seeds[1].text}).encode()
    data = b"\n".join([
        b"\xef\xbb\xbf" + good,  # BOM on line 1
        b"",  # blank line
        b'{"id": "b", "text": "caf\xe9"}',  # invalid UTF-8
        b'{"text": "no id"}',
        b'{"id": "n", "text": null}',
        b'{"id": "m", "text": 5}',
        b'{"id": "l", "text": ["x"]}',
        b"[1, 2]",
        weird,
        good.replace(b'"a"', b'"c"') + b"\r",  # CRLF line ending
        good,  # duplicate id: replays line 1's decision
        b'{"id": "t", "text": "trunc',  # truncated last line, no newline
    ])
    r = _run_bytes(tmp_path, data, "--rejects", str(tmp_path / "rej.jsonl"))
    assert r.returncode == 1  # records got error and no --skip-bad
    assert b"Traceback" not in r.stderr
    out = r.stdout.decode("utf-8")  # valid UTF-8
    rows = lines(r.stdout)
    assert len(out.split("\n")) - 1 == 12 == len(rows)
    actions = [x["action"] for x in rows]
    assert actions == ["keep", "error", "error", "error", "error", "error", "error", "error",
                       "keep", "drop", "keep", "error"]
    assert rows[1]["reason"].startswith("blank")
    assert rows[2]["reason"].startswith("not_utf8") and ":3:" in rows[2]["reason"]
    assert rows[3]["reason"].startswith("missing_id")
    assert rows[4]["reason"].startswith("bad_text")
    assert rows[7]["reason"].startswith("bad_json")
    assert rows[8]["id"] == "w\ud800"  # round-trips (escaped in JSON)
    assert rows[10] == rows[0]
    assert "\u2028" not in out and "\x85" not in out
    assert len((tmp_path / "rej.jsonl").read_text().splitlines()) == 8
    ok = _run_bytes(tmp_path, data, "--skip-bad", "-q", name="again.jsonl")
    assert ok.returncode == 0 and ok.stderr == b""


@pytest.mark.parametrize("data,n_lines", [(b"", 0), (b"\n", 1), (b"\n\n\n", 3)])
def test_empty_inputs(tmp_path: Path, data: bytes, n_lines: int) -> None:
    r = _run_bytes(tmp_path, data, "--skip-bad")
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    assert len(lines(r.stdout)) == n_lines


def test_no_trailing_newline_and_stdin(tmp_path: Path) -> None:
    data = jsonl(seed_articles()[:2]).rstrip(b"\n")
    r = cli("filter", "--index", str(tmp_path / "s.idx"), input=data)
    assert r.returncode == 0
    assert [x["action"] for x in lines(r.stdout)] == ["keep", "keep"]
    r2 = cli("filter", "--index", str(tmp_path / "s.idx"), "-", input=data)
    assert r2.stdout == r.stdout


def test_binary_and_gzip(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    r = _run_bytes(tmp_path, png, name="image.jsonl")
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    rows = lines(r.stdout)
    assert len(rows) == 1 and rows[0]["reason"].startswith("binary")
    gz = tmp_path / "in.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl(seed_articles())))
    r2 = cli("filter", "--index", str(tmp_path / "g.idx"), str(gz))
    assert r2.returncode == 0 and len(lines(r2.stdout)) == 5
    missing = cli("filter", "--index", str(tmp_path / "g.idx"), str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and b"cannot read" in missing.stderr


def test_huge_record_is_too_large_with_bounded_memory(tmp_path: Path) -> None:
    """A 100 MB line: error too_large, the stream goes on, the process stays small."""
    p = tmp_path / "big.jsonl"
    with p.open("wb") as fh:
        fh.write(jsonl(seed_articles()[:1]))
        fh.write(b'{"id": "huge", "text": "')
        chunk = b"word " * 200_000
        for _ in range(100):
            fh.write(chunk)
        fh.write(b'"}\n')
        fh.write(jsonl(seed_articles()[1:2]))
    code = ("import resource, sys\n"
            "from dedupe_news.cli import main\n"
            "try:\n    main(sys.argv[1:])\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "sys.stderr.write('MAXRSS %d\\n' % resource.getrusage(resource.RUSAGE_SELF)"
            ".ru_maxrss)\n")
    r = subprocess.run([sys.executable, "-c", code, "filter", "--index",
                        str(tmp_path / "big.idx"), str(p), "--skip-bad"],
                       capture_output=True, timeout=300, check=False)
    rows = lines(r.stdout)
    assert [x["action"] for x in rows] == ["keep", "error", "keep"]
    assert rows[1]["reason"].startswith("too_large")
    rss_kb = int(r.stderr.decode().split("MAXRSS ")[1].split()[0])
    assert rss_kb < 1024 * 1024, rss_kb  # under 1 GB


# --- parameters, schema, locks, read-only -------------------------------------------------


def test_other_parameters_are_refused(tmp_path: Path) -> None:
    idx = tmp_path / "p.idx"
    data = tmp_path / "s.jsonl"
    data.write_bytes(jsonl(seed_articles()[:2]))
    assert cli("filter", "--index", str(idx), str(data)).returncode == 0
    before = idx.read_bytes()
    r = cli("filter", "--index", str(idx), "--bands", "64", str(data))
    assert r.returncode == 1 and b"other parameters" in r.stderr and b"b64r2" in r.stderr
    assert b"Traceback" not in r.stderr and r.stdout == b""
    assert idx.read_bytes() == before
    with pytest.raises(IndexMismatch):
        open_index(str(idx), FilterSettings(cluster=_cs(num_perm=128, bands=64)))
    con = sqlite3.connect(idx)
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    r2 = cli("filter", "--index", str(idx), str(data))
    assert r2.returncode == 1 and b"schema version 0" in r2.stderr
    notindex = tmp_path / "plain.txt"
    notindex.write_text("hello")
    r3 = cli("filter", "--index", str(notindex), str(data))
    assert r3.returncode == 1 and b"not a dedupe-news index" in r3.stderr


def _cs(**lsh: int):  # type: ignore[no-untyped-def]
    from dedupe_news.candidates import LshSettings
    from dedupe_news.cluster import ClusterSettings

    return ClusterSettings(lsh=LshSettings(**lsh))


def test_stalled_writer_times_out_clearly(tmp_path: Path) -> None:
    idx = tmp_path / "l.idx"
    data = tmp_path / "s.jsonl"
    data.write_bytes(jsonl(seed_articles()[:1]))
    assert cli("filter", "--index", str(idx), str(data)).returncode == 0
    data.write_bytes(jsonl(seed_articles()[1:2]))
    con = sqlite3.connect(idx, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")  # a stalled writer holds the lock
    try:
        t0 = time.monotonic()
        r = cli("filter", "--index", str(idx), "--busy-timeout", "1", str(data))
        assert r.returncode == 1 and b"locked" in r.stderr and b"Traceback" not in r.stderr
        assert time.monotonic() - t0 < 60
    finally:
        con.execute("ROLLBACK")
        con.close()
    ok = cli("filter", "--index", str(idx), str(data))
    assert ok.returncode == 0 and lines(ok.stdout)[0]["action"] == "keep"


def test_reader_never_sees_locked(tmp_path: Path) -> None:
    """A reader (stats, export) while a writer inserts: WAL snapshots, no 'locked'."""
    idx = tmp_path / "r.idx"
    arts = agreement_corpus()
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(arts))
    w = subprocess.Popen([sys.executable, "-m", "dedupe_news", "filter", "--index", str(idx),
                          str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = []
        while w.poll() is None:
            if idx.exists():
                con = sqlite3.connect(f"file:{idx}?mode=ro", uri=True, timeout=5)
                try:
                    seen.append(con.execute("SELECT COUNT(*) FROM docs").fetchone()[0])
                except sqlite3.OperationalError as exc:
                    assert "locked" not in str(exc), exc
                finally:
                    con.close()
            time.sleep(0.05)
        assert w.returncode == 0
        assert seen == sorted(seen)
    finally:
        if w.poll() is None:
            w.kill()
        w.communicate()


def test_disk_full_is_a_clean_error(tmp_path: Path) -> None:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k",
                                            "tmpfs", str(mnt)],
                                           capture_output=True, check=False).returncode:
        pytest.skip("mounting a tiny tmpfs needs root (and mount permission)")
    try:
        rng = random.Random(1)
        arts = [Article(f"a{i}", " ".join(f"w{rng.randrange(10**6)}" for _ in range(400))
                        + ".") for i in range(400)]
        data = tmp_path / "in.jsonl"
        data.write_bytes(jsonl(arts))
        r = cli("filter", "--index", str(mnt / "full.idx"), str(data))
        assert r.returncode == 1 and b"Traceback" not in r.stderr
        assert b"full" in r.stderr.lower()
        n_out = len(lines(r.stdout))
        con = sqlite3.connect(mnt / "full.idx")
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM docs").fetchone()[0] == n_out
        con.close()
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# --- crash safety and concurrency ---------------------------------------------------------


def _stream(n_extra: int = 240) -> list[Article]:
    rng = random.Random(9)
    arts = agreement_corpus()
    for i in range(n_extra):
        base = rng.choice(arts)
        arts.append(Article(f"x{i}", base.text if i % 3 else
                            " ".join(f"t{rng.randrange(10**5)}" for _ in range(120)) + "."))
    return arts


def _state(idx: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(idx)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        docs = con.execute("SELECT d.id, d.cluster, d.canonical, d.action, d.line, s.sig, "
                           "u.units, t.text FROM docs d LEFT JOIN sigs s ON s.doc = d.doc "
                           "LEFT JOIN units u ON u.doc = d.doc LEFT JOIN texts t "
                           "ON t.doc = d.doc ORDER BY d.doc").fetchall()
        # band entries by (bucket, key, article id): the bytes of a bucket depend on the
        # order its entries were appended, which a resumed run may change after a removal
        rows = con.execute("SELECT b, v FROM buckets").fetchall()
        keys, docs_of = _decode([r[0] for r in rows], [r[1] for r in rows])
        ids = dict(con.execute("SELECT doc, id FROM docs"))
        bands = sorted((int(k), ids.get(int(d))) for k, d in zip(keys, docs_of, strict=True))
        return [*docs, *bands]
    finally:
        con.close()


def test_two_connections_alternating_equal_one(tmp_path: Path) -> None:
    """What another connection wrote meanwhile (keeps, replaces, a removal) is read, never a
    stale bucket row (a keep rewrites the rows its own look-up read): two indexes on one
    file taking turns decide and store what one index does alone."""
    arts = _stream(120)
    with Filter(str(tmp_path / "one.idx")) as one:
        want = [one.decide(a).line for a in arts[:-10]]
        one.index.remove([arts[3].id, arts[40].id])  # type: ignore[attr-defined]
        want += [one.decide(a).line for a in arts[-10:]]
    path = str(tmp_path / "two.idx")
    with Filter(path) as f1, Filter(path) as f2:
        got = [(f1 if i % 3 else f2).decide(a).line for i, a in enumerate(arts[:-10])]
        f2.index.remove([arts[3].id, arts[40].id])  # type: ignore[attr-defined]
        got += [(f1 if i % 2 else f2).decide(a).line for i, a in enumerate(arts[-10:])]
    assert got == want
    assert {x["action"] for x in map(json.loads, want)} >= {"keep", "drop"}
    assert _state(tmp_path / "two.idx") == _state(tmp_path / "one.idx")


def _small_merges(flt: Filter, recent_max: int = 7, parts: int = 5) -> Filter:
    """A filter whose index merges its recent canonicals every ``recent_max`` articles, a
    merge taking ``parts`` decisions (the defaults: every 8,192, over 4,096)."""
    from dedupe_news.filter.recent import BUCKETS

    flt.index.recent_max = recent_max  # type: ignore[attr-defined]
    flt.index.merge_step = -(-BUCKETS // parts)  # type: ignore[attr-defined]
    return flt


def _all_bands(idx: Path) -> set[tuple[int, str]]:
    """(band key, article id) of every canonical: from the buckets, and from the signatures
    of those not merged yet - what a look-up reads, by either level."""
    from dedupe_news.filter.core import band_keys
    from dedupe_news.filter.sqlite_index import unpack_sig_bits

    con = sqlite3.connect(idx)
    try:
        ids = dict(con.execute("SELECT doc, id FROM docs WHERE canonical = 1"))
        dead = {r[0] for r in con.execute("SELECT doc FROM dead")}
        rows = con.execute("SELECT b, v FROM buckets").fetchall()
        keys, docs_of = _decode([r[0] for r in rows], [r[1] for r in rows])
        assert set(docs_of.tolist()) <= set(ids) | dead  # others' entries only while dead
        out = {(int(k), ids[int(d)]) for k, d in zip(keys, docs_of, strict=True)
               if int(d) in ids}
        merged = con.execute("SELECT merged FROM state").fetchone()[0]
        for doc, sig in con.execute("SELECT doc, sig FROM sigs WHERE doc > ?", (merged,)):
            out |= {(int(k) & 0xFFFFFFFF, ids[doc]) for k in
                    band_keys(unpack_sig_bits(sig, 256), 128, 2).tolist()}
        return out
    finally:
        con.close()


def test_merges_in_slices_decide_as_one_table(tmp_path: Path) -> None:
    """Recent canonicals live in memory and are merged into the bucket rows a slice per
    decision: with a merge every 7 articles (each spread over 5 decisions, so look-ups meet
    half-merged buckets, and replaces and a removal land mid-merge) the decisions are the
    ones of an index that never merges, every canonical's band entries are on disk or in
    the signatures read back, none of a non-canonical is, and ``compact`` merges the rest."""
    arts = _stream(120)
    with Filter(str(tmp_path / "plain.idx")) as plain:
        want = [plain.decide(a).line for a in arts[:-10]]
        plain.index.remove([arts[3].id, arts[40].id])  # type: ignore[attr-defined]
        want += [plain.decide(a).line for a in arts[-10:]]
    path = tmp_path / "merging.idx"
    with _small_merges(Filter(str(path))) as flt:
        got = [flt.decide(a).line for a in arts[:-10]]
        merged = flt.index._state()["merged"]  # type: ignore[attr-defined]
        flt.index.remove([arts[3].id, arts[40].id])  # type: ignore[attr-defined]
        got += [flt.decide(a).line for a in arts[-10:]]
        report = flt.index.verify()  # type: ignore[attr-defined]
        assert report["ok"], report
        before = flt.index.stats()  # type: ignore[attr-defined]
    assert got == want
    actions = {x["action"] for x in map(json.loads, want)}
    assert actions >= {"keep", "drop", "replace"}, actions
    assert merged > 100  # merges did run
    assert _all_bands(path) == _all_bands(tmp_path / "plain.idx")
    assert before["unmerged_canonicals"] > 0
    with Filter(str(path)) as flt:
        flt.index.compact()  # type: ignore[attr-defined]
        after = flt.index.stats()  # type: ignore[attr-defined]
        assert flt.index.verify()["ok"]  # type: ignore[attr-defined]
    assert after["unmerged_canonicals"] == 0 and after["dead_pending"] == 0
    replaced = sum(json.loads(x)["action"] == "replace" for x in got)
    # replaced and removed canonicals: the last ones wait for a merge to drop their
    # entries, the earlier ones' were dropped
    assert 0 < before["dead_pending"] < replaced
    assert after["band_rows"] > before["band_rows"]
    con = sqlite3.connect(path)
    rows = con.execute("SELECT b, v FROM buckets").fetchall()
    canon = {r[0] for r in con.execute("SELECT doc FROM docs WHERE canonical = 1")}
    con.close()
    assert set(_decode([r[0] for r in rows], [r[1] for r in rows])[1].tolist()) <= canon
    assert _all_bands(path) == _all_bands(tmp_path / "plain.idx")


def test_lookups_made_ahead_decide_as_looking_up_then(tmp_path: Path) -> None:
    """The reader process's look-ups (:class:`LookAhead`, two batches ahead of the decision,
    against a snapshot the merges have rewritten since, with replaces and another writer's
    removal between) give the decisions of looking up at decision time; the deciding side
    reads only the buckets rewritten since, and ignores a snapshot from before someone
    else's commit."""
    from dedupe_news.filter.sqlite_index import LookAhead

    arts = _stream(120)
    with _small_merges(Filter(str(tmp_path / "plain.idx"))) as plain:
        want = [plain.decide(a).line for a in arts[:-10]]
        plain.index.remove([arts[3].id, arts[40].id])  # type: ignore[attr-defined]
        want += [plain.decide(a).line for a in arts[-10:]]
    path = str(tmp_path / "ahead.idx")
    ahead = LookAhead(path)
    ahead.look([None])  # no index yet: nothing looked up, nothing counted against it
    assert ahead.conn is None and ahead.failures == 0
    got: list[str] = []
    with _small_merges(Filter(path)) as flt, Filter(path) as other:
        ix = flt.index
        for part, removal in ((arts[:-10], False), (arts[-10:], True)):
            preps = flt.prepare_many(part)
            batches = [preps[i : i + 4] for i in range(0, len(preps), 4)]
            for b in batches[:2]:
                ahead.look(b)
            if removal:  # another writer commits after the look-ups: they are not used
                other.index.remove([arts[3].id, arts[40].id])  # type: ignore[attr-defined]
            for i, b in enumerate(batches):
                if i + 2 < len(batches):
                    ahead.look(b)  # (a look twice is the same numbers)
                    ahead.look(batches[i + 2])
                with ix.begin() as tx:  # type: ignore[attr-defined]
                    for p in b:
                        if p.early is not None:
                            fresh = set(tx._found(p.keys))
                            early = set(tx._found(p.keys, p.early))
                            assert fresh <= early
                            assert all(tx.c.execute("SELECT canonical FROM docs WHERE doc = ?",
                                                    (d,)).fetchone() in (None, (0,))
                                       for d in early - fresh)
                got += [d.line for d in flt.decide_items(
                    [(p.article, "-", None) for p in b], b)]
        counts = dict(ix.lookahead)  # type: ignore[attr-defined]
    ahead.close()
    assert got == want
    actions = {x["action"] for x in map(json.loads, want)}
    assert actions >= {"keep", "drop", "replace"}, actions
    assert counts["used"] > 100 and counts["reread"] > 0 and counts["missed"] > 0, counts


def test_a_failing_lookup_ahead_is_only_a_lost_head_start(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Any failure of a look-up made ahead leaves the articles to be looked up when decided
    (the stream goes on), and after three the reader stops trying."""
    from dedupe_news.filter import sqlite_index
    from dedupe_news.filter.sqlite_index import LookAhead

    path = str(tmp_path / "x.idx")
    arts = _stream(10)
    with Filter(path) as flt:
        preps = flt.prepare_many(arts)
        flt.decide_items([(p.article, "-", None) for p in preps[:5]], preps[:5])
        ahead = LookAhead(path)

        def broken(keys: object) -> object:
            raise RuntimeError("boom")

        monkeypatch.setattr(sqlite_index, "keys_and_buckets", broken)
        for k in range(5):
            ahead.look(preps[5 + k : 6 + k])
        monkeypatch.undo()
        assert ahead.failures == 3 and ahead.conn is None
        assert all(p.early is None for p in preps[5:10])
        got = [d.line for d in flt.decide_items([(p.article, "-", None) for p in preps[5:]],
                                                 preps[5:])]
    with Filter(str(tmp_path / "plain.idx")) as plain:
        want = [plain.decide(a).line for a in arts]
    assert got == want[5:]


def test_two_connections_merging_alternately_equal_one(tmp_path: Path) -> None:
    """Two indexes on one file, each merging: each reads the canonicals and the merge
    progress the other committed (a merge begun by one is finished by the other)."""
    arts = _stream(120)
    with _small_merges(Filter(str(tmp_path / "one.idx")), 11, 7) as one:
        want = [one.decide(a).line for a in arts]
    path = str(tmp_path / "two.idx")
    with _small_merges(Filter(path), 11, 7) as f1, _small_merges(Filter(path), 11, 7) as f2:
        got = [(f1 if i % 3 else f2).decide(a).line for i, a in enumerate(arts)]
    assert got == want
    assert _state(tmp_path / "two.idx") == _state(tmp_path / "one.idx")


def test_removed_numbers_are_never_given_again(tmp_path: Path) -> None:
    """Another process that has read a canonical's signature must find the next article
    given after that canonical's removal: the number is not reused."""
    arts = _stream(0)
    path = str(tmp_path / "x.idx")
    with Filter(path) as f1, Filter(path) as f2:
        f1.decide(arts[0])
        first = f2.decide(arts[1])  # f2 has now read arts[0]'s signature
        f1.index.remove([arts[1].id])  # type: ignore[attr-defined]
        again = f1.decide(Article("again", arts[1].text))  # the newest number, not reused
        assert again.action == first.action == "keep"
        d = f2.decide(Article("copy", arts[1].text))
        assert (d.action, d.duplicate_of) == ("drop", "again"), d.line


def _old_rows(path: Path, version: str) -> None:
    """Rewrite an index's rows as schema 3 and 4 stored them: lines as text, texts as plain
    zlib."""
    con = sqlite3.connect(path)
    for doc, line in con.execute("SELECT doc, line FROM docs").fetchall():
        con.execute("UPDATE docs SET line = ? WHERE doc = ?", (codec.unpack_line(line), doc))
    for doc, text in con.execute("SELECT doc, text FROM texts").fetchall():
        raw = codec.unpack_text(text).encode("utf-8", "surrogatepass")
        con.execute("UPDATE texts SET text = ? WHERE doc = ?", (zlib.compress(raw, 6), doc))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    con.commit()
    # and their pages: SQLite's default 4 KB (a WAL file's page size changes only outside WAL)
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("PRAGMA page_size = 4096")
    con.execute("VACUUM")
    con.execute("PRAGMA journal_mode = WAL")
    assert con.execute("PRAGMA page_size").fetchone()[0] == 4096
    con.close()


def test_a_schema_4_index_is_read_and_upgraded(tmp_path: Path) -> None:
    """A version-4 index (plain lines, zlib texts) is read as it is when opened read-only,
    and upgraded in place (no row rewritten) when opened for writing: its decisions replay
    byte for byte, and copies of its canonicals are judged against their stored texts as
    in an index made now."""
    arts = _stream(30)
    copies = [Article(f"late{k}", a.text + "\n\nShare this article") for k, a in
              enumerate(arts[:25])]
    path = tmp_path / "old.idx"
    with Filter(str(path)) as flt:
        first = [flt.decide(a).line for a in arts]
    _old_rows(path, "4")
    assert sqlite3.connect(path).execute("SELECT typeof(line) FROM docs").fetchone() == \
        ("text",)
    ro = SqliteIndex(str(path), create=False, readonly=True)
    try:
        assert ro.meta["schema_version"] == "4"
        assert [r["decision"]["id"] for r in ro.export()] == [a.id for a in arts]
        assert ro.verify()["ok"]
    finally:
        ro.close()
    with Filter(str(tmp_path / "new.idx")) as ref:
        want = [ref.decide(a).line for a in arts + copies]
    with Filter(str(path)) as flt:
        assert flt.index.meta["schema_version"] == "5"  # type: ignore[attr-defined]
        got = [flt.decide(a).line for a in arts + copies]
        assert flt.index.verify()["ok"]  # type: ignore[attr-defined]
    assert got[: len(arts)] == first  # replays
    assert got == want
    assert sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0] == 4096  # kept
    assert sqlite3.connect(tmp_path / "new.idx").execute("PRAGMA page_size").fetchone()[0] \
        == PAGE_SIZE
    assert any(json.loads(x)["action"] in ("drop", "replace") for x in got[len(arts):])


def test_a_schema_3_index_is_upgraded(tmp_path: Path) -> None:
    """A version-3 index (every canonical in its buckets, no state row) is upgraded in
    place when opened for writing, and decides against what it held."""
    arts = _stream(20)
    path = tmp_path / "old.idx"
    with Filter(str(path)) as flt:
        for a in arts[:-5]:
            flt.decide(a)
        flt.index.merge_all()  # type: ignore[attr-defined]
    _old_rows(path, "3")
    con = sqlite3.connect(path)
    con.execute("DROP TABLE state")
    con.execute("DROP TABLE dead")
    con.commit()
    con.close()
    with Filter(str(tmp_path / "new.idx")) as ref:
        want = [ref.decide(a).line for a in arts]
    with Filter(str(path)) as flt:
        assert flt.index.meta["schema_version"] == "5"  # type: ignore[attr-defined]
        got = [flt.decide(a).line for a in arts]
        assert flt.index.verify()["ok"]  # type: ignore[attr-defined]
    assert got[-5:] == want[-5:]
    assert all(json.loads(x).get("id") for x in got[:-5])  # replays of the old decisions


_MERGING_FILTER = """
import sys
from dedupe_news.filter import Filter
from dedupe_news.filter.recent import BUCKETS
from dedupe_news.filter.reader import Line, iter_lines
flt = Filter(sys.argv[1])
flt.index.recent_max, flt.index.merge_step = 9, -(-BUCKETS // 4)
lines = [x for x in iter_lines([sys.argv[2]], 10**7) if isinstance(x, Line)]
for i in range(0, len(lines), 5):
    for d in flt.decide_items([(x.item, x.where, x.lineno) for x in lines[i:i + 5]]):
        sys.stdout.write(d.line + "\\n")
        sys.stdout.flush()
flt.close()
"""


@pytest.mark.slow
def test_kill_9_mid_merge_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    """kill -9 at any moment of a run that merges every 9 articles (a merge over 4
    decisions, batches of 5): the resumed run's output and index equal an uninterrupted
    run's."""
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(_stream(160)))
    script = tmp_path / "merging_filter.py"
    script.write_text(_MERGING_FILTER)
    run = [sys.executable, str(script)]
    t0 = time.monotonic()
    ref = subprocess.run([*run, str(tmp_path / "ref.idx"), str(data)], capture_output=True,
                         check=True)
    # kill moments spread over the uninterrupted run's own length (a fixed range let a fast
    # machine finish most resumed runs before their kill)
    span = time.monotonic() - t0
    idx = tmp_path / "crash.idx"
    rng = random.Random(21)
    kills = 0
    for _ in range(12):
        p = subprocess.Popen([*run, str(idx), str(data)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 0.9) * span)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        got = p.communicate()[0].split(b"\n")
        assert b"\n".join(got[:-1]) == b"\n".join(ref.stdout.split(b"\n")[: len(got) - 1])
    assert kills >= 4
    final = subprocess.run([*run, str(idx), str(data)], capture_output=True, check=True)
    assert final.stdout == ref.stdout
    assert _state(idx) == _state(tmp_path / "ref.idx")
    con = sqlite3.connect(idx)
    assert con.execute("SELECT merged FROM state").fetchone()[0] > 100
    con.close()


@pytest.mark.slow
def test_kill_9_loop_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(_stream()))
    ref_idx = tmp_path / "ref.idx"
    ref = cli("filter", "--index", str(ref_idx), str(data))
    assert ref.returncode == 0
    idx = tmp_path / "crash.idx"
    rng = random.Random(20)
    kills = 0
    for _ in range(20):
        p = subprocess.Popen([sys.executable, "-m", "dedupe_news", "filter", "--index",
                              str(idx), str(data)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        out = p.communicate()[0]
        got = out.split(b"\n")
        # every complete line printed is a line of the uninterrupted run, in order
        assert b"\n".join(got[:-1]) == b"\n".join(ref.stdout.split(b"\n")[: len(got) - 1])
        if idx.exists():
            con = sqlite3.connect(idx)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            con.close()
    assert kills >= 5
    final = cli("filter", "--index", str(idx), str(data))
    assert final.returncode == 0
    assert final.stdout == ref.stdout
    assert _state(idx) == _state(ref_idx)


def _feed_together(procs: list[subprocess.Popen[bytes]], feeds: list[bytes]
                   ) -> list[tuple[bytes, bytes]]:
    """All processes are started (blocked on stdin): feed them at once, read every answer."""
    import threading

    def feed(p: subprocess.Popen[bytes], data: bytes) -> None:
        assert p.stdin is not None
        p.stdin.write(data)
        p.stdin.close()

    threads = [threading.Thread(target=feed, args=pf) for pf in zip(procs, feeds, strict=True)]
    for t in threads:
        t.start()
    outs = []
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        outs.append((p.stdout.read(), p.stderr.read()))
        p.stdout.close()
        p.stderr.close()
        p.wait(300)
    for t in threads:
        t.join()
    return outs


def test_four_writers_one_keep_per_story(tmp_path: Path) -> None:
    idx = str(tmp_path / "shared.idx")
    stories = seed_articles()[:4]
    rng = random.Random(5)
    stories += [Article(f"s{i}", " ".join(f"u{rng.randrange(10**6)}" for _ in range(150))
                        + ".") for i in range(16)]
    procs = [popen("filter", "--index", idx) for _ in range(4)]
    feeds = [jsonl([Article(f"{a.id}@w{k}", a.text) for a in stories]) for k in range(4)]
    outs = _feed_together(procs, feeds)
    keeps: dict[str, int] = {}
    for (out, err), p in zip(outs, procs, strict=True):
        assert p.returncode == 0, err
        rows = lines(out)
        assert len(rows) == len(stories)
        for r in rows:
            story = str(r["id"]).split("@")[0]
            keeps[story] = keeps.get(story, 0) + (r["action"] == "keep")
    assert all(v == 1 for v in keeps.values()), keeps


# --- maintenance -----------------------------------------------------------------------------


def test_index_commands(tmp_path: Path) -> None:
    idx = str(tmp_path / "m.idx")
    data = tmp_path / "s.jsonl"
    data.write_bytes(jsonl(seed_articles()))
    assert cli("filter", "--index", idx, str(data)).returncode == 0
    stats = json.loads(cli("index", "stats", "--index", idx).stdout)
    assert stats["articles"] == 5 and stats["canonicals"] == 4
    assert stats["actions"] == {"keep": 4, "drop": 1}
    assert "tables" not in stats
    tables = json.loads(cli("index", "stats", "--index", idx, "--tables").stdout)["tables"]
    assert {"docs", "sigs", "units", "texts", "buckets"} <= set(tables)
    assert sum(t["bytes"] for t in tables.values()) <= Path(idx).stat().st_size
    assert tables["docs"]["per_article"] == round(tables["docs"]["bytes"] / 5, 1)
    exp = cli("index", "export", "--index", idx)
    rows = lines(exp.stdout)
    assert [r["id"] for r in rows] == ["000", "001", "002", "003", "004"]
    from datasketch import LeanMinHash

    from dedupe_news.features import featurize

    mh = rows[2]["minhash"]
    lean = LeanMinHash(seed=mh["seed"], hashvalues=mh["hashvalues"], scheme=mh["scheme"])
    sig = featurize([seed_articles()[2].text], 256, 1).signatures[0]
    assert np.array_equal(lean.hashvalues, sig)
    out = tmp_path / "export.jsonl"
    assert cli("index", "export", "--index", idx, "-o", str(out)).returncode == 0
    assert out.read_bytes() == exp.stdout
    assert cli("index", "remove", "--index", idx, "002", "nope").returncode == 0
    again = cli("filter", "--index", idx, str(data))
    assert [r["action"] for r in lines(again.stdout)][2] == "keep"  # decided afresh
    ver = cli("index", "verify", idx)
    assert ver.returncode == 0 and json.loads(ver.stdout)["ok"]
    future = cli("index", "prune", "--index", idx, "--before", "2999-01-01")
    assert future.returncode == 0 and b"pruned 5" in future.stderr
    assert cli("index", "compact", "--index", idx).returncode == 0
    assert sqlite3.connect(idx).execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    assert json.loads(cli("index", "stats", "--index", idx).stdout)["articles"] == 0
    bad = cli("index", "prune", "--index", idx, "--before", "yesterday")
    assert bad.returncode == 2
    assert cli("index", "stats", "--index", str(tmp_path / "none.idx")).returncode == 1


def test_verify_finds_damage(tmp_path: Path) -> None:
    idx = tmp_path / "v.idx"
    data = tmp_path / "s.jsonl"
    data.write_bytes(jsonl(seed_articles()))
    assert cli("filter", "--index", str(idx), str(data)).returncode == 0
    con = sqlite3.connect(idx)
    con.execute("UPDATE docs SET canonical = 1 WHERE id = CAST('004' AS BLOB)")
    entry = ((9999 << BUCKET_SHIFT) | 1).to_bytes(8, "little")[:ENTRY]
    con.execute("INSERT INTO buckets VALUES (0, ?) ON CONFLICT(b) DO UPDATE "
                "SET v = CAST(v || excluded.v AS BLOB)", (entry,))
    con.commit()
    con.close()
    r = cli("index", "verify", str(idx))
    assert r.returncode == 1
    problems = json.loads(r.stdout)["problems"]
    assert any("band rows" in p for p in problems)
    assert any("more than one canonical" in p for p in problems)


def test_no_pickle_in_the_filter() -> None:
    """RELIABILITY 30: nothing in the filter unpickles (Redis values are parsed bytes)."""
    src = Path(__file__).resolve().parent.parent / "src" / "dedupe_news" / "filter"
    for p in src.glob("*.py"):
        text = p.read_text()
        assert "import pickle" not in text and "pickle.load" not in text, p
        assert "from pickle" not in text, p


def test_variants_helper_makes_copies() -> None:
    arts = variants(seed_articles()[0], random.Random(1))
    assert {a.id.split("-")[1] for a in arts} >= {"same", "bp", "edit", "half"}


@pytest.mark.parametrize("value", ["", "plain ASCII news.", "caf\u00e9 \u4e2d\u6587 \ud800 lone",
                                   '{"id": "x", "action": "keep"}', "word " * 50_000])
def test_stored_values_round_trip(value: str) -> None:
    """Lines and texts as the index stores them (preset-dictionary deflate) come back as
    they went in; a schema-4 text (plain zlib) and line (str) are read too; a damaged value
    is an error, not a wrong text."""
    packed = codec.pack(value)
    assert packed[:1] == codec.CODEC_V1
    assert codec.unpack_text(packed) == codec.unpack_line(packed) == value
    raw = value.encode("utf-8", "surrogatepass")
    assert codec.unpack_text(zlib.compress(raw)) == value
    assert codec.unpack_line(value) == value
    with pytest.raises((zlib.error, ValueError)):
        codec.unpack_text(packed[: max(1, len(packed) // 2)] if len(packed) > 2 else b"\x01\xff")


def test_the_stored_dictionary_never_changes() -> None:
    """Indexes hold rows deflated with this dictionary: changing it would make them
    unreadable (a new one needs a new codec byte)."""
    assert hashlib.sha256(codec.zdict_v1()).hexdigest() == codec.ZDICT_V1_SHA256
    assert len(codec.zdict_v1()) <= 32 * 1024  # deflate's window: all of it is usable
    line = ('{"id": "s1~c9", "action": "drop", "reason": "copy of s1 (covered); the indexed '
            'version stays: most complete", "duplicate_of": "s1", "cluster": "s1", '
            '"relation": "copy", "similarity": 1.0, "damage_score": 0.0021, "flags": [], '
            '"links": []}')
    assert len(codec.pack(line)) < len(zlib.compress(line.encode())) * 0.7


def test_briefs_on_one_template_are_kept(tmp_path: Path) -> None:
    """Market briefs that differ in a company and a figure are each kept (the relation
    model's ``other-item`` rule: a filter must not drop news on a template's wording); the
    same brief republished with a dateline is dropped."""
    brief = ("Shares of Apple rose 3% in early trading on Monday after the company reported "
             "record quarterly revenue.")
    items = [Article(f"b{k}", brief.replace("Apple", name).replace("3%", pct))
             for k, (name, pct) in enumerate([("Apple", "3%"), ("Microsoft", "7%"),
                                              ("Tesla", "2%"), ("Nvidia", "5%")])]
    items.append(Article("b0-wire", "NEW YORK (Metro Wire) - " + brief))
    with Filter(str(tmp_path / "b.idx")) as flt:
        got = [flt.decide(a) for a in items]
    assert [d.action for d in got] == ["keep"] * 4 + ["drop"]
    assert got[-1].duplicate_of == "b0"


def test_index_pages_are_read_through_a_map(tmp_path: Path) -> None:
    """A look-up's bucket rows come from a memory map of the file (SQLite's own cap, 2 GiB),
    not from read() calls; a read-only opening maps it too."""
    from dedupe_news.filter.sqlite_index import MMAP_BYTES, SqliteIndex

    ix = SqliteIndex(str(tmp_path / "m.idx"))
    try:
        got = ix.conn.execute("PRAGMA mmap_size").fetchone()[0]
        assert 0 < got <= MMAP_BYTES
    finally:
        ix.close()
    ro = SqliteIndex(str(tmp_path / "m.idx"), readonly=True)
    try:
        assert ro.conn.execute("PRAGMA mmap_size").fetchone()[0] > 0
    finally:
        ro.close()


def _sketch_rows(path: Path) -> dict[int, np.ndarray]:
    """Article number -> its row of the sketches table."""
    con = sqlite3.connect(path)
    try:
        out: dict[int, np.ndarray] = {}
        for docs, low in con.execute("SELECT docs, low FROM sketches ORDER BY hi"):
            d = np.frombuffer(docs, dtype="<i8")
            if not len(d):  # (a row of numbers none of which is a canonical)
                continue
            out.update(zip(d.tolist(), np.frombuffer(low, np.uint8).reshape(len(d), -1),
                           strict=True))
        return out
    finally:
        con.close()


def test_a_fresh_process_loads_the_sketches_merges_wrote(tmp_path: Path) -> None:
    """Each merge writes the low bytes of its canonicals' signatures to the sketches table;
    a process started later loads them at its first look-up (no signature of theirs read
    to rule a candidate out), and decides as an uninterrupted process does."""
    from dedupe_news.filter.sqlite_index import unpack_sig_bits

    arts = _stream(120)
    with Filter(str(tmp_path / "plain.idx")) as plain:
        want = [plain.decide(a).line for a in arts]
    path = tmp_path / "s.idx"
    with _small_merges(Filter(str(path))) as flt:
        got = [flt.decide(a).line for a in arts[:70]]
    rows = _sketch_rows(path)
    con = sqlite3.connect(path)
    sigs = {d: unpack_sig_bits(s, 256).astype(np.uint8)
            for d, s in con.execute("SELECT doc, sig FROM sigs")}
    merged = con.execute("SELECT merged FROM state").fetchone()[0]
    con.close()
    assert len(rows) > 20 and all(np.array_equal(rows[d], sigs[d]) for d in rows if d in sigs)
    assert {d for d in sigs if d <= merged} <= set(rows)  # every merged canonical's
    with _small_merges(Filter(str(path))) as flt:
        sk = flt.index._sketches  # type: ignore[attr-defined]
        got += [flt.decide(a).line for a in arts[70:]]
        for d, low in rows.items():  # loaded as written
            at = d & sk._mask
            assert sk._tags[at] == d and np.array_equal(sk._low[at], low)
        assert flt.index.verify()["ok"]  # type: ignore[attr-defined]
    assert got == want


def test_sketches_of_an_older_index_are_filled_checked_and_pruned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    """An index made before the sketches table gets it, filled when it is opened for
    writing (not by the first decision), with a line on stderr when the fill is long;
    opened read-only it is read without one; ``index verify`` finds a sketch that disagrees
    with its signature; ``prune`` drops the rows of numbers all gone."""
    arts = _stream(60)
    path = tmp_path / "old.idx"
    with _small_merges(Filter(str(path))) as flt:
        for a in arts[:50]:
            flt.decide(a)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE sketches")  # as an index of the previous release
    con.commit()
    con.close()
    ro = SqliteIndex(str(path), readonly=True)
    try:
        assert not ro._has_sketches and ro.stats()["articles"] == 50
    finally:
        ro.close()
    monkeypatch.setattr(sqlite_index, "SKETCH_ROW", 4)  # a "long" fill: said on stderr
    SqliteIndex(str(path)).close()
    assert "writing the sketches" in capsys.readouterr().err
    filled = {k: v.tobytes() for k, v in _sketch_rows(path).items()}
    con = sqlite3.connect(path)
    canon = {r[0] for r in con.execute("SELECT doc FROM sigs WHERE doc <= (SELECT merged "
                                       "FROM state)")}
    con.close()
    assert canon and canon <= set(filled)
    SqliteIndex(str(path)).close()  # filled already: nothing written again
    assert {k: v.tobytes() for k, v in _sketch_rows(path).items()} == filled
    assert not capsys.readouterr().err
    with Filter(str(path)) as flt:
        for a in arts[50:]:
            flt.decide(a)
        assert flt.index.verify()["ok"]  # type: ignore[attr-defined]
    rows = _sketch_rows(path)
    con = sqlite3.connect(path)
    merged = con.execute("SELECT merged FROM state").fetchone()[0]
    canon = {r[0] for r in con.execute("SELECT doc FROM sigs WHERE doc <= ?", (merged,))}
    assert merged > 0 and canon <= set(rows)
    hi, low = con.execute("SELECT hi, low FROM sketches WHERE length(low) > 0 ORDER BY hi "
                          "LIMIT 1").fetchone()
    bad = bytearray(low)
    bad[3] ^= 0xFF
    con.execute("UPDATE sketches SET low = ? WHERE hi = ?", (bytes(bad), hi))
    con.commit()
    con.close()
    ix = SqliteIndex(str(path))
    try:
        report = ix.verify()
        assert not report["ok"] and any("sketches" in p for p in report["problems"])
        ix.prune("9999-01-01")  # everything
    finally:
        ix.close()
    con = sqlite3.connect(path)
    assert con.execute("SELECT COUNT(*) FROM sketches").fetchone()[0] == 0
    con.close()


def test_sketches_put_keeps_the_low_byte_of_signatures_or_takes_it_as_stored() -> None:
    from dedupe_news.filter.recent import Sketches

    rng = np.random.default_rng(4)
    sigs = rng.integers(0, 2**32, size=(5, 16), dtype=np.uint64).astype(np.uint32)
    docs = np.arange(10, 15, dtype=np.int64)
    a, b, c = Sketches(16, slots=8), Sketches(16, slots=8), Sketches(16, slots=8)
    a.put(docs, sigs)
    b.put(docs, (sigs & 0xFF).astype(np.uint8))
    for d, row in zip(docs, sigs, strict=True):  # one at a time (a new canonical)
        c.put(np.array([d]), row[None, :])
    for s in (b, c):
        assert np.array_equal(a._tags, s._tags) and np.array_equal(a._low, s._low)
    assert np.array_equal(a._low[docs & 7], (sigs & 0xFF).astype(np.uint8))
