"""Loader hardening (issue 15): hostile JSON, bounded reads of devices and FIFOs, empty JSONL."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from dedupe_news.load import iter_articles, iter_raw_blocks, parse_jsonl_line, read_jsonl
from dedupe_news.model import Article, Reject

NESTED = ('{"id": "d", "text": "x y.", "a": ' + "[" * 2000 + "]" * 2000 + "}").encode()
HUGE_INT = ('{"id": "n", "text": "x y.", "a": ' + "1" * 5000 + "}").encode()
HUGE_ID = ('{"id": ' + "9" * 5000 + ', "text": "x y."}').encode()
GOOD = b'{"id": "g", "text": "A good story."}'


@pytest.mark.parametrize("raw", [NESTED, HUGE_INT, HUGE_ID], ids=["nested", "digits", "id"])
def test_hostile_json_line_is_one_bad_record(raw: bytes) -> None:
    item = parse_jsonl_line(raw, "f.jsonl", 7)
    assert isinstance(item, Reject) and item.line == 7 and item.reason == "bad_json"
    assert item.message.startswith("f.jsonl:7: ") and "\n" not in item.message


@pytest.mark.parametrize("raw", [NESTED, HUGE_INT], ids=["nested", "digits"])
def test_hostile_line_does_not_stop_the_batch(raw: bytes) -> None:
    items = list(read_jsonl(io.BytesIO(GOOD + b"\n" + raw + b"\n" + GOOD.replace(b'"g"', b'"h"')),
                            "f.jsonl"))
    assert [type(i).__name__ for i in items] == ["Article", "Reject", "Article"]
    assert items[1].message.startswith("f.jsonl:2: ")  # type: ignore[union-attr]


def _kinds(items: list[object]) -> list[str]:
    return [i.reason if isinstance(i, Reject) else "article" for i in items]  # type: ignore[attr-defined]


def test_read_is_bounded_whatever_the_size_says(tmp_path: Path) -> None:
    """/dev/zero reports size 0; at most max_bytes + 1 bytes are read."""
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    items = list(iter_articles([str(link)], max_bytes=1000))
    assert _kinds(items) == ["too_large"]


def test_empty_and_newline_only_jsonl_are_reported(tmp_path: Path) -> None:
    for name, data in (("e.jsonl", b""), ("n.jsonl", b"\n\r\n  \n")):
        p = tmp_path / name
        p.write_bytes(data)
        items = list(iter_articles([str(p)]))
        assert _kinds(items) == ["empty"], name
        assert str(p) in items[0].message  # type: ignore[union-attr]
        blocks = list(iter_raw_blocks([str(p)]))
        assert [b.reason for b in blocks if isinstance(b, Reject)] == ["empty"]
    assert _kinds(list(read_jsonl(io.BytesIO(b"\n\n"), "-"))) == ["empty"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_directory_is_skipped_not_opened(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A story about the council.", encoding="utf-8")
    os.mkfifo(tmp_path / "b.txt")
    got: list[object] = []
    worker = threading.Thread(target=lambda: got.extend(iter_articles([str(tmp_path)])),
                              daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the reader before failing
        with open(tmp_path / "b.txt", "wb"):
            pass
        pytest.fail("a FIFO in a directory scan was opened and blocked")
    assert _kinds(got) == ["article", "not_regular"]
    assert "b.txt" in got[1].message  # type: ignore[union-attr]
    assert stat.S_ISFIFO(os.stat(tmp_path / "b.txt").st_mode)


def test_device_named_on_the_command_line_is_read_bounded(tmp_path: Path) -> None:
    items = list(iter_articles(["/dev/null"]))
    assert _kinds(items) == ["empty"]


def test_huge_float_and_id_number_types() -> None:
    item = parse_jsonl_line(b'{"id": 12, "text": "x", "title": 1e999}', "f", 1)
    assert isinstance(item, Article) and item.id == "12"


def test_stdin_deep_nesting_under_recursion_limit() -> None:
    depth = sys.getrecursionlimit() - 50
    raw = ('{"id": "d", "text": "x y.", "a": ' + "[" * depth + "]" * depth + "}").encode()
    item = parse_jsonl_line(raw, "f", 1)
    assert isinstance(item, (Article, Reject))
    json.dumps(item.to_dict() if isinstance(item, Reject) else item.id)
