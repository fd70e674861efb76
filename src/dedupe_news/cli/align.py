"""``dedupe-news align A B``: show what changed between two versions of an article.

Parse options, read both sides as ``cluster`` reads its inputs (``dedupe_news.load``; a
.jsonl side takes ``--id ID`` after it), call :func:`dedupe_news.align.align_texts`, then
write HTML (default, to ``reports/align-<A>-<B>-<hash>.html``) or JSON (default to stdout).
Exit status: 0 ok; 1 for a data error (missing, unreadable, binary, empty or oversized
input, an id not found, an output that cannot be written); 2 for a usage error (such as the
same article twice).  Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from dedupe_news.cli._common import (
    OneLineUsageError,
    SidedCommand,
    atomic_write,
    echo_err,
    finish,
    input_options,
    json_line,
    load_side,
    same_input,
    side_options,
)

REPORTS = "reports"

_UsageError = OneLineUsageError  # the name this module used before


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "x"


def _label(path: str, art_id: str | None) -> str:
    """A side's name in a report file name: the record id, else the file name's stem."""
    if art_id is not None:
        return _safe(art_id)
    return _safe("stdin" if path == "-" else Path(path).stem)


def default_output(a: str, b: str, a_id: str | None = None, b_id: str | None = None) -> str:
    """``reports/align-<A>-<B>-<hash>.html``: names reduced to safe characters, and 8 hex
    digits of a hash of both sides' resolved paths and ids, so pairs whose files share names
    (``c1/a.txt`` and ``c2/a.txt``) never overwrite each other's report."""
    key = json.dumps([os.path.realpath(a) if a != "-" else "-", a_id,
                      os.path.realpath(b) if b != "-" else "-", b_id])
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return str(Path(REPORTS) / f"align-{_label(a, a_id)}-{_label(b, b_id)}-{digest}.html")


def _display(path: str, art_id: str | None) -> str:
    return path if art_id is None else f"{path} --id {art_id}"


def _damage(text: str) -> tuple[list[Any], float | None]:
    """Damage flags and score for ``text`` from :mod:`dedupe_news.damage`."""
    from dedupe_news.damage import check_text

    report = check_text(text)
    return list(report.flags), float(report.score)


@click.command("align", cls=SidedCommand)
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@side_options
@click.option("-o", "--output", metavar="FILE",
              help="Where to write; '-' for stdout.  Default: "
                   "reports/align-<A>-<B>-<hash>.html for html, stdout for json.")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html",
              show_default=True, help="Side-by-side HTML page, or the JSON alignment.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, max_open=True), default=None,
              help="Minimum cosine for a link (default 0.25); lower links more rewritten "
                   "sentences, and more wrong ones.")
@click.option("--no-damage", is_flag=True, help="Do not run the damage checks for the HTML.")
@click.option("--embed", type=click.Choice(["minilm"]), default=None,
              help="Add a sentence-embedding similarity (English; needs the [embed] extra). "
                   "Finds reworded pairs TF-IDF misses; about 130 sentences/s.")
@click.option("-q", "--quiet", is_flag=True,
              help="No notes or summary on stderr (with --skip-bad, no skipped-input lines "
                   "either); errors are still shown.")
@input_options
def align(a: str, b: str, a_id: str | None, b_id: str | None, output: str | None, fmt: str,
          threshold: float | None, no_damage: bool, embed: str | None, quiet: bool,
          max_bytes: int, skip_bad: bool) -> None:
    """Align the sentences of two versions A and B of an article and show what changed.

    Groups are identical, changed, merged (n:1), split (1:n) or moved; sentences only in B
    are added, only in A dropped.  The summary gives each side's coverage and the verdict.

    A and B are .txt/.md/.html files or .jsonl(.gz) files (- for stdin), read as `cluster`
    reads them; --id ID after a .jsonl file picks its record (needed when it holds more
    than one; two --id after one file pick two of its records).

    \b
    Exit status: 0 ok, 1 data error (unreadable, binary, empty or too large input, an id
    not found, an output that cannot be written), 2 usage error.

    \b
    Examples:
      dedupe-news align seeds/004_e07beac21c845ad2.txt seeds/002_4ebceb48bccda2a4.txt
      dedupe-news align corpus.jsonl --id a7 corpus.jsonl --id b2 --format json
    """
    from dedupe_news.align import DEFAULT_THRESHOLD, align_texts

    if same_input(a, b, a_id, b_id):
        raise OneLineUsageError(f"A and B are the same file ({a}); give two different "
                                "versions")
    if a == "-" and b == "-":
        raise OneLineUsageError("stdin (-) can give only one side; save it to a .jsonl file "
                                "and pick two records with --id")
    quiet_rejects = quiet and skip_bad
    art_a, rej_a = load_side(a, a_id, max_bytes, "align", quiet_rejects)
    art_b, rej_b = load_side(b, b_id, max_bytes, "align", quiet_rejects)
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
    al.titles = (art_a.title, art_b.title)  # the relation model reads the headlines too
    if not quiet:
        for note in al.notes:
            echo_err(f"dedupe-news align: note: {note}")

    if fmt == "json":
        doc = al.to_dict(a, b)
        doc["a"]["id"], doc["b"]["id"] = art_a.id, art_b.id

        def write(fh: TextIO) -> None:
            fh.write(json_line(doc) + "\n")
    else:
        from dedupe_news.render.html import render_alignment

        kw: dict[str, Any] = {}
        if not no_damage:
            kw["a_flags"], kw["a_score"] = _damage(art_a.text)
            kw["b_flags"], kw["b_score"] = _damage(art_b.text)
        page = render_alignment(al, _display(a, a_id), _display(b, b_id), **kw)

        def write(fh: TextIO) -> None:
            fh.write(page)
    target = output if output is not None else ("-" if fmt == "json"
                                                 else default_output(a, b, a_id, b_id))
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
        echo_err(f"dedupe-news align: {where}{s['verdict']}; A {s['coverage_a']:.0%} aligned, "
                 f"B {s['coverage_b']:.0%} aligned")
    finish([*rej_a, *rej_b], skip_bad, quiet=quiet_rejects)


COMMANDS = [align]
