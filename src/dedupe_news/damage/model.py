"""Result objects of damage checking: a Flag per finding, a Report per text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Flag:
    """One finding: which rule, where (``text[start:end] == flag.text``), why, and evidence.

    ``evidence`` holds the measured values behind the flag (counts, thresholds, the words
    compared) so a reader can recompute the decision from the rule table.
    """

    rule: str
    name: str
    category: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``dedupe-news check`` (plus ``name`` and ``category``)."""
        return {"rule": self.rule, "name": self.name, "category": self.category,
                "start": self.start, "end": self.end, "text": self.text,
                "severity": self.severity, "message": self.message,
                "evidence": dict(self.evidence)}


@dataclass(frozen=True)
class Report:
    """Damage report for one text.

    ``score`` in [0, 1] estimates the share of the text's sentences that are damaged by
    machine translation: each sentence with a major flag counts 1, with only minor flags
    0.5, and document-level MT-style signals (``signals``) add an estimate for damage the
    rules cannot localise (see :mod:`dedupe_news.damage.score`).  0 means no evidence of
    damage, not proof of a clean text.  ``flags`` holds flags at or above the requested
    minimum severity; the score uses every signal regardless of that filter.
    """

    score: float
    flags: list[Flag]
    sentences: int
    damaged_sentences: float
    signals: dict[str, float] = field(default_factory=dict)
    signature: str = ""

    def summary(self) -> dict[str, Any]:
        """Per-document summary: score, sentence counts and flags per rule."""
        per_rule: dict[str, int] = {}
        for f in self.flags:
            per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
        return {"damage_score": round(self.score, 4), "sentences": self.sentences,
                "damaged_sentences": round(self.damaged_sentences, 2),
                "flags": len(self.flags), "by_rule": per_rule,
                "signals": {k: round(v, 4) for k, v in self.signals.items()}}

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "flags": [f.to_dict() for f in self.flags],
                "signature": self.signature}
