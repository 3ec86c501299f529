"""HTML to A4 PDF through the system's headless Chromium (never a downloaded browser).

With Playwright installed (the ``dev`` extra) one browser prints every page (about 1 s a page
here); without it each page is one ``chromium --headless --print-to-pdf`` (about 3 s), which
takes the paper size from the page's own ``@page { size: A4 }`` (the notice templates set it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .errors import PrintError

__all__ = ["PrintError", "CHROMIUM_ARGS", "find_chromium", "print_pdfs"]

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Each page's foot: the document's <title> and 第 n / N 頁, so loose sheets find their place.
_FOOTER = (
    '<div style="width:100%; padding: 0 13mm; font-size:7.5pt; color:#555; '
    "font-family:'Noto Sans CJK TC', sans-serif; display:flex; justify-content:space-between\">"
    '<span class="title"></span><span>第 <span class="pageNumber"></span> / '
    '<span class="totalPages"></span> 頁</span></div>'
)
_MARGIN = {"top": "14mm", "bottom": "16mm", "left": "13mm", "right": "13mm"}
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_HINT = "apt-get install -y chromium fonts-noto-cjk, or set BROWSER_PATH to a Chrome/Chromium"


def find_chromium() -> str:
    """``BROWSER_PATH`` if set (it must be an executable), else Chromium/Chrome on the PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise PrintError(f"BROWSER_PATH={env} is not an executable file; {_HINT}")
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PrintError(f"no Chromium to print the PDFs with: {_HINT}")


def print_pdfs(jobs: Sequence[tuple[Path, Path]], *, timeout: float = 120.0) -> None:
    """Print each local HTML file to its PDF path (A4, the page's own ``@page`` margins)."""
    if not jobs:
        return
    browser = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        for html, pdf in jobs:
            _print_cli(browser, Path(html), Path(pdf), timeout)
        return
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS))
        except Exception as exc:  # Playwright raises its own Error types
            raise PrintError(f"{browser} did not start: {str(exc).splitlines()[0]}") from None
        try:
            page = b.new_page()
            for html, pdf in jobs:
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                page.pdf(
                    path=str(pdf),
                    format="A4",
                    margin=_MARGIN,  # the page's @page margins; given here, the foot shows
                    print_background=True,
                    display_header_footer=True,
                    header_template="<div></div>",
                    footer_template=_FOOTER,
                )
        finally:
            b.close()


def _print_cli(browser: str, html: Path, pdf: Path, timeout: float) -> None:
    cmd = [
        browser,
        *CHROMIUM_ARGS,
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf.resolve()}",
        html.resolve().as_uri(),
    ]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PrintError(f"{browser} did not print {html.name} within {timeout:.0f} s") from None
    if res.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        last = (res.stderr.strip().splitlines() or ["no message"])[-1]
        raise PrintError(f"{browser} could not print {html.name}: {last}")
