"""The notices' sheets: the students' mail merge and each office's list, as xlsx and csv.

Every cell is text (never a live formula); the csv files are UTF-8 with a BOM for Excel, and
a cell a spreadsheet would run gets a leading ``'`` (``safe_cell``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from ..labels import LABELS
from ..rules import TermRules
from ..writers import save_workbook
from .plan import OFFICE_FIELDS, STUDENT_FIELDS, NoticePlan, OfficeList
from .render import RESULT_LABELS
from .words import header_of

__all__ = ["safe_cell", "write_students", "write_office_list"]

_COL = LABELS["notices_column"]
_SHEET = LABELS["notices_sheet"]
_PAGE = "&P / &N"  # Excel's page number and page count
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a
    leading ``'``, unless it is a plain number (``-3``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _write(
    table: pd.DataFrame, headers: list[str], folder: Path, stem: str, sheet: str, notice: str
) -> None:
    """``<stem>.csv`` and ``<stem>.xlsx`` of ``table`` (text cells, frozen header row; on paper
    A4 landscape one page wide, the header row on every page, ``notice`` in the footer)."""
    rows = [["" if pd.isna(v) else str(v) for v in r] for r in table.itertuples(index=False)]
    with (folder / f"{stem}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(headers)
        w.writerows([[safe_cell(v) for v in r] for r in rows])
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wide = {_COL["text"], _COL["missing"]}
    for r, cells in enumerate(ws.iter_rows(), start=1):
        for cell in cells:
            cell.data_type = "s"  # text, even where it begins with "=" (openpyxl: a formula)
            cell.number_format = "@"
            if r == 1:
                cell.font = Font(bold=True)
            else:
                cell.alignment = Alignment(
                    vertical="top", wrap_text=headers[cell.column - 1] in wide
                )
    for i, h in enumerate(headers, start=1):
        width = 60 if h == _COL["text"] else 36 if h == _COL["missing"] else 14
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text = notice
    ws.oddFooter.right.text = _PAGE
    save_workbook(wb, folder / f"{stem}.xlsx")  # the school as its author; text never a formula


def write_students(plan: NoticePlan, rules: TermRules, folder: Path) -> None:
    """``students.csv`` and ``students.xlsx``: one mail-merge row per student to notify."""
    fields = [
        *STUDENT_FIELDS,
        *(f"{c}_missing" for c in rules.threshold_categories),
        "deadline",
        "text",
    ]
    table = plan.students[fields].copy()
    table["result"] = table["result"].map(RESULT_LABELS)
    headers = [header_of(f, rules) for f in fields]
    _write(table, headers, folder, "students", _SHEET["students"], _SHEET["students_notice"])


def write_office_list(office: OfficeList, rules: TermRules, folder: Path, stem: str) -> None:
    """An office's list as ``<stem>.csv`` and ``<stem>.xlsx``: ``render.OFFICE_FIELDS``."""
    headers = [header_of(f, rules) for f in OFFICE_FIELDS]
    table = office.students.reindex(columns=list(OFFICE_FIELDS), fill_value="")
    _write(table, headers, folder, stem, _SHEET["office"], _SHEET["office_notice"])
