"""Fuzzing (RELIABILITY.md item 31, issue 15): the JSONL reader, the normaliser, the sentence
splitter and the HTML renderer under hypothesis, each bounded to about 15 s.

Inputs mix structure (JSON values nested at any depth, news-like sentences, markup and
control characters) with raw noise, so both the parsers' error paths and their happy paths
are reached.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedupe_news.load import iter_raw_blocks, parse_jsonl_line, read_jsonl
from dedupe_news.model import Article, Reject

FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- the JSONL reader ---------------------------------------------------------------------------

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=20))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)
_RECORD = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=12), st.integers(), _JSON),
     "text": st.one_of(st.text(max_size=60), _JSON)},
    optional={"title": _JSON, "url": _JSON, "extra": _JSON})


def _line(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


_HOSTILE = st.sampled_from([
    b"[" * 3000 + b"]" * 3000,
    b'{"id": "d", "text": "x y.", "a": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"id": ' + b"7" * 5000 + b', "text": "x"}',
    b'{"id": "n", "text": "x", "n": 1e999999}',
    b'{"id": "t", "text": "trunc',
    b"\xef\xbb\xbf",
    b"\x00\x01\x02",
    b"\x89PNG\r\n",
    b"\x1f\x8b\x08",
    b'{"id": "s", "text": "\\ud800 lone"}',
    b"\r",
    b"",
])
_LINES = st.lists(st.one_of(_RECORD.map(_line), _JSON.map(_line), _HOSTILE,
                            st.binary(max_size=40)), max_size=12)


@FUZZ
@given(_LINES, st.booleans(), st.integers(1, 400))
def test_jsonl_reader_never_raises_and_accounts_for_every_line(lines: list[bytes],
                                                               final_break: bool,
                                                               max_bytes: int) -> None:
    data = b"\n".join(x.replace(b"\n", b" ") for x in lines) + (b"\n" if final_break else b"")
    items = list(read_jsonl(io.BytesIO(data), "fuzz.jsonl", max_bytes))
    assert items, "a stream always gives an article or a reject (an empty one is reported)"
    last = 0
    for item in items:
        assert isinstance(item, (Article, Reject))
        if isinstance(item, Reject):
            assert "\n" not in item.message and item.message.startswith("fuzz.jsonl")
            if item.line is not None:
                assert item.line >= last
                last = item.line
        else:
            assert isinstance(item.id, str) and item.id and isinstance(item.text, str)
            json.dumps(item.id)


@FUZZ
@given(_RECORD)
def test_jsonl_records_round_trip_or_are_rejected_with_their_line(record: dict) -> None:
    item = parse_jsonl_line(_line(record), "f", 9)
    if isinstance(item, Article):
        assert item.text == record["text"] and item.origin == "f:9"
    else:
        assert isinstance(item, Reject) and item.line == 9


@settings(max_examples=200, deadline=None)
@given(_LINES)
def test_block_reader_sees_the_same_rejects(tmp_path_factory, lines: list[bytes]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "x.jsonl"
    path.write_bytes(b"\n".join(x.replace(b"\n", b" ") for x in lines))
    # the rejects met before parsing: over-long lines, binary data, a file with no record
    stream = [i for i in read_jsonl(io.BytesIO(path.read_bytes()), str(path)) if
              isinstance(i, Reject) and (i.reason in ("too_large", "binary")
                                         or (i.reason == "empty" and i.line is None))]
    blocks = [b for b in iter_raw_blocks([str(path)]) if isinstance(b, Reject)]
    assert [(r.line, r.reason) for r in blocks] == [(r.line, r.reason) for r in stream]


# --- the normaliser and the sentence splitter ---------------------------------------------------

_WORDS = st.sampled_from([
    "The", "minister", "said", "Dr.", "U.S.", "3.5", "per", "cent", "«quoted»", "“said”",
    "—", "...", "?", "!", "Subscribe", "now", "©", "2024", "Reuters", "\u00a0", "\u200b",
    "e\u0301", "ﬁ", "İstanbul", "中国", "表示。", "مرحبا", "\u202e", "\x00", "\u2028",
    "\u0085", "\r\n", "\n\n", "\t", "<p>", "</script>", "Mr.", "a.m.", "St.",
])
_NEWSY = st.lists(_WORDS, max_size=80).map(" ".join)
_TEXT = st.one_of(_NEWSY, st.text(max_size=300),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))


@FUZZ
@given(_TEXT)
def test_normaliser_prepare_never_raises_and_spans_point_into_the_text(text: str) -> None:
    from dedupe_news.normalize import normalize, prepare

    prepared = prepare(text)
    assert isinstance(prepared.body, str)
    for b in prepared.boilerplate:
        assert text[b.span.start : b.span.end] == b.span.text
    assert normalize(normalize(text)) == normalize(text)


@FUZZ
@given(_TEXT)
def test_sentence_splitter_spans_are_ordered_trimmed_and_exact(text: str) -> None:
    from dedupe_news.segment import split_sentences

    end = 0
    for span in split_sentences(text):
        assert end <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == span.text
        assert span.text.strip() and span.text == span.text.strip()
        end = span.end


# --- the HTML renderer -------------------------------------------------------------------------

_ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "div",
                 "b", "span", "ul", "li", "kbd", "table", "colgroup", "col", "thead", "tr",
                 "th", "tbody", "td", "script"}
_MARKUP = st.sampled_from([
    "<script>alert(1)</script>", "</script><script>alert(2)</script>", "<img src=x onerror=a()>",
    "</textarea>", '"><svg onload=alert(3)>', "javascript:alert(4)", "&amp;", "&lt;b&gt;",
    "<!--", "-->", "<![CDATA[", "]]>", "'", '"', "`", "\x1b[31m", "\u202e",
])
_DOC = st.lists(st.one_of(_WORDS, _MARKUP, st.text(max_size=8)), max_size=60).map(" ".join)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        self.handlers += [k for k, v in attrs if k in ("src", "href") and v]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_DOC, _DOC, st.text(max_size=30), st.text(max_size=30))
def test_html_renderer_keeps_any_text_inert(a: str, b: str, a_name: str, b_name: str) -> None:
    from dedupe_news.align import align_texts
    from dedupe_news.render.html import _SCRIPT, render_alignment

    page = render_alignment(align_texts(a, b), a_name, b_name)
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert set(parser.tags) <= _ALLOWED_TAGS, set(parser.tags) - _ALLOWED_TAGS
    assert parser.tags.count("script") == 1 and parser.scripts == [_SCRIPT]
    assert parser.tags.count("style") == 1
    assert parser.handlers == []
    page.encode("utf-8", "surrogatepass")
