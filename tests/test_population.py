"""Who a run counts (population.py): the scope a briefing covers, checked against the seniors,
and the line that says who was read, counted and left out."""

from __future__ import annotations

import pandas as pd
import pytest

from ncut_analysis.errors import OptionError
from ncut_analysis.population import PopulationReport, check_scope, check_scope_options
from ncut_analysis.present import Scope

SENIORS = pd.DataFrame(
    {
        "college": ["工程學院", "工程學院", "管理學院"],
        "department": ["化材", "機械", "企管"],
    }
)


def test_a_scope_is_the_school_a_college_or_a_department():
    assert check_scope(SENIORS) == Scope()
    assert check_scope(SENIORS, college="管理學院") == Scope("college", "管理學院", "管理學院")
    assert check_scope(SENIORS, department="機械") == Scope("department", "機械", "工程學院")
    # a name as a spreadsheet may spell it (a full-width space, padding) is the same name
    assert check_scope(SENIORS, department=" 機械 ").name == "機械"


def test_an_unknown_college_or_department_names_the_option_and_the_known_ones():
    with pytest.raises(OptionError) as e:
        check_scope(SENIORS, college="理學院", college_option="--college")
    assert e.value.option == "--college" and "「理學院」" in e.value.message()
    assert "工程學院、管理學院" in e.value.message()
    with pytest.raises(OptionError) as e:
        check_scope(SENIORS, department="物理")
    assert e.value.option == "department" and "化材、機械、企管" in e.value.message()


def test_a_college_and_a_department_together_are_refused():
    with pytest.raises(OptionError) as e:
        check_scope(SENIORS, college="工程學院", department="化材")
    assert e.value.option == "college" and "department" in e.value.message()


def test_the_counted_line_has_thousands_separators():
    r = PopulationReport(read=1629, counted=1504, program="日四技", cohort=111,
                         by_program={"進四技": 82}, by_cohort={110: 43})  # fmt: skip
    text = r.describe()
    assert text.startswith("學生名單 1,629 人，計入 1,504 人（學制 日四技、入學年度 111）")
    assert (
        "未計入 125 人：學制不符 82 人（進四技 82 人）、入學年度不符 43 人（110 學年度入學 43 人）"
        in text
    )
    assert text.endswith("。")


def test_one_scope_option_at_most():
    check_scope_options({"--college": "工程學院", "--department": "", "--per-college": False})
    with pytest.raises(OptionError) as e:
        check_scope_options({"--college": "工程學院", "--per-department": True})
    assert e.value.option == "--college" and "--per-department" in e.value.message()
    with pytest.raises(OptionError) as e:
        check_scope_options({"--per-department": True, "--per-college": True})
    assert e.value.option == "--per-department" and e.value.problems[0].value == ""


def test_students_and_records_are_given_together_or_not_at_all():
    from ncut_analysis.population import check_pair

    check_pair("s.csv", "r.csv")
    check_pair(None, "")  # neither: the shipped data
    with pytest.raises(OptionError) as e:
        check_pair(None, "r.csv")
    assert e.value.option == "--records" and "「r.csv」" in e.value.message()
    assert "--students" in e.value.message()


def test_the_known_units_are_listed_in_the_schools_order_when_the_rules_are_given():
    import ncut_analysis as na

    rules = na.load_term_rules("114-1")
    # SENIORS lists 化材, 機械, 企管; reversed, the rules still put 化材 before 機械
    upside = SENIORS.iloc[::-1].reset_index(drop=True)
    with pytest.raises(OptionError) as e:
        check_scope(upside, department="物理", rules=rules)
    assert "化材、機械、企管" in e.value.message()


def test_records_of_no_listed_student_and_students_without_a_record(tmp_path):
    """By hand: 7 records, 3 of them (X9, X8, X9) name no student; of the three counted
    students only S1 has a record, so S2 and S3 have none."""
    from ncut_analysis.loaders import load_term_data
    from ncut_analysis.population import check_population
    from ncut_analysis.rules import load_term_rules

    from .conftest import STUDENT_HEADER, write

    s = write(
        tmp_path / "s.csv",
        STUDENT_HEADER + "\nS1,甲,工程學院,化材,化材四甲,111,日四技\n"
        "S2,乙,工程學院,化材,化材四甲,111,日四技\nS3,丙,工程學院,化材,化材四甲,111,日四技\n",
    )
    r = write(
        tmp_path / "r.csv",
        "student_id,category,amount,date\nS1,抗壓,1,2025-01-01\nX9,抗壓,1,2025-01-01\n"
        "S1,精進,1,2025-01-01\nX8,抗壓,1,2025-01-01\nS1,證照,1,2025-01-01\n"
        "X9,證照,1,2025-01-01\nS1,社會接軌,1,2025-01-01\n",
    )
    students, records = load_term_data(s, r)
    rep = check_population(students, records, load_term_rules("114-1"))
    assert (rep.records, rep.unmatched_records, rep.unmatched_ids, rep.no_records) == (
        7, 3, ("X9", "X8"), 2,
    )  # fmt: skip
    assert "紀錄 7 筆中 3 筆的學號不在學生名單（未計，例如 X9、X8）" in rep.describe()
    assert "計入者中 2 人無任何紀錄" in rep.describe()
