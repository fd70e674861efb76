"""Rule prefilters (:mod:`dedupe_news.damage.rules`) never change a rule's flags.

A prefilter is a cheap test that must be true whenever its rule can yield a hit.  Every rule
runs here with and without its prefilter on the rule examples, the damage cases, the seeds,
the BBC corpus and generated texts built from the examples (mixed with spacing, punctuation
and non-ASCII characters that the byte-wise prefilters treat specially).
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, SHARED
from dedupe_news.damage import load_rules
from dedupe_news.damage.rules import RULE_FUNCS, UNFILTERED

CASES = Path(__file__).parent / "cases" / "damage"
CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
RULES = load_rules()
HYP = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(text: str) -> None:
    for r in RULES:
        got = list(RULE_FUNCS[r.id](text, r))
        want = list(UNFILTERED[r.id](text, r))
        assert got == want, (r.id, text)


@cache
def _examples() -> tuple[str, ...]:
    texts = [t for r in RULES for t in (r.positive, r.negative)]
    for name in ("positive.json", "negative.json", "known_failures.json"):
        texts += [c["text"] for c in json.loads((CASES / name).read_text(encoding="utf-8"))]
    return tuple(texts)


def test_every_rule_has_an_unfiltered_twin() -> None:
    assert sorted(UNFILTERED) == sorted(RULE_FUNCS)


def test_examples_and_cases() -> None:
    for text in _examples():
        _same(text)


def test_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        _same(path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not available")
def test_bbc_corpus() -> None:
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                _same(json.loads(line)["text"])


_NOISE = ("", " ", "  ", "\t", "\n", ". ", ", ", " , ", " ; ", " : ", " / ", " %", "’", "'",
          "-", "“", "”", "£", "—", "\u00a0", "é", "Ä", "İ", "K", "ſ", "中", "\u2028", "(", ")",
          "the the", "The The", "said said", "“the the”", "café café", "a/b a/b", "1,5 m",
          "12,25%", "464,000", "to will go", "from to see", "must Facilitating", "ing",
          "shows As soon as", ". of the", "Russia. Ukraine, according to X.", "dollars",
          "pounds", "The", "a",
          # edges of the prefilters: the character classes and \s of the rule regexes
          " rock’ They went", " well- As we saw", " o'er They said", "must\tFacilitating Banking",
          "would\nCrossing Borders", "to\twill cut", "to\n may go", "from\tto call",
          "instead of\nto go", " 3,5\tbn", "it's\tit's", "Inc Inc", "and  and")


@st.composite
def texts(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    pool = _examples()
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        if rng.random() < 0.5:
            ex = rng.choice(pool)
            a = rng.randrange(len(ex) + 1)
            parts.append(ex[a:a + rng.randint(1, 120)])
        else:
            parts.append(rng.choice(_NOISE))
        parts.append(rng.choice(_NOISE))
    return "".join(parts)


@HYP
@given(texts())
def test_generated_texts(text: str) -> None:
    _same(text)
