from __future__ import annotations

import json
import random
import signal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def _sync_oracle_kernels() -> None:
    """The compiled oracle (``leader_reference``) inlines the package's ``compare_docs``;
    its cached machine code goes when the package's kernel sources change."""
    from dedupe_news import _kernel_cache

    here = Path(__file__).resolve().parent / "__pycache__"
    _kernel_cache.sync([here], here / _kernel_cache.STAMP)


_sync_oracle_kernels()


@pytest.fixture(autouse=True)
def _python_sigpipe() -> Any:
    """The CLI, run in-process by a test, makes a closed pipe end the process (``| head``);
    after the test the runner gets Python's own handling back, so a later test that writes
    to a child it has just killed gets ``BrokenPipeError`` instead of the whole run dying
    with SIGPIPE (exit 141)."""
    yield
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


@lru_cache(maxsize=1)
def headline_cut_cases() -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """(first 35% of paragraphs, the whole BBC row) for the articles whose cut the text
    alone calls ``contained_in`` the whole (its tail shares no rare word with it:
    random.Random(9), 3 of 200), and another article's title.  Needs the BBC corpus."""
    from dedupe_news.verify import relate_texts

    corpus = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
    with corpus.open(encoding="utf-8") as fh:
        rows = [r for r in map(json.loads, fh) if len(paragraphs(r["text"])) >= 6]
    rng = random.Random(9)
    held = []
    for r in rng.sample(rows, 200):
        paras = paragraphs(r["text"])
        short = "\n".join(paras[: max(1, len(paras) * 35 // 100)])
        if relate_texts(short, r["text"]).relation == "contained_in":
            held.append((short, r))
    return held, rng.choice(rows)["title"]
