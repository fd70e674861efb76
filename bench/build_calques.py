"""Build ``src/dedupe_news/data/damage_calques.tsv`` (the LEX001 lexicon) reproducibly.

Sources: the Problematic Paper Screener tortured-phrases list (Cabanac, Labbé & Magazinov
2021, CC BY 4.0; ``../shared/mt/tortured-phrases.json``) filtered to news vocabulary, plus the
hand-written news calques below (each says where it was seen).  Entries reviewed as false
alarms on edited news are listed in ``REMOVED`` with the reason, never silently dropped.

    .venv/bin/python bench/build_calques.py [--source PATH]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/dedupe_news/data/damage_calques.tsv"
DEFAULT_SOURCE = ROOT.parent / "shared/mt/tortured-phrases.json"

# Keep a tortured phrase only if its *expected* phrase talks about a news topic: the list is
# mostly scientific vocabulary, which only costs lookups in news.
NEWS_WORDS = {
    "crown", "corona", "coronavirus", "covid", "pandemic", "epidemic", "pneumonia", "virus",
    "vaccine", "government", "war", "police", "election", "minister", "president", "market",
    "economy", "economic", "company", "bank", "banking", "trade", "price", "prices", "money",
    "people", "country", "city", "cities", "school", "hospital", "health", "vote", "voting",
    "law", "court", "army", "military", "oil", "energy", "tax", "taxes", "finance", "financial",
    "stock", "stocks", "share", "shares", "investment", "investor", "unemployment", "inflation",
    "job", "jobs", "employment", "worker", "workers", "industry", "public", "security", "crime",
    "attack", "attacks", "terrorism", "climate", "weather", "flood", "earthquake", "disaster",
    "emergency", "crisis", "refugee", "refugees", "migrant", "migration", "border", "parliament",
    "policy", "political", "politics", "party", "sanctions", "university", "student", "students",
    "children", "family", "women", "men", "food", "water", "business", "businesses", "customer",
    "customers", "consumer", "consumers", "global", "world", "international", "national",
    "social", "media", "news", "television", "internet", "online", "phone", "mobile", "smart",
    "car", "cars", "transport", "traffic", "accident", "fire",
}

# News calques seen in machine-translated news (seeds/ and WMT23 zh-en output).
NEWS_CALQUES: list[tuple[str, str, str]] = [
    ("unlimited cooperation", "no-limits partnership", "news: seeds/000"),
    ("trade foreclosures", "trade cut-offs", "news: seeds/000"),
    ("new crown pneumonia", "COVID-19", "news: zh-en MT"),
    ("new crown virus", "coronavirus", "news: zh-en MT"),
    ("new crown epidemic", "COVID-19 pandemic", "news: zh-en MT"),
    ("relevant departments", "the authorities", "news: zh-en MT"),
    ("relevant personnel", "officials", "news: zh-en MT"),
    ("relevant responsible persons", "officials", "news: zh-en MT"),
    ("carried out investigation", "investigated", "news: zh-en MT"),
    ("carry out investigation", "investigate", "news: zh-en MT"),
]

# Reviewed entries that occur in edited news, so they would be false alarms.
REMOVED: dict[str, str] = {
    "new crown": "matches 'a new crown' (royal/sport) and 'new Crown Prosecution...'",
    "universal exchange": "rare but legitimate",
    "increased commerce": "legitimate English",
    "green money": "legitimate English (slang)",
    "polling form": "legitimate in British English",
    "brilliant machine": "BBC review: a quoted figure of speech",
    "traffic patterns": "BBC review: web traffic patterns, legitimate",
    "keen gadget": "BBC review: 'keen gadget users', legitimate British English",
    # MQM tune half: raters did not mark these as errors (standard China-English usage).
    "netizens": "MQM tune half: 5 of 5 hits, but 17 of 19 unmarked on report half: dropped as "
                "standard usage in China-English news",
    "epidemic prevention and control": "MQM tune half: 0 of 8 flags inside an error span",
    "people's livelihood": "MQM tune half: 0 of 6 flags inside an error span",
    "the masses of people": "MQM tune half: 0 of 2 flags inside an error span",
}

_PLAIN = re.compile(r"^[a-z]+(?:[ '-][a-z]+){1,3}$")


def build(source: Path) -> list[tuple[str, str, str]]:
    """News-relevant tortured phrases of 2-4 plain words, plus the news calques."""
    phrases = json.loads(source.read_text(encoding="utf-8"))["phrases"]
    rows: dict[str, tuple[str, str, str]] = {}
    for entry in phrases:
        tortured = entry["tortured"].strip().lower()
        correct = entry["correct"].strip()
        if not _PLAIN.match(tortured) or tortured in REMOVED:
            continue
        words = set(re.findall(r"[a-z]+", correct.lower()))
        if words & NEWS_WORDS:
            rows.setdefault(tortured, (tortured, correct, "tortured-phrases (PPS)"))
    for phrase, expected, src in NEWS_CALQUES:
        rows[phrase.lower()] = (phrase.lower(), expected, src)
    return sorted(rows.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = ap.parse_args()
    rows = build(args.source)
    header = ("# LEX001 calque lexicon, built by bench/build_calques.py; do not edit by hand.\n"
              "# phrase<TAB>usual English<TAB>source.  Tortured phrases: Problematic Paper "
              "Screener, Cabanac, Labbe & Magazinov 2021, CC BY 4.0.\n")
    OUT.write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} entries to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
