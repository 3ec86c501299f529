"""The render stage: what each PDF shows, as template contexts, and the Jinja templates
(``templates/notices/``). Numbers come in as pass-count frames and leave as display text;
rates and changes are taken from exact hundredths, never from formatted text. Words come from
``label_tables/notices.toml`` and the term's rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..labels import LABELS, VERDICT_LABELS
from ..paths import TEMPLATES_DIR
from ..present import SCHOOL, count, sort_classes
from ..rosters import need_text, roster_table
from ..rules import TermRules
from ..thresholds import LEVEL, TOTAL, rate_hundredths
from .plan import NOT_PASSED, OFFICE_FIELDS, PASSED
from .words import header_of, roc_date, term_name

if TYPE_CHECKING:
    from .plan import NoticePlan, OfficeList

__all__ = [
    "PASSED",
    "NOT_PASSED",
    "RESULT_LABELS",
    "Context",
    "roc_date",
    "template_env",
    "department_page",
    "advisor_page",
    "summary_page",
    "office_page",
]

# A student notice's result: codes, and the words the notices use for them.
RESULT_LABELS = {PASSED: VERDICT_LABELS["passed"], NOT_PASSED: VERDICT_LABELS["not_passed"]}
_PAGE = LABELS["notices_page"]


def _of(passed: object, students: object) -> str:
    return _PAGE["of"].format(passed=count(passed), students=count(students))


def _pct(h: int) -> str:
    return "—" if h < 0 else f"{h // 100}.{h % 100:02d}%"


def _points(h: int) -> tuple[str, str]:
    """A change in hundredths of a percentage point, signed, and its CSS class."""
    sign = "+" if h > 0 else ("−" if h < 0 else "±")
    return f"{sign}{abs(h) // 100}.{abs(h) % 100:02d}", ("up" if h > 0 else "down" if h < 0 else "")


def _category_label(c: str, rules: TermRules) -> str:
    office = rules.offices.get(c)
    return (
        _PAGE["with_office"].format(label=rules.label(c), office=office)
        if office
        else rules.label(c)
    )


def _row_of(table: pd.DataFrame, department: str) -> pd.Series | None:
    """A department's row of a counts table, or (``""``) its total row, the school's."""
    hit = (
        table[(table["department"] == department).to_numpy()]
        if department
        else table[(table[LEVEL] == TOTAL).to_numpy()]
    )
    return hit.iloc[0] if len(hit) else None


def _has(table: pd.DataFrame | None, c: str) -> bool:
    return table is not None and f"{c}_passed" in table.columns


def _hundredths(row: pd.Series | None, c: str) -> int:
    if row is None:
        return -1
    return int(rate_hundredths(int(row[f"{c}_passed"]), int(row["students"])))


@dataclass(frozen=True)
class Context:
    rules: TermRules
    as_of: dt.date
    run_at: str
    counts: pd.DataFrame
    previous: dict | None
    previous_counts: pd.DataFrame | None

    def common(self) -> dict:
        return {
            "term": self.rules.term,
            "term_name": term_name(self.rules.term),
            "as_of": self.as_of.isoformat(),
            "as_of_roc": roc_date(self.as_of),
            "deadline_roc": roc_date(self.rules.deadline),
            "run_at": self.run_at,
        }


def template_env():  # noqa: ANN202
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "notices"),
        autoescape=select_autoescape(["j2", "html"]),
        undefined=StrictUndefined,
    )


def _change(ctx: Context, dept: str, here: pd.Series) -> tuple[dict | None, list[dict]]:
    """The department's change since the previous notice: (that notice, a row per category)."""
    rules, change, previous = ctx.rules, [], None
    before = _row_of(ctx.previous_counts, dept) if ctx.previous_counts is not None else None
    if before is not None:
        previous = {
            "as_of_roc": roc_date(dt.date.fromisoformat(ctx.previous["as_of"])),
            "term": term_name(ctx.previous["term"]),
        }
        for c in (c for c in rules.result_categories if _has(ctx.previous_counts, c)):
            hb, hn = _hundredths(before, c), _hundredths(here, c)
            d = int(here[f"{c}_passed"]) - int(before[f"{c}_passed"])
            text, cls = _points(hn - hb)
            change.append(
                {
                    "label": _category_label(c, rules),
                    "before": _of(before[f"{c}_passed"], before["students"]),
                    "now": _of(here[f"{c}_passed"], here["students"]),
                    "delta": f"{d:+d}",
                    "rate_before": _pct(hb),
                    "rate_now": _pct(hn),
                    "change": text,
                    "change_class": cls,
                }
            )
    return previous, change


def department_page(ctx: Context, dept: str, status: pd.DataFrame, missing: dict) -> dict:
    rules, here = ctx.rules, _row_of(ctx.counts, dept)
    school = _row_of(ctx.counts, "")
    versus = []
    for c in rules.result_categories:
        h, hs = _hundredths(here, c), _hundredths(school, c)
        gap, gap_class = _points(h - hs)
        versus.append(
            {
                "label": _category_label(c, rules),
                "passed": int(here[f"{c}_passed"]),
                "students": int(here["students"]),
                "rate": _pct(h),
                "school_rate": _pct(hs),
                "gap": gap,
                "gap_class": gap_class,
            }
        )
    previous, change = _change(ctx, dept, here)
    classes = []
    for cls_name in sort_classes(dict.fromkeys(status["class"])):
        g = status[(status["class"] == cls_name).to_numpy()]
        failing = g[~g["all_passed"]].sort_values("student_id", kind="stable")
        classes.append(
            {
                "name": cls_name,
                "students": len(g),
                "failing": [
                    {
                        "id": r.student_id,
                        "name": "" if pd.isna(r.name) else r.name,
                        "missing": missing.get(r.student_id, ""),
                    }
                    for r in failing.itertuples(index=False)
                ],
            }
        )
    return {
        **ctx.common(),
        "title": _PAGE["department_title"].format(
            department=dept, term=rules.term, as_of=ctx.as_of.isoformat()
        ),
        "department": dept,
        "college": str(here["college"]),
        "versus": versus,
        "previous": previous,
        "change": change,
        "classes": classes,
        "failing": int((~status["all_passed"]).sum()),
        "students": len(status),
    }


def advisor_page(ctx: Context, cls_name: str, status: pd.DataFrame) -> dict:
    rules = ctx.rules
    # The paper roster shows the verdicts (「4.5 / 3 通過」) and what is missing; the workbook beside
    # it also has the sortable numbers.
    full = roster_table(status, rules)
    # the printed roster's columns (roster_table says which), without the class: it is the page's
    table = full.iloc[:, [i for i in full.attrs.get("printed", ()) if i > 0]]
    need = need_text(rules)
    return {
        **ctx.common(),
        "title": _PAGE["advisor_title"].format(
            cls=cls_name, term=rules.term, as_of=ctx.as_of.isoformat()
        ),
        "class_name": cls_name,
        "department": str(status["department"].iloc[0]),
        "need": need,
        "failing": int((~status["all_passed"]).sum()),
        "header": [{"text": h, "num": False} for h in table.columns],
        "rows": [
            {"fail": fail, "cells": ["" if pd.isna(v) else v for v in row.tolist()]}
            for fail, (_, row) in zip(full.attrs.get("failing", ()), table.iterrows(), strict=True)
        ],
    }


def _count_rows(ctx: Context, plan: NoticePlan) -> list[dict]:
    """The summary's table: per department (and the school), pass counts and rates, and the
    students told now and before."""
    rules = ctx.rules
    told = plan.already_told["department"].value_counts()
    notified = plan.students.groupby("department")["result"].value_counts()
    counts = []
    for _, r in ctx.counts.iterrows():
        dept = r["department"] if r[LEVEL] != TOTAL else ""
        if dept:
            told_n = int(told.get(dept, 0))
            now = [int(notified.get((dept, k), 0)) for k in (PASSED, NOT_PASSED)]
        else:
            told_n = len(plan.already_told)
            now = [int((plan.students["result"] == k).sum()) for k in (PASSED, NOT_PASSED)]
        rates = [
            _PAGE["count_rate"].format(passed=count(r[f"{c}_passed"]), rate=_pct(_hundredths(r, c)))
            for c in rules.result_categories
        ]
        counts.append(
            {
                "college": r["college"] if dept else SCHOOL.total_label,
                "department": dept,
                "students": count(r["students"]),
                "cells": [*rates, *(count(n) for n in now), count(told_n)],
            }
        )
    return counts


def summary_page(
    ctx: Context,
    plan: NoticePlan,
    *,
    produced: list[dict],
    outside: int,
    ledger: Path,
    ledger_status: str,
    warnings: list[str],
    mail: dict,
) -> dict:
    """The summary: what was produced (``produced``), who was left out and why, the counts by
    department, and ``mail``: messages per kind and the recipients without a usable address."""
    rules = ctx.rules
    population = _PAGE["population"].format(program=rules.program, cohort=rules.senior_cohort)
    left_out = [
        {"why": _PAGE["left_told"], "count": count(len(plan.already_told))},
        {"why": _PAGE["left_regressed"], "count": count(len(plan.regressed))},
        {"why": _PAGE["left_outside"].format(population=population), "count": count(outside)},
    ]
    counts = _count_rows(ctx, plan)
    return {
        **ctx.common(),
        "title": _PAGE["summary_title"].format(term=rules.term, as_of=ctx.as_of.isoformat()),
        "ledger": ledger.name,  # its file name: a printout shows no folder of this machine
        "ledger_status": ledger_status,
        "warnings": warnings,
        "produced": produced,
        "left_out": left_out,
        "regressed": [
            {
                "id": r["student_id"],
                "name": r["name"],
                "cls": r["class"],
                "told": roc_date(dt.date.fromisoformat(r["told_on"])),
                "missing": r["missing"],
            }
            for _, r in plan.regressed.iterrows()
        ],
        "count_header": [
            *(rules.label(c) for c in rules.result_categories),
            _PAGE["told_passed"],
            _PAGE["told_not_passed"],
            _PAGE["told_before"],
        ],
        "counts": counts,
        "mail": mail,
    }


def office_page(ctx: Context, office: OfficeList) -> dict:
    """An office's list: the students still missing its categories, what they miss of them,
    their department, class and e-mail address."""
    rules = ctx.rules
    cats = LABELS["notices_text"]["list_sep"].join(rules.label(c) for c in office.categories)
    frame = office.students
    return {
        **ctx.common(),
        "title": _PAGE["office_title"].format(
            office=office.office, term=rules.term, as_of=ctx.as_of.isoformat()
        ),
        "office": office.office,
        "categories": cats,
        "count": count(len(frame)),
        "header": [header_of(c, rules) for c in OFFICE_FIELDS],
        "rows": [
            ["" if pd.isna(v) else str(v) for v in row]
            for row in frame[list(OFFICE_FIELDS)].itertuples(index=False, name=None)
        ],
    }
