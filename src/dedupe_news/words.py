"""Shared word tables: stop words, abbreviations, English word frequencies, common stems.

One home for every word list more than one stage reads (the tokeniser, the verifier, the
damage scorer, the aligner), so a change to a list changes every stage the same way and no
stage imports another stage only for its table.  The lists themselves ship in
``dedupe_news/data`` where they are large.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

import numpy as np

# Function words dropped before shingling: they are what MT changes most and carry no content.
_STOP_TEXT = """
a about above after again against all also am an and any are around as at be because been
before being below between both but by can could did do does doing down during each even
ever few for from further had has have having he her here hers herself him himself his how i
if in into is it its itself just last many may me might more most must my myself near new no
nor not now of off on once one only or other our ours ourselves out over own per same she
should since so some still such than that the their theirs them themselves then there these
they this those through thus to too under until up upon us very via was we were what when
where whether which while who whom whose why will with within without would yet you your
yours yourself said says say told according also s t re ll ve d m
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

#: Words whose "." never ends a sentence unit before a capital (plus any single capital).
ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Gov", "Sen", "Rep", "Lt", "Col",
                 "Capt", "Sgt", "St", "Jr", "Sr", "Co", "Corp", "Inc", "Ltd", "No", "Jan",
                 "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")

#: Titles before a surname ("Mr Blunkett"): the surname alone, not a full name.
HONORIFICS = frozenset(("Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Lord", "Lady", "Prof"))

UNKNOWN_ZIPF = 2.5
"""Zipf value for words missing from the list (it stops at Zipf 3: once per million words)."""

COMMON_ZIPF = 4.5
"""Words at least this frequent (Zipf; ~30 per million words: "government", "people",
"year") are *common*: shared by any two news stories, so they say nothing about whether two
passages tell the same story.  The relation model's continuation test counts only the other
(rare) stems; see :mod:`dedupe_news.verify`."""


def data_text(name: str) -> str:
    """Text of a file shipped in ``dedupe_news/data``."""
    return resources.files("dedupe_news").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def word_zipf() -> dict[str, float]:
    """English word -> Zipf frequency (log10 per billion words), from the shipped list
    (``data/damage_wordfreq.tsv``, wordfreq 3.1.1 small_en)."""
    table: dict[str, float] = {}
    for line in data_text("damage_wordfreq.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        zipf, words = line.split("\t", 1)
        z = float(zipf)
        for w in words.split():
            table.setdefault(w, z)
    return table


def common_stems(stem_chars: int) -> frozenset[str]:
    """Stems (as the tokeniser cuts them) of the content words of Zipf >= ``COMMON_ZIPF``."""
    return frozenset(w if w.isdigit() else w[:stem_chars]
                     for w, z in word_zipf().items()
                     if z >= COMMON_ZIPF and w not in STOPWORDS)


COMMON_CHAR_ZIPF = 5.4
"""For languages tokenised one character a stem (Chinese, Japanese, Korean: no spaces between
words), a character is common from this Zipf value of the words it occurs in.  A character
is far more frequent than a word.  Tuned on Chinese news (the dev pairs of the MQM sources in
``bench/eval_appended.py --langs zh``): an article followed by another called a copy in
0.40 of pairs at 5.0 (too few rare characters left to judge by: the rule needs
``verify_jit.CONTINUE_MIN_RARE``), 0.10 at 5.25 and 5.4, 0.12 at 5.5, 0.21 at 5.75 (too
many: two stories share them); truncations stayed copies from 5.0 to 5.5 but one."""

#: wordfreq languages tokenised one character a stem (``bench/build_common_stems.py``)
PER_CHARACTER = frozenset(("zh", "ja", "ko"))


@lru_cache(maxsize=1)
def common_stem_lists() -> dict[str, list[str]]:
    """Language -> its common stems, English first (``common_stems(4)``), then the other
    languages of ``data/common_stems.tsv`` (wordfreq 3.1.1 ``small_<lang>``, cut as the
    tokeniser cuts words: :data:`dedupe_news.shingle.STEM_CHARS` = 4; each stem once) in name
    order.  A stem is common in a language from :data:`COMMON_ZIPF` (:data:`COMMON_CHAR_ZIPF`
    for a character of :data:`PER_CHARACTER`).  The relation model reads a pair's rare words
    in the language of its shorter side (:func:`dedupe_news.verify_jit.pair_language`): with
    English frequencies alone every stem of a Spanish or Chinese article was "rare", and an
    article followed by another was a copy of the first in 60 of 60 pairs."""
    other: dict[str, list[str]] = {}
    for line in data_text("common_stems.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        lang, zipf, stems = line.split("\t")
        limit = COMMON_CHAR_ZIPF if lang in PER_CHARACTER else COMMON_ZIPF
        if float(zipf) >= limit:
            other.setdefault(lang, []).extend(stems.split())
    for lang in PER_CHARACTER & other.keys():
        # such a text is tokenised one character a stem throughout: a Latin word or a
        # number in it is split into letters and digits, which any two texts share
        other[lang].extend(sorted(set(string.ascii_lowercase + string.digits)
                                  - set(other[lang])))
    return {"en": sorted(common_stems(4)), **{k: other[k] for k in sorted(other)}}


def common_tables() -> dict[str, frozenset[str]]:
    """:func:`common_stem_lists` as sets."""
    return {k: frozenset(v) for k, v in common_stem_lists().items()}


def sorted_u32(values: set[int] | frozenset[int]) -> np.ndarray:
    """A sorted uint32 array (a table the compiled stages search with ``searchsorted``)."""
    return np.array(sorted(values), dtype=np.uint32)
