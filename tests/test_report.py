"""The report as data: one source for every number and label, rules complete as data, parameters
resolved from the term's rules file, and the errors every view raises."""

from __future__ import annotations

import openpyxl
import pytest

import ncut_analysis as na
from ncut_analysis.errors import InputError, NcutError, OptionError, RulesError
from ncut_analysis.paths import RULES_DIR
from ncut_analysis.report import TermBriefing, TermReport, resolve_term_params
from ncut_analysis.report.xlsx import write_workbook

from .conftest import write

# A term from before 113-2: 美學 is a threshold of its own (2 h) and is not merged into 社會接軌.
PRE_113_2 = (
    (RULES_DIR / "114-1.toml")
    .read_text(encoding="utf-8")
    .replace('term = "114-1"', 'term = "113-1"')
    .replace('aesthetics_into = "engagement"', "")
    .replace('engagement = "24"', 'engagement = "22"\naesthetics = "2"')
    .replace('certificate = "研發處"', 'certificate = "研發處"\naesthetics = "藝術中心"')
    .replace('settlement_date = "2025-12-12"', 'settlement_date = "2024-12-13"')
    .replace('notice_date = "2025-10-31"', 'notice_date = "2024-11-01"')
    .replace('deadline = "2026-06-01"', 'deadline = "2025-06-01"')
)


@pytest.fixture
def pre_113_2(tmp_path):
    """Two seniors of cohort 110 (the 113-1 seniors): A has 22 h 社會接軌 and 2 h 美學, B has
    24 h 社會接軌 and no 美學. Under the old rules A passes both, B fails 美學; everyone has 抗壓,
    精進 and a certificate, so all-passed is A only."""
    rules = write(tmp_path / "113-1.toml", PRE_113_2)
    students = write(
        tmp_path / "s.csv",
        "student_id,name,college,department,class,cohort,program\n"
        "A,甲,工程學院,化材,化材四甲,110,日四技\nB,乙,工程學院,化材,化材四甲,110,日四技\n",
    )
    rec = ["student_id,category,amount,date"]
    for sid in "AB":
        rec += [f"{sid},抗壓,3,2024-05-01", f"{sid},精進,3,2024-05-01", f"{sid},證照,1,2024-05-01"]
    rec += ["A,社會接軌,22,2024-05-01", "A,美學,2,2024-06-01", "B,社會接軌,24,2024-05-01"]
    records = write(tmp_path / "r.csv", "\n".join(rec) + "\n")
    return rules, students, records


def test_a_pre_113_2_term_has_five_categories(pre_113_2):
    rules_path, students, records = pre_113_2
    rules = na.load_term_rules(rules_path)
    assert rules.threshold_categories == (
        "resilience",
        "enhancement",
        "engagement",
        "aesthetics",
        "certificate",
    )  # fmt: skip (the file's order)
    s, r = na.load_students(students), na.load_records(records)
    table = na.pass_rates(s, r, rules=rules)
    school = table.iloc[-1]
    assert school["level"] == "total" and school["students"] == 2
    assert school["engagement_passed"] == 2  # 22 h is enough under the old rules, 美學 not added
    assert school["aesthetics_passed"] == 1 and school["aesthetics_rate"] == 50.0
    assert school["all_passed"] == 1
    st = na.student_status(s, r, rules=rules).set_index("student_id")
    card = na.student_card(st.loc["B"], rules)
    assert card["美學"] == "0 / 2 未通過" and card["社會接軌"] == "24 / 22 通過"
    assert card["全數通過"] == "未通過"


def test_a_pre_113_2_term_through_the_briefing_views(pre_113_2, tmp_path):
    rules_path, students, records = pre_113_2
    b = TermBriefing.build(
        term=str(rules_path), students=str(students), records=str(records),
        output_dir=str(tmp_path / "out"),
    )  # fmt: skip
    assert b.report.as_of.isoformat() == "2024-12-13"  # the file's own 結算日
    assert b.report.compare_as_of.isoformat() == "2024-11-01"
    head = b.report.headline_frame()
    assert list(head["項目"]) == ["抗壓", "精進", "社會接軌", "美學", "證照", "全數通過"]
    html = b.headline().data + b.department_table().data
    assert "美學" in html and "50.00%" in html
    assert [c for c in b.report.department_frame().columns if "美學" in c] == [
        "美學通過人數",
        "美學通過率（%）",
    ]
    gaps = b.report.gaps
    assert gaps.loc[gaps["category"] == "aesthetics", "students"].sum() == 1
    b.write_files()
    wb = openpyxl.load_workbook(tmp_path / "out" / "term_briefing.xlsx")
    assert wb["摘要"].cell(5, 1).value == "美學"


def test_empty_parameters_are_the_terms_own_dates(pre_113_2):
    rules_path, students, records = pre_113_2
    p = resolve_term_params(term=str(rules_path), students=str(students), records=str(records))
    assert (p.as_of.isoformat(), p.compare_as_of.isoformat(), p.deadline.isoformat()) == (
        "2024-12-13",
        "2024-11-01",
        "2025-06-01",
    )
    p = resolve_term_params(
        term=str(rules_path), students=str(students), records=str(records),
        as_of="113/12/01", compare_as_of="none", deadline="2025-05-31",
    )  # fmt: skip
    assert p.as_of.isoformat() == "2024-12-01" and p.compare_as_of is None
    assert p.deadline.isoformat() == "2025-05-31"
    p = resolve_term_params(term="114-1", as_of="all")
    assert p.as_of is None and p.compare_as_of.isoformat() == "2025-10-31"


def test_the_parameter_block_names_files_not_paths(tiny):
    students, records = tiny
    r = TermReport.build(term="114-1", students=str(students), records=str(records))
    shown = "".join(r.params.values())
    assert "students.csv" in shown and str(students.parent) not in shown
    assert r.params["學生名單"] == "students.csv"
    assert TermReport.build(term="114-1").params["學生名單"] == "隨附的合成資料（students.csv）"
    assert r.made_at.utcoffset().total_seconds() == 8 * 3600  # 臺北時間


@pytest.mark.parametrize(
    ("kw", "error", "text"),
    [
        ({"as_of": "2025-13-45"}, InputError, "2025-13-45"),
        ({"compare_as_of": "2026-01-01"}, OptionError, "必須早於結算日"),
        ({"students": "/nonexistent/s.csv"}, OptionError, "找不到檔案"),
        ({"term": "114-9"}, RulesError, "114-9"),
        ({"term": "120-1"}, RulesError, "沒有學期 120-1 的規則檔"),
    ],
)
def test_bad_parameters_are_one_error_family(kw, error, text):
    with pytest.raises(error, match=text) as e:
        resolve_term_params(**kw)
    assert isinstance(e.value, NcutError)


def test_every_count_comes_from_the_table_by_code(tiny):
    students, records = tiny
    r = TermReport.build(term="114-1", students=str(students), records=str(records))
    # S1 passes everything, S4 (機械) has resilience and a certificate only.
    assert int(r.total["all_passed"]) == 1
    o = r.outreach_frame()
    assert list(o.columns[-5:]) == [
        "教務處（抗壓）", "圖書館（精進）", "學務處（社會接軌）", "研發處（證照）", "任一項未通過人數",
    ]  # fmt: skip
    assert o.iloc[-1]["任一項未通過人數"] == int(r.total["students"]) - 1


def test_workbook_cells_are_typed_formatted_and_never_formulas(tmp_path):
    import datetime as dt

    import pandas as pd

    df = pd.DataFrame(
        {
            "姓名": ['=HYPERLINK("http://x","點我")', "+1", "@a", "-2"],
            "通過率（%）": [87.5, 80.0, 50.0, 0.0],
            "變化": [7.1, -0.5, 0.0, 1.0],
            "日期": [dt.date(2025, 10, 31)] * 4,
            "人數": [1, 2, 3, 4],
        }
    )
    df.attrs["formats"] = {"通過率（%）": "rate", "變化": "change"}
    path = write_workbook({"表": df}, tmp_path / "x.xlsx", title="測試")
    ws = openpyxl.load_workbook(path)["表"]
    assert [c.value for c in ws[1]] == list(df.columns)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E5"
    assert all(c.font.bold for c in ws[1])
    assert [ws.cell(r, 1).data_type for r in range(2, 6)] == ["s"] * 4
    assert ws["A2"].value.startswith("=HYPERLINK")  # shown as text, not run
    assert ws["B2"].value == 87.5 and ws["B2"].number_format == "0.00"
    assert ws["C3"].value == -0.5 and ws["C3"].number_format == "+0.00;-0.00;0.00"
    assert ws["D2"].is_date and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["E2"].value == 1 and ws["E2"].number_format == "#,##0"
    assert ws.column_dimensions["A"].width >= 20
    # five narrow columns fit a portrait page at 100 %
    assert ws.page_setup.orientation == "portrait" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.fitToWidth == 1


def test_links_follow_from_where_the_notebook_runs(tiny, tmp_path, monkeypatch):
    # In JupyterLab the kernel runs in notebooks/; the files a hand-run briefing writes are in
    # outputs/lab/<term>/ (never over a `make briefing` run), linked relative to the notebook.
    students, records = tiny
    monkeypatch.setenv("NCUT_OUTPUTS", str(tmp_path / "outputs"))
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    b = TermBriefing.build(term="114-1", students=str(students), records=str(records))
    assert b.output_dir == tmp_path / "outputs" / "lab" / "114-1"
    note = b.write_files().data
    assert "href='../outputs/lab/114-1/term_briefing.xlsx'" in note
    assert (tmp_path / "outputs" / "lab" / "114-1" / "term_briefing.xlsx").is_file()
    assert "href='../outputs/lab/114-1/rosters'" in b.outreach().data


def _totals_of(records, students, path):
    """The certification system's summary of the same records: one row a student."""
    st = na.student_status(na.load_students(students), na.load_records(records))
    rows = ["學號,抗壓,精進,美學,社會接軌,證照"]
    for r in st.itertuples():
        u = [r.resilience_units, r.enhancement_units, r.aesthetics_units, r.engagement_units]
        rows.append(
            ",".join(
                [r.student_id, *(f"{x / 1000:g}" for x in u), str(r.certificate_units // 1000)]
            )
        )
    return write(path, "\n".join(rows) + "\n")


def test_per_student_totals_give_the_same_report_without_dated_sections(tiny, tmp_path):
    students, records = tiny
    totals = _totals_of(records, students, tmp_path / "totals.csv")
    by_records = TermReport.build(
        term="114-1", students=str(students), records=str(records), as_of="all"
    )
    by_totals = TermReport.build(term="114-1", students=str(students), records=str(totals))
    cols = [
        c for c in by_records.table.columns if c.endswith(("_passed", "_rate")) or c == "students"
    ]
    assert by_totals.table[cols].equals(by_records.table[cols])
    assert not by_totals.has_dates and by_totals.as_of is None and by_totals.before is None
    assert "進展" not in by_totals.tables() and by_totals.change_frame() is None
    assert by_totals.params["結算日"] == "（總表：無日期）"
    b = TermBriefing(report=by_totals, output_dir=tmp_path / "o")
    assert "本節從略" in b.fig_progress().data and "本節從略" in b.change().data
    with pytest.raises(OptionError, match="每位學生一列的總表"):
        TermReport.build(
            term="114-1", students=str(students), records=str(totals), as_of="2025-12-12"
        )


@pytest.mark.slow
def test_the_notebook_with_only_a_term_takes_that_terms_dates(pre_113_2, tmp_path):
    # papermill … -p term X alone: the notebook's empty date parameters are X's own dates.
    import json

    import papermill as pm

    from ncut_analysis.paths import NOTEBOOKS_DIR

    rules_path, students, records = pre_113_2
    out = tmp_path / "nb.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "term_briefing.ipynb"),
        str(out),
        parameters={
            "term": str(rules_path),
            "students": str(students),
            "records": str(records),
            "output_dir": str(tmp_path / "files"),
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    html = "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for c in json.loads(out.read_text(encoding="utf-8"))["cells"]
        for o in c.get("outputs", [])
    )
    assert "資料結算至 2024-12-13" in html and "門檻期限 2025-06-01" in html
    assert "自 2024-11-01" in html  # the comparison is the file's notice date
    assert "2025-12-12" not in html  # nothing of 114-1's dates
    assert "美學" in html  # five categories through the whole briefing
