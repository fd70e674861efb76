"""A synthetic "machine-translation round trip" dev set built from the BBC corpus.

Why: the hold-out this aligner is judged on is real MT round trips of BBC articles with
merged sentences, dropped sentences, a moved paragraph and reworded text; no MT system is
available offline, so this imitates each of those edits with a known gold alignment:

- reword: about a third of the words change (synonyms, spelling variants, dropped articles,
  changed inflections), as round-trip MT rewords almost every sentence;
- merge: two adjacent sentences become one ("X. Y." -> "X, and y.") — 2:1 gold groups;
- split: a long sentence is cut at a comma — 1:2 gold groups;
- drop: a sentence disappears (MT truncation, skipped lines) — unaligned A;
- add: boilerplate or a photo caption appears — unaligned B;
- move: one whole paragraph goes elsewhere — moved groups.

Deterministic (seeded).  ``make_devset()`` returns records in the gold format of
../shared/gold (beside the checkout; ``a_sents``, ``b_sents``, ``gold_links``, ``gold_groups``).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "bbc-news-2004-2005.jsonl"

_SYN = {
    "said": "stated", "says": "states", "told": "informed", "company": "firm", "firm": "company",
    "government": "administration", "people": "persons", "year": "twelve months",
    "big": "large", "large": "big", "also": "additionally", "but": "however", "buy": "purchase",
    "show": "demonstrate", "shows": "demonstrates", "help": "assist", "new": "novel",
    "however": "nevertheless", "expected": "anticipated", "rise": "increase", "rose": "increased",
    "fell": "decreased", "fall": "decline", "profits": "earnings", "profit": "earnings",
    "added": "continued", "because": "since", "about": "around", "around": "approximately",
    "many": "numerous", "plans": "intentions", "make": "produce", "made": "produced",
    "start": "beginning", "began": "started", "chief": "head", "game": "match",
    "match": "game", "win": "victory", "won": "gained", "minister": "secretary",
    "film": "movie", "movie": "film", "music": "songs", "phone": "telephone", "users": "clients",
    "number": "quantity", "top": "leading", "early": "premature", "key": "important",
    "need": "require", "needs": "requires", "get": "obtain", "got": "obtained", "think": "believe",
    "believe": "think", "going": "heading", "want": "wish", "wanted": "wished",
    "recent": "latest", "country": "nation", "world": "globe", "month": "period",
    "week": "seven days", "after": "following", "before": "prior to", "while": "whereas",
}
_SPELL = [("ise", "ize"), ("our", "or"), ("yse", "yze"), ("tre", "ter")]
_VOCAB: list[str] = []  # filled by make_devset: words for simulated mistranslations
_CAPTIONS = [
    "Follow us on Google News, Twitter and join our WhatsApp group.",
    "(Photo: Reuters)",
    "See also: the best deals of the week in our newsletter.",
    "Advertisement",
    "Read more: latest updates from the region.",
]


def _reword(sentence: str, rng: random.Random, rate: float) -> str:
    words = sentence.split(" ")
    out = []
    for w in words:
        core = re.sub(r"\W", "", w).lower()
        r = rng.random()
        if core in _SYN and r < rate * 2:
            rep = _SYN[core]
            if w[:1].isupper():
                rep = rep[:1].upper() + rep[1:]
            out.append(re.sub(r"\w+", lambda _m, rep=rep: rep, w, count=1))
        elif core in {"the", "a", "an", "of", "that"} and r < rate:
            continue
        elif len(core) > 5 and r < rate / 2:
            for x, y in _SPELL:
                if x in w:
                    w = w.replace(x, y)
                    break
            else:
                w = w[:-1] if w.endswith("s") and w[-2:-1].isalpha() else w
            out.append(w)
        elif r < rate * 0.45:  # mistranslated word: a random word of the vocabulary
            out.append(rng.choice(_VOCAB) if _VOCAB else w)
        elif r < rate * 0.55:  # dropped word
            continue
        else:
            out.append(w)
    for k in range(len(out) - 1):  # local reordering
        if rng.random() < rate * 0.1:
            out[k], out[k + 1] = out[k + 1], out[k]
    text = " ".join(out).strip()
    return text[:1].upper() + text[1:] if text else sentence


def _paragraphs(text: str) -> list[list[str]]:
    from dedupe_news.segment import split_sentences

    paras = []
    for block in text.split("\n"):
        sents = [s.text for s in split_sentences(block)]
        if sents:
            paras.append(sents)
    return paras


def make_pair(text: str, rng: random.Random) -> dict[str, Any] | None:
    """One (A, B, gold) record from a BBC article, or None if it is too short."""
    paras = _paragraphs(text)
    if sum(len(p) for p in paras) < 8 or len(paras) < 4:
        return None
    a_sents = [s for p in paras for s in p]
    # build B paragraph by paragraph: each unit is (a indices, b sentences)
    units_by_para: list[list[tuple[list[int], list[str]]]] = []
    idx = 0
    for p in paras:
        units: list[tuple[list[int], list[str]]] = []
        k = 0
        while k < len(p):
            i = idx + k
            r = rng.random()
            if r < 0.10 and k + 1 < len(p):  # merge two sentences
                s1 = _reword(p[k], rng, 0.45).rstrip(".")
                s2 = _reword(p[k + 1], rng, 0.45)
                s2 = s2[:1].lower() + s2[1:] if not s2[:2].isupper() else s2
                units.append(([i, i + 1], [f"{s1}, and {s2}"]))
                k += 2
                continue
            if r < 0.16:  # split at a comma
                parts = p[k].split(", ", 1)
                if len(parts) == 2 and len(parts[0]) > 30 and len(parts[1]) > 30:
                    b1 = _reword(parts[0], rng, 0.3) + "."
                    b2 = _reword(parts[1][:1].upper() + parts[1][1:], rng, 0.3)
                    units.append(([i], [b1, b2]))
                    k += 1
                    continue
            if r < 0.22:  # drop
                units.append(([i], []))
                k += 1
                continue
            units.append(([i], [_reword(p[k], rng, 0.45)]))
            k += 1
        idx += len(p)
        units_by_para.append(units)
    # move one paragraph (not the first) elsewhere
    src = rng.randrange(1, len(units_by_para))
    moved = units_by_para.pop(src)
    choices = [d for d in range(len(units_by_para) + 1) if d not in (src, src - 1)] or [0]
    units_by_para.insert(rng.choice(choices), moved)
    b_sents: list[str] = []
    groups = []
    for pi, units in enumerate(units_by_para):
        if rng.random() < 0.12:
            b_sents.append(rng.choice(_CAPTIONS))
        for ga, bs in units:
            gb = list(range(len(b_sents), len(b_sents) + len(bs)))
            b_sents.extend(bs)
            if gb:
                groups.append({"a": ga, "b": gb,
                               "type": f"{len(ga)}:{len(gb)}" + ("m" if units is moved else "")})
        del pi
    links = sorted([i, j] for g in groups for i in g["a"] for j in g["b"])
    return {"dataset": "bbc-mt-sim", "a_sents": a_sents, "b_sents": b_sents,
            "gold_links": links, "gold_groups": groups}


def make_devset(n: int = 150, seed: int = 13, corpus: Path = CORPUS) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    with corpus.open(encoding="utf-8") as fh:
        arts = [json.loads(line) for line in fh if line.strip()]
    vocab = sorted({w for a in arts[:300] for w in a["text"].split() if w.isalpha()})
    _VOCAB[:] = vocab
    rng.shuffle(arts)
    out = []
    for art in arts:
        rec = make_pair(art["text"], rng)
        if rec:
            rec["pair_id"] = art["id"]
            out.append(rec)
        if len(out) >= n:
            break
    return out


if __name__ == "__main__":
    for rec in make_devset(3):
        print(json.dumps(rec, ensure_ascii=False)[:2000])
