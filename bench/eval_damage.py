"""Evaluate MT-damage detection; writes ``bench/out/eval_damage.json`` and the shipped
``src/dedupe_news/data/damage_precision.json`` (shown by ``dedupe-news rules``).

Measurements (tables on stdout, progress on stderr):

1. False alarms on edited news: flags per 1,000 sentences on the BBC corpus at the default
   severity (minor and up), per rule, every flag listed in the JSON for review; the same for
   a four-regex baseline.
2. Per-rule precision on WMT23 zh-en MQM news: a flag is right when it overlaps a
   target-side human error span (any rater).  Documents are split in two halves by a stable
   hash of the document id; rules were tuned on the "tune" half, numbers are reported on the
   "report" half.  Chance level: the share of target characters inside any error span.
3. Dev proxies for the damage score (the real target is MT round trips of BBC articles vs
   their originals, which we do not have):
   a. seeds: the three MT seeds vs the two written in English (tiny, n=5);
   b. synthetic seed-like damage injected in BBC articles vs the untouched articles
      (proxy for *structural* MT damage the rules model; optimistic by construction);
   c. MQM versions: for two systems' translations of the same segment whose MQM penalties
      differ by at least one major error, does the score (check_text alone, and
      compare_versions) call the worse one damaged?  Proxy for choosing the least damaged
      member of a cluster of versions; here neither version is an original.
   d. MQM documents: AUC of the document score for system-documents with above-median MQM
      penalty per segment vs below (proxy for ranking MT outputs by human-judged damage).

    .venv/bin/python bench/eval_damage.py [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from dedupe_news.damage import check_text, compare_versions, load_rules
from dedupe_news.damage.registry import rules_signature
from dedupe_news.segment import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"  # beside the checkout
BBC = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
MQM = SHARED / "mt" / "mqm-wmt23-zhen-news.jsonl"
OUT = ROOT / "bench" / "out" / "eval_damage.json"
SHIPPED = ROOT / "src" / "dedupe_news" / "data" / "damage_precision.json"
MQM_WEIGHT = {"Major": 5.0, "Minor": 1.0}  # MQM convention (Freitag et al. 2021)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def half(doc: str) -> str:
    """Stable tune/report split by document id."""
    return "tune" if hashlib.sha1(doc.encode()).digest()[0] % 2 == 0 else "report"


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count 1/2)."""
    if not pos or not neg:
        return float("nan")
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum = 0.0
    i = 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        avg = (i + j + 1) / 2  # 1-based average rank
        rank_sum += avg * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    n1, n0 = len(pos), len(neg)
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)


def prf(pos: list[float], neg: list[float], threshold: float) -> dict[str, float]:
    tp = sum(v > threshold for v in pos)
    fp = sum(v > threshold for v in neg)
    fn = len(pos) - tp
    return {"threshold": threshold, "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0}


# ---------------------------------------------------------------------------------------
# four-regex baseline (what the issue compares against)

BASELINE = [re.compile(p) for p in (
    r"[.!?]\s+[a-z]",             # sentence starting lowercase
    r"\b(\w+)\s+\1\b",            # doubled word
    r"[.!?]\s+[,;:]",             # sentence starting with punctuation
    r"\b[a-z]+\s+[A-Z][a-z]+\s+[A-Z][a-z]+ing\b",  # Title Case run mid-sentence
)]


def baseline_flags(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for rx in BASELINE for m in rx.finditer(text)]


def baseline_score(text: str) -> float:
    return len(baseline_flags(text)) / max(1, len(split_sentences(text)))


# ---------------------------------------------------------------------------------------


def load_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(json.loads(line))
                if limit and len(out) >= limit:
                    break
    return out


def eval_bbc(arts: list[dict[str, Any]]) -> dict[str, Any]:
    n_sent = 0
    per_rule: Counter[str] = Counter()
    flags = []
    base = 0
    for a in arts:
        text = a["text"]
        r = check_text(text)
        n_sent += r.sentences
        base += len(baseline_flags(text))
        for f in r.flags:
            per_rule[f.rule] += 1
            ctx = text[max(0, f.start - 50):f.end + 50].replace("\n", " ")
            flags.append({"id": a["id"], "rule": f.rule, "text": f.text, "context": ctx})
    total = sum(per_rule.values())
    return {"articles": len(arts), "sentences": n_sent, "flags": total,
            "per_1000_sentences": round(1000 * total / max(1, n_sent), 3),
            "baseline_flags": base,
            "baseline_per_1000_sentences": round(1000 * base / max(1, n_sent), 3),
            "per_rule": dict(per_rule), "all_flags": flags}


def mqm_penalty(row: dict[str, Any]) -> float:
    n = max(1, len(row.get("raters", [])))
    return sum(MQM_WEIGHT.get(s["severity"], 0.0) for s in row["spans"]) / n


def eval_mqm_precision(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("tune", "report"):
        hits: Counter[str] = Counter()
        fired: Counter[str] = Counter()
        chars = err_chars = 0
        examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            if half(row["doc"]) != part:
                continue
            text = row["target"]
            spans = [(s["start"], s["end"]) for s in row["spans"] if s.get("side") == "target"]
            chars += len(text)
            covered = bytearray(len(text))
            for s, e in spans:
                for k in range(max(0, s), min(e, len(text))):
                    covered[k] = 1
            err_chars += sum(covered)
            for f in check_text(text, min_severity="info").flags:
                fired[f.rule] += 1
                ok = any(f.start < e and s < f.end for s, e in spans)
                hits[f.rule] += ok
                if len(examples[f.rule]) < 8:
                    examples[f.rule].append({"text": f.text, "hit": ok, "system": row["system"]})
        out[part] = {
            "chance": round(err_chars / max(1, chars), 4),
            "segments": sum(1 for r in rows if half(r["doc"]) == part),
            "rules": {rid: {"flags": fired[rid],
                            "precision": round(hits[rid] / fired[rid], 3) if fired[rid] else None}
                      for rid in [r.id for r in load_rules()]},
            "examples": examples}
    return out


def inject(text: str, rng: random.Random) -> tuple[str, int]:
    """Seed-like damage in 1-3 sentences: fragments, doubled words, punctuation splits."""
    sents = split_sentences(text)
    if len(sents) < 3:
        return text, 0
    chosen = rng.sample(range(len(sents)), k=min(len(sents), rng.randint(1, 3)))
    out = text
    done = 0
    for i in sorted(chosen, reverse=True):
        s = sents[i]
        words = list(re.finditer(r"[A-Za-z]+", s.text))
        if len(words) < 6:
            continue
        kind = rng.choice(["fragment", "double", "comma", "fused", "tomodal"])
        w = words[rng.randint(len(words) - 4, len(words) - 2)]
        pos = s.start + w.start()
        if kind == "fragment" and w.group()[0].islower():
            new = out[:pos].rstrip() + ". " + out[pos:]
        elif kind == "double":
            new = out[:pos] + w.group() + " " + out[pos:]
        elif kind == "comma" and i + 1 < len(sents):
            nxt = sents[i + 1].start
            new = out[:nxt] + ", " + out[nxt:]
        elif kind == "fused" and i + 1 < len(sents) and out[s.end - 1] == ".":
            new = out[:s.end - 1] + " They are" + out[s.end:]
        elif kind == "tomodal":
            m = re.search(r"\bto ([a-z]+)", s.text)
            if not m:
                continue
            p = s.start + m.start(1)
            new = out[:p] + "will " + out[p:]
        else:
            continue
        out = new
        done += 1
    return out, done


def eval_synthetic(arts: list[dict[str, Any]]) -> dict[str, Any]:
    rng = random.Random(13)
    pos, neg, bpos, bneg = [], [], [], []
    for a in arts:
        text = a["text"]
        if rng.random() < 0.5:
            dmg, n = inject(text, rng)
            if n:
                pos.append(check_text(dmg).score)
                bpos.append(baseline_score(dmg))
                continue
        neg.append(check_text(text).score)
        bneg.append(baseline_score(text))
    return {"damaged": len(pos), "clean": len(neg), "auc": round(auc(pos, neg), 4),
            "baseline_auc": round(auc(bpos, bneg), 4), "at_0": prf(pos, neg, 0.0)}


def eval_seeds() -> dict[str, Any]:
    scores = {}
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        scores[p.name[:3]] = check_text(p.read_text(encoding="utf-8")).score
    mt = [scores[k] for k in ("000", "002", "004")]
    human = [scores[k] for k in ("001", "003")]
    return {"scores": {k: round(v, 4) for k, v in scores.items()},
            "auc": round(auc(mt, human), 4)}


def eval_mqm_versions(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_seg: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if half(r["doc"]) == "report":
            by_seg[(r["doc"], r["seg"])].append(r)
    reports: dict[int, Any] = {}
    agree = {"check_text": [0, 0, 0], "compare_versions": [0, 0, 0], "baseline": [0, 0, 0]}
    for group in by_seg.values():
        for r in group:
            reports[id(r)] = check_text(r["target"], min_severity="info")
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                a, b = group[i], group[j]
                pa, pb = mqm_penalty(a), mqm_penalty(b)
                if abs(pa - pb) < 5.0:
                    continue
                worse = "a" if pa > pb else "b"
                ra, rb = reports[id(a)], reports[id(b)]
                ev = compare_versions(a["target"], b["target"],
                                      [((0, len(a["target"])), (0, len(b["target"])))],
                                      a_flags=ra.flags, b_flags=rb.flags, a_base=ra.score,
                                      b_base=rb.score)
                ba, bb = baseline_score(a["target"]), baseline_score(b["target"])
                for name, sa, sb in (("check_text", ra.score, rb.score),
                                     ("compare_versions", ev.a_score, ev.b_score),
                                     ("baseline", ba, bb)):
                    cell = agree[name]
                    cell[2] += 1
                    if sa != sb:
                        cell[1] += 1
                        cell[0] += ("a" if sa > sb else "b") == worse
    return {name: {"pairs": n, "decided": d, "accuracy_when_decided": round(ok / d, 4)
                   if d else None, "accuracy_ties_half": round((ok + (n - d) / 2) / n, 4)
                   if n else None}
            for name, (ok, d, n) in agree.items()}


def eval_mqm_document_versions(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Whole documents as versions: segments are the aligned pairs (report half)."""
    docs: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if half(r["doc"]) == "report":
            docs[r["doc"]][r["system"]].append(r)
    agree = {"check_text": [0, 0, 0], "compare_versions": [0, 0, 0]}
    for systems in docs.values():
        built = {}
        for name, segs in systems.items():
            segs.sort(key=lambda r: int(r["seg"]))
            text, spans, pos = "", [], 0
            for r in segs:
                spans.append((pos, pos + len(r["target"])))
                text += r["target"] + "\n\n"
                pos = len(text)
            pen = sum(mqm_penalty(r) for r in segs) / len(segs)
            built[name] = (text, spans, pen, check_text(text, min_severity="info"),
                           [r["seg"] for r in segs])
        names = sorted(built)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                ta, sa, pa, ra, ka = built[names[i]]
                tb, sb, pb, rb, kb = built[names[j]]
                if ka != kb or abs(pa - pb) < 1.0:
                    continue  # one major error per five segments at least
                worse = "a" if pa > pb else "b"
                ev = compare_versions(ta, tb, list(zip(sa, sb, strict=True)), a_flags=ra.flags,
                                      b_flags=rb.flags, a_base=ra.score, b_base=rb.score)
                for name, x, y in (("check_text", ra.score, rb.score),
                                   ("compare_versions", ev.a_score, ev.b_score)):
                    cell = agree[name]
                    cell[2] += 1
                    if x != y:
                        cell[1] += 1
                        cell[0] += ("a" if x > y else "b") == worse
    return {name: {"pairs": n, "decided": d, "accuracy_when_decided": round(ok / d, 4)
                   if d else None, "accuracy_ties_half": round((ok + (n - d) / 2) / n, 4)
                   if n else None}
            for name, (ok, d, n) in agree.items()}


def eval_mqm_documents(rows: list[dict[str, Any]]) -> dict[str, Any]:
    docs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if half(r["doc"]) == "report":
            docs[(r["system"], r["doc"])].append(r)
    items = []
    for segs in docs.values():
        segs.sort(key=lambda r: int(r["seg"]))
        text = "\n\n".join(r["target"] for r in segs)
        pen = sum(mqm_penalty(r) for r in segs) / len(segs)
        items.append((pen, check_text(text).score, baseline_score(text)))
    med = sorted(p for p, _, _ in items)[len(items) // 2]
    pos = [s for p, s, _ in items if p > med]
    neg = [s for p, s, _ in items if p <= med]
    bpos = [b for p, _, b in items if p > med]
    bneg = [b for p, _, b in items if p <= med]
    return {"documents": len(items), "median_penalty": round(med, 3),
            "auc": round(auc(pos, neg), 4), "baseline_auc": round(auc(bpos, bneg), 4)}


def table(rows: list[list[Any]], headers: list[str]) -> str:
    cells = [headers] + [[str(c) for c in r] for r in rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(x) for c, x in zip(r, w, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="Evaluate MT-damage detection.")
    ap.add_argument("--limit", type=int, default=None, help="BBC articles (default: all)")
    ap.add_argument("--no-ship", action="store_true",
                    help="do not rewrite src/dedupe_news/data/damage_precision.json")
    args = ap.parse_args()
    t0 = time.time()
    arts = load_jsonl(BBC, args.limit)
    rows = load_jsonl(MQM)
    log(f"loaded {len(arts)} BBC articles, {len(rows)} MQM segments")
    bbc = eval_bbc(arts)
    log("BBC done")
    mqm = eval_mqm_precision(rows)
    log("MQM precision done")
    results = {"signature": f"rules:{rules_signature()}", "bbc": bbc, "mqm_precision": mqm,
               "proxy_seeds": eval_seeds(), "proxy_synthetic": eval_synthetic(arts),
               "proxy_mqm_versions": eval_mqm_versions(rows),
               "proxy_mqm_documents": eval_mqm_documents(rows),
               "proxy_mqm_document_versions": eval_mqm_document_versions(rows),
               "seconds": round(time.time() - t0, 1)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")

    rep = mqm["report"]
    print(f"BBC false alarms: {bbc['flags']} flags / {bbc['sentences']} sentences = "
          f"{bbc['per_1000_sentences']} per 1,000 (four-regex baseline: "
          f"{bbc['baseline_per_1000_sentences']})\n")
    print(table([[r.id, r.name, bbc["per_rule"].get(r.id, 0),
                  rep["rules"][r.id]["flags"], rep["rules"][r.id]["precision"],
                  mqm["tune"]["rules"][r.id]["flags"], mqm["tune"]["rules"][r.id]["precision"]]
                 for r in load_rules()],
                ["rule", "name", "BBC flags", "MQM flags (report)", "precision (report)",
                 "MQM flags (tune)", "precision (tune)"]))
    print(f"\nchance level (share of target characters in MQM error spans): report "
          f"{rep['chance']}, tune {mqm['tune']['chance']}\n")
    s, syn = results["proxy_seeds"], results["proxy_synthetic"]
    print(table([
        ["seeds: 3 MT vs 2 English-written", s["auc"], "-", "n=5"],
        ["synthetic seed-like damage in BBC", syn["auc"], syn["baseline_auc"],
         f"P={syn['at_0']['precision']} R={syn['at_0']['recall']} at score>0"],
        ["MQM: docs above vs below median penalty",
         results["proxy_mqm_documents"]["auc"], results["proxy_mqm_documents"]["baseline_auc"],
         f"n={results['proxy_mqm_documents']['documents']}"],
    ], ["dev proxy (AUC)", "damage score", "4-regex baseline", "notes"]))
    v = results["proxy_mqm_versions"]
    print("\nMQM versions (same segment, two systems, penalties differ by >= 1 major): "
          "share of pairs where the worse version gets the higher score (ties count 1/2)")
    print(table([[k, x["pairs"], x["decided"], x["accuracy_when_decided"],
                  x["accuracy_ties_half"]] for k, x in v.items()],
                ["scorer", "pairs", "decided", "acc. when decided", "acc. ties 1/2"]))
    v = results["proxy_mqm_document_versions"]
    print("\nMQM document versions (same document, two systems, mean penalty per segment "
          "differs by >= 1): worse version scored higher")
    print(table([[k, x["pairs"], x["decided"], x["accuracy_when_decided"],
                  x["accuracy_ties_half"]] for k, x in v.items()],
                ["scorer", "pairs", "decided", "acc. when decided", "acc. ties 1/2"]))
    if not args.no_ship and args.limit is None:
        shipped = {"signature": results["signature"], "chance": rep["chance"],
                   "meta": {"mqm": "WMT23 zh-en news, report half, flags overlapping a target "
                                   "error span", "bbc": "flags on 2,225 BBC articles",
                            "bbc_sentences": bbc["sentences"],
                            "command": "bench/eval_damage.py"},
                   "rules": {rid: {"mqm_precision": x["precision"], "mqm_flags": x["flags"],
                                   "bbc_flags": bbc["per_rule"].get(rid, 0)}
                             for rid, x in rep["rules"].items()}}
        SHIPPED.write_text(json.dumps(shipped, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {SHIPPED.relative_to(ROOT)}")
    log(f"wrote {OUT.relative_to(ROOT)} in {results['seconds']} s")


if __name__ == "__main__":
    main()
