"""Rule registry completeness, rule examples, and the flag invariants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedupe_news.damage import check_text, explain_rule, load_rules, select_rules
from dedupe_news.damage.rules import RULE_FUNCS

CASES = Path(__file__).parent / "cases" / "damage"
RULE_IDS = [r.id for r in load_rules()]


def _load(name: str) -> list[dict[str, str]]:
    return list(json.loads((CASES / name).read_text(encoding="utf-8")))


def _overlaps(text: str, needle: str, flags: list, rule: str) -> bool:
    lo = text.index(needle)
    hi = lo + len(needle)
    return any(f.rule == rule and f.start < hi and lo < f.end for f in flags)


def test_every_table_row_has_a_function_and_every_function_a_row() -> None:
    assert sorted(RULE_FUNCS) == sorted(RULE_IDS)


def test_ids_are_unique_and_carry_a_family_prefix() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS))
    for r in load_rules():
        assert r.family in {"MT", "LEX", "DUP", "PUN", "FMT"}, r.id
        assert r.rationale.strip() and r.positive and r.negative


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_positive_example_flags(rule_id: str) -> None:
    rule = next(r for r in load_rules() if r.id == rule_id)
    report = check_text(rule.positive, select=rule_id, min_severity="info")
    assert [f.rule for f in report.flags] and {f.rule for f in report.flags} == {rule_id}


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_negative_example_does_not_flag(rule_id: str) -> None:
    rule = next(r for r in load_rules() if r.id == rule_id)
    assert check_text(rule.negative, min_severity="info").flags == []


@pytest.mark.parametrize("case", _load("positive.json"), ids=lambda c: c["rule"])
def test_positive_cases(case: dict[str, str]) -> None:
    report = check_text(case["text"])
    assert _overlaps(case["text"], case["overlaps"], report.flags, case["rule"]), report.flags


@pytest.mark.parametrize("case", _load("negative.json"), ids=lambda c: c["why"][:30])
def test_negative_cases(case: dict[str, str]) -> None:
    assert check_text(case["text"], min_severity="info").flags == []


@pytest.mark.parametrize("case", _load("known_failures.json"), ids=lambda c: c["rule"])
@pytest.mark.xfail(strict=True, reason="documented limitation (see the case's 'why')")
def test_known_failures(case: dict[str, str]) -> None:
    report = check_text(case["text"])
    assert _overlaps(case["text"], case["overlaps"], report.flags, case["rule"])


def test_flag_invariants_on_positive_cases() -> None:
    for case in _load("positive.json"):
        text = case["text"]
        for f in check_text(text).flags:
            assert text[f.start:f.end] == f.text
            d = f.to_dict()
            assert {"rule", "start", "end", "text", "severity", "message",
                    "evidence"} <= d.keys()
            json.dumps(d)


def test_offsets_are_string_indices_with_astral_characters() -> None:
    text = "😀😀 Prices rose in Ukraine. progress. The 𝒳 Group Corporation Corporation met."
    flags = check_text(text).flags
    assert {f.rule for f in flags} == {"MT001", "DUP001"}
    for f in flags:
        assert text[f.start:f.end] == f.text


def test_select_and_ignore_by_prefix() -> None:
    assert {r.id for r in select_rules("MT")} == {i for i in RULE_IDS if i.startswith("MT")}
    assert "MT001" not in {r.id for r in select_rules(None, "MT00")}
    assert {r.id for r in select_rules("MT001,DUP")} == {"MT001", "DUP001"}
    text = "China Group Corporation Corporation in China. , said the Department."
    assert {f.rule for f in check_text(text, ignore="DUP").flags} == {"MT002"}
    with pytest.raises(ValueError, match="no rule id starts with"):
        select_rules("XYZ")


def test_score_is_a_share_in_unit_interval() -> None:
    clean = check_text("The minister resigned on Monday. His deputy took over.")
    damaged = check_text("The minister resigned in Ukraine. progress. His deputy took over.")
    assert 0.0 <= clean.score < damaged.score <= 1.0
    assert check_text("").score == 0.0
    assert damaged.summary()["by_rule"] == {"MT001": 1}


def test_min_severity_hides_flags_but_not_score() -> None:
    text = "Entities with essential / primary activities said so."
    shown = check_text(text)
    hidden = check_text(text, min_severity="major")
    assert [f.rule for f in shown.flags] == ["PUN001"] and hidden.flags == []
    assert shown.score == hidden.score > 0


def test_explain_rule() -> None:
    text = explain_rule("MT001")
    assert "MT001" in text and "group. of civil society." in text
    with pytest.raises(KeyError):
        explain_rule("NOPE999")
