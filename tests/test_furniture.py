"""Site furniture around a scraped story: link lists under a heading, menus, share bars,
legal footers, promos and page-layout lines are set aside (``normalize.find_boilerplate``),
so the same story on two sites is a copy and two stories on one site share nothing.

The benchmark behind these cases is ``bench/eval_furniture.py`` (dev, test and a blind set
written without the rules in view)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SHARED
from dedupe_news.cluster import cluster_articles
from dedupe_news.filter import Filter
from dedupe_news.model import Article
from dedupe_news.normalize import find_boilerplate

STORY = (
    "The city council has approved plans for a new tram line linking the university to "
    "the central station, after a two-year consultation.\n"
    "Work on the 4.2-mile route is due to start in the spring and will cost an estimated "
    "\u00a3180m, most of it from central government.\n"
    "Council leader Anne Morgan said the line would cut journey times by a third and take "
    "thousands of cars off the road every day.\n"
    "Opponents say the route will cause years of disruption for businesses on the high "
    "street and want a public inquiry."
)


def _page(story: str, site: str, headlines: list[str]) -> str:
    return "\n".join([
        "Home | News | Sport | Business | Opinion | Lifestyle",
        "Share this article",
        *story.split("\n")[:2],
        f"Read more: {headlines[0]}",
        *story.split("\n")[2:],
        "Related stories", *headlines[1:5],
        "Most read", *headlines[5:9],
        f"\u00a9 2025 {site}. All rights reserved.",
        "About us Contact us Terms of use Privacy policy Cookies",
    ])


def _headlines(offset: int) -> list[str]:
    path = SHARED / "corpus" / "bbc-news-2004-2005.jsonl"
    with path.open(encoding="utf-8") as fh:
        titles = [json.loads(line)["title"] for line in fh]
    return titles[offset:offset + 9]


def _story_lines(text: str) -> list[str]:
    aside = {b.span.text for b in find_boilerplate(text)}
    return [line for line in text.split("\n") if line not in aside]


def test_the_page_around_a_story_is_set_aside_and_the_story_kept() -> None:
    text = _page(STORY, "Daily Post", _headlines(0))
    assert _story_lines(text) == STORY.split("\n")
    rules = {b.rule for b in find_boilerplate(text)}
    assert {"link_list", "navigation", "social_handles", "call_to_action", "copyright"} <= rules


def test_the_same_story_on_two_sites_is_a_copy_and_other_stories_are_not_linked() -> None:
    other = ("Police have named the man who died after a crash on the ring road on Friday "
             "night.\nThe 34-year-old, from the north of the city, was pronounced dead at the "
             "scene.\nOfficers have appealed for witnesses and dashcam footage.\nThe road was "
             "closed for nine hours while investigators examined the scene.")
    arts = [Article("a@post", _page(STORY, "Daily Post", _headlines(0))),
            Article("a@star", _page(STORY, "Evening Star", _headlines(40))),
            Article("b@post", _page(other, "Daily Post", _headlines(80)))]
    rec = {r["id"]: r for r in cluster_articles(arts).records}
    assert rec["a@post"]["cluster"] == rec["a@star"]["cluster"]
    assert "copy" in (rec["a@post"]["relation"], rec["a@star"]["relation"])
    assert rec["b@post"]["cluster"] != rec["a@post"]["cluster"]
    assert rec["b@post"]["relation"] is None
    assert rec["b@post"]["links"] == []


def test_the_filter_drops_the_story_republished_on_another_site(tmp_path: Path) -> None:
    with Filter(str(tmp_path / "f.idx")) as flt:
        first = flt.decide(Article("a@post", _page(STORY, "Daily Post", _headlines(0))))
        second = flt.decide(Article("a@star", _page(STORY, "Evening Star", _headlines(40))))
    assert first.action == "keep"
    assert second.action in ("drop", "replace") and second.relation == "copy"


@pytest.mark.parametrize("heading", [
    "You may also like", "Most Read in Business", "More from Politics", "Related coverage",
    "Lo m\u00e1s le\u00eddo", "\u00c0 lire aussi", "Mehr zum Thema", "Leggi anche",
    "Leia tamb\u00e9m", "\u0427\u0438\u0442\u0430\u0439\u0442\u0435 \u0442\u0430\u043a\u0436\u0435",
    "\u76f8\u5173\u65b0\u95fb", "\u0627\u0642\u0631\u0623 \u0623\u064a\u0636\u0627"])
def test_link_list_headings_in_several_languages(heading: str) -> None:
    items = ["Bank holds interest rates for third month", "Storm warning for coast tonight",
             "\u5e02\u653f\u5e9c\u53d1\u5e03\u65b0\u89c4\u5212"]
    text = "\n".join([*STORY.split("\n")[:2], heading, *items])
    assert _story_lines(text) == STORY.split("\n")[:2]


def test_a_list_ends_at_the_first_story_line() -> None:
    """A heading with a paragraph under it, or a quote, keeps the paragraph: only
    headline-like lines (short, no sentence end) belong to a list."""
    quote = '"We are delighted," she said.'
    text = "\n".join(["Latest", "Council approves tram line", STORY.split("\n")[0], quote,
                      "Short line without a full stop"])
    assert _story_lines(text) == [STORY.split("\n")[0], quote,
                                  "Short line without a full stop"]


@pytest.mark.parametrize("line", [
    "Latest figures show the scheme is over budget.",
    "Popular support for the route has fallen, a poll suggests.",
    "Comment was sought from the operator.",
    "More than 2,000 people have signed a petition against the route.",
    "Most read books of the year were crime novels, the survey found.",
    "Share prices in the firm rose 4% on the news.",
    "Home owners on the route will be compensated.",
    "News of the decision was welcomed by the university.",
    "US officials said the talks would resume on Monday.",
    "Related charges were dropped last year.",
])
def test_story_sentences_that_start_like_furniture_stay(line: str) -> None:
    text = "\n".join([STORY.split("\n")[0], line, STORY.split("\n")[1]])
    assert find_boilerplate(text) == []


# --- text as feeds escape it ---------------------------------------------------------------

def _escaped(text: str, twice: bool = False) -> str:
    out = text.replace("&", "&amp;").replace("'", "&#8217;").replace('"', "&quot;") \
        .replace("\u00a3", "&pound;")
    return out.replace("&", "&amp;") if twice else out


def test_character_references_are_decoded_for_fingerprinting() -> None:
    from dedupe_news.normalize import normalize, normalize_story

    assert normalize("It&#8217;s &quot;done&quot; &amp; dusted") == "It's \"done\" & dusted"
    assert normalize("It&amp;#8217;s") == "It's"  # escaped twice
    assert normalize("AT&T and R&D; &unknownname; &#x2014;") == "AT&T and R&D; &unknownname; -"
    assert normalize_story(_escaped(STORY, twice=True)) == normalize_story(STORY)


def test_an_escaped_copy_is_a_copy_and_its_spans_point_into_the_text_as_read(
        tmp_path: Path) -> None:
    quote = '\n"We are delighted," she said. "It\'s a great day."\nShare this article'
    plain, escaped = STORY + quote, _escaped(STORY + quote, twice=True)
    res = cluster_articles([Article("plain", plain), Article("feed", escaped)])
    rec = {r["id"]: r for r in res.records}
    assert rec["plain"]["cluster"] == rec["feed"]["cluster"]
    for b in find_boilerplate(escaped):
        assert escaped[b.span.start:b.span.end] == b.span.text
    assert [b.span.text for b in find_boilerplate(escaped)] == ["Share this article"]
    with Filter(str(tmp_path / "e.idx")) as flt:
        assert flt.decide(Article("plain", plain)).action == "keep"
        assert flt.decide(Article("feed", escaped)).relation == "copy"


def test_a_hard_wrapped_copy_is_a_copy_and_prose_is_not_unwrapped() -> None:
    import textwrap

    from dedupe_news.normalize import hard_wrapped, prepare, unwrapped

    wrapped = "\n".join("\n".join(textwrap.wrap(p, 66)) for p in STORY.split("\n"))
    assert hard_wrapped(wrapped) and not hard_wrapped(STORY)
    # one paragraph: its lines joined (units still end at each full stop)
    assert prepare(wrapped).body == " ".join(STORY.split("\n"))
    para = "\n\n".join("\n".join(textwrap.wrap(p, 66)) for p in STORY.split("\n"))
    assert prepare(para).body == prepare(STORY).body  # a paragraph a line again
    assert unwrapped(STORY) == STORY
    res = cluster_articles([Article("plain", STORY), Article("wire", wrapped)])
    assert len({r["cluster"] for r in res.records}) == 1
    # short lines that end as sentences, a list of headlines: left alone
    assert not hard_wrapped("One.\nTwo lines here.\nThree short ones.\nFour.")
    assert not hard_wrapped("\n".join(_headlines(0)))


def test_nested_references_decode_in_linear_work() -> None:
    """A reference escaped any number of times decodes in one step, so a record built to nest
    them deeply costs a pass over the text, not a pass per level; unknown names stay, their
    escaping decoded."""
    from dedupe_news.normalize import decode_entities

    assert decode_entities("&" + "amp;" * 200_000 + "#8217;") == "\u2019"
    assert decode_entities("&amp;foo; &#38;amp; R&D; AT&T") == "&foo; & R&D; AT&T"
