"""The pre-ingest filter (``dedupe-news filter`` / ``serve`` / ``index``): a decision for
every incoming article against a persistent index.

    from dedupe_news.filter import Filter
    from dedupe_news.model import Article

    with Filter("news.idx") as f:                      # or "redis://127.0.0.1:6379/0"
        d = f.decide(Article("a1", "Story text ..."))
        d.action, d.reason, d.duplicate_of, d.line     # keep|drop|replace|review|error

See :mod:`dedupe_news.filter.core` for the decision rules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from dedupe_news.filter.core import (
    ACTIONS,
    FIELDS,
    Decision,
    Filter,
    FilterIndexError,
    FilterSettings,
    IndexBusy,
    IndexMismatch,
    Prepared,
)


def is_redis(location: str) -> bool:
    return location.startswith(("redis://", "rediss://", "unix://"))


def index_packer(location: str, settings: FilterSettings
                 ) -> Callable[[Prepared], dict[str, bytes]] | None:
    """How the index at ``location`` packs what it writes for a canonical, for
    :func:`~dedupe_news.filter.core.prepare_articles` to do ahead (None: it packs itself)."""
    if is_redis(location):
        from dedupe_news.filter.redis_index import stored_values as redis_values

        return functools.partial(redis_values, store_text=settings.store_text)
    from dedupe_news.filter.sqlite_index import stored_values

    return functools.partial(stored_values, store_text=settings.store_text)


def index_looker(location: str) -> Callable[[], object] | None:
    """What makes the look-ups ahead for the index at ``location`` in the reader process
    (:class:`~dedupe_news.filter.sqlite_index.LookAhead`; None: the index looks up
    itself; Redis looks a batch up in one script)."""
    if is_redis(location):
        return None
    from dedupe_news.filter.sqlite_index import LookAhead

    return functools.partial(LookAhead, location)


def open_index(location: str, settings: FilterSettings | None = None,
               busy_timeout: float = 30.0, create: bool = True):  # -> Index
    """The index at ``location``: an SQLite file path, or ``redis://host:port/db``."""
    if is_redis(location):
        from dedupe_news.filter.redis_index import RedisIndex

        return RedisIndex(location, settings, busy_timeout=busy_timeout, create=create)
    from dedupe_news.filter.sqlite_index import SqliteIndex

    return SqliteIndex(location, settings, busy_timeout=busy_timeout, create=create)


__all__ = ["ACTIONS", "FIELDS", "Decision", "Filter", "FilterIndexError", "FilterSettings",
           "IndexBusy", "IndexMismatch", "index_looker", "index_packer", "is_redis",
           "open_index"]
