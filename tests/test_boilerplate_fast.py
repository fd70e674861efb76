"""The boilerplate fast paths of :mod:`dedupe_news.normalize` against the plain definition.

``find_boilerplate`` runs the pattern alternation only on lines that pass a cheap prefilter
(``_may_be_boilerplate``: a literal head, a closing parenthesis at the end, or "all rights
reserved"), and skips per-line normalisation when the text's spacing is already clean
(``_scan_clean``).  Both must be invisible: the prefilter must hold for every line any
pattern matches, and the result must equal the reference loop of ``test_fast_paths``.
"""

from __future__ import annotations

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedupe_news import normalize as N
from test_fast_paths import _ref_find_boilerplate

HYP = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# words of every pattern (and near misses), the characters re.I matches to ASCII letters,
# and assorted story text
_PIECES = (
    "subscribe", "sign up", "sign in", "log in", "register now", "follow us", "join us",
    "join our", "share this", "share on", "like us", "download our app", "download the app",
    "get the app", "read more", "read also", "see also", "related:", "related stories:",
    "related articles:", "more from", "click here", "advertisement", "sponsored content",
    "newsletter", "menu", "home", "search", "skip to content", "skip to main content",
    "comments are closed.", "leave a comment", "leave a reply", "no comments", "no comments yet.",
    "print", "email", "back to top", "top stories", "trending", "trending now", "log out",
    "close", "most read", "most popular", "loading...", "follow", "join", "like", "share",
    "find", "whatsapp", "telegram", "twitter", "facebook", "instagram", "google news",
    "linkedin", "youtube", "©", "(c)", "(c) 2024", "(C)2023", "copyright", "all rights reserved",
    "all rights", "rights reserved", "distributed by", "syndicated by", "this article was",
    "this story first", "originally", "published", "appeared", "visit", "go to", "example.com",
    "news.co.uk", "site.in", "date", "published:", "updated", "posted", "last modified", "by:",
    "author:", "tag:", "tags:", "filed under:", "2024-04-13", "12 April 2024", "10:30",
    "(Photo: AFP)", "(Reuters)", "(AP Photo/Jane Doe)", "(Getty Images)", "(file)", "(via X)",
    "(image)", ")", "(", "The minister said", "on Monday", "a man walks past the building",
    "ſ", "K", "İ", "ı", "ß", "ﬁ", "\u00a0", "\t", "  ", " ", ".", ",", ":", "-", "'", "\u2019",
    "\u201c", "\u2014", "\u3000", "\u2028", "\x85", "é", "e\u0301", "中文", "x" * 30,
    "word " * 12, "word " * 61,
)


def _flip_case(s: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.3 else c for c in s)


@st.composite
def lines(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts = draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8))
    seps = draw(st.lists(st.sampled_from(["", " ", " ", "  ", "\t"]), min_size=len(parts),
                         max_size=len(parts)))
    return "".join(_flip_case(p, rng) + s for p, s in zip(parts, seps, strict=True))


@HYP
@given(lines())
def test_prefilter_holds_for_every_match(line: str) -> None:
    for s in (line, line.strip(), N.normalize(line)):
        if N._ANY.fullmatch(s):
            assert N._may_be_boilerplate(s), s


@HYP
@given(st.text(alphabet=st.sampled_from("abcdefghijklmnoprstuvwy ()©:.-0123456789ſKİı"),
               max_size=60))
def test_prefilter_holds_on_random_text(s: str) -> None:
    if N._ANY.fullmatch(s):
        assert N._may_be_boilerplate(s), s


def test_prefilter_holds_for_every_pair_of_pieces() -> None:
    """Every line of two or three pieces (the second one any piece, the third a date or a
    credit) in three casings: systematic where the random lines are sparse."""
    tails = ("", " 2024-04-13", " (Reuters)", ": Jane Doe", " on Twitter")
    for a in _PIECES:
        for case in (str.lower, str.upper, str.title):
            for sep in ("", " ", ": "):
                for b in _PIECES:
                    for tail in tails:
                        s = case(a) + sep + b + tail
                        if N._ANY.fullmatch(s):
                            assert N._may_be_boilerplate(s), s


def test_each_pattern_example_passes_the_prefilter() -> None:
    examples = ["Subscribe to our newsletter", "Follow us on Twitter", "Menu", "PRINT",
                "Loading...", "(c) 2024 Example News", "Copyright 2023 Example",
                "Example News 2024. All Rights Reserved.", "Distributed by Tribune Content",
                "This story first appeared in the Example Times", "Visit example.com",
                "Published: 12 April 2024 10:30", "By: Jane Doe", "Tags: politics, europe",
                "A man walks past the damaged building on Monday (Photo by AFP)",
                "A man walks past the damaged building on Monday (Reuters) \u3000",
                "ſubscribe now", "Share on WhatsApp"]
    for s in examples:
        assert N._ANY.fullmatch(s), s  # the examples are boilerplate ...
        assert N._may_be_boilerplate(s), s  # ... and pass the prefilter


@st.composite
def texts(draw: st.DrawFn) -> str:
    body = draw(st.lists(lines(), min_size=1, max_size=10))
    rng = random.Random(draw(st.integers(0, 2**32)))
    out = []
    for line in body:
        if rng.random() < 0.2:
            line = " " + line
        if rng.random() < 0.2:
            line = line + rng.choice([" ", "\t", "\u00a0", ""])
        out.append(line)
        if rng.random() < 0.2:  # a caption printed twice, maybe with a credit
            out.append(line + rng.choice(["", " (Reuters)", " more"]))
        if rng.random() < 0.1:
            out.append("")
    return "\n".join(out)


@HYP
@given(texts())
def test_find_boilerplate_equals_the_reference(text: str) -> None:
    assert N.find_boilerplate(text) == _ref_find_boilerplate(text)
    clean = text.encode("ascii", "ignore").decode().replace("\t", " ")
    clean = re.sub("  +", " ", clean)
    assert N.find_boilerplate(clean) == _ref_find_boilerplate(clean)


_UNCLEAN = re.compile(r"[^\S \n]|  ")


@HYP
@given(st.text(alphabet=st.sampled_from(" \n\t\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2028\u2029"
                                        "\u3000\x00\x7fab\u00e9\u4e2d"), max_size=30))
def test_spacing_is_clean_definition(s: str) -> None:
    assert N._spacing_is_clean(s) == (_UNCLEAN.search(s) is None)


# --- the whole-text path (_scan_quick) -------------------------------------------------------
# Texts whose only whitespace is spaces and line breaks take _scan_quick; runs of spaces,
# leading and trailing spaces, long lines sharing a head (in other cases), letters whose
# lowercase changes length or depends on what follows, quotes mapped in place, "all rights
# reserved" in odd cases and spacing.
_QUICK_PIECES = (*_PIECES, "\u0130stanbul", "\u03a3\u039f\u03a3 ", "\u03c3", "\u201cquote\u201d",
                 "\u2014", "All  Rights   Reserved", "ALL RIGHTſ RESERVED",
                 "all r\u0131ghts reserved", "ALL R\u0130GHTS  RESERVED", "rights reserved",
                 "A man walks past the damaged building", "a man walks past the damaged building",
                 "   ", " " * 5, "x" * 45, "\u4e2d\u6587" * 12, "\u00e9" * 41, "\r", "\u2028",
                 "\u00a0", "ﬁ")


@st.composite
def quick_texts(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    out: list[str] = []
    for _ in range(draw(st.integers(1, 9))):
        parts = [rng.choice(_QUICK_PIECES) for _ in range(rng.randint(1, 7))]
        line = "".join(_flip_case(p, rng) + rng.choice(["", " ", " ", "  ", "   "])
                       for p in parts)
        line = rng.choice(["", "", " ", "  "]) + line
        out.append(line)
        if rng.random() < 0.3:  # a caption printed twice, maybe cased or spaced otherwise
            copy = line.upper() if rng.random() < 0.3 else line
            out.append(copy.replace(" ", "  ", 1) + rng.choice(["", " (Reuters)", " more"]))
        if rng.random() < 0.1:
            out.append(rng.choice(["", " ", "   "]))
    text = "\n".join(out)
    if rng.random() < 0.4:  # only spaces and line breaks: the quick path
        text = re.sub(r"[^\S \n]", " ", text)
    if rng.random() < 0.3:
        text = text.encode("ascii", "ignore").decode()
    return text


def _nonascii(s: str) -> set[str]:
    return {c for c in s if not c.isascii()}


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quick_texts())
def test_whole_text_path_equals_the_reference(text: str) -> None:
    found, chars, special = N.boilerplate_chars_special(text)
    assert found == _ref_find_boilerplate(text)
    assert chars == N._chars_in_place(text)
    assert special == (None if chars is None or text.isascii() else _nonascii(chars))
    if chars is not None and not re.search(r"[^\S \n]", text):
        low = text.encode("utf-8", "surrogatepass").lower()
        for quick in (N._scan_quick(text, chars, low if text.isascii() else None),
                      N._scan_quick(text, chars, low if text.isascii() else None, low)):
            if quick is not None:  # None: the caller takes the line-by-line path
                assert quick == N._scan(text, chars)[0]


@HYP
@given(st.lists(st.sampled_from(["ab", "Sign", "sign", " ", "  ", "up", "(x)", ")", "\n",
                                 "Read  more", "(c)", "\u00a9", "Tags:", "by", "x" * 38]),
                max_size=30).map("".join))
def test_whole_text_path_on_spaces_and_breaks(text: str) -> None:
    assert N.find_boilerplate(text) == _ref_find_boilerplate(text)
    assert N.find_boilerplate(text + "\n" + text) == _ref_find_boilerplate(text + "\n" + text)


def test_what_the_whole_text_path_assumes() -> None:
    """U+0130 is the only character whose lowercase is longer, and the capital sigma the only
    one lowercased by context (head lowercase cut to MIN_REPEAT_CHARS); the _HEADS words and
    "all rights reserved" are lowercase (searched as such in lowercased ASCII)."""
    assert N._RIGHTS.pattern == N._RIGHTS.pattern.lower()
    odd = {chr(c) for c in range(0x80, 0x110000)
           if any(re.fullmatch(re.escape(ch), chr(c), re.I) for ch in set("alrightsev d"))}
    assert odd == {"\u0130", "\u0131", "\u017f"} and all(N._RIGHTS_ODD.match(c) for c in odd)
    assert [c for c in map(chr, range(0x110000)) if len(c.lower()) != 1] == ["\u0130"]
    assert "\u03a3\u03a3".lower() == "\u03c3\u03c2" and "\u03a3a".lower() == "\u03c3a"
    assert N._HEADS.pattern == N._HEADS.pattern.lower()
    words = N._HEADS.pattern.split("|")
    factored = re.compile(N._by_first_char(N._HEADS.pattern), re.I)
    for w in words:
        w = w.replace("\\", "")
        assert factored.match(w) and factored.match(w.upper())
