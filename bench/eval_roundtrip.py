"""Score clustering, canonical choice, damage and alignment on real MT round trips (Apertium).

The private hold-outs of issues 2, 3 and 4 are real MT round trips of corpus articles. This
script measures the same things on round trips made here with Apertium
(``make_roundtrip.py``; dev/test split by story group; tune on dev, report on test):

* **cluster** (issue 2): pairwise P/R/F1 and per-variant recall of ``cluster_articles``
  against plain datasketch (word 5-grams, 128 perms, LSH @0.8 and @0.5) in the same run;
  false merges of same-story updates and same-topic pairs. ``published`` is removed from
  every article so the canonical choice below cannot lean on dates.
* **canonical** (issue 4): in every gold cluster (a source and its copies) that the run put
  together, is the source the canonical member? Counted over gold clusters whose source was
  clustered with at least one copy; per kind, over the stories whose source was clustered
  with a copy of that kind (a round-robin story has copies of two kinds and counts for both).
* **misses**: every (copy, source) pair of a kind that ``cluster_articles`` left apart, with
  both clusters and the links of the copy's record (``--misses KIND,...``; default: the
  ``rt_cut_boilerplate`` pairs), for whoever owns the relation model.
* **damage AUC** (issue 4): ``check_text(text).score`` of each round-trip copy against its own
  source (pairwise: P(copy scores higher), ties count half) and over the two populations,
  next to the four-regex baseline from ``eval_damage.py``. Also the pairwise accuracy of
  ``version_scores([source, copy])`` (the cross-version evidence ``cluster`` uses).
* **align** (issue 3): link P/R/F1 and exact gold groups of ``align_sentences`` on the
  sentence-level gold (threshold: the shipped default, and the best of the grid on dev), next
  to greedy TF-IDF 1:1 tuned the same way.

    .venv/bin/python bench/eval_roundtrip.py --split test [--only cluster,damage,align]

Prints tables on stdout; writes ``bench/out/eval_roundtrip_<split>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import make_cluster_dev as gen
import make_roundtrip as rt
from _common import CORPUS_PREFIX, OUT_DIR, canonical_rate, log, score_clusters, write_report
from eval_cluster import run_baseline, run_ours

PARTS = ("cluster", "damage", "align")


def auc(pos: list[float], neg: list[float]) -> float:
    """P(pos > neg) + 0.5 P(tie) over all (pos, neg) combinations."""
    if not pos or not neg:
        return float("nan")
    neg_sorted = sorted(neg)
    import bisect

    total = 0.0
    for p in pos:
        lo = bisect.bisect_left(neg_sorted, p)
        hi = bisect.bisect_right(neg_sorted, p)
        total += lo + 0.5 * (hi - lo)
    return total / (len(pos) * len(neg))


def canonical_by_kind(records: list[dict[str, Any]], labels: list[dict[str, Any]]
                      ) -> dict[str, Any]:
    """``canonical_rate`` per copy kind: over the stories whose source is clustered with a copy
    of the kind, the share whose canonical is the original (the source or a corpus twin)."""
    copies = [r for r in labels if r["relation"] == "copy" and not
              r["a"].startswith(CORPUS_PREFIX)]
    twins = [r for r in labels if r["relation"] == "copy" and r["a"].startswith(CORPUS_PREFIX)]
    cl = {r["id"]: r["cluster"] for r in records}
    out: dict[str, Any] = {}
    for kind in sorted({r["variant"] for r in copies}):
        # canonical_rate counts a story once any copy joined its source; keep the stories
        # where a copy of this kind did
        joined = {r["b"] for r in copies if r["variant"] == kind and cl[r["a"]] == cl[r["b"]]}
        sub = [*twins, *(r for r in copies if r["b"] in joined)]
        rate = canonical_rate(records, sub)
        out[kind] = {k: rate[k] for k in ("stories", "original_canonical", "rate", "lost_to")}
    return out


def missed_pairs(records: list[dict[str, Any]], labels: list[dict[str, Any]],
                 kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The (copy, source) pairs of ``kinds`` put in different clusters, with what the run says
    about each side (cluster, relation, links)."""
    by_id = {r["id"]: r for r in records}
    out = []
    for r in labels:
        if r["relation"] != "copy" or r["variant"] not in kinds:
            continue
        a, b = by_id[r["a"]], by_id[r["b"]]
        if a["cluster"] == b["cluster"]:
            continue
        out.append({"copy": r["a"], "source": r["b"], "variant": r["variant"],
                    **{k: r[k] for k in ("kept_sents", "kept_chars", "kept_5grams") if k in r},
                    "copy_cluster": a["cluster"], "copy_relation": a.get("relation"),
                    "source_cluster": b["cluster"], "source_relation": b.get("relation"),
                    "copy_links": a.get("links") or [],
                    "source_links": b.get("links") or []})
    return out


def eval_cluster(arts: list[dict[str, Any]], labels: list[dict[str, Any]],
                 miss_kinds: tuple[str, ...] = (rt.EXTRA_KIND,)) -> dict[str, Any]:
    arts = [{**a, "published": None} for a in arts]
    gold = gen.gold_partition(arts, labels)
    copy_rows = [r for r in labels if r["relation"] == "copy"]
    neg_rows = [r for r in labels if r["relation"] in gen.NEGATIVE_RELATIONS]
    ignore = [(r["a"], r["b"]) for r in labels if r["relation"] == "partial"]
    systems: dict[str, Any] = {}
    canonical: dict[str, Any] = {}
    misses: list[dict[str, Any]] = []
    for name, fn in [("dedupe-news", run_ours),
                     *[(f"datasketch@{t}", lambda a, t=t: run_baseline(a, t))
                       for t in (0.8, 0.5)]]:
        log(f"cluster: running {name} ...")
        pred, info = fn(arts)
        records = info.pop("_records", None)
        systems[name] = {**info, **score_clusters(pred, gold, copy_rows, neg_rows, ignore)}
        if records is not None:
            canonical = {**canonical_rate(records, labels),
                         "by_kind": canonical_by_kind(records, labels)}
            misses = missed_pairs(records, labels, miss_kinds)
    return {"systems": systems, "canonical": canonical, "misses": misses}


def eval_damage(arts: list[dict[str, Any]], labels: list[dict[str, Any]]) -> dict[str, Any]:
    from dedupe_news.damage import check_text, version_scores
    from eval_damage import baseline_score

    text = {a["id"]: a["text"] for a in arts}
    rows = [r for r in labels if r["relation"] == "copy" and r["a"].startswith("r")]
    sources = sorted({r["b"] for r in rows})
    t0 = time.perf_counter()
    ours = {i: check_text(text[i]).score for i in {*sources, *(r["a"] for r in rows)}}
    base = {i: baseline_score(text[i]) for i in ours}
    secs = time.perf_counter() - t0

    def pairwise(score: dict[str, float], subset: list[dict[str, Any]]) -> float:
        return auc_pairs([(score[r["a"]], score[r["b"]]) for r in subset])

    out: dict[str, Any] = {"copies": len(rows), "sources": len(sources),
                           "check_seconds": round(secs, 2)}
    for name, sc in (("damage_score", ours), ("four_regex", base)):
        out[name] = {
            "auc_populations": round(auc([sc[r["a"]] for r in rows], [sc[s] for s in sources]),
                                     4),
            "auc_pairwise": round(pairwise(sc, rows), 4),
            "per_variant_pairwise": {
                v: round(pairwise(sc, [r for r in rows if r["variant"] == v]), 4)
                for v in rt.VARIANTS},
            "mean_copy": round(sum(sc[r["a"]] for r in rows) / len(rows), 4),
            "mean_source": round(sum(sc[s] for s in sources) / len(sources), 4),
            "sources_scored_0": round(sum(sc[s] == 0 for s in sources) / len(sources), 4),
            "copies_scored_0": round(sum(sc[r["a"]] == 0 for r in rows) / len(rows), 4),
        }
    t0 = time.perf_counter()
    vs = [version_scores([text[r["b"]], text[r["a"]]]) for r in rows]
    out["version_scores"] = {
        "pairwise_auc": round(auc_pairs([(v[1], v[0]) for v in vs]), 4),
        "seconds_per_pair": round((time.perf_counter() - t0) / max(1, len(rows)), 4)}
    return out


def auc_pairs(pairs: list[tuple[float, float]]) -> float:
    """Share of (copy, source) pairs where the copy scores higher; ties count half."""
    if not pairs:
        return float("nan")
    return sum(1.0 if c > s else 0.5 if c == s else 0.0 for c, s in pairs) / len(pairs)


def eval_align(rows: list[dict[str, Any]], dev_rows: list[dict[str, Any]]) -> dict[str, Any]:
    from dedupe_news.align import DEFAULT_THRESHOLD
    from eval_align_gold import GREEDY_GRID, GRID, score

    best = max(GRID, key=lambda th: score(dev_rows, "dp", threshold=th)["f1"])
    gbest = max(GREEDY_GRID, key=lambda th: score(dev_rows, "greedy", threshold=th)["f1"])
    out: dict[str, Any] = {
        "default_threshold": DEFAULT_THRESHOLD, "dev_best_threshold": best,
        "dedupe-news (default)": score(rows, "dp", threshold=DEFAULT_THRESHOLD),
        f"dedupe-news (th={best} from dev)": score(rows, "dp", threshold=best),
        f"greedy TF-IDF 1:1 (th={gbest} from dev)": score(rows, "greedy", threshold=gbest),
    }
    for v in rt.ALIGN_VARIANTS:
        sub = [r for r in rows if r["variant"] == v]
        out[f"dedupe-news (default) {v}"] = score(sub, "dp", threshold=DEFAULT_THRESHOLD)
    return out


def calibrate(arts: list[dict[str, Any]], labels: list[dict[str, Any]]) -> dict[str, Any]:
    """Dev only: each trait's mean and spread over the clean BBC articles, its pairwise accuracy
    on (source, round trip) pairs, and the logistic curves of :mod:`dedupe_news.damage.style`."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from dedupe_news.damage import style

    text = {a["id"]: a["text"] for a in arts}
    clean = [style.measure(t) for i, t in text.items() if not i.startswith(("r", "x"))]
    clean = [dict(v) for v in clean if v]
    rows = [r for r in labels if r["relation"] == "copy" and r["a"].startswith("r")]
    out: dict[str, Any] = {"clean_articles": len(clean), "pairs": len(rows), "traits": {}}
    for t in style.TRAITS:
        vals = np.array([v[t.name] for v in clean])
        pairs = [(dict(style.measure(text[r["b"]])), dict(style.measure(text[r["a"]])))
                 for r in rows]
        pairs = [(s, c) for s, c in pairs if s and c]
        acc = auc_pairs([(t.direction * c[t.name], t.direction * s[t.name]) for s, c in pairs])
        out["traits"][t.name] = {"mean": round(float(vals.mean()), 5),
                                 "spread": round(float(vals.std()), 5),
                                 "pairwise_accuracy": round(acc, 3)}
    z_clean = [style.zscore(style.measure(t)) for i, t in text.items()
               if not i.startswith(("r", "x")) and style.measure(t)]
    z_copy = [style.zscore(style.measure(text[r["a"]])) for r in rows
              if style.measure(text[r["a"]])]
    x = np.array(z_clean + z_copy)[:, None]
    y = np.array([0] * len(z_clean) + [1] * len(z_copy))
    lr = LogisticRegression(class_weight="balanced").fit(x, y)
    out["curve"] = (round(float(lr.coef_[0][0]), 2), round(float(lr.intercept_[0]), 2))
    margins = [style.translated_margin(text[r["b"]], text[r["a"]]) for r in rows]
    xm = np.array(margins + [-m for m in margins])[:, None]
    ym = np.array([1] * len(margins) + [0] * len(margins))
    lp = LogisticRegression(fit_intercept=False).fit(xm, ym)
    out["pair_slope"] = round(float(lp.coef_[0][0]), 2)
    out["pair_accuracy"] = round(auc_pairs([(m, 0.0) for m in margins]), 4)
    return out


def print_report(rep: dict[str, Any]) -> None:
    print(f"split={rep['split']}  MT={rep['mt']}")
    if "cluster" in rep:
        systems = rep["cluster"]["systems"]
        names = list(systems)
        print(f"\n{'cluster':38s}" + "".join(f"{n:>16s}" for n in names))
        for key in ("precision", "recall", "f1"):
            print(f"{key:38s}" + "".join(f"{systems[n][key]:16.3f}" for n in names))
        for v in sorted(systems[names[0]]["variant_recall"]):
            n_rows = systems[names[0]]["variant_recall"][v]["n"]
            print(f"{f'recall {v} (n={n_rows})':38s}" + "".join(
                f"{systems[n]['variant_recall'].get(v, {}).get('recall', 0):16.3f}"
                for n in names))
        for v in sorted(systems[names[0]]["false_merges"]):
            n_rows = systems[names[0]]["false_merges"][v]["n"]
            print(f"{f'false merge {v} (n={n_rows})':38s}" + "".join(
                f"{systems[n]['false_merges'][v]['rate']:16.3f}" for n in names))
        print(f"{'seconds':38s}" + "".join(f"{systems[n]['seconds']:16.2f}" for n in names))
        c = rep["cluster"]["canonical"]
        print(f"\ncanonical = original: {c['original_canonical']}/{c['stories']} = {c['rate']}"
              f"  (lost to: {c['lost_to']})")
        for v, k in c.get("by_kind", {}).items():
            print(f"  stories with a {v} copy joined: {k['original_canonical']}/{k['stories']}"
                  f" = {k['rate']}  (lost to: {k['lost_to']})")
        misses = rep["cluster"].get("misses", [])
        if misses:
            print(f"\nmissed pairs ({', '.join(sorted({m['variant'] for m in misses}))}):")
        for m in misses:
            links = "; ".join(f"{x.get('id')}:{x.get('relation')}" for x in m["copy_links"])
            print(f"  {m['copy']} -> {m['source']}  kept_sents={m.get('kept_sents')}  "
                  f"copy in {m['copy_cluster']} ({m['copy_relation']}), source in "
                  f"{m['source_cluster']} ({m['source_relation']})  copy links: {links or '-'}")
    if "damage" in rep:
        d = rep["damage"]
        print(f"\n{'damage (copies vs sources)':38s}{'damage_score':>16s}{'four_regex':>16s}")
        for key in ("auc_populations", "auc_pairwise", "mean_copy", "mean_source",
                    "copies_scored_0", "sources_scored_0"):
            print(f"{key:38s}{d['damage_score'][key]:16.3f}{d['four_regex'][key]:16.3f}")
        for v in rt.VARIANTS:
            print(f"{'pairwise ' + v:38s}{d['damage_score']['per_variant_pairwise'][v]:16.3f}"
                  f"{d['four_regex']['per_variant_pairwise'][v]:16.3f}")
        print(f"{'version_scores pairwise':38s}{d['version_scores']['pairwise_auc']:16.3f}")
    if "align" in rep:
        print(f"\n{'align':44s}{'pairs':>6s}{'P':>7s}{'R':>7s}{'F1':>7s}{'exact':>7s}")
        for name, s in rep["align"].items():
            if isinstance(s, dict):
                print(f"{name:44s}{s['pairs']:6d}{s['precision']:7.3f}{s['recall']:7.3f}"
                      f"{s['f1']:7.3f}{s['exact_groups']:7.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--only", default=",".join(PARTS), help="comma list of " + ", ".join(PARTS))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--misses", default=rt.EXTRA_KIND,
                    help="comma list of copy kinds whose missed pairs are listed")
    ap.add_argument("--calibrate", action="store_true",
                    help="print the style traits' calibration from the dev split and exit")
    args = ap.parse_args(argv)
    if args.calibrate:
        arts, labels, _, _ = rt.load("dev")
        print(json.dumps(calibrate(arts, labels), indent=2))
        return 0
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    arts, labels, align_rows, meta = rt.load(args.split)  # exits with an install hint if needed
    rep: dict[str, Any] = {"split": args.split, "mt": meta["mt"], "python":
                           platform.python_version(),
                           "benchmark": {k: meta[k] for k in ("seed", "n_sources", "articles",
                                                              "copies", "align_pairs")}}
    if "cluster" in parts:
        rep["cluster"] = eval_cluster(arts, labels, tuple(
            k.strip() for k in args.misses.split(",") if k.strip()))
    if "damage" in parts:
        rep["damage"] = eval_damage(arts, labels)
    if "align" in parts:
        dev_rows = align_rows if args.split == "dev" else rt.load("dev")[2]
        rep["align"] = eval_align(align_rows, dev_rows)
    print_report(rep)
    write_report(args.out or OUT_DIR / f"eval_roundtrip_{args.split}.json", rep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
