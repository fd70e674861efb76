"""Candidate pair -> relation, judged from sentence-level evidence.

A MinHash collision says two articles share *words*; news articles on the same event share
many.  Whether one is a *copy* of the other is decided here, sentence by sentence:

1. Both stories (normalised, boilerplate lines set aside) are cut into sentence-like units
   (:func:`dedupe_news.shingle.story_units` defines them: a regex-level split at ". X",
   "? X", "! X" and at line breaks, abbreviations kept whole; ~30x cheaper than Punkt, which
   ``align`` uses for display) and each unit becomes a set of its content-word stems (the
   same stems the shingles use, so MT word changes that keep the stem still match).
   (Binary weights, cosine: stop words are already gone, so the remaining stems are informative.)
2. Each sentence of the *shorter* article (fewer content words) is matched to its most similar
   sentence of the longer one; a match counts when cosine >= ``sentence_threshold``.
3. Only matches that keep the order count (longest increasing subsequence of the matched
   positions): a copy tells the story in the same order, a different article on the same
   event does not.  The one exception is a *moved* sentence: out of order but nearly
   identical (cosine >= ``moved_threshold``, 0.8) to a sentence no in-order match uses -
   editors and MT pipelines swap neighbouring sentences, and in a short article one swap
   otherwise costs a tenth of the coverage.  Likewise a *moved block*: two or more
   neighbouring sentences, out of order, each matched at cosine >= ``partial_sentence_threshold``
   to neighbouring unused units (one apart allowed, for a dropped sentence) - a moved
   paragraph (real MT round trips with a moved paragraph, ``bench/eval_roundtrip.py`` dev:
   recall of that variant 0.92 -> 0.98, same-story false merges unchanged).
4. ``coverage`` of the shorter side = share of its content words in in-order matched
   sentences.  ``copy`` when coverage >= ``copy_coverage``; ``partial`` when at least
   ``partial_min_sentences`` sentences match strongly (cosine >= ``partial_sentence_threshold``)
   in order; otherwise no relation.

The thresholds were chosen on the seeds and the dev half of the BBC benchmark
(``bench/eval_cluster.py --split dev``): on the seeds the two MT versions of the AP report
match 15 of 16 sentences at cosine 0.69-0.96, while Bloomberg's article on the same event has
at most two sentences above 0.55.

The rule runs compiled (:func:`dedupe_news.kernels.compare_units`, a few microseconds a
pair); this module wraps it for one-off comparisons (``explain``) and names the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dedupe_news import kernels
from dedupe_news.shingle import Unit, stem_hash, story_units

MIN_PASSAGE_STEMS = 4  # a shared "passage" has at least this many content words
_RELATIONS = {kernels.COPY: "copy", kernels.PARTIAL: "partial", kernels.NONE: None}


@dataclass(frozen=True)
class VerifySettings:
    sentence_threshold: float = 0.5
    copy_coverage: float = 0.75
    partial_sentence_threshold: float = 0.6
    partial_min_sentences: int = 2
    moved_threshold: float = 0.8

    def signature(self) -> str:
        return (f"sent{self.sentence_threshold:g}+cov{self.copy_coverage:g}"
                f"+part{self.partial_sentence_threshold:g}x{self.partial_min_sentences}"
                f"+moved{self.moved_threshold:g}+blocks")

    def args(self) -> tuple[float, float, float, int, int, float]:
        """The kernel's positional thresholds."""
        return (self.sentence_threshold, self.copy_coverage, self.partial_sentence_threshold,
                self.partial_min_sentences, MIN_PASSAGE_STEMS, self.moved_threshold)


@dataclass
class Profile:
    """A story's units as sorted sets of content-stem hashes, ready to compare."""

    units: list[Unit]
    flat: np.ndarray  # the units' distinct stem hashes, concatenated (uint32, sorted per unit)
    offsets: np.ndarray  # unit k is flat[offsets[k]:offsets[k+1]]

    @property
    def size(self) -> int:
        return len(self.flat)

    @property
    def n_units(self) -> int:
        return len(self.offsets) - 1


def profile(story: str) -> Profile:
    """Units of a (prepared) story and their stem sets, from the reference tokeniser."""
    units = story_units(story)
    sets = [sorted({stem_hash(s) for s in u.stems}) for u in units]
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in sets])
    flat = np.array([h for x in sets for h in x], dtype=np.uint32)
    return Profile(units, flat, offsets)


@dataclass
class Evidence:
    """Why a pair is (or is not) a copy: matched sentence pairs and coverages."""

    relation: str | None  # "copy", "partial" or None
    score: float  # coverage-weighted similarity of the shorter side, in [0, 1]
    coverage_a: float  # share of A's content words in matched sentences
    coverage_b: float
    pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (i in A, j in B, cos)

    def to_dict(self) -> dict[str, object]:
        return {"relation": self.relation, "score": round(self.score, 4),
                "coverage_a": round(self.coverage_a, 4), "coverage_b": round(self.coverage_b, 4),
                "pairs": [[i, j, round(s, 4)] for i, j, s in self.pairs]}


def compare(a: Profile, b: Profile, settings: VerifySettings | None = None) -> Evidence:
    """Judge a pair from its sentences. Symmetric up to swapping the A/B fields."""
    st = settings or VerifySettings()
    rel, score, cov_a, cov_b, pa, pb, ps = kernels.compare_units(
        a.flat, a.offsets, b.flat, b.offsets, *st.args())
    pairs = [(int(i), int(j), float(x)) for i, j, x in zip(pa, pb, ps, strict=True)]
    return Evidence(_RELATIONS[int(rel)], float(score), float(cov_a), float(cov_b), pairs)
