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


# A version-2 ledger as the previous release wrote it: its CHECK knows four notice kinds and it
# has no messages table.
_V2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, term TEXT NOT NULL, as_of TEXT NOT NULL,
    run_at TEXT NOT NULL, program TEXT NOT NULL, cohort INTEGER NOT NULL,
    students_file TEXT NOT NULL, records_file TEXT NOT NULL, out_dir TEXT NOT NULL,
    UNIQUE (term, as_of));
CREATE TABLE notices (run_id INTEGER NOT NULL REFERENCES runs (run_id), term TEXT NOT NULL,
    as_of TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('passed', 'not_passed', 'department', 'advisor')),
    recipient TEXT NOT NULL, department TEXT NOT NULL, class TEXT NOT NULL,
    detail TEXT NOT NULL, PRIMARY KEY (term, as_of, kind, recipient));
CREATE INDEX notices_by_student ON notices (recipient, kind, as_of);
CREATE TABLE counts (run_id INTEGER NOT NULL REFERENCES runs (run_id),
    scope TEXT NOT NULL CHECK (scope IN ('school', 'department')), college TEXT NOT NULL,
    department TEXT NOT NULL, category TEXT NOT NULL, students INTEGER NOT NULL,
    passed INTEGER NOT NULL, PRIMARY KEY (run_id, scope, college, department, category));
INSERT INTO meta VALUES ('schema_version', '2');
INSERT INTO runs VALUES (1, '114-1', '2025-12-26', '2025-12-26T08:00:00+00:00', '日四技', 111,
    's', 'r', 'o');
INSERT INTO notices VALUES (1, '114-1', '2025-12-26', 'passed', 'A1', '化材', '化材四甲', '');
INSERT INTO counts VALUES (1, 'school', '', '', 'all', 3, 1);
"""


def test_a_version_2_ledger_keeps_working_and_takes_office_notices_and_messages(tmp_path):
    path = tmp_path / "v2.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(_V2)
    lg.check_ledger(path)  # an older schema is read, not refused
    con = lg.open_ledger(path)
    assert list(lg.told_passed(con, dt.date(2026, 1, 1))["student_id"]) == ["A1"]
    con.execute("BEGIN IMMEDIATE")
    run_id = lg.add_run(
        con, term="114-2", as_of=dt.date(2026, 2, 27), run_at=dt.datetime(2026, 2, 27, tzinfo=dt.UTC),
        program="日四技", cohort=111, students_file="s", records_file="r", out_dir=str(tmp_path),
        notices=pd.DataFrame([notice("office", "教務處"), notice("passed", "A2")]),
        counts=counts(3, 2),
    )  # fmt: skip
    lg.queue_messages(con, run_id, pd.DataFrame([{
        "message_id": "114-2/2026-02-27/office/教務處", "kind": "office", "recipient": "教務處",
        "address": "academic@example.edu", "eml": "mail/office.eml"}]))  # fmt: skip
    con.execute("COMMIT")
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
        str(lg.SCHEMA_VERSION),
    )
    kinds = con.execute("SELECT kind, recipient FROM notices ORDER BY as_of, kind").fetchall()
    assert kinds == [("passed", "A1"), ("office", "教務處"), ("passed", "A2")]
    states = lg.message_states(con, run_id)
    assert list(states["state"]) == ["queued"] and list(states["attempts"]) == [0]
    lg.mark_message(con, "114-2/2026-02-27/office/教務處", "sending")
    lg.mark_message(con, "114-2/2026-02-27/office/教務處", "sent", "250 OK")
    assert lg.message_states(con, run_id).iloc[0][["state", "reply", "attempts"]].tolist() == [
        "sent", "250 OK", 1]  # fmt: skip
    assert lg.pending_messages(con, run_id).empty
    assert lg.find_run_by_folder(con, tmp_path)["run_id"] == run_id
    con.close()
    lg.check_ledger(path)


def test_the_notice_kinds_come_from_the_one_table_of_recipient_kinds(tmp_path):
    from ncut_analysis.notices.kinds import KINDS, NOTICE_KINDS

    assert lg.KINDS == NOTICE_KINDS == ("department", "advisor", "office", "passed", "not_passed")
    assert {k.code for k in KINDS} == {"department", "advisor", "office", "student"}
    con = lg.open_ledger(tmp_path / "l.sqlite")
    con.execute("BEGIN IMMEDIATE")
    with pytest.raises(ValueError, match="unknown notice kind"):
        lg.add_run(
            con, term="114-2", as_of=dt.date(2026, 2, 27), run_at=dt.datetime.now(dt.UTC),
            program="日四技", cohort=111, students_file="", records_file="", out_dir="",
            notices=pd.DataFrame([notice("principal", "x")]), counts=counts(1, 1),
        )  # fmt: skip
    con.execute("ROLLBACK")
    con.close()
