"""The shortcuts of the feature stage give exactly what the plain definitions give.

``find_boilerplate``, ``normalize_story`` and ``story_bytes`` skip work when the text is
already normal (no per-line normalisation, no caption sort without a shared line head, no
whole-text regex passes for a few non-ASCII characters).  Here the plain versions are kept
as references and compared on generated text full of the awkward cases: combining marks,
compatibility characters, curly quotes, dashes, odd whitespace, repeated captions, letters
whose lowercase changes length, CJK, lone surrogates.
"""

from __future__ import annotations

import itertools
import random
import unicodedata

import pytest

from dedupe_news import normalize as N
from dedupe_news import shingle as S
from dedupe_news.model import Span


def _ref_normalize_story(text: str) -> str:
    lines = (" ".join(line.split()) for line in N._characters(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _ref_find_boilerplate(text: str) -> list[N.Boilerplate]:
    found: dict[int, N.Boilerplate] = {}
    lines = []
    pos = 0
    bounds = []
    for line in text.split("\n"):
        bounds.append((pos, pos + len(line)))
        pos += len(line) + 1
    for start, end in bounds:
        raw = text[start:end]
        stripped = raw.strip()
        if not stripped or stripped.count(" ") > 4 * N.MAX_BOILERPLATE_WORDS:
            continue
        lead = len(raw) - len(raw.lstrip())
        span = Span(start + lead, start + lead + len(stripped), stripped)
        lines.append((span, N.normalize(stripped)))
    for span, norm in lines:
        if norm.count(" ") >= N.MAX_BOILERPLATE_WORDS:
            continue
        for name, rx, why, width in N.compiled_rules():
            if len(norm) <= width and rx.fullmatch(norm):
                found[span.start] = N.Boilerplate(span, name, why)
                break
    norms = sorted((norm.lower(), span.start, span) for span, norm in lines
                   if len(norm) >= N.MIN_REPEAT_CHARS)
    for (norm, _, span), (nxt, _, nspan) in itertools.pairwise(norms):
        if nxt.startswith(norm):
            for sp in (span, nspan):
                found.setdefault(sp.start, N.Boilerplate(
                    sp, "repeated_caption",
                    "a line printed twice (a photo caption and its repeat) is page layout"))
    # link lists: the headline-like lines under each heading, until a story line
    heads = sorted(k for k, b in found.items() if b.rule == "link_list")
    lines_at = {span.start: (span, norm) for span, norm in lines}
    for at in heads:
        k = next(i for i, (a, b) in enumerate(bounds) if a <= at <= b)
        items = 0
        for a, b in bounds[k + 1:]:
            if items >= N.LINK_LIST_MAX:
                break
            raw = text[a:b]
            if not raw.strip():
                continue
            start = a + len(raw) - len(raw.lstrip())
            if start not in lines_at:
                break  # a very long line: the story
            span, norm = lines_at[start]
            if start in found:
                continue
            if len(norm.split(" ")) > N.LINK_ITEM_WORDS or len(norm) > N.LINK_ITEM_CHARS \
                    or _ref_sentence_end(norm):
                break
            found[start] = N.Boilerplate(span, "link_list", N.LINK_LIST_WHY)
            items += 1
    # the credit closing a text is not a line rule (test_load_normalize checks it by example)
    return _ref_with_credit(text, [found[k] for k in sorted(found)])


def _ref_sentence_end(norm: str) -> bool:
    core = norm
    while core and core[-1] in "\"'\u201d\u2019)\u00bb]":
        core = core[:-1]
    ends = (".", ",", ";", ":", "\u3002", "\uff0c", "\uff1b", "\u060c", "\u061b")
    if core != norm:
        return core[-1:] in ("!", "?", *ends)
    return norm[-1:] in ends and norm[-3:] != "..."


def _ref_with_credit(text: str, found: list[N.Boilerplate]) -> list[N.Boilerplate]:
    """normalize._with_credit without its shortcuts: the credit search at the text's end,
    unless a line rule took the credit's line."""
    m = N._CREDIT.search(text, max(0, len(text.rstrip()) - N.CREDIT_TAIL_CHARS))
    if m is None or len(m.group(1).split()) > N.CREDIT_MAX_WORDS:
        return found
    if found and found[-1].span.end > m.start(1):
        return found
    out = list(found)
    for item in N._CREDIT_ITEM.finditer(text, m.start(1), m.end(1)):
        a, b = item.start(), item.start() + len(item.group().rstrip())
        out.append(N.Boilerplate(Span(a, b, text[a:b]), "credit", N.CREDIT_WHY))
    return out


def _ref_story_bytes(story: str) -> S.StoryBytes:
    if story.isascii():
        orig = story.encode("ascii")
        return S.StoryBytes(orig, orig.lower(), False)
    s = "".join("\n" if c in S.SENTENCE_ENDS
                else " " if S._NONWORD_NONASCII.match(c)
                and not unicodedata.category(c).startswith("M") else c for c in story)
    if S._NOSPACE_SCRIPT.search(story):
        s = S._NOSPACE_END.sub("\\1\n", s)
    orig = s.encode("utf-8", "surrogatepass")
    low = s.lower().encode("utf-8", "surrogatepass")
    if len(low) != len(orig) or any(S._resized(c) for c in set(s) if not c.isascii()):
        low = orig.lower()
    return S.StoryBytes(orig, low, S.is_cjk(story))


_WORDS = ("Subscribe to our newsletter", "Follow us on Twitter and Facebook", "Menu", "Print",
          "(c) 2024 Example News. All rights reserved.", "Published: 12 April 2024 10:30",
          "By: Jane Doe", "Visit example.com for more", "Read more: the story so far",
          "A man walks past the damaged building in the city centre on Monday (Photo: AFP)",
          "A man walks past the damaged building in the city centre on Monday",
          "The minister said the plan would cost \u00a31.2bn over five years.",
          "\u201cWe are ready,\u201d she said \u2014 and left.", "Caf\u00e9 cafe\u0301 \ufb01le",
          "\u0130stanbul \u1e9e stra\u00dfe \u212a", "\u4e2d\u6587\u65b0\u95fb\u62a5\u9053"
          "\u4eca\u5929", "sign\u00a0up now", "x\u0308 \u00a8 \u2474 \u3000 \u2028end",
          "Copyright \u00a9 2023", "(Reporting by Jane Doe; Editing by Tom Hay)",
          "Source: Reuters.", "Read more: (Reporting by A. Writer)", "\u0418\u0441\u0442\u043e"
          "\u0447\u043d\u0438\u043a: \u0422\u0410\u0421\u0421", "\u3010\u7f16\u8f91\uff1a"
          "\u738b\u78ca\u3011\uff08\u5b8c\uff09", "\ud800 lone", "\u0301starts with a mark",
          "\u1100\u1161\u11a8")
_SPACES = (" ", " ", " ", "  ", "\t", "\u00a0", "\u3000", "\r", "\x0b", "\u2003", "\x1c")


def _text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.3:
            words = " ".join(rng.choice(_WORDS).split() * rng.randint(1, 8))
        else:
            words = rng.choice(_WORDS)
        parts = words.split(" ")
        line = "".join(p + (rng.choice(_SPACES) if rng.random() < 0.2 else " ") for p in parts)
        if rng.random() < 0.3:
            line = rng.choice(_SPACES) + line
        if rng.random() < 0.5:
            line = line.strip(" ")
        lines.append(line)
        if rng.random() < 0.15:
            lines.append("")
        if rng.random() < 0.1 and lines:
            lines.append(rng.choice(lines) + rng.choice(("", " (Reuters)", " more text here")))
    text = "\n".join(lines)
    if rng.random() < 0.3:
        text = text.encode("ascii", "ignore").decode()
    return text


@pytest.mark.parametrize("seed", range(8))
def test_fast_paths_equal_the_plain_definitions(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        text = _text(rng)
        assert N.find_boilerplate(text) == _ref_find_boilerplate(text), text
        assert N.normalize_story(text) == _ref_normalize_story(text), text
        assert S.story_bytes(text) == _ref_story_bytes(text), text
        body = N.normalize_story(text)
        assert S.story_bytes(body) == _ref_story_bytes(body), body


def test_pieces_of_nfkc_text_are_nfkc() -> None:
    """What the per-line shortcut relies on: a line of NFKC text is NFKC by itself."""
    rng = random.Random(1)
    marks = [chr(c) for c in range(0x300, 0x370)] + ["\u3099", "\u309a", "\u0e48", "\u05b4"]
    bases = ["a", "e", "\u3046", "\u304b", "\u1100", "\u1161", "\u11a8", "\uac00", " ", "\n"]
    for _ in range(3000):
        s = "".join(rng.choice(bases + marks) for _ in range(rng.randint(1, 12)))
        s = unicodedata.normalize("NFKC", s)
        for line in s.split("\n"):
            for piece in (line, line.strip()):
                assert unicodedata.is_normalized("NFKC", piece), repr(piece)
