"""The explorers as Voilà apps in a real browser: every chart follows every change, offline;
and the server as ``make voila`` runs it (``voila.json``): a token, idle kernels culled, a cap."""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request

import pytest

from ncut_analysis.explorers import voila_command
from ncut_analysis.explorers.common import VOILA_CONFIG
from ncut_analysis.paths import NOTEBOOKS_DIR

from .browser import (
    english_words,
    free_port,
    kernels,
    page,
    press_every_toolbar_button,
    serve,
    threshold_explorer_sequence,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = "ncut-test-token"


@pytest.fixture
def voila_url(tmp_path):
    """The threshold explorer served by Voilà from a copy of the notebook in ``tmp_path``."""
    nb = shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    argv, env = voila_command(nb, port=port, token=TOKEN)
    with serve(argv, port, tmp_path, env):
        yield f"http://127.0.0.1:{port}/?token={TOKEN}"


def test_every_chart_follows_ten_rounds_of_changes(voila_url):
    with page(viewport={"width": 1300, "height": 1400}) as pg:
        pg.goto(voila_url, timeout=180_000)
        assert threshold_explorer_sequence(pg, rounds=10) == 40
        assert pg.seen["blocked"] == [], pg.seen["blocked"]  # no CDN, no other host
        assert pg.seen["errors"] == [], pg.seen["errors"]
        assert pg.locator("#loading").count() == 0  # the loading screen is gone
        assert pg.title() == "畢業門檻假設分析"  # the tab says what it is, not the file's stem
        # every toolbar button: Chinese, no logo, nothing asked of another host
        bars = press_every_toolbar_button(pg, ".ncut-threshold-explorer")
        assert [b["titles"] for b in bars] == [["下載圖表為 PNG 圖檔", "重置軸"]] * 2
        assert all(b["english"] == [] and b["logo"] == 0 for b in bars), bars
        # 匯出 reaches the browser as two downloads naming the settings
        pg.locator(".ncut-threshold-explorer button", has_text="匯出").click()
        links = pg.locator(".ncut-export a.ncut-download")
        links.first.wait_for(timeout=120_000)
        got = {}
        for i in range(links.count()):
            with pg.expect_download() as dl:
                links.nth(i).click()
            got[dl.value.suggested_filename.rsplit(".", 1)[1]] = dl.value.path().read_bytes()
        assert got["png"][:4] == b"\x89PNG"
        header = got["csv"].decode("utf-8-sig").splitlines()[0]
        assert header.endswith(",美學併入社會接軌") and "假設門檻：社會接軌（小時）" in header
        assert pg.seen["blocked"] == [], pg.seen["blocked"]
    assert not list(NOTEBOOKS_DIR.glob("門檻假設分析*"))  # nothing written by the server


ADMISSION_CHARTS_JS = """(want) => {
    const charts = Array.from(document.querySelectorAll(
        '.ncut-admission-explorer .js-plotly-plot'));
    return charts.length === 2 && charts.every(g => g.layout && g.layout.meta &&
        Object.entries(want).every(([k, v]) => g.layout.meta[k] === v));
}"""


def test_admission_explorer_follows_mode_and_program(tmp_path):
    nb = shutil.copy(NOTEBOOKS_DIR / "admission_explorer.ipynb", tmp_path)
    port = free_port()
    argv, env = voila_command(nb, port=port, token=TOKEN)
    with serve(argv, port, tmp_path, env), page(viewport={"width": 1024, "height": 1200}) as pg:
        pg.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", timeout=180_000)
        pg.wait_for_function(ADMISSION_CHARTS_JS, arg={"mode": "normal"}, timeout=180_000)
        assert pg.title() == "招生排名假設分析"
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
        bars = press_every_toolbar_button(pg, ".ncut-admission-explorer")
        assert [b["titles"] for b in bars] == [["下載圖表為 PNG 圖檔", "重置軸"]] * 2
        assert all(b["english"] == [] and b["logo"] == 0 for b in bars), bars
        assert pg.seen["blocked"] == [] and pg.seen["errors"] == []


# --------------------------------------------------------------------------- the server


def _get(url: str) -> tuple[int, str, str]:
    """(status, Location header, body) of a GET, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=180) as r:
            return r.status, r.headers.get("Location") or "", r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location") or "", e.read().decode("utf-8", "replace")


def test_the_config_file_is_what_make_voila_passes():
    conf = json.loads(VOILA_CONFIG.read_text(encoding="utf-8"))
    assert conf["Voila"]["ip"] == "127.0.0.1" and conf["Voila"]["auto_token"] is True
    culling = conf["MappingKernelManager"]
    assert culling["cull_idle_timeout"] == 180 and culling["cull_interval"] == 30
    assert culling["cull_connected"] is False  # an open tab keeps its kernel
    assert conf["CappedKernelManager"]["max_kernels"] == 8
    assert conf["VoilaConfiguration"]["template"] == "ncut_explorer"
    make = (VOILA_CONFIG.parent / "Makefile").read_text(encoding="utf-8")
    assert "--Voila.config_file_paths=$(CURDIR)" in make.split("\nvoila:")[1].split("\n\n")[0]


def test_without_the_token_nothing_is_served_and_the_token_is_printed_once(tmp_path):
    nb = shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    argv, env = voila_command(nb, port=port)  # voila.json's own: a generated token
    with serve(argv, port, tmp_path, env) as proc:
        base = f"http://127.0.0.1:{port}/"
        log = (tmp_path / f"server-{port}.log").read_text()
        deadline = time.monotonic() + 60
        while "?token=" not in log and time.monotonic() < deadline:
            time.sleep(0.2)  # a poll interval for the start-up line
            log = (tmp_path / f"server-{port}.log").read_text()
        printed = re.findall(rf"http://127\.0\.0\.1:{port}/\?token=([0-9a-f]{{32,}})", log)
        assert len(printed) == 1, log[-2000:]
        token = printed[0]
        no_kernel = "api/kernels/00000000-0000-0000-0000-000000000000"
        for path in ("", no_kernel, "voila/render/threshold_explorer.ipynb", "?token=wrong"):
            status, _, body = _get(base + path)
            assert status == 403, (path, status)  # no redirect: forbidden, said in Chinese
            assert path == no_kernel or "請使用提供者給您的完整網址" in body
        assert kernels(proc) == []  # nobody got a kernel
        status, _, login = _get(base + "login?next=%2F")  # the form, for one who has the token
        assert status == 200 and "需要存取權杖" in login and 'name="password"' in login
        text = re.sub(r"<[^>]+>|\{[^}]*\}", " ", login.split("<body>")[1])
        assert set(english_words(text)) == {"token"}, english_words(text)  # as in the URL
        status, _, body = _get(f"{base}?token={token}")
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in body
        assert len(kernels(proc)) == 1


def test_closed_tabs_kernels_are_culled_and_an_open_tab_keeps_its_own(tmp_path):
    """Ten tabs opened (each until its charts are drawn) and closed while one stays open:
    within the culling time (here 6 s idle, checked every 2 s) only the open tab's kernel is
    left, and that tab still answers."""
    nb = shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    idle, every = 6, 2
    argv, env = voila_command(
        nb,
        port=port,
        token=TOKEN,
        extra=[
            f"--MappingKernelManager.cull_idle_timeout={idle}",
            f"--MappingKernelManager.cull_interval={every}",
            "--CappedKernelManager.max_kernels=12",
        ],
    )
    base = f"http://127.0.0.1:{port}/"
    charts = (
        "() => document.querySelectorAll('.ncut-threshold-explorer .js-plotly-plot').length === 2"
    )
    with (
        serve(argv, port, tmp_path, env) as proc,
        page(viewport={"width": 1300, "height": 1400}) as keep,
    ):
        keep.goto(f"{base}?token={TOKEN}", timeout=180_000)
        keep.wait_for_function(charts, timeout=180_000)
        (mine,) = kernels(proc)
        browser = keep.context.browser
        for _ in range(10):
            tab = browser.new_page()
            tab.goto(f"{base}?token={TOKEN}", timeout=180_000)
            tab.wait_for_function(charts, timeout=180_000)
            tab.close()
        assert len(kernels(proc)) >= 2  # the closed tabs' kernels are not gone at once
        deadline = time.monotonic() + idle + 2 * every + 60  # the culling time, and a margin
        left = kernels(proc)
        while len(left) > 1 and time.monotonic() < deadline:
            time.sleep(every / 2)  # a poll interval
            left = kernels(proc)
        assert left == [mine], (left, mine)
        # the open tab is alive after the culling time: a change still redraws its charts
        time.sleep(idle + every)
        keep.locator(".ncut-threshold-explorer .widget-dropdown select").first.select_option(
            index=1
        )
        keep.wait_for_function(
            "() => Array.from(document.querySelectorAll('.ncut-threshold-explorer "
            ".js-plotly-plot')).every(g => g.layout.meta.college !== '')",
            timeout=90_000,
        )
        assert kernels(proc) == [mine]


def test_a_full_server_says_so_in_chinese(tmp_path):
    nb = shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    argv, env = voila_command(
        nb, port=port, token=TOKEN, extra=["--CappedKernelManager.max_kernels=1"]
    )
    with serve(argv, port, tmp_path, env) as proc:
        base = f"http://127.0.0.1:{port}/"
        first, _, _ = _get(f"{base}?token={TOKEN}")
        assert first == 200 and len(kernels(proc)) == 1
        status, _, body = _get(f"{base}?token={TOKEN}")
        assert status == 503, (status, body[:500])
        assert "使用人數已滿" in body and "同時最多 1 個分頁" in body
        assert len(kernels(proc)) == 1


def test_a_plain_voila_finds_the_offline_template_through_the_config_alone(tmp_path):
    """No JUPYTER_PATH, no --template: voila.json selects the offline template and the package
    installed it where Voilà looks (as a plain `voila nb` from the repository root does)."""
    import sys

    nb = shutil.copy(NOTEBOOKS_DIR / "threshold_explorer.ipynb", tmp_path)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "voila",
        str(nb),
        f"--Voila.config_file_paths={VOILA_CONFIG.parent}",
        f"--port={port}",
        f"--Voila.token={TOKEN}",
    ]
    with serve(argv, port, tmp_path, {"JUPYTER_PATH": ""}):
        status, _, body = _get(f"http://127.0.0.1:{port}/?token={TOKEN}")
    assert status == 200 and "正在準備畫面" in body  # the ncut_explorer template's loading text
    assert "cdn.jsdelivr.net" not in body and "font-awesome" not in body.lower()
