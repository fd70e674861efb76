"""Shared CLI plumbing: streams, input collection with reject reporting, output helpers.

Human-facing text (tables, messages on stderr) goes through :func:`human`, which escapes
control characters, so an id or a file name cannot move the cursor, ring the bell or reverse
the text on a terminal; data formats (JSON, JSONL, CSV, HTML) keep every character.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

import click

from dedupe_news.load import DEFAULT_MAX_BYTES, iter_articles
from dedupe_news.model import Article, Reject
from dedupe_news.safe_io import GuardedStdout
from dedupe_news.safe_io import atomic_write as _atomic_write


def setup_streams() -> None:
    """Die quietly on a closed pipe (``| head``), never crash on unencodable text, and turn
    stdout write errors (disk full, a closed stream) into one clean error."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    if not isinstance(sys.stdout, GuardedStdout):
        sys.stdout = GuardedStdout(sys.stdout)  # type: ignore[assignment]


# C0 and C1 controls, DEL, and the characters that reorder or break lines on a terminal.
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, 0x200E, 0x200F,
             *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_HUMAN = str.maketrans({c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
                        for c in _CONTROLS})


def human(text: object) -> str:
    """``text`` safe for a terminal: control characters shown as ``\\x1b``-style escapes."""
    return str(text).translate(_HUMAN)


def echo_err(message: str) -> None:
    """One human line on stderr."""
    click.echo(human(message), err=True)


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
    echo_err(f"dedupe-news: skipped {rej.message}")


def progress(items: Sequence[Any] | Iterable[Any], label: str, length: int | None = None,
             quiet: bool = False) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal; plain iteration otherwise."""
    if quiet or not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
        yield from bar


def collect(paths: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES, quiet: bool = False
            ) -> tuple[list[Article], list[Reject]]:
    """Read every input; rejects are reported on stderr as they are met (unless ``quiet``)."""
    if not paths:
        raise click.UsageError(
            "give at least one PATH (a directory, a .jsonl file, or - for stdin)")
    articles: list[Article] = []
    rejects: list[Reject] = []
    for item in iter_articles(paths, max_bytes):
        if isinstance(item, Reject):
            if not quiet:
                report_reject(item)
            rejects.append(item)
        else:
            articles.append(item)
    return articles, rejects


def finish(rejects: Sequence[Reject], skip_bad: bool, quiet: bool = False) -> None:
    """Summarise skipped inputs and exit 1 unless ``--skip-bad`` (``quiet``: no summary; only
    meant with ``skip_bad``, when skipped inputs are not errors)."""
    if not rejects:
        return
    if not quiet:
        echo_err(f"dedupe-news: {len(rejects)} input(s) skipped (listed above)"
                 + ("" if skip_bad else "; pass --skip-bad to exit 0 anyway"))
    if not skip_bad:
        sys.exit(1)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell as spreadsheets will not run it: booleans as ``true``/``false`` (as JSON),
    and a text starting with ``= + - @``, tab or carriage return prefixed with ``'`` (the
    OWASP advice against formula injection).  Numbers are written as they are."""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})


TABLE_WIDTH = 100


def table_width() -> int:
    """Columns a table may use: 100, or a narrower terminal's width (never under 60)."""
    if sys.stdout.isatty():
        return max(60, min(TABLE_WIDTH, shutil.get_terminal_size((TABLE_WIDTH, 24)).columns))
    return TABLE_WIDTH


def _width(text: str) -> int:
    """Terminal columns of ``text``: wide East Asian characters take two, combining marks
    none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _take(text: str, cols: int, from_end: bool = False) -> str:
    """The longest head (or tail) of ``text`` that fits in ``cols`` columns."""
    chars = reversed(text) if from_end else iter(text)
    out: list[str] = []
    used = 0
    for c in chars:
        w = _width(c)
        if used + w > cols:
            break
        out.append(c)
        used += w
    return "".join(reversed(out)) if from_end else "".join(out)


def elide(word: str, cols: int) -> str:
    """``word`` in at most ``cols`` columns, its middle replaced by ``…`` when too long."""
    if _width(word) <= cols:
        return word
    if cols <= 1:
        return "…"
    head = _take(word, cols // 2)
    tail = _take(word, cols - 1 - _width(head), from_end=True)
    return f"{head}…{tail}"


def wrap(text: str, cols: int, breaks: str = " ") -> list[str]:
    """``text`` in lines of at most ``cols`` columns, broken after a character of ``breaks``
    (a space is dropped at the break); a word longer than a line is elided with ``…``."""
    words: list[str] = []
    cur = ""
    for c in text:
        cur += c
        if c in breaks:
            words.append(cur)
            cur = ""
    if cur:
        words.append(cur)
    lines: list[str] = []
    line = ""
    for word in words:
        cand = line + word
        if _width(cand.rstrip(" ")) <= cols:
            line = cand
            continue
        if line.strip():
            lines.append(line.rstrip(" "))
        line = word if _width(word.rstrip(" ")) <= cols else elide(word.rstrip(" "), cols) + " "
    if line.strip() or not lines:
        lines.append(line.rstrip(" "))
    return lines


def _pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - _width(text))


def table(rows: Sequence[Sequence[object]], headers: Sequence[str],
          width: int | None = None) -> str:
    """A plain aligned text table within ``width`` columns (default :func:`table_width`).

    Cells are escaped with :func:`human`.  When the natural widths do not fit, the widest
    columns are narrowed first and their cells wrapped at spaces; a single word longer than
    its column is elided in the middle with ``…``, never cut without a mark.
    """
    width = table_width() if width is None else width
    cells = [[human(h) for h in headers]] + \
        [["" if c is None else human(c) for c in r] for r in rows]
    n = len(headers)
    widths = [max(_width(r[i]) for r in cells) for i in range(n)]
    floor = [min(widths[i], max(_width(cells[0][i]), 8)) for i in range(n)]
    excess = sum(widths) + 2 * (n - 1) - width
    while excess > 0:
        i = max(range(n), key=lambda k: (widths[k] - floor[k], widths[k]))
        if widths[i] <= floor[i]:
            break
        widths[i] -= 1
        excess -= 1
    out: list[str] = []
    for k, row in enumerate(cells):
        wrapped = [wrap(c, w) for c, w in zip(row, widths, strict=True)]
        for j in range(max(len(w) for w in wrapped)):
            parts = [_pad(w[j] if j < len(w) else "", cw)
                     for w, cw in zip(wrapped, widths, strict=True)]
            out.append("  ".join(parts).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def atomic_write(path: str, write: Callable[[TextIO], None]) -> None:
    """:func:`dedupe_news.safe_io.atomic_write` (mkstemp in the target's directory, fsync,
    os.replace; devices and FIFOs written directly; symlinks followed)."""
    _atomic_write(path, write)


common_input_options = [
    click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                 show_default=True, help="Skip (and report) articles larger than this."),
    click.option("--skip-bad", is_flag=True,
                 help="Exit 0 even when some inputs were skipped (still reported, unless "
                      "-q is given too)."),
]


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(common_input_options):
        f = opt(f)
    return f


def write_line(text: str) -> None:
    """One line of data on stdout (write errors become one clean error, see safe_io)."""
    sys.stdout.write(text + "\n")


class OneLineUsageError(click.ClickException):
    """A one-line usage error with exit status 2 (click's UsageError prints the whole usage)."""

    exit_code = 2


# --- two-article commands (align, explain): FILE [--id ID] per side ---------------------------

class SidedCommand(click.Command):
    """A command with two article arguments, where ``--id ID`` picks a record of the JSONL
    file just before it: ``A.jsonl --id X B.jsonl --id Y``.  Each ``--id`` is rewritten to the
    hidden ``--a-id``/``--b-id`` option of its side before click parses the arguments; two
    ids after a single file pick two records of that file."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not any(a in ctx.help_option_names for a in args):
            args = self._assign_ids(args)
        return super().parse_args(ctx, args)

    def _takes_value(self) -> set[str]:
        names: set[str] = set()
        for p in self.params:
            if isinstance(p, click.Option) and not p.is_flag and not p.count:
                names.update(p.opts)
                names.update(p.secondary_opts)
        return names

    def _assign_ids(self, args: list[str]) -> list[str]:
        valued = self._takes_value()
        out_args: list[str] = []
        files: list[str] = []
        ids: list[list[str]] = [[], []]
        i = 0
        only_args = False
        while i < len(args):
            a = args[i]
            if only_args or a == "-" or not a.startswith("-"):
                out_args.append(a)
                files.append(a)
                i += 1
                continue
            if a == "--":
                only_args = True
                out_args.append(a)
                i += 1
                continue
            if a == "--id" or a.startswith("--id="):
                if "=" in a:
                    value, i = a.split("=", 1)[1], i + 1
                elif i + 1 < len(args):
                    value, i = args[i + 1], i + 2
                else:
                    raise OneLineUsageError("--id needs a value: FILE.jsonl --id ID")
                if not files:
                    raise OneLineUsageError(
                        "--id goes after the .jsonl file it picks from: A.jsonl --id ID B ...")
                side = min(len(files), 2) - 1
                if len(ids[side]) >= (2 if side == 0 and len(files) == 1 else 1):
                    raise OneLineUsageError(f"too many --id for {files[-1]}: one a file "
                                            "(or two after a single file)")
                ids[side].append(value)
                continue
            out_args.append(a)
            name = a.split("=", 1)[0]
            if "=" not in a and name in valued and i + 1 < len(args):
                out_args.append(args[i + 1])
                i += 2
            else:
                i += 1
        if len(ids[0]) == 2 and len(files) != 1:
            raise OneLineUsageError(f"two --id after {files[0]} but a second file too: put "
                                    "each --id after its own file")
        if len(files) == 1 and len(ids[0]) == 2:  # FILE --id X --id Y: two records of FILE
            ids = [ids[0][:1], ids[0][1:]]
            out_args.append(files[0])
        for side, name in ((0, "--a-id"), (1, "--b-id")):
            if ids[side]:
                out_args[:0] = [name, ids[side][0]]
        return out_args


def side_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The hidden per-side id options that :class:`SidedCommand` fills from ``--id``."""
    f = click.option("--b-id", hidden=True, default=None)(f)
    f = click.option("--a-id", hidden=True, default=None)(f)
    return click.option("--id", "_id_help", metavar="ID", default=None, expose_value=False,
                        help="After a .jsonl file: the id of the record to use.")(f)


def same_input(a: str, b: str, a_id: str | None, b_id: str | None) -> bool:
    """Do A and B name the same article (same path, a symlink or a hard link to it, or
    stdin twice), with the same id?"""
    if a_id != b_id:
        return False
    if a == "-" or b == "-":
        return a == b
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def load_side(arg: str, want_id: str | None, max_bytes: int, command: str,
              quiet_rejects: bool = False) -> tuple[Article, list[Reject]]:
    """The article one side of ``align``/``explain`` names (:func:`load.pick_article`).

    A directory, an ambiguous JSONL file or ``--id`` on a text file is a usage error (exit 2);
    a missing, unreadable or empty input, or an id not found, exits 1 with one line.
    Rejects met in a JSONL file read whole (no ``--id``) are reported and returned, for
    :func:`finish`.
    """
    from dedupe_news.load import JSONL_SUFFIXES, pick_article

    is_jsonl = arg == "-" or arg.lower().endswith(JSONL_SUFFIXES)
    if arg != "-" and os.path.isdir(arg):
        raise OneLineUsageError(f"{arg} is a directory; {command} takes two articles "
                                "(files, or .jsonl records picked with --id)")
    if want_id is not None and not is_jsonl:
        raise OneLineUsageError(f"--id {want_id} after {arg}: --id picks a record of a "
                                ".jsonl file, and this is not one")
    got = pick_article(arg, want_id, max_bytes)
    if got.article is None:
        if got.count > 1 and want_id is None:
            shown = ", ".join(repr(i) for i in got.ids) + (", ..." if got.count > 5 else "")
            raise OneLineUsageError(f"{arg} holds {got.count:,} articles ({shown}); pick one "
                                    "with --id ID after the file name")
        if len(got.rejects) == 1 and not got.count:
            raise click.ClickException(got.rejects[0].message)
        for rej in got.rejects:
            report_reject(rej)
        if want_id is not None:
            raise click.ClickException(f"{arg}: no article with id {want_id!r} "
                                       f"({got.count:,} read); check the id")
        raise click.ClickException(f"{arg}: no usable article; see the lines above")
    if want_id is None and not quiet_rejects:
        for rej in got.rejects:
            report_reject(rej)
    return got.article, ([] if want_id is not None else got.rejects)
