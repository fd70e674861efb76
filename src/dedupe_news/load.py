"""Read articles from directories, JSONL files and stdin.

The loader never transforms text beyond decoding: an article's ``text`` is the input exactly as
read (UTF-8, a leading BOM removed, line endings kept), so every character offset reported by
later stages points into what the user gave us.  HTML files are the exception: their main text
is extracted first, and offsets point into that extracted text.

Anything unusable becomes a :class:`~dedupe_news.model.Reject` with the path, the line number
where there is one, and a next step; the rest of the batch goes on.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from dedupe_news.model import Article, Reject

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
DEFAULT_MAX_BYTES = 10_000_000  # one article; news articles are ~2-20 kB

# Magic numbers of formats people hand us by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\x1f\x8b", "gzip data"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3", "an SQLite database"),
)

Item = Article | Reject


def sniff_binary(head: bytes) -> str | None:
    """Name the binary format ``head`` starts with, or None if it may be text."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if b"\x00" in head[:8192]:
        return "binary data (contains NUL bytes)"
    return None


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Decode UTF-8 strictly (BOM removed). Returns (text, None) or (None, problem)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        return None, f"is not valid UTF-8 (byte 0x{bad} at offset {exc.start})"


def _suffix(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        return ".jsonl.gz"
    return path.suffix.lower()


def _article_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root is not None else Path(path.name)
    name = rel.name
    for suf in (*JSONL_SUFFIXES, *TEXT_SUFFIXES, *HTML_SUFFIXES):
        if name.lower().endswith(suf):
            name = name[: -len(suf)]
            break
    return (rel.parent / name).as_posix() if str(rel.parent) != "." else name


def extract_html(markup: str) -> str:
    """Main text of an HTML page (trafilatura), falling back to all visible text."""
    try:
        import trafilatura  # heavy: imported only when HTML is seen

        text = trafilatura.extract(markup, include_comments=False, include_tables=False,
                                   favor_recall=True)
    except Exception:  # trafilatura raises assorted errors on odd markup
        text = None
    if text and text.strip():
        return text
    from html.parser import HTMLParser

    class _Visible(HTMLParser):
        skip = frozenset({"script", "style", "noscript", "template", "head"})

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag in self.skip:
                self.depth += 1
            elif tag in {"p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr"}:
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in self.skip and self.depth:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if not self.depth:
                self.parts.append(data)

    parser = _Visible()
    parser.feed(markup)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _file_kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def _not_regular(where: str, mode: int) -> Reject:
    return Reject(where, None, "not_regular",
                  f"{where}: {_file_kind(mode)}, not a regular file; skipped in a directory "
                  "scan (name it on the command line to read it)")


def _read_bounded(path: Path, max_bytes: int, regular_only: bool) -> bytes | Reject:
    """At most ``max_bytes + 1`` bytes of ``path``, whatever its reported size (0 for devices
    and FIFOs).  With ``regular_only`` (directory scans) anything but a regular file is a
    Reject and is never opened for reading in a way that could block (a FIFO)."""
    where = str(path)
    if regular_only:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return _not_regular(where, mode)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    if regular_only:  # replaced by a FIFO since the stat: do not block on it
        flags |= getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", closefd=True) as fh:
        st = os.fstat(fd)
        if regular_only and not stat.S_ISREG(st.st_mode):
            return _not_regular(where, st.st_mode)
        if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
            return Reject(where, None, "too_large",
                          f"{where}: {st.st_size:,} bytes is over the {max_bytes:,}-byte limit; "
                          "split it or raise --max-bytes")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        return Reject(where, None, "too_large",
                      f"{where}: more than {max_bytes:,} bytes, over the limit; "
                      "split it or raise --max-bytes")
    return data


def read_text_file(path: Path, art_id: str, max_bytes: int = DEFAULT_MAX_BYTES, *,
                   regular_only: bool = False) -> Item:
    """One .txt/.md/.html file -> Article or Reject.

    At most ``max_bytes + 1`` bytes are read, so a device or a FIFO named here cannot exhaust
    memory; ``regular_only`` (set by directory scans) rejects anything but a regular file
    without blocking on it.
    """
    where = str(path)
    try:
        data = _read_bounded(path, max_bytes, regular_only)
    except OSError as exc:
        return Reject(where, None, "unreadable",
                      f"{where}: cannot read ({exc.strerror or exc}); "
                      "check the path and permissions")
    if isinstance(data, Reject):
        return data
    kind = sniff_binary(data[:8192])
    if kind:
        return Reject(where, None, "binary",
                      f"{where}: looks like {kind}, not text; "
                      "give .txt, .md, .html or .jsonl files")
    text, problem = decode(data)
    if text is None:
        return Reject(where, None, "not_utf8",
                      f"{where}: {problem}; re-encode it, e.g. iconv -f latin1 -t utf-8")
    if _suffix(path) in HTML_SUFFIXES:
        text = extract_html(text)
    if not text.strip():
        return Reject(where, None, "empty", f"{where}: no text in file; remove it or fill it")
    return Article(id=art_id, text=text, origin=where)


def _bounded_lines(fh: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) split on b"\\n" only; None for a line over ``max_bytes``.

    Over-long lines are skipped in chunks, so memory stays bounded by ``max_bytes``.
    """
    lineno = 0
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while True:  # drain the rest of the long line
                chunk = fh.readline(1 << 20)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield lineno, None
            continue
        yield lineno, line


def _str_field(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def parse_jsonl_line(raw: bytes, where: str, lineno: int, fast: bool = True) -> Item | None:
    """One JSONL line -> Article, Reject, or None for a blank line.

    Never raises on the line's content: whatever fails while parsing one record (bad JSON,
    nesting deeper than the recursion limit, a number over Python's digit limit, ...) is a
    ``bad_json`` Reject naming ``where:lineno``, and the rest of the batch goes on.
    ``fast``: the common record by :func:`plain_record` (the same result; False: json only).
    """
    try:
        return _parse_jsonl_line(raw, where, lineno, fast)
    except RecursionError:
        why = "nested too deeply"
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:
        if "digits" in str(exc):  # int("1" * 5000): "Exceeds the limit (4300 digits) ..."
            why = f"a number of more than {sys.get_int_max_str_digits():,} digits"
        else:
            why = " ".join(str(exc).split())[:160] or type(exc).__name__
    return Reject(where, lineno, "bad_json",
                  f"{where}:{lineno}: unusable JSON record ({why}); fix or drop that line")


def _parse_jsonl_line(raw: bytes, where: str, lineno: int, fast: bool = True) -> Item | None:
    raw = raw.rstrip(b"\n").rstrip(b"\r")
    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        return None
    obj = plain_record(raw) if fast else None
    if obj is not None:  # (the path below takes the same object to the same Article)
        return Article(id=obj["id"], text=obj["text"], title=obj.get("title"),
                       url=obj.get("url"), source=obj.get("source"),
                       published=obj.get("published"), origin=f"{where}:{lineno}")
    text, problem = decode(raw)
    if text is None:
        return Reject(where, lineno, "not_utf8",
                      f"{where}:{lineno}: line {problem}; fix or drop that line")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = "truncated line?" if exc.pos >= len(text) - 1 else f"column {exc.colno}"
        return Reject(where, lineno, "bad_json",
                      f"{where}:{lineno}: not valid JSON ({exc.msg}, {hint}); "
                      "expected one object per line")
    if not isinstance(obj, dict):
        return Reject(where, lineno, "bad_json",
                      f"{where}:{lineno}: a JSON {type(obj).__name__}, not an object; "
                      'expected {"id": ..., "text": ...}')
    art_id = obj.get("id")
    if art_id is None or isinstance(art_id, (dict, list, bool)) or str(art_id) == "":
        return Reject(where, lineno, "missing_id",
                      f"{where}:{lineno}: no usable \"id\" (string or number); add one")
    body = obj.get("text")
    if not isinstance(body, str):
        got = "missing" if body is None else f"a {type(body).__name__}"
        return Reject(where, lineno, "bad_text",
                      f"{where}:{lineno}: \"text\" is {got}, expected a string")
    if not body.strip():
        return Reject(where, lineno, "empty", f"{where}:{lineno}: \"text\" is empty")
    return Article(id=str(art_id), text=body, title=_str_field(obj, "title"),
                   url=_str_field(obj, "url"), source=_str_field(obj, "source"),
                   published=_str_field(obj, "published"), origin=f"{where}:{lineno}")


_PLAIN_FIELDS = ("title", "url", "source", "published")


def plain_record(raw: bytes) -> dict[str, object] | None:
    """``json.loads(decode(raw))`` when that is the common record - an object whose
    ``id`` is a non-empty string, whose ``text`` is a string with more than whitespace,
    whose other fields are strings or absent and which holds no object or array - else
    None (:func:`parse_jsonl_line`'s full path then says what is wrong, as before).
    orjson parses a news article ~3x faster than json and refuses everything json refuses
    here (invalid UTF-8, encoded surrogates) and more (escaped lone surrogates, NaN,
    integers past 64 bits): those lines take the full path.  Nesting could go the other
    way (json's recursion limit, orjson's 1,024 levels): a record holding an object or an
    array takes the full path too.  A test holds the two paths equal."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(obj) is not dict:
        return None
    art_id, body = obj.get("id"), obj.get("text")
    if type(art_id) is not str or not art_id or type(body) is not str or not body \
            or body.isspace():  # (= not body.strip(), without the copy)
        return None
    for key in _PLAIN_FIELDS:
        value = obj.get(key)
        if value is not None and type(value) is not str:
            return None
    for value in obj.values():
        if type(value) is dict or type(value) is list:
            return None
    return obj


def _too_large(where: str, lineno: int, max_bytes: int) -> Reject:
    return Reject(where, lineno, "too_large",
                  f"{where}:{lineno}: line over the {max_bytes:,}-byte limit; "
                  "skipped (raise --max-bytes to accept it)")


def _binary_jsonl(where: str, first_line: bytes) -> Reject | None:
    """A Reject when a JSONL file's first line looks like binary data, else None."""
    kind = sniff_binary(first_line[:16])
    if not kind:
        return None
    return Reject(where, 1, "binary", f"{where}: looks like {kind}, not JSONL"
                  + ("; name it .jsonl.gz" if kind == "gzip data" else ""))


def _empty_jsonl(where: str) -> Reject:
    return Reject(where, None, "empty",
                  f"{where}: no records (empty, or only blank lines); remove it or fill it")


def _blank(data: bytes, first: bool) -> bool:
    """Are all lines of ``data`` blank (as :func:`parse_jsonl_line` sees them)?"""
    if first and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return not data or data.isspace()


def read_jsonl(fh: BinaryIO, where: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """Stream a JSONL byte stream; bad lines become Rejects with their line number.

    A stream with no record at all (empty, or only blank lines) is one ``empty`` Reject,
    as an empty text file is.
    """
    seen = False
    for lineno, raw in _bounded_lines(fh, max_bytes):
        if raw is None:
            seen = True
            yield _too_large(where, lineno, max_bytes)
            continue
        if lineno == 1:
            binary = _binary_jsonl(where, raw)
            if binary:
                yield binary
                return
        item = parse_jsonl_line(raw, where, lineno)
        if item is not None:
            seen = True
            yield item
    if not seen:
        yield _empty_jsonl(where)


@dataclass(frozen=True)
class RawLine:
    """One JSONL line as read, not yet parsed: ``parse_jsonl_line(raw, where, lineno)``.

    ``offset`` is the byte offset of the line in the file, so the article can be read again
    later (:func:`read_line_at`) instead of being kept in memory.
    """

    where: str
    lineno: int
    offset: int
    raw: bytes


def plain_jsonl_files(args: Iterable[str]) -> bool:
    """Are all ``args`` uncompressed ``.jsonl`` files (re-readable by byte offset)?"""
    args = list(args)
    return bool(args) and all(
        a != "-" and a.lower().endswith(".jsonl") and Path(a).is_file() for a in args)


def iter_raw_jsonl(args: Iterable[str], max_bytes: int = DEFAULT_MAX_BYTES
                   ) -> Iterator[RawLine | Reject]:
    """Plain ``.jsonl`` files as raw lines, with the Rejects :func:`iter_articles` gives for
    what happens before parsing (unreadable file, over-long line, binary data), in order.

    Parsing each line (:func:`parse_jsonl_line`) and the duplicate-id rule are left to the
    caller, which may do them in worker processes.
    """
    for block in iter_raw_blocks(args, max_bytes):
        if isinstance(block, Reject):
            yield block
            continue
        data, start = block.data, 0
        for k, end in enumerate(block.ends):
            yield RawLine(block.where, block.lineno + k, block.offset + start, data[start:end])
            start = end


@dataclass(frozen=True)
class RawBlock:
    """Consecutive lines of one file as read (:func:`iter_raw_blocks`): line ``lineno + k``
    is ``data[ends[k - 1]:ends[k]]`` (from 0 for k = 0), line break included, and ``data``
    starts at byte ``offset`` of the file."""

    where: str
    lineno: int
    offset: int
    data: bytes
    ends: list[int]


BLOCK_BYTES = 1 << 20


def iter_raw_blocks(args: Iterable[str], max_bytes: int = DEFAULT_MAX_BYTES,
                    block_bytes: int = BLOCK_BYTES) -> Iterator[RawBlock | Reject]:
    """:func:`iter_raw_jsonl` with the lines grouped in blocks: the same lines and Rejects in
    the same order (a block never spans a Reject or two files).  Plain files are read
    ``block_bytes`` at a time and split into lines here, not a readline call a line."""
    for arg in args:
        where = str(Path(arg))
        try:
            fh = _open_jsonl(Path(arg))
        except OSError as exc:
            yield Reject(where, None, "unreadable",
                         f"{where}: cannot read ({exc.strerror or exc}); check the path")
            continue
        try:
            with fh:
                runs = _line_runs(fh, max_bytes, block_bytes) \
                    if isinstance(fh, io.BufferedReader) else _readline_runs(fh, max_bytes)
                seen = False  # a record, or a line that is not blank
                for lineno, offset, data, ends in runs:
                    if data is None:
                        seen = True
                        yield _too_large(where, lineno, max_bytes)
                        continue
                    if lineno == 1:
                        binary = _binary_jsonl(where, data[: ends[0]])
                        if binary:
                            seen = True
                            yield binary
                            break
                    seen = seen or not _blank(data, lineno == 1)
                    yield RawBlock(where, lineno, offset, data, ends)
            if not seen:
                yield _empty_jsonl(where)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield Reject(where, None, "unreadable",
                         f"{where}: read failed ({exc}); is the file complete and not corrupt?")


_Run = tuple[int, int, bytes | None, list[int] | None]


def _readline_runs(fh: BinaryIO, max_bytes: int) -> Iterator[_Run]:
    """(first line number, offset, data, line ends) of each line read by _bounded_lines, or
    (line number, offset, None, None) for an over-long line."""
    offset = 0
    for lineno, raw in _bounded_lines(fh, max_bytes):
        at = offset
        offset = fh.tell() if raw is None else offset + len(raw)
        yield (lineno, at, None, None) if raw is None else (lineno, at, raw, [len(raw)])


def _line_ends(data: bytes) -> list[int]:
    """The end of each line of ``data`` (which ends in a line break), its break included."""
    ends = []
    find = data.find
    at = find(b"\n") + 1
    while at:
        ends.append(at)
        at = find(b"\n", at) + 1
    return ends


def _line_runs(fh: BinaryIO, max_bytes: int, block_bytes: int) -> Iterator[_Run]:
    """_readline_runs for a plain file, a block at a time: runs of lines as read, split on
    b"\\n" only, and (line number, offset, None, None) for a line over ``max_bytes`` (line break
    not counted: readline(max_bytes + 1) returns such a line cut, without its break).  A line
    over ``max_bytes`` is skipped a block at a time, so memory stays bounded by ``max_bytes``
    and one block."""
    lineno = 0
    offset = 0  # of buf in the file
    buf = b""
    while True:
        block = fh.read(block_bytes)
        buf += block
        cut = buf.rfind(b"\n") + 1
        if cut:
            data, buf = buf[:cut], buf[cut:]
            yield from _runs(data, lineno, offset, max_bytes)
            lineno += data.count(b"\n")
            offset += cut
        if not block:
            if buf:  # the last line, without a line break
                lineno += 1
                yield (lineno, offset, None, None) if len(buf) > max_bytes else \
                    (lineno, offset, buf, [len(buf)])
            return
        if len(buf) > max_bytes:  # a line already over the limit: skip to its end
            lineno += 1
            at = offset
            while True:
                offset += len(buf)
                buf = fh.read(block_bytes)
                if not buf:
                    break
                nl = buf.find(b"\n") + 1
                if nl:
                    offset += nl
                    buf = buf[nl:]
                    break
            yield lineno, at, None, None


def _runs(data: bytes, lineno: int, offset: int, max_bytes: int) -> Iterator[_Run]:
    """The runs of ``data`` (whole lines, after line ``lineno``, at ``offset``)."""
    ends = _line_ends(data)
    lengths = [e - s for s, e in zip([0, *ends[:-1]], ends, strict=True)]  # breaks included
    if max(lengths) - 1 <= max_bytes:
        yield lineno + 1, offset, data, ends
        return
    start = run_at = 0  # the lines before, between and after the over-long ones
    run: list[int] = []  # ends (in data) of the lines since run_at
    for n in lengths:
        lineno += 1
        end = start + n
        if n - 1 > max_bytes:
            if run:
                yield (lineno - len(run), offset + run_at, data[run_at:start],
                       [e - run_at for e in run])
                run = []
            yield lineno, offset + start, None, None
            run_at = end
        else:
            run.append(end)
        start = end
    if run:
        yield lineno - len(run) + 1, offset + run_at, data[run_at:], [e - run_at for e in run]


def _open_jsonl(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _read_jsonl_path(path: Path, max_bytes: int) -> Iterator[Item]:
    where = str(path)
    try:
        fh = _open_jsonl(path)
    except OSError as exc:
        yield Reject(where, None, "unreadable",
                     f"{where}: cannot read ({exc.strerror or exc}); check the path")
        return
    try:
        with fh:
            yield from read_jsonl(fh, where, max_bytes)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield Reject(where, None, "unreadable",
                     f"{where}: read failed ({exc}); is the file complete and not corrupt?")


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if _suffix(p) in TEXT_SUFFIXES + HTML_SUFFIXES and not name.startswith("."):
                if name.lower() == "readme.md":
                    continue  # provenance notes beside the articles, not an article
                found.append(p)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def iter_path(arg: str, max_bytes: int = DEFAULT_MAX_BYTES,
              stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Everything one command-line argument names, as Articles and Rejects."""
    if arg == "-":
        yield from read_jsonl(stdin or sys.stdin.buffer, "-", max_bytes)
        return
    path = Path(arg)
    if path.is_dir():
        files = _walk(path)
        if not files:
            yield Reject(arg, None, "no_articles",
                         f"{arg}: no .txt, .md or .html articles in this directory; "
                         "give JSONL files directly")
        for p in files:
            yield read_text_file(p, _article_id(p, path), max_bytes, regular_only=True)
        return
    if not path.exists():
        yield Reject(arg, None, "missing", f"{arg}: no such file or directory; check the path")
        return
    suffix = _suffix(path)
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl_path(path, max_bytes)
    elif suffix in TEXT_SUFFIXES + HTML_SUFFIXES or suffix == "":
        yield read_text_file(path, _article_id(path, None), max_bytes)
    else:
        yield Reject(arg, None, "unknown_type",
                     f"{arg}: unknown file type {suffix!r}; use .txt, .md, .html, .jsonl "
                     "or .jsonl.gz")


def iter_articles(args: Iterable[str], max_bytes: int = DEFAULT_MAX_BYTES,
                  stdin: BinaryIO | None = None) -> Iterator[Item]:
    """All inputs in order; a repeated id is rejected (the first one wins)."""
    seen: set[str] = set()
    for arg in args:
        for item in iter_path(arg, max_bytes, stdin):
            if isinstance(item, Article):
                if item.id in seen:
                    yield Reject(item.origin, None, "duplicate_id",
                                 f"{item.origin}: id {item.id!r} was already used; "
                                 "ids must be unique (this record is skipped)")
                    continue
                seen.add(item.id)
            yield item


@dataclass
class Picked:
    """What :func:`pick_article` found in one argument."""

    article: Article | None
    rejects: list[Reject]
    count: int  # articles read
    ids: list[str]  # the first few ids read, for a message


def pick_article(arg: str, want_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 stdin: BinaryIO | None = None) -> Picked:
    """The one article ``arg`` names, read as :func:`iter_articles` reads it (for commands
    that take one article an argument, such as ``align`` and ``explain``).

    With ``want_id``: the first article with that id (reading stops there).  Without: the
    only article of ``arg``; ``article`` is None when there are none or several (``count``
    says which).  Rejects met on the way are returned, not reported.
    """
    rejects: list[Reject] = []
    ids: list[str] = []
    found: Article | None = None
    count = 0
    for item in iter_articles([arg], max_bytes, stdin):
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        count += 1
        if len(ids) < 5:
            ids.append(item.id)
        if want_id is not None:
            if item.id == want_id:
                return Picked(item, rejects, count, ids)
        elif found is None:
            found = item
    return Picked(found if count == 1 else None, rejects, count, ids)
