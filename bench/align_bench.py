"""Speed of the sentence aligner.

1. Two 300-sentence articles (BBC sentences; B is a reworded copy with merges, drops and a
   moved paragraph from ``align_devset``): median wall time of ``align_texts`` over repeats,
   segmentation included (target <= 100 ms).
2. Throughput on BBC article pairs (each article against its synthetic MT version), pairs/s.
3. Segmentation alone: articles/s on 3 kB BBC articles (the clustering stage calls it).

Reproduce::

    .venv/bin/python bench/align_bench.py

Prints a table and writes ``bench/out/align_bench.json``.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_report
from align_devset import CORPUS, make_devset, make_pair
from dedupe_news.align import align_texts
from dedupe_news.segment import split_sentences

OUT = Path(__file__).resolve().parent / "out" / "align_bench.json"


def _long_pair(n: int = 300) -> tuple[str, str]:
    rng = random.Random(7)
    with CORPUS.open(encoding="utf-8") as fh:
        arts = [json.loads(line)["text"] for line in fh if line.strip()]
    rng.shuffle(arts)
    text = ""
    a_sents: list[str] = []
    b_sents: list[str] = []
    for art in arts:
        rec = make_pair(art, rng)
        if rec:
            a_sents += rec["a_sents"]
            b_sents += rec["b_sents"]
        if len(a_sents) >= n:
            break
    del text
    return "\n".join(a_sents[:n]), "\n".join(b_sents[:n])


def _embed_long_pair(a: str, b: str, runs: int = 3) -> float | None:
    """Median ms to align the 300-sentence pair with the MiniLM embeddings (model loaded
    first, not timed); None when the ``embed`` extra is not installed."""
    from dedupe_news.embed import EmbeddingUnavailable, load_embedder

    try:
        embed = load_embedder("minilm")
    except EmbeddingUnavailable as exc:
        print(f"align_bench: --embed row skipped: {exc}", file=sys.stderr)
        return None
    align_texts(a, b, embed=embed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        align_texts(a, b, embed=embed)
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1)


def main() -> int:
    results: dict[str, object] = {"python": platform.python_version(),
                                  "machine": platform.machine()}
    a, b = _long_pair()
    na, nb = len(split_sentences(a)), len(split_sentences(b))
    align_texts(a, b)  # warm up: imports, tokenizer load
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        align_texts(a, b)
        times.append(time.perf_counter() - t0)
    results["long_pair"] = {"a_sentences": na, "b_sentences": nb,
                            "median_ms": round(statistics.median(times) * 1000, 1),
                            "min_ms": round(min(times) * 1000, 1)}

    dev = make_devset(300)
    pairs = [("\n".join(r["a_sents"]), "\n".join(r["b_sents"])) for r in dev]
    t0 = time.perf_counter()
    for x, y in pairs:
        align_texts(x, y)
    dt = time.perf_counter() - t0
    results["bbc_pairs"] = {"pairs": len(pairs), "seconds": round(dt, 2),
                            "pairs_per_s": round(len(pairs) / dt, 1),
                            "mean_sentences": round(statistics.mean(
                                len(r["a_sents"]) for r in dev), 1)}

    with CORPUS.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    sample = [t[:3000] for t in texts if len(t) >= 3000][:1000]
    split_sentences(sample[0])
    t0 = time.perf_counter()
    for t in sample:
        split_sentences(t)
    dt = time.perf_counter() - t0
    results["segment"] = {"articles": len(sample), "chars_each": 3000,
                          "articles_per_s": round(len(sample) / dt, 1)}

    embed_ms = _embed_long_pair(a, b)
    if embed_ms is not None:
        results["long_pair_embed_minilm"] = {"median_ms": embed_ms}

    lp, bp, sg = results["long_pair"], results["bbc_pairs"], results["segment"]
    print(f"{'measure':42} {'value':>12}")
    print(f"{'align 300 x 300 sentences, median (ms)':42} {lp['median_ms']:12}")  # type: ignore[index]
    print(f"{'  the same with --embed minilm (ms)':42} "
          f"{'not installed' if embed_ms is None else embed_ms:>12}")
    print(f"{'align BBC article pairs (pairs/s)':42} {bp['pairs_per_s']:12}")  # type: ignore[index]
    print(f"{'segment 3 kB articles (articles/s)':42} {sg['articles_per_s']:12}")  # type: ignore[index]
    write_report(OUT, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
