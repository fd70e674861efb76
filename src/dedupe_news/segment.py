"""Sentence segmentation with character offsets into the text exactly as read.

Why Punkt: it is unsupervised, so it could be trained here on edited news (the BBC corpus;
``bench/align_train_punkt.py``) without nltk's downloadable data, and its decisions use
word statistics (abbreviations, orthographic context, sentence starters) rather than a bare
"period + space" rule.  Parameters ship as JSON, never pickle, with a curated news
abbreviation table (``data/abbrev_news.json``) layered on top.

Rules, in order:

1. Every line break is a boundary (blank lines too): captions, datelines and metadata lines
   stay their own units.
2. Inside a line, a full stop of a script other than Latin ends a sentence wherever it
   stands (CJK 。．！？ with any closing quotes, Arabic ؟, Urdu ۔, Devanagari । ॥): the same
   ends the verifier's units use (:data:`dedupe_news.shingle.SENTENCE_ENDS`).
3. Inside a line, Punkt decides each ``.``/``?``/``!`` candidate.
4. A break after a title ("Mr.", "Gen.", "Prof." ...) is undone: titles precede names.

A damaged fragment such as "of civil society." is kept as its own sentence: it is evidence of
machine-translation damage, not noise.  Spans are trimmed of surrounding whitespace and
satisfy ``text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import types
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

from dedupe_news.model import Span

__all__ = ["load_tokenizer", "sentence_bounds", "split_sentences"]

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
    punkt = _import_punkt()
    PunktParameters, PunktSentenceTokenizer = punkt.PunktParameters, punkt.PunktSentenceTokenizer

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


def _import_punkt() -> types.ModuleType:
    """``nltk.tokenize.punkt``, without running ``nltk/__init__`` when nltk is not loaded yet.

    nltk's package ``__init__`` imports most of nltk, and with it scipy.stats and
    scikit-learn: about 1.8 s of CPU in every process that needs a sentence break (each
    worker that scores damage, the filter, ``check``), for a module that needs a handful of
    small nltk modules.  So the two packages on the way are bare namespaces while the module
    loads, and every nltk module loaded here leaves ``sys.modules`` afterwards: a later
    ``import nltk`` (by a caller of this library) loads nltk whole, as usual.
    """
    if "nltk" in sys.modules:
        return importlib.import_module("nltk.tokenize.punkt")
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        return importlib.import_module("nltk.tokenize.punkt")
    roots = list(spec.submodule_search_locations)
    for name, path in (("nltk", roots), ("nltk.tokenize", [f"{r}/tokenize" for r in roots])):
        stub = types.ModuleType(name)
        stub.__path__ = path
        sys.modules[name] = stub
    try:
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        for name in [k for k in sys.modules if k == "nltk" or k.startswith("nltk.")]:
            del sys.modules[name]


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` as spans (whitespace trimmed); ``text[s.start:s.end] == s.text``."""
    return [Span(start, end, text[start:end]) for start, end in sentence_bounds(text)]


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of :func:`split_sentences`, without building spans
    (for callers that only count sentences or place offsets in them)."""
    bounds: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        base = line.start()
        if base:
            bounds += [(base + start, base + end) for start, end in _line_bounds(line.group())]
        else:
            bounds += _line_bounds(line.group())
    return bounds


# Rule 2: a non-Latin full stop (and the closing quotes or brackets after it) ends a sentence.
_SCRIPT_END = re.compile("[\u3002\uff0e\uff01\uff1f\u061f\u06d4\u0964\u0965]+"
                         "[\u300d\u300f\u201d\u2019\uff09)\"']*")


@lru_cache(maxsize=2048)
def _line_bounds(chunk: str) -> tuple[tuple[int, int], ...]:
    """Sentence bounds inside one line (rule 1: a line's sentences depend on that line
    alone), cached: versions of one story share most of their paragraphs."""
    if _SCRIPT_END.search(chunk) is None:
        return _punkt_bounds(chunk)
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in [*_SCRIPT_END.finditer(chunk), None]:
        end = m.end() if m else len(chunk)
        bounds += [(start + a, start + b) for a, b in _punkt_bounds(chunk[start:end])]
        start = end
    return tuple(bounds)


def _punkt_bounds(chunk: str) -> tuple[tuple[int, int], ...]:
    """Rule 3 (and 4) on a piece of a line."""
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _candidates(chunk):
        if _is_break(m):
            _add(chunk, pos, m.end(3), bounds)
            pos = m.end()
    _add(chunk, pos, len(chunk), bounds)
    return tuple(bounds)


def _candidates(chunk: str) -> Iterable[re.Match[str]]:
    """``_CANDIDATE.finditer(chunk)``, trying only the starts of words that hold a ``.?!``.

    A candidate starts where ``(?<!\\S)`` holds and reaches its end punctuation before any
    white space, so every other start fails; a match ends after white space, i.e. at the
    start of the next word, where the scan goes on.  For a line whose only white space is
    the plain space (nearly all), the word start before a mark is one ``rfind`` away.
    """
    if _OTHER_SPACE.search(chunk):
        return _CANDIDATE.finditer(chunk)
    found: list[re.Match[str]] = []
    end = len(chunk)
    pos = 0
    rare = "?" in chunk or "!" in chunk
    while pos < end:
        q = chunk.find(".", pos)
        if rare:
            q = min((i for i in (q, chunk.find("?", pos), chunk.find("!", pos)) if i >= 0),
                    default=-1)
        if q < 0:
            break
        start = chunk.rfind(" ", pos, q) + 1 or pos
        m = _CANDIDATE.match(chunk, start)
        if m is not None:
            found.append(m)
            pos = m.end()
        else:
            gap = chunk.find(" ", q)  # no candidate starts inside this word
            if gap < 0:
                break
            pos = gap + 1
    return found


# A sentence-end candidate: the word before it, the end punctuation, closing quotes or
# brackets, then whitespace and the next word (looked at, not consumed).
_CANDIDATE = re.compile(
    r"(?<!\S)[\"'“‘(\[{]*(\S*?)([.?!]+)"
    # closers; a lone quote after a space ("event. '") also belongs to the sentence before
    r"([\"'”’»)\]}]*(?:[ \t]+[\"'”’»)\]}]+(?=\s|$))?)"
    r"(?:\s+(?=(\S+))|\s*$)")
_OTHER_SPACE = re.compile(r"[^\S ]")
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
        return len(punct) == 1 or _punkt_break(f"{punct} {nxt}")
    typ = prev.lower()
    titles, abbrev_types, collocations = _lists()
    if typ in titles:
        return False
    # (_NUMBER needs a digit, "-", "." or "," first; _INITIAL one character: skip the regex
    # calls otherwise, most candidates end a plain word)
    if (len(punct) == 1
            and not ((typ[0] in "-.," or typ[0].isdecimal()) and _NUMBER.match(typ))
            and not (len(prev) == 1 and _INITIAL.match(prev))
            and typ not in abbrev_types
            and typ.split("-")[-1] not in abbrev_types
            and (typ, nxt.lower()) not in collocations):
        return True
    return _punkt_break(f"{prev}{punct} {nxt}")


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], set[str], set[tuple[str, str]]]:
    """Titles, abbreviation types and collocations (the tokenizer's, read once)."""
    params = load_tokenizer()._params
    return _titles(), params.abbrev_types, params.collocations


@lru_cache(maxsize=8192)
def _punkt_break(context: str) -> bool:
    """Punkt's decision on a two-word context, cached (three versions of a story share most
    of their unclear candidates; the tokenizer's parameters never change in a process)."""
    return bool(load_tokenizer().text_contains_sentbreak(context))


_INITIAL = re.compile(r"^[^\W\d]$")


def _add(chunk: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Append the bounds of ``chunk[start:end]`` trimmed of white space, unless empty."""
    part = chunk[start:end]
    stripped = part.strip()
    if stripped:
        s = start + (len(part) - len(part.lstrip()))
        out.append((s, s + len(stripped)))
