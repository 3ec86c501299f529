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
    assert f"{p} 第 3 列，欄位「category」，值「跑步」" in msg and "共 5 個問題" in msg


def test_missing_column_and_missing_file(tmp_path):
    p = write(tmp_path / "r.csv", "student_id,category,date\nS1,抗壓,2025-01-01\n")
    with pytest.raises(InputError, match=r"r.csv 第 1 列，欄位「amount」：缺少欄位"):
        na.load_records(p)
    with pytest.raises(InputError, match="找不到檔案"):
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
    assert q.value == "S2" and q.line == 5 and "第 4、5 列" in q.message


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
    school = p[p["level"] == "total"].iloc[0]  # the file's 全校 row, marked by its code
    assert school["college"] == ""
    assert school["all_passed"] == 443 and school["students"] == 1504


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_records_in_big5_with_chinese_only_in_the_coded_columns(tmp_path, encoding):
    # ASCII ids and dates, Chinese categories: the text that is not UTF-8 sits only in a
    # dictionary-encoded column, and is found there.
    p = write(
        tmp_path / "r.csv",
        "student_id,category,amount,date\nS1,抗壓,1.5,114/12/12\nS2,專業證照,1,114/12/01\n",
        encoding,
    )
    r = na.load_records(p)
    assert list(r["category"]) == ["resilience", "certificate"]
    assert list(r["units"]) == [1500, 1000]


def test_blanks_are_trimmed_and_empty_cells_are_missing(tmp_path):
    # "S2　" ends in an ideographic space (U+3000), as Chinese keyboards type it.
    p = write(
        tmp_path / "r.csv",
        "student_id,category,amount,date\n"
        " S1 , 抗壓 , 1.5 , 114/12/12 \nS2\u3000,精進,2,2025-12-01\n",
    )
    r = na.load_records(p)
    assert list(r["student_id"]) == ["S1", "S2"]
    assert list(r["category"]) == ["resilience", "enhancement"]
    assert list(r["units"]) == [1500, 2000]
    assert [str(d.date()) for d in r["date"]] == ["2025-12-12", "2025-12-01"]
    bad = write(
        tmp_path / "bad.csv",
        "student_id,category,amount,date\n ,抗壓,1,2025-12-01\nS1,,1,2025-12-01\n"
        'S1,抗壓,"",2025-12-01\nS1,抗壓,1,\n',
    )
    with pytest.raises(InputError) as e:
        na.load_records(bad)
    got = [(q.line, q.column, q.value, q.message) for q in e.value.problems]
    assert got == [
        (2, "student_id", None, "缺少值"),
        (3, "category", None, "缺少值"),
        (4, "amount", None, "缺少值"),
        (5, "date", None, "缺少日期"),
    ]


def test_decode_parses_each_distinct_value_once_across_chunks_and_dictionaries():
    import numpy as np
    import pyarrow as pa

    from ncut_analysis.io import Bad, decode

    # Two chunks with different dictionaries (as two Parquet row groups have), a null in the
    # second; "1" appears in both and is parsed once.
    col = pa.chunked_array(
        [
            pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), pa.array(["1", "2"])),
            pa.DictionaryArray.from_arrays(
                pa.array([1, None, 0], pa.int32()), pa.array(["x", "1"])
            ),
        ]
    )
    seen: list[str] = []

    def parse(u: object) -> object:
        seen.append(u)
        return Bad("not a digit") if u == "x" else int(u)

    out = np.empty(6, dtype=np.int64)
    problems = decode(
        col, parse, out, column="n", index=pd.RangeIndex(2, 8), fill=-9, missing="missing value"
    )
    assert sorted(seen) == ["1", "2", "x"]
    assert out.tolist() == [1, 2, 1, 1, -9, -9]
    assert [(q.line, q.value, q.message) for q in problems] == [
        (6, None, "missing value"),
        (7, "x", "not a digit"),
    ]


def test_parquet_row_groups_with_missing_cells(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "student_id": ["S1", "S1", "S2", None, "S3"],
            "category": ["抗壓", "精進", None, "抗壓", "certificate"],
            "amount": [0.1, 0.2, 1.0, 1.0, 1.0],
            "date": ["114/12/12", "2025-12-01", "2025-12-01", "2025-12-01", "2025-12-01"],
        }
    )
    pq.write_table(table, tmp_path / "r.parquet", row_group_size=2)
    with pytest.raises(InputError) as e:
        na.load_records(tmp_path / "r.parquet")
    assert [(q.line, q.column) for q in e.value.problems] == [(3, "category"), (4, "student_id")]
    good = table.filter(pa.array([True, True, False, False, True]))
    pq.write_table(good, tmp_path / "ok.parquet", row_group_size=2)
    r = na.load_records(tmp_path / "ok.parquet")
    # 0.1 and 0.2 as doubles are exactly 100 and 200 thousandths
    assert list(r["units"]) == [100, 200, 1000]
    assert list(r["category"]) == ["resilience", "enhancement", "certificate"]


def test_a_row_with_too_few_or_too_many_fields_is_named_by_line(tmp_path):
    p = write(
        tmp_path / "r.csv",
        "student_id,category,amount,date\nS1,抗壓,1,2025-12-01\nS1,抗壓,1\n"
        "S1,抗壓,1,2025-12-01,extra\n",
    )
    with pytest.raises(InputError) as e:
        na.load_records(p)
    assert [(q.line, q.value) for q in e.value.problems] == [
        (3, "S1,抗壓,1"),
        (4, "S1,抗壓,1,2025-12-01,extra"),
    ]
    assert "這一列有 3 欄，標題列有 4 欄" in str(e.value)


def test_header_names_with_blanks_and_quotes(tmp_path):
    p = write(tmp_path / "r.csv", 'student_id, category ,"amount",date \nS1,抗壓,0.1,114/12/12\n')
    r = na.load_records(p)
    assert list(r["units"]) == [100] and list(r["category"]) == ["resilience"]


def test_decode_gives_every_chunk_its_own_dictionary():
    import numpy as np
    import pyarrow as pa

    from ncut_analysis.io import decode

    # As a big CSV comes: every block dictionary-encoded on its own, in its own order.
    chunks = [
        pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int32()), pa.array([str(i), str(-i)]))
        for i in range(200)
    ]
    out = np.empty(400, dtype=np.int64)
    decode(
        pa.chunked_array(chunks),
        int,
        out,
        column="n",
        index=pd.RangeIndex(2, 402),
        fill=0,
        missing=None,
    )
    assert out.tolist() == [v for i in range(200) for v in (-i, i)]


def test_text_is_cleaned_unless_nfkc_cannot_change_it():
    # Names, departments and classes of CJK ideographs and ASCII are kept as read (no copy);
    # an ideographic space, a full-width letter or a zero-width character anywhere means the
    # column is cleaned, as a dictionary-encoded one (Parquet's text) is.
    import pyarrow as pa

    from ncut_analysis.parsing import _trimmed

    plain = pa.chunked_array([pa.array(["陳家宇", "化材四甲", "A1"])])
    assert _trimmed(plain) is plain
    messy = ["陳家宇\u3000", "ＡＢ", "化材\u200b四甲", "\u3000", None]
    want = ["陳家宇", "AB", "化材四甲", None, None]
    assert _trimmed(pa.chunked_array([pa.array(messy)])).to_pylist() == want
    encoded = pa.chunked_array([pa.array(messy).dictionary_encode()])
    assert _trimmed(encoded).to_pylist() == want
    kept = pa.chunked_array([pa.array(["化材", "機械", "化材"]).dictionary_encode()])
    assert _trimmed(kept).to_pylist() == ["化材", "機械", "化材"]


def test_a_term_is_joined_once_for_the_check_and_every_count(monkeypatch, tiny):
    """load_term_data matches each record to its student once; the check of who is counted
    (unmatched records, students without one) and the counts at several dates read that join."""
    import datetime as dt

    from ncut_analysis import _engine
    from ncut_analysis.loaders import load_term_data
    from ncut_analysis.population import check_population

    calls = []
    rows_in = _engine.rows_in
    monkeypatch.setattr(_engine, "rows_in", lambda v, k: calls.append(len(v)) or rows_in(v, k))
    s, r = tiny
    students, records = load_term_data(s, r)
    rules = na.load_term_rules("114-1")
    report = check_population(students, records, rules)
    for day in (dt.date(2025, 6, 1), dt.date(2025, 12, 12)):
        na.pass_rates(students, records, rules=rules, as_of=day)
    assert calls == [len(records)]
    # the same answers as the loaders one by one, joined afresh
    alone = check_population(na.load_students(s), na.load_records(r), rules)
    assert (report.records, report.unmatched_records, report.no_records) == (
        alone.records,
        alone.unmatched_records,
        alone.no_records,
    )
    assert len(calls) == 2
