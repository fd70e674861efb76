"""Score ``cluster_articles`` against plain datasketch settings on the near-duplicate benchmark.

Runs, in one process and on the same split:

* ``dedupe-news``: ``dedupe_news.cluster.cluster_articles(articles)`` (skipped, with a note,
  while the module does not exist yet);
* ``datasketch@0.8`` and ``datasketch@0.5``: word 5-gram shingles of lowercased ``\\w+``
  tokens, ``MinHash(num_perm=128).update_batch``, ``MinHashLSH(threshold)``; pairs = LSH
  candidates whose estimated Jaccard >= threshold; clusters = connected components.

Scores (see ``_common.score_clusters``): pairwise precision / recall / F1 of "same predicted
cluster" against the gold clusters (each source with all its copies; corpus duplicates
together), ARI, per-variant recall (share of a variant's (copy, source) pairs put in one
cluster) and the false-merge rate of hard negatives (same-story updates, same-topic pairs and
the copies of their members). ``partial`` pairs (an article wholly reused inside a longer
update) are ambiguous and are not counted either way.

    .venv/bin/python bench/eval_cluster.py --split dev        # tune on dev only
    .venv/bin/python bench/eval_cluster.py --split test       # report on test

Prints a table on stdout; writes ``bench/out/eval_cluster_<split>.json``. The benchmark is
regenerated (a few seconds) when missing or built by a different generator version.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import make_cluster_dev as gen
from _common import OUT_DIR, canonical_rate, log, read_jsonl, score_clusters, write_report

BASELINE_THRESHOLDS = (0.8, 0.5)


def load_split(split: str, data_dir: Path, regenerate: bool = True) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    a_path, l_path, m_path = gen.paths(split, data_dir)
    fresh = m_path.exists() and a_path.exists() and l_path.exists()
    if fresh:
        meta = json.loads(m_path.read_text(encoding="utf-8"))
        fresh = meta.get("generator_sha1") == gen._sha1(Path(gen.__file__))
    if not fresh:
        if not regenerate:
            raise SystemExit(f"{a_path} missing; run bench/make_cluster_dev.py --split {split}")
        log(f"(re)generating the {split} benchmark ...")
        gen.generate([split], data_dir=data_dir)
    meta = json.loads(m_path.read_text(encoding="utf-8"))
    return list(read_jsonl(a_path)), list(read_jsonl(l_path)), meta


def run_ours(arts: list[dict[str, Any]]) -> tuple[dict[str, str] | None, dict[str, Any]]:
    """Cluster with the library; ``None`` when ``dedupe_news.cluster`` is not there yet."""
    if importlib.util.find_spec("dedupe_news.cluster") is None:
        return None, {"skipped": "dedupe_news.cluster not importable yet"}
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.model import Article

    articles = [Article(id=a["id"], text=a["text"], title=a.get("title"),
                        published=a.get("published"), origin="bench") for a in arts]
    t0 = time.perf_counter()
    result = cluster_articles(articles)
    secs = time.perf_counter() - t0
    records = result.records
    if [r["id"] for r in records] != [a["id"] for a in arts]:
        raise AssertionError("cluster_articles records are not one per input, in input order")
    pred = {r["id"]: r["cluster"] for r in records}
    info: dict[str, Any] = {"seconds": round(secs, 3), "docs_per_s": round(len(arts) / secs, 1)}
    sig = getattr(result, "signature", None)
    if sig is not None:
        info["signature"] = sig() if callable(sig) else sig
    info["partial_links"] = sum(len(r.get("links") or []) for r in records)
    info["_records"] = records
    return pred, info


def run_baseline(arts: list[dict[str, Any]], threshold: float) -> tuple[dict[str, str],
                                                                        dict[str, Any]]:
    from _common import baseline_cluster

    t0 = time.perf_counter()
    pred, counts = baseline_cluster([(a["id"], a["text"]) for a in arts], threshold)
    secs = time.perf_counter() - t0
    return pred, {"seconds": round(secs, 3), "docs_per_s": round(len(arts) / secs, 1), **counts}


def partial_link_recall(records: list[dict[str, Any]], labels: list[dict[str, Any]]) -> float:
    """Share of corpus same-story pairs (not derived) that got a ``partial`` link."""
    links = {(r["id"], lk["id"]) for r in records for lk in (r.get("links") or [])}
    rows = [r for r in labels if r["relation"] == "same_story" and not r.get("derived")]
    if not rows:
        return 0.0
    hit = sum(1 for r in rows if (r["a"], r["b"]) in links or (r["b"], r["a"]) in links)
    return hit / len(rows)


def evaluate(split: str, data_dir: Path, only_baseline: bool = False,
             no_published: bool = False) -> dict[str, Any]:
    arts, labels, meta = load_split(split, data_dir)
    if no_published:  # the canonical choice then rests on completeness and damage alone
        arts = [{**a, "published": None} for a in arts]
    gold = gen.gold_partition(arts, labels)
    copy_rows = [r for r in labels if r["relation"] == "copy"]
    neg_rows = [r for r in labels if r["relation"] in gen.NEGATIVE_RELATIONS]
    ignore = [(r["a"], r["b"]) for r in labels if r["relation"] == "partial"]
    log(f"{split}: {len(arts)} articles, {len(copy_rows)} copy rows, {len(neg_rows)} negatives")

    systems: dict[str, Any] = {}
    runs: list[tuple[str, Any]] = []
    if not only_baseline:
        runs.append(("dedupe-news", run_ours))
    for t in BASELINE_THRESHOLDS:
        runs.append((f"datasketch@{t}", lambda a, t=t: run_baseline(a, t)))
    for name, fn in runs:
        log(f"running {name} ...")
        pred, info = fn(arts)
        if pred is None:
            systems[name] = info
            log(f"  {name}: {info['skipped']}")
            continue
        records = info.pop("_records", None)
        scores = score_clusters(pred, gold, copy_rows, neg_rows, ignore)
        if records is not None:
            scores["same_story_partial_link_recall"] = partial_link_recall(records, labels)
            scores["canonical"] = canonical_rate(records, labels)
        systems[name] = {**info, **scores}
    return {
        "split": split,
        "benchmark": {k: meta[k] for k in ("seed", "n_sources", "corpus_sha1", "generator_sha1",
                                           "articles", "copies", "labels")},
        "rules": meta["rules"],
        "python": platform.python_version(),
        "systems": systems,
    }


def print_table(report: dict[str, Any]) -> None:
    systems = {k: v for k, v in report["systems"].items() if "f1" in v}
    for k, v in report["systems"].items():
        if "skipped" in v:
            print(f"[{k}: skipped - {v['skipped']}]")
    if not systems:
        return
    names = list(systems)
    width = max(14, *(len(n) + 2 for n in names))
    print(f"split={report['split']}  articles={report['benchmark']['articles']}  "
          f"copies={report['benchmark']['copies']}")
    print(f"{'metric':40s}" + "".join(f"{n:>{width}s}" for n in names))

    def row(label: str, vals: list[str]) -> None:
        print(f"{label:40s}" + "".join(f"{v:>{width}s}" for v in vals))

    for key in ("precision", "recall", "f1", "ari", "false_merge_rate"):
        row(key, [f"{systems[n][key]:.3f}" if systems[n][key] is not None else "-"
                  for n in names])
    row("pairs tp / fp / fn", [f"{systems[n]['tp']}/{systems[n]['fp']}/{systems[n]['fn']}"
                               for n in names])
    variants = sorted({v for n in names for v in systems[n]["variant_recall"]})
    for v in variants:
        cells = []
        for n in names:
            d = systems[n]["variant_recall"].get(v)
            cells.append(f"{d['recall']:.3f}" if d else "-")
        n_rows = next(systems[n]["variant_recall"][v]["n"] for n in names
                      if v in systems[n]["variant_recall"])
        row(f"recall {v} (n={n_rows})", cells)
    levels = sorted({v for n in names for v in systems[n]["mt_level_recall"]})
    for v in levels:
        row(f"recall {v}", [f"{systems[n]['mt_level_recall'][v]['recall']:.3f}"
                            if v in systems[n]["mt_level_recall"] else "-" for n in names])
    negs = sorted({v for n in names for v in systems[n]["false_merges"]})
    for v in negs:
        n_rows = next(systems[n]["false_merges"][v]["n"] for n in names
                      if v in systems[n]["false_merges"])
        row(f"false merge {v} (n={n_rows})", [f"{systems[n]['false_merges'][v]['rate']:.3f}"
                                              for n in names])
    row("canonical = original", [f"{systems[n]['canonical']['rate']:.3f}"
                                 if "canonical" in systems[n] else "-" for n in names])
    row("seconds", [f"{systems[n]['seconds']:.2f}" for n in names])
    row("docs/s", [f"{systems[n]['docs_per_s']:.0f}" for n in names])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--data", type=Path, default=gen.DATA_DIR)
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON report path (default bench/out/eval_cluster_<split>.json)")
    ap.add_argument("--baseline-only", action="store_true",
                    help="skip dedupe-news (e.g. to check the harness)")
    ap.add_argument("--no-published", action="store_true",
                    help="drop every article's published date (copies carry dates, originals "
                         "do not, so dates would decide many canonical ties)")
    args = ap.parse_args(argv)
    report = evaluate(args.split, args.data, args.baseline_only, args.no_published)
    print_table(report)
    write_report(args.out or OUT_DIR / f"eval_cluster_{args.split}.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
