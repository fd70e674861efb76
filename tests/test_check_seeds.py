"""Acceptance on the seed articles: the quoted damage is flagged; Bloomberg scores lowest."""

from __future__ import annotations

from pathlib import Path

from dedupe_news.damage import check_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

EXAMPLES = [
    "war against Russia. Ukraine", "must Facilitating Banking", "Corporation Corporation",
    "threatening to will cut", "a development advocacy group. of civil society.",
    "a study shows As soon as", "in Ukraine. progress.", "in China. , said the Department",
    "military equipment They are", "abstaining from to call", "essential / primary",
]


def _reports() -> dict[str, tuple[str, object]]:
    out = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out[path.name[:3]] = (text, check_text(text))
    return out


def test_quoted_damage_examples_are_flagged() -> None:
    reports = _reports()
    caught = []
    for example in EXAMPLES:
        for text, report in reports.values():
            pos = text.find(example)
            if pos < 0:
                continue
            end = pos + len(example)
            if any(f.start < end and pos < f.end for f in report.flags):  # type: ignore[attr-defined]
                caught.append(example)
                break
    missed = sorted(set(EXAMPLES) - set(caught))
    assert len(caught) >= 10, f"missed: {missed}"
    assert missed == []  # all 11 are caught today; a regression should be noticed


def test_bloomberg_scores_below_the_machine_translations() -> None:
    scores = {k: r.score for k, (_, r) in _reports().items()}  # type: ignore[attr-defined]
    for mt in ("000", "002", "004"):
        assert scores["003"] < scores[mt], scores
