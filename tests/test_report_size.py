"""Page-size ratchet for the corpus report on a generated 10,000-article corpus.

Each page kind has a byte budget in ``tests/data/report_budget.json`` (the measured size
plus 5%); the test fails when a page grows past its budget, and no page may ever pass
2 MB.  When a change makes pages smaller on purpose, lower the budgets with
``DEDUPE_NEWS_RATCHET=update .venv/bin/python -m pytest tests/test_report_size.py`` (it
rewrites the file; budgets only go down unless the file is deleted first).
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest

from dedupe_news.cluster import cluster_articles
from dedupe_news.model import Article
from dedupe_news.report import ReportOptions, write_report

ROOT = Path(__file__).resolve().parents[1]
BUDGET = Path(__file__).resolve().parent / "data" / "report_budget.json"
LIMIT = 2_000_000
N = 10_000


def generated_corpus(n: int = N, seed: int = 14) -> list[Article]:
    """``n`` articles: stories of 6-14 sentences over the seeds' vocabulary, each followed by
    0-7 wire copies (3 words changed, sometimes a sentence dropped); one story in 20 reuses
    three sentences of the previous one (a ``partial`` link).  Ids vary in length (up to 180
    characters) and script, titles are set, so rows are as wide as real ones."""
    rng = random.Random(seed)
    words = sorted({w for p in sorted((ROOT / "seeds").glob("*.txt"))
                    for w in re.findall(r"[A-Za-z][a-z]{2,}", p.read_text(encoding="utf-8"))})
    out: list[Article] = []
    prev: list[str] = []
    k = 0
    while len(out) < n:
        sents = [" ".join(rng.choice(words) for _ in range(rng.randint(12, 24))).capitalize()
                 + "." for _ in range(rng.randint(6, 14))]
        if prev and k % 20 == 0:
            sents[2:2] = prev[:3]
        prev = sents
        sid = f"story-{k:05d}" + ("-" + "\u0645\u0642\u0627\u0644\u0629" * 30 if k % 97 == 0
                                  else "-x" * rng.randint(0, 40))
        title = " ".join(rng.choice(words) for _ in range(rng.randint(5, 12))).capitalize()
        out.append(Article(id=sid, text="\n".join(sents), title=title,
                           published=f"2024-04-{1 + k % 28:02d}"))
        for c in range(rng.choice((0, 0, 1, 2, 3, 4, 7))):
            copy = list(sents)
            if rng.random() < 0.3 and len(copy) > 6:
                del copy[rng.randrange(len(copy))]
            text = "\n".join(copy).split(" ")
            for _ in range(3):
                text[rng.randrange(len(text))] = rng.choice(words)
            out.append(Article(id=f"{sid}~copy{c}", text=" ".join(text), title=title))
        k += 1
    return out[:n]


def page_sizes(folder: Path) -> dict[str, int]:
    """Largest file per kind: index.html, summary.json, clusters, damage, links, pairs,
    articles; and the total."""
    sizes: dict[str, int] = {"total": 0}
    for p in folder.rglob("*"):
        if not p.is_file():
            continue
        size = p.stat().st_size
        sizes["total"] += size
        kind = (p.parent.name if p.parent != folder else
                p.name if p.name in ("index.html", "summary.json") else p.name.split("-")[0])
        sizes[kind] = max(sizes.get(kind, 0), size)
    return sizes


@pytest.mark.slow
def test_report_pages_stay_within_budget(tmp_path: Path) -> None:
    arts = generated_corpus()
    result = cluster_articles(arts)
    out = tmp_path / "r10k"
    summary = write_report(arts, result, str(out),
                           ReportOptions(max_pairs=300, workers=min(os.cpu_count() or 1, 4)))
    assert summary["counts"]["clusters"] > 1000 and summary["counts"]["links"] > 10
    assert summary["pages"]["clusters"] == 10  # 10,000 rows at 1,000 a page
    sizes = page_sizes(out)
    for p in out.rglob("*.html"):
        assert p.stat().st_size <= LIMIT, p.name
    for p in out.glob("clusters-*.html"):
        assert len(re.findall(r"<tr id=\"a-", p.read_text(encoding="utf-8"))) <= 1000
    if os.environ.get("DEDUPE_NEWS_RATCHET") == "update":
        old = json.loads(BUDGET.read_text(encoding="utf-8")) if BUDGET.exists() else {}
        new = {k: min(int(v * 1.05) + 1, old.get(k, 10**12)) for k, v in sorted(sizes.items())}
        BUDGET.parent.mkdir(exist_ok=True)
        BUDGET.write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
    budget = json.loads(BUDGET.read_text(encoding="utf-8"))
    over = {k: (v, budget.get(k)) for k, v in sizes.items() if v > budget.get(k, 0)}
    assert not over, f"pages over their byte budget (size, budget): {over}"
