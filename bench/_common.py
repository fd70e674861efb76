"""Shared helpers for the issue-2 benchmarks: JSONL I/O, the plain datasketch baseline, scoring.

Kept outside the package (as datasketch keeps its ``benchmark/``): nothing here is imported by
``dedupe_news``. Scripts run as ``python bench/<script>.py`` put this directory on ``sys.path``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
OUT_DIR = BENCH_DIR / "out"
#: ``../shared`` beside the checkout (the only place looked at: no machine paths)
SHARED = BENCH_DIR.parent.parent / "shared"
CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"

# Plain-baseline tokeniser: lowercase word characters. "Plain datasketch settings" = what a
# user writes first: word 5-grams of \w+ tokens, MinHash(num_perm=128), MinHashLSH(threshold).
_WORD = re.compile(r"\w+")
_SENT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")


def log(msg: str) -> None:
    """Progress goes to stderr; stdout carries only tables."""
    print(msg, file=sys.stderr, flush=True)


def stable_hash(s: str) -> int:
    """A process-independent 64-bit hash (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha1(s.encode("utf-8")).digest()[:8], "big")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_report(path: Path | str, report: object) -> None:
    """A benchmark's JSON report (indented, parents made), and where it went on stderr."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {path}")


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_ngrams(text: str, n: int = 5) -> set[str]:
    """Word n-gram shingles (the whole text as one shingle when it has fewer than n words)."""
    w = words(text)
    if len(w) < n:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def sentences(text: str, min_words: int = 4) -> list[str]:
    """Normalised sentences (lowercased word tokens) with at least ``min_words`` words."""
    out = []
    for raw in _SENT.split(text):
        w = words(raw)
        if len(w) >= min_words:
            out.append(" ".join(w))
    return out


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        root = x
        while p != root:
            root, p = p, self.parent.setdefault(p, p)
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic root: the smaller id
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra

    def groups(self, items: Iterable[str]) -> dict[str, str]:
        return {x: self.find(x) for x in items}


# --------------------------------------------------------------------------------------------
# Plain datasketch baseline
# --------------------------------------------------------------------------------------------


def baseline_cluster(
    docs: list[tuple[str, str]], threshold: float, num_perm: int = 128, n: int = 5
) -> tuple[dict[str, str], dict[str, Any]]:
    """The plain pipeline: word n-grams -> MinHash.update_batch -> MinHashLSH -> components.

    Pairs are LSH candidates whose *estimated* Jaccard is >= ``threshold``; clusters are the
    connected components of those pairs (so they can chain). Returns ``{id: cluster id}``
    (cluster id = smallest member id) and counters.
    """
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs: dict[str, Any] = {}
    for doc_id, text in docs:
        m = MinHash(num_perm=num_perm)
        m.update_batch([s.encode("utf-8") for s in word_ngrams(text, n)])
        sigs[doc_id] = m
        lsh.insert(doc_id, m)
    uf = UnionFind()
    n_cand = n_pairs = 0
    for doc_id, m in sigs.items():
        uf.find(doc_id)
        for other in lsh.query(m):
            if other <= doc_id:
                continue
            n_cand += 1
            if m.jaccard(sigs[other]) >= threshold:
                n_pairs += 1
                uf.union(doc_id, other)
    return uf.groups(sigs), {"candidates": n_cand, "pairs": n_pairs}


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def _c2(k: int) -> int:
    return k * (k - 1) // 2


def score_clusters(
    pred: dict[str, str],
    gold: dict[str, str],
    copy_pairs: list[dict[str, Any]],
    negative_pairs: list[dict[str, Any]],
    ignore_pairs: Iterable[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Pairwise P/R/F1 of a predicted partition against the gold partition, plus breakdowns.

    ``pred`` and ``gold`` map every article id to a cluster label (gold: each source with its
    copies; singletons elsewhere). A pair of articles is predicted positive when both share a
    ``pred`` label, gold positive when both share a ``gold`` label. Counts come from the
    contingency table, so a giant predicted cluster costs no quadratic loop. Pairs in
    ``ignore_pairs`` (ambiguous labels) count neither as false positives nor as hits.

    ``copy_pairs`` rows (``a`` = copy, ``b`` = its source, ``variant``) give per-variant
    recall; ``negative_pairs`` rows (``relation``) give the false-merge rate per relation.
    """
    ids = sorted(gold)
    missing = [i for i in ids if i not in pred]
    if missing:
        raise ValueError(f"{len(missing)} gold ids have no prediction, e.g. {missing[:3]}")
    cells: Counter[tuple[str, str]] = Counter((pred[i], gold[i]) for i in ids)
    pred_sizes: Counter[str] = Counter(pred[i] for i in ids)
    gold_sizes: Counter[str] = Counter(gold[i] for i in ids)
    tp = sum(_c2(k) for k in cells.values())
    pred_pos = sum(_c2(k) for k in pred_sizes.values())
    gold_pos = sum(_c2(k) for k in gold_sizes.values())
    ignored_fp = sum(
        1 for a, b in ignore_pairs if pred[a] == pred[b] and gold[a] != gold[b]
    )
    fp = pred_pos - tp - ignored_fp
    fn = gold_pos - tp
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / gold_pos if gold_pos else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    by_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_level: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in copy_pairs:
        hit = int(pred[row["a"]] == pred[row["b"]])
        by_variant[row["variant"]][0] += hit
        by_variant[row["variant"]][1] += 1
        if row.get("mt_level"):
            key = f"{row['variant']}/{row['mt_level']}"
            by_level[key][0] += hit
            by_level[key][1] += 1
    by_neg: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in negative_pairs:
        merged = int(pred[row["a"]] == pred[row["b"]])
        key = row["relation"] + ("/derived" if row.get("derived") else "")
        by_neg[key][0] += merged
        by_neg[key][1] += 1
    neg_merged = sum(v[0] for v in by_neg.values())
    neg_total = sum(v[1] for v in by_neg.values())

    try:
        from sklearn.metrics import adjusted_rand_score

        ari: float | None = float(
            adjusted_rand_score([gold[i] for i in ids], [pred[i] for i in ids])
        )
    except ImportError:  # pragma: no cover - sklearn is a package dependency
        ari = None

    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "ignored_merges": ignored_fp,
        "ari": ari,
        "n_pred_clusters": sum(1 for k in pred_sizes.values() if k > 1),
        "largest_pred_cluster": max(pred_sizes.values()) if pred_sizes else 0,
        "variant_recall": {
            k: {"recall": v[0] / v[1], "hit": v[0], "n": v[1]}
            for k, v in sorted(by_variant.items())
        },
        "mt_level_recall": {
            k: {"recall": v[0] / v[1], "hit": v[0], "n": v[1]} for k, v in sorted(by_level.items())
        },
        "false_merge_rate": neg_merged / neg_total if neg_total else 0.0,
        "false_merges": {
            k: {"rate": v[0] / v[1], "merged": v[0], "n": v[1]} for k, v in sorted(by_neg.items())
        },
    }


CORPUS_PREFIX = "bbc-"


def canonical_rate(records: list[dict[str, Any]], labels: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    """Share of source stories whose canonical is an original (the source, or a corpus
    duplicate of it), over the sources clustered with at least one of their copies (copies are
    the ids that do not start with ``CORPUS_PREFIX``)."""
    by_id = {r["id"]: r for r in records}
    copies: dict[str, list[dict[str, Any]]] = {}
    twins: dict[str, set[str]] = {}
    for r in labels:
        if r["relation"] != "copy":
            continue
        if not r["a"].startswith(CORPUS_PREFIX):
            copies.setdefault(r["b"], []).append(r)
        else:
            twins.setdefault(r["a"], set()).add(r["b"])
            twins.setdefault(r["b"], set()).add(r["a"])
    hit = n = 0
    wrong: dict[str, int] = {}
    for src, rows in copies.items():
        cluster = by_id[src]["cluster"]
        if not any(by_id[c["a"]]["cluster"] == cluster for c in rows):
            continue
        n += 1
        if cluster == src or cluster in twins.get(src, ()):
            hit += 1
        else:
            won = next((c for c in rows if c["a"] == cluster), None)
            key = won["variant"] if won else "unrelated"
            wrong[key] = wrong.get(key, 0) + 1
    return {"stories": n, "original_canonical": hit, "rate": round(hit / n, 4) if n else None,
            "lost_to": wrong}
