"""The chart functions as data (``fig.to_dict()``): one function per chart with its variants,
the briefing's figure by default, and a slide variant that is legible, untitled and uncluttered."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import plotly.graph_objects as go
import pytest

from ncut_analysis import charts, slides
from ncut_analysis.briefing import AdmissionBriefing, TermBriefing, admission_scenario
from ncut_analysis.thresholds import RESULT_CATEGORIES

SLIDE_MIN_PX = 22  # shown at ≥ 64 % of a 1920 px screen: ≥ 14 px


@pytest.fixture(scope="module")
def term():
    return TermBriefing.build(term="114-1", as_of="2025-12-12", compare_as_of="2025-10-31")


@pytest.fixture(scope="module")
def adm():
    return AdmissionBriefing.build(**admission_scenario(year=109, draws=200))


def _sizes(node, key: str = "") -> Iterator[tuple[str, float]]:
    """Every font size in a figure dict, with the path that holds it."""
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{key}.{k}"
            if k == "size" and "font" in key.rsplit(".", 1)[-1] and isinstance(v, int | float):
                yield path, v
            elif k == "size" and "font" in key and isinstance(v, list | tuple):
                yield from ((path, x) for x in v)
            else:
                yield from _sizes(v, path)
    elif isinstance(node, list | tuple):
        for i, v in enumerate(node):
            yield from _sizes(v, f"{key}[{i}]")


def _term_figs(b) -> dict[str, go.Figure]:
    look = charts.SLIDE
    figs = {
        "heatmap": charts.rate_heatmap(b.table, b.rules, look=look),
        "college": charts.college_all_pass(b.by_college, b.rules, look=look),
        "gaps": charts.gap_chart(b.gaps, b.rules, look=look),
        "progress": charts.progress_chart(b.progress, b.rules, as_of=b.as_of, look=look),
    }
    for c in RESULT_CATEGORIES:
        figs[f"bars_{c}"] = charts.rate_bars(b.table, b.rules, c, look=look)
    return figs


def _adm_figs(a) -> dict[str, go.Figure]:
    return {i.name: i.figure for i in slides.admission_slide_charts(a)}


def test_font_stack_names_the_office_font_first():
    fam = [f.strip() for f in charts.FONT_FAMILY.split(",")]
    assert fam[0] == "Microsoft JhengHei" and "Noto Sans CJK TC" in fam
    assert fam.index("Noto Sans CJK TC") > fam.index("Microsoft JhengHei")
    assert slides.FONT_LATIN == slides.FONT_EA == "Microsoft JhengHei"


def test_rate_bars_default_is_the_briefing_dropdown(term):
    fig = charts.rate_bars(term.table, term.rules)
    (menu,) = fig.layout.updatemenus
    assert [b.label for b in menu.buttons] == [
        charts._label(term.rules, c) for c in RESULT_CATEGORIES
    ]
    assert len(fig.data) == len(RESULT_CATEGORIES) and fig.data[0].visible is True
    assert fig.layout.title.text.startswith("抗壓通過率（虛線：全校 87.77%")
    assert fig.layout.width == charts.WIDTH


def test_rate_bars_one_category(term):
    fig = charts.rate_bars(term.table, term.rules, "engagement")
    assert len(fig.data) == 1 and not fig.layout.updatemenus
    assert fig.data[0].name == "社會接軌"
    (line,) = fig.layout.shapes
    school = term.table[term.table["level"] == "total"]
    assert line.y0 == pytest.approx(float(school["engagement_rate"].iloc[0]))
    with pytest.raises(ValueError, match="category"):
        charts.rate_bars(term.table, term.rules, "aesthetics")


def test_clear_of_line_by_hand():
    # line at 50, labels 5 units tall: a bar at 47 would have its label over the line
    assert charts._clear_of_line([47, 50, 44.9, 55, 20], 50.0, 5.0) == [
        "inside",
        "inside",
        "outside",
        "outside",
        "outside",
    ]
    assert charts._clear_of_line([47], None, 5.0) == ["outside"]


@pytest.mark.parametrize("category", RESULT_CATEGORIES)
def test_no_label_sits_on_the_school_line(term, category):
    fig = charts.rate_bars(term.table, term.rules, category)
    ref = fig.layout.shapes[0].y0
    plot_h = charts._plot_height(charts.PAGE, 420)
    units = charts.PAGE.label * 1.2 / plot_h * 110  # the label's own height, at least
    for v, pos in zip(fig.data[0].y, fig.data[0].textposition, strict=True):
        if pos == "outside":
            assert not (v <= ref < v + units), (category, v, ref)
    # on a slide one placement for every label (above its bar, level), the line under them
    fig = charts.rate_bars(term.table, term.rules, category, look=charts.SLIDE)
    assert fig.data[0].textposition == "outside" and fig.data[0].textangle == 0
    assert all(sh.layer == "below" for sh in fig.layout.shapes)


def test_slide_figures_are_legible_untitled_and_unfooted(term, adm):
    figs = {**_term_figs(term), **_adm_figs(adm)}
    assert len(figs) == 9 + 6
    for name, fig in figs.items():
        d = fig.to_dict()
        lay = d["layout"]
        assert (lay["width"], lay["height"]) == charts.SLIDE_PX, name
        assert not lay.get("title", {}).get("text"), f"{name} has its own title"
        assert not lay.get("updatemenus"), name
        texts = [a.get("text", "") for a in lay.get("annotations", [])]
        assert not any("資料結算" in t or "來源" in t or "製表" in t for t in texts), name
        sizes = list(_sizes(d))
        assert lay["font"]["size"] >= SLIDE_MIN_PX
        small = [(p, s) for p, s in sizes if s < SLIDE_MIN_PX]
        assert not small, f"{name}: {small}"
        # text inside bars is never shrunk below the slide's size
        if any(t["type"] == "bar" and t.get("text") is not None for t in d["data"]):
            assert lay["uniformtext"]["minsize"] >= SLIDE_MIN_PX, name
        # legends above the plot, clear of anything below it
        if lay.get("showlegend") is not False and len(d["data"]) > 1:
            assert lay["legend"]["y"] >= 1 and lay["legend"]["yanchor"] == "bottom", name
        assert lay["font"]["family"] == charts.FONT_FAMILY


def test_the_page_look_keeps_the_briefings_figures(term, adm):
    fig = charts.rate_heatmap(term.table, term.rules)
    assert fig.layout.updatemenus and fig.layout.title.text == "各系各項通過率"
    assert charts.college_all_pass(term.by_college, term.rules).layout.width == charts.WIDTH
    assert (
        charts.admission_status_chart(adm.summary).layout.title.text == "各專班兩種模式的錄取結果"
    )


def test_with_chrome_gives_a_titled_picture_with_footer(term):
    look = charts.SLIDE.with_chrome(footer="資料結算至 2025-12-12")
    fig = charts.rate_bars(term.table, term.rules, "resilience", look=look)
    assert fig.layout.title.text.startswith("抗壓通過率")
    assert any(a.text == "資料結算至 2025-12-12" for a in fig.layout.annotations)


def test_status_counts_are_never_shrunk(adm):
    fig = charts.admission_status_chart(adm.summary, look=charts.SLIDE)
    assert all(t.orientation == "h" for t in fig.data)  # wide segments for small counts
    assert fig.layout.uniformtext.minsize >= SLIDE_MIN_PX and fig.layout.uniformtext.mode == "hide"
    assert all(t.textfont.size >= SLIDE_MIN_PX for t in fig.data)
    zero = [(t.name, x) for t in fig.data for x, s in zip(t.x, t.text, strict=True) if x == 0 and s]
    assert not zero  # an empty segment has no "0" squeezed into it


def test_rank_shift_boundary_only(adm):
    pid, name = adm._programs()[0]
    fig = charts.rank_shift_chart(adm.compared, [(pid, name)], boundary_only=True)
    row = adm.summary[adm.summary["program"] == pid].iloc[0]
    assert [t.name for t in fig.data] == [
        f"移出正取（僅一般模式正取） {int(row['only_normal'])} 人",
        f"移入正取（僅特殊狀態正取） {int(row['only_special'])} 人",
    ]
    drawn = sum(sum(1 for y in t.y if y is not None) for t in fig.data) // 2
    assert drawn == int(row["only_normal"]) + int(row["only_special"])
    assert "不予錄取" in fig.layout.yaxis.ticktext  # the status label (issue 26)
    # no applicant id in the hover text (issue 24)
    ids = set(adm.compared["applicant_id"])
    assert not any(x in ids for t in fig.data for x in (t.text or ()) if x)


def test_probability_axis_spans_where_chance_decides(adm):
    fig = charts.probability_chart(adm.prob.dropna(subset=["rank"]), adm._programs(), 3, 200)
    lo, hi = fig.layout.xaxis.range
    p = adm.prob.dropna(subset=["rank"])
    edge = p[(p["p_admitted"] > 0.05) & (p["p_admitted"] < 0.95)]["rank"]
    assert lo <= edge.min() and hi >= edge.max() and hi < p["rank"].max()


def test_borderline_and_depth_numbers_by_hand():
    # The slides state the admission package's own summaries (one implementation), by hand:
    from ncut_analysis.admission import backfill_summary, probability_summary

    prob = pd.DataFrame(
        {
            "program": ["a"] * 5,
            "mode": ["normal"] * 5,
            "p_admitted": [1.0, 0.96, 0.5, 0.3, 0.01],
            "admitted_without_noise": [True, True, True, False, False],
        }
    )
    (row,) = probability_summary(prob).to_dict("records")
    assert (row["near_certain"], row["marginal"], row["admitted_below_half"]) == (2, 2, 0)
    depth = pd.DataFrame(
        {
            "program": ["a"] * 3,
            "mode": ["normal"] * 3,
            "depth": [0, 1, 2],
            "share": [0.5, 0.35, 0.15],
            "waitlist_length": [4] * 3,
            "quota": [30] * 3,
            "admitted": [30] * 3,
            "vacancy_share": [0.5] * 3,
            "exhausted_share": [0.0] * 3,
        }
    )
    (d,) = backfill_summary(depth).to_dict("records")
    assert d["mean_depth"] == pytest.approx(0.65) and d["p90_depth"] == 2
    assert d["p_any_call"] == pytest.approx(0.5)


def test_text_lines_by_hand():
    w = slides.CONTENT_W  # 12.33 in less 0.2 in of insets = 873.6 pt = 31.2 em at 28 pt
    assert slides.text_lines("通" * 31, 28, w) == 1 and slides.text_lines("通" * 32, 28, w) == 2
    # a Latin word is never split: it moves to the next line whole
    assert slides.text_lines("通" * 28 + " Spearman", 28, w) == 2
    # a closing mark stays with the character before it
    assert slides.text_lines("通" * 31 + "：", 28, w) == 2
    assert slides.text_lines("a\nb", 28, w) == 2
    # a takeaway too long for two lines gets a one-line title; the notes keep the sentence
    long = "工具機與精密模具設計製造四技專班：" + "名次相關很低" * 10
    shown, full = slides._fit_title(long)
    assert shown == "工具機與精密模具設計製造四技專班" and full == long
