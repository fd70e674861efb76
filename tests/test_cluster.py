"""Clustering behaviour: seeds acceptance, no chaining, order invariance, canonical choice."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from conftest import SEEDS, seed_text
from dedupe_news.candidates import LshSettings
from dedupe_news.cluster import ClusterSettings, cluster_articles, order_invariant_view
from dedupe_news.load import iter_articles
from dedupe_news.model import Article
from dedupe_news.shingle import content_stems, hash_shingle, shingle_hashes, shingle_strings
from dedupe_news.sketch import Sketcher


def _seeds() -> list[Article]:
    return [a for a in iter_articles([str(SEEDS)]) if isinstance(a, Article)]


def _by_id(result) -> dict[str, dict]:
    return {r["id"][:3]: r for r in result.records}


def test_seeds_acceptance() -> None:
    recs = _by_id(cluster_articles(_seeds()))
    assert recs["002"]["cluster"] == recs["004"]["cluster"]
    assert recs["004"]["relation"] == "copy" and recs["004"]["duplicate_of"].startswith("002")
    cluster = recs["002"]["cluster"]
    for other in ("000", "001", "003"):
        assert recs[other]["cluster"] != cluster
        assert recs[other]["relation"] is None
    assert recs["000"]["cluster"] != recs["001"]["cluster"]
    assert [lk["id"][:3] for lk in recs["000"]["links"]] == ["001"]
    assert recs["000"]["links"][0]["relation"] == "partial"
    assert [lk["id"][:3] for lk in recs["001"]["links"]] == ["000"]


def test_records_follow_the_contract() -> None:
    result = cluster_articles(_seeds())
    ids = {r["id"] for r in result.records}
    for r in result.records:
        assert set(r) == {"id", "cluster", "canonical", "duplicate_of", "similarity",
                          "relation", "links"}
        assert r["cluster"] in ids
        if r["canonical"]:
            assert r["cluster"] == r["id"] and r["duplicate_of"] is None
            assert r["similarity"] is None and r["relation"] is None
        else:
            canon = next(x for x in result.records if x["id"] == r["duplicate_of"])
            assert canon["canonical"] and r["cluster"] == canon["id"]
            assert 0 < r["similarity"] <= 1


def test_input_order_does_not_change_clusters() -> None:
    arts = _seeds()
    base = order_invariant_view(cluster_articles(arts))
    rng = random.Random(7)
    for _ in range(3):
        shuffled = arts[:]
        rng.shuffle(shuffled)
        assert order_invariant_view(cluster_articles(shuffled)) == base


def test_exact_duplicate_joins_its_twin() -> None:
    arts = _seeds()
    twin = Article(id="zz-twin", text=seed_text("003"))
    recs = {r["id"]: r for r in cluster_articles([*arts, twin]).records}
    three = next(k for k in recs if k.startswith("003"))
    assert recs["zz-twin"]["cluster"] == recs[three]["cluster"]
    # tie on completeness and damage: the earlier id is canonical
    assert recs[three]["canonical"]


def test_no_chaining_every_member_verified_against_canonical() -> None:
    # A, then B = A's second half plus new text, then C = B's new text plus more new text:
    # A~B and B~C share passages, A and C share nothing.  No cluster may hold A and C.
    words = [f"w{i}x" for i in range(600)]
    sents = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, 600, 12)]
    a = " ".join(sents[0:20])
    b = " ".join(sents[10:30])
    c = " ".join(sents[20:40])
    res = cluster_articles([Article("a", a), Article("b", b), Article("c", c)])
    clusters = {r["id"]: r["cluster"] for r in res.records}
    assert clusters["a"] != clusters["c"]
    for r in res.records:
        if not r["canonical"]:
            assert r["similarity"] >= 0  # verified against the canonical itself


def _sentences(n: int, offset: int = 0) -> list[str]:
    words = [f"w{i}x" for i in range(offset, offset + 12 * n)]
    return [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, 12 * n, 12)]


def test_article_turned_away_by_the_leader_joins_the_canonical() -> None:
    # L (longest, leads) = s1-s16 + new text; C = s1-s20 is a copy of L and the least
    # damaged, so it becomes canonical; O = s6-s20 is a copy of C but only partly in L
    # (C's first five sentences name what the story's later ones name, as a lede does: an
    # unaligned lead with no word in common with O would read as C's own news, ``contains``).
    # The leader loop compares O with L only (partial); the merge pass offers O to C.
    s, t = _sentences(20), _sentences(6, offset=1000)
    for i in range(5):
        s[i] = s[i][:-1] + " " + " ".join(s[10 + i].split()[:4]).lower() + "."
    lead, canon, orig = " ".join(s[:16] + t), " ".join(s), " ".join(s[5:])

    def damage(texts: list[str]) -> list[float]:
        return [0.0 if x == canon else 1.0 for x in texts]

    arts = [Article("l", lead), Article("c", canon), Article("o", orig)]
    recs = {r["id"]: r for r in cluster_articles(arts, damage=damage).records}
    assert recs["c"]["canonical"] and recs["l"]["duplicate_of"] == "c"
    assert recs["o"]["duplicate_of"] == "c" and recs["o"]["relation"] == "copy"
    off = cluster_articles(arts, ClusterSettings(merge_rounds=0), damage=damage).records
    assert {r["id"]: r["cluster"] for r in off}["o"] == "o"  # without the pass: left alone


def test_canonical_prefers_the_undamaged_version() -> None:
    clean = seed_text("001")
    damaged = clean.replace("the United States will cut", "the United States to will cut") \
        .replace("Commerce Department said.", "Commerce Department Department said.")
    res = cluster_articles([Article("b-damaged", damaged, published="2022-01-01"),
                            Article("a-clean", clean, published="2022-06-01")])
    recs = {r["id"]: r for r in res.records}
    assert recs["a-clean"]["canonical"] and recs["b-damaged"]["duplicate_of"] == "a-clean"


def test_canonical_tie_broken_by_published_then_id() -> None:
    text = seed_text("003")
    res = cluster_articles([Article("b", text, published="2024-04-12"),
                            Article("a", text, published="2024-04-13")])
    assert {r["id"]: r["canonical"] for r in res.records} == {"a": False, "b": True}


def test_different_articles_same_event_are_not_copies() -> None:
    arts = {a.id[:3]: a for a in _seeds()}
    res = cluster_articles([arts["002"], arts["003"]])
    assert all(r["canonical"] for r in res.records)


def test_signatures_match_datasketch_bit_for_bit() -> None:
    stems = content_stems(seed_text("002"))
    ours = Sketcher(128, 1).signatures([shingle_hashes(stems)])[0]
    m = MinHash(num_perm=128, seed=1, hashfunc=hash_shingle)
    m.update_batch(shingle_strings(stems))
    assert np.array_equal(m.hashvalues, ours)


def test_empty_and_tiny_documents_do_not_break_sketching() -> None:
    sigs = Sketcher(16, 1).signatures([np.zeros(0, np.uint32), shingle_hashes(["only"])])
    assert (sigs[0] == 0xFFFFFFFF).all() and not (sigs[1] == 0xFFFFFFFF).all()


def test_lsh_s_curve_matches_theory() -> None:
    # Pairs of random sets at Jaccard s: empirical candidate rate ~ 1-(1-s^r)^b.
    st = LshSettings()
    sk = Sketcher(st.num_perm, st.seed)
    rng = np.random.default_rng(3)
    for s in (0.1, 0.2):
        hits = 0
        trials = 150
        for _ in range(trials):
            shared = rng.integers(0, 2**32, 100, dtype=np.uint32)
            extra = round(100 * (1 / s - 1) / 2)
            a = np.concatenate([shared, rng.integers(0, 2**32, extra, dtype=np.uint32)])
            b = np.concatenate([shared, rng.integers(0, 2**32, extra, dtype=np.uint32)])
            sig = sk.signatures([np.unique(a), np.unique(b)])
            rows = sig.reshape(2, st.bands, st.rows)[:, :, :]
            hits += bool((rows[0] == rows[1]).all(axis=1).any())
        expected = st.candidate_probability(s)
        assert abs(hits / trials - expected) < 0.12, (s, hits / trials, expected)


def test_bad_lsh_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="exceeds num_perm"):
        LshSettings(num_perm=64, bands=64, rows=2)


def test_settings_signature_names_the_choices() -> None:
    sig = ClusterSettings().signature()
    for part in ("perm256", "b128r2", "stem4", "verify:", "boilerplate", "merge3"):
        assert part in sig


def test_merge_look_ahead_changes_nothing() -> None:
    """The merge pass's verdicts made ahead in one call, and its damage scores made ahead in
    the workers, give the clusters the one-by-one pass gives (both are functions of their
    pair only): the same records with worker processes and without, merges included."""
    import json
    import random

    from conftest import SHARED

    with (SHARED / "corpus" / "bbc-news-2004-2005.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    rng = random.Random(7)
    vocab = [w for r in rows[:300] for w in r["text"].split()]
    arts = []
    for r in rows[:120]:
        arts.append(Article(r["id"], r["text"], title=r["title"]))
        for k in range(4):  # noisy replicas: 10% of the words replaced
            words = [rng.choice(vocab) if rng.random() < 0.1 else w
                     for w in r["text"].split(" ")]
            arts.append(Article(f"{r['id']}-n{k}", " ".join(words), title=r["title"]))
        paras, other = r["text"].split("\n"), rows[rng.randrange(300, 2000)]
        arts.append(Article(f"{r['id']}-p", "\n".join(paras[: len(paras) // 2]) + "\n"
                            + other["text"], title=other["title"]))
    pooled = cluster_articles(arts, ClusterSettings(workers=2))
    alone = cluster_articles(arts, ClusterSettings(workers=1))
    assert pooled.stats["merged"] > 0
    assert pooled.records == alone.records


def test_damage_scores_in_the_workers_are_the_ones_made_here() -> None:
    from dedupe_news.cluster import _damage_scores, _score_pools
    from dedupe_news.features import start_pool

    pools = [[seed_text("002"), seed_text("004")], [seed_text("000"), seed_text("001")],
             [seed_text("004"), seed_text("002")]]
    pool = start_pool(2, 16, 1)
    try:
        there = [r for batch in pool.map(_score_pools, [pools[:2], pools[2:]]) for r in batch]
    finally:
        pool.shutdown()
    assert there == [_damage_scores(p) for p in pools]


def test_consensus_verdicts_read_either_way_round_are_fresh_verdicts() -> None:
    """What settle reads from the consensus (:class:`Verified`: rows A < B) for a pair in
    either order is what verifying that very pair gives: the relation mirrored, coverages
    swapped (containment both ways round included), and a pair it does not hold is
    verified."""
    import json

    from conftest import SHARED
    from dedupe_news import verify_jit
    from dedupe_news.cluster import Verified, _verdicts, _verify_pairs
    from dedupe_news.features import featurize_chunk

    corpus = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
    with corpus.open(encoding="utf-8") as f:
        bbc = [json.loads(line)["text"] for line in f]
    seeds = [a.text for a in _seeds()]
    paras = [s.split("\n") for s in seeds]
    texts = [*seeds,
             bbc[1500] + "\n" + bbc[10],  # an article inside other news: containment
             bbc[10], bbc[20] + "\n" + bbc[2000], bbc[20],
             "\n".join(paras[2][: max(1, len(paras[2]) // 2)]),  # a cut copy
             "\n".join(paras[1][:3] + paras[3][:3])]  # shared passages
    feats = featurize_chunk(texts, Sketcher(), titles=[None] * len(texts))
    vargs = ClusterSettings().verify.args()
    n = len(texts)
    held = [(a, b) for a in range(n) for b in range(a + 1, n) if (a * b) % 4 != 1]
    made = Verified(n)
    rel, score, cov, npairs, _faithful = _verify_pairs(held, feats, vargs)
    made.add(held, rel, score, cov, npairs)
    every = [(a, b) for a in range(n) for b in range(n) if a != b]
    fresh = _verdicts(every, feats, vargs)
    got = made.read(every)
    assert set(got) == {p for p in every if (min(p), max(p)) in set(held)}
    assert all(got[p] == fresh[p] for p in got)
    assert _verdicts(every, feats, vargs, made) == fresh
    kinds = {v[0] for v in got.values()}
    assert {verify_jit.CONTAINS, verify_jit.CONTAINED_IN, verify_jit.NONE} <= kinds, kinds
