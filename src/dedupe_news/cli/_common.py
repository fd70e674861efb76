"""Shared CLI plumbing: streams, input collection with reject reporting, output helpers."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

import click

from dedupe_news.load import DEFAULT_MAX_BYTES, iter_articles
from dedupe_news.model import Article, Reject


def setup_streams() -> None:
    """Die quietly on a closed pipe (``| head``) and never crash on unencodable text."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def default_format(fmt: str | None) -> str:
    """``table`` on a terminal, ``jsonl`` when piped."""
    if fmt:
        return fmt
    return "table" if sys.stdout.isatty() else "jsonl"


_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def json_line(obj: Any) -> str:
    """JSON text that is always valid UTF-8: lone surrogates are escaped, not written raw."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True)
    # Characters that str.splitlines() treats as line breaks must not appear raw in JSONL.
    return text.translate(_LINE_BREAKS)


def report_reject(rej: Reject) -> None:
    click.echo(f"dedupe-news: skipped {rej.message}", err=True)


def progress(items: Sequence[Any] | Iterable[Any], label: str, length: int | None = None,
             quiet: bool = False) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal; plain iteration otherwise."""
    if quiet or not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
        yield from bar


def collect(paths: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES
            ) -> tuple[list[Article], list[Reject]]:
    """Read every input; rejects are reported on stderr as they are met."""
    if not paths:
        raise click.UsageError(
            "give at least one PATH (a directory, a .jsonl file, or - for stdin)")
    articles: list[Article] = []
    rejects: list[Reject] = []
    for item in iter_articles(paths, max_bytes):
        if isinstance(item, Reject):
            report_reject(item)
            rejects.append(item)
        else:
            articles.append(item)
    return articles, rejects


def finish(rejects: Sequence[Reject], skip_bad: bool) -> None:
    """Summarise skipped inputs and exit 1 unless ``--skip-bad``."""
    if not rejects:
        return
    click.echo(f"dedupe-news: {len(rejects)} input(s) skipped (listed above)"
               + ("" if skip_bad else "; pass --skip-bad to exit 0 anyway"), err=True)
    if not skip_bad:
        sys.exit(1)


def write_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def atomic_write(path: str, write: Callable[[TextIO], None]) -> None:
    """Write a file through a temporary sibling, fsync, then os.replace."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


common_input_options = [
    click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                 show_default=True, help="Skip (and report) articles larger than this."),
    click.option("--skip-bad", is_flag=True,
                 help="Exit 0 even when some inputs were skipped (they are still reported)."),
]


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(common_input_options):
        f = opt(f)
    return f
