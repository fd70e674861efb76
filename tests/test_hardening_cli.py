"""Command-line hardening (issue 15): hostile records, write errors, hostile names, and
commands that agree with each other.  Every failure is one line on stderr, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SEEDS
from dedupe_news.cli import main

A = str(next(SEEDS.glob("004_*.txt")))
B = str(next(SEEDS.glob("002_*.txt")))


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def cli(*args: str, stdout: object = subprocess.PIPE, cwd: str | None = None,
        input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dedupe_news", *args], stdout=stdout,
                          stderr=subprocess.PIPE, input=input, cwd=cwd, check=False,
                          timeout=300)


def _seed_lines() -> list[str]:
    return [json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")})
            for p in sorted(SEEDS.glob("*.txt"))]


NESTED = '{"id": "d", "text": "x y.", "a": ' + "[" * 2000 + "]" * 2000 + "}"
DIGITS = '{"id": "n", "text": "x y.", "a": ' + "1" * 5000 + "}"


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("bad", [NESTED, DIGITS], ids=["nested", "digits"])
def test_hostile_record_is_skipped_and_the_batch_goes_on(tmp_path: Path, bad: str,
                                                         workers: str) -> None:
    lines = _seed_lines()
    jl = tmp_path / "in.jsonl"
    jl.write_text("\n".join([*lines[:3], bad, *lines[3:]]) + "\n", encoding="utf-8")
    proc = cli("cluster", str(jl), "--format", "jsonl", "--workers", workers)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert [json.loads(x)["id"][:3] for x in proc.stdout.decode().splitlines()] == \
        ["000", "001", "002", "003", "004"]
    (line,) = [x for x in err.splitlines() if "skipped" in x and "in.jsonl:4" in x]
    assert "unusable JSON record" in line


# --- 6: stdout write errors -----------------------------------------------------------------

SEED_A, SEED_B = A, B


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ["cluster", str(SEEDS), "--format", "jsonl"],
    ["cluster", str(SEEDS), "--format", "table"],
    ["check", str(SEEDS), "--format", "jsonl"],
    ["check", str(SEEDS), "--format", "table"],
    ["rules"],
    ["explain", "MT001"],
    ["explain", SEED_A, SEED_B],
    ["align", SEED_A, SEED_B, "--format", "json"],
    ["align", SEED_A, SEED_B, "-o", "-"],
    ["--help"],
    ["--version"],
], ids=lambda a: "-".join(x for x in a if not x.startswith("/"))[:40])
def test_full_stdout_is_one_line_error_exit_1(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = cli(*args, stdout=full)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err
    errors = [x for x in err.splitlines() if x.startswith("Error:")]
    assert errors == ["Error: cannot write to stdout (No space left on device)"], err


def test_broken_pipe_and_closed_stdout_are_one_line_errors() -> None:
    from dedupe_news.safe_io import GuardedStdout, OutputError

    class Broken:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(OutputError, match=r"cannot write to stdout \(Broken pipe\)"):
        GuardedStdout(Broken()).write("x")  # type: ignore[arg-type]
    with pytest.raises(OutputError, match="cannot write to stdout"):
        GuardedStdout(None).write("x")
    # a closed stdout (`>&-`) in a real process
    proc = subprocess.run(f"'{sys.executable}' -m dedupe_news cluster '{SEEDS}' "
                          "--format jsonl >&-", shell=True, capture_output=True, check=False,
                          timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert next(x for x in err.splitlines() if x.startswith("Error:")).startswith(
        "Error: cannot write to stdout")


def test_sigpipe_still_ends_quietly() -> None:
    proc = subprocess.run(f"'{sys.executable}' -m dedupe_news cluster '{SEEDS}' "
                          "--format jsonl | head -c 10 >/dev/null", shell=True,
                          capture_output=True, check=False, timeout=300)
    assert "Traceback" not in proc.stderr.decode()


# --- 9: CSV ----------------------------------------------------------------------------------

def test_csv_neutralises_formulas_and_links_are_json(tmp_path: Path) -> None:
    import csv
    import io

    text = (SEEDS / "002_4ebceb48bccda2a4.txt").read_text(encoding="utf-8")
    other = (SEEDS / "000_6b8d1c0e0aeb7fe4.txt").read_text(encoding="utf-8")
    part = (SEEDS / "001_037723187431fdcc.txt").read_text(encoding="utf-8")
    rows = [{"id": "=HYPERLINK(\"http://x\")", "text": text},
            {"id": "+a:1;b", "text": text},
            {"id": "@c", "text": other}, {"id": "-d:0.5", "text": part}]
    jl = tmp_path / "f.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    res = run("cluster", str(jl), "--format", "csv")
    assert res.exit_code == 0, res.stderr
    got = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["id"] for r in got] == ["'=HYPERLINK(\"http://x\")", "'+a:1;b", "'@c", "'-d:0.5"]
    assert {r["canonical"] for r in got} <= {"true", "false"}
    (copy,) = [r for r in got if r["duplicate_of"]]
    assert copy["duplicate_of"] in {"'=HYPERLINK(\"http://x\")", "'+a:1;b"}
    for r in got:
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    links = {r["id"]: json.loads(r["links"]) for r in got}
    assert links["'@c"] and links["'@c"][0]["id"] == "-d:0.5"  # inside JSON: kept as is
    assert set(links["'@c"][0]) == {"id", "relation", "score"}


# --- 10: control characters ------------------------------------------------------------------

def test_control_characters_are_escaped_for_humans_kept_in_data(tmp_path: Path) -> None:
    jl = tmp_path / "f\x1b[31m.jsonl"
    evil = "ev\x1b]0;pwned\x07il\u202e"
    jl.write_text(json.dumps({"id": evil, "text": "A short story about the mayor."}) + "\n"
                  + "not json\n", encoding="utf-8")
    table = run("cluster", str(jl), "--format", "table")
    for stream in (table.stdout, table.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
    assert "ev\\x1b]0;pwned\\x07il\\u202e" in table.stdout
    assert "f\\x1b[31m.jsonl:2" in table.stderr
    data = run("cluster", str(jl), "--format", "jsonl")
    assert json.loads(data.stdout.splitlines()[0])["id"] == evil
    missing = run("align", str(tmp_path / "no\x1bpe.txt"), SEED_B)
    assert missing.exit_code == 1 and "\x1b" not in missing.stderr
    assert "no\\x1bpe.txt" in missing.stderr
