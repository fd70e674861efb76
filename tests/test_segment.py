"""Sentence segmentation: offsets, news abbreviations, line boundaries, damaged fragments."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED
from dedupe_news.segment import sentence_bounds, split_sentences

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def texts(s: str) -> list[str]:
    return [sp.text for sp in split_sentences(s)]


@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith went to Washington. He met Gen. Zhang there.",
     ["Mr. Smith went to Washington.", "He met Gen. Zhang there."]),
    ("Wuhan Tongsheng Technology Co. Ltd. and Hikvision supply parts. Others do not.",
     ["Wuhan Tongsheng Technology Co. Ltd. and Hikvision supply parts.", "Others do not."]),
    ("According to U.S. assessments, China sold more. Russia bought it.",
     ["According to U.S. assessments, China sold more.", "Russia bought it."]),
    ("Acme Corp. said on Jan. 5 that it grew. Shares rose.",
     ["Acme Corp. said on Jan. 5 that it grew.", "Shares rose."]),
    ('He said: "Yes." Then he left! Really? yes.',
     ['He said: "Yes."', "Then he left!", "Really?", "yes."]),
    ("It cost $1.5bn in 2004. Analysts were surprised.",
     ["It cost $1.5bn in 2004.", "Analysts were surprised."]),
    ("J. K. Rowling wrote it. She said so.", ["J. K. Rowling wrote it.", "She said so."]),
])
def test_news_sentences(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_damaged_fragment_stays_its_own_unit() -> None:
    text = ("Russian imports rose, according to the Free Russia Foundation, a development "
            "advocacy group. of civil society. Beijing is also working with Russia.")
    assert texts(text)[1] == "of civil society."
    assert len(texts(text)) == 3


def test_line_breaks_and_blank_lines_are_boundaries() -> None:
    assert texts("Line one\nline two. Three\r\n\r\nfour\u2029five") == [
        "Line one", "line two.", "Three", "four", "five"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\r\n"])
def test_empty_gives_nothing(text: str) -> None:
    assert split_sentences(text) == []


def test_offsets_point_into_text_as_read() -> None:
    text = "\ufeff  Caf\u00e9 \u2014 \U0001f600 one.  Two?\n\n\t Three \u2028 four.  "
    spans = split_sentences(text)
    assert [s.text for s in spans] == ["\ufeff  Caf\u00e9 \u2014 \U0001f600 one.".strip(),
                                       "Two?", "Three", "four."]
    for s in spans:
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip()


def test_seed_004_segments() -> None:
    text = (SEEDS / "004_e07beac21c845ad2.txt").read_text(encoding="utf-8")
    got = texts(text)
    assert got[0] == "date 2024-04-13"
    assert "Ukraine, according to an American assessment." in got
    assert "of civil society." in got
    assert any(s.startswith("Chinese companies Wuhan Global Sensor Technology Co., Wuhan "
                            "Tongsheng Technology Co. Ltd. and Hikvision") for s in got)
    assert len(got) == 17


def test_offsets_on_corpus_sample() -> None:
    corpus = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
    if not corpus.exists():
        pytest.skip("BBC corpus not present")
    with corpus.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= 200:
                break
            text = json.loads(line)["text"]
            spans = split_sentences(text)
            assert spans, text[:80]
            for a, b in itertools.pairwise(spans):
                assert a.end <= b.start
            for s in spans:
                assert text[s.start:s.end] == s.text


def test_params_are_json_not_pickle() -> None:
    data = ROOT / "src" / "dedupe_news" / "data"
    doc = json.loads((data / "punkt_news_en.json").read_text(encoding="utf-8"))
    assert doc["format"] == "punkt-params/1"
    assert not list(data.glob("*.pickle")) and not list(data.glob("*.pkl"))


# --- the fast candidate scan and the line cache against the plain segmenter ----------------

def _plain_split(text: str) -> list[tuple[int, int, str]]:
    """split_sentences as first written: every candidate of the regex, Punkt uncached."""
    from dedupe_news import segment as sg

    def is_break(m: re.Match[str]) -> bool:
        prev, punct, _close, nxt = m.groups()
        if nxt is None:
            return False
        if "?" in punct or "!" in punct:
            return True
        tok = sg.load_tokenizer()
        if not prev:
            return len(punct) == 1 or bool(tok.text_contains_sentbreak(f"{punct} {nxt}"))
        typ = prev.lower()
        if typ in sg._titles():
            return False
        if (len(punct) == 1 and not sg._NUMBER.match(typ) and not sg._INITIAL.match(prev)
                and typ not in tok._params.abbrev_types
                and typ.split("-")[-1] not in tok._params.abbrev_types
                and (typ, nxt.lower()) not in tok._params.collocations):
            return True
        return bool(tok.text_contains_sentbreak(f"{prev}{punct} {nxt}"))

    out: list[tuple[int, int, str]] = []

    def add(start: int, end: int) -> None:
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            s = start + (len(chunk) - len(chunk.lstrip()))
            out.append((s, s + len(stripped), stripped))

    for line in sg._LINE.finditer(text):
        base, chunk, pos = line.start(), line.group(), 0
        for m in sg._CANDIDATE.finditer(chunk):
            if is_break(m):
                add(base + pos, base + m.end(3))
                pos = m.end()
        add(base + pos, base + len(chunk))
    return out


def _same_as_plain(text: str) -> None:
    want = _plain_split(text)
    assert [(s.start, s.end, s.text) for s in split_sentences(text)] == want, text
    assert sentence_bounds(text) == [(a, b) for a, b, _t in want]


_BITS = ("Mr.", "U.S.", "Co.", "Ltd.", "J.", "K.", "2004.", "1,000.", "3.5", "...", "?!",
         "end.", "end?", "end!", "'", "\"", "“", "”", "’", "(", ")", "[", "]", "»", "e.g.",
         "etc.", "Inc.", "a.m.", "word", "Word", "x", "of", "—", "\u00a0", "\u2009", "\t",
         "\u2028", "\r\n", "\n", "\u3000", "\x0b", "\x1c", "\x85")
_GLUE = (" ", " ", " ", "  ", "", "\t", "\n", " ' ", " \" ", "\u00a0")


@st.composite
def _segment_texts(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 40))):
        parts.append(rng.choice(_BITS))
        parts.append(rng.choice(_GLUE))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_segment_texts())
def test_fast_split_matches_the_plain_one(text: str) -> None:
    _same_as_plain(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*".?! \t\n\"'“”’()»aZ9,-", "Mr", "U.S", "\u00a0"]),
                max_size=120).map("".join))
def test_fast_split_on_punctuation_soup(text: str) -> None:
    _same_as_plain(text)


def test_fast_split_on_seeds_and_corpus() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        _same_as_plain(path.read_text(encoding="utf-8"))
    corpus = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
    if corpus.exists():
        with corpus.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= 600:
                    break
                _same_as_plain(json.loads(line)["text"])


def test_non_latin_full_stops_end_sentences() -> None:
    zh = "北京时间3月5日，国务院发布报告。报告指出经济增长5%！记者问：“为什么？”回答很简单。"
    for text, n in [(zh, 4),
                    ("قال الوزير إن الحكومة ستعمل. هل هذا صحيح؟ نعم هو صحيح.", 3),
                    ("भारत में चुनाव हुए। सरकार ने कहा कि परिणाम अच्छे हैं।", 2)]:
        spans = split_sentences(text)
        assert len(spans) == n, [s.text for s in spans]
        assert all(text[s.start:s.end] == s.text for s in spans)


def test_punkt_loads_without_nltk_package_init_and_leaves_nltk_importable() -> None:
    """Loading Punkt skips nltk's package __init__ (scipy.stats, sklearn: ~1.8 s a process)
    and leaves no half-made nltk behind: a later ``import nltk`` is the whole package."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from dedupe_news.segment import load_tokenizer, split_sentences\n"
        "tk = load_tokenizer()\n"
        "assert 'scipy.stats' not in sys.modules, 'nltk/__init__ ran'\n"
        "assert not any(k == 'nltk' or k.startswith('nltk.') for k in sys.modules)\n"
        "spans = [s.text for s in split_sentences('Mr. Smith left. He said so.')]\n"
        "assert spans == ['Mr. Smith left.', 'He said so.'], spans\n"
        "import nltk\n"
        "from nltk.tokenize.punkt import PunktSentenceTokenizer\n"
        "assert nltk.tokenize.punkt.PunktSentenceTokenizer is PunktSentenceTokenizer\n"
        "assert list(tk.span_tokenize('One. Two.')) == [(0, 4), (5, 9)]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
