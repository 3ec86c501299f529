from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from ncut_analysis import charts
from ncut_analysis.slides import (
    SlideChart,
    export_admission_slides,
    export_images,
    export_term_slides,
)

from .browser import need_chromium
from .conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    need_chromium()
    out = tmp_path_factory.mktemp("slides")
    files = export_term_slides(out, term="114-1")
    return out, files


def test_every_chart_is_a_1920x1080_png_and_an_svg(slides):
    out, files = slides
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 9 and len(sorted(out.glob("*.svg"))) == 9
    for p in pngs:
        im = Image.open(p).convert("RGB")
        assert im.size == (1920, 1080), p.name
        a = np.asarray(im)
        inked = (a < 200).any(axis=2).mean()  # share of pixels that are not (near) white
        assert inked > 0.01 and len(np.unique(a.reshape(-1, 3), axis=0)) > 50, (
            f"{p.name} looks blank"
        )
    assert "<svg" in (out / "rate_heatmap.svg").read_text(encoding="utf-8")[:500]


def test_the_deck(slides):
    out, _ = slides
    prs = Presentation(out / "deck.pptx")
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    slides_ = list(prs.slides)
    assert len(slides_) == 1 + 9 + 1  # title, one per chart, the table
    title = " ".join(sh.text_frame.text for sh in slides_[0].shapes if sh.has_text_frame)
    assert "114-1" in title and "2025-12-12" in title and "1504" in title
    titles = [
        next(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides_[1:-1]
    ]
    assert titles[0] == "證照通過率最低：景觀 2.50%"  # the seed's lowest certificate rate
    assert "抗壓通過率：最高 冷凍 95.28%，最低 健管 62.16%" in titles
    assert all(any(sh.shape_type == 13 for sh in s.shapes) for s in slides_[1:-1])  # a picture each
    (table,) = [sh for sh in slides_[-1].shapes if sh.has_table]
    t = table.table
    assert len(t.rows) == 18 and t.cell(0, 0).text == "學院" and t.cell(17, 0).text == "全校"
    assert (
        t.cell(1, 1).text == "化材" and t.cell(1, 2).text == "155" and t.cell(1, 4).text == "87.10%"
    )
    footer = [sh.text_frame.text for sh in slides_[1].shapes if sh.has_text_frame][-1]
    assert "資料結算至 2025-12-12" in footer and "來源" in footer
    assert isinstance(table.width, Emu)


def test_slide_style_is_legible_and_colour_blind_safe():
    fig = charts.slide_style(go.Figure(go.Bar(x=["化材"], y=[1])), footer="x")
    assert fig.layout.xaxis.tickfont.size >= 18 and fig.layout.yaxis.tickfont.size >= 18
    assert fig.layout.font.family.startswith("Noto Sans CJK TC")
    assert charts.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe–Ito
    assert not fig.layout.updatemenus


def _title_pixels(tmp_path, title: str, name: str) -> np.ndarray:
    fig = charts.slide_style(go.Figure(go.Bar(x=[1], y=[1])))
    fig.update_layout(title_text=title)
    (png,) = export_images([SlideChart(name, fig, "")], tmp_path)
    return np.asarray(Image.open(png).convert("L"))[0:130, 0:900]


def test_chinese_titles_render_as_glyphs_not_tofu(tmp_path):
    need_chromium()
    a = _title_pixels(tmp_path, "證照通過率最低", "a")
    b = _title_pixels(tmp_path, "各系各項通過率", "b")
    tofu = _title_pixels(
        tmp_path, "\ue000\ue001\ue002\ue003\ue004\ue005\ue006", "c"
    )  # no font has these
    assert (a < 128).sum() > 500  # something is drawn
    # Missing glyphs all draw the same box: two different titles would then be pixel-identical
    # and identical to the private-use run.
    assert (a != b).sum() > 500 and (a != tofu).sum() > 500


def test_missing_browser_gives_the_install_hint(tmp_path):
    env = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-such-chromium")}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "ncut_analysis",
            "slides",
            "--term",
            "114-1",
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        "apt-get install -y chromium fonts-noto-cjk" in res.stderr and "BROWSER_PATH" in res.stderr
    )
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_admission_slides(tmp_path):
    need_chromium()
    files = export_admission_slides(tmp_path, year=109, draws=500)
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 6 and all(Image.open(p).size == (1920, 1080) for p in pngs)
    prs = Presentation(tmp_path / "deck.pptx")
    assert len(prs.slides) == 1 + 6 + 1 and (tmp_path / "deck.pptx") in files
    titles = [
        next(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        for s in list(prs.slides)[1:-1]
    ]
    assert titles[0].startswith("兩種模式正取名單重疊最少：") and "Spearman" in titles[2]
    (table,) = [sh for s in [list(prs.slides)[-1]] for sh in s.shapes if sh.has_table]
    assert table.table.cell(1, 0).text == "工具機與精密模具設計製造四技專班"
