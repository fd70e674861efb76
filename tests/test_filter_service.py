"""dedupe-news serve: a real server process on a free port, a real HTTP client."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_filter_support import jsonl, seed_articles

httpx = pytest.importorskip("httpx", reason="the service tests need httpx (the test extra)")
pytest.importorskip("uvicorn", reason="serve needs uvicorn (the service extra)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    idx = tmp_path / "svc.idx"
    proc = subprocess.Popen([sys.executable, "-m", "dedupe_news", "serve", "--index", str(idx),
                             "--port", "0", "--max-bytes", "2000000", "--max-batch", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline().decode()
        assert "serving on http://127.0.0.1:" in line, line
        base = line.strip().rsplit(" ", 1)[1]
        for _ in range(200):
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield base, idx
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_decide_single_batch_replay_and_metrics(server: tuple[str, Path]) -> None:
    base, idx = server
    seeds = seed_articles()
    with httpx.Client(base_url=base, timeout=120) as client:
        assert client.get("/health").json()["status"] == "ok"
        first = client.post("/decide", json={"id": seeds[0].id, "text": seeds[0].text})
        assert first.status_code == 200
        assert first.json()["action"] == "keep" and first.json()["id"] == "000"
        batch = client.post("/decide", json={"articles": [
            {"id": a.id, "text": a.text} for a in seeds[1:]] + [{"id": "bad"}, 7]})
        rows = batch.json()
        assert [r["action"] for r in rows] == ["keep", "keep", "keep", "drop", "error",
                                               "error"]
        assert rows[3]["duplicate_of"] == "002"
        # a replay is the stored line, byte for byte (the body of a single decision)
        again = client.post("/decide", json={"id": seeds[0].id, "text": seeds[0].text})
        assert again.content == first.content
        listed = client.post("/decide", json=[{"id": "000", "text": seeds[0].text}])
        assert listed.json() == [first.json()]
        m = client.get("/metrics").json()
        assert m["actions"]["keep"] == 4 and m["actions"]["drop"] == 1
        assert m["actions"]["error"] == 2 and m["replayed"] == 2
        assert m["latency_ms"]["buckets_le"]["+Inf"] == m["decisions"] == 9
        prom = client.get("/metrics", params={"format": "prometheus"}).text
        assert 'dedupe_news_decisions_total{action="keep"} 4' in prom
    # the CLI sees the same index and replays the service's decisions
    out = subprocess.run([sys.executable, "-m", "dedupe_news", "filter", "--index", str(idx)],
                         input=jsonl(seeds), capture_output=True, check=False, timeout=300)
    assert json.loads(out.stdout.splitlines()[4])["action"] == "drop"


def test_bad_requests(server: tuple[str, Path]) -> None:
    base, _ = server
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.post("/decide", content=b"{not json")
        assert r.status_code == 400 and r.json()["error"] == "bad_json"
        r = client.post("/decide", content=b'"a string"')
        assert r.status_code == 400
        big = b'{"id": "x", "text": "' + b"a" * 2_100_000 + b'"}'
        r = client.post("/decide", content=big)
        assert r.status_code == 413 and r.json()["error"] == "too_large"
        r = client.post("/decide", json=[{"id": str(i), "text": "x"} for i in range(51)])
        assert r.status_code == 413 and r.json()["error"] == "too_many"
        r = client.get("/decide")
        assert r.status_code == 405
        assert client.get("/health").status_code == 200  # still serving
