"""Compiled hot loops (numba): tokenising, sentence units, shingles, verification, leaders.

Everything here is a faster twin of a plain-Python definition elsewhere, and the tests hold
them equal:

* :func:`tokenize_chunk` - :func:`dedupe_news.shingle.story_units` (the reference
  tokeniser: content-word stems, sentence units, shingles);
* :func:`compare_units` - the verification rule documented in :mod:`dedupe_news.verify`;
* :func:`leader_loop` - the star clustering of :mod:`dedupe_news.cluster`, with an LSH band
  table whose candidates are exactly datasketch ``MinHashLSH(params=(b, r))``'s for the same
  signatures (tested against datasketch itself);
* :func:`align_fill` - the rows of the aligner's dynamic programme,
  :func:`dedupe_news.align._fill_rows` (the same floating-point sums, so the same path).

Why compiled: ``cluster`` has to tokenise every article and verify every candidate.  In pure
Python the tokeniser alone costs ~150 us an article and each sentence-level comparison
~200 us; here they cost a few microseconds, which is what lets a million articles cluster
in minutes on two cores.  Functions are compiled on first use and cached next to this file
(``cache=True``), so only the first run on a machine pays the compile time.

Integer arithmetic is unsigned 64/32-bit with wrap-around; every constant is typed, because
numba (like numpy) turns ``uint64 op int64`` into float64.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
from numba import get_num_threads, njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from dedupe_news.shingle import COMMON_HASHES

# numba's OpenMP threads spin (burn a core) for a while after each parallel region by
# default.  The leader loop alternates short parallel phases with sequential ones, and on two
# cores a spinning thread takes CPU from the sequential phase whenever anything else runs
# (~2-3 s of CPU wasted at 1M articles).  Read once, when numba first starts its threads.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

U64 = np.uint64
U32 = np.uint32
_Q = U64(0x100000001B3)  # FNV-1a 64-bit prime: the polynomial base of the stem hash
_SEED = U64(0xCBF29CE484222325)
_M1 = U64(0xFF51AFD7ED558CCD)
_M2 = U64(0xC4CEB9FE1A85EC53)
_S33 = U64(33)
_ONE = U64(1)
_LOW32 = U64(0xFFFFFFFF)
_EVEN32 = U64(0xFFFFFFFE)  # stem hashes: the low bit says "a number" (see shingle.stem_hash)
_MIX = U32(0x9E3779B1)
_ADD = U32(0x7F4A7C15)
_S16 = U32(16)
_STEM_CHARS = 4
_MAX_STOP_BYTES = 16  # no stop word is longer ("themselves": 10); longer words skip the lookup



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
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@njit(cache=True, nogil=True)
def poly64(buf: np.ndarray, a: int, b: int) -> np.uint64:
    """Polynomial hash of ``buf[a:b]`` (Horner, base FNV prime, mod 2**64), fmix64-mixed."""
    h = _SEED
    for k in range(a, b):
        h = h * _Q + U64(buf[k]) + _ONE
    return _fmix64(h)


@njit(cache=True, nogil=True)
def combine32(h1: np.uint32, h2: np.uint32) -> np.uint32:
    """Order-sensitive 32-bit combination of two stem hashes (a shingle)."""
    return U32((h1 * _MIX) ^ (h2 + _ADD) ^ (h1 >> _S16))


@njit(cache=True, nogil=True)
def _in_sorted(arr: np.ndarray, x: np.uint64) -> bool:
    k = np.searchsorted(arr, x)
    return k < len(arr) and arr[k] == x


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
def minhash_flat(flat: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> np.ndarray:
    """MinHash rows of documents given as one uint32 hash array (doc d =
    ``flat[offsets[d]:offsets[d+1]]``): ``min over h of a * fmix32(h) + b (mod 2**32)`` per
    permutation, 0xFFFFFFFF for an empty document - :meth:`sketch.Sketcher.signatures_flat`
    (datasketch's ``affine32`` scheme).  The permutation loop is innermost, so it vectorises.
    """
    n = len(offsets) - 1
    num_perm = len(a)
    out = np.full((n, num_perm), U32(0xFFFFFFFF), dtype=np.uint32)
    for d in range(n):
        row = out[d]
        for t in range(offsets[d], offsets[d + 1]):
            hv = U32(flat[t])
            hv ^= hv >> U32(16)
            hv = U32(hv * U32(0x85EBCA6B))
            hv ^= hv >> U32(13)
            hv = U32(hv * U32(0xC2B2AE35))
            hv ^= hv >> U32(16)
            for k in range(num_perm):
                v = U32(a[k] * hv + b[k])
                if v < row[k]:
                    row[k] = v
    return out


# ------------------------------------------------------------------------------------------
# Verification
# ------------------------------------------------------------------------------------------

COPY, PARTIAL, NONE = 2, 1, 0
CONTAINS, CONTAINED_IN = 3, 4  # A holds B plus news of its own / A is held in B
# Why a verdict was reached (``why[0]`` of :func:`compare_units`); named in :mod:`verify`.
R_NONE, R_PARTIAL, R_COPY, R_COPY_CONTINUES, R_CONTAINS_LEAD, R_CONTAINS_OTHER, R_ONE_UNIT, \
    R_OTHER_FACTS = 0, 1, 2, 3, 4, 5, 6, 7
FACTS_MIN = 2  # aligned sentence pairs whose numbers all differ, from which (and when they
# outnumber the pairs that share a number) the texts report other facts: not one source
# The two-sided rule's thresholds (documented and tuned in :mod:`dedupe_news.verify`).
CONTAIN_REST = 0.3  # the longer side's unaligned share from which it may hold news of its own
CONTINUE_FWD = 0.08  # rest's rare stems found in the shorter side: below = other news ...
CONTINUE_REV = 0.10  # ... and the shorter side's rare stems found in the rest: below too ...
CONTINUE_MIN_RARE = 8  # ... judged only when the shorter side has this many rare stems
LEAD_SHARE = 0.15  # an unaligned lead of this share before the aligned text: the host's own
LEAD_FWD = 0.16  # ... news, when its rare stems are this foreign to the shorter side
# sorted uint32 hashes of the common stems: a global array is a compile-time constant to numba
_COMMON = COMMON_HASHES


@njit(cache=True, nogil=True)
def _similarity(sf: np.ndarray, so: np.ndarray, lf: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Cosine of every unit of the short side (rows) with every unit of the long side."""
    ns = len(so) - 1
    nl = len(lo) - 1
    counts = np.zeros((ns, nl), dtype=np.float64)
    # the long side's stems in a hash table: stem -> chain of its positions (and units)
    base = lo[0]
    m = lo[nl] - base
    cap = 16
    while cap < 2 * m:
        cap *= 2
    mask = cap - 1
    keys = np.empty(cap, dtype=np.uint32)
    head = np.full(cap, -1, dtype=np.int64)
    nxt = np.empty(m, dtype=np.int64)
    owner = np.empty(m, dtype=np.int64)
    for j in range(nl):
        for t in range(lo[j], lo[j + 1]):
            x = lf[t]
            slot = np.int64(x) & mask  # (stems are mixed hashes: their low bits will do)
            while head[slot] != -1 and keys[slot] != x:
                slot = (slot + 1) & mask
            keys[slot] = x
            nxt[t - base] = head[slot]
            head[slot] = t - base
            owner[t - base] = j
    for i in range(ns):
        for t in range(so[i], so[i + 1]):
            x = sf[t]
            slot = np.int64(x) & mask
            while head[slot] != -1:
                if keys[slot] == x:
                    q = head[slot]
                    while q != -1:
                        counts[i, owner[q]] += 1.0
                        q = nxt[q]
                    break
                slot = (slot + 1) & mask
    for i in range(ns):
        wi = float(so[i + 1] - so[i])
        for j in range(nl):
            if counts[i, j] != 0.0:  # (0 / x is 0: no square root for unrelated pairs)
                counts[i, j] = counts[i, j] / np.sqrt(wi * float(lo[j + 1] - lo[j]))
    return counts


@njit(cache=True, nogil=True)
def _lis(seq: np.ndarray) -> np.ndarray:
    """Indices of a longest non-decreasing subsequence (bisect_right patience sorting)."""
    n = len(seq)
    tails = np.empty(n, dtype=np.int64)
    tails_idx = np.empty(n, dtype=np.int64)
    prev = np.full(n, -1, dtype=np.int64)
    length = 0
    for i in range(n):
        x = seq[i]
        lo_, hi = 0, length
        while lo_ < hi:  # bisect_right
            mid = (lo_ + hi) // 2
            if x < tails[mid]:
                hi = mid
            else:
                lo_ = mid + 1
        k = lo_
        tails[k] = x
        tails_idx[k] = i
        if k == length:
            length += 1
        prev[i] = tails_idx[k - 1] if k > 0 else -1
    out = np.empty(length, dtype=np.int64)
    i = tails_idx[length - 1] if length > 0 else -1
    k = length - 1
    while i != -1:
        out[k] = i
        k -= 1
        i = prev[i]
    return out


@njit(cache=True, nogil=True)
def compare_units(af: np.ndarray, ao: np.ndarray, bf: np.ndarray, bo: np.ndarray,
                  sentence_threshold: float, copy_coverage: float, partial_threshold: float,
                  partial_min: int, min_passage: int, moved_threshold: float):
    """The verification rule (see :mod:`dedupe_news.verify`) on two unit lists.

    ``af``/``ao``: side A's unit stems and unit offsets (``ao[0]`` may be non-zero).
    Returns ``(relation, score, cov_a, cov_b, pa, pb, ps, why)`` with the matched sentence pairs
    (in-order ones, plus moved ones at ``moved_threshold`` or more) as index arrays into A's
    and B's units, sorted by the shorter side's index, and their cosines.  ``relation`` is
    ``COPY``, ``CONTAINS`` (A holds B plus news of its own), ``CONTAINED_IN`` (A is held in
    B), ``PARTIAL`` or ``NONE``; ``why`` = (rule, rest share, lead share, forward share,
    reverse share, rare stems of the shorter side, aligned pairs whose numbers differ, pairs
    that share a number): see :func:`_two_sided` and :func:`_number_pairs`.
    """
    na = len(ao) - 1
    nb = len(bo) - 1
    empty_i = np.zeros(0, dtype=np.int64)
    if na == 0 or nb == 0:
        return (NONE, 0.0, 0.0, 0.0, empty_i, empty_i, np.zeros(0, dtype=np.float64),
                np.zeros(8, dtype=np.float64))
    swap = (ao[na] - ao[0]) > (bo[nb] - bo[0])
    if swap:
        sf, so, lf, lo = bf, bo, af, ao
    else:
        sf, so, lf, lo = af, ao, bf, bo
    ns = len(so) - 1
    nl = len(lo) - 1
    sims = _similarity(sf, so, lf, lo)
    best = np.empty(ns, dtype=np.int64)
    best_sim = np.empty(ns, dtype=np.float64)
    prev = 0  # the last matched long unit: among equal best matches (a sentence printed
    # twice, a caption repeated) the first one at or after it keeps the order
    for i in range(ns):
        bs = sims[i, 0]
        for j in range(1, nl):
            if sims[i, j] > bs:
                bs = sims[i, j]
        bj = -1
        for j in range(prev, nl):
            if sims[i, j] == bs:
                bj = j
                break
        if bj < 0:
            for j in range(prev):
                if sims[i, j] == bs:
                    bj = j
                    break
        best[i] = bj
        best_sim[i] = bs
        if bs >= sentence_threshold:
            prev = bj
    matched = np.flatnonzero(best_sim >= sentence_threshold)
    keep = matched[_lis(best[matched])]
    # moved sentences: out of order but nearly identical, to a long unit no in-order pair uses
    taken = np.zeros(nl, dtype=np.bool_)
    for k in keep:
        taken[best[k]] = True
    is_kept = np.zeros(ns, dtype=np.bool_)
    is_kept[keep] = True
    nmoved = 0
    # moved blocks: runs of neighbouring sentences, out of order, each matched at
    # partial_threshold or more to neighbouring unused units (one apart allowed: a dropped
    # sentence) - a moved paragraph
    block = np.zeros(ns, dtype=np.bool_)
    for q in range(len(matched) - 1):
        i = matched[q]
        i2 = matched[q + 1]
        if i2 != i + 1 or is_kept[i2] or (is_kept[i] and not block[i]):
            continue
        d = best[i2] - best[i]
        if d < 1 or d > 2 or min(best_sim[i], best_sim[i2]) < partial_threshold:
            continue
        if taken[best[i2]] or (not block[i] and taken[best[i]]):
            continue
        for x in (i, i2):
            if not block[x]:
                block[x] = True
                is_kept[x] = True
                taken[best[x]] = True
                nmoved += 1
    for i in matched:
        if not is_kept[i] and best_sim[i] >= moved_threshold and not taken[best[i]]:
            taken[best[i]] = True
            is_kept[i] = True
            nmoved += 1
    if nmoved:
        keep = np.flatnonzero(is_kept)
    total = float(so[ns] - so[0])
    cov_short = 0.0
    score = 0.0
    strong = 0
    for k in keep:
        w = float(so[k + 1] - so[k])
        cov_short += w
        score += w * best_sim[k]
        if best_sim[k] >= partial_threshold and w >= min_passage:
            strong += 1  # (a moved sentence is at least partial_threshold similar)
    cov_short /= total
    score /= total
    hit = 0.0
    ltotal = float(lo[nl] - lo[0])
    for j in range(nl):
        cb = sims[0, j]
        for i in range(1, ns):
            if sims[i, j] > cb:
                cb = sims[i, j]
        if cb >= sentence_threshold:
            hit += float(lo[j + 1] - lo[j])
    cov_long = hit / ltotal
    why = np.zeros(8, dtype=np.float64)
    rel = NONE
    rule = R_NONE
    if cov_short >= copy_coverage:
        conflict, agree = _number_pairs(sf, so, lf, lo, keep, best)
        why[6] = conflict
        why[7] = agree
    if cov_short >= copy_coverage and len(keep) < 2 and (
            len(keep) == 0 or best_sim[keep[0]] < moved_threshold):
        rule = R_ONE_UNIT  # one unit aligned: one cosine is no evidence of the same text
    elif cov_short >= copy_coverage and why[6] >= FACTS_MIN and why[6] > why[7]:
        rule = R_OTHER_FACTS  # same wording, other numbers: a template, not one source
    elif cov_short >= copy_coverage:
        rel, rule = _two_sided(sf, so, lf, lo, sims, sentence_threshold, why)
        if rel == CONTAINS and not swap:
            rel = CONTAINED_IN  # A is the shorter side: A is held in B
    if rel == NONE and strong >= partial_min:
        rel = PARTIAL
        rule = R_PARTIAL
    why[0] = rule
    score = min(score, 1.0)
    ps = best_sim[keep]
    if swap:
        return rel, score, cov_long, cov_short, best[keep], keep, ps, why
    return rel, score, cov_short, cov_long, keep, best[keep], ps, why


@njit(cache=True, nogil=True)
def _two_sided(sf: np.ndarray, so: np.ndarray, lf: np.ndarray, lo: np.ndarray,
               sims: np.ndarray, sentence_threshold: float, why: np.ndarray):
    """The shorter side is covered: copy, or does the longer side hold news of its own?

    Reads the longer side's *rest* (units no shorter-side unit aligns with at
    ``sentence_threshold``): its share of the content words, the share before the first
    aligned unit (a lead of its own), and how much of its rare vocabulary (stems not in
    ``_COMMON``) it shares with the shorter side, both ways.  Fills ``why[1:6]`` = rest
    share, lead share, forward share, reverse share, rare stems of the shorter side.  (Tried:
    the longer side's own aligned part instead of the shorter side, so MT wording on the
    shorter side cannot hide a continuation; on the dev sets it found no more truncations
    and called one more embedded article a copy.)
    """
    ns = len(so) - 1
    nl = len(lo) - 1
    ltotal = float(lo[nl] - lo[0])
    rest = np.zeros(nl, dtype=np.bool_)
    first = -1
    rest_w = 0.0
    for j in range(nl):
        cb = sims[0, j]
        for i in range(1, ns):
            if sims[i, j] > cb:
                cb = sims[i, j]
        if cb >= sentence_threshold:
            if first < 0:
                first = j
        else:
            rest[j] = True
            rest_w += float(lo[j + 1] - lo[j])
    lead_w = 0.0
    for j in range(max(first, 0)):
        lead_w += float(lo[j + 1] - lo[j])
    rest_share = rest_w / ltotal
    lead_share = lead_w / ltotal
    # rare stems of the shorter side (sorted, distinct) and of the rest
    short_rare = np.unique(sf[so[0]:so[ns]])
    keep_s = np.ones(len(short_rare), dtype=np.bool_)
    for k in range(len(short_rare)):
        keep_s[k] = not _in_sorted32(_COMMON, short_rare[k])
    short_rare = short_rare[keep_s]
    n_rest = 0
    fwd_hits = 0
    buf = np.empty(lo[nl] - lo[0], dtype=np.uint32)
    for j in range(nl):
        if rest[j]:
            for t in range(lo[j], lo[j + 1]):
                x = lf[t]
                if not _in_sorted32(_COMMON, x):
                    buf[n_rest] = x
                    n_rest += 1
                    if _in_sorted32(short_rare, x):
                        fwd_hits += 1
    rest_rare = np.unique(buf[:n_rest])
    shared = 0
    for x in short_rare:
        if _in_sorted32(rest_rare, x):
            shared += 1
    fwd = fwd_hits / n_rest if n_rest else 0.0
    rev = shared / len(short_rare) if len(short_rare) else 0.0
    why[1] = rest_share
    why[2] = lead_share
    why[3] = fwd
    why[4] = rev
    why[5] = len(short_rare)
    if rest_share < CONTAIN_REST or n_rest == 0:
        return COPY, R_COPY
    if lead_share >= LEAD_SHARE and fwd < LEAD_FWD:
        return CONTAINS, R_CONTAINS_LEAD
    if len(short_rare) >= CONTINUE_MIN_RARE and fwd < CONTINUE_FWD and rev < CONTINUE_REV:
        return CONTAINS, R_CONTAINS_OTHER
    return COPY, R_COPY_CONTINUES


@njit(cache=True, nogil=True)
def _number_pairs(sf: np.ndarray, so: np.ndarray, lf: np.ndarray, lo: np.ndarray,
                  keep: np.ndarray, best: np.ndarray) -> tuple[int, int]:
    """Among the aligned pairs whose two sentences both hold numbers: how many share none
    (``conflict``) and how many share one (``agree``).  Number stems have the low bit set;
    unit stems are sorted, so one merge walk per pair."""
    conflict = 0
    agree = 0
    for i in keep:
        j = best[i]
        a, ae = so[i], so[i + 1]
        b, be = lo[j], lo[j + 1]
        na = 0
        nb = 0
        for t in range(a, ae):
            na += sf[t] & 1
        for t in range(b, be):
            nb += lf[t] & 1
        if na == 0 or nb == 0:
            continue
        shared = False
        while a < ae and b < be:
            x, y = sf[a], lf[b]
            if x == y:
                if x & 1:
                    shared = True
                    break
                a += 1
                b += 1
            elif x < y:
                a += 1
            else:
                b += 1
        if shared:
            agree += 1
        else:
            conflict += 1
    return conflict, agree


@njit(cache=True, nogil=True)
def _in_sorted32(arr: np.ndarray, x: np.uint32) -> bool:
    k = np.searchsorted(arr, x)
    return k < len(arr) and arr[k] == x


@njit(cache=True, nogil=True)
def compare_docs(i: int, j: int, u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray,
                 st: float, cc: float, pt: float, pm: int, mp: int, mt: float):
    """:func:`compare_units` for documents ``i`` (A) and ``j`` (B) of a feature table."""
    ai, aj = doc_units[i], doc_units[i + 1]
    bi, bj = doc_units[j], doc_units[j + 1]
    return compare_units(u_flat, u_off[ai: aj + 1], u_flat, u_off[bi: bj + 1],
                         st, cc, pt, pm, mp, mt)


@njit(cache=True, nogil=True, parallel=True)
def compare_many(pairs: np.ndarray, u_flat: np.ndarray, u_off: np.ndarray,
                 doc_units: np.ndarray, st: float, cc: float, pt: float, pm: int, mp: int,
                 mt: float):
    """Relation, score, coverages and matched-pair count for many (A, B) document pairs."""
    n = len(pairs)
    rel = np.zeros(n, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    cov = np.zeros((n, 2), dtype=np.float64)
    npairs = np.zeros(n, dtype=np.int64)
    for k in prange(n):  # independent pairs: all cores (numba threads)
        r, s, ca, cb, pa, _pb, _ps, _why = compare_docs(pairs[k, 0], pairs[k, 1], u_flat, u_off,
                                                  doc_units, st, cc, pt, pm, mp, mt)
        rel[k] = r
        score[k] = s
        cov[k, 0] = ca
        cov[k, 1] = cb
        npairs[k] = len(pa)
    return rel, score, cov, npairs


# ------------------------------------------------------------------------------------------
# LSH band table and the leader loop
# ------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def band_key(sig: np.ndarray, band: int, rows: int) -> np.uint64:
    """64-bit key of one band of a signature (band index mixed in)."""
    h = _SEED ^ (U64(band + 1) * _M2)
    for t in range(band * rows, (band + 1) * rows):
        h = (h ^ U64(sig[t])) * _Q
        h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    return h


@njit(cache=True, nogil=True)
def _table_find(keys: np.ndarray, used: np.ndarray, key: np.uint64) -> int:
    mask = len(keys) - 1
    slot = np.int64(key & U64(mask))
    while used[slot]:
        if keys[slot] == key:
            return slot
        slot = (slot + 1) & mask
    return -1 - slot  # free slot, encoded


@njit(cache=True, nogil=True)
def _table_grow(keys, used, head):
    cap = len(keys) * 2
    nk = np.zeros(cap, dtype=np.uint64)
    nu = np.zeros(cap, dtype=np.bool_)
    nh = np.full(cap, -1, dtype=np.int64)
    mask = cap - 1
    for s in range(len(keys)):
        if used[s]:
            slot = np.int64(keys[s] & U64(mask))
            while nu[slot]:
                slot = (slot + 1) & mask
            nk[slot] = keys[s]
            nu[slot] = True
            nh[slot] = head[s]
    return nk, nu, nh


@njit(cache=True, nogil=True)
def _table_add(keys, used, head, entry_doc, entry_next, nkeys: int, nentries: int,
               key: np.uint64, doc: int):
    """Add ``doc`` to the band table under ``key`` (growing the arrays as needed); returns
    the arrays and the new key and entry counts."""
    if (nkeys + 1) * 2 > len(keys):
        keys, used, head = _table_grow(keys, used, head)
    slot = _table_find(keys, used, key)
    if slot < 0:
        slot = -1 - slot
        keys[slot] = key
        used[slot] = True
        head[slot] = -1
        nkeys += 1
    if nentries == len(entry_doc):
        entry_doc = np.concatenate((entry_doc, np.empty(nentries, np.int64)))
        entry_next = np.concatenate((entry_next, np.empty(nentries, np.int64)))
    entry_doc[nentries] = doc
    entry_next[nentries] = head[slot]
    head[slot] = nentries
    return keys, used, head, entry_doc, entry_next, nkeys, nentries + 1


@njit(cache=True, nogil=True)
def _add_link(links: np.ndarray, link_score: np.ndarray, nlinks: int, i: int, j: int,
              s: float):
    """Append the ``partial`` link (i, j, s), growing the arrays as needed."""
    if nlinks == len(links):
        links = np.concatenate((links, np.empty((nlinks, 2), np.int64)))
        link_score = np.concatenate((link_score, np.empty(nlinks, np.float64)))
    links[nlinks, 0] = i
    links[nlinks, 1] = j
    link_score[nlinks] = s
    return links, link_score, nlinks + 1


@njit(cache=True, nogil=True)
def leader_loop_sequential(order: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray,
                           bands: int, rows: int, min_jaccard: float, max_candidates: int,
                           u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray,
                           st: float, cc: float, pt: float, pm: int, mp: int, mt: float):
    """Star clustering, one document at a time: the definition :func:`leader_loop` keeps.

    Each document (in ``order``) joins the best verified leader.

    Every document queries an LSH table of the leaders so far (a candidate = a leader
    sharing at least one band; kept when the estimated Jaccard >= ``min_jaccard``; the
    ``max_candidates`` best by estimate, then leader age), each candidate is verified
    with :func:`compare_units`, and the document joins the candidate it is the
    best-scoring ``copy`` of, or becomes a leader.  ``partial`` verdicts become links.

    Returns ``(leader_of, score, cov, npairs, links, link_scores, n_candidates)``: for
    joined documents the leader's index and the evidence against it (-1 for leaders);
    ``partial`` links as ``(i, j)`` rows with their scores.
    """
    n = len(order)
    num_perm = sigs.shape[1]
    leader_of = np.full(n, -1, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    cov = np.zeros((n, 2), dtype=np.float64)
    npairs = np.zeros(n, dtype=np.int64)
    cap = 1024
    keys = np.zeros(cap, dtype=np.uint64)
    used = np.zeros(cap, dtype=np.bool_)
    head = np.full(cap, -1, dtype=np.int64)
    entry_doc = np.empty(1024, dtype=np.int64)
    entry_next = np.empty(1024, dtype=np.int64)
    nentries = 0
    nkeys = 0
    leader_rank = np.full(n, -1, dtype=np.int64)  # insertion order of leaders
    nleaders = 0
    seen = np.full(n, -1, dtype=np.int64)
    links = np.empty((1024, 2), dtype=np.int64)
    link_score = np.empty(1024, dtype=np.float64)
    nlinks = 0
    ncand_total = 0
    cand = np.empty(64, dtype=np.int64)
    cand_eq = np.empty(64, dtype=np.int64)
    for step in range(n):
        i = order[step]
        ncand = 0
        if nshingles[i] > 0 and nleaders > 0:
            for b in range(bands):
                slot = _table_find(keys, used, band_key(sigs[i], b, rows))
                if slot < 0:
                    continue
                e = head[slot]
                while e != -1:
                    j = entry_doc[e]
                    if seen[j] != step:
                        seen[j] = step
                        eq = 0
                        for t in range(num_perm):
                            if sigs[i, t] == sigs[j, t]:
                                eq += 1
                        if eq / num_perm >= min_jaccard:
                            if ncand == len(cand):
                                cand = np.concatenate((cand, np.empty(ncand, np.int64)))
                                cand_eq = np.concatenate((cand_eq, np.empty(ncand, np.int64)))
                            cand[ncand] = j
                            cand_eq[ncand] = eq
                            ncand += 1
                    e = entry_next[e]
        best_j = -1
        best_s = 0.0
        if ncand > 0:
            # best estimate first, then the older leader
            keyv = np.empty(ncand, dtype=np.int64)
            for k in range(ncand):
                keyv[k] = (num_perm - cand_eq[k]) * (n + 1) + leader_rank[cand[k]]
            srt = np.argsort(keyv, kind="mergesort")
            for k in range(min(ncand, max_candidates)):
                j = cand[srt[k]]
                ncand_total += 1
                r, s, ca, cb, pa, _pb, _ps, _why = compare_docs(i, j, u_flat, u_off, doc_units,
                                                          st, cc, pt, pm, mp, mt)
                if r == COPY:
                    if best_j == -1 or s > best_s:
                        best_j = j
                        best_s = s
                        cov[i, 0] = ca
                        cov[i, 1] = cb
                        npairs[i] = len(pa)
                elif r != NONE:  # partial, contains, contained_in: a link
                    links, link_score, nlinks = _add_link(links, link_score, nlinks, i, j, s)
        if best_j >= 0:
            leader_of[i] = best_j
            score[i] = best_s
            continue
        cov[i, 0] = 0.0
        cov[i, 1] = 0.0
        npairs[i] = 0
        leader_rank[i] = nleaders
        nleaders += 1
        for b in range(bands):
            keys, used, head, entry_doc, entry_next, nkeys, nentries = _table_add(
                keys, used, head, entry_doc, entry_next, nkeys, nentries,
                band_key(sigs[i], b, rows), i)
    return (leader_of, score, cov, npairs, links[:nlinks].copy(), link_score[:nlinks].copy(),
            ncand_total)


# The blocked leader loop.  ``order`` is cut into blocks.  Phase 1 (:func:`_speculate`, all
# cores, the table read-only): every article of a block computes its band keys, queries the
# leaders that existed when the block started, ranks them and verifies the
# ``max_candidates`` best - what the sequential loop would do, except that leaders created
# *inside* the block are missing.  Phase 2 (:func:`_settle`, one thread, in order): each
# article merges its in-block candidates into that ranking with the same key (the key is a
# total order, so the pre-block part of the final top list is a prefix of the verified
# list; verdicts that fell out of the list are ignored), then joins / links / leads exactly
# as :func:`leader_loop_sequential`.  A new leader is inserted into the table and offered to
# the block's later articles (:func:`_sweep`: band keys compared directly, verified only if
# it ranks in the article's top list at that point).  Verification count, links and their
# order are the sequential loop's.  The one theoretical difference: the sweep matches band
# keys band by band, the table also across bands - a 64-bit collision between different
# bands' keys, which the band index mixed into every key makes negligible.
#
# At 1M articles ~95% of the verifications happen in phase 1; at 100k (stories whose
# copies follow each other in ``order``) about two thirds happen in sweeps.  The sweeps are
# sequential on purpose: one parallel region per new leader was ~2x faster at 100k on an
# idle machine but 5-10x slower than sequential when another process competed for the
# cores (every region waits for a descheduled thread).

_BLOCK = 4096  # articles per block
_CHUNK = 16  # articles a worker takes at a time in phase 1


@intrinsic
def _fetch_add(typingctx: object, ary: types.Type, idx: types.Type, val: types.Type):
    """Atomic ``ary[idx] += val`` on an int64 array; returns the old value."""
    if not (isinstance(ary, types.Array) and ary.dtype == types.int64):
        return None
    sig = types.int64(ary, types.intp, types.int64)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        arr = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, arr, [args[1]])
        return builder.atomic_rmw("add", ptr, args[2], "monotonic")

    return sig, codegen


@njit(cache=True, nogil=True, parallel=True)
def _speculate(block: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray, bands: int,
               rows: int, min_jaccard: float, max_candidates: int, n: int, keys: np.ndarray,
               used: np.ndarray, head: np.ndarray, entry_doc: np.ndarray,
               entry_next: np.ndarray, leader_rank: np.ndarray, nleaders: int, workers: int,
               u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray, st: float,
               cc: float, pt: float, pm: int, mp: int, mt: float):
    """Phase 1: band keys, then the ranked and verified candidates among the current leaders.

    Per article ``t`` of the block: ``bkeys[t]`` its band keys; ``sn[t]`` how many of the
    best candidates were verified (all of them, at most ``max_candidates``); ``sj[t, k]``,
    ``skey[t, k]`` the candidate and its ranking key, best first; the verdict in ``srel``,
    ``sscore``, ``sca``, ``scb``, ``snp``.  Workers take ``_CHUNK`` articles at a time.
    """
    m = len(block)
    kk = max(max_candidates, 1)
    num_perm = sigs.shape[1]
    bkeys = np.empty((m, bands), dtype=np.uint64)
    sn = np.zeros(m, dtype=np.int64)
    sj = np.empty((m, kk), dtype=np.int64)
    skey = np.empty((m, kk), dtype=np.int64)
    srel = np.empty((m, kk), dtype=np.int64)
    sscore = np.empty((m, kk), dtype=np.float64)
    sca = np.empty((m, kk), dtype=np.float64)
    scb = np.empty((m, kk), dtype=np.float64)
    snp = np.empty((m, kk), dtype=np.int64)
    width = max(nleaders, 1)
    seen = np.full((workers, width), -1, dtype=np.int64)  # by leader rank: per worker
    cand = np.empty((workers, width), dtype=np.int64)
    cand_key = np.empty((workers, width), dtype=np.int64)
    nchunks = (m + _CHUNK - 1) // _CHUNK
    next_chunk = np.zeros(1, dtype=np.int64)
    for w in prange(workers):
        while True:
            c = _fetch_add(next_chunk, 0, 1)
            if c >= nchunks:
                break
            for t in range(c * _CHUNK, min(m, (c + 1) * _CHUNK)):
                i = block[t]
                for b in range(bands):
                    bkeys[t, b] = band_key(sigs[i], b, rows)
                if nshingles[i] <= 0 or nleaders == 0:
                    continue
                nc = 0
                for b in range(bands):
                    slot = _table_find(keys, used, bkeys[t, b])
                    if slot < 0:
                        continue
                    e = head[slot]
                    while e != -1:
                        j = entry_doc[e]
                        r = leader_rank[j]
                        if seen[w, r] != t:
                            seen[w, r] = t
                            eq = 0
                            for x in range(num_perm):
                                if sigs[i, x] == sigs[j, x]:
                                    eq += 1
                            if eq / num_perm >= min_jaccard:
                                cand[w, nc] = j
                                cand_key[w, nc] = (num_perm - eq) * (n + 1) + r
                                nc += 1
                        e = entry_next[e]
                p = min(nc, max_candidates)
                for k in range(p):  # partial selection sort: the p best keys (all distinct)
                    best = k
                    for x in range(k + 1, nc):
                        if cand_key[w, x] < cand_key[w, best]:
                            best = x
                    j = cand[w, best]
                    key = cand_key[w, best]
                    cand[w, best] = cand[w, k]
                    cand_key[w, best] = cand_key[w, k]
                    cand[w, k] = j
                    cand_key[w, k] = key
                    r, s, ca, cb, pa, _pb, _ps, _why = compare_docs(i, j, u_flat, u_off, doc_units,
                                                              st, cc, pt, pm, mp, mt)
                    sj[t, k] = j
                    skey[t, k] = key
                    srel[t, k] = r
                    sscore[t, k] = s
                    sca[t, k] = ca
                    scb[t, k] = cb
                    snp[t, k] = len(pa)
                sn[t] = p
    return bkeys, sn, sj, skey, srel, sscore, sca, scb, snp


@njit(cache=True, nogil=True)
def _sweep(tl: int, lrank: int, block: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray,
           bands: int, min_jaccard: float, max_candidates: int, n: int, bkeys: np.ndarray,
           sn: np.ndarray, skey: np.ndarray, ibn: np.ndarray, ibj: np.ndarray,
           ibkey: np.ndarray, ibrel: np.ndarray, ibscore: np.ndarray, ibca: np.ndarray,
           ibcb: np.ndarray, ibnp: np.ndarray, u_flat: np.ndarray, u_off: np.ndarray,
           doc_units: np.ndarray, st: float, cc: float, pt: float, pm: int, mp: int,
           mt: float) -> None:
    """Offer the new leader at block position ``tl`` to the block's later articles.

    An article takes it when the sequential loop would find it in the table (a shared band
    key, the estimate >= ``min_jaccard``) and it ranks among the article's
    ``max_candidates`` best so far; it is then verified and kept in the article's in-block
    list (``ib*``, best first, at most ``max_candidates``: one pushed out of that list can
    never be verified by the sequential loop either - later leaders only push further).
    Sequential: a new leader's verifications are few at scale, and many small parallel
    regions stall badly when another process competes for the cores.
    """
    m = len(block)
    num_perm = sigs.shape[1]
    j = block[tl]
    lk = bkeys[tl]
    for t in range(tl + 1, m):
        i = block[t]
        if nshingles[i] <= 0:
            continue
        hit = False
        for b in range(bands):
            hit |= bkeys[t, b] == lk[b]
        if not hit:
            continue
        eq = 0
        for x in range(num_perm):
            if sigs[i, x] == sigs[j, x]:
                eq += 1
        if eq / num_perm < min_jaccard:
            continue
        key = (num_perm - eq) * (n + 1) + lrank
        better = 0
        for x in range(sn[t]):
            if skey[t, x] < key:
                better += 1
        for x in range(ibn[t]):
            if ibkey[t, x] < key:
                better += 1
        if better >= max_candidates:
            continue
        r, s, ca, cb, pa, _pb, _ps, _why = compare_docs(i, j, u_flat, u_off, doc_units,
                                                  st, cc, pt, pm, mp, mt)
        q = min(ibn[t], max_candidates - 1)  # when full, the worst falls out
        y = q  # insertion (keys are distinct)
        while y > 0 and ibkey[t, y - 1] > key:
            ibj[t, y] = ibj[t, y - 1]
            ibkey[t, y] = ibkey[t, y - 1]
            ibrel[t, y] = ibrel[t, y - 1]
            ibscore[t, y] = ibscore[t, y - 1]
            ibca[t, y] = ibca[t, y - 1]
            ibcb[t, y] = ibcb[t, y - 1]
            ibnp[t, y] = ibnp[t, y - 1]
            y -= 1
        ibj[t, y] = j
        ibkey[t, y] = key
        ibrel[t, y] = r
        ibscore[t, y] = s
        ibca[t, y] = ca
        ibcb[t, y] = cb
        ibnp[t, y] = len(pa)
        ibn[t] = q + 1


@njit(cache=True, nogil=True)
def _settle(block: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray, bands: int,
            min_jaccard: float, max_candidates: int, n: int, bkeys: np.ndarray,
            sn: np.ndarray, sj: np.ndarray, skey: np.ndarray, srel: np.ndarray,
            sscore: np.ndarray, sca: np.ndarray, scb: np.ndarray, snp: np.ndarray,
            leader_of: np.ndarray, score: np.ndarray, cov: np.ndarray, npairs: np.ndarray,
            leader_rank: np.ndarray, keys: np.ndarray, used: np.ndarray, head: np.ndarray,
            entry_doc: np.ndarray, entry_next: np.ndarray, links: np.ndarray,
            link_score: np.ndarray, counts: np.ndarray, u_flat: np.ndarray,
            u_off: np.ndarray, doc_units: np.ndarray, st: float, cc: float, pt: float,
            pm: int, mp: int, mt: float):
    """Phase 2: the block in order; new leaders go to the table and to :func:`_sweep`.

    ``counts`` = (table entries, table keys, leaders, links, verifications), updated in
    place; returns the table, entry and link arrays (replaced when they grow).
    """
    m = len(block)
    kk = max(max_candidates, 1)
    nentries, nkeys, nleaders, nlinks, ncand_total = (counts[0], counts[1], counts[2],
                                                       counts[3], counts[4])
    ibn = np.zeros(m, dtype=np.int64)  # the in-block candidates of each article
    ibj = np.empty((m, kk), dtype=np.int64)
    ibkey = np.empty((m, kk), dtype=np.int64)
    ibrel = np.empty((m, kk), dtype=np.int64)
    ibscore = np.empty((m, kk), dtype=np.float64)
    ibca = np.empty((m, kk), dtype=np.float64)
    ibcb = np.empty((m, kk), dtype=np.float64)
    ibnp = np.empty((m, kk), dtype=np.int64)
    for t in range(m):
        i = block[t]
        p = sn[t]
        q = ibn[t]
        best_j = -1
        best_s = 0.0
        a = 0
        c = 0
        for _k in range(min(p + q, max_candidates)):  # the sequential loop's top list
            ncand_total += 1
            if c >= q or (a < p and skey[t, a] < ibkey[t, c]):
                j, r, s = sj[t, a], srel[t, a], sscore[t, a]
                ca, cb, npr = sca[t, a], scb[t, a], snp[t, a]
                a += 1
            else:
                j, r, s = ibj[t, c], ibrel[t, c], ibscore[t, c]
                ca, cb, npr = ibca[t, c], ibcb[t, c], ibnp[t, c]
                c += 1
            if r == COPY:
                if best_j == -1 or s > best_s:
                    best_j = j
                    best_s = s
                    cov[i, 0] = ca
                    cov[i, 1] = cb
                    npairs[i] = npr
            elif r != NONE:  # partial, contains, contained_in: a link
                links, link_score, nlinks = _add_link(links, link_score, nlinks, i, j, s)
        if best_j >= 0:
            leader_of[i] = best_j
            score[i] = best_s
            continue
        cov[i, 0] = 0.0
        cov[i, 1] = 0.0
        npairs[i] = 0
        leader_rank[i] = nleaders
        nleaders += 1
        for b in range(bands):
            keys, used, head, entry_doc, entry_next, nkeys, nentries = _table_add(
                keys, used, head, entry_doc, entry_next, nkeys, nentries, bkeys[t, b], i)
        if t + 1 < m and max_candidates > 0:
            _sweep(t, leader_rank[i], block, sigs, nshingles, bands, min_jaccard,
                   max_candidates, n, bkeys, sn, skey, ibn, ibj, ibkey, ibrel, ibscore, ibca,
                   ibcb, ibnp, u_flat, u_off, doc_units, st, cc, pt, pm, mp, mt)
    counts[0] = nentries
    counts[1] = nkeys
    counts[2] = nleaders
    counts[3] = nlinks
    counts[4] = ncand_total
    return keys, used, head, entry_doc, entry_next, links, link_score



def leader_loop(order: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray, bands: int,
                rows: int, min_jaccard: float, max_candidates: int, u_flat: np.ndarray,
                u_off: np.ndarray, doc_units: np.ndarray, st: float, cc: float, pt: float,
                pm: int, mp: int, mt: float, *, block: int = _BLOCK,
                on_block: Callable[[int, np.ndarray], None] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                           np.ndarray, int]:
    """Star clustering: each document (in ``order``) joins the best verified leader.

    Every document queries an LSH table of the leaders so far (a candidate = a leader
    sharing at least one band; kept when the estimated Jaccard >= ``min_jaccard``; the
    ``max_candidates`` best by estimate, then leader age), each candidate is verified
    with :func:`compare_units`, and the document joins the candidate it is the
    best-scoring ``copy`` of, or becomes a leader.  ``partial`` verdicts become links.

    Returns ``(leader_of, score, cov, npairs, links, link_scores, n_candidates)``: for
    joined documents the leader's index and the evidence against it (-1 for leaders);
    ``partial`` links as ``(i, j)`` rows with their scores (in the order the documents and
    their ranked candidates were visited); ``n_candidates`` = verifications of the
    definition.  Identical to :func:`leader_loop_sequential`, but blocks of ``block``
    documents query and verify in parallel (numba threads) before being settled in order
    (see the comment above :func:`_speculate`).  ``on_block(done, leader_of)`` is called
    after each block with the number of documents of ``order`` settled and the live
    ``leader_of`` array (final for those documents; copy it to keep it).
    """
    order = np.ascontiguousarray(order, dtype=np.int64)
    n = len(order)
    block = max(int(block), 1)
    vargs = (st, cc, pt, pm, mp, mt)
    leader_of = np.full(n, -1, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    cov = np.zeros((n, 2), dtype=np.float64)
    npairs = np.zeros(n, dtype=np.int64)
    leader_rank = np.full(n, -1, dtype=np.int64)  # insertion order of leaders
    keys = np.zeros(1024, dtype=np.uint64)
    used = np.zeros(1024, dtype=np.bool_)
    head = np.full(1024, -1, dtype=np.int64)
    entry_doc = np.empty(1024, dtype=np.int64)
    entry_next = np.empty(1024, dtype=np.int64)
    links = np.empty((1024, 2), dtype=np.int64)
    link_score = np.empty(1024, dtype=np.float64)
    counts = np.zeros(5, dtype=np.int64)  # entries, keys, leaders, links, verifications
    workers = get_num_threads()
    for start in range(0, n, block):
        blk = order[start: start + block]
        spec = _speculate(blk, sigs, nshingles, bands, rows, min_jaccard, max_candidates, n,
                          keys, used, head, entry_doc, entry_next, leader_rank,
                          int(counts[2]), workers, u_flat, u_off, doc_units, *vargs)
        keys, used, head, entry_doc, entry_next, links, link_score = _settle(
            blk, sigs, nshingles, bands, min_jaccard, max_candidates, n, *spec, leader_of,
            score, cov, npairs, leader_rank, keys, used, head, entry_doc, entry_next, links,
            link_score, counts, u_flat, u_off, doc_units, *vargs)
        if on_block is not None:
            on_block(start + len(blk), leader_of)
    nlinks = int(counts[3])
    return (leader_of, score, cov, npairs, links[:nlinks].copy(), link_score[:nlinks].copy(),
            int(counts[4]))


@njit(cache=True, nogil=True)
def band_candidates(sigs: np.ndarray, query: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Indices of ``sigs`` rows sharing at least one band with ``query`` (sorted).

    The plain LSH query, for testing the band table against datasketch's ``MinHashLSH``.
    """
    out = np.zeros(len(sigs), dtype=np.bool_)
    for b in range(bands):
        q = band_key(query, b, rows)
        for j in range(len(sigs)):
            if not out[j] and band_key(sigs[j], b, rows) == q:
                out[j] = True
    return np.flatnonzero(out)


@njit(cache=True, nogil=True)
def align_fill(gains: np.ndarray, ks: np.ndarray, qs: np.ndarray, n: int, m: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Score and back-pointer tables of the aligner's monotone programme.

    ``gains[s, i, j]``: the gain of a group of shape ``(ks[s], qs[s])`` starting at A
    sentence ``i`` and B sentence ``j`` (-inf where none).  ``d[i, j]`` is the best score of
    the first ``i`` x ``j`` sentences; ``back[i, j]`` is 0 for an insertion (B sentence
    alone), 1 for a deletion, ``2 + s`` for a group of shape ``s``.  Ties go to the first
    move in that order, as ``numpy.argmax`` and the running maximum do in the definition.
    """
    d = np.zeros((n + 1, m + 1))
    back = np.zeros((n + 1, m + 1), dtype=np.int8)
    x = np.empty(m + 1)
    code = np.empty(m + 1, dtype=np.int8)
    for i in range(1, n + 1):
        for j in range(m + 1):
            best = d[i - 1, j]
            c = 0
            for s in range(len(ks)):
                k = ks[s]
                q = qs[s]
                if i >= k and j >= q:
                    v = d[i - k, j - q] + gains[s, i - k, j - q]
                    if v > best:
                        best = v
                        c = s + 1
            x[j] = best
            code[j] = c
        run = -np.inf
        for j in range(m + 1):
            if j == 0 or x[j] >= run:
                run = x[j]
                back[i, j] = code[j] + 1
            else:
                back[i, j] = 0
            d[i, j] = run
    return d, back
