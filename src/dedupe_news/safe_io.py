"""Writing output safely: files replaced atomically, devices and FIFOs written in place, and
stdout write errors turned into one clean error.

:func:`atomic_write` policy (``-o FILE``):

* A regular file (or a new one) is written to a temporary file created with
  :func:`tempfile.mkstemp` in the same directory (``O_CREAT | O_EXCL``, a random name, never
  following a planted symlink), flushed, fsynced and moved over the target with
  :func:`os.replace`, so a crash never leaves a half-written file at the final path.  The
  temporary name is ``.dedupe-news-XXXXXXXX.tmp`` whatever the target's name, so any target
  name the file system accepts works.  On any error the temporary file is removed.
* A symlink is followed: the file it points to is replaced (the link stays a link), as a
  shell ``>`` redirection would write through it.
* A device or a FIFO (``-o /dev/null``, a named pipe), and anything under ``/dev`` or
  ``/proc`` (``-o /dev/stdout``, ``/dev/fd/3``), is opened and written directly; it is
  never replaced by a regular file.
* A process killed with ``kill -9`` mid-write leaves its ``.dedupe-news-*.tmp`` file behind:
  every successful write removes such files of the same directory, owned by the same user,
  that are older than a day (a write in progress is never that old).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any, TextIO

TEMP_PREFIX = ".dedupe-news-"
TEMP_SUFFIX = ".tmp"
STALE_SECONDS = 24 * 3600

__all__ = ["STALE_SECONDS", "TEMP_PREFIX", "TEMP_SUFFIX", "GuardedStdout", "OutputError",
           "atomic_write", "clean_stale_temps", "silence_stdout"]


def _open_text(fd_or_path: int | str, mode: str = "w") -> TextIO:
    return open(fd_or_path, mode, encoding="utf-8", errors="backslashreplace",
                newline="\n")


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str, write: Callable[[TextIO], None]) -> None:
    """Write ``path`` through ``write(fh)``: atomically for regular files, directly for
    devices and FIFOs, through symlinks (see the module docstring).  Raises OSError."""
    try:
        st: os.stat_result | None = os.stat(path)  # through symlinks
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    target = os.path.realpath(path)
    if (st is not None and not stat.S_ISREG(st.st_mode)) or _special(os.path.abspath(path)) \
            or _special(target):
        # a device or a FIFO (replacing it would destroy the node), or /dev/stdout and
        # /dev/fd/N (a descriptor, perhaps the shell's `>>` file): write into it, appending
        with _open_text(path, "a") as fh:
            write(fh)
        return
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    mode = stat.S_IMODE(st.st_mode) if st is not None else _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)  # mkstemp creates 0600; a report gets the usual mode
        with _open_text(fd) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    clean_stale_temps(directory)


def _special(target: str) -> bool:
    """A path under /dev or /proc (``/dev/stdout`` resolves to ``/proc/self/fd/1`` and on to
    ``pipe:[…]``): never replaced through a temporary file."""
    return target.startswith(("/dev/", "/proc/"))


def _fsync_dir(directory: str) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_stale_temps(directory: str, older_than: float = STALE_SECONDS) -> list[str]:
    """Remove ``.dedupe-news-*.tmp`` regular files in ``directory`` owned by this user and
    not modified for ``older_than`` seconds (left by a killed process).  Best effort: returns
    the names removed, never raises."""
    removed: list[str] = []
    now = time.time()
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
            continue
        full = os.path.join(directory, name)
        try:
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
                continue
            if now - st.st_mtime < older_than:
                continue
            os.unlink(full)
            removed.append(name)
        except OSError:
            continue
    return removed


class OutputError(OSError):
    """Writing the command's output (stdout) failed: disk full, closed pipe, closed stream."""

    def __init__(self, cause: BaseException | None = None, what: str = "stdout") -> None:
        reason = (getattr(cause, "strerror", None) or str(cause or "")) or "stream closed"
        super().__init__(getattr(cause, "errno", None) or errno.EBADF,
                         f"cannot write to {what} ({reason})")
        self.what = what

    def __str__(self) -> str:
        return str(self.strerror)


class GuardedStdout:
    """Proxy for ``sys.stdout`` whose write errors are :class:`OutputError`.

    After the first error the real stdout is pointed at the null device, so the interpreter's
    final flush cannot fail again with a second message (or exit status 120).
    """

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self.failed = False

    def _fail(self, exc: BaseException | None) -> OutputError:
        self.failed = True
        silence_stdout()
        return OutputError(exc)

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes with b"": a text stream refuses bytes
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not text:
            return 0
        if self._stream is None:
            raise self._fail(None)
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._fail(exc) from None
        except ValueError as exc:  # "I/O operation on closed file"
            raise self._fail(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._fail(exc) from None
        except ValueError as exc:
            raise self._fail(exc) from None

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def silence_stdout() -> None:
    """Point the process's stdout (file descriptor) at the null device, so the data still
    buffered cannot fail again at exit; only when ``sys.stdout`` is the real stdout (not a
    test runner's capture)."""
    stream = sys.stdout
    if isinstance(stream, GuardedStdout):
        stream = stream._stream  # type: ignore[assignment]
    if stream is None or stream is not sys.__stdout__:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
