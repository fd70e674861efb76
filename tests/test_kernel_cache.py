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


def test_numba_loads_without_scipy_linalg_and_scipy_still_imports() -> None:
    """numba's NumPy support is loaded without importing ``scipy.linalg`` (~0.4 s of every
    cluster run), the kernels work, and SciPy imports normally afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from dedupe_news.features import featurize_chunk\n"
        "from dedupe_news.sketch import Sketcher\n"
        "f = featurize_chunk(['One sentence here. Another one there.'], Sketcher())\n"
        "assert f.sizes[0] > 0\n"
        "assert 'scipy.linalg' not in sys.modules, 'scipy.linalg imported'\n"
        "import scipy.linalg, scipy.sparse\n"
        "assert scipy.linalg.norm([3.0, 4.0]) == 5.0\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_no_kernel_needs_blas() -> None:
    """What numba needs a BLAS for (``np.dot``, ``@``, ``np.linalg`` ...) appears in no
    kernel module: :func:`numba_ready` lets numba record "no BLAS"."""
    import ast

    blas = {"dot", "vdot", "inner", "matmul", "linalg", "tensordot", "kron", "trace",
            "einsum"}
    pkg = Path(kc.__file__).resolve().parent
    modules = sorted(pkg.rglob("*.py"))
    jit = [m for m in modules if "njit" in m.read_text(encoding="utf-8")]
    assert len(jit) >= 6
    for path in jit:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or not any(
                    "njit" in ast.unparse(d) for d in node.decorator_list):
                continue
            for sub in ast.walk(node):
                assert not (isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.MatMult)), \
                    f"{path.name}:{node.name} uses @"
                assert not (isinstance(sub, ast.Attribute) and sub.attr in blas), \
                    f"{path.name}:{node.name} uses .{sub.attr}"
