"""Sentence segmentation: offsets, news abbreviations, line boundaries, damaged fragments."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from dedupe_news.segment import split_sentences

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
    corpus = Path("/work/shared/corpus/bbc-news-2004-2005.jsonl")
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
