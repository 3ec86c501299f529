"""The explorers as Voilà apps in a real browser: every chart follows every change, offline."""

from __future__ import annotations

import shutil

import pytest

from ncut_analysis.explorers import voila_command
from ncut_analysis.paths import NOTEBOOKS_DIR

from .browser import free_port, page, serve, threshold_explorer_sequence

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def voila_url(tmp_path):
    """The threshold explorer served by Voilà from a copy of the notebook in ``tmp_path``."""
    nb = shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    argv, env = voila_command(nb, port=port)
    with serve(argv, port, tmp_path, env):
        yield f"http://127.0.0.1:{port}/"


def test_every_chart_follows_ten_rounds_of_changes(voila_url):
    with page(viewport={"width": 1300, "height": 1400}) as pg:
        pg.goto(voila_url, timeout=180_000)
        assert threshold_explorer_sequence(pg, rounds=10) == 40
        assert pg.seen["blocked"] == [], pg.seen["blocked"]  # no CDN, no other host
        assert pg.seen["errors"] == [], pg.seen["errors"]
        assert pg.locator("#loading").count() == 0  # the loading screen is gone


ADMISSION_CHARTS_JS = """(want) => {
    const charts = Array.from(document.querySelectorAll(
        '.ncut-admission-explorer .js-plotly-plot'));
    return charts.length === 2 && charts.every(g => g.layout && g.layout.meta &&
        Object.entries(want).every(([k, v]) => g.layout.meta[k] === v));
}"""


def test_admission_explorer_follows_mode_and_program(tmp_path):
    nb = shutil.copy(NOTEBOOKS_DIR / "admission_explorer.ipynb", tmp_path)
    port = free_port()
    argv, env = voila_command(nb, port=port)
    with serve(argv, port, tmp_path, env), page(viewport={"width": 1024, "height": 1200}) as pg:
        pg.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
        pg.wait_for_function(ADMISSION_CHARTS_JS, arg={"mode": "normal"}, timeout=180_000)
        programs = pg.locator(".ncut-admission-explorer .widget-dropdown select").evaluate(
            "s => Array.from(s.options).map(o => [o.textContent, o.value])"
        )
        for name, _ in programs[::-1]:
            pg.locator(".ncut-admission-explorer .widget-dropdown select").select_option(label=name)
            for label, mode in (
                ("特殊狀態（書審 100%）", "special"),
                ("一般（筆試＋面試＋書審）", "normal"),
            ):
                pg.locator(".ncut-admission-explorer .widget-toggle-button", has_text=label).click()
                pg.wait_for_function(ADMISSION_CHARTS_JS, arg={"mode": mode}, timeout=90_000)
                titles = pg.evaluate(
                    "() => Array.from(document.querySelectorAll('.ncut-admission-explorer "
                    ".js-plotly-plot')).map(g => g.layout.title.text)"
                )
                assert all(t.startswith(name) for t in titles), (name, titles)
        # the mode buttons are whole: each button's text fits inside it
        clipped = pg.evaluate(
            "() => Array.from(document.querySelectorAll('.ncut-admission-explorer "
            ".widget-toggle-button')).filter(b => b.scrollWidth > b.clientWidth + 1).length"
        )
        assert clipped == 0
        assert pg.seen["blocked"] == [] and pg.seen["errors"] == []
