from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.thresholds import change_table, gap_table, outreach_table, rate_hundredths


@pytest.fixture
def data(tiny):
    s, r = tiny
    return na.load_students(s), na.load_records(r)


def status_of(data, **kw):
    st = na.student_status(*data, term="114-1", **kw)
    return st.set_index("student_id")


def test_population_is_senior_day_division(data):
    st = status_of(data)
    assert sorted(st.index) == ["S1", "S2", "S3", "S4"]  # J1 (cohort 112) and E1 (進四技) left out


def test_cohort_override_counts_another_cohort(data):
    st = status_of(data, cohort=112)
    assert list(st.index) == ["J1"]
    assert st.loc["J1", "all_passed"]


def test_exact_sums_and_boundaries(data):
    st = status_of(data)
    # exactly 3 h passes; ten records of 0.3 h are exactly 3 h (3000 units) and pass
    assert st.loc["S1", "resilience_units"] == 3000 and st.loc["S1", "resilience_passed"]
    assert st.loc["S1", "enhancement_units"] == 3000 and st.loc["S1", "enhancement_passed"]
    # 2.99 h does not
    assert st.loc["S2", "resilience_units"] == 2990 and not st.loc["S2", "resilience_passed"]


def test_aesthetics_completes_engagement(data):
    st = status_of(data)
    assert st.loc["S1", "engagement_units"] == 20000 and st.loc["S1", "aesthetics_units"] == 4000
    assert st.loc["S1", "engagement_passed"] and st.loc["S1", "all_passed"]


def test_aesthetics_not_counted_when_rules_say_so(data):
    rules = na.load_term_rules("114-1").replace(aesthetics_into=None)
    st = na.student_status(*data, rules=rules).set_index("student_id")
    assert not st.loc["S1", "engagement_passed"]


def test_as_of_counts_the_day_itself_not_the_day_after(data):
    on = status_of(data, as_of="2025-12-12")
    assert on.loc["S2", "engagement_passed"]  # dated on the as-of day: counts
    assert on.loc["S2", "enhancement_units"] == 2000  # the 1 h of 12-13 does not
    assert not on.loc["S2", "enhancement_passed"]
    assert on.loc["S4", "certificate_passed"]  # ROC 114/12/12 is 2025-12-12
    before = status_of(data, as_of="114/12/11")
    assert not before.loc["S2", "engagement_passed"] and not before.loc["S4", "certificate_passed"]
    everything = status_of(data)
    assert everything.loc["S2", "enhancement_passed"]  # no as-of date: all records count


def test_pass_rates_table_by_department(data):
    t = na.pass_rates(*data, term="114-1", as_of="2025-12-12")
    assert list(t.columns[:4]) == ["level", "college", "department", "students"]
    assert list(t["level"]) == ["group", "group", "total"]
    assert list(t["department"]) == ["化材", "機械", ""]
    row = t.iloc[0]  # 化材: S1, S2, S3
    assert (
        row["students"] == 3 and row["resilience_passed"] == 1 and row["resilience_rate"] == 33.33
    )
    assert row["engagement_passed"] == 2 and row["engagement_rate"] == 66.67
    assert row["all_passed"] == 1
    whole = t.iloc[-1]
    assert (
        whole["level"] == "total"
        and whole["college"] == ""
        and whole["students"] == 4
        and whole["resilience_passed"] == 2
    )
    assert whole["resilience_rate"] == 50.0 and whole["certificate_passed"] == 2


def test_pass_rates_by_class_and_college(data):
    by_class = na.pass_rates(*data, by="class")
    assert list(by_class.columns[:5]) == ["level", "college", "department", "class", "students"]
    assert list(by_class["class"]) == ["化材四甲", "化材四乙", "機械四甲", ""]
    by_college = na.pass_rates(*data, by="college")
    assert list(by_college["college"]) == ["工程學院", ""]
    assert list(by_college["level"]) == ["group", "total"]
    assert "department" not in by_college.columns


def test_rates_round_half_up_exactly():
    # 443 / 1504 = 29.4547 -> 29.45; 1 / 8 = 12.5 -> 12.50; 1/3 -> 33.33; 2/3 -> 66.67;
    # 29.445 exactly (5889 / 20000) rounds up to 29.45, where a float would give 29.44.
    assert list(rate_hundredths([443, 1, 1, 2, 5889], [1504, 8, 3, 3, 20000])) == [
        2945,
        1250,
        3333,
        6667,
        2945,
    ]


def test_student_card_as_in_the_seed(data):
    rules = na.load_term_rules("114-1")
    st = status_of(data, as_of="2025-12-12")
    card = na.student_card(st.loc["S1"], rules)
    assert card == {
        "全數通過": "通過",
        "抗壓": "3 / 3 通過",
        "精進": "3 / 3 通過",
        "社會接軌": "20 + 4 / 24 通過",
        "證照": "1 / 1 通過",
        "美學": "4 (納入社會接軌)",
    }
    assert na.student_card(st.loc["S2"], rules)["精進"] == "2 / 3 未通過"


def test_unknown_students_warned_and_skipped(tiny, tmp_path):
    s, r = tiny
    r.write_text(r.read_text() + "X9,resilience,3,2025-01-01\n", encoding="utf-8")
    with pytest.warns(na.UnknownStudentsWarning, match=r"1 位學生，其 1 筆紀錄未計入.*X9"):
        t = na.pass_rates(na.load_students(s), na.load_records(r))
    assert t.iloc[-1]["students"] == 4


def test_pass_rates_does_not_mutate_inputs(data):
    students, records = data
    s0, r0 = students.copy(), records.copy()
    na.pass_rates(students, records, as_of="2025-12-12")
    pd.testing.assert_frame_equal(students, s0)
    pd.testing.assert_frame_equal(records, r0)


def test_pass_dates_and_progress_agree_with_status(data):
    rules = na.load_term_rules("114-1")
    pd_table = na.pass_dates(*data, rules=rules).set_index("student_id")
    # S1 reaches engagement on 113/11/11 (2024-11-11) when aesthetics adds the last 4 h
    assert pd_table.loc["S1", "engagement"] == pd.Timestamp("2024-11-11")
    assert pd_table.loc["S2", "enhancement"] == pd.Timestamp("2025-12-13")
    assert pd.isna(pd_table.loc["S3", "all"])
    days = [dt.date(2025, 12, 11), dt.date(2025, 12, 12), dt.date(2025, 12, 13)]
    prog = na.progress(pd_table.reset_index(), days)
    for d in days:
        st = na.student_status(*data, rules=rules, as_of=d)
        for c in ("resilience", "enhancement", "engagement", "certificate", "all"):
            got = prog[(prog["date"] == pd.Timestamp(d)) & (prog["category"] == c)]["passed"].item()
            assert got == int(st[f"{c}_passed"].sum()), (d, c)


def test_gap_bands(data):
    rules = na.load_term_rules("114-1")
    st = na.student_status(*data, rules=rules, as_of="2025-12-12")
    g = gap_table(st, rules).set_index(["category", "band"])["students"]
    # resilience: S2 short 0.01 h (within 1 h), S3 short 3 h (within 3 h)
    assert g[("resilience", "差 1 小時內")] == 1 and g[("resilience", "差 3 小時內")] == 1
    # engagement: S3 and S4 short 24 h
    assert g[("engagement", "差 6 小時以上")] == 2
    assert g[("certificate", "差 1 張")] == 2  # S2 and S3


def test_change_and_outreach(data):
    rules = na.load_term_rules("114-1")
    now = na.pass_rates(*data, as_of="2025-12-13")
    before = na.pass_rates(*data, as_of="2025-12-11")
    ch = change_table(now, before).set_index("department")
    assert (
        ch.loc["化材", "engagement_passed_change"] == 1
        and ch.loc["化材", "enhancement_passed_change"] == 1
    )
    out = outreach_table(now, rules).set_index("department")
    assert out.loc["化材", "resilience"] == 2 and out.loc["化材", "certificate"] == 2


def test_vectorised_sums_match_a_plain_groupby():
    rng = np.random.default_rng(3)
    n = 500
    students = pd.DataFrame(
        {
            "student_id": [f"s{i}" for i in range(n)],
            "name": "x",
            "college": "C",
            "department": rng.choice(["a", "b"], n),
            "class": "k",
            "cohort": 111,
            "program": "日四技",
        }
    )
    m = 5000
    records = pd.DataFrame(
        {
            "student_id": [f"s{i}" for i in rng.integers(n, size=m)],
            "category": pd.Categorical(
                rng.choice(list(na.rules.CATEGORIES), m), categories=list(na.rules.CATEGORIES)
            ),
            "units": rng.integers(0, 3000, m),
            "date": pd.Timestamp("2025-01-01"),
        }
    )
    st = na.student_status(students, records)
    expect = (
        records.groupby(["student_id", "category"], observed=False)["units"]
        .sum()
        .unstack(fill_value=0)
    )
    for c in ("resilience", "aesthetics"):
        got = st.set_index("student_id")[f"{c}_units"]
        assert (got == expect[c].reindex(got.index, fill_value=0)).all()


def test_warning_free_on_clean_data(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        na.pass_rates(*data)


@pytest.mark.parametrize("order", ["grouped", "sorted", "shuffled"])
def test_positions_agree_with_a_plain_lookup(order):
    from ncut_analysis import thresholds

    rng = np.random.default_rng(5)
    keys = pd.Series([f"k{i}" for i in range(300_000)], dtype="string")
    # Some keys absent; 60,003 values in runs of three, over several of the kernel's chunks.
    values = [f"k{i}" for i in np.repeat(rng.integers(0, 320_000, 20_001), 3)]
    if order == "shuffled":
        values = list(rng.permutation(values))
    if order == "sorted":
        keys = keys.sort_values(ignore_index=True)
        values = sorted(values)
    values = pd.Series(values, dtype="string")
    expected = pd.Index(keys.to_numpy(dtype=object)).get_indexer(values.to_numpy(dtype=object))
    got = thresholds.positions(values, keys)
    assert np.array_equal(got, expected) and (got < 0).any()


def test_tables_follow_the_schools_order_not_the_files(tmp_path):
    # A students file that lists 管理學院 first, 機械 before 化材 and 丙 before 甲: the table
    # reads in the school's order from the rules ([colleges]: 工程學院 化材 機械 …, then 管理學院),
    # classes 甲乙丙; a department the rules do not list (材料) after its college's listed ones.
    rows = [
        ("M1", "管理學院", "企管", "企管四甲"),
        ("X1", "工程學院", "材料", "材料四甲"),
        ("K3", "工程學院", "機械", "機械四丙"),
        ("K1", "工程學院", "機械", "機械四甲"),
        ("C2", "工程學院", "化材", "化材四乙"),
        ("C1", "工程學院", "化材", "化材四甲"),
    ]
    (tmp_path / "s.csv").write_text(
        "student_id,name,college,department,class,cohort,program\n"
        + "".join(f"{i},某某,{c},{d},{k},111,日四技\n" for i, c, d, k in rows),
        encoding="utf-8",
    )
    (tmp_path / "r.csv").write_text("student_id,category,amount,date\nC1,抗壓,3,2025-10-01\n")
    data = na.load_students(tmp_path / "s.csv"), na.load_records(tmp_path / "r.csv")
    t = na.pass_rates(*data, term="114-1", by="class")
    assert list(t["class"]) == [
        *["化材四甲", "化材四乙", "機械四甲", "機械四丙", "材料四甲", "企管四甲", ""]
    ]
    assert t.iloc[0]["resilience_passed"] == 1 and t.iloc[-1]["students"] == 6
    by_college = na.pass_rates(*data, term="114-1", by="college")
    assert list(by_college["college"]) == ["工程學院", "管理學院", ""]


def test_units_the_rules_do_not_list_keep_the_files_order_and_never_mix():
    # Two departments the rules do not list (新乙系 first in the file, then 新甲系), each with 甲
    # and 乙 classes: each department's classes stay together, in the file's order of departments;
    # with no [colleges] at all, the file's order of units (classes 甲乙 within each).
    from ncut_analysis.thresholds import sort_in_school_order

    rows = [
        ("B2", "新學院", "新乙系", "新乙系四乙"),
        ("A1", "新學院", "新甲系", "新甲系四甲"),
        ("B1", "新學院", "新乙系", "新乙系四甲"),
        ("A2", "新學院", "新甲系", "新甲系四乙"),
        ("C1", "工程學院", "化材", "化材四甲"),
    ]
    frame = pd.DataFrame(rows, columns=["student_id", "college", "department", "class"])
    rules = na.load_term_rules("114-1")
    got = sort_in_school_order(frame, rules)["student_id"].tolist()
    assert got == ["C1", "B1", "B2", "A1", "A2"]
    bare = rules.replace(colleges={})
    assert sort_in_school_order(frame, bare)["student_id"].tolist() == [
        "B1",
        "B2",
        "A1",
        "A2",
        "C1",
    ]
