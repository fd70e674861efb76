"""Command line: a thin click group. Each command parses options, builds settings, calls one
library function and hands the result to a formatter.

Exit codes: 0 ok; 1 when an input was skipped (unless ``--skip-bad``), a runtime error, or
findings at ``--fail-on``; 2 for usage errors.
"""

from __future__ import annotations

import click

from dedupe_news import __version__
from dedupe_news.cli._common import setup_streams


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"dedupe-news {__version__}"]
    for dist in ("datasketch", "scikit-learn", "nltk"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} (missing)")
    return ", ".join(parts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message=_versions())
def main() -> None:
    """Find copies of news articles (even machine-translated ones), show what changed
    between versions, and flag machine-translation damage."""
    setup_streams()


def _register() -> None:
    from dedupe_news.cli import commands

    for cmd in commands.ALL:
        main.add_command(cmd)


_register()
