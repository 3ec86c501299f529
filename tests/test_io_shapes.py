"""School-shaped inputs: Chinese headers (Big5, UTF-8 with BOM, .xlsx), title rows above the
header, a header over two rows, sheets, per-student totals. Each gives exactly the counts of
the English-header file (the ``tiny`` fixture, hand-counted in conftest)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.cli import main
from ncut_analysis.headers import field_of, normalize
from ncut_analysis.io import InputError
from ncut_analysis.loaders import is_totals, records_kind
from ncut_analysis.thresholds import RESULT_CATEGORIES

from .conftest import write

# Per-student totals of the tiny records (every record, no as-of day), summed by hand:
# S1 抗壓 3, 精進 10 x 0.3 = 3, 美學 4, 社會接軌 20, 證照 1; S2 2.99, 2 + 1, -, 24, -;
# S3 nothing; S4 抗壓 5, 證照 1; J1 and E1 3, 3, -, 24, 1.
TOTALS_BODY = [
    "S1,3,3,4,20,1",
    "S2,2.99,3,,24,0",
    "S3,0,0,0,0,0",
    "S4,5,,,,1",
    "J1,3,3,0,24,1",
    "E1,3,3,0,24,1",
]
# Counted by hand from the fixture, every record counted: 化材 (S1, S2, S3) resilience S1,
# enhancement S1 S2, engagement S1 (20 + 4) S2, certificate S1, all four S1; 機械 (S4)
# resilience and certificate only.
EXPECTED = {
    "化材": (3, 1, 2, 2, 1, 1),
    "機械": (1, 1, 0, 0, 1, 0),
    "total": (4, 2, 2, 2, 2, 1),
}


def _counts(table: pd.DataFrame) -> dict[str, tuple[int, ...]]:
    cols = ["students", *[f"{c}_passed" for c in RESULT_CATEGORIES]]
    key = table["department"].where(table["level"] != "total", "total")
    return {
        k: tuple(int(v) for v in row) for k, row in zip(key, table[cols].to_numpy(), strict=True)
    }


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def _body(path) -> list[str]:
    return _lines(path)[1:]


def _rates(students, records) -> pd.DataFrame:
    return na.pass_rates(na.load_students(students), na.load_records(records), term="114-1")


def test_the_english_files_give_the_hand_counts(tiny):
    assert _counts(_rates(*tiny)) == EXPECTED


def test_chinese_headers_in_big5_with_a_title_row(tiny, tmp_path):
    s, r = tiny
    students = write(
        tmp_path / "s.csv",
        "\n".join(
            [
                "114學年度第1學期 日四技學生名單,,,,,,",
                "學號 ,姓名,學院,系所名稱,班級,入學年度,學制",
                *_body(s),
            ]
        )
        + "\n",
        "cp950",
    )
    records = write(
        tmp_path / "r.csv",
        "\n".join(["自主學習認證紀錄", "", "學號,認證項目,認證時數,認證日期", *_body(r)]) + "\n",
        "cp950",
    )
    got = _rates(students, records)
    assert _counts(got) == EXPECTED
    pd.testing.assert_frame_equal(got, _rates(s, r))


def test_chinese_headers_in_utf8_with_bom(tiny, tmp_path):
    s, r = tiny
    students = write(
        tmp_path / "s.csv",
        "\n".join(["學號,姓名,學院,系別,班別,入學學年度,部別", *_body(s)]) + "\n",
        "utf-8-sig",
    )
    records = write(
        tmp_path / "r.csv",
        "\n".join(["學號,項目,數量,活動日期", *_body(r)]) + "\n",
        "utf-8-sig",
    )
    pd.testing.assert_frame_equal(_rates(students, records), _rates(s, r))


def _xlsx(path, sheets: dict[str, list[list[object]]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _typed(line: str) -> list[object]:
    """A CSV line as Excel cells: numbers as numbers, ISO dates as dates."""
    out: list[object] = []
    for v in line.split(","):
        try:
            out.append(dt.date.fromisoformat(v))
            continue
        except ValueError:
            pass
        try:
            out.append(int(v))
        except ValueError:
            try:
                out.append(float(v))
            except ValueError:
                out.append(v)
    return out


def test_chinese_headers_in_xlsx_under_a_title_on_a_later_sheet(tiny, tmp_path):
    s, r = tiny
    students = _xlsx(
        tmp_path / "s.xlsx",
        {
            "說明": [["本檔由校務系統匯出"]],
            "學生名單": [
                ["114學年度第1學期 日四技學生名單"],
                [],
                ["\u3000學號\u3000", "姓名", "學院", "系所\n名稱", "班級", "入學\n年度", "學制 "],
                *[_typed(x) for x in _body(s)],
            ],
        },
    )
    records = _xlsx(
        tmp_path / "r.xlsx",
        {"紀錄": [["學號", "類別", "時數", "日期"], *[_typed(x) for x in _body(r)]]},
    )
    got = _rates(students, records)
    assert _counts(got) == EXPECTED
    pd.testing.assert_frame_equal(got, _rates(s, r))


def test_per_student_totals_give_the_statuses_of_the_records_they_sum(tiny, tmp_path):
    s, r = tiny
    totals = write(
        tmp_path / "t.csv",
        "\n".join(["學號,抗壓,精進,美學,社會接軌,證照", *TOTALS_BODY]) + "\n",
        "cp950",
    )
    students = na.load_students(s)
    recs = na.load_records(totals)
    assert is_totals(recs) and not is_totals(na.load_records(r))
    assert records_kind(totals) == "totals" and records_kind(r) == "records"
    got = na.pass_rates(students, recs, term="114-1")
    assert _counts(got) == EXPECTED
    pd.testing.assert_frame_equal(got, _rates(s, r))
    a = na.student_status(students, recs, term="114-1")
    b = na.student_status(students, na.load_records(r), term="114-1")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[a["student_id"] == "S2", "resilience_units"].item() == 2990  # exact


def test_totals_with_english_keys_in_xlsx_and_no_aesthetics_column(tiny, tmp_path):
    s, r = tiny
    rows = [x.split(",") for x in TOTALS_BODY]
    # aesthetics folded into engagement by hand (S1: 20 + 4), as a summary after 113-2 shows it
    eng = {"S1": "24"}
    body = [[x[0], x[1], x[2], eng.get(x[0], x[4]), x[5]] for x in rows]
    totals = _xlsx(
        tmp_path / "t.xlsx",
        {
            "畢業門檻認證摘要": [
                ["Student_ID", "Resilience", "ENHANCEMENT", "engagement", "certificate"],
                *[[_typed(c)[0] if c else None for c in row] for row in body],
            ]
        },
    )
    got = na.pass_rates(na.load_students(s), na.load_records(totals), term="114-1")
    assert _counts(got) == EXPECTED


def test_totals_problems_are_listed_with_line_column_and_value(tmp_path):
    p = write(
        tmp_path / "t.csv",
        "認證摘要\n學號,抗壓,精進,社會接軌,證照\nS1,3,abc,1,1.5\nS2,1,1,1,1\nS2,2,1,1,1\n,1,1,1,1\n",
    )
    with pytest.raises(InputError) as e:
        na.load_records(p)
    got = [(q.line, q.column, q.value) for q in e.value.problems]
    assert got == [
        (3, "certificate", "1.5"),
        (3, "enhancement", "abc"),
        (5, "student_id", "S2"),
        (6, "student_id", None),
    ]


def test_as_of_with_totals_is_a_one_line_error_and_nothing_is_written(tiny, tmp_path, capsys):
    s, _ = tiny
    totals = write(tmp_path / "t.csv", "學號,抗壓,精進,社會接軌,證照\nS1,3,3,24,1\n")
    out = tmp_path / "rates.csv"
    args = ["--students", str(s), "--records", str(totals), "--out", str(out)]
    assert main(["pass-rates", *args, "--as-of", "2025-12-12"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--as-of" in err[0] and "totals" in err[0]
    assert not out.exists()
    assert main(["rosters", *args[:4], "--as-of", "114/12/12", "--out", str(tmp_path / "ro")]) == 2
    assert not (tmp_path / "ro").exists()
    assert main(["pass-rates", *args]) == 0 and out.exists()


def test_error_lines_stay_the_files_own_under_title_rows(tmp_path):
    p = write(
        tmp_path / "r.csv",
        "114學年度 認證紀錄\n\n學號,項目,時數,日期\nS1,抗壓,1,2025-01-01\nS1,跑步,1,2025-01-01\n",
        "cp950",
    )
    with pytest.raises(InputError) as e:
        na.load_records(p)
    assert [(q.line, q.column, q.value) for q in e.value.problems] == [(5, "category", "跑步")]
    x = _xlsx(
        tmp_path / "r.xlsx",
        {
            "紀錄": [
                ["114學年度 認證紀錄"],
                ["學號", "項目", "時數", "日期"],
                ["S1", "抗壓", 1, "2025-01-01"],
                [],
                ["S1", "抗壓", -1, "2025-01-01"],
            ]
        },
    )
    with pytest.raises(InputError) as e:
        na.load_records(x)
    assert [(q.line, q.column, q.value) for q in e.value.problems] == [(5, "amount", "-1")]


def test_two_columns_for_one_field_is_an_error_naming_both(tmp_path):
    p = write(tmp_path / "s.csv", "學號,姓名,學院,系所,學系,班級,入學年度,學制\n")
    with pytest.raises(InputError) as e:
        na.load_students(p)
    (q,) = e.value.problems
    assert q.line == 1 and q.column == "department"
    assert "系所、學系" in q.message and "department" in q.message


def test_missing_column_names_the_header_row_and_the_spellings(tmp_path):
    p = write(
        tmp_path / "s.csv", "學生名單\n學號,姓名,學院,系所,入學年度,學制\nS1,甲,工,化,111,日四技\n"
    )
    with pytest.raises(InputError) as e:
        na.load_students(p)
    (q,) = e.value.problems
    assert (q.line, q.column) == (2, "class") and "班級" in q.message


def test_a_header_below_the_tenth_row_is_not_looked_for(tmp_path):
    p = write(tmp_path / "r.csv", "x\n" * 10 + "學號,項目,時數,日期\nS1,抗壓,1,2025-01-01\n")
    with pytest.raises(InputError, match="缺少欄位"):
        na.load_records(p)
    ok = write(tmp_path / "r9.csv", "x\n" * 9 + "學號,項目,時數,日期\nS1,抗壓,1,2025-01-01\n")
    assert len(na.load_records(ok)) == 1


def test_sheet_chosen_by_name_and_a_missing_sheet_is_an_error(tmp_path):
    header = ["學號", "項目", "時數", "日期"]
    x = _xlsx(
        tmp_path / "r.xlsx",
        {
            "上學期": [header, ["S1", "抗壓", 1, "2025-01-01"]],
            "本學期": [header, ["S1", "抗壓", 2, "2025-01-01"], ["S2", "精進", 1, "2025-01-01"]],
        },
    )
    assert len(na.load_records(x)) == 1  # the first sheet with the header
    assert len(na.load_records(x, sheet="本學期")) == 2
    assert len(na.load_records(x, sheet="2")) == 2
    with pytest.raises(InputError, match="沒有這個工作表"):
        na.load_records(x, sheet="下學期")


def test_published_table_as_the_slides_print_it(tmp_path):
    """學院 merged down, 大四 學生數 over a line break, each category above 通過人數 / 通過率."""
    p = write(
        tmp_path / "pub.csv",
        "114學年度第1學期大四學生通過率\n"
        "學院,學系,大四 學生數,抗壓,,精進,,社會接軌,,證照,\n"
        ",,,通過人數,通過率,通過人數,通過率,通過人數,通過率,通過人數,通過率\n"
        "工程學院,化材,155,135,87.10%,110,70.97%,76,49.03%,45,29.03%\n"
        ",機械,107,95,88.79%,81,75.70%,64,59.81%,47,43.93%\n",
        "cp950",
    )
    got = na.load_published(p)
    shipped = na.load_published(na.paths.published_table("114-1"))
    want = shipped[shipped["department"].isin(["化材", "機械"])].reset_index(drop=True)
    want = want[list(got.columns)]  # (the shipped file also has the all-four columns)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    assert got.index.tolist() == [4, 5]


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ("學號", "student_id"),
        (" 學號 ", "student_id"),
        ("\ufeff學號", "student_id"),
        ("\u3000學\u3000號\u3000", "student_id"),
        ("STUDENT_ID", "student_id"),
        ("Student ID", "student_id"),
        ("ｓｔｕｄｅｎｔ＿ｉｄ", "student_id"),
        ("系所名稱", "department"),
        ("系所\r\n名稱", "department"),
        ("入學年度(民國)", "cohort"),
        ("班別", "class"),
        ("部別", "program"),
        ("備註", None),
    ],
)
def test_header_cells_are_matched_after_trimming(cell, field):
    assert field_of(cell, "students") == field


def test_applicant_headers_as_the_brochure_names_them(tmp_path):
    from ncut_analysis.admission import load_applicants

    zh = (
        "報名序號,報考班別,出生日期,筆試,面試,書面審查,統測成績,在校成績,高中職獎懲紀錄,"
        "履歷自傳,專業證照,參賽得獎證明,其他有利條件"
    )
    row = "A1,mechatronics,1995-01-01,60,70,80,,,,,,,\n"
    en = write(tmp_path / "en.csv", ",".join(na.admission.APPLICANT_COLUMNS) + "\n" + row)
    p = write(tmp_path / "zh.csv", "產學訓專班報名名冊\n" + zh + "\n" + row, "cp950")
    pd.testing.assert_frame_equal(load_applicants(p), load_applicants(en))
    assert normalize("准考證 號碼") == "准考證號碼"


def test_totals_header_as_the_issue_writes_it_with_blanks_after_commas(tiny, tmp_path):
    s, r = tiny
    body = [", ".join(x.split(",")) for x in TOTALS_BODY]
    p = write(
        tmp_path / "t.csv", "學號, 抗壓, 精進, 美學, 社會接軌, 證照\n" + "\n".join(body) + "\n"
    )
    pd.testing.assert_frame_equal(
        na.pass_rates(na.load_students(s), na.load_records(p), term="114-1"), _rates(s, r)
    )


def test_worded_roc_dates_and_old_workbooks(tmp_path):
    p = write(
        tmp_path / "r.csv",
        "學號,項目,時數,日期\nS1,抗壓,1,114年12月12日\nS1,精進,1,民國114年1月2日\n",
    )
    assert [str(d.date()) for d in na.load_records(p)["date"]] == ["2025-12-12", "2025-01-02"]
    xls = write(tmp_path / "r.xls", "not really")
    with pytest.raises(InputError, match=r"不讀取 \.xls 活頁簿"):
        na.load_records(xls)


def test_readme_lists_every_accepted_spelling():
    """The README's data-contract section and rules/columns.toml do not drift apart."""
    from ncut_analysis.headers import aliases
    from ncut_analysis.paths import PACKAGE_DIR

    readme = (PACKAGE_DIR.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Data contracts") : readme.index("## The rules")]
    missing = [
        (contract, s)
        for contract in ("students", "records", "totals", "applicants", "published")
        for spellings in aliases(contract).values()
        for s in spellings
        if s not in section and not (contract == "published" and s.endswith(("通過人數", "通過率")))
    ]
    assert missing == []


def test_cohort_written_with_its_unit(tmp_path):
    p = write(
        tmp_path / "s.csv",
        "學號,姓名,學院,系所,班級,入學學年度,學制\nS1,甲,工程學院,化材,化材四甲,111學年度,日四技\n"
        "S2,乙,工程學院,化材,化材四甲,111 年,日四技\n"
        "S3,丙,工程學院,化材,化材四甲, １１１學年 ,日四技\nS4,丁,工程學院,化材,化材四甲,2022年,日四技\n",
    )
    students = na.load_students(p)
    assert students["cohort"].tolist() == [111, 111, 111, 111]  # 2022 is ROC 111
    assert students.attrs["western_cohorts"] == 1


def test_a_cohort_that_is_no_year_is_named_as_written(tmp_path):
    p = write(
        tmp_path / "s.csv",
        "學號,姓名,學院,系所,班級,入學學年度,學制\nS1,甲,工程學院,化材,化材四甲,111學年度,日四技\n"
        "S2,乙,工程學院,化材,化材四甲,一一一學年度,日四技\n",
    )
    with pytest.raises(InputError) as e:
        na.load_students(p)
    assert [(q.line, q.column, q.value) for q in e.value.problems] == [
        (3, "cohort", "一一一學年度")
    ]


def test_published_table_in_xlsx_with_merged_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["114學年度第1學期大四學生通過率"])
    ws.append(
        ["學院", "學系", "大四\n學生數", "抗壓", None, "精進", None, "社會接軌", None, "證照"]
    )
    ws.append([None, None, None, *["通過人數", "通過率"] * 4])
    ws.append(["工程學院", "化材", 155, 135, "87.10%", 110, "70.97%", 76, "49.03%", 45, "29.03%"])
    ws.append([None, "機械", 107, 95, 88.79, 81, "75.70%", 64, "59.81%", 47, "43.93%"])
    for cells in ("A1:K1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:G2", "H2:I2", "J2:K2", "A4:A5"):
        ws.merge_cells(cells)
    wb.save(tmp_path / "pub.xlsx")
    got = na.load_published(tmp_path / "pub.xlsx")
    shipped = na.load_published(na.paths.published_table("114-1"))
    want = shipped[shipped["department"].isin(["化材", "機械"])].reset_index(drop=True)
    want = want[list(got.columns)]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    assert got.index.tolist() == [4, 5]


def test_utf16_text_is_a_clear_error(tmp_path):
    p = tmp_path / "s.csv"
    p.write_bytes("學號\t姓名\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        na.load_students(p)


def test_category_values_as_the_certification_system_names_them(tmp_path):
    p = write(
        tmp_path / "r.csv",
        "學號,認證項目,時數,日期\n"
        "S1,抗壓自主學習,1,2025-01-01\nS1,精進自主學習能力,1,2025-01-01\n"
        "S1,美學（併入社會接軌）,1,2025-01-01\nS1, Engagement ,1,2025-01-01\n"
        "S1,專業證照自主學習,1,2025-01-01\n",
        "cp950",
    )
    got = na.load_records(p)["category"].tolist()
    assert got == ["resilience", "enhancement", "aesthetics", "engagement", "certificate"]


def test_sheet_option_on_the_command_line(tiny, tmp_path):
    s, r = tiny
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    for title, path in (("學生", s), ("紀錄", r)):
        ws = wb.create_sheet(title)
        for line in _lines(path):
            ws.append(_typed(line))
    wb.save(tmp_path / "all.xlsx")
    x = str(tmp_path / "all.xlsx")
    out = tmp_path / "rates.csv"
    common = ["pass-rates", "--students", x, "--records", x]
    assert main([*common, "--out", str(out)]) == 0  # each finds its own sheet
    want = _rates(s, r)
    got = pd.read_csv(out, keep_default_na=False, dtype={"department": str})
    assert got["all_passed"].tolist() == want["all_passed"].tolist()
    assert main([*common, "--sheet", "紀錄", "--out", str(tmp_path / "no.csv")]) == 2
    assert not (tmp_path / "no.csv").exists()
    args = ["--students-sheet", "學生", "--records-sheet", "3", "--out", str(out)]
    assert main([*common, *args]) == 0


ISSUE_SPELLINGS = {
    "students": {
        "學號": "student_id",
        "姓名": "name",
        "學院": "college",
        "系所": "department",
        "學系": "department",
        "系別": "department",
        "系": "department",
        "班級": "class",
        "班別": "class",
        "入學年度": "cohort",
        "入學學年度": "cohort",
        "入學年": "cohort",
        "學制": "program",
        "部別": "program",
    },
    "records": {
        "學號": "student_id",
        "項目": "category",
        "類別": "category",
        "認證項目": "category",
        "門檻項目": "category",
        "時數": "amount",
        "數量": "amount",
        "認證時數": "amount",
        "日期": "date",
        "認證日期": "date",
        "活動日期": "date",
    },
    "totals": {
        "學號": "student_id",
        "抗壓": "resilience",
        "精進": "enhancement",
        "美學": "aesthetics",
        "社會接軌": "engagement",
        "證照": "certificate",
    },
    "applicants": {
        "准考證號碼": "applicant_id",
        "報名序號": "applicant_id",
        "報考班別": "program",
        "班別": "program",
        "出生日期": "birth_date",
        "生日": "birth_date",
        "筆試": "written",
        "面試": "interview",
        "書面審查": "review",
        "統測成績": "tvee",
        "在校成績": "school_grades",
        "高中職獎懲紀錄": "conduct",
        "履歷自傳": "autobiography",
        "專業證照": "certificates",
        "參賽得獎證明": "awards",
        "其他有利條件": "other",
    },
}


@pytest.mark.parametrize(
    ("contract", "cell", "field"),
    [(c, k, v) for c, table in ISSUE_SPELLINGS.items() for k, v in table.items()],
)
def test_every_spelling_the_issue_lists(contract, cell, field):
    assert field_of(cell, contract) == field


def test_a_spelling_for_two_fields_of_one_contract_is_a_rules_error(tmp_path, monkeypatch):
    from ncut_analysis import headers
    from ncut_analysis.rules import RulesError

    bad = tmp_path / "columns.toml"
    bad.write_text('[students]\nclass = ["班別"]\nprogram = ["班別"]\n', encoding="utf-8")
    monkeypatch.setattr(headers, "COLUMNS_FILE", bad)
    headers._table.cache_clear()
    try:
        with pytest.raises(RulesError, match="班別"):
            headers.aliases("students")
    finally:
        headers._table.cache_clear()
        headers._lookup.cache_clear()


def test_parquet_with_chinese_column_names(tiny, tmp_path):
    s, r = tiny
    zh = {"student_id": "學號", "category": "項目", "amount": "時數", "date": "日期"}
    pd.read_csv(r, dtype=str).rename(columns=zh).to_parquet(tmp_path / "r.parquet")
    got = na.pass_rates(na.load_students(s), na.load_records(tmp_path / "r.parquet"))
    pd.testing.assert_frame_equal(got, _rates(s, r))


def test_quoted_line_breaks_in_the_title_and_header_keep_line_numbers(tmp_path):
    # lines 1-2 the title, 3-5 the header, 6 a good row, 7 the bad one
    p = write(
        tmp_path / "r.csv",
        '"114學年度\n認證紀錄"\n"學號 ","認證\n項目","認證時數\n(小時)","日期"\n'
        "S1,抗壓,1,2025-01-01\nS1,抗壓,x,2025-01-01\n",
        "utf-8-sig",
    )
    with pytest.raises(InputError) as e:
        na.load_records(p)
    assert [(q.line, q.column, q.value) for q in e.value.problems] == [(7, "amount", "x")]
