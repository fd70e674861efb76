"""Speed of the sentence aligner.

1. Two 300-sentence articles (BBC sentences; B is a reworded copy with merges, drops and a
   moved paragraph from ``align_devset``): median wall time of ``align_texts`` over repeats,
   segmentation included (target <= 100 ms).  Beside it, in the same run, the naive
   baseline of ``eval_align_gold.py`` (sklearn word TF-IDF, greedy 1:1 pairs; 0.941 F1 on
   the MT dev set against our 0.996) with the same segmentation: the ratio of the two
   carries from one machine to another better than either time.
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
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_report
from align_devset import CORPUS, make_devset, make_pair
from dedupe_news.align import align_texts
from dedupe_news.segment import split_sentences
from eval_align_gold import greedy

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


def _median_ms(fn: Callable[[], object], runs: int = 15) -> tuple[float, float]:
    """Median and minimum wall time of ``fn()`` in ms, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1), round(min(times) * 1000, 1)


def _greedy_texts(a: str, b: str) -> object:
    """The greedy baseline on two texts, segmented as ``align_texts`` segments them."""
    return greedy([a[s.start : s.end] for s in split_sentences(a)],
                  [b[s.start : s.end] for s in split_sentences(b)], threshold=0.2)


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
    ours, ours_min = _median_ms(lambda: align_texts(a, b))  # first call warms up imports
    base, base_min = _median_ms(lambda: _greedy_texts(a, b))
    results["long_pair"] = {"a_sentences": na, "b_sentences": nb,
                            "median_ms": ours, "min_ms": ours_min,
                            "greedy_baseline_median_ms": base, "greedy_baseline_min_ms": base_min,
                            "ratio_to_greedy": round(ours / base, 2)}

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
    print(f"{'  greedy TF-IDF baseline, same run (ms)':42} "
          f"{lp['greedy_baseline_median_ms']:12}")  # type: ignore[index]
    print(f"{'  ratio to the baseline':42} {lp['ratio_to_greedy']:12}")  # type: ignore[index]
    print(f"{'  the same with --embed minilm (ms)':42} "
          f"{'not installed' if embed_ms is None else embed_ms:>12}")
    print(f"{'align BBC article pairs (pairs/s)':42} {bp['pairs_per_s']:12}")  # type: ignore[index]
    print(f"{'segment 3 kB articles (articles/s)':42} {sg['articles_per_s']:12}")  # type: ignore[index]
    write_report(OUT, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
