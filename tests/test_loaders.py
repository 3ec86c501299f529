from __future__ import annotations

import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.io import InputError, parse_date
from ncut_analysis.paths import published_table

from .conftest import STUDENT_HEADER, write


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_reads_utf8_bom_and_big5_without_being_told(tmp_path, encoding):
    p = write(
        tmp_path / "s.csv",
        STUDENT_HEADER + "\nS1,陳小明,工程學院,化材,化材四甲,111,日四技\n",
        encoding,
    )
    s = na.load_students(p)
    assert s.loc[0, "name"] == "陳小明" and s.loc[0, "department"] == "化材"
    assert list(s.columns) == STUDENT_HEADER.split(",")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025-12-12", "2025-12-12"),
        ("114/12/12", "2025-12-12"),
        ("114-12-12", "2025-12-12"),
        ("114.12.12", "2025-12-12"),
        ("1141212", "2025-12-12"),
        ("99/1/5", "2010-01-05"),
        ("113.02.29", "2024-02-29"),
    ],
)
def test_roc_and_iso_dates(text, iso):
    assert parse_date(text).isoformat() == iso


@pytest.mark.parametrize("bad", ["2025-02-30", "114-02-29", "1140230", "abc", "2025-13-01"])
def test_impossible_dates_are_errors(tmp_path, bad):
    p = write(tmp_path / "r.csv", f"student_id,category,amount,date\nS1,抗壓,1,{bad}\n")
    with pytest.raises(InputError) as e:
        na.load_records(p)
    assert e.value.problems[0].line == 2 and e.value.problems[0].value == bad


def test_every_problem_is_listed_with_line_column_and_value(tmp_path):
    p = write(
        tmp_path / "r.csv",
        "student_id,category,amount,date\n"
        "S1,抗壓,-1,2025-01-01\nS1,跑步,1,2025-01-01\nS1,精進,abc,2025-01-01\n"
        "S1,證照,1.5,2025-01-01\nS1,精進,0.0001,2025-01-01\nS1,精進,1,2025-01-01\n",
    )
    with pytest.raises(InputError) as e:
        na.load_records(p)
    got = [(q.line, q.column, q.value) for q in e.value.problems]
    assert got == [
        (2, "amount", "-1"),
        (3, "category", "跑步"),
        (4, "amount", "abc"),
        (5, "amount", "1.5"),
        (6, "amount", "0.0001"),
    ]
    msg = str(e.value)
    assert f"{p}:3: column 'category' value '跑步'" in msg and "5 problems" in msg


def test_missing_column_and_missing_file(tmp_path):
    p = write(tmp_path / "r.csv", "student_id,category,date\nS1,抗壓,2025-01-01\n")
    with pytest.raises(InputError, match=r"r.csv:1: column 'amount'.*missing column"):
        na.load_records(p)
    with pytest.raises(InputError, match="file not found"):
        na.load_records(tmp_path / "nope.csv")


def test_student_twice_with_different_details_is_an_error(tmp_path):
    p = write(
        tmp_path / "s.csv",
        STUDENT_HEADER + "\nS1,甲,工程學院,化材,化材四甲,111,日四技\n"
        "S1,甲,工程學院,化材,化材四甲,111,日四技\nS2,乙,工程學院,化材,化材四甲,111,日四技\n"
        "S2,乙,工程學院,機械,機械四甲,111,日四技\n",
    )
    with pytest.raises(InputError) as e:
        na.load_students(p)
    (q,) = e.value.problems  # S1 twice with the same details is fine
    assert q.value == "S2" and q.line == 5 and "lines 4, 5" in q.message


def test_xlsx_and_parquet_with_the_same_columns(tmp_path, tiny):
    s, r = tiny
    students = pd.read_csv(s, dtype=str)
    records = pd.read_csv(r, dtype=str)
    students.to_excel(tmp_path / "s.xlsx", index=False)
    records.to_excel(tmp_path / "r.xlsx", index=False)
    students.assign(cohort=students["cohort"].astype(int)).to_parquet(tmp_path / "s.parquet")
    records.assign(amount=records["amount"].astype(float)).to_parquet(tmp_path / "r.parquet")
    base = na.pass_rates(na.load_students(s), na.load_records(r))
    for ext in ("xlsx", "parquet"):
        t = na.pass_rates(
            na.load_students(tmp_path / f"s.{ext}"), na.load_records(tmp_path / f"r.{ext}")
        )
        pd.testing.assert_frame_equal(t, base)


def test_published_table_rates_are_exact_hundredths():
    p = na.load_published(published_table("114-1"))
    row = p[p["department"] == "智慧"].iloc[0]
    assert (
        row["students"] == 47 and row["engagement_passed"] == 36 and row["engagement_rate"] == 7659
    )
    school = p[p["college"] == "全校"].iloc[0]
    assert school["all_passed"] == 443 and school["students"] == 1504
