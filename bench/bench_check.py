"""Throughput of MT-damage checking on the BBC corpus; prints a table, writes
``bench/out/bench_check.json``.

Measures (a) ``check_text`` in one process (library cost per article), (b) the same split
over ``--workers`` processes, and (c) the end-to-end CLI ``dedupe-news check CORPUS --format
jsonl`` in a subprocess (reading, checking, writing JSON).  Target: >= 500 articles/s on 2
cores.  Best of ``--repeat`` runs.

    .venv/bin/python bench/bench_check.py [--repeat 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dedupe_news.damage import check_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc-news-2004-2005.jsonl"  # beside the checkout
OUT = ROOT / "bench" / "out" / "bench_check.json"


def _score_chunk(texts: list[str]) -> int:
    return sum(len(check_text(t).flags) for t in texts)


def main() -> None:
    ap = argparse.ArgumentParser(description="Throughput of dedupe-news check.")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8") if line.strip()]
    n = len(texts)
    mean_kb = sum(len(t) for t in texts) / n / 1000
    check_text(texts[0])  # load tables and compile regexes outside the timing
    results = {}

    best = min(_time(lambda: _score_chunk(texts)) for _ in range(args.repeat))
    results["check_text, 1 process"] = best
    chunks = [texts[i::args.workers] for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_score_chunk, [[t] for t in texts[:args.workers]]))  # warm up
        best = min(_time(lambda: list(pool.map(_score_chunk, chunks)))
                   for _ in range(args.repeat))
    results[f"check_text, {args.workers} processes"] = best
    exe = Path(sys.executable).with_name("dedupe-news")
    cmd = [str(exe), "check", str(CORPUS), "--format", "jsonl", "-q"]
    best = min(_time(lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True))
               for _ in range(args.repeat))
    results["CLI check --format jsonl (1 process, incl. startup)"] = best

    rows = [(name, f"{secs:.2f}", f"{n / secs:,.0f}", f"{1000 * secs / n:.2f}")
            for name, secs in results.items()]
    headers = ("measurement", "seconds", "articles/s", "ms/article")
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
    for r in [headers, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"\n{n} articles, mean {mean_kb:.1f} kB; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"articles": n, "mean_kb": round(mean_kb, 2),
                               "cpus": os.cpu_count(),
                               "results": {k: {"seconds": round(v, 3),
                                               "articles_per_s": round(n / v, 1)}
                                           for k, v in results.items()}}, indent=1))


def _time(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
