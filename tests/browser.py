"""Headless Debian Chromium through Playwright (no browser download); skipped only outside CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
