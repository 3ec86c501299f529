"""The school's files, round two (issue 22): each case on a file the test builds, through the
command line in this process (``cli.main``) or the loaders."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ncut_analysis import ledger as lg
from ncut_analysis.cli import main
from ncut_analysis.errors import InputError
from ncut_analysis.io import atomic_dir, safe_name, unique_names
from ncut_analysis.loaders import load_records, load_students
from ncut_analysis.population import PopulationError, check_population
from ncut_analysis.rules import load_term_rules

from .conftest import write

HEADER = "student_id,name,college,department,class,cohort,program"
RECORD_HEADER = "student_id,category,amount,date"
# Enough for every threshold of 114-1 (3 h, 3 h, 24 h, 1 certificate): a student with these
# records passes all four.
PASSING = ["抗壓,3,2025-01-01", "精進,3,2025-01-01", "社會接軌,24,2025-01-01", "證照,1,2025-01-01"]


def students_csv(path: Path, rows: list[str]) -> Path:
    return write(path, "\n".join([HEADER, *rows]) + "\n")


def records_csv(path: Path, ids: list[str]) -> Path:
    return write(path, "\n".join([RECORD_HEADER, *[f"{i},{r}" for i in ids for r in PASSING]]))


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    got = capsys.readouterr()
    return code, got.out, got.err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("錯誤：")
    return lines[0]


def rates(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"department": str})


# ---------------------------------------------------------------------------- read what Excel shows


def test_a_hidden_sheet_is_never_read_by_default_and_read_when_named(tmp_path):
    wb = openpyxl.Workbook()
    old = wb.active
    old.title = "上學期"
    old.sheet_state = "hidden"
    old.append(["學號", "項目", "時數", "日期"])
    old.append(["S9", "抗壓", 7, "2024-01-01"])
    new = wb.create_sheet("本學期")
    new.append(["學號", "項目", "時數", "日期"])
    new.append(["S1", "抗壓", 2, "2025-01-01"])
    wb.create_sheet("備註").sheet_state = "veryHidden"
    wb.save(tmp_path / "r.xlsx")
    assert list(load_records(tmp_path / "r.xlsx")["student_id"]) == ["S1"]
    assert list(load_records(tmp_path / "r.xlsx", sheet="上學期")["student_id"]) == ["S9"]
    # only a hidden sheet has the header: an error that says so, not last term's data
    del wb["本學期"]
    wb.create_sheet("說明").append(["本檔為匯出資料"])
    wb.save(tmp_path / "hidden.xlsx")
    with pytest.raises(InputError, match="hidden"):
        load_records(tmp_path / "hidden.xlsx")


def test_ids_read_as_excel_shows_them_match_the_other_file(tmp_path, capsys):
    # 04110001 typed as a number in a cell formatted 00000000 shows as 04110001 in Excel.
    students = students_csv(tmp_path / "s.csv", ["04110001,甲,工程學院,化材,化材四甲,111,日四技"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["學號", "項目", "時數", "日期"])
    for r in PASSING:
        cat, amount, day = r.split(",")
        ws.append([4110001, cat, int(amount), day])
        ws.cell(ws.max_row, 1).number_format = "00000000"
    wb.save(tmp_path / "r.xlsx")
    out = tmp_path / "pr.csv"
    code, _, err = cli(capsys, "pass-rates", "--students", students, "--records",
                       tmp_path / "r.xlsx", "--out", out)  # fmt: skip
    assert code == 0, err
    assert rates(out)["all_passed"].tolist() == [1, 1]  # 化材, 全校


def test_full_width_and_lower_case_ids_match(tmp_path):
    students = load_students(
        students_csv(tmp_path / "s.csv", ["3A111001,甲,工程學院,化材,四甲,111,日四技"])
    )
    records = load_records(records_csv(tmp_path / "r.csv", ["３Ａ１１１００１"]))
    lower = load_records(records_csv(tmp_path / "l.csv", ["3a111001"]))
    assert set(records["student_id"]) == set(lower["student_id"]) == {"3A111001"}
    rep = check_population(students, records, load_term_rules("114-1"))
    assert rep.unmatched_records == 0 and rep.counted == 1


def test_zero_width_and_full_width_labels_are_one_group(tmp_path, capsys):
    s = students_csv(
        tmp_path / "s.csv",
        ["S1,甲,工程學院,化材,四甲,111,日四技", "S2,乙,工程學院,化材\u200b,四甲,111,日四技",
         "S3,丙,工程學院, 化材 ,四甲,111,日四技"],
    )  # fmt: skip
    r = records_csv(tmp_path / "r.csv", ["S1"])
    out = tmp_path / "pr.csv"
    code, _, err = cli(capsys, "pass-rates", "--students", s, "--records", r, "--out", out)
    assert code == 0, err
    got = rates(out)
    assert got["department"].tolist()[:-1] == ["化材"]  # one group, not two
    assert got["students"].tolist() == [3, 3]


def test_a_date_with_a_time_of_day_counts_on_its_day(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["學號", "項目", "時數", "日期"])
    ws.append(["S1", "抗壓", 3, dt.datetime(2025, 12, 12, 14, 30)])
    wb.save(tmp_path / "r.xlsx")
    rec = load_records(tmp_path / "r.xlsx")
    assert rec["date"].tolist() == [pd.Timestamp("2025-12-12")]
    csv = write(tmp_path / "r.csv", f"{RECORD_HEADER}\nS1,抗壓,3,114/12/12 14:30:00\n")
    assert load_records(csv)["date"].tolist() == [pd.Timestamp("2025-12-12")]


def test_full_width_amounts_and_a_units_row(tmp_path):
    rec = load_records(write(tmp_path / "r.csv", f"{RECORD_HEADER}\nS1,抗壓,１．５,2025-01-01\n"))
    assert rec["units"].tolist() == [1500]
    totals = write(
        tmp_path / "t.csv",
        "學號,抗壓,精進,社會接軌,證照\n,時數,時數,時數,張數\nS1,3,3,24,1\n",
    )
    got = load_records(totals)
    assert got.attrs["totals"] and set(got["student_id"]) == {"S1"}
    assert got["units"].sum() == (3 + 3 + 24 + 1) * 1000
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["學號", "抗壓", "精進", "社會接軌", "證照"], [None, "時數", "時數", "時數", "張數"],
                ["S1", 3, 3, 24, 1]):  # fmt: skip
        ws.append(row)
    wb.save(tmp_path / "t.xlsx")
    assert load_records(tmp_path / "t.xlsx")["units"].sum() == 31000


def test_a_bare_carriage_return_inside_a_quoted_cell(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(
        f'{HEADER}\r\nS1,"王\r小明",工程學院,化材,四甲,111,日四技\r\nS2,乙,工程學院,化材,四甲,111,日四技\r\n'.encode()
    )
    got = load_students(path)
    assert got["student_id"].tolist() == ["S1", "S2"]
    assert got["name"].tolist()[0] == "王\r小明"


def test_amounts_too_large_are_errors_not_wraps(tmp_path, capsys):
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,111,日四技"])
    r = write(
        tmp_path / "r.csv", f"{RECORD_HEADER}\nS1,抗壓,1e20,2025-01-01\nS1,精進,3,2025-01-01\n"
    )
    out = tmp_path / "pr.csv"
    code, _, err = cli(capsys, "pass-rates", "--students", s, "--records", r, "--out", out)
    assert code == 2 and not out.exists()
    line = one_error_line(err)
    assert "r.csv 第 2 列" in line and "1e20" in line and "太大" in line
    # just under the bound: read, and a sum of many such stays exact (no wrap to negative)
    many = "\n".join("S1,社會接軌,999999,2025-01-01" for _ in range(20))
    r2 = write(tmp_path / "r2.csv", f"{RECORD_HEADER}\n{many}\n")
    assert load_records(r2)["units"].sum() == 20 * 999_999_000


def test_encodings_are_decided_over_the_whole_file(tmp_path, capsys):
    # Big5 whose first 300 lines are ASCII: read as Big5, the Chinese category understood.
    ascii_rows = "".join(f"S{i},resilience,1,2025-01-01\n" for i in range(300))
    big5 = tmp_path / "b.csv"
    big5.write_bytes(f"{RECORD_HEADER}\n{ascii_rows}S1,精進,2,2025-01-01\n".encode("cp950"))
    rec = load_records(big5)
    assert rec["category"].tolist()[-1] == "enhancement"
    # UTF-8 with one bad byte on line 33: an error naming it, not cp950 mojibake.
    good = "".join(f"S{i},抗壓,1,2025-01-01\n" for i in range(30))
    bad = tmp_path / "u.csv"
    bad.write_bytes(
        f"{RECORD_HEADER}\n{good}S1,精進,1,2025-01-01\n".encode() + b"S2,\xe6\x8a,1,2025-01-01\n"
    )
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,111,日四技"])
    code, _, err = cli(capsys, "pass-rates", "--students", s, "--records", bad, "--out",
                       tmp_path / "o.csv")  # fmt: skip
    assert code == 2
    line = one_error_line(err)
    assert "u.csv 第 33 列" in line and "UTF-8" in line


# ---------------------------------------------------------------------------- the population


def test_a_program_spelled_otherwise_stops_the_run_listing_the_values(tmp_path, capsys):
    rows = [f"S{i},甲,工程學院,化材,四甲,111,日間部四技" for i in range(5)]
    s = students_csv(tmp_path / "s.csv", rows)
    r = records_csv(tmp_path / "r.csv", ["S1"])
    for command, out in (("pass-rates", tmp_path / "pr.csv"), ("rosters", tmp_path / "ro")):
        code, _, err = cli(capsys, command, "--students", s, "--records", r, "--out", out)
        assert code == 2 and not out.exists()
        line = one_error_line(err)
        assert "日間部四技 5" in line and "日四技" in line and "111" in line


def test_every_tenth_senior_spelled_otherwise_is_not_dropped_silently(tmp_path, capsys):
    rows = [
        f"S{i},甲,工程學院,化材,四甲,111,{'日間部四技' if i % 10 == 0 else '日四技'}"
        for i in range(100)
    ] + [f"E{i},乙,工程學院,化材,進四甲,111,進四技" for i in range(20)]
    s = students_csv(tmp_path / "s.csv", rows)
    r = records_csv(tmp_path / "r.csv", ["S1"])
    code, _, err = cli(capsys, "pass-rates", "--students", s, "--records", r, "--out",
                       tmp_path / "pr.csv")  # fmt: skip
    assert code == 2
    assert "10 / 120" in one_error_line(err) and "日間部四技" in err
    # 進四技 is a known program: left out as expected, and said so
    ok = students_csv(tmp_path / "ok.csv", [r.replace("日間部四技", "日四技") for r in rows])
    code, out, err = cli(capsys, "pass-rates", "--students", ok, "--records", r, "--out",
                         tmp_path / "pr.csv")  # fmt: skip
    assert code == 0, err
    assert "學生名單 120 人，計入 100 人" in out and "進四技 20" in out


def test_a_western_entry_year_is_converted(tmp_path, capsys):
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,2022,日四技"])
    r = records_csv(tmp_path / "r.csv", ["S1"])
    out = tmp_path / "pr.csv"
    code, stdout, err = cli(capsys, "pass-rates", "--students", s, "--records", r, "--out", out)
    assert code == 0, err
    assert rates(out)["all_passed"].tolist() == [1, 1]
    assert "西元年" in stdout
    assert load_students(s)["cohort"].tolist() == [111]


def test_most_records_unmatched_is_an_error(tmp_path, capsys):
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,111,日四技"])
    r = records_csv(tmp_path / "r.csv", ["S1", "X1", "X2"])
    code, _, err = cli(capsys, "pass-rates", "--students", s, "--records", r, "--out",
                       tmp_path / "pr.csv")  # fmt: skip
    assert code == 2
    assert "8 / 12" in one_error_line(err)


def test_the_population_report_counts_no_records(tmp_path):
    s = load_students(students_csv(tmp_path / "s.csv", [
        "S1,甲,工程學院,化材,四甲,111,日四技", "S2,乙,工程學院,化材,四甲,111,日四技",
        "J1,丙,工程學院,化材,三甲,112,日四技"]))  # fmt: skip
    r = load_records(records_csv(tmp_path / "r.csv", ["S1", "J1"]))
    rep = check_population(s, r, load_term_rules("114-1"))
    assert (rep.read, rep.counted, rep.no_records, rep.by_cohort) == (3, 2, 1, {112: 1})
    assert "無任何紀錄" in rep.describe()
    with pytest.raises(PopulationError):
        check_population(s, r, load_term_rules("114-1"), cohort=100)


@pytest.mark.parametrize(
    "argv",
    [
        ["briefing", "--students", "S"],
        ["briefing", "--records", "R"],
        ["slides", "--records", "R"],
        ["notices", "--term", "114-1", "--as-of", "2025-10-31", "--students", "S"],
    ],
)
def test_one_of_the_pair_is_an_error(argv, tmp_path, capsys):
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,111,日四技"])
    argv = [str(s) if a in ("S", "R") else a for a in argv]
    code, _, err = cli(capsys, *argv, "--out", tmp_path / "out")
    assert code == 2
    line = one_error_line(err)
    assert "--students" in line and "--records" in line and "s.csv" in line
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- files


def test_one_file_naming_rule():
    assert safe_name("CON") == "_CON" and safe_name("nul.txt") == "_nul.txt"
    assert safe_name("a. ") == "a" and safe_name(".hidden") == "hidden"
    assert safe_name('a<b>:"c"|?*') == "a_b___c____"
    names = unique_names(["x/y", "x_y", "+1+1", "=1+1", "A", "a", "化材"])
    assert len({n.casefold() for n in names}) == 7
    assert names[-1] == "化材"  # a name that meets no other stays as it is
    assert names[0].startswith("x_y-") and names[1].startswith("x_y-")
    assert unique_names(["x/y", "x_y"]) == names[:2]  # a name depends on its key only


def _status_rows(tmp_path: Path, rows: list[str]) -> tuple[Path, Path]:
    s = students_csv(tmp_path / "s.csv", rows)
    r = records_csv(tmp_path / "r.csv", [row.split(",")[0] for row in rows[:1]])
    return s, r


def test_a_class_name_shared_by_departments_never_merges(tmp_path, capsys):
    s, r = _status_rows(tmp_path, [
        "S1,甲,工程學院,化材,四年甲班,111,日四技", "S2,乙,工程學院,機械,四年甲班,111,日四技",
        "S3,丙,管理學院,企管,四年乙班,111,日四技"])  # fmt: skip
    out = tmp_path / "rosters"
    code, stdout, err = cli(capsys, "rosters", "--students", s, "--records", r, "--out", out)
    assert code == 0, err
    books = sorted(p.name for p in out.glob("*.xlsx"))
    assert books == ["化材_四年甲班.xlsx", "四年乙班.xlsx", "機械_四年甲班.xlsx"]
    for name, ids in (("化材_四年甲班", ["S1"]), ("機械_四年甲班", ["S2"])):
        table = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", dtype=str)
        assert table["學號"].tolist() == ids
    assert "已寫出 3 份班級名冊" in stdout


def test_a_renamed_class_leaves_no_stale_roster(tmp_path, capsys):
    s, r = _status_rows(tmp_path, ["S1,甲,工程學院,化材,化材四甲,111,日四技"])
    out = tmp_path / "rosters"
    assert cli(capsys, "rosters", "--students", s, "--records", r, "--out", out)[0] == 0
    (out / "README.txt").write_text("the office's own note")
    s2, _ = _status_rows(tmp_path / "b", ["S1,甲,工程學院,化材,化材四A,111,日四技"])
    assert cli(capsys, "rosters", "--students", s2, "--records", r, "--out", out)[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["README.txt", "化材四A.csv", "化材四A.xlsx"]
    assert (out / "README.txt").read_text() == "the office's own note"


def test_a_run_is_moved_into_place_as_one_set(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_dir(target) as stage:
        (stage / "first.pdf").write_text("1")  # the first file lands, then the run dies
        raise RuntimeError("killed")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    target.mkdir()
    (target / "old.pdf").write_text("old")
    (target / "keep.txt").write_text("keep")
    with atomic_dir(target, owned=lambda n: n.endswith(".pdf")) as stage:
        (stage / "new.pdf").write_text("new")
        assert sorted(p.name for p in target.iterdir()) == ["keep.txt", "old.pdf"]  # untouched
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt", "new.pdf"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left


# ---------------------------------------------------------------------------- no traceback

# Every command with the least arguments that pass argparse; the inputs need not be valid:
# the output's place is checked first.
COMMANDS = [
    ["pass-rates", "--students", "S", "--records", "R"],
    ["rosters", "--students", "S", "--records", "R"],
    ["synth"],
    ["reconcile", "--published", "S"],
    ["admission", "--applicants", "S", "--mode", "normal"],
    ["admission-compare", "--applicants", "S"],
    ["admission-simulate", "--applicants", "S", "--mode", "normal"],
    ["admission-diff", "--before", "S", "--after", "S", "--mode", "normal"],
    ["synth-applicants"],
    ["slides"],
    ["briefing"],
    ["briefing", "--per-department"],
    ["briefing", "--kind", "admission"],
    ["notices", "--term", "114-1", "--as-of", "2025-10-31"],
]


FILE_OUTPUTS = {"pass-rates", "reconcile", "admission", "admission-diff", "synth-applicants"}


@pytest.mark.parametrize("where", ["under_a_file", "proc", "the_wrong_kind"])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_every_command_with_an_unwritable_out(argv, where, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    s = tmp_path / "s.csv"
    s.write_text("x\n")
    wrong_kind = tmp_path if argv[0] in FILE_OUTPUTS else blocker  # a folder / a file
    out = {
        "under_a_file": blocker / "out" / "x.csv",
        "proc": Path("/proc/ncut-not-here/out"),  # (root may write anywhere else)
        "the_wrong_kind": wrong_kind,
    }[where]
    argv = [str(s) if a in ("S", "R") else a for a in argv]
    code, _, err = cli(capsys, *argv, "--out", out)
    assert code == 2
    assert "--out" in one_error_line(err)
    assert blocker.read_text() == "not a folder"


def test_a_rules_folder_that_is_a_file_and_bad_synth_options(tmp_path, capsys):
    f = tmp_path / "rules"
    f.write_text("x")
    code, _, err = cli(capsys, "--rules-dir", f, "synth", "--out", tmp_path / "o")
    assert code == 2 and "rules" in one_error_line(err)
    folder = tmp_path / "school_rules"
    folder.mkdir()
    (folder / "114-1.toml").write_bytes(b"\xff\xfe term = 1")  # not UTF-8 (Excel's Unicode text)
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,111,日四技"])
    code, _, err = cli(capsys, "--rules-dir", folder, "pass-rates", "--students", s,
                       "--records", s, "--out", tmp_path / "p.csv")  # fmt: skip
    assert code == 2 and "114-1.toml" in one_error_line(err) and "UTF-8" in err
    for opt, value in (("--scale", "0"), ("--seed", "-1"), ("--scale", "-3")):
        code, _, err = cli(capsys, "synth", opt, value, "--out", tmp_path / "o")
        assert code == 2 and f"{opt}「{value}」" in one_error_line(err)
    assert not (tmp_path / "o").exists()


def test_a_damaged_ledger_or_published_table_stops_before_any_kernel(tmp_path, capsys):
    ledger = tmp_path / "n.sqlite"
    con = sqlite3.connect(ledger)
    con.executescript(lg._SCHEMA)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(lg.SCHEMA_VERSION),))
    con.executemany(
        "INSERT INTO notices VALUES (1, '114-1', '2025-10-31', 'passed', ?, '化材', '四甲', ?)",
        [(f"S{i}", "x" * 300) for i in range(300)],
    )
    con.commit()
    con.close()
    data = bytearray(ledger.read_bytes())
    page = 4096 * (len(data) // 4096 // 2)
    data[page + 100 : page + 2000] = b"\xa5" * 1900  # a corrupted page
    ledger.write_bytes(bytes(data))
    with pytest.raises(lg.LedgerError, match="damaged"):
        lg.check_ledger(ledger)
    code, _, err = cli(capsys, "briefing", "--ledger", ledger, "--out", tmp_path / "o")
    assert code == 2 and "n.sqlite" in one_error_line(err) and "damaged" in err
    pub = write(tmp_path / "p.csv", "a,b\n1,2\n")
    code, _, err = cli(capsys, "briefing", "--published", pub, "--out", tmp_path / "o")
    assert code == 2 and "p.csv" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_notice_dated_before_the_ledgers_latest_is_refused_without_backfill(tmp_path):
    from ncut_analysis.notices import run_notices
    from ncut_analysis.printing import find_chromium
    from ncut_analysis.thresholds import student_status, summarise

    try:
        find_chromium()
    except Exception:  # noqa: BLE001 - no browser here: the command stops before this check
        pytest.skip("no Chromium")
    s, r = _status_rows(tmp_path, ["S1,甲,工程學院,化材,四甲,111,日四技"])
    rules = load_term_rules("114-1")
    status = student_status(load_students(s), load_records(r), rules=rules)
    ledger = tmp_path / "n.sqlite"
    con = lg.open_ledger(ledger)
    con.execute("BEGIN IMMEDIATE")
    lg.add_run(con, term="114-1", as_of=dt.date(2025, 12, 26), run_at=dt.datetime(2025, 12, 26),
               program=rules.program, cohort=rules.senior_cohort, students_file=str(s),
               records_file=str(r), out_dir=str(tmp_path), counts=summarise(status),
               notices=pd.DataFrame([{"kind": "passed", "recipient": "S1", "department": "化材",
                                      "class": "四甲", "detail": "通過"}]))  # fmt: skip
    con.execute("COMMIT")
    con.close()
    before = ledger.read_bytes()
    with pytest.raises(InputError, match="--backfill"):
        run_notices(term="114-1", as_of="2025-10-31", out=tmp_path / "oct", students=s,
                    records=r, ledger=ledger)  # fmt: skip
    assert ledger.read_bytes() == before and not (tmp_path / "oct").exists()


@pytest.mark.slow
def test_ctrl_c_on_per_department_stops_within_seconds(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "out" / "114-1"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("earlier")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncut_analysis", "briefing", "--per-department",
         "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not list(folder.glob(".partial-*/*.ipynb")):
        time.sleep(0.1)  # until a department's notebook is being written (its kernel is up)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the foreground group
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == 130, err
    assert took < 10, took
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert (folder / "index.html").read_text() == "earlier"
    time.sleep(1)
    # no department finished half: each folder there is complete, none is a staging folder
    for d in folder.iterdir():
        if d.is_dir():
            assert not d.name.startswith("."), d
            assert (d / "term_briefing.html").is_file()


def test_a_department_option_is_trimmed(tmp_path, capsys):
    # " 化材 " is 化材; an unknown one is named trimmed, before any kernel starts
    from ncut_analysis.headers import clean_text

    assert clean_text(" 化材\u3000") == "化材"
    code, _, err = cli(
        capsys, "briefing", "--department", " 不存在系\u200b ", "--out", tmp_path / "o"
    )
    assert code == 2 and "「不存在系」" in one_error_line(err)


def test_a_full_disk_while_writing_is_one_line(tmp_path, capsys, monkeypatch):
    import errno

    import ncut_analysis.cli as cli_module

    def full(df, target, **kw):  # noqa: ARG001 - as the disk would answer
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(cli_module, "write_csv", full)
    s = students_csv(tmp_path / "s.csv", ["S1,甲,工程學院,化材,四甲,111,日四技"])
    r = records_csv(tmp_path / "r.csv", ["S1"])
    out = tmp_path / "pr.csv"
    code, _, err = cli(capsys, "pass-rates", "--students", s, "--records", r, "--out", out)
    assert code == 2
    assert one_error_line(err) == f"錯誤：{out}：磁碟空間不足"


@pytest.mark.parametrize("where", ["a_folder", "under_a_file"])
def test_an_unusable_ledger_stops_before_any_work(where, tmp_path, capsys, monkeypatch):
    from ncut_analysis import notices

    monkeypatch.setattr(notices, "find_chromium", lambda: "fake")  # (stops before printing)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    ledger = tmp_path if where == "a_folder" else blocker / "n.sqlite"
    code, _, err = cli(capsys, "notices", "--term", "114-1", "--as-of", "2025-10-31",
                       "--ledger", ledger, "--out", tmp_path / "o")  # fmt: skip
    assert code == 2 and "--ledger" in one_error_line(err)
    assert not (tmp_path / "o").exists() and blocker.read_text() == "x"


def test_a_published_rate_in_a_percent_format_is_read_as_shown(tmp_path):
    from ncut_analysis.loaders import load_published

    cats = ["resilience", "enhancement", "engagement", "certificate"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["college", "department", "students", *[f"{c}_{m}" for c in cats
                                                       for m in ("passed", "rate")]])  # fmt: skip
    ws.append(["工程學院", "化材", 3, *[v for _ in cats for v in (2, 2 / 3)]])
    for cell in ws[2][4::2]:
        cell.number_format = "0.00%"  # Excel shows 66.67%
    wb.save(tmp_path / "p.xlsx")
    got = load_published(tmp_path / "p.xlsx")
    assert got["resilience_rate"].tolist() == [6667]  # hundredths of a percent, as shown


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["rosters", "--students", "s.csv"], "缺少必要的選項 --records、--out"),
        (["synth", "--scale", "abc", "--out", "o"], "選項 --scale 的值「abc」不是正確的整數"),
        (["no-such-command"], "命令「no-such-command」不存在"),
    ],
)
def test_an_option_mistake_is_one_line(argv, says, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert says in one_error_line(capsys.readouterr().err)
