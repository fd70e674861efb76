"""Normalisation before fingerprinting, and boilerplate lines set aside.

Two jobs, both pure functions of the text:

* :func:`normalize` maps typographic variants to one form (Unicode NFKC, curly quotes,
  dashes, whitespace) so that a copy re-typeset by another CMS fingerprints the same.  The
  step names go into the settings signature.
* :func:`find_boilerplate` finds lines that are not the story: calls to subscribe or follow,
  copyright and distribution lines, metadata lines (" date 2024-04-13"), and photo captions
  printed twice.  They are *set aside* for fingerprinting and reported with their character
  spans; the article text itself is never changed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from dedupe_news.model import Span

STEPS = ("nfkc", "quotes", "dashes", "ws")

_QUOTE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPECIAL = re.compile("[" + "".join(_QUOTE_MAP) + _DASHES + "]")


def _characters(text: str) -> str:
    if not text.isascii():  # ASCII text is already in every normal form
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        if _SPECIAL.search(text):
            text = _SPECIAL.sub(lambda m: _QUOTE_MAP.get(m.group(), "-"), text)
    return text


def _chars_in_place(text: str) -> str | None:
    """``_characters(text)`` when it maps character for character (same length, so every
    line of the result is ``_characters`` of that line: text already in NFKC - any piece of it
    too - only quotes and dashes replaced), else None."""
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        return None
    if _SPECIAL.search(text):
        return _SPECIAL.sub(lambda m: _QUOTE_MAP.get(m.group(), "-"), text)
    return text


def normalize(text: str) -> str:
    """Unicode NFKC, ASCII quotes and dashes, single spaces. Idempotent."""
    return " ".join(_characters(text).split())


def normalize_story(text: str) -> str:
    """:func:`normalize`, but line breaks kept (one ``\\n`` between non-empty lines).

    Paragraph and headline breaks are sentence-unit boundaries for verification.
    """
    lines = (line if _single_spaced(line) else " ".join(line.split())
             for line in _characters(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _single_spaced(line: str) -> bool:
    """``" ".join(line.split()) == line``, cheaply: every whitespace character but the space
    is non-printable (str.isprintable), so a printable line needs only spaces checked."""
    return line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " "


# Boilerplate line patterns: (name, regex, why). Matched against a normalised, stripped line.
# Every pattern is anchored to the whole line and only applies to short lines (see
# MAX_BOILERPLATE_WORDS) so a sentence of the story that happens to say "subscribe" stays.
BOILERPLATE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("call_to_action",
     r"(subscribe|sign up|sign in|log in|register now|follow us|join us|join our|share this|"
     r"share on|like us|download (our|the) app|get the app|read more|read also|see also|"
     r"related( stories| articles)?:|more from|click here|advertisement|sponsored content|"
     r"newsletter)\b.{0,200}",
     "calls to subscribe, follow, share or read on are site furniture, not the story"),
    ("navigation",
     r"(menu|home|search|skip to (main )?content|comments are closed\.?|leave a (comment|reply)|"
     r"no comments( yet)?\.?|print|email|back to top|top stories|trending( now)?|log out|close|"
     r"most (read|popular)|advertisement|loading\.*)",
     "site navigation words on a line of their own are page furniture"),
    ("social_handles",
     r"(follow|join|like|share|find)\b.{0,80}\b(whatsapp|telegram|twitter|facebook|"
     r"instagram|google news|linkedin|youtube)\b.{0,80}",
     "short lines naming social networks are follow/share prompts"),
    ("copyright", r"(©|\(c\) ?\d{4}|copyright\b).{0,120}|.{0,120}\ball rights reserved\b.{0,40}",
     "copyright lines differ between outlets carrying the same story"),
    ("distribution", r"(distributed by|syndicated by|this (article|story) (was|first) "
     r"(originally )?(published|appeared)).{0,120}",
     "distribution and syndication credits name the carrier, not the content"),
    ("visit_site", r"(visit|go to) \S+\.(com|org|net|co\.uk|in)\b.{0,40}",
     "links to an outlet's home page"),
    ("metadata",
     r"(date|published|updated|posted|last modified)\s*:?\s+[\w ,:./+-]{0,40}\d[\w ,:./+-]{0,40}"
     r"|(by|author|tags?|filed under)\s*:\s+.{1,60}",
     "metadata lines (date, byline, tags) vary between copies of one story"),
    ("photo_credit", r".{20,400}\((\w[\w .,'-]*)?(photo|getty|afp|ap|reuters|via|image|file)"
     r"\b[\w .,/'-]*\)\s*",
     "photo captions end in a credit in parentheses"),
)
MAX_BOILERPLATE_WORDS = 60  # longer lines are story text, whatever they contain
MIN_REPEAT_CHARS = 40  # a repeated line this long is a caption printed twice


def _max_width(rx: str) -> int:
    """Longest string ``rx`` can match (huge when unbounded): longer lines skip the pattern."""
    try:
        from re import _parser  # the stdlib's own pattern parser (Python 3.11+)

        return int(min(_parser.parse(rx, re.I).getwidth()[1], 1 << 30))
    except Exception:  # pragma: no cover - a future Python without it: try every line
        return 1 << 30


_COMPILED = tuple((name, re.compile(rx, re.I), why, _max_width(rx))
                  for name, rx, why in BOILERPLATE_PATTERNS)
# All patterns as one alternation: fullmatch tries the branches in order, so the branch that
# matches is the first pattern that matches the whole line, as a loop over _COMPILED would
# find (one regex call a line instead of eight).
_ANY = re.compile("|".join(f"(?P<r{k}>{rx})" for k, (_, rx, _) in
                           enumerate(BOILERPLATE_PATTERNS)), re.I)
_ANY_WIDTH = max(w for *_, w in _COMPILED)
_RULE = {f"r{k}": (name, why) for k, (name, _, why) in enumerate(BOILERPLATE_PATTERNS)}


@dataclass(frozen=True)
class Boilerplate:
    """A line set aside for fingerprinting: where it is, which rule took it, and why."""

    span: Span
    rule: str
    why: str

    def to_dict(self) -> dict[str, object]:
        return {**self.span.to_dict(), "rule": self.rule, "why": self.why}


def find_boilerplate(text: str) -> list[Boilerplate]:
    """Boilerplate lines of ``text`` with spans into it (trailing whitespace excluded)."""
    found: dict[int, Boilerplate] = {}
    # When the characters are already normal (the usual case), a stripped line with single
    # spaces is its own normal form: no per-line normalize() call.
    chars = _chars_in_place(text)
    lines: list[tuple[int, str, str]] = []  # (start of the stripped line, stripped, normalised)
    pos = 0
    for raw in text.split("\n"):
        start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped or stripped.count(" ") > 4 * MAX_BOILERPLATE_WORDS:
            continue  # story paragraphs: nothing to set aside
        lead = 0 if raw[0] == stripped[0] else len(raw) - len(raw.lstrip())
        if chars is None:
            norm = normalize(stripped)
        else:
            norm = stripped if chars is text else chars[start + lead:start + lead + len(stripped)]
            if not _single_spaced(norm):
                norm = " ".join(norm.split())
        lines.append((start + lead, stripped, norm))
        if norm.count(" ") >= MAX_BOILERPLATE_WORDS or len(norm) > _ANY_WIDTH:
            continue
        m = _ANY.fullmatch(norm)
        if m:
            name, why = _RULE[m.lastgroup]  # type: ignore[index]
            found[start + lead] = Boilerplate(_span(start + lead, stripped), name, why)
    # Captions printed twice (often once with a photo credit appended).  A line and its
    # repeat or extension share their first MIN_REPEAT_CHARS (lowercased) characters, so only
    # lines sharing that head with another line are compared.
    heads: dict[str, int] = {}
    for _, _, norm in lines:
        if len(norm) >= MIN_REPEAT_CHARS:
            head = norm.lower()[:MIN_REPEAT_CHARS] if not norm.isascii() else \
                norm[:MIN_REPEAT_CHARS].lower()
            heads[head] = heads.get(head, 0) + 1
    if len(heads) == sum(heads.values()):
        return [found[k] for k in sorted(found)]
    # Sorted, a line sits right before its repeats and its extensions.
    norms = sorted((norm.lower(), start, stripped) for start, stripped, norm in lines
                   if len(norm) >= MIN_REPEAT_CHARS)
    for (norm, start, stripped), (nxt, nstart, nstripped) in itertools.pairwise(norms):
        if nxt.startswith(norm):
            for st, sx in ((start, stripped), (nstart, nstripped)):
                if st not in found:
                    found[st] = Boilerplate(
                        _span(st, sx), "repeated_caption",
                        "a line printed twice (a photo caption and its repeat) is page layout")
    return [found[k] for k in sorted(found)]


def _span(start: int, stripped: str) -> Span:
    return Span(start, start + len(stripped), stripped)


@dataclass(frozen=True)
class Prepared:
    """Text ready for fingerprinting: the story with boilerplate lines set aside."""

    body: str  # normalised story text, line breaks kept (boilerplate lines removed)
    boilerplate: tuple[Boilerplate, ...]


def prepare(text: str, boilerplate: list[Boilerplate] | None = None) -> Prepared:
    """Normalise ``text`` and set its boilerplate lines aside (``boilerplate``: already found)."""
    bp = find_boilerplate(text) if boilerplate is None else boilerplate
    if not bp:
        return Prepared(normalize_story(text), ())
    parts, pos = [], 0
    for b in bp:
        parts.append(text[pos : b.span.start])
        pos = b.span.end
    parts.append(text[pos:])
    body = normalize_story("\n".join(parts))
    if len(body.split()) < 5:  # everything looked like boilerplate: keep the text whole
        return Prepared(normalize_story(text), ())
    return Prepared(body, tuple(bp))
