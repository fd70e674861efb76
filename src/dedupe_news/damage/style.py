"""Translationese: document-level traits that machine-translated English shows, as data.

Rules localise damage they can see; a fluent round trip leaves few local traces but shifts a
few document statistics the same way every time (Baroni & Bernardini 2006; Vanmassenhove
et al. 2019 on the loss of lexical richness in MT). Each :class:`Trait` names one statistic,
the direction it moves in machine-translated text, the mean and spread it has in clean news,
and why. Two uses:

* **one text** (:func:`style_share`, the damage score's ``style_share`` signal): the mean
  signed z-score of a text's traits against clean news, turned into P(machine-translated)
  by a logistic curve, times the share of MT sentences human raters mark as damaged;
* **two versions of one story** (:func:`translated_margin`, used for the canonical choice of
  a cluster): the same traits compared directly, which cancels the story's own style: the
  version that sits further in the MT direction reads as the translation.

Calibration (``.venv/bin/python bench/eval_roundtrip.py --calibrate``): means and spreads
over the clean BBC articles of the *dev* split, logistic curve fitted on dev round trips
(Apertium via Spanish and Catalan) against their sources. Test-split round trips are never
used. Directions were fixed from the literature before looking at data, and each trait's
pairwise accuracy on dev is recorded in its ``rationale``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, product, repeat
from operator import contains, itemgetter

from dedupe_news.damage._words import split_without_lone

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:re|ve|ll|d|m))$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
MIN_WORDS = 80
"""Texts shorter than this carry no style signal (the rates are too noisy)."""
RICHNESS_WINDOW = 300
"""Type/token ratio over the first this-many words (TTR falls with length)."""
MT_DAMAGED_SHARE = 0.549
"""Share of MT segments an MQM rater marks as damaged (major 1, minor 0.5), averaged over the
3 raters of each of the 3,770 WMT23 zh-en segments in ``../shared/mt``."""
CURVE = (5.33, -3.15)
"""P(machine-translated) = sigmoid(a * z + b) for the mean signed z-score ``z`` (dev fit)."""
PAIR_SLOPE = 5.0
"""P(b is the translation of a) = sigmoid(PAIR_SLOPE * translated_margin(a, b))."""
PAIR_MIN_MARGIN = 0.25
"""Below this margin two versions read alike and the pair is undecided (0.5). Dev: real round
trips sit at 0.2-1.9 (10th percentile >= 0.41 for full-length ones), while edits that are not
translation (boilerplate, glued paragraphs, dropped or merged sentences) sit within +-0.15."""


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


# _WORD's characters: ASCII letters and the apostrophe kept, other ASCII bytes -> spaces
# (non-ASCII characters outside the class are made spaces before encoding)
_LETTER_BYTES = bytes(c if chr(c).isalpha() or c == 39 else 32 for c in range(128)) + \
    bytes(range(128, 256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_CHAR = re.compile(r"[^\W\d_]|’")
_LONE = {kinds: tuple(p for a in kinds for p in (f" {a}", f"{a} ", *(a + b for b in kinds)))
         for kinds in ("'", "’", "'’")}
"""An apostrophe next to a space or another apostrophe, which no word of _WORD holds (by the
apostrophes a text has)."""


def _fast_words(text: str) -> list[str]:
    """``_words(text)`` without a regex scan: characters that are neither letters nor
    apostrophes become spaces, then apostrophes that do not sit between two letters too, and
    the rest splits on spaces (tests/test_damage_style.py compares the two)."""
    if not text.isascii():
        for c in set(_NON_ASCII.findall(text)):
            if not _WORD_CHAR.match(c):
                text = text.replace(c, " ")
    s = text.encode("utf-8", "surrogatepass").translate(_LETTER_BYTES).decode(
        "utf-8", "surrogatepass")
    kinds = "'" * ("'" in s) + "’" * ("’" in s)
    if kinds:
        return split_without_lone(s, _LONE[kinds])
    return s.split()


def _rate(pred: Callable[[str], bool]) -> Callable[[list[str]], float]:
    def measure(words: list[str]) -> float:
        return sum(1 for w in words if pred(w)) / max(1, len(words))

    return measure


def _richness(words: list[str]) -> float:
    head = [w.lower() for w in words[:RICHNESS_WINDOW]]
    return len(set(head)) / max(1, len(head))


def _commonness(words: list[str]) -> float:
    from dedupe_news.words import UNKNOWN_ZIPF, word_zipf

    table = word_zipf()
    low = [w for w in words if w[0].islower()]
    return sum(table.get(w, UNKNOWN_ZIPF) for w in low) / max(1, len(low))


def _unknown(words: list[str]) -> float:
    from dedupe_news.words import word_zipf

    table = word_zipf()
    low = [w for w in words if w[0].islower() and "'" not in w and "’" not in w]
    return sum(1 for w in low if w not in table) / max(1, len(low))


@dataclass(frozen=True)
class Trait:
    """One document statistic and how machine translation moves it."""

    name: str
    direction: int  # +1: higher in MT output, -1: lower
    mean: float  # in clean news (BBC dev split)
    spread: float  # standard deviation in clean news
    measure: Callable[[list[str]], float]
    rationale: str


TRAITS: tuple[Trait, ...] = (
    Trait("of_rate", +1, 0.02347, 0.01083, _rate(lambda w: w.lower() == "of"),
          "Pivots through Romance and many other languages turn \"Japan's economy\" and noun "
          "compounds into \"the economy of Japan\"; dev pairwise 0.997."),
    Trait("the_rate", +1, 0.06369, 0.01778, _rate(lambda w: w.lower() == "the"),
          "Article insertion: the pivot language's articles come back as \"the\"; dev 0.886."),
    Trait("possessive_rate", -1, 0.01087, 0.00815, _rate(lambda w: bool(_POSSESSIVE.search(w))),
          "The English 's genitive rarely survives a round trip; dev 0.941."),
    Trait("contraction_rate", -1, 0.00263, 0.00483,
          _rate(lambda w: bool(_CONTRACTION.search(w))),
          "MT writes out contractions (it's -> it is); dev 0.697 (many texts have none)."),
    Trait("unknown_word_rate", +1, 0.01077, 0.00852, _unknown,
          "Lower-case words missing from a general English word list: untranslated or fused "
          "words (\"conexionesdeinternet\"); dev 0.876."),
    Trait("lexical_richness", -1, 0.59172, 0.04919, _richness,
          "MT maps many synonyms onto one preferred rendering, so fewer distinct words; "
          "dev 0.89."),
    Trait("commonness", +1, 5.87215, 0.11827, _commonness,
          "MT prefers frequent words (mean Zipf of lower-case words); dev 0.72."),
)


def _case_variants(word: str) -> tuple[str, ...]:
    """Every spelling ``w`` of an ASCII ``word`` with ``w.lower() == word``, for words none of
    whose pieces is the lower case of a non-ASCII character (tests/test_damage_style.py checks
    "of" and "the" against the whole of Unicode)."""
    return tuple("".join(p) for p in product(*[(c, c.upper()) for c in word]))


_OF, _THE = _case_variants("of"), _case_variants("the")
_APOSTROPHES = ("'", "’")


def _measure_all(words: list[str]) -> tuple[float, ...]:
    """Every trait of :data:`TRAITS` at once, equal bit for bit to ``t.measure(words)``.

    The per-word tests of the trait definitions run once per distinct word (mostly inside
    C iterators) and are weighted by its count: a rate is an integer count over an integer
    length, so equal counts give equal floats.  The commonness mean sums the Zipf values in
    word order, as its definition does; words that do not count add 0.0, which leaves every
    partial sum unchanged.  (tests/test_damage_style.py compares this with the definitions.)
    """
    from dedupe_news.words import UNKNOWN_ZIPF, word_zipf

    table = word_zipf()
    counts = Counter(words)
    types = list(counts)
    of = sum(counts[w] for w in _OF if w in counts)
    the = sum(counts[w] for w in _THE if w in counts)
    # lower-case words (first letter): commonness and unknown words
    lower = list(compress(types, map(str.islower, map(itemgetter(0), types))))
    n_lower = sum(map(counts.__getitem__, lower))
    terms = list(map(table.get, lower, repeat(UNKNOWN_ZIPF)))
    zipf = dict(zip(lower, terms, strict=True))
    commonness = sum(map(zipf.get, words, repeat(0.0))) / max(1, n_lower)
    # words with an apostrophe: possessives, contractions; left out of the unknown rate
    apostrophe: set[str] = set()
    joined = " ".join(types)  # words hold no spaces
    for a in _APOSTROPHES:
        if a in joined:
            apostrophe.update(compress(types, map(contains, types, repeat(a))))
    possessive = sum(counts[w] for w in apostrophe if _POSSESSIVE.search(w))
    contraction = sum(counts[w] for w in apostrophe if _CONTRACTION.search(w))
    if _unknown_is_marked():  # a word's term is UNKNOWN_ZIPF exactly when it is unknown
        unknown_types = set(compress(lower, map(UNKNOWN_ZIPF.__eq__, terms)))
    else:
        unknown_types = set(lower).difference(table)
    unknown_types.difference_update(apostrophe)
    unknown = sum(map(counts.__getitem__, unknown_types))
    n_plain = n_lower - sum(counts[w] for w in apostrophe if w[0].islower())
    n = max(1, len(words))
    if len(words) <= RICHNESS_WINDOW:  # the head is every word: its distinct words are types
        richness = len(set(map(str.lower, types))) / n
    else:
        head = words[:RICHNESS_WINDOW]
        richness = len(set(map(str.lower, set(head)))) / len(head)
    return (of / n, the / n, possessive / n, contraction / n, unknown / max(1, n_plain),
            richness, commonness)


@lru_cache(maxsize=1)
def _unknown_is_marked() -> bool:
    """Whether no listed word has the Zipf value given to unknown words."""
    from dedupe_news.words import UNKNOWN_ZIPF, word_zipf

    return UNKNOWN_ZIPF not in set(word_zipf().values())


_FAST_ORDER = ("of_rate", "the_rate", "possessive_rate", "contraction_rate",
               "unknown_word_rate", "lexical_richness", "commonness")


@lru_cache(maxsize=4096)
def measure(text: str) -> tuple[tuple[str, float], ...]:
    """Each trait's value for ``text`` (empty when it has fewer than :data:`MIN_WORDS` words)."""
    words = _fast_words(text)
    if len(words) < MIN_WORDS:
        return ()
    if tuple(t.name for t in TRAITS) != _FAST_ORDER:  # a trait was added: the plain way
        return tuple((t.name, t.measure(words)) for t in TRAITS)
    return tuple(zip(_FAST_ORDER, _measure_all(words), strict=True))


def zscore(values: tuple[tuple[str, float], ...]) -> float:
    """Mean signed z-score against clean news: > 0 leans towards MT."""
    if not values:
        return 0.0
    by = dict(values)
    return sum(t.direction * (by[t.name] - t.mean) / t.spread for t in TRAITS) / len(TRAITS)


def p_translated(text: str) -> float:
    """P(machine-translated) from the traits alone (0 for short texts)."""
    values = measure(text)
    if not values:
        return 0.0
    a, b = CURVE
    return 1.0 / (1.0 + math.exp(-(a * zscore(values) + b)))


def style_share(text: str) -> float:
    """Estimated share of damaged sentences implied by the style alone."""
    return p_translated(text) * MT_DAMAGED_SHARE


def translated_margin(a_text: str, b_text: str) -> float:
    """> 0 when ``b`` sits further than ``a`` in the MT direction (mean signed z difference);
    0 when either text is too short to tell."""
    va, vb = measure(a_text), measure(b_text)
    if not va or not vb:
        return 0.0
    da, db = dict(va), dict(vb)
    return sum(t.direction * (db[t.name] - da[t.name]) / t.spread for t in TRAITS) / len(TRAITS)


def p_b_translated(a_text: str, b_text: str) -> float:
    """P(``b`` is the machine translation and ``a`` the original), 0.5 when undecided."""
    margin = translated_margin(a_text, b_text)
    if abs(margin) < PAIR_MIN_MARGIN:
        return 0.5
    return 1.0 / (1.0 + math.exp(-PAIR_SLOPE * margin))
