"""How the embedded index stores decision lines and texts: deflate with a preset dictionary.

A decision line (~340 bytes of JSON) and a story (~2 KB) are too short for plain zlib to
find much to reuse inside them: the JSON keys, the reasons' wording and the most common
English words are new to every row.  Deflate given a fixed dictionary of them (``data/
store_zdict_v1.txt``: the 3,000 most frequent English words of ``damage_wordfreq.tsv``, then
a decision line's furniture) starts each row with that history.  Measured on the stream
bench's rows: lines 336 -> 92 bytes (plain zlib: 186), texts 817 -> 678 bytes.

Each stored value says how it was written, so an index keeps rows of every schema since 4:
``CODEC_V1`` (one byte) then raw deflate with dictionary v1; a text starting with a zlib
header (``0x78``) is plain zlib (schema 4 and the Redis index); a line stored as ``str`` is
plain text (schema 4).  The dictionary is part of the format: it never changes (a test holds
its hash); a new one would be ``CODEC_V2``.
"""

from __future__ import annotations

import hashlib
import zlib
from functools import lru_cache
from typing import Any

from dedupe_news.words import data_text

CODEC_V1 = b"\x01"
ZDICT_V1_FILE = "store_zdict_v1.txt"
ZDICT_V1_SHA256 = "e87fc4f006aae2e90a367c861f9fb779e9cba1801386f8a8c66fca0dd003134b"
LEVEL = 6


@lru_cache(maxsize=1)
def zdict_v1() -> bytes:
    raw = data_text(ZDICT_V1_FILE).encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != ZDICT_V1_SHA256:  # a broken install, not data
        raise RuntimeError(f"dedupe_news/data/{ZDICT_V1_FILE} differs from the one indexes "
                           "were written with; reinstall dedupe-news")
    return raw


@lru_cache(maxsize=1)
def _primed() -> Any:
    """A compressor with dictionary v1 set and nothing written: each value is deflated by a
    copy of it (copying the state costs a third of setting the dictionary again)."""
    return zlib.compressobj(LEVEL, zlib.DEFLATED, -15, zdict=zdict_v1())


def pack(value: str) -> bytes:
    """``value`` (UTF-8, lone surrogates kept) as stored: ``CODEC_V1`` + raw deflate."""
    c = _primed().copy()
    return CODEC_V1 + c.compress(value.encode("utf-8", "surrogatepass")) + c.flush()


def unpack_text(blob: bytes) -> str:
    """A stored text: :func:`pack`'s, or plain zlib (schema 4, Redis).  Raises
    ``zlib.error`` or ``ValueError`` on a damaged value."""
    if blob[:1] == CODEC_V1:
        d = zlib.decompressobj(-15, zdict=zdict_v1())
        raw = d.decompress(blob[1:]) + d.flush()
        if not d.eof:
            raise zlib.error("incomplete or truncated stream")
    else:
        raw = zlib.decompress(blob)
    return raw.decode("utf-8", "surrogatepass")


def unpack_line(value: str | bytes) -> str:
    """A stored decision line: plain text (schema 4) or :func:`pack`'s."""
    return value if isinstance(value, str) else unpack_text(value)
