"""Candidates and the leader loop, compiled (numba): LSH band keys, the open-addressing band
table, and the star clustering of :mod:`dedupe_news.cluster` (blocked, on all cores).  The
table returns exactly datasketch ``MinHashLSH(params=(b, r))``'s candidates for the same
signatures (``tests/test_kernels.py``); the blocked loop gives exactly the sequential
loop's result (the sequential loop, its definition, lives with the tests:
``tests/leader_reference.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
from numba import get_num_threads, njit, prange

from dedupe_news._hashing import _M1, _M2, _Q, _S33, _SEED, U64
from dedupe_news.verify_jit import COPY, NONE, TITLE_K, _fetch_add, compare_docs

# numba's OpenMP threads spin (burn a core) for a while after each parallel region by
# default.  The leader loop alternates short parallel phases with sequential ones, and on two
# cores a spinning thread takes CPU from the sequential phase whenever anything else runs
# (~2-3 s of CPU wasted at 1M articles).  Read once, when numba first starts its threads.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")


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
# cores (every region waits for a descheduled thread).  Instead phase 1 guesses: an article
# that no leader before the block takes as a copy is verified, in parallel, against the
# earliest article of the block that shares a band with it (:func:`_guess`) - its story's
# leader when that one leads - and the sweep reads that verdict when it needs this very
# pair (light replicas at 100k: the verify stage 3.3 -> 2.9 s).  A wrong guess costs one
# verification, in parallel, and is never read.

_BLOCK = 1024  # articles per block: the smaller, the sooner a new leader is in the table,
# so fewer of its copies wait for the sequential sweep (leader loop, 4096 -> 1024: noisy
# replicas 30k 1.35 -> 0.98 s, 100k 2.9 -> 2.3 s; light 100k 2.4 -> 1.9 s; syndication 100k
# 2.1 -> 1.8 s; 512 no better at 100k)
_CHUNK = 16  # articles a worker takes at a time in phase 1


@njit(cache=True, nogil=True, parallel=True)
def _speculate(block: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray, bands: int,
               rows: int, min_jaccard: float, max_candidates: int, n: int, keys: np.ndarray,
               used: np.ndarray, head: np.ndarray, entry_doc: np.ndarray,
               entry_next: np.ndarray, leader_rank: np.ndarray, nleaders: int, workers: int,
               u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray, st: float,
               cc: float, pt: float, pm: int, mp: int, mt: float, titles: np.ndarray):
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
    # the guess for the sweeps (see the comment above): the earliest article of the block
    # sharing a band with each one, verified now, in parallel, when no leader before the
    # block is a copy of it
    spec_j = np.full(m, -1, dtype=np.int64)
    spec_rel = np.zeros(m, dtype=np.int64)
    spec_score = np.zeros(m, dtype=np.float64)
    spec_ca = np.zeros(m, dtype=np.float64)
    spec_cb = np.zeros(m, dtype=np.float64)
    spec_np = np.zeros(m, dtype=np.int64)
    nchunks = (m + _CHUNK - 1) // _CHUNK
    next_chunk = np.zeros(1, dtype=np.int64)
    for _w in prange(workers):
        while True:
            c = _fetch_add(next_chunk, 0, 1)
            if c >= nchunks:
                break
            for t in range(c * _CHUNK, min(m, (c + 1) * _CHUNK)):
                for b in range(bands):
                    bkeys[t, b] = band_key(sigs[block[t]], b, rows)
    first_key, first_used, first_at = _first_in_block(bkeys)
    next_chunk[0] = 0
    for w in prange(workers):
        while True:
            c = _fetch_add(next_chunk, 0, 1)
            if c >= nchunks:
                break
            for t in range(c * _CHUNK, min(m, (c + 1) * _CHUNK)):
                i = block[t]
                if nshingles[i] <= 0:
                    continue
                if nleaders == 0:
                    _guess(t, block, sigs, bkeys, first_key, first_used, first_at,
                           min_jaccard, u_flat, u_off, doc_units, st, cc, pt, pm, mp, mt,
                           titles, spec_j, spec_rel, spec_score, spec_ca, spec_cb, spec_np)
                    continue
                nc = 0
                copy = False
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
                                                              st, cc, pt, pm, mp, mt, titles)
                    sj[t, k] = j
                    skey[t, k] = key
                    srel[t, k] = r
                    sscore[t, k] = s
                    sca[t, k] = ca
                    scb[t, k] = cb
                    snp[t, k] = len(pa)
                    copy |= r == COPY
                sn[t] = p
                if not copy:
                    _guess(t, block, sigs, bkeys, first_key, first_used, first_at,
                           min_jaccard, u_flat, u_off, doc_units, st, cc, pt, pm, mp, mt,
                           titles, spec_j, spec_rel, spec_score, spec_ca, spec_cb, spec_np)
    return (bkeys, sn, sj, skey, srel, sscore, sca, scb, snp, spec_j, spec_rel, spec_score,
            spec_ca, spec_cb, spec_np)


@njit(cache=True, nogil=True)
def _first_in_block(bkeys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A table of the block's band keys (:func:`_table_find`'s layout): each key with the
    first block position that has it."""
    m, bands = bkeys.shape
    cap = 1024
    while cap < 2 * m * bands:
        cap *= 2
    keys = np.zeros(cap, dtype=np.uint64)
    used = np.zeros(cap, dtype=np.bool_)
    at = np.empty(cap, dtype=np.int64)
    for t in range(m):
        for b in range(bands):
            slot = _table_find(keys, used, bkeys[t, b])
            if slot < 0:
                slot = -1 - slot
                keys[slot] = bkeys[t, b]
                used[slot] = True
                at[slot] = t
    return keys, used, at


@njit(cache=True, nogil=True)
def _guess(t: int, block: np.ndarray, sigs: np.ndarray, bkeys: np.ndarray,
           first_key: np.ndarray, first_used: np.ndarray, first_at: np.ndarray,
           min_jaccard: float,
           u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray, st: float, cc: float,
           pt: float, pm: int, mp: int, mt: float, titles: np.ndarray, spec_j: np.ndarray,
           spec_rel: np.ndarray, spec_score: np.ndarray, spec_ca: np.ndarray,
           spec_cb: np.ndarray, spec_np: np.ndarray) -> None:
    """Verify article ``t`` of the block against the earliest one before it in the block
    that shares a band with it (estimate >= ``min_jaccard``): the leader of its story when
    that one leads - the sweep then reads this verdict instead of computing it alone.  Only
    the time changes: a wrong guess is never read."""
    tp = t
    for b in range(bkeys.shape[1]):
        slot = _table_find(first_key, first_used, bkeys[t, b])
        if slot >= 0 and first_at[slot] < tp:
            tp = first_at[slot]
    if tp == t:
        return
    i = block[t]
    j = block[tp]
    num_perm = sigs.shape[1]
    eq = 0
    for x in range(num_perm):
        if sigs[i, x] == sigs[j, x]:
            eq += 1
    if eq / num_perm < min_jaccard:
        return
    r, s, ca, cb, pa, _pb, _ps, _why = compare_docs(i, j, u_flat, u_off, doc_units, st, cc,
                                                    pt, pm, mp, mt, titles)
    spec_j[t] = j
    spec_rel[t] = r
    spec_score[t] = s
    spec_ca[t] = ca
    spec_cb[t] = cb
    spec_np[t] = len(pa)


@njit(cache=True, nogil=True)
def _sweep(tl: int, lrank: int, block: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray,
           bands: int, min_jaccard: float, max_candidates: int, n: int, bkeys: np.ndarray,
           sn: np.ndarray, skey: np.ndarray, ibn: np.ndarray, ibj: np.ndarray,
           ibkey: np.ndarray, ibrel: np.ndarray, ibscore: np.ndarray, ibca: np.ndarray,
           ibcb: np.ndarray, ibnp: np.ndarray, spec_j: np.ndarray, spec_rel: np.ndarray,
           spec_score: np.ndarray, spec_ca: np.ndarray, spec_cb: np.ndarray,
           spec_np: np.ndarray, u_flat: np.ndarray, u_off: np.ndarray,
           doc_units: np.ndarray, st: float, cc: float, pt: float, pm: int, mp: int,
           mt: float, titles: np.ndarray) -> None:
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
        if spec_j[t] == j:  # verified in phase 1 (the same call, the same verdict)
            r, s, ca, cb, npr = spec_rel[t], spec_score[t], spec_ca[t], spec_cb[t], spec_np[t]
        else:
            r, s, ca, cb, pa, _pb, _ps, _why = compare_docs(i, j, u_flat, u_off, doc_units,
                                                            st, cc, pt, pm, mp, mt, titles)
            npr = len(pa)
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
        ibnp[t, y] = npr
        ibn[t] = q + 1


@njit(cache=True, nogil=True)
def _settle(block: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray, bands: int,
            min_jaccard: float, max_candidates: int, n: int, bkeys: np.ndarray,
            sn: np.ndarray, sj: np.ndarray, skey: np.ndarray, srel: np.ndarray,
            sscore: np.ndarray, sca: np.ndarray, scb: np.ndarray, snp: np.ndarray,
            spec_j: np.ndarray, spec_rel: np.ndarray, spec_score: np.ndarray,
            spec_ca: np.ndarray, spec_cb: np.ndarray, spec_np: np.ndarray,
            leader_of: np.ndarray, score: np.ndarray, cov: np.ndarray, npairs: np.ndarray,
            leader_rank: np.ndarray, keys: np.ndarray, used: np.ndarray, head: np.ndarray,
            entry_doc: np.ndarray, entry_next: np.ndarray, links: np.ndarray,
            link_score: np.ndarray, counts: np.ndarray, u_flat: np.ndarray,
            u_off: np.ndarray, doc_units: np.ndarray, st: float, cc: float, pt: float,
            pm: int, mp: int, mt: float, titles: np.ndarray):
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
    copy_j = np.empty(kk, dtype=np.int64)  # every leader an article is a copy of ...
    copy_s = np.empty(kk, dtype=np.float64)
    for t in range(m):
        i = block[t]
        p = sn[t]
        q = ibn[t]
        best_j = -1
        best_s = 0.0
        ncopy = 0
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
                copy_j[ncopy] = j
                copy_s[ncopy] = s
                ncopy += 1
                if best_j == -1 or s > best_s:
                    best_j = j
                    best_s = s
                    cov[i, 0] = ca
                    cov[i, 1] = cb
                    npairs[i] = npr
            elif r != NONE:  # partial, contains, contained_in: a link
                links, link_score, nlinks = _add_link(links, link_score, nlinks, i, j, s)
        # ... links it to the ones it does not join: two leaders of one story (the longest
        # version a garbled MT one some copies miss in the bands) meet in the merge pass
        for x in range(ncopy):
            if copy_j[x] != best_j:
                links, link_score, nlinks = _add_link(links, link_score, nlinks, i, copy_j[x],
                                                      copy_s[x])
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
                   ibcb, ibnp, spec_j, spec_rel, spec_score, spec_ca, spec_cb, spec_np,
                   u_flat, u_off, doc_units, st, cc, pt, pm, mp, mt, titles)
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
                on_block: Callable[[int, np.ndarray], None] | None = None,
                titles: np.ndarray | None = None
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
    ``leader_of`` array (final for those documents; copy it to keep it).  ``titles``: the
    documents' title-stem rows (:func:`dedupe_news.verify_jit.titles_match`); none: zeros.
    """
    order = np.ascontiguousarray(order, dtype=np.int64)
    n = len(order)
    block = max(int(block), 1)
    if titles is None:  # no titles: no title evidence
        titles = np.zeros((len(sigs), TITLE_K), dtype=np.uint32)
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
                          int(counts[2]), workers, u_flat, u_off, doc_units, *vargs, titles)
        keys, used, head, entry_doc, entry_next, links, link_score = _settle(
            blk, sigs, nshingles, bands, min_jaccard, max_candidates, n, *spec, leader_of,
            score, cov, npairs, leader_rank, keys, used, head, entry_doc, entry_next, links,
            link_score, counts, u_flat, u_off, doc_units, *vargs, titles)
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
