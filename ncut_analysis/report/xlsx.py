"""Workbooks an Excel user expects: one sheet a table, Chinese headers in a bold frozen row with
filters, widths that fit, numbers as numbers with formats, dates as dates, and text as text (never
a live formula, whatever a name or a value begins with)."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Sequence
from copy import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..io import save_workbook
from ..labels import LABELS

__all__ = ["write_workbook", "fill_sheet", "text_width", "FORMATS"]

# Named formats a report can ask for in ``frame.attrs["formats"]`` ({column: name}).
FORMATS = {
    "int": "#,##0",
    "rate": "0.00",  # a percentage as a number (87.77), the unit "（%）" in its header
    "share": "0.0%",  # a proportion (0.126) shown as a percentage
    "change": "+0.00;-0.00;0.00",  # signed percentage points
    "count_change": "+#,##0;-#,##0;0",
    "score": "0.00",
    "corr": "0.000",
    "one": "0.0",
    "date": "yyyy-mm-dd",
}
# Printing: what fits across an A4 page at 100 % (in column-width characters of the 11 pt
# default font, 0.4 in margins), and the smallest scale that keeps 11 pt type at 9 pt.
PORTRAIT_CHARS = 92
LANDSCAPE_CHARS = 136
MIN_SCALE = 9 / 11
_COLUMNS = LABELS["report_columns"]
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEAD_FONT = Font(bold=True)
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def text_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet: CJK and full-width characters count two."""
    text = str(value)
    return len(text) if text.isascii() else _wide_width(text)


@functools.lru_cache(maxsize=1 << 14)
def _wide_width(text: str) -> int:  # a roster repeats its verdicts (「4.5 / 3 通過」) and classes
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(v: Any) -> Any:
    """A frame value as openpyxl should store it: numbers as numbers, dates as dates, missing as
    empty, everything else as text."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().date() if v == v.normalize() else v.to_pydatetime()
    if isinstance(v, dt.date):
        return v
    return str(v)


def _format_of(series: pd.Series, named: str | None) -> str | None:
    if named:
        return FORMATS.get(named, named)
    if pd.api.types.is_bool_dtype(series) or isinstance(series.dtype, pd.StringDtype):
        return None
    if pd.api.types.is_integer_dtype(series):
        return FORMATS["int"]
    if pd.api.types.is_float_dtype(series):
        return FORMATS["score"]
    if pd.api.types.is_datetime64_any_dtype(series):
        return FORMATS["date"]
    if len(series) and all(isinstance(v, dt.date) for v in series.dropna()):
        return FORMATS["date"]
    return None


def fill_sheet(
    ws: Worksheet,
    df: pd.DataFrame,
    *,
    header_row: int = 1,
    body: Alignment | None = None,
    marked: Sequence[bool] | None = None,
    mark: PatternFill | None = None,
    aligned: dict[int, Alignment] | None = None,
    head_font: Font = _HEAD_FONT,
    font: Font | None = None,
) -> None:
    """Write ``df`` with its header on ``header_row``: bold frozen header with filters, widths
    that fit, number formats from ``df.attrs["formats"]`` or the column's type, text as text.
    ``body``: the data cells' alignment (``aligned``: another for some columns, by their
    1-based position); ``marked``: per row, whether it takes the ``mark`` fill (a roster's
    failing students); ``head_font`` and ``font``: the header's and the data cells' type."""
    named = df.attrs.get("formats", {})
    # The frame's attrs are read here only; pandas deep-copies them for every column taken
    # below (a roster's per-row marks: most of the column accesses' cost).
    df = df.copy(deep=False)
    df.attrs = {}
    aligned = aligned or {}
    cols = list(df.columns)
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(header_row, j, str(c))
        cell.data_type = "s"
        cell.font = head_font
        cell.fill = _HEAD_FILL
        cell.alignment = _HEAD_ALIGN
    widths = [text_width(c) for c in cols]
    fmts = [_format_of(df[c], named.get(c)) for c in cols]
    # A column's look (format, alignment, fill) for each kind of value is set once through
    # openpyxl, then copied: setting it cell by cell costs a style lookup each, most of a
    # roster's time. The kind counts: openpyxl gives a date its own format when it is stored.
    looks: dict[tuple[int, bool, type], Any] = {}
    for i, row in enumerate(df.itertuples(index=False)):
        hot = bool(marked[i]) if marked is not None else False
        for j, v in enumerate(row, start=1):
            val = _value(v)
            cell = ws.cell(header_row + 1 + i, j)
            cell.value = val
            if isinstance(val, str):
                cell.data_type = "s"  # text stays text: "=HYPERLINK(...)" is not a formula
                widths[j - 1] = max(widths[j - 1], text_width(val))
            elif val is not None:
                widths[j - 1] = max(
                    widths[j - 1], len(f"{val:,.2f}" if isinstance(val, float) else str(val))
                )
            kind = (j, hot, type(val))
            look = looks.get(kind)
            if look is not None:
                cell._style = copy(look)
                continue
            if fmts[j - 1] and val is not None and not isinstance(val, str):
                cell.number_format = fmts[j - 1]
            if font is not None:
                cell.font = font
            if aligned.get(j, body) is not None:
                cell.alignment = aligned.get(j, body)
            if hot and mark is not None:
                cell.fill = mark
            looks[kind] = copy(cell._style)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 6), 60)
    last = get_column_letter(max(len(cols), 1))
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(df), 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    wide = sum(min(max(w + 2, 6), 60) for w in widths)
    ws.page_setup.orientation = "landscape" if wide > PORTRAIT_CHARS else "portrait"
    room = LANDSCAPE_CHARS if wide > PORTRAIT_CHARS else PORTRAIT_CHARS
    # As many pages wide as keep the type at 9 pt or more (11 pt scaled by at least 0.82).
    ws.page_setup.fitToWidth = max(1, -(-wide // int(room / MIN_SCALE)))
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    lead = 0  # the leading text columns (學院, 學系, 班級) name each row on every page
    while lead < min(3, len(cols) - 1) and not pd.api.types.is_numeric_dtype(df[cols[lead]]):
        lead += 1
    if ws.page_setup.fitToWidth > 1 and lead:
        ws.print_title_cols = f"A:{get_column_letter(lead)}"


def write_workbook(tables: dict[str, pd.DataFrame], target: str | Path, *, title: str = "") -> Path:
    """One sheet per table (in order), written atomically; ``title`` goes in the page header.

    A table holding personal data says so in ``df.attrs["personal_data"]`` (the notice): as a
    roster does, its sheet then carries the notice in a first row above the header and in the
    printed footer."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in tables.items():
        ws = wb.create_sheet(name[:31])
        notice = df.attrs.get("personal_data")
        if notice:
            ws["A1"] = str(notice)
            ws["A1"].data_type = "s"
            ws["A1"].font = Font(bold=True, color="C00000")
            ws.oddFooter.left.text = str(notice)
        header = 2 if notice else 1
        fill_sheet(ws, df, header_row=header)
        rows = df.attrs.get("print_rows")
        if rows is not None:  # a long table prints its last rows unless asked for all
            last = get_column_letter(max(len(df.columns), 1))
            first = header + 1 + len(df) - int(rows)
            ws.print_area = f"A{first}:{last}{header + len(df)}"  # the header repeats above
        if title:
            ws.oddHeader.center.text = _COLUMNS["sheet_header"].format(title=title, sheet=name)
        ws.oddFooter.center.text = _COLUMNS["workbook_page"]
    return save_workbook(wb, target)  # the package's one writer: atomic, no live formula
