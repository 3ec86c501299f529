from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

import ncut_analysis as na
from ncut_analysis.rosters import roster_table, write_rosters


def test_roster_per_class_failing_first(tiny, tmp_path):
    s, r = tiny
    rules = na.load_term_rules("114-1")
    st = na.student_status(na.load_students(s), na.load_records(r), rules=rules, as_of="2025-12-12")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    files = write_rosters(st, rules, tmp_path / "out", dt.date(2025, 12, 12))
    assert sorted(f.name for f in files) == ["化材四乙.xlsx", "化材四甲.xlsx", "機械四甲.xlsx"]
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"  # nothing already there is lost
    ws = openpyxl.load_workbook(tmp_path / "out" / "化材四甲.xlsx").active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    header, first, second = rows[0], rows[1], rows[2]
    assert header == (
        "班級",
        "學號",
        "姓名",
        "全數通過",
        "抗壓",
        "抗壓（小時）",
        "精進",
        "精進（小時）",
        "社會接軌",
        "社會接軌（小時）",
        "證照",
        "證照（張）",
        "尚缺",
    )
    assert first[1] == "S2" and first[3] == "未通過"  # failing first
    assert (
        first[4] == "2.99 / 3 未通過"
        and first[6] == "2 / 3 未通過"
        and first[8] == "24 + 0 / 24 通過"
    )
    # the amounts as numbers beside the text, so that a column sorts (美學 counted in 社會接軌)
    assert (first[5], first[7], first[9], first[11]) == (2.99, 2, 24, 0)
    assert first[12] == "抗壓 0.01 小時；精進 1 小時；證照 1 張"
    assert second[1] == "S1" and second[8] == "20 + 4 / 24 通過" and second[9] == 24
    assert not second[12]
    assert ws["F4"].number_format == "0.0##" and ws["L4"].number_format == "0"
    assert ws["F5"].number_format == "0.0##" and ws["L5"].number_format == "0"
    # the failing student's row is marked on every cell, the passing one's not; both wrap
    assert {ws.cell(4, c).fill.fgColor.rgb for c in range(1, 14)} == {"00FDE2E1"}
    assert {ws.cell(5, c).fill.fill_type for c in range(1, 14)} == {None}
    assert all(ws.cell(r, c).alignment.wrap_text for r in (4, 5) for c in range(1, 14))
    assert "含個人資料" in ws["A2"].value
    # printed: A4 landscape, one page wide, the header row on every page, class and date on top
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$3" and ws.freeze_panes == "A4"
    assert "化材四甲" in ws.oddHeader.left.text and "2025-12-12" in ws.oddHeader.right.text
    csv = pd.read_csv(tmp_path / "out" / "化材四甲.csv", encoding="utf-8-sig")
    assert list(csv["學號"]) == ["S2", "S1"]


def test_roster_table_missing_text(tiny):
    s, r = tiny
    rules = na.load_term_rules("114-1")
    st = na.student_status(na.load_students(s), na.load_records(r), rules=rules)
    t = roster_table(st[st["student_id"] == "S3"], rules)
    assert t.loc[0, "尚缺"] == "抗壓 3 小時；精進 3 小時；社會接軌 24 小時；證照 1 張"


def test_sheet_formats_follow_each_value_not_the_first(tmp_path):
    # A column mixing dates, numbers and text: each cell keeps the look of its own kind.
    import datetime as dt

    from ncut_analysis.report.xlsx import write_workbook

    df = pd.DataFrame(
        {
            "日期": [dt.date(2024, 1, 2), 3.5, "文字", dt.date(2024, 1, 3)],
            "時數": [1.5, 2.0, 3.25, 0.0],
        }
    )
    write_workbook({"表": df}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["A2"].number_format == "yyyy-mm-dd" and ws["A5"].number_format == "yyyy-mm-dd"
    assert ws["A3"].number_format == "General" and ws["A3"].value == 3.5
    assert ws["A4"].value == "文字"
    assert {ws.cell(r, 2).number_format for r in range(2, 6)} == {"0.00"}
