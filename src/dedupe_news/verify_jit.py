"""The verification rule, compiled (numba): sentence-unit similarity, in-order matching,
moved sentences and blocks, and the two-sided relation model.  The rule and its thresholds
are documented in :mod:`dedupe_news.verify`; ``tests/test_kernels.py`` holds
:func:`compare_units` equal to a plain-Python re-implementation.  A few microseconds a pair.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from dedupe_news.shingle import COMMON_HASHES, COMMON_LANGS, COMMON_MASKS

# ------------------------------------------------------------------------------------------
# Verification
# ------------------------------------------------------------------------------------------

COPY, PARTIAL, NONE = 2, 1, 0
CONTAINS, CONTAINED_IN = 3, 4  # A holds B plus news of its own / A is held in B
# Why a verdict was reached (``why[0]`` of :func:`compare_units`); named in :mod:`verify`.
R_NONE, R_PARTIAL, R_COPY, R_COPY_CONTINUES, R_CONTAINS_LEAD, R_CONTAINS_OTHER, R_ONE_UNIT, \
    R_OTHER_FACTS, R_COPY_GAPS, R_OTHER_ITEM, R_CONTAINS_HEADLINE, R_CONTAINS_AROUND = \
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
WHY = 17  # length of ``why`` (see :func:`compare_units`)
TITLE_K = 16  # title stems kept per article (sorted, 0-padded): :func:`titles_match`
TITLE_MIN = 2  # titles match when they share this many stems ...
TITLE_SHARE = 0.5  # ... and this share of the shorter title's stems
FACTS_MIN = 2  # aligned sentence pairs whose numbers all differ, from which (and when they
# outnumber the pairs that share a number) the texts report other facts: not one source
BRIEF_UNITS = 3  # two briefs (the shorter side this many sentence units at most, each side
# covered as a copy needs): a copy of a brief must not substitute words - when an aligned
# sentence pair holds a stem only on each side, one of them a figure or a rare word ("Shares
# of Apple rose 3% ..." / "Shares of Microsoft rose 7% ..."), it is another item on the same
# template (a market move, a result, a forecast), not one source text.  (A short piece of a
# long article - a 35% cut, MT'd - is judged by the two-sided rule: the longer side is not
# covered.)
# The two-sided rule's thresholds (documented and tuned in :mod:`dedupe_news.verify`).
CONTAIN_REST = 0.3  # the longer side's unaligned share from which it may hold news of its own
CONTINUE_FWD = 0.08  # rest's rare stems found in the shorter side: below = other news ...
CONTINUE_REV = 0.10  # ... and the shorter side's rare stems found in the rest: below too ...
CONTINUE_MIN_RARE = 8  # ... judged only when the shorter side has this many rare stems
OWN_REST = 0.15  # a rest under CONTAIN_REST but this large (gaps aside) is still judged
TOPIC_MIN = 5  # a rest with this many rare stems recurring in 2+ of its units (a topic) ...
TOPIC_HELD = 0.25  # ... of which at most this share is in the shorter side ...
TOPIC_FWD = 0.25  # ... whose rare stems are below this share in it ...
TOPIC_REV = 0.1  # ... and holding below this share of its rare stems: another article
ANCHORED = 0.33  # a unit between two aligned pairs aligns from this cosine (0: off) ...
ANCHORED_HELD = 0.5  # ... or when this share of its stems is in one long unit (see compare_units)
ANCHORED_EDGE = 0.4  # a unit before the first pair or after the last aligns from this cosine
LEAD_SHARE = 0.15  # an unaligned lead of this share before the aligned text: the host's own
LEAD_FWD = 0.16  # ... news, when its rare stems are this foreign to the shorter side
AROUND_LEAD = 0.08  # a rest this large before the aligned text and AROUND_TAIL after it
AROUND_TAIL = 0.08  # (gaps aside): the shorter side sits inside other news ...
AROUND_FWD = 0.3  # ... when the rest's rare stems are under this share in the shorter side
# the common stems of every language (sorted uint32 hashes) and for each a mask of the
# languages it is common in (bit k: COMMON_LANGS[k], English first), as the tables below:
# global arrays are compile-time constants to numba
_NLANG = len(COMMON_LANGS)


def _common_table(hashes: np.ndarray, masks: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``hashes`` -> ``masks`` as an open-addressing table: keys and, per slot, 1 + the
    row of the stem's mask in ``masks`` (0: an empty slot); at most half full.  A stem's
    languages in one or two probes instead of a binary search of ~50,000 (the two-sided
    rule asks it of every stem of both sides).  Three arrays under numba's 1 MB limit for a
    constant (a larger global array is not compiled in, and its kernel not cached)."""
    cap = 1024
    while cap < 2 * len(hashes):
        cap *= 2
    keys = np.zeros(cap, dtype=np.uint32)
    rows = np.zeros(cap, dtype=np.uint16 if len(hashes) < 0xFFFF else np.uint32)
    # linear probing without a loop over the stems (~50 ms for 50,000): in order of home
    # slot (stems are mixed hashes: their low bits will do), each takes the first slot from
    # its home on that the ones before left free - a running maximum; the few pushed past
    # the end wrap round to the first free slots
    home = (hashes & np.uint32(cap - 1)).astype(np.int64)
    order = np.argsort(home, kind="stable")
    step = np.arange(len(order))
    at = np.maximum.accumulate(home[order] - step) + step
    inside = at < cap
    keys[at[inside]] = hashes[order[inside]]
    rows[at[inside]] = order[inside] + 1
    for k in order[~inside].tolist():
        slot = 0
        while rows[slot]:
            slot += 1
        keys[slot] = hashes[k]
        rows[slot] = k + 1
    return keys, rows, np.concatenate([np.zeros(1, dtype=np.uint64), masks])


_COMMON_KEYS, _COMMON_ROWS, _COMMON_BITS = _common_table(COMMON_HASHES, COMMON_MASKS)
_COMMON_MASK = len(_COMMON_KEYS) - 1
ENGLISH = np.uint64(1)  # COMMON_LANGS[0]: the language of a pair without common stems
# English alone in a table of its own (~1,750 stems, ~24 KB: it stays in cache; the table of
# every language is ~1.2 MB): most pairs are English, and the two-sided rule looks up every
# stem of both sides
_EN_KEYS, _EN_ROWS, _EN_BITS = _common_table(COMMON_HASHES[(COMMON_MASKS & ENGLISH) != 0],
                                             COMMON_MASKS[(COMMON_MASKS & ENGLISH) != 0])
_EN_MASK = len(_EN_KEYS) - 1
ENGLISH_SHARE = 0.65  # a side this much of whose stems are common English ones is English
# without asking the other languages (content stems common in English: BBC articles 0.45-
# 0.96, 5th percentile 0.67; BBC translated to Spanish, Catalan, Galician, Esperanto,
# Serbo-Croatian by Apertium at most 0.59; Chinese 0.21)
_ZERO = np.uint64(0)
_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)  # the lowest set bit's index: a table lookup
_S58 = np.uint64(58)
_BIT_INDEX = np.zeros(64, dtype=np.int64)
for _k in range(64):
    _BIT_INDEX[((1 << _k) * 0x03F79D71B4CB0A89 & 0xFFFFFFFFFFFFFFFF) >> 58] = _k


@njit(cache=True, nogil=True)
def _common_bits(x: np.uint32) -> np.uint64:
    """The languages stem ``x`` is common in (a mask; 0: rare in every language)."""
    slot = x & _COMMON_MASK
    while True:
        row = _COMMON_ROWS[slot]
        if row == 0 or _COMMON_KEYS[slot] == x:
            return _COMMON_BITS[row]
        slot = (slot + 1) & _COMMON_MASK


@njit(cache=True, nogil=True)
def _is_english(x: np.uint32) -> bool:
    """``x`` is a common English stem (the small table)."""
    slot = x & _EN_MASK
    while True:
        row = _EN_ROWS[slot]
        if row == 0:
            return False
        if _EN_KEYS[slot] == x:
            return True
        slot = (slot + 1) & _EN_MASK


@njit(cache=True, nogil=True)
def _is_common(x: np.uint32, lang: np.uint64) -> bool:
    """``x`` is a common stem of language ``lang`` (a one-bit mask; tests hold it equal to
    the word tables)."""
    if lang == ENGLISH:
        return _is_english(x)
    return (_common_bits(x) & lang) != _ZERO


@njit(cache=True, nogil=True)
def pair_language(sf: np.ndarray, a: int, b: int) -> np.uint64:
    """The language (one-bit mask) of stems ``sf[a:b]`` (the shorter side of a pair): English
    when ``ENGLISH_SHARE`` of them are common English stems, else the language they hold
    the most common stems of; ties to the first in ``COMMON_LANGS`` (English first), and
    English without any.  The pair's rare words are read in it: "de" and "que" are not
    rare in Spanish, nor "的" in Chinese."""
    english = 0
    for t in range(a, b):
        english += _is_english(sf[t])
    if english >= ENGLISH_SHARE * (b - a):
        return ENGLISH
    counts = np.zeros(64, dtype=np.int64)
    for t in range(a, b):
        m = _common_bits(sf[t])
        while m != _ZERO:
            low = m & (_ZERO - m)
            counts[_BIT_INDEX[(low * _DEBRUIJN) >> _S58]] += 1
            m ^= low
    best = 0
    for k in range(1, _NLANG):
        if counts[k] > counts[best]:
            best = k
    return ENGLISH << np.uint64(best)


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
def _after(af: np.ndarray, ao: np.ndarray, bf: np.ndarray, bo: np.ndarray) -> bool:
    """A total order of two unit lists of equal length: more units last, then the stems
    (lexicographic), then the unit lengths; identical lists are not after each other."""
    na = len(ao) - 1
    nb = len(bo) - 1
    if na != nb:
        return na > nb
    for t in range(ao[na] - ao[0]):
        x = af[ao[0] + t]
        y = bf[bo[0] + t]
        if x != y:
            return x > y
    for k in range(na):
        x = ao[k + 1] - ao[k]
        y = bo[k + 1] - bo[k]
        if x != y:
            return x > y
    return False


@njit(cache=True, nogil=True)
def compare_units(af: np.ndarray, ao: np.ndarray, bf: np.ndarray, bo: np.ndarray,
                  sentence_threshold: float, copy_coverage: float, partial_threshold: float,
                  partial_min: int, min_passage: int, moved_threshold: float,
                  title_a: np.ndarray, title_b: np.ndarray):
    """The verification rule (see :mod:`dedupe_news.verify`) on two unit lists.

    ``af``/``ao``: side A's unit stems and unit offsets (``ao[0]`` may be non-zero).
    Returns ``(relation, score, cov_a, cov_b, pa, pb, ps, why)`` with the matched sentence pairs
    (in-order ones, plus moved ones at ``moved_threshold`` or more) as index arrays into A's
    and B's units, sorted by the shorter side's index, and their cosines.  ``relation`` is
    ``COPY``, ``CONTAINS`` (A holds B plus news of its own), ``CONTAINED_IN`` (A is held in
    B), ``PARTIAL`` or ``NONE``; ``why`` = (rule, rest share, lead share, forward share,
    reverse share, rare stems of the shorter side, aligned pairs whose numbers differ, pairs
    that share a number, gap share, same title, A's and B's share in *anchored* units only,
    the rest's topic stems and the share of them the shorter side holds, the longer side's
    title stems in its rest and in the shorter side): see :func:`_two_sided` and
    :func:`_number_pairs`.  Anchored units count in the
    coverages (one source) but not in the score (not faithful wording).  ``title_a`` /
    ``title_b``: each side's title-stem row (:data:`TITLE_K`, zeros: no title).  When the two
    titles match (:func:`titles_match`) the longer side's rest cannot be another story's
    news; the longer side's own title tells whether its headline is about its rest.
    """
    na = len(ao) - 1
    nb = len(bo) - 1
    empty_i = np.zeros(0, dtype=np.int64)
    if na == 0 or nb == 0:
        return (NONE, 0.0, 0.0, 0.0, empty_i, empty_i, np.zeros(0, dtype=np.float64),
                np.zeros(WHY, dtype=np.float64))
    ta = ao[na] - ao[0]
    tb = bo[nb] - bo[0]
    # the shorter side reads first; on equal lengths an order of the two texts themselves,
    # so that (A, B) and (B, A) make the same alignment (the results swap exactly)
    swap = ta > tb or (ta == tb and _after(af, ao, bf, bo))
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
    # anchored units: a short unit below sentence_threshold that lies between two in-order
    # pairs and reaches ANCHORED with an unused long unit between theirs (in order) - a
    # sentence MT damaged past the threshold, pinned in place by its aligned neighbours
    nanch = 0
    anchored = np.zeros(ns, dtype=np.bool_)
    if ANCHORED > 0.0:
        inorder = keep.copy()
        for q in range(len(inorder) - 1):
            i1 = inorder[q]
            i2 = inorder[q + 1]
            j1 = best[i1]
            j2 = best[i2]
            if i2 - i1 < 2 or j2 < j1:
                continue
            last = j1
            for i in range(i1 + 1, i2):
                if is_kept[i]:
                    continue
                bj = -1
                bs = 0.0
                ws = float(so[i + 1] - so[i])
                for j in range(last, j2 + 1):
                    x = sims[i, j]
                    if x <= bs:
                        continue
                    # an unused unit between the anchors' (one to one), or any unit from the
                    # first anchor's to the second's that holds most of it (several short
                    # sentences MT glued into one); never one with other numbers (MT keeps
                    # figures: a sentence with other figures is another sentence)
                    if ((x >= ANCHORED and j1 < j < j2 and not taken[j])
                            or x * np.sqrt(float(lo[j + 1] - lo[j]) / ws) >= ANCHORED_HELD) \
                            and _numbers_differ(sf, so[i], so[i + 1], lf, lo[j], lo[j + 1]) != 1:
                        bs = x
                        bj = j
                if bj >= 0:
                    is_kept[i] = True
                    anchored[i] = True
                    taken[bj] = True
                    best[i] = bj
                    best_sim[i] = bs
                    last = bj
                    nanch += 1
    if nmoved or nanch:
        keep = np.flatnonzero(is_kept)
    # edge units: before the first pair and after the last, a unit at ANCHORED_EDGE or more
    # with the long unit next to its neighbour's partner (in step, one to one, numbers not
    # differing) - a lede or a last sentence MT damaged, pinned by one side and the order
    if ANCHORED_EDGE > 0.0 and len(keep) > 0:
        nedge = 0
        for side in range(2):
            i = keep[0] if side == 0 else keep[len(keep) - 1]
            j = best[i]
            step = -1 if side == 0 else 1
            while 0 <= i + step < ns and 0 <= j + step < nl:
                i += step
                j += step
                if is_kept[i] or taken[j] or sims[i, j] < ANCHORED_EDGE or \
                        _numbers_differ(sf, so[i], so[i + 1], lf, lo[j], lo[j + 1]) == 1:
                    break
                is_kept[i] = True
                anchored[i] = True
                taken[j] = True
                best[i] = j
                best_sim[i] = sims[i, j]
                nedge += 1
        if nedge:
            nanch += nedge
            keep = np.flatnonzero(is_kept)
    total = float(so[ns] - so[0])
    cov_short = 0.0
    score = 0.0
    strong = 0
    anch_short = 0.0
    for k in keep:
        w = float(so[k + 1] - so[k])
        cov_short += w
        if anchored[k]:  # evidence of one source, not of faithful wording: not scored
            anch_short += w
            continue
        score += w * best_sim[k]
        if best_sim[k] >= partial_threshold and w >= min_passage:
            strong += 1  # (a moved sentence is at least partial_threshold similar)
    cov_short /= total
    anch_short /= total
    score /= total
    hit = 0.0
    anch_long = 0.0
    ltotal = float(lo[nl] - lo[0])
    aligned = np.zeros(nl, dtype=np.bool_)  # long units some short unit aligns with
    for j in range(nl):
        cb = sims[0, j]
        for i in range(1, ns):
            if sims[i, j] > cb:
                cb = sims[i, j]
        if cb >= sentence_threshold:
            aligned[j] = True
            hit += float(lo[j + 1] - lo[j])
    if nanch:
        for k in keep:
            j = best[k]
            if not aligned[j]:
                aligned[j] = True
                hit += float(lo[j + 1] - lo[j])
                anch_long += float(lo[j + 1] - lo[j])
    cov_long = hit / ltotal
    anch_long /= ltotal
    why = np.zeros(WHY, dtype=np.float64)
    rel = NONE
    rule = R_NONE
    if cov_short >= copy_coverage:
        conflict, agree = _number_pairs(sf, so, lf, lo, keep, best)
        why[6] = conflict
        why[7] = agree
    if cov_short >= copy_coverage and len(keep) < 2 and (
            len(keep) == 0 or best_sim[keep[0]] < moved_threshold):
        rule = R_ONE_UNIT  # one unit aligned: one cosine is no evidence of the same text
    elif cov_short >= copy_coverage and ns <= BRIEF_UNITS and cov_long >= copy_coverage \
            and _brief_substituted(sf, so, lf, lo, keep, best,
                                   pair_language(sf, so[0], so[ns])):
        rule = R_OTHER_ITEM  # a brief with words swapped: another item on one template
    elif cov_short >= copy_coverage and why[6] >= FACTS_MIN and why[6] > why[7]:
        rule = R_OTHER_FACTS  # same wording, other numbers: a template, not one source
    elif cov_short >= copy_coverage:
        rel, rule = _two_sided(sf, so, lf, lo, aligned, keep, best, why,
                               titles_match(title_a, title_b), title_a if swap else title_b)
        if rel == CONTAINS and not swap:
            rel = CONTAINED_IN  # A is the shorter side: A is held in B
    if rel == NONE and strong >= partial_min:
        rel = PARTIAL
        if rule == R_NONE:  # (one-unit and other-facts stay named: they say why not a copy)
            rule = R_PARTIAL
    why[0] = rule
    score = min(score, 1.0)
    ps = best_sim[keep]
    if swap:
        why[10] = anch_long
        why[11] = anch_short
        return rel, score, cov_long, cov_short, best[keep], keep, ps, why
    why[10] = anch_short
    why[11] = anch_long
    return rel, score, cov_short, cov_long, keep, best[keep], ps, why


@njit(cache=True, nogil=True)
def _two_sided(sf: np.ndarray, so: np.ndarray, lf: np.ndarray, lo: np.ndarray,
               aligned: np.ndarray, keep: np.ndarray, best: np.ndarray, why: np.ndarray,
               same_title: bool, long_title: np.ndarray):
    """The shorter side is covered: copy, or does the longer side hold news of its own?

    Reads the longer side's *rest* (units not ``aligned``: no shorter-side unit reaches
    ``sentence_threshold`` with them): its share of the content words, the share before the first
    aligned unit (a lead of its own), and how much of its rare vocabulary (stems not common
    in the pair's language) it shares with the shorter side, both ways.  Fills ``why[1:6]`` =
    rest share, lead share, forward share, reverse share, rare stems of the shorter side.  (Tried:
    the longer side's own aligned part instead of the shorter side, so MT wording on the
    shorter side cannot hide a continuation; on the dev sets it found no more truncations
    and called one more embedded article a copy.)

    ``why[8]`` = gap share: the rest that lies in *gaps* - between the long units of two
    kept pairs whose short units are neighbours (``keep``/``best``: the pairs, by short
    index).  The shorter side goes on where the longer one has more: a passage cut out of
    the same text (a wire edit dropping a paragraph), not an article embedded in a host's
    news, which surrounds it.

    ``why[12]`` / ``why[13]``: the rest's *topic* (rare stems in two or more of its units)
    and the share of it the shorter side holds (1.0 without one).  A topic of its own
    (``TOPIC_*``) marks another article after the shorter one, not the same story's tail.

    ``same_title`` (``why[9]``): the articles carry one headline, so a rest sharing no rare
    word with the shorter side is still the same story (a tail cut off: its names are often
    its own), not other news - the ``other-news`` rule does not apply.

    Rare is read in the pair's language (:func:`pair_language`; ``why[16]``: its index in
    ``COMMON_LANGS``): a stem common in it is not rare.  (The pass over the shorter side
    reads it as English and counts its common English stems; only a side under
    ``ENGLISH_SHARE`` asks the other languages, and is read again.)

    ``long_title``: the longer side's title stems.  ``why[14]`` / ``why[15]``: how many of
    them its rest holds / the shorter side holds.  A headline about the rest and none of the
    shorter side (rule ``own-headline``): the longer article's own news is its rest.
    """
    ns = len(so) - 1
    nl = len(lo) - 1
    ltotal = float(lo[nl] - lo[0])
    rest = ~aligned
    first = -1
    rest_w = 0.0
    for j in range(nl):
        if aligned[j]:
            if first < 0:
                first = j
        else:
            rest_w += float(lo[j + 1] - lo[j])
    lead_w = 0.0
    for j in range(max(first, 0)):
        lead_w += float(lo[j + 1] - lo[j])
    rest_share = rest_w / ltotal
    lead_share = lead_w / ltotal
    gap = np.zeros(nl, dtype=np.bool_)
    for q in range(len(keep) - 1):
        if keep[q + 1] == keep[q] + 1:
            for j in range(best[keep[q]] + 1, best[keep[q + 1]]):
                gap[j] = not aligned[j]
    gap_w = 0.0
    for j in range(nl):
        if gap[j]:
            gap_w += float(lo[j + 1] - lo[j])
    gap_share = gap_w / ltotal
    # the rare stems of the shorter side (distinct) and of the rest, in two small hash sets
    # (sorting both sides' stems cost more than the rest of the pair's verification)
    mask = _set_mask(so[ns] - so[0])
    s_keys = np.zeros(mask + 1, dtype=np.uint32)
    s_used = np.zeros(mask + 1, dtype=np.bool_)
    # the longer side's title stems (sorted, 0-padded), and which the shorter side / the
    # rest holds: marked in the same passes
    nt = 0
    for x in long_title:
        if x != 0:
            nt += 1
    head = long_title[:nt]
    in_short = np.zeros(nt, dtype=np.bool_)
    in_rest = np.zeros(nt, dtype=np.bool_)
    n_short = 0  # distinct rare stems of the shorter side
    english = 0  # its common English stems (with repeats)
    for t in range(so[0], so[ns]):
        x = sf[t]
        if nt:
            _mark(head, x, in_short)
        if _is_english(x):
            english += 1
        elif _set_add(s_keys, s_used, mask, x):
            n_short += 1
    lang = ENGLISH
    if english < ENGLISH_SHARE * (so[ns] - so[0]):
        lang = pair_language(sf, so[0], so[ns])
        if lang != ENGLISH:  # the shorter side's rare stems in its language
            s_used[:] = False
            n_short = 0
            for t in range(so[0], so[ns]):
                x = sf[t]
                if not _is_common(x, lang) and _set_add(s_keys, s_used, mask, x):
                    n_short += 1
    rmask = _set_mask(lo[nl] - lo[0])
    r_keys = np.zeros(rmask + 1, dtype=np.uint32)
    r_used = np.zeros(rmask + 1, dtype=np.bool_)
    r_units = np.zeros(rmask + 1, dtype=np.int32)  # rest units a stem occurs in ...
    r_last = np.full(rmask + 1, -1, dtype=np.int32)  # ... and the last of them
    n_rest = 0  # the rest's rare stems (with repeats) ...
    fwd_hits = 0  # ... how many of them the shorter side holds ...
    shared = 0  # ... and its distinct ones the shorter side holds
    topic = 0  # the rest's own topic: rare stems in 2+ of its units ...
    topic_held = 0  # ... and how many of them the shorter side holds
    for j in range(nl):
        if rest[j]:
            for t in range(lo[j], lo[j + 1]):
                x = lf[t]
                if nt:
                    _mark(head, x, in_rest)
                if _is_common(x, lang):
                    continue
                n_rest += 1
                held = _set_has(s_keys, s_used, mask, x)
                fwd_hits += held
                slot = _set_slot(r_keys, r_used, rmask, x)
                if not r_used[slot]:
                    r_used[slot] = True
                    r_keys[slot] = x
                    if held:
                        shared += 1
                if r_last[slot] != j:
                    r_last[slot] = j
                    r_units[slot] += 1
                    if r_units[slot] == 2:
                        topic += 1
                        topic_held += held
    fwd = fwd_hits / n_rest if n_rest else 0.0
    rev = shared / n_short if n_short else 0.0
    why[1] = rest_share
    why[2] = lead_share
    why[3] = fwd
    why[4] = rev
    why[5] = n_short
    why[8] = gap_share
    why[9] = 1.0 if same_title else 0.0
    why[12] = topic
    why[13] = topic_held / topic if topic else 1.0
    # the longer side's headline: about its rest, and about nothing of the shorter side?
    head_rest = int(in_rest.sum())
    head_short = int(in_short.sum())
    why[14] = head_rest
    why[15] = head_short
    why[16] = _BIT_INDEX[(lang * _DEBRUIJN) >> _S58]  # (its index in COMMON_LANGS)
    own_headline = not same_title and head_rest >= TITLE_MIN and head_short == 0
    # the rest lies on both sides of the aligned text: the shorter article inside other news
    # (a copy cut short has its rest after it, a wire edit's dropped passage lies in a gap)
    around = not same_title and n_short >= CONTINUE_MIN_RARE and lead_share >= AROUND_LEAD \
        and rest_share - lead_share - gap_share >= AROUND_TAIL and fwd < AROUND_FWD
    # the rest shares almost no rare word with the shorter side, both ways: other news
    other_news = not same_title and n_short >= CONTINUE_MIN_RARE \
        and fwd < CONTINUE_FWD and rev < CONTINUE_REV
    # ... or it has a topic of its own: the words it keeps coming back to (names, the subject)
    # are not the shorter side's - another article after it, not the same story's tail
    own_topic = not same_title and n_short >= CONTINUE_MIN_RARE and topic >= TOPIC_MIN \
        and topic_held <= TOPIC_HELD * topic and fwd < TOPIC_FWD and rev < TOPIC_REV
    if rest_share < CONTAIN_REST or n_rest == 0:
        # a small rest is the shorter side's copy padded (a caption, MT verbosity) - unless,
        # gaps aside, it is OWN_REST or more and other news: with a lead of its own, or as
        # a tail with a topic of its own (a tail alone may be the story cut short)
        if n_rest and rest_share - gap_share >= OWN_REST:
            if own_headline:
                return CONTAINS, R_CONTAINS_HEADLINE
            if (lead_share > 0.0 and other_news) or own_topic:
                return CONTAINS, R_CONTAINS_OTHER
            if around:
                return CONTAINS, R_CONTAINS_AROUND
        return COPY, R_COPY
    if lead_share >= LEAD_SHARE and fwd < LEAD_FWD:
        return CONTAINS, R_CONTAINS_LEAD
    if around:
        return CONTAINS, R_CONTAINS_AROUND
    if rest_share - gap_share < CONTAIN_REST:
        return COPY, R_COPY_GAPS
    if own_headline:
        return CONTAINS, R_CONTAINS_HEADLINE
    if other_news or own_topic:
        return CONTAINS, R_CONTAINS_OTHER
    return COPY, R_COPY_CONTINUES


@njit(cache=True, nogil=True)
def _mark(head: np.ndarray, x: np.uint32, seen: np.ndarray) -> None:
    """``seen[k] = True`` where ``head`` (sorted) holds ``x`` at ``k``."""
    k = np.searchsorted(head, x)
    if k < len(head) and head[k] == x:
        seen[k] = True


@njit(cache=True, nogil=True)
def _set_mask(n: int) -> int:
    """The mask of an open-addressing set for ``n`` values (at most half full)."""
    cap = 16
    while cap < 2 * n:
        cap *= 2
    return cap - 1


@njit(cache=True, nogil=True)
def _set_slot(keys: np.ndarray, used: np.ndarray, mask: int, x: np.uint32) -> int:
    """The slot of an open-addressing set that holds ``x``, or the free one it would take."""
    slot = np.int64(x) & mask  # (stems are mixed hashes: their low bits will do)
    while used[slot] and keys[slot] != x:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True, nogil=True)
def _set_add(keys: np.ndarray, used: np.ndarray, mask: int, x: np.uint32) -> bool:
    """Add ``x``; whether it was new."""
    slot = _set_slot(keys, used, mask, x)
    if used[slot]:
        return False
    used[slot] = True
    keys[slot] = x
    return True


@njit(cache=True, nogil=True)
def _set_has(keys: np.ndarray, used: np.ndarray, mask: int, x: np.uint32) -> bool:
    return used[_set_slot(keys, used, mask, x)]


@njit(cache=True, nogil=True)
def _numbers_differ(sf: np.ndarray, a: int, ae: int, lf: np.ndarray, b: int, be: int) -> int:
    """Two units' numbers (stems ``sf[a:ae]``, ``lf[b:be]``; sorted, number stems have the
    low bit set): -1 when a side holds none, 0 when they share one, 1 when they share none."""
    na = 0
    nb = 0
    for t in range(a, ae):
        na += sf[t] & 1
    for t in range(b, be):
        nb += lf[t] & 1
    if na == 0 or nb == 0:
        return -1
    while a < ae and b < be:
        x, y = sf[a], lf[b]
        if x == y:
            if x & 1:
                return 0
            a += 1
            b += 1
        elif x < y:
            a += 1
        else:
            b += 1
    return 1


@njit(cache=True, nogil=True)
def _substituted(sf: np.ndarray, a: int, ae: int, lf: np.ndarray, b: int, be: int,
                 lang: np.uint64) -> bool:
    """Whether each of two units (stems ``sf[a:ae]``, ``lf[b:be]``, sorted) holds a stem the
    other lacks (as sets: a word swapped for another, not only added or dropped), and one of
    those stems is a figure or a rare word (a name): machine translation swaps common words
    and keeps names and figures; another item on the template swaps those."""
    only_a = False
    only_b = False
    telling = False
    while a < ae or b < be:
        if a < ae and b < be and sf[a] == lf[b]:
            x = sf[a]
            while a < ae and sf[a] == x:
                a += 1
            while b < be and lf[b] == x:
                b += 1
            continue
        if b >= be or (a < ae and sf[a] < lf[b]):
            x = sf[a]
            only_a = True
            a += 1
        else:
            x = lf[b]
            only_b = True
            b += 1
        if (x & 1) or not _is_common(x, lang):
            telling = True
    return only_a and only_b and telling


@njit(cache=True, nogil=True)
def _brief_substituted(sf: np.ndarray, so: np.ndarray, lf: np.ndarray, lo: np.ndarray,
                       keep: np.ndarray, best: np.ndarray, lang: np.uint64) -> bool:
    """Whether an aligned pair of units swaps words (see ``BRIEF_UNITS``); rare words are
    read in the pair's language ``lang`` (:func:`pair_language`)."""
    for i in keep:
        j = best[i]
        if _substituted(sf, so[i], so[i + 1], lf, lo[j], lo[j + 1], lang):
            return True
    return False


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
        d = _numbers_differ(sf, so[i], so[i + 1], lf, lo[j], lo[j + 1])
        if d == 0:
            agree += 1
        elif d == 1:
            conflict += 1
    return conflict, agree


@njit(cache=True, nogil=True)
def _in_sorted32(arr: np.ndarray, x: np.uint32) -> bool:
    k = np.searchsorted(arr, x)
    return k < len(arr) and arr[k] == x


@njit(cache=True, nogil=True)
def titles_match(a: np.ndarray, b: np.ndarray) -> bool:
    """Two title-stem rows (sorted, 0-padded; :data:`TITLE_K`) hold one headline: at least
    ``TITLE_MIN`` shared stems, ``TITLE_SHARE`` of the shorter title's (an MT'd headline
    keeps most of its stems; two stories' headlines on one topic share one or two words)."""
    na = 0
    nb = 0
    for x in a:
        if x != 0:
            na += 1
    for x in b:
        if x != 0:
            nb += 1
    if min(na, nb) < TITLE_MIN:
        return False
    shared = 0
    for x in a[:na]:
        if _in_sorted32(b[:nb], x):
            shared += 1
    return shared >= TITLE_MIN and shared >= TITLE_SHARE * min(na, nb)


@njit(cache=True, nogil=True)
def compare_docs(i: int, j: int, u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray,
                 st: float, cc: float, pt: float, pm: int, mp: int, mt: float,
                 titles: np.ndarray):
    """:func:`compare_units` for documents ``i`` (A) and ``j`` (B) of a feature table
    (``titles``: its title-stem rows, :data:`TITLE_K` wide; zero rows when there are none)."""
    ai, aj = doc_units[i], doc_units[i + 1]
    bi, bj = doc_units[j], doc_units[j + 1]
    return compare_units(u_flat, u_off[ai: aj + 1], u_flat, u_off[bi: bj + 1],
                         st, cc, pt, pm, mp, mt, titles[i], titles[j])


_RUN = 32  # pairs a thread of compare_many takes at a time
_LANES = 64  # its parallel loop's width: at least the threads of any machine here (a
# constant: a compiled function that asks numba for its thread count is not cached)


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
def compare_many(pairs: np.ndarray, u_flat: np.ndarray, u_off: np.ndarray,
                 doc_units: np.ndarray, st: float, cc: float, pt: float, pm: int, mp: int,
                 mt: float, titles: np.ndarray):
    """Relation, score, coverages, matched-pair count and *faithful* coverages (without the
    anchored units: the content each side holds in recognisable wording) for many (A, B)
    document pairs."""
    n = len(pairs)
    rel = np.zeros(n, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    cov = np.zeros((n, 2), dtype=np.float64)
    faithful = np.zeros((n, 2), dtype=np.float64)
    npairs = np.zeros(n, dtype=np.int64)
    # independent pairs: all cores (numba threads), each thread taking the next _RUN pairs
    # until none are left.  Not in halves: neighbouring pairs cost alike (one cluster's pairs
    # are listed together), and with halves one of two threads did ~70% of the consensus
    # checks while the other waited; and not pair by pair: neighbouring pairs share
    # documents, which stay in cache within a run (dealing runs out round-robin instead was
    # ~20% slower per pair)
    runs = (n + _RUN - 1) // _RUN
    next_run = np.zeros(1, dtype=np.int64)
    for _w in prange(_LANES):  # (a lane that finds no run left ends at once)
        while True:
            c = _fetch_add(next_run, 0, 1)
            if c >= runs:
                break
            for k in range(c * _RUN, min(n, (c + 1) * _RUN)):
                r, s, ca, cb, pa, _pb, _ps, why = compare_docs(
                    pairs[k, 0], pairs[k, 1], u_flat, u_off, doc_units, st, cc, pt, pm, mp, mt,
                    titles)
                rel[k] = r
                score[k] = s
                cov[k, 0] = ca
                cov[k, 1] = cb
                faithful[k, 0] = ca - why[10]
                faithful[k, 1] = cb - why[11]
                npairs[k] = len(pa)
    return rel, score, cov, npairs, faithful

