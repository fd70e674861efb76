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
    from dedupe_news.normalize import prepare

    n = len(texts)
    bodies = [prepare(t).body for t in texts] if n > 1 else list(texts)
    reports = [check_text(t, min_severity="info") for t in bodies]
    extra = [0.0] * n
    for i in range(n):
        for j in range(i + 1, n):
            p = style.p_b_translated(bodies[i], bodies[j])
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
