"""Run the selected rules over a text and build a :class:`Report`.

Stages: (1) select rules by id prefix, (2) run each rule function, which yields spans plus
evidence, (3) turn hits into Flags with the message template filled in, (4) score the
document from flagged sentences and document-level style signals.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Sequence

from dedupe_news.damage import rules as _rules
from dedupe_news.damage.model import Flag, Report
from dedupe_news.damage.registry import Rule, rules_signature, select_rules, severity_rank
from dedupe_news.damage.score import SEVERITY_WEIGHT, combine, style_signals
from dedupe_news.model import Span
from dedupe_news.segment import sentence_bounds, split_sentences


@functools.lru_cache(maxsize=64)
def sentences_of(text: str) -> tuple[Span, ...]:
    """Punkt sentences of ``text``, cached: a cluster's versions are compared pairwise
    (:func:`~dedupe_news.damage.versions.quick_pairs`), each text with each other one."""
    return tuple(split_sentences(text))


@functools.lru_cache(maxsize=64)
def sentence_starts(text: str) -> tuple[int, ...]:
    """Where each sentence of :func:`sentences_of` starts: all the score needs, without
    building spans."""
    return tuple(start for start, _end in sentence_bounds(text))


def run_rules(text: str, rules: Sequence[Rule]) -> list[Flag]:
    """All flags of ``rules`` on ``text``, sorted by position then rule id."""
    flags: list[Flag] = []
    for rule in rules:
        func = _rules.RULE_FUNCS.get(rule.id)
        if func is None:
            raise LookupError(f"rule {rule.id} is in damage_rules.toml but has no function in "
                              "dedupe_news/damage/rules.py")
        filtered = _rules.PREFILTERS.get(rule.id)
        if filtered is not None and filtered[0] is func:  # the same as calling func
            if not filtered[1](text):
                continue
            func = _rules.UNFILTERED[rule.id]
        for start, end, evidence in func(text, rule):
            matched = text[start:end]
            try:
                message = rule.message.format(text=matched, **evidence)
            except (KeyError, IndexError, ValueError):  # a bad template must not lose the flag
                message = f"{rule.name}: {matched!r}"
            flags.append(Flag(rule.id, rule.name, rule.category, rule.severity, start, end,
                              matched, message, evidence))
    flags.sort(key=lambda f: (f.start, f.rule))
    return flags


def check_text(text: str, select: str | Sequence[str] | None = None,
               ignore: str | Sequence[str] | None = None,
               min_severity: str = "minor") -> Report:
    """Check one text for machine-translation damage.

    ``select``/``ignore`` are rule-id prefixes (``"MT"``, ``"MT001,DUP"``).  Flags below
    ``min_severity`` are left out of ``report.flags`` but still count in ``report.score``,
    so the score does not depend on what is displayed.
    """
    rules = select_rules(select, ignore)
    floor = severity_rank(min_severity)
    flags = run_rules(text, rules)
    starts = sentence_starts(text)
    damaged = _damaged_sentences(flags, starts)
    signals = style_signals(text, len(starts))
    score = combine(damaged / max(1, len(starts)), signals)
    shown = [f for f in flags if severity_rank(f.severity) >= floor]
    return Report(score=score, flags=shown, sentences=len(starts),
                  damaged_sentences=damaged, signals=signals,
                  signature=f"rules:{rules_signature()}")


def _damaged_sentences(flags: Sequence[Flag], starts: Sequence[int]) -> float:
    """Sentences counted as damaged: each sentence's worst flag weight, summed."""
    worst: dict[int, float] = {}
    for f in flags:
        i = max(0, bisect_right(starts, f.start) - 1)
        worst[i] = max(worst.get(i, 0.0), SEVERITY_WEIGHT.get(f.severity, 0.0))
    return sum(worst.values())


def score_and_flags(text: str) -> tuple[float, list[Flag]]:
    """``check_text(text, min_severity="info")``'s score and flags, without the rest of the
    report (what :func:`~dedupe_news.damage.versions.version_scores` reads).

    Sentences are split only when a flag that weighs something has to be placed in one:
    otherwise the flagged share is 0 whatever their number, and the style signals read the
    text alone (tests/test_damage_versions.py holds both to ``check_text``).
    """
    flags = run_rules(text, select_rules())
    if any(SEVERITY_WEIGHT.get(f.severity, 0.0) for f in flags):
        starts = sentence_starts(text)
        share = _damaged_sentences(flags, starts) / max(1, len(starts))
        return combine(share, style_signals(text, len(starts))), flags
    return combine(0.0, style_signals(text, 0)), flags
