"""Command line: a thin click group. Each command parses options, builds settings, calls one
library function and hands the result to a formatter.

Exit codes: 0 ok; 1 when an input was skipped (unless ``--skip-bad``), a runtime error (such
as stdout that cannot be written: disk full, a closed stream), or findings at ``--fail-on``;
2 for usage errors.  Every error is one line on stderr, control characters escaped.
"""

from __future__ import annotations

import atexit
import errno
import os
import sys
import threading
from typing import Any

import click

from dedupe_news import __version__
from dedupe_news.cli._common import human, setup_streams
from dedupe_news.safe_io import OutputError, silence_stdout


class _Main(click.Group):
    """The group: stdout write errors become one ``Error:`` line with exit 1, and error
    messages are escaped for the terminal (:func:`human`)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:  # the group's own options: --bad-option
            exc.message = human(exc.message)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a full disk shows here, not at interpreter exit
        except OutputError as exc:
            raise click.ClickException(str(exc)) from None
        except click.ClickException as exc:
            exc.message = human(exc.message)
            raise

    def main(self, *args: Any, **kwargs: Any) -> Any:
        setup_streams()  # before parsing: --help and --version write to stdout too
        try:
            return super().main(*args, **kwargs)
        except OSError as exc:  # writing --help or --version (click's own stream)
            if not isinstance(exc, OutputError) and exc.errno not in _WRITE_ERRNOS:
                raise
            _fail(exc)
        finally:
            _flush_or_fail()


# What a failed write to stdout reports (disk full, closed pipe, closed stream, I/O error).
_WRITE_ERRNOS = frozenset(getattr(errno, name) for name in
                          ("EPIPE", "ENOSPC", "EIO", "EBADF", "EFBIG", "EDQUOT", "EINVAL")
                          if hasattr(errno, name))


def _fail(exc: BaseException) -> None:
    """One error line for a stdout that cannot be written, then exit 1; stdout is pointed
    at the null device so the interpreter's final flush cannot fail again (status 120)."""
    silence_stdout()
    if isinstance(exc, OutputError):
        reason = str(exc)
    else:
        why = getattr(exc, "strerror", None) or str(exc) or "stream closed"
        reason = f"cannot write to stdout ({why})"
    click.echo(f"Error: {human(reason)}", err=True)
    raise SystemExit(1) from None


def _flush_or_fail() -> None:
    """Flush stdout; when that fails, one error line and exit status 1 (never the
    interpreter's "Exception ignored" message and status 120)."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _fail(exc)


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"dedupe-news {__version__}"]
    for dist in ("datasketch", "scikit-learn", "nltk"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} (missing)")
    return ", ".join(parts)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
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


_teardown = True  # False: the command asked to end without the interpreter's teardown


def skip_teardown() -> None:
    """Ask :func:`run` to end the process as soon as the command is done: its output
    flushed and the exit handlers run, but without the interpreter's teardown - freeing a
    batch's objects one by one and unloading the compiled kernels took ~0.25 s of every
    ``cluster`` run.  Only the process entry point acts on it (never a caller of
    :data:`main` in-process, such as a test runner)."""
    global _teardown
    _teardown = False


def run() -> None:
    """The process entry point (``dedupe-news``, ``python -m dedupe_news``): :data:`main`,
    and the exit :func:`skip_teardown` asked for."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
        if not _teardown and (code is None or isinstance(code, int)) \
                and all(t.daemon or t is threading.main_thread()
                        for t in threading.enumerate()):
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except (OSError, ValueError):  # the interpreter's own exit reports it
                raise exc from None
            atexit._run_exitfuncs()
            os._exit(code or 0)
        raise
