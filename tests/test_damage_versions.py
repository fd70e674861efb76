"""Cross-version evidence: differences are listed and attributed to the damaged version."""

from __future__ import annotations

from dedupe_news.damage import compare_versions
from dedupe_news.model import Span
from dedupe_news.segment import split_sentences

CLEAN = ("The United States has accused several companies of supporting Russia. "
         "Officials saw no systematic effort, despite the no-limits partnership declared by "
         "the leaders in February.")
DAMAGED = ("The United States has accused several companies of supporting Russia. "
           "Officials saw no systematic effort, despite the unlimited cooperation announced "
           "by the leaders in February.")


def _pairs(a: str, b: str) -> list[tuple[Span, Span]]:
    return list(zip(split_sentences(a), split_sentences(b), strict=True))


def test_calque_is_attributed_to_its_version_either_way_round() -> None:
    ev = compare_versions(CLEAN, DAMAGED, _pairs(CLEAN, DAMAGED))
    assert ev.damaged == "b" and ev.better == "a" and ev.b_score > ev.a_score
    kinds = {d.kind for d in ev.differences if d.damaged == "b"}
    assert "calque" in kinds
    ev2 = compare_versions(DAMAGED, CLEAN, _pairs(DAMAGED, CLEAN))
    assert ev2.damaged == "a"


def test_entity_echo_and_span_offsets() -> None:
    a = "Russia uses the tools to make weapons for its war against Ukraine, officials said."
    b = "Russia uses the tools to make weapons for its war against Russia, officials said."
    ev = compare_versions(a, b, [((0, len(a)), (0, len(b)))])
    entity = [d for d in ev.differences if d.kind == "entity"]
    assert entity and entity[0].damaged == "b"
    for d in ev.differences:
        assert a[d.a_start:d.a_end] == d.a_text and b[d.b_start:d.b_end] == d.b_text
    assert ev.to_dict()["damaged"] == "b"


def test_identical_versions_have_no_differences() -> None:
    ev = compare_versions(CLEAN, CLEAN, _pairs(CLEAN, CLEAN))
    assert ev.differences == [] and ev.damaged is None and ev.a_score == ev.b_score


def test_accepts_index_groups() -> None:
    class Group:
        def __init__(self, a: tuple[int, ...], b: tuple[int, ...]) -> None:
            self.a, self.b = a, b

    ev = compare_versions(CLEAN, DAMAGED, [Group((0,), (0,)), Group((1,), (1,))])
    assert ev.pairs == 2 and ev.damaged == "b"


def test_version_scores_prefer_the_clean_version_in_any_order() -> None:
    from dedupe_news.damage import quick_pairs, version_scores

    assert len(quick_pairs(CLEAN, DAMAGED)) == 2
    s = version_scores([CLEAN, DAMAGED])
    assert s[0] < s[1]
    s = version_scores([DAMAGED, CLEAN, CLEAN])
    assert s[0] > s[1] and s[1] == s[2]
    assert version_scores([CLEAN]) == [0.0]


def test_seed_mt_copy_scores_above_the_rewrite() -> None:
    from pathlib import Path

    from dedupe_news.damage import version_scores

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    mt = (seeds / "000_6b8d1c0e0aeb7fe4.txt").read_text(encoding="utf-8")
    rewrite = (seeds / "001_037723187431fdcc.txt").read_text(encoding="utf-8")
    a, b = version_scores([rewrite, mt])
    assert a < b


# --- version_scores' light path against check_text ----------------------------------------

def _plain_version_scores(texts: list[str], word_evidence: bool = False) -> list[float]:
    """version_scores written with full check_text reports (its definition)."""
    from dedupe_news.damage import check_text, quick_pairs, style
    from dedupe_news.damage.versions import common_text
    from dedupe_news.normalize import prepare

    n = len(texts)
    bodies = [prepare(t).body for t in texts] if n > 1 else list(texts)
    reports = [check_text(t, min_severity="info") for t in bodies]
    extra = [0.0] * n
    for i in range(n):
        for j in range(i + 1, n):
            p = style.p_b_translated(*common_text(bodies[i], bodies[j]))
            extra[i] += (1.0 - p) * style.MT_DAMAGED_SHARE / (n - 1)
            extra[j] += p * style.MT_DAMAGED_SHARE / (n - 1)
            if not word_evidence:
                continue
            pairs = quick_pairs(texts[i], texts[j])
            if not pairs:
                continue
            ev = compare_versions(texts[i], texts[j], pairs, a_flags=reports[i].flags,
                                  b_flags=reports[j].flags, a_base=0.0, b_base=0.0)
            extra[i] += ev.a_score / (n - 1)
            extra[j] += ev.b_score / (n - 1)
    return [1.0 - (1.0 - r.score) * (1.0 - min(1.0, e)) for r, e in zip(reports, extra,
                                                                        strict=True)]


def _versions() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "seeds").glob("*.txt"))]
    texts.append((root / "tests" / "data" / "seed003_apertium_spa_roundtrip.txt").read_text(
        encoding="utf-8"))
    return [*texts, CLEAN, DAMAGED, CLEAN + " It is the the best. Minor  , note.",
            "Short text.", ""]


def test_score_and_flags_is_check_text() -> None:
    from dedupe_news.damage import check_text
    from dedupe_news.damage.engine import score_and_flags

    for text in _versions():
        rep = check_text(text, min_severity="info")
        score, flags = score_and_flags(text)
        assert score.hex() == rep.score.hex() and flags == rep.flags


def test_version_scores_is_its_definition() -> None:
    from dedupe_news.damage import version_scores

    texts = _versions()
    for k in range(len(texts)):
        pool = [texts[k], texts[(k + 1) % len(texts)], texts[(k + 3) % len(texts)]]
        for evidence in (False, True):
            got = version_scores(pool, word_evidence=evidence)
            want = _plain_version_scores(pool, word_evidence=evidence)
            assert [x.hex() for x in got] == [x.hex() for x in want]


def test_style_signals_read_the_text_alone() -> None:
    """score_and_flags passes no sentence count when no flag needs placing."""
    from dedupe_news.damage.score import style_signals

    for text in _versions():
        assert style_signals(text, 0) == style_signals(text, 7)


def test_common_text_sets_aside_what_only_one_version_has() -> None:
    """A paragraph one version dropped (and a tail it lacks) is left out of the style
    comparison; a sentence both versions have in other words stays on both sides."""
    from dedupe_news.damage.versions import common_text

    a = ("The council approved the new budget on Monday. Spending on roads rises by a tenth. "
         "Critics of the plan said the cuts to libraries went too far. "
         "The mayor of the city defended the decision of the council. "
         "A vote on the transport levy is expected in March.")
    b = ("The council approved the new budget on Monday. Spending on roads rises by a tenth. "
         "Opponents hated it. "
         "A vote on the transport levy is expected in March. "
         "Copies of the budget are online. Comments close on Friday.")
    got_a, got_b = common_text(a, b)
    assert "Critics" in got_a and "mayor" in got_a and "Opponents" in got_b  # replaced: kept
    assert "Copies" not in got_b and "Comments" not in got_b  # b's own tail
    dropped = a.replace("The mayor of the city defended the decision of the council. ", "")
    got_a, got_d = common_text(a, dropped)
    assert "mayor" not in got_a and got_a == got_d  # a paragraph one version dropped


def test_a_dropped_paragraph_does_not_read_as_translation() -> None:
    """An original against its own edit with one paragraph dropped - a paragraph full of
    "of the", the traits' MT direction - reads as neither translated: the style traits
    compare the text both versions hold (the whole texts: the original reads as the
    translation, P = 1.0)."""
    from dedupe_news.damage import style
    from dedupe_news.damage.versions import common_text

    p1 = ("Shares in Acme rose sharply on Tuesday after its latest results beat forecasts. "
          "Investors cheered its bosses' plans, and analysts say they're upbeat about next "
          "year's sales. Acme's chief executive, Jane Doe, said she'd keep costs down while "
          "hiring engineers.")
    p2 = ("The chairman of the board of the company said that the expansion of the network of "
          "the group into the markets of the east of the continent was the priority of the "
          "management of the firm for the rest of the decade.")
    p3 = ("Acme's rivals didn't comment. Its stock has gained 40% since January, and traders "
          "expect more gains if demand holds up through spring and summer, when Acme usually "
          "sells most of its garden tools. Doe's predecessor quit last year after investors "
          "lost patience with slow growth.")
    orig, cut = "\n".join([p1, p2, p3]), "\n".join([p1, p3])
    assert style.p_b_translated(cut, orig) > 0.99  # what the whole texts said
    assert style.p_b_translated(*common_text(cut, orig)) == 0.5
