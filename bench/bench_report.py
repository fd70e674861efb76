"""Time and size of ``dedupe-news report`` after clustering, at 10k and 100k articles.

    .venv/bin/python bench/bench_report.py --sizes 10000,100000 [--max-pairs 1000]

The corpus is ``bench_cluster``'s scale file (the BBC corpus replicated with light
perturbations, cached under ``bench/data/``).  Each size is clustered once (timed apart),
then :func:`dedupe_news.report.write_report` writes the folder under ``bench/out/``; the
table gives the report's seconds per stage, its total size, ``index.html``'s size and the
largest page.  Targets (issue 14): 10k in <= 60 s, ``index.html`` <= 2 MB at 100k, no page
over 2 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT_DIR, log, write_report


def run(n: int, max_pairs: int, workers: int) -> dict[str, Any]:
    import bench_cluster
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.load import iter_articles
    from dedupe_news.model import Article
    from dedupe_news.report import ReportOptions
    from dedupe_news.report import write_report as report

    path = bench_cluster.scale_file(n)
    articles = [a for a in iter_articles([str(path)]) if isinstance(a, Article)]
    t0 = time.perf_counter()
    result = cluster_articles(articles)
    t1 = time.perf_counter()
    log(f"{n:,}: clustered in {t1 - t0:.1f}s")
    out = OUT_DIR / f"report_{n}"
    summary = report(articles, result, str(out),
                     ReportOptions(max_pairs=max_pairs, workers=workers), progress=log)
    t2 = time.perf_counter()
    b = summary["bytes"]
    files = sum(len(fs) for _r, _d, fs in os.walk(out))
    return {"articles": n, "cluster_s": round(t1 - t0, 1), "report_s": round(t2 - t1, 1),
            "stages_s": summary["timings"], "files": files,
            "total_mb": round(b["total"] / 1e6, 1), "index_mb": round(b["index"] / 1e6, 3),
            "largest_page_mb": round(b["largest_page"] / 1e6, 3),
            "largest_page": b["largest_page_name"], "pair_pages": summary["pair_pages"],
            "pages": summary["pages"], "workers": workers}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--max-pairs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8))
    args = ap.parse_args(argv)
    rows = [run(int(s), args.max_pairs, args.workers) for s in args.sizes.split(",")]
    write_report(OUT_DIR / "bench_report.json", rows)
    print("| articles | cluster s | report s (damage / pairs / pages) | files | total MB | "
          "index MB | largest page MB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        st = r["stages_s"]
        print(f"| {r['articles']:,} | {r['cluster_s']} | {r['report_s']} ({st['damage']:.1f} / "
              f"{st['pairs']:.1f} / {st['pages']:.1f}) | {r['files']:,} | {r['total_mb']} | "
              f"{r['index_mb']} | {r['largest_page_mb']} |")
    print(json.dumps(rows, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
