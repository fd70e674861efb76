"""Score the relation model and the canonical choice (issue 12) on the relation sets.

Runs, in one process and on the same split of ``make_relation_sets.py`` (regenerated when
missing or built by another generator version; tune on dev, report on test):

* ``dedupe-news``: ``dedupe_news.cluster.cluster_articles(articles)``;
* ``datasketch@0.8`` / ``datasketch@0.5``: the plain pipeline of ``eval_cluster.py`` (word
  5-grams, ``MinHash(num_perm=128)``, ``MinHashLSH(threshold)``, connected components).

``published`` is removed from every article (``--published`` keeps it), so the canonical
choice cannot lean on dates.

Per kind (and per sub-kind: pivot, language, placement):

* **recall**: share of the kind's gold copy pairs (copy, original) put in one cluster;
  **pairs**: share of all same-story pairs of the kind's gold clusters put together (copy-copy
  pairs too: "togetherness");
* **false merge**: share of the kind's negative pairs (``contains``, ``partial``, ``none``,
  ``same_story``, ``same_topic``) put in one cluster;
* **contains** (dedupe-news only): share of gold ``contains`` pairs (a contains b) that the
  output reports in the right direction: ``a``'s record links ``b`` as ``contains`` or ``b``'s
  record links ``a`` as ``contained_in`` (``both``: the two records agree); **link**: share of
  the kind's containment / partial pairs with any link between the two records;
* **canonical**: share of the gold clusters whose original was clustered with at least one of
  its copies where the original is the canonical member (``_common.canonical_rate``).

Overall: pairwise P/R/F1 and ARI against the gold clusters (``_common.score_clusters``; the
syndication clusters hold most of the gold pairs, so the macro recall over kinds is printed
too), and **copies among partial/containment pairs**: share of the gold ``contains`` /
``partial`` pairs made here that were put in one cluster (the target is <= 5%).
Failure examples (ids) per kind go into the JSON report.

    .venv/bin/python bench/eval_relations.py --split dev        # tune on dev only
    .venv/bin/python bench/eval_relations.py --split test       # report on test

Prints tables on stdout; writes ``bench/out/eval_relations_<split>.json``.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import make_relation_sets as rel
from _common import OUT_DIR, canonical_rate, log, score_clusters, write_report
from eval_cluster import BASELINE_THRESHOLDS, run_baseline, run_ours

CONTAIN_RELATIONS = ("contains", "partial")
EXAMPLES = 5


def _c2(k: int) -> int:
    return k * (k - 1) // 2


def link_index(records: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(record id, linked id) -> relation of the link."""
    return {(r["id"], lk["id"]): lk.get("relation") or "partial"
            for r in records for lk in (r.get("links") or [])}


def verdict(a: str, b: str, pred: dict[str, str], canon: dict[str, bool],
            links: dict[tuple[str, str], str] | None) -> str:
    """What a system said about the pair (a, b), from a's side: ``copy:<canonical>``,
    ``<a's link relation>/<b's link relation>`` or ``none``."""
    if pred[a] == pred[b]:
        if canon.get(a):
            return "copy:a_canonical"
        if canon.get(b):
            return "copy:b_canonical"
        return "copy:other_canonical"
    if links is None:
        return "apart"
    la, lb = links.get((a, b)), links.get((b, a))
    if la is None and lb is None:
        return "none"
    return f"{la or '-'}/{lb or '-'}"


def group_scores(rows: list[dict[str, Any]], pred: dict[str, str], gold: dict[str, str],
                 gold_members: dict[str, list[str]], records: list[dict[str, Any]] | None,
                 links: dict[tuple[str, str], str] | None, stories: bool = True
                 ) -> dict[str, Any]:
    """Recall, togetherness (``stories``: whole gold clusters, so for kinds, not sub-kinds),
    false merges, containment and canonical of one group of rows."""
    out: dict[str, Any] = {}
    copies = [r for r in rows if r["relation"] == "copy"]
    negs = [r for r in rows if r["relation"] in rel.NEGATIVE_RELATIONS]
    if copies:
        hit = sum(pred[r["a"]] == pred[r["b"]] for r in copies)
        out["copy_pairs"] = len(copies)
        out["recall"] = hit / len(copies)
    if copies and stories:
        together = total = 0
        for g in sorted({gold[r["b"]] for r in copies}):
            members = gold_members[g]
            total += _c2(len(members))
            together += sum(_c2(k) for k in Counter(pred[m] for m in members).values())
        out["story_pairs"] = total
        out["pair_recall"] = together / total if total else None
    if negs:
        merged = sum(pred[r["a"]] == pred[r["b"]] for r in negs)
        out["negative_pairs"] = len(negs)
        out["false_merge"] = merged / len(negs)
    cont = [r for r in rows if r["relation"] in CONTAIN_RELATIONS]
    if cont and links is not None:
        whole = [r for r in cont if r["relation"] == "contains"]
        out["link_found"] = sum(
            (r["a"], r["b"]) in links or (r["b"], r["a"]) in links for r in cont) / len(cont)
        if whole:
            fwd = [links.get((r["a"], r["b"])) == "contains" for r in whole]
            back = [links.get((r["b"], r["a"])) == "contained_in" for r in whole]
            out["contains_found"] = sum(f or b for f, b in zip(fwd, back, strict=True)) / len(
                whole)
            out["contains_both_sides"] = sum(f and b for f, b in zip(fwd, back, strict=True)) / \
                len(whole)
    if records is not None and copies:
        out["canonical"] = canonical_rate(records, copies)
    return out


def kind_report(labels: list[dict[str, Any]], pred: dict[str, str], gold: dict[str, str],
                records: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Per kind and per (kind, sub) scores, plus failure examples when ``records`` is given."""
    gold_members: dict[str, list[str]] = defaultdict(list)
    for i, g in gold.items():
        gold_members[g].append(i)
    links = link_index(records) if records is not None else None
    canon = {r["id"]: bool(r.get("canonical")) for r in records} if records else {}
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_sub: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in labels:
        if r["kind"] == "corpus_partial":
            continue  # ambiguous: scored neither way
        by_kind[r["kind"]].append(r)
        by_sub[f"{r['kind']}/{r.get('sub')}"].append(r)
    out: dict[str, Any] = {"kinds": {}, "subs": {}}
    for k in [*rel.KINDS, "corpus_dup"]:
        if by_kind.get(k):
            out["kinds"][k] = group_scores(by_kind[k], pred, gold, gold_members, records, links)
    for k in sorted(by_sub):
        out["subs"][k] = group_scores(by_sub[k], pred, gold, gold_members, records, links,
                                      stories=False)
    mine = [r for r in labels if r["relation"] in CONTAIN_RELATIONS
            and r["kind"] in ("contain_whole", "contain_borrowed")]
    out["copies_among_containment"] = {
        "merged": sum(pred[r["a"]] == pred[r["b"]] for r in mine), "pairs": len(mine),
        "rate": sum(pred[r["a"]] == pred[r["b"]] for r in mine) / len(mine) if mine else None}
    none_rows = [r for r in labels if r["relation"] == "none"]
    out["copies_among_none"] = {
        "merged": sum(pred[r["a"]] == pred[r["b"]] for r in none_rows), "pairs": len(none_rows),
        "rate": sum(pred[r["a"]] == pred[r["b"]] for r in none_rows) / len(none_rows)
        if none_rows else None}
    recalls = [v["recall"] for v in out["kinds"].values() if "recall" in v]
    out["macro_recall"] = sum(recalls) / len(recalls) if recalls else None
    if records is not None:
        out["verdicts"] = {
            k: dict(Counter(verdict(r["a"], r["b"], pred, canon, links) for r in rows
                            if r["relation"] in (*CONTAIN_RELATIONS, "none")))
            for k, rows in sorted(by_sub.items())
            if any(r["relation"] in (*CONTAIN_RELATIONS, "none") for r in rows)}
        out["examples"] = examples(by_kind, pred, canon, links or {}, records)
    return out


def examples(by_kind: dict[str, list[dict[str, Any]]], pred: dict[str, str],
             canon: dict[str, bool], links: dict[tuple[str, str], str],
             records: list[dict[str, Any]]) -> dict[str, Any]:
    """Up to ``EXAMPLES`` failures of each type per kind (ids, what the output said)."""
    cluster = {r["id"]: r["cluster"] for r in records}
    out: dict[str, Any] = {}
    for k, rows in sorted(by_kind.items()):
        ex: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            a, b = r["a"], r["b"]
            together = pred[a] == pred[b]
            info = {"a": a, "b": b, "sub": r.get("sub")}
            if r["relation"] == "copy" and not together:
                ex["missed_copy"].append({**info, "said": verdict(a, b, pred, canon, links)})
            elif r["relation"] in rel.NEGATIVE_RELATIONS and together:
                ex[f"merged_{r['relation']}"].append({**info, "canonical": cluster[a]})
            elif r["relation"] == "contains" and links.get((a, b)) != "contains" and \
                    links.get((b, a)) != "contained_in":
                ex["contains_not_found"].append({**info,
                                                 "said": verdict(a, b, pred, canon, links)})
            if r["relation"] == "copy" and together and not canon.get(r["original"]):
                ex["original_not_canonical"].append({**info, "canonical": cluster[a]})
        seen: set[tuple[str, str]] = set()
        trimmed: dict[str, list[dict[str, Any]]] = {}
        for typ, items in ex.items():
            keep = []
            for it in items:
                # one example per original for the canonical failures (a cluster repeats)
                key = (typ, it["b"] if typ == "original_not_canonical" else it["a"])
                if key not in seen:
                    seen.add(key)
                    keep.append(it)
            trimmed[typ] = keep[:EXAMPLES]
            # rows; for original_not_canonical: clusters (one per original)
            trimmed[typ + "_count"] = len(keep) if typ == "original_not_canonical" \
                else len(items)  # type: ignore[assignment]
        if trimmed:
            out[k] = trimmed
    return out


def evaluate(split: str, data_dir: Path, published: bool = False, baselines: bool = True,
             ours: bool = True) -> dict[str, Any]:
    arts, labels, meta = rel.load(split, data_dir)
    if not published:
        arts = [{**a, "published": None} for a in arts]
    gold = rel.check_labels(arts, labels)
    copy_rows = [r for r in labels if r["relation"] == "copy"]
    neg_rows = [r for r in labels if r["relation"] in rel.NEGATIVE_RELATIONS]
    ignore = [(r["a"], r["b"]) for r in labels if r["kind"] == "corpus_partial"]
    log(f"{split}: {len(arts)} articles, {len(copy_rows)} copy rows, {len(neg_rows)} negatives")
    runs: list[tuple[str, Any]] = []
    if ours:
        runs.append(("dedupe-news", run_ours))
    if baselines:
        runs += [(f"datasketch@{t}", lambda a, t=t: run_baseline(a, t))
                 for t in BASELINE_THRESHOLDS]
    systems: dict[str, Any] = {}
    for name, fn in runs:
        log(f"running {name} ...")
        pred, info = fn(arts)
        if pred is None:
            systems[name] = info
            log(f"  {name}: {info['skipped']}")
            continue
        records = info.pop("_records", None)
        scores = score_clusters(pred, gold, copy_rows, neg_rows, ignore)
        scores.pop("variant_recall", None)  # per kind below, with subs
        scores.pop("mt_level_recall", None)
        systems[name] = {**info, **scores, **kind_report(labels, pred, gold, records)}
        if records is not None:
            systems[name]["canonical_all"] = canonical_rate(records, copy_rows)
        log(f"  {name}: {info['seconds']}s")
    return {
        "split": split,
        "benchmark": {k: meta.get(k) for k in ("seed", "per_kind", "syndication", "articles",
                                               "made", "hosts_removed", "generator_sha1",
                                               "corpus_sha1", "mt", "labels")},
        "published": published,
        "python": platform.python_version(),
        "systems": systems,
    }


def _f(v: float | None, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def print_report(rep: dict[str, Any]) -> None:
    systems = {k: v for k, v in rep["systems"].items() if "f1" in v}
    for k, v in rep["systems"].items():
        if "skipped" in v:
            print(f"[{k}: skipped - {v['skipped']}]")
    if not systems:
        return
    b = rep["benchmark"]
    mt = b.get("mt") or {}
    print(f"split={rep['split']}  articles={b['articles']}  made={b['made']}  "
          f"MT=apertium {'+'.join(mt.get('pivots', [])) or '(none)'}  "
          f"published={'kept' if rep['published'] else 'removed'}")
    names = list(systems)
    ours = next((n for n in names if "canonical_all" in systems[n]), None)
    base = [n for n in names if n != ours]
    head = f"{'kind':34s}{'copies':>7s}{'negs':>6s}"
    if ours:
        head += " | " + "".join(f"{c:>8s}" for c in ("recall", "pairs", "fmerge", "contain",
                                                       "link", "canon"))
    for n in base:
        head += f" | {n[-7:]:>7s} rec/fm"
    print(f"\n{head}\n{'-' * len(head)}")

    def line(label: str, key: str, section: str) -> None:
        ref = systems[names[0]][section][key]
        cells = f"{label:34s}{ref.get('copy_pairs', 0):7d}{ref.get('negative_pairs', 0):6d}"
        if ours:
            s = systems[ours][section][key]
            canon = s.get("canonical") or {}
            cells += " | " + "".join(f"{c:>8s}" for c in (
                _f(s.get("recall")), _f(s.get("pair_recall")), _f(s.get("false_merge")),
                _f(s.get("contains_found")), _f(s.get("link_found")), _f(canon.get("rate"))))
        for n in base:
            s = systems[n][section][key]
            cells += f" | {_f(s.get('recall'), 2):>6s}/{_f(s.get('false_merge'), 2):<6s}"
        print(cells)

    for kind in systems[names[0]]["kinds"]:
        line(kind, kind, "kinds")
        subs = [k for k in systems[names[0]]["subs"] if k.split("/", 1)[0] == kind]
        if 1 < len(subs) <= 8:  # (mt_two_pass: one sub per pivot pair, JSON only)
            for sub in subs:
                line("  " + sub.split("/", 1)[1], sub, "subs")
    print()
    width = 16
    print(f"{'overall':44s}" + "".join(f"{n:>{width}s}" for n in names))
    rows: list[tuple[str, Any]] = [
        ("precision", lambda s: _f(s["precision"])),
        ("recall", lambda s: _f(s["recall"])),
        ("f1", lambda s: _f(s["f1"])),
        ("ari", lambda s: _f(s["ari"])),
        ("macro recall over kinds", lambda s: _f(s["macro_recall"])),
        ("false merge rate (all negatives)", lambda s: _f(s["false_merge_rate"])),
        ("copies among partial/containment (<=5%)",
         lambda s: f"{s['copies_among_containment']['merged']}/"
                   f"{s['copies_among_containment']['pairs']}="
                   f"{_f(s['copies_among_containment']['rate'])}"),
        ("copies among none pairs",
         lambda s: f"{s['copies_among_none']['merged']}/{s['copies_among_none']['pairs']}="
                   f"{_f(s['copies_among_none']['rate'])}"),
        ("canonical = original (all)",
         lambda s: f"{s['canonical_all']['original_canonical']}/{s['canonical_all']['stories']}"
                   f"={_f(s['canonical_all']['rate'])}" if "canonical_all" in s else "-"),
        ("pairs tp/fp/fn", lambda s: f"{s['tp']}/{s['fp']}/{s['fn']}"),
        ("seconds", lambda s: f"{s['seconds']:.2f}"),
    ]
    for label, fn in rows:
        print(f"{label:44s}" + "".join(f"{fn(systems[n]):>{width}s}" for n in names))
    if ours and systems[ours].get("verdicts"):
        print(f"\n{ours} verdicts on contains / partial / none pairs "
              "(copy:<canonical side> | link a->b / b->a | none):")
        for key, counts in systems[ours]["verdicts"].items():
            cells = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(),
                                                             key=lambda t: -t[1]))
            print(f"  {key:34s} {cells}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--data", type=Path, default=rel.DATA_DIR)
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON report path (default bench/out/eval_relations_<split>.json)")
    ap.add_argument("--published", action="store_true",
                    help="keep the articles' published field (removed by default)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the datasketch runs")
    ap.add_argument("--baseline-only", action="store_true", help="skip dedupe-news")
    args = ap.parse_args(argv)
    rep = evaluate(args.split, args.data, args.published, not args.no_baseline,
                   not args.baseline_only)
    print_report(rep)
    write_report(args.out or OUT_DIR / f"eval_relations_{args.split}.json", rep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
