"""Regular expressions compiled once per install, not at every start.

The boilerplate rules are large patterns (one alternation of every rule, prefix tries of the
furniture words in ``str`` and ``bytes`` forms): Python's ``re`` compiles them in ~0.2 s at
each import of :mod:`dedupe_news.normalize` - a tenth of a small ``cluster`` run, paid by
every command and every worker that starts cold.  ``re`` keeps no compiled pattern across
processes, so :func:`compile` keeps the compiler's output (the opcode list, flags and groups
``re`` hands to its matching engine) in a JSON file beside the package's bytecode, keyed by
the pattern, the flags and the Python build, and builds the pattern object from it at the
next start (~15 ms for all of them).

The engine checks every opcode list it is given (an invalid one is refused, never run), a
pattern object built this way compares equal to ``re.compile``'s only when its code is the
same (tests/test_regex_cache.py holds them equal), and anything unexpected - another Python
whose ``re`` internals differ, an unreadable or stale file, a directory not ours to write -
falls back to ``re.compile``.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, AnyStr

try:  # CPython 3.11+ internals; elsewhere every pattern is compiled as usual
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    _TAG = f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}"
except (ImportError, AttributeError):  # pragma: no cover - another implementation
    _sre = None  # type: ignore[assignment]
    _TAG = ""

PATH = Path(__file__).resolve().parent / "__pycache__" / \
    f"dedupe-news-regex.{sys.implementation.cache_tag}.json"
_store: dict[str, list[Any]] | None = None
_used: set[str] = set()  # this process's patterns (a file grown past _MOST keeps only them)
_MOST = 1000
_added = False
hits = 0  # patterns this process built from the store


def _key(pattern: str | bytes, flags: int) -> str:
    raw = pattern.encode("utf-8", "surrogatepass") if isinstance(pattern, str) else pattern
    kind = b"s" if isinstance(pattern, str) else b"b"
    return hashlib.sha256(kind + str(int(flags)).encode() + b"|" + raw).hexdigest()[:32]


def _load() -> dict[str, list[Any]]:
    global _store
    if _store is None:
        _store = {}
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            data = json.loads(PATH.read_text(encoding="utf-8"))
            if data.get("tag") == _TAG and isinstance(data.get("patterns"), dict):
                _store = data["patterns"]
    return _store


def compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)``, from the stored compiler output when there is one."""
    if _sre is None or os.environ.get("DEDUPE_NEWS_NO_REGEX_CACHE"):
        return re.compile(pattern, flags)
    key = _key(pattern, flags)
    entry = _load().get(key)
    if entry is not None:
        try:
            built = _build(pattern, entry)
            global hits
            hits += 1
            _used.add(key)
            return built
        except Exception:  # (a damaged entry: compiled as usual, and stored again)
            pass
    try:
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        state = parsed.state
        entry = [int(flags | state.flags), [int(c) for c in code], state.groups - 1,
                 dict(state.groupdict)]
        compiled = _build(pattern, entry)
    except Exception:  # pragma: no cover - re's internals changed: the public way
        return re.compile(pattern, flags)
    _remember(key, entry)
    return compiled


def _build(pattern: AnyStr, entry: list[Any]) -> re.Pattern[AnyStr]:
    """The pattern object of a stored entry (final flags, opcodes, groups, group names), as
    ``re``'s compiler makes it from the same parts."""
    final, code, groups, groupindex = entry
    indexgroup: list[str | None] = [None] * (groups + 1)
    for name, i in groupindex.items():
        indexgroup[i] = name
    return _sre.compile(pattern, final, code, groups, groupindex, tuple(indexgroup))


def _remember(key: str, entry: list[Any]) -> None:
    global _added
    _load()[key] = entry
    _used.add(key)
    if not _added:
        _added = True
        atexit.register(save)


def save() -> None:
    """Write the stored patterns (atomically; silently not where the package's directory
    is not writable).  Only the process that compiled new patterns writes (a forked worker
    exits without running this)."""
    if _store is None:
        return
    keep = _store if len(_store) <= _MOST else {k: _store[k] for k in _used if k in _store}
    with contextlib.suppress(OSError):
        PATH.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=PATH.parent, prefix=".regex-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"tag": _TAG, "patterns": keep}, fh, separators=(",", ":"))
            os.chmod(tmp, 0o644)  # (readable like the bytecode beside it)
            os.replace(tmp, PATH)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
