"""Build the corpus report folder from a :class:`~dedupe_news.cluster.ClusterResult`.

Layout of the folder (every name fixed or derived by :class:`~dedupe_news.report.names.Namer`)::

    index.html              summary counts, first clusters, graph, charts, first damage rows
    clusters-0001.html ...  every article, cluster by cluster (canonical first), then the
                            articles alone; at most ``page_rows`` rows a page
    damage-0001.html ...    articles by damage score, top flags quoted, linked to the text
    links-0001.html ...     partial / contains links between clusters
    pairs/<a>--<b>-<h>.html side-by-side page per copy pair and per link (``align``'s page),
                            at most ``max_pairs`` of them (the cap is stated on the pages)
    articles/<id>-<h>.html  an article's text with its damage flags underlined (at most
                            ``max_articles``, the most damaged first)
    summary.json            the numbers behind every chart and count

The folder is built in a temporary sibling (``.dedupe-news-report-*.tmp``) and moved into
place only when complete (:func:`_commit`), so a crash never leaves half a report; an
existing folder is replaced only when it holds a previous report (its ``summary.json`` names
this generator) or is empty.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dedupe_news import __version__
from dedupe_news.model import Article
from dedupe_news.render import report as R
from dedupe_news.render.report import e
from dedupe_news.report.names import Namer

GENERATOR = "dedupe-news report"
TEMP_PREFIX = ".dedupe-news-report-"
TEMP_SUFFIX = ".tmp"
DAMAGED_SCORE = 0.05  # an article counts as damaged from this damage score on
MAX_FLAGS = 200  # flags kept per article (the score counts them all)
MAX_PAIR_CHARS = 400_000  # both sides together; larger pairs get a note, not a page
MAX_TEXT_CHARS = 1_000_000  # article text shown on its page
PAGE_LIMIT = 2_000_000  # bytes: no page may be larger (tests hold every page to it)
INDEX_COPIES = 4  # copies listed per cluster on index.html


class ReportError(Exception):
    """The report cannot be written where asked (one line, for the command line)."""


@dataclass(frozen=True)
class ReportOptions:
    page_rows: int = 1000  # rows per clusters / damage / links page
    max_pairs: int = 1000  # side-by-side pages written (copy pairs first, then links)
    max_articles: int = 2000  # article text pages written (most damaged first)
    index_rows: int = 50  # clusters shown on index.html
    index_damage_rows: int = 50
    graph_nodes: int = 150  # articles drawn in the relation graph
    page_budget: int = 1_500_000  # bytes of rows after which a page is cut early
    workers: int = 1


class FlagView(NamedTuple):
    """A damage flag as the pages need it (also what ``render_alignment`` reads)."""

    rule: str
    severity: str
    start: int
    end: int
    text: str
    message: str


@dataclass
class Pair:
    kind: str  # copy (a canonical, b member) | partial | contains (a contains b)
    a: int
    b: int
    score: float
    file: str | None = None  # relative to the report folder


@dataclass
class _Ctx:
    articles: Sequence[Article]
    records: list[dict[str, Any]]
    opts: ReportOptions
    namer: Namer = field(default_factory=Namer)
    damage: list[tuple[float, tuple[FlagView, ...]]] = field(default_factory=list)
    article_file: dict[int, str] = field(default_factory=dict)
    row_page: dict[int, str] = field(default_factory=dict)  # article -> clusters page


# --- worker processes (forked: they see the texts without pickling them) ----------------------

_SHARED: dict[str, Any] = {}


def _map(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int) -> list[Any]:
    if workers <= 1 or len(jobs) < 32 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(j) for j in jobs]
    ctx = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
        return list(ex.map(fn, jobs, chunksize=chunk))


def _damage_one(i: int) -> tuple[float, tuple[FlagView, ...]]:
    from dedupe_news.damage import check_text

    rep = check_text(_SHARED["texts"][i])
    flags = tuple(FlagView(f.rule, f.severity, f.start, f.end, f.text[:300], f.message[:400])
                  for f in rep.flags[:MAX_FLAGS])
    return round(float(rep.score), 4), flags


def _pair_one(job: tuple[Any, ...]) -> str:
    from dedupe_news.align import align_texts
    from dedupe_news.render.html import CSP, render_alignment

    a, b, a_name, b_name, title, nav, a_dmg, b_dmg = job
    texts = _SHARED["texts"]
    al = align_texts(texts[a], texts[b])
    al.titles = (_SHARED["titles"][a], _SHARED["titles"][b])
    html = render_alignment(al, a_name, b_name, a_flags=a_dmg[1], b_flags=b_dmg[1],
                            a_score=a_dmg[0], b_score=b_dmg[0], title=title)
    return R.pair_page_extras(html, CSP, nav)


# --- the report ---------------------------------------------------------------------------------

def write_report(articles: Sequence[Article], result: Any, out_dir: str,
                 options: ReportOptions | None = None, verify: Any = None,
                 skipped: int = 0, progress: Callable[[str], None] | None = None
                 ) -> dict[str, Any]:
    """Write the report folder ``out_dir`` for ``articles`` clustered into ``result``
    (:func:`dedupe_news.cluster.cluster_articles`, same order); returns the summary (what
    ``summary.json`` holds).  ``verify``: the :class:`~dedupe_news.verify.VerifySettings`
    used (for the thresholds drawn), default settings when None.  Raises
    :class:`ReportError` when ``out_dir`` is not a folder this may replace."""
    opts = options or ReportOptions()
    target = os.path.abspath(out_dir)
    _check_target(target)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    _clean_stale(parent)
    tmp = tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=parent)
    try:
        summary = _build(articles, result, tmp, opts, verify, skipped, progress)
        _commit(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return summary


def _check_target(target: str) -> None:
    if not os.path.lexists(target):
        return
    if not os.path.isdir(target) or os.path.islink(target):
        raise ReportError(f"{target} exists and is not a folder; give a new or empty folder")
    names = os.listdir(target)
    if not names:
        return
    try:
        with open(os.path.join(target, "summary.json"), encoding="utf-8") as fh:
            ok = json.load(fh).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise ReportError(f"{target} is not empty and holds no dedupe-news report; give a new "
                          "or empty folder (a previous report there is replaced)")


def _commit(tmp: str, target: str) -> None:
    """Move the finished folder into place; a previous report is moved aside first and
    removed after (a reader sees the old report or the new one, never a mix)."""
    os.chmod(tmp, 0o777 & ~_umask())
    old = None
    if os.path.lexists(target):
        old = tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX,
                               dir=os.path.dirname(target))
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(target), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _clean_stale(parent: str, older_than: float = 24 * 3600) -> None:
    """Remove temporary report folders a killed run left behind (older than a day)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for name in os.listdir(parent):
            if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                full = os.path.join(parent, name)
                with contextlib.suppress(OSError):
                    st = os.lstat(full)
                    if os.path.isdir(full) and not os.path.islink(full) and \
                            now - st.st_mtime > older_than and st.st_uid == os.geteuid():
                        shutil.rmtree(full, ignore_errors=True)


def _write(folder: str, rel: str, text: str) -> int:
    path = os.path.join(folder, rel)
    data = text.encode("utf-8", "backslashreplace")
    with open(path, "wb") as fh:
        fh.write(data)
    return len(data)


def _build(articles: Sequence[Article], result: Any, out: str, opts: ReportOptions,
           verify: Any, skipped: int, progress: Callable[[str], None] | None) -> dict[str, Any]:
    from dedupe_news.verify import VerifySettings, thresholds

    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    records = list(result.records)
    if len(records) != len(articles):
        raise ValueError("result.records must hold one record per article, in order")
    ctx = _Ctx(articles, records, opts)
    pos = {r["id"]: i for i, r in enumerate(records)}
    _SHARED["texts"] = [a.text for a in articles]
    _SHARED["titles"] = [a.title for a in articles]
    try:
        say(f"damage: checking {len(articles):,} articles")
        ctx.damage = _map(_damage_one, range(len(articles)), opts.workers)
        timings = {"damage": time.perf_counter() - t0}

        clusters = _clusters(result, pos)
        pairs = _pairs(records, pos, clusters)
        for p in pairs[: opts.max_pairs]:
            p.file = f"pairs/{ctx.namer.pair(records[p.a]['id'], records[p.b]['id'])}.html"
        by_damage = sorted(range(len(articles)), key=lambda i: (-ctx.damage[i][0], i))
        for i in by_damage[: opts.max_articles]:
            ctx.article_file[i] = f"articles/{ctx.namer.article(records[i]['id'])}.html"
        os.makedirs(os.path.join(out, "pairs"))
        os.makedirs(os.path.join(out, "articles"))
        sizes: dict[str, int] = {}
        nav = _nav()
        t1 = time.perf_counter()
        cl_pages = _cluster_pages(ctx, clusters, pairs, out, nav, sizes)
        say(f"pairs: {sum(1 for p in pairs if p.file):,} side-by-side pages")
        _write_pairs(ctx, pairs, out, sizes)
        timings["pairs"] = time.perf_counter() - t1
    finally:
        _SHARED.clear()
    t2 = time.perf_counter()
    _write_articles(ctx, clusters, out, sizes)
    dmg_rows = [_damage_row(ctx, rank, i, "") for rank, i in enumerate(by_damage, 1)
                if ctx.damage[i][0] > 0 or ctx.damage[i][1]]
    dmg_pages = _paged(ctx, out, "damage", "Damage: articles by damage score", dmg_rows,
                       _damage_headers(), nav, sizes, _damage_intro(ctx))
    links = [p for p in pairs if p.kind != "copy"]
    link_rows = [_link_row(ctx, p, "") for p in links]
    link_pages = _paged(ctx, out, "links", "Links between clusters (partial / contains)",
                        link_rows, _link_headers(), nav, sizes, _links_intro(ctx, pairs))
    vs = verify or VerifySettings()
    summary = _summary(ctx, result, clusters, pairs, vs, thresholds(), skipped,
                       {"clusters": cl_pages, "damage": dmg_pages, "links": link_pages})
    index = _index(ctx, summary, clusters, pairs, by_damage, nav)
    sizes["index.html"] = _write(out, "index.html", index)
    timings["pages"] = time.perf_counter() - t2
    summary["bytes"] = {"total": sum(sizes.values()), "largest_page": max(sizes.values()),
                        "largest_page_name": max(sizes, key=lambda k: (sizes[k], k)),
                        "index": sizes["index.html"]}
    _write(out, "summary.json", json.dumps(summary, indent=1, sort_keys=True,
                                           ensure_ascii=False) + "\n")
    summary["timings"] = {k: round(v, 3) for k, v in timings.items()}
    return summary


# --- data ---------------------------------------------------------------------------------------

@dataclass
class _Cluster:
    canon: int
    members: list[tuple[int, dict[str, Any]]]  # (article, member evidence), best first
    info: dict[str, Any]


def _clusters(result: Any, pos: dict[str, int]) -> list[_Cluster]:
    out = []
    for c in result.clusters:
        canon = pos[c["canonical"]]
        ms = [(pos[m["id"]], m) for m in c.get("members", [])]
        ms.sort(key=lambda t: (-(t[1].get("similarity") or 0.0), t[0]))
        out.append(_Cluster(canon, ms, c))
    out.sort(key=lambda c: (-len(c.members), c.canon))
    return out


def _pairs(records: list[dict[str, Any]], pos: dict[str, int],
           clusters: list[_Cluster]) -> list[Pair]:
    """Copy pairs (cluster order), then links (best score first), each once."""
    pairs = [Pair("copy", c.canon, m, float(ev.get("similarity") or 0.0))
             for c in clusters for m, ev in c.members]
    seen: set[tuple[int, int]] = set()
    links = []
    for i, r in enumerate(records):
        for lk in r.get("links") or ():
            j = pos.get(lk.get("id"))
            if j is None or (min(i, j), max(i, j)) in seen:
                continue
            seen.add((min(i, j), max(i, j)))
            rel = lk.get("relation")
            score = float(lk.get("score") or 0.0)
            if rel == "contains":
                links.append(Pair("contains", i, j, score))
            elif rel == "contained_in":
                links.append(Pair("contains", j, i, score))
            else:
                links.append(Pair("partial", min(i, j), max(i, j), score))
    links.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs + links


# --- pages --------------------------------------------------------------------------------------

def _nav() -> list[tuple[str, str]]:
    return [("Report", "index.html"), ("Clusters", "clusters-0001.html"),
            ("Damage", "damage-0001.html"), ("Links", "links-0001.html")]


def _footer() -> str:
    return (f"Written by dedupe-news {e(__version__)} (<code>dedupe-news report</code>). "
            "Offline and self-contained: nothing on these pages is loaded from anywhere.")


def _id_link(ctx: _Ctx, i: int, root: str, limit: int = 80) -> str:
    shown = R.bdi(str(ctx.records[i]["id"]), limit)
    f = ctx.article_file.get(i)
    return f'<a href="{e(root + f)}">{shown}</a>' if f else shown


def _title_of(ctx: _Ctx, i: int) -> str:
    t = ctx.articles[i].title
    return f'<div class="muted">{R.bdi(t, 100)}</div>' if t else ""


def _num(v: Any, digits: int = 2) -> str:
    return "" if v is None else f"{float(v):.{digits}f}"


def _pair_link(p: Pair | None, root: str) -> str:
    if p is None:
        return ""
    if p.file is None:
        return '<span class="muted" title="over the side-by-side page cap">no page (cap)</span>'
    return f'<a href="{e(root + p.file)}">side by side</a>'


def _why_canonical(ctx: _Ctx, c: _Cluster) -> str:
    reason = c.info.get("canonical_reason")
    if reason:
        return str(reason)
    held = [float(ev["coverage_canonical"]) for _m, ev in c.members
            if ev.get("coverage_canonical") is not None]
    dmg = ctx.damage[c.canon][0]
    if held:
        mean = sum(held) / len(held)
        return (f"the most complete version: the copies hold {mean:.0%} of its content on "
                f"average; damage score {dmg:.2f}")
    return f"chosen by completeness, agreement, then damage (score {dmg:.2f})"


def _why_not(ctx: _Ctx, c: _Cluster, m: int, ev: dict[str, Any]) -> str:
    reason = ev.get("not_canonical_because")
    if reason:
        return str(reason)
    cm, cc = ev.get("coverage_member"), ev.get("coverage_canonical")
    if cm is not None and cc is not None and float(cc) < float(cm) - 0.05:
        return (f"less complete: it holds {float(cc):.0%} of the canonical's content, the "
                f"canonical holds {float(cm):.0%} of its")
    dm, dc = ctx.damage[m][0], ctx.damage[c.canon][0]
    if dm >= dc + 0.1:
        return f"more damaged: damage score {dm:.2f} against the canonical's {dc:.2f}"
    return ("as complete and about as damaged; the others agree more with the canonical "
            "(then earlier publication, then id)")


def _links_cell(ctx: _Ctx, i: int, root: str, pair_of: dict[tuple[int, int], Pair]) -> str:
    links = ctx.records[i].get("links") or []
    parts = []
    for lk in links[:3]:
        rel = lk.get("relation") or "partial"
        j = next((k for k in (_pos_of(ctx, lk.get("id")),) if k is not None), None)
        p = pair_of.get((min(i, j), max(i, j))) if j is not None else None
        target = R.bdi(str(lk.get("id")), 40)
        if p is not None and p.file:
            target = f'<a href="{e(root + p.file)}">{target}</a>'
        cue = R.relation_badge(rel if rel in R.REL_CUES else "partial")
        parts.append(f"{cue} {target} {_num(lk.get('score'))}")
    if len(links) > 3:
        parts.append(f'<span class="muted">+{len(links) - 3} more (Links pages)</span>')
    return "<br>".join(parts)


def _pos_of(ctx: _Ctx, art_id: Any) -> int | None:
    pos = getattr(ctx, "_pos", None)
    if pos is None:
        pos = {r["id"]: k for k, r in enumerate(ctx.records)}
        ctx._pos = pos  # type: ignore[attr-defined]
    return pos.get(art_id)


def _cluster_headers() -> list[tuple[str, str]]:
    return [("cluster", ""), ("relation", ""), ("article", ""), ("similarity", ""),
            ("damage", ""), ("why (not) canonical", ""), ("side by side", ""), ("links", "")]


def _cluster_rows(ctx: _Ctx, clusters: list[_Cluster], pairs: list[Pair], root: str
                  ) -> list[tuple[int, str]]:
    """(article, row) for every article: clusters (canonical first), then the articles
    alone, in input order."""
    pair_of = {(min(p.a, p.b), max(p.a, p.b)): p for p in pairs}
    rows: list[tuple[int, str]] = []
    in_cluster: set[int] = set()
    for n, c in enumerate(clusters, 1):
        size = 1 + len(c.members)
        rows.append((c.canon, _row(ctx, c.canon, f"#{n} ({size})", "canonical", None,
                                   _why_canonical(ctx, c), "", root, pair_of, True)))
        in_cluster.add(c.canon)
        for m, ev in c.members:
            in_cluster.add(m)
            p = pair_of.get((min(m, c.canon), max(m, c.canon)))
            rows.append((m, _row(ctx, m, f"#{n}", "copy", ev.get("similarity"),
                                 _why_not(ctx, c, m, ev), _pair_link(p, root), root, pair_of,
                                 False)))
    for i in range(len(ctx.records)):
        if i not in in_cluster:
            why = "no copy of it in the collection" if not ctx.records[i].get("links") else \
                "no copy; related articles in other clusters under links"
            rows.append((i, _row(ctx, i, "", "alone", None, why, "", root, pair_of, True)))
    return rows


def _row(ctx: _Ctx, i: int, label: str, rel: str, sim: Any, why: str, side: str, root: str,
         pair_of: dict[tuple[int, int], Pair], first: bool) -> str:
    stem = ctx.namer.article(str(ctx.records[i]["id"]))
    cls = ("first " if first else "") + ("canon" if rel == "canonical" else "")
    dmg = ctx.damage[i][0]
    return (f'<tr id="a-{stem}" class="{cls.strip()}"><td>{e(label)}</td>'
            f"<td>{R.relation_badge(rel)}</td>"
            f'<td class="id">{_id_link(ctx, i, root)}{_title_of(ctx, i)}</td>'
            f'<td class="n">{_num(sim, 4)}</td><td class="n">{dmg:.2f}</td>'
            f"<td>{e(R.elide(why, 400))}</td><td>{side}</td>"
            f"<td>{_links_cell(ctx, i, root, pair_of)}</td></tr>\n")


def _chunks(rows: Sequence[str], limit: int, budget: int) -> list[list[int]]:
    """Row indices per page: at most ``limit`` rows and about ``budget`` bytes."""
    pages: list[list[int]] = [[]]
    used = 0
    for k, r in enumerate(rows):
        size = len(r.encode("utf-8", "backslashreplace"))
        if pages[-1] and (len(pages[-1]) >= limit or used + size > budget):
            pages.append([])
            used = 0
        pages[-1].append(k)
        used += size
    return pages


def _page_name(kind: str, k: int) -> str:
    return f"{kind}-{k:04d}.html"


def _paged(ctx: _Ctx, out: str, kind: str, title: str, rows: Sequence[str],
           headers: list[tuple[str, str]], nav: list[tuple[str, str]], sizes: dict[str, int],
           intro: str) -> list[str]:
    pages = _chunks(rows, ctx.opts.page_rows, ctx.opts.page_budget)
    names = [_page_name(kind, k + 1) for k in range(len(pages))]
    for k, idx in enumerate(pages):
        n = len(pages)
        first = idx[0] + 1 if idx else 0
        head = (f'<p class="muted">Page {k + 1} of {n}: rows {first:,}\u2013'
                f"{(idx[-1] + 1) if idx else 0:,} of {len(rows):,}.</p>")
        body = (intro + head + _page_list(names, names[k]) +
                R.rows_table(f"t-{kind}", headers, (rows[j] for j in idx)) +
                ("" if rows else '<p class="muted">None.</p>'))
        html = R.page(f"{title} ({k + 1}/{n})" if n > 1 else title, body,
                      here=_page_name(kind, 1), nav=nav,
                      prev=names[k - 1] if k else None,
                      nxt=names[k + 1] if k + 1 < n else None, footer=_footer())
        sizes[names[k]] = _write(out, names[k], html)
    return names


def _page_list(names: list[str], here: str = "", limit: int = 200) -> str:
    if len(names) <= 1:
        return ""
    shown = names if len(names) <= limit else names[:limit // 2] + names[-limit // 2:]
    parts = []
    for k, name in enumerate(shown):
        num = int(name.rsplit("-", 1)[1].split(".")[0])
        if k and len(names) > limit and k == limit // 2:
            parts.append("<span>\u2026</span>")
        parts.append(f'<b aria-current="page">{num}</b>' if name == here else
                     f'<a href="{e(name)}">{num}</a>')
    return f'<nav class="pages" aria-label="pages">{" ".join(parts)}</nav>'


def _cluster_pages(ctx: _Ctx, clusters: list[_Cluster], pairs: list[Pair], out: str,
                   nav: list[tuple[str, str]], sizes: dict[str, int]) -> list[str]:
    rows = _cluster_rows(ctx, clusters, pairs, "")
    pages = _chunks([r for _i, r in rows], ctx.opts.page_rows, ctx.opts.page_budget)
    for k, idx in enumerate(pages):
        for j in idx:
            ctx.row_page[rows[j][0]] = _page_name("clusters", k + 1)
    intro = ('<p class="note">Every article, cluster by cluster (largest first; the '
             "canonical, the version kept, first), then the articles with no copy. "
             "<i>similarity</i> is the copy's verification score against the canonical; "
             "<i>damage</i> the machine-translation damage score (0 = no evidence, "
             "see the Damage pages).</p>")
    return _paged(ctx, out, "clusters", "Clusters", [r for _i, r in rows], _cluster_headers(),
                  nav, sizes, intro)


def _damage_headers() -> list[tuple[str, str]]:
    return [("rank", "n"), ("article", "t"), ("damage", "n"), ("flags", "n"),
            ("top flags (rule, severity: span quoted, message)", "")]


def _damage_intro(ctx: _Ctx) -> str:
    n = len(ctx.records)
    cap = ("" if len(ctx.article_file) == n else
           f'<p class="cap">Article pages are capped at {ctx.opts.max_articles:,} '
           f"(<code>--max-articles</code>): the {len(ctx.article_file):,} most damaged of "
           f"{n:,} articles have one; the others' flags are quoted here without a link "
           "(<code>dedupe-news check</code> gives them all).</p>")
    return cap + ('<p class="note">Articles by damage score (<code>dedupe-news check</code>\'s '
            "score in [0, 1]: the estimated share of damaged sentences; 0 = no evidence of "
            "damage, not proof of a clean text). Each flag's span is quoted and links to "
            "its place in the text. Articles with score 0 and no flag are not listed.</p>")


def _damage_row(ctx: _Ctx, rank: int, i: int, root: str) -> str:
    score, flags = ctx.damage[i]
    f = ctx.article_file.get(i)
    quoted = []
    for k, fl in enumerate(flags[:3]):
        span = f"<q class=\"span\">{R.bdi(fl.text, 80)}</q>"
        if f:
            span = f'<a href="{e(root + f)}#f{k + 1}">{span}</a>'
        quoted.append(f"<b>{e(fl.rule)}</b> ({e(fl.severity)}): {span} "
                      f"\u2014 {e(R.elide(fl.message, 160))}")
    more = len(flags) - 3
    if more > 0:
        quoted.append(f'<span class="muted">+{more} more on the article page</span>')
    return (f'<tr><td class="n">{rank}</td><td class="id">{_id_link(ctx, i, root)}'
            f'{_title_of(ctx, i)}'
            f'</td><td class="n" data-v="{score}">{score:.2f}</td>'
            f'<td class="n">{len(flags)}</td><td>{"<br>".join(quoted)}</td></tr>\n')


def _link_headers() -> list[tuple[str, str]]:
    return [("article A", "t"), ("relation (A to B)", "t"), ("article B", "t"),
            ("score", "n"), ("side by side", "")]


def _links_intro(ctx: _Ctx, pairs: list[Pair]) -> str:
    return ('<p class="note">Articles in different clusters related by the relation model: '
            "<i>partial</i> = some passages align closely, too few for a copy; "
            "<i>contains</i> = A holds B plus news of its own.</p>" + _cap_note(ctx, pairs))


def _link_row(ctx: _Ctx, p: Pair, root: str) -> str:
    return (f"<tr><td>{_id_link(ctx, p.a, root)}</td><td>{R.relation_badge(p.kind)}</td>"
            f"<td>{_id_link(ctx, p.b, root)}</td>"
            f'<td class="n">{p.score:.4f}</td><td>{_pair_link(p, root)}</td></tr>\n')


def _cap_note(ctx: _Ctx, pairs: list[Pair]) -> str:
    made = sum(1 for p in pairs if p.file)
    if made == len(pairs):
        return (f'<p class="note">Side-by-side pages: all {len(pairs):,} pairs (copy pairs and '
                "links) have one.</p>")
    return (f'<p class="cap">Side-by-side pages are capped at {ctx.opts.max_pairs:,} '
            f"(<code>--max-pairs</code>): {made:,} of {len(pairs):,} pairs have one (copy "
            "pairs of the largest clusters first, then links by score). For any other pair "
            "run <code>dedupe-news align A B</code> (a <code>.jsonl</code> record with "
            "<code>--id ID</code> after its file).</p>")


# --- article and pair pages ----------------------------------------------------------------------

def _write_pairs(ctx: _Ctx, pairs: list[Pair], out: str, sizes: dict[str, int]) -> None:
    jobs = []
    todo = []
    for p in pairs:
        if p.file is None:
            continue
        a_id, b_id = str(ctx.records[p.a]["id"]), str(ctx.records[p.b]["id"])
        sym, word, _d = R.REL_CUES[p.kind]
        what = {"copy": "A is the canonical, B its copy",
                "partial": "A and B share passages",
                "contains": "A contains B plus news of its own"}[p.kind]
        nav = (f'<a href="../index.html">\u2190 report</a> '
               f'<a href="../{e(ctx.row_page.get(p.a) or "clusters-0001.html")}">'
               f'clusters</a> <span class="rel">{sym} {word} {p.score:.4f}</span> '
               f"<span>{e(what)}</span>")
        if len(ctx.articles[p.a].text) + len(ctx.articles[p.b].text) > MAX_PAIR_CHARS:
            body = (f'<p class="cap">These two articles hold more than {MAX_PAIR_CHARS:,} '
                    "characters together; no side-by-side page was written for them. Run "
                    "<code>dedupe-news align A B</code> on them.</p>")
            sizes[p.file] = _write(out, p.file, R.page(
                f"{word}: {R.elide(a_id, 60)} / {R.elide(b_id, 60)}", body, root="../",
                nav=[("Report", "index.html")], footer=_footer()))
            continue
        title = R.visible(f"{word}: {R.elide(a_id, 60)} vs {R.elide(b_id, 60)}")
        jobs.append((p.a, p.b, R.visible(R.elide(a_id, 200)), R.visible(R.elide(b_id, 200)),
                     title,
                     nav, ctx.damage[p.a], ctx.damage[p.b]))
        todo.append(p)
    for p, html in zip(todo, _map(_pair_one, jobs, ctx.opts.workers), strict=True):
        assert p.file is not None
        sizes[p.file] = _write(out, p.file, html)


def _write_articles(ctx: _Ctx, clusters: list[_Cluster], out: str,
                    sizes: dict[str, int]) -> None:
    role: dict[int, str] = {}
    for c in clusters:
        role[c.canon] = f"canonical of a cluster of {1 + len(c.members)}"
        for m, ev in c.members:
            role[m] = (f"copy of {R.elide(str(ctx.records[c.canon]['id']), 80)} (similarity "
                       f"{_num(ev.get('similarity'), 4)})")
    for i, f in sorted(ctx.article_file.items()):
        a = ctx.articles[i]
        score, flags = ctx.damage[i]
        meta = [("id", R.bdi(a.id, 300)), ("title", R.bdi(a.title or "", 300)),
                ("source", R.bdi(a.source or "", 120)),
                ("published", R.bdi(a.published or "", 60)),
                ("url (not a link)", R.bdi(a.url or "", 300)),
                ("in the collection", e(role.get(i, "alone (no copy)"))),
                ("damage score", f"{score:.2f} ({len(flags)} flags)")]
        dl = "".join(f"<tr><th scope=row>{e(k)}</th><td>{v}</td></tr>" for k, v in meta if v)
        items = "".join(
            f'<li><a href="#f{k + 1}"><b>{e(fl.rule)}</b> ({e(fl.severity)})</a>: '
            f'<q class="span">{R.bdi(fl.text, 120)}</q> \u2014 {e(R.elide(fl.message, 300))}'
            "</li>" for k, fl in enumerate(flags))
        text = a.text
        cut = ""
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            cut = (f'<p class="cap">The text is cut at {MAX_TEXT_CHARS:,} characters here '
                   f"({len(a.text):,} in all).</p>")
        body = (f"<section><table>{dl}</table></section>"
                + (f"<section><h2>Damage flags</h2><ol>{items}</ol></section>" if flags else "")
                + f'<section><h2>Text</h2>{cut}<div class="text">{_marked(text, flags)}'
                  "</div></section>")
        back = ctx.row_page.get(i)
        nav = [("Report", "index.html"), ("Damage", "damage-0001.html")]
        html = R.page(f"Article {R.elide(a.id, 80)}", body, root="../", nav=nav,
                      footer=_footer())
        if back:
            html = html.replace(
                "</nav>", f' <a href="../{e(back)}#a-{ctx.namer.article(a.id)}">'
                          "its row in Clusters</a></nav>", 1)
        sizes[f] = _write(out, f, html)


def _marked(text: str, flags: Sequence[FlagView]) -> str:
    """``text`` escaped, each flag's span wavy-underlined with an anchor ``f<k>`` (flags
    that overlap an earlier one are anchored at its start)."""
    out = []
    at = 0
    for k, fl in enumerate(flags):
        s, t = max(fl.start, at), min(fl.end, len(text))
        if s > len(text):
            break
        out.append(e(text[at:s]))
        tip = f"{fl.rule} ({fl.severity}): {fl.message}"
        out.append(f'<span class="flag" id="f{k + 1}" title="{e(tip)}">'
                   f"{e(text[s:max(s, t)])}</span>")
        at = max(s, t)
    out.append(e(text[at:]))
    return "".join(out)


# --- index and summary ------------------------------------------------------------------------

SIZE_BINS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 9), (10, 19), (20, 49), (50, 99),
             (100, 999), (1000, 10**12))
HIST_BINS = 20


def _size_bins(ctx: _Ctx, clusters: list[_Cluster]) -> list[tuple[str, int]]:
    sizes = [1 + len(c.members) for c in clusters]
    alone = len(ctx.records) - sum(sizes)
    out = []
    for lo, hi in SIZE_BINS:
        label = str(lo) if lo == hi else (f"{lo}+" if hi > 10**9 else f"{lo}\u2013{hi}")
        count = alone if lo == 1 else sum(1 for s in sizes if lo <= s <= hi)
        out.append((label, count))
    return out


def _histogram(pairs: list[Pair]) -> dict[str, list[int]]:
    counts = {k: [0] * HIST_BINS for k in R.HIST_KINDS}
    for p in pairs:
        b = min(HIST_BINS - 1, max(0, int(p.score * HIST_BINS)))
        counts[p.kind][b] += 1
    return counts


def _summary(ctx: _Ctx, result: Any, clusters: list[_Cluster], pairs: list[Pair],
             vs: Any, th: dict[str, float], skipped: int, pages: dict[str, list[str]]
             ) -> dict[str, Any]:
    n = len(ctx.records)
    damaged = sum(1 for s, _f in ctx.damage if s >= DAMAGED_SCORE)
    top = sorted(range(n), key=lambda i: (-ctx.damage[i][0], i))[:100]
    return {
        "generator": GENERATOR,
        "version": __version__,
        "settings": getattr(result, "signature", ""),
        "counts": {"articles": n, "clusters": len(clusters),
                   "copies": sum(len(c.members) for c in clusters),
                   "alone": n - sum(1 + len(c.members) for c in clusters),
                   "links": sum(1 for p in pairs if p.kind != "copy"),
                   "links_partial": sum(1 for p in pairs if p.kind == "partial"),
                   "links_contains": sum(1 for p in pairs if p.kind == "contains"),
                   "damaged": damaged, "skipped_inputs": skipped},
        "damaged_from_score": DAMAGED_SCORE,
        "cluster_sizes": [{"size": label, "count": c} for label, c in _size_bins(ctx, clusters)],
        "similarity_histogram": {"bins": HIST_BINS, "range": [0, 1],
                                 "counts": _histogram(pairs)},
        "thresholds": {"sentence_threshold": vs.sentence_threshold,
                       "copy_coverage": vs.copy_coverage,
                       "partial_sentence_threshold": vs.partial_sentence_threshold,
                       "partial_min_sentences": vs.partial_min_sentences,
                       "moved_threshold": vs.moved_threshold,
                       **{k: float(v) for k, v in th.items()}},
        "damage_top": [{"id": ctx.records[i]["id"], "damage": ctx.damage[i][0],
                        "flags": len(ctx.damage[i][1]),
                        "rules": sorted({f.rule for f in ctx.damage[i][1]})}
                       for i in top if ctx.damage[i][0] > 0 or ctx.damage[i][1]],
        "clusters_top": [{"canonical": ctx.records[c.canon]["id"], "size": 1 + len(c.members),
                          "canonical_reason": _why_canonical(ctx, c)} for c in clusters[:100]],
        "pair_pages": {"written": sum(1 for p in pairs if p.file), "pairs": len(pairs),
                       "cap": ctx.opts.max_pairs},
        "article_pages": {"written": len(ctx.article_file), "cap": ctx.opts.max_articles},
        "pages": {k: len(v) for k, v in pages.items()},
        "page_rows": ctx.opts.page_rows,
    }


def _components(ctx: _Ctx, clusters: list[_Cluster], pairs: list[Pair]
                ) -> tuple[list[tuple[list[R.GraphNode], list[R.GraphEdge]]], int, int]:
    """Connected components of copies and links, largest first, within the node budget;
    returns them with the numbers of components and articles in the whole graph."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a), find(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = {}
    for x in list(parent):
        comps.setdefault(find(x), []).append(x)
    ordered = sorted(comps.values(), key=lambda c: (-len(c), min(c)))
    cluster_of = {c.canon: c.canon for c in clusters}
    for c in clusters:
        for m, _ev in c.members:
            cluster_of[m] = c.canon
    budget = ctx.opts.graph_nodes
    out = []
    for comp in ordered:
        if budget <= 0:
            break
        members = sorted(comp, key=lambda i: (cluster_of.get(i, i) != i, i))[:budget]
        keep = set(members)
        budget -= len(members)
        nodes = []
        for i in sorted(keep):
            rid = str(ctx.records[i]["id"])
            f = ctx.article_file.get(i)
            href = f or (f"{ctx.row_page[i]}#a-{ctx.namer.article(rid)}"
                         if i in ctx.row_page else None)
            canon = cluster_of.get(i, i) == i and any(c.canon == i for c in clusters)
            nodes.append(R.GraphNode(rid, rid, href, canon, str(cluster_of.get(i, i)),
                                     f"{R.elide(rid, 200)} \u2014 damage "
                                     f"{ctx.damage[i][0]:.2f}"))
        edges: list[R.GraphEdge] = []
        merged: dict[tuple[int, int, str], R.GraphEdge] = {}
        for p in pairs:
            if p.a not in keep or p.b not in keep:
                continue
            if p.kind == "copy":
                edges.append(R.GraphEdge(str(ctx.records[p.a]["id"]),
                                         str(ctx.records[p.b]["id"]), p.kind, p.score))
                continue
            # links between two clusters: one edge between their canonicals (or members)
            ca, cb = cluster_of.get(p.a, p.a), cluster_of.get(p.b, p.b)
            ca, cb = (ca, cb) if ca in keep and cb in keep else (p.a, p.b)
            if p.kind == "partial" and ca > cb:
                ca, cb = cb, ca
            key = (ca, cb, p.kind)
            got = merged.get(key)
            if got is None:
                merged[key] = R.GraphEdge(str(ctx.records[ca]["id"]),
                                          str(ctx.records[cb]["id"]), p.kind, p.score)
            else:
                got.count += 1
                got.score = max(got.score, p.score)
        edges.extend(merged.values())
        out.append((nodes, edges))
    return out, len(ordered), sum(len(c) for c in ordered)


def _row_link(ctx: _Ctx, i: int, limit: int = 80) -> str:
    """An article's id linked to its row on the Clusters pages (else its text page)."""
    shown = R.bdi(str(ctx.records[i]["id"]), limit)
    page = ctx.row_page.get(i)
    if page:
        return (f'<a href="{e(page)}#a-{ctx.namer.article(str(ctx.records[i]["id"]))}">'
                f"{shown}</a>")
    return _id_link(ctx, i, "", limit)


def _index_cluster_row(ctx: _Ctx, n: int, c: _Cluster, pairs: list[Pair]) -> str:
    pair_of = {(p.a, p.b): p for p in pairs if p.kind == "copy"}
    copies = []
    for m, ev in c.members[:INDEX_COPIES]:
        p = pair_of.get((c.canon, m))
        side = _pair_link(p, "")
        copies.append(f"{R.relation_badge('copy')} {_row_link(ctx, m, 50)} "
                      f"sim {_num(ev.get('similarity'), 2)}, damage {ctx.damage[m][0]:.2f}"
                      + (f" \u00b7 {side}" if side else "")
                      + f'<div class="muted">not canonical: '
                        f"{e(R.elide(_why_not(ctx, c, m, ev), 160))}</div>")
    if len(c.members) > INDEX_COPIES:
        more = len(c.members) - INDEX_COPIES
        copies.append(f'<span class="muted">+{more} more on the Clusters pages</span>')
    canon = (f"{R.relation_badge('canonical')} <b>{_row_link(ctx, c.canon, 60)}</b> "
             f"damage {ctx.damage[c.canon][0]:.2f}{_title_of(ctx, c.canon)}"
             f'<div>{e(R.elide(_why_canonical(ctx, c), 400))}</div>')
    return (f'<tr class="first"><td>#{n}</td><td class="n">{1 + len(c.members)}</td>'
            f'<td>{canon}</td><td>{"<br>".join(copies)}</td></tr>\n')


def _index(ctx: _Ctx, summary: dict[str, Any], clusters: list[_Cluster], pairs: list[Pair],
           by_damage: list[int], nav: list[tuple[str, str]]) -> str:
    c = summary["counts"]
    cards = [("articles", c["articles"]), ("clusters with copies", c["clusters"]),
             ("copies", c["copies"]), ("articles alone", c["alone"]),
             ("links (partial / contains)", c["links"]),
             (f"damaged (score \u2265 {DAMAGED_SCORE})", c["damaged"])]
    if c["skipped_inputs"]:
        cards.append(("inputs skipped", c["skipped_inputs"]))
    body = ['<section aria-label="summary"><div class="counts">' + "".join(
        f'<div class="count"><b>{v:,}</b>{e(k)}</div>' for k, v in cards) + "</div>"
        f'<p class="muted">Settings: <code>{e(summary["settings"])}</code></p>'
        + _cap_note(ctx, pairs)
        + '<nav class="pages" aria-label="sections">Jump to: <a href="#clusters">Clusters</a> '
          '<a href="#links">Links</a> <a href="#graph">Relation graph</a> '
          '<a href="#sizes">Cluster sizes</a> <a href="#similarity">Similarity</a> '
          '<a href="#damage">Damage</a></nav></section>']

    npages = summary["pages"]["clusters"]
    shown = clusters[: ctx.opts.index_rows]
    crows = [_index_cluster_row(ctx, n, c, pairs) for n, c in enumerate(shown, 1)]
    grouped = {c.canon for c in clusters} | {m for c in clusters for m, _ev in c.members}
    alone = [i for i in range(len(ctx.records)) if i not in grouped]
    alone_txt = ", ".join(_row_link(ctx, i, 40) for i in alone[:20]) + (
        " \u2026" if len(alone) > 20 else "")
    body.append("<section id=\"clusters\"><h2>Clusters</h2>"
                '<p class="note">One row per cluster, largest first: the canonical (the '
                "version kept) with the reason it was chosen, then its copies, each with "
                "relation, similarity, damage score, side-by-side page and why it is not the "
                "canonical.</p>"
                + R.rows_table("t-index-clusters", [("cluster", ""), ("size", ""),
                                                    ("canonical and why", ""),
                                                    ("copies", "")], crows)
                + (f'<p>Showing {len(shown):,} of {len(clusters):,} clusters. ' if clusters
                   else '<p class="muted">No cluster with copies. ')
                + f'Every article, with why it is (not) canonical: <a href="clusters-0001.html">'
                  f'Clusters</a> ({npages:,} page{"s" if npages != 1 else ""}).</p>'
                + (f"<p><b>Alone</b> (no copy; {len(alone):,}): {alone_txt}</p>"
                   if alone else "")
                + "</section>")
    links = [p for p in pairs if p.kind != "copy"]
    if links:
        lrows = [_link_row(ctx, p, "") for p in links[:20]]
        body.append("<section id=\"links\"><h2>Links between clusters</h2>"
                    + R.rows_table("t-index-links", _link_headers(), lrows, filter_box=False)
                    + f'<p>Showing {len(lrows):,} of {len(links):,} links (best score first). '
                      f'All of them: <a href="links-0001.html">Links</a>.</p></section>')
    else:
        body.append('<section id="links"><h2>Links between clusters</h2><p class="muted">'
                    "No partial or contains link between clusters.</p></section>")

    comps, ncomp, nnodes = _components(ctx, clusters, pairs)
    drawn = sum(len(n) for n, _e in comps)
    summary["graph"] = {"articles_related": nnodes, "groups": ncomp, "articles_drawn": drawn,
                        "groups_drawn": len(comps), "max_articles": ctx.opts.graph_nodes,
                        "edges_drawn": {k: sum(1 for _n, es in comps for ed in es
                                               if ed.kind == k) for k in R.HIST_KINDS}}
    graph = (R.svg_graph(comps, "relation graph") if comps else
             '<p class="muted">No copies or links: nothing to draw.</p>')
    body.append("<section id=\"graph\"><h2>Relation graph</h2>" + R.graph_legend() + graph
                + f'<p class="muted">{drawn:,} of {nnodes:,} related articles drawn '
                  f"({len(comps):,} of {ncomp:,} groups, largest first; at most "
                  f"{ctx.opts.graph_nodes:,} articles).</p></section>")

    bins = [(d["size"], d["count"]) for d in summary["cluster_sizes"]]
    body.append("<section id=\"sizes\"><h2>Cluster sizes</h2>"
                + R.svg_sizes(bins, "clusters by size (size 1 = articles alone)")
                + '<p class="note">Clusters per size; size 1 counts the articles with no '
                  "copy.</p></section>")

    th = summary["thresholds"]
    lines = [(th["sentence_threshold"], "sentence cosine"),
             (th["partial_sentence_threshold"], "partial passage cosine"),
             (th["copy_coverage"], "copy coverage")]
    hist = summary["similarity_histogram"]["counts"]
    trows = "".join(f"<tr><td><code>{e(k)}</code></td><td class=n>{v:g}</td></tr>"
                    for k, v in sorted(th.items()))
    body.append("<section id=\"similarity\"><h2>Similarity of verified pairs</h2>"
                + R.svg_histogram(hist, lines, "similarity histogram")
                + '<p class="note">Every copy pair (solid) and link (partial: hatched; '
                  "contains: dotted), by its verification score. Dashed lines: the decision "
                  "thresholds (a sentence pair aligns from the <i>sentence cosine</i>; "
                  "<i>partial</i> needs two passages from its cosine; <i>copy</i> needs the "
                  "<i>copy coverage</i> of the shorter article aligned). All thresholds:</p>"
                  f"<details><summary>thresholds</summary><table>{trows}</table></details>"
                  "</section>")

    drows = [_damage_row(ctx, k, i, "") for k, i in
             enumerate(by_damage[: ctx.opts.index_damage_rows], 1)
             if ctx.damage[i][0] > 0 or ctx.damage[i][1]]
    body.append("<section id=\"damage\"><h2>Damage</h2>" + _damage_intro(ctx)
                + R.rows_table("t-index-damage", _damage_headers(), drows)
                + f'<p>All of them: <a href="damage-0001.html">Damage</a> '
                  f'({summary["pages"]["damage"]:,} pages).</p></section>')
    return R.page("Corpus report", "\n".join(body), here="index.html", nav=nav,
                  footer=_footer())


__all__ = ["GENERATOR", "ReportError", "ReportOptions", "write_report"]
