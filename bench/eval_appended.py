"""A case no relation set of ours held: a whole article with another whole article after it.

A news site (or a feed that concatenates items) publishes article A followed by article B,
a different story; the pair (A, A + B) should be ``contained_in`` (A is held in the page,
which carries other news of its own), never ``copy``: a filter would drop B's news with the
page.  Against it, the same-story case the model must keep calling a copy: A with its last
paragraph cut (``A`` vs ``A minus its tail``).  Random BBC pairs (fixed seed), half dev
(ids ``a*``) and half test (``b*``); each article with and without its title line, B after A
("lead": the embedded article first) and before it ("tail").  Controls, which must stay
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
            out += [
                {"split": split, "kind": f"lead/{tag}", "a": whole, "b": host_lead,
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


def run(n: int, seed: int) -> dict[str, Any]:
    rows = list(read_jsonl(CORPUS))
    table: dict[str, dict[str, Any]] = {}
    for c in cases(rows, n, seed):
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
    return {"pairs": n, "seed": seed, "rows": sorted(table.values(),
                                                     key=lambda t: (t["kind"], t["split"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--out", default=str(OUT_DIR / "eval_appended.json"))
    args = ap.parse_args()
    log(f"relating {args.pairs} BBC pairs x 12 cases ...")
    rep = run(args.pairs, args.seed)
    print(f"{'kind':16} {'split':5} {'pairs':>5} {'copy':>6} {'want':>13} {'found':>6}  "
          "copies by rule")
    for t in rep["rows"]:
        print(f"{t['kind']:16} {t['split']:5} {t['pairs']:>5} {t['copy_rate']:>6} "
              f"{t['want']:>13} {t['wanted_rate']:>6}  {t['rules']}")
    write_report(args.out, rep)


if __name__ == "__main__":
    main()
