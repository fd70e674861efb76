"""Side-by-side HTML: escaping, CSP, no external URLs, cues, damage flags; real headless
Chromium for rendering, inert payloads and zero page-initiated network requests."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dedupe_news.align import align_texts
from dedupe_news.render.html import _SCRIPT, _STYLE, CSP, KIND_CUES, render_alignment

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
A_SEED = SEEDS / "004_e07beac21c845ad2.txt"
B_SEED = SEEDS / "002_4ebceb48bccda2a4.txt"

PAYLOAD_A = ('The council met on Monday <script>document.title="PWNED1"</script> to vote.\n'
             'Critics said </script><script>document.title="PWNED2"</script> it was rushed.\n'
             'A photo <img src=x onerror="document.title=\'PWNED3\'"> was shown to members.\n'
             'A link <a href="https://example.com/x">here</a> and "quotes" & ampersands.\n')
PAYLOAD_B = ('The council met on Monday evening <script>document.title="PWNED1"</script> to vote.\n'
             'Critics said </script><script>document.title="PWNED2"</script> it was too rushed.\n'
             'A photo <img src=x onerror="document.title=\'PWNED3\'"> was shown to all members.\n'
             'New: <iframe src="http://example.org/"></iframe> an added line.\n')


def page(a: str = PAYLOAD_A, b: str = PAYLOAD_B, **kw: object) -> str:
    return render_alignment(align_texts(a, b), "a<x>.txt", "b\".txt", **kw)  # type: ignore[arg-type]


def sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_article_text_is_escaped() -> None:
    html = page()
    assert html.count("<script>") == 1  # only our own
    assert "<img" not in html and "<iframe" not in html and "<a " not in html
    assert "&lt;script&gt;document.title=&quot;PWNED1&quot;&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;document.title=&#x27;PWNED3&#x27;&quot;&gt;" in html
    assert "a&lt;x&gt;.txt" in html and "b&quot;.txt" in html


def test_csp_allows_only_our_hashed_script_and_style() -> None:
    html = page()
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert "default-src 'none'" in CSP
    assert f"'{sha(_SCRIPT)}'" in CSP and f"'{sha(_STYLE)}'" in CSP
    assert f"<script>{_SCRIPT}</script>" in html and f"<style>{_STYLE}</style>" in html
    assert "unsafe-inline" not in CSP


def test_no_external_urls() -> None:
    html = page(A_SEED.read_text(encoding="utf-8"), B_SEED.read_text(encoding="utf-8"))
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(|@import", html, re.I)
    # no URL at all outside escaped article text
    for m in re.finditer(r"https?://", html):
        assert html[max(0, m.start() - 40):m.start()].count("<") == 0 or "&lt;" in html[
            max(0, m.start() - 40):m.start()]


def test_kind_cues_are_not_colour_only() -> None:
    al = align_texts(A_SEED.read_text(encoding="utf-8"), B_SEED.read_text(encoding="utf-8"))
    html = render_alignment(al, "a", "b")
    symbols = {sym for sym, _label, _d in KIND_CUES.values()}
    assert len(symbols) == len(KIND_CUES)
    for kind, (sym, label, _d) in KIND_CUES.items():
        if al.counts()[kind]:
            assert f'<span class="badge {kind}" title=' in html
            assert f"{sym} {label}</span>" in html
    # summary header: coverage of each side, verdict, counts per kind
    assert "94% aligned" in html and "verdict: copy (rule: continues)" in html
    assert f"merged: {al.counts()['merged']}" in html
    # changed words are marked (bold + background), similarity shown per row
    assert '<span class="ch">' in html and '<td class="sim">0.' in html
    assert "@media print" in html


def test_rows_follow_alignment_groups() -> None:
    al = align_texts(A_SEED.read_text(encoding="utf-8"), B_SEED.read_text(encoding="utf-8"))
    html = render_alignment(al, "a", "b")
    assert html.count('<tr id="r') == len(al.rows())
    # every sentence of both sides appears exactly once
    for side, sents in (("a", al.a_sents), ("b", al.b_sents)):
        for i in range(len(sents)):
            assert html.count(f'id="{side}{i + 1}"') == 1


def test_damage_flags_underlined_with_message() -> None:
    from dedupe_news.damage import check_text

    a = A_SEED.read_text(encoding="utf-8")
    b = B_SEED.read_text(encoding="utf-8")
    ra, rb = check_text(a), check_text(b)
    assert ra.flags, "seed 004 has known MT damage"
    html = render_alignment(align_texts(a, b), "a", "b", a_flags=ra.flags, b_flags=rb.flags,
                            a_score=ra.score, b_score=rb.score)
    flag = ra.flags[0]
    assert f'class="flag" title="{flag.rule} (' in html
    assert f"damage score {ra.score:.2f}" in html


def test_cli_html_uses_damage_module(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedupe_news.cli import main

    out = tmp_path / "p.html"
    r = CliRunner().invoke(main, ["align", str(A_SEED), str(B_SEED), "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert 'class="flag" title="MT' in html and "damage score" in html
    r = CliRunner().invoke(main, ["align", str(A_SEED), str(B_SEED), "-o", "-", "--no-damage"])
    assert 'class="flag" title="MT' not in r.stdout


# --- real browser -------------------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe and Path("/usr/bin/chromium").exists():
        exe = "/usr/bin/chromium"
    if not exe:
        pytest.fail("chromium not found: run scripts/bootstrap --test (installs Debian chromium)")
    return exe


def run_chromium(tmp: Path, url: str, *extra: str) -> tuple[str, list[dict[str, str]]]:
    """DOM after load, and the URL requests the *page* started (browser-internal requests,
    such as Chromium's own update or time checks, carry the initiator "not an origin")."""
    profile = tmp / f"profile{len(list(tmp.glob('profile*')))}"
    netlog = profile.with_suffix(".netlog.json")
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}",
         "--virtual-time-budget=3000", *extra, url],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    page_requests = []
    for ev in log["events"]:
        params = ev.get("params") or {}
        if names.get(ev["type"]) == "URL_REQUEST_START_JOB" and "url" in params and \
                params.get("initiator") != "not an origin":
            page_requests.append({"url": params.get("url", ""),
                                  "initiator": params.get("initiator", "")})
    return proc.stdout, page_requests


@pytest.mark.browser
def test_browser_renders_inert_and_offline(tmp_path: Path) -> None:
    target = tmp_path / "payload.html"
    target.write_text(page(), encoding="utf-8")
    dom, requests = run_chromium(tmp_path, target.as_uri(), "--dump-dom")
    assert "<table>" in dom and 'class="row' in dom
    assert 'data-keys="on"' in dom  # our hashed script ran under the CSP
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)  # type: ignore[union-attr]
    assert "<img" not in dom and "<iframe" not in dom and dom.count("<script>") == 1
    assert "&lt;img src=x onerror=" in dom
    assert requests == []


@pytest.mark.browser
def test_request_detector_can_fail(tmp_path: Path) -> None:
    """Control: a page that does load something is caught by the same net-log check."""
    target = tmp_path / "leaky.html"
    target.write_text('<!DOCTYPE html><title>x</title><img src="http://127.0.0.1:9/leak.png">',
                      encoding="utf-8")
    _dom, requests = run_chromium(tmp_path, target.as_uri(), "--dump-dom")
    assert any("127.0.0.1:9/leak.png" in r["url"] for r in requests)


@pytest.mark.browser
def test_browser_screenshot_of_seeds(tmp_path: Path) -> None:
    al = align_texts(A_SEED.read_text(encoding="utf-8"), B_SEED.read_text(encoding="utf-8"))
    target = tmp_path / "seeds.html"
    target.write_text(render_alignment(al, A_SEED.name, B_SEED.name), encoding="utf-8")
    shot = tmp_path / "shot.png"
    _dom, requests = run_chromium(tmp_path, target.as_uri(), f"--screenshot={shot}",
                                  "--window-size=1400,1000")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    assert requests == []


def test_moved_rows_show_every_sentence_once() -> None:
    paras = [["The storm hit the coast early on Tuesday morning.",
              "Thousands of homes lost power across the region."],
             ["Emergency crews worked through the night to clear fallen trees.",
              "Officials warned drivers to stay off flooded roads."],
             ["The airport cancelled all flights until further notice.",
              "Passengers were offered hotel rooms by the airlines."]]
    a = "\n".join(s for p in paras for s in p)
    b = "\n".join(s for p in (paras[0], paras[2], paras[1]) for s in p)
    al = align_texts(a, b)
    assert al.counts()["moved"]
    html = render_alignment(al, "a", "b")
    assert "(out of order)" in html and "\u2195 moved" in html
    for side, sents in (("a", al.a_sents), ("b", al.b_sents)):
        for i in range(len(sents)):
            assert html.count(f'id="{side}{i + 1}"') == 1
