"""The rule table (``data/damage_rules.toml``) as typed objects, plus id-prefix selection.

Rules are data so that a reviewer can change a word list, a threshold or a message without
reading Python; this module only loads and validates that table.  The matching functions
live in :mod:`dedupe_news.damage.rules`, one per id.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dedupe_news.words import data_text

SEVERITIES: tuple[str, ...] = ("info", "minor", "major")
"""Severity levels, lowest first (MQM words plus ``info`` for score-only signals)."""

_REQUIRED = ("id", "name", "category", "severity", "message", "rationale", "positive",
             "negative")


@dataclass(frozen=True)
class Rule:
    """One row of the rule table."""

    id: str
    name: str
    category: str
    severity: str
    message: str
    rationale: str
    positive: str
    negative: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def family(self) -> str:
        """The id without its number (``MT``, ``LEX``, ...): what --select matches first."""
        return self.id.rstrip("0123456789")


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """Parse and validate the rule table once per process.

    Raises ValueError naming the row and the problem, so a bad edit of the TOML fails at
    import of the first check, not with a KeyError deep inside a rule.
    """
    raw = tomllib.loads(data_text("damage_rules.toml"))
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, row in enumerate(raw.get("rule", [])):
        missing = [k for k in _REQUIRED if not row.get(k)]
        if missing:
            raise ValueError(f"damage_rules.toml rule #{i + 1}: missing {', '.join(missing)}")
        if row["id"] in seen:
            raise ValueError(f"damage_rules.toml: duplicate rule id {row['id']}")
        if row["severity"] not in SEVERITIES:
            raise ValueError(f"damage_rules.toml {row['id']}: severity must be one of "
                             f"{', '.join(SEVERITIES)}, not {row['severity']!r}")
        seen.add(row["id"])
        rules.append(Rule(**{k: row[k] for k in _REQUIRED}, params=dict(row.get("params", {}))))
    return tuple(rules)


@lru_cache(maxsize=1)
def rules_signature() -> str:
    """Short hash of the rule table, so a report says which rules produced it."""
    return hashlib.sha1(data_text("damage_rules.toml").encode("utf-8")).hexdigest()[:10]


def get_rule(rule_id: str) -> Rule:
    """The rule with this exact id; KeyError naming the known ids otherwise."""
    for rule in load_rules():
        if rule.id == rule_id.upper():
            return rule
    known = ", ".join(r.id for r in load_rules())
    raise KeyError(f"unknown rule {rule_id!r}; known rules: {known}")


def _prefixes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        out.extend(p.strip().upper() for p in item.split(",") if p.strip())
    return tuple(out)


def select_rules(select: str | Sequence[str] | None = None,
                 ignore: str | Sequence[str] | None = None) -> tuple[Rule, ...]:
    """Rules whose id starts with a ``select`` prefix (all when None) and no ``ignore`` prefix.

    Prefixes work as in flake8: ``MT`` selects the family, ``MT00`` several rules, ``MT001``
    one.  Comma-separated strings are accepted.  A prefix matching no rule is a ValueError,
    since a typo would otherwise silently disable checking.
    """
    sel, ign = _prefixes(select), _prefixes(ignore)
    rules = load_rules()
    for p in sel + ign:
        if not any(r.id.startswith(p) for r in rules):
            known = ", ".join(r.id for r in rules)
            raise ValueError(f"no rule id starts with {p!r}; known rules: {known}")
    return tuple(r for r in rules
                 if (not sel or r.id.startswith(sel)) and not r.id.startswith(ign or ("\0",)))


def severity_rank(severity: str) -> int:
    """Position of ``severity`` in :data:`SEVERITIES`; ValueError for unknown names."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}; use one of "
                         f"{', '.join(SEVERITIES)}") from None
