"""Cross-version evidence: which of two versions of a text reads as damaged, and where.

Most real MT errors are wrong words in grammatical sentences, invisible to within-text rules
but visible next to a second version.  Given aligned sentence pairs, this module lists the
words one version has and the other lacks, names the kind of difference (name, entity,
number, negation, calque, wording) and attributes it to the version that reads as damaged,
from these clues, each recorded in the difference's ``reasons``:

* a within-text rule flag or a calque inside the differing words (strong: 2 points);
* an entity echo: the differing name already occurs elsewhere in the same sentence group of
  that version ("weapons for its war against Russia" in a sentence about Russia), the typical
  MT slip of repeating a nearby entity (1 point);
* commonness: MT prefers common words (Vanmassenhove et al. 2019, loss of lexical richness in
  MT), so the wording whose content words are more frequent in general English (wordfreq
  Zipf scale, ``data/damage_wordfreq.tsv``) is more likely the machine's (0.5 points; tuned on
  the seeds and WMT23 system pairs, never on the BBC corpus).

Each version's adjusted score adds, to its own ``check_text`` score, the share of aligned
pairs in which it carries more evidence than the other version (a pair with only commonness
evidence counts half).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dedupe_news.damage.model import Flag
from dedupe_news.words import UNKNOWN_ZIPF as UNKNOWN_ZIPF
from dedupe_news.words import word_zipf as word_zipf

_TOKEN = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*|[^\w\s]")
_NEGATION = frozenset({"not", "no", "never", "none", "nor", "without", "neither", "nothing",
                       "nobody", "n't", "cannot", "unable"})
_FUNCTION = frozenset(re.findall(r"\S+", """a an the of to in on at for by with from and or
but as is are was were be been being has have had do does did will would can could may might
must shall should it its this that these those he she they we you i his her their our your
which who whom what when where while if than then so also such there here into onto over
under about after before up out off not no said says"""))
COMMON_MARGIN = 0.3
"""Minimum Zipf gap for the commonness clue (seeds: Esteves/Estevez style pairs sit below)."""
POINTS = {"rule": 2.0, "calque": 2.0, "entity_echo": 1.0, "commoner_wording": 0.5}


@dataclass(frozen=True)
class Difference:
    """Words one version has and the other lacks, within one aligned pair."""

    kind: str  # name | entity | number | negation | calque | wording
    a_start: int
    a_end: int
    a_text: str
    b_start: int
    b_end: int
    b_text: str
    damaged: str | None  # "a", "b" or None when the clues do not decide
    points: dict[str, float]
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "a": {"start": self.a_start, "end": self.a_end,
                                         "text": self.a_text},
                "b": {"start": self.b_start, "end": self.b_end, "text": self.b_text},
                "damaged": self.damaged, "points": dict(self.points),
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class VersionEvidence:
    """Cross-version evidence for two versions A and B of one text.

    ``a_score``/``b_score`` are adjusted damage scores in [0, 1] (own ``check_text`` score
    combined with the share of aligned pairs where that version carries the damage
    evidence); ``damaged`` names the version that reads as damaged, or None on a tie.
    """

    differences: list[Difference]
    pairs: int
    a_base: float
    b_base: float
    a_score: float
    b_score: float
    a_pairs_damaged: float
    b_pairs_damaged: float

    @property
    def damaged(self) -> str | None:
        if abs(self.a_score - self.b_score) < 1e-9:
            return None
        return "a" if self.a_score > self.b_score else "b"

    @property
    def better(self) -> str | None:
        """The version to keep as canonical ("a", "b", or None on a tie)."""
        d = self.damaged
        return None if d is None else ("b" if d == "a" else "a")

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": self.pairs, "a_score": round(self.a_score, 4),
                "b_score": round(self.b_score, 4), "a_base": round(self.a_base, 4),
                "b_base": round(self.b_base, 4), "damaged": self.damaged,
                "a_pairs_damaged": self.a_pairs_damaged, "b_pairs_damaged": self.b_pairs_damaged,
                "differences": [d.to_dict() for d in self.differences]}


# ---------------------------------------------------------------------------------------
# input adapters: accept span pairs or the alignment module's output


def _span(x: Any) -> tuple[int, int]:
    """(start, end) from a Span, a (start, end) tuple, or a non-empty list of Spans."""
    if hasattr(x, "start") and hasattr(x, "end"):
        return int(x.start), int(x.end)
    if isinstance(x, (list, tuple)) and x and all(hasattr(s, "start") for s in x):
        return int(x[0].start), int(x[-1].end)
    if isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(v, int) for v in x):
        return int(x[0]), int(x[1])
    raise TypeError(f"cannot read a sentence span from {x!r}: give a Span, (start, end) or "
                    "a list of Spans")


def normalize_pairs(a_text: str, b_text: str, pairs: Any) -> list[tuple[int, int, int, int]]:
    """Character spans ``(a_start, a_end, b_start, b_end)`` of each aligned pair.

    Accepts an ``Alignment`` (``.groups`` with sentence indices plus ``.a_sents``/
    ``.b_sents``), a list of groups with ``.a``/``.b`` index tuples (sentences are then
    split here with :func:`dedupe_news.segment.split_sentences`), or a list of
    ``(a_span, b_span)`` where a span is a Span, ``(start, end)`` or a list of Spans.
    """
    groups: Iterable[Any] = pairs
    a_sents = b_sents = None
    if hasattr(pairs, "groups") and hasattr(pairs, "a_sents"):
        groups, a_sents, b_sents = pairs.groups, pairs.a_sents, pairs.b_sents
    out: list[tuple[int, int, int, int]] = []
    for g in groups:
        if hasattr(g, "a") and hasattr(g, "b") and isinstance(g.a, (tuple, list)):
            if a_sents is None or b_sents is None:
                from dedupe_news.segment import split_sentences

                a_sents, b_sents = split_sentences(a_text), split_sentences(b_text)
            if not g.a or not g.b:
                continue
            out.append((a_sents[g.a[0]].start, a_sents[g.a[-1]].end,
                        b_sents[g.b[0]].start, b_sents[g.b[-1]].end))
            continue
        if isinstance(g, dict):
            g = (g["a"], g["b"])
        a0, a1 = _span(g[0])
        b0, b1 = _span(g[1])
        out.append((a0, a1, b0, b1))
    return out


# ---------------------------------------------------------------------------------------
# classification and attribution


def _is_cap(w: str) -> bool:
    return w[:1].isupper()


def _content(words: Sequence[str]) -> list[str]:
    return [w for w in words if w[0].isalnum() and w.lower() not in _FUNCTION]


def _kind(wa: list[str], wb: list[str]) -> str:
    la = {w.lower() for w in wa}
    lb = {w.lower() for w in wb}
    if (la & _NEGATION) != (lb & _NEGATION) or any(w.endswith("n't") for w in la ^ lb):
        return "negation"
    if any(any(c.isdigit() for c in w) for w in wa + wb):
        return "number"
    ca = [w for w in wa if _is_cap(w)]
    cb = [w for w in wb if _is_cap(w)]
    if ca and cb and len(ca) <= 3 and len(cb) <= 3:
        ratio = difflib.SequenceMatcher(None, " ".join(ca).lower(), " ".join(cb).lower()).ratio()
        return "name" if ratio >= 0.6 else "entity"
    return "wording"


def _mean_zipf(words: Sequence[str]) -> float | None:
    content = [w.lower() for w in _content(words) if not _is_cap(w)]
    if not content:
        return None
    table = word_zipf()
    return sum(table.get(w, UNKNOWN_ZIPF) for w in content) / len(content)


def _flags_in(flags: Sequence[Flag], start: int, end: int) -> list[Flag]:
    return [f for f in flags if f.start < max(end, start + 1) and start < f.end]


def compare_versions(a_text: str, b_text: str, pairs: Any,
                     a_flags: Sequence[Flag] | None = None,
                     b_flags: Sequence[Flag] | None = None,
                     a_base: float | None = None, b_base: float | None = None
                     ) -> VersionEvidence:
    """Differences between two versions in aligned sentence pairs, attributed to a version.

    ``pairs``: see :func:`normalize_pairs`.  ``a_flags``/``a_base`` (and ``b_``) may be
    passed when the caller already ran :func:`check_text`; otherwise it is run here.
    """
    from dedupe_news.damage.engine import check_text
    from dedupe_news.damage.rules import calque_lexicon

    if a_flags is None or a_base is None:
        rep = check_text(a_text, min_severity="info")
        a_flags, a_base = rep.flags, rep.score
    if b_flags is None or b_base is None:
        rep = check_text(b_text, min_severity="info")
        b_flags, b_base = rep.flags, rep.score
    calques = calque_lexicon()
    spans = normalize_pairs(a_text, b_text, pairs)
    diffs: list[Difference] = []
    pair_a = pair_b = 0.0
    for a0, a1, b0, b1 in spans:
        if a_text[a0:a1] == b_text[b0:b1]:
            continue  # the same sentence: nothing to attribute (most pairs inside a cluster)
        ta = [(m.group(), a0 + m.start(), a0 + m.end()) for m in _TOKEN.finditer(a_text[a0:a1])]
        tb = [(m.group(), b0 + m.start(), b0 + m.end()) for m in _TOKEN.finditer(b_text[b0:b1])]
        la = [t[0].lower() for t in ta]
        lb = [t[0].lower() for t in tb]
        if la == lb:
            continue  # the same words: nothing to attribute (most pairs inside a cluster)
        sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
        pts_a = pts_b = 0.0
        strong = False
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                continue
            wa = [t[0] for t in ta[i1:i2]]
            wb = [t[0] for t in tb[j1:j2]]
            if not _content(wa) and not _content(wb):
                continue  # punctuation and function words only: not evidence of damage
            s_a = ta[i1][1] if i1 < i2 else (ta[i1][1] if i1 < len(ta) else a1)
            e_a = ta[i2 - 1][2] if i1 < i2 else s_a
            s_b = tb[j1][1] if j1 < j2 else (tb[j1][1] if j1 < len(tb) else b1)
            e_b = tb[j2 - 1][2] if j1 < j2 else s_b
            kind = _kind(wa, wb)
            points = {"a": 0.0, "b": 0.0}
            reasons: list[str] = []
            for side, flags, s, e in (("a", a_flags, s_a, e_a), ("b", b_flags, s_b, e_b)):
                hit = _flags_in(flags, s, e)
                if hit:
                    points[side] += POINTS["rule"]
                    reasons.append(f"{side}: rule {hit[0].rule} flags {hit[0].text!r}")
            for side, words in (("a", wa), ("b", wb)):
                low = [w.lower() for w in words if w[0].isalnum()]
                for k, w in enumerate(low):
                    for entry, expected, _src in calques.get(w, ()):
                        if tuple(low[k:k + len(entry)]) == entry:
                            points[side] += POINTS["calque"]
                            reasons.append(f"{side}: calque {' '.join(entry)!r} "
                                           f"(usual: {expected!r})")
                            kind = "calque"
            if kind == "entity":
                # An echo counts only when the *other* version's entity is not repeated and
                # the echoed entity occurs in the other version too: both agree it is in the
                # sentence, one of them put it in a second place (WMT23 tune half: without
                # these conditions transliteration variants made the clue a coin toss).
                rest_a, rest_b = set(la[:i1] + la[i2:]), set(lb[:j1] + lb[j2:])
                echo_a = [w for w in wa if _is_cap(w) and w.lower() in rest_a]
                echo_b = [w for w in wb if _is_cap(w) and w.lower() in rest_b]
                for side, echo, other_echo, other_rest in (("a", echo_a, echo_b, rest_b),
                                                           ("b", echo_b, echo_a, rest_a)):
                    if echo and not other_echo and echo[0].lower() in other_rest:
                        points[side] += POINTS["entity_echo"]
                        reasons.append(f"{side}: {echo[0]!r} repeats an entity of the same "
                                       "sentence")
            za, zb = _mean_zipf(wa), _mean_zipf(wb)
            if za is not None and zb is not None and abs(za - zb) >= COMMON_MARGIN:
                side = "a" if za > zb else "b"
                points[side] += POINTS["commoner_wording"]
                reasons.append(f"{side}: commoner wording (Zipf {max(za, zb):.2f} vs "
                               f"{min(za, zb):.2f})")
            damaged = None
            if points["a"] != points["b"]:
                damaged = "a" if points["a"] > points["b"] else "b"
            strong = strong or max(points.values()) >= 1.0
            pts_a += points["a"]
            pts_b += points["b"]
            diffs.append(Difference(kind, s_a, e_a, a_text[s_a:e_a], s_b, e_b,
                                    b_text[s_b:e_b], damaged, points, reasons))
        weight = 1.0 if strong else 0.5
        if pts_a > pts_b:
            pair_a += weight
        elif pts_b > pts_a:
            pair_b += weight
    n = max(1, len(spans))
    a_score = 1.0 - (1.0 - a_base) * (1.0 - min(1.0, pair_a / n))
    b_score = 1.0 - (1.0 - b_base) * (1.0 - min(1.0, pair_b / n))
    return VersionEvidence(diffs, len(spans), a_base, b_base, a_score, b_score, pair_a, pair_b)


# ---------------------------------------------------------------------------------------
# many versions at once: the canonical choice of a cluster

_PAIR_WORD = re.compile(r"\w+")
_ENDS = re.compile(r"\n|[.!?][\"'\u2019\u201d)\]]*\s+(?=[A-Z0-9\u00C0-\u024F])")
PAIR_MIN_JACCARD = 0.3
"""Word-set Jaccard for two sentences to be paired by :func:`quick_pairs` (seeds: MT
versions of one sentence share 0.4-0.8 of their words; unrelated news sentences < 0.2)."""


def quick_pairs(a_text: str, b_text: str) -> list[tuple[Any, Any]]:
    """Monotone 1:1 sentence pairs by word-set Jaccard: a light stand-in for ``align``.

    Good enough to feed :func:`compare_versions` inside a cluster, where versions are close;
    use :func:`dedupe_news.align.align_texts` when merges, splits or moved paragraphs matter.
    """
    from dedupe_news.damage.engine import sentences_of

    sa, sb = sentences_of(a_text), sentences_of(b_text)
    wa = [set(_PAIR_WORD.findall(s.text.lower())) for s in sa]
    wb = [set(_PAIR_WORD.findall(s.text.lower())) for s in sb]
    pairs: list[tuple[Any, Any]] = []
    j0 = 0
    for i, x in enumerate(wa):
        if j0 < len(sb) and x and sa[i].text == sb[j0].text:
            pairs.append((sa[i], sb[j0]))  # the next sentence, unchanged (versions are close)
            j0 += 1
            continue
        best, best_j = PAIR_MIN_JACCARD, -1
        for j in range(j0, len(wb)):
            y = wb[j]
            if not x or not y:
                continue
            jac = len(x & y) / len(x | y)
            if jac > best:
                best, best_j = jac, j
        if best_j >= 0:
            pairs.append((sa[i], sb[best_j]))
            j0 = best_j + 1
    return pairs


def common_text(a_text: str, b_text: str) -> tuple[str, str]:
    """Both texts without the sentences only one of them has (a paragraph one version
    dropped, a lead or tail it lacks): what is left of each, for comparing their style.

    Versions with as many sentence ends as each other (a cheap count: line breaks and
    ``.``/``!``/``?`` before a capital or a digit, :data:`_ENDS`) are returned as they are:
    segmenting costs ~0.4 ms a text, and most pairs of versions drop nothing.  Otherwise
    sentences are paired by :func:`quick_pairs`.  A sentence without a pair is set aside
    when it lies where the other text has nothing: before the first pair, after the last,
    or between two pairs whose sentences are neighbours in the other text.  Unpaired
    sentences facing unpaired sentences (a sentence the translation mangled) stay: that
    is the style being compared.  A dropped paragraph otherwise moves the traits' rates
    (its own "of"s and "the"s) far enough to read as translation.
    """
    from dedupe_news.damage.engine import sentences_of

    if len(_ENDS.findall(a_text)) == len(_ENDS.findall(b_text)):
        return a_text, b_text  # nothing one of them has alone (the common case: no pairing)
    sa, sb = sentences_of(a_text), sentences_of(b_text)
    pairs = quick_pairs(a_text, b_text)
    if not pairs:
        return a_text, b_text
    ia = {s.start: k for k, s in enumerate(sa)}  # (a sentence's start names it in its text)
    ib = {s.start: k for k, s in enumerate(sb)}
    idx = [(ia[x.start], ib[y.start]) for x, y in pairs]
    keep_a = [False] * len(sa)
    keep_b = [False] * len(sb)
    for k, (i, j) in enumerate(idx):
        keep_a[i] = keep_b[j] = True
        if k + 1 < len(idx):
            i2, j2 = idx[k + 1]
            if i2 > i + 1 and j2 > j + 1:  # unpaired on both sides: replaced, kept
                for x in range(i + 1, i2):
                    keep_a[x] = True
                for y in range(j + 1, j2):
                    keep_b[y] = True
    return (" ".join(s.text for s, k in zip(sa, keep_a, strict=True) if k),
            " ".join(s.text for s, k in zip(sb, keep_b, strict=True) if k))


def version_scores(texts: Sequence[str], word_evidence: bool = False) -> list[float]:
    """Adjusted damage scores for versions of one story (e.g. the members of a cluster).

    Each text's ``check_text`` score is combined with, over the other versions, the mean
    probability that it is the machine translation of the other one
    (:func:`dedupe_news.damage.style.p_b_translated`: translationese traits compared directly,
    which cancels the story's own style; on the text both versions hold,
    :func:`common_text`), times the share of MT sentences raters mark as
    damaged. Both read the texts with boilerplate lines set aside, so site furniture does not
    decide. With ``word_evidence`` the word-level evidence of :func:`compare_versions` is
    added too (off by default: on real round trips its commonness clue pointed at the
    original; see ``bench/eval_roundtrip.py``).
    Same signature as the cluster's damage scorer: ``list[str] -> list[float]``.
    """
    from dedupe_news.damage import style
    from dedupe_news.damage.engine import score_and_flags
    from dedupe_news.normalize import prepare

    n = len(texts)
    bodies = [prepare(t).body for t in texts] if n > 1 else list(texts)  # boilerplate aside
    # check_text(t, min_severity="info") score and flags; copies with the same body once
    checked: dict[str, tuple[float, list[Flag]]] = {}
    reports = [checked[t] if t in checked else checked.setdefault(t, score_and_flags(t))
               for t in bodies]
    extra = [0.0] * n
    for i in range(n):
        for j in range(i + 1, n):
            p = style.p_b_translated(*common_text(bodies[i], bodies[j]))
            extra[i] += (1.0 - p) * style.MT_DAMAGED_SHARE / (n - 1)
            extra[j] += p * style.MT_DAMAGED_SHARE / (n - 1)
            if not word_evidence:
                continue
            pairs = quick_pairs(texts[i], texts[j])
            if not pairs:
                continue
            ev = compare_versions(texts[i], texts[j], pairs, a_flags=reports[i][1],
                                  b_flags=reports[j][1], a_base=0.0, b_base=0.0)
            extra[i] += ev.a_score / (n - 1)
            extra[j] += ev.b_score / (n - 1)
    return [1.0 - (1.0 - score) * (1.0 - min(1.0, e))
            for (score, _flags), e in zip(reports, extra, strict=True)]
