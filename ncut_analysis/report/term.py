"""The term briefing's content as data: every table and number it shows, computed once, with no
HTML in it. The HTML page, the slides and the Excel workbook are views of a ``TermReport``."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .. import paths
from ..errors import OptionError, UnknownStudentsWarning, say
from ..io import parse_date
from ..labels import LABELS, PARAM_LABELS
from ..loaders import is_totals, load_published, load_students, load_term_data
from ..present import SCHOOL, Scope, taipei_now
from ..reconcile import reconcile
from ..rules import TermRules, load_term_rules
from ..thresholds import (
    gap_table,
    group_rows,
    in_school_order,
    pass_dates,
    population,
    progress,
    rate_hundredths,
    student_status,
    summarise,
    total_row,
)
from . import words

__all__ = [
    "TermReport",
    "TermParams",
    "resolve_term_params",
    "taipei_now",
    "ALL_RECORDS",
    "NO_COMPARISON",
]

# Spelled in a date parameter: count every record / compare with nothing. An empty value means
# the term's own date from its rules file.
ALL_RECORDS = ("all", *LABELS["report_param_words"]["all_records"])
NO_COMPARISON = ("none", *LABELS["report_param_words"]["no_comparison"])
_SHOWN = LABELS["report_params"]


def _source(path: str, default: Path) -> str:
    """What the reader is told of an input: its file name, never the machine's path."""
    return Path(path).name if path else _SHOWN["shipped"].format(name=default.name)


@dataclass(frozen=True)
class TermParams:
    """The briefing's parameters, checked and resolved against the term's rules: the dates the
    rules file gives where a parameter is empty, the input files where they are empty."""

    rules: TermRules
    as_of: dt.date | None
    compare_as_of: dt.date | None
    deadline: dt.date
    students: Path
    records: Path
    department: str
    published: Path | None
    shown: dict[str, str]
    ledger: Path | None = None
    dates_given: tuple[str, ...] = ()  # the date parameters given explicitly
    college: str = ""


def _date_param(value: str, name: str, default: dt.date, off: tuple[str, ...]) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return default
    if text.lower() in off:
        return None
    return parse_date(text, what=name)


def _existing(path: str, name: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise OptionError(name, path, say("messages_checks", "no_such_file"))
    return p


def resolve_term_params(
    *,
    term: str = "114-1",
    as_of: str = "",
    students: str = "",
    records: str = "",
    compare_as_of: str = "",
    deadline: str = "",
    department: str = "",
    published: str = "",
    ledger: str = "",
    college: str = "",
) -> TermParams:
    """Check the parameters without loading the data: the term's rules exist, dates parse, the
    files exist. Empty dates are the term's own (結算日, the notice date, the deadline); ``as_of``
    ``"all"`` counts every record and ``compare_as_of`` ``"none"`` compares with nothing."""
    rules = load_term_rules(term)
    as_of_d = _date_param(as_of, "as_of", rules.settlement_date, ALL_RECORDS)
    cmp_d = _date_param(compare_as_of, "compare_as_of", rules.notice_date, NO_COMPARISON)
    dead = _date_param(deadline, "deadline", rules.deadline, ()) or rules.deadline
    if cmp_d and as_of_d and cmp_d >= as_of_d:
        raise OptionError(
            "compare_as_of",
            compare_as_of or cmp_d.isoformat(),
            say("messages_checks", "compare_before", as_of=as_of_d),
        )
    s_path = _existing(students, "students") if students else paths.default_students(term)
    r_path = _existing(records, "records") if records else paths.default_records(term)
    if not students and not s_path.is_file():
        raise OptionError("students", "", say("messages_checks", "no_shipped_data", term=term))
    if not records and not r_path.is_file():
        raise OptionError("records", "", say("messages_checks", "no_shipped_data", term=term))
    pub = _existing(published, "published") if published else None
    led = _existing(ledger, "ledger") if ledger else None
    shown = {
        PARAM_LABELS["term"]: rules.term,
        PARAM_LABELS["as_of"]: as_of_d.isoformat() if as_of_d else _SHOWN["all_records"],
        PARAM_LABELS["compare_as_of"]: cmp_d.isoformat() if cmp_d else _SHOWN["none"],
        PARAM_LABELS["deadline"]: dead.isoformat(),
        PARAM_LABELS["department"]: department or college or SCHOOL.label,
        PARAM_LABELS["students"]: _source(students, s_path),
        PARAM_LABELS["records"]: _source(records, r_path),
        PARAM_LABELS["published"]: Path(published).name if published else _SHOWN["none"],
        PARAM_LABELS["ledger"]: Path(ledger).name if ledger else _SHOWN["none"],
    }
    return TermParams(
        rules=rules,
        as_of=as_of_d,
        compare_as_of=cmp_d,
        deadline=dead,
        students=s_path,
        records=r_path,
        department=department,
        published=pub,
        shown=shown,
        ledger=led,
        college=college,
        dates_given=tuple(
            n for n, v in (("as_of", as_of), ("compare_as_of", compare_as_of)) if (v or "").strip()
        ),
    )


def _undated(p: TermParams) -> TermParams:
    """Parameters for per-student totals: no as-of date, no comparison (they have no dates); a
    date given explicitly is an error rather than silently ignored."""
    if p.dates_given:
        name = p.dates_given[0]
        raise OptionError(
            name,
            getattr(p, name),
            say("messages_checks", "totals_no_dates", file=p.records.name),
        )
    shown = dict(p.shown)
    shown[PARAM_LABELS["as_of"]] = _SHOWN["no_dates"]
    shown[PARAM_LABELS["compare_as_of"]] = _SHOWN["no_dates"]
    return replace(p, as_of=None, compare_as_of=None, shown=shown)


def _weeks(start: pd.Timestamp, end: dt.date) -> list[dt.date]:
    first = (start - pd.Timedelta(days=start.weekday())).date()  # the Monday of the first record
    days = pd.date_range(first, end, freq="7D").date.tolist()
    if not days or days[-1] != end:
        days.append(end)
    return days


def _within(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The rows of ``frame`` (students, dates, a published table) the scope covers."""
    if scope.is_school:
        return frame
    col = "college" if scope.kind == "college" else "department"
    return frame.loc[(frame[col] == scope.name).to_numpy()].reset_index(drop=True)


def _scope_notices(
    ledger_progress: Any,
    ledger: Path,
    term: str,
    scope: Scope,
    status: pd.DataFrame,
    until: dt.date | None,
) -> pd.DataFrame:
    """The ledger's pass rates at each notice for the scope: the school's, a department's, or a
    college's summed from its departments' counts (rates recomputed from the sums)."""
    if scope.kind != "college":
        dept = scope.name if scope.kind == "department" else None
        return ledger_progress(ledger, term, department=dept, until=until)
    parts = [
        ledger_progress(ledger, term, department=d, until=until)
        for d in dict.fromkeys(status["department"])
    ]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if long.empty:
        return ledger_progress(ledger, term, department=scope.name, until=until)
    out = long.groupby(["date", "category"], sort=False, as_index=False)[
        ["passed", "students"]
    ].sum()
    hundredths = rate_hundredths(out["passed"], out["students"])  # half-up, as every rate
    out["rate"] = [h / 100 if h >= 0 else float("nan") for h in hundredths]
    return out


@dataclass(frozen=True)
class TermReport:
    """Everything the term briefing shows, as frames and numbers (codes in the frames; the
    ``*_frame`` methods give the reader's headings with numbers kept as numbers).

    ``scope`` says what the report covers (the school, or one department); ``table``'s total row
    (``level`` ``"total"``) is that scope's total. ``school_total`` is always the whole school's
    row and ``college_total`` a department's college's, so a department's numbers stand beside
    the school's true ones, never under its name."""

    rules: TermRules
    as_of: dt.date | None
    compare_as_of: dt.date | None
    deadline: dt.date
    department: str
    params: dict[str, str]
    status: pd.DataFrame
    table: pd.DataFrame
    by_college: pd.DataFrame
    before: pd.DataFrame | None
    progress: pd.DataFrame
    gaps: pd.DataFrame
    reconciled: pd.DataFrame | None
    skipped_records: int = 0
    has_dates: bool = True
    notices: pd.DataFrame | None = None
    made_at: dt.datetime = field(default_factory=taipei_now)
    scope: Scope = SCHOOL
    school_total: pd.Series | None = None
    college_total: pd.Series | None = None
    population: Any = None  # population.PopulationReport: who was read, counted, left out

    # -- building

    @classmethod
    def build(cls, **params: Any) -> TermReport:
        """Load the data and compute every table; the keywords are ``resolve_term_params``'s."""
        p = resolve_term_params(**params)
        rules = p.rules
        from ..population import check_population, check_scope

        all_students, recs = load_term_data(p.students, p.records)
        # who is counted, who is left out and why: stated on the page; a file that would count
        # nobody (or leave out more than the rule allows) stops here with the values it holds
        counted = check_population(
            all_students, recs, rules, students_file=p.students, records_file=p.records
        )
        if is_totals(recs):
            p = _undated(p)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnknownStudentsWarning)
            status = student_status(all_students, recs, rules=rules, as_of=p.as_of)
        skipped = sum(
            getattr(w.message, "count", 0)
            for w in caught
            if issubclass(w.category, UnknownStudentsWarning)
        )
        dated = not is_totals(recs)
        dates = pass_dates(all_students, recs, rules=rules) if dated else None
        # the whole school's colleges, always
        by_college = in_school_order(summarise(status, "college"), rules)
        school_total = total_row(by_college)
        scope = check_scope(status, college=p.college, department=p.department, rules=rules)
        college_total = None
        if not scope.is_school:
            college_total = group_rows(by_college).set_index("college").loc[scope.college]
            status = _within(status, scope)
            if dates is not None:
                dates = _within(dates, scope)
        by = scope.group_by
        table = in_school_order(summarise(status, by), rules)
        before = None
        if p.compare_as_of:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnknownStudentsWarning)
                st_before = student_status(all_students, recs, rules=rules, as_of=p.compare_as_of)
            before = in_school_order(summarise(_within(st_before, scope), by), rules)
        if dates is not None and len(recs):
            end = p.as_of or recs["date"].max().date()
            start = recs["date"].min()
            # Weekly, plus the comparison day, so the curve passes through the table's numbers.
            cmp = {p.compare_as_of} if p.compare_as_of and p.compare_as_of <= end else set()
            prog = progress(dates, sorted(set(_weeks(start, end)) | cmp))
        else:  # per-student totals: no dates, no history
            prog = pd.DataFrame(columns=["date", "category", "passed", "students", "rate"])
        reconciled = None
        if p.published:
            published = load_published(p.published)
            if scope.is_school:
                reconciled = reconcile(published, table)
            else:  # the scope's own published rows against its own counts
                mine = summarise(status, "department")
                reconciled = reconcile(_within(published, scope), group_rows(mine))
        notices = None
        if p.ledger:
            from ..ledger import ledger_progress

            notices = _scope_notices(ledger_progress, p.ledger, rules.term, scope, status, p.as_of)
        return cls(
            rules=rules,
            as_of=p.as_of,
            compare_as_of=p.compare_as_of,
            deadline=p.deadline,
            department=p.department,
            params=p.shown,
            status=status,
            table=table,
            by_college=by_college,
            before=before,
            progress=prog,
            gaps=gap_table(status, rules),
            reconciled=reconciled,
            skipped_records=skipped,
            has_dates=dated,
            notices=notices,
            scope=scope,
            school_total=school_total,
            college_total=college_total,
            population=counted,
        )

    # -- facts

    @property
    def total(self) -> pd.Series:
        """The total row of what the report covers (the school, or its one department); the
        whole school's is ``school_total``, whatever the scope."""
        return total_row(self.table)

    @property
    def groups(self) -> pd.DataFrame:
        """The table's group rows, without the total."""
        return group_rows(self.table)

    @property
    def categories(self) -> tuple[str, ...]:
        """The result categories: the term's thresholds, then ``all``."""
        return self.rules.result_categories

    def references(self) -> list[tuple[str, pd.Series]]:
        """What the report's groups are compared with, each as (label, its total row): the
        scope's own total, then (for a department) the whole school's true total."""
        own = [(self.scope.total_label, self.total)]
        if self.scope.is_school or self.school_total is None:
            return own
        return [*own, (SCHOOL.label, self.school_total)]

    def comparison(self) -> pd.DataFrame:
        """The all-four pass rate of the units a reader compares: the colleges of the school
        (school scope), or the department, its college and the school (department scope). Rows:
        ``name``, ``kind`` (college / department / school), ``students``, ``all_passed``,
        ``all_rate``."""
        cols = ["students", "all_passed", "all_rate"]
        if self.scope.is_school:
            g = group_rows(self.by_college)
            out = g[["college", *cols]].rename(columns={"college": "name"})
            out.insert(1, "kind", "college")
            return out.reset_index(drop=True)
        rows = [(self.scope.label, self.scope.kind, self.total)]
        if self.scope.kind == "department":
            rows.append((self.scope.college, "college", self.college_total))
        rows.append((SCHOOL.label, "school", self.school_total))
        return pd.DataFrame([{"name": n, "kind": k, **{c: r[c] for c in cols}} for n, k, r in rows])

    def progress_start(self, floor: float = 5.0) -> dt.date | None:
        """Where the progress chart is worth starting: eight weeks before any rate first reaches
        ``floor`` % (years of near-zero weeks since entry say nothing)."""
        prog = self.progress
        up = prog[prog["rate"] >= floor]
        if up.empty:
            return None
        first = pd.Timestamp(up["date"].min()) - pd.Timedelta(weeks=8)
        return max(first, pd.Timestamp(prog["date"].min())).date()

    def chart_title(self, what: str) -> str:
        """A chart's title for the report's scope (``words.chart_title``)."""
        return words.chart_title(self, what)

    def as_of_text(self) -> str:
        return words.as_of_text(self)

    def label(self, category: str) -> str:
        return self.rules.label(category)

    def col(self, category: str, measure: str) -> str:
        """The reader's heading of a category's measure: 抗壓通過人數, 抗壓通過率（%）."""
        return words.col(self, category, measure)

    def all_rate_change(self) -> float | None:
        """Percentage points the all-passed rate moved since the comparison date."""
        if self.before is None:
            return None
        now, then = self.total["all_rate"], total_row(self.before)["all_rate"]
        return round(float(now) - float(then), 2)

    # -- the frames the reader sees: the presentation step (``report/words.py``)

    def headline_frame(self) -> pd.DataFrame:
        return words.headline_frame(self)

    def department_frame(self) -> pd.DataFrame:
        return words.department_frame(self)

    def change_frame(self) -> pd.DataFrame | None:
        return words.change_frame(self)

    def outreach_frame(self) -> pd.DataFrame:
        return words.outreach_frame(self)

    def gap_frame(self) -> pd.DataFrame:
        return words.gap_frame(self)

    def progress_frame(self) -> pd.DataFrame:
        return words.progress_frame(self)

    def notices_frame(self) -> pd.DataFrame | None:
        return words.notices_frame(self)

    def reconcile_frame(self) -> pd.DataFrame | None:
        return words.reconcile_frame(self)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The briefing's tables by sheet name (``words.tables``)."""
        return words.tables(self)


def _formats(df: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """Say how a frame's numbers are shown (``xlsx.FORMATS`` names), beside the numbers (the
    admission report's frames use it)."""
    df.attrs["formats"] = formats
    return df


def seniors_units(students: Path, rules: TermRules) -> pd.DataFrame:
    """The colleges and departments of a term's seniors (one row a senior, ``college`` and
    ``department``): what a scope is checked against before a run."""
    return population(load_students(students), rules)[["college", "department"]]
