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
