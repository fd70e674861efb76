"""Document damage score: flagged-sentence share plus document-level MT-style signals.

The score estimates the share of damaged sentences.  Rules localise damage they can see;
fluent MT damage (wrong words in grammatical sentences) leaves no local trace, so
:func:`style_signals` measures document-level traits of MT output and :func:`combine` turns
them into an estimated extra share of damaged sentences.
"""

from __future__ import annotations

SEVERITY_WEIGHT: dict[str, float] = {"major": 1.0, "minor": 0.5, "info": 0.0}
"""How much a sentence counts as damaged given its worst flag (MQM: major 5 = 1, minor 1)."""


def style_signals(text: str, n_sentences: int) -> dict[str, float]:
    """Document-level MT-style measurements (:mod:`dedupe_news.damage.style`): P(machine-
    translated) from the translationese traits and the damaged-sentence share it implies."""
    from dedupe_news.damage import style

    p = style.p_translated(text)
    return {"p_translated": p, "style_share": p * style.MT_DAMAGED_SHARE}


def combine(flagged_share: float, signals: dict[str, float]) -> float:
    """Estimated share of damaged sentences, clipped to [0, 1]."""
    style = min(1.0, max(0.0, signals.get("style_share", 0.0)))
    rules = min(1.0, max(0.0, flagged_share))
    return 1.0 - (1.0 - rules) * (1.0 - style)
