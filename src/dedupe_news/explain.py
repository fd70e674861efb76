"""Why two articles are (or are not) copies: every number behind the verdict."""

from __future__ import annotations

import numpy as np

from dedupe_news.candidates import LshSettings
from dedupe_news.model import Article
from dedupe_news.normalize import prepare
from dedupe_news.shingle import shingle_hashes
from dedupe_news.sketch import Sketcher
from dedupe_news.verify import VerifySettings, compare, profile, thresholds


def explain_pair(a: Article, b: Article, lsh: LshSettings | None = None,
                 verify: VerifySettings | None = None) -> dict[str, object]:
    """Shingle overlap (exact and estimated), LSH collision, sentence evidence, verdict."""
    lsh = lsh or LshSettings()
    verify = verify or VerifySettings()
    pa, pb = prepare(a.text), prepare(b.text)
    fa, fb = profile(pa.body, a.title), profile(pb.body, b.title)
    sa = shingle_hashes([s for u in fa.units for s in u.stems])
    sb = shingle_hashes([s for u in fb.units for s in u.stems])
    inter = len(np.intersect1d(sa, sb))
    union = len(sa) + len(sb) - inter
    sig = Sketcher(lsh.num_perm, lsh.seed).signatures([sa, sb])
    est = float((sig[0] == sig[1]).mean())
    bands = sum(
        bool((sig[0][k * lsh.rows:(k + 1) * lsh.rows] == sig[1][k * lsh.rows:(k + 1) * lsh.rows])
             .all()) for k in range(lsh.bands))
    ev = compare(fa, fb, verify)
    jac = inter / union if union else 0.0
    return {
        "a": {"id": a.id, "sentences": len(fa.units),
              "boilerplate": [x.to_dict() for x in pa.boilerplate]},
        "b": {"id": b.id, "sentences": len(fb.units),
              "boilerplate": [x.to_dict() for x in pb.boilerplate]},
        "shingles": {
            "a": len(sa), "b": len(sb), "shared": inter,
            "jaccard_exact": round(jac, 4), "jaccard_estimated": round(est, 4),
            "containment": round(inter / max(1, min(len(sa), len(sb))), 4),
            "candidate_probability": round(lsh.candidate_probability(jac), 4),
            "bands_colliding": bands,
        },
        "evidence": {
            "score": round(ev.score, 4),
            "coverage_a": round(ev.coverage_a, 4),
            "coverage_b": round(ev.coverage_b, 4),
            **ev.rest_fields(),
            # anchored: below the sentence threshold, aligned by its neighbours (verify.py)
            "pairs": [{"a": i, "b": j, "cosine": round(c, 4),
                       "anchored": c < verify.sentence_threshold,
                       "a_text": fa.units[i].text, "b_text": fb.units[j].text}
                      for i, j, c in ev.pairs],
        },
        "thresholds": {"sentence": verify.sentence_threshold,
                       "copy_coverage": verify.copy_coverage,
                       "partial_sentence": verify.partial_sentence_threshold,
                       "partial_min_sentences": verify.partial_min_sentences,
                       **thresholds()},
        "verdict": ev.relation or "none",
        "rule": ev.rule,
        "why": ev.why,
        "settings": f"{lsh.signature()}|verify:{verify.signature()}",
    }
