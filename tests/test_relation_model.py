"""The two-sided relation model and the canonical choice, on the cases the first release got
wrong: an article embedded in other news, a copy cut short, different stories on one
template (non-English, one paragraph), one-unit articles, and which version is kept."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED, headline_cut_cases
from dedupe_news import verify_jit
from dedupe_news.cluster import best_version, cluster_articles
from dedupe_news.model import Article
from dedupe_news.shingle import story_units
from dedupe_news.verify import MIRROR, relate_texts

CORPUS = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="BBC corpus not beside checkout")


def _bbc() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _paras(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _embedded(rows: list[dict[str, str]], rng: random.Random, n: int
              ) -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """``n`` (host text, short text, host row, short row): a whole short article inside 3
    paragraphs of another article's news before it and up to 4 after it."""
    out = []
    while len(out) < n:
        host, short = rng.sample(rows, 2)
        hp, sp = _paras(host["text"]), _paras(short["text"])
        if len(hp) >= 5 and 3 <= len(sp) <= 6:
            out.append(("\n".join(hp[:3] + sp + hp[3:7]), short["text"], host, short))
    return out


@needs_corpus
def test_an_article_embedded_in_other_news_is_contained_not_a_copy() -> None:
    cases = _embedded(_bbc(), random.Random(4), 20)
    verdicts = [relate_texts(text, short) for text, short, _h, _s in cases]
    copies = [(h["id"], s["id"], ev.rule) for (_t, _x, h, s), ev in zip(cases, verdicts,
                                                                      strict=True)
              if ev.relation == "copy"]
    assert len(copies) <= 1, copies  # (BBC dev pairs: 0.9% of embedded articles)
    contains = [ev for ev in verdicts if ev.relation == "contains"]
    assert len(contains) >= 17 and {ev.rule for ev in contains} <= {
        "own-lead", "other-news", "inside-other-news"}
    text, short, _h, _s = next(c for c, ev in zip(cases, verdicts, strict=True)
                               if ev.relation == "contains")
    assert relate_texts(short, text).relation == "contained_in"


@needs_corpus
def test_a_copy_cut_short_stays_a_copy() -> None:
    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 6]
    verdicts = []
    for r in random.Random(9).sample(rows, 30):
        paras = _paras(r["text"])
        verdicts.append(relate_texts("\n".join(paras[: len(paras) // 2 + 1]), r["text"]))
    assert all(ev.relation in ("copy", "contained_in") for ev in verdicts)
    # a tail that shares no rare word with the kept half reads as other news (dev: 3%)
    assert sum(ev.relation == "copy" for ev in verdicts) >= 28
    assert {ev.rule for ev in verdicts if ev.relation == "copy"} <= {"covered", "continues"}


@needs_corpus
def test_an_article_followed_by_another_is_contained_not_a_copy() -> None:
    """A page or feed item that is article A then article B (another story): the rest is
    a trailing block, as a story cut short leaves, but it has a topic of its own (stems it
    keeps coming back to, not A's): ``contained_in``.  Without the topic test 8 of these 60
    pairs were copies, 4 with it (the bench's pairs: 0.155 -> 0.08 on test)."""
    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 4]
    rng = random.Random(23)
    verdicts = []
    for _ in range(60):
        a, b = rng.sample(rows, 2)
        verdicts.append(relate_texts(a["text"], a["text"] + "\n\n" + b["text"]))
    copies = sum(ev.relation == "copy" for ev in verdicts)
    assert copies <= 4, copies
    topic = [ev for ev in verdicts if ev.rule == "other-news"
             and ev.rest["rare_forward"] >= verify_jit.CONTINUE_FWD]
    assert topic and all(ev.relation == "contained_in"
                         and ev.rest["rest_topic_stems"] >= verify_jit.TOPIC_MIN for ev in topic)


@needs_corpus
def test_a_host_whose_headline_is_its_own_news_contains_the_article_it_embeds() -> None:
    """An article embedded first in a host page, the host's own news (two paragraphs, under
    30% of it) after it, the host's headline about that news: ``contains`` by its headline
    (rule ``own-headline``); the same pages without titles read as before, and a story cut
    short under a headline of its own wording stays a copy."""
    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 5]
    rng = random.Random(31)
    headline = copies_without = 0
    for _ in range(40):
        short, host = rng.sample(rows, 2)
        page = short["text"] + "\n" + "\n".join(_paras(host["text"])[:2])
        ev = relate_texts(page, short["text"], a_title=host["title"], b_title=short["title"])
        if ev.rule == "own-headline":
            headline += 1
            assert ev.relation == "contains" and ev.rest["headline_in_shorter"] == 0
        assert ev.relation != "copy" or ev.rule != "own-headline"
        copies_without += relate_texts(page, short["text"]).relation == "copy"
    # 19 by their headline; without titles 34 are copies (covered); a headline sharing a
    # common word with the embedded article ("win", "plan") is no evidence: those stay
    assert headline >= 15 and copies_without >= 30
    for r in rows[:30]:  # a cut copy: the long side's headline names its aligned part
        paras = _paras(r["text"])
        ev = relate_texts(r["text"], "\n".join(paras[: len(paras) // 2 + 1]),
                          a_title=r["title"])
        assert ev.rule != "own-headline", r["id"]


@needs_corpus
def test_a_copy_with_a_middle_passage_cut_out_is_a_copy_by_its_gaps() -> None:
    """A wire edit that drops a long paragraph from the middle: the longer side's rest lies
    between two neighbouring sentences of the shorter one (rule ``gaps``), however few rare
    words the dropped paragraph shares with the rest of the story."""
    rows = [r for r in _bbc() if len(_paras(r["text"])) == 3]
    verdicts = []
    for r in random.Random(12).sample(rows, 30):
        paras = _paras(r["text"])
        verdicts.append(relate_texts("\n".join([paras[0], paras[2]]), r["text"]))
    assert all(ev.relation == "copy" for ev in verdicts), [
        (ev.rule, ev.rest) for ev in verdicts if ev.relation != "copy"]
    gaps = [ev for ev in verdicts if ev.rule == "gaps"]
    assert gaps and all(ev.rest["gap_share"] >= ev.rest["share"] - 0.3 for ev in gaps)


@needs_corpus
def test_one_headline_makes_a_cut_off_tail_the_same_story() -> None:
    """A copy cut to its first 35% whose tail shares no rare word with it reads as other
    news from the text alone; under one headline it is the same story (a tail cut off), and
    under another article's headline it stays held, not a copy."""
    held, other = headline_cut_cases()
    assert held  # (seed 9: 3 of 200)
    for short, r in held:
        same = relate_texts(short, r["text"], None, r["title"], r["title"])
        assert same.relation == "copy" and same.rest["same_title"] == 1.0
        assert relate_texts(short, r["text"], None, r["title"], other).relation == \
            "contained_in"


def test_titles_match_needs_shared_stems() -> None:
    from dedupe_news.features import title_stems
    from dedupe_news.verify_jit import titles_match

    rows = title_stems(["Ad sales boost Time Warner profit",
                        "Sales of advertising boost the profit of Time Warner",
                        "Dollar gains on Greenspan speech", None, "Profit"])
    assert titles_match(rows[0], rows[1])
    assert not titles_match(rows[0], rows[2])
    assert not titles_match(rows[0], rows[3]) and not titles_match(rows[3], rows[3])
    assert not titles_match(rows[4], rows[0])  # one stem is no evidence


@needs_corpus
def test_cluster_links_carry_the_direction_and_clusters_hold_copies_only() -> None:
    cases = _embedded(_bbc(), random.Random(4), 20)
    text, short, _h, _s = next(c for c in cases if relate_texts(c[0], c[1]).relation
                               == "contains")
    res = cluster_articles([Article("host", text), Article("short", short)])
    recs = {r["id"]: r for r in res.records}
    assert recs["host"]["cluster"] != recs["short"]["cluster"]
    (link,) = recs["host"]["links"]
    assert link == {"id": "short", "relation": "contains", "score": link["score"]}
    assert recs["short"]["links"][0]["relation"] == MIRROR["contains"] == "contained_in"


_RU = ("{city}, {day}. Компания {firm} объявила об открытии нового завода в городе {city}, "
       "инвестиции составили {money} миллионов рублей. Генеральный директор {boss} сообщил, "
       "что проект создаст {jobs} рабочих мест для молодежи. Министр экономики посетил "
       "площадку на прошлой неделе вместе с делегацией. {extra} Компания основана в {year} году "
       "и работает в {n} регионах страны.")


def _ru(**kw: object) -> str:
    return _RU.format(**kw)


def test_non_english_units_and_same_template_stories_are_not_copies() -> None:
    a = _ru(city="Казань", day="3 марта", firm="Альфа", money=672, boss="Иван Петров",
            jobs=583, extra="Продажи выросли на 12 процентов.", year=2013, n=5)
    b = _ru(city="Самара", day="9 мая", firm="Вектор", money=634, boss="Олег Смирнов",
            jobs=659, extra="Строительство заняло 3 месяца.", year=2015, n=3)
    assert len(story_units(a)) == 6  # sentence ends before Cyrillic capitals
    ev = relate_texts(a, b)
    assert ev.relation != "copy" and ev.rule == "other-facts", (ev.rule, ev.rest)
    light_edit = a.replace("вместе с делегацией", "с делегацией") + " (Источник: агентство)"
    assert relate_texts(a, light_edit).relation == "copy"
    zh = "北京时间3月5日，国务院发布报告。报告指出经济增长5%！记者问：为什么？回答很简单。"
    assert len(story_units(zh)) == 4
    assert len(story_units("भारत में चुनाव हुए। सरकार ने कहा कि परिणाम अच्छे हैं।")) == 2
    assert len(story_units("قال الوزير إن الحكومة ستعمل. هل هذا صحيح؟ نعم هو صحيح.")) == 3


def test_one_unit_is_no_copy_on_one_cosine() -> None:
    a = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    b = "Alpha beta gamma delta epsilon zeta eta theta nu xi omicron pi"
    ev = relate_texts(a, b)
    assert ev.relation is None and ev.rule == "one-unit"


@needs_corpus
def test_the_complete_original_is_canonical_among_wire_edits_and_noisy_replicas() -> None:
    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 5]
    rng = random.Random(2)
    for r in rng.sample(rows, 4):
        paras = _paras(r["text"])
        edits = [Article(f"e{k}", "LONDON (Wire) - " + "\n".join(
            p for i, p in enumerate(paras) if i != k) + "\nCopyright 2005 Wire. All rights "
            "reserved.") for k in range(1, min(6, len(paras)))]
        vocab = r["text"].split()
        noisy = [Article(f"n{k}", " ".join(rng.choice(vocab) if rng.random() < 0.1 else w
                                           for w in r["text"].split(" "))) for k in range(4)]
        versions = [*edits, *noisy, Article("z-original", r["text"])]
        idx, why = best_version(versions)
        assert versions[idx].id == "z-original", (r["id"], versions[idx].id, why)
        res = cluster_articles(versions)
        canon = {x["cluster"] for x in res.records if x["id"] == "z-original"}
        assert canon == {"z-original"}
        (cl,) = [c for c in res.clusters if c["canonical"] == "z-original"]
        assert cl["canonical_reason"] and all(m["not_canonical_because"] for m in cl["members"])
        # a complete version left out of the pool by its size limit is not called shorter
        unmeasured = [m for m in cl["members"] if m["completeness"] is None]
        assert all(m["not_canonical_because"].startswith(("shorter", "complete ("))
                   for m in unmeasured)


@needs_corpus
def test_damage_does_not_overrule_the_clear_centre_but_overrules_twins() -> None:
    """Among independently noisy replicas the original is the clear centre (agreement leads,
    no near-identical twin): a damage score that calls it the worst - as the style traits do,
    since random words read as "less translated" - does not overrule it.  Where the most
    agreed-with versions are twins (one MT output republished), damage still vetoes."""
    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 5]
    rng = random.Random(8)
    r = rng.choice(rows)
    vocab = r["text"].split()
    noisy = [Article(f"n{k}", " ".join(rng.choice(vocab) if rng.random() < 0.1 else w
                                       for w in r["text"].split(" "))) for k in range(6)]
    original = Article("a-original", r["text"])
    worst_original = lambda texts: [0.9 if t == r["text"] else 0.1 for t in texts]  # noqa: E731
    res = cluster_articles([*noisy, original], damage=worst_original)
    (cl,) = [c for c in res.clusters if c["size"] == 7]
    assert cl["canonical"] == "a-original"
    assert "centre" in cl["canonical_reason"]
    # twins: one damaged text four times (ids apart) against its original, damage vetoes
    twin_text = noisy[0].text
    twins = [Article(f"t{k}", twin_text) for k in range(4)]
    worst_twin = lambda texts: [0.9 if t == twin_text else 0.1 for t in texts]  # noqa: E731
    res = cluster_articles([*twins, original, *noisy[1:3]], damage=worst_twin)
    canon = {x["cluster"] for x in res.records if x["id"] == "a-original"}
    assert canon == {"a-original"}


def test_containment_pass_finds_a_piece_no_band_found() -> None:
    """A third of an article, MT-like edited, shares too few shingle pairs with the whole for
    the LSH bands; the containment pass finds it among the single minima and verifies it."""
    import numpy as np

    from dedupe_news.candidates import containment_candidates

    rng = np.random.default_rng(1)
    n, p = 6, 256
    sigs = rng.integers(0, 2**32, size=(n, p), dtype=np.uint64).astype(np.uint32)
    counts = np.array([300, 40, 300, 60, 10, 300], dtype=np.int64)
    sigs[1, ::8] = sigs[0, ::8]  # 8 of the first 64 minima shared, 32 of 256: containment
    # of 1 in 0 estimated 0.26 (from all 256: the first 64 find the pair)
    sigs[3, :2] = sigs[2, :2]  # 2 shared, but 3's estimated containment stays low
    sigs[4, 64::4] = sigs[5, 64::4]  # shared beyond the first 64 only: never a pair
    got = containment_candidates(sigs, counts, np.array([1, 3, 4]), np.array([0, 2, 5]))
    assert got.tolist() == [[1, 0]]


_RATE = ("The central bank raised its main interest rate on Thursday, surprising traders in "
         "London and Frankfurt.")
_GOV = "The governor said the decision was taken by 7 votes to 2 after a long debate about " \
       "housing prices."
_REST = ("Analysts expect further increases before the end of the year as inflation keeps "
         "rising across the region. Mortgage lenders said they would pass the higher cost on "
         "to borrowers from next month.")


def test_a_sentence_garbled_between_aligned_neighbours_is_anchored() -> None:
    """A sentence MT garbled below the sentence threshold (cosine 0.4) but pinned between two
    aligned neighbours counts for coverage (one source) and not for the score (not faithful
    wording); with other figures it is another sentence, not a garbled one."""
    garbled = ("The governor say the resolution was take for 7 ballots at 2 after one lengthy "
               "discussion over costs of the dwellings.")
    a = " ".join([_RATE, _GOV, _REST])
    ev = relate_texts(a, " ".join([_RATE, garbled, _REST]))
    assert ev.relation == "copy" and ev.coverage_a == 1.0
    (anchored,) = [(i, j, x) for i, j, x in ev.pairs if x < 0.5]
    assert anchored[:2] == (1, 1) and 0.33 <= anchored[2] < 0.5
    other = relate_texts(a, " ".join([_RATE, garbled.replace("7", "6").replace("2", "3"),
                                      _REST]))
    assert other.relation != "copy" and all(x >= 0.5 for _i, _j, x in other.pairs)
    assert ev.score == pytest.approx(other.score)  # the anchored sentence is not scored


def test_two_mt_passes_through_a_weak_pair_stay_a_copy() -> None:
    """en>ca>en>hbs>en (Apertium): most sentences at cosine 0.3-0.6, several glued into one;
    the anchored sentences carry it over the copy bar (it was ``partial`` before)."""
    case = json.loads((Path(__file__).parent / "cases" / "mt_two_pass_hbs.json").read_text(
        encoding="utf-8"))
    ev = relate_texts(case["copy"], case["original"])
    assert ev.relation == "copy", (ev.rule, ev.coverage_a, ev.coverage_b)
    assert any(x < 0.5 for _i, _j, x in ev.pairs)


def test_the_original_shorter_than_its_verbose_mt_versions_competes_and_wins() -> None:
    """Apertium round trips of a BBC article through five pivots; the hbs one is ~40% longer
    in content words, so the original is under ``complete_share`` of the longest.  It holds
    all of the longest one's content (verified), so it competes - and is canonical."""
    path = Path(__file__).parent / "cases" / "mt_pivots_verbose.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    arts = [Article(r["id"], r["text"], title=r["title"]) for r in rows]
    res = cluster_articles(arts)
    (cl,) = res.clusters
    assert cl["canonical"] == "bbc-sport-207" and cl["size"] == 6
    idx, _why = best_version(arts)
    assert arts[idx].id == "bbc-sport-207"


@needs_corpus
def test_a_reordered_copy_loses_canonical_to_the_original_that_opens_with_its_lede() -> None:
    """One text in another paragraph order: completeness and agreement tie exactly; where
    the lede measure differs by ``LEDE_MARGIN`` or more, the version that opens with its
    lede is canonical even though the id order favours the other, and the reason says so;
    within the margin the id decides."""
    from dedupe_news.cluster import LEDE_MARGIN

    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 5]
    wins = 0
    for r in random.Random(6).sample(rows, 10):
        p = _paras(r["text"])
        moved = [p[2], p[1], p[0], *p[3:]]
        arts = [Article("z-original", r["text"], title=r["title"]),
                Article("a-reordered", "\n".join(moved), title=r["title"])]
        res = cluster_articles(arts)
        (cl,) = res.clusters
        (m,) = cl["members"]
        why = m["not_canonical_because"]
        if cl["canonical"] == "z-original":
            wins += 1
            assert "lede" in why or "in order" in why, why
        else:
            assert "lede" in why or "in order" in why or "id comes later" in why, why
    # heuristics (the lede measure picks the original in 4 of these 10, is within the
    # margin in 4, wrong in 2; dev relation set: 19 of 30 right, none wrong; the order
    # faults come first: see order_faults); without them the id order gives the
    # reordering every one
    assert wins >= 4 and LEDE_MARGIN > 0


def test_a_complete_version_outside_the_pool_is_not_called_shorter() -> None:
    """Twelve versions of one length: 8 compete (``canonical_pool``); the other four are
    explained as left out of the pool, not as shorter."""
    base = ("The council approved the new budget on Monday after a long debate. Schools will "
            "receive more money next year. Road repairs are delayed until the spring. The "
            "mayor said the plan was fair to every district. Opposition members voted "
            "against it.")
    words = ["Monday", "Tuesday", "Friday", "Sunday", "spring", "summer", "autumn", "winter",
             "fair", "just", "good", "sound"]
    arts = [Article(f"v{k:02d}", base.replace("Monday", w) if k % 2 else
                    base.replace("fair", w)) for k, w in enumerate(words)]
    res = cluster_articles(arts)
    (cl,) = res.clusters
    out = [m for m in cl["members"] if m["completeness"] is None]
    assert len(out) == 12 - 8
    assert all("not among the 8 that compete" in m["not_canonical_because"] for m in out)


_ORDERED = [
    "Home Secretary David Blunkett has announced plans for a new national identity card "
    "scheme, to be introduced from 2008.",
    "The Confederation of British Industry (CBI) said the cost to employers was still "
    "unclear and asked for talks.",
    "Mr Blunkett told MPs the cards would help to tackle illegal working and identity fraud.",
    "The CBI said it would study the details. Opposition parties said the scheme would cost "
    "far more than the government claimed.",
]


def test_order_faults_count_names_and_acronyms_used_before_they_are_introduced() -> None:
    from dedupe_news.cluster import order_faults

    assert order_faults("\n".join(_ORDERED)) == 0
    moved = [_ORDERED[0], _ORDERED[3], _ORDERED[1], _ORDERED[2]]  # the CBI before its name
    assert order_faults("\n".join(moved)) == 1
    moved = [_ORDERED[2], _ORDERED[0], _ORDERED[1], _ORDERED[3]]  # Mr Blunkett first
    assert order_faults("\n".join(moved)) == 1
    # "The Sage, Gateshead" is no full name: a comma between the words
    assert order_faults("The show is in Gateshead.\nThe concert is at The Sage, Gateshead.") \
        == 0
    # an opening that starts with a pronoun or a connective refers back to something before it
    story = ["Fire crews were called to a warehouse in Leeds on Monday.",
             "It took four hours to bring the blaze under control.",
             "But nobody was hurt, police said."]
    assert order_faults("\n".join(story)) == 0
    assert order_faults("\n".join([story[1], story[0], story[2]])) == 1
    assert order_faults("\n".join([story[2], story[0], story[1]])) == 1
    assert order_faults('"It was terrifying," a neighbour said.\nCrews came.') == 0  # quoted
    assert order_faults("Italy won.\nThey scored twice.") == 0  # a word, not a prefix
    shouted = "\n".join([story[0], "IT took four hours.", story[2]])
    assert order_faults("\n".join(["IT took four hours.", story[0], story[2]])) == 1
    assert order_faults(shouted) == 0


def test_a_reordering_that_names_a_person_before_introducing_them_loses_canonical() -> None:
    """One text in two paragraph orders (everything before the order evidence ties, and the
    id favours the reordering): the version that introduces its people and acronyms before
    using them is canonical, and the reason says why."""
    moved = [_ORDERED[0], _ORDERED[3], _ORDERED[1], _ORDERED[2]]
    arts = [Article("z-original", "\n".join(_ORDERED)),
            Article("a-reordered", "\n".join(moved))]
    (cl,) = cluster_articles(arts).clusters
    assert cl["canonical"] == "z-original"
    assert "less in order" in cl["members"][0]["not_canonical_because"]


@pytest.mark.parametrize("credit", ["（完）", "【编辑：王磊】（完）"])
def test_a_copy_that_adds_a_credit_loses_canonical_to_its_original(credit: str) -> None:
    """A one-paragraph zh story and its copy with a credit appended (no line of its own):
    the credit is furniture, not content, so the original is canonical though its id comes
    later."""
    text = ("新华社北京3月5日电 记者从市交通运输局获悉，本市将于下月起调整多条公交线路。"
            "据介绍，此次调整涉及12条线路，主要集中在城区东部。"
            "市交通运输局负责人表示，调整后市民出行将更加便利。")
    arts = [Article("z-original", text), Article("a-credited", text + credit)]
    (cl,) = cluster_articles(arts).clusters
    assert cl["canonical"] == "z-original"
    assert "site furniture" in cl["members"][0]["not_canonical_because"]


def _plain_order_faults(text: str) -> int:
    """``order_faults`` as first written: every word read (the oracle of the fast path)."""
    import itertools
    import re

    from dedupe_news import cluster as C

    zipf = C.word_zipf()
    words = [(m.start(), m.group()) for m in re.finditer(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", text)]
    full: dict[str, int] = {}
    for (start, first), (pos, last) in itertools.pairwise(words):
        if C._titled(first) and C._titled(last) \
                and zipf.get(first.lower(), 0.0) < C._FIRST_NOT_ZIPF \
                and zipf.get(last.lower(), 0.0) < C._NAME_RARE_ZIPF \
                and pos == start + len(first) + 1 and first not in C.HONORIFICS \
                and last not in full:
            full[last] = pos
    faults = 0
    prev = ""
    seen: set[str] = set()
    for pos, w in words:
        at = full.get(w)
        if at is not None and pos < at and w not in seen and \
                (not C._titled(prev) or prev in C.HONORIFICS):
            faults += 1
            seen.add(w)
        prev = w
    for m in re.finditer(r"\(([A-Z]{2,8})\)", text):
        first = re.search(rf"\b{m.group(1)}\b", text)
        if first is not None and first.start() < m.start():
            faults += 1
    opening = text.lstrip().split("\n", 1)[0]
    lead = re.match(r"\W*", opening).group()  # type: ignore[union-attr]
    first = re.match(r"\w+", opening[len(lead):])
    back = first is not None and not any(q in lead for q in "\"'\u2018\u201c") and \
        first.group().lower() in {"he", "she", "they", "it", "its", "his", "her", "their",
                                  "this", "these", "those", "such", "but", "however", "and",
                                  "meanwhile", "still", "yet", "instead"}
    if re.search(r"\b(?:also|another|again)\b", opening, re.I) or back:
        faults += 1
    return faults


@needs_corpus
def test_order_faults_equal_the_plain_definition_on_the_corpus() -> None:
    from dedupe_news.cluster import order_faults

    rng = random.Random(4)
    for r in _bbc()[:800]:
        p = _paras(r["text"])
        rng.shuffle(p)
        for text in (r["text"], "\n".join(p)):
            assert order_faults(text) == _plain_order_faults(text), text[:80]


_ORDER_PIECES = ("Mr", "Dr", "David", "Blunkett", "Jean-Pierre", "O'Brien", "McDonald",
                 "the", "said", "Home", "Secretary", "CBI", "(CBI)", "(Ab)", "also", "Ärger",
                 "Émile", "Zola", "Иван", "Петров", "ёлка", "5", ".", ",", "-", "'", " ", "  ",
                 "\n", "Again", "macDonald", "A", "É", "He", "But", "It", "Its", "\"",
                 "\u201c", "Hebrew", "_", "HE", "but")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ORDER_PIECES), max_size=40))
def test_order_faults_equal_the_plain_definition_on_any_text(pieces: list[str]) -> None:
    from dedupe_news.cluster import order_faults

    for text in ("".join(pieces), " ".join(pieces)):
        assert order_faults(text) == _plain_order_faults(text), repr(text)


_EARNINGS = (
    "{city} (AP) - {name} {kind} ({tick}) on {day} reported {q}-quarter earnings of "
    "${net} million.\n\n"
    "The {city_t}-based company said it had net income of {eps} cents per share. Earnings, "
    "adjusted for one-time gains and costs, were {adj} cents per share.\n\n"
    "The results {beat} Wall Street expectations. The average estimate of {n} analysts "
    "surveyed by Zacks Investment Research was for earnings of {est} cents per share.\n\n"
    "The {what} posted revenue of ${rev} million in the period. {m} analysts surveyed by "
    "Zacks expected ${erev} million.\n\n"
    "{short} expects full-year earnings in the range of ${lo} to ${hi} per share.\n\n"
    "{short} shares have {moved} {pct} percent since the beginning of the year. In the final "
    "minutes of trading on {day}, shares hit ${px}, a {chg} of {yr} percent in the last 12 "
    "months.")


def test_template_earnings_stories_and_an_automated_credit() -> None:
    """Automated earnings stories on one template (a real pipeline's daily load): two
    companies' reports are not copies, however much wording they share; a republication that
    drops a paragraph and appends the generator's credit is a copy, and the complete version
    stays canonical (the credit is site furniture, not content)."""
    a = _EARNINGS.format(
        city="CHICAGO", city_t="Chicago", name="Acme Foods", kind="Inc.", tick="ACF",
        day="Tuesday", q="fourth", net="41.2", eps=87, adj=92, beat="beat", n="four", est=85,
        what="packaged food maker", rev="612.4", m="Three", erev="598.1", short="Acme Foods",
        lo="3.10", hi="3.30", moved="increased", pct=12, px="54.10", chg="rise", yr=9)
    b = _EARNINGS.format(
        city="DALLAS", city_t="Dallas", name="Brightline Energy", kind="Corp.", tick="BLE",
        day="Wednesday", q="third", net="18.7", eps=34, adj=41, beat="did not meet", n="six",
        est=45, what="oil and gas company", rev="233.9", m="Five", erev="241.6",
        short="Brightline Energy", lo="1.60", hi="1.70", moved="declined", pct=6, px="22.35",
        chg="decrease", yr=14)
    paras = b.split("\n\n")
    credit = "This story was generated by Automated Insights using data from Zacks " \
             "Investment Research."
    republished = "\n\n".join([*paras[:4], *paras[5:], credit])
    assert relate_texts(a, b).relation not in ("copy", "contains", "contained_in")
    assert relate_texts(b, republished).relation == "copy"
    res = cluster_articles([Article("a", a), Article("b-wire", republished),
                            Article("b", b)])
    (cl,) = [c for c in res.clusters if len(c["members"])]
    assert cl["canonical"] == "b" and [m["id"] for m in cl["members"]] == ["b-wire"]
    assert all(c["canonical"] != "a" or not c["members"] for c in res.clusters)


def test_briefs_on_one_template_are_not_copies() -> None:
    """One- to three-sentence briefs on a template (a market move, a result, a forecast):
    items that swap a name or a figure are other items (rule ``other-item``), whatever their
    cosine; a brief republished as is, with a dateline, furniture or a credit is a copy, and
    so is one whose words MT swapped but whose names and figures it kept."""
    apple = ("Shares of Apple rose 3% in early trading on Monday after the company "
             "reported record quarterly revenue.")
    others = [apple.replace("Apple", "Microsoft").replace("3%", "7%"),
              apple.replace("Apple", "Microsoft"),  # a name swapped, the figure kept
              apple.replace("3%", "5%")]  # a figure swapped
    for other in others:
        ev = relate_texts(apple, other)
        assert ev.relation != "copy" and ev.rule == "other-item", (other, ev.rule)
    result = ("Arsenal beat Chelsea 2-1 at home on Saturday to move up to fourth in the "
              "league table. The winning goal came in the second half.")
    ev = relate_texts(result, result.replace("Arsenal beat Chelsea 2-1",
                                             "Leeds beat Fulham 3-1"))
    assert ev.relation != "copy" and ev.rule == "other-item"
    for copy in (apple, "NEW YORK (Metro Wire) - " + apple,
                 apple + "\nFollow us on Twitter for the latest news.",
                 apple + " (Reporting by Jane Doe; Editing by John Smith)",
                 apple.replace("in early trading", "in initial trading")):  # common words
        assert relate_texts(apple, copy).relation == "copy", copy
    # a short piece of a long story is judged as before (the longer side is not covered)
    long_story = "\n".join([result] + [f"Paragraph {w} of the match report tells more about "
                                       f"the {w} half and the manager's view of it." for w in
                                       ("first", "second", "third", "fourth", "fifth")])
    assert relate_texts(result.replace("Saturday", "Sunday"), long_story).rule != "other-item"


_CAPITALISED_PLAIN = re.compile(r"(?<![^\W\d_])(?<![^\W\d_][-'])[^\W\d_a-z][^\W\d_A-Z]"
                                r"[^\W\d_]*(?:[-'][^\W\d_]+)*")
_CAPS_CHARS = st.sampled_from([*"aBcZ -'_3.\n\u00aa\u00b5\u00ba\u00c9\u00e9\u00d7\u0130\u03a3",
                               *"\u01c5\u24b6\U0001d400\u4e2d", "Mr ", "McDonald", "x-Ray",
                               "MPs", "\u00c9cole", "O'Neil", "ab'Cd"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_CAPS_CHARS, max_size=40).map("".join))
def test_capitalised_words_found_first_by_their_first_letter_are_the_plain_ones(text: str
                                                                                 ) -> None:
    from dedupe_news import cluster as C

    def caps(rx: re.Pattern[str]) -> list[tuple[int, str]]:
        return [(m.start(), m.group()) for m in rx.finditer(text) if C._titled(m.group())]

    assert caps(C._CAPITALISED) == caps(_CAPITALISED_PLAIN)


def _lede_shares_numpy(flat: np.ndarray, off: np.ndarray, title: np.ndarray) -> np.ndarray:
    """The numpy definition of ``canonical_jit.lede_shares`` (as ``_lede`` first had it)."""
    n = len(off) - 1
    lengths = np.diff(off)
    unit = np.repeat(np.arange(n), lengths)
    _stems, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    has = lengths > 0
    x = np.zeros(n, dtype=np.float64)
    x[has] = np.bincount(unit, weights=(counts[inverse] > 1).astype(np.float64),
                         minlength=n)[has] / lengths[has]
    if len(title):
        x += np.bincount(unit, weights=np.isin(flat, title).astype(np.float64),
                         minlength=n) / len(title)
    return x


@needs_corpus
def test_lede_kernel_equals_its_numpy_definition_bit_for_bit() -> None:
    from dedupe_news.canonical_jit import lede_shares
    from dedupe_news.features import featurize

    rows = _bbc()[::9]
    rng = random.Random(3)
    texts = [r["text"] for r in rows] + ["One.\n\nTwo two.", "", "Short."]
    titles = [r["title"] for r in rows] + ["Two", None, "Short"]
    for k in range(0, len(rows), 3):  # paragraphs shuffled, titles swapped
        paras = _paras(rows[k]["text"])
        rng.shuffle(paras)
        texts.append("\n".join(paras))
        titles.append(rows[(k + 1) % len(rows)]["title"])
    f = featurize(texts, titles=titles, workers=1)
    for m in range(len(texts)):
        a, b = int(f.doc_units[m]), int(f.doc_units[m + 1])
        off = f.u_off[a:b + 1]
        flat = f.u_flat[off[0]:off[-1]]
        row = f.title_rows()[m]
        for title in (row[row != 0], row[:0]):
            got = lede_shares(flat, off, title)
            want = _lede_shares_numpy(flat, off, title)
            assert got.tobytes() == want.tobytes(), m


def test_consensus_mean_equals_numpy_bit_for_bit() -> None:
    from dedupe_news.cluster import _mean

    rng = random.Random(8)
    for n in range(1, 12):
        for _ in range(3000):
            xs = [rng.random() ** rng.choice([1, 3, 7]) * rng.choice([1.0, 1e-3, 1e3])
                  for _ in range(n)]
            assert _mean(xs) == float(np.mean(xs)), xs


def _consensus_loop(pools: list[list[int]], refs: list[list[int]], feats: object,
                    vargs: tuple[object, ...]
                    ) -> tuple[list[list[tuple[float, float]]], list[dict[tuple[int, int], float]]]:
    """The consensus as a loop over its cells (the definition ``_consensus`` was)."""
    from dedupe_news.cluster import _mean, _verify_pairs

    # the verifier is symmetric (A, B) <-> (B, A), so each pair is verified once: the pool
    # members are each other's references, and half the checks were the same pair twice
    slot: dict[tuple[int, int], int] = {}
    checks: list[tuple[int, int]] = []
    for p, rs in zip(pools, refs, strict=True):
        for c in p:
            for r in rs:
                if r != c:
                    key = (r, c) if r < c else (c, r)
                    if key not in slot:
                        slot[key] = len(checks)
                        checks.append(key)
    if not checks:
        return [[(1.0, 1.0)] * len(p) for p in pools], [{} for _ in pools]
    # completeness reads the faithful coverage: a sentence MT garbled past the threshold
    # (aligned by its anchors) tells one source, not that the version holds that content
    _rel, score, _cov, _np, cov = _verify_pairs(checks, feats, vargs)
    scores = score.tolist()
    held = cov.tolist()
    out: list[list[tuple[float, float]]] = []
    pairs: list[dict[tuple[int, int], float]] = []
    for p, rs in zip(pools, refs, strict=True):
        row = []
        seen: dict[tuple[int, int], float] = {}
        for c in p:
            others = [r for r in rs if r != c]
            if not others:
                row.append((1.0, 1.0))
                continue
            ks = [slot[(r, c) if r < c else (c, r)] for r in others]
            # the reference's side of each check: 0 when it was verified as A
            held_r = [held[k][0 if r < c else 1] for r, k in zip(others, ks, strict=True)]
            got = [scores[k] for k in ks]
            row.append((_mean(held_r), _mean(got)))
            for r, x in zip(others, got, strict=True):
                seen[(c, r)] = x
        out.append(row)
        pairs.append(seen)
    return out, pairs


@needs_corpus
def test_consensus_grid_equals_the_loop_bit_for_bit() -> None:
    """The consensus's array code gives every pool member the completeness and agreement
    the loop over its cells gives, and every pool the same measured scores (pools of one
    to ten members, references from one to ten, overlapping pools, a pool wider than the
    default eight: numpy's mean)."""
    from dedupe_news.cluster import ClusterSettings, _consensus
    from dedupe_news.features import featurize_chunk
    from dedupe_news.sketch import Sketcher

    with CORPUS.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for _, line in zip(range(120), fh, strict=False)]
    rng = random.Random(4)
    texts += [" ".join(w for w in t.split() if rng.random() > 0.1) for t in texts[:60]]
    feats = featurize_chunk(texts, Sketcher())
    vargs = ClusterSettings().verify.args()
    pools, refs = [], []
    for _ in range(150):
        members = rng.sample(range(len(texts)), rng.randint(1, 12))
        k = rng.randint(1, min(10, len(members)))
        pools.append(members[:k])
        refs.append((members[:k] + members[k:])[:max(rng.randint(1, 10), k)])
    pools.append([])
    refs.append([])
    want = _consensus_loop(pools, refs, feats, vargs)
    got = _consensus(pools, refs, feats, vargs)
    assert got[0] == want[0]
    assert got[1] == want[1]
    assert [list(d) for d in got[1]] == [list(d) for d in want[1]]
    assert any(len(p) > 8 for p in pools) and any(len(p) == 1 for p in pools)


ZH_NEWS = SHARED / "mt" / "mqm-wmt23-zhen-news.jsonl"


@pytest.mark.skipif(not ZH_NEWS.exists(), reason="MQM set not beside checkout")
def test_chinese_article_followed_by_another_is_contained_and_its_cut_a_copy() -> None:
    """Chinese news (the MQM set's source documents), one character a stem: rare words are
    read in Chinese (common characters from Zipf ``COMMON_CHAR_ZIPF``), so an article
    followed by another is held in the page, not a copy of it; read with English frequencies
    every character was rare, and all 40 pairs were copies.  The same article cut short
    stays a copy."""
    docs: dict[str, dict[int, str]] = {}
    for line in ZH_NEWS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        docs.setdefault(r["doc"], {})[int(r["seg"])] = r["source"]
    texts = [[d[k] for k in sorted(d)] for _, d in sorted(docs.items()) if len(d) >= 4]
    rng = random.Random(41)
    verdicts = []
    for _ in range(40):
        a, b = rng.sample(texts, 2)
        verdicts.append(relate_texts("\n\n".join(a), "\n\n".join(a + b)))
    assert {ev.language for ev in verdicts} == {"zh"}
    copies = sum(ev.relation == "copy" for ev in verdicts)
    assert copies <= 8, copies
    cut = [relate_texts("\n\n".join(t[:max(2, len(t) // 2)]), "\n\n".join(t)) for t in texts]
    assert sum(ev.relation == "copy" for ev in cut) >= len(cut) - 1


@needs_corpus
def test_english_pairs_read_rare_words_in_english() -> None:
    """BBC articles: every one is read in English, so the rare-word rules see what they
    saw before other languages had tables (the relation sets' verdicts are unchanged)."""
    rows = _bbc()[:200]
    for a, b in zip(rows[::2], rows[1::2], strict=True):
        ev = relate_texts(a["text"], a["text"] + "\n\n" + b["text"])
        if ev.rest:
            assert ev.language == "en"


@needs_corpus
def test_an_article_inside_other_news_is_contained_and_a_cut_copy_never_is() -> None:
    """An article placed inside another (half of the other before it, half after): the rest
    lies on both sides of the aligned text - ``contained_in`` (23 of these 60 by
    ``inside-other-news``, the rest by ``own-lead`` and ``other-news``; the bench's pairs
    were 0.055 copies without it, 0.025 with it).  A story cut short has its rest after it
    only: never this rule."""
    rows = [r for r in _bbc() if len(_paras(r["text"])) >= 4]
    rng = random.Random(29)
    verdicts = []
    for _ in range(60):
        a, b = rng.sample(rows, 2)
        paras = _paras(b["text"])
        half = len(paras) // 2
        host = "\n\n".join([*paras[:half], a["text"], *paras[half:]])
        verdicts.append(relate_texts(a["text"], host))
    assert sum(ev.relation == "copy" for ev in verdicts) <= 1
    assert sum(ev.rule == "inside-other-news" for ev in verdicts) >= 15
    for r in rows[:60]:
        paras = _paras(r["text"])
        for k in (len(paras) // 3, len(paras) // 2, len(paras) - 1):
            ev = relate_texts("\n\n".join(paras[:max(1, k)]), r["text"])
            assert ev.rule != "inside-other-news"
