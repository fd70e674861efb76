"""Short news briefs on one template: different items must not be called copies.

Wire feeds carry many one- to three-sentence briefs written on a template - a market move,
a match result, a forecast, an earnings line - where two items differ only in a name and a
figure ("Shares of Apple rose 3% ..." / "Shares of Microsoft rose 7% ..."). Called copies,
a pre-ingest filter drops every item after the first. This benchmark builds such briefs
and their real copies, runs ``cluster_articles`` and the plain datasketch pipeline on them,
and reports per template

* **false copies**: share of pairs of *different* items (same template) put in one cluster;
* **copy recall** per kind of copy: ``same`` (republished as is), ``dateline`` (a dateline
  put in front), ``furniture`` (a call to follow appended on a line of its own), ``credit``
  (a wire credit closing the text), ``mt:spa`` / ``mt:cat`` (an Apertium round trip, when
  Apertium is installed) - share of (copy, item) pairs put in one cluster.

``dev`` and ``test`` use different templates (dev: market move, match result, forecast;
test: earnings line, currency move, traffic brief, court brief) and different name pools,
so nothing in the rule was set on the test templates.

    .venv/bin/python bench/eval_briefs.py --split dev
    .venv/bin/python bench/eval_briefs.py --split test

Prints a table on stdout; writes ``bench/out/eval_briefs_<split>.json``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections import defaultdict
from typing import Any

from _common import OUT_DIR, baseline_cluster, log, write_report

TEMPLATES: dict[str, dict[str, tuple[str, list[str]]]] = {
    "dev": {
        "market": ("Shares of {name} {moved} {n1}% in early trading on {day} after the "
                   "company reported {what} quarterly revenue.",
                   ["Apple", "Microsoft", "Tesla", "Nvidia", "Amazon", "Barclays", "Unilever",
                    "Siemens", "Toyota", "Nestle", "Vodafone", "Airbus"]),
        "result": ("{name} beat {other} {n1}-{n2} at home on {day} to move up to {pos} in the "
                   "league table. The winning goal came in the second half.",
                   ["Arsenal", "Chelsea", "Liverpool", "Everton", "Leeds", "Fulham",
                    "Brighton", "Burnley", "Wolves", "Spurs", "Villa", "Forest"]),
        "forecast": ("Weather for {name}: {sky} with highs of {n1} degrees and lows of {n2} "
                     "degrees on {day}. Winds will be light.",
                     ["London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff",
                      "Belfast", "York", "Bath", "Hull", "Derby", "Exeter"]),
    },
    "test": {
        "earnings": ("{name} on {day} reported quarterly profit of {n1} cents per share, "
                     "{beat} analysts' estimates of {n2} cents. Revenue was ${n3} million.",
                     ["Oracle", "Adobe", "FedEx", "Nike", "Micron", "Carnival", "General Mills",
                      "Darden", "Accenture", "Walgreens", "Cintas", "Paychex"]),
        "currency": ("The {name} {moved} {n1}.{n2}% against the dollar on {day}, its biggest "
                     "move in {n3} weeks, as traders weighed the central bank's next step.",
                     ["euro", "yen", "pound", "rupee", "peso", "rand", "lira", "won", "real",
                      "franc", "krona", "zloty"]),
        "traffic": ("The {name} is closed in both directions between junctions {n1} and {n2} "
                    "after a crash on {day} morning. Drivers are advised to find another "
                    "route.", ["M1", "M4", "M5", "M6", "M25", "M62", "A1", "A14", "M8", "M11",
                               "A38", "M40"]),
        "court": ("A {n1}-year-old man from {name} has been charged with burglary and will "
                  "appear before magistrates on {day}, police said.",
                  ["Luton", "Slough", "Reading", "Swindon", "Crawley", "Ipswich", "Norwich",
                   "Lincoln", "Preston", "Wigan", "Bolton", "Dundee"]),
    },
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
COPIES = ("same", "dateline", "furniture", "credit")
PIVOTS = ("spa", "cat")


def items(split: str, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for tname, (tpl, names) in TEMPLATES[split].items():
        for k, name in enumerate(names):
            slots = {"name": name, "other": rng.choice([x for x in names if x != name]),
                     "moved": rng.choice(["rose", "fell"]), "n1": rng.randint(1, 40),
                     "n2": rng.randint(0, 9), "n3": rng.randint(10, 900),
                     "day": rng.choice(DAYS), "what": rng.choice(["record", "weaker"]),
                     "pos": rng.choice(["third", "fourth", "fifth"]),
                     "sky": rng.choice(["Sunny", "Cloudy", "Showers"]),
                     "beat": rng.choice(["beating", "missing"])}
            out.append({"id": f"{split}-{tname}-{k:02d}", "template": tname,
                        "text": tpl.format(**slots)})
    return out


def copies(item: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    t = item["text"]
    made = {"same": t,
            "dateline": f"{rng.choice(['LONDON', 'NEW YORK', 'FRANKFURT'])} (Metro Wire) - {t}",
            "furniture": f"{t}\nFollow us on Twitter for the latest news.",
            "credit": f"{t} (Reporting by Jane Doe; Editing by John Smith)"}
    return [{"id": f"{item['id']}~{kind}", "template": item["template"], "copy_of": item["id"],
             "kind": kind, "text": text} for kind, text in made.items()]


def mt_copies(base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from make_roundtrip import apertium_missing, round_trip

    if apertium_missing():
        log(f"no MT copies: {apertium_missing()}")
        return []
    out = []
    for pivot in PIVOTS:
        for item, text in zip(base, round_trip([b["text"] for b in base], pivot), strict=True):
            out.append({"id": f"{item['id']}~mt-{pivot}", "template": item["template"],
                        "copy_of": item["id"], "kind": f"mt:{pivot}", "text": text})
    return out


def score(cluster_of: dict[str, str], base: list[dict[str, Any]],
          made: list[dict[str, Any]]) -> dict[str, Any]:
    by_t: dict[str, list[str]] = defaultdict(list)
    for b in base:
        by_t[b["template"]].append(b["id"])
    merged = {t: sum(cluster_of[a] == cluster_of[b] for a, b in itertools.combinations(ids, 2))
              for t, ids in by_t.items()}
    npairs = {t: len(ids) * (len(ids) - 1) // 2 for t, ids in by_t.items()}
    false = {t: merged[t] / max(1, npairs[t]) for t in by_t}
    pairs = sum(npairs.values())
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in made:
        recall[c["kind"]][0] += cluster_of[c["id"]] == cluster_of[c["copy_of"]]
        recall[c["kind"]][1] += 1
    return {"false_copies": {t: round(v, 4) for t, v in false.items()},
            "false_copies_all": round(sum(merged.values()) / max(1, pairs), 4),
            "item_pairs": pairs,
            "recall": {k: round(a / b, 4) for k, (a, b) in recall.items()},
            "copies": {k: b for k, (_a, b) in recall.items()}}


def run(split: str, seed: int = 17, mt: bool = True) -> dict[str, Any]:
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.model import Article

    rng = random.Random(f"{seed}-{split}")
    base = items(split, rng)
    made = [c for b in base for c in copies(b, rng)] + (mt_copies(base) if mt else [])
    docs = base + made
    rng.shuffle(docs)
    t = time.perf_counter()
    res = cluster_articles([Article(d["id"], d["text"]) for d in docs])
    secs = time.perf_counter() - t
    ours = {r["id"]: r["cluster"] for r in res.records}
    systems = {"dedupe-news": {"seconds": round(secs, 3), **score(ours, base, made)}}
    for th in (0.8, 0.5):
        groups, _counts = baseline_cluster([(d["id"], d["text"]) for d in docs], th, n=3)
        systems[f"datasketch@{th}"] = score(groups, base, made)
    return {"split": split, "seed": seed, "items": len(base), "copies": len(made),
            "templates": list(TEMPLATES[split]), "systems": systems}


def print_table(rep: dict[str, Any]) -> None:
    names = list(rep["systems"])
    print(f"split={rep['split']}  items={rep['items']}  copies={rep['copies']}  "
          f"templates={', '.join(rep['templates'])}")
    print(f"{'measure':34s}" + "".join(f"{n:>18s}" for n in names))
    rows = [("false copies, all templates",
             lambda s: f"{s['false_copies_all']:.3f}")]
    for t in rep["templates"]:
        rows.append((f"  false copies: {t}", lambda s, t=t: f"{s['false_copies'][t]:.3f}"))
    kinds = list(rep["systems"][names[0]]["recall"])
    for k in kinds:
        rows.append((f"copy recall: {k}", lambda s, k=k: f"{s['recall'][k]:.3f}"))
    for label, fn in rows:
        print(f"{label:34s}" + "".join(f"{fn(rep['systems'][n]):>18s}" for n in names))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--no-mt", action="store_true", help="skip the Apertium round trips")
    ap.add_argument("--out", default=None, help="report file name under bench/out/")
    a = ap.parse_args(argv)
    rep = run(a.split, mt=not a.no_mt)
    print_table(rep)
    write_report(OUT_DIR / (a.out or f"eval_briefs_{a.split}.json"), rep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
