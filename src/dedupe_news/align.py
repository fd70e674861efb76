"""Sentence alignment between two versions of an article, and word diffs inside each group.

The stages, in order:

1. **Segment** both texts (:func:`dedupe_news.segment.split_sentences`); every sentence keeps
   its offsets into the text as read.
2. **Represent** each sentence as a raw (un-normalised) TF-IDF vector of words and of
   character 4-grams inside words, fitted on the two documents only.  Raw vectors add up, so
   the vector of a group of adjacent sentences is the sum of theirs and every group cosine
   comes from one Gram matrix (no re-vectorising).  Character n-grams catch the inflection and
   spelling changes that machine translation makes ("reorganizes"/"reorganises").  Word counts
   are sublinear (1 + ln tf) and the word idf is half the pair's own, half general English
   frequency (``BACKGROUND_MIX``): a dozen sentences give too noisy an idf for paraphrases.
   The word vector is extended with WordNet synsets (``SYN_WEIGHT``): each word also stands
   for the first senses of its lemmas (morphy rules and exception lists: ``went`` -> ``go``),
   so synonyms and irregular forms match ("beast"/"creature", "perishing"/"died").  The
   table is shipped (``data/wordnet_en.tsv.gz``, built by ``bench/build_wordnet.py``).
   In English pairs, words run together by a lost line break ("thewater") are read as their
   two words first (``JOIN_ZIPF``).  Optionally (``embed=``) a sentence-embedding cosine
   takes ``EMBED_WEIGHT`` of every group's similarity (:mod:`dedupe_news.embed`).
3. **Monotone dynamic programme** over both sentence lists with 1:1, 1:2, 2:1, 1:3, 3:1
   groups, deletions and insertions.  A group of shape k:q with cosine ``s`` gains
   ``(s - threshold) * (k + q) / 2 - merge_penalty * (k + q - 2)``; skipping a sentence gains
   0, so nothing below ``threshold`` is ever linked.  A group also gains ``CONTEXT_WEIGHT``
   times the mean 1:1 cosine of its diagonal neighbours (the pair just before and just after
   it), so among competing links the one in line with its neighbours wins.  A length term
   (``LENGTH_WEIGHT``, ``LENGTH_SLACK``) takes gain off groups whose sides differ much in
   word count.  3- and 4-sentence windows may be *gapped*: an interior sentence unrelated to
   the other side is left out instead of the window being rejected (``GAP_FLOOR_RATIO``),
   so A = [4, 6] -> B = [2] is one group and sentence 5 is dropped.  Each row is
   computed with numpy (the insertion chain is a running maximum), which keeps two
   300-sentence articles under 100 ms.
4. **Moved pass**: sentences left over by the monotone pass are aligned again among
   themselves (a moved paragraph is monotone within itself) with a stricter threshold
   (``threshold + move_margin``); a group that crosses the main path is labelled ``moved``.
5. **Label** groups: ``identical`` (same words), ``changed`` (1:1), ``merged`` (n A sentences
   became one B sentence), ``split`` (1:n), ``moved``; sentences in no group are ``dropped``
   (A only) or ``added`` (B only).
6. **Verdict**: the relation model of :mod:`dedupe_news.verify`, the one ``cluster`` uses
   (:func:`verdict_for`), with the rule that produced it.

Huge inputs: above ``MAX_CELLS`` sentence pairs the programme runs window by window along the
path found so far (a band), and the moved pass is skipped; :attr:`Alignment.notes` says so.

The one knob meant for users is ``threshold`` (default :data:`DEFAULT_THRESHOLD`); the other
constants were tuned together on the even lines of the gold sets and on the synthetic MT dev
set (``bench/eval_align_gold.py``), and are recorded in :attr:`Alignment.settings`.
"""

from __future__ import annotations

import difflib
import re
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from dedupe_news.model import Span
from dedupe_news.segment import split_sentences

if TYPE_CHECKING:
    from dedupe_news.verify import Evidence

#: A sentence-embedding function: sentences in, one vector per sentence out.
Embedder = Callable[[list[str]], Any]

__all__ = [
    "DEFAULT_THRESHOLD",
    "KINDS",
    "Alignment",
    "Group",
    "align_sentences",
    "align_spans",
    "align_texts",
    "word_diff",
]

#: Minimum group cosine for two sentences (or groups) to be linked.  Lower finds more
#: rewritten pairs and more false links.  Tuned on gold even lines and the MT dev set.
DEFAULT_THRESHOLD = 0.25
#: Extra threshold for links found out of order (moved): reordering is rarer than editing.
MOVE_MARGIN = 0.10
#: Gain taken off per extra sentence in a merge/split, so a strong 1:1 pair does not swallow
#: an unrelated neighbour.
MERGE_PENALTY = 0.12
#: A merged/split group must beat the cosine of its best part by this much.
MERGE_MIN_GAIN = -0.02
#: ... and each of its sentences alone must reach this share of ``threshold`` as cosine with
#: the other side's part (so a caption or a date line is never merged into a good pair).
MEMBER_FLOOR_RATIO = 0.4
#: Weight of the word cosine against the character 4-gram cosine.
WORD_WEIGHT = 0.5
#: Constant added to ln((1+N)/(1+df)) in the idf (sklearn uses 1): lower values silence words
#: that occur in nearly every sentence of the pair.
IDF_ADD = 1.0
#: Share of the word weight taken from general English frequency (wordfreq Zipf, the list in
#: ``data/damage_wordfreq.tsv``) instead of the pair's own idf.  Two documents give a very
#: noisy idf (a dozen sentences); "the", "he", "said" are known to carry no content.  Words
#: missing from the list (rare words, other languages) get the full weight.
BACKGROUND_MIX = 0.5
#: Gain added to a group per unit of the mean cosine of its two diagonal neighbours (the pair
#: before it and the pair after it): text that keeps its order confirms a weak link.
CONTEXT_WEIGHT = 0.4
#: Cosine assumed for the diagonal neighbour beyond either document's start or end.
CONTEXT_EDGE = 0.3
#: Weight of the WordNet synset features appended to the word vector: a word of TF-IDF weight
#: ``w`` with synsets ``s1..sk`` (see ``SYN_SENSES``) adds ``SYN_WEIGHT * w / sqrt(k)`` on each
#: synset column, so two synonyms sharing a sense get a word cosine without sharing a word.
#: 0 turns it off.  Tuned on the even lines of the gold sets (Aesop +0.005 F1; DEplain and
#: the MT dev set unchanged).
SYN_WEIGHT = 0.5
#: Senses kept per lemma and part of speech (WordNet lists the most frequent sense first).
SYN_SENSES = 3
#: Length term (Gale & Church's observation: translations and retellings keep the length of
#: what they render): a group whose two sides differ in length by more than a factor
#: ``exp(LENGTH_SLACK)`` (word counts) loses ``LENGTH_WEIGHT`` per unit of excess log ratio
#: and per side sentence, as its cosine gain does.  It keeps a short sentence from taking a
#: long one (or two) only because they share a few words, and keeps merges/splits to the
#: sentences that the other side's length accounts for.  Tuned on the even lines of the gold
#: sets (Aesop 0.662 -> 0.682, DEplain 0.914 -> 0.927 F1 at their tuned thresholds).
LENGTH_WEIGHT = 0.1
LENGTH_SLACK = 0.15
#: Gapped merges/splits: a 3- or 4-sentence window may leave out an interior sentence whose own
#: cosine with the other side is under ``GAP_FLOOR_RATIO * threshold`` (instead of the window
#: being rejected): an aside, a line of dialogue or a caption between the two halves of a
#: merged sentence is then ``dropped``/``added`` and the halves still form one group, e.g.
#: A = [0, 2] -> B = [5].  Both end sentences must still pass ``MEMBER_FLOOR_RATIO``.
#: 0 turns gapped groups off.  Tuned on the even lines of the gold sets (Aesop +0.015 F1 with
#: the length term; DEplain -0.005).
GAP_FLOOR_RATIO = 0.8
#: A gapped group must reach at least the cosine of its better end sentence plus this: two
#: pieces that are not adjacent need more evidence than a contiguous merge (MT round trips
#: with moved paragraphs otherwise pair a sentence with an unrelated later one).
GAP_MIN_GAIN = 0.0
#: Character n-gram sizes (inside words).  Words here are runs of letters and digits, so
#: punctuation and Gutenberg's ``_italics_`` marks add no n-grams of their own: "water." and
#: "water" share all their n-grams, "_It" and "It" too (with whitespace-split words, as in
#: sklearn's ``char_wb``, "water." lost its two end n-grams).  Measured on the gold sets (each
#: at its even-tuned threshold): Aesop even 0.702 -> 0.699, odd 0.649 -> 0.660; DEplain and
#: the MT dev set unchanged (+-0.001).
CHAR_NGRAMS = (4, 4)
#: Run-together words ("theCountry", "whichlived", "throwingstones": line breaks lost when a
#: text was extracted) are read as the two words they hold, for the similarity only.  A
#: word of 5+ letters is split when it is neither in the English frequency list nor a
#: WordNet form (nor a doubled-consonant inflection of one) and splits into two listed words
#: of Zipf >= ``JOIN_ZIPF`` (left, right); a part of two letters must reach
#: ``JOIN_SHORT_ZIPF`` ("in", "of", "he"), so endings like "-st" or "-ed" are never cut off.
#: Only pairs that read as English (``JOIN_ENGLISH`` of their words in the list; the gold
#: sets: Aesop >= 0.90, DEplain <= 0.48, MT dev >= 0.72) are touched, since the list is
#: English.  Aesop has about 340 such tokens in 153 pairs.  With the char tokens above:
#: Aesop even 0.699 -> 0.700, odd 0.660 -> 0.668 (DEplain untouched, MT dev unchanged).
JOIN_ZIPF = (4.0, 3.5)
JOIN_SHORT_ZIPF = 5.5
JOIN_ENGLISH = 0.8
#: Sentence-embedding cosines at or under this floor count as 0 when an ``embed`` function is
#: given (:func:`align_spans`): unrelated sentences on the same story still score 0.2-0.3 in
#: embedding models, where TF-IDF gives them ~0.
EMBED_FLOOR = 0.3
#: Share of each group's similarity taken by the embedding cosine when ``embed`` is given.
#: Weight and floor were chosen on Aesop's even lines (``bench/eval_align_embed.py``).
EMBED_WEIGHT = 0.3
#: From this many sentence pairs on, the programme's rows are filled by the compiled kernel
#: (:func:`dedupe_news.align_jit.align_fill`, ~4x faster than numpy rows, same numbers).
#: Smaller tables use numpy: importing numba (~0.5 s, once per process) costs more than it
#: saves on typical articles, and the command line aligns one pair per process.
COMPILED_MIN_CELLS = 40_000
#: Above this many sentence pairs the programme runs in windows (band) instead of in full.
MAX_CELLS = 2_000_000
#: Window size (A sentences) of the banded programme.
WINDOW = 400

KINDS = ("identical", "changed", "merged", "split", "moved", "added", "dropped")
# (k, q): k sentences of A with q sentences of B.
#: Group cosine above which a group counts as reused text (not just the same topic) for the
#: verdict; see :func:`verdict_for`.
STRONG_SIM = 0.5
#: Largest group: 1:MAX_GROUP and MAX_GROUP:1 (simplified texts split one sentence in 4).
MAX_GROUP = 4
_SHAPES: tuple[tuple[int, int], ...] = ((1, 1), *((k, 1) for k in range(2, MAX_GROUP + 1)),
                                        *((1, k) for k in range(2, MAX_GROUP + 1)))
_WORD = re.compile(r"\w+")
# Words for character n-grams and for the English test: letters and digits only.
_CHAR_WORD = re.compile(r"[^\W_]+")
# A part this close to the other side is already the whole match (see _Features._constrain).
_WHOLE = 0.95


@dataclass(frozen=True)
class Group:
    """Aligned sentences: indices into A and B (ascending), a kind and the group cosine."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    kind: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"a": list(self.a), "b": list(self.b), "kind": self.kind,
                "similarity": round(self.similarity, 4)}


@dataclass
class Alignment:
    """The result of aligning two texts.

    ``groups`` lists aligned groups only, ordered by their first A sentence; sentences in no
    group are ``dropped`` (A) or ``added`` (B).  ``coverage_a`` is the share of A's sentences
    that are aligned (likewise B).
    """

    a_text: str
    b_text: str
    a_sents: list[Span]
    b_sents: list[Span]
    groups: list[Group]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    titles: tuple[str | None, str | None] = (None, None)  # the articles' headlines, if known

    @property
    def dropped(self) -> list[int]:
        used = {i for g in self.groups for i in g.a}
        return [i for i in range(len(self.a_sents)) if i not in used]

    @property
    def added(self) -> list[int]:
        used = {j for g in self.groups for j in g.b}
        return [j for j in range(len(self.b_sents)) if j not in used]

    @property
    def coverage_a(self) -> float:
        n = len(self.a_sents)
        return (n - len(self.dropped)) / n if n else 0.0

    @property
    def coverage_b(self) -> float:
        m = len(self.b_sents)
        return (m - len(self.added)) / m if m else 0.0

    @property
    def verdict(self) -> str:
        """``copy`` / ``contains`` / ``contained_in`` / ``partial`` / ``none`` (see
        :func:`verdict_for`)."""
        return verdict_for(self)

    @cached_property
    def relation(self) -> Evidence:
        """The relation model's evidence for the pair (:mod:`dedupe_news.verify`)."""
        from dedupe_news.verify import relate_texts  # (numba loads only when asked)

        return relate_texts(self.a_text, self.b_text, None, *self.titles)

    def links(self) -> set[tuple[int, int]]:
        """Every (i, j) sentence pair inside a group (n:m groups expanded)."""
        return {(i, j) for g in self.groups for i in g.a for j in g.b}

    def counts(self) -> dict[str, int]:
        """Groups per kind, plus ``added``/``dropped`` sentence counts."""
        out = dict.fromkeys(KINDS, 0)
        for g in self.groups:
            out[g.kind] += 1
        out["added"] = len(self.added)
        out["dropped"] = len(self.dropped)
        return out

    def rows(self) -> list[tuple[str, tuple[int, ...], tuple[int, ...], float | None]]:
        """Display rows ``(kind, a_indices, b_indices, similarity)`` in reading order.

        Rows follow the monotone path; between two path groups come the A-only items
        (dropped sentences, moved groups shown at their A position) then the added B ones.
        """
        main = [g for g in self.groups if g.kind != "moved"]
        moved = [g for g in self.groups if g.kind == "moved"]
        moved_b = {j for g in moved for j in g.b}
        a_items: list[tuple[int, tuple[str, tuple[int, ...], tuple[int, ...], float | None]]]
        a_items = [(i, ("dropped", (i,), (), None)) for i in self.dropped]
        a_items += [(g.a[0], ("moved", g.a, g.b, g.similarity)) for g in moved]
        a_items.sort(key=lambda t: t[0])
        b_items = [(j, ("added", (), (j,), None)) for j in self.added if j not in moved_b]
        rows: list[tuple[str, tuple[int, ...], tuple[int, ...], float | None]] = []
        ai = bi = 0
        for g in [*main, None]:
            a_lim = g.a[0] if g else len(self.a_sents)
            b_lim = g.b[0] if g else len(self.b_sents)
            while ai < len(a_items) and a_items[ai][0] < a_lim:
                rows.append(a_items[ai][1])
                ai += 1
            while bi < len(b_items) and b_items[bi][0] < b_lim:
                rows.append(b_items[bi][1])
                bi += 1
            if g:
                rows.append((g.kind, g.a, g.b, g.similarity))
        return rows

    def summary(self) -> dict[str, Any]:
        ev = self.relation
        return {"coverage_a": round(self.coverage_a, 4), "coverage_b": round(self.coverage_b, 4),
                "verdict": self.verdict, "rule": ev.rule, "why": ev.why,
                "relation_evidence": {"score": round(ev.score, 4),
                                      "coverage_a": round(ev.coverage_a, 4),
                                      "coverage_b": round(ev.coverage_b, 4),
                                      **ev.rest_fields()},
                "counts": self.counts()}

    def to_dict(self, a_path: str = "", b_path: str = "") -> dict[str, Any]:
        """The ``--format json`` document (offsets are Python string indices)."""
        return {
            "a": {"path": a_path, "sentences": [s.to_dict() for s in self.a_sents]},
            "b": {"path": b_path, "sentences": [s.to_dict() for s in self.b_sents]},
            "pairs": [g.to_dict() for g in self.groups],
            "summary": self.summary(),
            "settings": self.settings,
            "notes": list(self.notes),
        }


def verdict_for(al: Alignment) -> str:
    """The relation of the two texts: ``copy``, ``contains`` (A holds B plus news of its
    own), ``contained_in``, ``partial`` or ``none`` - the relation model of
    :mod:`dedupe_news.verify` (:func:`dedupe_news.verify.relate_texts`), the one ``cluster``
    and ``explain`` use, not a rule of its own: the sentence alignment shows *what* changed,
    the relation model says what the pair *is* (it sets boilerplate aside and reads what
    the longer side's unaligned rest is).  Seeds 004 / 002 (an MT version cut short
    against one with captions and "Follow Us on"): ``copy``, as in ``cluster``."""
    return al.relation.relation or "none"


# ---------------------------------------------------------------------------------------------
# public entry points


def align_texts(a_text: str, b_text: str, threshold: float = DEFAULT_THRESHOLD,
                embed: Embedder | None = None) -> Alignment:
    """Segment both texts and align their sentences (offsets point into the texts as given).

    ``embed``: an optional sentence-embedding function (see :func:`align_spans`)."""
    return align_spans(a_text, split_sentences(a_text), b_text, split_sentences(b_text),
                       threshold=threshold, embed=embed)


def align_sentences(a: Sequence[str], b: Sequence[str],
                    threshold: float = DEFAULT_THRESHOLD, embed: Embedder | None = None,
                    **tuning: float) -> Alignment:
    """Align pre-segmented sentence lists (gold evaluation).  Offsets are into ``"\\n".join``.

    ``embed``: an optional sentence-embedding function (see :func:`align_spans`).
    ``tuning`` passes the expert constants of :func:`align_spans` (for the tuning scripts).
    """
    a_text, a_spans = _join(a)
    b_text, b_spans = _join(b)
    return align_spans(a_text, a_spans, b_text, b_spans, threshold=threshold, embed=embed,
                       **tuning)  # type: ignore[arg-type]


def align_spans(a_text: str, a_sents: list[Span], b_text: str, b_sents: list[Span],
                threshold: float = DEFAULT_THRESHOLD, *, move_margin: float = MOVE_MARGIN,
                merge_penalty: float = MERGE_PENALTY, word_weight: float = WORD_WEIGHT,
                merge_min_gain: float = MERGE_MIN_GAIN,
                member_floor_ratio: float = MEMBER_FLOOR_RATIO,
                idf_add: float = IDF_ADD, background_mix: float = BACKGROUND_MIX,
                context_weight: float = CONTEXT_WEIGHT, syn_weight: float = SYN_WEIGHT,
                syn_senses: int = SYN_SENSES, length_weight: float = LENGTH_WEIGHT,
                length_slack: float = LENGTH_SLACK, gap_floor_ratio: float = GAP_FLOOR_RATIO,
                max_cells: int | None = None, embed: Embedder | None = None,
                embed_weight: float = EMBED_WEIGHT, embed_floor: float = EMBED_FLOOR) -> Alignment:
    """Align two segmented texts.  See the module docstring for the stages.

    ``embed`` plugs in a sentence-embedding model: called once with the sentences of both
    sides (A then B), it returns one vector per sentence (any width).  Their cosine, rescaled
    from ``embed_floor`` to 1, takes ``embed_weight`` of every group's similarity and the
    TF-IDF cosine the rest.  Group vectors are sums, as for TF-IDF, but a group's embedding
    cosine is never below its best member's (a short MT-cut fragment embeds poorly; TF-IDF
    decides whether it joins the merge).  Use it for pairs that share few words (retellings;
    with a cross-lingual model, an article and its translation).  Aesop odd lines: link F1
    0.667 -> 0.684 with all-MiniLM-L6-v2 (:mod:`dedupe_news.embed`, README).  Not used in
    the banded programme of huge inputs.
    """
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0, 1), got {threshold}")
    if embed is not None and not (0.0 < embed_weight <= 1.0 and 0.0 <= embed_floor < 1.0):
        raise ValueError("embed_weight must be in (0, 1] and embed_floor in [0, 1), got "
                         f"{embed_weight} and {embed_floor}")
    settings = {"method": "tfidf-word+wordnet+char4-dp", "threshold": threshold,
                "move_margin": move_margin, "merge_penalty": merge_penalty,
                "word_weight": word_weight, "merge_min_gain": merge_min_gain,
                "member_floor_ratio": member_floor_ratio, "idf_add": idf_add,
                "background_mix": background_mix, "context_weight": context_weight,
                "syn_weight": syn_weight, "syn_senses": int(syn_senses),
                "length_weight": length_weight, "length_slack": length_slack,
                "gap_floor_ratio": gap_floor_ratio,
                "shapes": [f"{k}:{q}" for k, q in _SHAPES]}
    if embed is not None:
        settings.update(method=settings["method"] + "+embed",
                        embed=getattr(embed, "__name__", type(embed).__name__),
                        embed_weight=embed_weight, embed_floor=embed_floor)
    notes: list[str] = []
    if max_cells is None:
        max_cells = MAX_CELLS
    a_list = [s.text for s in a_sents]
    b_list = [s.text for s in b_sents]
    n, m = len(a_list), len(b_list)
    raw: list[tuple[tuple[int, ...], tuple[int, ...], float, bool]] = []
    if n and m:
        full = n * m <= max_cells
        feats = _Features(a_list, b_list, word_weight, merge_min_gain,
                          member_floor_ratio * threshold, idf_add, chars=full,
                          background_mix=background_mix, context_weight=context_weight,
                          syn_weight=syn_weight, syn_senses=int(syn_senses),
                          length_weight=length_weight, length_slack=length_slack,
                          gap_floor=gap_floor_ratio * threshold
                          if full and gap_floor_ratio > 0 else None,
                          embed=embed, embed_weight=embed_weight, embed_floor=embed_floor)
        if full:
            path = _dp(feats, list(range(n)), list(range(m)), threshold, merge_penalty)
            raw = [(ga, gb, s, False) for ga, gb, s in path]
            raw += _moved_pass(feats, raw, n, m, threshold + move_margin, merge_penalty)
        else:
            settings["banded"] = True
            notes.append(f"{n:,} x {m:,} sentences is over {max_cells:,} pairs: aligned in "
                         f"windows of {WINDOW} sentences along the path, on word similarity "
                         "only; moved paragraphs are not searched")
            raw = [(ga, gb, s, False) for ga, gb, s in
                   _banded(feats, n, m, threshold, merge_penalty)]
    groups = [Group(ga, gb, _kind(ga, gb, moved, a_list, b_list), sim)
              for ga, gb, sim, moved in raw]
    groups.sort(key=lambda g: (g.a[0], g.b[0]))
    return Alignment(a_text, b_text, list(a_sents), list(b_sents), groups, settings, notes)


def word_diff(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    """Word-level opcodes ``(op, a_start, a_end, b_start, b_end)`` with character offsets.

    Meant for one aligned group at a time (never whole documents: quadratic and unreadable).
    Tokens are words and single non-space characters; whitespace never counts as a change.
    """
    ta = [(mm.start(), mm.end()) for mm in _DIFF_TOKEN.finditer(a)]
    tb = [(mm.start(), mm.end()) for mm in _DIFF_TOKEN.finditer(b)]
    wa = [a[s:e].lower() for s, e in ta]
    wb = [b[s:e].lower() for s, e in tb]
    out: list[tuple[str, int, int, int, int]] = []
    sm = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        a0 = ta[i1][0] if i1 < i2 else (ta[i1][0] if i1 < len(ta) else len(a))
        a1 = ta[i2 - 1][1] if i1 < i2 else a0
        b0 = tb[j1][0] if j1 < j2 else (tb[j1][0] if j1 < len(tb) else len(b))
        b1 = tb[j2 - 1][1] if j1 < j2 else b0
        out.append((op, a0, a1, b0, b1))
    return out


_DIFF_TOKEN = re.compile(r"\w+|[^\w\s]")


# ---------------------------------------------------------------------------------------------
# internals


def _join(sents: Sequence[str]) -> tuple[str, list[Span]]:
    spans: list[Span] = []
    pos = 0
    for s in sents:
        spans.append(Span(pos, pos + len(s), s))
        pos += len(s) + 1
    return "\n".join(sents), spans


def _kind(ga: tuple[int, ...], gb: tuple[int, ...], moved: bool, a: list[str],
          b: list[str]) -> str:
    if moved:
        return "moved"
    if len(ga) > 1:
        return "merged"
    if len(gb) > 1:
        return "split"
    if _WORD.findall(a[ga[0]].lower()) == _WORD.findall(b[gb[0]].lower()):
        return "identical"
    return "changed"


class _Features:
    """Raw TF-IDF vectors of both sides and the Gram products that group cosines need."""

    def __init__(self, a: list[str], b: list[str], word_weight: float,
                 merge_min_gain: float, member_floor: float, idf_add: float,
                 chars: bool = True, background_mix: float = BACKGROUND_MIX,
                 context_weight: float = CONTEXT_WEIGHT, syn_weight: float = SYN_WEIGHT,
                 syn_senses: int = SYN_SENSES, length_weight: float = LENGTH_WEIGHT,
                 length_slack: float = LENGTH_SLACK, gap_floor: float | None = None,
                 embed: Embedder | None = None, embed_weight: float = EMBED_WEIGHT,
                 embed_floor: float = EMBED_FLOOR) -> None:
        import numpy as np
        from scipy import sparse

        self.np = np
        self.n, self.m = len(a), len(b)
        self.w = word_weight
        self.min_gain = merge_min_gain
        self.member_floor = member_floor
        self.context = context_weight
        self.gap_floor = gap_floor
        self.length_weight, self.length_slack = length_weight, length_slack
        # Word counts (at least one) for the length term.
        self.len_a = np.array([max(1, len(t.split())) for t in a], dtype=float)
        self.len_b = np.array([max(1, len(t.split())) for t in b], dtype=float)
        self.mats: list[Any] = []
        # Per feature block: the Gram matrix of all A x all B sentences, once computed.
        self._grams: dict[int, Any] = {}
        originals = [*a, *b]
        if chars:
            a, b = _unjoin_pair(a, b)
        vectorizers: list[_WordTfidf | _CharTfidf] = [_WordTfidf(np, sparse)]
        if chars:
            vectorizers.append(_CharTfidf(np, sparse))
        else:  # word cosine only
            self.w = 1.0
        for vec in vectorizers:
            try:
                x = vec.fit_transform([*a, *b])
            except ValueError:  # no features at all (e.g. only punctuation)
                self.mats.append(None)
                continue
            # sklearn's smoothed idf is ln((1+N)/(1+df)) + 1: the "+ 1" keeps words found in
            # every sentence ("the", "und") at full weight, which swamps paraphrases.
            idf = vec.idf_ - 1.0 + idf_add
            word = isinstance(vec, _WordTfidf)
            mix = background_mix if word else 0.0
            if mix:
                idf = (1.0 - mix) * idf + mix * _background_idf(np, vec.get_feature_names_out())
            if mix or idf_add != 1.0:
                x = x @ sparse.diags(idf / vec.idf_)
            if word and chars and syn_weight > 0:
                cmap = _concept_map(np, sparse, vec.get_feature_names_out(), syn_senses)
                if cmap is not None:
                    x = sparse.hstack([x, syn_weight * (x @ cmap)])
            self.mats.append(_sides(np, sparse.csr_matrix(x), self.n))
        # Per feature block: its weight in the group cosine and the floor its cosine is
        # rescaled from (0 for TF-IDF).
        self.weights = [self.w, 1.0 - self.w][: len(self.mats)]
        self.floors = [0.0] * len(self.mats)
        # Blocks whose group cosine is at least its best member's 1:1 cosine (embeddings).
        self.member_max = [False] * len(self.mats)
        if embed is not None and chars:
            self.mats.append(_sides(np, sparse.csr_matrix(_embeddings(np, embed, originals)),
                                    self.n))
            self.weights = [x * (1.0 - embed_weight) for x in self.weights] + [embed_weight]
            self.floors.append(embed_floor)
            # A fragment cut off by MT ("Ukraine, according to an American assessment.")
            # embeds poorly on its own and would pull its merge's embedding cosine down: the
            # embedding never argues against a merge, the TF-IDF evidence decides it.
            self.member_max.append(True)

    def sims_for(self, ia: list[int], ib: list[int]
                 ) -> tuple[dict[tuple[int, int], Any], dict[tuple[int, int], list[Any]]]:
        """Cosine of every k:q group of *consecutive* entries of ``ia`` x ``ib``, and the
        members kept by gapped groups.

        sims[(k, q)][s, t] is the cosine of ia[s:s+k] against ib[t:t+q]; groups that would
        join sentences not adjacent in the original text get -1.  For shapes of 3 and 4,
        keep[(k, q)][d][s, t] says whether the d-th sentence of the window is a member
        (see :meth:`_gapped`); shapes missing from ``keep`` keep every sentence.
        """
        np = self.np
        out: dict[tuple[int, int], Any] = {}
        per_feat = []
        grams: list[tuple[Any, Any]] = []
        whole = len(ia) == self.n and len(ib) == self.m
        for fi, mats in enumerate(self.mats):
            if mats is None:
                g = np.zeros((len(ia), len(ib)))
                na = {k: np.zeros(max(len(ia) - k + 1, 0)) for k in range(1, MAX_GROUP + 1)}
                nb = {k: np.zeros(max(len(ib) - k + 1, 0)) for k in range(1, MAX_GROUP + 1)}
            else:
                if whole:  # the main programme: kept for the moved pass's leftovers
                    g = self._grams[fi] = (mats[0] @ mats[1].T).toarray()
                elif fi in self._grams:
                    g = self._grams[fi][np.ix_(ia, ib)]
                else:  # a window of the banded programme
                    g = (mats[0][ia] @ mats[1][ib].T).toarray()
                na = _group_norms(np, mats[2], ia)
                nb = _group_norms(np, mats[3], ib)
            cums = {0: np.vstack([np.zeros((1, g.shape[1])), g.cumsum(0)]),
                    1: np.hstack([np.zeros((g.shape[0], 1)), g.cumsum(1)])}
            per_feat.append((cums, na, nb))
            grams.append((g, mats))
        for k, q in _SHAPES:
            if len(ia) < k or len(ib) < q:
                continue
            total = None
            for (cums, na, nb), weight, floor, best_member, (g, _m) in zip(
                    per_feat, self.weights, self.floors, self.member_max, grams, strict=True):
                num = _window_sum(np, cums, k, q)
                den = np.sqrt(np.outer(na[k], nb[q]))
                cos = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
                if best_member and k + q > 2:  # unit rows: g holds the 1:1 cosines
                    cos = np.maximum(cos, _window_max(np, g, k, q))
                cos = _above_floor(np, cos, floor)
                total = weight * cos if total is None else total + weight * cos
            assert total is not None
            out[(k, q)] = total
        keep = self._gapped(out, grams, ia, ib) if self.gap_floor is not None else {}
        return self._constrain(out, ia, ib, keep), keep

    def _gapped(self, sims: dict[tuple[int, int], Any], grams: list[tuple[Any, Any]],
                ia: list[int], ib: list[int]) -> dict[tuple[int, int], list[Any]]:
        """Recompute 3- and 4-sentence groups without their weak interior sentences.

        A window whose two end sentences reach the member floor but an interior one has a
        cosine under ``gap_floor`` with the other side gets the cosine of its other members
        (in place, in ``sims``).  Only those windows are recomputed (few: most windows have
        an end sentence under the floor and are rejected anyway), from the Gram matrices and
        the rows' dot products.  Returns the member masks per shape.
        """
        np = self.np
        s11 = sims[(1, 1)]
        keep_all: dict[tuple[int, int], list[Any]] = {}
        for k, q in _SHAPES:
            w = max(k, q)
            if w < 3 or (k, q) not in sims:
                continue
            # Work along A (k:1); a 1:q shape is the same problem transposed.
            s = s11 if q == 1 else s11.T
            rows = s.shape[0] - w + 1
            weak = [s[d : d + rows] < self.gap_floor for d in range(1, w - 1)]
            cand = ((s[:rows] >= self.member_floor) & (s[w - 1 : w - 1 + rows] >= self.member_floor)
                    & _fold(np.logical_or, weak))
            keep = [np.ones(cand.shape, dtype=bool) for _ in range(w)]
            for d, wk in enumerate(weak, start=1):
                keep[d] = ~(cand & wk)
            rs, cs = np.nonzero(cand)
            if len(rs):
                kept = [keep[d][rs, cs] for d in range(w)]
                total = np.zeros(len(rs))
                for (g, mats), weight, floor, best_member in zip(
                        grams, self.weights, self.floors, self.member_max, strict=True):
                    if mats is None:
                        continue
                    pa, pb, ja, jb = (mats[2], mats[3], ia, ib) if q == 1 else \
                        (mats[3], mats[2], ib, ia)
                    gg = g if q == 1 else g.T
                    c = _gap_cos(np, gg, pa, ja, pb, jb, rs, cs, kept)
                    if best_member:
                        c = np.maximum(c, np.max([np.where(kept[d], gg[rs + d, cs], -1.0)
                                                  for d in range(w)], axis=0))
                    total += weight * _above_floor(np, c, floor)
                target = sims[(k, q)] if q == 1 else sims[(k, q)].T
                target[rs, cs] = total
            keep_all[(k, q)] = keep if q == 1 else [x.T for x in keep]
        return keep_all

    def _constrain_windows(self, total: Any, s11: Any, prev: Any, k: int, adjacent: Any,
                           gap: list[Any] | None) -> None:
        """:meth:`_constrain` for one shape, windows of ``k`` sentences along the rows of
        ``total`` (in place; ``prev``: the (k-1)-window cosines, None for k == 2)."""
        np = self.np
        rows = total.shape[0]
        singles = [s11[d : d + rows, :] for d in range(k)]
        ends = [singles[0], singles[-1]] if gap is not None else singles
        total[_fold(np.minimum, ends) < self.member_floor] = -1.0
        if gap is not None:
            gapped = ~_fold(np.logical_and, gap[1:-1])
            total[gapped & (total < np.maximum(ends[0], ends[1]) + GAP_MIN_GAIN)] = -1.0
        total[_fold(np.maximum, singles) >= _WHOLE] = -1.0
        subs = singles if prev is None else [prev[d : d + rows, :] for d in (0, 1)]
        total[total < _fold(np.maximum, subs) + self.min_gain] = -1.0
        total[~adjacent, :] = -1.0

    def _constrain(self, raw: dict[tuple[int, int], Any], ia: list[int], ib: list[int],
                   keep: dict[tuple[int, int], list[Any]]) -> dict[tuple[int, int], Any]:
        """Invalidate (-1) merges that do not beat their best part by ``merge_min_gain`` or
        that hold a sentence unrelated to the other side (cosine under ``member_floor``).

        Why: a group's gain grows with its size, so without this a tiny neighbour (a date
        line, a photo credit, a fragment like "progress.") that leaves the cosine unchanged
        would be swallowed into a good pair.  A sentence that already matches its counterpart
        whole (cosine >= 0.95) takes no partner either: repeated lines (captions printed
        twice) must pair one to one.  Also invalidates groups of sentences that are not
        adjacent in the original text (moved pass).  In a gapped shape (``keep``) only the
        two end sentences must reach the floor; interior ones under it are left out.
        """
        np = self.np
        s11 = raw[(1, 1)]
        out = {(1, 1): s11}
        for (k, q), total in raw.items():
            if (k, q) == (1, 1):
                continue
            total = total.copy()
            gap = keep.get((k, q))
            if k > 1:  # merges: windows of k A sentences (rows)
                prev = raw[(k - 1, 1)] if k > 2 else None
                self._constrain_windows(total, s11, prev, k, _adjacent(np, ia, k), gap)
            else:  # splits: the same on the transposed matrices (windows of B sentences)
                prev = raw[(1, q - 1)].T if q > 2 else None
                self._constrain_windows(total.T, s11.T, prev, q, _adjacent(np, ib, q),
                                        None if gap is None else [x.T for x in gap])
            out[(k, q)] = total
        return out


#: WordNet's morphy detachment rules per part of speech (``morph.c``): suffix -> replacement.
_MORPHY = {"n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
                 ("shes", "sh"), ("men", "man"), ("ies", "y")),
           "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
                 ("ing", "e"), ("ing", "")),
           "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
           "r": ()}


@lru_cache(maxsize=1)
def wordnet_table() -> tuple[dict[str, str], dict[str, dict[str, tuple[str, ...]]]]:
    """The shipped WordNet 3.0 extract (``data/wordnet_en.tsv.gz``, from
    ``bench/build_wordnet.py``): lemma -> its synsets as stored (``n:3,17;v:8``, most frequent
    sense first; parsed on use by :func:`_senses`), and part of speech -> {irregular form:
    lemmas} (``went`` -> ``go``)."""
    import gzip
    from importlib import resources

    raw = resources.files("dedupe_news").joinpath("data", "wordnet_en.tsv.gz").read_bytes()
    lemmas: dict[str, str] = {}
    exc: dict[str, dict[str, tuple[str, ...]]] = {p: {} for p in _MORPHY}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        kind, _, rest = line.partition("\t")
        if kind == "L":
            word, _, senses = rest.partition("\t")
            lemmas[word] = senses
        elif kind == "X":
            pos, form, targets = rest.split("\t")
            exc[pos][form] = tuple(targets.split())
    return lemmas, exc


def wordnet_lemmas(word: str) -> set[tuple[str, str]]:
    """``(lemma, pos)`` pairs that WordNet's morphy finds for a lower-case word: its
    exception list entries, the word itself, and the detachment rules' results, each kept
    only when WordNet has that lemma with that part of speech."""
    _lemmas, exc = wordnet_table()
    out = set()
    for pos, rules in _MORPHY.items():
        forms = [*exc[pos].get(word, ()), word]
        forms += [word[: -len(suf)] + rep for suf, rep in rules
                  if word.endswith(suf) and len(word) > len(suf) + 1]
        out.update((f, pos) for f in forms if pos in _senses(f))
    return out


@lru_cache(maxsize=100_000)
def _senses(lemma: str) -> dict[str, tuple[int, ...]]:
    """{part of speech: synset ids} of a lemma ({} when WordNet lacks it)."""
    stored = wordnet_table()[0].get(lemma)
    if not stored:
        return {}
    return {p: tuple(map(int, ids.split(","))) for p, _, ids in
            (x.partition(":") for x in stored.split(";"))}


@lru_cache(maxsize=100_000)
def word_synsets(word: str, senses: int = SYN_SENSES) -> tuple[int, ...]:
    """Synset ids a lower-case word may stand for: the first ``senses`` senses of each of
    its lemmas (see :func:`wordnet_lemmas`), sorted."""
    return tuple(sorted({sid for lemma, pos in wordnet_lemmas(word)
                         for sid in _senses(lemma)[pos][:senses]}))


def _concept_map(np: Any, sparse: Any, words: Sequence[str], senses: int) -> Any:
    """Sparse (words x synsets) matrix, row ``1/sqrt(k)`` on each of the word's k synsets;
    None when no word has one (another language, numbers only)."""
    from itertools import chain

    per_word = [word_synsets(w, senses) for w in words]
    lens = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
    total = int(lens.sum())
    if not total:
        return None
    cols = np.fromiter(chain.from_iterable(per_word), dtype=np.int64, count=total)
    indptr = np.concatenate(([0], np.cumsum(lens)))
    vals = np.repeat(1.0 / np.sqrt(np.maximum(lens, 1)), lens)
    return sparse.csr_matrix((vals, cols, indptr), shape=(len(words), int(cols.max()) + 1))


def _unjoin_pair(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    """Both sentence lists with run-together words split (see ``JOIN_ZIPF``) when the pair
    reads as English; the lists unchanged otherwise or when there is nothing to split.  One
    pass over the words: about 3 ms for two 300-sentence articles."""
    from dedupe_news.words import word_zipf

    table = word_zipf()
    texts = [*a, *b]
    total = known = 0
    candidates: dict[str, list[str]] = {}  # word -> the whitespace tokens holding it
    for token, c in Counter("\n".join(texts).split()).items():
        for w in _CHAR_WORD.findall(token):
            total += c
            if w.lower() in table:
                known += c
            elif len(w) >= 5 and w.isalpha():
                candidates.setdefault(w, []).append(token)
    if not total or known / total < JOIN_ENGLISH:
        return a, b
    glued = {w: split for w in candidates if (split := _split_joined(w)) != w}
    if not glued:
        return a, b
    tokens = {tok for w in glued for tok in candidates[w]}
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, glued)) + r")\b")
    out = [t if tokens.isdisjoint(t.split()) else pattern.sub(lambda mo: glued[mo.group(0)], t)
           for t in texts]
    return out[: len(a)], out[len(a) :]


@lru_cache(maxsize=100_000)
def _split_joined(word: str) -> str:
    """``word`` or its two halves with a space between (the split whose weaker half is the
    more frequent word)."""
    from dedupe_news.words import word_zipf

    table = word_zipf()
    low = word.lower()
    if low in table or wordnet_lemmas(low) or _doubled_inflection(low, table):
        return word
    best = None
    for k in range(2, len(low) - 1):
        left, right = low[:k], low[k:]
        za, zb = table.get(left, 0.0), table.get(right, 0.0)
        if (za >= (JOIN_ZIPF[0] if k > 2 else JOIN_SHORT_ZIPF)
                and zb >= (JOIN_ZIPF[1] if len(right) > 2 else JOIN_SHORT_ZIPF)
                and (best is None or min(za, zb) > best[0])):
            best = (min(za, zb), k)
    return word if best is None else f"{word[: best[1]]} {word[best[1]:]}"


def _doubled_inflection(low: str, table: dict[str, float]) -> bool:
    """An inflected form with a doubled consonant that WordNet's rules miss ("lapping",
    "quitted", "rebelled"): not a run-together word."""
    for suf in ("ing", "ed", "er", "est"):
        stem = low[: -len(suf)]
        if low.endswith(suf) and len(stem) >= 3 and stem[-1] == stem[-2] and (
                stem[:-1] in table or wordnet_lemmas(stem[:-1])):
            return True
    return False


@lru_cache(maxsize=200_000)
def _word_char_ngrams(word: str) -> tuple[str, ...]:
    w = f" {word} "
    lo, hi = CHAR_NGRAMS
    out: list[str] = []
    for n in range(lo, hi + 1):
        if len(w) <= n:  # a short word counts once, as itself (like sklearn's char_wb)
            out.append(w)
            break
        out += [w[i : i + n] for i in range(len(w) - n + 1)]
    return tuple(out)


def _count_matrix(np: Any, sparse: Any, indices: array[int], indptr: list[int],
                  n_cols: int) -> Any:
    """Term counts as a CSR matrix (a row per document) from the column ids of each row's
    tokens (``indices[indptr[r]:indptr[r + 1]]``, repeats counted); ValueError when there
    is no column at all, as sklearn's vectorizers raise."""
    if not n_cols:
        raise ValueError("empty vocabulary")
    x = sparse.csr_matrix((np.ones(len(indices)), np.frombuffer(indices, np.int64), indptr),
                          shape=(len(indptr) - 1, n_cols))
    x.sum_duplicates()  # also sorts each row by column id
    return x


_WORD_TOKEN = re.compile(r"(?u)\b\w+\b")


class _WordTfidf:
    """``TfidfVectorizer(token_pattern=r"(?u)\\b\\w+\\b", sublinear_tf=True, norm=None)``,
    the same matrix bit for bit (sorted vocabulary; each row's entries in sklearn's order, so
    products downstream add the same floats in the same order), 2-3x faster on sentence
    lists: the counts are collected in one pass over the tokens and weighted by sklearn's
    ``TfidfTransformer``; the vectorizer's per-token bookkeeping was a fifth of the aligner's
    time on two 300-sentence articles."""

    def __init__(self, np: Any, sparse: Any) -> None:
        self.np, self.sparse = np, sparse
        self.idf_: Any = None
        self._names: Any = None

    def fit_transform(self, docs: Sequence[str]) -> Any:
        from sklearn.feature_extraction.text import TfidfTransformer

        np = self.np
        vocab: dict[str, int] = {}
        indices = array("q")  # handed to numpy without a copy
        indptr = [0]
        for doc in docs:
            indices.extend([vocab.setdefault(w, len(vocab))
                            for w in _WORD_TOKEN.findall(doc.lower())])
            indptr.append(len(indices))
        x = _count_matrix(np, self.sparse, indices, indptr, len(vocab))
        # each row's entries are now sorted by first appearance, as sklearn counts them
        # sklearn's columns are in alphabetical order; like sklearn, renumber the columns
        # without re-sorting the rows (the same float sums in every product downstream)
        names = np.array(list(vocab), dtype=object)
        order = np.argsort(names.astype(str), kind="stable")
        rank = np.empty(len(order), dtype=x.indices.dtype)
        rank[order] = np.arange(len(order))
        x.indices = rank[x.indices]
        x.has_sorted_indices = False
        self._names = names[order]
        tf = TfidfTransformer(norm=None, sublinear_tf=True)
        out = tf.fit_transform(x)
        self.idf_ = tf.idf_
        return out

    def get_feature_names_out(self) -> Any:
        return self._names


class _CharTfidf:
    """``TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, norm=None)`` (raw counts
    times the smoothed idf) on the text with everything but letters and digits turned into
    spaces (see ``CHAR_NGRAMS``), same numbers up to column order, 3x faster: each distinct
    word's n-gram ids are found once per pair, and the vocabulary is not sorted.  Character
    n-gram counting was a third of the aligner's time."""

    def __init__(self, np: Any, sparse: Any) -> None:
        self.np, self.sparse = np, sparse
        self.idf_: Any = None

    def fit_transform(self, docs: Sequence[str]) -> Any:
        np = self.np
        vocab: dict[str, int] = {}
        seen: dict[str, array[int]] = {}
        indices = array("q")  # handed to numpy without a copy
        indptr = [0]
        for doc in docs:
            for w in doc.lower().split():  # a token's words (letters, digits) found once
                ids = seen.get(w)
                if ids is None:
                    ids = seen[w] = array("q", [vocab.setdefault(g, len(vocab))
                                                for part in _CHAR_WORD.findall(w)
                                                for g in _word_char_ngrams(part)])
                indices += ids
            indptr.append(len(indices))
        x = _count_matrix(np, self.sparse, indices, indptr, len(vocab))
        df = np.bincount(x.indices, minlength=len(vocab))
        self.idf_ = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
        return x @ self.sparse.diags(self.idf_)


#: Cap and scale of the background idf: ln(10) * (ZIPF_TOP - zipf), capped at BG_CAP and
#: rescaled to 0..BG_SCALE (the range of a pair idf); "the" (Zipf 7.7) gets about 0.
_ZIPF_TOP, _BG_CAP, _BG_SCALE = 7.85, 8.0, 3.0


def _background_idf(np: Any, words: Sequence[str]) -> Any:
    import math

    from dedupe_news.words import UNKNOWN_ZIPF, word_zipf

    table = word_zipf()
    raw = np.array([math.log(10) * (_ZIPF_TOP - table.get(w, UNKNOWN_ZIPF)) for w in words])
    return np.clip(raw, 0.0, _BG_CAP) / _BG_CAP * _BG_SCALE


def _adjacent(np: Any, idx: list[int], k: int) -> Any:
    arr = np.asarray(idx)
    ok = np.ones(len(idx) - k + 1, dtype=bool)
    for d in range(1, k):
        ok &= (arr[d : len(idx) - k + 1 + d] - arr[: len(idx) - k + 1]) == d
    return ok


def _window_sum(np: Any, cums: dict[int, Any], k: int, q: int) -> Any:
    """Sum of every k x q window (top-left anchored) of the Gram matrix, for k == 1 or q == 1.

    ``cums[0]``/``cums[1]`` are its running sums down / across with a zero row / column in
    front, computed once per pair of sentence lists.
    """
    if q == 1:
        c = cums[0]
        return c[k:, :] - c[:-k, :]
    c = cums[1]
    return c[:, q:] - c[:, :-q]


def _embeddings(np: Any, embed: Embedder, sents: list[str]) -> Any:
    """``embed(sents)`` as a (sentences x dims) array of unit rows (zero rows stay zero)."""
    e = np.asarray(embed(sents), dtype=np.float64)
    if e.ndim != 2 or e.shape[0] != len(sents) or not np.isfinite(e).all():
        raise ValueError(f"embed must return one finite vector per sentence: {len(sents)} "
                         f"sentences gave an array of shape {e.shape}")
    norms = np.linalg.norm(e, axis=1, keepdims=True)
    return e / np.where(norms > 0, norms, 1.0)


def _window_max(np: Any, g: Any, k: int, q: int) -> Any:
    """Largest entry of every k x q window of ``g`` (only k == 1 or q == 1 occurs)."""
    rows, cols = g.shape[0] - k + 1, g.shape[1] - q + 1
    return _fold(np.maximum, [g[d : d + rows, e : e + cols] for d in range(k) for e in range(q)])


def _fold(op: Any, arrays: Sequence[Any]) -> Any:
    """``op`` (an elementwise numpy function of two arrays) folded over ``arrays``: the same
    result as ``op.reduce(arrays)`` without first stacking the arrays into one (a copy of
    them all, most of the cost)."""
    out = arrays[0]
    for x in arrays[1:]:
        out = op(out, x)
    return out


def _above_floor(np: Any, cos: Any, floor: float) -> Any:
    """Cosines rescaled so that ``floor`` maps to 0 and 1 stays 1 (identity at floor 0)."""
    return cos if not floor else np.maximum(cos - floor, 0.0) / (1.0 - floor)


def _row_products(np: Any, x: Any) -> tuple[Any, dict[int, Any]]:
    """Squared norms of the rows of ``x`` and dot products of rows 1..MAX_GROUP-1 apart."""
    sq = np.asarray(x.multiply(x).sum(1)).ravel()
    n = x.shape[0]
    dots = {o: np.asarray(x[:-o].multiply(x[o:]).sum(1)).ravel()
            for o in range(1, min(MAX_GROUP, n))}
    return sq, dots


def _sides(np: Any, x: Any, n: int) -> tuple[Any, Any, Any, Any]:
    """The A rows (first ``n``) and B rows of ``x`` with the :func:`_row_products` of each
    side, computed once over all rows (the products across the A/B seam are dropped)."""
    sq, dots = _row_products(np, x)
    prods_a = (sq[:n], {o: d[: max(n - o, 0)] for o, d in dots.items()})
    prods_b = (sq[n:], {o: d[n:] for o, d in dots.items()})
    return x[:n], x[n:], prods_a, prods_b


def _group_norms(np: Any, prods: tuple[Any, dict[int, Any]], idx: list[int]) -> dict[int, Any]:
    """Squared norms of the sums of 1..MAX_GROUP consecutive entries of ``idx``.

    |x_s + ... + x_{s+k-1}|^2 = the k squared norms + 2 * every dot product of two rows at
    most k-1 apart, from running sums.  Entries of ``idx`` that are not adjacent in the
    original list get meaningless values, but such groups are invalidated anyway.
    """
    sq_all, dots_all = prods
    arr = np.asarray(idx)
    n = len(idx)
    sq = sq_all[arr]

    def csum(a: Any) -> Any:
        return np.concatenate(([0.0], np.cumsum(a)))

    c_sq = csum(sq)
    c_dot = {}
    for o in range(1, min(MAX_GROUP, n)):
        first = np.minimum(arr[: n - o], len(dots_all[o]) - 1) if len(dots_all.get(o, ())) \
            else None
        c_dot[o] = csum(dots_all[o][first] if first is not None else np.zeros(n - o))
    out = {}
    for k in range(1, MAX_GROUP + 1):
        cnt = n - k + 1
        if cnt <= 0:
            out[k] = np.zeros(0)
            continue
        starts = np.arange(cnt)
        total = c_sq[starts + k] - c_sq[starts]
        for o in range(1, k):
            c = c_dot[o]
            total = total + 2 * (c[starts + k - o] - c[starts])
        out[k] = total
    return out


def _length_ratio(np: Any, len_a: Any, len_b: Any, k: int, q: int, rows: int, cols: int,
                  kept: list[Any] | None) -> Any:
    """|ln(words of the A side / words of the B side)| of every k:q group (rows x cols)."""
    if kept is None:
        side_a = np.log(np.convolve(len_a, np.ones(k), "valid"))[:, None]
        side_b = np.log(np.convolve(len_b, np.ones(q), "valid"))[None, :]
    elif q == 1:
        side_a = np.log(sum(kept[d] * len_a[d : d + rows, None] for d in range(k)))
        side_b = np.log(len_b)[None, :]
    else:
        side_a = np.log(len_a)[:, None]
        side_b = np.log(sum(kept[d] * len_b[None, d : d + cols] for d in range(q)))
    return np.abs(side_a - side_b)


def _gap_cos(np: Any, g: Any, prods_a: tuple[Any, dict[int, Any]], ia: list[int],
             prods_b: tuple[Any, dict[int, Any]], ib: list[int], rs: Any, cs: Any,
             kept: list[Any]) -> Any:
    """Cosine of the kept members of the windows ``ia[r : r + len(kept)]`` (one feature)
    against the single ``ib[c]``, for each (r, c) in ``zip(rs, cs)``.

    |sum of kept rows|^2 = their squared norms + 2 * their pairwise dot products, which
    :func:`_row_products` has for rows up to ``MAX_GROUP - 1`` apart.
    """
    sq_all, dots_all = prods_a
    arr = np.asarray(ia)
    w = len(kept)
    num = sum(kept[d] * g[rs + d, cs] for d in range(w))
    na = sum(kept[d] * sq_all[arr[rs + d]] for d in range(w))
    for o in range(1, w):
        dots = dots_all.get(o)
        if dots is None or not len(dots):
            continue
        for d in range(w - o):
            first = np.minimum(arr[rs + d], len(dots) - 1)
            na = na + 2 * (kept[d] & kept[d + o]) * dots[first]
    den = np.sqrt(na * prods_b[0][np.asarray(ib)[cs]])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _dp(feats: _Features, ia: list[int], ib: list[int], threshold: float,
        merge_penalty: float) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Best monotone alignment of ``ia`` x ``ib``; returns groups (original indices)."""
    np = feats.np
    n, m = len(ia), len(ib)
    if not n or not m:
        return []
    sims, keep = feats.sims_for(ia, ib)
    len_a, len_b = feats.len_a[ia], feats.len_b[ib]
    # Diagonal context: s11 padded with CONTEXT_EDGE (document edges) and 0 elsewhere.
    pad = np.zeros((n + 2, m + 2))
    pad[1:-1, 1:-1] = sims[(1, 1)]
    pad[0, 0] = pad[-1, -1] = CONTEXT_EDGE
    # gains[si, i, j]: gain of a group of shape _SHAPES[si] starting at A i, B j (-inf: none)
    gains = np.full((len(_SHAPES), n, m), -np.inf)
    for si, (k, q) in enumerate(_SHAPES):
        s = sims.get((k, q))
        if s is None:
            continue
        rows, cols = s.shape
        kept = keep.get((k, q))
        # sentences per side that are members (a gapped group leaves interior ones out)
        size: Any = k + q if kept is None else sum(kept) + 1
        g = (s - threshold) * size / 2 - merge_penalty * (size - 2)
        if feats.length_weight:
            ratio = _length_ratio(np, len_a, len_b, k, q, rows, cols, kept)
            g -= feats.length_weight * np.maximum(ratio - feats.length_slack, 0.0) * size / 2
        if feats.context:
            after = pad[1 + k : 1 + k + rows, 1 + q : 1 + q + cols]
            g += feats.context * (pad[:rows, :cols] + after) / 2
        g[s < threshold] = -np.inf
        gains[si, :rows, :cols] = g
    if n * m >= COMPILED_MIN_CELLS:
        from dedupe_news.align_jit import align_fill

        _d, back = align_fill(gains, *_shape_arrays(np), n, m)
    else:
        _d, back = _fill_rows(np, gains, n, m)
    out = []
    i, j = n, m
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
            continue
        if j == 0:
            i -= 1
            continue
        code = int(back[i, j])
        if code == 0:
            j -= 1
        elif code == 1:
            i -= 1
        else:
            k, q = _SHAPES[code - 2]
            sim = float(sims[(k, q)][i - k, j - q])
            ga, gb = tuple(ia[i - k : i]), tuple(ib[j - q : j])
            kept = keep.get((k, q))
            if kept is not None and q == 1:
                ga = tuple(x for d, x in enumerate(ga) if kept[d][i - k, j - q])
            elif kept is not None:
                gb = tuple(x for d, x in enumerate(gb) if kept[d][i - k, j - q])
            out.append((ga, gb, sim))
            i -= k
            j -= q
    out.reverse()
    return out


def _shape_arrays(np: Any) -> tuple[Any, Any]:
    """The A and B sizes of every group shape in ``_SHAPES`` order, as int64 arrays (the
    compiled programme's view of the shapes)."""
    return (np.array([k for k, _q in _SHAPES], dtype=np.int64),
            np.array([q for _k, q in _SHAPES], dtype=np.int64))

def _fill_rows(np: Any, gains: Any, n: int, m: int) -> tuple[Any, Any]:
    """The programme's score and back-pointer tables, one numpy row at a time: the
    definition that :func:`dedupe_news.align_jit.align_fill` computes (tests hold them equal).

    Row ``i`` takes, for every B position, the best of deleting A sentence ``i`` and ending
    a group of each shape there (``argmax``: the first of equal moves), then insertions as a
    running maximum along the row.
    """
    d = np.zeros((n + 1, m + 1))
    back = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 insert, 1 delete, 2+ shape index
    # One candidate row per move: row 0 deletes a[i-1], row si+1 ends a group of shape si.
    buf = np.full((len(_SHAPES) + 1, m + 1), -np.inf)
    cols = np.arange(m + 1)
    for i in range(1, n + 1):
        buf[0] = d[i - 1]
        for si, (k, q) in enumerate(_SHAPES):
            if q > m:  # no group of this shape ends anywhere in the row
                continue
            if i >= k:
                np.add(d[i - k, : m + 1 - q], gains[si, i - k, : m + 1 - q], out=buf[si + 1, q:])
            else:
                buf[si + 1, q:] = -np.inf
        code = buf.argmax(0)
        x = buf[code, cols]
        row = np.maximum.accumulate(x)
        back[i] = np.where(row > x, 0, code + 1)
        d[i] = row
    return d, back


def _moved_pass(feats: _Features, main: list[tuple[tuple[int, ...], tuple[int, ...], float, bool]],
                n: int, m: int, threshold: float, merge_penalty: float
                ) -> list[tuple[tuple[int, ...], tuple[int, ...], float, bool]]:
    """Align leftovers among themselves; groups crossing the main path are ``moved``."""
    found: list[tuple[tuple[int, ...], tuple[int, ...], float, bool]] = []
    used_a = {i for g in main for i in g[0]}
    used_b = {j for g in main for j in g[1]}
    for _ in range(3):  # each round can recover one more crossing block
        ia = [i for i in range(n) if i not in used_a]
        ib = [j for j in range(m) if j not in used_b]
        if not ia or not ib:
            break
        new = _dp(feats, ia, ib, threshold, merge_penalty)
        if not new:
            break
        for ga, gb, sim in new:
            crosses = any((g[0][0] < ga[0]) != (g[1][0] < gb[0]) for g in main)
            found.append((ga, gb, sim, crosses))
            used_a.update(ga)
            used_b.update(gb)
    return found


def _banded(feats: _Features, n: int, m: int, threshold: float, merge_penalty: float
            ) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Windowed programme for huge inputs: A in windows, B in a window after the last link.

    Groups in the last quarter of each window are recomputed by the next window, so a window
    edge never forces a bad link.
    """
    out: list[tuple[tuple[int, ...], tuple[int, ...], float]] = []
    a0 = b0 = 0
    while a0 < n:
        a1 = min(n, a0 + WINDOW)
        ratio = m / n
        b1 = min(m, b0 + int(WINDOW * max(ratio, 1.0) * 2) + 10)
        path = _dp(feats, list(range(a0, a1)), list(range(b0, b1)), threshold, merge_penalty)
        keep_until = a1 if a1 == n else a0 + WINDOW * 3 // 4
        kept = [g for g in path if g[0][-1] < keep_until]
        out.extend(kept)
        if kept:
            b0 = kept[-1][1][-1] + 1
        a0 = keep_until
    return out
