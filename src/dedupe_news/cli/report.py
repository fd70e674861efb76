"""``dedupe-news report PATH... [-o reports/NAME/]``: cluster, then write the corpus report.

Inputs and matching options are ``cluster``'s (same loader, same settings, same worker
rule); the report folder is built by :func:`dedupe_news.report.write_report`.  Exit status:
0 ok; 1 when an input was skipped (unless ``--skip-bad``) or the folder cannot be written;
2 for usage errors (such as ``-o`` naming a folder that holds something else).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from dedupe_news.cli._common import OneLineUsageError, collect, echo_err, finish, input_options
from dedupe_news.cli.cluster import (
    LARGE_INPUT,
    STAGE_NAMES,
    _input_bytes,
    _progress_cb,
    _settings,
    _summary,
    match_options,
)

REPORTS = "reports"


def default_folder(paths: tuple[str, ...]) -> str:
    """``reports/<name>/`` after the first input (``seeds/`` -> ``reports/seeds``)."""
    from dedupe_news.report.names import slug  # (the report package: ~55 ms, report only)

    first = paths[0] if paths else "-"
    stem = "stdin" if first == "-" else Path(first.rstrip("/\\") or first).name
    for suffix in (".gz", ".jsonl"):
        stem = stem.removesuffix(suffix)
    return str(Path(REPORTS) / slug(stem, 60))


@click.command("report")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", metavar="FOLDER",
              help="Report folder (created or replaced; an existing folder must be empty or "
                   "hold a previous report).  Default: reports/<first input's name>/.")
@match_options
@click.option("--max-pairs", type=click.IntRange(0), default=1000, show_default=True,
              help="Side-by-side pages written (copy pairs of the largest clusters first, "
                   "then links by score); the cap is stated on the pages.")
@click.option("--max-articles", type=click.IntRange(0), default=2000, show_default=True,
              help="Article text pages written (most damaged first).")
@click.option("--page-rows", type=click.IntRange(10, 1000), default=1000, show_default=True,
              help="Rows per clusters / damage / links page.")
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Worker processes (0: automatic, all cores for more than 2,000 articles).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress or summary on stderr (with --skip-bad, no skipped-input "
                   "lines either).")
@input_options
def report(paths: tuple[str, ...], output: str | None, num_perm: int, bands: int, rows: int,
           copy_coverage: float, sentence_threshold: float, max_pairs: int,
           max_articles: int, page_rows: int, workers: int, quiet: bool, max_bytes: int,
           skip_bad: bool) -> None:
    """Cluster PATHS and write an offline HTML report folder: index.html (counts, clusters
    with the canonical and why, relation graph, cluster sizes, similarity histogram with
    the thresholds, damage table), paginated cluster / damage / links pages, a side-by-side
    page per copy pair and link, and summary.json.

    PATHS and the matching options are `cluster`'s.

    \b
    Example:
      dedupe-news report seeds/ -o reports/seeds/
    """
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.features import start_pool
    from dedupe_news.report import ReportError, ReportOptions, write_report

    settings = _settings(num_perm, bands, rows, copy_coverage, sentence_threshold,
                         workers or None)
    target = output or default_folder(paths)
    if os.path.lexists(target) and not os.path.isdir(target):
        raise OneLineUsageError(f"-o {target}: exists and is not a folder; give a folder")
    quiet_rejects = quiet and skip_bad
    cores = min(os.cpu_count() or 1, 8)
    nworkers = workers or (cores if _input_bytes(paths) >= LARGE_INPUT else 1)
    pool = start_pool(nworkers, num_perm) if nworkers > 1 else None
    t0 = time.perf_counter()
    try:
        articles, rejects = collect(paths, max_bytes, quiet=quiet_rejects)
        result = cluster_articles(articles, settings, progress=_progress_cb(quiet), pool=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    t1 = time.perf_counter()
    opts = ReportOptions(page_rows=page_rows, max_pairs=max_pairs, max_articles=max_articles,
                         workers=workers or (cores if len(articles) > 2000 else 1))
    say = None if quiet else (lambda m: echo_err(f"dedupe-news report: {m}"))
    try:
        summary = write_report(articles, result, target, opts, verify=settings.verify,
                               skipped=len(rejects), progress=say)
    except ReportError as exc:
        raise OneLineUsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{target}: cannot write the report "
                                   f"({exc.strerror or exc})") from None
    if not quiet:
        spent = ", ".join(f"{STAGE_NAMES.get(k, k)} {v:.1f}s"
                          for k, v in result.timings.items())
        b = summary["bytes"]
        echo_err(f"dedupe-news report: {_summary(len(articles), result.stats['clusters'])} "
                 f"(cluster {t1 - t0:.1f}s: {spent}; report {time.perf_counter() - t1:.1f}s)")
        echo_err(f"dedupe-news report: wrote {os.path.join(target, 'index.html')} "
                 f"({b['total'] / 1e6:.1f} MB in all, largest page "
                 f"{b['largest_page'] / 1e6:.2f} MB)")
    finish(rejects, skip_bad, quiet=quiet_rejects)


COMMANDS = [report]
