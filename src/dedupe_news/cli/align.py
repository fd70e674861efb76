"""``dedupe-news align A B``: show what changed between two versions of an article.

Parse options, read both files (``dedupe_news.load``), call
:func:`dedupe_news.align.align_texts`, then write HTML (default, to
``reports/align-<A>-<B>.html``) or JSON (default to stdout).  Exit status: 0 ok; 1 for a data
error (missing, unreadable, binary, empty or oversized file); 2 for a usage error (such as
the same file twice).  Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from dedupe_news.cli._common import atomic_write, json_line
from dedupe_news.load import DEFAULT_MAX_BYTES, read_text_file
from dedupe_news.model import Article

REPORTS = "reports"


class _UsageError(click.ClickException):
    """A one-line usage error with exit status 2 (click's UsageError prints the whole usage)."""

    exit_code = 2


def _read(path: str, max_bytes: int) -> Article:
    p = Path(path)
    if not p.exists():
        raise click.ClickException(f"{path}: no such file; check the path")
    if p.is_dir():
        raise _UsageError(f"{path} is a directory; align takes two article files")
    item = read_text_file(p, p.stem, max_bytes)
    if not isinstance(item, Article):
        raise click.ClickException(item.message)
    return item


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._")[:60] or "x"


def default_output(a: str, b: str) -> str:
    """``reports/align-<A>-<B>.html`` with file names reduced to safe characters."""
    return str(Path(REPORTS) / f"align-{_safe(a)}-{_safe(b)}.html")


def _damage(text: str) -> tuple[list[Any], float | None]:
    """Damage flags and score for ``text`` from :mod:`dedupe_news.damage`."""
    from dedupe_news.damage import check_text

    report = check_text(text)
    return list(report.flags), float(report.score)


@click.command("align")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("-o", "--output", metavar="FILE",
              help="Where to write; '-' for stdout.  Default: reports/align-<A>-<B>.html for "
                   "html, stdout for json.")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html",
              show_default=True, help="Side-by-side HTML page, or the JSON alignment.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, max_open=True), default=None,
              help="Minimum cosine for a link (default 0.25); lower links more rewritten "
                   "sentences, and more wrong ones.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Refuse files larger than this.")
@click.option("--no-damage", is_flag=True, help="Do not run the damage checks for the HTML.")
@click.option("--embed", type=click.Choice(["minilm"]), default=None,
              help="Add a sentence-embedding similarity (English; needs the [embed] extra). "
                   "Finds reworded pairs TF-IDF misses; about 130 sentences/s.")
@click.option("-q", "--quiet", is_flag=True, help="No messages on stderr except errors.")
def align(a: str, b: str, output: str | None, fmt: str, threshold: float | None,
          max_bytes: int, no_damage: bool, embed: str | None, quiet: bool) -> None:
    """Align the sentences of two versions A and B of an article and show what changed.

    Groups are identical, changed, merged (n:1), split (1:n) or moved; sentences only in B
    are added, only in A dropped.  The summary gives each side's coverage and a
    copy / partial / none verdict.

    Exit status: 0 ok, 1 data error (unreadable, binary, empty or too large file),
    2 usage error.
    """
    from dedupe_news.align import DEFAULT_THRESHOLD, align_texts

    if Path(a).exists() and Path(b).exists() and Path(a).resolve() == Path(b).resolve():
        raise _UsageError(f"A and B are the same file ({a}); give two different versions")
    art_a = _read(a, max_bytes)
    art_b = _read(b, max_bytes)
    embedder = None
    if embed is not None:
        from dedupe_news.embed import EmbeddingUnavailable, load_embedder

        try:
            embedder = load_embedder(embed)
        except EmbeddingUnavailable as exc:
            raise click.ClickException(f"--embed {embed}: {exc}") from None
    al = align_texts(art_a.text, art_b.text,
                     threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                     embed=embedder)
    for note in al.notes:
        click.echo(f"dedupe-news align: note: {note}", err=True)

    if fmt == "json":
        doc = al.to_dict(a, b)

        def write(fh: TextIO) -> None:
            fh.write(json_line(doc) + "\n")
    else:
        from dedupe_news.render.html import render_alignment

        kw: dict[str, Any] = {}
        if not no_damage:
            kw["a_flags"], kw["a_score"] = _damage(art_a.text)
            kw["b_flags"], kw["b_score"] = _damage(art_b.text)
        page = render_alignment(al, a, b, **kw)

        def write(fh: TextIO) -> None:
            fh.write(page)
    target = output if output is not None else ("-" if fmt == "json" else default_output(a, b))
    if target == "-":
        write(sys.stdout)
        sys.stdout.flush()
    else:
        try:
            atomic_write(target, write)
        except OSError as exc:
            raise click.ClickException(f"{target}: cannot write ({exc.strerror or exc})") from None
    if not quiet:
        s = al.summary()
        where = "" if target == "-" else f"wrote {target}: "
        click.echo(f"dedupe-news align: {where}{s['verdict']}; A {s['coverage_a']:.0%} aligned, "
                   f"B {s['coverage_b']:.0%} aligned", err=True)


COMMANDS = [align]
