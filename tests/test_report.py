"""``dedupe-news report``: the seeds report (acceptance and staleness), safe file names,
escaping, pagination, atomic replacement, and the command line."""

from __future__ import annotations

import filecmp
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from dedupe_news.cli import main
from dedupe_news.cluster import cluster_articles
from dedupe_news.model import Article
from dedupe_news.report import Namer, ReportError, ReportOptions, slug, write_report
from dedupe_news.report import build as report_build

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEEDS_REPORT = ROOT / "reports" / "seeds"
ID = {k: p.stem for k, p in ((p.name[:3], p) for p in sorted(SEEDS.glob("*.txt")))}
REGENERATE = ".venv/bin/dedupe-news report seeds/ -o reports/seeds/"
PAGE_LIMIT = 2_000_000


def seed(prefix: str) -> str:
    return (SEEDS / f"{ID[prefix]}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds") / "seeds"
    r = CliRunner().invoke(main, ["report", str(SEEDS), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


# --- acceptance on the seeds ------------------------------------------------------------

def test_seeds_acceptance(seeds_report: Path) -> None:
    summary = json.loads((seeds_report / "summary.json").read_text(encoding="utf-8"))
    c = summary["counts"]
    assert (c["articles"], c["clusters"], c["copies"], c["alone"]) == (5, 1, 1, 3)
    (top,) = summary["clusters_top"]
    assert top["canonical"] == ID["002"] and top["size"] == 2 and top["canonical_reason"]
    index = (seeds_report / "index.html").read_text(encoding="utf-8")
    clusters = (seeds_report / "clusters-0001.html").read_text(encoding="utf-8")
    # 002 canonical with its reason, 004 its copy with the reason it is not canonical
    rows = re.findall(r"<tr id=\"a-[^\"]+\"[^>]*>(.*?)</tr>", clusters, re.S)
    assert len(rows) == 5
    assert ID["002"] in rows[0] and "canonical" in rows[0]
    assert ID["004"] in rows[1] and "= copy" in rows[1] and "side by side" in rows[1]
    assert report_build.e(top["canonical_reason"]) in rows[0]
    # 000 and 001 linked as partial (the graph and the links page), 003 alone
    links = (seeds_report / "links-0001.html").read_text(encoding="utf-8")
    assert ID["000"] in links and ID["001"] in links and "\u2248 partial" in links
    assert c["links_partial"] == 1
    row003 = next(r for r in rows if ID["003"] in r)
    assert "\u00b7 alone" in row003 and "no copy of it" in row003
    assert "e-partial" in index and "e-copy" in index  # both edge styles in the graph
    # damage ranks 000, 002 and 004 above 003
    ranked = [d["id"] for d in summary["damage_top"]]
    for k in ("000", "002", "004"):
        assert ranked.index(ID[k]) < ranked.index(ID["003"])
    # the histogram holds the two verified pairs, with the thresholds drawn
    hist = summary["similarity_histogram"]["counts"]
    assert sum(hist["copy"]) == 1 and sum(hist["partial"]) == 1
    assert "copy coverage 0.75" in index and 'class="thr"' in index
    # one side-by-side page per pair, from align's renderer
    pairs = sorted((seeds_report / "pairs").iterdir())
    assert len(pairs) == 2
    for p in pairs:
        html = p.read_text(encoding="utf-8")
        assert "Sentence alignment" in html and 'href="../index.html"' in html
        assert '<del class="ch">' in html and '<ins class="ch">' in html  # A's words, B's words


def test_committed_seeds_report_is_current(seeds_report: Path) -> None:
    """reports/seeds/ is what the README's first command writes; when it is stale the test
    writes it again and fails."""
    cmp = filecmp.dircmp(seeds_report, SEEDS_REPORT)
    stale: list[str] = []

    def walk(d: filecmp.dircmp[str], prefix: str = "") -> None:
        stale.extend(prefix + n for n in d.left_only + d.right_only + d.funny_files)
        _same, diff, errs = filecmp.cmpfiles(d.left, d.right, d.common_files, shallow=False)
        stale.extend(prefix + n for n in diff + errs)
        for name, sub in d.subdirs.items():
            walk(sub, prefix + name + "/")

    walk(cmp)
    if stale:  # regenerate it (the README's command), then fail so the change is seen
        r = CliRunner().invoke(main, ["report", str(SEEDS), "-o", str(SEEDS_REPORT), "-q"])
        assert r.exit_code == 0, r.output
    assert not stale, (f"reports/seeds/ was stale ({', '.join(stale[:5])}); it has been "
                       f"regenerated ({REGENERATE}): review and commit it")


def test_readme_first_command_writes_the_seeds_report() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    first = block.strip().splitlines()[0]
    assert "dedupe-news report seeds/ -o reports/seeds/" in first
    assert "reports/report-seeds.png" in readme


# --- file names ------------------------------------------------------------

HOSTILE_IDS = ["../../etc/passwd", "..", ".", "CON", "con", "NUL", "a\x00b", "x" * 300,
               "\u202eevil\u202c.html", "\u0645\u0642\u0627\u0644\u0629 \u0661",
               "<script>document.title='PWNED-id'</script>",
               "\"><img src=x onerror=\"document.title='PWNED-img'\">", "A", "a", "/abs/path",
               "C:\\Windows\\x", "a/b", "a_b", "  ", "\U0001f600", "\ud800"]


def test_names_are_safe_and_distinct() -> None:
    namer = Namer()
    stems = [namer.article(i) for i in HOSTILE_IDS]
    assert len(set(stems)) == len(HOSTILE_IDS)
    assert len({s.lower() for s in stems}) == len(HOSTILE_IDS)  # case-insensitive too
    for s in stems:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*-[0-9a-f]{16}", s), s
        assert len(s) <= 60 and ".." not in s
    assert namer.article("CON") == namer.article("CON")  # stable
    assert slug("CON") == "con" and slug("../../etc/passwd") == "etc-passwd"
    pair = namer.pair("../../etc/passwd", "CON")
    assert "/" not in pair and pair != namer.pair("CON", "../../etc/passwd")


# --- a hostile corpus ------------------------------------------------------------

PAYLOAD = ("<script>document.title='PWNED-text'</script> Officials said "
           "</script><img src=x onerror=\"document.title='PWNED-text2'\"> the talks went on. "
           "<iframe src=\"http://127.0.0.1:9/leak\"></iframe> "
           "<a href=\"javascript:alert(1)\">x</a>\n")


def hostile_articles() -> list[Article]:
    base = seed("002")
    words = base.split(" ")
    arts = [Article(id=ID["002"], text=base)]
    for k, aid in enumerate(HOSTILE_IDS):
        w = list(words)
        w[10 + k] = "changed"
        arts.append(Article(id=aid, text=PAYLOAD + " ".join(w), title=f"<b>{aid}</b>",
                            url="http://127.0.0.1:9/x"))
    arts.append(Article(id="<svg onload=alert(1)>", text=PAYLOAD + seed("000")))
    arts.append(Article(id="\u05e9\u05dc\u05d5\u05dd", text=seed("001")))
    arts.append(Article(id="&amp;<!--", text=seed("003")))
    return arts


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "report"
    arts = hostile_articles()
    write_report(arts, cluster_articles(arts), str(out), ReportOptions(page_rows=10))
    return out


def all_pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.html"))


def test_hostile_ids_land_inside_the_folder(hostile_report: Path) -> None:
    root = hostile_report.resolve()
    names = [p for p in root.rglob("*") if p.is_file()]
    for p in names:
        assert p.resolve().is_relative_to(root)
        assert re.fullmatch(r"[a-z0-9.-]+", p.name), p.name
    arts = len(hostile_articles())
    assert len(list((root / "articles").iterdir())) == arts  # one page per distinct id
    assert not list(root.parent.glob(".dedupe-news-report-*"))  # no temporary left


def test_hostile_text_and_ids_are_escaped(hostile_report: Path) -> None:
    for p in all_pages(hostile_report):
        html = p.read_text(encoding="utf-8")
        assert html.count("<script>") == 1, p  # only our own
        assert "<img" not in html and "<iframe" not in html and "<svg onload" not in html, p
        assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:|javascript:|//)""",
                             html, re.I), p
        assert "\x00" not in html
    index = "".join(p.read_text(encoding="utf-8")
                    for p in sorted(hostile_report.glob("clusters-*.html")))
    assert "&lt;script&gt;document.title=&#x27;PWNED-id&#x27;&lt;/script&gt;" in index
    assert "<bdi>\u202eevil\u202c.html</bdi>" in index  # RTL ids isolated
    assert "a\\x00b" in index  # a NUL in an id is shown, never written raw


def test_pages_are_split(hostile_report: Path) -> None:
    pages = sorted(hostile_report.glob("clusters-*.html"))
    assert len(pages) == 3  # 25 articles at 10 rows a page
    for p in pages:
        html = p.read_text(encoding="utf-8")
        assert len(re.findall(r"<tr id=\"a-", html)) <= 10
    first = pages[0].read_text(encoding="utf-8")
    assert 'rel="next" href="clusters-0002.html"' in first and 'rel="prev"' not in first


def test_every_link_resolves_inside_the_folder(hostile_report: Path,
                                               seeds_report: Path) -> None:
    for folder in (hostile_report, seeds_report):
        bad = broken_links(folder)
        assert not bad, bad[:5]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("href", "src", "xlink:href", "action") and v is not None:
                self.links.append(v)
            if k == "id" and v is not None:
                self.ids.add(v)


def broken_links(folder: Path) -> list[str]:
    """Links of every page that leave the folder, point nowhere, or name a missing
    anchor (``url(#x)`` paint references are not links)."""
    root = folder.resolve()
    parsed: dict[Path, _Links] = {}
    for p in all_pages(folder):
        lp = _Links()
        lp.feed(p.read_text(encoding="utf-8"))
        parsed[p.resolve()] = lp
    bad = []
    for page, lp in parsed.items():
        for link in lp.links:
            u = urlsplit(link)
            if u.scheme or u.netloc:
                bad.append(f"{page.name}: external {link}")
                continue
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            if not target.is_relative_to(root) or not target.is_file():
                bad.append(f"{page.name}: {link} -> nothing")
                continue
            if u.fragment and target in parsed and u.fragment not in parsed[target].ids:
                bad.append(f"{page.name}: {link}: no anchor")
    return bad


# --- atomic replacement ------------------------------------------------------------

def small() -> tuple[list[Article], object]:
    arts = [Article(id=ID[k], text=seed(k)) for k in ("002", "004")]
    return arts, cluster_articles(arts)


def test_replaces_only_a_previous_report(tmp_path: Path) -> None:
    arts, res = small()
    out = tmp_path / "r"
    write_report(arts, res, str(out))
    write_report(arts, res, str(out))  # a previous report is replaced
    assert (out / "index.html").is_file()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ReportError, match="holds no dedupe-news report"):
        write_report(arts, res, str(other))
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="not a folder"):
        write_report(arts, res, str(tmp_path / "file"))


def test_a_crash_leaves_the_previous_report(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    arts, res = small()
    out = tmp_path / "r"
    write_report(arts, res, str(out))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(*_a: object, **_k: object) -> str:
        raise RuntimeError("crash mid-report")

    monkeypatch.setattr(report_build, "_index", boom)
    with pytest.raises(RuntimeError):
        write_report(arts, res, str(out))
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".dedupe-news-report-")]


def test_pair_cap_is_stated(tmp_path: Path) -> None:
    arts = hostile_articles()[:6]
    out = tmp_path / "r"
    summary = write_report(arts, cluster_articles(arts), str(out),
                           ReportOptions(max_pairs=2, max_articles=2))
    assert summary["pair_pages"]["written"] == 2 and summary["pair_pages"]["pairs"] > 2
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Side-by-side pages are capped at 2" in index and "no page (cap)" in index
    assert len(list((out / "pairs").iterdir())) == 2
    assert len(list((out / "articles").iterdir())) == 2
    assert "Article pages are capped at 2" in (out / "damage-0001.html").read_text("utf-8")


# --- command line ------------------------------------------------------------

def test_cli_report_and_its_errors(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    r = CliRunner().invoke(main, ["report", str(SEEDS / f"{ID['002']}.txt"), str(SEEDS),
                                  "-o", str(out), "--skip-bad"])
    assert r.exit_code == 0
    assert "wrote" in r.stderr and (out / "summary.json").is_file()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x", encoding="utf-8")
    r = CliRunner().invoke(main, ["report", str(SEEDS), "-o", str(busy)])
    assert r.exit_code == 2 and "holds no dedupe-news report" in r.stderr
    r = CliRunner().invoke(main, ["report", str(tmp_path / "missing"), "-o", str(out)])
    assert r.exit_code == 1


def test_default_folder() -> None:
    from dedupe_news.cli.report import default_folder

    assert default_folder(("seeds/",)) == os.path.join("reports", "seeds")
    assert default_folder(("a/corpus.jsonl.gz",)) == os.path.join("reports", "corpus")
    assert default_folder(("-",)) == os.path.join("reports", "stdin")
    assert default_folder(("../../etc/",)) == os.path.join("reports", "etc")


def test_no_page_over_the_limit(hostile_report: Path, seeds_report: Path) -> None:
    for folder in (hostile_report, seeds_report):
        for p in folder.rglob("*"):
            assert p.stat().st_size <= PAGE_LIMIT


def test_graph_styles_and_histogram_lines() -> None:
    from dedupe_news.render import report as R

    nodes = [R.GraphNode("a", "a", "x.html", True, "a", "a"),
             R.GraphNode("b", "b", None, False, "a", "b"),
             R.GraphNode("c", "<c>", None, True, "c", "c")]
    edges = [R.GraphEdge("a", "b", "copy", 0.9), R.GraphEdge("a", "c", "contains", 0.7),
             R.GraphEdge("b", "c", "partial", 0.4)]
    svg = R.svg_graph([(nodes, edges)], "g")
    assert 'class="e-copy"' in svg and 'class="e-partial"' in svg
    assert 'class="e-contains"' in svg and 'marker-end="url(#arrow)"' in svg
    assert "\u2283 contains 0.70" in svg and "= copy 0.90" in svg and "&lt;c&gt;" in svg
    hist = R.svg_histogram({"copy": [0] * 19 + [3], "partial": [1] + [0] * 19,
                            "contains": [0] * 20}, [(0.75, "copy coverage")], "h")
    assert hist.count('class="thr"') == 1 and "copy coverage 0.75" in hist
    assert 'class="h-copy"' in hist and 'class="h-partial"' in hist
