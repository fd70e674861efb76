"""The JSONL writer of ``cluster`` builds lines directly; they must be what json_line gives."""

from __future__ import annotations

import io
import json
from pathlib import Path

from dedupe_news.cli._common import json_line
from dedupe_news.cli.cluster import write_jsonl

_IDS = ["a", 'quote"d', "back\\slash", "tab\there", "ünïcödé", "\u2028sep", "x\x85y",
        "lone\ud800", "ctrl\x01", "emoji \U0001f600", "17", ""]


def _records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for k, i in enumerate(_IDS):
        other = _IDS[(k + 1) % len(_IDS)]
        links = [{"id": _IDS[(k + t) % len(_IDS)], "relation": "partial",
                  "score": round(0.1 * t + 0.01234, 4)} for t in range(k % 3)]
        if k % 2:
            out.append({"id": i, "cluster": i, "canonical": True, "duplicate_of": None,
                        "similarity": None, "relation": None, "links": links})
        else:
            out.append({"id": i, "cluster": other, "canonical": False, "duplicate_of": other,
                        "similarity": round(1 / (k + 3), 4), "relation": "copy",
                        "links": links})
    out.append({"id": "odd", "cluster": "odd", "canonical": True, "duplicate_of": None,
                "similarity": float("nan"), "relation": None, "links": [], "extra": 1})
    return out


def test_jsonl_lines_equal_json_line() -> None:
    records = _records()
    for block in (1, 2, 5, 1000):
        buf = io.StringIO()
        write_jsonl(records, buf, block=block)
        assert buf.getvalue() == "".join(json_line(r) + "\n" for r in records)


def _messy_jsonl(tmp_path: Path) -> list[str]:
    """Two JSONL files with every kind of bad line, duplicates across files, and copies."""
    from conftest import SEEDS

    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    a = tmp_path / "a.jsonl"
    rows = [json.dumps({"id": f"s{k}", "text": t, "published": f"2024-0{k + 1}-01"})
            for k, t in enumerate(seeds)]
    rows += [json.dumps({"id": f"c{k}", "text": t.replace("the", "a")})
             for k, t in enumerate(seeds)]
    a.write_bytes(("\n".join(rows[:3]) + "\n\n").encode()
                  + b'{"id": "j2", "text": 5}\nnot json\n'
                  + json.dumps({"id": "s1", "text": "dup"}).encode() + b"\n"
                  + b'{"id": "j3", "text": "bad \xff byte"}\n'
                  + json.dumps({"id": "big", "text": "word " * 5000}).encode() + b"\n"
                  + json.dumps({"id": "u\u2028x", "text": "Line\u0085one \ud800 end."},
                               ensure_ascii=True).encode() + b"\n"
                  + ("\n".join(rows[3:]) + "\n").encode()
                  + b'{"id": 7, "text": "numeric id, a story about seven things."}\n'
                  + b'{"id": "j4", "text": "trunc')
    b = tmp_path / "b.jsonl"
    b.write_bytes(json.dumps({"id": "c0", "text": "duplicate across files"}).encode() + b"\n"
                  + b"\xef\xbb\xbf" + json.dumps({"id": "bom", "text": seeds[2]}).encode()
                  + b"\n")
    c = tmp_path / "c.jsonl"
    c.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\n" + rows[0].encode() + b"\n")
    return [str(a), str(b), str(c)]


def test_workers_parsing_jsonl_give_the_same_result(tmp_path: Path) -> None:
    """Plain .jsonl files with workers take the parse-in-workers path: same stdout, stderr
    and exit status as reading in this process."""
    from click.testing import CliRunner

    from dedupe_news.cli import main

    paths = _messy_jsonl(tmp_path)
    runs = {}
    for workers in ("1", "2"):
        for fmt in ("jsonl", "json"):
            res = CliRunner().invoke(main, ["cluster", *paths, "--format", fmt, "--workers",
                                            workers, "--max-bytes", "20000"],
                                     catch_exceptions=False)
            runs[workers, fmt] = (res.exit_code, res.stdout,
                                  [x for x in res.stderr.splitlines()
                                   if " with copies (" not in x])
    assert runs["1", "jsonl"][0] == 1
    assert "c0" in runs["1", "jsonl"][1] and "a.jsonl:6" in "\n".join(runs["1", "jsonl"][2])
    assert runs["2", "jsonl"] == runs["1", "jsonl"]
    assert runs["2", "json"] == runs["1", "json"]
