"""Loader and normaliser robustness (RELIABILITY.md items 1-10)."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED, seed_text
from dedupe_news.cluster import cluster_articles
from dedupe_news.load import iter_articles, parse_jsonl_line, read_jsonl
from dedupe_news.model import Article, Reject
from dedupe_news.normalize import find_boilerplate, normalize, prepare
from dedupe_news.shingle import content_stems, shingle_hashes


def test_crlf_bom_and_blank_lines(tmp_path: Path) -> None:
    data = ('\ufeff{"id": "a", "text": "one"}\r\n\r\n{"id": "b", "text": "two"}').encode()
    items = list(read_jsonl(io.BytesIO(data), "x.jsonl"))
    assert [i.id for i in items if isinstance(i, Article)] == ["a", "b"]


def test_text_file_keeps_text_exactly_as_read(tmp_path: Path) -> None:
    raw = "\ufeffLine one.\r\nLine two.\r\n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    (art,) = list(iter_articles([str(tmp_path)]))
    assert isinstance(art, Article) and art.text == raw[1:]


def test_directory_ids_are_relative_paths_without_extension(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.md").write_text("Some text here.", encoding="utf-8")
    (tmp_path / "y.txt").write_text("Other text here.", encoding="utf-8")
    ids = [a.id for a in iter_articles([str(tmp_path)]) if isinstance(a, Article)]
    assert ids == ["sub/x", "y"]


def test_html_main_text_is_extracted_and_scripts_dropped(tmp_path: Path) -> None:
    body = " ".join(["The council approved the new budget for the city schools."] * 6)
    (tmp_path / "p.html").write_text(
        f"<html><head><script>alert(1)</script><title>t</title></head><body>"
        f"<nav>Home | About</nav><article><p>{body}</p></article></body></html>",
        encoding="utf-8")
    (art,) = list(iter_articles([str(tmp_path)]))
    assert isinstance(art, Article)
    assert "council approved" in art.text and "alert(1)" not in art.text


def test_gzip_without_gz_suffix_is_named(tmp_path: Path) -> None:
    import gzip

    p = tmp_path / "x.jsonl"
    p.write_bytes(gzip.compress(b'{"id": "a", "text": "t"}\n'))
    (rej,) = list(iter_articles([str(p)]))
    assert isinstance(rej, Reject) and "jsonl.gz" in rej.message


@pytest.mark.parametrize("text", [None, 5, ["a"], {"x": 1}])
def test_wrong_text_types_are_rejected(text: object) -> None:
    item = parse_jsonl_line(json.dumps({"id": "a", "text": text}).encode(), "f", 3)
    assert isinstance(item, Reject) and item.line == 3


def test_nfc_and_nfd_give_the_same_signature() -> None:
    text = "Der Präsident äußerte sich über die Zölle und Gebühren in München und Köln."
    a = shingle_hashes(content_stems(prepare(unicodedata.normalize("NFC", text)).body))
    b = shingle_hashes(content_stems(prepare(unicodedata.normalize("NFD", text)).body))
    assert list(a) == list(b) and len(a) > 3


def test_cjk_falls_back_to_character_shingles_and_clusters() -> None:
    a = "中国商务部表示，将对美国进口的部分商品加征关税。官员说，这一措施将于下月生效。" * 3
    b = a.replace("下月", "本月")
    assert len(shingle_hashes(content_stems(a))) > 20
    recs = cluster_articles([Article("a", a), Article("b", b)]).records
    assert recs[0]["cluster"] == recs[1]["cluster"]


def test_same_text_in_two_scripts_is_not_merged() -> None:
    latin = seed_text("001")
    table = str.maketrans("aeopcxyABEKMHOPCTX", "аеорсхуАВЕКМНОРСТХ")  # Cyrillic look-alikes
    recs = cluster_articles([Article("lat", latin), Article("cyr", latin.translate(table))])
    assert recs_clusters(recs.records) == 2


def recs_clusters(records: list[dict]) -> int:
    return len({r["cluster"] for r in records})


def test_seed_boilerplate_is_found_with_exact_spans() -> None:
    text = seed_text("002")
    found = find_boilerplate(text)
    assert {b.rule for b in found} >= {"call_to_action", "photo_credit"}
    for b in found:
        assert text[b.span.start : b.span.end] == b.span.text


def test_no_boilerplate_false_alarms_on_clean_news() -> None:
    path = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
    with path.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh][:600]
    hits = [(t[:40], b.span.text) for t in texts for b in find_boilerplate(t)]
    assert hits == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_jsonl_parser_never_raises(raw: bytes) -> None:
    item = parse_jsonl_line(raw.replace(b"\n", b" "), "fuzz", 1)
    assert item is None or isinstance(item, (Article, Reject))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_boilerplate_spans_always_point_into_the_text(text: str) -> None:
    for b in find_boilerplate(text):
        assert text[b.span.start : b.span.end] == b.span.text


# --- block reading (load.iter_raw_blocks) and featurize_jsonl ---------------------------------

def _ref_iter_raw_jsonl(path: str, max_bytes: int) -> list[object]:
    """The former readline loop of ``iter_raw_jsonl`` (one plain file): the reference."""
    from dedupe_news.load import (
        RawLine,
        _binary_jsonl,
        _bounded_lines,
        _empty_jsonl,
        _too_large,
    )

    out: list[object] = []
    seen = False  # a line that is not blank, or a Reject: else the file is "empty"
    with open(path, "rb") as fh:
        offset = 0
        for lineno, raw in _bounded_lines(fh, max_bytes):
            at = offset
            offset = fh.tell() if raw is None else offset + len(raw)
            if raw is None:
                seen = True
                out.append(_too_large(path, lineno, max_bytes))
                continue
            if lineno == 1:
                binary = _binary_jsonl(path, raw)
                if binary:
                    out.append(binary)
                    return out
            seen = seen or parse_jsonl_line(raw, path, lineno) is not None
            out.append(RawLine(path, lineno, at, raw))
    if not seen:
        out.append(_empty_jsonl(path))
    return out


_LINES = st.lists(st.one_of(
    st.binary(max_size=12),
    st.sampled_from([b"", b"\r", b'{"id": 1, "text": "a b"}', b'{"id": 1, "text": "a b"}\r',
                     b"\x00", b"\x1f\x8b", b"\x89PNG", b"\xef\xbb\xbf{}", b"x" * 40]),
), max_size=25)


@settings(max_examples=400, deadline=None)
@given(_LINES, st.booleans(), st.integers(0, 45), st.integers(1, 64))
def test_block_reading_equals_readline(tmp_path_factory: pytest.TempPathFactory,
                                       lines: list[bytes], final_break: bool, max_bytes: int,
                                       block: int) -> None:
    from dedupe_news import load

    data = b"\n".join(line.replace(b"\n", b"") for line in lines) + (b"\n" if final_break
                                                                      else b"")
    path = tmp_path_factory.mktemp("blocks") / "x.jsonl"
    path.write_bytes(data)
    want = _ref_iter_raw_jsonl(str(path), max_bytes)
    got: list[object] = []
    for b in load.iter_raw_blocks([str(path)], max_bytes, block_bytes=block):
        if isinstance(b, Reject):
            got.append(b)
            continue
        start = 0
        for k, end in enumerate(b.ends):
            got.append(load.RawLine(b.where, b.lineno + k, b.offset + start, b.data[start:end]))
            start = end
    assert got == want
    assert list(load.iter_raw_jsonl([str(path)], max_bytes)) == want


def test_featurize_jsonl_equals_iter_articles_and_featurize(tmp_path: Path) -> None:
    """Rejects of every kind (reading and parsing, duplicate ids), in order, around chunk
    and block boundaries; articles, offsets and features as the in-memory path gives."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from dedupe_news import features as F
    from dedupe_news import load

    rows: list[bytes] = []
    for k in range(4500):
        text = f"Story {k % 2100} said the minister.\nSubscribe now\n" + "word " * (k % 37)
        rows.append(json.dumps({"id": k % 4300, "text": text, "published": "2024"}).encode())
        if k % 997 == 5:
            rows += [b"", b"{bad", b"x" * 3000, b'{"id": 7}']
    rows[2000:2000] = [b""] * 2100  # a chunk without any article
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\n".join(rows))
    F._init(64, 1)
    saved = load.BLOCK_BYTES
    try:
        for block in (1 << 20, 777):
            load.iter_raw_blocks.__defaults__ = (load.DEFAULT_MAX_BYTES, block)
            with ThreadPoolExecutor(2) as ex:
                arts, feats, rejects = F.featurize_jsonl([str(path), str(path)], ex, 64,
                                                         max_bytes=2500)
            items = list(iter_articles([str(path), str(path)], max_bytes=2500))
            want_arts = [i for i in items if isinstance(i, Article)]
            assert rejects == [i for i in items if isinstance(i, Reject)]
            assert arts.ids == [a.id for a in want_arts]
            assert [arts.text(i) for i in range(len(arts))] == [a.text for a in want_arts]
            assert [arts.origin(i) for i in range(len(arts))] == [a.origin for a in want_arts]
            want = F.featurize([a.text for a in want_arts], 64, 1, workers=1)
            for name in ("signatures", "sizes", "shingle_counts", "u_flat", "u_off",
                         "doc_units"):
                assert np.array_equal(getattr(feats, name), getattr(want, name)), name
            assert feats.boilerplate == want.boilerplate
            arts.close()
    finally:
        load.iter_raw_blocks.__defaults__ = (load.DEFAULT_MAX_BYTES, saved)


@pytest.mark.parametrize(("text", "credit"), [
    ("新华社北京电 今天天气很好，记者表示很多人出门。【编辑：王磊】（完）", "【编辑：王磊】（完）"),
    ("新华社北京电 今天天气很好，记者表示很多人出门。(完)", "(完)"),
    ("Президент заявил, что ситуация стабильна. Источник: ТАСС.", "Источник: ТАСС."),
    ("Президент заявил, что ситуация стабильна. По материалам РИА Новости",
     "По материалам РИА Новости"),
    ("وقال الوزير إن الوضع مستقر. (المصدر: وكالة الأنباء)", "(المصدر: وكالة الأنباء)"),
    ("The minister said the situation was stable.\n(Reporting by John Smith; Editing by Jane "
     "Doe)", "(Reporting by John Smith; Editing by Jane Doe)"),
    ("The minister said the situation was stable. Source: Reuters", "Source: Reuters"),
    ("Der Minister sagte, die Lage sei stabil. Quelle: dpa  \n", "Quelle: dpa"),
])
def test_a_credit_closing_the_story_is_set_aside(text: str, credit: str) -> None:
    """One-paragraph wire copy (zh, ru, ar) has no line of its own for its credit: the
    credit after the last sentence end is boilerplate, and the story is fingerprinted
    without it."""
    found = [b for b in find_boilerplate(text) if b.rule == "credit"]
    assert "".join(b.span.text for b in found) == credit.replace(" ", "") or \
        [b.span.text for b in found] == [credit]
    assert all(text[b.span.start:b.span.end] == b.span.text for b in found)
    assert len(found) == (2 if credit.startswith("【") else 1)  # one item a credit
    assert credit not in prepare(text).body


@pytest.mark.parametrize("text", [
    "The minister said the situation was stable, according to the source: a friend of his",
    "Open source: the new code is available to everyone who asks for it.",
    "He spoke about his sources at length. The sources: none that he would name",
    "The report (written by the committee) was published on Monday after a long delay.",
    "Source: Reuters. The minister said the situation was stable and would stay so.",
    "今天天气很好，记者表示很多人出门，完成了任务",
])
def test_story_text_is_not_taken_for_a_credit(text: str) -> None:
    """A credit starts after a sentence end and runs to the end of the text: a story's own
    sentence that mentions a source, or a credit that does not close the text, stays."""
    assert [b for b in find_boilerplate(text) if b.rule == "credit"] == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Source: AP", "(Reporting by Jo Li)", "Источник: ТАСС.",
                                 "ПО МАТЕРИАЛАМ РИА", "По материалам ТАСС", "（完）",
                                 "【编辑：王磊】",
                                 "(المصدر: وكالة)", "The minister said so.", "。", ". ", " ", "\n",
                                 "x" * 150, "Quelle: dpa", ":", "("]), max_size=12).map("".join))
def test_the_credit_marks_never_hide_a_credit(text: str) -> None:
    """The cheap look for a colon, a bracket or "материалам" before the credit pattern
    runs skips no text the pattern would match."""
    from dedupe_news import normalize as N

    start = max(0, len(text.rstrip()) - N.CREDIT_TAIL_CHARS)
    if N._CREDIT.search(text, start) is not None:
        assert any(c in text[start:] for c in N.CREDIT_MARKS)
