"""The JSONL fast path (orjson, for the common record) gives what the json path gives:
the same Article, or the full path's Reject or None, line for line."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dedupe_news.features import _lines_worker
from dedupe_news.load import parse_jsonl_line, plain_record

_TEXTS = st.sampled_from(["A story. It has words.", "", "   ", "\u00a0\u2028", "caf\u00e9 \u4e2d",
                          "\ud800 lone", "line\nbreak", "tab\there", "\x00nul", "\U0001f600"])
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), _TEXTS,
                    st.lists(st.integers(), max_size=2), st.dictionaries(_TEXTS, st.none(),
                                                                         max_size=2))
_KEYS = st.sampled_from(["id", "text", "title", "url", "source", "published", "extra"])


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    obj = draw(st.dictionaries(_KEYS, _VALUES, max_size=7))
    if draw(st.booleans()):
        obj.setdefault("id", draw(st.sampled_from(["a1", "", "x" * 5])))
        obj.setdefault("text", draw(_TEXTS))
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0 and obj:  # a key twice: the last one counts
        text = text[:-1] + ', "text": "again"}'
    raw = text.encode("utf-8", "surrogatepass")
    tail = draw(st.sampled_from([b"", b"\n", b"\r\n", b" \t", b"\r", b"x", b"\xff"]))
    head = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b" ", b"["]))
    return head + raw + tail


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines(), st.sampled_from([1, 2]))
@example(b'{"id": "a", "text": "x", "n": ' + b"[" * 1000 + b"]" * 1000 + b"}", 2)
@example(b'{"id": "a", "text": "\\ud800"}', 2)
@example(b'{"id": "a", "text": "x", "n": NaN}', 2)
@example(b'{"id": "a", "text": "x", "n": 1' + b"0" * 5000 + b"}", 2)
@example(b'{"id": "a", "text": "\xed\xa0\x80"}', 2)
@example(b'{"id": "a", "text": "x", "id": 7}', 2)
def test_fast_path_equals_the_json_path(raw: bytes, lineno: int) -> None:
    assert parse_jsonl_line(raw, "f.jsonl", lineno) == \
        parse_jsonl_line(raw, "f.jsonl", lineno, fast=False)
    obj = plain_record(raw)
    if obj is not None:  # the worker's short cut reads the same fields
        art = parse_jsonl_line(raw, "f.jsonl", lineno, fast=False)
        assert (obj["id"], obj["text"], obj.get("title"), obj.get("published")) == \
            (art.id, art.text, art.title, art.published)  # type: ignore[union-attr]


def test_worker_reads_fast_and_slow_lines_alike() -> None:
    from dedupe_news.features import _init

    _init(16, 1)
    raws = [b'{"id": "a", "text": "One story here. It is short."}\n',
            b'{"id": 5, "text": "A numbered id. Still a story.", "title": 3}\n',
            b'{"id": "c", "text": "Tags too. A story.", "tags": ["x"]}\n', b"\n",
            b'{"id": "d", "text": "  "}\n']
    blob = b"".join(raws)
    part, ids, published, odd = _lines_worker((["f"] * 5, [1, 2, 3, 4, 5], blob,
                                               [len(r) for r in raws]))
    assert ids == ["a", "5", "c"] and published == [None, None, None]
    assert [k for k, _ in odd] == [3, 4] and odd[0][1] is None
    assert len(part) == 3
