"""Advisor rosters (導師「通過 / 未通過」清冊): one workbook per class, failing students first.

Each roster holds personal data (names and student ids): it goes to the class advisor only, and
says so on its first line. Printed, a class fits one A4 page wide (landscape), the header row
repeated on every page, the class and the as-of date in the page header.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .io import atomic_dir, safe_name, save_workbook, unique_names, write_csv
from .labels import LABELS, group_label
from .report.xlsx import fill_sheet, text_width
from .rules import UNIT, TermRules
from .thresholds import format_amount, missing_parts, school_order, shortfall, student_card

__all__ = ["roster_table", "write_rosters", "class_groups", "ClassGroup", "PERSONAL_DATA_NOTE"]

_R = LABELS["notices_roster"]
PERSONAL_DATA_NOTE = _R["personal_data"]
_FAIL_FILL = PatternFill("solid", fgColor="FDE2E1")
_TOP = Alignment(vertical="top", wrap_text=True)
_BODY = Alignment(vertical="center", wrap_text=False, shrink_to_fit=False)
_CENTRED = Alignment(horizontal="center", vertical="center")


def _effective(row: pd.Series, rules: TermRules, c: str) -> int:
    """Units that count toward threshold ``c`` (美學 into 社會接軌 where the rules say)."""
    extra = row["aesthetics_units"] if c == rules.aesthetics_into else 0
    return int(row[f"{c}_units"] + extra)


def _missing(short: pd.Series, rules: TermRules, categories: tuple | list | None = None) -> str:
    """What a student misses (of ``categories``, default all), from their row of
    ``thresholds.shortfall``."""
    return _R["part_sep"].join(
        _R["part"].format(label=rules.label(c), amount=format_amount(n), unit=rules.unit(c))
        for c, n in missing_parts(short, rules)
        if categories is None or c in categories
    )


def missing_text(
    status: pd.DataFrame, rules: TermRules, categories: tuple | list | None = None
) -> dict[str, str]:
    """Student id -> what is missing, in words (「抗壓 0.01 小時；證照 1 張」; "" when nothing),
    from ``thresholds.shortfall``: the words the roster, the notices and the offices' lists use
    (an office's list: ``categories``, its own)."""
    gaps = shortfall(status, rules)
    return {
        str(sid): _missing(short, rules, categories)
        for sid, (_, short) in zip(status["student_id"], gaps.iterrows(), strict=True)
    }


def roster_table(status: pd.DataFrame, rules: TermRules) -> pd.DataFrame:
    """The roster of the students in ``status`` (a ``student_status`` table): one row each,
    pass or not per category as ``earned / required`` beside the earned amount as a number (for
    sorting), what is still missing; failing first."""
    rows = []
    gaps = shortfall(status, rules)
    for r, short in zip(status.to_dict("records"), gaps.to_dict("records"), strict=True):
        card = student_card(r, rules)
        row = {
            group_label("class"): r["class"],
            _R["student_id"]: r["student_id"],
            _R["name"]: r["name"],
            rules.label("all"): card[rules.label("all")],
        }
        for c in rules.threshold_categories:
            row[rules.label(c)] = card[rules.label(c)]
            # exact: thousandths of an hour as a decimal number with at most 3 places
            row[_amount_header(rules, c)] = _effective(r, rules, c) / UNIT
        row[_R["missing"]] = _missing(short, rules)
        row["_fail"] = not r["all_passed"]
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["_fail", _R["student_id"]], ascending=[False, True], kind="stable")
    failing = tuple(out["_fail"].tolist())
    out = out.drop(columns="_fail").reset_index(drop=True)
    out.attrs["failing"] = failing  # per row: not passed all four (the rows to mark)
    # the columns a printed roster shows (the verdicts, not the amounts), by position
    numbers = {_amount_header(rules, c) for c in rules.threshold_categories}
    out.attrs["printed"] = tuple(i for i, c in enumerate(out.columns) if c not in numbers)
    out.attrs["numbers"] = tuple(i for i, c in enumerate(out.columns) if c in numbers)
    return out


@dataclass(frozen=True)
class ClassGroup:
    """A class as the school knows it: (department, class), never the class name alone (四年甲班
    is in every department); ``name``: its files' name (``io.unique_names``)."""

    department: str
    cls: str
    name: str
    students: pd.DataFrame

    @property
    def label(self) -> str:
        """How the class is named to a person: the class, after its department when the class
        name alone is shared by several departments."""
        return self.cls if self.name == safe_name(self.cls) else f"{self.department} {self.cls}"


def class_groups(status: pd.DataFrame, rules: TermRules) -> list[ClassGroup]:
    """The classes of a status table, in the school's order (``school_order``: the rules' colleges
    and departments, classes 甲乙丙丁). A class's files
    are named by the class; a class name that two departments share is named by both
    (``化材_四年甲班``), and names that would still meet get a short hash (``unique_names``)."""
    groups = list(status.groupby(["department", "class"], sort=False, dropna=False))
    # each class where its first student's unit stands in the school's order
    heads = pd.DataFrame([g.iloc[0][["college", "department", "class"]] for _, g in groups])
    groups = [groups[i] for i in school_order(heads, rules, then=())] if groups else groups
    classes = [str(c) for (_, c), _ in groups]
    shared = {c for c in classes if classes.count(c) > 1}
    wanted = [f"{d}_{c}" if str(c) in shared else str(c) for (d, c), _ in groups]
    names = unique_names(wanted, default="class")
    return [
        ClassGroup(str(d), str(c), n, g.reset_index(drop=True))
        for ((d, c), g), n in zip(groups, names, strict=True)
    ]


def _is_roster_file(name: str) -> bool:
    """The files a rosters folder is made of (replaced as a set by each run)."""
    return name.lower().endswith((".xlsx", ".csv"))


def _amount_header(rules: TermRules, c: str) -> str:
    return _R["amount_header"].format(label=rules.label(c), unit=rules.unit(c))


def need_text(rules: TermRules) -> str:
    """The term's thresholds in words (抗壓 3 小時、…; 美學 into 社會接軌 where merged)."""
    need = _R["need_sep"].join(
        _R["part"].format(
            label=rules.label(c), amount=format_amount(rules.thresholds[c]), unit=rules.unit(c)
        )
        for c in rules.threshold_categories
    )
    if rules.aesthetics_into:
        need += _R["merged"].format(
            aesthetics=rules.label("aesthetics"), into=rules.label(rules.aesthetics_into)
        )
    return need


def _formats(table: pd.DataFrame, rules: TermRules) -> dict[str, str]:
    return {
        _amount_header(rules, c): "0" if rules.is_counted(c) else "0.0##"
        for c in rules.threshold_categories
    }


def write_rosters(
    status: pd.DataFrame, rules: TermRules, out: str | Path, as_of: dt.date | None = None
) -> list[Path]:
    """Write ``<class>.xlsx`` and ``<class>.csv`` per class (department and class:
    ``class_groups``) into ``out``; returns the xlsx paths, in ``class_groups`` order.

    All files appear together or not at all, as one set: an earlier run's roster that this run
    does not write again (a renamed class) is removed; files of other kinds in ``out`` stay.
    """
    out = Path(out)
    written = []
    stamp = _R["as_of"].format(date=as_of.isoformat()) if as_of else _R["all_records"]
    need = need_text(rules)
    with atomic_dir(out, owned=_is_roster_file) as tmp:
        for group in class_groups(status, rules):
            cls, g, base = group.label, group.students, group.name
            table = roster_table(g, rules)
            table.attrs["formats"] = _formats(table, rules)
            write_csv(table, tmp / f"{base}.csv", bom=True)
            failing = int((~g["all_passed"]).sum())
            title = _R["title"].format(cls=cls, term=rules.term, stamp=stamp)
            note = _R["note"].format(
                need=need,
                failing=f"{failing:,}",
                students=f"{len(g):,}",
                personal=PERSONAL_DATA_NOTE,
                sheet=_R["values_sheet"],
            )
            header = _R["header"].format(cls=cls, term=rules.term)
            wb = _roster_workbook(table, rules, title=title, note=note, header=header, stamp=stamp)
            save_workbook(wb, tmp / f"{base}.xlsx")
            written.append(out / f"{base}.xlsx")
    return written


# The printed roster: one A4 landscape page for a class of up to 60, no type under 8 pt. The
# page is 595 pt high; 0.3 in margins leave 552 pt: the header row and 60 rows of 9 pt (the
# title and the notice print in the page's header and footer, not as rows).
ROSTER_PT = 8  # the table's type
ROSTER_ROW_PT = 9  # a body row's height
ROSTER_HEAD_PT = 11
_MARGIN_IN = 0.3


def _roster_workbook(
    table: pd.DataFrame, rules: TermRules, *, title: str, note: str, header: str, stamp: str
) -> Workbook:
    """The advisor's workbook: 「清冊」 to print (each category once, as 「4.5 / 3 通過」, and
    what is missing), 「數值」 with the same students' amounts as numbers for sorting. Both say
    they hold personal data (a row above the table and the printed footer)."""
    shown = table.iloc[:, list(table.attrs["printed"])].copy()
    shown.attrs = {"failing": table.attrs.get("failing")}
    values = table.iloc[:, [0, 1, 2, *table.attrs["numbers"]]].copy()
    values.attrs = {"formats": table.attrs.get("formats", {})}
    wb = Workbook()
    ws = wb.active
    ws.title = _R["roster_sheet"]
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=11)
    ws["A2"] = note
    ws["A2"].font = Font(size=ROSTER_PT)
    text_cols = {rules.label(c) for c in (*rules.threshold_categories, "all")}
    fill_sheet(
        ws,
        shown,
        header_row=3,
        body=_BODY,
        marked=shown.attrs.get("failing"),
        mark=_FAIL_FILL,
        # 「4.5 / 3 通過」 centred: never against its neighbour's text
        aligned={j: _CENTRED for j, c in enumerate(shown.columns, start=1) if c in text_cols},
        head_font=Font(bold=True, size=ROSTER_PT),
        font=Font(bold=False, size=ROSTER_PT),
    )
    for j, c in enumerate(shown.columns, start=1):
        # widths for the table's own type (a width counts characters of the 11 pt default)
        chars = max([text_width(c), *(text_width(v) for v in shown[c].astype(str))])
        ws.column_dimensions[get_column_letter(j)].width = round(chars * ROSTER_PT / 11 + 2, 1)
    ws.row_dimensions[3].height = ROSTER_HEAD_PT
    for r in range(4, ws.max_row + 1):
        ws.row_dimensions[r].height = ROSTER_ROW_PT
    _print_setup(ws, header, stamp, one_page=True)
    ws.print_area = f"A3:{get_column_letter(len(shown.columns))}{max(ws.max_row, 3)}"
    ws.oddHeader.center.text = title
    # the amounts as numbers, to sort by: a sheet of its own, hidden so the roster prints alone
    vs = wb.create_sheet(_R["values_sheet"])
    vs.sheet_state = "hidden"
    vs["A1"] = PERSONAL_DATA_NOTE
    vs["A1"].font = Font(bold=True, color="C00000")
    fill_sheet(vs, values, header_row=2)
    _print_setup(vs, header, stamp, one_page=False)
    return wb


def _print_setup(ws, header: str, stamp: str, *, one_page: bool) -> None:  # noqa: ANN001
    ws.oddHeader.left.text = header
    ws.oddHeader.right.text = stamp
    ws.oddFooter.left.text = PERSONAL_DATA_NOTE
    ws.oddFooter.right.text = _R["page"]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    m = ws.page_margins
    m.left = m.right = m.top = m.bottom = _MARGIN_IN
    m.header = m.footer = 0.1
