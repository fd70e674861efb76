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
