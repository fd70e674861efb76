"""The tokeniser, compiled (numba): content-word stems, sentence units and shingles of a
chunk of stories.  The plain-Python definition is :func:`dedupe_news.shingle.story_units`
(``tests/test_kernels.py`` holds them equal on generated and real text); ~45 us an article
here against ~0.5 ms in Python.  Compiled on first use, cached beside this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from dedupe_news._hashing import (
    _EVEN32,
    _MAX_STOP_BYTES,
    _MIX,
    _ONE,
    _Q,
    _S33,
    _SEED,
    _STEM_CHARS,
    U32,
    U64,
    _fmix64,
    _in_sorted,
    combine32,
    poly64,
)


def _byte_class(members: bytes, high: bool = False) -> np.ndarray:
    table = np.zeros(256, dtype=np.bool_)
    table[list(members)] = True
    table[0x80:] = high
    return table


# Byte classes (after the Python side has turned non-word non-ASCII characters into spaces).
_WORD = _byte_class(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_",
                    high=True)
_SPACE = _byte_class(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
_CLOSER = _byte_class(b"\"')]")
_OPENER = _byte_class(b"\"'([")
_UPPER_DIGIT = _byte_class(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")



@njit(cache=True, nogil=True)
def _starts_sentence(orig: np.ndarray, low: np.ndarray, q: int, e: int) -> bool:
    """Can the character at ``q`` open a sentence: an upper-case letter of any script (its
    lowercase has other bytes), a digit, or a letter of a script without case (Hebrew,
    Arabic, Syriac, Thaana; Devanagari and every later BMP script but fullwidth Latin
    lowercase; anything beyond the BMP)?"""
    c = orig[q]
    if c < 0x80:
        return _UPPER_DIGIT[c]
    n = 2 if c < 0xE0 else 3 if c < 0xF0 else 4
    if q + n > e:
        return False
    for t in range(q, q + n):
        if orig[t] != low[t]:
            return True  # lowercasing changed it: upper case
    if n == 2:
        cp = ((np.int64(c) & 0x1F) << 6) | (np.int64(orig[q + 1]) & 0x3F)
        return 0x590 <= cp <= 0x7FF
    if n == 3:
        cp = (((np.int64(c) & 0x0F) << 12) | ((np.int64(orig[q + 1]) & 0x3F) << 6)
              | (np.int64(orig[q + 2]) & 0x3F))
        return cp >= 0x900 and not (0xFF41 <= cp <= 0xFF5A)
    return True


@njit(cache=True, nogil=True)
def _is_break(orig: np.ndarray, low: np.ndarray, s: int, e: int, ws: int, we: int,
              has_nl: bool, abbrev: np.ndarray) -> bool:
    """Is the whitespace run ``orig[ws:we]`` a sentence-unit break?"""
    if has_nl:
        return True
    if we >= e:
        return False  # trailing whitespace: nothing follows
    p = ws - 1
    while p >= s and _CLOSER[orig[p]]:
        p -= 1
    if p < s:
        return False
    c = orig[p]
    if c != 46 and c != 33 and c != 63:  # . ! ?
        return False
    q = we
    if _OPENER[orig[q]]:
        q += 1
    if q >= e or not _starts_sentence(orig, low, q, e):
        return False
    if c == 46:  # "Mr. Smith", "U.S. Treasury": an abbreviation, not an end
        t = p
        while t > s and _WORD[orig[t - 1]]:
            t -= 1
        if t < p:
            if p - t == 1 and 65 <= orig[t] <= 90:
                return False
            if _in_sorted(abbrev, poly64(orig, t, p)):
                return False
    return True


_SMALL_UNIT = 32  # units up to this many stems are insertion-sorted in place


@njit(cache=True, nogil=True)
def _hash_set(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` (64-bit hashes) as an open-addressing table at most a quarter full:
    ``(keys, used)``, looked up with :func:`_in_set`."""
    cap = 64
    while cap < 4 * len(values):
        cap *= 2
    keys = np.zeros(cap, dtype=np.uint64)
    used = np.zeros(cap, dtype=np.bool_)
    mask = cap - 1
    for x in values:
        slot = np.int64(x >> _S33) & mask
        while used[slot] and keys[slot] != x:
            slot = (slot + 1) & mask
        keys[slot] = x
        used[slot] = True
    return keys, used


@njit(cache=True, nogil=True)
def _in_set(keys: np.ndarray, used: np.ndarray, x: np.uint64) -> bool:
    mask = len(keys) - 1
    slot = np.int64(x >> _S33) & mask
    while used[slot]:
        if keys[slot] == x:
            return True
        slot = (slot + 1) & mask
    return False


@njit(cache=True, nogil=True)
def _emit_unit(stems: np.ndarray, a: int, b: int, u_flat: np.ndarray, at: int) -> int:
    """Write the distinct values of ``stems[a:b]``, sorted, to ``u_flat[at:]``; the new end."""
    if b - a > _SMALL_UNIT:
        grp = np.sort(stems[a:b])
        m = at
        for t in range(b - a):
            if t == 0 or grp[t] != grp[t - 1]:
                u_flat[m] = grp[t]
                m += 1
        return m
    m = at  # insertion sort into u_flat[at:m], duplicates skipped
    for t in range(a, b):
        x = stems[t]
        q = m
        while q > at and u_flat[q - 1] > x:
            q -= 1
        if q > at and u_flat[q - 1] == x:
            continue
        for r in range(m, q, -1):
            u_flat[r] = u_flat[r - 1]
        u_flat[q] = x
        m += 1
    return m


@njit(cache=True, nogil=True)
def tokenize_chunk(orig: np.ndarray, low: np.ndarray, offsets: np.ndarray, cjk: np.ndarray,
                   stop: np.ndarray, abbrev: np.ndarray):
    """Stems, shingles and sentence units of every document in a chunk.

    ``orig``/``low``: the documents' story text as UTF-8 (original case / lowercased, equal
    byte lengths), concatenated; document d is ``[offsets[d], offsets[d+1])``.  ``stop`` and
    ``abbrev``: sorted 64-bit hashes of stop words (lowercase) and abbreviations (as written).

    Returns ``(sizes, sh_flat, sh_off, u_flat, u_off, doc_units)``: content-word counts; the
    distinct shingle hashes of document d in ``sh_flat[sh_off[d]:sh_off[d+1]]`` (in order of
    first occurrence, not sorted: only the set matters to MinHash and to the count); the
    units' distinct stem hashes (sorted within a unit) in ``u_flat`` with unit k in
    ``u_flat[u_off[k]:u_off[k+1]]``, and document d's units ``doc_units[d]..doc_units[d+1]``.
    """
    n = len(offsets) - 1
    total = offsets[n] - offsets[0]
    stems = np.empty(total + 1, dtype=np.uint32)
    sizes = np.zeros(n, dtype=np.int64)
    sh_flat = np.empty(total + 1, dtype=np.uint32)
    sh_off = np.zeros(n + 1, dtype=np.int64)
    u_flat = np.empty(total + 1, dtype=np.uint32)
    u_off = np.empty(total + 2, dtype=np.int64)  # (np.zeros would write it all: slow)
    doc_units = np.zeros(n + 1, dtype=np.int64)
    stop_keys, stop_used = _hash_set(stop)  # (a hash lookup a word beats a binary search)
    # distinct shingles of a document: an open-addressing set (at most half full), entries
    # stamped with their document so it never needs clearing
    set_key = np.empty(1024, dtype=np.uint32)
    set_doc = np.full(1024, -1, dtype=np.int64)
    nsh = 0
    nu_flat = 0
    nunits = 0
    for d in range(n):
        s = offsets[d]
        e = offsets[d + 1]
        ns = 0
        ustart = 0  # first stem of the current unit
        i = s
        while i < e:
            c = orig[i]
            if _WORD[c]:
                a = i
                if cjk[d]:  # each character is a stem
                    while i < e and _WORD[orig[i]]:
                        i += 1
                    k = a
                    while k < i:
                        m = k + 1
                        while m < i and 0x80 <= low[m] < 0xC0:
                            m += 1
                        hc = U32(poly64(low, k, m) & _EVEN32)
                        if m == k + 1 and 48 <= low[k] <= 57:
                            hc |= U32(1)  # a digit: a number stem
                        stems[ns] = hc
                        ns += 1
                        k = m
                    continue
                # one pass: the word's end, and the Horner state after the stem's bytes and
                # after the word's
                h = _SEED
                hstem = _SEED
                chars = 0
                digits = True
                sdigits = True  # the stem (first _STEM_CHARS characters) is all digits
                end = -1
                while i < e and _WORD[orig[i]]:
                    byte = low[i]
                    if not (0x80 <= byte < 0xC0):
                        chars += 1
                        if chars == _STEM_CHARS + 1:
                            end = i
                            hstem = h
                            sdigits = digits
                    if not (48 <= byte <= 57):
                        digits = False
                    h = h * _Q + U64(byte) + _ONE
                    i += 1
                if i - a <= _MAX_STOP_BYTES and _in_set(stop_keys, stop_used, _fmix64(h)):
                    continue
                if digits or end < 0:
                    hstem = h
                    sdigits = digits
                stems[ns] = U32(_fmix64(hstem) & _EVEN32) | U32(1 if sdigits else 0)
                ns += 1
            elif _SPACE[c]:
                ws = i
                has_nl = False
                while i < e and _SPACE[orig[i]]:
                    if orig[i] == 10:
                        has_nl = True
                    i += 1
                if not has_nl:
                    # most runs follow a word: only a . ! ? (closers allowed) can end a unit
                    if i >= e:
                        continue
                    p = ws - 1
                    while p >= s and _CLOSER[orig[p]]:
                        p -= 1
                    if p < s or (orig[p] != 46 and orig[p] != 33 and orig[p] != 63):
                        continue
                    if not _is_break(orig, low, s, e, ws, i, False, abbrev):
                        continue
                if ns > ustart:  # a unit ends: its distinct stems, sorted
                    u_off[nunits] = nu_flat
                    nu_flat = _emit_unit(stems, ustart, ns, u_flat, nu_flat)
                    nunits += 1
                    ustart = ns
            else:
                i += 1
        if ns > ustart:
            u_off[nunits] = nu_flat
            nu_flat = _emit_unit(stems, ustart, ns, u_flat, nu_flat)
            nunits += 1
        u_off[nunits] = nu_flat
        doc_units[d + 1] = nunits
        sizes[d] = ns
        # shingles: consecutive stem pairs (a lone stem is its own shingle), distinct
        if ns == 1:
            sh_flat[nsh] = stems[0]
            nsh += 1
        elif ns > 1:
            bits = 4
            while (1 << bits) < 2 * ns:
                bits += 1
            if (1 << bits) > len(set_key):
                set_key = np.empty(1 << bits, dtype=np.uint32)
                set_doc = np.full(1 << bits, -1, dtype=np.int64)
            mask = (1 << bits) - 1
            shift = U32(32 - bits) if bits < 32 else U32(0)
            for k in range(ns - 1):
                x = combine32(stems[k], stems[k + 1])
                slot = np.int64(U32(x * _MIX) >> shift) & mask
                while set_doc[slot] == d and set_key[slot] != x:
                    slot = (slot + 1) & mask
                if set_doc[slot] != d:
                    set_doc[slot] = d
                    set_key[slot] = x
                    sh_flat[nsh] = x
                    nsh += 1
        sh_off[d + 1] = nsh
    # views, not copies: the untouched rest of an np.empty buffer costs address space only
    return sizes, sh_flat[:nsh], sh_off, u_flat[:nu_flat], u_off[: nunits + 1], doc_units


@njit(cache=True, nogil=True)
def title_rows(u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray, k: int
               ) -> np.ndarray:
    """Each document's distinct stem hashes over all its units, sorted, the first ``k``
    (0-padded): a title's row for :func:`dedupe_news.verify_jit.titles_match`."""
    n = len(doc_units) - 1
    out = np.zeros((n, k), dtype=np.uint32)
    for d in range(n):
        lo = u_off[doc_units[d]]
        hi = u_off[doc_units[d + 1]]
        if hi <= lo:
            continue
        st = np.unique(u_flat[lo:hi])
        m = 0
        for x in st:
            if x != 0 and m < k:
                out[d, m] = x
                m += 1
    return out
