"""The compiled kernels (:mod:`dedupe_news.kernels`) against plain-Python definitions.

* ``tokenize_chunk`` against the reference tokeniser ``shingle.story_units`` (units, sizes,
  shingles), on generated texts (through ``prepare`` and raw) and on the whole BBC corpus;
* ``poly64`` against ``shingle.poly64``;
* ``compare_units`` against an independent numpy/Python re-implementation of the rule in
  ``verify``'s docstring, on generated unit sets and on real article pairs;
* ``band_candidates`` against datasketch's ``MinHashLSH`` on real signatures;
* ``leader_loop`` against a plain-Python star clustering on BBC articles and their copies;
* the blocked, parallel ``leader_loop`` against ``leader_loop_sequential`` (its definition)
  on generated tables: many leaders per block, tiny blocks, ties in the estimate, candidate
  lists longer than ``max_candidates``;
* ``align_fill`` against the aligner's numpy programme ``align._fill_rows`` on generated gain
  tables, with ties and missing shapes.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import math
import random
import re
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leader_reference
from conftest import SEEDS, SHARED
from dedupe_news import _hashing as hashing
from dedupe_news import (
    align_jit,
    candidates_jit,
    shingle,
    shingle_jit,
    verify,
    verify_jit,
)
from dedupe_news.features import featurize_chunk
from dedupe_news.normalize import prepare
from dedupe_news.shingle import (
    ABBREV_HASHES,
    STOP_HASHES,
    content_stems,
    shingle_hashes,
    stem_hash,
    story_bytes,
    story_units,
)
from dedupe_news.sketch import Sketcher
from dedupe_news.words import common_tables

CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not available")
HYP = settings(max_examples=200, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.lru_cache(maxsize=1)
def _common_sets() -> tuple[frozenset[int], ...]:
    """Each language's common stems as hashes, English first, from the word tables (the
    scalar :func:`stem_hash`: the kernels' table is built with the vectorised one)."""
    return tuple(frozenset(stem_hash(x) for x in t) for t in common_tables().values())


def reference_language(short: list[list[int]]) -> int:
    """The pair's language (its index in ``COMMON_LANGS``): English when ``ENGLISH_SHARE`` of
    the shorter side's stems are common English ones, else the language whose common stems
    it holds the most of (every occurrence counts); ties to the first, English without any."""
    counts = [sum(x in c for u in short for x in u) for c in _common_sets()]
    if counts[0] >= verify_jit.ENGLISH_SHARE * sum(len(u) for u in short):
        return 0
    return max(range(len(counts)), key=lambda k: (counts[k], -k))


def reference_common(short: list[list[int]]) -> frozenset[int]:
    return _common_sets()[reference_language(short)]


def bbc_texts() -> tuple[str, ...]:
    with CORPUS.open(encoding="utf-8") as f:
        return tuple(json.loads(line)["text"] for line in f if line.strip())


def _words_changed(text: str, rng: random.Random, k: int) -> str:
    words = text.split(" ")
    for _ in range(k):
        p = rng.randrange(len(words))
        words[p] = rng.choice(["blue", "Harbour", "quickly", "2017", "metal", "vote"])
    return " ".join(words)


def _truncated(text: str, share: float) -> str:
    paras = text.split("\n")
    return "\n".join(paras[: max(1, int(len(paras) * share))])


# ------------------------------------------------------------------------------------------
# 1. tokenize_chunk == story_units
# ------------------------------------------------------------------------------------------


def kernel_tokenize(bodies: list[str]):
    sbs = [story_bytes(b) for b in bodies]
    offsets = np.zeros(len(bodies) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(sb.orig) for sb in sbs])
    return shingle_jit.tokenize_chunk(
        np.frombuffer(b"".join(sb.orig for sb in sbs), dtype=np.uint8),
        np.frombuffer(b"".join(sb.low for sb in sbs), dtype=np.uint8),
        offsets, np.array([sb.cjk for sb in sbs], dtype=np.bool_), STOP_HASHES, ABBREV_HASHES)


def reference_tokenize(body: str) -> tuple[list[list[int]], int, list[int]]:
    units = story_units(body)
    sets = [sorted({stem_hash(s) for s in u.stems}) for u in units]
    stems = [s.decode("utf-8", "surrogatepass") for u in units for s in u.stems]
    if len(body) < 2000:  # content_stems is this list (it re-runs story_units: quadratic)
        assert content_stems(body) == stems
    hashes = np.array([stem_hash(s) for s in stems], dtype=np.uint32)
    pairs = shingle.combine(hashes[:-1], hashes[1:]) if len(hashes) > 1 else hashes
    first_seen = list(dict.fromkeys(pairs.tolist()))  # the kernel's order: first occurrence
    assert sorted(first_seen) == shingle_hashes(stems).tolist()
    return sets, len(stems), first_seen


def assert_tokenize_equal(bodies: list[str]) -> None:
    sizes, sh_flat, sh_off, u_flat, u_off, doc_units = kernel_tokenize(bodies)
    assert len(sizes) == len(bodies) and len(sh_off) == len(doc_units) == len(bodies) + 1
    assert u_off[-1] == len(u_flat) and sh_off[-1] == len(sh_flat)
    for d, body in enumerate(bodies):
        units, size, shingles = reference_tokenize(body)
        got_units = [u_flat[u_off[k]:u_off[k + 1]].tolist()
                     for k in range(doc_units[d], doc_units[d + 1])]
        assert got_units == units, (d, body)
        assert int(sizes[d]) == size, (d, body)
        assert sh_flat[sh_off[d]:sh_off[d + 1]].tolist() == shingles, (d, body)


PIECES = [
    # ASCII words, capitalised words, stop words, digits
    "china", "China", "increased", "sales", "Russia", "machine", "tools", "supplies",
    "supplying", "the", "The", "a", "A", "I", "said", "of", "and", "it", "its", "x", "_",
    "foo_bar", "12", "2004", "3.5", "007", "1st", "B52",
    # abbreviations and dotted things
    "Mr.", "Mrs.", "Dr.", "Corp.", "Inc.", "No.", "St.", "U.S.", "U.K.", "e.g.", "etc.",
    "a.m.", "Sept.", "MR.", "mr.", "Jr.", "Xx.", "Ltd.)",
    # sentence punctuation, quotes, brackets
    ".", "!", "?", "...", '"', "'", ")", "]", "(", "[", ",", ";", ":", "-", "/", "&",
    '."', ".)", '!")', "?'", '"(', "['",
    # whitespace (ASCII and not)
    " ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\r", "\r\n", "\x0b", "\x0c", "\x1c",
    "\x1f", "\u00a0", "\u2028", "\u3000", "\u0085",
    # non-ASCII letters
    "café", "Éclair", "É", "straße", "STRASSE", "ẞ", "ß", "Москва", "ПРАВДА", "Ёж",
    "ΟΔΥΣΣΕΥΣ", "Σ", "σοφός", "ΣΑΣ", "İstanbul", "İ", "ı", "\u212a", "\u212aelvin",
    "ﬁne", "ﬃ", "Ⅻ", "²", "١٢٣", "e\u0301", "ǅemal", "Ωmega", "ﬀ", "ŉ",
    # letters whose lowercase has another UTF-8 length (İ: 2 -> 3 bytes; ẞ, Ɫ: 3 -> 2)
    "ẞtraße", "Ⱥx", "Ɫy",
    # non-word non-ASCII symbols
    "£", "€", "—", "–", "“", "”", "‘", "’", "«", "»", "…", "·", "†", "™", "\u200b",
    # CJK and other space-less scripts
    "中国增加了对俄罗斯的机床销售", "東京", "ひらがな", "カタカナ", "한국어", "ภาษาไทย", "。", "，",
]

_piece = st.sampled_from(PIECES)
_chars = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)
texts = st.lists(st.one_of(_piece, _piece, _piece, _chars), max_size=60).map("".join)
# Mostly CJK, so the character-stem branch is taken.
_cjk_words = st.sampled_from(["中国", "増加", "俄罗斯", "한국어", "ภาษา", "東京"])
cjk_texts = st.lists(st.one_of(_cjk_words, _piece), max_size=30).map("".join)


@HYP
@given(st.lists(st.one_of(texts, cjk_texts), min_size=1, max_size=4))
def test_tokenize_matches_reference_prepared(docs: list[str]) -> None:
    assert_tokenize_equal([prepare(t).body for t in docs])


@HYP
@given(st.lists(st.one_of(texts, cjk_texts), min_size=1, max_size=4))
def test_tokenize_matches_reference_raw(docs: list[str]) -> None:
    assert_tokenize_equal(docs)


@pytest.mark.parametrize("text", [
    "", " ", "\n", "the of and", "A.", "12", "x", "China", "中国", "Mr. Smith went. He left.",
    "He works for U.S. Steel. The firm grew.", "It rose 5%. 12 more followed.",
    'He said "stop." "Go" was next.', "End.) (Next one", "Q? A! B. c. D",
    "Σίσυφος ΟΔΥΣΣΕΥΣ. Next", "İstanbul \u212aelvin. Next", "line one\nline two\r\nthree",
    "trailing. ", "trailing.\n", "a.\n\nB", "Corp. Inc. Ltd. No. 5", "J. R. R. Tolkien. Yes",
])
def test_tokenize_examples(text: str) -> None:
    assert_tokenize_equal([text])
    assert_tokenize_equal([prepare(text).body])


def test_tokenize_seeds() -> None:
    paths = sorted(SEEDS.glob("*.txt"))
    assert paths
    assert_tokenize_equal([prepare(p.read_text(encoding="utf-8")).body for p in paths])


@needs_corpus
def test_tokenize_bbc_corpus_in_one_chunk() -> None:
    # every 5th article and the 20 longest (the reference tokeniser is slow on long texts)
    corpus = bbc_texts()
    longest = sorted(range(len(corpus)), key=lambda k: -len(corpus[k]))[:20]
    picks = sorted(set(range(0, len(corpus), 5)) | set(longest))
    assert_tokenize_equal([prepare(corpus[k]).body for k in picks])


# Lowercasing must keep every character's byte length, else ``low[word span]`` is not the
# word (the docstring: "ASCII only in the rare text where that changes byte lengths").
# story_bytes only compares the *total* length, so a longer lowercase (İ -> i̇) and a shorter
# one (ẞ -> ß) cancel out and the word spans of ``low`` are shifted: the reference tokeniser
# then fails to decode a stem (UnicodeDecodeError) or reads stems that contain a space.
MISALIGNED = ["İ ẞ", "Straße İ ẞ x", "İstanbul ẞtraße", "Ⱥx Ɫy zzzz"]


@pytest.mark.parametrize("text", MISALIGNED)
def test_story_bytes_lowercase_keeps_word_spans(text: str) -> None:
    sb = story_bytes(text)
    assert len(sb.low) == len(sb.orig)
    for m in re.finditer(rb"[0-9A-Za-z_\x80-\xff]+", sb.orig):
        word = sb.orig[m.start():m.end()]
        assert sb.low[m.start():m.end()] in (word.decode().lower().encode(), word.lower())


@pytest.mark.parametrize("text", MISALIGNED)
def test_tokenize_misaligned_lowercase(text: str) -> None:
    assert_tokenize_equal([text])
    assert_tokenize_equal([prepare(text).body])


def test_featurize_chunk_units_are_the_reference_profiles() -> None:
    docs = [seed for p in sorted(SEEDS.glob("*.txt"))[:6]
            for seed in [p.read_text(encoding="utf-8")]]
    feats = featurize_chunk(docs, Sketcher())
    for d, text in enumerate(docs):
        prof = verify.profile(prepare(text).body)
        a, b = feats.doc_units[d], feats.doc_units[d + 1]
        off = feats.u_off[a: b + 1]
        assert feats.u_flat[off[0]: off[-1]].tolist() == prof.flat.tolist()
        assert (off - off[0]).tolist() == prof.offsets.tolist()


@HYP
@given(st.binary(max_size=300))
def test_poly64_matches_reference(data: bytes) -> None:
    got = hashing.poly64(np.frombuffer(data, np.uint8), 0, len(data))
    assert int(got) == shingle.poly64(data)


def test_poly64_subrange() -> None:
    data = "prefix Straße 中国 suffix".encode()
    buf = np.frombuffer(data, np.uint8)
    for a, b in [(0, 0), (7, 14), (3, len(data)), (len(data), len(data))]:
        assert int(hashing.poly64(buf, a, b)) == shingle.poly64(data[a:b])


# ------------------------------------------------------------------------------------------
# 2. compare_units == the verification rule
# ------------------------------------------------------------------------------------------


def lis_bisect_right(seq: list[int]) -> list[int]:
    """Indices of a longest non-decreasing subsequence (bisect_right, predecessor links)."""
    tails: list[int] = []
    tails_idx: list[int] = []
    prev: list[int] = []
    for i, x in enumerate(seq):
        k = bisect.bisect_right(tails, x)
        if k == len(tails):
            tails.append(x)
            tails_idx.append(i)
        else:
            tails[k] = x
            tails_idx[k] = i
        prev.append(tails_idx[k - 1] if k > 0 else -1)
    out: list[int] = []
    i = tails_idx[-1] if tails_idx else -1
    while i != -1:
        out.append(i)
        i = prev[i]
    return out[::-1]


def reference_compare(a_units: list[list[int]], b_units: list[list[int]], st_: float,
                      cc: float, pt: float, pm: int, mp: int, mt: float,
                      title_a: np.ndarray | None = None, title_b: np.ndarray | None = None):
    """The rule of :mod:`dedupe_news.verify`, written out plainly (titles: stem rows,
    0-padded; none: no title)."""
    head_a = [int(x) for x in (title_a if title_a is not None else []) if x]
    head_b = [int(x) for x in (title_b if title_b is not None else []) if x]
    shared = len(set(head_a) & set(head_b))
    same = (min(len(head_a), len(head_b)) >= verify_jit.TITLE_MIN
            and shared >= verify_jit.TITLE_MIN
            and shared >= verify_jit.TITLE_SHARE * min(len(head_a), len(head_b)))
    if not a_units or not b_units:
        return 0, 0.0, 0.0, 0.0, [], [], [], [0.0] * verify_jit.WHY
    wa = [len(u) for u in a_units]
    wb = [len(u) for u in b_units]
    # ties: the order of the texts themselves (more units, the stems, the unit lengths)
    swap = sum(wa) > sum(wb) or (sum(wa) == sum(wb) and (
        len(a_units) > len(b_units) if len(a_units) != len(b_units) else
        ([x for u in a_units for x in u], wa) > ([x for u in b_units for x in u], wb)))
    short, long_ = (b_units, a_units) if swap else (a_units, b_units)
    ws, wl = (wb, wa) if swap else (wa, wb)
    lsets = [set(u) for u in long_]
    sims = np.array([[len(set(s) & ls) / math.sqrt(float(wi) * float(wj))
                      for ls, wj in zip(lsets, wl, strict=True)]
                     for s, wi in zip(short, ws, strict=True)], dtype=np.float64)
    best: list[int] = []  # the first maximum at or after the last match, else the first
    prev = 0
    for row in sims:
        top = row.max()
        ties = [j for j in range(len(row)) if row[j] == top]
        best.append(next((j for j in ties if j >= prev), ties[0]))
        if top >= st_:
            prev = best[-1]
    best_sim = [float(sims[i, best[i]]) for i in range(len(short))]
    matched = [i for i in range(len(short)) if best_sim[i] >= st_]
    keep = [matched[k] for k in lis_bisect_right([best[i] for i in matched])]
    taken = {best[i] for i in keep}
    block: set[int] = set()  # moved blocks: neighbouring out-of-order sentences, strong
    for i, i2 in itertools.pairwise(matched):
        if i2 != i + 1 or i2 in keep or (i in keep and i not in block):
            continue
        if not 1 <= best[i2] - best[i] <= 2 or min(best_sim[i], best_sim[i2]) < pt:
            continue
        if best[i2] in taken or (i not in block and best[i] in taken):
            continue
        for x in (i, i2):
            if x not in block:
                block.add(x)
                taken.add(best[x])
                keep = sorted([*keep, x])
    inorder = list(keep)
    for i in matched:  # moved: out of order, nearly identical, to an unused long unit
        if i not in keep and best_sim[i] >= mt and best[i] not in taken:
            taken.add(best[i])
            keep = sorted([*keep, i])
    # anchored: a unit between two in-order pairs, at ANCHORED with an unused long unit
    # between theirs, or with ANCHORED_HELD of its stems in one from the first's to the
    # second's; never one whose numbers differ
    anchored: set[int] = set()

    def numbers_clash(a: list[int], b: list[int]) -> bool:
        na, nb = {x for x in a if x & 1}, {x for x in b if x & 1}
        return bool(na and nb and not na & nb)

    for i1, i2 in itertools.pairwise(inorder):
        j1, j2 = best[i1], best[i2]
        if i2 - i1 < 2 or j2 < j1:
            continue
        last = j1
        for i in range(i1 + 1, i2):
            if i in keep:
                continue
            bj, bs = -1, 0.0
            for j in range(last, j2 + 1):
                x = float(sims[i, j])
                if x <= bs:
                    continue
                one = x >= verify_jit.ANCHORED and j1 < j < j2 and j not in taken
                held = x * math.sqrt(float(wl[j]) / float(ws[i])) >= verify_jit.ANCHORED_HELD
                if (one or held) and not numbers_clash(short[i], long_[j]):
                    bj, bs = j, x
            if bj >= 0:
                keep = sorted([*keep, i])
                anchored.add(i)
                taken.add(bj)
                best[i], best_sim[i] = bj, bs
                last = bj
    # edge units: outward from the first and the last pair, in step with the long side
    if keep:
        for i0, step in ((keep[0], -1), (keep[-1], 1)):
            i, j = i0, best[i0]
            while 0 <= i + step < len(short) and 0 <= j + step < len(long_):
                i, j = i + step, j + step
                if i in keep or j in taken or float(sims[i, j]) < verify_jit.ANCHORED_EDGE \
                        or numbers_clash(short[i], long_[j]):
                    break
                keep = sorted([*keep, i])
                anchored.add(i)
                taken.add(j)
                best[i], best_sim[i] = j, float(sims[i, j])
    total = float(sum(ws))
    cov_short = 0.0
    score = 0.0
    strong = 0
    anch_short = 0.0
    for i in keep:
        w = float(ws[i])
        cov_short += w
        if i in anchored:
            anch_short += w
            continue
        score += w * best_sim[i]
        if best_sim[i] >= pt and w >= mp:
            strong += 1
    cov_short /= total
    anch_short /= total
    score = min(score / total, 1.0)
    colmax = sims.max(axis=0)
    aligned_long = colmax >= st_
    extra = {best[i] for i in anchored if not aligned_long[best[i]]}
    for j in extra:
        aligned_long[j] = True
    cov_long = sum(float(wl[j]) for j in range(len(long_)) if aligned_long[j]) / float(sum(wl))
    anch_long = sum(float(wl[j]) for j in extra) / float(sum(wl))
    why = [0.0] * verify_jit.WHY
    rel, rule = 0, verify_jit.R_NONE
    if cov_short >= cc:
        both = [(set(short[i]), set(long_[best[i]])) for i in keep]
        both = [({x for x in a if x & 1}, {x for x in b if x & 1}) for a, b in both]
        both = [(a, b) for a, b in both if a and b]
        why[6] = float(sum(1 for a, b in both if not a & b))
        why[7] = float(sum(1 for a, b in both if a & b))
    if cov_short >= cc and not (len(keep) >= 2 or (keep and best_sim[keep[0]] >= mt)):
        rule = verify_jit.R_ONE_UNIT
    elif cov_short >= cc and len(short) <= verify_jit.BRIEF_UNITS and cov_long >= cc and any(
            set(short[i]) - set(long_[best[i]]) and set(long_[best[i]]) - set(short[i])
            and any(x & 1 or x not in reference_common(short)
                    for x in set(short[i]) ^ set(long_[best[i]])) for i in keep):
        rule = verify_jit.R_OTHER_ITEM
    elif cov_short >= cc and why[6] >= verify_jit.FACTS_MIN and why[6] > why[7]:
        rule = verify_jit.R_OTHER_FACTS
    elif cov_short >= cc:
        rel, rule, rest_why, why[8] = reference_two_sided(
            short, long_, aligned_long, [(i, best[i]) for i in keep], same,
            head_a if swap else head_b)
        why[1:6], why[12:17] = rest_why[:5], rest_why[5:]
        why[9] = float(same)
        if rel == verify_jit.CONTAINS and not swap:
            rel = verify_jit.CONTAINED_IN
    if rel == 0 and strong >= pm:
        rel, rule = 1, (verify_jit.R_PARTIAL if rule == verify_jit.R_NONE else rule)
    why[0] = float(rule)
    pairs_short = keep
    pairs_long = [best[i] for i in keep]
    ps = [best_sim[i] for i in keep]
    if swap:
        why[10], why[11] = anch_long, anch_short
        return rel, score, cov_long, cov_short, pairs_long, pairs_short, ps, why
    why[10], why[11] = anch_short, anch_long
    return rel, score, cov_short, cov_long, pairs_short, pairs_long, ps, why


def reference_two_sided(short: list[list[int]], long_: list[list[int]], aligned: np.ndarray,
                        pairs: list[tuple[int, int]], same: bool = False,
                        long_title: list[int] | None = None
                        ) -> tuple[int, int, list[float], float]:
    """The longer side's rest: copy, or news of its own (see :mod:`dedupe_news.verify`)."""
    common = reference_common(short)
    total = sum(len(u) for u in long_)
    rest = [j for j in range(len(long_)) if not aligned[j]]
    first = min((j for j in range(len(long_)) if aligned[j]), default=0)
    rest_share = sum(len(long_[j]) for j in rest) / total
    lead_share = sum(len(long_[j]) for j in rest if j < first) / total
    short_rare = {x for u in short for x in u} - common
    rest_stems = [x for j in rest for x in long_[j] if x not in common]
    fwd = sum(x in short_rare for x in rest_stems) / len(rest_stems) if rest_stems else 0.0
    rev = len(short_rare & set(rest_stems)) / len(short_rare) if short_rare else 0.0
    why = [rest_share, lead_share, fwd, rev, float(len(short_rare))]
    # the rest's topic: rare stems in 2+ of its units, and how many the shorter side holds
    units_of: dict[int, set[int]] = {}
    for j in rest:
        for x in long_[j]:
            if x not in common:
                units_of.setdefault(x, set()).add(j)
    topic = [x for x, js in units_of.items() if len(js) >= 2]
    topic_held = sum(x in short_rare for x in topic)
    # gaps: long units between the pairs of two neighbouring short units
    gaps = {j for (i1, j1), (i2, j2) in itertools.pairwise(pairs) if i2 == i1 + 1
            for j in range(j1 + 1, j2) if not aligned[j]}
    gap_share = sum(len(long_[j]) for j in gaps) / total
    other_news = (not same and len(short_rare) >= verify_jit.CONTINUE_MIN_RARE
                  and fwd < verify_jit.CONTINUE_FWD and rev < verify_jit.CONTINUE_REV)
    own_topic = (not same and len(short_rare) >= verify_jit.CONTINUE_MIN_RARE
                 and len(topic) >= verify_jit.TOPIC_MIN
                 and topic_held <= verify_jit.TOPIC_HELD * len(topic)
                 and fwd < verify_jit.TOPIC_FWD and rev < verify_jit.TOPIC_REV)
    why += [float(len(topic)), topic_held / len(topic) if topic else 1.0]
    # the longer side's headline: title stems its rest holds, and the shorter side holds
    head = set(long_title or [])
    head_rest = len(head & {x for j in rest for x in long_[j]})
    head_short = len(head & {x for u in short for x in u})
    why += [float(head_rest), float(head_short), float(reference_language(short))]
    own_headline = not same and head_rest >= verify_jit.TITLE_MIN and head_short == 0
    around = (not same and len(short_rare) >= verify_jit.CONTINUE_MIN_RARE
              and lead_share >= verify_jit.AROUND_LEAD
              and rest_share - lead_share - gap_share >= verify_jit.AROUND_TAIL
              and fwd < verify_jit.AROUND_FWD)
    if rest_share < verify_jit.CONTAIN_REST or not rest_stems:
        if rest_stems and rest_share - gap_share >= verify_jit.OWN_REST:
            if own_headline:
                return verify_jit.CONTAINS, verify_jit.R_CONTAINS_HEADLINE, why, gap_share
            if (lead_share > 0.0 and other_news) or own_topic:
                return verify_jit.CONTAINS, verify_jit.R_CONTAINS_OTHER, why, gap_share
            if around:
                return verify_jit.CONTAINS, verify_jit.R_CONTAINS_AROUND, why, gap_share
        return 2, verify_jit.R_COPY, why, gap_share
    if lead_share >= verify_jit.LEAD_SHARE and fwd < verify_jit.LEAD_FWD:
        return verify_jit.CONTAINS, verify_jit.R_CONTAINS_LEAD, why, gap_share
    if around:
        return verify_jit.CONTAINS, verify_jit.R_CONTAINS_AROUND, why, gap_share
    if rest_share - gap_share < verify_jit.CONTAIN_REST:
        return 2, verify_jit.R_COPY_GAPS, why, gap_share
    if own_headline:
        return verify_jit.CONTAINS, verify_jit.R_CONTAINS_HEADLINE, why, gap_share
    if other_news or own_topic:
        return verify_jit.CONTAINS, verify_jit.R_CONTAINS_OTHER, why, gap_share
    return 2, verify_jit.R_COPY_CONTINUES, why, gap_share


def flatten(units: list[list[int]], base: int = 0, pad: int = 0):
    """Units as (flat, offsets); ``pad`` junk values first so offsets start at ``base``."""
    flat = np.array([7] * pad + [h for u in units for h in u], dtype=np.uint32)
    off = np.zeros(len(units) + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(u) for u in units])
    return flat, off + base


NO_TITLE = np.zeros(verify_jit.TITLE_K, dtype=np.uint32)


def title_row(stems: list[int]) -> np.ndarray:
    """A title-stem row as the features make it: sorted, distinct, 0-padded."""
    row = np.zeros(verify_jit.TITLE_K, dtype=np.uint32)
    st_ = sorted(set(stems))[:verify_jit.TITLE_K]
    row[:len(st_)] = st_
    return row


def assert_compare_equal(a_units, b_units, args, pad_a: int = 0, pad_b: int = 0) -> tuple:
    if len(args) == 6:  # (no titles)
        args = (*args, NO_TITLE, NO_TITLE)
    af, ao = flatten(a_units, pad_a, pad_a)
    bf, bo = flatten(b_units, pad_b, pad_b)
    rel, score, ca, cb, pa, pb, ps, why = verify_jit.compare_units(af, ao, bf, bo, *args)
    exp = reference_compare(a_units, b_units, *args)
    got = (int(rel), float(score), float(ca), float(cb), pa.tolist(), pb.tolist(), ps.tolist(),
           why.tolist())
    assert got == exp, (a_units, b_units, args)
    return got


def _common_examples() -> list[int]:
    """Stems common in English only, in Spanish only, in Chinese only, and in several
    languages: so the random units exercise the pair's language and its rare words."""
    from dedupe_news.shingle import COMMON_HASHES, COMMON_LANGS, COMMON_MASKS

    def bit(lang: str) -> int:
        return 1 << COMMON_LANGS.index(lang)

    masks = COMMON_MASKS.tolist()
    picks = [next(h for h, m in zip(COMMON_HASHES.tolist(), masks, strict=True) if want(m))
             for want in (lambda m: m == bit("en"), lambda m: m == bit("es"),
                          lambda m: m == bit("zh"), lambda m: bin(m).count("1") >= 3)]
    return [int(x) for x in picks]


# a small vocabulary so units overlap a lot and cosine ties happen (and common stems)
_VOCAB = [3, 17, 0xFFFFFFFF, 1 << 31, 5, 8, 13, 21, 34, 55, 89, *_common_examples()]
_unit = st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=7, unique=True).map(sorted)
# titles from the same words, so they match each other and the units' stems now and then
_title = st.lists(st.sampled_from(_VOCAB), max_size=5, unique=True).map(title_row)
_args = st.tuples(st.sampled_from([0.5, 0.3, 0.7, 1.0, 1 / math.sqrt(2), 0.0]),
                  st.sampled_from([0.75, 0.5, 1.0, 0.0]),
                  st.sampled_from([0.6, 0.5, 0.8]),
                  st.integers(0, 3), st.integers(1, 5), st.sampled_from([0.8, 1.0, 0.5, 2.0]),
                  _title, _title)


@HYP
@given(st.lists(_unit, max_size=9), st.lists(_unit, max_size=9), _args,
       st.integers(0, 3), st.integers(0, 3))
def test_compare_units_matches_reference(a_units, b_units, args, pad_a, pad_b) -> None:
    assert_compare_equal(a_units, b_units, args, pad_a, pad_b)


@HYP
@given(st.lists(_unit, max_size=9), st.lists(_unit, max_size=9), _args)
def test_compare_units_is_symmetric(a_units, b_units, args) -> None:
    """(A, B) and (B, A) give the same relation seen from the other side, the same score
    and the coverages, pairs and anchored shares swapped - also on equal lengths, where the
    texts' own order picks the side read first (the canonical step verifies each pair once
    and reads both sides from it)."""
    af, ao = flatten(a_units)
    bf, bo = flatten(b_units)
    ab = verify_jit.compare_units(af, ao, bf, bo, *args)
    ba = verify_jit.compare_units(bf, bo, af, ao, *args[:6], args[7], args[6])
    flip = {verify_jit.CONTAINS: verify_jit.CONTAINED_IN,
            verify_jit.CONTAINED_IN: verify_jit.CONTAINS}
    assert flip.get(int(ab[0]), int(ab[0])) == int(ba[0])
    assert ab[1] == ba[1] and ab[2] == ba[3] and ab[3] == ba[2]
    assert ab[7][10] == ba[7][11] and ab[7][11] == ba[7][10]
    if a_units != b_units:  # (one text twice: either side reads first, the pairs may differ)
        assert ab[4].tolist() == ba[5].tolist() and ab[5].tolist() == ba[4].tolist()
        assert ab[6].tolist() == ba[6].tolist()


@HYP
@given(st.lists(_unit, min_size=1, max_size=9), st.data())
def test_compare_units_on_edited_copies(a_units, data) -> None:
    """B = A with units dropped, edited and moved: many matches, ties and order breaks."""
    b_units = [u for u in a_units if data.draw(st.booleans()) or len(a_units) < 3]
    for k in range(len(b_units)):
        if data.draw(st.integers(0, 3)) == 0:
            b_units[k] = data.draw(_unit)
    if b_units and data.draw(st.booleans()):
        b_units.insert(data.draw(st.integers(0, len(b_units))), b_units.pop(0))
    args = data.draw(_args)
    assert_compare_equal(a_units, b_units, args)
    assert_compare_equal(b_units, a_units, args)


def test_lis_reference_examples() -> None:
    assert lis_bisect_right([]) == []
    assert lis_bisect_right([3, 1, 2, 2, 0]) == [1, 2, 3]
    assert lis_bisect_right([5, 5, 5]) == [0, 1, 2]
    assert lis_bisect_right([2, 1]) == [1]  # the later, smaller tail wins


def _mutations(text: str, rng: random.Random) -> list[str]:
    paras = text.split("\n")
    shuffled = paras[:]
    rng.shuffle(shuffled)
    return [
        text,
        _words_changed(text, rng, 3),
        _words_changed(text, rng, 25),
        _truncated(text, 0.5),
        "\n".join(p for k, p in enumerate(paras) if k % 3 != 1),
        "\n".join(shuffled),
        text.replace(". ", ".\n"),
    ]


@needs_corpus
def test_compare_units_on_bbc_pairs() -> None:
    rng = random.Random(7)
    corpus = bbc_texts()
    picks = rng.sample(range(len(corpus)), 40)
    args = verify.VerifySettings().args()
    relations: dict[int, int] = {0: 0, 1: 0, 2: 0, 3: 0, 4: 0}
    for n, k in enumerate(picks):
        base = verify.profile(prepare(corpus[k]).body)
        others = [m for m in _mutations(corpus[k], rng)]
        others += [corpus[picks[(n + 1) % len(picks)]], corpus[(k + 1) % len(corpus)]]
        # a third of the story spliced into another one: shared passages, not a copy
        others.append(corpus[k][: len(corpus[k]) // 3] + "\n" + corpus[(k + 7) % len(corpus)])
        for text in others:
            other = verify.profile(prepare(text).body)
            for a, b in [(base, other), (other, base)]:
                ev = verify.compare(a, b)
                units_a = [a.flat[a.offsets[i]:a.offsets[i + 1]].tolist()
                           for i in range(a.n_units)]
                units_b = [b.flat[b.offsets[i]:b.offsets[i + 1]].tolist()
                           for i in range(b.n_units)]
                exp = reference_compare(units_a, units_b, *args)
                got = ({"copy": 2, "partial": 1, None: 0, "contains": 3,
                        "contained_in": 4}[ev.relation], ev.score,
                       ev.coverage_a, ev.coverage_b, [p[0] for p in ev.pairs],
                       [p[1] for p in ev.pairs], [p[2] for p in ev.pairs])
                assert got == exp[:7], (k, text[:200])
                relations[exp[0]] += 1
    # the pairs exercise every verdict
    assert min(relations.values()) > 0, relations


def _text_units(text: str) -> list[list[int]]:
    """A text's sentence units as the verifier sees them (stem hashes per unit)."""
    p = verify.profile(prepare(text).body)
    return [p.flat[p.offsets[i]:p.offsets[i + 1]].tolist() for i in range(p.n_units)]


def _after(a: str, b: str) -> str:
    return a + "\n\n" + b


def _inside(a: str, b: str) -> str:
    paras = [p for p in b.split("\n") if p.strip()]
    half = len(paras) // 2
    return "\n".join(paras[:half]) + "\n\n" + a + "\n\n" + "\n".join(paras[half:])


def _by_topic(got: tuple) -> bool:
    why = got[7]
    if why[0] == verify_jit.R_CONTAINS_OTHER and why[12] >= verify_jit.TOPIC_MIN \
            and why[3] >= verify_jit.CONTINUE_FWD:
        assert why[13] <= verify_jit.TOPIC_HELD and got[0] == verify_jit.CONTAINED_IN
        return True
    return False


def _around(got: tuple) -> bool:
    why = got[7]
    if why[0] == verify_jit.R_CONTAINS_AROUND:
        assert got[0] == verify_jit.CONTAINED_IN and why[2] >= verify_jit.AROUND_LEAD
        assert why[1] - why[2] - why[8] >= verify_jit.AROUND_TAIL
        return True
    return False


@needs_corpus
@pytest.mark.parametrize(("seed", "place", "decided"), [(17, _after, _by_topic),
                                                        (19, _inside, _around)])
def test_an_article_with_another_matches_reference(seed, place, decided) -> None:
    """A whole article with another one after it (the rest is a tail with a topic of its
    own), or inside it (half of the other before, half after): kernel and reference agree on
    everything, ``why`` included, and the rule under test (the topic rule; the rest on both
    sides, ``inside-other-news``) decides some pairs the other rules would call copies."""
    rng = random.Random(seed)
    corpus = bbc_texts()
    args = verify.VerifySettings().args()
    hits = 0
    for _ in range(40):
        a, b = rng.sample(corpus, 2)
        hits += decided(assert_compare_equal(_text_units(a), _text_units(place(a, b)), args))
    assert hits >= 1


def test_a_headline_about_the_rest_only_makes_the_longer_side_a_host() -> None:
    """The longer side's title names its rest (2+ stems) and nothing of the shorter side:
    ``own-headline``; one stem of the shorter side in it, or one headline for both, and the
    rest reads as before (a small rest: ``covered``).  Kernel and reference agree."""
    args = verify.VerifySettings().args()
    short = [[100 + 10 * k + t for t in range(6)] for k in range(6)]
    rest = [[900, 901, 902, 903, 904, 905], [906, 907, 908, 909, 910, 911]]  # 25%
    long_ = short + rest
    cases = [([900, 903], verify_jit.CONTAINED_IN, verify_jit.R_CONTAINS_HEADLINE),
             ([900, 903, 100], verify_jit.COPY, verify_jit.R_COPY),
             ([900], verify_jit.COPY, verify_jit.R_COPY)]
    for head, rel, rule in cases:
        got = assert_compare_equal(short, long_, (*args, NO_TITLE, title_row(head)))
        assert (got[0], got[7][0]) == (rel, rule), head
    # one headline for both (they match): the rest is the same story's
    got = assert_compare_equal(short, long_, (*args, title_row([900, 903, 904]),
                                              title_row([900, 903, 904])))
    assert got[0] == verify_jit.COPY


def test_moved_paragraph_counts_as_matched_and_an_unrelated_block_does_not() -> None:
    """A copy whose paragraph of three sentences moved to the front: the block is matched;
    without the block rule the copy would lose 3 of its 10 sentences (coverage 0.7)."""
    args = verify.VerifySettings().args()
    a_units = [list(range(10 * k, 10 * k + 10)) for k in range(10)]
    # last paragraph (units 7-9) moved to the front and reworded: cosine 0.7, below the
    # single moved-sentence threshold (0.8), above partial_sentence_threshold (0.6)
    reworded = [u[:7] + [2000 + 10 * k + t for t in range(3)] for k, u in enumerate(a_units)]
    b_units = reworded[7:] + a_units[:7]
    got = assert_compare_equal(a_units, b_units, args)
    assert got[0] == verify_jit.COPY and sorted(int(i) for i in got[4]) == list(range(10))
    single = [reworded[9], *a_units[:9]]  # one reworded sentence moved alone: not counted
    got = assert_compare_equal(a_units, single, args)
    assert 9 not in [int(i) for i in got[4]]


# ------------------------------------------------------------------------------------------
# 3. band_candidates == datasketch MinHashLSH
# ------------------------------------------------------------------------------------------


@cache
def bbc_set() -> tuple[tuple[str, ...], object]:
    """~300 BBC articles and perturbed copies of some, with their features."""
    rng = random.Random(11)
    corpus = bbc_texts()
    base = [corpus[k] for k in sorted(rng.sample(range(len(corpus)), 300))]
    copies = [_words_changed(t, rng, rng.randint(1, 20)) for t in base[:80]]
    copies += [_truncated(t, rng.choice([0.3, 0.6])) for t in base[40:100]]
    texts = tuple(base + copies)
    return texts, featurize_chunk(list(texts), Sketcher())


@needs_corpus
@pytest.mark.parametrize("threads", [1, 2])
def test_compare_many_is_compare_docs_pair_by_pair(threads: int) -> None:
    """The parallel batch (threads taking runs of pairs off a shared counter) gives every
    pair exactly what ``compare_docs`` gives it alone, in the pairs' order, on any number of
    threads; more pairs than runs x lanes, clustered pairs as the consensus lists them."""
    import numba

    texts, feats = bbc_set()
    rng = random.Random(5)
    n = len(texts)
    pairs = [(i, j) for i in rng.sample(range(n), 40) for j in rng.sample(range(n), 60)]
    pairs += [(k, 300 + k) for k in range(80)]  # (original, its copy): copies
    arr = np.array(pairs, dtype=np.int64)
    args = verify.VerifySettings().args()
    trows = feats.title_rows()
    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        rel, score, cov, npairs, faithful = verify_jit.compare_many(
            arr, feats.u_flat, feats.u_off, feats.doc_units, *args, trows)
    finally:
        numba.set_num_threads(before)
    assert len(pairs) > verify_jit._RUN * verify_jit._LANES
    for k, (i, j) in enumerate(pairs):
        r, s, ca, cb, pa, _pb, _ps, why = verify_jit.compare_docs(
            i, j, feats.u_flat, feats.u_off, feats.doc_units, *args, trows)
        assert (rel[k], score[k], cov[k, 0], cov[k, 1], npairs[k]) == (r, s, ca, cb, len(pa))
        assert (faithful[k, 0], faithful[k, 1]) == (ca - why[10], cb - why[11])
    assert (rel == verify_jit.COPY).sum() >= 60 and (rel == verify_jit.NONE).sum() > 1000


@needs_corpus
@pytest.mark.parametrize(("bands", "rows"), [(64, 2), (32, 4)])
def test_band_candidates_match_datasketch(bands: int, rows: int) -> None:
    from datasketch import MinHashLSH

    _texts, feats = bbc_set()
    sigs = feats.signatures
    sk = Sketcher()
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    mhs = [sk.to_minhash(row) for row in sigs]
    for k, mh in enumerate(mhs):
        lsh.insert(k, mh)
    beyond_self = 0
    for k, mh in enumerate(mhs):
        got = candidates_jit.band_candidates(sigs, sigs[k], bands, rows).tolist()
        assert got == sorted(lsh.query(mh)), k
        beyond_self += len(got) > 1
    assert beyond_self > 100  # real collisions, not just every row finding itself


# ------------------------------------------------------------------------------------------
# 4. leader_loop == plain star clustering
# ------------------------------------------------------------------------------------------


def reference_leader_loop(order, sigs, nshingles, bands, rows, min_jaccard, max_candidates,
                          profiles, vs: verify.VerifySettings):
    n = len(order)
    num_perm = sigs.shape[1]
    leader_of = [-1] * n
    evidence: dict[int, tuple[float, float, float, int]] = {}
    table: dict[tuple[int, bytes], list[int]] = {}
    rank: dict[int, int] = {}
    links: list[tuple[int, int, float]] = []
    for i in order:
        cands = []
        if nshingles[i] > 0 and rank:
            seen: set[int] = set()
            for b in range(bands):
                for j in table.get((b, sigs[i, b * rows:(b + 1) * rows].tobytes()), []):
                    if j in seen:
                        continue
                    seen.add(j)
                    eq = int((sigs[i] == sigs[j]).sum())
                    if eq / num_perm >= min_jaccard:
                        cands.append((-eq, rank[j], j))
            cands.sort()
        best_j, best = -1, None
        copies = []
        for _, _, j in cands[:max_candidates]:
            ev = verify.compare(profiles[i], profiles[j], vs)
            if ev.relation == "copy":
                copies.append((j, ev.score))
                if best is None or ev.score > best.score:
                    best_j, best = j, ev
            elif ev.relation is not None:  # partial or containment: a link
                links.append((i, j, ev.score))
        links += [(i, j, s) for j, s in copies if j != best_j]  # leaders it does not join
        if best is not None:
            leader_of[i] = best_j
            evidence[i] = (best.score, best.coverage_a, best.coverage_b, len(best.pairs))
            continue
        rank[i] = len(rank)
        for b in range(bands):
            table.setdefault((b, sigs[i, b * rows:(b + 1) * rows].tobytes()), []).append(i)
    return leader_of, evidence, links


@cache
def leader_set() -> tuple[tuple[str, ...], object, tuple]:
    rng = random.Random(5)
    corpus = bbc_texts()
    base = [corpus[k] for k in sorted(rng.sample(range(len(corpus)), 150))]
    texts = list(base)
    texts += [_words_changed(t, rng, rng.randint(1, 6)) for t in base[:50]]
    texts += [_truncated(t, rng.choice([0.4, 0.7])) for t in base[30:70]]
    # mashups: half of one story and half of another (partial copies of both)
    for k in range(100, 130):
        a, b = base[k].split("\n"), base[k + 1].split("\n")
        texts.append("\n".join(a[: len(a) // 2] + b[len(b) // 2:]))
    # P + X and P + Y, then P itself: a copy of both with score 1.0 (first candidate wins)
    in_base = set(base)
    others = [t for t in corpus if t not in in_base]
    for k in range(5):
        half = _truncated(base[130 + k], 0.5)
        texts += [half + "\n" + others[2 * k], half + "\n" + others[2 * k + 1], half]
    texts += ["", "the of and"]  # no shingles
    profiles = tuple(verify.profile(prepare(t).body) for t in texts)
    return tuple(texts), featurize_chunk(texts, Sketcher()), profiles


@needs_corpus
@pytest.mark.parametrize(("bands", "rows", "min_jaccard", "max_candidates", "ordering", "block"), [
    (64, 2, 0.06, 8, "size", 4096),
    (64, 2, 0.06, 8, "size", 5),
    (64, 2, 0.06, 1, "shuffled", 4096),
    (64, 2, 0.06, 1, "shuffled", 1),
    (32, 4, 0.2, 3, "reversed", 64),
])
def test_leader_loop_matches_reference(bands, rows, min_jaccard, max_candidates,
                                       ordering, block) -> None:
    texts, feats, profiles = leader_set()
    n = len(texts)
    sizes = feats.sizes.tolist()
    if ordering == "size":
        order = sorted(range(n), key=lambda i: (-sizes[i], i))
    elif ordering == "reversed":
        order = list(range(n))[::-1]
    else:
        order = list(range(n))
        random.Random(3).shuffle(order)
    vs = verify.VerifySettings()
    leader_of, score, cov, npairs, links, link_scores, _ncand = candidates_jit.leader_loop(
        np.array(order, dtype=np.int64), feats.signatures, feats.shingle_counts, bands, rows,
        min_jaccard, max_candidates, feats.u_flat, feats.u_off, feats.doc_units, *vs.args(),
        block=block)
    exp_leader, exp_ev, exp_links = reference_leader_loop(
        order, feats.signatures, feats.shingle_counts, bands, rows, min_jaccard,
        max_candidates, profiles, vs)
    assert leader_of.tolist() == exp_leader
    got_links = [(int(i), int(j), float(s))
                 for (i, j), s in zip(links.tolist(), link_scores.tolist(), strict=True)]
    assert got_links == exp_links
    got_ev = {i: (float(score[i]), float(cov[i, 0]), float(cov[i, 1]), int(npairs[i]))
              for i in range(n) if leader_of[i] >= 0}
    assert got_ev == exp_ev
    # the set is not trivial: copies join, mashups link
    assert sum(x >= 0 for x in exp_leader) >= 50
    assert len(exp_links) >= 5


# ------------------------------------------------------------------------------------------
# 5. the blocked leader loop == the sequential one
# ------------------------------------------------------------------------------------------


def synthetic_table(seed: int, n: int, num_perm: int, alphabet: int, stories: int):
    """A feature table built to stress the leader loop (signatures and units need not agree).

    Documents are versions of a few stories: exact copies (score-1.0 ties), prefixes,
    mashups of two stories (partial links), strangers; their signatures are the story's
    with a few positions redrawn from a tiny alphabet, so bands collide everywhere and
    many candidates tie on the estimate.  Some documents have no shingles.
    """
    rng = np.random.default_rng(seed)
    vocab = np.arange(1, 40, dtype=np.uint32)
    story_units = [[sorted(set(rng.choice(vocab, size=int(rng.integers(2, 7))).tolist()))
                    for _ in range(int(rng.integers(2, 7)))] for _ in range(stories)]
    story_sig = rng.integers(0, alphabet, size=(stories, num_perm), dtype=np.uint32)
    sigs = np.empty((n, num_perm), dtype=np.uint32)
    nshingles = np.empty(n, dtype=np.int64)
    units: list[list[int]] = []
    doc_units = [0]
    for d in range(n):
        s = int(rng.integers(stories))
        kind = rng.random()
        us = story_units[s]
        if kind < 0.3:
            pass  # an exact copy
        elif kind < 0.5:
            us = us[: max(1, int(len(us) * rng.uniform(0.3, 0.9)))]
        elif kind < 0.75:
            o = story_units[int(rng.integers(stories))]
            us = us[: len(us) // 2 + 1] + o[len(o) // 2:]
        elif kind < 0.95:
            us = [sorted(set(rng.choice(vocab, size=int(rng.integers(2, 7))).tolist()))
                  for _ in range(int(rng.integers(1, 5)))]
        else:
            us = []
        sig = story_sig[s].copy()
        flip = rng.random(num_perm) < rng.uniform(0.0, 0.6)
        sig[flip] = rng.integers(0, alphabet, size=int(flip.sum()), dtype=np.uint32)
        sigs[d] = sig
        nshingles[d] = 0 if not us or rng.random() < 0.03 else sum(len(u) for u in us)
        units += us
        doc_units.append(len(units))
    flat, off = flatten(units)
    return sigs, nshingles, flat, off, np.array(doc_units, dtype=np.int64)


LOOP_ARGS = verify.VerifySettings().args()


@pytest.mark.parametrize(("seed", "n", "bands", "rows", "alphabet", "min_jaccard",
                          "max_candidates"), [
    (0, 300, 8, 2, 3, 0.3, 8),
    (1, 300, 8, 2, 3, 0.3, 2),
    (2, 400, 4, 4, 2, 0.5, 1),
    (3, 250, 16, 1, 4, 0.0, 3),
    (4, 300, 8, 2, 2, 0.6, 4),
    (5, 200, 2, 8, 3, 0.2, 8),
])
def test_blocked_leader_loop_equals_sequential(seed, n, bands, rows, alphabet, min_jaccard,
                                               max_candidates) -> None:
    sigs, nshingles, flat, off, doc_units = synthetic_table(seed, n, bands * rows, alphabet, 12)
    order = np.random.default_rng(seed + 100).permutation(n).astype(np.int64)
    args = (order, sigs, nshingles, bands, rows, min_jaccard, max_candidates, flat, off,
            doc_units, *LOOP_ARGS)
    exp = leader_reference.leader_loop_sequential(*args)
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    joined = np.flatnonzero(exp[0] >= 0)
    gap = pos[joined] - pos[exp[0][joined]]
    for block in (1, 2, 3, 7, 16, 64, n, 4096):
        got = candidates_jit.leader_loop(*args, block=block)
        for name, g, e in zip(("leader_of", "score", "cov", "npairs", "links", "link_scores"),
                              got[:6], exp[:6], strict=True):
            assert np.array_equal(g, e), (block, name)
        assert got[6] == exp[6], block
    # the table is not trivial: many leaders, joins to a leader of the same small block,
    # links, and more candidates than are verified
    assert (exp[0] < 0).sum() >= n // 20
    assert (gap < 64).sum() >= 5
    assert len(exp[4]) >= 5
    assert exp[6] > len(joined)


def test_blocked_leader_loop_ties_and_crowds() -> None:
    """Identical signatures everywhere: every leader is every later article's candidate,
    equal estimates, ranks alone decide, and in-block leaders crowd the speculative list."""
    n, bands, rows = 120, 4, 2
    sigs, nshingles, flat, off, doc_units = synthetic_table(7, n, bands * rows, 1, 30)
    order = np.arange(n, dtype=np.int64)
    for max_candidates in (1, 2, 5):
        args = (order, sigs, nshingles, bands, rows, 0.5, max_candidates, flat, off,
                doc_units, *LOOP_ARGS)
        exp = leader_reference.leader_loop_sequential(*args)
        assert (exp[0] < 0).sum() >= 10
        for block in (1, 4, 9, 50, n):
            got = candidates_jit.leader_loop(*args, block=block)
            assert all(np.array_equal(g, e) for g, e in zip(got[:6], exp[:6], strict=True))
            assert got[6] == exp[6]


def test_leader_loop_on_block() -> None:
    n = 200
    sigs, nshingles, flat, off, doc_units = synthetic_table(11, n, 16, 3, 10)
    order = np.random.default_rng(3).permutation(n).astype(np.int64)
    args = (order, sigs, nshingles, 8, 2, 0.3, 4, flat, off, doc_units, *LOOP_ARGS)
    seen: list[tuple[int, np.ndarray]] = []
    got = candidates_jit.leader_loop(*args, block=32,
                                     on_block=lambda k, lo: seen.append((k, lo.copy())))
    assert [k for k, _ in seen] == [*range(32, n, 32), n]
    for k, lo in seen:  # what is settled is final
        done = order[:k]
        assert np.array_equal(lo[done], got[0][done])
    assert all(np.array_equal(g, e) for g, e in
               zip(got[:6], leader_reference.leader_loop_sequential(*args)[:6], strict=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), m=st.integers(1, 12),
       density=st.floats(0.0, 1.0), absent=st.sets(st.integers(1, 6)))
def test_align_fill_equals_the_numpy_programme(seed: int, n: int, m: int, density: float,
                                               absent: set[int]) -> None:
    """Same score and back-pointer tables, bit for bit: gains on a half-unit grid force ties
    (the first move wins in both), -inf marks groups that do not exist, and whole shapes
    may be missing (a side shorter than the shape)."""
    from dedupe_news import align

    rng = np.random.default_rng(seed)
    shapes = align._SHAPES
    gains = rng.integers(-4, 5, size=(len(shapes), n, m)) / 2.0
    gains[rng.random(gains.shape) > density] = -np.inf
    for si, (k, q) in enumerate(shapes):
        gains[si, n - k + 1 :, :] = -np.inf
        gains[si, :, m - q + 1 :] = -np.inf
        if si in absent:
            gains[si] = -np.inf
    d, back = align_jit.align_fill(gains, *align._shape_arrays(np), n, m)
    d_ref, back_ref = align._fill_rows(np, gains, n, m)
    assert np.array_equal(d, d_ref)
    assert np.array_equal(back, back_ref)


def test_common_stem_table_equals_the_word_tables() -> None:
    """The two-sided rule's common-stem table answers, for every language, as the word
    tables do: each language's stems (hashed one by one), their neighbours and random
    hashes."""
    from dedupe_news.shingle import COMMON_HASHES, COMMON_LANGS
    from dedupe_news.verify_jit import _common_bits

    sets = _common_sets()
    assert len(sets) == len(COMMON_LANGS) and COMMON_LANGS[0] == "en"
    assert set().union(*sets) == set(COMMON_HASHES.tolist())
    rng = np.random.default_rng(11)
    probe = np.concatenate([COMMON_HASHES, COMMON_HASHES + np.uint32(1),
                            rng.integers(0, 2**32, 20000, dtype=np.uint64).astype(np.uint32),
                            np.array([0, 1, 2**32 - 1], dtype=np.uint32)])
    for x in probe.tolist():
        bits = int(_common_bits(np.uint32(x)))
        assert bits == sum(1 << k for k, c in enumerate(sets) if x in c)
        assert verify_jit._is_english(np.uint32(x)) == (x in sets[0])


def test_a_pair_is_read_in_the_language_of_its_shorter_side() -> None:
    """Spanish, Russian, Chinese and English text: the language with the most common stems;
    hashes in no table: English."""
    from dedupe_news.shingle import COMMON_LANGS

    texts = {"es": "El presidente del Gobierno dijo el jueves que la economía crecerá este "
                   "año más de lo previsto, según los datos publicados por el banco central.",
             "ru": "Президент России заявил в четверг, что экономика страны вырастет в этом "
                   "году больше, чем ожидалось, по данным центрального банка.",
             "zh": "国家统计局周四公布的数据显示，今年中国经济增长将高于预期。",
             "en": "The president said on Thursday that the economy would grow faster this "
                   "year than expected, according to figures from the central bank."}
    for lang, text in texts.items():
        stems = np.array([stem_hash(x) for u in story_units(text) for x in u.stems],
                         dtype=np.uint32)
        got = int(verify_jit.pair_language(stems, 0, len(stems)))
        assert got == 1 << COMMON_LANGS.index(lang), (lang, got)
        assert reference_common([stems.tolist()]) == _common_sets()[COMMON_LANGS.index(lang)]
    none = np.array([6, 8, 10], dtype=np.uint32)
    assert int(verify_jit.pair_language(none, 0, 3)) == 1
    assert int(verify_jit.pair_language(none, 0, 0)) == 1
