"""The corpus report in real headless Chromium (Debian ``chromium``, started by the test as
``test_html`` does): every page type renders with no console message (a CSP violation or a
script error shows there) and no page-initiated request, hostile ids and article text stay
inert, our hashed script runs under the CSP, and a screenshot of the seeds report's
``index.html`` is saved as ``reports/report-seeds.png`` (shown in the README)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_html import CHROMIUM_FLAGS, chromium
from test_report import hostile_report, seeds_report  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "reports" / "report-seeds.png"
STAMP = ROOT / "reports" / "report-seeds.png.sha256"  # hash of the index.html it shows


def load(tmp: Path, page: Path, *extra: str) -> tuple[str, list[str], list[str]]:
    """DOM after load, the console lines, and the URLs the page requested."""
    profile = tmp / f"profile{len(list(tmp.glob('profile*')))}"
    netlog = profile.with_suffix(".netlog.json")
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", *extra,
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    requests = []
    for ev in log["events"]:
        params = ev.get("params") or {}
        if names.get(ev["type"]) == "URL_REQUEST_START_JOB" and "url" in params and \
                params.get("initiator") != "not an origin":
            requests.append(params["url"])
    return proc.stdout, console, requests


def pages_to_check(folder: Path) -> list[Path]:
    picks = [folder / "index.html", folder / "clusters-0001.html",
             folder / "damage-0001.html", folder / "links-0001.html"]
    picks += sorted((folder / "pairs").iterdir())[:2] + sorted((folder / "articles").iterdir())[:2]
    return picks


@pytest.mark.browser
def test_hostile_report_is_inert_offline_and_quiet(tmp_path: Path,
                                                   hostile_report: Path) -> None:  # noqa: F811
    for page in pages_to_check(hostile_report):
        dom, console, requests = load(tmp_path, page, "--dump-dom")
        assert console == [], (page.name, console[:3])
        assert requests == [], (page.name, requests)
        title = re.search(r"<title>(.*?)</title>", dom, re.S)
        assert title is not None and "PWNED" not in title.group(1), page.name
        assert "<img" not in dom and "<iframe" not in dom and dom.count("<script>") == 1
        assert "<svg onload" not in dom
        assert 'data-js="on"' in dom or 'data-keys="on"' in dom, page.name  # script ran


@pytest.mark.browser
def test_console_detector_can_fail(tmp_path: Path) -> None:
    """Control: a page whose inline script the CSP blocks is caught by the same check."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                    "content=\"default-src 'none'\"><title>x</title>"
                    "<script>console.log(1)</script>", encoding="utf-8")
    _dom, console, _requests = load(tmp_path, page, "--dump-dom")
    assert console


@pytest.mark.browser
def test_seeds_report_screenshot(tmp_path: Path, seeds_report: Path) -> None:  # noqa: F811
    for page in pages_to_check(seeds_report):
        _dom, console, requests = load(tmp_path, page, "--dump-dom")
        assert console == [] and requests == [], (page.name, console[:3], requests)
    shot = tmp_path / "index.png"
    _dom, console, requests = load(tmp_path, seeds_report / "index.html",
                                   f"--screenshot={shot}", "--window-size=1280,2400",
                                   "--hide-scrollbars")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000
    assert console == [] and requests == []
    # saved when the committed index.html changed since the last screenshot (a stamp holds
    # its hash), so test runs do not rewrite an equivalent picture every time
    index_hash = hashlib.sha256((ROOT / "reports" / "seeds" / "index.html").read_bytes())
    if not SCREENSHOT.exists() or not STAMP.exists() or \
            STAMP.read_text(encoding="utf-8").strip() != index_hash.hexdigest():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
        STAMP.write_text(index_hash.hexdigest() + "\n", encoding="utf-8")


@pytest.mark.browser
def test_seeds_report_reads_without_script_and_prints(tmp_path: Path,
                                                      seeds_report: Path) -> None:  # noqa: F811
    page = (seeds_report / "index.html").read_text(encoding="utf-8")
    nojs = tmp_path / "nojs.html"  # the page as a browser without JavaScript has it
    nojs.write_text(re.sub(r"<script>.*?</script>", "", page, flags=re.S), encoding="utf-8")
    dom, console, requests = load(tmp_path, nojs, "--dump-dom")
    assert 'data-js="on"' not in dom  # the script did not run ...
    assert dom.count('<tr class="first">') == 1 and "side by side" in dom  # ... all is there
    assert "<svg" in dom and console == [] and requests == []
    pdf = tmp_path / "index.pdf"
    _dom, console, requests = load(tmp_path, seeds_report / "index.html",
                                   f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    assert console == [] and requests == []
