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

# A cheap necessary condition for _ANY.fullmatch (most lines are story text and fail it): a
# line can only be boilerplate if it starts with one of these words (every pattern but the
# two below begins with a literal; prefixes of them here), ends in ")" (photo_credit, once
# trailing whitespace is dropped) or contains "all rights reserved" (copyright's second
# form).  Case-insensitive with re.I like the patterns themselves, so the same characters
# match ("ſ" is an "s", "K" a "k").  tests/test_boilerplate_fast.py holds it necessary.
_HEADS = re.compile(
    r"subscribe|sign up|sign in|log in|register now|follow|join|share|like|download |"
    r"get the app|read more|read also|see also|related|more from|click here|advertisement|"
    r"sponsored content|newsletter|"  # call_to_action
    r"menu|home|search|skip to |comments are closed|leave a |no comments|print|email|"
    r"back to top|top stories|trending|log out|close|most |loading|"  # navigation
    r"find|"  # social_handles (follow, join, like, share above)
    r"©|\(c\)|copyright|"  # copyright, first form
    r"distributed by|syndicated by|this article |this story |"  # distribution
    r"visit |go to |"  # visit_site
    r"date|published|updated|posted|last modified|by|author|tag|filed under",  # metadata
    re.I)
_RIGHTS = re.compile("all rights reserved", re.I)
_RIGHTS_WIDTH = next(w for name, _, _, w in _COMPILED if name == "copyright")
# whitespace other than the space and the line break (str.split() and \s agree on it)
_OTHER_SPACE = re.compile(r"[^\S \n]")


def _may_be_boilerplate(norm: str) -> bool:
    """False only when ``_ANY.fullmatch(norm)`` is None (a prefilter; see _HEADS)."""
    return (_HEADS.match(norm) is not None or norm.rstrip()[-1:] == ")"
            or (len(norm) <= _RIGHTS_WIDTH and _RIGHTS.search(norm) is not None))


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
    return boilerplate_and_chars(text)[0]


def boilerplate_and_chars(text: str) -> tuple[list[Boilerplate], str | None]:
    """:func:`find_boilerplate`, and the text's characters normalised in place (see
    ``_chars_in_place``; None when normalising changes lengths), which it computes anyway."""
    # When the characters are already normal (the usual case), a stripped line with single
    # spaces is its own normal form: no per-line normalize() call.
    chars = _chars_in_place(text)
    if chars is not None and _spacing_is_clean(chars):
        found, lines, repeats = _scan_clean(text, chars)
    else:
        found, lines, repeats = _scan(text, chars)
    if repeats:
        _repeated_captions(found, lines)
    return [found[k] for k in sorted(found)], chars


_Line = tuple[int, str, str]  # (start of the stripped line, stripped, normalised)
_VISIBLE = bytes(range(0x21, 0x7F)) + b" \n"


def _spacing_is_clean(chars: str) -> bool:
    """Is every whitespace character of ``chars`` a single space or a line break?  Then each
    line, stripped, is its own ``" ".join(line.split())``."""
    if "  " in chars:
        return False
    # what is left: ASCII control characters and the UTF-8 bytes of non-ASCII characters
    rest = chars.encode("utf-8", "surrogatepass").translate(None, _VISIBLE)
    return not rest or _OTHER_SPACE.search(rest.decode("utf-8", "surrogatepass")) is None


def _match(norm: str) -> tuple[str, str] | None:
    """(rule, why) of the first pattern matching the whole normalised line, if any."""
    m = _ANY.fullmatch(norm)
    return _RULE[m.lastgroup] if m else None  # type: ignore[index]


def _head(norm: str) -> str:
    return norm.lower()[:MIN_REPEAT_CHARS] if not norm.isascii() else \
        norm[:MIN_REPEAT_CHARS].lower()


def _scan(text: str, chars: str | None) -> tuple[dict[int, Boilerplate], list[_Line], bool]:
    """Pattern matches, the lines that may be repeated captions (MIN_REPEAT_CHARS or longer),
    and whether two of those share their head (else no line repeats another)."""
    found: dict[int, Boilerplate] = {}
    lines: list[_Line] = []
    heads: set[str] = set()
    repeats = False
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
        if len(norm) >= MIN_REPEAT_CHARS:
            lines.append((start + lead, stripped, norm))
            head = _head(norm)
            repeats = repeats or head in heads
            heads.add(head)
        if norm.count(" ") >= MAX_BOILERPLATE_WORDS or len(norm) > _ANY_WIDTH \
                or not _may_be_boilerplate(norm):
            continue
        rule = _match(norm)
        if rule:
            found[start + lead] = Boilerplate(_span(start + lead, stripped), *rule)
    return found, lines, repeats


def _scan_clean(text: str, chars: str) -> tuple[dict[int, Boilerplate], list[_Line], bool]:
    """:func:`_scan` when ``_spacing_is_clean(chars)``: a line's only whitespace is single
    spaces, so stripped it is normalised already, and its spaces are only counted when it
    may be boilerplate or a repeated caption."""
    found: dict[int, Boilerplate] = {}
    lines: list[_Line] = []
    heads: set[str] = set()
    repeats = False
    pos = 0
    heads_match, rights_search = _HEADS.match, _RIGHTS.search
    raws = text.split("\n")
    for raw, line in zip(raws, raws if chars is text else chars.split("\n"), strict=True):
        start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            continue
        if raw[0] == " ":
            start += 1
        norm = stripped if line is raw else line.strip()
        n = len(norm)
        if n >= MIN_REPEAT_CHARS:
            # (lines with more than 4 * MAX_BOILERPLATE_WORDS spaces are dropped below, only
            # when some head repeats: the comparison needs the exact list)
            lines.append((start, stripped, norm))
            head = norm[:MIN_REPEAT_CHARS].lower() if norm.isascii() else \
                norm.lower()[:MIN_REPEAT_CHARS]
            if head in heads:
                repeats = True
            heads.add(head)
        # _may_be_boilerplate(norm), inline (norm has no trailing whitespace)
        if heads_match(norm) is None and norm[-1] != ")" \
                and (n > _RIGHTS_WIDTH or rights_search(norm) is None):
            continue
        if norm.count(" ") < MAX_BOILERPLATE_WORDS and n <= _ANY_WIDTH:
            rule = _match(norm)
            if rule:
                found[start] = Boilerplate(_span(start, stripped), *rule)
    if repeats:
        lines = [x for x in lines if x[1].count(" ") <= 4 * MAX_BOILERPLATE_WORDS]
    return found, lines, repeats


def _repeated_captions(found: dict[int, Boilerplate], lines: list[_Line]) -> None:
    """Captions printed twice (often once with a photo credit appended): a line and its
    repeat or extension (they share their first MIN_REPEAT_CHARS lowercased characters)."""
    # Sorted, a line sits right before its repeats and its extensions.
    norms = sorted((norm.lower(), start, stripped) for start, stripped, norm in lines)
    for (norm, start, stripped), (nxt, nstart, nstripped) in itertools.pairwise(norms):
        if nxt.startswith(norm):
            for st, sx in ((start, stripped), (nstart, nstripped)):
                if st not in found:
                    found[st] = Boilerplate(
                        _span(st, sx), "repeated_caption",
                        "a line printed twice (a photo caption and its repeat) is page layout")


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
