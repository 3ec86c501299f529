"""The presentation model: a report's scope worded on every view, codes in the frames, one
shortfall rule, a term's own categories everywhere, and the ledger's long-form counts."""

from __future__ import annotations

import datetime as dt
import sqlite3

import openpyxl
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis import ledger as lg
from ncut_analysis.notice_pages import Context, department_page
from ncut_analysis.present import SCHOOL, Scope, class_key, count, made_at_text, percent
from ncut_analysis.report import TermBriefing, TermReport
from ncut_analysis.rosters import roster_table
from ncut_analysis.slides.content import term_slide_charts, term_slide_tables
from ncut_analysis.thresholds import gap_table, nudge_units, shortfall, summarise

from .test_report import pre_113_2  # noqa: F401 - the five-category term's fixture

# ---------------------------------------------------------------------------- words


def test_scope_words():
    assert (SCHOOL.label, SCHOOL.total_label, SCHOOL.groups_label) == (
        "全校",
        "全校",
        "各學院、學系",
    )
    d = Scope("department", "化材", "工程學院")
    assert (d.label, d.total_label, d.groups_label, d.group_by) == (
        "化材",
        "化材全系",
        "各班",
        "class",
    )
    with pytest.raises(ValueError):
        Scope("planet", "x")


def test_classes_sort_as_the_school_names_them():
    names = ["四年丙班", "四年甲班", "四年乙班", "四年丁班"]
    assert sorted(names, key=class_key) == ["四年甲班", "四年乙班", "四年丙班", "四年丁班"]
    assert sorted(["化材四丙", "化材四甲"], key=class_key) == ["化材四甲", "化材四丙"]
    assert sorted(["A10", "A9"], key=class_key) == ["A9", "A10"]


def test_numbers_and_times_as_a_reader_sees_them():
    assert (count(1504), count(18212), percent(29.45), percent(float("nan"))) == (
        "1,504",
        "18,212",
        "29.45%",
        "–",
    )
    # 01:02 UTC is 09:02 in Taipei, whatever zone the time came in
    assert (
        made_at_text(dt.datetime(2025, 12, 1, 1, 2, tzinfo=dt.UTC))
        == "2025-12-01 09:02（臺北時間）"
    )


# ---------------------------------------------------------------------------- shortfall


def test_shortfall_and_what_a_nudge_is(tiny):
    rules = na.load_term_rules("114-1")
    st = na.student_status(
        *(na.load_students(tiny[0]), na.load_records(tiny[1])), rules=rules, as_of="2025-12-12"
    ).set_index("student_id")
    short = shortfall(st, rules)
    # S2: 2.99 h of 3 -> 0.01 h short, a nudge; no certificate -> 1 short, never a nudge
    assert short.loc["S2", "resilience"] == 10 and short.loc["S2", "resilience_nudge"]
    assert short.loc["S2", "certificate"] == 1000 and not short.loc["S2", "certificate_nudge"]
    # S3 has nothing: 3 h short is beyond the 1 h band
    assert short.loc["S3", "resilience"] == 3000 and not short.loc["S3", "resilience_nudge"]
    assert short.loc["S1"].drop([c for c in short.columns if c.endswith("_nudge")]).sum() == 0
    assert nudge_units(rules, "resilience") == 1000 and nudge_units(rules, "certificate") is None
    gaps = gap_table(st.reset_index(), rules)
    cert = gaps[gaps["category"] == "certificate"]
    assert not cert["nudge"].any() and int(cert.iloc[0]["students"]) == 2  # S2, S3
    res = gaps[(gaps["category"] == "resilience") & gaps["nudge"]]
    assert list(res["students"]) == [1]  # S2 only


def test_no_certificate_is_called_a_nudge(tiny, tmp_path):
    b = TermBriefing.build(
        term="114-1", students=str(tiny[0]), records=str(tiny[1]), output_dir=str(tmp_path)
    )
    text = b.gap_summary().data
    assert "一推就過" not in text
    assert "抗壓 1 人" in text  # S2, 0.01 h short
    assert "證照：2 人尚缺 1 張（需取得證照，非提醒可及）" in text


# ---------------------------------------------------------------------------- scope


@pytest.fixture(scope="module")
def school():
    return TermReport.build(term="114-1")


@pytest.fixture(scope="module")
def chem():
    return TermBriefing.build(term="114-1", department="化材", output_dir="")


def test_a_department_report_states_its_scope_and_cites_the_true_school(school, chem):
    r = chem.report
    assert r.scope == Scope("department", "化材", "工程學院")
    assert r.total["students"] == 155 and r.total["resilience_rate"] == 87.10
    # the school figures it cites are the school briefing's own
    (own, own_row), (name, school_row) = r.references()
    assert (own, name) == ("化材全系", "全校")
    for c in r.categories:
        assert school_row[f"{c}_rate"] == school.total[f"{c}_rate"]
    assert school_row["resilience_rate"] == 87.77 and school_row["all_rate"] == 29.45
    comp = r.comparison()
    assert list(comp["name"]) == ["化材", "工程學院", "全校"]
    eng = school.by_college.set_index("college").loc["工程學院"]
    assert comp.loc[1, "all_rate"] == eng["all_rate"] and comp.loc[2, "all_rate"] == 29.45
    frame = r.department_frame()
    assert "全校" not in set(frame["學院"]) and frame["學院"].iloc[-1] == "化材全系"
    assert frame.attrs["total"][-1] and not any(frame.attrs["total"][:-1])


def test_a_department_briefing_never_calls_its_numbers_the_school(chem):
    page = "".join(
        x.data for x in (chem.header(), chem.headline(), chem.department_table(), chem.outreach())
    )
    assert "全校 155" not in page and "化材全系" in page and "化材 各班通過率" in page
    bars = chem.fig_rate_bars()
    title = bars.layout.title.text
    assert "虛線：化材全系 87.10%" in title and "點線：全校 87.77%" in title
    assert "全校 87.10%" not in title
    college = chem.fig_college()
    assert list(college.data[0].x) == ["化材", "工程學院", "全校"]
    assert "工程學院 20.65%" not in str(college.to_dict())


def test_a_department_checks_only_its_own_published_row():
    r = TermReport.build(term="114-1", department="健管", published="data/published/114-1.csv")
    found = r.reconcile_frame()
    assert set(found["學系"]) == {"健管"}  # its engagement rate 59.45, the counts give 59.46
    ok = TermReport.build(term="114-1", department="化材", published="data/published/114-1.csv")
    assert ok.reconcile_frame().empty


def test_a_department_workbook_and_slides_name_its_total(chem, tmp_path):
    chem.output_dir = tmp_path
    chem.write_files()
    ws = openpyxl.load_workbook(tmp_path / "term_briefing.xlsx")[
        "各班"
    ]  # a department's detail sheet is named for its rows
    first_col = [ws.cell(i, 1).value for i in range(1, ws.max_row + 1)]
    assert "全校" not in first_col and "化材全系" in first_col
    tables = term_slide_tables(chem.report)
    assert tables[0].title.startswith("化材各班通過率")
    rates = tables[0].frame
    (i,) = tables[0].total_rows
    assert rates.iloc[i, 0] == "化材全系" and i == len(rates) - 1
    titles = [s.takeaway for s in term_slide_charts(chem.report)]
    assert all("化材" in t for t in titles if not t.startswith(("抗壓有", "精進有", "社會接軌有")))
    college = next(s for s in term_slide_charts(chem.report) if s.name == "college_all_pass")
    assert "工程學院" in college.takeaway and "全校 29.45%" in college.takeaway


def test_school_report_classes_in_school_order(tiny):
    # by code point 乙 (U+4E59) sorts before 甲 (U+7532); the school's order is 甲, 乙
    r = TermReport.build(
        term="114-1", students=str(tiny[0]), records=str(tiny[1]), department="化材"
    )
    assert list(r.groups["class"]) == ["化材四甲", "化材四乙"]


# ---------------------------------------------------------------------------- a five-category term


def test_a_five_category_term_gives_aesthetics_its_own_row_everywhere(pre_113_2, tmp_path):  # noqa: F811
    rules_path, students, records = pre_113_2
    rules = na.load_term_rules(rules_path)
    s, r = na.load_students(students), na.load_records(records)
    status = na.student_status(s, r, rules=rules, as_of=rules.settlement_date)
    # roster: a 美學 column with A's 2 / 2 and B's 0 / 2
    roster = roster_table(status, rules).set_index("學號")
    assert roster.loc["B", "美學"] == "0 / 2 未通過" and roster.loc["A", "美學"] == "2 / 2 通過"
    assert roster.loc["B", "尚缺"] == "美學 2 小時"
    # the department head's page: 美學 between 社會接軌 and 證照, with its own office
    counts = summarise(status, "department")
    ctx = Context(rules, rules.settlement_date, "", counts, None, None)
    page = department_page(ctx, "化材", status, {})
    labels = [v["label"] for v in page["versus"]]
    assert labels == ["抗壓（教務處）", "精進（圖書館）", "社會接軌（學務處）", "美學（藝術中心）",
                      "證照（研發處）", "全數通過"]  # fmt: skip
    assert page["versus"][3]["rate"] == "50.00%"
    # the ledger keeps its count and gives it back
    led = tmp_path / "l.sqlite"
    con = lg.open_ledger(led)
    con.execute("BEGIN IMMEDIATE")
    lg.add_run(
        con, term=rules.term, as_of=rules.settlement_date, run_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        program="日四技", cohort=110, students_file="s", records_file="r", out_dir="o",
        notices=pd.DataFrame(columns=["kind", "recipient", "department", "class", "detail"]),
        counts=counts,
    )  # fmt: skip
    con.execute("COMMIT")
    con.close()
    hist = lg.ledger_history(led)
    assert hist.loc[hist["level"] == "total", "aesthetics_passed"].tolist() == [1]
    prog = lg.ledger_progress(led)
    assert "aesthetics" in set(prog["category"])
    # the deck: a chart of its own, a column in the tables
    b = TermBriefing.build(
        term=str(rules_path), students=str(students), records=str(records), output_dir=str(tmp_path)
    )
    assert "rate_bars_aesthetics" in [s.name for s in term_slide_charts(b.report)]
    assert "美學" in term_slide_tables(b.report)[0].frame.columns


# ---------------------------------------------------------------------------- the ledger's schema

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, term TEXT NOT NULL, as_of TEXT NOT NULL,
    run_at TEXT NOT NULL, program TEXT NOT NULL, cohort INTEGER NOT NULL,
    students_file TEXT NOT NULL, records_file TEXT NOT NULL, out_dir TEXT NOT NULL,
    UNIQUE (term, as_of));
CREATE TABLE notices (run_id INTEGER NOT NULL, term TEXT NOT NULL, as_of TEXT NOT NULL,
    kind TEXT NOT NULL, recipient TEXT NOT NULL, department TEXT NOT NULL, class TEXT NOT NULL,
    detail TEXT NOT NULL, PRIMARY KEY (term, as_of, kind, recipient));
CREATE TABLE counts (run_id INTEGER NOT NULL, college TEXT NOT NULL, department TEXT NOT NULL,
    students INTEGER NOT NULL, resilience_passed INTEGER NOT NULL,
    enhancement_passed INTEGER NOT NULL, engagement_passed INTEGER NOT NULL,
    certificate_passed INTEGER NOT NULL, all_passed INTEGER NOT NULL,
    PRIMARY KEY (run_id, college, department));
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO runs VALUES (1, '114-1', '2025-10-31', '2025-10-31T08:00:00+00:00', '日四技', 111,
    's', 'r', 'o');
INSERT INTO notices VALUES (1, '114-1', '2025-10-31', 'passed', 'A1', '化材', '化材四甲', '');
INSERT INTO counts VALUES (1, '工程學院', '化材', 4, 3, 2, 2, 1, 1);
INSERT INTO counts VALUES (1, '全校', '', 8, 6, 4, 4, 2, 1);
"""


def test_a_version_1_ledger_keeps_working_and_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(_V1)
    hist = lg.ledger_history(path)  # read as it is
    school = hist[hist["level"] == "total"].iloc[0]
    assert (school["students"], school["all_passed"], school["all_rate"]) == (8, 1, 12.5)
    assert hist[hist["level"] == "group"].iloc[0]["department"] == "化材"
    con = lg.open_ledger(path)
    assert list(lg.told_passed(con, dt.date(2026, 1, 1))["student_id"]) == ["A1"]
    con.execute("BEGIN IMMEDIATE")
    counts = hist[hist["level"] == "total"].drop(columns=["term", "as_of", "run_at"])
    lg.add_run(
        con, term="114-1", as_of=dt.date(2025, 12, 26), run_at=dt.datetime(2025, 12, 26, tzinfo=dt.UTC),
        program="日四技", cohort=111, students_file="s", records_file="r", out_dir="o",
        notices=pd.DataFrame(columns=["kind", "recipient", "department", "class", "detail"]),
        counts=counts,
    )  # fmt: skip
    con.execute("COMMIT")
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
        str(lg.SCHEMA_VERSION),
    )
    rows = con.execute(
        "SELECT scope, college, department, category, students, passed FROM counts "
        "WHERE run_id = 1 ORDER BY scope, category"
    ).fetchall()
    con.close()
    assert ("school", "", "", "all", 8, 1) in rows and (
        "department",
        "工程學院",
        "化材",
        "resilience",
        4,
        3,
    ) in rows
    assert len(rows) == 10  # two units x five categories, nothing lost
    assert len(lg.ledger_history(path)) == 3


# ---------------------------------------------------------------------------- the workbook on paper


def test_the_briefing_workbook_prints_what_a_person_wants(tmp_path):
    """Issue 25: the summaries first, the long weekly progress last with a print area of its
    last dates; no sheet scaled below 9 pt; a sheet two pages wide repeats its key columns."""
    from ncut_analysis.report.xlsx import LANDSCAPE_CHARS, PORTRAIT_CHARS

    b = TermBriefing.build(term="114-1", output_dir=str(tmp_path))
    b.write_files()
    wb = openpyxl.load_workbook(tmp_path / "term_briefing.xlsx")
    assert wb.sheetnames == ["摘要", "各系", "變化", "關懷", "差距", "進展"]
    prog = wb["進展"]
    # 5 categories x 4 dates = 20 rows printed (the header repeats above them), of 800 or more
    (area,) = prog.print_area if isinstance(prog.print_area, list) else [prog.print_area]
    first, last = (int("".join(ch for ch in part if ch.isdigit())) for part in area.split(":"))
    assert last == prog.max_row and last - first + 1 == 20 and prog.max_row > 800
    for ws in wb.worksheets:
        widths = sum(ws.column_dimensions[c].width for c in ws.column_dimensions)
        room = LANDSCAPE_CHARS if ws.page_setup.orientation == "landscape" else PORTRAIT_CHARS
        scale = min(1.0, room * ws.page_setup.fitToWidth / widths)
        assert 11 * scale >= 9, (ws.title, scale)
    assert wb["各系"].page_setup.fitToWidth == 2 and wb["各系"].print_title_cols == "$A:$B"
    assert wb["摘要"].page_setup.orientation == "portrait"


def test_long_english_department_names_fit_the_slide_tables_and_axes():
    """Issue 22: a school's export in English (department names of 60 characters) wraps in the
    slide tables' cells and on the charts' axes instead of stopping the deck."""
    from ncut_analysis.charts.base import wrap_words
    from ncut_analysis.slides.layout import SlideTable, _paginate

    long = "Department of Refrigeration, Air Conditioning and Energy Engineering"
    frame = pd.DataFrame(
        {"學院": ["College of Engineering"] * 3, "學系": [long] * 3, "大四學生數": ["20"] * 3,
         **{c: ["50.00%"] * 3 for c in ("抗壓", "精進", "社會接軌", "證照", "全數通過")}}
    )  # fmt: skip
    size, pages = _paginate(
        SlideTable("t", frame, tuple(frame.columns[2:]), wrap=("學院", "學系")), 0
    )
    assert size >= 18 and sum(len(p.frame) for p in pages) == 3
    assert wrap_words(long, 12).split("<br>")[0] == "Department"
    assert max(len(line) for line in wrap_words(long, 12).split("<br>")) <= 15  # one long word
    assert wrap_words("化材", 12) == "化材" and wrap_words("電子四乙", 2) == "電子四乙"


def test_the_briefing_says_what_it_counted(tiny, tmp_path):
    """A run says what it counted: of the 6 students listed, 4 seniors of 日四技 are counted,
    J1 (cohort 112) and E1 (進四技) left out, each by its rule, on the page itself."""
    b = TermBriefing.build(
        term="114-1", students=str(tiny[0]), records=str(tiny[1]), output_dir=str(tmp_path)
    )
    page = b.headline().data
    assert "學生名單 6 人，計入 4 人" in page
    assert (
        "學制不符 1 人（進四技 1 人）" in page
        and "入學年度不符 1 人（112 學年度入學 1 人）" in page
    )


def test_a_departments_briefing_says_the_files_count_is_the_schools(tiny, tmp_path):
    # 學生名單 6 人 is the file's (the school's), not 化材's: the unit's briefing says so.
    b = TermBriefing.build(
        term="114-1", students=str(tiny[0]), records=str(tiny[1]), output_dir=str(tmp_path),
        department="化材",
    )  # fmt: skip
    page = b.headline().data
    assert "全校：學生名單 6 人，計入 4 人" in page
