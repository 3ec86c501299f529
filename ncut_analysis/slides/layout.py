"""The deck's layout and drawing: slide geometry, text measure, the python-pptx shapes, table
pagination and ``build_deck``.

The layout is computed, not left to auto-size: a title's rendered height is estimated from its
text (CJK characters are one em wide, Latin narrower, words never broken) and the picture is
placed below it; a table is split across slides rather than shrunk below 14 pt."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from ..labels import LABELS

_PAGE = LABELS["slides_layout"]["page"]

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
TABLE_PT = 18  # the smallest table type (legible when projected); larger where the table allows
TABLE_SIZES = (20, TABLE_PT)
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
    total_rows: tuple[int, ...] = ()  # rows (0-based, of ``frame``) drawn bold as totals


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
_NO_START = set(LABELS["slides_layout"]["no_start"])


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
    for sep in LABELS["slides_layout"]["title_breaks"]:
        head = takeaway.split(sep)[0]
        if head != takeaway and text_lines(head, TITLE_PT, CONTENT_W, bold=True) == 1:
            return head, takeaway
    cut = takeaway
    while text_lines(cut + "…", TITLE_PT, CONTENT_W, bold=True) > 1:
        cut = cut[:-1]
    return cut + "…", takeaway


# ---------------------------------------------------------------------------- drawing


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


def _fixed_frame(tf):  # noqa: ANN001, ANN202
    """A text frame that wraps inside the box the layout planned: no auto-size, text from the
    top, the deck's insets."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE

    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.TOP
    tf.margin_left = tf.margin_right = INSET_X
    tf.margin_top = tf.margin_bottom = INSET_Y
    return tf


def _textbox(slide, s: str, left, top, width, height, size: float, **kw):  # noqa: ANN001, ANN202
    box = slide.shapes.add_textbox(left, top, width, height)
    _set_text(_fixed_frame(box.text_frame), s, size, **kw)
    return box


def _title(slide, s: str, *, size: float = TITLE_PT) -> int:  # noqa: ANN001
    """The slide's title in its title placeholder, at the top, as tall as its text needs (no
    auto-size: the box is what the layout planned). Returns its bottom (EMU)."""
    from pptx.enum.text import PP_ALIGN

    h = title_height(s, size_pt=size)
    ph = slide.shapes.title
    ph.left, ph.top, ph.width, ph.height = MARGIN_X, TITLE_TOP, CONTENT_W, h
    _set_text(_fixed_frame(ph.text_frame), s, size, bold=True, align=PP_ALIGN.LEFT)
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


def picture_box(title_bottom: int, aspect: float = 1200 / 520) -> tuple[int, int, int, int]:
    """Left, top, width, height of a chart picture (``aspect``: width over height, the slide
    canvas's) between a title and the footer: the content width where the height allows."""
    top = title_bottom + GAP
    h = FOOTER_TOP - GAP // 2 - top
    w = int(h * aspect)
    if w > CONTENT_W:
        w = CONTENT_W
        h = int(w / aspect)
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
        if sum(out.values()) > CONTENT_W and tab.wrap:
            # long names (an English department's): the wrap columns share what is left, at
            # least their header wide, and take as many lines as they need
            fixed = sum(v for c, v in out.items() if c not in tab.wrap)
            room = max(CONTENT_W - fixed, 0) // len(tab.wrap)
            for c in tab.wrap:
                out[c] = max(min(out[c], room), width(_cell_em_b(c)))
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
    widths = _col_widths(tab, size) if wrapped else {}
    n = 1
    for c, v in zip(tab.frame.columns, row, strict=True):
        if c in wrapped:  # the cell's own lines at its column's width (cell margins as insets)
            w = widths[c] - 2 * CELL_MX + 2 * INSET_X - int(0.04 * EMU_IN)
            n = max(n, text_lines(str(v), size * 1.08, w, bold=False))
        else:
            n = max(n, str(v).count("\n") + 1)
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
                tab.title + _PAGE.format(k=k + 1, n=len(chunks)),
                ch.reset_index(drop=True),
                tab.numeric,
                tab.notes,
                tab.wrap,
                tuple(i - k * per for i in tab.total_rows if k * per <= i < (k + 1) * per),
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
    total_row = {i + 1 for i in tab.total_rows}
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
    made: dt.datetime | None = None,
) -> Path:
    """A 16:9 deck: a title slide, a slide per chart (its takeaway as title, the picture below
    the title's height), the table slides. Its document properties name the school, the deck's
    title and when it was made (``made``, now by default), never the template's author."""
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
        pic = s.shapes.add_picture(str(png), left, top, width=w, height=h)
        # The picture's alternative text (a screen reader's, PowerPoint's 替代文字) is what the
        # chart shows, not python-pptx's default, the image's file name.
        pic._element.nvPicPr.cNvPr.set("descr", full)
        _footer(s, footer)
        extra = item.notes if item.notes and item.notes != full else ""
        _notes(s, "\n".join(x for x in (full, extra) if x))
    for tab in tables:
        # the title's height decides where the table starts (a page title adds （1/2）)
        top = TITLE_TOP + title_height(tab.title + _PAGE.format(k=1, n=2)) + GAP
        size, pages = _paginate(tab, top)
        for page in pages:
            s = prs.slides.add_slide(title_only)
            t_bottom = _title(s, page.title)
            _add_table(s, page, t_bottom + GAP, size)
            _footer(s, footer)
            _notes(s, page.notes)
    _properties(prs, title, made)
    prs.save(path)
    return path


def _properties(prs, title: str, made: dt.datetime | None) -> None:  # noqa: ANN001
    """The file's core properties as File > Properties shows them: the school, not python-pptx's
    template (author "Steve Canny", created 2013)."""
    from ..labels import LABELS

    when = (made or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    cp = prs.core_properties
    cp.author = cp.last_modified_by = LABELS["school"]["name"]
    cp.title = title
    cp.subject = title
    cp.keywords = ""
    cp.comments = ""
    cp.category = ""
    cp.created = cp.modified = when
    cp.last_printed = when
    cp.revision = 1
