"""Web pages scraped with their site furniture: copies across sites, different stories on one.

A pipeline that scrapes news sites (or takes a feed's HTML turned into text) gets the story
wrapped in its site's page: a menu line, a share bar, "Related stories" and "Most read"
lists of *other* articles' headlines, a promo in the middle ("Read more: ..."), a legal
footer.  Two things go wrong when that furniture is read as text:

* the same story on two sites carries two different lists of headlines, so the shorter
  side is no longer covered as a copy needs (a missed copy: the filter keeps both);
* two different stories on one site share the menu, share bar and footer lines, so every
  pair is linked as sharing passages (noise links), and on short items the shared furniture
  can outweigh the story.

This benchmark wraps BBC stories in site templates and reports

* **copy recall**: share of (story on site A, same story on site B) pairs put in one cluster,
  for all stories and for short ones (under 200 words);
* **false copies**: share of pairs of *different* stories put in one cluster;
* **noise links**: share of articles linked (``partial`` / ``contains``) to a different story;
* **furniture set aside / story lines set aside**: of the lines the template added, the share
  :func:`dedupe_news.normalize.find_boilerplate` sets aside, and of the story's own lines.

``dev`` and ``test`` use different stories and different furniture (list headings, share
bars, menus, footers; test adds headings and layouts dev lacks), so nothing was set on test.
The plain datasketch pipeline (word 5-grams) runs in the same script.

    .venv/bin/python bench/eval_furniture.py --split dev
    .venv/bin/python bench/eval_furniture.py --split test

Prints a table on stdout; writes ``bench/out/eval_furniture_<split>.json``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections import defaultdict
from typing import Any

from _common import (
    BENCH_DIR,
    CORPUS,
    OUT_DIR,
    baseline_cluster,
    log,
    read_jsonl,
    stable_hash,
    write_report,
)

SITES = {
    "dev": ["Daily Post", "Evening Star", "Northern Echo", "City Herald", "Coast Times",
            "Valley Gazette"],
    "test": ["Morning Ledger", "Metro Wire", "Capital Review", "Harbour News",
             "Midland Courier", "Island Chronicle"],
}
HEADINGS = {
    "dev": ["Related stories", "Most read", "Top stories", "More on this story", "Related",
            "Most popular", "Latest news", "Related articles"],
    "test": ["You may also like", "Recommended for you", "Trending now", "Don't miss",
             "Editor's picks", "More from {site}", "Popular now", "Most viewed",
             "Related coverage", "What to read next", "In other news", "More stories",
             "Also on {site}", "Read next"],
}
PROMO = {"dev": ["Read more: {h}", "Related: {h}", "See also: {h}"],
         "test": ["Also read: {h}", "READ MORE: {h}", "Read also: {h}", "Related: {h}"]}
SHARE = {
    "dev": ["Share this article", "Facebook Twitter Email WhatsApp",
            "Share on Facebook Share on Twitter", "Share"],
    "test": ["Share this story", "Copy link", "Twitter Facebook LinkedIn Email",
             "Share via Email", "Facebook | Twitter | WhatsApp | Email", "Share page"],
}
MENU = {
    "dev": ["Home News Sport Business Weather Politics Entertainment",
            "Home | News | Sport | Business | Opinion | Lifestyle",
            "News Sport Weather Travel Culture", "Skip to content"],
    "test": ["Home | World | UK | Business | Tech | Science | Health | Arts",
             "News Sport Money Life Arts Travel", "World Politics Business Health Entertainment",
             "Skip to main content", "Menu Search"],
}
FOOTER = {
    "dev": ["About us Contact us Terms of use Privacy policy Cookies",
            "© 2005 {site}. All rights reserved.", "Accessibility help"],
    "test": ["Privacy Policy | Terms of Service | Contact | Advertise with us",
             "Copyright 2005 {site} Ltd", "About | Careers | Help | Cookie settings",
             "Sitemap"],
}


def _blind() -> None:
    """The ``blind`` split: furniture lines written for this benchmark from what real sites
    print (English and eight other languages), by someone who had not seen the rules:
    ``bench/furniture_blind.json``."""
    import json

    d = json.loads((BENCH_DIR / "furniture_blind.json").read_text(encoding="utf-8"))
    SITES["blind"] = ["Bay Reporter", "Union Journal", "Plains Daily", "Lakeside Post",
                      "Summit Tribune", "River Bulletin"]
    HEADINGS["blind"] = d["list_headings_en"]
    PROMO["blind"] = d["promo_lines_en"]
    SHARE["blind"] = d["share_lines"]
    MENU["blind"] = [m for m in d["menu_lines"] if m.isascii()]
    FOOTER["blind"] = [f for f in d["footer_lines"] if f.isascii()] + d["misc_lines"][:20]
    BLIND.update(d)


BLIND: dict[str, Any] = {}


def blind_lines() -> dict[str, Any]:
    """Of each kind of line in the blind file (every language), the share set aside on a
    line of its own between two story paragraphs; for list headings, with four headlines
    under them, the heading's and the headlines' shares."""
    from dedupe_news.normalize import find_boilerplate

    titles = [r["title"] for r in read_jsonl(CORPUS) if r["title"]][:400]
    before = "The council said the new scheme would start in the spring of next year."
    after = "Officials said the cost of the work had risen sharply since the plan was agreed."
    out: dict[str, Any] = {}
    missed: dict[str, list[str]] = {}

    def rate(key: str, lines: list[str], promo: bool = False, heading: bool = False) -> None:
        hit = items = item_hit = 0
        miss = []
        for k, line in enumerate(lines):
            line = line.replace("{site}", "Union Journal")
            if promo:
                line = line.replace("{h}", titles[k % len(titles)])
            extra = titles[k * 4 % len(titles):][:4] if heading else []
            text = "\n".join([before, line, *extra, after])
            aside = {b.span.text for b in find_boilerplate(text)}
            ok = line.strip() in aside
            hit += ok
            if not ok:
                miss.append(line)
            items += len(extra)
            item_hit += sum(e in aside for e in extra)
        out[key] = {"lines": len(lines), "set_aside": round(hit / max(1, len(lines)), 3)}
        if heading:
            out[key]["headlines_set_aside"] = round(item_hit / max(1, items), 3)
        missed[key] = miss

    rate("list_headings_en", BLIND["list_headings_en"], heading=True)
    rate("list_headings_other", [h for v in BLIND["list_headings_other"].values() for h in v],
         heading=True)
    rate("promo_lines_en", BLIND["promo_lines_en"], promo=True)
    rate("promo_lines_other", [h for v in BLIND["promo_lines_other"].values() for h in v],
         promo=True)
    for key in ("menu_lines", "share_lines", "footer_lines", "misc_lines"):
        rate(key, BLIND[key])
    return {"rates": out, "missed": missed}


def stories(split: str, rng: random.Random, n: int) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for r in read_jsonl(CORPUS):  # (the corpus holds ~100 stories twice, under two ids)
        key = " ".join(r["text"].split()[:40])
        if key not in seen and (stable_hash(r["id"]) % 2 == 0) == (split == "dev"):
            rows.append(r)
        seen.add(key)
    short = [r for r in rows if len(r["text"].split()) < 200]
    rest = [r for r in rows if len(r["text"].split()) >= 200]
    return rng.sample(short, n // 2) + rng.sample(rest, n - n // 2)


def site_template(split: str, site: str, rng: random.Random) -> dict[str, Any]:
    """A site's fixed furniture, and how it lays out its lists."""
    fill = {"site": site}
    return {"menu": rng.sample(MENU[split], 2), "share": rng.choice(SHARE[split]),
            "headings": [h.format(**fill) for h in rng.sample(HEADINGS[split], 2)],
            "promo": rng.choice(PROMO[split]) if rng.random() < 0.6 else None,
            "footer": [f.format(**fill) for f in rng.sample(FOOTER[split], 2)],
            "list_len": rng.randint(3, 6)}


def page(story: dict[str, Any], tpl: dict[str, Any], titles: list[str],
         rng: random.Random) -> tuple[str, list[str]]:
    """The story as the site prints it, and the furniture lines it added."""
    paras = [p for p in story["text"].split("\n") if p.strip()]
    furniture: list[str] = []

    def add(line: str) -> str:
        furniture.append(line)
        return line

    lines = [add(m) for m in tpl["menu"]] + [add(tpl["share"])]
    for k, p in enumerate(paras):
        lines.append(p)
        if k == 1 and tpl["promo"] and len(paras) > 3:
            lines.append(add(tpl["promo"].format(h=rng.choice(titles))))
    for h in tpl["headings"]:
        lines.append(add(h))
        lines.extend(add(t) for t in rng.sample(titles, tpl["list_len"]))
    lines.extend(add(f) for f in tpl["footer"])
    return "\n".join(lines), furniture


def build(split: str, seed: int, n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(f"{seed}-{split}")
    base = stories(split, rng, n)
    titles = [r["title"] for r in read_jsonl(CORPUS) if r["title"]]
    tpls = {s: site_template(split, s, rng) for s in SITES[split]}
    # one story label for two stories the corpus holds twice, lightly edited (BBC did)
    grams = [{tuple(w[k:k + 3]) for k in range(len(w) - 2)}
             for w in (r["text"].lower().split() for r in base)]
    label = {r["id"]: r["id"] for r in base}
    for a, b in itertools.combinations(range(len(base)), 2):
        if len(grams[a] & grams[b]) >= 0.5 * min(len(grams[a]), len(grams[b])):
            label[base[b]["id"]] = label[base[a]["id"]]
    docs = []
    for st in base:
        for site in rng.sample(SITES[split], rng.choice((2, 2, 3))):
            text, furniture = page(st, tpls[site], titles, rng)
            docs.append({"id": f"{st['id']}@{site.replace(' ', '-').lower()}",
                         "story": label[st["id"]], "site": site, "title": st["title"], "text": text,
                         "furniture": furniture,
                         "short": len(st["text"].split()) < 200})
    rng.shuffle(docs)
    return base, docs


def lines_set_aside(docs: list[dict[str, Any]]) -> dict[str, float]:
    from dedupe_news.normalize import find_boilerplate

    furn = furn_hit = body = body_hit = 0
    for d in docs:
        aside = {b.span.text.strip() for b in find_boilerplate(d["text"])}
        fset = set(d["furniture"])
        for line in d["text"].split("\n"):
            s = line.strip()
            if not s:
                continue
            if line in fset:
                furn += 1
                furn_hit += s in aside
            else:
                body += 1
                body_hit += s in aside
    return {"furniture_set_aside": round(furn_hit / max(1, furn), 4),
            "story_lines_set_aside": round(body_hit / max(1, body), 4),
            "furniture_lines": furn, "story_lines": body}


def score(cluster_of: dict[str, Any], docs: list[dict[str, Any]],
          links: dict[str, list[str]] | None) -> dict[str, Any]:
    story = {d["id"]: d["story"] for d in docs}
    by_story: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in docs:
        by_story[d["story"]].append(d)
    hit = {"all": [0, 0], "short": [0, 0]}
    for ds in by_story.values():
        for a, b in itertools.combinations(ds, 2):
            same = cluster_of[a["id"]] is not None and cluster_of[a["id"]] == cluster_of[b["id"]]
            for k in ("all", "short") if a["short"] else ("all",):
                hit[k][0] += same
                hit[k][1] += 1
    groups: dict[Any, list[str]] = defaultdict(list)
    for i, c in cluster_of.items():
        if c is not None:
            groups[c].append(i)
    false = sum(story[a] != story[b] for g in groups.values()
                for a, b in itertools.combinations(g, 2))
    nd = len(docs)
    pairs = nd * (nd - 1) // 2 - sum(len(v) * (len(v) - 1) // 2 for v in by_story.values())
    out: dict[str, Any] = {
        "copy_recall": round(hit["all"][0] / max(1, hit["all"][1]), 4),
        "copy_recall_short": round(hit["short"][0] / max(1, hit["short"][1]), 4),
        "false_copies": round(false / max(1, pairs), 6), "false_copy_pairs": false,
        "copy_pairs": hit["all"][1], "different_pairs": pairs}
    if links is not None:
        noisy = sum(any(story[o] != story[i] for o in links.get(i, [])) for i in story)
        out["noise_links"] = round(noisy / max(1, nd), 4)
    return out


def run(split: str, seed: int = 23, n: int = 160) -> dict[str, Any]:
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.model import Article

    base, docs = build(split, seed, n)
    t = time.perf_counter()
    res = cluster_articles([Article(d["id"], d["text"], title=d["title"], source=d["site"])
                            for d in docs])
    secs = time.perf_counter() - t
    ours = {r["id"]: r["cluster"] for r in res.records}
    links = {r["id"]: [x["id"] for x in r["links"]] for r in res.records}
    systems = {"dedupe-news": {"seconds": round(secs, 3), **score(ours, docs, links)}}
    for th in (0.8, 0.5):
        groups, _ = baseline_cluster([(d["id"], d["text"]) for d in docs], th)
        solo = defaultdict(int)
        for g in groups.values():
            solo[g] += 1
        systems[f"datasketch@{th}"] = score(
            {i: (g if solo[g] > 1 else None) for i, g in groups.items()}, docs, None)
    return {"split": split, "seed": seed, "stories": len(base), "pages": len(docs),
            "sites": SITES[split], "lines": lines_set_aside(docs), "systems": systems}


def _escape(text: str, twice: bool = False) -> str:
    out = text.replace("&", "&amp;").replace("'", "&#8217;").replace('"', "&quot;") \
        .replace("\u00a3", "&pound;").replace("$", "&#36;").replace("%", "&#37;")
    return out.replace("&", "&amp;") if twice else out


def _soft_hyphens(text: str, rng: random.Random) -> str:
    return " ".join(w[:len(w) // 2] + "\u00ad" + w[len(w) // 2:]
                    if len(w) > 7 and rng.random() < 0.3 else w for w in text.split(" "))


def _wrapped(text: str) -> str:
    import textwrap

    return "\n".join("\n".join(textwrap.wrap(p, 70)) for p in text.split("\n") if p.strip())


ENCODINGS = ("escaped", "escaped_twice", "soft_hyphens", "zero_width", "hard_wrapped",
             "page_escaped_twice")


def encodings(split: str, seed: int = 29, n: int = 120) -> dict[str, Any]:
    """The same story as feeds and CMS exports deliver it: HTML character references once
    or twice (``&amp;#8217;``), soft hyphens in long words, zero-width spaces after spaces,
    lines hard-wrapped at 70 columns (wire and e-mail copy), and a scraped page escaped
    twice.  Copy recall per kind (each copy with its original)."""
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.model import Article

    rng = random.Random(f"{seed}-{split}")
    base = stories(split, rng, n)
    titles = [r["title"] for r in read_jsonl(CORPUS) if r["title"]]
    tpl = site_template(split, SITES[split][0], rng)
    docs = [{"id": r["id"], "text": r["text"], "of": None, "kind": None} for r in base]
    for r in base:
        t = r["text"]
        made = {"escaped": _escape(t), "escaped_twice": _escape(t, twice=True),
                "soft_hyphens": _soft_hyphens(t, rng),
                "zero_width": t.replace(" ", " \u200b").replace(". ", ".\u00a0"),
                "hard_wrapped": _wrapped(t),
                "page_escaped_twice": _escape(page(r, tpl, titles, rng)[0], twice=True)}
        docs += [{"id": f"{r['id']}~{k}", "text": v, "of": r["id"], "kind": k}
                 for k, v in made.items()]
    rng.shuffle(docs)
    res = cluster_articles([Article(d["id"], d["text"]) for d in docs])
    ours = {r["id"]: r["cluster"] for r in res.records}
    out: dict[str, Any] = {"stories": len(base), "recall": {}}

    def recall(cl: dict[str, Any]) -> dict[str, float]:
        got = {k: [0, 0] for k in ENCODINGS}
        for d in docs:
            if d["of"]:
                got[d["kind"]][0] += cl[d["id"]] == cl[d["of"]]
                got[d["kind"]][1] += 1
        return {k: round(a / max(1, b), 4) for k, (a, b) in got.items()}

    out["recall"]["dedupe-news"] = recall(ours)
    for th in (0.8, 0.5):
        groups, _ = baseline_cluster([(d["id"], d["text"]) for d in docs], th)
        out["recall"][f"datasketch@{th}"] = recall(groups)
    return out


def print_table(rep: dict[str, Any]) -> None:
    names = list(rep["systems"])
    print(f"split={rep['split']}  stories={rep['stories']}  pages={rep['pages']}  "
          f"sites={len(rep['sites'])}")
    rows = [("copy recall (cross-site)", "copy_recall", "{:.3f}"),
            ("copy recall, stories < 200 words", "copy_recall_short", "{:.3f}"),
            ("false copies (pairs of stories)", "false_copies", "{:.5f}"),
            ("noise links (articles)", "noise_links", "{:.3f}")]
    print(f"{'measure':36s}" + "".join(f"{n:>16s}" for n in names))
    for label, key, fmt in rows:
        cells = [fmt.format(rep["systems"][n][key]) if key in rep["systems"][n] else "-"
                 for n in names]
        print(f"{label:36s}" + "".join(f"{c:>16s}" for c in cells))
    ln = rep["lines"]
    print(f"furniture lines set aside {ln['furniture_set_aside']:.3f} of "
          f"{ln['furniture_lines']}; story lines set aside {ln['story_lines_set_aside']:.4f} "
          f"of {ln['story_lines']}")
    enc = rep.get("encodings")
    if enc:
        print(f"\nthe same story as feeds deliver it ({enc['stories']} stories): copy recall")
        print(f"{'kind':36s}" + "".join(f"{n:>16s}" for n in enc["recall"]))
        for k in ENCODINGS:
            print(f"{'  ' + k:36s}" + "".join(f"{r[k]:>16.3f}" for r in enc["recall"].values()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test", "blind"), default="dev")
    ap.add_argument("--stories", type=int, default=160)
    ap.add_argument("--out", default=None, help="report file name under bench/out/")
    a = ap.parse_args(argv)
    log(f"building the {a.split} pages ...")
    if a.split == "blind":
        _blind()
    rep = run(a.split, n=a.stories)
    rep["encodings"] = encodings(a.split)
    print_table(rep)
    if a.split == "blind":
        rep["blind_lines"] = blind_lines()
        print("blind file, each kind of line on its own between two story paragraphs:")
        for key, r in rep["blind_lines"]["rates"].items():
            more = f"  (headlines under them {r['headlines_set_aside']:.3f})" \
                if "headlines_set_aside" in r else ""
            print(f"  {key:22s} {r['set_aside']:.3f} of {r['lines']}{more}")
    write_report(OUT_DIR / (a.out or f"eval_furniture_{a.split}.json"), rep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
