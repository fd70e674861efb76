"""Side-by-side HTML for an :class:`~dedupe_news.align.Alignment`.

One self-contained file: inline CSS, one small inline script allowed by its hash in a
Content-Security-Policy meta (``default-src 'none'``, so nothing is ever fetched), no external
URL.  Rows come from the alignment groups, so both versions scroll together with no script;
the script only adds next/previous-change keys (``n``/``p``, ``j``/``k``).

Safety: every piece of article text passes through :func:`html.escape` (quotes too, as some
of it lands in ``title=`` attributes); nothing from the input is ever placed in the script or
style blocks.  Kinds are shown by colour (Okabe-Ito palette, colour-blind safe) *and* by a
symbol and a word.  Changed words are highlighted and also bold (a non-colour cue); damage
flags are wavy-underlined with their message on hover.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
from collections.abc import Sequence
from typing import Any, Protocol

from dedupe_news.align import Alignment, word_diff

__all__ = ["CSP", "render_alignment"]


class FlagLike(Protocol):
    """What the renderer needs from a damage flag (``dedupe_news.damage`` Flag)."""

    rule: str
    start: int
    end: int
    message: str
    severity: str


# kind -> (symbol, label, description); colours live in the CSS below.
KIND_CUES: dict[str, tuple[str, str, str]] = {
    "identical": ("=", "identical", "same words"),
    "changed": ("~", "changed", "1:1, reworded"),
    "merged": ("\u21c9", "merged", "several A sentences became one in B"),
    "split": ("\u21c7", "split", "one A sentence became several in B"),
    "moved": ("\u2195", "moved", "found out of order (moved paragraph)"),
    "added": ("+", "added", "only in B"),
    "dropped": ("\u2212", "dropped", "only in A"),
}

_STYLE = """
:root{--identical:#6b6b6b;--changed:#E69F00;--merged:#0072B2;--split:#56B4E9;
--moved:#CC79A7;--added:#009E73;--dropped:#D55E00;--ink:#1a1a1a;--chg:#fff1b8}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:0;background:#fafafa}
header{padding:12px 18px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 6px}
.files{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;font-size:13px}
.files b{font-weight:600}
.stats{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:8px;font-size:13px;align-items:center}
.verdict{font-weight:700;padding:2px 8px;border:2px solid var(--ink);border-radius:4px}
.badge{display:inline-block;min-width:6.6em;padding:1px 6px;border-radius:3px;color:#fff;
font-size:12px;font-weight:600;white-space:nowrap}
.badge.identical{background:var(--identical)}.badge.changed{background:var(--changed);color:#000}
.badge.merged{background:var(--merged)}.badge.split{background:var(--split);color:#000}
.badge.moved{background:var(--moved);color:#000}.badge.added{background:var(--added)}
.badge.dropped{background:var(--dropped)}
.help{font-size:12px;color:#555;margin-top:6px}
.notes{font-size:12px;color:#7a3b00;margin:4px 0 0;padding-left:18px}
table{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff}
thead th{position:sticky;top:0;background:#f0f0f0;border-bottom:2px solid #bbb;
text-align:left;padding:6px 8px;font-size:13px;z-index:1}
col.k{width:8.5em}col.sim{width:4.5em}
td{vertical-align:top;padding:6px 8px;border-bottom:1px solid #e4e4e4;overflow-wrap:anywhere}
tr.row>td:first-child{border-left:6px solid var(--c)}
tr.identical{--c:var(--identical)}tr.changed{--c:var(--changed)}tr.merged{--c:var(--merged)}
tr.split{--c:var(--split)}tr.moved{--c:var(--moved)}tr.added{--c:var(--added)}
tr.dropped{--c:var(--dropped)}
tr.identical td.txt{color:#555}
tr.added td.a,tr.dropped td.b{background:repeating-linear-gradient(135deg,#fff,#fff 6px,
#f3f3f3 6px,#f3f3f3 12px)}
tr:target,tr:focus{outline:3px solid #000;outline-offset:-3px}
.s{display:block}.s+.s{margin-top:4px;padding-top:4px;border-top:1px dashed #ccc}
.n{font-size:11px;color:#777;margin-right:4px;user-select:none}
.ch{background:var(--chg);font-weight:700;border-radius:2px}
.flag{text-decoration:underline wavy #D55E00;text-underline-offset:3px;cursor:help}
.sim{font-variant-numeric:tabular-nums;text-align:right;font-size:13px}
.where{display:block;font-size:11px;color:#555}
@media print{body{background:#fff;font-size:11px}header{border:0}.help{display:none}
thead th{position:static}tr{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

# Next/previous change: rows that are not "identical" carry class "x".  No input text here.
_SCRIPT = """(function(){var rows=[].slice.call(document.querySelectorAll('tr.x'));var at=-1;
document.addEventListener('keydown',function(e){if(e.ctrlKey||e.metaKey||e.altKey)return;
var k=e.key;var d=(k==='n'||k==='j')?1:(k==='p'||k==='k')?-1:0;if(!d||!rows.length)return;
at=Math.max(0,Math.min(rows.length-1,at+d));rows[at].focus();
rows[at].scrollIntoView({block:'center'});e.preventDefault();});
document.documentElement.setAttribute('data-keys','on');})();"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


#: The page's Content-Security-Policy: nothing may load; only our own style and script run.
CSP = (f"default-src 'none'; style-src '{_hash(_STYLE)}'; script-src '{_hash(_SCRIPT)}'; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_alignment(al: Alignment, a_name: str, b_name: str, *,
                     a_flags: Sequence[FlagLike] = (), b_flags: Sequence[FlagLike] = (),
                     a_score: float | None = None, b_score: float | None = None,
                     title: str | None = None) -> str:
    """The whole HTML page as a string.

    ``a_flags``/``b_flags`` are damage flags with offsets into ``al.a_text``/``al.b_text``;
    their spans are underlined with the message as a tooltip.
    """
    counts = al.counts()
    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
    w(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w('<meta name="referrer" content="no-referrer">\n')
    w(f"<title>{_e(title or f'align: {a_name} vs {b_name}')}</title>\n")
    w(f"<style>{_STYLE}</style>\n</head><body>\n<header>\n")
    w("<h1>Sentence alignment</h1>\n<div class=\"files\">")
    for side, name, sents, cov, score in (("A", a_name, al.a_sents, al.coverage_a, a_score),
                                          ("B", b_name, al.b_sents, al.coverage_b, b_score)):
        dmg = "" if score is None else f"; damage score {score:.2f}"
        w(f"<b>{side}</b><span>{_e(name)} &mdash; {len(sents)} sentences, "
          f"{cov:.0%} aligned{dmg}</span>")
    w("</div>\n<div class=\"stats\">")
    ev = al.relation
    w(f'<span class="verdict" title="{_e(ev.why)}">verdict: {_e(al.verdict)} '
      f'(rule: {_e(ev.rule)})</span>')
    for kind, (sym, label, desc) in KIND_CUES.items():
        unit = "sentences" if kind in ("added", "dropped") else "groups"
        w(f'<span class="badge {kind}" title="{_e(desc)} ({unit})">'
          f"{sym} {label}: {counts[kind]}</span>")
    thr = al.settings.get("threshold")
    w(f"<span>threshold {thr}</span></div>\n")
    if al.notes:
        w('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in al.notes) + "</ul>\n")
    w('<div class="help">Keys: <kbd>n</kbd>/<kbd>j</kbd> next change, <kbd>p</kbd>/<kbd>k</kbd> '
      "previous change. <span class=\"ch\">Highlighted bold</span> words differ inside a group; "
      "<span class=\"flag\" title=\"example\">wavy underline</span> marks a damage flag "
      "(hover for its message).</div>\n</header>\n")
    w('<table><colgroup><col class="k"><col><col><col class="sim"></colgroup>\n'
      f"<thead><tr><th>kind</th><th>A: {_e(a_name)}</th><th>B: {_e(b_name)}</th>"
      "<th>sim</th></tr></thead>\n<tbody>\n")
    for r, (kind, ia, ib, sim) in enumerate(al.rows()):
        w(_row(al, r, kind, ia, ib, sim, a_flags, b_flags))
    w("</tbody></table>\n")
    w(f"<script>{_SCRIPT}</script>\n</body></html>\n")
    return "".join(out)


def _row(al: Alignment, r: int, kind: str, ia: tuple[int, ...], ib: tuple[int, ...],
         sim: float | None, a_flags: Sequence[FlagLike], b_flags: Sequence[FlagLike]) -> str:
    sym, label, desc = KIND_CUES[kind]
    a_marks: list[tuple[int, int]] = []
    b_marks: list[tuple[int, int]] = []
    if ia and ib and kind != "identical":
        a0, a1 = al.a_sents[ia[0]].start, al.a_sents[ia[-1]].end
        b0, b1 = al.b_sents[ib[0]].start, al.b_sents[ib[-1]].end
        for op, s1, e1, s2, e2 in word_diff(al.a_text[a0:a1], al.b_text[b0:b1]):
            if op != "equal":
                if e1 > s1:
                    a_marks.append((a0 + s1, a0 + e1))
                if e2 > s2:
                    b_marks.append((b0 + s2, b0 + e2))
    where = ""
    if kind == "moved":
        where = (f'<span class="where">A #{ia[0] + 1} \u2194 B #{ib[0] + 1} '
                 "(out of order)</span>")
    cls = f"row {kind}" + ("" if kind == "identical" else " x")
    simtxt = "" if sim is None else f"{sim:.2f}"
    return (f'<tr id="r{r + 1}" class="{cls}" tabindex="-1">'
            f'<td><span class="badge {kind}" title="{_e(desc)}">{sym} {label}</span>{where}</td>'
            f'<td class="txt a">{_cell(al.a_text, [al.a_sents[i] for i in ia], ia, "A", a_marks, a_flags)}</td>'  # noqa: E501
            f'<td class="txt b">{_cell(al.b_text, [al.b_sents[j] for j in ib], ib, "B", b_marks, b_flags)}</td>'  # noqa: E501
            f'<td class="sim">{simtxt}</td></tr>\n')


def _cell(text: str, spans: Sequence[Any], idx: tuple[int, ...], side: str,
          marks: list[tuple[int, int]], flags: Sequence[FlagLike]) -> str:
    parts = []
    for i, sp in zip(idx, spans, strict=True):
        parts.append(f'<span class="s" id="{side.lower()}{i + 1}"><span class="n">{side}'
                     f"{i + 1}</span>{_marked(text, sp.start, sp.end, marks, flags)}</span>")
    return "".join(parts)


def _marked(text: str, start: int, end: int, marks: list[tuple[int, int]],
            flags: Sequence[FlagLike]) -> str:
    """Escape ``text[start:end]`` with changed words and damage flags marked up."""
    bounds = {start, end}
    inside = [(max(s, start), min(e, end)) for s, e in marks if s < end and e > start]
    fl = [f for f in flags if f.start < end and f.end > start and f.end > f.start]
    for s, e in inside:
        bounds.update((s, e))
    for f in fl:
        bounds.update((max(f.start, start), min(f.end, end)))
    cuts = sorted(bounds)
    out = []
    for s, e in itertools.pairwise(cuts):
        if e <= s:
            continue
        seg = _e(text[s:e])
        if any(ms <= s and e <= me for ms, me in inside):
            seg = f'<span class="ch">{seg}</span>'
        here = [f for f in fl if f.start <= s and e <= f.end]
        if here:
            tip = "; ".join(f"{f.rule} ({f.severity}): {f.message}" for f in here)
            seg = f'<span class="flag" title="{_e(tip)}">{seg}</span>'
        out.append(seg)
    return "".join(out)
