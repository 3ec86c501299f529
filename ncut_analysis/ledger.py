"""The notice ledger: one SQLite file that remembers every notice sent and each run's pass counts.

A run is one ``notices`` command for a term and an as-of date. It holds one row per notice
(a student told 通過 or 未通過, a department head's or a class advisor's sheet) and the pass
counts by department. Everything a run adds goes in within one transaction, which the caller
commits only after every output file is in place; an interrupted run leaves the file as it was.
The counts double as the term's history where the records carry no dates.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .io import InputError, Problem
from .labels import WHOLE_SCHOOL
from .thresholds import RESULT_CATEGORIES, rate_hundredths

__all__ = [
    "KINDS",
    "LedgerError",
    "open_ledger",
    "check_ledger",
    "find_run",
    "told_passed",
    "previous_run",
    "run_counts",
    "later_runs",
    "recorded_notices",
    "add_run",
    "ledger_history",
    "ledger_progress",
]

SCHEMA_VERSION = 1
# passed / not_passed: a student's notice; department: a head's sheet; advisor: a class roster.
KINDS: tuple[str, ...] = ("passed", "not_passed", "department", "advisor")
_COUNTS = [f"{c}_passed" for c in RESULT_CATEGORIES]

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    as_of TEXT NOT NULL,               -- ISO date the records were counted to
    run_at TEXT NOT NULL,              -- ISO time (UTC) of the run
    program TEXT NOT NULL,
    cohort INTEGER NOT NULL,
    students_file TEXT NOT NULL,
    records_file TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    UNIQUE (term, as_of)
);
CREATE TABLE IF NOT EXISTS notices (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    term TEXT NOT NULL,
    as_of TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(f"'{k}'" for k in KINDS)})),
    recipient TEXT NOT NULL,           -- student id, department or class
    department TEXT NOT NULL,
    class TEXT NOT NULL,
    detail TEXT NOT NULL,              -- what is missing, or the file sent
    PRIMARY KEY (term, as_of, kind, recipient)
);
CREATE INDEX IF NOT EXISTS notices_by_student ON notices (recipient, kind, as_of);
CREATE TABLE IF NOT EXISTS counts (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    college TEXT NOT NULL,
    department TEXT NOT NULL,          -- '' on the whole-school (全校) row
    students INTEGER NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL" for c in _COUNTS)},
    PRIMARY KEY (run_id, college, department)
);
"""


class LedgerError(InputError):
    """A ledger file that cannot be used (not SQLite, another schema, locked)."""


def _error(path: Path, why: str) -> LedgerError:
    return LedgerError(str(path), [Problem(None, None, None, why)])


def open_ledger(path: str | Path) -> sqlite3.Connection:
    """Open (or create) the ledger in autocommit mode: callers ``BEGIN`` and ``COMMIT``.

    A new file gets its tables only inside the caller's first transaction (``add_run``)."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise _error(path, "the ledger is not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        con.close()
        raise _error(path, f"not a notices ledger (SQLite: {exc})") from None
    if tables and not {"meta", "runs", "notices", "counts"} <= tables:
        con.close()
        raise _error(path, "an SQLite file without the notices ledger's tables")
    if tables:
        row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None or int(row[0]) != SCHEMA_VERSION:
            con.close()
            raise _error(
                path, f"ledger schema {row and row[0]}, this version reads {SCHEMA_VERSION}"
            )
    return con


def check_ledger(path: str | Path) -> None:
    """Read a ledger without changing it, before any slow work: a ``LedgerError`` (one line)
    for a file that is not SQLite, holds other tables or another schema, or is damaged (SQLite's
    ``quick_check``: a corrupted page)."""
    path = Path(path)
    if not path.is_file():
        raise _error(path, "the ledger is not a file" if path.exists() else "no such file")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise _error(path, f"cannot be opened (SQLite: {exc})") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and not {"meta", "runs", "notices", "counts"} <= tables:
            raise _error(path, "an SQLite file without the notices ledger's tables")
        if tables:
            row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None or int(row[0]) != SCHEMA_VERSION:
                raise _error(
                    path, f"ledger schema {row and row[0]}, this version reads {SCHEMA_VERSION}"
                )
        found = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        if found != ["ok"]:
            shown = " ".join(" ".join(found[:3]).split())  # SQLite's report, on one line
            raise _error(path, f"the ledger is damaged (SQLite: {shown})")
    except sqlite3.Error as exc:
        raise _error(path, f"not a notices ledger, or damaged (SQLite: {exc})") from None
    finally:
        con.close()


def _has_tables(con: sqlite3.Connection) -> bool:
    return (
        con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='runs'").fetchone()
        is not None
    )


def _iso(d: dt.date) -> str:
    return d.isoformat()


def find_run(con: sqlite3.Connection, term: str, as_of: dt.date) -> dict | None:
    """The recorded run of ``term`` at ``as_of``, or None."""
    if not _has_tables(con):
        return None
    cur = con.execute("SELECT * FROM runs WHERE term = ? AND as_of = ?", (term, _iso(as_of)))
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


def told_passed(con: sqlite3.Connection, before: dt.date) -> pd.DataFrame:
    """Students already told 通過 by a notice dated before ``before`` (any term): one row each,
    ``student_id``, ``term``, ``as_of`` (ISO text) of the first such notice."""
    cols = ["student_id", "term", "as_of"]
    if not _has_tables(con):
        return pd.DataFrame(columns=cols)
    rows = con.execute(
        "SELECT recipient, term, min(as_of) FROM notices WHERE kind = 'passed' AND as_of < ? "
        "GROUP BY recipient ORDER BY recipient",
        (_iso(before),),
    ).fetchall()
    return pd.DataFrame(rows, columns=cols)


def previous_run(
    con: sqlite3.Connection, program: str, cohort: int, before: dt.date
) -> dict | None:
    """The latest run before ``before`` of the same population (program and cohort), whatever
    its term: 114-2's first notice follows 114-1's last."""
    if not _has_tables(con):
        return None
    cur = con.execute(
        "SELECT * FROM runs WHERE program = ? AND cohort = ? AND as_of < ? "
        "ORDER BY as_of DESC, run_id DESC LIMIT 1",
        (program, int(cohort), _iso(before)),
    )
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


def later_runs(con: sqlite3.Connection, program: str, cohort: int, after: dt.date) -> list[str]:
    """The as-of dates (ISO) of the population's runs after ``after``."""
    if not _has_tables(con):
        return []
    rows = con.execute(
        "SELECT DISTINCT as_of FROM runs WHERE program = ? AND cohort = ? AND as_of > ? ORDER BY as_of",
        (program, int(cohort), _iso(after)),
    ).fetchall()
    return [r[0] for r in rows]


def recorded_notices(con: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    """A run's notices: ``kind, recipient, department, class, detail``."""
    rows = con.execute(
        "SELECT kind, recipient, department, class, detail FROM notices WHERE run_id = ? "
        "ORDER BY kind, recipient",
        (run_id,),
    ).fetchall()
    return pd.DataFrame(rows, columns=["kind", "recipient", "department", "class", "detail"])


def _with_rates(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for c in RESULT_CATEGORIES:
        h = rate_hundredths(out[f"{c}_passed"], out["students"])
        out[f"{c}_rate"] = np.where(h >= 0, h / 100, np.nan)
    return out


def _counts_frame(rows: list, extra: list[str]) -> pd.DataFrame:
    cols = [*extra, "college", "department", "students", *_COUNTS]
    out = pd.DataFrame(rows, columns=cols)
    for c in ["students", *_COUNTS]:
        out[c] = out[c].astype("int64")
    return _with_rates(out)


def run_counts(con: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    """A run's pass counts by department as a ``pass_rates`` table (the 全校 row last)."""
    rows = con.execute(
        f"SELECT college, department, students, {', '.join(_COUNTS)} FROM counts "
        "WHERE run_id = ? ORDER BY college = '全校', rowid",
        (run_id,),
    ).fetchall()
    return _counts_frame(rows, [])


def add_run(
    con: sqlite3.Connection,
    *,
    term: str,
    as_of: dt.date,
    run_at: dt.datetime,
    program: str,
    cohort: int,
    students_file: str,
    records_file: str,
    out_dir: str,
    notices: pd.DataFrame,
    counts: pd.DataFrame,
) -> int:
    """Add a run, its notices (``kind, recipient, department, class, detail``) and its counts
    (a ``summarise(..., by="department")`` table) inside the caller's open transaction."""
    if not con.in_transaction:
        raise RuntimeError("add_run needs an open transaction (BEGIN IMMEDIATE)")
    # One statement at a time: executescript would commit the caller's transaction.
    for stmt in _SCHEMA.split(";"):
        if stmt.strip():
            con.execute(stmt)
    con.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    cur = con.execute(
        "INSERT INTO runs (term, as_of, run_at, program, cohort, students_file, records_file, "
        "out_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            term,
            _iso(as_of),
            run_at.isoformat(timespec="seconds"),
            program,
            int(cohort),
            students_file,
            records_file,
            out_dir,
        ),
    )
    run_id = int(cur.lastrowid)
    con.executemany(
        "INSERT INTO notices (run_id, term, as_of, kind, recipient, department, class, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        _notice_rows(run_id, term, as_of, notices),
    )
    con.executemany(
        f"INSERT INTO counts (run_id, college, department, students, {', '.join(_COUNTS)}) "
        f"VALUES ({', '.join('?' * (4 + len(_COUNTS)))})",
        [
            (run_id, str(r["college"]), str(r["department"]), int(r["students"]))
            + tuple(int(r[c]) for c in _COUNTS)
            for _, r in counts.iterrows()
        ],
    )
    return run_id


def _notice_rows(run_id: int, term: str, as_of: dt.date, notices: pd.DataFrame) -> Iterable[tuple]:
    cols = ["kind", "recipient", "department", "class", "detail"]
    for kind, *rest in notices[cols].itertuples(index=False, name=None):
        if kind not in KINDS:
            raise ValueError(f"unknown notice kind {kind!r}")
        yield (run_id, term, _iso(as_of), kind, *(str(v) for v in rest))


def _read(ledger: str | Path | sqlite3.Connection) -> tuple[sqlite3.Connection, bool]:
    if isinstance(ledger, sqlite3.Connection):
        return ledger, False
    path = Path(ledger)
    if not path.is_file():
        raise _error(path, "no such ledger file")
    return open_ledger(path), True


def ledger_history(
    ledger: str | Path | sqlite3.Connection,
    term: str | None = None,
    *,
    until: dt.date | None = None,
) -> pd.DataFrame:
    """Pass counts and rates at every recorded notice, by department, oldest first.

    Columns: ``term``, ``as_of`` (datetime64), ``run_at``, ``college``, ``department`` (the
    whole-school row: college ``全校``, department ``""``), ``students``, then ``<cat>_passed``
    for resilience, enhancement, engagement, certificate, all, then ``<cat>_rate`` (percent,
    half-up to 2 decimals, as ``pass_rates``). ``term`` keeps one term; ``until`` keeps notices
    dated on or before it.
    """
    con, own = _read(ledger)
    try:
        if not _has_tables(con):
            rows = []
        else:
            where, args = [], []
            if term is not None:
                where.append("r.term = ?")
                args.append(term)
            if until is not None:
                where.append("r.as_of <= ?")
                args.append(_iso(until))
            rows = con.execute(
                f"SELECT r.term, r.as_of, r.run_at, c.college, c.department, c.students, "
                f"{', '.join('c.' + c for c in _COUNTS)} FROM counts c JOIN runs r USING (run_id) "
                f"{'WHERE ' + ' AND '.join(where) if where else ''} "
                "ORDER BY r.as_of, r.run_id, c.college = '全校', c.rowid",
                args,
            ).fetchall()
    finally:
        if own:
            con.close()
    out = _counts_frame(rows, ["term", "as_of", "run_at"])
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[s]")
    return out


def ledger_progress(
    ledger: str | Path | sqlite3.Connection,
    term: str | None = None,
    *,
    department: str | None = None,
    until: dt.date | None = None,
) -> pd.DataFrame:
    """The pass rate per category at each recorded notice, in ``thresholds.progress``'s long
    format (``date, category, passed, students, rate``): the whole school, or one department."""
    hist = ledger_history(ledger, term, until=until)
    rows = (
        hist[hist["department"] == department]
        if department
        else hist[hist["college"] == WHOLE_SCHOOL]
    )
    parts = [
        pd.DataFrame(
            {
                "date": rows["as_of"].to_numpy(),
                "category": c,
                "passed": rows[f"{c}_passed"].to_numpy(),
                "students": rows["students"].to_numpy(),
                "rate": rows[f"{c}_rate"].to_numpy(),
            }
        )
        for c in RESULT_CATEGORIES
    ]
    return pd.concat(parts, ignore_index=True)
