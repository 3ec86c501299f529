"""HTML to A4 PDF through the system's headless Chromium (never a downloaded browser).

One browser (Playwright, a runtime dependency: one printing path) prints every PDF of a run,
``width`` pages at once, each worker in its own browser context (its own renderer process).
Most of a notice's time is the CJK font's subset embedded in each PDF (about 0.3 s of 0.5 s
here), which is CPU work: on this 2-core machine, shared, two workers measured no faster than
one (47 notice PDFs, in turns: 21.4 / 22.4 / 23.0 / 26.0 s with one, 27.2 / 24.2 / 22.5 / 20.4 s
with two), so the default is one worker per two cores."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
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


def print_pdfs(
    jobs: Sequence[tuple[Path, Path]], *, timeout: float = 120.0, width: int | None = None
) -> None:
    """Print each local HTML file to its PDF path (A4, the page's own ``@page`` margins, a foot
    with the title and the page number), ``width`` pages at a time (default: one per two cores)
    in one browser."""
    if not jobs:
        return
    browser = find_chromium()
    width = max(1, min(len(jobs), width or (os.cpu_count() or 1) // 2))
    coro = _print_all(browser, [(Path(h), Path(p)) for h, p in jobs], timeout, width)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        asyncio.run(coro)
        return
    # Inside a running loop (a notebook's kernel): the printing gets a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _print_all(
    browser: str, jobs: list[tuple[Path, Path]], timeout: float, width: int
) -> None:
    from playwright.async_api import async_playwright

    queue = list(reversed(jobs))
    async with async_playwright() as p:
        try:
            b = await p.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS))
        except Exception as exc:  # Playwright raises its own Error types
            raise PrintError(f"{browser} did not start: {str(exc).splitlines()[0]}") from None

        async def worker() -> None:
            ctx = await b.new_context()
            page = await ctx.new_page()
            while queue:
                html, pdf = queue.pop()
                try:
                    await page.goto(html.resolve().as_uri(), wait_until="load",
                                    timeout=timeout * 1000)  # fmt: skip
                    await page.pdf(
                        path=str(pdf),
                        format="A4",
                        margin=_MARGIN,  # the page's @page margins; given here, the foot shows
                        print_background=True,
                        display_header_footer=True,
                        header_template="<div></div>",
                        footer_template=_FOOTER,
                    )
                except Exception as exc:  # Playwright's errors: one line naming the file
                    queue.clear()
                    msg = str(exc).splitlines()[0]
                    raise PrintError(f"{browser} could not print {html.name}: {msg}") from None
            await ctx.close()

        try:
            await asyncio.gather(*(worker() for _ in range(width)))
        finally:
            await b.close()
