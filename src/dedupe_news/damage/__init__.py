"""Machine-translation damage detection: rules as data, one function each, and evidence.

Public API (others code against these names)::

    from dedupe_news.damage import check_text, explain_rule, compare_versions
    report = check_text(text)          # report.score in [0, 1], report.flags: list[Flag]
    explain_rule("MT001")              # rationale and examples; KeyError for unknown ids
    ev = compare_versions(a, b, pairs) # cross-version evidence and adjusted scores
    version_scores([t1, t2, t3])       # adjusted scores of versions of one story
"""

from __future__ import annotations

from dedupe_news.damage.engine import check_text as check_text
from dedupe_news.damage.model import Flag as Flag
from dedupe_news.damage.model import Report as Report
from dedupe_news.damage.registry import SEVERITIES as SEVERITIES
from dedupe_news.damage.registry import Rule as Rule
from dedupe_news.damage.registry import get_rule as get_rule
from dedupe_news.damage.registry import load_rules as load_rules
from dedupe_news.damage.registry import select_rules as select_rules
from dedupe_news.damage.versions import Difference as Difference
from dedupe_news.damage.versions import VersionEvidence as VersionEvidence
from dedupe_news.damage.versions import compare_versions as compare_versions
from dedupe_news.damage.versions import quick_pairs as quick_pairs
from dedupe_news.damage.versions import version_scores as version_scores

__all__ = ["SEVERITIES", "Difference", "Flag", "Report", "Rule", "VersionEvidence",
           "check_text", "compare_versions", "explain_rule", "get_rule", "load_rules",
           "quick_pairs", "select_rules", "version_scores"]


def explain_rule(rule_id: str) -> str:
    """Rationale, parameters and examples of one rule, as plain text (KeyError if unknown)."""
    rule = get_rule(rule_id)
    lines = [f"{rule.id} {rule.name} ({rule.category}, {rule.severity})", "",
             rule.rationale.strip(), "", f"Message: {rule.message}", ""]
    from dedupe_news.damage.precision import measured_precision

    prec = measured_precision().get(rule.id)
    if prec:
        lines += [f"Measured: {prec}", ""]
    lines += [f"Flags:        {rule.positive}", f"Does not flag: {rule.negative}"]
    return "\n".join(lines)
