"""``dedupe-news filter``, ``serve`` and ``index``: the pre-ingest filter and its index."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

import click

from dedupe_news.cli._common import OneLineUsageError, atomic_write, echo_err, json_line
from dedupe_news.cli.cluster import _settings, match_options
from dedupe_news.load import DEFAULT_MAX_BYTES

_EPILOG = """\b
Examples:
  dedupe-news filter --index news.idx incoming.jsonl
  cat incoming.jsonl | dedupe-news filter --index redis://127.0.0.1:6379/0
  dedupe-news serve --index news.idx --port 8080
  dedupe-news index stats --index news.idx
"""


def _policy_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--index", "location", required=True, metavar="PATH|redis://HOST:PORT/DB",
                     help="The index: an SQLite file (created on first use) or a Redis URL."),
        click.option("--drop-contained", is_flag=True,
                     help="Drop an article held in an indexed one (contained_in) instead of "
                          "keeping it with a link."),
        click.option("--review-damage", type=click.FloatRange(0), default=None, metavar="X",
                     help="Send keep/replace decisions whose MT damage score is X or more to "
                          "review (and report damage scores and flags)."),
        click.option("--review-margin", type=click.FloatRange(0, 1), default=0.0,
                     show_default=True,
                     help="A partial relation whose coverage is within this of a copy's goes "
                          "to review (0: off)."),
        click.option("--no-store-text", is_flag=True,
                     help="Keep no texts in the index (smaller; a copy then never replaces "
                          "the indexed version)."),
        click.option("--busy-timeout", type=click.FloatRange(0), default=30.0,
                     show_default=True, help="Seconds to wait for a locked index."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                     show_default=True, help="Larger records get error: too_large."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return match_options(f)


def _filter_settings(kw: dict[str, Any]):  # -> FilterSettings
    from dedupe_news.filter import FilterSettings

    cs = _settings(kw["num_perm"], kw["bands"], kw["rows"], kw["copy_coverage"],
                   kw["sentence_threshold"], 1)
    return FilterSettings(cluster=cs, drop_contained=kw["drop_contained"],
                          review_damage=kw["review_damage"], review_margin=kw["review_margin"],
                          store_text=not kw["no_store_text"], max_bytes=kw["max_bytes"])


def open_filter(kw: dict[str, Any]):  # -> Filter
    from dedupe_news.filter import Filter, FilterIndexError, open_index

    settings = _filter_settings(kw)
    try:
        index = open_index(kw["location"], settings, busy_timeout=kw["busy_timeout"])
    except FilterIndexError as exc:
        raise click.ClickException(str(exc)) from None
    return Filter(index, settings)


@click.command("filter", epilog=_EPILOG)
@click.argument("paths", nargs=-1, metavar="[FILE ...]")
@_policy_options
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), default=None,
              help="Append each bad record's reject (JSONL) to this file.")
@click.option("--skip-bad", is_flag=True, help="Exit 0 even when some records got error.")
@click.option("-q", "--quiet", is_flag=True, help="No messages on stderr for bad records.")
@click.option("--batch", type=click.IntRange(1, 1000), default=32, show_default=True,
              help="Most lines decided in one index transaction when input is waiting "
                   "(SQLite; 1: one transaction per line).")
def filter_cmd(paths: tuple[str, ...], rejects_path: str | None, skip_bad: bool, quiet: bool,
               **kw: Any) -> None:
    """Decide each incoming article (JSONL: id, text, optional title, url, source,
    published) against the index: keep, drop, replace, review or error.

    Exactly one decision line per input line, in input order, flushed as it is made.  An
    id decided before replays its stored decision byte for byte.  Reads stdin when no FILE
    is given.
    """
    from dedupe_news.filter import FilterIndexError
    from dedupe_news.filter.prefetch import ReaderFailed
    from dedupe_news.filter.reader import Line

    source = _input(paths or ("-",), kw, _filter_settings(kw))
    try:
        flt = open_filter(kw)
    except BaseException:
        source.close()
        raise
    rejects: TextIO | None = None
    errors = 0
    try:
        if rejects_path:
            rejects = open(rejects_path, "a", encoding="utf-8",  # noqa: SIM115 (closed below)
                           errors="backslashreplace")
        for batch, preps in source:
            items = [x for x in batch if isinstance(x, Line)]
            decisions = iter(flt.decide_items([(x.item, x.where, x.lineno) for x in items],
                                              preps))
            for x in batch:
                if not isinstance(x, Line):  # a whole input that cannot be read: no line
                    errors += 1
                    _reject(x.to_dict(), x.message, rejects, quiet)
                    continue
                d = next(decisions)
                sys.stdout.write(d.line + "\n")
                sys.stdout.flush()
                if d.action == "error":
                    errors += 1
                    _reject({"origin": x.where, "line": x.lineno,
                             "reason": d.reason.split(":", 1)[0], "message": d.reason},
                            d.reason, rejects, quiet)
    except (FilterIndexError, ReaderFailed) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        source.close()
        flt.close()
        if rejects is not None:
            rejects.close()
    if errors and not skip_bad:
        if not quiet:
            echo_err(f"dedupe-news: {errors} record(s) got error (listed above); "
                     "pass --skip-bad to exit 0 anyway")
        sys.exit(1)


def _input(paths: tuple[str, ...], kw: dict[str, Any], settings: Any
           ) -> Any:  # Iterable[tuple[list[Any], list[Any] | None]] with close()
    """The input in batches (:func:`~dedupe_news.filter.reader.batches`), each with its
    lines' fingerprints when a reader process makes them ahead (batches of more than one
    line: :mod:`dedupe_news.filter.prefetch`; forked here, before the index is opened),
    else None (made as each batch is decided)."""
    from dedupe_news.filter.reader import batches, iter_lines

    if kw["batch"] > 1:
        from dedupe_news.filter import index_looker, index_packer
        from dedupe_news.filter.prefetch import Prefetch

        return Prefetch(paths, settings, kw["batch"], index_packer(kw["location"], settings),
                        index_looker(kw["location"]))
    return ((batch, None) for batch in batches(iter_lines(paths, settings.max_bytes), 1))


def _reject(obj: dict[str, Any], message: str, rejects: TextIO | None, quiet: bool) -> None:
    if not quiet:
        echo_err(f"dedupe-news: {message}")
    if rejects is not None:
        rejects.write(json_line(obj) + "\n")
        rejects.flush()


@click.command("serve", epilog=_EPILOG)
@_policy_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port (0: any free port, printed on stderr).")
@click.option("--max-batch", type=click.IntRange(1), default=1000, show_default=True,
              help="Most articles one request may carry.")
def serve(host: str, port: int, max_batch: int, **kw: Any) -> None:
    """An HTTP JSON service for pipelines that call out: POST /decide with one article or
    a list, get decisions; GET /health and /metrics."""
    from dedupe_news.filter import FilterIndexError
    from dedupe_news.filter.service import run

    flt = open_filter(kw)
    try:
        run(flt, host, port, max_batch=max_batch, max_bytes=kw["max_bytes"])
    except FilterIndexError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the address is taken, or not ours to bind
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc})"
                                   ) from None
    finally:
        flt.close()


# --- index maintenance -----------------------------------------------------------------------

def _open_existing(location: str, busy_timeout: float = 30.0):  # -> Index
    from dedupe_news.filter import FilterIndexError, is_redis

    try:
        if is_redis(location):
            from dedupe_news.filter.redis_index import RedisIndex

            return RedisIndex(location, None, busy_timeout=busy_timeout, create=False,
                              adopt=True)
        from dedupe_news.filter.sqlite_index import SqliteIndex

        return SqliteIndex(location, None, busy_timeout=busy_timeout, create=False,
                           adopt=True)
    except FilterIndexError as exc:
        raise click.ClickException(str(exc)) from None


_INDEX_OPT = click.option("--index", "location", required=True,
                          metavar="PATH|redis://HOST:PORT/DB", help="The index.")


@click.group("index")
def index_group() -> None:
    """Look after a filter index: stats, export, remove, prune, compact, verify."""


def _run(location: str, fn: Callable[[Any], Any]) -> Any:
    from dedupe_news.filter import FilterIndexError

    ix = _open_existing(location)
    try:
        return fn(ix)
    except FilterIndexError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ix.close()


@index_group.command("stats")
@_INDEX_OPT
@click.option("--tables", is_flag=True,
              help="Also the bytes each table and index takes (SQLite: reads every page).")
def index_stats(location: str, tables: bool) -> None:
    """Articles, canonicals, decisions per action, size on disk per article, parameters."""
    click.echo(json.dumps(_run(location, lambda ix: ix.stats(tables=tables)), indent=2,
                          sort_keys=True))


@index_group.command("export")
@_INDEX_OPT
@click.option("-o", "--output", default="-", show_default=True,
              help="Write to this file (atomically) instead of stdout.")
@click.option("--no-signatures", is_flag=True, help="Leave the MinHash signatures out.")
def index_export(location: str, output: str, no_signatures: bool) -> None:
    """Every article as JSONL: id, cluster, canonical, decision and (canonicals) the MinHash
    as datasketch ``LeanMinHash(seed=..., hashvalues=..., scheme=...)`` arguments."""

    def write(out: TextIO) -> Callable[[Any], int]:
        def go(ix: Any) -> int:
            n = 0
            for row in ix.export(signatures=not no_signatures):
                out.write(json_line(row) + "\n")
                n += 1
            return n
        return go

    if output == "-":
        _run(location, write(sys.stdout))
    else:
        atomic_write(output, lambda fh: _run(location, write(fh)))


@index_group.command("remove")
@_INDEX_OPT
@click.argument("ids", nargs=-1, required=False)
@click.option("--from", "from_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Read ids to remove from this file, one per line (- for stdin).")
def index_remove(location: str, ids: tuple[str, ...], from_file: TextIO | None) -> None:
    """Remove articles by id, in batches (one transaction per 500)."""
    want = list(ids)
    if from_file is not None:
        want += [x.rstrip("\n") for x in from_file if x.strip()]
    if not want:
        raise OneLineUsageError("give ids to remove (arguments or --from FILE)")
    n = _run(location, lambda ix: ix.remove(want))
    echo_err(f"dedupe-news: removed {n} of {len(want)} id(s)")


@index_group.command("prune")
@_INDEX_OPT
@click.option("--before", required=True, metavar="DATE",
              help="Remove articles decided before this UTC date or time (ISO 8601).")
def index_prune(location: str, before: str) -> None:
    """Remove every article decided before DATE (age-based pruning for endless streams)."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(before.replace("Z", "+00:00"))
    except ValueError:
        raise OneLineUsageError(f"--before {before!r}: not an ISO date (2026-01-31 or "
                                "2026-01-31T12:00:00Z)") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    n = _run(location, lambda ix: ix.prune(stamp))
    echo_err(f"dedupe-news: pruned {n} article(s) decided before {stamp}")


@index_group.command("compact")
@_INDEX_OPT
def index_compact(location: str) -> None:
    """Return the space of removed articles to the file system (SQLite VACUUM)."""
    _run(location, lambda ix: ix.compact())


@index_group.command("verify")
@click.argument("location", metavar="PATH|redis://HOST:PORT/DB")
def index_verify(location: str) -> None:
    """Check an index: PRAGMA integrity_check, parameters, bands, canonicals, decisions.
    Exit 1 when a problem is found."""
    report = _run(location, lambda ix: ix.verify())
    click.echo(json.dumps(report, indent=2, sort_keys=True))
    if not report["ok"]:
        sys.exit(1)


COMMANDS = [filter_cmd, serve, index_group]
