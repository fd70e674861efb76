"""File names for report pages, derived safely from article ids.

An id can be anything a JSONL file holds: ``../../etc/passwd``, ``CON``, a NUL character,
300 characters, right-to-left text, two ids that differ only in case.  A page name is a
lowercase ASCII slug of the id (at most 40 characters of ``a-z0-9-``, never empty, never a
dot) followed by 16 hex digits of the id's SHA-256, so:

* it never holds a path separator, ``..``, a control character or a reserved device name on
  its own (``CON`` becomes ``con-<hash>``), and it stays short on every file system;
* distinct ids get distinct names even on case-insensitive file systems (the hash decides;
  :class:`Namer` lengthens the hash in the astronomically unlikely case of a clash).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata

__all__ = ["Namer", "digest", "slug"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 40) -> str:
    """``text`` as at most ``limit`` characters of ``a-z0-9-`` (accents dropped); ``x`` when
    nothing is left."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = _NOT_SLUG.sub("-", folded.lower()).strip("-")[:limit].strip("-")
    return s or "x"


def digest(text: str) -> str:
    """Hex SHA-256 of ``text`` (lone surrogates allowed)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Namer:
    """Distinct, safe file stems for article ids and for pairs of them."""

    HASH = 16

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}  # stem -> key it was made for
        self._made: dict[str, str] = {}  # key -> stem

    def _stem(self, key: str, readable: str) -> str:
        got = self._made.get(key)
        if got is not None:
            return got
        full = digest(key)
        for n in (self.HASH, 32, 64):
            stem = f"{readable}-{full[:n]}"
            if self._owner.setdefault(stem, key) == key:
                self._made[key] = stem
                return stem
        raise ValueError("SHA-256 collision")  # pragma: no cover

    def article(self, art_id: str) -> str:
        """The stem of an article's page: ``<slug>-<16 hex>``."""
        return self._stem("a\0" + art_id, slug(art_id))

    def pair(self, a_id: str, b_id: str) -> str:
        """The stem of the side-by-side page of ``a_id`` (left) and ``b_id`` (right)."""
        return self._stem("p\0" + json.dumps([a_id, b_id]),
                          f"{slug(a_id, 24)}--{slug(b_id, 24)}")
