"""``dedupe-news align``: output formats, default paths, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedupe_news.cli import main

ROOT = Path(__file__).resolve().parents[1]
A = str(ROOT / "seeds" / "004_e07beac21c845ad2.txt")
B = str(ROOT / "seeds" / "002_4ebceb48bccda2a4.txt")


def run(*args: str) -> object:
    return CliRunner().invoke(main, ["align", *args], catch_exceptions=False)


def one_line_error(result: object) -> str:
    err = result.stderr.strip()  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert result.stdout == ""  # type: ignore[attr-defined]
    return err


def test_json_to_stdout() -> None:
    r = run(A, B, "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["a"]["path"] == A and doc["b"]["path"] == B
    a_text = Path(A).read_text(encoding="utf-8")
    for s in doc["a"]["sentences"]:
        assert a_text[s["start"]:s["end"]] == s["text"]
    kinds = {p["kind"] for p in doc["pairs"]}
    assert "merged" in kinds and kinds <= {"identical", "changed", "merged", "split", "moved"}
    assert doc["summary"]["verdict"] == "copy" and doc["summary"]["rule"] == "continues"
    assert doc["settings"]["threshold"] == 0.25
    assert "copy" in r.stderr  # the summary goes to stderr, never into the data


def test_threshold_option_changes_result() -> None:
    loose = json.loads(run(A, B, "--format", "json", "--threshold", "0.05").stdout)
    strict = json.loads(run(A, B, "--format", "json", "--threshold", "0.9").stdout)
    assert strict["settings"]["threshold"] == 0.9
    assert len(strict["pairs"]) < len(loose["pairs"])


def test_html_default_path_under_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run(A, B)
    assert r.exit_code == 0, r.stderr
    (out,) = (tmp_path / "reports").glob("align-004_e07beac21c845ad2-002_4ebceb48bccda2a4-*.html")
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert str(Path("reports") / out.name) in r.stderr


def test_html_to_stdout_and_file(tmp_path: Path) -> None:
    r = run(A, B, "-o", "-", "-q")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.startswith("<!DOCTYPE html>") and "</html>" in r.stdout
    target = tmp_path / "x" / "page.html"
    r = run(A, B, "-o", str(target))
    assert r.exit_code == 0 and target.read_text(encoding="utf-8") == run(
        A, B, "-o", "-", "-q").stdout


def test_missing_file_exit_1(tmp_path: Path) -> None:
    r = run(A, str(tmp_path / "nope.txt"))
    assert r.exit_code == 1
    assert "nope.txt" in one_line_error(r)


@pytest.mark.parametrize("content, word", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
    (b"", "no text"),
    (b"   \n\n", "no text"),
    (b"caf\xe9 au lait", "UTF-8"),
])
def test_bad_files_exit_1(tmp_path: Path, content: bytes, word: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    r = run(A, str(bad))
    assert r.exit_code == 1
    assert word in one_line_error(r)


def test_too_large_exit_1() -> None:
    r = run(A, B, "--max-bytes", "100")
    assert r.exit_code == 1
    assert "limit" in one_line_error(r)


def test_same_file_twice_exit_2() -> None:
    r = run(A, A)
    assert r.exit_code == 2
    assert "same file" in one_line_error(r)


def test_directory_exit_2(tmp_path: Path) -> None:
    r = run(A, str(tmp_path))
    assert r.exit_code == 2
    assert "directory" in one_line_error(r)


def test_bad_threshold_exit_2() -> None:
    r = run(A, B, "--threshold", "1.5")
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr


def test_unwritable_output_exit_1(tmp_path: Path) -> None:
    r = run(A, B, "-o", str(tmp_path))  # a directory, not a file
    assert r.exit_code == 1
    assert "cannot write" in one_line_error(r)


def test_huge_input_is_banded_and_says_so(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import dedupe_news.align as align_mod

    monkeypatch.setattr(align_mod, "MAX_CELLS", 50)
    r = run(A, B, "--format", "json")
    assert r.exit_code == 0
    assert "windows" in r.stderr and "note" in r.stderr
    doc = json.loads(r.stdout)
    assert doc["settings"]["banded"] is True and doc["pairs"]
