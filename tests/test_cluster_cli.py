"""The `cluster` / `explain` command contract: formats, exit codes, bad input, stdin."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conftest import SEEDS
from dedupe_news.cli import main


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_cluster_seeds_jsonl_contract() -> None:
    res = run("cluster", str(SEEDS), "--format", "jsonl")
    assert res.exit_code == 0, res.stderr
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["id"][:3] for r in recs] == ["000", "001", "002", "003", "004"]
    by = {r["id"][:3]: r for r in recs}
    assert by["004"]["cluster"] == by["002"]["id"] == by["002"]["cluster"]
    assert by["000"]["links"][0]["id"] == by["001"]["id"]


def test_json_has_settings_clusters_and_boilerplate() -> None:
    res = run("cluster", str(SEEDS), "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["settings"].startswith("dn:")
    assert doc["clusters"][0]["size"] == 2
    rules = {b["rule"] for bs in doc["boilerplate"].values() for b in bs}
    assert {"call_to_action", "copyright", "metadata"} <= rules
    # boilerplate is reported with spans into the text as read, never deleted
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    for b in doc["boilerplate"]["003_5b5f692d59d15473"]:
        assert text[b["start"] : b["end"]] == b["text"]


def test_csv_and_table_formats() -> None:
    rows = list(csv.DictReader(io.StringIO(run("cluster", str(SEEDS), "--format", "csv").stdout)))
    assert len(rows) == 5 and rows[4]["relation"] == "copy"
    table = run("cluster", str(SEEDS), "--format", "table").stdout
    assert "settings dn:" in table and "004_e07beac21c845ad2" in table


def test_stdin_jsonl_and_gz(tmp_path: Path) -> None:
    lines = [json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")})
             for p in sorted(SEEDS.glob("*.txt"))]
    data = "\n".join(lines) + "\n"
    res = run("cluster", "-", "--format", "jsonl", input=data)
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 5
    gz = tmp_path / "s.jsonl.gz"
    gz.write_bytes(gzip.compress(data.encode()))
    assert len(run("cluster", str(gz), "--format", "jsonl").stdout.splitlines()) == 5


def test_bad_input_is_reported_and_skipped(tmp_path: Path) -> None:
    good = (SEEDS / "001_037723187431fdcc.txt").read_text(encoding="utf-8")
    (tmp_path / "good.txt").write_text(good, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    jl = tmp_path / "batch.jsonl"
    jl.write_bytes(b'{"id": "j1", "text": "A story about a thing that happened today."}\n'
                   b'{"id": "j2", "text": 5}\n'
                   b'not json\n'
                   b'{"id": "j1", "text": "duplicate id"}\n'
                   b'{"id": "j3", "text": "bad \xff byte"}\n'
                   b'{"id": "j4", "text": "trunc')
    res = run("cluster", str(tmp_path), str(jl), "--format", "jsonl")
    assert res.exit_code == 1
    ids = [json.loads(x)["id"] for x in res.stdout.splitlines()]
    assert ids == ["good", "j1"]
    err = res.stderr
    assert "Traceback" not in err
    for needle in ("empty.txt", "latin1.txt", "iconv", "image.txt", "PNG",
                   "batch.jsonl:2", "batch.jsonl:3", "batch.jsonl:4", "batch.jsonl:5",
                   "batch.jsonl:6"):
        assert needle in err, needle
    assert run("cluster", str(tmp_path), str(jl), "--skip-bad", "--format", "jsonl"
               ).exit_code == 0


def test_oversized_line_is_skipped_with_bounded_read(tmp_path: Path) -> None:
    jl = tmp_path / "big.jsonl"
    jl.write_text(json.dumps({"id": "big", "text": "word " * 50_000}) + "\n"
                  + json.dumps({"id": "small", "text": "a short article here."}) + "\n")
    res = run("cluster", str(jl), "--max-bytes", "10000", "--format", "jsonl")
    assert res.exit_code == 1 and "big.jsonl:1" in res.stderr and "too_large" not in res.stdout
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == ["small"]


def test_unicode_separators_and_surrogates_round_trip(tmp_path: Path) -> None:
    jl = tmp_path / "u.jsonl"
    jl.write_text('{"id": "u\\u2028x", "text": "Line\\u0085one\\u2029two \\ud800 end."}\n',
                  encoding="utf-8")
    res = run("cluster", str(jl), "--format", "jsonl")
    assert res.exit_code == 0
    (line,) = res.stdout.splitlines()  # no raw U+2028/2029/0085 in JSONL output
    assert json.loads(line)["id"] == "u\u2028x"
    res.stdout.encode("utf-8")  # valid UTF-8 despite the lone surrogate


def test_usage_errors_exit_2() -> None:
    assert run("cluster").exit_code == 2
    assert run("cluster", str(SEEDS), "--format", "xml").exit_code == 2
    assert run("cluster", str(SEEDS), "--num-perm", "64", "--bands", "64").exit_code == 2


def test_missing_path_is_reported() -> None:
    res = run("cluster", "no/such/dir", str(SEEDS), "--format", "jsonl")
    assert res.exit_code == 1 and "no/such/dir" in res.stderr
    assert len(res.stdout.splitlines()) == 5


def test_explain_pair_text_and_json() -> None:
    a, b = str(next(SEEDS.glob("004_*"))), str(next(SEEDS.glob("002_*")))
    res = run("explain", a, b)
    assert res.exit_code == 0 and "Verdict: copy" in res.stdout
    doc = json.loads(run("explain", a, b, "--format", "json").stdout)
    assert doc["verdict"] == "copy"
    assert 0 < doc["shingles"]["jaccard_exact"] < 1
    assert doc["evidence"]["pairs"][0]["a"] == 0
    c = str(next(SEEDS.glob("003_*")))
    assert json.loads(run("explain", c, b, "--format", "json").stdout)["verdict"] == "none"


def test_explain_unknown_rule_is_usage_error() -> None:
    assert run("explain", "NOPE999").exit_code == 2


def test_subprocess_smoke_stdout_is_data_only() -> None:
    proc = subprocess.run([sys.executable, "-m", "dedupe_news", "cluster", str(SEEDS),
                           "--format", "jsonl"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert all(json.loads(line) for line in proc.stdout.splitlines())
    assert "articles" in proc.stderr


def test_explain_every_rule_that_reads_figures(tmp_path: Path) -> None:
    """``explain`` prints the figures' evidence for a verdict without the two-sided rest
    (``other-item``, ``other-facts``): one exit-0 page, in text and JSON."""
    apple = "Shares of Apple rose 3% in early trading on Monday after the company reported " \
            "record quarterly revenue."
    a, b = tmp_path / "apple.txt", tmp_path / "msft.txt"
    a.write_text(apple)
    b.write_text(apple.replace("Apple", "Microsoft").replace("3%", "7%"))
    res = run("explain", str(a), str(b))
    assert res.exit_code == 0, res.output
    assert "rule other-item" in res.stdout and "1 give other figures" in res.stdout
    doc = json.loads(run("explain", str(a), str(b), "--format", "json").stdout)
    assert doc["verdict"] == "none" and doc["rule"] == "other-item"


_ENTRY = ("import atexit, sys\n"
          "atexit.register(lambda: print('exit handlers ran', file=sys.stderr))\n"
          "from dedupe_news.cli import run\n"
          "sys.argv = ['dedupe-news', *sys.argv[1:]]\n"
          "run()\n"
          "print('not reached', file=sys.stderr)\n")


def test_process_entry_skips_only_the_teardown(tmp_path: Path) -> None:
    """`cluster` ends its process without the interpreter's teardown: the output complete
    and flushed, the exit handlers run, the exit status kept (0, and 1 for a skipped
    input); other commands exit as usual."""
    ok = subprocess.run([sys.executable, "-c", _ENTRY, "cluster", str(SEEDS), "-q",
                         "--format", "jsonl"], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert [json.loads(x)["id"][:3] for x in ok.stdout.splitlines()] == \
        ["000", "001", "002", "003", "004"]
    assert "exit handlers ran" in ok.stderr and "not reached" not in ok.stderr
    for f in SEEDS.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00binary")
    bad = subprocess.run([sys.executable, "-c", _ENTRY, "cluster", str(tmp_path),
                          "--format", "jsonl"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert len(bad.stdout.splitlines()) == 5
    assert "bad.txt" in bad.stderr and "exit handlers ran" in bad.stderr
    other = subprocess.run([sys.executable, "-c", _ENTRY, "check", str(SEEDS / next(
        p.name for p in sorted(SEEDS.iterdir())))], capture_output=True, text=True,
        timeout=300)
    assert other.returncode in (0, 1), other.stderr
    assert "exit handlers ran" in other.stderr
