"""Sentence segmentation with character offsets into the text as read.

(Interim regex splitter; replaced by the trained Punkt segmenter of the alignment issue.
The interface stays: ``split_sentences(text) -> list[Span]``.)
"""

from __future__ import annotations

import re

from dedupe_news.model import Span

_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n\s*\n|\n(?=\s*\S)")


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` as spans (whitespace trimmed); ``text[s.start:s.end] == s.text``."""
    spans: list[Span] = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        _add(text, pos, m.start(), spans)
        pos = m.end()
    _add(text, pos, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, out: list[Span]) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        s = start + (len(chunk) - len(chunk.lstrip()))
        out.append(Span(s, s + len(stripped), stripped))
