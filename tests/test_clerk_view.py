"""The demo's workbook and report as a bureau clerk sees them: every word shown is Chinese, and
the report fits the page in a real browser (headless Chromium) at a desktop and a phone width.

The browser test needs Debian's ``chromium``. Without it the test is skipped, except in CI
(``CI`` set), where ``.ci/run`` installs it and a missing browser is a failure.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from proposal_nlp.batch import demo_files, process_file
from proposal_nlp.report import render_report
from proposal_nlp.results import write_result

ENGLISH = re.compile(r"[A-Za-z]{2,}")
# English words that may be shown, besides the user's own (words of the input table's cells and
# headers, its file name): the program's name, so a clerk can say which program made a file.
ALLOWED = {"proposal_nlp"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9]+)?")  # words, file names with their suffix


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The shipped demo run with its policy (``make demo``) and without one, written as a workbook
    and a report each, and the English words its input holds (the user's own)."""
    base = tmp_path_factory.mktemp("demo")
    proposals, framework = demo_files()
    table = pd.read_csv(proposals, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    words = set(WORD.findall(" ".join([proposals.name, *table.columns, *table.to_numpy().ravel()])))
    out = {"user_words": words}
    for name, policy in (("checked", framework), ("unchecked", None)):
        result = process_file(proposals, policy=policy)
        out[name] = (write_result(result, base / f"{name}.xlsx"), render_report(result, base / f"{name}.html"))
    return out


def _shown_words(texts, user_words) -> set[str]:
    found = set()
    for t in texts:
        for w in WORD.findall(t):
            if ENGLISH.search(w) and w not in ALLOWED and w not in user_words:
                found.add(w)
    return found


def _visible_cells(path: Path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        hidden = {j for j in range(1, ws.max_column + 1) if ws.column_dimensions[get_column_letter(j)].hidden}
        yield ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.column not in hidden and isinstance(cell.value, str):
                    yield cell.value


def _report_text(path: Path) -> str:
    h = path.read_text(encoding="utf-8")
    h = re.sub(r"<style>.*?</style>", "", h, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", h))


@pytest.mark.parametrize("which", ["checked", "unchecked"])
def test_no_english_word_is_shown_in_the_workbook_or_the_report(demo, which):
    book, report = demo[which]
    assert _shown_words(_visible_cells(book), demo["user_words"]) == set()
    assert _shown_words([_report_text(report)], demo["user_words"]) == set()
    # the check sees English where there is some: what the sheets showed before, the hidden columns
    assert _shown_words(["e_bikes|fire_safety", "proposals.csv", "D2024-0107", "ok"], demo["user_words"]) == {
        "e_bikes", "fire_safety", "ok"}
    hidden = openpyxl.load_workbook(book)["具体建议"]
    assert "coverage" in [c.value for c in hidden[1]]


# ---------------------------------------------------------------------------- in a real browser
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
WIDTHS = (1400, 500)
# written into a copy of the report: the page's and each chart's geometry, as JSON in the DOM
PROBE = """<script>
(function () {
  var doc = document.documentElement, out = {inner: innerWidth, client: doc.clientWidth,
    scroll: doc.scrollWidth, svgs: []};
  document.querySelectorAll("svg").forEach(function (svg) {
    var r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal, box = svg.parentElement, outside = [];
    svg.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5)
        outside.push(t.textContent);
    });
    out.svgs.push({left: r.left, right: r.right, width: r.width, height: r.height, room: box.clientWidth,
      vbw: vb.width, vbh: vb.height, outside: outside});
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _chromium(url: str, width: int, profile: Path, *extra: str) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", f"--window-size={width},2000", "--hide-scrollbars",
           "--virtual-time-budget=3000", *extra, url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _geometry(page: Path, width: int, tmp_path: Path) -> dict:
    probed = tmp_path / f"probe_{page.name}"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(probed.as_uri(), width, tmp_path / "profile", "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def _problems(g: dict) -> list[str]:
    """What does not fit: the page wider than the window, a chart outside the page, clipped
    chart text, a chart not as wide as its box (a fixed size that does not scale)."""
    out = []
    if g["scroll"] > g["client"]:
        out.append(f"page {g['scroll']}px wide in a {g['client']}px window")
    for k, s in enumerate(g["svgs"]):
        if s["left"] < 0 or s["right"] > g["client"] + 0.5:
            out.append(f"chart {k} at {s['left']:.0f}-{s['right']:.0f}px, window {g['client']}px")
        if s["outside"]:
            out.append(f"chart {k} clips {s['outside']}")
        if not (s["width"] > 0 and s["height"] > 0) or s["width"] < 0.9 * (s["room"] - 20):
            out.append(f"chart {k} is {s['width']:.0f}px in a {s['room']}px box")
    return out


needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium); CI installs it (.ci/run) and runs this test")


def _browser():
    if CHROMIUM is None:
        pytest.fail("CI is set but chromium is missing: .ci/run installs it (apt-get install -y chromium)")


@needs_browser
@pytest.mark.parametrize("which", ["checked", "unchecked"])
def test_the_report_fits_the_page_at_desktop_and_phone_widths(demo, which, tmp_path):
    _browser()
    report = demo[which][1]
    for width in WIDTHS:
        g = _geometry(report, width, tmp_path)
        assert len(g["svgs"]) == 4, g
        assert _problems(g) == [], (width, g)
        if width == 1400:  # two charts side by side: the page's width is used
            assert g["svgs"][1]["left"] > g["svgs"][0]["right"]
    shot = tmp_path / "report.png"
    _chromium(report.as_uri(), WIDTHS[1], tmp_path / "profile", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_browser
def test_the_probe_sees_a_chart_that_does_not_fit(tmp_path):
    """The check itself: a chart of fixed width (as reports had) is caught at the phone width."""
    _browser()
    page = tmp_path / "fixed.html"
    page.write_text('<!DOCTYPE html><html><body><svg xmlns="http://www.w3.org/2000/svg" width="560" height="60">'
                    '<text x="500" y="30">很长的标签很长的标签</text></svg></body></html>', encoding="utf-8")
    problems = _problems(_geometry(page, 500, tmp_path))
    assert any("window" in p for p in problems) and any("clips" in p for p in problems)
