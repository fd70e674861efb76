"""Verified copy relations -> star clusters with a canonical member.

The pipeline (``cluster_articles``):

1. **features** - set boilerplate aside, shingle the story's content-word pairs, MinHash them
   (worker processes for large inputs).
2. **order** - articles sorted by completeness (content words, descending), then id: the
   order, and so the result, does not depend on input order.
3. **leaders** - each article queries an LSH index of the cluster leaders found so far
   (:mod:`candidates`); each candidate leader is verified from sentence evidence
   (:mod:`verify`).  The article joins the leader it is the best-verified copy of, or becomes
   a leader itself.  ``partial`` verdicts become links.
4. **canonical** - in each cluster the canonical member is the most complete, least damaged
   version: among members at least ``complete_share`` as long as the longest, the lowest
   damage score (:mod:`damage`), then the earliest ``published``, then the id.  Every member
   is then re-verified against the canonical; one that is not a copy of it is split off and
   clustered again on its own, so every member is a verified copy of its canonical (no
   chaining).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dedupe_news import __version__
from dedupe_news.candidates import LeaderIndex, LshSettings
from dedupe_news.features import Features, featurize
from dedupe_news.model import Article
from dedupe_news.normalize import STEPS
from dedupe_news.shingle import NGRAM, STEM_CHARS
from dedupe_news.sketch import Sketcher
from dedupe_news.verify import Evidence, VerifySettings, compare

FULL_LENGTH = 0.95


@dataclass(frozen=True)
class ClusterSettings:
    lsh: LshSettings = field(default_factory=LshSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)
    max_candidates: int = 8  # leaders verified per article, best estimated Jaccard first
    complete_share: float = 0.85  # members this complete compete for canonical
    canonical_pool: int = 3  # at most this many of them are damage-scored (pairwise)
    max_links: int = 20
    workers: int | None = None  # None: automatic (parallel for large inputs)

    def signature(self) -> str:
        return (f"dn:{__version__}|norm:{'+'.join(STEPS)}+boilerplate|"
                f"sh:stem{STEM_CHARS}-content-{NGRAM}gram|{self.lsh.signature()}|"
                f"verify:{self.verify.signature()}|canon:complete{self.complete_share:g}"
                f"+damage")


@dataclass
class ClusterResult:
    records: list[dict[str, object]]  # one per article, input order (the JSONL contract)
    clusters: list[dict[str, object]]  # clusters of two or more, with evidence
    boilerplate: dict[str, list[dict[str, object]]]
    signature: str
    stats: dict[str, int]


def _damage_scores(texts: Sequence[str]) -> list[float]:
    """Damage of each version of one story: rule flags plus cross-version evidence."""
    from dedupe_news.damage import version_scores

    return version_scores(texts)


def _order_key(a: Article, size: int) -> tuple[object, ...]:
    return (-size, a.id)


def cluster_articles(articles: Sequence[Article], settings: ClusterSettings | None = None,
                     progress: Callable[[str, int, int], None] | None = None,
                     damage: Callable[[Sequence[str]], list[float]] | None = None
                     ) -> ClusterResult:
    """Cluster ``articles``; see the module docstring for the stages."""
    st = settings or ClusterSettings()
    n = len(articles)
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress:
            progress("features", done[0], n)

    feats = featurize([a.text for a in articles], st.lsh.num_perm, st.lsh.seed, st.workers,
                      on_chunk=tick)
    sketcher = Sketcher(st.lsh.num_perm, st.lsh.seed)
    index = LeaderIndex(st.lsh, sketcher)
    profiles = feats.profiles.__getitem__
    order = sorted(range(n), key=lambda i: _order_key(articles[i], int(feats.sizes[i])))
    leader_doc: list[int] = []  # index key -> article index
    joined: dict[int, list[tuple[int, Evidence]]] = {}  # leader article -> members
    links: dict[int, dict[int, float]] = {i: {} for i in range(n)}
    stats = {"articles": n, "candidates": 0}  # every candidate is verified

    for step, i in enumerate(order):
        if progress and step % 2000 == 0:
            progress("verify", step, n)
        best: tuple[float, int, Evidence] | None = None
        if feats.shingle_counts[i]:
            for key, _est in index.query(feats.signatures[i])[: st.max_candidates]:
                j = leader_doc[key]
                stats["candidates"] += 1
                ev = compare(profiles(i), profiles(j), st.verify)
                if ev.relation == "copy":
                    if best is None or ev.score > best[0]:
                        best = (ev.score, j, ev)
                elif ev.relation == "partial":
                    links[i][j] = links[j][i] = ev.score
        if best is None:
            index.add(feats.signatures[i])
            leader_doc.append(i)
            joined[i] = []
        else:
            joined[best[1]].append((i, best[2]))
    if progress:
        progress("verify", n, n)

    score_damage = damage or _damage_scores
    assignment: dict[int, tuple[int, float | None]] = {}  # article -> (canonical, similarity)
    clusters: list[dict[str, object]] = []
    for leader, members in joined.items():
        group = [leader] + [m for m, _ in members]
        evidence = {m: ev for m, ev in members}
        while group:
            canon = _choose_canonical(group, articles, feats, st, score_damage)
            assignment[canon] = (canon, None)
            kept: list[tuple[int, Evidence]] = []
            rest = []
            for m in group:
                if m == canon:
                    continue
                ev = evidence[m] if canon == leader and m in evidence else \
                    compare(profiles(m), profiles(canon), st.verify)
                if ev.relation == "copy":
                    kept.append((m, ev))
                    assignment[m] = (canon, ev.score)
                else:
                    rest.append(m)
                    if ev.relation == "partial":
                        links[m][canon] = links[canon][m] = ev.score
            if kept:
                clusters.append(_cluster_record(canon, kept, articles))
            group, leader = rest, -1

    records = []
    for i, a in enumerate(articles):
        canon, sim = assignment[i]
        cid = articles[canon].id
        lk = sorted(((articles[j].id, s) for j, s in links[i].items()
                     if assignment[j][0] != canon), key=lambda t: (-t[1], t[0]))
        records.append({
            "id": a.id,
            "cluster": cid,
            "canonical": canon == i,
            "duplicate_of": None if canon == i else cid,
            "similarity": None if sim is None else round(sim, 4),
            "relation": None if canon == i else "copy",
            "links": [{"id": j, "relation": "partial", "score": round(s, 4)}
                      for j, s in lk[: st.max_links]],
        })
    clusters.sort(key=lambda c: str(c["canonical"]))
    boilerplate = {a.id: [b.to_dict() for b in feats.boilerplate[i]]
                   for i, a in enumerate(articles) if feats.boilerplate[i]}
    stats["clusters"] = len(clusters)
    stats["leaders"] = len(leader_doc)
    return ClusterResult(records, clusters, boilerplate, st.signature(), stats)


def _choose_canonical(group: list[int], articles: Sequence[Article], feats: Features,
                      st: ClusterSettings,
                      score_damage: Callable[[Sequence[str]], list[float]]) -> int:
    if len(group) == 1:
        return group[0]
    biggest = max(int(feats.sizes[m]) for m in group)
    pool = sorted((m for m in group if feats.sizes[m] >= st.complete_share * biggest),
                  key=lambda m: _order_key(articles[m], int(feats.sizes[m])))[: st.canonical_pool]
    if len(pool) == 1:
        return pool[0]
    scores = score_damage([articles[m].text for m in pool])
    top = max(int(feats.sizes[m]) for m in pool)

    def key(k: int) -> tuple[object, ...]:
        a = articles[pool[k]]
        # All pool members are complete; least damaged, then earliest published, then
        # "full length" (within 5% of the longest: a few words of leftover boilerplate or
        # MT verbosity must not beat the original), then id.
        full = feats.sizes[pool[k]] >= FULL_LENGTH * top
        return (round(scores[k], 2), a.published is None, a.published or "", not full, a.id)

    return pool[min(range(len(pool)), key=key)]


def _cluster_record(canon: int, kept: list[tuple[int, Evidence]],
                    articles: Sequence[Article]) -> dict[str, object]:
    members = sorted(kept, key=lambda t: articles[t[0]].id)
    return {
        "canonical": articles[canon].id,
        "size": 1 + len(members),
        "members": [{"id": articles[m].id, "similarity": round(ev.score, 4),
                     "coverage_member": round(ev.coverage_a, 4),
                     "coverage_canonical": round(ev.coverage_b, 4),
                     "sentences_aligned": len(ev.pairs)} for m, ev in members],
    }


def order_invariant_view(result: ClusterResult) -> list[tuple[str, str]]:
    """(id, cluster) pairs sorted by id: equal for the same input in any order."""
    return sorted((str(r["id"]), str(r["cluster"])) for r in result.records)


__all__ = ["ClusterResult", "ClusterSettings", "cluster_articles"]
