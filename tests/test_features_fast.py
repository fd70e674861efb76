"""``featurize_chunk`` shortcuts give the features of the plain definition.

For a text without boilerplate, ``featurize_chunk`` tokenises the text itself (ASCII) or its
characters mapped in place (curly quotes and dashes) instead of ``prepare(text).body``: the
tokeniser ignores the whitespace that ``prepare`` collapses.  Here every feature is compared
with the plain path (``prepare`` -> ``story_bytes`` -> ``tokenize_chunk``, one text at a time)
on generated text full of odd whitespace, compatibility characters, CJK and boilerplate.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, SHARED
from dedupe_news import shingle_jit
from dedupe_news.features import featurize_chunk
from dedupe_news.normalize import prepare
from dedupe_news.shingle import ABBREV_HASHES, STOP_HASHES, story_bytes
from dedupe_news.sketch import Sketcher
from dedupe_news.verify_jit import TITLE_K
from test_boilerplate_fast import quick_texts
from test_fast_paths import _text

SK = Sketcher(128, 1)
CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"


def _tokens(body: str) -> tuple[np.ndarray, ...]:
    """``tokenize_chunk`` of one normalised body alone: (sizes, shingles, shingle offsets,
    unit stems, unit offsets, doc units)."""
    sb = story_bytes(body)
    return shingle_jit.tokenize_chunk(
        np.frombuffer(sb.orig, dtype=np.uint8), np.frombuffer(sb.low, dtype=np.uint8),
        np.array([0, len(sb.orig)], dtype=np.int64), np.array([sb.cjk]), STOP_HASHES,
        ABBREV_HASHES)


def _plain(text: str) -> tuple:
    prep = prepare(text)
    sizes, sh_flat, sh_off, u_flat, u_off, _doc_units = _tokens(prep.body)
    return (prep.boilerplate, int(sizes[0]), sorted(sh_flat.tolist()), u_flat.tolist(),
            (u_off - u_off[0]).tolist(), SK.signatures_flat(sh_flat, sh_off)[0].tolist())


def _plain_title_row(title: str | None) -> np.ndarray:
    """A title's stem row by the plain path, one title at a time."""
    _s, _f, _o, u_flat, u_off, doc_units = _tokens(prepare(title).body if title else "")
    return shingle_jit.title_rows(u_flat, u_off, doc_units, TITLE_K)[0]


def _assert_same(texts: list[str]) -> None:
    f = featurize_chunk(texts, SK)
    for d, text in enumerate(texts):
        a, b = int(f.doc_units[d]), int(f.doc_units[d + 1])
        lo, hi = int(f.u_off[a]), int(f.u_off[b])
        got = (f.boilerplate[d], int(f.sizes[d]), None, f.u_flat[lo:hi].tolist(),
               (f.u_off[a:b + 1] - lo).tolist(), f.signatures[d].tolist())
        want = _plain(text)
        assert got[:2] == want[:2] and got[3:] == want[3:], text
        assert int(f.shingle_counts[d]) == len(want[2]), text


@pytest.mark.parametrize("seed", range(6))
def test_generated_texts(seed: int) -> None:
    rng = random.Random(seed)
    texts = [_text(rng) for _ in range(300)]
    texts += [t.replace("\n", " \n ") + " \u2028x\u0085y\u1680z" for t in texts[:50]]
    _assert_same(texts)


_CHARS = st.sampled_from([*"ab cD.\n\t\r\u00a0\u2019\u201c\u2014\u00a3\u00e9\u0301\u3000\u2028",
                          *"\u4e2d\u0e01\u00c5\u212b\u0130\u1e9e\u03a3\ufb01XY12,;",
                          "  ", " \n ", "The ", "said ", "Mr. ", "U.S. "])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CHARS, max_size=60).map("".join), min_size=1, max_size=5))
def test_random_texts(texts: list[str]) -> None:
    _assert_same(texts)


def test_seeds_and_scripts() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += ["\u4e2d\u56fd\u589e\u52a0\u4e86 \u5bf9\u4fc4\u7f57\u65af   \u7684 " * 3,
              "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22 " * 5 + "  x  " * 40,
              "\u201cQuote\u201d \u2014 dash\u2019s  double  spaces\u00a0\u00a0nbsp."]
    _assert_same(texts)


@pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not available")
def test_bbc_corpus_sample() -> None:
    with CORPUS.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for k, line in enumerate(f) if k % 7 == 0]
    _assert_same(texts)


_WIRE_LINES = ("Follow Global News Service on Twitter for breaking news.",
               "(c) 2005 Metro Wire. All rights reserved. This material may not be published.",
               "Copyright 2005 Metro Wire.  All  Rights Reserved. Distributed by Metro Wire.",
               "Read more: UK troops on Ivory Coast standby", "Sign up", "Tags: a, b",
               "all rights reserved", "\u00a9 Agence \u2014 tous droits", "Share this", "x y")


@pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not available")
def test_republications_with_boilerplate_and_titles() -> None:
    """Wire republications (a dateline, boilerplate lines cut out of the story's characters,
    texts left with little but boilerplate): the features and the title rows of the plain
    path (``prepare`` -> ``story_bytes``)."""
    rng = random.Random(5)
    with CORPUS.open(encoding="utf-8") as f:
        rows = [json.loads(line) for k, line in enumerate(f) if k % 41 == 0]
    texts, titles = [], []
    for row in rows:
        paras = row["text"].split("\n")
        for _ in range(3):
            extra = [rng.choice(_WIRE_LINES) for _ in range(rng.randint(0, 4))]
            body = paras[: rng.randint(0, len(paras))]
            lead = rng.choice(["", "PARIS (Metro Wire) \u2014 ", "LONDON, Jan 3 (AP) - "])
            lines = [lead + body[0], *body[1:]] if body else []
            cut = rng.randint(0, len(lines))
            texts.append("\n".join(lines[:cut] + extra + lines[cut:]))
            titles.append(rng.choice([row.get("title") or "", "Sign up", "Tags: x", None]))
    _assert_same(texts)
    got = featurize_chunk(texts, SK, titles=titles).titles
    assert np.array_equal(got, np.stack([_plain_title_row(t) for t in titles]))


def _numpy_signatures(sk: Sketcher, flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The former numpy implementation of ``Sketcher.signatures_flat`` (the reference)."""
    out = np.full((len(offsets) - 1, sk.num_perm), 0xFFFFFFFF, dtype=np.uint32)
    for d in range(len(offsets) - 1):
        hv = flat[offsets[d]:offsets[d + 1]].astype(np.uint32)
        if not len(hv):
            continue
        hv = hv ^ (hv >> np.uint32(16))
        hv = hv * np.uint32(0x85EBCA6B)
        hv = hv ^ (hv >> np.uint32(13))
        hv = hv * np.uint32(0xC2B2AE35)
        hv = hv ^ (hv >> np.uint32(16))
        out[d] = (sk._a[:, None] * hv[None, :] + sk._b[:, None]).min(axis=1)
    return out


@pytest.mark.parametrize("num_perm", [2, 16, 128, 129])
def test_compiled_minhash_equals_numpy(num_perm: int) -> None:
    rng = np.random.default_rng(num_perm)
    lengths = rng.integers(0, 40, size=60)
    lengths[:3] = 0
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    flat = rng.integers(0, 2**32, size=int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    flat[:5] = [0, 1, 0xFFFFFFFF, 0x80000000, 7]
    sk = Sketcher(num_perm, seed=num_perm)
    assert np.array_equal(sk.signatures_flat(flat, offsets), _numpy_signatures(sk, flat, offsets))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(quick_texts(), min_size=1, max_size=4))
def test_whole_text_boilerplate_path(texts: list[str]) -> None:
    """Texts that take normalize._scan_quick (spaces and line breaks only, boilerplate lines,
    repeated captions, runs of spaces, non-ASCII): the same features as the plain path."""
    _assert_same(texts)


def test_empty_chunk_is_well_formed() -> None:
    f = featurize_chunk([], SK)
    assert len(f) == 0 and f.u_off.tolist() == [0] and f.doc_units.tolist() == [0]


_TITLES = ["Advertisement", "Follow us on Twitter", "Sign up", "Tags: x", "Share this",
           "All rights reserved", "(c) 2005 Metro Wire", "Talks fail (Reporting by Al Ray)",
           "Source: Xinhua", "Fed holds rates &amp; signals patience", "Caf\u00e9 \u201cwar\u201d",
           "\ufb01nance \u2014 \u00bd up", "\u4e2d\u56fd\u589e\u52a0\u4e86\u5bf9\u4fc4\u7f57\u65af",
           "\u041f\u043e \u043c\u0430\u0442\u0435\u0440\u0438\u0430\u043b\u0430\u043c TASS",
           "Two\nlines", "  padded   title\t", "\u0130stanbul \u03a3\u039f\u03a3", "x", " ",
           # all boilerplate (a menu line) with whitespace prepare collapses (hypothesis)
           "U.S. U.S. U.S. ", "Home  News  Sport", " World | Business | Sport"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CHARS, max_size=30).map("".join), min_size=1, max_size=4))
def test_title_rows_skip_the_scan_exactly(titles: list[str]) -> None:
    """A title's stems without the boilerplate scan (one line, no credit mark) are its
    stems with it (``_story``) and by the plain path."""
    from dedupe_news.features import _story, _title_story, title_stems

    for t in [*_TITLES, *titles]:
        assert _title_story(t) == _story(t)[1], t
    every = [*_TITLES, *titles]
    assert np.array_equal(title_stems(every), np.stack([_plain_title_row(t) for t in every]))


def _frozen(_: int) -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_never_walk_the_heap_they_inherit() -> None:
    """start_pool forks its workers with the parent's objects in the collector's permanent
    generation (their collections skip them) and gives the parent its objects back."""
    import gc

    from dedupe_news.features import start_pool

    before = gc.get_freeze_count()
    pool = start_pool(2, 16, 1)
    try:
        frozen = list(pool.map(_frozen, range(4)))
    finally:
        pool.shutdown()
    assert gc.get_freeze_count() == before
    assert all(n > 10_000 for n in frozen), frozen
