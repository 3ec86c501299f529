"""Who gets what (the plan stage): the students to notify, each office's list, every recipient.

Frames carry codes (``student_id``, ``result`` ``passed`` / ``not_passed``, a category's code);
the words a reader sees are filled in from ``label_tables/notices.toml`` and the term's rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..labels import LABELS
from ..rosters import missing_text
from ..rules import TermRules
from ..thresholds import format_amount, shortfall, sort_in_school_order
from .words import roc_date

__all__ = [
    "PASSED",
    "NOT_PASSED",
    "STUDENT_FIELDS",
    "NoticePlan",
    "OfficeList",
    "Recipient",
    "plan_notices",
    "office_lists",
    "student_text",
]

PASSED, NOT_PASSED = "passed", "not_passed"
_TEXT = LABELS["notices_text"]
# A notified student's fields, in the mail-merge sheet's order (then one per category, the
# deadline and the text).
STUDENT_FIELDS = ("student_id", "name", "college", "department", "class", "result")
_BASE = ["student_id", "name", "college", "department", "class"]
# The columns of an office's list (codes; ``words.header_of`` gives their headers).
OFFICE_FIELDS = ("student_id", "name", "department", "class", "missing", "email")


@dataclass(frozen=True)
class NoticePlan:
    """Who is told what at one as-of date (frames of codes, no files).

    ``students``: one row per student to notify: ``STUDENT_FIELDS``, ``<cat>_missing`` per
    threshold category (the amount short, or 已通過), ``deadline``, ``text`` (the notice) and
    ``missing`` (all that is missing, in words). ``already_told``: passed students told 通過
    before (``told_on``). ``regressed``: told 通過 before and not passing now (a corrected
    record), not re-notified (``told_on``, ``missing``). ``short``: the categories a student
    still misses (codes).
    """

    students: pd.DataFrame
    already_told: pd.DataFrame
    regressed: pd.DataFrame


@dataclass(frozen=True)
class OfficeList:
    """An office in charge (承辦單位) and the students still missing its categories: ``_BASE``
    columns and ``missing`` (what is missing of its categories only)."""

    office: str
    categories: tuple[str, ...]
    students: pd.DataFrame


@dataclass(frozen=True)
class Recipient:
    """One recipient of one notice: the ledger's ``notice`` kind and ``key``, how a person names
    them (``name``), where they belong, ``detail`` (what is missing, or the file sent) and the
    run folder's ``files`` their message carries."""

    notice: str
    key: str
    name: str
    department: str = ""
    cls: str = ""
    detail: str = ""
    files: tuple[str, ...] = ()
    text: str = ""
    categories: tuple[str, ...] = ()  # a student's: the categories still missing (codes)

    @property
    def kind(self) -> str:
        from .kinds import kind_of_notice

        return kind_of_notice(self.notice).code


def student_text(
    name: str, short: list[str], missing: str, as_of: dt.date, rules: TermRules
) -> str:
    """A student's notice; ``short`` lists the categories still missing (codes), empty: passed."""
    who = _TEXT["greeting_named"].format(name=name) if name else _TEXT["greeting"]
    if not short:
        cats = _TEXT["list_sep"].join(rules.label(c) for c in rules.threshold_categories)
        return _TEXT["student_passed"].format(who=who, as_of=roc_date(as_of), categories=cats)
    offices = _TEXT["list_sep"].join(
        _TEXT["office_of"].format(category=rules.label(c), office=rules.offices[c]) for c in short
    )
    return _TEXT["student_not_passed"].format(
        who=who,
        as_of=roc_date(as_of),
        missing=missing,
        deadline=roc_date(rules.deadline),
        offices=offices,
    )


def _row(values: list, i: int, short: dict, rules: TermRules, miss: str, as_of: dt.date) -> dict:
    sid, name, college, dept, cls, ok = values
    passed = bool(ok)
    row = {
        "student_id": sid,
        "name": name,
        "college": college,
        "department": str(dept),
        "class": str(cls),
        "result": PASSED if passed else NOT_PASSED,
    }
    for c in rules.threshold_categories:
        s = int(short[c][i])
        row[f"{c}_missing"] = (
            f"{format_amount(s)} {rules.unit(c)}" if s else LABELS["shortfall"]["passed"]
        )
    row["deadline"] = roc_date(rules.deadline)
    lacking = [] if passed else [c for c in rules.threshold_categories if short[c][i] > 0]
    row["text"] = student_text(name, lacking, miss, as_of, rules)
    row["missing"] = miss
    row["short"] = tuple(lacking)
    return row


def plan_notices(
    status: pd.DataFrame, rules: TermRules, as_of: dt.date, told: pd.DataFrame
) -> NoticePlan:
    """Decide the student notices from a ``student_status`` table and the ledger's ``told_passed``:
    every student not passing is told what is missing; a passing student is told once."""
    missing = missing_text(status, rules) if not status.empty else {}
    gaps = shortfall(status, rules)
    short = {c: gaps[c].to_numpy(dtype=np.int64) for c in rules.threshold_categories}
    told_on = dict(zip(told["student_id"], told["as_of"], strict=True))
    rows, already, regressed = [], [], []
    columns = ["student_id", "name", "college", "department", "class", "all_passed"]
    for i, values in enumerate(zip(*(status[c].tolist() for c in columns), strict=True)):
        values = [str(values[0]), "" if pd.isna(values[1]) else str(values[1]), *values[2:]]
        sid, passed = values[0], bool(values[5])
        base = dict(zip(_BASE, values[:5], strict=True))
        if sid in told_on:
            if passed:
                already.append({**base, "told_on": told_on[sid]})
            else:
                regressed.append({**base, "told_on": told_on[sid], "missing": missing.get(sid)})
            continue
        rows.append(_row(values, i, short, rules, missing.get(sid, ""), as_of))
    cols = [
        *STUDENT_FIELDS,
        *(f"{c}_missing" for c in rules.threshold_categories),
        "deadline",
        "text",
        "missing",
        "short",
    ]
    students = pd.DataFrame(rows, columns=cols)
    students = sort_in_school_order(students, rules)
    return NoticePlan(
        students=students,
        already_told=pd.DataFrame(already, columns=[*_BASE, "told_on"]),
        regressed=pd.DataFrame(regressed, columns=[*_BASE, "told_on", "missing"]),
    )


def office_lists(status: pd.DataFrame, rules: TermRules) -> list[OfficeList]:
    """Each office in charge of a threshold category (the rules' ``[offices]``, in the term's
    order) and the students still missing one of its categories, with what they miss of them."""
    owned: dict[str, list[str]] = {}
    for c in rules.threshold_categories:
        if rules.offices.get(c):
            owned.setdefault(rules.offices[c], []).append(c)
    gaps = shortfall(status, rules)
    out = []
    for office, cats in owned.items():
        hit = (gaps[cats] > 0).any(axis=1).to_numpy()
        part = status[hit]
        words = missing_text(part, rules, categories=cats) if len(part) else {}
        frame = pd.DataFrame(
            {
                "student_id": part["student_id"].astype(str).to_numpy(),
                "name": part["name"].fillna("").astype(str).to_numpy(),
                "college": part["college"].astype(str).to_numpy(),
                "department": part["department"].astype(str).to_numpy(),
                "class": part["class"].astype(str).to_numpy(),
            }
        )
        frame["missing"] = [words.get(s, "") for s in frame["student_id"]]
        frame["email"] = ""  # filled from the contacts (``run``)
        out.append(OfficeList(office, tuple(cats), sort_in_school_order(frame, rules)))
    return out
