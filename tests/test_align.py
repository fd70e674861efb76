"""Sentence alignment: seed gold, group kinds, moved paragraphs, offsets, huge inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SHARED
from dedupe_news.align import (
    KINDS,
    Alignment,
    align_sentences,
    align_texts,
    word_diff,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "tests" / "data" / "gold_seeds_004_002.json"


def link_f1(pred: set[tuple[int, int]], gold: set[tuple[int, int]]) -> float:
    tp = len(pred & gold)
    if not tp:
        return 0.0
    p, r = tp / len(pred), tp / len(gold)
    return 2 * p * r / (p + r)


@pytest.fixture(scope="module")
def seed_alignment() -> Alignment:
    a = (SEEDS / "004_e07beac21c845ad2.txt").read_text(encoding="utf-8")
    b = (SEEDS / "002_4ebceb48bccda2a4.txt").read_text(encoding="utf-8")
    return align_texts(a, b)


def test_seed_gold_link_f1(seed_alignment: Alignment) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    # the gold indices refer to this segmentation; a change must show up here
    assert [s.text for s in seed_alignment.a_sents] == gold["a_sents"]
    assert [s.text for s in seed_alignment.b_sents] == gold["b_sents"]
    want = {(i, j) for i, j in gold["gold_links"]}
    assert link_f1(seed_alignment.links(), want) >= 0.95


def test_seed_merged_opening_and_unaligned_extras(seed_alignment: Alignment) -> None:
    al = seed_alignment
    a_idx = next(i for i, s in enumerate(al.a_sents)
             if s.text == "Ukraine, according to an American assessment.")
    group = next(g for g in al.groups if a_idx in g.a)
    assert group.b == (0,) and group.kind == "merged" and len(group.a) == 2
    # every 004 sentence but the metadata line is aligned
    assert [al.a_sents[i].text for i in al.dropped] in ([], ["date 2024-04-13"])
    added = " ".join(al.b_sents[j].text for j in al.added)
    for extra in ("Kremlin photo via AP", "Liu Pengyu", "Janet Yellen", "Yellen told reporters",
                  "Follow us on Google news"):
        assert extra in added
    fragment = next(i for i, s in enumerate(al.a_sents) if s.text == "of civil society.")
    assert any(fragment in g.a for g in al.groups)  # the damaged fragment is evidence
    assert al.verdict == "copy"  # the relation model, as in cluster (issue: commands agree)
    assert al.relation.rule == "continues"


def test_kinds_identical_changed_merged_split_added_dropped() -> None:
    a = ["The council approved the new budget on Monday evening.",
         "Taxes will rise by three percent.",
         "Schools get more money.",
         "The mayor welcomed the decision after a long debate in the chamber.",
         "Opposition members walked out before the final vote was taken.",
         "Critics said the plan would hurt small shops in the old town centre."]
    b = ["The council approved the new budget on Monday evening.",
         "Taxes will go up by three percent and schools get more money.",
         "The mayor welcomed the decision.",
         "There was a long debate in the chamber.",
         "Opposition members walked out before the final vote was taken by the council.",
         "Subscribe to our newsletter for daily updates."]
    al = align_sentences(a, b)
    kinds = {(g.a, g.b): g.kind for g in al.groups}
    assert kinds[((0,), (0,))] == "identical"
    assert kinds[((1, 2), (1,))] == "merged"
    assert kinds[((3,), (2, 3))] == "split"
    assert kinds[((4,), (4,))] == "changed"
    assert al.dropped == [5] and al.added == [5]
    assert set(al.counts()) == set(KINDS)


def _paragraphs() -> list[list[str]]:
    return [
        ["The storm hit the coast early on Tuesday morning.",
         "Thousands of homes lost power across the region."],
        ["Emergency crews worked through the night to clear fallen trees.",
         "Officials warned drivers to stay off flooded roads."],
        ["The airport cancelled all flights until further notice.",
         "Passengers were offered hotel rooms by the airlines."],
        ["Forecasters expect calmer weather by the weekend.",
         "Schools will reopen on Thursday if conditions improve."],
    ]


def test_moved_paragraph_is_found_and_labelled() -> None:
    paras = _paragraphs()
    a = [s for p in paras for s in p]
    b = [s for p in (paras[0], paras[2], paras[3], paras[1]) for s in p]
    al = align_sentences(a, b)
    assert al.coverage_a == 1.0 and al.coverage_b == 1.0
    moved = [g for g in al.groups if g.kind == "moved"]
    assert {i for g in moved for i in g.a} == {2, 3}
    assert {j for g in moved for j in g.b} == {6, 7}
    rows = al.rows()
    assert sum(1 for r in rows if r[0] == "moved") == len(moved)


def test_threshold_controls_links() -> None:
    a = ["The minister resigned after the report was published."]
    b = ["A report was published and the minister then stepped down from office."]
    loose = align_sentences(a, b, threshold=0.05)
    strict = align_sentences(a, b, threshold=0.95)
    assert loose.links() == {(0, 0)}
    assert strict.links() == set()
    with pytest.raises(ValueError):
        align_sentences(a, b, threshold=1.5)


def test_unrelated_texts_give_none() -> None:
    a = ["Parliament debated the fishing quota bill for six hours.",
         "The vote was postponed until next month."]
    b = ["The striker scored twice in the second half.",
         "His club now leads the league by four points."]
    al = align_sentences(a, b)
    assert al.groups == [] and al.verdict == "none"
    assert al.dropped == [0, 1] and al.added == [0, 1]


def test_empty_sides() -> None:
    al = align_sentences([], ["Only in B."])
    assert al.groups == [] and al.added == [0] and al.coverage_a == 0.0
    al = align_texts("", "")
    assert al.groups == [] and al.verdict == "none"


def test_json_contract_offsets_index_the_inputs() -> None:
    a_text = "  Caf\u00e9 owners protested on Monday.\n\nThe \U0001f600 mayor listened to them."
    b_text = "Caf\u00e9 owners protested on Monday. The mayor listened to them carefully."
    doc = json.loads(json.dumps(align_texts(a_text, b_text).to_dict("a.txt", "b.txt")))
    assert set(doc) >= {"a", "b", "pairs"}
    for side, text in (("a", a_text), ("b", b_text)):
        for s in doc[side]["sentences"]:
            assert text[s["start"]:s["end"]] == s["text"]
    assert doc["pairs"] and all(set(p) == {"a", "b", "kind", "similarity"} for p in doc["pairs"])
    assert [p["a"] for p in doc["pairs"]] == [[0], [1]]


def test_word_diff_marks_only_changed_words() -> None:
    a = "China sold machine tools to Russia."
    b = "China sold many machine tools to Moscow."
    ops = word_diff(a, b)
    changed_b = [b[s2:e2] for op, _s1, _e1, s2, e2 in ops if op != "equal" and e2 > s2]
    changed_a = [a[s1:e1] for op, s1, e1, _s2, _e2 in ops if op != "equal" and e1 > s1]
    assert changed_b == ["many", "Moscow"]
    assert changed_a == ["Russia"]


def test_banded_mode_for_huge_inputs_says_so() -> None:
    base = [f"Sentence number {i} talks about topic {i * 7 % 13} and item {i}." for i in range(300)]
    b = [s for i, s in enumerate(base) if i % 10 != 3]
    from dedupe_news.align import align_spans
    from dedupe_news.model import Span

    def spans(xs: list[str]) -> tuple[str, list[Span]]:
        text, out, pos = "\n".join(xs), [], 0
        for x in xs:
            out.append(Span(pos, pos + len(x), x))
            pos += len(x) + 1
        return text, out

    (ta, sa), (tb, sb) = spans(base), spans(b)
    al = align_spans(ta, sa, tb, sb, max_cells=10_000)
    assert al.notes and "windows" in al.notes[0]
    assert al.settings.get("banded") is True
    assert al.coverage_b == 1.0 and len(al.dropped) == 30
    assert all(g.kind == "identical" for g in al.groups)


def test_repeated_lines_pair_one_to_one() -> None:
    caption = "Russian President Vladimir Putin talks with General Zhang Youxia in Moscow."
    a = [caption, caption, "Beijing is also working with Russia on satellites."]
    b = [caption, "Beijing is also working with Russia on its satellites."]
    al = align_sentences(a, b)
    # Either copy may take the caption (the diagonal context favours the one next to the
    # following pair), but never both: one to one, the other copy dropped.
    got = [(g.a, g.b) for g in al.groups]
    assert got in ([((0,), (0,)), ((2,), (1,))], [((1,), (0,)), ((2,), (1,))])
    assert len(al.dropped) == 1 and al.dropped[0] in (0, 1)


def test_context_picks_the_copy_next_to_the_following_pair() -> None:
    """Diagonal context: of two equal candidates, the one in line with its neighbours wins."""
    caption = "Russian President Vladimir Putin talks with General Zhang Youxia in Moscow."
    a = [caption, caption, "Beijing is also working with Russia on satellites."]
    b = [caption, "Beijing is also working with Russia on its satellites."]
    with_ctx = align_sentences(a, b)
    without = align_sentences(a, b, context_weight=0.0)
    assert [(g.a, g.b) for g in with_ctx.groups] == [((1,), (0,)), ((2,), (1,))]
    assert [(g.a, g.b) for g in without.groups] == [((0,), (0,)), ((2,), (1,))]
    assert with_ctx.settings["context_weight"] > 0 and without.settings["context_weight"] == 0


def test_gapped_merge_leaves_out_an_unrelated_interior_sentence() -> None:
    """A 3:1 window whose middle sentence is unrelated becomes the 2:1 group A [0, 2] -> B 0."""
    a = ["The hungry fox saw ripe grapes hanging high on a vine.",
         "It was a hot day in the middle of summer.",
         "He jumped again and again but could not reach the grapes."]
    b = ["A hungry fox saw grapes hanging high on a vine and jumped again and again but could "
         "not reach them."]
    al = align_sentences(a, b)
    assert [(g.a, g.b, g.kind) for g in al.groups] == [((0, 2), (0,), "merged")]
    assert al.dropped == [1]
    assert al.to_dict()["pairs"][0]["a"] == [0, 2]
    off = align_sentences(a, b, gap_floor_ratio=0.0)
    assert [(g.a, g.b) for g in off.groups] == [((2,), (0,))]
    assert al.settings["gap_floor_ratio"] > 0 and off.settings["gap_floor_ratio"] == 0


def test_length_term_keeps_a_short_sentence_from_taking_a_long_one() -> None:
    """A short A sentence whose words all recur in a long B sentence: without the length term
    it takes the long one and its short paraphrase (1:2 split); with it, only the paraphrase."""
    a = ["The old wolf ran into the dark forest."]
    b = ["The old wolf ran into the dark forest at night, far from the village, and hid there "
         "among the oaks and the pines until the hunters, tired and cold and hungry, went home "
         "again to their wives and children.",
         "At night the wolf fled into the dark woods."]
    al = align_sentences(a, b)
    assert [(g.a, g.b) for g in al.groups] == [((0,), (1,))]
    off = align_sentences(a, b, length_weight=0.0)
    assert [(g.a, g.b) for g in off.groups] == [((0,), (0, 1))]
    assert al.settings["length_weight"] > 0


def test_compiled_and_numpy_programmes_give_the_same_alignment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Large tables go to the compiled kernel, small ones to numpy rows; both are the same
    programme, so the alignment of a pair does not depend on which one ran (main path and
    moved pass alike)."""
    from dedupe_news import align

    fable = json.loads((SHARED / "gold" / "aesop-fables-gnat.jsonl").read_text(
        encoding="utf-8").splitlines()[0])
    pairs = [((SEEDS / "004_e07beac21c845ad2.txt").read_text(encoding="utf-8"),
              (SEEDS / "002_4ebceb48bccda2a4.txt").read_text(encoding="utf-8")),
             ("\n".join(fable["a_sents"]), "\n".join(fable["b_sents"]))]

    def groups(threshold: float, cells: int) -> list[list[tuple[object, ...]]]:
        monkeypatch.setattr(align, "COMPILED_MIN_CELLS", cells)
        return [[(g.a, g.b, g.kind, g.similarity) for g in
                 align_texts(a, b, threshold=threshold).groups] for a, b in pairs]

    for threshold in (0.1, 0.25):
        compiled = groups(threshold, 0)
        assert compiled == groups(threshold, 10**12)
        assert any(compiled)
