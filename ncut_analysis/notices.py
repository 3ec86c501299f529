"""The notice cycle (每月通知): department heads, class advisors and students, with a ledger.

``run_notices`` counts the records to an as-of date with ``student_status``, asks the ledger who
was already told 通過, and writes into one folder, all together or not at all:

- ``departments/<系>.pdf``: for each 系主任, the department against the school, the change since
  the previous notice, and class by class the students still missing something;
- ``advisors/<班>.pdf`` and ``advisors/<班>.xlsx`` (and ``.csv``): each class's 清冊, from
  ``rosters`` (the same table as ``ncut-analysis rosters``);
- ``students.xlsx`` and ``students.csv``: one mail-merge row per student to notify now;
- ``summary.html`` and ``summary.pdf``: what was produced, how many, who was left out and why.

The ledger's transaction is committed only after every file is in place.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import ledger as lg
from .io import InputError, Problem, atomic_dir, check_output, unique_names
from .notice_pages import (
    NOT_PASSED,
    PASSED,
    RESULT_LABELS,
    Context,
    advisor_page,
    department_page,
    roc_date,
    summary_page,
    template_env,
    unit,
)
from .paths import default_records, default_students
from .population import check_population
from .present import made_at_text
from .printing import find_chromium, print_pdfs
from .rosters import class_groups, missing_text, write_rosters
from .rules import TermRules, load_term_rules
from .thresholds import format_amount, shortfall, student_status, summarise

__all__ = [
    "PASSED",
    "NOT_PASSED",
    "NoticePlan",
    "NoticeResult",
    "roc_date",
    "safe_cell",
    "plan_notices",
    "run_notices",
]

PASSED_TEXT = "通過：日後不重複發放"
STUDENT_COLUMNS = ("學號", "姓名", "學院", "學系", "班級", "結果")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a
    leading ``'``, unless it is a plain number (``-3``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class NoticePlan:
    """Who is told what at one as-of date (frames, no files).

    ``students``: one row per student to notify (``STUDENT_COLUMNS``, then ``<類別>尚缺`` per
    category, ``完成期限``, ``通知內容``, and the codes ``student_id``, ``result``, ``department``,
    ``class``, ``missing``). ``already_told``: passed students told 通過 before (``told_on``).
    ``regressed``: told 通過 before and not passing now (a corrected record), not re-notified.
    """

    students: pd.DataFrame
    already_told: pd.DataFrame
    regressed: pd.DataFrame


def _shortfalls(status: pd.DataFrame, rules: TermRules) -> dict[str, np.ndarray]:
    """Units still missing per threshold category (0 where met), exact integers
    (``thresholds.shortfall``, the one rule of what is missing)."""
    gaps = shortfall(status, rules)
    return {c: gaps[c].to_numpy(dtype=np.int64) for c in rules.threshold_categories}


def _missing_text(status: pd.DataFrame, rules: TermRules) -> dict[str, str]:
    """Student id -> what is missing, in the advisors' roster's words (``rosters.missing_text``)."""
    return missing_text(status, rules) if not status.empty else {}


def _notice_text(
    name: str, short: list[str], missing: str, as_of: dt.date, rules: TermRules
) -> str:
    """The notice's words; ``short`` lists the categories still missing (codes), empty: passed."""
    who = f"{name} 同學您好：" if name else "同學您好："
    if not short:
        return (
            f"{who}截至{roc_date(as_of)}，您已通過學生自主學習畢業門檻"
            f"（{'、'.join(rules.label(c) for c in rules.threshold_categories)}）。"
            "通過：日後不重複發放。"
        )
    offices = "、".join(f"{rules.label(c)}：{rules.offices[c]}" for c in short)
    return (
        f"{who}截至{roc_date(as_of)}，您的學生自主學習畢業門檻尚未通過，尚缺：{missing}。"
        f"各項自主學習畢業門檻須於{roc_date(rules.deadline)}前完成（承辦單位 {offices}）。"
    )


def plan_notices(
    status: pd.DataFrame, rules: TermRules, as_of: dt.date, told: pd.DataFrame
) -> NoticePlan:
    """Decide the student notices from a ``student_status`` table and the ledger's ``told_passed``:
    every student not passing is told what is missing; a passing student is told once."""
    missing = _missing_text(status, rules)
    short = _shortfalls(status, rules)
    told_on = dict(zip(told["student_id"], told["as_of"], strict=True))
    rows, already, regressed = [], [], []
    columns = ["student_id", "name", "college", "department", "class", "all_passed"]
    for i, (sid, name, college, dept, cls, ok) in enumerate(
        zip(*(status[c].tolist() for c in columns), strict=True)
    ):
        sid, passed = str(sid), bool(ok)
        name = "" if pd.isna(name) else str(name)
        miss = missing.get(sid, "")
        base = {"學號": sid, "姓名": name, "學院": college, "學系": dept, "班級": cls}
        if sid in told_on:
            if passed:
                already.append({**base, "told_on": told_on[sid]})
            else:
                regressed.append({**base, "told_on": told_on[sid], "尚缺": miss})
            continue
        row = {**base, "結果": RESULT_LABELS[PASSED if passed else NOT_PASSED]}
        for c in rules.threshold_categories:
            s = int(short[c][i])
            row[f"{rules.label(c)}尚缺"] = f"{format_amount(s)} {unit(rules, c)}" if s else "已通過"
        row["完成期限"] = roc_date(rules.deadline)
        lacking = [] if passed else [c for c in rules.threshold_categories if short[c][i] > 0]
        row["通知內容"] = _notice_text(name, lacking, miss, as_of, rules)
        row.update(
            {
                "student_id": sid,
                "result": PASSED if passed else NOT_PASSED,
                "department": str(dept),
                "class": str(cls),
                "missing": miss,
            }
        )
        rows.append(row)
    cols = [
        *STUDENT_COLUMNS,
        *(f"{rules.label(c)}尚缺" for c in rules.threshold_categories),
        "完成期限",
        "通知內容",
        "student_id",
        "result",
        "department",
        "class",
        "missing",
    ]
    students = pd.DataFrame(rows, columns=cols)
    students = students.sort_values(["學系", "班級", "學號"], kind="stable").reset_index(drop=True)
    base_cols = ["學號", "姓名", "學院", "學系", "班級", "told_on"]
    return NoticePlan(
        students=students,
        already_told=pd.DataFrame(already, columns=base_cols),
        regressed=pd.DataFrame(regressed, columns=[*base_cols, "尚缺"]),
    )


# ---------------------------------------------------------------------------- files


def _mail_merge_columns(plan: NoticePlan, rules: TermRules) -> list[str]:
    return [
        *STUDENT_COLUMNS,
        *(f"{rules.label(c)}尚缺" for c in rules.threshold_categories),
        "完成期限",
        "通知內容",
    ]


def _write_students(plan: NoticePlan, rules: TermRules, folder: Path) -> None:
    """``students.csv`` (UTF-8 with BOM, for Excel and mail merge) and ``students.xlsx``, every
    cell text, none a formula."""
    cols = _mail_merge_columns(plan, rules)
    table = plan.students[cols]
    with (folder / "students.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(cols)
        for row in table.itertuples(index=False, name=None):
            w.writerow([safe_cell("" if pd.isna(v) else str(v)) for v in row])
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "學生通知（含個人資料，請勿轉寄）"
    ws.append(cols)
    for row in table.itertuples(index=False, name=None):
        ws.append(["" if pd.isna(v) else str(v) for v in row])
    for r, cells in enumerate(ws.iter_rows(), start=1):
        for cell in cells:
            cell.data_type = (
                "s"  # text, even where it begins with "=" (openpyxl reads it as a formula)
            )
            cell.number_format = "@"
            if r == 1:
                cell.font = Font(bold=True)
            else:
                cell.alignment = Alignment(vertical="top", wrap_text=cell.column == len(cols))
    widths = {"學號": 12, "姓名": 10, "學院": 12, "學系": 8, "班級": 12, "結果": 8, "完成期限": 14}
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(col, 14)
    ws.column_dimensions[ws.cell(1, len(cols)).column_letter].width = 80
    ws.freeze_panes = "A2"
    wb.save(folder / "students.xlsx")


# What a notice folder is made of: replaced as a set by each run (other files stay).
_OUTPUTS = frozenset(
    {"departments", "advisors", "students.xlsx", "students.csv", "summary.html", "summary.pdf"}
)


@dataclass(frozen=True)
class NoticeResult:
    """What a run produced; ``run_id`` is None when the as-of date was already in the ledger."""

    out: Path
    ledger: Path
    run_id: int | None
    passed: int
    not_passed: int
    departments: int
    classes: int
    already_told: int
    regressed: int
    population: str = ""  # who was counted and left out (``PopulationReport.describe``)


def _input_error(what: str, value: object, why: str) -> InputError:
    return InputError(what, [Problem(None, None, None if value is None else str(value), why)])


def _data_paths(
    term: str, students: str | Path | None, records: str | Path | None
) -> tuple[Path, Path]:
    if (students is None) != (records is None):
        raise _input_error("--students/--records", None, "give both files or neither")
    if students is None:
        s, r = default_students(term), default_records(term)
        if not s.is_file() or not r.is_file():
            raise _input_error(
                "--students",
                None,
                f"no shipped data for term {term}: give --students and --records",
            )
        return s, r
    return Path(students), Path(records)


def _warnings(rules: TermRules, as_of: dt.date, later: list[str]) -> list[str]:
    out = []
    if as_of not in rules.notice_dates:
        planned = "、".join(d.isoformat() for d in rules.notice_dates)
        out.append(f"結算日 {as_of.isoformat()} 不是規則檔 {rules.term} 的通知日期（{planned}）。")
    if as_of > rules.deadline:
        out.append(f"結算日在完成期限 {roc_date(rules.deadline)} 之後。")
    if later:
        out.append(
            f"帳本已有本屆較晚的通知：{'、'.join(later)}；本次的「前次通知」仍取本日之前者。"
        )
    return out


def run_notices(
    *,
    term: str,
    as_of: str | dt.date,
    out: str | Path,
    students: str | Path | None = None,
    records: str | Path | None = None,
    ledger: str | Path | None = None,
    rules_dir: str | Path | None = None,
    now: dt.datetime | None = None,
    backfill: bool = False,
) -> NoticeResult:
    """The notices of ``term`` as of ``as_of`` into the folder ``out``, recorded in ``ledger``
    (default ``outputs/notices.sqlite``). Running an as-of date already recorded writes the same
    files again and leaves the ledger as it is; a date before the ledger's latest notice of the
    population is refused unless ``backfill``. Who was counted and left out is checked first
    (``population.check_population``) and given in the result."""
    from .io import parse_date
    from .loaders import load_records, load_students
    from .paths import outputs_dir

    rules = load_term_rules(term, rules_dir=rules_dir)
    find_chromium()  # no browser: stop before anything is read or written
    day = parse_date(as_of, what="--as-of") if not isinstance(as_of, dt.date) else as_of
    if day is None:
        raise _input_error("--as-of", as_of, "a date is required (ISO 2026-02-27 or ROC 115/02/27)")
    s_path, r_path = _data_paths(term, students, records)
    out = Path(out)
    check_output(out, folder=True)
    ledger_path = Path(ledger) if ledger else outputs_dir() / "notices.sqlite"
    check_output(ledger_path, folder=False, option="--ledger")
    if ledger_path.exists():
        lg.check_ledger(ledger_path)
    all_students = load_students(s_path)
    all_records = load_records(r_path)
    population = check_population(
        all_students, all_records, rules, students_file=s_path, records_file=r_path
    )
    status = student_status(all_students, all_records, as_of=day, rules=rules)
    run_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    created = not ledger_path.exists()
    con = lg.open_ledger(ledger_path)
    try:
        try:
            con.execute("BEGIN IMMEDIATE")  # one transaction; keeps a second run out meanwhile
        except sqlite3.OperationalError as exc:
            raise lg.LedgerError(
                str(ledger_path), [Problem(None, None, None, f"cannot start a run: {exc}")]
            ) from None
        later = lg.later_runs(con, rules.program, rules.senior_cohort, day)
        if later and not backfill and lg.find_run(con, rules.term, day) is None:
            raise _input_error(
                "--as-of",
                day.isoformat(),
                f"the ledger {ledger_path} already holds a later notice ({'、'.join(later)}): "
                "a notice dated before it would tell students 通過 again; give --backfill to "
                "record it anyway",
            )
        result = _run(
            con,
            rules,
            day,
            run_at,
            status,
            len(all_students),
            s_path,
            r_path,
            Path(out),
            ledger_path,
        )
        con.execute("COMMIT" if result.run_id is not None else "ROLLBACK")
        result = dataclasses.replace(result, population=population.describe())
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
        if created and ledger_path.exists() and ledger_path.stat().st_size == 0:
            ledger_path.unlink()
        raise
    con.close()
    return result


def _run(
    con,  # noqa: ANN001
    rules: TermRules,
    as_of: dt.date,
    run_at: dt.datetime,
    status: pd.DataFrame,
    listed: int,
    s_path: Path,
    r_path: Path,
    out: Path,
    ledger_path: Path,
) -> NoticeResult:
    import tempfile

    existing = lg.find_run(con, rules.term, as_of)
    prev = lg.previous_run(con, rules.program, rules.senior_cohort, as_of)
    later = lg.later_runs(con, rules.program, rules.senior_cohort, as_of)
    plan = plan_notices(status, rules, as_of, lg.told_passed(con, as_of))
    counts = summarise(status, by="department")
    ctx = Context(
        rules=rules,
        as_of=as_of,
        run_at=made_at_text(run_at),
        counts=counts,
        previous=prev,
        previous_counts=lg.run_counts(con, prev["run_id"]) if prev else None,
    )
    env = template_env()
    missing = _missing_text(status, rules)
    st = plan.students
    notices = [
        {"kind": k, "recipient": sid, "department": d, "class": c, "detail": m or PASSED_TEXT}
        for k, sid, d, c, m in zip(
            st["result"],
            st["student_id"],
            st["department"],
            st["class"],
            st["missing"],
            strict=True,
        )
    ]
    with (
        atomic_dir(out, owned=_OUTPUTS.__contains__) as tmp,
        tempfile.TemporaryDirectory(prefix="ncut-notices-") as pages,
    ):
        pages = Path(pages)
        jobs = []
        (tmp / "departments").mkdir()
        dept_groups = list(status.groupby("department", sort=True))
        dept_names = unique_names([str(d) for d, _ in dept_groups], default="department")
        for (dept, g), dept_name in zip(dept_groups, dept_names, strict=True):
            html = pages / f"d_{len(jobs)}.html"
            html.write_text(
                env.get_template("department.html.j2").render(
                    **department_page(ctx, str(dept), g, missing)
                ),
                encoding="utf-8",
            )
            pdf = tmp / "departments" / f"{dept_name}.pdf"
            jobs.append((html, pdf))
            notices.append(
                {
                    "kind": "department",
                    "recipient": dept,
                    "department": dept,
                    "class": "",
                    "detail": f"departments/{pdf.name}",
                }
            )
        xlsx = write_rosters(status, rules, tmp / "advisors", as_of)
        for group, book in zip(class_groups(status), xlsx, strict=True):
            html = pages / f"a_{len(jobs)}.html"
            html.write_text(
                env.get_template("advisor.html.j2").render(
                    **advisor_page(ctx, group.label, group.students)
                ),
                encoding="utf-8",
            )
            pdf = tmp / "advisors" / f"{book.stem}.pdf"
            jobs.append((html, pdf))
            notices.append(
                {
                    "kind": "advisor",
                    # a class is (department, class): 四年甲班 is in every department
                    "recipient": f"{group.department}/{group.cls}",
                    "department": group.department,
                    "class": group.cls,
                    "detail": f"advisors/{pdf.name}",
                }
            )
        _write_students(plan, rules, tmp)
        notice_frame = pd.DataFrame(
            notices, columns=["kind", "recipient", "department", "class", "detail"]
        )
        n_passed = int((plan.students["result"] == PASSED).sum())
        n_failing = len(plan.students) - n_passed
        if existing is None:
            ledger_status = "本次通知已記入帳本。"
        else:
            before = lg.recorded_notices(con, existing["run_id"])
            same = set(zip(before["kind"], before["recipient"], strict=True)) == set(
                zip(notice_frame["kind"], notice_frame["recipient"].astype(str), strict=True)
            )
            ledger_status = f"此結算日已於 {existing['run_at']} 記入帳本，本次未變更帳本；" + (
                "產出的通知對象與當時相同。"
                if same
                else "但產出的通知對象與當時記錄不同（資料更正？），帳本保留當時的紀錄。"
            )
        produced = [
            {
                "who": "系主任",
                "files": "departments/<學系>.pdf",
                "count": status["department"].nunique(),
            },
            {
                "who": "班級導師（紙本與 Excel 清冊）",
                "files": "advisors/<班級>.pdf、.xlsx、.csv",
                "count": len(xlsx),
            },
            {
                "who": "學生：通過（只通知一次）",
                "files": "students.xlsx、students.csv",
                "count": n_passed,
            },
            {"who": "學生：未通過", "files": "students.xlsx、students.csv", "count": n_failing},
            {"who": "本摘要", "files": "summary.html、summary.pdf", "count": 1},
        ]
        summary = env.get_template("summary.html.j2").render(
            **summary_page(
                ctx,
                plan,
                produced=produced,
                outside=listed - len(status),
                ledger=ledger_path.resolve(),
                ledger_status=ledger_status,
                warnings=_warnings(rules, as_of, later),
            )
        )
        (tmp / "summary.html").write_text(summary, encoding="utf-8")
        jobs.append((tmp / "summary.html", tmp / "summary.pdf"))
        print_pdfs(jobs)
        run_id = None
        if existing is None:
            run_id = lg.add_run(
                con,
                term=rules.term,
                as_of=as_of,
                run_at=run_at,
                program=rules.program,
                cohort=rules.senior_cohort,
                students_file=str(s_path.resolve()),
                records_file=str(r_path.resolve()),
                out_dir=str(out.resolve()),
                notices=notice_frame,
                counts=counts,
            )
    return NoticeResult(
        out=out,
        ledger=ledger_path,
        run_id=run_id,
        passed=n_passed,
        not_passed=n_failing,
        departments=int(status["department"].nunique()),
        classes=len(xlsx),
        already_told=len(plan.already_told),
        regressed=len(plan.regressed),
    )
