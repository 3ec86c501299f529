"""Slide-ready charts (PNG 1920×1080 and SVG, through kaleido and a Chromium) and a 16:9
PowerPoint deck: a title slide, one slide per chart with its computed takeaway as the title, and
the tables as native PowerPoint tables.

The layout is computed, not left to auto-size: a title's rendered height is estimated from its
text (CJK characters are one em wide, Latin narrower, words never broken) and the picture is
placed below it; a table is split across slides rather than shrunk below 14 pt."""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from . import charts
from .errors import NoBrowserError
from .io import atomic_dir
from .labels import GROUP_LABELS, MEASURE_LABELS, WHOLE_SCHOOL
from .thresholds import group_keys

__all__ = [
    "NoBrowserError",
    "SlideChart",
    "SlideTable",
    "find_browser",
    "term_slide_charts",
    "term_slide_tables",
    "export_images",
    "build_deck",
    "export_term_slides",
    "admission_slide_charts",
    "admission_slide_tables",
    "export_admission_slides",
    "text_lines",
    "title_height",
    "INSTALL_HINT",
    "FONT_LATIN",
    "FONT_EA",
]

INSTALL_HINT = (
    "no Chrome or Chromium found for the static export (kaleido). Install one: "
    "`apt-get install -y chromium fonts-noto-cjk` (Debian/Ubuntu; the fonts draw the Chinese text), "
    "or, where the network allows, kaleido's own download: `python -c 'import kaleido; kaleido.get_chrome_sync()'`; "
    "or point BROWSER_PATH at a Chrome/Chromium executable."
)

# The deck names 微軟正黑體 for Latin and East Asian text (every office PC with Office has it);
# where it is missing (LibreOffice on Linux) the zh-TW language tag and the Big5 charset make the
# substitution pick a Traditional Chinese face (Noto Sans CJK TC with fonts-noto-cjk).
FONT_LATIN = "Microsoft JhengHei"
FONT_EA = "Microsoft JhengHei"

# ---------------------------------------------------------------------------- slide geometry
# 16:9, 13.333 × 7.5 in; 1 in = 914400 EMU = 72 pt.
EMU_IN = 914400
EMU_PT = 12700
SLIDE_W = int(13.333 * EMU_IN)
SLIDE_H = int(7.5 * EMU_IN)
MARGIN_X = int(0.5 * EMU_IN)
CONTENT_W = SLIDE_W - 2 * MARGIN_X
TITLE_TOP = int(0.25 * EMU_IN)
TITLE_PT = 28
TITLE_MAX_LINES = 2
INSET_X = int(0.1 * EMU_IN)  # the text box's own left/right inset
INSET_Y = int(0.05 * EMU_IN)
# Line height over font size: Noto Sans CJK's ascent + descent is 1.448 em, 微軟正黑體's about
# 1.3 em; budget the larger with some room.
LINE = 1.5
GAP = int(0.12 * EMU_IN)
FOOTER_TOP = int(7.02 * EMU_IN)
FOOTER_H = int(0.4 * EMU_IN)
FOOTER_PT = 12
TABLE_PT = 14  # the smallest table type; larger where the table allows
TABLE_SIZES = (20, 18, 16, TABLE_PT)
CELL_MX = int(0.08 * EMU_IN)
CELL_MY = int(0.01 * EMU_IN)  # the 1.5 em line already has its leading
MAX_TABLE_COLS = 9


@dataclass(frozen=True)
class SlideChart:
    name: str  # file stem: outputs/slides/<name>.png
    figure: go.Figure
    takeaway: str  # the slide's title, computed from the data
    notes: str = ""  # the speaker notes: the full sentence and the numbers behind it


@dataclass(frozen=True)
class SlideTable:
    """One table slide: a frame of display strings, which columns are numbers (right-aligned)."""

    title: str
    frame: pd.DataFrame
    numeric: tuple[str, ...] = ()
    notes: str = ""
    wrap: tuple[str, ...] = field(default=())  # text columns allowed to wrap to two lines


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


# ---------------------------------------------------------------------------- text measure


def _char_em(ch: str, bold: bool = False) -> float:
    """A generous width of one character in em: CJK and full-width punctuation 1, Latin as wide
    as DejaVu Sans (what LibreOffice substitutes for a missing Latin face), the widest common
    case, so that an estimate never comes out short."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch == " ":
        return 0.35
    if ch in "%@MWmw":
        return 1.05
    if ch in "il.,:;|!'":
        return 0.36
    if ch.isupper():
        return 0.8 if bold else 0.74
    return 0.72 if bold else 0.65


def text_em(s: str, bold: bool = False) -> float:
    return sum(_char_em(c, bold) for c in s)


# A line never starts with these (kinsoku): they stay with the character before them.
_NO_START = set("，。、：；！？）」』】％%,.:;!?)")


def _tokens(s: str) -> list[str]:
    """Break opportunities: each CJK character alone, a Latin word (with its trailing
    punctuation) whole, spaces on their own."""
    out: list[str] = []
    word = ""
    for ch in s:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch == " ":
            if word:
                out.append(word)
                word = ""
            out.append(" ")
        elif wide:
            if word:
                out.append(word)
                word = ""
            if ch in _NO_START and out:
                out[-1] += ch
            else:
                out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def text_lines(s: str, size_pt: float, width_emu: int, *, bold: bool = False) -> int:
    """How many lines ``s`` takes at ``size_pt`` in a box ``width_emu`` wide (insets taken off),
    wrapping as a slide renderer does: between CJK characters and at spaces, never inside a Latin
    word. Each explicit newline starts a line."""
    avail = (width_emu - 2 * INSET_X) / EMU_PT / size_pt  # in em
    lines = 0
    for para in s.split("\n"):
        n, used = 1, 0.0
        for tok in _tokens(para):
            w = text_em(tok, bold)
            if used + w > avail and used > 0:
                n += 1
                used = 0.0 if tok == " " else w
            else:
                used += w
        lines += n
    return lines


def title_height(s: str, *, size_pt: float = TITLE_PT, width_emu: int = CONTENT_W) -> int:
    """The rendered height (EMU) of a bold title in a box ``width_emu`` wide."""
    n = text_lines(s, size_pt, width_emu, bold=True)
    return int(n * size_pt * LINE * EMU_PT) + 2 * INSET_Y


def _fit_title(takeaway: str) -> tuple[str, str]:
    """The title as it goes on the slide, and the speaker-notes sentence. A takeaway longer than
    two lines is cut at its first clause that fits one line; the notes keep the whole."""
    if text_lines(takeaway, TITLE_PT, CONTENT_W, bold=True) <= TITLE_MAX_LINES:
        return takeaway, takeaway
    for sep in ("：", "；", "，"):
        head = takeaway.split(sep)[0]
        if head != takeaway and text_lines(head, TITLE_PT, CONTENT_W, bold=True) == 1:
            return head, takeaway
    cut = takeaway
    while text_lines(cut + "…", TITLE_PT, CONTENT_W, bold=True) > 1:
        cut = cut[:-1]
    return cut + "…", takeaway


# ---------------------------------------------------------------------------- numbers for titles
# Pure functions over the report's numeric frames. They belong in the report model
# (report/term.py, report/admission.py); the slides keep them until it has them.


def _extreme(
    table: pd.DataFrame, col: str, label_col: str, lowest: bool = True
) -> tuple[str, float]:
    rows = table[table["college"] != WHOLE_SCHOOL]
    i = rows[col].idxmin() if lowest else rows[col].idxmax()
    return str(rows.loc[i, label_col]), float(rows.loc[i, col])


# ---------------------------------------------------------------------------- term charts


def term_slide_charts(b) -> list[SlideChart]:  # noqa: ANN001 - a TermBriefing / term report
    """Every chart of the term briefing drawn for a slide (no title or footer of its own), each
    with its takeaway. Reads the report's frames: ``table``, ``by_college``, ``gaps``,
    ``progress``, ``before``."""
    rules = b.rules
    look = charts.SLIDE
    label_col = "class" if b.department else "department"
    out: list[SlideChart] = []
    lows = {c: _extreme(b.table, f"{c}_rate", label_col) for c in rules.threshold_categories}
    worst = min(lows, key=lambda c: lows[c][1])
    out.append(
        SlideChart(
            "rate_heatmap",
            charts.rate_heatmap(b.table, rules, look=look),
            f"{rules.measure(worst)}最低：{lows[worst][0]} {lows[worst][1]:.2f}%",
        )
    )
    school = b.table[b.table["college"] == WHOLE_SCHOOL]
    for c in rules.result_categories:
        lo = _extreme(b.table, f"{c}_rate", label_col)
        hi = _extreme(b.table, f"{c}_rate", label_col, lowest=False)
        ref = f"；全校 {float(school[f'{c}_rate'].iloc[0]):.2f}%（虛線）" if len(school) else ""
        out.append(
            SlideChart(
                f"rate_bars_{c}",
                charts.rate_bars(b.table, rules, c, look=look),
                f"{rules.measure(c)}：最高 {hi[0]} {hi[1]:.2f}%，最低 {lo[0]} {lo[1]:.2f}%",
                notes=f"{rules.measure(c)}：最高 {hi[0]} {hi[1]:.2f}%，最低 {lo[0]} {lo[1]:.2f}%{ref}。",
            )
        )
    top = _extreme(b.by_college, "all_rate", "college", lowest=False)
    out.append(
        SlideChart(
            "college_all_pass",
            charts.college_all_pass(b.by_college, rules, look=look),
            f"{rules.measure('all')}最高的學院：{top[0]} {top[1]:.2f}%",
        )
    )
    g = b.gaps
    near = {
        c: int(g[g["category"] == c]["students"].iloc[0])
        for c in rules.threshold_categories
        if not rules.is_counted(c)
    }
    best = max(near, key=near.get)
    out.append(
        SlideChart(
            "gaps",
            charts.gap_chart(g, rules, look=look),
            f"{rules.label(best)}有 {near[best]} 人只差 1 小時內：一次提醒就能通過",
            notes="只差 1 小時內："
            + "、".join(f"{rules.label(c)} {n} 人" for c, n in near.items())
            + "。",
        )
    )
    if not getattr(b, "has_dates", True):
        return out  # per-student totals: no dates, no progress to chart
    now = float(b.table.iloc[-1]["all_rate"])
    all_rate = rules.measure("all")
    text = f"{all_rate}目前 {now:.2f}%"
    if b.before is not None:
        delta = round(now - float(b.before.iloc[-1]["all_rate"]), 2)
        trend = "上升" if delta >= 0 else "下降"
        text = f"{all_rate} {now:.2f}%：比較日以來{trend} {abs(delta):.2f} 個百分點"
        full = (
            f"{all_rate}目前 {now:.2f}%，自 {b.compare_as_of.isoformat()} 起{trend} "
            f"{abs(delta):.2f} 個百分點。"
        )
    marks = [(b.deadline, "期限")]
    if b.compare_as_of:
        marks.insert(0, (b.compare_as_of, "比較日"))
    fig = charts.progress_chart(
        b.progress, rules, as_of=b.as_of, marks=marks, start=b.progress_start(), look=look
    )
    out.append(SlideChart("progress", fig, text, notes=full if b.before is not None else ""))
    return out


def _pct(v: float) -> str:
    return f"{v:.2f}%"


def term_slide_tables(b) -> list[SlideTable]:  # noqa: ANN001
    """The college × department (or class) table in two slides, rates then counts, each at
    14 pt: the thirteen columns of the briefing's table do not fit one 16:9 slide."""
    t = b.table
    rules = b.rules
    keys = group_keys(t)
    base = pd.DataFrame({GROUP_LABELS[k]: t[k].astype(str).replace("nan", "") for k in keys})
    if "department" in keys:
        base.loc[t["college"] == WHOLE_SCHOOL, GROUP_LABELS["department"]] = ""
    base[MEASURE_LABELS["students"]] = t["students"].map(lambda v: f"{int(v):,}")

    def lab(c: str) -> str:
        return rules.label(c)

    rates, counts = base.copy(), base.copy()
    for c in rules.result_categories:
        rates[lab(c)] = t[f"{c}_rate"].map(_pct)
        counts[lab(c)] = t[f"{c}_passed"].map(lambda v: f"{int(v):,}")
    as_of = f"資料結算至 {b.as_of.isoformat()}" if b.as_of else "資料含全部紀錄"
    scope = "各班" if b.department else "各學院、學系"
    num_r = tuple(c for c in rates.columns if c not in ("學院", "學系", "班級"))
    num_c = tuple(c for c in counts.columns if c not in ("學院", "學系", "班級"))
    return [
        SlideTable(f"{scope}通過率（{b.rules.term}）", rates, num_r, notes=f"{as_of}。"),
        SlideTable(f"{scope}通過人數（{b.rules.term}）", counts, num_c, notes=f"{as_of}。"),
    ]


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


def _style_run(run, size: float, *, bold: bool = False, color=None) -> None:  # noqa: ANN001
    """Size, weight, colour and the font for Latin and East Asian text (python-pptx names only
    the Latin one; ``a:ea`` is set in the XML), with a zh-TW language tag."""
    from lxml import etree
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size, run.font.bold = Pt(size), bold
    if color is not None:
        run.font.color.rgb = color
    run.font.name = FONT_LATIN
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "zh-TW")
    rpr.set("altLang", "en-US")
    latin = rpr.find(qn("a:latin"))
    latin.set("charset", "-120")  # CHINESEBIG5: a substitute must have Traditional Chinese
    latin.set("pitchFamily", "34")
    for tag, face in (("a:cs", FONT_LATIN), ("a:ea", FONT_EA)):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
        el = etree.SubElement(rpr, qn(tag))
        el.set("typeface", face)
        el.set("charset", "-120")
        el.set("pitchFamily", "34")
        latin.addnext(el)  # schema order: latin, ea, cs


def _set_text(tf, s: str, size: float, *, bold: bool = False, color=None, align=None) -> None:  # noqa: ANN001
    """Replace a text frame's text, one paragraph per line, every run styled."""
    lines = s.split("\n")
    tf.text = ""
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run()
        run.text = line
        _style_run(run, size, bold=bold, color=color)


def _textbox(slide, s: str, left, top, width, height, size: float, **kw):  # noqa: ANN001, ANN202
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE

    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.TOP
    tf.margin_left = tf.margin_right = INSET_X
    tf.margin_top = tf.margin_bottom = INSET_Y
    _set_text(tf, s, size, **kw)
    return box


def _title(slide, s: str, *, size: float = TITLE_PT) -> int:  # noqa: ANN001
    """The slide's title in its title placeholder, at the top, as tall as its text needs (no
    auto-size: the box is what the layout planned). Returns its bottom (EMU)."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN

    h = title_height(s, size_pt=size)
    ph = slide.shapes.title
    ph.left, ph.top, ph.width, ph.height = MARGIN_X, TITLE_TOP, CONTENT_W, h
    tf = ph.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.TOP
    tf.margin_left = tf.margin_right = INSET_X
    tf.margin_top = tf.margin_bottom = INSET_Y
    _set_text(tf, s, size, bold=True, align=PP_ALIGN.LEFT)
    return TITLE_TOP + h


def _footer(slide, footer: str) -> None:  # noqa: ANN001
    from pptx.dml.color import RGBColor

    _textbox(
        slide,
        footer,
        MARGIN_X,
        FOOTER_TOP,
        CONTENT_W,
        FOOTER_H,
        FOOTER_PT,
        color=RGBColor(0x55, 0x55, 0x55),
    )


def _notes(slide, s: str) -> None:  # noqa: ANN001
    if s:
        slide.notes_slide.notes_text_frame.text = s


def picture_box(title_bottom: int) -> tuple[int, int, int, int]:
    """Left, top, width, height of a 16:9 picture between a title and the footer."""
    top = title_bottom + GAP
    h = FOOTER_TOP - GAP // 2 - top
    w = int(h * 16 / 9)
    if w > CONTENT_W:
        w = CONTENT_W
        h = int(w * 9 / 16)
    return int((SLIDE_W - w) / 2), top, w, h


# -- tables


def _col_widths(tab: SlideTable, size: float) -> dict[str, int]:
    """Each column as wide as its widest line (header lines and values, bold) plus the cell
    margins; ``wrap`` columns take two lines only when the table would not fit otherwise."""
    pt = size * EMU_PT

    def width(em: float) -> int:
        # 8 % and a little more: renderers do not wrap text that fits exactly
        return int(em * pt * 1.08) + 2 * CELL_MX + int(0.04 * EMU_IN)

    full = {
        c: max([_cell_em_b(c), *(_cell_em_b(v) for v in tab.frame[c])]) for c in tab.frame.columns
    }
    out = {c: width(em) for c, em in full.items()}
    if sum(out.values()) > CONTENT_W and size <= TABLE_PT:  # a larger size first, unwrapped
        for c in tab.wrap:
            out[c] = width(max(math.ceil(full[c] / 2) + 1, _cell_em_b(c)))
    return out


def _cell_em_b(s: str) -> float:
    return max((text_em(line, bold=True) for line in str(s).split("\n")), default=0.0)


def _wrapped(tab: SlideTable, size: float) -> set[str]:
    w = _col_widths(tab, size)
    pt = size * EMU_PT
    return {c for c in tab.wrap if w[c] < max(_cell_em_b(v) for v in tab.frame[c]) * pt}


def _row_lines(tab: SlideTable, row: Sequence[str] | None, size: float = TABLE_PT) -> int:
    if row is None:
        return max(str(c).count("\n") + 1 for c in tab.frame.columns)
    wrapped = _wrapped(tab, size)
    n = 1
    for c, v in zip(tab.frame.columns, row, strict=True):
        n = max(n, 2 if c in wrapped else str(v).count("\n") + 1)
    return n


def _row_height(lines: int, size: float) -> int:
    return int(lines * size * LINE * EMU_PT) + 2 * CELL_MY


def table_fits(tab: SlideTable, top: int, size: float = TABLE_PT) -> bool:
    width = sum(_col_widths(tab, size).values())
    height = _row_height(_row_lines(tab, None), size) + sum(
        _row_height(_row_lines(tab, list(map(str, r)), size), size)
        for r in tab.frame.itertuples(index=False)
    )
    return (
        width <= CONTENT_W
        and top + height <= FOOTER_TOP - GAP // 2
        and len(tab.frame.columns) <= MAX_TABLE_COLS
    )


def _paginate(tab: SlideTable, top: int) -> tuple[float, list[SlideTable]]:
    """The type size and the table as it goes on slides: whole at the largest size that fits
    (20 pt down to 14 pt); at 14 pt, if it still does not fit, its rows split evenly (the header
    repeated, （1/2） in the title). Columns are grouped by the caller (a ``SlideTable`` each)."""
    for size in TABLE_SIZES:
        if table_fits(tab, top, size):
            return size, [tab]
    size = TABLE_PT
    n = len(tab.frame)
    for parts in range(2, n + 1):
        per = math.ceil(n / parts)
        chunks = [tab.frame.iloc[i : i + per] for i in range(0, n, per)]
        pages = [
            SlideTable(
                f"{tab.title}（{k + 1}/{len(chunks)}）",
                ch.reset_index(drop=True),
                tab.numeric,
                tab.notes,
                tab.wrap,
            )
            for k, ch in enumerate(chunks)
        ]
        if all(table_fits(p, top, size) for p in pages):
            return size, pages
    raise ValueError(f"table {tab.title!r} does not fit a slide at {size} pt")


def _add_table(slide, tab: SlideTable, top: int, size: float = TABLE_PT) -> None:  # noqa: ANN001
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN

    widths = _col_widths(tab, size)
    cols = list(tab.frame.columns)
    rows = [list(map(str, r)) for r in tab.frame.itertuples(index=False)]
    heights = [_row_height(_row_lines(tab, None), size)] + [
        _row_height(_row_lines(tab, r, size), size) for r in rows
    ]
    wrapped = _wrapped(tab, size)
    total_w = sum(widths.values())
    left = MARGIN_X + (CONTENT_W - total_w) // 2
    shape = slide.shapes.add_table(len(rows) + 1, len(cols), left, top, total_w, sum(heights))
    tbl = shape.table
    for j, c in enumerate(cols):
        tbl.columns[j].width = widths[c]
    for i, h in enumerate(heights):
        tbl.rows[i].height = h
    total_row = {len(rows)} if rows and rows[-1][0] == WHOLE_SCHOOL else set()
    for i, values in enumerate([cols, *rows]):
        for j, (c, v) in enumerate(zip(cols, values, strict=True)):
            cell = tbl.cell(i, j)
            cell.margin_left = cell.margin_right = CELL_MX
            cell.margin_top = cell.margin_bottom = CELL_MY
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE if i == 0 else MSO_ANCHOR.TOP
            align = PP_ALIGN.RIGHT if c in tab.numeric else PP_ALIGN.LEFT
            _set_text(
                cell.text_frame,
                str(v),
                size,
                bold=i == 0 or i in total_row,
                align=align,
            )
            cell.text_frame.word_wrap = c in wrapped


def build_deck(
    items: list[SlideChart],
    pngs: list[Path],
    tables: list[SlideTable] | pd.DataFrame,
    path: Path,
    *,
    title: str,
    subtitle: str,
    footer: str,
) -> Path:
    """A 16:9 deck: a title slide, a slide per chart (its takeaway as title, the picture below
    the title's height), the table slides."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN

    if isinstance(tables, pd.DataFrame):  # a bare frame: numbers are the non-text columns
        num = tuple(c for c in tables.columns if pd.api.types.is_numeric_dtype(tables[c]))
        tables = [
            SlideTable(
                title,
                tables.map(lambda v: f"{v:.2f}" if isinstance(v, float) else str(v)),
                num,
            )
        ]
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    title_only = prs.slide_layouts[5]
    grey = RGBColor(0x55, 0x55, 0x55)

    s = prs.slides.add_slide(prs.slide_layouts[0])
    bottom = TITLE_TOP + int(1.9 * EMU_IN)
    ph = s.shapes.title
    big = 40
    ph.left, ph.width = MARGIN_X, CONTENT_W
    ph.height = title_height(title, size_pt=big)
    ph.top = bottom - ph.height
    _set_text(ph.text_frame, title, big, bold=True, align=PP_ALIGN.LEFT)
    ph.text_frame.word_wrap = True
    sub = s.placeholders[1]
    sub.left, sub.top, sub.width = MARGIN_X, bottom + GAP, CONTENT_W
    sub.height = title_height(subtitle, size_pt=24)
    _set_text(sub.text_frame, subtitle, 24, color=grey, align=PP_ALIGN.LEFT)
    _footer(s, footer)

    for item, png in zip(items, pngs, strict=True):
        s = prs.slides.add_slide(title_only)
        shown, full = _fit_title(item.takeaway)
        left, top, w, h = picture_box(_title(s, shown))
        s.shapes.add_picture(str(png), left, top, width=w, height=h)
        _footer(s, footer)
        extra = item.notes if item.notes and item.notes != full else ""
        _notes(s, "\n".join(x for x in (full, extra) if x))
    for tab in tables:
        # the title's height decides where the table starts (a page title adds （1/2）)
        top = TITLE_TOP + title_height(tab.title + "（1/2）") + GAP
        size, pages = _paginate(tab, top)
        for page in pages:
            s = prs.slides.add_slide(title_only)
            t_bottom = _title(s, page.title)
            _add_table(s, page, t_bottom + GAP, size)
            _footer(s, footer)
            _notes(s, page.notes)
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
    from .report import TermReport

    find_browser()  # fail fast, before any computation
    # Empty dates are the term's own (its rules file), as in the briefing.
    b = TermReport.build(
        term=term,
        as_of=as_of or "",
        students=students,
        records=records,
        compare_as_of=compare_as_of or "",
        department=department,
    )
    items = term_slide_charts(b)
    as_of_text = (
        b.as_of.isoformat() if b.as_of else ("各生累計總表" if not b.has_dates else "全部紀錄")
    )
    scope = f"{department} " if department else ""
    return _write(
        out,
        items,
        term_slide_tables(b),
        title=f"{term} {scope}學生自主學習畢業門檻通過率",
        subtitle=f"資料結算至 {as_of_text}；大四學生 {int(b.table.iloc[-1]['students'])} 人",
        footer=f"資料結算至 {as_of_text}｜來源：學生自主學習畢業門檻認證系統｜製表 {dt.date.today().isoformat()}",
    )


def _write(
    out: str | Path,
    items: list[SlideChart],
    tables: list[SlideTable],
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
            items, pngs, tables, tmp / "deck.pptx", title=title, subtitle=subtitle, footer=footer
        )
    return (
        [out / p.name for p in pngs] + [out / f"{c.name}.svg" for c in items] + [out / "deck.pptx"]
    )


# ---------------------------------------------------------------------------- admission charts


def _programs(b) -> list[tuple[str, str]]:  # noqa: ANN001
    present = set(b.summary.loc[b.summary["applicants"] > 0, "program"])
    return [(p.id, p.name) for p in b.rules.programs if p.id in present]


def admission_slide_charts(b) -> list[SlideChart]:  # noqa: ANN001 - an AdmissionBriefing / report
    """Every chart of the admission briefing drawn for a slide, each with its takeaway. Reads
    the report's frames: ``summary``, ``compared``, ``prob``, ``depth``."""
    look = charts.SLIDE
    s = b.summary[b.summary["applicants"] > 0]
    programs = _programs(b)
    names = dict(programs)
    out: list[SlideChart] = []
    dq_n, dq_s = int(s["disqualified_normal"].sum()), int(s["disqualified_special"].sum())
    worst = s.loc[(s["both"] / s["quota"]).idxmin()]
    out.append(
        SlideChart(
            "admission_status",
            charts.admission_status_chart(s, look=look),
            f"資格不符：一般模式 {dq_n} 人，特殊狀態 {dq_s} 人",
            notes=f"兩種模式正取名單重疊最少：{worst['name']}，兩者皆正取 {int(worst['both'])} 人"
            f"（名額 {int(worst['quota'])}）。",
        )
    )
    for pid, name in programs:
        row = s[s["program"] == pid].iloc[0]
        fig = charts.rank_shift_chart(b.compared, [(pid, name)], boundary_only=True, look=look)
        out.append(
            SlideChart(
                f"rank_shift_{pid}",
                fig,
                f"{name}：{int(row['only_special'])} 人移入、{int(row['only_normal'])} 人移出正取",
                notes=f"{name}：兩種模式皆正取 {int(row['both'])} 人（名額 {int(row['quota'])}）；"
                f"{int(row['only_special'])} 人僅在特殊狀態正取，{int(row['only_normal'])} 人僅在"
                f"一般模式正取。名次相關 Spearman {row['spearman']:.2f}、Kendall {row['kendall']:.2f}。"
                "圖中只畫正取與否隨模式改變的考生；「資格不符」列為該模式無名次者。",
            )
        )
    edge = b.probability_counts()  # admission.probability_summary: the one count
    n_edge = int(edge.loc[edge["mode"] == "normal", "marginal"].sum())
    out.append(
        SlideChart(
            "admission_probability",
            charts.probability_chart(
                b.prob.dropna(subset=["rank"]), programs, b.sd, b.draws, look=look
            ),
            f"評分雜訊 SD {b.sd:g} 分：一般模式 {n_edge} 位考生的錄取取決於評分誤差",
            notes=f"評分雜訊 SD {b.sd:g} 分、模擬 {b.draws} 次：一般模式有 {n_edge} 位考生的錄取機率"
            "介於 5% 與 95% 之間。實線為一般模式，點線為特殊狀態。",
        )
    )
    d = b.backfill_summary()  # admission.backfill_summary: the one summary
    d = d[d["mode"] == "normal"].reset_index(drop=True)
    deep = d.loc[d["mean_depth"].idxmax()]
    out.append(
        SlideChart(
            "waitlist_depth",
            charts.waitlist_depth_chart(
                b.depth[b.depth["mode"] == "normal"], programs, b.no_show, look=look
            ),
            f"{names[deep['program']]}：平均遞補到第 {deep['mean_depth']:.1f} 位，"
            f"90% 不超過第 {int(deep['p90_depth'])} 位",
            notes=f"正取未報到率 {b.no_show:.0%}（一般模式）：{names[deep['program']]} 平均遞補到第 "
            f"{deep['mean_depth']:.1f} 位，90% 的情況不超過第 {int(deep['p90_depth'])} 位。",
        )
    )
    return out


def admission_slide_tables(b) -> list[SlideTable]:  # noqa: ANN001
    """The admission overview (the briefing's 16 columns) in two slides: outcomes per mode;
    cutoffs, overlap and rank correlation. Built from the numeric ``summary``."""
    s = b.summary
    year = b.rules.year
    mode = charts.MODE_LABELS

    def num(v: float) -> str:
        return f"{int(v):,}"

    first = pd.DataFrame({"專班": s["name"], "名額": s["quota"].map(num)})
    first["報名\n人數"] = s["applicants"].map(num)
    for m in ("normal", "special"):
        first[f"{mode[m]}\n正取"] = s[f"admitted_{m}"].map(num)
        first[f"{mode[m]}\n備取"] = s[f"waitlisted_{m}"].map(num)
        first[f"{mode[m]}\n資格不符"] = s[f"disqualified_{m}"].map(num)
    second = pd.DataFrame({"專班": s["name"]})
    for m in ("normal", "special"):
        second[f"{mode[m]}\n錄取最低分"] = [
            f"{v:.2f}" if pd.notna(v) else "–" for v in s[f"cutoff_{m}"]
        ]
    second["兩者皆\n正取"] = s["both"].map(num)
    second["僅一般\n正取"] = s["only_normal"].map(num)
    second["僅特殊\n正取"] = s["only_special"].map(num)
    second["名次相關\nSpearman"] = [f"{v:.3f}" if pd.notna(v) else "–" for v in s["spearman"]]
    second["名次相關\nKendall"] = [f"{v:.3f}" if pd.notna(v) else "–" for v in s["kendall"]]
    return [
        SlideTable(
            f"{year} 學年度招生模擬：各專班錄取結果",
            first,
            tuple(first.columns[1:]),
            wrap=("專班",),
        ),
        SlideTable(
            f"{year} 學年度招生模擬：錄取最低分與名單重疊",
            second,
            tuple(second.columns[1:]),
            notes="名次相關以兩種模式皆有名次的考生計算。",
            wrap=("專班",),
        ),
    ]


def export_admission_slides(out: str | Path, **scenario: Any) -> list[Path]:
    """Every admission-briefing chart as PNG and SVG plus ``deck.pptx`` in ``out``.
    ``scenario``: the keywords of ``briefing.admission_scenario``."""
    from .briefing import admission_scenario
    from .report import AdmissionReport

    find_browser()
    params = admission_scenario(**scenario)
    b = AdmissionReport.build(**params)
    year = params["year"]
    return _write(
        out,
        admission_slide_charts(b),
        admission_slide_tables(b),
        title=f"{year} 學年度產學訓四技專班：招生排名模擬",
        subtitle=f"一般模式與特殊狀態之比較；報名 {int(b.summary['applicants'].sum())} 人",
        footer=f"{year} 學年度招生簡章｜模擬：ncut_analysis｜製表 {dt.date.today().isoformat()}",
    )
