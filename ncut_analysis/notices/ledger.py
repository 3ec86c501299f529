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
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import say
from ..io import InputError, Problem
from ..rules import CATEGORIES
from ..thresholds import GROUP, LEVEL, TOTAL, rate_hundredths
from .kinds import NOTICE_KINDS

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
    "MESSAGE_STATES",
    "queue_messages",
    "find_run_by_folder",
    "pending_messages",
    "mark_message",
    "message_states",
]

# 2: counts in long form (a row per run, scope, unit and category), so a term with another set
# of categories (美學 on its own before 113-2) is recorded as it is. A version-1 file is read as
# it is and migrated inside the next run's transaction.
# 3: a ``messages`` table (each e-mail queued, sending, sent or failed) and the notice kinds of
# ``kinds.KINDS`` (an office's list); a version-1 or -2 file is migrated the same way.
SCHEMA_VERSION = 3
# The notice kinds, from the one table of recipient kinds (``kinds.KINDS``).
KINDS: tuple[str, ...] = NOTICE_KINDS
# A message's life: queued before it is handed to the server, sending just before, then sent
# (with the server's reply) or failed (with the reason). One left in sending is uncertain.
MESSAGE_STATES: tuple[str, ...] = ("queued", "sending", "sent", "failed")
# The categories a version-1 file has columns for (its fixed wide table).
_V1_CATEGORIES = ("resilience", "enhancement", "engagement", "certificate", "all")
_V1_COUNTS = [f"{c}_passed" for c in _V1_CATEGORIES]
# Scopes of a counts row: the whole school, or one department.
SCHOOL_SCOPE, DEPARTMENT_SCOPE = "school", "department"
_ORDER = {c: i for i, c in enumerate((*CATEGORIES, "all"))}

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
    scope TEXT NOT NULL CHECK (scope IN ('school', 'department')),
    college TEXT NOT NULL,             -- '' on the school's rows
    department TEXT NOT NULL,          -- '' on the school's rows
    category TEXT NOT NULL,            -- a result category code of the run's term, or 'all'
    students INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    PRIMARY KEY (run_id, scope, college, department, category)
);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY,       -- term/as_of/kind/recipient: one message per notice
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(f"'{k}'" for k in KINDS)})),
    recipient TEXT NOT NULL,
    address TEXT NOT NULL,
    eml TEXT NOT NULL,                 -- the message file, relative to the run folder
    state TEXT NOT NULL CHECK (state IN ({", ".join(f"'{k}'" for k in MESSAGE_STATES)})),
    reply TEXT NOT NULL DEFAULT '',    -- the server's reply (sent) or the reason (failed)
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL           -- ISO time (UTC) of the last change
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
        if row is None or not 1 <= int(row[0]) <= SCHEMA_VERSION:
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
        raise _error(
            path,
            say("messages_checks", "ledger_not_a_file" if path.exists() else "no_such_file"),
        )
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
            if row is None or not 1 <= int(row[0]) <= SCHEMA_VERSION:
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


def _version(con: sqlite3.Connection) -> int:
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
        return SCHEMA_VERSION
    row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else SCHEMA_VERSION


def _long_counts(con: sqlite3.Connection, where: str = "", args: Sequence = ()) -> list[tuple]:
    """Counts rows ``(run_id, scope, college, department, category, students, passed)`` of
    either schema (a version-1 file's wide row read as one row per category)."""
    if _version(con) >= 2:
        return con.execute(
            "SELECT run_id, scope, college, department, category, students, passed "
            f"FROM counts {where} ORDER BY run_id, rowid",
            args,
        ).fetchall()
    wide = con.execute(
        f"SELECT run_id, college, department, students, {', '.join(_V1_COUNTS)} FROM counts "
        f"{where} ORDER BY run_id, rowid",
        args,
    ).fetchall()
    out = []
    for run_id, college, dept, students, *passed in wide:
        school = dept == ""  # version 1 named the school's row by its label in ``college``
        scope = SCHOOL_SCOPE if school else DEPARTMENT_SCOPE
        for c, n in zip(_V1_CATEGORIES, passed, strict=True):
            out.append((run_id, scope, "" if school else college, dept, c, students, n))
    return out


def _create(con: sqlite3.Connection, table: str) -> None:
    for stmt in _SCHEMA.split(";"):
        if f"CREATE TABLE IF NOT EXISTS {table} " in stmt:
            con.execute(stmt)


def _migrate(con: sqlite3.Connection) -> None:
    """An older ledger to this version, inside the caller's transaction: version 1's wide
    counts to long rows; the notices table rebuilt when its ``CHECK`` lacks a kind of
    ``kinds.KINDS`` (SQLite cannot alter a CHECK); the messages table added (``_SCHEMA``)."""
    if _version(con) < 2:
        rows = _long_counts(con)
        con.execute("DROP TABLE counts")
        _create(con, "counts")
        con.executemany(
            "INSERT INTO counts (run_id, scope, college, department, category, students, "
            "passed) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'notices'").fetchone()
    if not all(f"'{k}'" in sql for k in KINDS):
        con.execute("ALTER TABLE notices RENAME TO notices_old")
        con.execute("DROP INDEX IF EXISTS notices_by_student")
        _create(con, "notices")
        con.execute("INSERT INTO notices SELECT * FROM notices_old")
        con.execute("DROP TABLE notices_old")
        con.execute(
            "CREATE INDEX IF NOT EXISTS notices_by_student ON notices (recipient, kind, as_of)"
        )
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def _wide(rows: list[tuple], extra: dict[int, dict]) -> pd.DataFrame:
    """Long counts rows as a ``pass_rates``-shaped table: ``level`` (the school's row
    ``total``, last within its run), ``college``, ``department``, ``students``, then
    ``<cat>_passed`` and ``<cat>_rate`` for the categories recorded, in the rules' order."""
    cats = sorted({r[4] for r in rows}, key=lambda c: _ORDER.get(c, len(_ORDER)))
    units: dict[tuple, dict] = {}
    for run_id, scope, college, dept, cat, students, passed in rows:
        key = (run_id, scope == SCHOOL_SCOPE, college, dept)
        unit = units.setdefault(
            key,
            {
                **extra.get(run_id, {}),
                LEVEL: TOTAL if scope == SCHOOL_SCOPE else GROUP,
                "college": college,
                "department": dept,
                "students": int(students),
            },
        )
        unit[f"{cat}_passed"] = int(passed)
    order = sorted(units, key=lambda k: (k[0], k[1]))  # a run's departments, then its school row
    cols = [*next(iter(extra.values()), {}).keys(), LEVEL, "college", "department", "students"]
    out = pd.DataFrame([units[k] for k in order], columns=[*cols, *(f"{c}_passed" for c in cats)])
    out["students"] = out["students"].astype("int64")
    for c in cats:
        out[f"{c}_passed"] = out[f"{c}_passed"].fillna(0).astype("int64")
        h = rate_hundredths(out[f"{c}_passed"], out["students"])
        out[f"{c}_rate"] = np.where(h >= 0, h / 100, np.nan)
    return out


def run_counts(con: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    """A run's pass counts by department as a ``pass_rates`` table (the school's row, ``level``
    ``total``, last)."""
    return _wide(_long_counts(con, "WHERE run_id = ?", (run_id,)), {})


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
    ensure_schema(con)
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
    cats = [c[: -len("_passed")] for c in counts.columns if c.endswith("_passed")]
    con.executemany(
        "INSERT INTO counts (run_id, scope, college, department, category, students, passed) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                run_id,
                SCHOOL_SCOPE if r[LEVEL] == TOTAL else DEPARTMENT_SCOPE,
                "" if r[LEVEL] == TOTAL else str(r["college"]),
                "" if r[LEVEL] == TOTAL else str(r["department"]),
                c,
                int(r["students"]),
                int(r[f"{c}_passed"]),
            )
            for _, r in counts.iterrows()
            for c in cats
        ],
    )
    return run_id


def ensure_schema(con: sqlite3.Connection) -> None:
    """The tables of this version, inside the caller's transaction (an older file migrated)."""
    if not con.in_transaction:
        raise RuntimeError("ensure_schema needs an open transaction (BEGIN IMMEDIATE)")
    # One statement at a time: executescript would commit the caller's transaction.
    for stmt in _SCHEMA.split(";"):
        if stmt.strip():
            con.execute(stmt)
    con.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    if _version(con) < SCHEMA_VERSION:
        _migrate(con)


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

    Columns: ``term``, ``as_of`` (datetime64), ``run_at``, ``level`` (``total`` on the school's
    row, last in each run), ``college``, ``department``, ``students``, then ``<cat>_passed`` and
    ``<cat>_rate`` (percent, half-up to 2 decimals, as ``pass_rates``) for each category the
    runs recorded. ``term`` keeps one term; ``until`` keeps notices dated on or before it.
    """
    con, own = _read(ledger)
    try:
        runs: dict[int, dict] = {}
        rows: list[tuple] = []
        if _has_tables(con):
            where, args = [], []
            if term is not None:
                where.append("term = ?")
                args.append(term)
            if until is not None:
                where.append("as_of <= ?")
                args.append(_iso(until))
            cur = con.execute(
                "SELECT run_id, term, as_of, run_at FROM runs "
                f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY as_of, run_id",
                args,
            )
            runs = {r[0]: {"term": r[1], "as_of": r[2], "run_at": r[3]} for r in cur.fetchall()}
            rank = {run_id: k for k, run_id in enumerate(runs)}
            rows = [r for r in _long_counts(con) if r[0] in runs]
            rows.sort(key=lambda r: rank[r[0]])
    finally:
        if own:
            con.close()
    out = _wide(rows, runs)
    if out.empty:
        out = pd.DataFrame(columns=["term", "as_of", "run_at", *out.columns])
    # runs in date order (run ids are in insertion order)
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[s]")
    return out.sort_values("as_of", kind="stable").reset_index(drop=True)


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
        hist[(hist["department"] == department).to_numpy()]
        if department
        else hist[(hist[LEVEL] == TOTAL).to_numpy()]
    )
    cats = [c[: -len("_passed")] for c in hist.columns if c.endswith("_passed")]
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
        for c in cats
    ]
    if not parts:
        return pd.DataFrame(columns=["date", "category", "passed", "students", "rate"])
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------- messages


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def queue_messages(con: sqlite3.Connection, run_id: int, messages: pd.DataFrame) -> int:
    """Queue a run's messages (``message_id, kind, recipient, address, eml``) inside the
    caller's transaction; a message already in the ledger (a rerun) keeps its state. Returns
    how many were new."""
    ensure_schema(con)
    before = con.total_changes
    con.executemany(
        "INSERT OR IGNORE INTO messages (message_id, run_id, kind, recipient, address, eml, "
        "state, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)",
        [
            (str(m), int(run_id), str(k), str(r), str(a), str(e), _now())
            for m, k, r, a, e in messages[
                ["message_id", "kind", "recipient", "address", "eml"]
            ].itertuples(index=False, name=None)
        ],
    )
    return con.total_changes - before


def find_run_by_folder(con: sqlite3.Connection, folder: str | Path) -> dict | None:
    """The latest run written into ``folder`` (``out_dir``), or None."""
    if not _has_tables(con):
        return None
    cur = con.execute(
        "SELECT * FROM runs WHERE out_dir = ? ORDER BY run_id DESC LIMIT 1",
        (str(Path(folder).resolve()),),
    )
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


def _has_messages(con: sqlite3.Connection) -> bool:
    return (
        con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='messages'").fetchone()
        is not None
    )


def message_states(con: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    """A run's messages with their state: ``message_id, kind, recipient, address, eml, state,
    reply, attempts``, in the order they were queued."""
    cols = ["message_id", "kind", "recipient", "address", "eml", "state", "reply", "attempts"]
    if not _has_messages(con):
        return pd.DataFrame(columns=cols)
    rows = con.execute(
        f"SELECT {', '.join(cols)} FROM messages WHERE run_id = ? ORDER BY rowid", (run_id,)
    ).fetchall()
    return pd.DataFrame(rows, columns=cols)


def pending_messages(
    con: sqlite3.Connection, run_id: int, *, resend_uncertain: bool = False
) -> pd.DataFrame:
    """The run's messages still to send: queued or failed, and those left in ``sending`` (a run
    killed while handing them over: uncertain) only when ``resend_uncertain``."""
    states = message_states(con, run_id)
    todo = ("queued", "failed", "sending") if resend_uncertain else ("queued", "failed")
    return states[states["state"].isin(todo).to_numpy()].reset_index(drop=True)


def mark_message(con: sqlite3.Connection, message_id: str, state: str, reply: str = "") -> None:
    """Record a message's new state at once (its own transaction, committed before the next
    step: ``sending`` is on disk before the server sees the message)."""
    if state not in MESSAGE_STATES:
        raise ValueError(f"unknown message state {state!r}")
    with con:
        con.execute(
            "UPDATE messages SET state = ?, reply = ?, updated_at = ?, "
            "attempts = attempts + (? = 'sending') WHERE message_id = ?",
            (state, reply, _now(), state, message_id),
        )
