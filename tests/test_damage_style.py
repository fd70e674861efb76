"""Translationese traits (damage/style.py): directions, short texts, version choice.

The round trip fixture is seed 003 (an English original) sent through Apertium
EN->ES->EN (``apertium -u eng-spa | apertium -u spa-eng``), real MT output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
