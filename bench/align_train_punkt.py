"""Train the unsupervised Punkt parameters on the BBC news corpus and write them as JSON.

Why: nltk's pretrained ``punkt`` data cannot be downloaded here, and pickles must never be
loaded anyway (a pickle runs code).  Punkt learns abbreviations, collocations, sentence
starters and each word's orthographic context from raw text; we train on edited news so that
"Co.", "Corp." or "Mr." are learned the way news uses them.  The hand-made table in
``data/abbrev_news.json`` is layered over the learned abbreviations at load time.

Reproduce::

    .venv/bin/python bench/align_train_punkt.py ../shared/corpus/bbc-news-2004-2005.jsonl

Writes ``src/dedupe_news/data/punkt_news_en.json`` (sorted keys and lists: deterministic).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "dedupe_news" / "data" / "punkt_news_en.json"


def _keep_learned(abbrev: str) -> bool:
    """Keep only learned abbreviations with an inner period ("e.g", "u.k", "a.d").

    Why: on BBC text (which writes "Mr" without a period) Punkt also "learns" ordinary words
    and names that happened to end sentences ("hug", "woe", "foley", "4pm"); treating them as
    abbreviations would glue real sentences together.  Plain abbreviations come from the
    curated ``abbrev_news.json`` instead.
    """
    return "." in abbrev


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="JSONL with a 'text' field (the BBC corpus)")
    ap.add_argument("-o", "--out", default=str(OUT))
    args = ap.parse_args()

    from nltk.tokenize.punkt import PunktTrainer

    raw = Path(args.corpus).read_bytes()
    texts = [json.loads(line)["text"] for line in raw.decode("utf-8").split("\n") if line.strip()]
    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = False
    trainer.train("\n\n".join(texts), finalize=True)
    params = trainer.get_params()
    doc = {
        "format": "punkt-params/1",
        "trained_on": Path(args.corpus).name,
        "corpus_sha256": hashlib.sha256(raw).hexdigest(),
        "articles": len(texts),
        "abbrev_types": sorted(a for a in params.abbrev_types if _keep_learned(a)),
        "abbrev_types_dropped": sorted(a for a in params.abbrev_types if not _keep_learned(a)),
        "collocations": sorted([a, b] for a, b in params.collocations),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": dict(sorted(params.ortho_context.items())),
    }
    Path(args.out).write_text(json.dumps(doc, ensure_ascii=False, indent=0) + "\n",
                              encoding="utf-8")
    print(f"{args.out}: {len(doc['abbrev_types'])} abbreviations, "
          f"{len(doc['collocations'])} collocations, {len(doc['sent_starters'])} starters, "
          f"{len(doc['ortho_context'])} word types", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
