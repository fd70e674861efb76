"""Patterns built from the stored compiler output are ``re.compile``'s, and a damaged, stale
or foreign store falls back to compiling."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dedupe_news import _regex_cache as rc


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "__pycache__" / "regex.json"
    monkeypatch.setattr(rc, "PATH", path)
    monkeypatch.setattr(rc, "_store", None)
    monkeypatch.setattr(rc, "_used", set())
    monkeypatch.setattr(rc, "_added", True)  # (no exit hook: saved by hand)
    return path


PATTERNS = [
    ("(?P<a>x+)|(?P<b>y)", re.I),
    (r"\bcaf\u00e9s?\b", 0),
    (rb"\n *+(?:sub|sign (?:up|in))", 0),
    (r"(?:^|(?<=[.!?])[ \t]*)(\(\s*\w+\s*\))", re.I | re.M),
    ("(?i)inline", 0),
]


def _fresh(pattern: str | bytes, flags: int) -> re.Pattern:  # type: ignore[type-arg]
    re.purge()
    return re.compile(pattern, flags)


@pytest.mark.skipif(rc._sre is None, reason="no CPython re internals")
def test_stored_patterns_equal_compiled_ones(store: Path) -> None:
    first = [rc.compile(p, f) for p, f in PATTERNS]
    rc.save()
    assert store.exists()
    rc._store = None  # a new process: read back
    before = rc.hits
    again = [rc.compile(p, f) for p, f in PATTERNS]
    assert rc.hits == before + len(PATTERNS)
    for (p, f), a, b in zip(PATTERNS, first, again, strict=True):
        want = _fresh(p, f)
        # Pattern equality compares flags, the pattern and the compiled code
        assert a == want and b == want
        assert (b.groups, b.groupindex, b.flags) == (want.groups, want.groupindex, want.flags)
    a = again[0]
    m = a.fullmatch("XXX")
    assert m is not None and m.lastgroup == "a" and m.group("a") == "XXX"
    assert again[2].search(b"x\n   sign in") is not None


@pytest.mark.skipif(rc._sre is None, reason="no CPython re internals")
@pytest.mark.parametrize("content", [
    "not json", '{"tag": "another python", "patterns": {}}', "[]", "",
    "BAD-CODE",
])
def test_a_bad_store_falls_back(store: Path, content: str) -> None:
    p, f = PATTERNS[0]
    if content == "BAD-CODE":  # an entry whose opcodes are not valid: refused, recompiled
        rc.compile(p, f)
        rc.save()
        data = json.loads(store.read_text())
        for entry in data["patterns"].values():
            entry[1] = [99999] * len(entry[1])
        content = json.dumps(data)
    store.parent.mkdir(exist_ok=True)
    store.write_text(content)
    rc._store = None
    before = rc.hits
    got = rc.compile(p, f)
    assert rc.hits == before  # not built from the bad store
    assert got == _fresh(p, f)
    assert got.fullmatch("y") is not None


def test_normalize_patterns_start_from_the_store() -> None:
    """A second interpreter builds normalize's patterns from the store the first wrote, and
    each equals ``re.compile``'s."""
    code = (
        "import re\n"
        "from dedupe_news import _regex_cache as rc\n"
        "import dedupe_news.normalize as n\n"
        "rc.save()\n"
        "pats = [v for v in vars(n).values() if isinstance(v, re.Pattern)]\n"
        "assert len(pats) > 10\n"
        "for v in pats:\n"
        "    re.purge()\n"
        "    assert v == re.compile(v.pattern, v.flags), v.pattern[:60]\n"
        "print(len(rc._used), rc.hits, int(rc._added))\n"
    )
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=False, timeout=120)
        assert out.returncode == 0, out.stderr
        used, hits, compiled = map(int, out.stdout.split())
    # the second start built every one from the store, compiling none
    assert hits >= used > 10 and not compiled
