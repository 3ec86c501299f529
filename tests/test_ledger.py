"""The notice ledger on its own: runs, told-once lookups across terms, history for the briefing."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest

from ncut_analysis import ledger as lg


def counts(students: int, passed: int) -> pd.DataFrame:
    row = {"level": "group", "college": "工程學院", "department": "化材", "students": students}
    row.update({f"{c}_passed": passed for c in ("resilience", "enhancement", "engagement")})
    row.update(certificate_passed=passed, all_passed=passed)
    school = {**row, "level": "total", "college": "", "department": ""}
    return pd.DataFrame([row, school])


def notice(kind: str, who: str) -> dict:
    return {"kind": kind, "recipient": who, "department": "化材", "class": "化材四甲", "detail": ""}


def add(con, term, day, passed, told):
    con.execute("BEGIN IMMEDIATE")
    lg.add_run(
        con,
        term=term,
        as_of=day,
        run_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        program="日四技",
        cohort=111,
        students_file="s",
        records_file="r",
        out_dir="o",
        notices=pd.DataFrame([notice("passed", s) for s in told]),
        counts=counts(3, passed),
    )
    con.execute("COMMIT")


def test_history_and_told_once_across_terms(tmp_path):
    path = tmp_path / "l.sqlite"
    con = lg.open_ledger(path)
    assert (
        lg.told_passed(con, dt.date(2026, 1, 1)).empty
        and lg.find_run(con, "114-1", dt.date(2025, 12, 26)) is None
    )
    add(con, "114-1", dt.date(2025, 12, 26), 1, ["A1"])
    add(con, "114-2", dt.date(2026, 2, 27), 2, ["A2"])
    # 114-2's first notice follows 114-1's last for the same seniors.
    assert lg.previous_run(con, "日四技", 111, dt.date(2026, 2, 27))["term"] == "114-1"
    told = lg.told_passed(con, dt.date(2026, 3, 31))
    assert list(told["student_id"]) == ["A1", "A2"] and list(told["term"]) == ["114-1", "114-2"]
    assert list(lg.told_passed(con, dt.date(2026, 2, 27))["student_id"]) == ["A1"]
    assert lg.later_runs(con, "日四技", 111, dt.date(2026, 1, 1)) == ["2026-02-27"]
    con.close()

    hist = lg.ledger_history(path)
    assert list(hist.columns) == [
        "term", "as_of", "run_at", "level", "college", "department", "students",
        "resilience_passed", "enhancement_passed", "engagement_passed", "certificate_passed", "all_passed",
        "resilience_rate", "enhancement_rate", "engagement_rate", "certificate_rate", "all_rate",
    ]  # fmt: skip
    assert list(hist["department"]) == ["化材", "", "化材", ""]
    assert list(hist["all_rate"]) == [33.33, 33.33, 66.67, 66.67]
    assert str(hist["as_of"].dtype) == "datetime64[s]"
    assert len(lg.ledger_history(path, "114-2")) == 2
    assert len(lg.ledger_history(path, until=dt.date(2026, 1, 31))) == 2


def test_not_a_ledger(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(lg.LedgerError, match="without the notices ledger"):
        lg.open_ledger(other)
    with pytest.raises(lg.LedgerError, match="no such ledger"):
        lg.ledger_history(tmp_path / "missing.sqlite")


def test_add_run_needs_the_callers_transaction(tmp_path):
    con = lg.open_ledger(tmp_path / "l.sqlite")
    with pytest.raises(RuntimeError, match="transaction"):
        lg.add_run(
            con, term="114-2", as_of=dt.date(2026, 2, 27), run_at=dt.datetime.now(dt.UTC),
            program="日四技", cohort=111, students_file="", records_file="", out_dir="",
            notices=pd.DataFrame([notice("passed", "A1")]), counts=counts(1, 1),
        )  # fmt: skip
