"""The threshold explorer in JupyterLab (Run All from the Run menu): every chart follows every
change, its toolbar is Chinese, and the page fetches nothing from outside."""

from __future__ import annotations

import shutil
import sys

import pytest

from ncut_analysis.paths import NOTEBOOKS_DIR

from .browser import (
    free_port,
    page,
    press_every_toolbar_button,
    serve,
    threshold_explorer_sequence,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def lab_url(tmp_path):
    """JupyterLab on a copy of the notebook (Lab autosaves what it runs: never the repo's)."""
    shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.token=",
        "--ServerApp.password=",
        f"--notebook-dir={tmp_path}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with serve(argv, port, tmp_path):
        yield f"http://127.0.0.1:{port}/lab/tree/threshold_explorer.ipynb"


def test_every_chart_follows_ten_rounds_of_changes_in_lab(lab_url):
    with page(viewport={"width": 1400, "height": 1400}) as pg:
        pg.goto(lab_url, timeout=180_000)
        # Run All from the Run menu, once the kernel is idle
        pg.wait_for_selector(".jp-Notebook .jp-Cell", timeout=180_000)
        pg.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
        pg.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for(timeout=180_000)
        pg.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        pg.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        assert threshold_explorer_sequence(pg, rounds=10) == 40
        # each chart's toolbar: 下載 PNG and 重置 in Chinese, no logo, nothing asked outside
        bars = press_every_toolbar_button(pg, ".ncut-threshold-explorer")
        assert [b["titles"] for b in bars] == [["下載圖表為 PNG 圖檔", "重置軸"]] * 2
        assert all(b["english"] == [] and b["logo"] == 0 for b in bars), bars
        assert pg.seen["blocked"] == [], pg.seen["blocked"]
        assert pg.seen["errors"] == [], pg.seen["errors"]
