"""Slide-ready charts (PNG 1920×1080 and SVG, through kaleido and a Chromium) and a 16:9
PowerPoint deck with computed one-line takeaways and the college × department table."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from . import charts
from .errors import NoBrowserError
from .io import atomic_dir
from .rules import THRESHOLD_CATEGORIES
from .thresholds import RESULT_CATEGORIES

__all__ = [
    "NoBrowserError",
    "SlideChart",
    "find_browser",
    "term_slide_charts",
    "export_images",
    "build_deck",
    "export_term_slides",
    "admission_slide_charts",
    "export_admission_slides",
    "INSTALL_HINT",
]

INSTALL_HINT = (
    "no Chrome or Chromium found for the static export (kaleido). Install one: "
    "`apt-get install -y chromium fonts-noto-cjk` (Debian/Ubuntu; the fonts draw the Chinese text), "
    "or, where the network allows, kaleido's own download: `python -c 'import kaleido; kaleido.get_chrome_sync()'`; "
    "or point BROWSER_PATH at a Chrome/Chromium executable."
)


@dataclass(frozen=True)
class SlideChart:
    name: str  # file stem: outputs/slides/<name>.png
    figure: go.Figure
    takeaway: str  # the slide's title, computed from the data


def find_browser() -> str:
    """The Chrome/Chromium kaleido will use: ``BROWSER_PATH`` if set (it must exist), else what
    kaleido itself finds (its own download, then the usual names and paths)."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise NoBrowserError(f"BROWSER_PATH={env} is not an executable file; " + INSTALL_HINT)
    from choreographer.browsers.chromium import Chromium

    path = Chromium.find_browser(skip_local=False)
    if not path:
        raise NoBrowserError(INSTALL_HINT)
    return str(path)


# ---------------------------------------------------------------------------- term charts


def _extreme(
    table: pd.DataFrame, col: str, label_col: str, lowest: bool = True
) -> tuple[str, float]:
    rows = table[table["college"] != "全校"]
    i = rows[col].idxmin() if lowest else rows[col].idxmax()
    return str(rows.loc[i, label_col]), float(rows.loc[i, col])


def term_slide_charts(b) -> list[SlideChart]:  # noqa: ANN001 - a briefing.TermBriefing
    """Every chart of the term briefing, restyled for a slide, each with its takeaway."""
    rules = b.rules
    label_col = "class" if b.department else "department"
    footer = f"資料結算至 {b.as_of.isoformat() if b.as_of else '全部紀錄'}｜來源：學生自主學習畢業門檻認證系統｜{rules.term}"
    out: list[SlideChart] = []
    lows = {c: _extreme(b.table, f"{c}_rate", label_col) for c in THRESHOLD_CATEGORIES}
    worst = min(lows, key=lambda c: lows[c][1])
    out.append(
        SlideChart(
            "rate_heatmap",
            charts.slide_style(charts.rate_heatmap(b.table, rules), footer=footer),
            f"{rules.label(worst)}通過率最低：{lows[worst][0]} {lows[worst][1]:.2f}%",
        )
    )
    for c in RESULT_CATEGORIES:
        fig = charts.rate_bars(b.table, rules)
        k = list(RESULT_CATEGORIES).index(c)
        fig.update_traces(visible=False)
        fig.data[k].visible = True
        fig.update_layout(
            shapes=fig.layout.updatemenus[0].buttons[k].args[1]["shapes"],
            title_text=fig.layout.updatemenus[0].buttons[k].args[1]["title.text"],
        )
        lo, hi = (
            _extreme(b.table, f"{c}_rate", label_col),
            _extreme(b.table, f"{c}_rate", label_col, lowest=False),
        )
        name = "四項全數" if c == "all" else rules.label(c)
        out.append(
            SlideChart(
                f"rate_bars_{c}",
                charts.slide_style(fig, footer=footer),
                f"{name}通過率：最高 {hi[0]} {hi[1]:.2f}%，最低 {lo[0]} {lo[1]:.2f}%",
            )
        )
    top = _extreme(b.by_college, "all_rate", "college", lowest=False)
    out.append(
        SlideChart(
            "college_all_pass",
            charts.slide_style(charts.college_all_pass(b.by_college, rules), footer=footer),
            f"四項全數通過率最高的學院：{top[0]} {top[1]:.2f}%",
        )
    )
    g = b.gaps
    near = {
        c: int(g[g["category"] == c]["students"].iloc[0])
        for c in THRESHOLD_CATEGORIES
        if c != "certificate"
    }
    best = max(near, key=near.get)
    out.append(
        SlideChart(
            "gaps",
            charts.slide_style(charts.gap_chart(g, rules), footer=footer),
            f"{rules.label(best)}有 {near[best]} 人只差 1 小時內：一次提醒就能通過",
        )
    )
    now = b.table.iloc[-1]
    text = f"四項全數通過率目前 {float(now['all_rate']):.2f}%"
    if b.before is not None:
        delta = round(float(now["all_rate"]) - float(b.before.iloc[-1]["all_rate"]), 2)
        text += f"，自 {b.compare_as_of.isoformat()} 起{'上升' if delta >= 0 else '下降'} {abs(delta):.2f} 個百分點"
    out.append(SlideChart("progress", charts.slide_style(b.fig_progress(), footer=footer), text))
    return out


# ---------------------------------------------------------------------------- export


def export_images(items: list[SlideChart], out: Path) -> list[Path]:
    """PNG (1920×1080) and SVG of every chart, through one kaleido browser session."""
    import kaleido
    import plotly.io as pio

    browser = find_browser()
    kaleido.start_sync_server(path=browser, mathjax=False, silence_warnings=True)
    try:
        figs = [c.figure for c in items]
        pngs = [out / f"{c.name}.png" for c in items]
        svgs = [out / f"{c.name}.svg" for c in items]
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # "kopts ignored if using a server": the server is the point
            pio.write_images(figs + figs, pngs + svgs, width=1920, height=1080)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return pngs


def build_deck(
    items: list[SlideChart],
    pngs: list[Path],
    table: pd.DataFrame,
    path: Path,
    *,
    title: str,
    subtitle: str,
    footer: str,
) -> Path:
    """A 16:9 deck: a title slide, a slide per chart (its takeaway as title), the table slide."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    font = "Noto Sans CJK TC"

    def text(
        slide, s: str, left, top, width, height, size: int, bold: bool = False, color=None
    ) -> None:  # noqa: ANN001
        box = slide.shapes.add_textbox(left, top, width, height)
        tf = box.text_frame
        tf.word_wrap = True
        run = tf.paragraphs[0].add_run()
        run.text = s
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
        if color:
            run.font.color.rgb = color

    blank = prs.slide_layouts[6]
    grey = RGBColor(0x55, 0x55, 0x55)
    s = prs.slides.add_slide(blank)
    text(s, title, Inches(0.8), Inches(2.4), Inches(11.7), Inches(1.4), 40, bold=True)
    text(s, subtitle, Inches(0.8), Inches(3.9), Inches(11.7), Inches(1.0), 24, color=grey)
    for item, png in zip(items, pngs, strict=True):
        s = prs.slides.add_slide(blank)
        text(s, item.takeaway, Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.8), 28, bold=True)
        h = Inches(6.0)
        w = Emu(int(h * 16 / 9))
        s.shapes.add_picture(
            str(png), int((prs.slide_width - w) / 2), Inches(1.1), width=w, height=h
        )
        text(s, footer, Inches(0.5), Inches(7.05), Inches(12.3), Inches(0.4), 11, color=grey)
    # The college × department table, native, as on the seed's slides.
    s = prs.slides.add_slide(blank)
    text(
        s,
        f"{title}：各學院、學系通過率",
        Inches(0.5),
        Inches(0.25),
        Inches(12.3),
        Inches(0.8),
        28,
        bold=True,
    )
    rows, cols = len(table) + 1, len(table.columns)
    shape = s.shapes.add_table(rows, cols, Inches(0.3), Inches(1.0), Inches(12.7), Inches(5.9))
    tbl = shape.table
    for j, c in enumerate(table.columns):
        tbl.cell(0, j).text = str(c)
    for i, (_, r) in enumerate(table.iterrows(), start=1):
        for j, c in enumerate(table.columns):
            v = r[c]
            tbl.cell(i, j).text = f"{v:.2f}%" if isinstance(v, float) else str(v)
    for i in range(rows):
        for j in range(cols):
            for p in tbl.cell(i, j).text_frame.paragraphs:
                for run in p.runs:
                    run.font.size, run.font.name = Pt(9), font
    text(s, footer, Inches(0.5), Inches(7.05), Inches(12.3), Inches(0.4), 11, color=grey)
    prs.save(path)
    return path


def export_term_slides(
    out: str | Path,
    *,
    term: str = "114-1",
    as_of: str | None = None,
    students: str = "",
    records: str = "",
    compare_as_of: str | None = None,
    department: str = "",
) -> list[Path]:
    """Every term-briefing chart as ``<name>.png`` and ``<name>.svg`` plus ``deck.pptx`` in ``out``
    (all or nothing). Returns the files written."""
    from .briefing import TermBriefing
    from .rules import load_term_rules

    find_browser()  # fail fast, before any computation
    rules = load_term_rules(term)
    b = TermBriefing.build(
        term=term,
        as_of=rules.settlement_date.isoformat() if as_of is None else as_of,
        students=students,
        records=records,
        compare_as_of=rules.notice_date.isoformat() if compare_as_of is None else compare_as_of,
        department=department,
    )
    items = term_slide_charts(b)
    as_of_text = b.as_of.isoformat() if b.as_of else "全部紀錄"
    scope = f"{department} " if department else ""
    return _write(
        out,
        items,
        b.department_frame(),
        title=f"{term} {scope}學生自主學習畢業門檻通過率",
        subtitle=f"資料結算至 {as_of_text}；大四學生 {int(b.table.iloc[-1]['students'])} 人",
        footer=f"資料結算至 {as_of_text}｜來源：學生自主學習畢業門檻認證系統｜製表 {dt.date.today().isoformat()}",
    )


def _write(
    out: str | Path,
    items: list[SlideChart],
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    footer: str,
) -> list[Path]:
    """PNGs, SVGs and the deck into ``out``, all together or not at all."""
    out = Path(out)
    with atomic_dir(out) as tmp:
        pngs = export_images(items, tmp)
        build_deck(
            items, pngs, table, tmp / "deck.pptx", title=title, subtitle=subtitle, footer=footer
        )
    return (
        [out / p.name for p in pngs] + [out / f"{c.name}.svg" for c in items] + [out / "deck.pptx"]
    )


# ---------------------------------------------------------------------------- admission charts


def admission_slide_charts(b) -> list[SlideChart]:  # noqa: ANN001 - a briefing.AdmissionBriefing
    """Every chart of the admission briefing, restyled for a slide, each with its takeaway."""
    footer = f"{b.rules.year} 學年度產學訓四技專班招生簡章｜模擬：ncut_analysis｜製表 {dt.date.today().isoformat()}"
    s = b.summary[b.summary["applicants"] > 0]
    out: list[SlideChart] = []
    worst = s.loc[(s["both"] / s["quota"]).idxmin()]
    out.append(
        SlideChart(
            "admission_status",
            charts.slide_style(b.fig_status(), footer=footer),
            f"兩種模式正取名單重疊最少：{worst['name']}，兩者皆正取 {int(worst['both'])} 人（名額 {int(worst['quota'])}）",
        )
    )
    for pid, name in b._programs():
        row = s[s["program"] == pid].iloc[0]
        fig = charts.rank_shift_chart(b.compared, [(pid, name)])
        out.append(
            SlideChart(
                f"rank_shift_{pid}",
                charts.slide_style(fig, footer=footer),
                f"{name}：{int(row['only_special'])} 人僅在特殊狀態正取；名次相關 Spearman "
                f"{row['spearman']:.2f}",
            )
        )
    p = b.probability_frame()
    out.append(
        SlideChart(
            "admission_probability",
            charts.slide_style(b.fig_probability(), footer=footer),
            f"評分雜訊 SD {b.sd:g} 分下，一般模式有 {int(p.loc[p['模式'] == '一般', '邊緣（5%–95%）'].sum())} "
            f"位考生的錄取與否取決於評分誤差（機率 5%–95%）",
        )
    )
    d = b.depth_frame()
    d = d[d["模式"] == "一般"]
    deep = d.loc[d["平均遞補到第幾位"].astype(float).idxmax()]
    out.append(
        SlideChart(
            "waitlist_depth",
            charts.slide_style(b.fig_depth(), footer=footer),
            f"正取未報到率 {b.no_show:.0%}：{deep['專班']} 平均遞補到第 {deep['平均遞補到第幾位']} 位，"
            f"90% 的情況不超過第 {deep['90% 情況不超過']} 位",
        )
    )
    return out


def export_admission_slides(out: str | Path, **scenario: Any) -> list[Path]:
    """Every admission-briefing chart as PNG and SVG plus ``deck.pptx`` in ``out``.
    ``scenario``: the keywords of ``briefing.admission_scenario``."""
    from .briefing import AdmissionBriefing, admission_scenario

    find_browser()
    params = admission_scenario(**scenario)
    b = AdmissionBriefing.build(**params)
    year = params["year"]
    return _write(
        out,
        admission_slide_charts(b),
        b.summary_frame(),
        title=f"{year} 學年度產學訓四技專班：招生排名模擬",
        subtitle=f"一般模式與特殊狀態之比較；報名 {int(b.summary['applicants'].sum())} 人",
        footer=f"{year} 學年度招生簡章｜模擬：ncut_analysis｜製表 {dt.date.today().isoformat()}",
    )
