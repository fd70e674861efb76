"""Measured per-rule quality, read from ``data/damage_precision.json``.

The file is written by ``bench/eval_damage.py``; shipping it lets ``dedupe-news rules`` show
numbers without re-running the evaluation.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from dedupe_news.words import data_text


@lru_cache(maxsize=1)
def precision_table() -> dict[str, Any]:
    """The whole measurement file, or {} when it has not been produced yet."""
    try:
        return dict(json.loads(data_text("damage_precision.json")))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def measured_precision() -> dict[str, str]:
    """One human-readable line per rule id: MQM precision and BBC false alarms."""
    out: dict[str, str] = {}
    for rule_id, row in precision_table().get("rules", {}).items():
        out[rule_id] = (f"MQM precision {row.get('mqm_precision', 'n/a')} "
                        f"({row.get('mqm_flags', 0)} flags, report half); "
                        f"BBC flags {row.get('bbc_flags', 'n/a')}")
    return out
