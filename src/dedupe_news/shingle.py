r"""Text -> shingles that survive machine translation, truncation and re-typesetting.

Why not word 5-grams: an MT round trip changes one word in three or four, so few 5-grams
survive (the two seed versions of the AP report share 8% of them).  What survives is the
*content* of the story: names, numbers and content words, in roughly the same order.  A
shingle here is a pair of consecutive content words, each cut to its first
``STEM_CHARS`` characters (a crude stemmer that makes "supplies"/"supplying" one token):

    "China has increased its sales to Russia of machine tools"
    -> content words:  china increased sales russia machine tools
    -> stems:          chin incr sale russ mach tool
    -> shingles:       chin_incr incr_sale sale_russ russ_mach mach_tool

On the seeds this gives Jaccard 0.26 for the two MT versions of one story (containment 0.59)
and 0.08 for the Bloomberg article on the same event (word 5-grams: 0.09 vs 0.00), measured
by ``bench/shingle_choice.py``.  Numbers are kept as written (digits only), so "death toll 12"
and "death toll 15" are different shingles: numbers are content.

Text without spaces between words (Chinese, Japanese, Thai) falls back to character bigrams.
Shingles are hashed to 32 bits with a stable hash (a 64-bit polynomial hash of the stem's
UTF-8 bytes, mixed; two stems combined), so signatures are reproducible across processes
and runs; :func:`hash_shingle` is the same hash as a datasketch ``hashfunc`` so
``MinHash(hashfunc=hash_shingle).update_batch(...)`` gives bit-identical signatures.

This module is the *reference* definition, in plain Python, of everything the tokeniser
does: words, stems, sentence units (for verification) and shingles.  ``cluster`` runs the
compiled twin, :func:`dedupe_news.shingle_jit.tokenize_chunk`, and the tests hold the two
equal.  The exact rules, on the UTF-8 bytes of the normalised story text:

* non-ASCII characters that are not word characters (``\W``) count as spaces; a *word* is
  a run of ``[0-9A-Za-z_]`` and non-ASCII bytes; words are lowercased (Unicode
  ``str.lower``; ASCII only in the rare text where that changes byte lengths);
* stop words go; a word of ASCII digits is kept whole, any other is cut to its first
  ``STEM_CHARS`` characters;
* a *unit* (sentence-like span) ends at a sentence end of a non-Latin script
  (``SENTENCE_ENDS``: 。．！？ ؟ ۔ । ॥, read as a line break), at a run of whitespace that
  contains a line break, or at one that follows ``.``, ``!`` or ``?`` (closing
  quotes/brackets allowed in between) and comes before an upper-case letter of any script,
  a digit, or a letter of a script without case (Arabic, Hebrew, Devanagari, CJK...; an
  opening quote/bracket allowed in between),
  unless the ``.`` ends an abbreviation (a single capital letter, "U.S.", or one of
  ``ABBREVIATIONS``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedupe_news.words import ABBREVIATIONS, STOPWORDS, common_stem_lists

STEM_CHARS = 4
NGRAM = 2
_WORD = re.compile(r"\w+")
_NOSPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


_MASK64 = (1 << 64) - 1
_Q = 0x100000001B3
_SEED = 0xCBF29CE484222325
_MIX = 0x9E3779B1

_NONWORD_NONASCII = re.compile(r"[^\w\x00-\x7f]")
_NONASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_BYTES = bytes(range(0x80))
_WORD_B = re.compile(rb"[0-9A-Za-z_\x80-\xff]+")
_SPACE_B = re.compile(rb"[ \t\n\r\x0b\x0c\x1c-\x1f]+")
_CLOSERS_B = (b'"', b"'", b")", b"]")
#: Sentence ends of scripts other than Latin: CJK 。．！？ (ideographic and fullwidth),
#: Arabic question mark ؟ and Urdu full stop ۔, Devanagari danda । and double danda ॥.
#: Each ends a unit wherever it stands (CJK puts no space after it).
SENTENCE_ENDS = frozenset("\u3002\uff0e\uff01\uff1f\u061f\u06d4\u0964\u0965")
_NOSPACE_END = re.compile(r"([!?.])(?=[^\x00-\x7f\s\d])")
_OPENERS_B = (b'"', b"'", b"(", b"[")
_UPPER_DIGIT_B = re.compile(rb"[A-Z0-9]")
_DIGITS_B = re.compile(rb"[0-9]+")


def poly64(data: bytes) -> int:
    """The 64-bit stem hash (polynomial over the bytes, then fmix64); compiled twin in
    :mod:`dedupe_news._hashing`."""
    h = _SEED
    for byte in data:
        h = (h * _Q + byte + 1) & _MASK64
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def _sorted_hashes(words: Iterable[str]) -> np.ndarray:
    return np.array(sorted({poly64(w.encode()) for w in words}), dtype=np.uint64)


STOP_HASHES = _sorted_hashes(sorted(STOPWORDS))
ABBREV_HASHES = _sorted_hashes(ABBREVIATIONS)
_STOP_B = frozenset(w.encode() for w in STOPWORDS)
_ABBREV_B = frozenset(w.encode() for w in ABBREVIATIONS)


def is_cjk(text: str) -> bool:
    """Mostly a script written without spaces (Chinese, Japanese, Korean, Thai)?"""
    return bool(_NOSPACE_SCRIPT.search(text)) and \
        len(_NOSPACE_SCRIPT.findall(text)) * 3 > len(text)


@dataclass(frozen=True)
class StoryBytes:
    """A story as the tokeniser reads it: UTF-8, original case and lowercased, same length."""

    orig: bytes
    low: bytes
    cjk: bool


def story_bytes(story: str, special: set[str] | None = None) -> StoryBytes:
    """Bytes for the tokeniser (see the module docstring for the rules).  ``special``: the
    distinct non-ASCII characters of ``story`` when the caller has them already."""
    if story.isascii():
        orig = story.encode("ascii")
        return StoryBytes(orig, orig.lower(), False)
    # The distinct non-ASCII characters decide everything below (news text has a handful):
    # = set(_NONASCII.findall(story)), from the UTF-8 bytes left once ASCII is deleted
    if special is None:
        special = set(story.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
                      .decode("utf-8", "surrogatepass"))
    s = story
    letters = []
    for c in special:
        if c in SENTENCE_ENDS:
            s = s.replace(c, "\n")  # a full stop of a non-Latin script ends a unit
        elif _NONWORD_NONASCII.match(c) and not unicodedata.category(c).startswith("M"):
            # (= _NONWORD_NONASCII.sub(" ", story), but combining marks - Devanagari vowel
            # signs, Arabic vowel marks - stay inside their word)
            s = s.replace(c, " ")
        else:
            letters.append(c)
    if any(_NOSPACE_SCRIPT.match(c) for c in special):
        s = _NOSPACE_END.sub("\\1\n", s)  # "报告。报告" after NFKC: "!" "?" "." then a letter
    orig = s.encode("utf-8", "surrogatepass")
    low = s.lower().encode("utf-8", "surrogatepass")
    if len(low) != len(orig) or any(_resized(c) for c in letters):
        # a letter whose lowercase has another UTF-8 length ("İ", "ẞ") would shift the
        # words of ``low`` against ``orig`` (even when totals cancel): ASCII-only lowercasing
        low = orig.lower()
    cjk = any(_NOSPACE_SCRIPT.match(c) for c in special) and is_cjk(story)
    return StoryBytes(orig, low, cjk)


def _resized(c: str) -> bool:
    return len(c.lower().encode("utf-8", "surrogatepass")) != \
        len(c.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Unit:
    """A sentence-like unit: byte span into ``StoryBytes.orig``, text, content stems."""

    start: int
    end: int
    text: str
    stems: tuple[bytes, ...]


def _starts_sentence(orig: bytes, low: bytes, q: int) -> bool:
    """An upper-case letter (any script), a digit, or a letter of a script without case."""
    c = orig[q]
    if c < 0x80:
        return bool(_UPPER_DIGIT_B.match(orig, q))
    n = 2 if c < 0xE0 else 3 if c < 0xF0 else 4
    if q + n > len(orig):
        return False
    if orig[q:q + n] != low[q:q + n]:
        return True
    if n == 4:
        return True
    cp = ord(orig[q:q + n].decode("utf-8", "surrogatepass"))
    if n == 2:
        return 0x590 <= cp <= 0x7FF
    return cp >= 0x900 and not 0xFF41 <= cp <= 0xFF5A


def _is_break(orig: bytes, low: bytes, start: int, ws: int, we: int) -> bool:
    if b"\n" in orig[ws:we]:
        return True
    if we >= len(orig):
        return False
    q = we + 1 if orig[we:we + 1] in _OPENERS_B else we
    if q >= len(orig) or not _starts_sentence(orig, low, q):
        return False
    p = ws - 1
    while p >= start and orig[p:p + 1] in _CLOSERS_B:
        p -= 1
    if p < start or orig[p:p + 1] not in (b".", b"!", b"?"):
        return False
    if orig[p:p + 1] == b".":
        t = p
        while t > start and _WORD_B.fullmatch(orig, t - 1, t):
            t -= 1
        word = orig[t:p]
        if (len(word) == 1 and word.isupper()) or word in _ABBREV_B:
            return False
    return True


def _stems(word_low: bytes, cjk: bool) -> list[bytes]:
    if cjk:
        return [c.encode("utf-8", "surrogatepass")
                for c in word_low.decode("utf-8", "surrogatepass")]
    if word_low in _STOP_B:
        return []
    if _DIGITS_B.fullmatch(word_low):
        return [word_low]
    return [word_low.decode("utf-8", "surrogatepass")[:STEM_CHARS]
            .encode("utf-8", "surrogatepass")]


def story_units(story: str) -> list[Unit]:
    """The story's units with their stems (units without stems are dropped)."""
    sb = story_bytes(story)
    orig, low = sb.orig, sb.low
    cuts = [m.span() for m in _SPACE_B.finditer(orig)]
    bounds = [(ws, we) for ws, we in cuts if _is_break(orig, low, 0, ws, we)]
    units = []
    pos = 0
    for ws, we in [*bounds, (len(orig), len(orig))]:
        stems = [st for m in _WORD_B.finditer(orig, pos, ws)
                 for st in _stems(low[m.start():m.end()], sb.cjk)]
        if stems:
            raw = orig[pos:ws]
            lead = len(raw) - len(raw.lstrip())
            text = raw.strip().decode("utf-8", "surrogatepass")
            units.append(Unit(pos + lead, pos + lead + len(raw.strip()), text, tuple(stems)))
        pos = we
    return units


def content_stems(story: str) -> list[str]:
    """The story's content stems in text order (the words that shingles are made of)."""
    return [st.decode("utf-8", "surrogatepass") for u in story_units(story) for st in u.stems]


def stem_hash(stem: str | bytes) -> int:
    """Stable 32-bit hash of one stem; the low bit is set for a number (ASCII digits only)
    and clear for a word, so the verifier can tell numbers apart without the text."""
    data = stem if isinstance(stem, bytes) else stem.encode("utf-8", "surrogatepass")
    return (poly64(data) & 0xFFFFFFFE) | (1 if data and data.isdigit() and data.isascii() else 0)


def stem_hashes(stems: Sequence[str]) -> np.ndarray:
    """:func:`stem_hash` of many stems (without newlines) at once: vectorised, the
    common-stem table's ~80,000 take ~10 ms, not ~0.25 s."""
    if not len(stems):
        return np.zeros(0, dtype=np.uint32)
    buf = np.frombuffer("\n".join(stems).encode("utf-8", "surrogatepass") + b"\n",
                        dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.r_[0, ends[:-1] + 1]
    lens = ends - starts
    width = int(lens.max())
    col = np.arange(width)
    live = col[:, None] < lens[None, :]  # (byte position, stem): rows are contiguous
    byte = np.concatenate([buf, np.zeros(width, dtype=np.uint8)])[
        starts[None, :] + col[:, None]].astype(np.uint64)
    h = np.full(len(stems), _SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(width):
            h = np.where(live[c], h * np.uint64(_Q) + byte[c] + np.uint64(1), h)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xC4CEB9FE1A85EC53)
        h ^= h >> np.uint64(33)
    digit = (lens > 0) & np.all(~live | ((byte >= 48) & (byte <= 57)), axis=0)
    return ((h & np.uint64(0xFFFFFFFE)) | digit.astype(np.uint64)).astype(np.uint32)


def _common_masks() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """:func:`dedupe_news.words.common_stem_lists` as hashes: languages (English first), the
    sorted distinct hashes, and each one's mask of languages.  (Built at import: ~20 ms.)"""
    tables = common_stem_lists()
    langs = tuple(tables)
    stems = [st for t in tables.values() for st in t]
    hashes = stem_hashes(stems)
    bits = np.repeat(np.left_shift(np.uint64(1), np.arange(len(langs), dtype=np.uint64)),
                     [len(t) for t in tables.values()])
    order = np.argsort(hashes, kind="stable")
    hashes, bits = hashes[order], bits[order]
    first = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    return langs, hashes[first], np.bitwise_or.reduceat(bits, first)


#: The languages of the common-stem table, English first (bit k of a mask: ``COMMON_LANGS[k]``);
#: 32-bit stem hashes (:func:`stem_hash`) of the common words' stems of every language,
#: sorted, and for each a mask of the languages it is common in: the relation model's
#: rare-word tests ignore a pair's common stems (:mod:`dedupe_news.verify`).
COMMON_LANGS, COMMON_HASHES, COMMON_MASKS = _common_masks()
assert len(COMMON_LANGS) <= 64


def combine(h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
    """Order-sensitive 32-bit combination of two stem hashes (vectorised)."""
    return (h1 * np.uint32(_MIX)) ^ (h2 + np.uint32(0x7F4A7C15)) ^ (h1 >> np.uint32(16))


def shingle_hashes(stems: Sequence[str | bytes]) -> np.ndarray:
    """Distinct 32-bit hashes of the consecutive stem pairs (a single stem if only one)."""
    if not stems:
        return np.zeros(0, dtype=np.uint32)
    hs = np.fromiter((stem_hash(s) for s in stems), dtype=np.uint32, count=len(stems))
    if len(hs) < NGRAM:
        return hs
    return np.unique(combine(hs[:-1], hs[1:]))


def shingle_strings(stems: list[str]) -> list[bytes]:
    """The same shingles as bytes (``b"stem stem"``), for datasketch and for explaining."""
    if len(stems) < NGRAM:
        return [s.encode("utf-8", "surrogatepass") for s in stems]
    pairs = {f"{a} {b}" for a, b in itertools.pairwise(stems)}
    return sorted(p.encode("utf-8", "surrogatepass") for p in pairs)


def hash_shingle(data: bytes) -> int:
    """datasketch-compatible ``hashfunc``: the hash :func:`shingle_hashes` gives a shingle."""
    parts = data.split(b" ")
    if len(parts) == 1:
        return stem_hash(parts[0])
    h1 = np.uint32(stem_hash(parts[0]))
    h2 = np.uint32(stem_hash(parts[1]))
    with np.errstate(over="ignore"):
        return int(combine(np.array([h1]), np.array([h2]))[0])
