"""Output files (issue 15, items 3, 4, 7, 8): unpredictable exclusive temp files, devices,
FIFOs and symlinks as targets, long names, and temp files left by a killed process."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SEEDS
from dedupe_news.cli import main
from dedupe_news.safe_io import TEMP_PREFIX, TEMP_SUFFIX, atomic_write, clean_stale_temps

A = str(next(SEEDS.glob("004_*.txt")))
B = str(next(SEEDS.glob("002_*.txt")))


def align(*args: str):
    return CliRunner().invoke(main, ["align", A, B, "-q", *args], catch_exceptions=False)


def test_planted_symlink_at_the_old_temp_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "r.html"
    for name in (f".r.html.{os.getpid()}.tmp", f".{target.name}.{os.getpid()}.tmp"):
        if not (tmp_path / name).exists():
            (tmp_path / name).symlink_to(victim)
    res = align("-o", str(target))
    assert res.exit_code == 0, res.stderr
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink() and target.read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>")


def test_temp_file_is_created_exclusively_in_the_target_directory(tmp_path: Path,
                                                                  monkeypatch) -> None:
    seen: list[str] = []
    real_mkstemp = __import__("tempfile").mkstemp

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        fd, name = real_mkstemp(*args, **kwargs)
        seen.append(name)
        return fd, name

    monkeypatch.setattr("dedupe_news.safe_io.tempfile.mkstemp", spy)
    atomic_write(str(tmp_path / "out.txt"), lambda fh: fh.write("x"))
    (name,) = seen
    assert os.path.dirname(name) == str(tmp_path)
    assert os.path.basename(name).startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_symlink_target_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.html"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    assert align("-o", str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_target_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    res = align("-o", str(fifo))
    t.join(30)
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file
    assert got and got[0].startswith(b"<!DOCTYPE html>")


def test_device_target_is_written_directly() -> None:
    before = os.stat("/dev/null")
    assert align("-o", "/dev/null").exit_code == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_full_device_is_one_line_error() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    res = align("-o", "/dev/full")
    assert res.exit_code == 1
    (line,) = res.stderr.strip().splitlines()
    assert "/dev/full" in line and "cannot write" in line


def test_a_valid_240_character_name_works(tmp_path: Path) -> None:
    target = tmp_path / ("r" * 235 + ".html")
    res = align("-o", str(target))
    assert res.exit_code == 0, res.stderr
    assert target.exists() and len(target.name) == 240
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_error_while_writing_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous", encoding="utf-8")

    def boom(fh: object) -> None:
        fh.write("partial")  # type: ignore[attr-defined]
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        atomic_write(str(target), boom)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    assert target.read_text(encoding="utf-8") == "previous"


def test_stale_temp_files_are_cleaned_after_a_day(tmp_path: Path) -> None:
    old = tmp_path / f"{TEMP_PREFIX}abc12345{TEMP_SUFFIX}"
    fresh = tmp_path / f"{TEMP_PREFIX}def67890{TEMP_SUFFIX}"
    other = tmp_path / ".notes.tmp"
    for p in (old, fresh, other):
        p.write_text("x", encoding="utf-8")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    atomic_write(str(tmp_path / "report.html"), lambda fh: fh.write("ok"))
    assert not old.exists() and fresh.exists() and other.exists()
    assert clean_stale_temps(str(tmp_path)) == []


def test_new_file_gets_the_usual_mode_and_existing_file_keeps_its_own(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        atomic_write(str(new), lambda fh: fh.write("x"))
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("x", encoding="utf-8")
        kept.chmod(0o600)
        atomic_write(str(kept), lambda fh: fh.write("y"))
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    finally:
        os.umask(mask)


def test_dev_stdout_is_written_in_place_through_a_pipe_and_a_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "dedupe_news", "align", A, B, "-q", "-o", "/dev/stdout"]
    piped = subprocess.run(cmd, capture_output=True, check=False, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(b"<!DOCTYPE html>")
    out = tmp_path / "o.html"
    with open(out, "wb") as fh:
        ino = os.fstat(fh.fileno()).st_ino
        done = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_ino == ino and out.read_bytes().startswith(b"<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.html"]
