"""One small function per rule id of ``data/damage_rules.toml``.

Each function takes the text and its table row and yields ``(start, end, evidence)``: a span
into the text exactly as given plus the measured values behind the flag.  The engine
(:mod:`dedupe_news.damage.engine`) turns these into :class:`~dedupe_news.damage.model.Flag`.
Functions read their word lists and thresholds from ``rule.params`` and never print or do
I/O (the calque lexicon is read once through :func:`registry.data_text`).

Regexes are compiled once per process (``lru_cache`` keyed by rule id); the params are
static for a process, so the cache is exact.

Most rules hit a text rarely, and a full regex scan costs 30-60 us on a news article, so a
rule may register a *prefilter*: a cheap test (a substring, or a regex that starts with a
literal) that is true whenever the rule can yield anything, derived from the rule's own
regex.  When it is false the rule is skipped; the flags are the same (tests/
test_damage_prefilters.py runs every rule with and without its prefilter).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from itertools import chain, compress, islice
from operator import eq, itemgetter
from typing import Any

from dedupe_news.damage._words import split_without_lone
from dedupe_news.damage.registry import Rule, get_rule
from dedupe_news.words import data_text

Hit = tuple[int, int, dict[str, Any]]
RuleFunc = Callable[[str, Rule], Iterator[Hit]]

RULE_FUNCS: dict[str, RuleFunc] = {}
UNFILTERED: dict[str, RuleFunc] = {}  # the rule functions without their prefilters
Prefilter = Callable[[str], bool]
PREFILTERS: dict[str, tuple[RuleFunc, Prefilter]] = {}
"""Rule id -> (its RULE_FUNCS entry, that entry's prefilter), for callers that test the
prefilter themselves and skip the generator (the engine)."""


def rule(rule_id: str, prefilter: Prefilter | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register the function implementing ``rule_id`` (checked against the table in tests),
    run only on texts where ``prefilter`` (if given) is true."""
    def deco(func: RuleFunc) -> RuleFunc:
        if rule_id in RULE_FUNCS:
            raise ValueError(f"rule {rule_id} implemented twice")
        UNFILTERED[rule_id] = func
        RULE_FUNCS[rule_id] = func if prefilter is None else _filtered(func, prefilter)
        if prefilter is not None:
            PREFILTERS[rule_id] = (RULE_FUNCS[rule_id], prefilter)
        return func
    return deco


def _filtered(func: RuleFunc, prefilter: Prefilter) -> RuleFunc:
    def run(text: str, r: Rule) -> Iterator[Hit]:
        if prefilter(text):
            yield from func(text, r)

    run.__doc__ = func.__doc__
    return run


def _alt(words: list[str]) -> str:
    """Regex alternation of literal words, longest first (so "instead of" beats "of")."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _lower_set(rule_id: str, key: str) -> frozenset[str]:
    return frozenset(w.lower() for w in get_rule(rule_id).params.get(key, []))


# --- MT001 ---------------------------------------------------------------------------------
_MT001 = re.compile(
    r"(?<![\w.])(?P<prev>[A-Za-z][A-Za-z.'’-]*)(?P<stop>[.!?][\"'”’)]*)[ \t]+"
    r"(?P<frag>(?P<first>[a-z][\w'’-]*)[^.!?\n]*[.!?]?)")


@lru_cache(maxsize=1)
def _mt001_lists() -> tuple[frozenset[str], frozenset[str]]:
    return _lower_set("MT001", "abbreviations"), _lower_set("MT001", "allowed_starts")


# a flag needs a bare "." then spaces then a lowercase letter (the "stop" and "frag" groups)
_MT001_PRE = re.compile(r"\.[ \t]+[a-z]")


@rule("MT001", lambda text: _MT001_PRE.search(text) is not None)
def mt001(text: str, r: Rule) -> Iterator[Hit]:
    """A lowercase sentence fragment after a full stop ("group. of civil society.")."""
    abbreviations, allowed = _mt001_lists()
    max_words = int(r.params.get("max_words", 12))
    for m in _MT001.finditer(text):
        prev, first = m["prev"], m["first"]
        if len(prev) < 2 or "." in prev or prev.lower().rstrip("'’") in abbreviations:
            continue  # an abbreviation or initial ends in a full stop mid-sentence
        if m["stop"] != ".":
            continue  # "Mamma Mia! which", "Dance? at", '." said': titles and quote slips
        if first.lower() in allowed or any(c.isupper() or c.isdigit() for c in first):
            continue  # iPod, eBay, mp3 ...
        words = len(m["frag"].split())
        if words > max_words:
            continue
        start = m.start("stop")
        yield start, m.end("frag"), {"words": words, "max_words": max_words,
                                     "previous_word": prev}


# --- MT002 ---------------------------------------------------------------------------------
# The mark must not start an emoticon (":-)") and must be followed by a space or a word.
_MT002 = re.compile(r"(?<=[\w)\"”’])(?P<stop>[.!?])[\"”’]?[ \t]+(?P<punct>[,;:])(?=[ \t\w])"
                    r"[ \t]*\w*")


def _mt002_pre(text: str) -> bool:
    """A space or tab right before the comma, semicolon or colon (``[ \t]+(?P<punct>...)``)."""
    return " ," in text or " ;" in text or " :" in text or "\t" in text


@rule("MT002", _mt002_pre)
def mt002(text: str, r: Rule) -> Iterator[Hit]:
    """A sentence that starts with a comma, semicolon or colon ("China. , said")."""
    for m in _MT002.finditer(text):
        yield m.start(), m.end(), {"punct": m["punct"]}


# --- MT003 ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _mt003_re() -> re.Pattern[str]:
    p = get_rule("MT003").params
    n = int(p.get("max_name_words", 3)) - 1
    name = rf"[A-Z][\w'’-]+(?: [A-Z][\w'’-]+){{0,{n}}}"
    return re.compile(
        rf"(?P<prev>\b[A-Z][\w'’-]*)\.[ \t]+(?P<head>{name}), "
        rf"(?P<attr>{_alt(p['attributions'])}) (?P<tail>[^.!?,;:\n]{{1,120}})[.!?]")


@lru_cache(maxsize=1)
def _mt003_pre_re() -> re.Pattern[str]:
    return re.compile(rf", (?:{_alt(get_rule('MT003').params['attributions'])}) ")


@lru_cache(maxsize=1)
def _mt003_needles() -> tuple[str, ...]:
    return tuple(f", {a} " for a in get_rule("MT003").params["attributions"])


def _mt003_pre(text: str) -> bool:
    """", <attr> " somewhere (the regex, starting with ", ", scans faster than ``in``)."""
    return _mt003_pre_re().search(text) is not None


def _mt003_window(text: str) -> tuple[int, int]:
    """Where matches of ``_mt003_re()`` lie: ``(start, end)`` for ``finditer``.  A match
    holds ", <attr> " and, before it, only one ``.?!`` (the stop after ``prev``: the name,
    the head and the spaces hold none), so it starts after the second-last ``.?!`` before
    the first ", <attr> " of the text (later ones have at least as many marks before them);
    after its ", <attr> " come at most 120 characters of tail and the final mark."""
    needles = _mt003_needles()
    found = [i for i in map(text.find, needles) if i >= 0]
    if not found:
        return 0, len(text)
    end = min(found)
    for _ in range(2):
        end = max(text.rfind(".", 0, end), text.rfind("?", 0, end), text.rfind("!", 0, end))
        if end < 0:
            break
    last = max(map(text.rfind, needles))
    return end + 1, min(len(text), last + max(map(len, needles)) + 121)


@rule("MT003", _mt003_pre)
def mt003(text: str, r: Rule) -> Iterator[Hit]:
    """A name + attribution left as its own "sentence" ("Russia. Ukraine, according to X.")."""
    max_tail = int(r.params.get("max_tail_words", 8))
    for m in _mt003_re().finditer(text, *_mt003_window(text)):
        tail_words = len(m["tail"].split())
        if tail_words <= max_tail:
            yield m.start(), m.end(), {"head": m["head"], "attribution": m["attr"],
                                       "tail_words": tail_words, "max_tail_words": max_tail}


# --- MT004 ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _mt004() -> tuple[re.Pattern[str], frozenset[str]]:
    p = get_rule("MT004").params
    pattern = re.compile(
        rf"(?<![\w'’/@.-])(?P<left>[a-z][a-z'’-]+) (?P<right>(?:{_alt(p['openers'])}) "
        r"[a-z][a-z'’-]*)\b")
    return pattern, _lower_set("MT004", "title_cues")


@lru_cache(maxsize=1)
def _mt004_pre_re() -> re.Pattern[str]:
    return re.compile(rf"[a-z'’-] (?:{_alt(get_rule('MT004').params['openers'])}) [a-z]")


@lru_cache(maxsize=1)
def _mt004_opener() -> re.Pattern[str]:
    return re.compile(rf"(?:{_alt(get_rule('MT004').params['openers'])}) [a-z]")


_LOWER_OR_JOINER = frozenset("abcdefghijklmnopqrstuvwxyz'’-")


def _mt004_pre(text: str) -> bool:
    """``_mt004_pre_re().search(text)``, scanning for the capitalised opener first (a rare
    letter) and then looking at the two characters before it."""
    opener = _mt004_opener()
    m = opener.search(text)
    while m is not None:
        i = m.start()
        if i >= 2 and text[i - 1] == " " and text[i - 2] in _LOWER_OR_JOINER:
            return True
        m = opener.search(text, i + 1)
    return False


@rule("MT004", _mt004_pre)
def mt004(text: str, r: Rule) -> Iterator[Hit]:
    """A lowercase word running into a capitalised sentence opener ("shows As soon as")."""
    pattern, cues = _mt004()
    for m in pattern.finditer(text):
        if m["left"].lower() in cues:
            continue
        yield m.start(), m.end(), {"left": m["left"], "right": m["right"]}


# --- MT005 ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _mt005() -> re.Pattern[str]:
    p = get_rule("MT005").params
    suffix = re.escape(p.get("suffix", "ing"))
    return re.compile(rf"\b(?P<modal>{_alt(p['modals'])})\s+"
                      rf"(?P<words>[A-Z][a-z]+{suffix}\b(?:\s+[A-Z][a-z]+\b)*)")


@lru_cache(maxsize=1)
def _mt005_pre_re() -> re.Pattern[str]:
    p = get_rule("MT005").params
    suffix = re.escape(p.get("suffix", "ing"))
    return re.compile(rf"(?:{_alt(p['modals'])})\s+[A-Z][a-z]+{suffix}\b")


@lru_cache(maxsize=1)
def _mt005_reversed() -> re.Pattern[str]:
    """``_mt005_pre_re()`` on the reversed text, without its final ``\\b``: it starts with
    the reversed suffix, a literal the regex engine scans for quickly."""
    p = get_rule("MT005").params
    suffix = re.escape(p.get("suffix", "ing")[::-1])
    modals = _alt([m[::-1] for m in p["modals"]])
    return re.compile(rf"{suffix}[a-z]+[A-Z]\s+(?:{modals})")


_BOUNDARY = re.compile(r"\b")


def _mt005_pre(text: str) -> bool:
    r"""``_mt005_pre_re().search(text)``, run backwards.  ``[a-z]+`` between the capital
    and the suffix matches the same letters either way (backwards it runs to the capital);
    the word boundary after the suffix is checked forwards."""
    rev = text[::-1]
    pattern = _mt005_reversed()
    n = len(text)
    m = pattern.search(rev)
    while m is not None:
        if _BOUNDARY.match(text, n - m.start()):
            return True
        m = pattern.search(rev, m.start() + 1)
    return False


@rule("MT005", _mt005_pre)
def mt005(text: str, r: Rule) -> Iterator[Hit]:
    """A modal followed by a Title Case -ing word ("must Facilitating Banking")."""
    for m in _mt005().finditer(text):
        yield m.start(), m.end(), {"modal": m["modal"], "words": m["words"]}


# --- MT006 ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _mt006() -> re.Pattern[str]:
    return re.compile(rf"\bto\s+(?P<modal>{_alt(get_rule('MT006').params['modals'])})"
                      r"\s+(?P<verb>[a-z]+)\b")


@lru_cache(maxsize=1)
def _mt006_pre() -> re.Pattern[str]:
    return re.compile(rf"to\s+(?:{_alt(get_rule('MT006').params['modals'])})\s+[a-z]")


@rule("MT006", lambda text: _mt006_pre().search(text) is not None)
def mt006(text: str, r: Rule) -> Iterator[Hit]:
    """'to' + modal + verb ("threatening to will cut")."""
    not_after = _lower_set("MT006", "not_after")
    for m in _mt006().finditer(text):
        if m["verb"] in not_after:
            continue
        yield m.start(), m.end(), {"modal": m["modal"], "verb": m["verb"]}


# --- MT007 ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _mt007() -> tuple[re.Pattern[str], frozenset[str]]:
    p = get_rule("MT007").params
    pattern = re.compile(rf"(?<![\w'’-])(?P<prep>{_alt(p['prepositions'])})"
                         r"\s+to\s+(?P<verb>[a-z]+)\b")
    return pattern, _lower_set("MT007", "not_verbs")


@lru_cache(maxsize=1)
def _mt007_pre_re() -> re.Pattern[str]:
    return re.compile(rf"(?:{_alt(get_rule('MT007').params['prepositions'])})\s+to\s+[a-z]")


@lru_cache(maxsize=1)
def _mt007_reversed() -> re.Pattern[str]:
    """``(?:prepositions)\\s+to`` on the reversed text: it starts with the literal "ot"."""
    preps = _alt([p[::-1] for p in get_rule("MT007").params["prepositions"]])
    return re.compile(rf"ot\s+(?:{preps})")


_TO_VERB = re.compile(r"to\s+[a-z]")


def _mt007_pre(text: str) -> bool:
    """``_mt007_pre_re().search(text)``: a preposition, white space and "to" found
    backwards, the white space and lower-case letter after "to" checked forwards."""
    rev = text[::-1]
    pattern = _mt007_reversed()
    n = len(text)
    m = pattern.search(rev)
    while m is not None:
        if _TO_VERB.match(text, n - 2 - m.start()):
            return True
        m = pattern.search(rev, m.start() + 1)
    return False


@rule("MT007", _mt007_pre)
def mt007(text: str, r: Rule) -> Iterator[Hit]:
    """A preposition followed by 'to' + verb ("abstaining from to call")."""
    pattern, not_verbs = _mt007()
    for m in pattern.finditer(text):
        if m["verb"] not in not_verbs:
            yield m.start(), m.end(), {"prep": m["prep"], "verb": m["verb"]}


# --- DUP001 --------------------------------------------------------------------------------
_DUP = re.compile(r"(?<![\w'’-])(?P<w>[^\W\d_][\w'’-]*)[ \t]+(?P=w)(?![\w'’-])")
# ASCII bytes that cannot be in a run of [\w'’-] -> spaces (UTF-8 bytes of others kept)
_DUP_RUNS = bytes(c if chr(c).isalnum() or c in b"_'-" else 32 for c in range(128)) + \
    bytes(range(128, 256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_RUN_CHAR = re.compile(r"[\w'’-]")


def _dup_runs(text: str) -> list[bytes]:
    r"""The maximal runs of ``[\w'’-]`` in ``text``, UTF-8 encoded.  Byte-wise, once the
    (few distinct) non-ASCII characters outside the class are spaces."""
    if not text.isascii():
        for c in set(_NON_ASCII.findall(text)):
            if not _RUN_CHAR.match(c):
                text = text.replace(c, " ")
    return text.encode("utf-8", "surrogatepass").translate(_DUP_RUNS).split()


def _dup001_pre(text: str) -> bool:
    r"""Two equal runs of ``[\w'’-]`` in a row: the two copies of ``w`` in a match are
    maximal runs with only ``[ \t]+`` between them."""
    runs = _dup_runs(text)
    return any(map(eq, runs, islice(runs, 1, None)))


@lru_cache(maxsize=1)
def _dup001_allowed() -> frozenset[str]:
    return _lower_set("DUP001", "allowed") | _lower_set("DUP001", "function_words")


@rule("DUP001", _dup001_pre)
def dup001(text: str, r: Rule) -> Iterator[Hit]:
    """The same word twice in a row ("Corporation Corporation").

    The hits of ``_DUP.finditer(text)`` that pass the word tests, found word by word: a
    match is two copies of a maximal run, so it only starts where a run repeated in a row
    does, and matches of different words never overlap (each starts at a run of its own
    word), so each word's matches can be collected on their own and merged by position.
    """
    allowed = _dup001_allowed()
    institutions = frozenset(r.params.get("institution_words", []))
    min_len = int(r.params.get("min_length", 3))
    runs = _dup_runs(text)
    hits: list[Hit] = []
    for run in set(compress(runs, map(eq, runs, islice(runs, 1, None)))):
        w = run.decode("utf-8", "surrogatepass")
        if len(w) < min_len or w.lower() in allowed:
            continue
        if w[0].isupper() and w not in institutions:
            continue  # titles and names: "Spend Spend Spend", "Bafana Bafana"
        i = text.find(w)
        while i >= 0:  # finditer restricted to this word: the leftmost match, then after it
            m = _DUP.match(text, i)
            if m is not None and m["w"] == w:
                hits.append((m.start(), m.end(), {"word": w, "min_length": min_len}))
                i = text.find(w, m.end())
            else:
                i = text.find(w, i + 1)
    hits.sort(key=itemgetter(0))
    yield from hits


# --- PUN001 --------------------------------------------------------------------------------
_SLASH = re.compile(r"(?<![\w/.])(?P<a>[a-z]{2,}) / (?P<b>[a-z]{2,})(?![\w/.])")


@rule("PUN001", lambda text: " / " in text)
def pun001(text: str, r: Rule) -> Iterator[Hit]:
    """Two lowercase alternatives around a spaced slash ("essential / primary")."""
    units = _lower_set("PUN001", "units")
    for m in _SLASH.finditer(text):
        if m["b"] not in units:
            yield m.start(), m.end(), {"first": m["a"], "second": m["b"]}


# --- LEX001 --------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")


@lru_cache(maxsize=1)
def calque_lexicon() -> dict[str, list[tuple[tuple[str, ...], str, str]]]:
    """The calque lexicon indexed by first word: ``{first: [(words, expected, source)]}``.

    Indexing by first word turns matching into one dict lookup per text word, which is
    faster than one big alternation regex (Python's ``re`` tries alternatives one by one).
    """
    index: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
    for line in data_text(get_rule("LEX001").params["lexicon"]).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, expected, source = [*line.split("\t"), "", ""][:3]
        words = tuple(phrase.lower().split())
        index.setdefault(words[0], []).append((words, expected, source))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


@lru_cache(maxsize=1)
def _calque_bigrams() -> frozenset[tuple[str, ...]]:
    """First two words of every lexicon phrase (single words are padded to match nothing)."""
    return frozenset(words[:2] if len(words) > 1 else (words[0], "")
                     for entries in calque_lexicon().values() for words, _e, _s in entries)


@lru_cache(maxsize=1)
def _calque_seconds() -> dict[str, frozenset[str]]:
    """:func:`_calque_bigrams` as first word -> second words."""
    seconds: dict[str, set[str]] = {}
    for first, second in _calque_bigrams():
        seconds.setdefault(first, set()).add(second)
    return {first: frozenset(s) for first, s in seconds.items()}


def _bigram_heads(words: list[str]) -> Iterator[int]:
    """Each ``i`` with ``(words[i], words[i + 1])`` in :func:`_calque_bigrams`, in order
    (first words are looked up in C; the few hits check the next word)."""
    seconds = _calque_seconds()
    for i in compress(range(len(words) - 1), map(seconds.__contains__, words)):
        if words[i + 1] in seconds[words[i]]:
            yield i


@lru_cache(maxsize=1)
def _calque_singles() -> frozenset[str]:
    """Lexicon phrases of one word."""
    return frozenset(words[0] for entries in calque_lexicon().values()
                     for words, _e, _s in entries if len(words) == 1)


_NON_WORD = re.compile(r"[^a-z'’-]+")
_NON_WORD_BYTES = bytes(c if 97 <= c <= 122 or c in b"'-" else 32 for c in range(256))
_NEXT_WORD = re.compile(r"[ \t\n]+([A-Za-z]+(?:['’-][A-Za-z]+)*)")


# _NON_WORD_BYTES keeping byte 1, which stands in for "’": no lexicon word holds either, so a
# word with "’" matches none of them either way
_NON_WORD_BYTES_1 = _NON_WORD_BYTES[:1] + bytes([1]) + _NON_WORD_BYTES[2:]


@lru_cache(maxsize=1)
def _phrases_hold_curly() -> bool:
    return any("’" in w or "\x01" in w for entries in calque_lexicon().values()
               for words, _e, _s in entries for w in words)


def _lex_string(text: str) -> str | None:
    """``text.lower()`` with ``_NON_WORD``'s characters made spaces and "’" made "\\x01"
    (which no lexicon word holds), byte-wise; None when that does not apply."""
    low = text.lower()
    table = _NON_WORD_BYTES
    if "’" in low:
        if "\x01" in low or _phrases_hold_curly():
            return None
        low = low.replace("’", "\x01")
        table = _NON_WORD_BYTES_1
    return low.encode("utf-8", "surrogatepass").translate(table).decode("ascii")


def _lex_words(text: str) -> list[str]:
    """Lower-cased runs of ``[a-z'’-]`` (``_NON_WORD``'s characters -> spaces), as far as
    the lexicon can tell: "’" may come back as "\\x01"."""
    spaced = _lex_string(text)
    if spaced is None:
        return _NON_WORD.sub(" ", text.lower()).split()
    return spaced.split()


# The only characters outside ASCII whose lower case holds an ASCII letter, "'" or "-"
# (tests/test_damage_prefilters.py checks the whole of Unicode).
_LOWER_TO_ASCII = ("\u0130", "\u212a")
_JOINERS = ("'", "-", "\x01")


def _lower_words(text: str, spaced: str | None) -> list[str]:
    """``[w.lower() for w in _WORD.findall(text)]``, as far as the lexicon can tell ("’" may
    come back as "\\x01"), from ``_lex_string(text)`` when given: its runs are those of
    ``[A-Za-z'’-]`` lower-cased, and _WORD's words are those runs with every joiner that
    does not sit between two letters made a space."""
    if spaced is None or any(c in text for c in _LOWER_TO_ASCII):
        return list(map(str.lower, _WORD.findall(text)))
    kinds = [j for j in _JOINERS if j in spaced]
    if kinds:
        return split_without_lone(
            spaced, [p for j in kinds for p in (f" {j}", f"{j} ", *(j + k for k in kinds))])
    return spaced.split()


@rule("LEX001")
def lex001(text: str, r: Rule) -> Iterator[Hit]:
    """A phrase from the calque lexicon, matched on lowercase word n-grams.

    Only words that start a lexicon phrase look ahead (separated by whitespace only), so a
    text costs one dict lookup per word.
    """
    index = calque_lexicon()
    spaced = _lex_string(text)
    words = _NON_WORD.sub(" ", text.lower()).split() if spaced is None else spaced.split()
    if next(_bigram_heads(words), None) is None:
        return  # prefilter: most texts contain no first two words of any phrase in a row
    # A hit is a run of _WORD words equal (lower-cased) to a phrase: the look-ahead below
    # only adds conditions.  Without such a run there is nothing to find.
    low = _lower_words(text, spaced)
    heads = _bigram_heads(low)
    if not any(tuple(low[i:i + len(words)]) == words
               for i in chain(heads, compress(range(len(low)),
                                              map(_calque_singles().__contains__, low)))
               for words, _e, _s in index[low[i]]):
        return
    pos = 0
    for m in _WORD.finditer(text):
        if m.start() < pos:
            continue  # inside the previous match
        entries = index.get(m.group().lower())
        if not entries:
            continue
        for words, expected, source in entries:
            end = m.end()
            for want in words[1:]:
                nxt = _NEXT_WORD.match(text, end)
                if nxt is None or nxt.group(1).lower() != want:
                    break
                end = nxt.end()
            else:
                yield m.start(), end, {"expected": expected, "source": source}
                pos = end
                break


# --- FMT001 --------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _fmt001() -> re.Pattern[str]:
    units = _alt(get_rule("FMT001").params["units"])
    return re.compile(rf"(?<![\d.,])\d{{1,3}},\d{{1,2}}(?![\d,])(?:\s*(?:{units}))(?![A-Za-z])")


# the decimal part: a comma, one or two digits, no digit or comma after them
_FMT001_PRE = re.compile(r",\d{1,2}(?![\d,])")


@rule("FMT001", lambda text: _FMT001_PRE.search(text) is not None)
def fmt001(text: str, r: Rule) -> Iterator[Hit]:
    """A decimal comma before a unit ("1,13 billion", "2,5%")."""
    for m in _fmt001().finditer(text):
        yield m.start(), m.end(), {"number": m.group().split()[0]}


# --- FMT002 --------------------------------------------------------------------------------
_SPACED_PCT = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)? %(?!\w)")


@rule("FMT002", lambda text: " %" in text)
def fmt002(text: str, r: Rule) -> Iterator[Hit]:
    """A number, a space, then "%" ("70 %")."""
    for m in _SPACED_PCT.finditer(text):
        yield m.start(), m.end(), {}


# --- FMT003 --------------------------------------------------------------------------------
_CURRENCY_WORD = re.compile(
    r"(?<![\w.,])\d[\d.,]*\s+(?:(?:(?P<mag>million|billion|trillion)\s+)?"
    r"(?:US |U\.S\. |American )?dollars"
    r"|(?P<mag2>million|billion|trillion)\s+(?:British )?pounds(?: sterling)?)\b")


@rule("FMT003", lambda text: "dollars" in text or "pounds" in text)
def fmt003(text: str, r: Rule) -> Iterator[Hit]:
    """An amount followed by "dollars" (or "million pounds")."""
    for m in _CURRENCY_WORD.finditer(text):
        yield m.start(), m.end(), {"magnitude": m["mag"] or m["mag2"]}
