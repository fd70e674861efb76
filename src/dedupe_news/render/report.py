"""HTML pieces of the corpus report (``dedupe-news report``): the page frame, the charts as
inline SVG, and the extra style that gives ``align``'s side-by-side pages a way back and a
dark mode.

Every page is self-contained: one inline style and one inline script, both allowed by their
SHA-256 in a Content-Security-Policy meta (``default-src 'none'``: nothing is ever fetched),
no external URL, no ``style=`` attribute (SVG colours come from classes).  Every piece of
input (ids, titles, article text, messages) goes through :func:`e` (``html.escape`` with
quotes) and is wrapped in ``<bdi>`` where it is shown inline, so right-to-left ids do not
reorder the row around them.  Nothing from the input is ever placed in the style or the
script.  The pages read fully without the script; it only adds a filter box, sortable
columns and ``n``/``p`` keys for the next/previous page.

Cues never rely on colour alone: each relation has a symbol and a word (``= copy``,
``≈ partial``, ``⊃ contains``), and in the charts a line style (solid, dashed, dotted) or a
fill pattern.  Colours are Okabe-Ito (colour-blind safe); ``prefers-color-scheme: dark`` and
print styles are built in.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "CSP",
    "REL_CUES",
    "GraphEdge",
    "GraphNode",
    "e",
    "elide",
    "page",
    "pair_page_extras",
    "relation_badge",
    "svg_graph",
    "svg_histogram",
    "svg_sizes",
    "visible",
]

#: relation -> (symbol, word, description)
REL_CUES: dict[str, tuple[str, str, str]] = {
    "canonical": ("\u2605", "canonical", "the version kept"),
    "copy": ("=", "copy", "a verified copy of the canonical"),
    "partial": ("\u2248", "partial", "shares passages, too few for a copy"),
    "contains": ("\u2283", "contains", "holds the other article plus news of its own"),
    "contained_in": ("\u2282", "contained in", "is held in the other article"),
    "alone": ("\u00b7", "alone", "no copy in the collection"),
}

STYLE = """
:root{color-scheme:light dark;--bg:#fafafa;--card:#fff;--ink:#1a1a1a;--muted:#555;
--line:#ddd;--head:#f0f0f0;--copy:#0072B2;--partial:#E69F00;--contains:#009E73;
--damage:#D55E00;--canon:#1a1a1a;--bar:#56B4E9;--link:#0a58ca}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--card:#1c1c1c;--ink:#e8e8e8;
--muted:#aaa;--line:#3a3a3a;--head:#262626;--copy:#56B4E9;--partial:#E69F00;
--contains:#2fd4a0;--damage:#ff8a4c;--canon:#e8e8e8;--bar:#0072B2;--link:#8ab4ff}}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:var(--bg);margin:0}
a{color:var(--link)}
header,main,footer{padding:10px 18px}
header{background:var(--card);border-bottom:1px solid var(--line)}
nav{font-size:14px;display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}
nav .here{font-weight:700}
h1{font-size:20px;margin:6px 0}h2{font-size:17px;margin:22px 0 6px}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;
padding:8px 14px;margin:12px 0}
.counts{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}
.count{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:8em}
.count b{display:block;font-size:22px}
.muted,.note{color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line);
overflow-wrap:anywhere}
thead th{background:var(--head);position:sticky;top:0;white-space:nowrap}
td.id{min-width:16em}
th[data-sort]{cursor:pointer}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.first td{border-top:2px solid var(--ink)}
tr.canon td.id{font-weight:700}
.badge{display:inline-block;padding:0 6px;border-radius:3px;border:1.5px solid;
font-size:12px;font-weight:600;white-space:nowrap}
.badge.canonical{border-color:var(--canon)}.badge.copy{border-color:var(--copy);border-style:solid}
.badge.partial{border-color:var(--partial);border-style:dashed}
.badge.contains,.badge.contained_in{border-color:var(--contains);border-style:dotted}
.badge.alone{border-color:var(--line)}
q.span{font-style:italic;text-decoration:underline wavy var(--damage);
text-underline-offset:3px}
.flag{text-decoration:underline wavy var(--damage);text-underline-offset:3px}
.text{white-space:pre-wrap;max-width:52em;font-size:15px;line-height:1.6}
.text :target{outline:3px solid var(--damage)}
.pages{display:flex;flex-wrap:wrap;gap:2px 8px;font-size:13px}
.cap{border-left:4px solid var(--damage);padding:4px 10px;background:var(--head)}
svg{max-width:100%;height:auto;display:block}
svg text{fill:var(--ink);font:11px system-ui,sans-serif}
svg .small{font-size:9px}
svg .axis{stroke:var(--muted);stroke-width:1}
svg .bar{fill:var(--bar);stroke:var(--ink);stroke-width:.5}
svg .h-copy{fill:var(--copy)}svg .h-partial{fill:url(#hatch)}svg .h-contains{fill:url(#dots)}
svg .hatch-line{stroke:var(--partial);stroke-width:3}svg .dot{fill:var(--contains)}
svg .hatch-bg{fill:var(--card)}
svg .thr{stroke:var(--damage);stroke-width:1.5;stroke-dasharray:5 3}
svg .e-copy{stroke:var(--copy);stroke-width:2.5}
svg .e-partial{stroke:var(--partial);stroke-width:2;stroke-dasharray:7 4}
svg .e-contains{stroke:var(--contains);stroke-width:2;stroke-dasharray:2 3}
svg .node{fill:var(--card);stroke:var(--ink);stroke-width:1.5}
svg .node.canon{fill:var(--ink)}
svg .arrow{fill:var(--contains)}
svg a:focus .node,svg a:hover .node{stroke:var(--damage);stroke-width:3}
input[type=search]{font:inherit;padding:3px 6px;margin:4px 0;width:20em;max-width:100%}
footer{font-size:12px;color:var(--muted)}
@media print{body{background:#fff;color:#000;font-size:11px}nav,input,.nojs-hide{display:none}
section{border:0;break-inside:avoid}thead th{position:static}tr{break-inside:avoid}
a{color:#000;text-decoration:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

# Filter boxes, sortable columns, n/p keys for next/previous page.  No input text here.
SCRIPT = """(function(){var d=document;
[].forEach.call(d.querySelectorAll('input[data-filter]'),function(inp){inp.hidden=false;
var t=d.getElementById(inp.getAttribute('data-filter'));inp.addEventListener('input',function(){
var q=inp.value.toLowerCase();[].forEach.call(t.tBodies[0].rows,function(r){
r.hidden=!!q&&r.textContent.toLowerCase().indexOf(q)<0;});});});
[].forEach.call(d.querySelectorAll('th[data-sort]'),function(th){th.tabIndex=0;
function go(){var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,num=th.getAttribute(
'data-sort')==='n',dir=th.getAttribute('aria-sort')==='descending'?1:-1;
var rows=[].slice.call(b.rows);rows.sort(function(x,y){var a=x.cells[i].getAttribute('data-v')
||x.cells[i].textContent,c=y.cells[i].getAttribute('data-v')||y.cells[i].textContent;
if(num){return((parseFloat(a)||0)-(parseFloat(c)||0))*dir;}return a.localeCompare(c)*dir;});
rows.forEach(function(r){b.appendChild(r);});th.setAttribute('aria-sort',dir>0?'ascending':
'descending');}th.addEventListener('click',go);th.addEventListener('keydown',function(ev){
if(ev.key==='Enter'){go();}});});
d.addEventListener('keydown',function(ev){if(ev.ctrlKey||ev.metaKey||ev.altKey||
/INPUT|TEXTAREA|SELECT/.test(ev.target.tagName))return;var k=ev.key,rel=(k==='n'||k==='j')?
'next':(k==='p'||k==='k')?'prev':'';if(!rel)return;var a=d.querySelector('a[rel="'+rel+'"]');
if(a){location.href=a.href;ev.preventDefault();}});
d.documentElement.setAttribute('data-js','on');})();"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


#: The report pages' Content-Security-Policy: nothing loads; only our style and script run.
CSP = (f"default-src 'none'; style-src '{_hash(STYLE)}'; script-src '{_hash(SCRIPT)}'; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")


# C0/C1 controls (but tab and newline) and DEL are not allowed in HTML text: shown as \\x00.
_CONTROLS = str.maketrans({c: f"\\x{c:02x}" for c in [*range(0x09), 0x0B, 0x0C,
                                                    *range(0x0E, 0x20), 0x7F,
                                                    *range(0x80, 0xA0)]})


def visible(text: object) -> str:
    """``text`` with control characters written as ``\\x00`` escapes (plain text)."""
    return str(text).translate(_CONTROLS)


def e(text: object) -> str:
    """Escaped for HTML text and attribute values (control characters made visible)."""
    return html.escape(visible(text), quote=True)


def elide(text: str, limit: int) -> str:
    """At most ``limit`` characters, the middle replaced by ``…``."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "\u2026" + text[len(text) - (limit - 1 - head):]


def bdi(text: str, limit: int = 80) -> str:
    """Input text shown inline: escaped, elided, isolated from the surrounding direction."""
    return f"<bdi>{e(elide(text, limit))}</bdi>"


def relation_badge(rel: str) -> str:
    sym, word, desc = REL_CUES[rel]
    return f'<span class="badge {rel}" title="{e(desc)}">{sym} {word}</span>'


def page(title: str, body: str, *, root: str = "", here: str = "",
         nav: Sequence[tuple[str, str]] = (), prev: str | None = None,
         nxt: str | None = None, footer: str = "") -> str:
    """A whole report page.  ``root`` is the relative way back to the report folder
    (``""`` or ``"../"``); ``nav`` is (label, file) pairs; ``prev``/``nxt`` the neighbour
    pages (``rel="prev"``/``rel="next"`` links the script's keys follow)."""
    links = []
    for label, target in nav:
        cls = ' class="here" aria-current="page"' if target == here else ""
        links.append(f'<a href="{e(root + target)}"{cls}>{e(label)}</a>')
    if prev:
        links.append(f'<a rel="prev" href="{e(prev)}">\u2190 previous page</a>')
    if nxt:
        links.append(f'<a rel="next" href="{e(nxt)}">next page \u2192</a>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head><body>\n"
        f"<header><nav>{' '.join(links)}</nav><h1>{e(title)}</h1></header>\n"
        f"<main>\n{body}\n</main>\n<footer>{footer}</footer>\n"
        f"<script>{SCRIPT}</script>\n</body></html>\n")


# --- side-by-side pages (render.html's page, with a way back and a dark mode) --------------

PAIR_STYLE = """
nav.report{padding:6px 18px;font:14px system-ui,sans-serif;display:flex;flex-wrap:wrap;
gap:4px 14px}
nav.report .rel{font-weight:700}
@media (prefers-color-scheme:dark){:root{color-scheme:dark;--ink:#e8e8e8;--chg:#5c4a00}
body{background:#121212;color:var(--ink)}header,table{background:#1c1c1c}
header{border-color:#3a3a3a}thead th{background:#262626;border-color:#555}
td{border-color:#333}.help,.files,.where,.n{color:#aaa}tr.identical td.txt{color:#aaa}
.verdict{border-color:var(--ink)}a{color:#8ab4ff}
tr.added td.a,tr.dropped td.b{background:repeating-linear-gradient(135deg,#1c1c1c,#1c1c1c 6px,
#262626 6px,#262626 12px)}}
ins.ch{text-decoration:underline}del.ch{text-decoration:line-through 1px}
@media print{nav.report{display:none}}
"""


def pair_page_extras(page_html: str, csp: str, nav_html: str) -> str:
    """``align``'s page with the report's navigation after ``<body>`` and :data:`PAIR_STYLE`
    added (its hash joined to the page's Content-Security-Policy)."""
    extra_csp = csp.replace("style-src ", f"style-src '{_hash(PAIR_STYLE)}' ", 1)
    out = page_html.replace(f'content="{csp}"', f'content="{extra_csp}"', 1)
    out = out.replace("</head>", f"<style>{PAIR_STYLE}</style>\n</head>", 1)
    out = out.replace("<body>\n", f'<body>\n<nav class="report">{nav_html}</nav>\n', 1)
    return _CELL.sub(_ins_del, out)


# A side's cell of the side-by-side table; changed words inside it are escaped text only.
_CELL = re.compile(r'(<td class="txt (a|b)">)(.*?)(</td>)', re.S)
_CHANGED = re.compile(r'<span class="ch">([^<]*)</span>')


def _ins_del(m: re.Match[str]) -> str:
    """Changed words as ``<del>`` on the A side and ``<ins>`` on the B side (the markup
    says what the colour says: A's words that B does not have, and B's new ones)."""
    tag = "del" if m.group(2) == "a" else "ins"
    cell = _CHANGED.sub(lambda w: f'<{tag} class="ch">{w.group(1)}</{tag}>', m.group(3))
    return m.group(1) + cell + m.group(4)


# --- charts -----------------------------------------------------------------------------------

def svg_sizes(bins: Sequence[tuple[str, int]], title: str) -> str:
    """Horizontal bars: clusters per size bin, each bar labelled with its count."""
    w, left, row = 520, 70, 22
    top = 8
    h = top + row * len(bins) + 26
    peak = max([c for _, c in bins] + [1])
    scale = math.log1p(peak)
    out = [f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
           f'aria-label="{e(title)}"><title>{e(title)}</title>']
    for k, (label, count) in enumerate(bins):
        y = top + k * row
        bw = 0 if count == 0 else max(2.0, (w - left - 70) * math.log1p(count) / scale)
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{e(label)}</text>')
        out.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{bw:.1f}" height="{row - 6}">'
                   f"<title>{e(label)}: {count:,}</title></rect>")
        out.append(f'<text x="{left + bw + 5:.1f}" y="{y + 14}">{count:,}</text>')
    y = top + row * len(bins) + 16
    out.append(f'<text x="{left}" y="{y}" class="small">bar length: log scale</text>')
    out.append("</svg>")
    return "".join(out)


HIST_KINDS = ("copy", "partial", "contains")


def svg_histogram(counts: dict[str, Sequence[int]], lines: Sequence[tuple[float, str]],
                  title: str) -> str:
    """Stacked histogram of pair similarities over [0, 1] (``counts[kind][bin]``), with
    vertical dashed lines at ``lines`` (value, label)."""
    nb = len(next(iter(counts.values())))
    w, h, left, bottom, top = 640, 260, 44, 34, 14 + 14 * len(lines)
    pw, ph = w - left - 12, h - bottom - top
    totals = [sum(counts[k][b] for k in HIST_KINDS) for b in range(nb)]
    peak = max([*totals, 1])
    out = [f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
           f'aria-label="{e(title)}"><title>{e(title)}</title>',
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect class="hatch-bg" width="6" height="6"/>'
           '<line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern>'
           '<pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse">'
           '<rect class="hatch-bg" width="5" height="5"/><circle class="dot" cx="2.5" '
           'cy="2.5" r="1.6"/></pattern></defs>']
    out.append(f'<line class="axis" x1="{left}" y1="{top + ph}" x2="{left + pw}" '
               f'y2="{top + ph}"/><line class="axis" x1="{left}" y1="{top}" x2="{left}" '
               f'y2="{top + ph}"/>')
    for t in range(0, 11, 2):
        x = left + pw * t / 10
        out.append(f'<text x="{x:.1f}" y="{top + ph + 14}" text-anchor="middle">'
                   f"{t / 10:.1f}</text>")
    out.append(f'<text x="{left + pw / 2}" y="{h - 4}" text-anchor="middle">similarity of '
               "the pair (coverage-weighted, shorter side)</text>")
    out.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak:,}</text>'
               f'<text x="{left - 4}" y="{top + ph}" text-anchor="end">0</text>')
    bw = pw / nb
    for b in range(nb):
        y = top + ph
        for kind in HIST_KINDS:
            c = counts[kind][b]
            if not c:
                continue
            bh = ph * c / peak
            y -= bh
            lo = b / nb
            out.append(f'<rect class="h-{kind}" x="{left + b * bw + 1:.1f}" y="{y:.1f}" '
                       f'width="{bw - 2:.1f}" height="{bh:.1f}"><title>{kind} '
                       f"{lo:.2f}\u2013{lo + 1 / nb:.2f}: {c:,}</title></rect>")
    for k, (value, label) in enumerate(lines):
        x = left + pw * value
        out.append(f'<line class="thr" x1="{x:.1f}" y1="{top - 4 - 14 * (len(lines) - 1 - k)}"'
                   f' x2="{x:.1f}" y2="{top + ph}"/>')
        out.append(f'<text x="{x + 3:.1f}" y="{top - 6 - 14 * (len(lines) - 1 - k)}">'
                   f"{e(label)} {value:g}</text>")
    out.append("</svg>")
    return "".join(out)


@dataclass
class GraphNode:
    key: str  # article id
    label: str
    href: str | None
    canonical: bool
    cluster: str
    tip: str


@dataclass
class GraphEdge:
    a: str
    b: str
    kind: str  # copy | partial | contains (a contains b)
    score: float
    count: int = 1  # links between the same two clusters, drawn as one edge


def _star(n: int) -> float:
    """Radius of a cluster's star with ``n`` copies."""
    return 0.0 if n == 0 else 60.0 + 3.0 * min(n, 20)


def _cell(nodes: Sequence[GraphNode]) -> tuple[list[list[GraphNode]], float, float]:
    """A component's clusters (canonical first), the radius of the circle their centres
    sit on, and the component's half-size."""
    clusters: dict[str, list[GraphNode]] = {}
    for n in nodes:
        clusters.setdefault(n.cluster, []).append(n)
    groups = [sorted(g, key=lambda n: not n.canonical) for g in clusters.values()]
    stars = [_star(len(g) - 1) for g in groups]
    if len(groups) == 1:
        return groups, 0.0, stars[0]
    ring = max(70.0, sum(2 * r + 50 for r in stars) / (2 * math.pi))
    return groups, ring, ring + max(stars)


def _layout(groups: Sequence[Sequence[GraphNode]], ring: float, cx: float, cy: float
            ) -> dict[str, tuple[float, float]]:
    """Each cluster as a star (canonical in the middle, copies around it); the clusters of
    a component spread on a circle, each taking an arc as wide as its star."""
    pos: dict[str, tuple[float, float]] = {}
    widths = [2 * _star(len(g) - 1) + 50 for g in groups]
    total = sum(widths)
    at = math.pi
    for g, width in zip(groups, widths, strict=True):
        ang = at + math.pi * width / total
        at += 2 * math.pi * width / total
        gx, gy = cx + ring * math.cos(ang), cy + ring * math.sin(ang)
        pos[g[0].key] = (gx, gy)
        rest = g[1:]
        r = _star(len(rest))
        for j, n in enumerate(rest):
            a = 2 * math.pi * j / len(rest) + ang
            pos[n.key] = (gx + r * math.cos(a), gy + r * math.sin(a))
    return pos


def svg_graph(components: Sequence[tuple[Sequence[GraphNode], Sequence[GraphEdge]]],
              title: str, width: int = 960) -> str:
    """The relation graph: one cell per connected component, clusters as stars; copies solid,
    ``partial`` dashed, ``contains`` dotted with an arrow towards the contained article;
    links between two clusters drawn once between their canonicals (with their number);
    edges labelled with relation and score when a component has 12 edges or fewer (on hover
    otherwise), articles labelled when it has 12 articles or fewer (canonicals otherwise)."""
    cells = []
    x = y = 0.0
    row_h = 0.0
    for nodes, edges in components:
        groups, ring, half = _cell(nodes)
        cw = max(2 * half + 300, 420.0) if len(nodes) > 2 else 420.0
        ch = 110.0 if len(nodes) <= 2 else 2 * half + 60
        cw = min(cw, float(width))
        if x + cw > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        cells.append((x, y, cw, ch, groups, ring, nodes, edges))
        x += cw
        row_h = max(row_h, ch)
    h = max(40, int(y + row_h))
    out = [f'<svg viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
           f'aria-label="{e(title)}"><title>{e(title)}</title>'
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="17" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path class="arrow" '
           'd="M0 0L10 5L0 10z"/></marker></defs>']
    for cx0, cy0, cw, ch, groups, ring, nodes, edges in cells:
        cx, cy = cx0 + cw / 2, cy0 + ch / 2
        if len(nodes) <= 2 and len(groups) == 2:
            pos = {groups[0][0].key: (cx - 55, cy), groups[1][0].key: (cx + 55, cy)}
        elif len(nodes) == 2:
            pos = {groups[0][0].key: (cx - 45, cy), groups[0][1].key: (cx + 45, cy)}
        else:
            pos = _layout(groups, ring, cx, cy)
        labelled = len(edges) <= 12
        all_labels = len(nodes) <= 12
        for ed in edges:
            if ed.a not in pos or ed.b not in pos:
                continue
            (x1, y1), (x2, y2) = pos[ed.a], pos[ed.b]
            marker = ' marker-end="url(#arrow)"' if ed.kind == "contains" else ""
            sym, word, _d = REL_CUES[ed.kind]
            tip = f"{word} {ed.score:.2f}" + (f" (best of {ed.count} links)" if ed.count > 1
                                               else "")
            out.append(f'<line class="e-{ed.kind}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                       f'y2="{y2:.1f}"{marker}><title>{e(tip)}</title></line>')
            if labelled:
                short = f"{word} {ed.score:.2f}" + (f" \u00d7{ed.count}" if ed.count > 1 else "")
                out.append(f'<text class="small" x="{(x1 + x2) / 2:.1f}" '
                           f'y="{(y1 + y2) / 2 - 5:.1f}" text-anchor="middle">{sym} '
                           f"{e(short)}</text>")
        for n in nodes:
            px, py = pos[n.key]
            cls = "node canon" if n.canonical else "node"
            shape = (f'<rect class="{cls}" x="{px - 7:.1f}" y="{py - 7:.1f}" width="14" '
                     f'height="14"/>' if n.canonical else
                     f'<circle class="{cls}" cx="{px:.1f}" cy="{py:.1f}" r="7"/>')
            label = ""
            if all_labels or n.canonical:
                # labels point away from the middle of the cell, so neighbours do not overlap
                if abs(px - cx) < 1:
                    lx, ly, anchor = px, py + 20, "middle"
                elif px > cx:
                    lx, ly, anchor = px + 10, py + 4, "start"
                else:
                    lx, ly, anchor = px - 10, py + 4, "end"
                label = (f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">'
                         f"{e(elide(n.label, 22))}</text>")
            inner = f"<title>{e(n.tip)}</title>{shape}{label}"
            if n.href:
                out.append(f'<a href="{e(n.href)}">{inner}</a>')
            else:
                out.append(f"<g>{inner}</g>")
    out.append("</svg>")
    return "".join(out)


def graph_legend() -> str:
    return ('<p class="note">Legend: \u25a0 filled square = canonical, \u25cb circle = other '
            "article; <b>solid line</b> = copy of the canonical; <b>dashed</b> = partial "
            "(shared passages); <b>dotted with an arrow</b> = contains (arrow points to the "
            "contained article). Each edge names its relation and score; click an article "
            "to open its text.</p>")


def rows_table(table_id: str, headers: Iterable[tuple[str, str]], rows: Iterable[str],
               caption: str = "", filter_box: bool = True) -> str:
    """A table; headers are (label, sort kind: "" none, "n" number, "t" text)."""
    ths = "".join(
        f'<th{" class=n" if kind == "n" else ""}'
        f'{f" data-sort={kind}" if kind else ""} scope="col">{e(label)}</th>'
        for label, kind in headers)
    box = (f'<input type="search" data-filter="{table_id}" hidden placeholder="filter rows\u2026"'
           f' aria-label="filter rows">' if filter_box else "")
    cap = f"<caption class=\"muted\">{caption}</caption>" if caption else ""
    return (f'{box}<table id="{table_id}">{cap}<thead><tr>{ths}</tr></thead><tbody>\n'
            + "".join(rows) + "</tbody></table>")
