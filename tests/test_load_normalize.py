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
