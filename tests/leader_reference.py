"""The sequential leader loop: the definition the blocked, parallel
:func:`dedupe_news.candidates_jit.leader_loop` is held to (a test-only oracle)."""

from __future__ import annotations

import numpy as np
from numba import njit

from dedupe_news.candidates_jit import _add_link, _table_add, _table_find, band_key
from dedupe_news.verify_jit import COPY, NONE, TITLE_K, compare_docs


def leader_loop_sequential(*args: object, titles: np.ndarray | None = None) -> tuple:
    """:func:`_leader_loop_sequential`; ``titles`` as :func:`leader_loop` takes them."""
    if titles is None:
        titles = np.zeros((len(args[1]), TITLE_K), dtype=np.uint32)  # type: ignore[arg-type]
    return _leader_loop_sequential(*args, titles)


@njit(cache=True, nogil=True)
def _leader_loop_sequential(order: np.ndarray, sigs: np.ndarray, nshingles: np.ndarray,
                            bands: int, rows: int, min_jaccard: float, max_candidates: int,
                            u_flat: np.ndarray, u_off: np.ndarray, doc_units: np.ndarray,
                            st: float, cc: float, pt: float, pm: int, mp: int, mt: float,
                            titles: np.ndarray):
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
        ncopy = 0
        copy_j = np.empty(max(max_candidates, 1), dtype=np.int64)
        copy_s = np.empty(max(max_candidates, 1), dtype=np.float64)
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
                                                          st, cc, pt, pm, mp, mt, titles)
                if r == COPY:
                    copy_j[ncopy] = j
                    copy_s[ncopy] = s
                    ncopy += 1
                    if best_j == -1 or s > best_s:
                        best_j = j
                        best_s = s
                        cov[i, 0] = ca
                        cov[i, 1] = cb
                        npairs[i] = len(pa)
                elif r != NONE:  # partial, contains, contained_in: a link
                    links, link_score, nlinks = _add_link(links, link_score, nlinks, i, j, s)
        for x in range(ncopy):  # copies of leaders it does not join: links
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
                keys, used, head, entry_doc, entry_next, nkeys, nentries,
                band_key(sigs[i], b, rows), i)
    return (leader_of, score, cov, npairs, links[:nlinks].copy(), link_score[:nlinks].copy(),
            ncand_total)
