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
