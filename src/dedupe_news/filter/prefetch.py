"""The filter's input read, parsed and fingerprinted one batch ahead, in a second process.

Decisions are serial: each reads what the ones before it wrote to the index.  Reading a line,
parsing its JSON and fingerprinting its article (:func:`~dedupe_news.filter.core.
prepare_articles`, with the embedded index's values packed: signature, units, deflated
text) depend on nothing indexed, and cost about a third of a decision.  ``dedupe-news
filter`` (batches of more than one line) so runs them in a child process on the second core
while the parent decides the batch before: the same fingerprints, the same decisions, in the
same order (tests/test_filter_prefetch.py holds the output byte for byte equal to the
one-process path's).

The child is forked before the index is opened, owns the input (stdin or the files), never
writes to stdout (its descriptor 1 points at ``/dev/null``), dies with its parent (Linux
``PR_SET_PDEATHSIG``; elsewhere when its next batch finds the pipe closed) and hands every
batch over a pipe: at most the batch being decided, one in the pipe and one being prepared
are in memory.  A failure in the child reaches the parent as the same exception, or as
:class:`ReaderFailed` when the child died without a word.

With ``look`` (the embedded index: :class:`~dedupe_news.filter.sqlite_index.LookAhead`)
the child also reads each batch's bucket rows from the index, read-only, as the index stood
when the batch was made: the largest part of a look-up at a million articles, moved off the
deciding process (which reads again only the buckets it rewrote since).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from dedupe_news._gc import frozen_for_fork
from dedupe_news.filter.core import FilterSettings, Prepared, prepare_articles
from dedupe_news.filter.reader import Line, batches, iter_lines
from dedupe_news.model import Article, Reject

Batch = list[Line | Reject]
_PR_SET_PDEATHSIG = 1


class ReaderFailed(Exception):
    """The reader process stopped without finishing the input or saying why."""


class Prefetch:
    """The input (``paths``; ``-`` is stdin) in batches of at most ``most`` lines, as
    :func:`~dedupe_news.filter.reader.batches` gives them, each with the fingerprints of its
    lines (a :class:`Prepared` for each line holding an article within ``max_bytes``, that
    line's own :class:`Article` object; None otherwise), made in a child process forked
    when this object is made (before the index is opened: the child holds no connection).
    Iterate once; a context manager (leaving stops the child)."""

    def __init__(self, paths: Sequence[str], settings: FilterSettings, most: int,
                 pack: Callable[[Prepared], dict[str, bytes]] | None = None,
                 look: Callable[[], Any] | None = None) -> None:
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        # the child's own copy of stdin (multiprocessing points a child's fd 0 at /dev/null)
        stdin = os.dup(0) if "-" in paths else -1
        try:
            self._proc = ctx.Process(target=_child, args=(list(paths), settings, most, pack,
                                                          look, send, self._recv, os.getpid(),
                                                          stdin),
                                     name="dedupe-news-reader", daemon=True)
            with frozen_for_fork():
                self._proc.start()
        finally:
            send.close()
            if stdin >= 0:
                os.close(stdin)

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[Batch, list[Prepared | None]]]:
        while True:
            try:
                msg = self._recv.recv()
            except EOFError:
                self._proc.join(5)
                raise ReaderFailed(f"the input reader process stopped (exit code "
                                   f"{self._proc.exitcode}) before the end of the input; run "
                                   "again, or with --batch 1 to read in one process") from None
            if msg is None:
                return
            kind, payload = msg
            if kind == "error":
                raise payload
            yield payload

    def close(self) -> None:
        """Stop the child (at once unless it has finished) and wait for it."""
        self._recv.close()
        if self._proc.is_alive():
            self._proc.join(0.2)
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


def _child(paths: list[str], settings: FilterSettings, most: int,
           pack: Callable[[Prepared], dict[str, bytes]] | None,
           look: Callable[[], Any] | None, send: Any, unused: Any,
           parent: int, stdin: int) -> None:  # pragma: no cover - runs in the child
    unused.close()
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops, this follows
    with open(os.devnull, "wb") as null:  # stdout is the parent's decisions only
        os.dup2(null.fileno(), 1)
    try:
        import numba

        numba.set_num_threads(1)  # one batch's compiled calls are small
        from dedupe_news.sketch import Sketcher

        lsh = settings.cluster.lsh
        sketcher = Sketcher(lsh.num_perm, lsh.seed)
        fh = os.fdopen(stdin, "rb") if stdin >= 0 else None
        ahead = look() if look is not None else None  # its index connection opens later
        for batch in batches(iter_lines(paths, settings.max_bytes, fh), most):
            preps = _prepare(batch, settings, sketcher, pack)
            if ahead is not None:
                ahead.look(preps)
            send.send(("batch", (batch, preps)))
        send.send(None)
    except (BrokenPipeError, ConnectionResetError):  # the parent is gone
        pass
    except BaseException as exc:  # handed to the parent
        with contextlib.suppress(BaseException):
            try:
                send.send(("error", exc))
            except Exception:  # not picklable: its words
                send.send(("error", ReaderFailed(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()


def _prepare(batch: Batch, settings: FilterSettings, sketcher: Any,
             pack: Callable[[Prepared], dict[str, bytes]] | None) -> list[Prepared | None]:
    """The fingerprints of the batch's articles (one per :class:`Line`, in order)."""
    lines = [x for x in batch if isinstance(x, Line)]
    todo = [k for k, x in enumerate(lines) if isinstance(x.item, Article)
            and len(x.item.text.encode("utf-8", "surrogatepass")) <= settings.max_bytes]
    out: list[Prepared | None] = [None] * len(lines)
    made = prepare_articles([lines[k].item for k in todo], settings,  # type: ignore[misc]
                            sketcher, pack)
    for k, p in zip(todo, made, strict=True):
        out[k] = p
    return out


def _die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux), and stop now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
