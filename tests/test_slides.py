from __future__ import annotations

import os
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn

from ncut_analysis import charts
from ncut_analysis.slides import (
    FONT_EA,
    FONT_LATIN,
    MAX_TABLE_COLS,
    TITLE_PT,
    SlideChart,
    export_admission_slides,
    export_images,
    export_term_slides,
    text_em,
    text_lines,
    title_height,
)

from .browser import need_chromium
from .conftest import REPO, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    need_chromium()
    out = tmp_path_factory.mktemp("slides")
    files = export_term_slides(out, term="114-1")
    return out, files


def test_every_chart_is_a_png_at_twice_the_slide_canvas_and_an_svg(slides):
    out, files = slides
    pngs = sorted(out.glob("*.png"))
    # the heatmap of 16 departments in two slides of 8 rows
    assert len(pngs) == 10 and len(sorted(out.glob("*.svg"))) == 10
    for p in pngs:
        im = Image.open(p).convert("RGB")
        assert im.size == (2 * charts.SLIDE_PX[0], 2 * charts.SLIDE_PX[1]), p.name
        a = np.asarray(im)
        inked = (a < 200).any(axis=2).mean()  # share of pixels that are not (near) white
        assert inked > 0.01 and len(np.unique(a.reshape(-1, 3), axis=0)) > 50, (
            f"{p.name} looks blank"
        )
    assert "<svg" in (out / "rate_heatmap_1.svg").read_text(encoding="utf-8")[:500]


def _title_of(slide) -> str:
    return slide.shapes.title.text_frame.text


def test_the_deck(slides):
    out, _ = slides
    prs = Presentation(out / "deck.pptx")
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    slides_ = list(prs.slides)
    # title, one per chart, the table (rates, counts) at 18 pt: two slides each
    assert len(slides_) == 1 + 10 + 4
    title = " ".join(sh.text_frame.text for sh in slides_[0].shapes if sh.has_text_frame)
    assert "114-1" in title and "2025-12-12" in title and "1,504" in title
    titles = [_title_of(s) for s in slides_[1:10]]
    assert titles[0] == "證照通過率最低：景觀 2.50%（1/2）"  # the seed's lowest certificate rate
    assert "抗壓通過率：最高 冷凍 95.28%，最低 健管 62.16%" in titles
    assert all(any(sh.shape_type == 13 for sh in s.shapes) for s in slides_[1:11])  # a picture each
    for s in slides_[1:11]:  # the full sentence is in the notes
        assert _title_of(s) in s.notes_slide.notes_text_frame.text
        # the picture's alternative text says what it shows, not its file name
        (pic,) = [sh for sh in s.shapes if sh.shape_type == 13]
        descr = pic._element.nvPicPr.cNvPr.get("descr")
        assert _title_of(s).removesuffix("（1/2）")[:6] in descr and ".png" not in descr
    rates, rates2, counts, _ = (
        [sh for sh in s.shapes if sh.has_table][0].table for s in slides_[11:]
    )
    assert _title_of(slides_[11]) == "各學院、學系通過率（114-1）（1/2）"
    assert _title_of(slides_[13]) == "各學院、學系通過人數（114-1）（1/2）"
    # 17 rows at 18 pt in two slides (header repeated), the school's total last
    assert len(rates.rows) + len(rates2.rows) == 17 + 2 and rates.cell(0, 0).text == "學院"
    last = len(rates2.rows) - 1
    assert rates2.cell(last, 0).text == "全校" and rates2.cell(last, 2).text == "1,504"
    assert [rates.cell(1, j).text for j in range(4)] == ["工程學院", "化材", "155", "87.10%"]
    assert counts.cell(1, 3).text == "135" and counts.cell(0, 3).text == "抗壓"
    footer = [sh.text_frame.text for sh in slides_[1].shapes if sh.has_text_frame][-1]
    assert "資料結算至 2025-12-12" in footer and "來源" in footer


def _decks(slides, tmp_path_factory):
    return [
        Presentation(slides[0] / "deck.pptx"),
        Presentation(_admission(tmp_path_factory) / "deck.pptx"),
    ]


_ADM = {}


def _admission(tmp_path_factory):
    if "out" not in _ADM:
        need_chromium()
        out = tmp_path_factory.mktemp("adm_slides")
        _ADM["files"] = export_admission_slides(out, year=109, draws=500)
        _ADM["out"] = out
    return _ADM["out"]


def _shapes(prs):
    for k, s in enumerate(prs.slides):
        title = s.shapes.title
        pics = [sh for sh in s.shapes if sh.shape_type == 13]
        tables = [sh for sh in s.shapes if sh.has_table]
        texts = [sh for sh in s.shapes if sh.has_text_frame and sh != title]
        footer = min((sh for sh in texts if sh.top > prs.slide_height * 0.8), key=lambda x: x.top)
        yield k, s, title, pics, tables, footer


def test_no_title_overlaps_a_picture_or_table(slides, tmp_path_factory):
    for prs in _decks(slides, tmp_path_factory):
        two_line = 0
        for k, _s, title, pics, tables, footer in _shapes(prs):
            if not pics and not tables:
                continue
            text = title.text_frame.text
            lines = text_lines(text, TITLE_PT, title.width, bold=True)
            assert lines <= 2, (k, text)
            two_line += lines == 2
            needed = title_height(text, width_emu=title.width)
            assert title.height >= needed, (k, text)
            for body in pics + tables:
                assert body.top >= title.top + needed, (k, text)
                assert body.top + body.height <= footer.top, (k, "runs into the footer")
                assert body.left >= 0 and body.left + body.width <= prs.slide_width, k
            for p in pics:  # chart type ≥ 22 px at 1920 wide, shown at this scale: ≥ 14 px
                assert p.width / prs.slide_width * 22 >= 14, k
        assert two_line <= 3  # most takeaways fit one line


def test_fonts_named_for_latin_and_east_asian_text(slides, tmp_path_factory):
    for prs in _decks(slides, tmp_path_factory):
        runs = 0
        for s in prs.slides:
            frames = [sh.text_frame for sh in s.shapes if sh.has_text_frame]
            frames += [
                c.text_frame
                for sh in s.shapes
                if sh.has_table
                for r in sh.table.rows
                for c in r.cells
            ]
            for tf in frames:
                for p in tf.paragraphs:
                    for r in p.runs:
                        rpr = r._r.find(qn("a:rPr"))
                        assert rpr.find(qn("a:latin")).get("typeface") == FONT_LATIN
                        assert rpr.find(qn("a:ea")).get("typeface") == FONT_EA
                        assert rpr.get("lang") == "zh-TW"
                        runs += 1
        assert runs > 100


_NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$|^–$")


def test_tables_fit_at_14pt_with_numbers_right_aligned(slides, tmp_path_factory):
    decks = _decks(slides, tmp_path_factory)
    n_tables = 0
    for prs in decks:
        for k, _s, _title, _pics, tables, _footer in _shapes(prs):
            for sh in tables:
                n_tables += 1
                t = sh.table
                assert len(t.columns) <= MAX_TABLE_COLS, k
                numeric_cols = set()
                for i, row in enumerate(t.rows):
                    for j, cell in enumerate(row.cells):
                        for p in cell.text_frame.paragraphs:
                            for r in p.runs:
                                assert r.font.size.pt >= 14, (k, i, j)
                        if i > 0 and _NUMBER.match(cell.text):
                            numeric_cols.add(j)
                            assert cell.text_frame.paragraphs[0].alignment == PP_ALIGN.RIGHT, (
                                k,
                                cell.text,
                            )
                assert numeric_cols, k
                # a Latin word in a header (Spearman) is never wider than its column
                size = t.cell(0, 0).text_frame.paragraphs[0].runs[0].font.size.pt
                for j, col in enumerate(t.columns):
                    for word in re.findall(r"[A-Za-z]+", t.cell(0, j).text):
                        need = text_em(word, bold=True) * size * 12700 + 2 * int(0.08 * 914400)
                        assert col.width >= need, (k, word)
    assert n_tables == 6  # the term's two tables in two slides each, the admission's two


def test_admission_deck_is_titled_for_the_admission(slides, tmp_path_factory):
    prs = _decks(slides, tmp_path_factory)[1]
    titles = [_title_of(s) for s in list(prs.slides)[1:]]
    assert all("通過率" not in t for t in titles)
    assert titles[-2:] == [
        "109 學年度招生模擬：各專班錄取結果",
        "109 學年度招生模擬：錄取最低分與名單重疊",
    ]
    notes = [s.notes_slide.notes_text_frame.text for s in list(prs.slides)[2:5]]
    assert all("斯皮爾曼" in n and "Spearman" not in n for n in notes)


def test_slide_style_is_legible_and_colour_blind_safe():
    fig = charts.slide_style(go.Figure(go.Bar(x=["化材"], y=[1])), footer="x")
    assert fig.layout.xaxis.tickfont.size >= 18 and fig.layout.yaxis.tickfont.size >= 18
    assert fig.layout.font.family.startswith("Microsoft JhengHei")
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
    res = run_cli(
        "slides",
        "--term",
        "114-1",
        "--out",
        str(tmp_path / "s"),
        cwd=REPO,
        env=env,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        "apt-get install -y chromium fonts-noto-cjk" in res.stderr and "BROWSER_PATH" in res.stderr
    )
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_admission_slides(slides, tmp_path_factory):
    out = _admission(tmp_path_factory)
    files = _ADM["files"]
    pngs = sorted(out.glob("*.png"))
    size = (2 * charts.SLIDE_PX[0], 2 * charts.SLIDE_PX[1])
    assert len(pngs) == 6 and all(Image.open(p).size == size for p in pngs)
    prs = Presentation(out / "deck.pptx")
    assert len(prs.slides) == 1 + 6 + 2 and (out / "deck.pptx") in files
    titles = [_title_of(s) for s in list(prs.slides)[1:7]]
    assert titles[0].startswith("不予錄取：一般模式 ")  # the status label (issue 26)
    assert titles[1].startswith("工具機與精密模具設計製造四技專班：") and "移入" in titles[1]
    (table,) = [sh for sh in list(prs.slides)[-2].shapes if sh.has_table]
    assert table.table.cell(1, 0).text == "工具機與精密模具設計製造四技專班"


def _placed_min_pt(prs, out) -> list[tuple[str, float]]:
    """Per chart slide: the smallest font size in its SVG, as placed on the slide (pt)."""
    found = []
    by_png = {p.read_bytes(): p.with_suffix(".svg") for p in out.glob("*.png")}
    for s in prs.slides:
        for sh in s.shapes:
            if sh.shape_type != 13:
                continue
            svg = by_png[sh.image.blob]  # the picture is the chart's PNG, byte for byte
            name = svg.stem
            text = svg.read_text(encoding="utf-8")
            width_px = float(re.search(r'<svg[^>]*width="([\d.]+)"', text).group(1))
            sizes = [float(v) for v in re.findall(r"font-size:\s*([\d.]+)px", text)]
            pt_per_px = sh.width / 12700 / width_px
            found.append((name, min(sizes) * pt_per_px))
    return found


def test_every_slide_chart_reads_from_the_back_of_the_room(slides, tmp_path_factory):
    """Issue 25: the smallest text of every chart, in both decks, is at least 18 pt as placed
    on its slide, and every picture fills at least half the area under its slide's title."""
    term_out, _ = slides
    for out, n in ((term_out, 10), (_admission(tmp_path_factory), 6)):
        prs = Presentation(out / "deck.pptx")
        sizes = _placed_min_pt(prs, out)
        assert len(sizes) == n
        assert all(pt >= 18 for _, pt in sizes), sizes
        for s in list(prs.slides)[1 : n + 1]:
            title = s.shapes.title
            under = (prs.slide_height - (title.top + title.height)) * prs.slide_width
            (pic,) = [sh for sh in s.shapes if sh.shape_type == 13]
            assert pic.width * pic.height >= 0.5 * under, _title_of(s)


def test_heatmap_text_passes_wcag_aa():
    from plotly.colors import sample_colorscale

    # by hand: white on black is 21:1, black on white 21:1, mid grey #777777 picks black (4.69)
    assert round(charts.contrast_ratio("#ffffff", "#000000")) == 21
    assert charts.text_on("#777777") == "#000000" and charts.text_on("#00204c") == "#ffffff"
    for v in np.linspace(0, 1, 101):
        fill = sample_colorscale(charts.RATE_SCALE, [v])[0]
        assert charts.contrast_ratio(fill, charts.text_on(fill)) >= 4.5, fill


def test_a_one_class_departments_slides_state_its_rate_and_scope(tmp_path):
    # 景觀 has one class (景觀四甲: 抗壓 32 / 40 = 80.00%): no 「最高 … 最低」 of one bar; the
    # gap chart and its slide say whose students they count.
    from ncut_analysis.report import TermBriefing, TermReport
    from ncut_analysis.slides.content import term_slide_charts

    report = TermReport.build(term="114-1", department="景觀")
    charts_ = {c.name: c for c in term_slide_charts(report)}
    assert charts_["rate_bars_resilience"].takeaway == "景觀抗壓通過率 80.00%（只有景觀四甲一班）"
    assert charts_["rate_heatmap"].takeaway == "景觀各項通過率以證照最低：2.50%"
    assert charts_["gaps"].takeaway.startswith("景觀精進有 5 人只差 1 小時內")
    page = TermBriefing(report, tmp_path).fig_gaps()
    assert page.layout.title.text.startswith("景觀未通過者距門檻還差多少")
