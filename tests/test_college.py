"""A college's briefing (``--college``, ``--per-college``): its departments, its own total row
(工程學院全院) and the school's true rates beside them, on the page, in the workbook and on the
deck; the options that name a scope checked before anything runs."""

from __future__ import annotations

import re

import openpyxl
import pytest
from pptx import Presentation

from ncut_analysis.briefing import run_term_briefing, unit_index
from ncut_analysis.charts import SLIDE, rate_bars
from ncut_analysis.present import Scope
from ncut_analysis.report import TermBriefing, TermReport
from ncut_analysis.slides.content import term_slide_charts, term_slide_tables
from ncut_analysis.slides.layout import build_deck

from .conftest import run_cli
from .test_report import pre_113_2  # noqa: F401 - the five-category term's fixture

ENGINEERING = ["化材", "機械", "冷凍", "智動"]  # data/synthetic 114-1: the college's departments


@pytest.fixture(scope="module")
def school():
    return TermReport.build(term="114-1")


@pytest.fixture(scope="module")
def eng():
    return TermBriefing.build(term="114-1", college="工程學院", output_dir="")


def _text(html_obj) -> str:  # noqa: ANN001 - an IPython HTML
    return re.sub(r"<[^>]+>", " ", html_obj.data)


def test_a_college_report_covers_its_departments_and_cites_the_true_school(school, eng):
    r = eng.report
    assert r.scope == Scope("college", "工程學院", "工程學院")
    assert list(r.groups["department"]) == ENGINEERING
    # its total is the sum of its departments, and is the school report's row of the college
    assert r.total["students"] == r.groups["students"].sum() == 412
    mine = school.by_college.set_index("college").loc["工程學院"]
    for c in r.categories:
        assert r.total[f"{c}_passed"] == r.groups[f"{c}_passed"].sum() == mine[f"{c}_passed"]
        assert r.total[f"{c}_rate"] == mine[f"{c}_rate"]
    # the school figures it cites are the school briefing's own, whatever the scope
    (own, _), (name, school_row) = r.references()
    assert (own, name) == ("工程學院全院", "全校")
    for c in r.categories:
        assert school_row[f"{c}_rate"] == school.total[f"{c}_rate"]
        assert school_row[f"{c}_passed"] == school.total[f"{c}_passed"]
    comp = r.comparison()
    assert list(comp["name"]) == ["工程學院", "全校"]
    assert list(comp["all_rate"]) == [mine["all_rate"], school.total["all_rate"]]


def test_a_college_page_words_every_table_for_its_scope(eng):
    frame = eng.report.department_frame()
    assert frame.attrs["keys"] == ["學院", "學系"]
    assert frame["學院"].iloc[-1] == "工程學院全院" and "全校" not in set(frame["學院"])
    assert frame.attrs["total"] == (False,) * 4 + (True,)
    header = _text(eng.header())
    assert "114-1 工程學院 學生自主學習畢業門檻" in header and "工程學院大四學生 412 人" in header
    # its own rates, then the school's true all-passed rate (29.45 %, the school's briefing's)
    assert "全校全數通過率 29.45%" in header
    table = _text(eng.department_table())
    assert (
        "工程學院 各學系通過率" in table and "工程學院全院" in table and "各學院、學系" not in table
    )
    headline = _text(eng.headline())
    assert "工程學院與全校比較" in headline and "全校（1,504 人）" in headline
    assert eng.report.chart_title("heatmap") == "工程學院各學系各項通過率"
    assert _text(eng.outreach()).startswith(" 工程學院各承辦單位")
    for fig in (eng.fig_rate_bars(), eng.fig_college()):
        title = fig.layout.title.text
        assert "全校" in title and "工程學院" in title


def test_a_college_workbook_and_deck_name_its_total(eng, tmp_path):
    eng.output_dir = tmp_path
    eng.write_files()
    wb = openpyxl.load_workbook(tmp_path / "term_briefing.xlsx")
    assert wb.sheetnames[:3] == ["摘要", "比較", "各學系"]
    # its rates beside the school's true ones (the school briefing's 29.45 % all-passed)
    compare = [[c.value for c in row] for row in wb["比較"].iter_rows()]
    assert [r[0] for r in compare] == ["單位", "工程學院", "全校"]
    assert compare[1][1:3] == [412, 88.59] and compare[2][1] == 1504 and compare[2][-1] == 29.45
    ws = wb["各學系"]
    first = [ws.cell(i, 1).value for i in range(2, ws.max_row + 1)]
    assert first[-1] == "工程學院全院" and "全校" not in first
    assert ws.cell(ws.max_row, 3).value == 412 and ws.cell(ws.max_row, 3).number_format == "#,##0"
    assert "工程學院" in ws.oddHeader.center.text
    tables = term_slide_tables(eng.report)
    assert tables[0].title.startswith("工程學院各學系通過率")
    (i,) = tables[0].total_rows
    assert tables[0].frame.iloc[i, 0] == "工程學院全院"
    takeaways = {s.name: s.takeaway for s in term_slide_charts(eng.report)}
    assert takeaways["college_all_pass"] == "工程學院全數通過率 21.36%：全校 29.45%"
    assert takeaways["rate_bars_resilience"].startswith("工程學院抗壓通過率")


def test_two_reference_lines_are_named_one_above_one_below(eng):
    # 工程學院全院 88.59 % and 全校 87.77 % for 抗壓: under a point apart, their notes must not sit
    # on each other: the higher one's above its line, the lower one's below
    fig = rate_bars(eng.report.table, eng.report.rules, "resilience", refs=eng.report.references(),
                    look=SLIDE)  # fmt: skip
    notes = {a.text.split("<br>")[0]: a for a in fig.layout.annotations}
    assert notes["工程學院全院"].yanchor == "bottom" and notes["工程學院全院"].y == 88.59
    assert notes["全校"].yanchor == "top" and notes["全校"].y == 87.77


def test_the_college_index_lists_each_college_with_its_rates_and_the_date(school):
    links = {c: f"{c}/term_briefing.html" for c in ["工程學院", "電資學院", "文創學院", "管理學院"]}
    page = unit_index(school, links, "college")
    colleges = school.by_college.set_index("college")
    for c, link in links.items():
        row = re.search(rf"<tr><td><a href='{link}'>{c}</a></td>(.*?)</tr>", page)
        assert row, c
        cells = re.findall(r"<td class='n'>([^<]*)</td>", row.group(1))
        assert cells[0] == f"{int(colleges.loc[c, 'students']):,}"
        assert cells[-1] == f"{colleges.loc[c, 'all_rate']:.2f}%"
    assert "全校" in page and "1,504" in page and "資料結算至 2025-12-12" in page
    assert "臺北時間" in page and "各學院簡報" in page


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (["--college", "理學院"], "--college", "理學院"),
        (["--department", "物理"], "--department", "物理"),
        (["--college", "工程學院", "--department", "化材"], "--department", "化材"),
        (["--college", "工程學院", "--per-department"], "--college", "工程學院"),
        (["--per-college", "--per-department"], "--per-department", ""),
    ],
)
def test_a_scope_the_seniors_do_not_hold_or_two_scopes_exit_2(tmp_path, args, option, value):
    res = run_cli("briefing", "--term", "114-1", *args, "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    (line,) = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert option in line and value in line and "Traceback" not in res.stderr
    if "理學院" in args:  # the known colleges listed, in the school's order
        assert "工程學院、電資學院、文創學院、管理學院" in line
    assert not (tmp_path / "o" / "114-1").exists()


def test_slides_check_the_college_too(tmp_path):
    res = run_cli("slides", "--term", "114-1", "--college", "理學院", "--out", str(tmp_path / "d"))
    assert res.returncode == 2 and "--college" in res.stderr and "理學院" in res.stderr


def test_a_five_category_term_gives_aesthetics_its_own_row_in_the_briefing(pre_113_2, tmp_path):  # noqa: F811
    rules_path, students, records = pre_113_2
    b = TermBriefing.build(
        term=str(rules_path), students=str(students), records=str(records), output_dir=str(tmp_path)
    )
    head = b.report.headline_frame()
    assert list(head["項目"]) == ["抗壓", "精進", "社會接軌", "美學", "證照", "全數通過"]
    # A passed 美學 (2 h of 2), B did not: 1 of 2
    aesthetics = head.set_index("項目").loc["美學"]
    assert (aesthetics["通過人數"], aesthetics["通過率（%）"]) == (1, 50.0)
    headline = _text(b.headline())
    assert re.search(r"美學\s+藝術中心\s+2\s+1\s+1\s+50\.00%", headline)
    b.write_files()
    ws = openpyxl.load_workbook(tmp_path / "term_briefing.xlsx")["摘要"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert ["美學", "藝術中心", 2, 1, 1, 50.0] in rows
    tables = term_slide_tables(b.report)
    assert "美學" in tables[0].frame.columns and "美學" in tables[1].frame.columns
    # the deck's table slides, written and opened back: a 美學 column with A's 1 of 2
    deck = build_deck([], [], tables, tmp_path / "deck.pptx", title="t", subtitle="s", footer="f")
    grids = [
        [[c.text for c in row.cells] for row in sh.table.rows]
        for slide in Presentation(deck).slides
        for sh in slide.shapes
        if sh.has_table
    ]
    rates, counts = grids
    col = rates[0].index("美學")
    assert rates[0][col - 1 : col + 2] == ["社會接軌", "美學", "證照"]
    assert rates[-1][col] == "50.00%" and counts[-1][col] == "1"


@pytest.mark.slow
def test_one_college_briefing_and_the_per_college_run(tmp_path):
    (html,) = run_term_briefing(tmp_path / "one", college="工程學院", progress_bar=False)
    text = html.read_text(encoding="utf-8")
    assert "114-1 工程學院 學生自主學習畢業門檻" in text and "工程學院全院" in text
    assert "ncut_analysis" not in re.sub(r"<script.*?</script>", "", text, flags=re.S)
    files = run_term_briefing(tmp_path / "all", per_college=True, progress_bar=False)
    assert len(files) == 4 and all(f.exists() for f in files)
    index = (tmp_path / "all" / "114-1" / "index.html").read_text(encoding="utf-8")
    assert index.count("term_briefing.html") == 4 and ">工程學院<" in index


def test_a_college_reads_its_own_rates_at_each_notice_from_the_ledger(school, tmp_path):
    import datetime as dt

    import pandas as pd

    from ncut_analysis import ledger as lg
    from ncut_analysis.thresholds import summarise

    counts = summarise(school.status, "department")
    led = tmp_path / "l.sqlite"
    con = lg.open_ledger(led)
    con.execute("BEGIN IMMEDIATE")
    lg.add_run(
        con, term="114-1", as_of=dt.date(2025, 10, 31), run_at=dt.datetime(2025, 11, 1, tzinfo=dt.UTC),
        program="日四技", cohort=111, students_file="s", records_file="r", out_dir="o",
        notices=pd.DataFrame(columns=["kind", "recipient", "department", "class", "detail"]),
        counts=counts,
    )  # fmt: skip
    con.execute("COMMIT")
    con.close()
    r = TermReport.build(term="114-1", college="工程學院", ledger=str(led))
    hist = r.notices_frame()
    # the college's own counts at the notice (the sum of its departments), not the school's
    assert list(hist["大四學生數"]) == [412]
    assert list(hist["全數通過率（%）"]) == [21.36] and school.total["all_rate"] != 21.36
