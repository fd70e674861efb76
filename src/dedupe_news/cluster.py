"""Verified copy relations -> star clusters with a canonical member.

The pipeline (``cluster_articles``):

1. **features** - set boilerplate aside, shingle the story's content-word pairs, MinHash them
   (worker processes for large inputs).
2. **order** - articles sorted by completeness (content words, descending), then id: the
   order, and so the result, does not depend on input order.
3. **leaders** - each article queries an LSH index of the cluster leaders found so far
   (:mod:`candidates`); each candidate leader is verified from sentence evidence
   (:mod:`verify`).  The article joins the leader it is the best-verified copy of, or becomes
   a leader itself.  ``partial`` verdicts become links.  The result is that of a loop over
   the articles one at a time; it runs compiled in blocks
   (:func:`dedupe_news.candidates_jit.leader_loop`): every article of a block queries and verifies
   against the leaders from before the block on all cores, then the block is settled in
   order (leaders made inside the block offered to the articles after them).
4. **canonical** - in each cluster the canonical member is the best version: the most complete,
   least damaged one.  The *pool*: members at least ``complete_share`` as long as the longest,
   or holding ``COMPLETE_HELD`` of its content (verified: a verbose MT version is the longest,
   and its original may be far shorter in words), at most ``canonical_pool`` (the
   ``POOL_COMPLETE`` most complete, then the closest to the leader).  Each is measured against
   up to ``CONSENSUS_REFS`` members: *completeness* (the share of the others' content it holds)
   and *agreement* (their mean verification score).  *Finalists*: completeness within
   ``COMPLETENESS_BAND`` of the best.  The ``DAMAGE_POOL`` most agreed-with finalists are
   damage-scored (:mod:`damage`): a version more damaged than the least damaged by over
   ``DAMAGE_BAND`` (2 versions) or ``DAMAGE_VETO`` (3+) drops out - copies made by one MT engine
   agree with each other more than with their original - but the *clear centre* of
   ``CENTRE_MIN``+ versions (its agreement leads by ``AGREEMENT_LEAD`` and it has no
   near-identical twin, ``TWIN``: the original among independently edited replicas, whose random
   edits read as "less translated" to the style traits) is canonical without damage scoring, and
   so are 3+ near-identical finalists (chosen by agreement).  Then the most agreed-with;
   agreement within ``AGREEMENT_TIE``: the fewest boilerplate lines set aside (a republication's
   dateline and copyright, calls to action), then the most complete, then the fewest order
   faults (:func:`order_faults`: names and acronyms used before they are introduced - one
   text in two paragraph orders), then the one that opens with its lede (``_lede``: headline
   words and recurring content first); then the earliest ``published``, then the id.
   Every member is then re-verified against the canonical; one that is not a copy of it
   is split off and clustered again on its own, so every member is a verified copy of its
   canonical (no chaining).  Damage scoring of the pools runs in worker processes for large
   inputs.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from dedupe_news import __version__, candidates_jit, canonical_jit, verify_jit
from dedupe_news._gc import paused_gc
from dedupe_news.candidates import LshSettings, containment_candidates
from dedupe_news.features import Features, featurize, start_pool, workers_for
from dedupe_news.model import Article
from dedupe_news.normalize import STEPS
from dedupe_news.shingle import NGRAM, STEM_CHARS
from dedupe_news.verify import MIRROR, RELATION_NAMES, VerifySettings
from dedupe_news.words import HONORIFICS, word_zipf

FULL_LENGTH = 0.95
MERGE_PROBE = 8  # merge pass: members verified before giving up on a linked cluster
PARALLEL_DAMAGE_MIN_POOLS = 32  # below this, scoring pools in-process is faster (noisy 100k:
# 158 and 106 pools took 0.36 s less in the two workers, whose scorer is loaded already)
CONSENSUS_REFS = 8  # members each canonical candidate is measured against
COMPLETENESS_BAND = 0.05  # completeness this close to the best: the same content (noise)
AGREEMENT_BAND = 0.01  # agreement differences below this are called a tie in explanations
AGREEMENT_TIE = 0.002  # ... and below this they are one: fewer furniture lines, then the
# more complete version win
AGREEMENT_LEAD = 0.04  # see TWIN
CENTRE_MIN = 5  # see TWIN
TWIN = 0.95  # two versions this close (verification score) are one text twice (see the veto)
POOL_COMPLETE = 2  # the pool always holds the most complete versions (then the closest)
LEDE_MARGIN = 0.05  # _lede differences below this are ties: dev reorderings lead by up to
# 0.47 where the original leads (19 of 30 by 0.05+, none the wrong way by 0.05), light
# replicas with two neighbouring sentences swapped by up to 0.06 (1 of 775 by 0.05+)
COMPLETE_HELD = 0.85  # a shorter version holding this share of the longest one's content
# (verified) is complete too
DAMAGE_BAND = 0.1  # damage differences up to this are noise (scores ~0.1-0.6)
DAMAGE_VETO = 0.35  # with 3+ versions, damage overrules agreement only beyond this
DAMAGE_POOL = 3  # at most this many tied versions are damage-scored (pairwise: costly)


@dataclass(frozen=True)
class ClusterSettings:
    lsh: LshSettings = field(default_factory=LshSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)
    max_candidates: int = 8  # leaders verified per article, best estimated Jaccard first
    complete_share: float = 0.75  # members this complete compete for canonical
    canonical_pool: int = 8  # at most this many of them compete (consensus, then damage)
    max_links: int = 20
    merge_rounds: int = 3  # rounds of offering linked clusters to their union's canonical
    workers: int | None = None  # None: automatic (parallel for large inputs)

    def signature(self) -> str:
        return (f"dn:{__version__}|norm:{'+'.join(STEPS)}+boilerplate+credits+furniture+unwrap|"
                f"sh:stem{STEM_CHARS}-content-{NGRAM}gram|{self.lsh.signature()}|"
                f"verify:{self.verify.signature()}|canon:complete{self.complete_share:g}"
                f"+held{COMPLETE_HELD:g}+damage+merge{self.merge_rounds}")


@dataclass
class ClusterResult:
    records: list[dict[str, object]]  # one per article, input order (the JSONL contract)
    signature: str
    stats: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (not output)
    evidence: Callable[[], list[dict[str, object]]] = field(default=list, repr=False)
    furniture: Callable[[], dict[str, list[dict[str, object]]]] = field(default=dict,
                                                                        repr=False)

    @cached_property
    def boilerplate(self) -> dict[str, list[dict[str, object]]]:
        """Every boilerplate line set aside, by article id (built on first use, like
        :attr:`clusters`: the JSONL output does not read it)."""
        return self.furniture()

    @cached_property
    def clusters(self) -> list[dict[str, object]]:
        """Clusters of two or more, with each member's evidence, by canonical id.  Built on
        first use: for a million articles that is seconds the JSONL output does not need."""
        return self.evidence()


class Match(NamedTuple):
    """A member's verified copy relation to its canonical (a named tuple: one is made for
    every member, ~5x faster than a frozen dataclass)."""

    score: float
    coverage_member: float
    coverage_canonical: float
    sentences: int


@dataclass
class Choice:
    """What the canonical choice of one group measured (kept for explaining it)."""

    canonical: int
    measures: dict[int, tuple[float, float]]  # pool member -> (completeness, agreement)
    damage: dict[int, float]  # finalist -> damage score (when damage had to be read)
    finalists: list[int]
    top_size: int  # content words of the group's longest version
    damage_band: float = 0.1  # damage differences within this were noise for this choice
    complete_share: float = 0.75  # the run's ClusterSettings.complete_share
    centre: bool = False  # the clear centre of 5+ versions: damage could not overrule it
    furniture: dict[int, int] = field(default_factory=dict)  # pool member -> boilerplate lines
    held: dict[int, float] = field(default_factory=dict)  # shorter member -> share of the
    # longest version's content it holds (verified; see COMPLETE_HELD)
    lede: dict[int, float] = field(default_factory=dict)  # pool member -> _lede (when read)
    pool_limit: int = 8  # the run's ClusterSettings.canonical_pool
    faults: dict[int, int] = field(default_factory=dict)  # member -> order_faults (when read)


Known = tuple[int, dict[int, float], bool]  # a tied pool's canonical, damage, centre flag


def _damage_scores(texts: Sequence[str]) -> list[float]:
    """Damage of each version of one story: rule flags plus cross-version evidence."""
    from dedupe_news.damage import version_scores
    return version_scores(texts)


def _score_pools(pools: list[list[str]]) -> list[list[float]]:
    return [_damage_scores(p) for p in pools]


def _id_rank(ids: Sequence[str]) -> np.ndarray:
    """Each article's place in id order (ids are unique): id comparisons as integers."""
    rank = np.empty(len(ids), dtype=np.int64)
    rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids), dtype=np.int64)
    return rank


def _by_completeness(rows: Sequence[int] | np.ndarray, sizes: np.ndarray,
                     rank: np.ndarray) -> np.ndarray:
    """``rows`` sorted most complete (content words) first, then by id."""
    idx = np.asarray(rows, dtype=np.int64)
    return idx[np.lexsort((rank[idx], -sizes[idx]))]


def cluster_articles(articles: Sequence[Article], settings: ClusterSettings | None = None,
                     progress: Callable[[str, int, int], None] | None = None,
                     damage: Callable[[Sequence[str]], list[float]] | None = None,
                     pool: Executor | None = None) -> ClusterResult:
    """Cluster ``articles``; see the module docstring for the stages.

    ``pool``: worker processes from :func:`dedupe_news.features.start_pool` (same
    ``num_perm``/``seed``); without one, large inputs start their own.
    """
    st = settings or ClusterSettings()
    n = len(articles)
    own = pool is None and workers_for(n, st.workers) > 1
    if own:
        pool = start_pool(workers_for(n, st.workers), st.lsh.num_perm, st.lsh.seed)
    try:
        with paused_gc():
            return _cluster(articles, st, progress, damage, pool)
    finally:
        if own and pool is not None:
            pool.shutdown()


def cluster_features(articles: Sequence[Article], feats: Features,
                     settings: ClusterSettings | None = None,
                     progress: Callable[[str, int, int], None] | None = None,
                     damage: Callable[[Sequence[str]], list[float]] | None = None,
                     pool: Executor | None = None,
                     features_seconds: float = 0.0) -> ClusterResult:
    """:func:`cluster_articles` for articles whose features are already computed (e.g. by
    :func:`dedupe_news.features.featurize_jsonl`, same ``num_perm``/``seed``).

    ``articles[i]`` needs ``id`` and ``published``; ``text`` is read only for the members
    that compete to be canonical.
    """
    st = settings or ClusterSettings()
    with paused_gc():
        return _cluster(articles, st, progress, damage, pool, feats, features_seconds)


def _cluster(articles: Sequence[Article], st: ClusterSettings,
             progress: Callable[[str, int, int], None] | None,
             damage: Callable[[Sequence[str]], list[float]] | None,
             pool: Executor | None, feats: Features | None = None,
             features_seconds: float = 0.0) -> ClusterResult:
    """Features -> the in-memory candidate source (the leader loop) -> :class:`ClusterCore`."""
    n = len(articles)
    done = [0]
    t0 = time.perf_counter() - features_seconds

    def tick(k: int) -> None:
        done[0] += k
        if progress:
            progress("features", done[0], n)

    if feats is None:
        feats = featurize([a.text for a in articles], st.lsh.num_perm, st.lsh.seed,
                          st.workers, on_chunk=tick, pool=pool,
                          titles=[getattr(a, "title", None) for a in articles])
    core = ClusterCore(articles, feats, st, damage, pool)
    order = _by_completeness(np.arange(n), feats.sizes, core.rank)
    t1 = time.perf_counter()
    if progress:
        progress("verify", 0, n)
    leader_of, score, cov, npairs, link_rows, link_scores, ncand = candidates_jit.leader_loop(
        order, feats.signatures, feats.shingle_counts, st.lsh.bands, st.lsh.rows,
        st.lsh.min_jaccard, st.max_candidates, feats.u_flat, feats.u_off, feats.doc_units,
        *core.vargs, titles=feats.title_rows())
    for (i, j), s in zip(link_rows.tolist(), link_scores.tolist(), strict=True):
        core.link(i, j, s)
    ncand += _place_pieces(core, leader_of, score, cov, npairs)
    if progress:
        progress("verify", n, n)
    t2 = time.perf_counter()
    feats.signatures = feats.signatures[:0]  # not needed any more: free ~1 GB per 1M
    groups: dict[int, list[int]] = {}
    leads = leader_of.tolist()
    for i in order.tolist():
        lead = leads[i]
        if lead < 0:
            groups[i] = [i]
        else:
            groups[lead].append(i)
    scores, covs, counts = score.tolist(), cov.tolist(), npairs.tolist()
    if progress:
        progress("canonical", 0, len(groups))
    core.add_groups(groups, lambda i: Match(scores[i], covs[i][0], covs[i][1], counts[i]))
    merged = core.merge_linked()
    if progress:
        progress("canonical", len(groups), len(groups))
    t3 = time.perf_counter()
    records = core.records()
    stats = {"articles": n, "candidates": int(ncand), "merged": merged,
             "clusters": sum(1 for matches in core.members.values() if matches),
             "leaders": len(groups)}  # every candidate is verified
    timings = {"features": t1 - t0, "verify": t2 - t1, "canonical": t3 - t2,
               "records": time.perf_counter() - t3}
    return ClusterResult(records, st.signature(), stats, timings, core.clusters,
                         core.boilerplate)


def _place_pieces(core: ClusterCore, leader_of: np.ndarray, score: np.ndarray,
                  cov: np.ndarray, npairs: np.ndarray) -> int:
    """The containment pass (:func:`dedupe_news.candidates.containment_candidates`): an
    article the leader loop left alone (no copy, no member) is verified against the larger
    leaders it shares enough single minima with; a verified copy joins that leader's group
    (updating ``leader_of`` and its evidence in place), other relations become links.  A
    leader that takes a piece keeps its place, and a piece never takes one: no chaining.
    Returns the verifications made."""
    feats = core.feats
    is_leader = leader_of < 0
    has_members = np.zeros(len(leader_of), dtype=np.bool_)
    has_members[leader_of[~is_leader]] = True
    leaders = np.flatnonzero(is_leader)
    alone = np.flatnonzero(is_leader & ~has_members)
    pairs = containment_candidates(feats.signatures, feats.shingle_counts, alone, leaders)
    if len(pairs) == 0:
        return 0
    rel, sc, cv, npr, _f = _verify_pairs([tuple(p) for p in pairs.tolist()], feats, core.vargs)
    joined: dict[int, int] = {}
    targets: set[int] = set()
    for k, (a, b) in enumerate(pairs.tolist()):
        r = int(rel[k])
        if r == verify_jit.COPY:
            if a in joined or a in targets or b in joined:
                continue
            joined[a] = b
            targets.add(b)
            leader_of[a] = b
            score[a] = sc[k]
            cov[a, 0], cov[a, 1] = cv[k, 0], cv[k, 1]
            npairs[a] = npr[k]
        elif r != verify_jit.NONE:
            core.link(a, b, float(sc[k]))
    return len(pairs)


class ClusterCore:
    """The clustering core: candidate groups and links in; verified relations, the canonical
    choice and the records out; all state in this one object.

    A *candidate source* proposes groups - a leader and the articles verified as its copies
    (with their :class:`Match` evidence) - and ``partial`` / containment links; today that
    is the in-memory band table and leader loop (:func:`_cluster`), and an SQLite or Redis
    index or a Spark partition can feed the same core and so take the same decisions.  The
    core then chooses each group's canonical (:func:`_choose_canonicals`), re-verifies the
    members against it (splitting off the ones that are not its copies and grouping them
    again), offers linked clusters to the canonical of their union (:meth:`merge_linked`),
    and writes one record per article.  Membership always means a verified copy of the
    canonical itself: no chaining.
    """

    def __init__(self, articles: Sequence[Article], feats: Features, settings: ClusterSettings,
                 damage: Callable[[Sequence[str]], list[float]] | None = None,
                 executor: Executor | None = None) -> None:
        self.articles = articles
        self.feats = feats
        self.st = settings
        self.damage = damage
        self.executor = executor
        self.ids: list[str] = list(getattr(articles, "ids", None) or [a.id for a in articles])
        self.rank = _id_rank(self.ids)
        self.vargs = settings.verify.args()
        self.links: dict[int, dict[int, float]] = {}  # article -> linked article -> score
        self.assignment: dict[int, tuple[int, float | None]] = {}  # -> (canonical, score)
        self.members: dict[int, dict[int, Match]] = {}  # canonical -> its verified copies
        # tied finalists -> their canonical and damage scores (damage scoring is costly)
        self.known: dict[tuple[int, ...], Known] = {}
        self.choices: dict[int, Choice] = {}  # canonical -> what its choice measured
        self.read = ReadOnce()  # tie-breaks read (settle and the merge pass choose again)
        self._sizes = feats.sizes.copy()

    def link(self, i: int, j: int, s: float) -> None:
        """Record a non-copy relation (partial or containment) between two articles."""
        self.links.setdefault(i, {})[j] = s
        self.links.setdefault(j, {})[i] = s

    def add_groups(self, groups: dict[int, list[int]],
                   leader_match: Callable[[int], Match]) -> None:
        """Settle the candidate source's groups (leader -> its members, leader first);
        ``leader_match(m)`` is member m's evidence against its leader."""
        self.settle([(lead, group) for lead, group in groups.items()], leader_match)

    def settle(self, pending: list[tuple[int, list[int]]],
               leader_match: Callable[[int], Match] | None = None) -> None:
        """Choose each group's canonical and keep the members verified as copies of it;
        the others are grouped again until every group is settled.  A group's first element
        is its leader (-1: none) whose evidence ``leader_match`` gives."""
        while pending:
            hints = held = None
            evidence: dict[int, Match] = {}
            if leader_match is not None:  # closeness to the leader orders the pools
                evidence = {m: leader_match(m) for lead, group in pending for m in group
                            if m != lead}
                hints = [{m: (2.0 if m == lead else evidence[m].score) for m in group}
                         for lead, group in pending]
                # the leader is the longest: what each member holds of it is measured
                held = [{m: evidence[m].coverage_canonical for m in group if m != lead}
                        if _longest(group, self.feats, self.rank) == lead else None
                        for lead, group in pending]
            made = Verified(len(self.ids))
            canons = _choose_canonicals([m for _, m in pending], self.articles, self.feats,
                                        self.rank, self.st, self.damage, self.executor,
                                        self.known, self.choices, hints, held,
                                        self.read, made)
            again: list[tuple[int, list[int]]] = []
            # every member re-verified against a new canonical, in one compiled call (the
            # pairs the consensus verified are read from it)
            checks = [(m, canon) for (lead, group), canon in zip(pending, canons, strict=True)
                      if canon != lead or leader_match is None for m in group if m != canon]
            verdicts = _verdicts(checks, self.feats, self.vargs, made)
            for (lead, group), canon in zip(pending, canons, strict=True):
                self.assignment[canon] = (canon, None)
                self.members[canon] = {}
                others = [m for m in group if m != canon]
                if not others:
                    continue
                if canon == lead and leader_match is not None:
                    matches = {m: evidence[m] for m in others}
                    rest: list[int] = []
                else:
                    matches, rest = _reverify(others, canon, verdicts, self.link)
                for m, mt in matches.items():
                    self.assignment[m] = (canon, mt.score)
                self.members[canon] = matches
                if rest:
                    again.append((-1, rest))
            pending = again
            leader_match = None

    def merge_linked(self) -> int:
        """Offer two clusters joined by a ``partial`` link to the canonical of their union.

        The leader loop compares an article with cluster *leaders* only, and the leader is
        often not the canonical chosen later (the longest version leads; a round-trip
        translation is usually longer than its original).  So an original can be turned away
        by its own copy's leader - e.g. a glued round trip it only partly matches - while the
        other copies gather under a canonical it was never compared with.  For every pair of
        clusters with a ``partial`` link between their members, the canonical of their union
        is chosen as in step 4, and every member not yet verified against it is; when more
        articles are verified copies of it than are in its cluster now, it takes them, and the
        rest are clustered again (step 4).  Part of a cluster is taken only by a canonical less
        damaged than the cluster's own.  The ``MERGE_PROBE`` most complete candidates are
        verified first; when none of them is a copy, the others are not tried.  Never chaining:
        membership still means a verified copy of the canonical.  Up to ``st.merge_rounds``
        rounds; returns the merges made.
        """
        members, assignment, links, link = self.members, self.assignment, self.links, self.link
        articles, feats, rank, st = self.articles, self.feats, self.rank, self.st
        damage, vargs = self.damage, self.vargs
        merged = 0
        fresh: set[int] | None = None  # clusters made in the last round (None: all are new)
        for _ in range(st.merge_rounds):
            pairs: set[tuple[int, int]] = set()
            for i, near in links.items():
                ci = assignment[i][0]
                for j in near:
                    cj = assignment[j][0]
                    if ci != cj and (fresh is None or ci in fresh or cj in fresh):
                        pairs.add((ci, cj) if rank[ci] < rank[cj] else (cj, ci))
            todo = sorted(pairs, key=lambda t: (rank[t[0]], rank[t[1]]))
            unions = [[a, *members[a], b, *members[b]] for a, b in todo]
            canons = _choose_canonicals(unions, articles, feats, rank, st, damage, self.executor,
                                        self.known, self.choices, read=self.read)
            # the verdicts and damage scores the loop below will most likely ask for, made
            # ahead all at once (both depend on their pair only: the loop reads the same
            # values, and makes any it lacks as before)
            ahead, ahead_damage = self._look_ahead(todo, unions, canons)
            touched: set[int] = set()
            fresh = set()
            for (ca, cb), union, canon in zip(todo, unions, canons, strict=True):
                if ca in touched or cb in touched:
                    continue
                others = self._others(union, canon)
                # the most complete few first: when none of them is a copy of the canonical,
                # the rest are not verified (bounded cost when two big clusters are linked)
                matches = _copies_of(canon, others[:MERGE_PROBE], feats, vargs, link, ahead)
                if not matches:
                    continue
                matches.update(_copies_of(canon, others[MERGE_PROBE:], feats, vargs, link,
                                          ahead))
                for old in (ca, cb):
                    group = [old, *members[old]]
                    moving = [m for m in group if m in matches]
                    if old == canon or not moving or len(moving) == len(group):
                        continue
                    # taking part of a cluster breaks it up: only for a canonical that is less
                    # damaged than the cluster's own (an original, not a same-story neighbour)
                    scores = ahead_damage.get((canon, old)) or (damage or _damage_scores)(
                        [articles[canon].text, articles[old].text])
                    if round(scores[0], 2) >= round(scores[1], 2):
                        for m in moving:
                            del matches[m]
                now = assignment[canon][0]
                size_now = 1 + len(members[now])
                if canon == now:
                    matches.update(members[canon])
                if 1 + len(matches) <= size_now:
                    continue
                touched.update((ca, cb))
                merged += 1
                del members[ca], members[cb]
                members[canon] = matches
                assignment[canon] = (canon, None)
                for m, mt in matches.items():
                    assignment[m] = (canon, mt.score)
                left = [m for m in union if m != canon and m not in matches]
                if left:
                    self.settle([(-1, left)])
                made = {canon, *(assignment[m][0] for m in left)}
                touched.update(made)
                fresh.update(made)
            if not fresh:
                break
        return merged

    def _others(self, union: list[int], canon: int) -> list[int]:
        """The members of ``union`` not yet in ``canon``'s cluster, most complete first."""
        assignment = self.assignment
        return _by_completeness([m for m in union if m != canon and assignment[m][0] != canon],
                                self.feats.sizes, self.rank).tolist()

    def _look_ahead(self, todo: list[tuple[int, int]], unions: list[list[int]],
                    canons: list[int]
                    ) -> tuple[dict[tuple[int, int], Verdict], dict[tuple[int, int], list[float]]]:
        """For :meth:`merge_linked`'s loop, as if no union changed another: the verdicts it
        reads (each union's ``MERGE_PROBE`` most complete members against its canonical,
        then the rest of the unions where one of those is a copy - the loop's own bound),
        in two parallel calls; and, with worker processes, the damage scores of each
        (canonical, cluster) pair the loop would then score, in the workers (the loop
        scored them one by one in this process: ~3 ms a pair, ~0.5 s on the light corpus at
        100k).  Pure functions of their pairs: a union the loop meets in another state reads
        what still applies and makes the rest."""
        members, feats = self.members, self.feats
        plans = [self._others(union, canon) for union, canon in zip(unions, canons, strict=True)]
        ahead = _verdicts(list(dict.fromkeys(
            (m, canon) for others, canon in zip(plans, canons, strict=True)
            for m in others[:MERGE_PROBE])), feats, self.vargs)
        hit = [any(ahead[(m, canon)][0] == verify_jit.COPY for m in others[:MERGE_PROBE])
               for others, canon in zip(plans, canons, strict=True)]
        ahead.update(_verdicts(list(dict.fromkeys(
            (m, canon) for others, canon, h in zip(plans, canons, hit, strict=True) if h
            for m in others[MERGE_PROBE:] if (m, canon) not in ahead)), feats, self.vargs))
        if self.damage is not None or self.executor is None:
            return ahead, {}
        want: list[tuple[int, int]] = []
        for (ca, cb), others, canon, h in zip(todo, plans, canons, hit, strict=True):
            if not h:
                continue
            copies = {m for m in others if ahead[(m, canon)][0] == verify_jit.COPY}
            for old in (ca, cb):
                group = [old, *members[old]]
                moving = sum(m in copies for m in group)
                if old != canon and 0 < moving < len(group):
                    want.append((canon, old))
        want = list(dict.fromkeys(want))
        if len(want) < 2:
            return ahead, {}
        texts = [[self.articles[c].text, self.articles[o].text] for c, o in want]
        step = max(1, len(texts) // 16)
        batches = [texts[i:i + step] for i in range(0, len(texts), step)]
        scored = [r for batch in self.executor.map(_score_pools, batches) for r in batch]
        return ahead, dict(zip(want, scored, strict=True))

    def records(self) -> list[dict[str, object]]:
        """One record per article, in input order (the JSONL contract)."""
        ids, assignment, links, st = self.ids, self.assignment, self.links, self.st
        relation_of = _link_relations(links, assignment, self.feats, self.vargs)
        self.feats.u_flat = self.feats.u_flat[:0]  # verification is done
        self.feats.u_off = self.feats.u_off[:1]
        records = []
        for i, aid in enumerate(ids):
            canon, sim = assignment[i]
            lk: list[dict[str, object]] = []
            if i in links:
                near = sorted(((j, s) for j, s in links[i].items()
                               if assignment[j][0] != canon), key=lambda t: (-t[1], ids[t[0]]))
                named = ((j, s, relation_of(i, j)) for j, s in near[: st.max_links])
                lk = [{"id": ids[j], "relation": r, "score": round(s, 4)}
                      for j, s, r in named if r is not None]
            if canon == i:
                records.append({"id": aid, "cluster": aid, "canonical": True,
                                "duplicate_of": None,
                                "similarity": None if sim is None else round(sim, 4),
                                "relation": None, "links": lk})
            else:
                cid = ids[canon]
                records.append({"id": aid, "cluster": cid, "canonical": False,
                                "duplicate_of": cid,
                                "similarity": None if sim is None else round(sim, 4),
                                "relation": "copy", "links": lk})
        return records

    def clusters(self) -> list[dict[str, object]]:
        """Clusters of two or more, with each member's evidence and the canonical's reasons,
        by canonical id."""
        return sorted((_cluster_record(canon, matches, self.ids, self.choices.get(canon),
                                       self._sizes, self.articles)
                       for canon, matches in self.members.items() if matches),
                      key=lambda c: str(c["canonical"]))

    def boilerplate(self) -> dict[str, list[dict[str, object]]]:
        """Every boilerplate line set aside, by article id."""
        return {self.ids[i]: [b.to_dict() for b in bp]
                for i, bp in self.feats.boilerplate.found()}


def _link_relations(links: dict[int, dict[int, float]],
                    assignment: dict[int, tuple[int, float | None]], feats: Features,
                    vargs: tuple[object, ...]) -> Callable[[int, int], str | None]:
    """The relation of every shown link (articles in different clusters), read from the
    side of its first article: ``partial``, ``contains`` or ``contained_in`` (the relation
    model, :mod:`dedupe_news.verify`, on the pair itself); None for a pair the model calls
    a copy (a copy of a leader it did not join, left in another cluster when the merge pass
    found it no copy of that cluster's canonical): not shown, since a link is never a copy
    and membership is verified against the canonical only."""
    pairs = sorted({(min(i, j), max(i, j)) for i, near in links.items() for j in near
                    if assignment[i][0] != assignment[j][0]})
    names: dict[tuple[int, int], str | None] = {}
    if pairs:
        rel = _verify_pairs(pairs, feats, vargs)[0].tolist()
        for (i, j), r in zip(pairs, rel, strict=True):
            if r == verify_jit.COPY:
                names[(i, j)] = names[(j, i)] = None
                continue
            name = RELATION_NAMES[r] or "partial"
            names[(i, j)] = name
            names[(j, i)] = MIRROR[name]
    return lambda i, j: names.get((i, j), "partial")


def _verify_pairs(checks: Sequence[tuple[int, int]] | np.ndarray, feats: Features,
                  vargs: tuple[object, ...]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`verify_jit.compare_many` over (member, canonical) rows: relation, score,
    coverages, matched pairs, faithful coverages."""
    return verify_jit.compare_many(np.array(checks, dtype=np.int64).reshape(-1, 2),
                                feats.u_flat, feats.u_off, feats.doc_units, *vargs,
                                feats.title_rows())


Verdict = tuple[int, float, float, float, int]  # relation, score, coverages, matched pairs


def _verdicts(checks: Sequence[tuple[int, int]], feats: Features, vargs: tuple[object, ...],
              made: Verified | None = None) -> dict[tuple[int, int], Verdict]:
    """:func:`_verify_pairs` as a mapping from each (A, B) row to its verdict; the rows
    ``made`` holds (either way round) are read from it, not verified again."""
    if not checks:
        return {}
    out = made.read(checks) if made is not None else {}
    todo = [c for c in checks if c not in out] if out else checks
    if todo:
        rel, score, cov, npairs, _faithful = _verify_pairs(todo, feats, vargs)
        out.update(zip(todo, zip(rel.tolist(), score.tolist(), cov[:, 0].tolist(),
                                 cov[:, 1].tolist(), npairs.tolist(), strict=True),
                       strict=True))
    return out


# each relation code's mirror (verify.MIRROR, by code: index = code)
_CODE = {name: code for code, name in RELATION_NAMES.items()}
_MIRROR_REL = np.array([_CODE[MIRROR[RELATION_NAMES[c]]] for c in range(len(RELATION_NAMES))],
                       dtype=np.int64)


class Verified:
    """Verdicts made in one step of the canonical choice, as (A, B) rows with A < B: the
    consensus verifies each pair once, and the re-verification of a group's members against
    its new canonical reads the ones it holds instead of verifying them again (~40% of
    them on noisy replicas).  (B, A) is read as the same verdict seen from the other side:
    the relation mirrored, the coverages swapped, score and matched pairs the same - the
    verifier is symmetric (tests/test_kernels.py); tests/test_cluster.py holds the reads
    equal to fresh verifications.  Arrays, not a dict: ~50 bytes a pair."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.keys = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros((0, 5), dtype=np.float64)  # relation, score, cov A, cov B, pairs

    def add(self, checks: Sequence[tuple[int, int]] | np.ndarray, rel: np.ndarray,
            score: np.ndarray, cov: np.ndarray, npairs: np.ndarray) -> None:
        """Keep the verdicts of ``checks`` (rows with A < B) with those held."""
        arr = np.asarray(checks, dtype=np.int64).reshape(-1, 2)
        keys = np.concatenate([self.keys, arr[:, 0] * self.n + arr[:, 1]])
        rows = np.concatenate([self.rows, np.column_stack(
            [rel, score, cov[:, 0], cov[:, 1], npairs]).astype(np.float64)])
        order = np.argsort(keys, kind="stable")
        self.keys, self.rows = keys[order], rows[order]

    def read(self, checks: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Verdict]:
        """The verdicts held for the rows of ``checks`` (either way round)."""
        if not len(self.keys) or not checks:
            return {}
        arr = np.asarray(checks, dtype=np.int64).reshape(-1, 2)
        lo, hi = arr.min(axis=1), arr.max(axis=1)
        keys = lo * self.n + hi
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = np.flatnonzero(self.keys[at] == keys)
        if not len(hit):
            return {}
        rows = self.rows[at[hit]]
        swap = arr[hit, 0] > arr[hit, 1]  # read from B's side
        rel = rows[:, 0].astype(np.int64)
        rel = np.where(swap, _MIRROR_REL[rel], rel)
        cov_a = np.where(swap, rows[:, 3], rows[:, 2])
        cov_b = np.where(swap, rows[:, 2], rows[:, 3])
        return dict(zip([checks[k] for k in hit.tolist()],
                        zip(rel.tolist(), rows[:, 1].tolist(), cov_a.tolist(), cov_b.tolist(),
                            rows[:, 4].astype(np.int64).tolist(), strict=True), strict=True))


def _copies_of(canon: int, candidates: list[int], feats: Features, vargs: tuple[object, ...],
               link: Callable[[int, int, float], None],
               ahead: dict[tuple[int, int], Verdict] | None = None) -> dict[int, Match]:
    """The ``candidates`` verified as copies of ``canon`` (``partial`` ones are linked);
    ``ahead``: verdicts made before (the others are made now and added to it)."""
    if not candidates:
        return {}
    known = {} if ahead is None else ahead
    known.update(_verdicts([(m, canon) for m in candidates if (m, canon) not in known],
                           feats, vargs))
    return _reverify(candidates, canon, known, link)[0]


def _reverify(others: list[int], canon: int, verdicts: dict[tuple[int, int], Verdict],
              link: Callable[[int, int, float], None]) -> tuple[dict[int, Match], list[int]]:
    """Members verified as copies of ``canon`` (with evidence), and the ones that are not
    (``partial`` and containment ones are linked); ``verdicts``: :func:`_verdicts` of every
    (member, ``canon``) pair."""
    matches: dict[int, Match] = {}
    rest: list[int] = []
    for m in others:
        rel, score, cov_a, cov_b, npairs = verdicts[(m, canon)]
        if rel == verify_jit.COPY:
            matches[m] = Match(score, cov_a, cov_b, npairs)
        else:
            rest.append(m)
            if rel != verify_jit.NONE:  # partial or containment: a link
                link(m, canon, score)
    return matches, rest


def is_complete(size: int, top: int, share: float, held: float = 0.0) -> bool:
    """A version of ``size`` content words competes for canonical against a longest one of
    ``top``: ``share`` (``complete_share``) as long, or holding ``COMPLETE_HELD`` of its
    content (``held``, verified).  The one definition ``cluster`` and the filter read."""
    return size >= share * top or held >= COMPLETE_HELD


def _longest(group: list[int], feats: Features, rank: np.ndarray) -> int:
    """The most complete member (content words, then the id order)."""
    return int(_by_completeness(group, feats.sizes, rank)[0])


def _held(groups: list[list[int]], given: list[dict[int, float] | None], feats: Features,
          rank: np.ndarray, st: ClusterSettings) -> list[dict[int, float]]:
    """For each group, the share of its longest member's content that each member shorter
    than ``complete_share`` of it holds (verified; ``given`` where already measured)."""
    out: list[dict[int, float]] = []
    checks: list[tuple[int, int]] = []
    waiting: list[tuple[dict[int, float], int]] = []  # (row, member) for each of checks
    for g, have in zip(groups, given, strict=True):
        row: dict[int, float] = {}
        out.append(row)
        if len(g) < 2:
            continue
        sizes = feats.sizes[np.asarray(g, dtype=np.int64)]
        top = int(sizes.max())
        short = [m for m, x in zip(g, sizes.tolist(), strict=True)
                 if not is_complete(x, top, st.complete_share)]
        if not short:
            continue
        if have is not None:
            row.update({m: have.get(m, 0.0) for m in short})
        else:
            top = _longest(g, feats, rank)
            checks.extend((m, top) for m in short)
            waiting.extend((row, m) for m in short)
    if checks:
        cov = _verify_pairs(checks, feats, st.verify.args())[2]
        for (row, m), held in zip(waiting, cov[:, 1].tolist(), strict=True):
            row[m] = held
    return out


def _pool(group: list[int], feats: Features, rank: np.ndarray, st: ClusterSettings,
          hint: dict[int, float] | None = None, held: dict[int, float] | None = None
          ) -> list[int]:
    """The members that compete to be canonical: complete ones (``complete_share`` of the
    longest, or holding ``COMPLETE_HELD`` of its content by ``held``), at most
    ``canonical_pool``.  With ``hint`` (each member's verification score
    against the group's leader, the leader itself first) the closest to the leader go
    first: among noisy replicas the original is the one closest to every other version, so
    it is in the pool however its length ranks.  The ``POOL_COMPLETE`` most complete are
    always in: among a hundred wire edits each missing a paragraph, the complete original is
    rarely the closest to the longest edit (the leader).  Without hints, the most complete
    first."""
    g = np.asarray(group, dtype=np.int64)
    sizes = feats.sizes[g]
    top = int(sizes.max())
    held = held or {}
    ok = np.array([is_complete(x, top, st.complete_share, held.get(m, 0.0))
                   for m, x in zip(group, sizes.tolist(), strict=True)], dtype=np.bool_)
    complete = _by_completeness(g[ok], feats.sizes, rank).tolist()
    if hint:  # the most complete stay in (completeness comes first), then the closest
        head = complete[:POOL_COMPLETE]
        rest = sorted(complete[POOL_COMPLETE:], key=lambda m: -hint.get(m, 0.0))  # stable
        complete = head + rest
    return complete[: st.canonical_pool]


def _references(group: list[int], pool: list[int], feats: Features, rank: np.ndarray
                ) -> list[int]:
    """The members the pool is measured against: the pool, then the most complete others
    (at most ``CONSENSUS_REFS``; a deterministic choice, so the result does not depend on
    input order)."""
    rest = [m for m in _by_completeness(group, feats.sizes, rank).tolist() if m not in pool]
    return (pool + rest)[:max(CONSENSUS_REFS, len(pool))]


def _consensus(pools: list[list[int]], refs: list[list[int]], feats: Features,
               vargs: tuple[object, ...], made: Verified | None = None
               ) -> tuple[list[list[tuple[float, float]]], list[dict[tuple[int, int], float]]]:
    """For each pool member: (completeness, agreement) against its references; and for each
    pool, the verification score of every (member, reference) pair measured.

    completeness = mean share of each other reference's content words that align with the
    member in recognisable wording (content the member holds; faithful coverage, anchored
    units aside); agreement = mean verification score.  One compiled
    call for every pool.  (Array code: one grid of (pool, member, reference) cells for all
    pools instead of a loop over the ~30 cells of each; tests/test_relation_model.py holds
    it equal to the loop, bit for bit.)
    """
    if not pools:
        return [], []
    width = max(max(len(p) for p in pools), max(len(r) for r in refs))
    npool = len(pools)
    pgrid = np.full((npool, width), -1, dtype=np.int64)
    rgrid = np.full((npool, width), -1, dtype=np.int64)
    for g, (p, rs) in enumerate(zip(pools, refs, strict=True)):
        pgrid[g, :len(p)] = p
        rgrid[g, :len(rs)] = rs
    c = np.broadcast_to(pgrid[:, :, None], (npool, width, width))
    r = np.broadcast_to(rgrid[:, None, :], (npool, width, width))
    valid = (c >= 0) & (r >= 0) & (c != r)  # the cells, in the loop order (pool, member, ref)
    cv, rv = c[valid], r[valid]
    if not len(cv):
        return [[(1.0, 1.0)] * len(p) for p in pools], [{} for _ in pools]
    # the verifier is symmetric (A, B) <-> (B, A), so each pair is verified once: the pool
    # members are each other's references, and half the checks were the same pair twice
    lo, hi = np.minimum(cv, rv), np.maximum(cv, rv)
    n = max(int(hi.max()) + 1, 1)
    keys, inv = np.unique(lo * n + hi, return_inverse=True)
    checks = np.column_stack([keys // n, keys % n])  # (A, B) rows, A < B
    # completeness reads the faithful coverage: a sentence MT garbled past the threshold
    # (aligned by its anchors) tells one source, not that the version holds that content
    rel, score, cov_all, npairs, cov = _verify_pairs(checks, feats, vargs)
    if made is not None:
        made.add(checks, rel, score, cov_all, npairs)
    got = score[inv]
    # the reference's side of each check: A (column 0) when it is the smaller number
    held = np.where(rv < cv, cov[inv, 0], cov[inv, 1])
    # means in the loop's order, added one reference at a time as sum() does (a grid cell
    # without a reference adds 0.0, which changes no sum of scores >= 0)
    gsum = np.zeros((npool, width, width), dtype=np.float64)
    hsum = np.zeros((npool, width, width), dtype=np.float64)
    gsum[valid] = got
    hsum[valid] = held
    agree = gsum[:, :, 0].copy()
    compl = hsum[:, :, 0].copy()
    for j in range(1, width):
        agree += gsum[:, :, j]
        compl += hsum[:, :, j]
    count = valid.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree = (agree / count).tolist()
        compl = (compl / count).tolist()
    counts = count.tolist()
    cells = list(zip(cv.tolist(), rv.tolist(), strict=True))
    values = got.tolist()
    out: list[list[tuple[float, float]]] = []
    pairs: list[dict[tuple[int, int], float]] = []
    at = 0
    for g, p in enumerate(pools):
        start = at
        row = []
        for k in range(len(p)):
            m = counts[g][k]
            if not m:
                row.append((1.0, 1.0))
            elif m < 8:
                row.append((compl[g][k], agree[g][k]))
            else:  # (a pool wider than the default: numpy's mean, as _mean takes it)
                held_k = held[at: at + m].tolist()
                row.append((_mean(held_k), _mean(values[at: at + m])))
            at += m
        out.append(row)
        pairs.append(dict(zip(cells[start:at], values[start:at], strict=True)))
    return out, pairs


def _mean(xs: list[float]) -> float:
    """``float(numpy.mean(xs))``, bit for bit: up to 7 values numpy adds them in order, as
    ``sum`` does (a test holds the two equal); from 8 on it pairs them, and numpy is asked.
    (The consensus means are of 7 references at most: numpy cost ~5 us a call.)"""
    return sum(xs) / len(xs) if len(xs) < 8 else float(np.mean(xs))


def _lede(m: int, feats: Features) -> float:
    """How much version ``m`` puts first what a news lede holds (the inverted pyramid): per
    sentence unit, the share of the title's stems in it plus the share of its stems that
    recur in another unit, averaged with weight 1/(position+1).  Read only where
    completeness and agreement tie exactly, e.g. one text in two paragraph orders: the
    original opens with its lede, a reordering usually does not.  (Set on the dev
    relation set's ``reorder`` kind: the title part alone picks the original in 24 of 30,
    the recurring part alone 20, both 26; weights 1/(p+1)^0.5 and ^2 did no better.)"""
    a, b = int(feats.doc_units[m]), int(feats.doc_units[m + 1])
    if b - a < 2:
        return 0.0
    off = feats.u_off[a:b + 1]
    row = feats.title_rows()[m]
    # (tests/test_relation_model.py holds the kernel equal to its numpy definition)
    x = canonical_jit.lede_shares(feats.u_flat[off[0]:off[-1]], off, row[row != 0])
    has = np.diff(off) > 0
    w = np.where(has, 1.0 / np.arange(1, b - a + 1), 0.0)
    weight = float(w.sum())
    return float((w * x).sum()) / weight if weight else 0.0


_LETTER = re.compile(r"[^\W\d_]")
# a word (letters, joined by - or ') whose first letter is not a-z and second not A-Z: every
# capitalised word, and in other scripts every word (:func:`_titled` decides).  The first
# character is looked for first (a letter A-Z or past U+00BF: none in between is upper
# case), then what precedes it (tests hold it equal to the plain form with the look-behinds
# first, tests/test_relation_model.py)
_CAPITALISED = re.compile("[A-Z\u00c0-\U0010ffff]"
                          r"(?<=[^\W\d_])(?<![^\W\d_].)(?<![^\W\d_][-'].)"
                          r"[^\W\d_A-Z][^\W\d_]*(?:[-'][^\W\d_]+)*")
_ACRONYM_DEFINED = re.compile(r"\(([A-Z]{2,8})\)")
_NAME_RARE_ZIPF = 4.0  # a surname: rarer than this as an English word ("Blunkett", not "Award")
_FIRST_NOT_ZIPF = 5.5  # ... after a capitalised word rarer than this ("The", "But" are
# frequent; "David" is Zipf 5.1)


def order_faults(text: str) -> int:
    """Signs that ``text`` tells its story out of order, where an editor writes it in order:
    a person named by surname before the full name is given ("Mr Blunkett" before "David
    Blunkett"; a surname here is a capitalised word rarer than Zipf 4 as an English word,
    after a capitalised word under Zipf 5.5), and an acronym used before it is spelled out
    ("the CBI" before "Confederation of British Industry (CBI)"), counted once per name;
    and an opening paragraph that refers back ("also", "another", "again"), or opens with a
    pronoun or a connective ("He", "This", "But", "However", ...: 12 of the 2,225 BBC
    articles' openings, ~1,000 of their later paragraphs; with two random paragraph swaps
    of 600 of them, the original then has fewer faults in 255, the reordering in 12, where
    it was 245 and 15 before).
    Read only for versions tied on everything before it, e.g. one text in two paragraph
    orders.  (On the relation sets' ``reorder`` kind, dev and test, the original has fewer
    faults in 32 of 60 pairs, the reordering in none; on 600 BBC articles each with two
    random paragraph swaps, the original in 217, the reordering in 13: a journalist may use
    an acronym in the lede and spell it out later.)"""
    zipf = word_zipf()
    # capitalised words only (the plain definition reads every word: tests/test_relation_model
    # holds the two equal); a word's predecessor is a capitalised word exactly when no letter
    # lies between them
    caps: list[tuple[int, str]] = []
    for m in _CAPITALISED.finditer(text):
        w = m.group()
        if w[0].isupper() and w[1].islower():  # (= _titled(w): a match has two letters)
            caps.append((m.start(), w))
    full: dict[str, int] = {}
    for (start, first), (pos, last) in itertools.pairwise(caps):
        if pos == start + len(first) + 1 and first not in HONORIFICS and last not in full \
                and zipf.get(first.lower(), 0.0) < _FIRST_NOT_ZIPF \
                and zipf.get(last.lower(), 0.0) < _NAME_RARE_ZIPF:
            full[last] = pos
    faults = 0
    if full:
        seen: set[str] = set()
        prev, prev_end = "", 0
        for pos, w in caps:
            at = full.get(w)
            if at is not None and pos < at and w not in seen and (
                    not prev or prev in HONORIFICS
                    or _LETTER.search(text, prev_end, pos) is not None):
                faults += 1
                seen.add(w)
            prev, prev_end = w, pos + len(w)
    for m in _ACRONYM_DEFINED.finditer(text):
        first = re.search(rf"\b{m.group(1)}\b", text)
        if first is not None and first.start() < m.start():
            faults += 1
    opening = text.lstrip().split("\n", 1)[0]
    if _REFERS_BACK.search(opening) or _OPENS_BACK.match(opening):
        faults += 1
    return faults


_REFERS_BACK = re.compile(r"\b(?:also|another|again)\b", re.I)
# the opening's first word (not inside a quotation: a lede may open by quoting someone)
# (in any case: a copy that shouts "HE said" opens as the original does)
_OPENS_BACK = re.compile(r"[^\w\"'\u2018\u201c]*(?:he|she|they|it|its|his|her|their|this|these|"
                         r"those|such|but|however|and|meanwhile|still|yet|instead)\b", re.I)


def _titled(w: str) -> bool:
    return w[:1].isupper() and w[1:2].islower()


def _pick(pool: list[int], head: Callable[[int], tuple[object, ...]],
          tail: Callable[[int], tuple[object, ...]], lede: Callable[[int], float],
          faults: Callable[[int], int]) -> int:
    """The first of ``pool`` by ``head``; among those tied on it, the fewest
    :func:`order_faults` (hard evidence of a reordering), then the one that opens with its
    lede (:func:`_lede`: within ``LEDE_MARGIN`` of the best it ties), then by ``tail``.
    Both are read for the tied versions only."""
    heads = {m: head(m) for m in pool}
    best = min(heads.values())
    tied = [m for m in pool if heads[m] == best]
    if len(tied) == 1:
        return tied[0]
    least = min(faults(m) for m in tied)
    tied = [m for m in tied if faults(m) == least]
    if len(tied) == 1:
        return tied[0]
    ledes = {m: lede(m) for m in tied}
    top = max(ledes.values())
    return min(tied, key=lambda m: (ledes[m] < top - LEDE_MARGIN, tail(m)))


def _by_agreement(pool: list[int], agree: dict[int, float],
                  tie: dict[int, tuple[int, float]], articles: Sequence[Article],
                  lede: Callable[[int], float], faults: Callable[[int], int]) -> int:
    """The most agreed-with of ``pool``; within ``AGREEMENT_TIE`` the ``tie`` order (fewer
    site-furniture lines, then more complete), the order faults, the lede, the earliest
    published, the id (the rule without damage)."""
    top = max(agree[m] for m in pool)
    return _pick(pool, lambda m: (agree[m] < top - AGREEMENT_TIE, tie[m], -agree[m]),
                 lambda m: (articles[m].published is None, articles[m].published or "",
                            articles[m].id), lede, faults)


def _twins(pair: dict[tuple[int, int], float], a: int, b: int) -> bool:
    """Near-identical (``TWIN``) by the verification scores measured, either way round."""
    return max(pair.get((a, b), 0.0), pair.get((b, a), 0.0)) >= TWIN


def _damage_pool(order: list[int], pair: dict[tuple[int, int], float], n: int) -> list[int]:
    """The first ``n`` of ``order``, plus, when they are all near-identical (``TWIN``) to the
    first, the first one that is not: one text republished several times must not fill the
    damage pool and shut the original out."""
    out = order[:n]
    if len(out) > 1 and all(_twins(pair, out[0], m) for m in out[1:]):
        out += [m for m in order[n:] if not _twins(pair, out[0], m)][:1]
    return out


def _finalists(pool: list[int], measures: list[tuple[float, float]]) -> list[int]:
    """The pool members whose completeness is within ``COMPLETENESS_BAND`` of the best
    (the same content, up to noise)."""
    top = max(c for c, _ in measures)
    return [m for m, (c, _) in zip(pool, measures, strict=True)
            if c >= top - COMPLETENESS_BAND]


@dataclass
class ReadOnce:
    """An article's own tie-break measures (:func:`_lede`, :func:`order_faults`), kept for
    the run: they depend on the article alone, and a group is chosen again when members
    split off or clusters merge."""

    ledes: dict[int, float] = field(default_factory=dict)
    faults: dict[int, int] = field(default_factory=dict)


def _choose_canonicals(groups: list[list[int]], articles: Sequence[Article], feats: Features,
                       rank: np.ndarray, st: ClusterSettings,
                       damage: Callable[[Sequence[str]], list[float]] | None,
                       executor: Executor | None,
                       known: dict[tuple[int, ...], Known] | None = None,
                       choices: dict[int, Choice] | None = None,
                       hints: list[dict[int, float] | None] | None = None,
                       held: list[dict[int, float] | None] | None = None,
                       read: ReadOnce | None = None, made: Verified | None = None
                       ) -> list[int]:
    """The canonical member of each group (see the module docstring).

    ``known``: canonicals (and damage scores) of tied finalist sets scored before (the
    choice among them depends on them only); updated with the new ones.  ``choices``:
    filled with what was measured, by canonical (for :func:`explain_choice`).  ``read``:
    the tie-breaks read before (an article's own measures, read once a run).  ``made``:
    filled with the consensus verdicts.
    """
    known = {} if known is None else known
    vargs = st.verify.args()
    hints = hints or [None] * len(groups)
    helds = _held(groups, held or [None] * len(groups), feats, rank, st)
    pools = [_pool(g, feats, rank, st, h, d) if len(g) > 1 else g
             for g, h, d in zip(groups, hints, helds, strict=True)]
    multi = [k for k, p in enumerate(pools) if len(p) > 1]
    mpos = {k: t for t, k in enumerate(multi)}
    refs = [_references(groups[k], pools[k], feats, rank) for k in multi]
    measures, pairs = _consensus([pools[k] for k in multi], refs, feats, vargs, made)

    read = read or ReadOnce()
    ledes: dict[int, float] = {}  # what this call read (the choices record these)

    def lede(m: int) -> float:
        """Read only for versions tied on everything before it (~40 us)."""
        if m not in ledes:
            x = read.ledes.get(m)
            ledes[m] = read.ledes.setdefault(m, _lede(m, feats)) if x is None else x
        return ledes[m]

    faults_of: dict[int, int] = {}

    def faults(m: int) -> int:
        """Read only for versions tied on everything before it (before the lede)."""
        if m not in faults_of:
            x = read.faults.get(m)
            faults_of[m] = read.faults.setdefault(m, order_faults(articles[m].text)) \
                if x is None else x
        return faults_of[m]

    def tiebreak(k: int) -> dict[int, tuple[int, float]]:
        """Where agreement ties: fewer site-furniture lines set aside (a republication's
        dateline and copyright, calls to action), then the more complete (then the order
        faults and the lede: :func:`_pick`)."""
        return {m: (feats.boilerplate.lines(m), -c)
                for m, (c, _a) in zip(pools[k], measures[mpos[k]], strict=True)}
    finals = [list(p) for p in pools]  # within the completeness band
    tied = [list(p) for p in pools]  # ... and of the best agreement: damage decides
    # each pool member's agreement, by pool (read by the three steps below)
    agrees = {k: dict(zip(pools[k], (a for _, a in ms), strict=True))
              for k, ms in zip(multi, measures, strict=True)}
    for k, ms in zip(multi, measures, strict=True):
        finals[k] = _finalists(pools[k], ms)
        agree = agrees[k]
        # damage compares versions pairwise (~2 ms a version, more per pair): the
        # DAMAGE_POOL most agreed-with finalists only (light replicas tie by the dozen).
        # Damage may veto the most agreed-with: copies made by one MT engine agree with
        # each other more than with their original (real Apertium round trips).
        by_agree = sorted(finals[k], key=lambda m, agree=agree: (
            -agree[m], articles[m].published is None, articles[m].published or "", rank[m]))
        tied[k] = _damage_pool(by_agree, pairs[mpos[k]], DAMAGE_POOL)
    # With 3+ versions, two cases where damage cannot change the choice are not scored: the
    # clear centre of CENTRE_MIN+ versions (agreement leads by AGREEMENT_LEAD, no
    # near-identical twin) is canonical whatever damage says; and finalists that are all
    # near-identical (TWIN) are chosen by agreement.
    for k in multi:
        pool, agree, pair = tied[k], agrees[k], pairs[mpos[k]]
        if len(pool) < 2 or len(groups[k]) < 3 or tuple(pool) in known:
            continue
        lead = max(pool, key=lambda m, agree=agree: (agree[m], -rank[m]))
        twin = max((x for (c, _r), x in pair.items() if c == lead), default=0.0)
        second = max(agree[m] for m in pool if m != lead)
        if len(groups[k]) >= CENTRE_MIN and twin < TWIN \
                and agree[lead] - second >= AGREEMENT_LEAD:
            known[tuple(pool)] = (lead, {}, True)
        elif all(_twins(pair, a, b) for a in pool for b in pool if a < b):
            # near-identical finalists (light edits of one text): no damage score could
            # differ by the veto's margin, so it is not read
            known[tuple(pool)] = (_by_agreement(pool, agree, tiebreak(k), articles, lede,
                                                faults), {}, False)
    first: dict[tuple[int, ...], int] = {}
    for k, p in enumerate(tied):
        if len(p) > 1 and tuple(p) not in known:
            first.setdefault(tuple(p), k)
    scored = sorted(first.values())
    # damage is read only where completeness and agreement tie (the costly part: ~2 ms a text)
    texts = [[articles[m].text for m in tied[k]] for k in scored]
    if damage is not None:
        results = [damage(t) for t in texts]
    elif executor is not None and len(texts) >= PARALLEL_DAMAGE_MIN_POOLS:
        step = max(1, len(texts) // 64)
        batches = [texts[i:i + step] for i in range(0, len(texts), step)]
        results = [r for batch in executor.map(_score_pools, batches) for r in batch]
    else:
        results = _score_pools(texts)
    for k, scores in zip(scored, results, strict=True):
        pool = tied[k]
        agree = agrees[k]
        # two versions agree with each other alike, so damage decides beyond its noise; with
        # more, the others' agreement is evidence and only a far worse damage score overrules
        low = min(scores) + (DAMAGE_BAND if len(groups[k]) < 3 else DAMAGE_VETO)
        compl = tiebreak(k)
        top = max(agree[m] for m, x in zip(pool, scores, strict=True) if x <= low)

        damage_of = dict(zip(pool, scores, strict=True))

        # Same content, agreement within its band: clearly more damaged versions (beyond
        # DAMAGE_BAND) drop out; then the most agreed-with - where agreement ties (within
        # AGREEMENT_TIE) fewer furniture lines, the more complete, the higher agreement;
        # where all of these tie exactly, the order faults, the lede - the earliest
        # published, the id.
        def head(m: int, damage_of: dict[int, float] = damage_of, low: float = low,
                 agree: dict[int, float] = agree, top: float = top,
                 compl: dict[int, tuple[int, float]] = compl) -> tuple[object, ...]:
            return (damage_of[m] > low, agree[m] < top - AGREEMENT_TIE, compl[m], -agree[m])

        def tail(m: int) -> tuple[object, ...]:
            a = articles[m]
            return (a.published is None, a.published or "", a.id)

        known[tuple(pool)] = (_pick(pool, head, tail, lede, faults), damage_of, False)
    canons = [known[tuple(p)][0] if len(p) > 1 else p[0] for p in tied]
    if choices is not None:
        for k, (g, c) in enumerate(zip(groups, canons, strict=True)):
            if len(g) < 2:
                continue
            ms = measures[mpos[k]] if k in mpos else [(1.0, 1.0)]
            choices[c] = Choice(c, dict(zip(pools[k], ms, strict=True)),
                                known[tuple(tied[k])][1] if len(tied[k]) > 1 else {},
                                finals[k],
                                int(feats.sizes[np.asarray(g, dtype=np.int64)].max()),
                                DAMAGE_BAND if len(g) < 3 else DAMAGE_VETO,
                                st.complete_share,
                                len(tied[k]) > 1 and known[tuple(tied[k])][2],
                                {m: feats.boilerplate.lines(m) for m in pools[k]}, helds[k],
                                {m: ledes[m] for m in pools[k] if m in ledes},
                                st.canonical_pool,
                                {m: faults_of[m] for m in pools[k] if m in faults_of})
    return canons


def _cluster_record(canon: int, matches: dict[int, Match], ids: Sequence[str],
                    choice: Choice | None = None, sizes: np.ndarray | None = None,
                    articles: Sequence[Article] | None = None) -> dict[str, object]:
    members = sorted(matches.items(), key=lambda t: ids[t[0]])
    rows = []
    for m, mt in members:
        row: dict[str, object] = {
            "id": ids[m], "similarity": round(mt.score, 4),
            "coverage_member": round(mt.coverage_member, 4),
            "coverage_canonical": round(mt.coverage_canonical, 4),
            "sentences_aligned": mt.sentences}
        if choice is not None and sizes is not None and articles is not None:
            row.update(_member_measures(choice, m))
            row["not_canonical_because"] = explain_choice(choice, m, sizes, articles)
        rows.append(row)
    out: dict[str, object] = {"canonical": ids[canon], "size": 1 + len(members)}
    if choice is not None and sizes is not None and articles is not None:
        out["canonical_reason"] = explain_choice(choice, canon, sizes, articles)
        out["canonical_measures"] = _member_measures(choice, canon)
    out["members"] = rows
    return out


def _member_measures(choice: Choice, m: int) -> dict[str, float | None]:
    c, a = choice.measures.get(m, (None, None))
    d = choice.damage.get(m)
    return {"completeness": None if c is None else round(c, 4),
            "agreement": None if a is None else round(a, 4),
            "damage": None if d is None else round(d, 4)}


def explain_choice(choice: Choice, m: int, sizes: np.ndarray,
                   articles: Sequence[Article]) -> str:
    """Why version ``m`` is (or is not) its cluster's canonical, in words, from what the
    choice measured (see :func:`_choose_canonicals`)."""
    c = choice.canonical
    cm = choice.measures.get(c)
    if m == c:
        if len(choice.measures) < 2:
            return "the only complete version (the others are shorter)"
        parts = [f"most complete: holds {cm[0]:.0%} of the other versions' content"
                 if cm else "most complete"]
        if len(choice.finalists) > 1:
            parts.append(f"the others agree with it most ({cm[1]:.2f})" if cm else "")
            if choice.centre:
                parts.append("clearly, and it has no near-identical twin: the centre of "
                             "independently edited versions, which damage does not overrule")
            if c in choice.damage:
                parts.append(f"damage {choice.damage[c]:.2f}")
        return "; ".join(p for p in parts if p)
    if m not in choice.measures:
        share = float(sizes[m]) / choice.top_size if choice.top_size else 0.0
        held = choice.held.get(m)
        if is_complete(int(sizes[m]), choice.top_size, choice.complete_share, held or 0.0):
            return (f"complete ({share:.0%} of the longest version's content words), but not "
                    f"among the {choice.pool_limit} that compete (the {POOL_COMPLETE} most "
                    f"complete, then the closest to the cluster's leader)")
        holds = "" if held is None else f", holding {held:.0%} of its content"
        return (f"shorter: {share:.0%} of the longest version's content words{holds} "
                f"(complete versions, {choice.complete_share:.0%} as long or holding "
                f"{COMPLETE_HELD:.0%} of it, compete)")
    mc, ma = choice.measures[m]
    if m not in choice.finalists:
        return (f"less complete: holds {mc:.0%} of the other versions' content, the "
                f"canonical {cm[0]:.0%}" if cm else "less complete")
    if cm and ma < cm[1] - AGREEMENT_BAND:
        return f"the other versions agree with it less: {ma:.3f} against {cm[1]:.3f}"
    fm, fc = choice.furniture.get(m), choice.furniture.get(c)
    if cm and abs(ma - cm[1]) < AGREEMENT_TIE and fm is not None and fc is not None:
        if fm > fc:
            return (f"the others agree with both alike ({ma:.3f}, {cm[1]:.3f}); it carries "
                    f"more site furniture: {fm} boilerplate lines against {fc}")
        if fm == fc and mc < cm[0]:
            return (f"the others agree with both alike ({ma:.3f}, {cm[1]:.3f}); it holds less "
                    f"of their content: {mc:.1%} against {cm[0]:.1%}")
        om, oc = choice.faults.get(m), choice.faults.get(c)
        if fm == fc and mc == cm[0] and om is not None and oc is not None and om > oc:
            return (f"the others agree with both alike ({ma:.3f}, {cm[1]:.3f}) and it holds "
                    f"as much; it tells the story less in order: {om} signs of a reordering "
                    f"(a name or acronym used before it is introduced, an opening that "
                    f"refers back), against {oc}")
        lm, lc = choice.lede.get(m), choice.lede.get(c)
        if fm == fc and mc == cm[0] and lm is not None and lc is not None and \
                lm < lc - LEDE_MARGIN:
            return (f"the others agree with both alike ({ma:.3f}, {cm[1]:.3f}) and it holds "
                    f"as much; it opens less with its lede (headline words and recurring "
                    f"content first: {lm:.3f} against {lc:.3f}), as a reordering does")
    dm, dc = choice.damage.get(m), choice.damage.get(c)
    if dm is not None and choice.damage and \
            dm > min(choice.damage.values()) + choice.damage_band:
        return f"more damaged: damage score {dm:.2f} against {dc:.2f}" if dc is not None \
            else f"more damaged: damage score {dm:.2f}"
    if cm and ma < cm[1]:
        return (f"the other versions agree with it a little less: {ma:.3f} against "
                f"{cm[1]:.3f} (damage within noise)")
    am, ac = articles[m], articles[c]
    if (am.published is None) != (ac.published is None) or \
            (am.published or "") != (ac.published or ""):
        return "published later (or without a date); content, agreement and damage tie"
    return "content, agreement, damage and date tie: the id comes later"


def best_version(articles: Sequence[Article], settings: ClusterSettings | None = None,
                 damage: Callable[[Sequence[str]], list[float]] | None = None
                 ) -> tuple[int, str]:
    """The index of the best of several versions of one story, and why: the rule ``cluster``
    uses for canonicals (completeness, then agreement, then damage, then published, then
    id), for callers that hold the versions themselves (the pre-ingest filter)."""
    st = settings or ClusterSettings()
    if not articles:
        raise ValueError("best_version needs at least one version")
    feats = featurize([a.text for a in articles], st.lsh.num_perm, st.lsh.seed, 1,
                      titles=[getattr(a, "title", None) for a in articles])
    rank = _id_rank([a.id for a in articles])
    choices: dict[int, Choice] = {}
    group = list(range(len(articles)))
    canon = _choose_canonicals([group], articles, feats, rank, st, damage, None, None,
                               choices)[0]
    choice = choices.get(canon)
    why = (explain_choice(choice, canon, feats.sizes, articles) if choice
           else "the only version")
    return canon, why


def order_invariant_view(result: ClusterResult) -> list[tuple[str, str]]:
    """(id, cluster) pairs sorted by id: equal for the same input in any order."""
    return sorted((str(r["id"]), str(r["cluster"])) for r in result.records)


__all__ = ["ClusterCore", "ClusterResult", "ClusterSettings", "best_version", "cluster_articles",
           "cluster_features", "explain_choice"]
