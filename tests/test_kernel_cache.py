"""Cached kernels are dropped when a file they inline from changes (numba checks only the
kernel's own file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedupe_news import _kernel_cache as kc


@pytest.fixture()
def fake_pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in kc.SOURCES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# {name}\n")
    for d in kc.CACHE_DIRS:
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(kc, "_PKG", tmp_path)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    return tmp_path


def _cached(root: Path) -> list[Path]:
    files = []
    for d in kc.CACHE_DIRS:
        for name in ("candidates_jit.leader_loop-1.py311.nbi",
                     "candidates_jit.leader_loop-1.py311.1.nbc"):
            (root / d / name).write_bytes(b"x")
            files.append(root / d / name)
    return files


def _check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kc, "_checked", False)
    kc.check()


def test_kernels_kept_while_sources_unchanged_dropped_when_one_changes(
        fake_pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _cached(fake_pkg)
    _check(monkeypatch)  # no stamp yet: an old install's cache is not trusted
    assert not any(f.exists() for f in files)
    stamp = fake_pkg / "__pycache__" / kc.STAMP
    assert stamp.read_text().strip() == kc.sources_hash()
    files = _cached(fake_pkg)
    _check(monkeypatch)
    assert all(f.exists() for f in files)  # same sources: the cache stays
    (fake_pkg / "verify_jit.py").write_text("# the relation model changed\n")
    _check(monkeypatch)
    assert not any(f.exists() for f in files)  # the leader loop inlined the old one
    assert stamp.read_text().strip() == kc.sources_hash()


def test_a_cache_elsewhere_is_left_alone(fake_pkg: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    files = _cached(fake_pkg)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(fake_pkg / "elsewhere"))
    _check(monkeypatch)
    assert all(f.exists() for f in files)


def test_warmup_byte_compiles_the_package(tmp_path: Path) -> None:
    """The set-up step leaves every module's bytecode beside it (where Python would not
    write it itself: PYTHONDONTWRITEBYTECODE)."""
    import importlib.util
    import os
    import subprocess
    import sys

    import dedupe_news

    pkg = Path(dedupe_news.__file__).resolve().parent
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-m", "dedupe_news.warmup"], check=True, env=env,
                   capture_output=True, timeout=600)
    for mod in ("normalize.py", "cluster.py", "filter/core.py"):
        src = pkg / mod
        assert Path(importlib.util.cache_from_source(str(src))).exists(), mod
