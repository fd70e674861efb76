"""The filter's reader process (:mod:`dedupe_news.filter.prefetch`): the same decisions,
byte for byte, as reading in one process; its fingerprints are the in-process ones; it
never outlives its parent and never writes to stdout; its failures end the run cleanly."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dedupe_news.filter import FilterSettings, index_packer
from dedupe_news.filter.core import prepare_articles
from dedupe_news.filter.prefetch import Prefetch, ReaderFailed
from dedupe_news.filter.reader import Line
from dedupe_news.filter.sqlite_index import stored_values
from dedupe_news.model import Article
from test_filter_support import agreement_corpus, cli, jsonl, seed_articles


def _mixed_input() -> bytes:
    """Copies and new stories, with bad records, blank lines and odd characters among them."""
    good = jsonl(agreement_corpus()).split(b"\n")[:-1]
    bad = [b"", b'{"id": "b", "text": "caf\xe9"}', b'{"text": "no id"}', b"[1, 2]",
           json.dumps({"id": "w\ud800", "text": "Lone \ud800 NEL \x85 <b>x</b> " +
                       seed_articles()[1].text}).encode(),
           b'{"id": "big", "text": "' + b"word " * 30_000 + b'"}']
    rng = random.Random(5)
    out = list(good)
    for b in bad:
        out.insert(rng.randrange(len(out)), b)
    return b"\n".join([*out, good[0]]) + b"\n"  # the last line replays the first id


@pytest.mark.parametrize("how", ["file", "stdin", "gzip", "review"])
def test_reader_process_decides_as_one_process(tmp_path: Path, how: str) -> None:
    """``--batch 7`` (a reader process) and ``--batch 1`` (one process) write the same
    bytes; ``review``: with damage scores on every keep line (``--review-damage``)."""
    data = _mixed_input()
    src = tmp_path / ("in.jsonl.gz" if how == "gzip" else "in.jsonl")
    src.write_bytes(gzip.compress(data) if how == "gzip" else data)
    args = [] if how == "stdin" else [str(src)]
    if how == "review":
        args += ["--review-damage", "0.25"]
    feed = data if how == "stdin" else None
    one = cli("filter", "--index", str(tmp_path / "one.idx"), "--batch", "1",
              "--max-bytes", "100000", "--skip-bad", *args, input=feed)
    ahead = cli("filter", "--index", str(tmp_path / "ahead.idx"), "--batch", "7",
                "--max-bytes", "100000", "--skip-bad", *args, input=feed)
    assert one.returncode == ahead.returncode == 0, ahead.stderr
    assert ahead.stdout == one.stdout
    assert ahead.stderr == one.stderr
    assert len(ahead.stdout.splitlines()) == len(data.splitlines())
    actions = {json.loads(x)["action"] for x in ahead.stdout.splitlines()}
    assert {"keep", "drop", "error"} <= actions
    if how == "review":
        assert "review" in actions
        assert all(json.loads(x)["damage_score"] is not None
                   for x in ahead.stdout.splitlines() if b'"keep"' in x)


def test_prefetched_fingerprints_are_the_in_process_ones(tmp_path: Path) -> None:
    arts = agreement_corpus()
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(arts))
    settings = FilterSettings()
    pack = index_packer(str(tmp_path / "x.idx"), settings)
    assert pack is not None and index_packer("redis://127.0.0.1:1/0", settings) is not None
    got = []
    with Prefetch([str(src)], settings, 4, pack) as pf:
        for batch, preps in pf:
            assert len(batch) <= 4 and len(preps) == len(batch)
            for line, prep in zip(batch, preps, strict=True):
                assert isinstance(line, Line) and prep is not None
                assert prep.article is line.item  # the line's own article object
                got.append(prep)
    want = prepare_articles(arts, settings)
    assert [p.article.id for p in got] == [a.id for a in arts]
    for g, w in zip(got, want, strict=True):
        assert g.size == w.size and g.nshingles == w.nshingles
        for name in ("sig", "flat", "off", "keys", "title"):
            assert np.array_equal(getattr(g, name), getattr(w, name)), name
        assert g.boilerplate == w.boilerplate
        assert g.stored == stored_values(w, settings.store_text)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _gone(pid: int, within: float = 10.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state == "Z":
                return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


def _running(index: Path) -> subprocess.Popen[bytes]:
    """A ``filter`` fed stdin, once its first decision (a keep) is out: its reader runs."""
    proc = subprocess.Popen([sys.executable, "-m", "dedupe_news", "filter", "--index",
                             str(index)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(jsonl(seed_articles()[:1]))
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["action"] == "keep"
    return proc


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_reader_dies_with_its_parent_and_stdout_stays_the_parents(tmp_path: Path) -> None:
    proc = _running(tmp_path / "k.idx")
    assert proc.stdin is not None and proc.stdout is not None
    kids = _children(proc.pid)
    assert kids, "no reader process"
    assert os.readlink(f"/proc/{kids[0]}/fd/1") == os.devnull  # not the decisions' pipe
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdin.close()
    assert all(_gone(k) for k in kids), "the reader outlived its parent"
    # nothing but the first decision ever reached stdout: the pipe closes at once
    assert proc.stdout.read() == b""
    proc.stdout.close()
    assert proc.stderr is not None
    proc.stderr.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_reader_killed_ends_the_run_with_one_line(tmp_path: Path) -> None:
    proc = _running(tmp_path / "r.idx")
    for kid in _children(proc.pid):
        os.kill(kid, signal.SIGKILL)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert b"Traceback" not in err
    assert b"reader process stopped" in err and len(err.strip().splitlines()) == 1
    # the decided line stays decided: a rerun replays it
    again = cli("filter", "--index", str(tmp_path / "r.idx"), input=jsonl(seed_articles()[:1]))
    assert json.loads(again.stdout)["action"] == "keep"


def test_reader_error_reaches_the_parent(tmp_path: Path) -> None:
    """An exception in the child is raised in the parent, as itself."""
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(seed_articles()))

    def boom(_prep: object) -> dict[str, bytes]:
        raise ValueError("packing failed")

    with Prefetch([str(src)], FilterSettings(), 4, boom) as pf, \
            pytest.raises(ValueError, match="packing failed"):
        list(pf)

    class Unpicklable(Exception):
        def __reduce__(self) -> object:
            raise TypeError("no")

    def worse(_prep: object) -> dict[str, bytes]:
        raise Unpicklable("deep trouble")

    with Prefetch([str(src)], FilterSettings(), 4, worse) as pf, \
            pytest.raises(ReaderFailed, match="deep trouble"):
        list(pf)


def test_index_refused_stops_the_reader(tmp_path: Path) -> None:
    """The reader is forked before the index is opened: a refused index still ends the
    run at once, with the usual one-line message."""
    idx = tmp_path / "m.idx"
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(seed_articles()[:2]))
    assert cli("filter", "--index", str(idx), str(src)).returncode == 0
    r = cli("filter", "--index", str(idx), "--num-perm", "128", "--bands", "64", str(src),
            timeout=60)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_prepare_articles_packs_what_the_index_writes() -> None:
    arts = [Article("a", seed_articles()[0].text, title="A title")]
    settings = FilterSettings()
    (p,) = prepare_articles(arts, settings, pack=index_packer("x.idx", settings))
    assert p.stored == stored_values(p, True)
    (q,) = prepare_articles(arts, settings)
    assert q.stored is None
