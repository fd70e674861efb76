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


# --- commands that agree -----------------------------------------------------------------------

def _corpus(tmp_path: Path, extra: list[str] = ()) -> Path:  # type: ignore[assignment]
    jl = tmp_path / "corpus.jsonl"
    jl.write_text("\n".join([*_seed_lines(), *extra]) + "\n", encoding="utf-8")
    return jl


def test_align_reads_jsonl_records_with_id(tmp_path: Path) -> None:
    jl = str(_corpus(tmp_path))
    a_id, b_id = Path(A).stem, Path(B).stem
    by_id = run("align", jl, "--id", a_id, jl, "--id", b_id, "--format", "json")
    assert by_id.exit_code == 0, by_id.stderr
    by_file = run("align", A, B, "--format", "json")
    doc, ref = json.loads(by_id.stdout), json.loads(by_file.stdout)
    assert doc["pairs"] == ref["pairs"] and doc["summary"] == ref["summary"]
    assert (doc["a"]["id"], doc["b"]["id"]) == (a_id, b_id)
    two = run("align", jl, "--id", a_id, "--id", b_id, "--format", "json")
    assert json.loads(two.stdout)["pairs"] == ref["pairs"]
    page = tmp_path / "p.html"
    assert run("align", jl, "--id", a_id, jl, "--id", b_id, "-o", str(page)).exit_code == 0
    assert f"--id {a_id}" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, code, words", [
    (["{jl}", "{B}"], 2, "holds 5 articles"),
    (["{jl}", "--id", "nope", "{B}"], 1, "no article with id 'nope'"),
    (["{A}", "--id", "x", "{B}"], 2, "not one"),
    (["--id", "x", "{A}", "{B}"], 2, "goes after"),
    (["{empty}", "{B}"], 1, "no records"),
], ids=["ambiguous", "unknown-id", "id-on-text", "id-first", "empty-jsonl"])
def test_align_and_explain_jsonl_errors_are_one_line(tmp_path: Path, args: list[str], code: int,
                                                     words: str) -> None:
    jl = _corpus(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    real = [a.format(jl=jl, A=A, B=B, empty=empty) for a in args]
    for command in ("align", "explain"):
        res = run(command, *real)
        assert res.exit_code == code, (command, res.stderr)
        assert "Traceback" not in res.stderr and res.stdout == ""
        (line,) = res.stderr.strip().splitlines()
        assert words in line, line


def test_explain_jsonl_ids_and_cluster_options(tmp_path: Path) -> None:
    jl = str(_corpus(tmp_path))
    a_id, b_id = Path(A).stem, Path(B).stem
    res = run("explain", jl, "--id", a_id, jl, "--id", b_id, "--format", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    ref = json.loads(run("explain", A, B, "--format", "json").stdout)
    assert doc["verdict"] == ref["verdict"] == "copy" and doc["evidence"] == ref["evidence"]
    strict = json.loads(run("explain", jl, "--id", a_id, "--id", b_id, "--format", "json",
                            "--copy-coverage", "1", "--sentence-threshold", "0.9",
                            "--num-perm", "128", "--bands", "64").stdout)
    assert strict["thresholds"]["copy_coverage"] == 1
    assert strict["thresholds"]["sentence"] == 0.9
    assert "perm128" in strict["settings"] and "b64" in strict["settings"]
    assert strict["verdict"] != "copy"


def test_explain_skip_bad_is_honoured(tmp_path: Path) -> None:
    one = tmp_path / "a.jsonl"
    one.write_text(json.dumps({"id": "a", "text": Path(A).read_text(encoding="utf-8")})
                   + "\nnot json\n", encoding="utf-8")
    plain = run("explain", str(one), B)
    assert plain.exit_code == 1 and "Verdict:" in plain.stdout and "a.jsonl:2" in plain.stderr
    skipped = run("explain", str(one), B, "--skip-bad")
    assert skipped.exit_code == 0 and "Verdict:" in skipped.stdout


def test_explain_rule_json() -> None:
    res = run("explain", "MT001", "--format", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["id"] == "MT001" and doc["rationale"] and "severity" in doc
    assert run("explain", A).exit_code == 2  # one article is not a rule id


def test_quiet_silences_align_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    import dedupe_news.align as align_mod

    monkeypatch.setattr(align_mod, "MAX_CELLS", 50)  # banded: a note on stderr
    loud = run("align", A, B, "--format", "json")
    assert "note" in loud.stderr
    quiet = run("align", A, B, "--format", "json", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_quiet_with_skip_bad_silences_skipped_lines(tmp_path: Path) -> None:
    jl = _corpus(tmp_path, ["not json"])
    for command in ("cluster", "check"):
        res = run(command, str(jl), "-q", "--skip-bad", "--format", "jsonl")
        assert res.exit_code == 0 and res.stderr == "", (command, res.stderr)
        res = run(command, str(jl), "-q", "--format", "jsonl")
        assert res.exit_code == 1 and "corpus.jsonl:6" in res.stderr


@pytest.mark.parametrize("data", [b"", b"\n", b"\r\n\n  \n"], ids=["empty", "nl", "blank"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_empty_jsonl_is_reported_like_an_empty_txt(tmp_path: Path, data: bytes,
                                                   workers: str) -> None:
    jl = tmp_path / "e.jsonl"
    jl.write_bytes(data)
    txt = tmp_path / "e.txt"
    txt.write_bytes(data)
    for path in (jl, txt):
        res = run("cluster", str(path), "--format", "jsonl", "--workers", workers)
        assert res.exit_code == 1 and res.stdout == ""
        assert f"skipped {path}:" in res.stderr


def test_hard_linked_a_and_b_are_the_same_file(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(Path(A).read_text(encoding="utf-8"), encoding="utf-8")
    os.link(a, tmp_path / "b.txt")
    for command in ("align", "explain"):
        res = run(command, str(a), str(tmp_path / "b.txt"))
        assert res.exit_code == 2 and "same" in res.stderr, (command, res.stderr)


def test_default_report_names_do_not_collide(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for d in ("c1", "c2"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "a.txt").write_text(Path(A).read_text(encoding="utf-8"), "utf-8")
        (tmp_path / d / "b.txt").write_text(Path(B).read_text(encoding="utf-8"), "utf-8")
    monkeypatch.chdir(tmp_path)
    for d in ("c1", "c2"):
        assert run("align", f"{d}/a.txt", f"{d}/b.txt", "-q").exit_code == 0
    again = run("align", "c1/a.txt", "c1/b.txt")  # the same pair: the same report
    assert again.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert len(names) == 2 and all(n.startswith("align-a-b-") for n in names), names


# --- naming and the table ----------------------------------------------------------------------

def test_one_wording_of_counts_and_stage_names() -> None:
    res = run("cluster", str(SEEDS), "--format", "table")
    summary = "5 articles, 1 cluster with copies"
    assert summary in res.stdout and f"dedupe-news: {summary} (" in res.stderr
    stages = [part.split()[0] for part in res.stderr.split("(", 1)[1].split(")")[0]
              .split(", ")]
    from dedupe_news.cli.cluster import STAGE_NAMES

    progress_names = {"features", "verify", "canonical"}  # cluster.py's progress stages
    assert set(stages) - {"records"} <= progress_names, stages
    assert "leaders" not in res.stderr and set(STAGE_NAMES.values()) <= progress_names


def test_csv_booleans_match_json() -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(run("cluster", str(SEEDS), "--format",
                                               "csv").stdout)))
    assert {r["canonical"] for r in rows} == {"true", "false"}


def test_table_fits_100_columns_and_groups_clusters(tmp_path: Path) -> None:
    long_id = "x" * 150
    lines = _seed_lines()
    copy = json.loads(lines[2])
    copy["id"] = long_id
    jl = _corpus(tmp_path, [json.dumps(copy)])
    res = run("cluster", str(jl), "--format", "table")
    assert res.exit_code == 0, res.stderr
    out = res.stdout.splitlines()
    assert max(len(x) for x in out) <= 100
    assert any("…" in x for x in out)  # the long id is elided with a mark, not cut
    body = [x for x in out[2:] if x.strip() and x[0].isdigit()]
    clusters = [x.split()[0] for x in body]
    assert clusters == sorted(clusters, key=int)  # each cluster's rows are together
    first = [x for x in body if x.split()[0] == "1"]
    assert "canonical" in first[0] and all("canonical" not in x for x in first[1:])
    for x in body:
        for cell in x.split():
            if cell.replace(".", "", 1).isdigit() and "." in cell:
                assert len(cell.split(".")[1]) == 4, x  # similarity with 4 decimals


def test_rules_help_does_not_promise_a_rate() -> None:
    res = run("rules", "--help")
    assert "per 1,000 sentences" not in res.stdout and "BBC flags" in res.stdout


def test_usage_errors_escape_control_characters(tmp_path: Path) -> None:
    for args in (["--bad\x1b[31m"], ["clus\x1b[31m"], ["cluster", "--format", "\x07", "x"],
                 ["align", A, str(tmp_path / "\x1b]0;t\x07.txt")]):
        res = run(*args)
        assert res.exit_code in (1, 2)
        assert "\x1b" not in res.stderr and "\x07" not in res.stderr, res.stderr
