"""``cluster``'s canonical rule between an indexed canonical and a newcomer, from what the
index already holds.

:func:`dedupe_news.cluster.best_version` fingerprints both texts again and damage-scores
both from scratch (:func:`dedupe_news.damage.version_scores`, ~1 ms a text) on every copy
decision.  The filter has both fingerprints at hand (the newcomer's was just made, the
canonical's sentence units and sizes are stored), so :func:`choose` builds the two-row
:class:`~dedupe_news.features.Features` from them and runs the same code as
``best_version`` (:func:`dedupe_news.cluster._choose_canonicals`, then
:func:`~dedupe_news.cluster.explain_choice`): completeness, agreement, damage, published,
id - the same decision, the same words.

Damage is read only where ``_choose_canonicals`` asks for it (completeness and agreement
tie), and :class:`PairDamage` computes ``version_scores`` for two versions from per-text
parts - the body (boilerplate aside) and its ``check_text`` score - keeping the indexed
canonical's parts in a bounded in-process cache (a canonical is compared with each of its
copies; its parts are computed once, not once a copy).  The pairwise term is
:func:`dedupe_news.damage.style.p_b_translated` itself; tests hold :meth:`PairDamage.scores`
equal, bit for bit, to ``version_scores``.
"""

from __future__ import annotations

import hashlib
import inspect
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from dedupe_news.cluster import ClusterSettings, _choose_canonicals, _id_rank, explain_choice
from dedupe_news.features import BoilerplateColumn, Features
from dedupe_news.model import Article
from dedupe_news.normalize import Boilerplate

CACHE_TEXTS = 4096  # indexed canonicals whose damage parts are kept in memory
SCORED_TEXTS = 8  # recent bodies whose whole score_and_flags answer is kept (see PairDamage)


class PairDamage:
    """``version_scores`` for two versions, with per-text parts cached for texts that
    recur (indexed canonicals)."""

    def __init__(self, size: int = CACHE_TEXTS) -> None:
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._size = size
        # the last few bodies' whole score_and_flags answers, by text: a newcomer without
        # boilerplate is its own body, and the filter's line reports that same score and
        # flags (:meth:`own`) without scoring the text a second time
        self._scored: OrderedDict[str, tuple[float, list[Any]]] = OrderedDict()

    def parts(self, text: str, keep: bool = True) -> tuple[str, float]:
        """(body with boilerplate aside, its ``check_text`` score)."""
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        from dedupe_news.normalize import prepare

        body = prepare(text).body
        out = (body, self._score_and_flags(body)[0])
        if keep:
            self._cache[text] = out
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return out

    def own(self, text: str) -> tuple[float, list[Any]]:
        """``score_and_flags(text)``: the article's own damage score and flags, as ``check``
        gives them."""
        return self._score_and_flags(text)

    def _score_and_flags(self, body: str) -> tuple[float, list[Any]]:
        hit = self._scored.get(body)
        if hit is not None:
            self._scored.move_to_end(body)
            return hit
        from dedupe_news.damage.engine import score_and_flags

        hit = self._scored[body] = score_and_flags(body)
        if len(self._scored) > SCORED_TEXTS:
            self._scored.popitem(last=False)
        return hit

    def remember(self, text: str, parts: tuple[str, float]) -> None:
        self._cache[text] = parts
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)

    @staticmethod
    def combine(a: tuple[str, float], b: tuple[str, float]) -> list[float]:
        """:func:`dedupe_news.damage.version_scores` of two versions from their parts (the
        same calls and operations, in the same order: equal bit for bit)."""
        from dedupe_news.damage import style
        from dedupe_news.damage.versions import common_text

        p = style.p_b_translated(*common_text(a[0], b[0]))
        extra = [0.0, 0.0]
        extra[0] += (1.0 - p) * style.MT_DAMAGED_SHARE / 1
        extra[1] += p * style.MT_DAMAGED_SHARE / 1
        return [1.0 - (1.0 - s) * (1.0 - min(1.0, e))
                for s, e in zip((a[1], b[1]), extra, strict=True)]

    def scores(self, texts: Sequence[str], fresh: str | None = None) -> list[float]:
        """Damage scores of ``texts`` as ``version_scores`` gives them; ``fresh``: the text
        not to cache (a newcomer seen once)."""
        if len(texts) != 2 or not mirrors_version_scores():
            from dedupe_news.damage import version_scores

            return version_scores(texts)
        a, b = (self.parts(t, keep=t is not fresh) for t in texts)
        return self.combine(a, b)


# sha256 of ``dedupe_news.damage.versions.version_scores``'s source that :meth:`PairDamage.
# combine` mirrors.  When that function changes, the filter calls it as it is (correct,
# without the cache) until the mirror is brought up to date (tests/test_filter_canon.py).
MIRRORED = "29569ebe4965cfc02c75eee4753ac8d71fa5a2945a2494f92814abd6f63cd142"


@lru_cache(maxsize=1)
def mirrors_version_scores() -> bool:
    """Whether ``version_scores`` is still the code :meth:`PairDamage.combine` mirrors."""
    from dedupe_news.damage import versions

    try:
        src = inspect.getsource(versions.version_scores)
    except (OSError, TypeError):
        return False
    return hashlib.sha256(src.encode("utf-8")).hexdigest() == MIRRORED


def pair_features(sigs: Sequence[np.ndarray], sizes: Sequence[int], nshingles: Sequence[int],
                  units: Sequence[tuple[np.ndarray, np.ndarray]],
                  titles: Sequence[np.ndarray] | None = None,
                  boilerplate: Sequence[tuple[Boilerplate, ...]] | None = None) -> Features:
    """The :class:`Features` ``featurize`` would make of these versions, from their stored
    parts (signature, content words, shingle count, sentence units, and the title-stem rows
    the relation model reads: :data:`~dedupe_news.verify_jit.TITLE_K` wide, a zero row for
    an article without title; none given: no title evidence) and their boilerplate lines set
    aside (where agreement ties, ``cluster``'s canonical rule prefers fewer)."""
    flats, offs, doc_units, base = [], [np.zeros(1, dtype=np.int64)], [0], 0
    for flat, off in units:
        flats.append(np.asarray(flat, dtype=np.uint32))
        offs.append(np.asarray(off[1:], dtype=np.int64) + base)
        base += len(flat)
        doc_units.append(doc_units[-1] + len(off) - 1)
    return Features(np.stack([np.asarray(s, dtype=np.uint32) for s in sigs]),
                    np.asarray(sizes, dtype=np.int64), np.asarray(nshingles, dtype=np.int64),
                    BoilerplateColumn.of(boilerplate if boilerplate is not None else
                                         [() for _ in sigs]),
                    np.concatenate(flats), np.concatenate(offs),
                    np.asarray(doc_units, dtype=np.int64),
                    None if titles is None else
                    np.stack([np.asarray(t, dtype=np.uint32) for t in titles]))


def choose(versions: Sequence[Article], feats: Features, settings: ClusterSettings,
           damage: Callable[[Sequence[str]], list[float]]) -> tuple[int, str]:
    """:func:`dedupe_news.cluster.best_version` with the versions' features given."""
    rank = _id_rank([a.id for a in versions])
    choices: dict = {}
    canon = _choose_canonicals([list(range(len(versions)))], versions, feats, rank, settings,
                               damage, None, None, choices)[0]
    choice = choices.get(canon)
    why = (explain_choice(choice, canon, feats.sizes, versions) if choice
           else "the only version")
    return canon, why
