"""Headless Debian Chromium through Playwright (no browser download); skipped only outside CI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ncut_analysis.printing import CHROMIUM_ARGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = list(CHROMIUM_ARGS)  # the package's own flags (printing.py): headless, offline, no sync


def need_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true but no chromium: .ci/run must install it (apt-get install chromium)"
            )
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@contextmanager
def page(*, offline: bool = True, viewport: dict | None = None) -> Iterator:
    """A page whose console errors, page errors, dialogs and blocked requests are recorded in
    ``page.seen``; with ``offline`` every request that is not file:// or 127.0.0.1 is aborted."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            pg = browser.new_page(viewport=viewport or {"width": 1100, "height": 900})
            seen = {"console": [], "errors": [], "dialogs": [], "blocked": []}
            pg.on(
                "console", lambda m: seen["console"].append(m.text) if m.type == "error" else None
            )
            pg.on("pageerror", lambda e: seen["errors"].append(str(e)))

            def dialog(d):
                seen["dialogs"].append(d.message)
                d.dismiss()

            pg.on("dialog", dialog)
            if offline:

                def route(r):
                    url = r.request.url
                    if url.startswith(
                        ("file://", "data:", "blob:", "http://127.0.0.1", "ws://127.0.0.1")
                    ):
                        r.continue_()
                    else:
                        seen["blocked"].append(url)
                        r.abort()

                pg.route("**/*", route)
            pg.seen = seen
            yield pg
        finally:
            browser.close()


# --------------------------------------------------------------------------- explorer servers


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc, log_path, timeout: float = 180) -> None:
    """Until the server accepts connections (or has died, or ``timeout`` s have passed)."""
    import socket
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"server exited ({proc.returncode}): {log_path.read_text()[-3000:]}")
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)  # a poll interval, not a wait for the page
    pytest.fail(f"server did not listen within {timeout} s: {log_path.read_text()[-3000:]}")


@contextmanager
def serve(argv: list[str], port: int, workdir, env: dict | None = None) -> Iterator:
    """Run a Jupyter server process (Voilà or JupyterLab) in ``workdir`` until the block ends;
    the block gets the ``subprocess.Popen``."""
    import subprocess

    log_path = workdir / f"server-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env={**os.environ, **(env or {})},
        )
        try:
            _wait_for_port(port, proc, log_path)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def kernels(proc) -> list[str]:
    """The ids of the kernels a server process runs, from its child processes (Voilà has no
    kernel list API): each ``ipykernel_launcher -f …/kernel-<id>.json``."""
    import psutil

    ids = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            cmd = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "ipykernel_launcher" in " ".join(cmd):
            conn = next((c for c in cmd if c.endswith(".json")), "")
            ids.append(Path(conn).stem.removeprefix("kernel-"))
    return sorted(ids)


# --------------------------------------------------------------------------- explorer checks

# Every plotly chart of the threshold explorer, as the browser drew it: the selection written
# in its layout.meta, its title and its first trace's x values.
CHARTS_JS = """() => Array.from(document.querySelectorAll(
    '.ncut-threshold-explorer .js-plotly-plot')).map(g => ({
        meta: (g.layout && g.layout.meta) || {},
        title: (g.layout && g.layout.title && g.layout.title.text) || '',
        x: (g.data && g.data[0] && Array.from(g.data[0].x || []).map(String)) || []}))"""

SHOWS_JS = """(want) => {
    const charts = Array.from(document.querySelectorAll(
        '.ncut-threshold-explorer .js-plotly-plot'));
    if (charts.length !== 2) return false;
    return charts.every(g => g.layout && g.layout.meta &&
        Object.entries(want).every(([k, v]) => g.layout.meta[k] === v));
}"""


def dropdown(pg, label: str):
    import re

    return (
        pg.locator(".ncut-threshold-explorer .widget-dropdown")
        .filter(has=pg.locator("label", has_text=re.compile(f"^{label}$")))
        .locator("select")
    )


def wait_until_charts_show(pg, want: dict[str, str], what: str, timeout: float = 90_000) -> None:
    """Wait until both charts carry the selection ``want``; fail naming what they show."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        pg.wait_for_function(SHOWS_JS, arg=want, timeout=timeout)
    except PlaywrightTimeout:
        shown = [(c["meta"], c["title"]) for c in pg.evaluate(CHARTS_JS)]
        pytest.fail(f"after {what}: a chart does not show {want}; the charts show {shown}")


def threshold_explorer_sequence(pg, rounds: int = 10) -> int:
    """In a page showing the threshold explorer: ``rounds`` times, change 學院, 學系, 項目 and
    the 社會接軌 threshold slider, and after each change check that both charts show the
    selection (and the bar chart's groups and the summary agree). Returns the checks made."""
    pg.wait_for_function(
        "() => document.querySelectorAll('.ncut-threshold-explorer .js-plotly-plot').length === 2",
        timeout=180_000,
    )
    checks = 0
    colleges = dropdown(pg, "學院").evaluate("s => Array.from(s.options).map(o => o.textContent)")
    categories = dropdown(pg, "項目").evaluate(
        "s => Array.from(s.options).map(o => [o.textContent, o.value])"
    )
    slider = pg.locator(".ncut-threshold-explorer .widget-slider").filter(has_text="社會接軌門檻")
    from ncut_analysis.rules import load_term_rules

    rules = load_term_rules("114-1")
    codes = {rules.label(c): c for c in rules.result_categories}
    for i in range(rounds):
        college = colleges[1 + i % (len(colleges) - 1)]
        dropdown(pg, "學院").select_option(label=college)
        wait_until_charts_show(pg, {"college": college, "department": ""}, f"學院 {college}")
        checks += 1
        depts = dropdown(pg, "學系").evaluate("s => Array.from(s.options).map(o => o.textContent)")[
            1:
        ]
        charts = pg.evaluate(CHARTS_JS)
        assert set(charts[0]["x"]) == set(depts), (college, charts[0]["x"], depts)
        dept = depts[i % len(depts)]
        dropdown(pg, "學系").select_option(label=dept)
        wait_until_charts_show(pg, {"college": college, "department": dept}, f"學系 {dept}")
        checks += 1
        charts = pg.evaluate(CHARTS_JS)
        assert charts[0]["x"] and all(x.startswith(dept) for x in charts[0]["x"]), charts[0]
        label = categories[(i + 1) % len(categories)][0]
        code = codes[label]  # the page shows labels; the figure's meta carries the code
        dropdown(pg, "項目").select_option(label=label)
        # the selection as data (the figure's meta), not its title's wording
        wait_until_charts_show(
            pg, {"category": code, "college": college, "department": dept}, f"項目 {label}"
        )
        checks += 1
        handle = slider.locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        hours = float(slider.locator(".widget-readout").inner_text())
        want = f"engagement={round(hours * 1000)}"
        pg.wait_for_function(
            "(w) => Array.from(document.querySelectorAll('.ncut-threshold-explorer "
            ".js-plotly-plot')).every(g => g.layout && g.layout.meta && "
            "g.layout.meta.thresholds.split(',').includes(w))",
            arg=want,
            timeout=90_000,
        )
        checks += 1
        summary = (
            pg.locator(".ncut-threshold-explorer .widget-html-content")
            .filter(has_text="假設門檻")
            .first.inner_text()
        )
        assert summary.startswith(f"{label}｜{college} {dept}｜"), summary
    return checks


def pdf_words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every word's box on every page (``pdftotext -bbox-layout``), and each page's size."""
    import html as _html

    if not os.path.exists("/usr/bin/pdftotext"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no pdftotext: .ci/run must install poppler-utils")
        pytest.skip("poppler-utils not installed")
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for sheet in re.findall(r"<page (.*?)</page>", xml, re.S):
        w, h = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', sheet).groups())
        words = [
            (float(a), float(b), float(c), float(d), _html.unescape(t))
            for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                sheet,
            )
        ]
        pages.append((w, h, words))
    return pages


def overlapping_words(words: list) -> list[tuple[str, str]]:
    """Pairs of words whose boxes meet: across, and in the middle third of their height (Noto
    CJK's boxes are about twice the glyphs' height). A lone glyph's box is rough (a full-width
    ）beside ；is set tighter than its box): those were looked at on the page image instead."""
    found = []
    mids = [
        (x0, y0 + (y1 - y0) / 3, x1, y1 - (y1 - y0) / 3, t)
        for x0, y0, x1, y1, t in words
        if len(t) > 1
    ]
    mids.sort()
    for i, (_x0, y0, x1, y1, t) in enumerate(mids):
        for u0, v0, _u1, v1, u in mids[i + 1 :]:
            # full-width punctuation side by side (「）。」) is set up to ½ em tighter: a box
            # is about 2 em high
            if u0 >= x1 - (y1 - y0) * 3 / 4:
                break
            if min(y1, v1) - max(y0, v0) > 0.5:
                found.append((t, u))
    return found


# --------------------------------------------------------------------------- plotly toolbars

# Every chart's toolbar as the browser drew it: each button's tooltip (data-title) and the
# plotly logo link if any.
TOOLBARS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => ({
    buttons: Array.from(g.querySelectorAll('.modebar-btn')).map(b =>
        b.getAttribute('data-title') || ''),
    names: Array.from(g.querySelectorAll('.modebar-btn')).map(b =>
        b.getAttribute('data-val') || b.getAttribute('data-attr') || ''),
    logo: g.querySelectorAll('.modebar-btn--logo, a[href*="plotly"]').length}))"""

# English words a reader could see; acronyms that Chinese text keeps (PNG, JSON) are not words.
_ENGLISH = re.compile(r"[A-Za-z]{2,}")
_KEPT = {"PNG", "JSON", "SVG"}


def english_words(text: str) -> list[str]:
    """The English words in ``text`` (``PNG`` and the like excepted, as in a file name ``….png``)."""
    return [w for w in _ENGLISH.findall(text) if w.upper() not in _KEPT]


def press_every_toolbar_button(pg, root: str = "body") -> list[dict]:
    """Hover every plotly chart under ``root``, press each button of its toolbar (a download is
    saved and dropped), and return per chart its buttons' tooltips and whatever English the
    toolbar or plotly's notifications showed. The caller checks ``pg.seen['blocked']``."""
    # the charts a reader can point at: a chart drawn for paper only is kept off screen
    graphs = pg.locator(f"{root} .js-plotly-plot:not(.ncut-paper-only *)")
    out = []
    names: list[str] = []  # a PNG's name is its chart's title: the chart's words, not the toolbar's
    for i in range(graphs.count()):
        g = graphs.nth(i)
        g.scroll_into_view_if_needed()
        g.locator(".nsewdrag").first.hover()
        bar = g.locator(".modebar")
        bar.wait_for(state="attached")
        titles = [b.get_attribute("data-title") or "" for b in bar.locator(".modebar-btn").all()]
        seen: list[str] = []
        for b in bar.locator(".modebar-btn").all():
            g.locator(".nsewdrag").first.hover()
            if (b.get_attribute("data-title") or "").startswith("下載"):
                with pg.expect_download() as dl:
                    b.click()
                names.append(dl.value.suggested_filename)
                assert names[-1].endswith(".png"), names[-1]
            else:
                b.click()
            seen += pg.locator(".notifier-note, .plotly-cloud-dialog").all_inner_texts()
        for name in names:
            seen = [t.replace(name, "") for t in seen]
        out.append(
            {
                "titles": titles,
                "english": english_words(" ".join(titles + seen)),
                "logo": g.locator(".modebar-btn--logo").count(),
            }
        )
    return out


def printed_on_a4(html: Path, pdf: Path) -> list:
    """``html`` printed by Chromium on A4 (once every chart is drawn) into ``pdf``; its pages'
    words (``pdf_words``), none of them off its page."""
    with page() as pg:
        pg.goto(html.as_uri())
        pg.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')]"
            ".every(e => e.querySelector('.main-svg'))"
        )
        pdf.write_bytes(pg.pdf(format="A4", print_background=True, prefer_css_page_size=True))
    pages = pdf_words(pdf)
    for k, (w, h, words) in enumerate(pages, start=1):
        off = [t for x0, y0, x1, y1, t in words if x0 < 0 or y0 < 0 or x1 > w or y1 > h]
        assert not off, (k, off)
    return pages
