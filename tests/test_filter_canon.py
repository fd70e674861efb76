"""The filter's canonical rule from stored fingerprints equals ``cluster.best_version``, and
its pairwise damage equals ``damage.version_scores`` bit for bit; the SQLite index's packed
signatures and band buckets round-trip."""

from __future__ import annotations

import random

import numpy as np

from dedupe_news.cluster import ClusterSettings, best_version
from dedupe_news.damage import version_scores
from dedupe_news.features import featurize
from dedupe_news.filter.canon import PairDamage, choose, mirrors_version_scores, pair_features
from dedupe_news.filter.recent import merge_entries
from dedupe_news.filter.sqlite_index import (
    BUCKET_SHIFT,
    ENTRY,
    _decode,
    _match,
    pack_sig_bits,
    unpack_sig_bits,
    unpack_sigs,
)
from dedupe_news.model import Article
from test_filter_support import agreement_corpus, seed_articles, variants


def _pairs() -> list[tuple[Article, Article]]:
    rng = random.Random(5)
    arts = seed_articles()
    out = [(arts[2], arts[4]), (arts[4], arts[2]), (arts[0], arts[1])]
    for a in arts[:3]:
        vs = variants(a, rng)
        out += [(a, v) for v in vs] + [(v, a) for v in vs[:2]]
    corpus = agreement_corpus()
    out += [(corpus[i], corpus[i + 1]) for i in range(0, 20, 2)]
    return out


def test_pair_damage_equals_version_scores() -> None:
    """When this fails after a change to ``version_scores``, bring ``PairDamage.combine``
    and ``canon.MIRRORED`` up to date (until then the filter calls ``version_scores``)."""
    assert mirrors_version_scores(), "damage.version_scores changed: update filter/canon.py"
    pd = PairDamage(size=4)
    for a, b in _pairs():
        for _ in range(2):  # the second time from the cache
            assert pd.scores([a.text, b.text], fresh=b.text) == version_scores([a.text, b.text])
    assert pd.scores([seed_articles()[0].text]) == version_scores([seed_articles()[0].text])


def test_own_damage_equals_score_and_flags() -> None:
    """The filter's line reports ``score_and_flags(text)``; after the pair's parts were
    scored it reuses their answer only where the body is the text itself."""
    from dedupe_news.damage.engine import score_and_flags

    plain = seed_articles()[4].text
    furnished = plain + "\n\nCopyright 2024 Reuters. All rights reserved."
    for text in (plain, furnished):
        pd = PairDamage()
        want = score_and_flags(text)
        assert pd.own(text) == want  # nothing scored before
        pd.parts(text, keep=False)
        got = pd.own(text)
        assert got[0] == want[0] and [(f.rule, f.start, f.end) for f in got[1]] == \
            [(f.rule, f.start, f.end) for f in want[1]]
        pd.parts(seed_articles()[0].text)  # another text scored last
        assert pd.own(text)[0] == want[0]


def test_choose_equals_best_version() -> None:
    st = ClusterSettings()
    pd = PairDamage()
    for a, b in _pairs():
        a2 = Article(a.id, a.text, published="2024-01-02")
        b2 = Article(b.id + "-n", b.text, published=None)
        # with headlines (the first words of each text: one headline for most copies)
        a3 = Article(a.id, a.text, title=" ".join(a.text.split()[:8]))
        b3 = Article(b.id + "-t", b.text, title=" ".join(b.text.split()[:8]))
        for versions in ([a, b], [a2, b2], [b2, a2], [a3, b3]):
            f = featurize([v.text for v in versions], st.lsh.num_perm, st.lsh.seed, 1,
                          titles=[v.title for v in versions])
            units = []
            for d in range(2):
                lo, hi = int(f.doc_units[d]), int(f.doc_units[d + 1])
                u0, u1 = int(f.u_off[lo]), int(f.u_off[hi])
                units.append((f.u_flat[u0:u1], f.u_off[lo : hi + 1] - u0))
            feats = pair_features(list(f.signatures), f.sizes.tolist(),
                                  f.shingle_counts.tolist(), units, list(f.title_rows()),
                                  f.boilerplate)
            got = choose(versions, feats, st, pd.scores)
            assert got == best_version(versions, st, damage=version_scores)


def _entries(doc: int, keys: np.ndarray) -> list[tuple[int, bytes]]:
    """The definition: (bucket, entry) of each of a canonical's distinct band keys, in key
    order (entry: doc << 14 | the key's low 14 bits, 6 bytes little-endian)."""
    k = np.unique(np.asarray(keys, dtype=np.int64) & 0xFFFFFFFF)
    e = (np.int64(doc) << BUCKET_SHIFT) | (k & ((1 << BUCKET_SHIFT) - 1))
    raw = e.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :ENTRY]
    return [(int(b), raw[i].tobytes()) for i, b in enumerate((k >> BUCKET_SHIFT).tolist())]


def test_packed_signature_and_buckets_round_trip() -> None:
    rng = np.random.default_rng(3)
    for w in (1, 20, 27, 31, 32):
        sig = rng.integers(0, 2**w, 256, dtype=np.uint64).astype(np.uint32)
        assert (unpack_sig_bits(pack_sig_bits(sig), 256) == sig).all()
    keys = rng.integers(-(2**31), 2**31, 128, dtype=np.int64)
    rows = _entries(123456789, keys)
    full, docs = _decode([b for b, _ in rows], [e for _, e in rows])
    assert sorted(full.tolist()) == sorted(set((keys & 0xFFFFFFFF).tolist()))
    assert set(docs.tolist()) == {123456789}


def test_compiled_packing_matches_its_definition() -> None:
    """The compiled signature packing is ``numpy.packbits`` of each value's ``w`` binary
    digits (most significant first) after a width byte; a canonical's bucket rows are its
    entries appended one by one; a look-up finds exactly the docs ``_decode`` and
    ``numpy.isin`` find."""
    rng = np.random.default_rng(11)
    for w in range(1, 33):
        sig = rng.integers(0, 2**w, 256, dtype=np.uint64).astype(np.uint32)
        sig[0] = 2**w - 1
        shifts = np.arange(w - 1, -1, -1, dtype=np.uint64)
        bits = ((sig.astype(np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
        want = bytes([w]) + np.packbits(bits.ravel()).tobytes()
        assert pack_sig_bits(sig) == want
        other = pack_sig_bits(sig // 3)
        assert (unpack_sigs([want, other], 256) == np.stack([sig, sig // 3])).all()
    one_by_one: dict[int, bytes] = {}
    seen: list[np.ndarray] = []
    for doc in range(1, 400):
        keys = rng.integers(0, 2**22 if doc % 2 else 2**32, 128, dtype=np.int64)
        for b, e in _entries(doc, keys):
            one_by_one[b] = one_by_one.get(b, b"") + e
        seen.append(keys)
    # the merge's entries (sorted by bucket, then article) are the same rows
    bk, raw, owner = merge_entries(np.arange(1, 400, dtype=np.int64),
                                   (np.stack(seen) & 0xFFFFFFFF).astype(np.uint32))
    assert (np.diff(bk) >= 0).all()
    store: dict[int, bytes] = {}
    for i, b in enumerate(bk.tolist()):
        store[b] = store.get(b, b"") + raw[i * ENTRY : (i + 1) * ENTRY].tobytes()
    assert store == one_by_one
    assert sorted(owner.tolist()) == sorted(d for d in range(1, 400)
                                            for _ in set((seen[d - 1] & 0xFFFFFFFF).tolist()))
    for _ in range(50):
        q = rng.integers(0, 2**22, 128, dtype=np.int64)
        q[:30] = seen[int(rng.integers(len(seen)))][:30]  # some keys indexed
        q = np.unique(q & 0xFFFFFFFF)
        rows = sorted((b, store[b]) for b in set((q >> BUCKET_SHIFT).tolist()) if b in store)
        full, docs = _decode([b for b, _ in rows], [v for _, v in rows])
        want = np.unique(docs[np.isin(full, q)]).tolist()
        blobs = [v for _, v in rows]
        got = _match(np.frombuffer(b"".join(blobs), dtype=np.uint8),
                     np.array([b for b, _ in rows], dtype=np.int64),
                     np.array([len(v) // ENTRY for v in blobs], dtype=np.int64), q).tolist()
        assert got == want and want


def test_filter_canonical_choice_reads_site_furniture(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The indexed canonical's boilerplate lines (from its stored text) are the ones
    ``featurize`` sets aside, and a copy decision picks what ``best_version`` picks when
    one version carries more site furniture."""
    from dedupe_news.features import featurize_chunk
    from dedupe_news.filter import Filter
    from dedupe_news.filter.core import Indexed
    from dedupe_news.sketch import Sketcher

    a = seed_articles()[2]
    furnished = ("LONDON (Reuters) -\n" + a.text + "\n\nCopyright 2024 Reuters. All rights "
                 "reserved.\nRead more: Subscribe to our newsletter for daily updates.")
    st = ClusterSettings()
    with Filter(str(tmp_path / "f.idx")) as f:
        for text in (a.text, furnished):
            want = featurize_chunk([text], Sketcher()).boilerplate[0]
            c = Indexed(len(text), "x", "x", 0, np.zeros(1, np.uint32), 0, 0, None, text=text)
            assert f._boilerplate(c) == tuple(want)
            assert f.prepare(Article("p", text)).boilerplate == tuple(want)
    for first, second in ((a.text, furnished), (furnished, a.text)):
        versions = [Article("first", first), Article("second", second)]
        with Filter(str(tmp_path / f"{len(first)}.idx")) as f:
            assert f.decide(versions[0]).action == "keep"
            d = f.decide(versions[1])
        want, _why = best_version(versions, st, damage=version_scores)
        assert d.action == ("replace" if want == 1 else "drop"), (d.reason, want)


def test_filter_keeps_the_original_shorter_than_its_verbose_mt_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An original ~27% shorter than its verbose MT round trip (Apertium hbs) holds all of
    its content, so it competes as ``cluster`` lets it: the filter decides as
    ``best_version`` does, in either arrival order."""
    import json
    from pathlib import Path

    from dedupe_news.filter import Filter

    rows = {r["id"]: r for r in map(json.loads, (Path(__file__).parent / "cases"
                                                  / "mt_pivots_verbose.jsonl").read_text(
        encoding="utf-8").splitlines())}
    orig, verbose = rows["bbc-sport-207"], rows["cmp-8d63888ce957"]
    st = ClusterSettings()
    for first, second in ((verbose, orig), (orig, verbose)):
        versions = [Article(r["id"], r["text"], title=r["title"]) for r in (first, second)]
        with Filter(str(tmp_path / f"{first['id']}.idx")) as f:
            assert f.decide(versions[0]).action == "keep"
            d = f.decide(versions[1])
        want, _why = best_version(versions, st, damage=version_scores)
        assert versions[want].id == "bbc-sport-207"
        assert d.action == ("replace" if want == 1 else "drop"), (d.reason, want)


def test_a_batch_is_fingerprinted_as_its_articles_one_by_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``Filter.prepare_many`` (one ``featurize_chunk`` call a batch) gives each article the
    fingerprint ``prepare`` gives it alone: signature, band keys, units, title row, sizes,
    boilerplate - whatever its neighbours (empty, untitled, furniture, another script)."""
    from dedupe_news.filter import Filter

    arts = agreement_corpus(5)[:12]
    arts += [Article("empty", ""), Article("t", arts[0].text, title="A headline here"),
             Article("bp", arts[1].text + "\nAll rights reserved. Follow us on Twitter"),
             Article("zh", "北京市今天发布新规定。市民对此表示欢迎！专家认为效果明显？")]
    with Filter(str(tmp_path / "p.idx")) as f:
        many = f.prepare_many(arts)
        assert len(many) == len(arts)
        for got, art in zip(many, arts, strict=True):
            one = f.prepare(art)
            assert got.article is art
            for name in ("sig", "flat", "off", "keys", "title"):
                assert np.array_equal(getattr(got, name), getattr(one, name)), (art.id, name)
            assert (got.size, got.nshingles, got.boilerplate) == \
                (one.size, one.nshingles, one.boilerplate), art.id
        assert f.prepare_many([]) == []
