"""Translationese traits (damage/style.py): directions, short texts, version choice.

The round trip fixture is seed 003 (an English original) sent through Apertium
EN->ES->EN (``apertium -u eng-spa | apertium -u spa-eng``), real MT output.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe_news.damage import check_text, style, version_scores

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL = (ROOT / "seeds" / "003_5b5f692d59d15473.txt").read_text(encoding="utf-8")
ROUND_TRIP = (ROOT / "tests" / "data" / "seed003_apertium_spa_roundtrip.txt").read_text(
    encoding="utf-8")


def test_round_trip_reads_as_translated_and_the_original_does_not() -> None:
    assert style.p_translated(ROUND_TRIP) > 0.5 > style.p_translated(ORIGINAL)
    assert 0.0 <= style.style_share(ROUND_TRIP) <= style.MT_DAMAGED_SHARE


def test_margin_is_antisymmetric_and_points_at_the_translation() -> None:
    m = style.translated_margin(ORIGINAL, ROUND_TRIP)
    assert m > 0
    assert style.translated_margin(ROUND_TRIP, ORIGINAL) == pytest.approx(-m)
    assert style.p_b_translated(ORIGINAL, ROUND_TRIP) > 0.9
    assert style.p_b_translated(ORIGINAL, ORIGINAL) == 0.5


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_version_scores_pick_the_original_in_any_order(order: tuple[int, int]) -> None:
    texts = [(ORIGINAL, ROUND_TRIP)[k] for k in order]
    scores = version_scores(texts)
    assert scores[order.index(0)] < scores[order.index(1)]


def test_short_texts_carry_no_style_signal() -> None:
    short = "The minister said the economy is doing well. Critics disagree."
    assert style.measure(short) == ()
    assert style.p_translated(short) == 0.0
    assert style.translated_margin(short, ROUND_TRIP) == 0.0
    assert check_text(short).score == 0.0


def test_each_trait_moves_in_its_direction() -> None:
    base = "Japan's economy grew, and analysts don't doubt that the firm's profits rose. " * 12
    mt = ("The economy of Japan grew, and the analysts do not doubt that the profits of the "
          "company ascended. " * 12)
    vb, vm = dict(style.measure(base)), dict(style.measure(mt))
    for name in ("of_rate", "the_rate"):
        assert vm[name] > vb[name]
    for name in ("possessive_rate", "contraction_rate"):
        assert vm[name] < vb[name]


def test_style_signal_is_reported_in_the_check_report() -> None:
    rep = check_text(ROUND_TRIP)
    assert rep.signals["p_translated"] > 0.5
    assert rep.score >= rep.signals["style_share"]


# --- the one-pass measure against the trait definitions ------------------------------------

_PIECES = ("the", "The", "THE", "of", "Of", "oF", "It's", "it’s", "don't", "DON’T", "I'm",
           "we've", "they'd", "Japan's", "JAPAN’S", "dogs'", "'tis", "’til", "rock’n’roll",
           "a''b", "x'’y", "café", "Ærø", "ſ's", "K", "İs", "straße", "x²", "½", "snake_case",
           "co-op", "2004", "R2D2", "conexionesdeinternet", "qwzx", "economy", "of the",
           "'", "’", "''", " ", "  ", "\n", "\t", "\u00a0", "\u2028", ".", ",", "“", "”", "—",
           "中文", "\ud800", "ﬁne", "ǅ", "Ⅻ", "a", "A", "an", "An")


@st.composite
def _style_texts(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    base = draw(st.sampled_from((ORIGINAL, ROUND_TRIP, "")))
    a = rng.randrange(len(base) + 1)
    parts = [base[a:a + rng.randint(0, 3000)]]
    for _ in range(draw(st.integers(0, 120))):
        parts.append(rng.choice(_PIECES))
        parts.append(rng.choice((" ", "", "'", "’", "-", "\n", ". ")))
    rng.shuffle(parts)
    return "".join(parts)


def _plain_values(words: list[str]) -> tuple[float, ...]:
    return tuple(t.measure(words) for t in style.TRAITS)


def _bits(values: tuple[float, ...]) -> list[str]:
    return [v.hex() for v in values]


@settings(max_examples=300, deadline=None)
@given(_style_texts())
def test_fast_words_and_measure_match_the_definitions(text: str) -> None:
    words = style._words(text)
    assert style._fast_words(text) == words
    assert _bits(style._measure_all(words)) == _bits(_plain_values(words))
    assert _bits(style._measure_all(words[:RICH])) == _bits(_plain_values(words[:RICH]))


RICH = style.RICHNESS_WINDOW


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("'’ -\nof"),
               max_size=400))
def test_fast_words_on_any_characters(text: str) -> None:
    words = style._words(text)
    assert style._fast_words(text) == words
    assert _bits(style._measure_all(words)) == _bits(_plain_values(words))


def test_measure_matches_the_definitions_on_real_texts() -> None:
    texts = [ORIGINAL, ROUND_TRIP]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    corpus = ROOT.parent / "shared" / "corpus" / "bbc-news-2004-2005.jsonl"
    if corpus.exists():
        with corpus.open(encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    for text in texts:
        words = style._words(text)
        assert style._fast_words(text) == words
        want = tuple((t.name, t.measure(words)) for t in style.TRAITS)
        got = style.measure.__wrapped__(text)
        assert got == (want if len(words) >= style.MIN_WORDS else ())
        assert [v.hex() for _n, v in got] == [v.hex() for _n, v in want][:len(got)]


def test_of_and_the_spellings_are_complete() -> None:
    """No character outside ASCII lower-cases to a piece of "of" or "the", so the case
    variants of :func:`style._case_variants` are every ``w`` with ``w.lower()`` equal to them
    (``str.lower`` maps character by character)."""
    pieces = {w[i:j] for w in ("of", "the") for i in range(len(w))
              for j in range(i + 1, len(w) + 1)}
    odd = [c for c in map(chr, range(0x80, 0x110000)) if c.lower() in pieces]
    assert odd == []
    for word in ("of", "the"):
        variants = style._case_variants(word)
        assert all(v.lower() == word for v in variants)
        assert len(set(variants)) == 2 ** len(word)
