"""Rule prefilters (:mod:`dedupe_news.damage.rules`) never change a rule's flags.

A prefilter is a cheap test that must be true whenever its rule can yield a hit.  Every rule
runs here with and without its prefilter on the rule examples, the damage cases, the seeds,
the BBC corpus and generated texts built from the examples (mixed with spacing, punctuation
and non-ASCII characters that the byte-wise prefilters treat specially).
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, SHARED
from dedupe_news.damage import load_rules
from dedupe_news.damage.rules import RULE_FUNCS, UNFILTERED

CASES = Path(__file__).parent / "cases" / "damage"
CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
RULES = load_rules()
HYP = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(text: str) -> None:
    for r in RULES:
        got = list(RULE_FUNCS[r.id](text, r))
        want = list(UNFILTERED[r.id](text, r))
        assert got == want, (r.id, text)


@cache
def _examples() -> tuple[str, ...]:
    texts = [t for r in RULES for t in (r.positive, r.negative)]
    for name in ("positive.json", "negative.json", "known_failures.json"):
        texts += [c["text"] for c in json.loads((CASES / name).read_text(encoding="utf-8"))]
    return tuple(texts)


def test_every_rule_has_an_unfiltered_twin() -> None:
    assert sorted(UNFILTERED) == sorted(RULE_FUNCS)


def test_examples_and_cases() -> None:
    for text in _examples():
        _same(text)


def _seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]


def _corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def test_seeds() -> None:
    for text in _seed_texts():
        _same(text)


@pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not available")
def test_bbc_corpus() -> None:
    for text in _corpus_texts():
        _same(text)


_NOISE = ("", " ", "  ", "\t", "\n", ". ", ", ", " , ", " ; ", " : ", " / ", " %", "’", "'",
          "-", "“", "”", "£", "—", "\u00a0", "é", "Ä", "İ", "K", "ſ", "中", "\u2028", "(", ")",
          "the the", "The The", "said said", "“the the”", "café café", "a/b a/b", "1,5 m",
          "12,25%", "464,000", "to will go", "from to see", "must Facilitating", "ing",
          "shows As soon as", ". of the", "Russia. Ukraine, according to X.", "dollars",
          "pounds", "The", "a",
          # edges of the prefilters: the character classes and \s of the rule regexes
          " rock’ They went", " well- As we saw", " o'er They said", "must\tFacilitating Banking",
          "would\nCrossing Borders", "to\twill cut", "to\n may go", "from\tto call",
          "instead of\nto go", " 3,5\tbn", "it's\tit's", "Inc Inc", "and  and")


@st.composite
def texts(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    pool = _examples()
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        if rng.random() < 0.5:
            ex = rng.choice(pool)
            a = rng.randrange(len(ex) + 1)
            parts.append(ex[a:a + rng.randint(1, 120)])
        else:
            parts.append(rng.choice(_NOISE))
        parts.append(rng.choice(_NOISE))
    return "".join(parts)


@HYP
@given(texts())
def test_generated_texts(text: str) -> None:
    _same(text)


# --- fast paths against the plain definitions they replace ---------------------------------
# The prefilters of MT003/MT004/MT005/MT007 answer the same as the regexes they stand for,
# and DUP001, LEX001 and MT003 find the same hits as the plain loops below (the code as it
# was before those rules were sped up).

from itertools import pairwise  # noqa: E402

from dedupe_news.damage import rules as R  # noqa: E402
from dedupe_news.damage.registry import get_rule  # noqa: E402

_REGEX_PREFILTERS = {"MT003": (R._mt003_pre, R._mt003_pre_re),
                     "MT004": (R._mt004_pre, R._mt004_pre_re),
                     "MT005": (R._mt005_pre, R._mt005_pre_re),
                     "MT007": (R._mt007_pre, R._mt007_pre_re)}


def _plain_dup001(text: str) -> list[R.Hit]:
    r = get_rule("DUP001")
    allowed = R._dup001_allowed()
    institutions = frozenset(r.params.get("institution_words", []))
    min_len = int(r.params.get("min_length", 3))
    out: list[R.Hit] = []
    for m in R._DUP.finditer(text):
        w = m["w"]
        if len(w) < min_len or w.lower() in allowed:
            continue
        if w[0].isupper() and w not in institutions:
            continue
        out.append((m.start(), m.end(), {"word": w, "min_length": min_len}))
    return out


def _plain_lex001(text: str) -> list[R.Hit]:
    index = R.calque_lexicon()
    words = R._NON_WORD.sub(" ", text.lower()).split()
    if R._calque_bigrams().isdisjoint(pairwise(words)):
        return []
    out: list[R.Hit] = []
    pos = 0
    for m in R._WORD.finditer(text):
        if m.start() < pos:
            continue
        for phrase, expected, source in index.get(m.group().lower(), ()):
            end = m.end()
            for want in phrase[1:]:
                nxt = R._NEXT_WORD.match(text, end)
                if nxt is None or nxt.group(1).lower() != want:
                    break
                end = nxt.end()
            else:
                out.append((m.start(), end, {"expected": expected, "source": source}))
                pos = end
                break
    return out


def _plain_mt003(text: str) -> list[R.Hit]:
    max_tail = int(get_rule("MT003").params.get("max_tail_words", 8))
    out: list[R.Hit] = []
    for m in R._mt003_re().finditer(text):
        tail_words = len(m["tail"].split())
        if tail_words <= max_tail:
            out.append((m.start(), m.end(), {"head": m["head"], "attribution": m["attr"],
                                             "tail_words": tail_words,
                                             "max_tail_words": max_tail}))
    return out


_PLAIN = {"DUP001": _plain_dup001, "LEX001": _plain_lex001, "MT003": _plain_mt003}


def _same_as_plain(text: str) -> None:
    for rule_id, (fast, regex) in _REGEX_PREFILTERS.items():
        assert fast(text) == (regex().search(text) is not None), (rule_id, text)
    for rule_id, plain in _PLAIN.items():
        assert list(RULE_FUNCS[rule_id](text, get_rule(rule_id))) == plain(text), (rule_id, text)


def test_fast_paths_on_examples_and_seeds() -> None:
    for text in (*_examples(), *_seed_texts()):
        _same_as_plain(text)


@pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not available")
def test_fast_paths_on_bbc_corpus() -> None:
    for text in _corpus_texts():
        _same_as_plain(text)


_CALQUES = tuple(" ".join(words) for entries in R.calque_lexicon().values()
                 for words, _e, _s in entries)
_HARD = ("Word Word", "Tech tech", "the the the", "co-op co-op", "x1 x1", "abc abcd abcd",
         "Bank Bank Bank", "’tis ’tis", "a’b a’b", "\x01", "’", "İs", "K", "Sing Singing",
         "must\u00a0Running", "Russia. Ukraine, according to", ". X. Y, citing Z.", "?!",
         "from  to  see", "to to see", "of to to go", "shows  As we", "\n", "\t")


@st.composite
def hard_texts(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        pick = rng.random()
        if pick < 0.3:
            phrase = rng.choice(_CALQUES)
            parts.append(phrase.title() if rng.random() < 0.2 else phrase)
        elif pick < 0.6:
            parts.append(rng.choice(_HARD))
        else:
            parts.append(rng.choice(_NOISE))
        parts.append(rng.choice(("", " ", "  ", "\n", " '", "' ", "-", "\t", ". ", ", ", " ’",
                                 "’ ", "\x00", "\x01")))
    return "".join(parts)


@HYP
@given(st.one_of(texts(), hard_texts()))
def test_fast_paths_on_generated_texts(text: str) -> None:
    _same_as_plain(text)


def _same_words(text: str) -> None:
    want = [w.lower() for w in R._WORD.findall(text)]
    spaced = R._lex_string(text)
    if spaced is not None:
        got = R._lower_words(text, spaced)
        assert [w.replace("\x01", "’") for w in got] == want, text
    plain = R._NON_WORD.sub(" ", text.lower()).split()
    assert R._lex_words(text) in (plain, [w.replace("’", "\x01") for w in plain]), text


@HYP
@given(st.one_of(texts(), hard_texts(),
                 st.lists(st.sampled_from([*"aZ'’-\x01 \t\n.,9_éİK", "word", "x-y", "a'b",
                                           "a’b", "--", "''"]), max_size=60).map("".join)))
def test_lex001_word_lists(text: str) -> None:
    _same_words(text)


def test_lower_case_reaching_ascii() -> None:
    """The characters outside ASCII whose lower case holds an ASCII letter, "'" or "-"."""
    ascii_word = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'-")
    found = tuple(c for c in map(chr, range(0x80, 0x110000)) if set(c.lower()) & ascii_word)
    assert found == R._LOWER_TO_ASCII
    assert not any("’" in c.lower() for c in map(chr, range(0x110000)) if c != "’")


@pytest.mark.parametrize("quote", ["'", "’", "-", "\x00", "\x01", ""])
def test_lex001_quoted_calque(quote: str) -> None:
    """A calque right after a quote: the prefilter reads "’savvy" as one word, as before."""
    text = f"It was a {quote}{_CALQUES[0]}{quote} plan, and {quote}{_CALQUES[1]}."
    _same_as_plain(text)
    _same_words(text)


@pytest.mark.parametrize("tail", [1, 60, 119, 120, 121])
@pytest.mark.parametrize("lead", ["", "Aa. Bb. ", "Aa? Bb! Cc. ", "x"])
def test_mt003_window_edges(tail: int, lead: str) -> None:
    """MT003 reads only a window around ", <attr> ": attributions at the start and end of
    the text, tails of up to 120 characters and the marks before the stop."""
    body = ("y" * (tail - 1) + " ")[:tail]
    for attr in get_rule("MT003").params["attributions"]:
        for text in (f"{lead}Russia. Ukraine Kyiv, {attr} {body}.",
                     f"{lead}Russia. Ukraine Kyiv, {attr} {body}. Aa. Bb Cc, {attr} {body}!"):
            _same_as_plain(text)
            assert _plain_mt003(text) or tail > 120 or lead == "x"
