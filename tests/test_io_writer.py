"""The one writer: no file the package writes carries a live formula (CSV/formula injection)."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.io import FORMULA_STARTS, csv_text, write_csv, write_xlsx
from ncut_analysis.rosters import write_rosters

from .conftest import STUDENT_HEADER, write

EVIL = ['=HYPERLINK("http://example.com/x","點我")', "+SUM(1,2)", "-2+3", "@SUM(A1:A9)"]


def _plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_cells(path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


def _no_formula_cells(path) -> list[object]:
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(1,2)", "'+SUM(1,2)"),
        ("-2+3", "'-2+3"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3", "-3"),  # a plain number stays a number
        ("+1.5", "+1.5"),
        ("-2.5e3", "-2.5e3"),
        ("陳=小明", "陳=小明"),
        ("", ""),
        (3, 3),
    ],
)
def test_csv_text(value, written):
    assert csv_text(value) == written


@pytest.fixture
def evil(tmp_path):
    """Four seniors of one class named like formulas, in a class and department named so too."""
    lines = [STUDENT_HEADER]
    lines += [
        f'S{i},"{n.replace(chr(34), chr(34) * 2)}",工程學院,=化材,+化材四甲,111,日四技'
        for i, n in enumerate(EVIL)
    ]
    students = write(tmp_path / "students.csv", "\n".join(lines) + "\n")
    records = write(
        tmp_path / "records.csv",
        "student_id,category,amount,date\nS0,抗壓,3,2025-01-01\nS1,證照,1,2025-01-01\n",
    )
    return students, records


def test_rosters_of_students_named_like_formulas(evil, tmp_path):
    s, r = evil
    rules = na.load_term_rules("114-1")
    status = na.student_status(na.load_students(s), na.load_records(r), rules=rules)
    (xlsx,) = write_rosters(status, rules, tmp_path / "ro", dt.date(2025, 12, 12))
    assert _no_formula_cells(xlsx) == []
    names = [
        row[2] for row in openpyxl.load_workbook(xlsx).active.iter_rows(min_row=4, values_only=True)
    ]
    assert sorted(names) == sorted(EVIL)  # the names as they are, as text
    cells = _csv_cells(xlsx.with_suffix(".csv"))
    assert set(EVIL) <= {c[1:] for c in cells if c.startswith("'")}
    bad = [c for c in cells if c[:1] in FORMULA_STARTS and not _plain_number(c)]
    assert bad == []


def test_briefing_workbook_of_students_named_like_formulas(evil, tmp_path):
    s, r = evil
    b = na.TermBriefing.build(students=str(s), records=str(r), output_dir=str(tmp_path / "b"))
    b.write_xlsx()
    path = tmp_path / "b" / "term_briefing.xlsx"
    assert _no_formula_cells(path) == []
    values = {
        c
        for ws in openpyxl.load_workbook(path).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
    }
    assert "=化材" in values  # the department, as text


def test_write_csv_and_write_xlsx_of_any_frame(tmp_path):
    df = pd.DataFrame(
        {
            "name": pd.array([*EVIL, "甲", None], dtype="string"),
            "n": [1, -2, 3, 4, 5, 6],
            "obj": ["-1", "=x", "a", "b", "c", "d"],
            "cat": pd.Categorical(["@x", "y", "y", "y", "y", "y"]),
        }
    )
    p = write_csv(df, tmp_path / "x.csv", bom=True)
    cells = _csv_cells(p)
    assert [c for c in cells if c[:1] in FORMULA_STARTS and not _plain_number(c)] == []
    assert "-2" in cells and "-1" in cells and "'=x" in cells and "'@x" in cells
    x = write_xlsx({"表": df}, tmp_path / "x.xlsx")
    assert _no_formula_cells(x) == []
    assert openpyxl.load_workbook(x)["表"]["A2"].value == EVIL[0]
