"""Input lines for the filter: every line of every input, in order, each an article, a
reject or a blank line (so each gets exactly one decision line).

Built on :mod:`dedupe_news.load`'s line reader (split on ``\\n`` only, each line read at most
``max_bytes + 1`` bytes, an over-long line drained in chunks: bounded memory) and its record
parser (one-line rejects naming ``file:line``).
"""

from __future__ import annotations

import gzip
import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dedupe_news.load import (
    _binary_jsonl,
    _bounded_lines,
    _too_large,
    parse_jsonl_line,
)
from dedupe_news.model import Article, Reject


@dataclass(frozen=True)
class Line:
    """One input line: ``item`` is an Article, a Reject, or None for a blank line."""

    where: str
    lineno: int
    item: Article | Reject | None


def _lines(fh: BinaryIO, where: str, max_bytes: int) -> Iterator[Line | Reject]:
    for lineno, raw in _bounded_lines(fh, max_bytes):
        if raw is None:
            yield Line(where, lineno, _too_large(where, lineno, max_bytes))
            continue
        if lineno == 1:
            binary = _binary_jsonl(where, raw)
            if binary is not None:
                yield Line(where, lineno, binary)
                return  # not JSONL: one answer, not one per "line" of an image
        yield Line(where, lineno, parse_jsonl_line(raw, where, lineno))


def iter_lines(paths: Iterable[str], max_bytes: int, stdin: BinaryIO | None = None
               ) -> Iterator[Line | Reject]:
    """Lines of each input (``-`` = stdin; ``.jsonl.gz`` read transparently); a file that
    cannot be read is one Reject (no line of it exists to answer)."""
    for arg in paths:
        if arg == "-":
            yield from _lines(stdin or sys.stdin.buffer, "-", max_bytes)
            continue
        path = Path(arg)
        try:
            if path.is_dir():
                yield Reject(arg, None, "not_jsonl",
                             f"{arg}: a directory; filter reads JSONL files or stdin")
                continue
            fh: BinaryIO = gzip.open(path, "rb") if arg.lower().endswith(".gz") \
                else path.open("rb")  # type: ignore[assignment]  # noqa: SIM115
        except OSError as exc:
            yield Reject(arg, None, "unreadable",
                         f"{arg}: cannot read ({exc.strerror or exc}); check the path")
            continue
        try:
            with fh:
                yield from _lines(fh, arg, max_bytes)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield Reject(arg, None, "unreadable",
                         f"{arg}: read failed ({exc}); is the file complete and not corrupt?")


_END = object()


def batches(source: Iterator[Any], most: int) -> Iterator[list[Any]]:
    """The input in small batches: whatever has been read when the filter is ready for
    more, at most ``most`` lines (a reader thread runs ahead, bounded).  A slow stream gets
    one line at a time, so no line waits for the next to arrive."""
    if most <= 1:
        for x in source:
            yield [x]
        return
    q: queue.Queue[Any] = queue.Queue(maxsize=4 * most)
    failure: list[BaseException] = []

    def read() -> None:
        try:
            for x in source:
                q.put(x)
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)
        finally:
            q.put(_END)

    threading.Thread(target=read, name="filter-reader", daemon=True).start()
    while True:
        first = q.get()
        if first is _END:
            break
        batch = [first]
        while len(batch) < most:
            try:
                x = q.get_nowait()
            except queue.Empty:
                break
            if x is _END:
                yield batch
                if failure:
                    raise failure[0]
                return
            batch.append(x)
        yield batch
    if failure:
        raise failure[0]
