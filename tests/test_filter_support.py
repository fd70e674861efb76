"""Shared helpers of the filter tests (no tests here): seed corpora, CLI runs, Redis."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from conftest import SEEDS
from dedupe_news.model import Article


def seed_articles() -> list[Article]:
    """The five seeds as articles ``000`` ... ``004``."""
    return [Article(p.name[:3], p.read_text(encoding="utf-8"))
            for p in sorted(SEEDS.glob("*.txt"))]


def jsonl(articles: list[Article]) -> bytes:
    return b"".join(json.dumps({"id": a.id, "text": a.text}).encode() + b"\n"
                    for a in articles)


def variants(art: Article, rng: random.Random) -> list[Article]:
    """Copies of a story as pipelines make them: the same text, a dropped paragraph, a line
    of boilerplate, a few edited words, the first half."""
    text = art.text
    paras = [p for p in text.split("\n") if p.strip()]
    out = [Article(f"{art.id}-same", text)]
    if len(paras) > 4:
        k = rng.randrange(1, len(paras) - 1)
        out.append(Article(f"{art.id}-drop", "\n".join(paras[:k] + paras[k + 1:])))
    out.append(Article(f"{art.id}-bp", text + "\n\nSubscribe to our newsletter for more "
                                              "news every morning."))
    words = text.split(" ")
    for _ in range(5):
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
    out.append(Article(f"{art.id}-edit", " ".join(words)))
    out.append(Article(f"{art.id}-half", "\n".join(paras[: max(1, len(paras) // 2)])))
    return out


def agreement_corpus(seed: int = 3) -> list[Article]:
    """Seeds plus generated copies, shuffled (stream order differs from cluster's)."""
    rng = random.Random(seed)
    arts: list[Article] = []
    for a in seed_articles():
        arts.append(a)
        arts += variants(a, rng)
    rng.shuffle(arts)
    return arts


def same_cluster_pairs(cluster_of: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for k, v in cluster_of.items():
        groups.setdefault(v, []).append(k)
    return {tuple(sorted(p)) for m in groups.values()  # type: ignore[misc]
            for p in itertools.combinations(m, 2)}


def cli(*args: str, input: bytes | None = None, timeout: float = 300
        ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dedupe_news", *args], input=input,
                          capture_output=True, timeout=timeout, check=False)


def popen(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "dedupe_news", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def lines(out: bytes) -> list[dict[str, object]]:
    return [json.loads(x) for x in out.decode("utf-8").split("\n") if x]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REDIS_SERVER = shutil.which("redis-server")
NO_REDIS = ("redis-server not installed (scripts/bootstrap --test installs Debian's "
            "redis-server when run as root; or apt-get install redis-server)")


def redis_py_missing() -> bool:
    try:
        import redis  # noqa: F401
    except ImportError:
        return True
    return False


def start_redis(tmp: Path) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 and a free port (no persistence); yields its
    URL, stops it after."""
    assert REDIS_SERVER is not None
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp),
                             "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        r = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        r.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def env_ok() -> dict[str, str]:
    return dict(os.environ)
