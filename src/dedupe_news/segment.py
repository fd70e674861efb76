"""Sentence segmentation with character offsets into the text exactly as read.

Why Punkt: it is unsupervised, so it could be trained here on edited news (the BBC corpus;
``bench/align_train_punkt.py``) without nltk's downloadable data, and its decisions use
word statistics (abbreviations, orthographic context, sentence starters) rather than a bare
"period + space" rule.  Parameters ship as JSON, never pickle, with a curated news
abbreviation table (``data/abbrev_news.json``) layered on top.

Rules, in order:

1. Every line break is a boundary (blank lines too): captions, datelines and metadata lines
   stay their own units.
2. Inside a line, Punkt decides each ``.``/``?``/``!`` candidate.
3. A break after a title ("Mr.", "Gen.", "Prof." ...) is undone: titles precede names.

A damaged fragment such as "of civil society." is kept as its own sentence: it is evidence of
machine-translation damage, not noise.  Spans are trimmed of surrounding whitespace and
satisfy ``text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from dedupe_news.model import Span

__all__ = ["load_tokenizer", "split_sentences"]

PARAMS_FILE = "punkt_news_en.json"
ABBREV_FILE = "abbrev_news.json"

# \n, \r\n, a lone \r, and the Unicode line/paragraph separators all end a sentence.
_LINE = re.compile(r"[^\n\r\u2028\u2029]+")


def _read_json(name: str) -> dict[str, Any]:
    data = resources.files("dedupe_news.data").joinpath(name).read_text(encoding="utf-8")
    obj = json.loads(data)
    if not isinstance(obj, dict):
        raise ValueError(f"dedupe_news/data/{name}: expected a JSON object")
    return obj


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    return frozenset(_read_json(ABBREV_FILE)["titles"]["items"])


@lru_cache(maxsize=1)
def load_tokenizer() -> Any:
    """The Punkt tokenizer built from the shipped JSON parameters (built once per process).

    Returns an ``nltk.tokenize.punkt.PunktSentenceTokenizer``; nltk is imported here so that
    importing this module stays cheap.
    """
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    doc = _read_json(PARAMS_FILE)
    table = _read_json(ABBREV_FILE)
    params = PunktParameters()
    params.abbrev_types = set(doc["abbrev_types"]) | set(table["titles"]["items"]) | set(
        table["abbreviations"]["items"])
    params.collocations = {(a, b) for a, b in doc["collocations"]}
    params.sent_starters = set(doc["sent_starters"])
    for word, flags in doc["ortho_context"].items():
        params.ortho_context[word] = int(flags)
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` as spans (whitespace trimmed); ``text[s.start:s.end] == s.text``."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        base = line.start()
        chunk = line.group()
        pos = 0
        for m in _CANDIDATE.finditer(chunk):
            if _is_break(m):
                _add(text, base + pos, base + m.end(3), spans)
                pos = m.end()
        _add(text, base + pos, base + len(chunk), spans)
    return spans


# A sentence-end candidate: the word before it, the end punctuation, closing quotes or
# brackets, then whitespace and the next word (looked at, not consumed).
_CANDIDATE = re.compile(
    r"(?<!\S)[\"'“‘(\[{]*(\S*?)([.?!]+)"
    # closers; a lone quote after a space ("event. '") also belongs to the sentence before
    r"([\"'”’»)\]}]*(?:[ \t]+[\"'”’»)\]}]+(?=\s|$))?)"
    r"(?:\s+(?=(\S+))|\s*$)")
# Punkt's number type ("2023." and "1,000." behave alike).
_NUMBER = re.compile(r"^-?[.,]?\d[\d,.-]*$")


def _is_break(m: re.Match[str]) -> bool:
    """Decide one candidate exactly as Punkt would, without tokenising the whole line.

    Why not ``PunktSentenceTokenizer.span_tokenize``: it re-tokenises a context for every
    candidate through nltk's regex wrappers (about 1,000 articles/s); most candidates are the
    plain case "word. Next" that Punkt always splits, so only the unclear ones (abbreviations,
    initials, numbers, ellipses, known collocations) are handed to Punkt itself.
    """
    prev, punct, _close, nxt = m.groups()
    if nxt is None:  # end of the line: the rest is this sentence anyway
        return False
    if "?" in punct or "!" in punct:
        return True
    if not prev:
        return len(punct) == 1 or bool(load_tokenizer().text_contains_sentbreak(f"{punct} {nxt}"))
    typ = prev.lower()
    if typ in _titles():
        return False
    tok = load_tokenizer()
    if (len(punct) == 1 and not _NUMBER.match(typ) and not _INITIAL.match(prev)
            and typ not in tok._params.abbrev_types
            and typ.split("-")[-1] not in tok._params.abbrev_types
            and (typ, nxt.lower()) not in tok._params.collocations):
        return True
    return bool(tok.text_contains_sentbreak(f"{prev}{punct} {nxt}"))


_INITIAL = re.compile(r"^[^\W\d]$")


def _add(text: str, start: int, end: int, out: list[Span]) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        s = start + (len(chunk) - len(chunk.lstrip()))
        out.append(Span(s, s + len(stripped), stripped))
