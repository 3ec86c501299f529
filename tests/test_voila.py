"""The threshold explorer as a Voilà app in a real browser: move a slider, the chart changes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ncut_analysis.paths import NOTEBOOKS_DIR

from .browser import page

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila_url(tmp_path):
    port = _free_port()
    log = open(tmp_path / "voila.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            str(NOTEBOOKS_DIR / "threshold_explorer.ipynb"),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("voila did not start: " + (tmp_path / "voila.log").read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_moving_a_slider_redraws_the_chart(voila_url):
    with page(viewport={"width": 1300, "height": 1400}) as pg:
        pg.goto(voila_url, timeout=120_000)
        pg.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
        pg.wait_for_timeout(1000)
        read = "() => Array.from(document.querySelectorAll('.js-plotly-plot')[0].data[1].y)"
        before = pg.evaluate(read)
        summary = pg.locator(".widget-html-content", has_text="假設門檻").first.inner_text()
        assert "假設門檻 443 人通過" in summary
        # the engagement threshold slider (third of the four) moved down by keyboard: 24 -> 20 h
        handle = pg.locator(".widget-slider .noUi-handle").nth(3)
        handle.focus()
        for _ in range(8):
            handle.press("ArrowLeft")
        pg.wait_for_function(
            f"() => JSON.stringify({read[6:]}) !== JSON.stringify({before})", timeout=30_000
        )
        after = pg.evaluate(read)
        assert after != before and sum(after) > sum(before)
        assert pg.seen["errors"] == []
