"""A case no relation set of ours held: a whole article with another whole article after it.

A news site (or a feed that concatenates items) publishes article A followed by article B,
a different story; the pair (A, A + B) should be ``contained_in`` (A is held in the page,
which carries other news of its own), never ``copy``: a filter would drop B's news with the
page.  Against it, the same-story case the model must keep calling a copy: A with its last
paragraph cut (``A`` vs ``A minus its tail``).  Random BBC pairs (fixed seed), half dev
(ids ``a*``) and half test (``b*``); each article with and without its title line, B after A
("lead": the embedded article first) and before it ("tail"), and A inside B ("mid": B's
first half, A, B's second half).  Controls, which must stay
copies: A cut by its last paragraph ("cut"), and A's first 35% / 50% / 70% of paragraphs
("trunc35" ...) against A.

    .venv/bin/python bench/eval_appended.py --pairs 400 --out bench/out/eval_appended.json

Prints per kind and split: pairs, called copy, contained_in found, and the rules that made
the copies; writes the same as JSON.  The topic rule of the two-sided model
(``verify_jit.TOPIC_*``) was tuned on the dev pairs; test is reported.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CORPUS, OUT_DIR, log, read_jsonl, write_report
from dedupe_news.verify import relate_texts


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def cases(rows: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` pairs of different stories (and a same-story cut of each first article)."""
    rng = random.Random(seed)
    out = []
    usable = [r for r in rows if len(paragraphs(r["text"])) >= 4]
    for k in range(n):
        a, b = rng.sample(usable, 2)
        split = "dev" if k % 2 == 0 else "test"
        pa, pb = paragraphs(a["text"]), paragraphs(b["text"])
        for titled in (False, True):
            ta = ([a["title"]] if titled else []) + pa
            tb = ([b["title"]] if titled else []) + pb
            host_lead = "\n\n".join(ta + tb)
            host_tail = "\n\n".join(tb + ta)
            whole = "\n\n".join(ta)
            cut = "\n\n".join(ta[:-1])
            tag = "titled" if titled else "untitled"
            half = max(1, len(tb) // 2)
            host_mid = "\n\n".join(tb[:half] + ta + tb[half:])
            out += [
                {"split": split, "kind": f"lead/{tag}", "a": whole, "b": host_lead,
                 "want": "contained_in"},
                # A inside B: B's first half, A, B's second half (the containment case of the
                # relation sets, here in every language)
                {"split": split, "kind": f"mid/{tag}", "a": whole, "b": host_mid,
                 "want": "contained_in"},
                {"split": split, "kind": f"tail/{tag}", "a": whole, "b": host_tail,
                 "want": "contained_in"},
                {"split": split, "kind": f"cut/{tag}", "a": cut, "b": whole, "want": "copy"},
            ]
            # the same story cut shorter: its first 35% / 50% / 70% of paragraphs (a tail
            # with names and a topic of its own is the case a rule for A-then-B can break)
            for share in (35, 50, 70):
                keep = ta[:max(1, round(len(ta) * share / 100))]
                out.append({"split": split, "kind": f"trunc{share}/{tag}",
                            "a": "\n\n".join(keep), "b": whole, "want": "copy"})
    return out


#: languages other than English: Apertium's English pairs (every paragraph of both BBC
#: articles translated; MT output, as a non-English site's copy of wire news would be) and
#: Chinese news as written (the MQM set's Chinese source documents)
APERTIUM_LANGS = {"spa": "eng-spa", "cat": "eng-cat", "glg": "en-gl", "epo": "en-eo",
                  "hbs": "eng-hbs"}
ZH_NEWS = CORPUS.parent.parent / "mt" / "mqm-wmt23-zhen-news.jsonl"


def translated_cases(rows: list[dict[str, Any]], lang: str, n: int, seed: int
                     ) -> list[dict[str, Any]]:
    """The first ``n`` pairs of :func:`cases` (untitled), every paragraph translated into
    ``lang`` by Apertium (cached under ``bench/data/apertium_cache/``)."""
    from make_relation_sets import Apertium

    base = [c for c in cases(rows, n, seed) if c["kind"].endswith("/untitled")]
    mt = Apertium()
    paras = sorted({p for c in base for side in ("a", "b") for p in paragraphs(c[side])})
    mode = APERTIUM_LANGS[lang]
    out: list[str] = []
    for i in range(0, len(paras), 100):  # (a batch whose separators the pipeline mangles,
        chunk = paras[i:i + 100]          # or that it dies on, is sent a paragraph a call)
        try:
            out += mt.translate(mode, chunk, batch=100)
        except (RuntimeError, subprocess.CalledProcessError):
            out += [mt.translate(mode, [p])[0] for p in chunk]
    tr = dict(zip(paras, out, strict=True))
    return [{**c, "kind": f"{lang}:{c['kind'].split('/')[0]}",
             "a": "\n\n".join(tr[p] for p in paragraphs(c["a"])),
             "b": "\n\n".join(tr[p] for p in paragraphs(c["b"]))} for c in base]


def zh_cases(n: int, seed: int) -> list[dict[str, Any]]:
    """:func:`cases` on Chinese news, the MQM set's 38 source documents (a paragraph a
    segment): ``n / 2`` pairs of the even documents (dev) and ``n / 2`` of the odd ones
    (test)."""
    docs: dict[str, dict[int, str]] = {}
    for r in read_jsonl(ZH_NEWS):
        docs.setdefault(r["doc"], {})[int(r["seg"])] = r["source"]
    rows = [{"title": "", "text": "\n\n".join(d[k] for k in sorted(d))}
            for _, d in sorted(docs.items())]
    out = []
    for split, part in (("dev", rows[0::2]), ("test", rows[1::2])):
        got = [c for c in cases(part, n, seed) if c["kind"].endswith("/untitled")
               and c["split"] == "dev"]  # (cases() alternates splits: keep one per pair)
        out += [{**c, "split": split, "kind": f"zh:{c['kind'].split('/')[0]}"} for c in got]
    return out


def run(n: int, seed: int, langs: list[str] | None = None, intl_pairs: int = 200
        ) -> dict[str, Any]:
    rows = list(read_jsonl(CORPUS))
    table: dict[str, dict[str, Any]] = {}
    todo = cases(rows, n, seed) if "en" in (langs or ["en"]) else []
    for lang in langs or []:
        if lang in APERTIUM_LANGS:
            todo += translated_cases(rows, lang, intl_pairs, seed)
        elif lang == "zh":
            todo += zh_cases(intl_pairs, seed)
        elif lang != "en":
            raise SystemExit(f"eval_appended: unknown language {lang!r}")
    for c in todo:
        ev = relate_texts(c["a"], c["b"])
        key = f"{c['kind']} {c['split']}"
        t = table.setdefault(key, {"kind": c["kind"], "split": c["split"], "want": c["want"],
                                   "pairs": 0, "copy": 0, "wanted": 0, "rules": Counter(),
                                   "relations": Counter()})
        t["pairs"] += 1
        t["copy"] += ev.relation == "copy"
        t["wanted"] += ev.relation == c["want"]
        t["relations"][str(ev.relation)] += 1
        if ev.relation == "copy":
            t["rules"][ev.rule] += 1
    for t in table.values():
        t["rules"], t["relations"] = dict(t["rules"]), dict(t["relations"])
        t["copy_rate"] = round(t["copy"] / t["pairs"], 3)
        t["wanted_rate"] = round(t["wanted"] / t["pairs"], 3)
    return {"pairs": n, "seed": seed, "langs": langs or ["en"], "intl_pairs": intl_pairs,
            "rows": sorted(table.values(), key=lambda t: (t["kind"], t["split"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--langs", default="en",
                    help="comma-separated: en (BBC), zh (Chinese news), and Apertium's "
                         f"{', '.join(APERTIUM_LANGS)} (BBC translated)")
    ap.add_argument("--intl-pairs", type=int, default=200,
                    help="pairs per language other than English")
    ap.add_argument("--out", default=str(OUT_DIR / "eval_appended.json"))
    args = ap.parse_args()
    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    log(f"relating {args.pairs} BBC pairs x 12 cases, {args.intl_pairs} pairs x 6 cases in "
        f"{', '.join(x for x in langs if x != 'en') or 'no other language'} ...")
    rep = run(args.pairs, args.seed, langs, args.intl_pairs)
    print(f"{'kind':16} {'split':5} {'pairs':>5} {'copy':>6} {'want':>13} {'found':>6}  "
          "copies by rule")
    for t in rep["rows"]:
        print(f"{t['kind']:16} {t['split']:5} {t['pairs']:>5} {t['copy_rate']:>6} "
              f"{t['want']:>13} {t['wanted_rate']:>6}  {t['rules']}")
    write_report(args.out, rep)


if __name__ == "__main__":
    main()
