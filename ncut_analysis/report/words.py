"""The presentation step of the term briefing: a ``TermReport``'s frames (codes: ``level``,
category, scope) turned into what a reader sees — headings from the label table, the total row
named for the scope (全校, 工程學院全院, 化材全系), number formats named beside the numbers,
dates as the context asks. Every view (HTML, workbook, deck) takes its tables from here.

A display frame says which of its columns are keys (``attrs["keys"]``), which rows are totals
(``attrs["total"]``) and how its numbers are shown (``attrs["formats"]``): no view finds a row or
a column by its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..labels import GROUP_LABELS, LABELS, MEASURE_LABELS, RECONCILE_LABELS
from ..thresholds import LEVEL, TOTAL, change_table, group_keys, outreach_table

if TYPE_CHECKING:
    from .term import TermReport

__all__ = [
    "TITLES",
    "TEXT",
    "SHEETS",
    "COLUMNS",
    "as_of_text",
    "chart_title",
    "col",
    "rate_heading",
    "keyed",
    "headline_frame",
    "department_frame",
    "comparison_frame",
    "change_frame",
    "outreach_frame",
    "gap_frame",
    "progress_frame",
    "notices_frame",
    "reconcile_frame",
    "tables",
]

TITLES = LABELS["report_titles"]
TEXT = LABELS["report_text"]
SHEETS = LABELS["report_sheets"]
COLUMNS = LABELS["report_columns"]
_AS_OF = LABELS["report_as_of"]


def rate_heading() -> str:
    """通過率（%）: a rate column's heading (the numbers are percent, 87.77)."""
    return MEASURE_LABELS["rate"] + COLUMNS["rate_unit"]


def as_of_text(r: TermReport) -> str:
    """What the data was counted to: 資料結算至 2025-11-28 / 資料含全部紀錄 / a totals table."""
    if not r.has_dates:
        return _AS_OF["no_dates"]
    return _AS_OF["as_of"].format(date=r.as_of.isoformat()) if r.as_of else _AS_OF["all_records"]


def chart_title(r: TermReport, what: str) -> str:
    """A chart's title for the report's scope: ``heatmap`` (各系各項通過率 / 工程學院各學系各項通過率 /
    化材各班各項通過率), ``progress`` (各項通過率的進展 / 化材各項通過率的進展)."""
    scope = "" if r.scope.is_school else r.scope.label
    if what == "heatmap":
        if r.scope.is_school:
            return TITLES["heatmap_school"]
        return TITLES["heatmap"].format(scope=scope, groups=r.scope.groups_label)
    return TITLES["progress"].format(scope=scope)


def col(r: TermReport, category: str, measure: str) -> str:
    """The reader's heading of a category's measure: 抗壓通過人數, 抗壓通過率（%）."""
    unit = COLUMNS["rate_unit"] if measure == "rate" else ""
    return f"{r.rules.measure(category, measure)}{unit}"


def _formats(df: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """Say how a frame's numbers are shown (``xlsx.FORMATS`` names), beside the numbers; every
    count column not named gets thousands separators (``int``)."""
    out = dict(formats)
    for c in df.columns:
        if c not in out and pd.api.types.is_integer_dtype(df[c]):
            out[c] = "int"
    df.attrs["formats"] = out
    return df


def keyed(r: TermReport, t: pd.DataFrame) -> pd.DataFrame:
    """The key columns of a group table as the reader sees them: the total row named for the
    scope (全校, 工程學院全院, 化材全系) in the first key column. ``attrs["total"]`` marks the total
    rows, ``attrs["keys"]`` names the key columns."""
    keys = group_keys(t)
    out = t[keys].copy()
    is_total = (t[LEVEL] == TOTAL).to_numpy()
    out.loc[is_total, keys[0]] = r.scope.total_label
    out = out.rename(columns=dict(GROUP_LABELS))
    out.attrs["total"] = tuple(bool(v) for v in is_total)
    out.attrs["keys"] = [GROUP_LABELS[k] for k in keys]
    return out


def headline_frame(r: TermReport) -> pd.DataFrame:
    """Per result category: seniors, passed, not passed, rate (percent), office."""
    total = r.total
    rate = rate_heading()
    rows = [
        {
            MEASURE_LABELS["category"]: r.label(c),
            COLUMNS["office"]: r.rules.offices.get(c, ""),
            MEASURE_LABELS["students"]: int(total["students"]),
            MEASURE_LABELS["passed"]: int(total[f"{c}_passed"]),
            MEASURE_LABELS["not_passed"]: int(total["students"] - total[f"{c}_passed"]),
            rate: float(total[f"{c}_rate"]),
        }
        for c in r.categories
    ]
    out = _formats(pd.DataFrame(rows), {rate: "rate"})
    out.attrs["categories"] = list(r.categories)  # the category code of each row
    return out


def department_frame(r: TermReport) -> pd.DataFrame:
    """The college × department (or class) table, as the seed's slides lay it out."""
    t = r.table
    out = keyed(r, t)
    out[MEASURE_LABELS["students"]] = t["students"].to_numpy()
    for c in r.categories:
        out[col(r, c, "passed")] = t[f"{c}_passed"].to_numpy()
        out[col(r, c, "rate")] = t[f"{c}_rate"].to_numpy()
    return _formats(out, {col(r, c, "rate"): "rate" for c in r.categories})


def comparison_frame(r: TermReport) -> pd.DataFrame | None:
    """A college's or a department's rates beside its college's (a department's) and the
    school's true ones, a row each; None for the school."""
    if r.scope.is_school:
        return None
    comp = r.comparison()
    totals = {"school": r.school_total, "college": r.college_total, r.scope.kind: r.total}
    out = pd.DataFrame(
        {
            COLUMNS["unit"]: comp["name"].to_numpy(),
            MEASURE_LABELS["students"]: comp["students"].astype("int64").to_numpy(),
        }
    )
    for c in r.categories:
        out[col(r, c, "rate")] = [float(totals[k][f"{c}_rate"]) for k in comp["kind"]]
    return _formats(out, {col(r, c, "rate"): "rate" for c in r.categories})


def change_frame(r: TermReport) -> pd.DataFrame | None:
    """Passed counts and rates (percentage points, signed numbers) since the comparison."""
    if r.before is None:
        return None
    ch = change_table(r.table, r.before)
    out = keyed(r, ch)
    fmt = {}
    for c in r.categories:
        out[col(r, c, "passed_change")] = ch[f"{c}_passed_change"].to_numpy()
        out[col(r, c, "rate_change")] = ch[f"{c}_rate_change"].to_numpy()
        fmt[col(r, c, "passed_change")] = "count_change"
        fmt[col(r, c, "rate_change")] = "change"
    return _formats(out, fmt)


def outreach_frame(r: TermReport) -> pd.DataFrame:
    """Per group, how many students each office still has to reach."""
    o = outreach_table(r.table, r.rules)
    out = keyed(r, o)
    out[MEASURE_LABELS["students"]] = o["students"].to_numpy()
    for c in r.rules.threshold_categories:
        out[COLUMNS["outreach"].format(office=r.rules.offices[c], label=r.label(c))] = o[
            c
        ].to_numpy()
    out[COLUMNS["any_not_passed"]] = o["all"].to_numpy()
    return _formats(out, {})


def gap_frame(r: TermReport) -> pd.DataFrame:
    g = r.gaps
    out = pd.DataFrame(
        {
            MEASURE_LABELS["category"]: [r.label(c) for c in g["category"]],
            MEASURE_LABELS["band"]: g["band"].to_numpy(),
            COLUMNS["people"]: g["students"].to_numpy(),
        }
    )
    return _formats(out, {})


def progress_frame(r: TermReport) -> pd.DataFrame:
    p = r.progress
    rate, date = rate_heading(), MEASURE_LABELS["date"]
    out = pd.DataFrame(
        {
            date: p["date"].dt.date.to_numpy(),
            MEASURE_LABELS["category"]: [r.label(c) for c in p["category"]],
            MEASURE_LABELS["passed"]: p["passed"].to_numpy(),
            MEASURE_LABELS["students"]: p["students"].to_numpy(),
            rate: p["rate"].to_numpy(),
        }
    )
    return _formats(out, {date: "date", rate: "rate"})


def notices_frame(r: TermReport) -> pd.DataFrame | None:
    """The pass rate of each category at every earlier notice the ledger recorded (one row a
    notice date), the only history a per-student totals table has."""
    n = r.notices
    if n is None:
        return None
    wide = n.pivot_table(index="date", columns="category", values="rate", sort=True)
    date = COLUMNS["notice_date"]
    out = pd.DataFrame({date: [d.date() for d in wide.index]})
    out[MEASURE_LABELS["students"]] = (
        n.groupby("date")["students"].first().reindex(wide.index).to_numpy()
    )
    for c in r.categories:
        if c in wide.columns:
            out[col(r, c, "rate")] = wide[c].to_numpy()
    return _formats(out, {date: "date", **{col(r, c, "rate"): "rate" for c in r.categories}})


def _number(v: Any) -> Any:
    """A reconcile value ("76.59", "36", "") as a number where it is one."""
    text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() and "." not in text else f


def reconcile_frame(r: TermReport) -> pd.DataFrame | None:
    if r.reconciled is None:
        return None
    rec = r.reconciled
    return pd.DataFrame(
        {
            GROUP_LABELS["college"]: rec["college"].to_numpy(),
            GROUP_LABELS["department"]: rec["department"].to_numpy(),
            MEASURE_LABELS["category"]: [r.label(c) if c else "" for c in rec["category"]],
            RECONCILE_LABELS["field"]: [RECONCILE_LABELS.get(f, f) for f in rec["field"]],
            RECONCILE_LABELS["published"]: [_number(v) for v in rec["published"]],
            RECONCILE_LABELS["expected"]: [_number(v) for v in rec["expected"]],
        }
    )


def tables(r: TermReport) -> dict[str, pd.DataFrame]:
    """The briefing's tables by sheet name, a sheet each in the Excel workbook: the summaries
    first, the long weekly progress last, its print area the last four dates (the whole sheet
    is there to sort and filter; clear the print area to print it all). The detail table's
    sheet is named for its rows (各系 / 各學系 / 各班)."""
    groups = SHEETS["groups"] if r.scope.is_school else SHEETS[f"groups_{r.scope.kind}"]
    out = {SHEETS["headline"]: headline_frame(r)}
    comp = comparison_frame(r)
    if comp is not None:
        out[SHEETS["compare"]] = comp
    out[groups] = department_frame(r)
    ch = change_frame(r)
    if ch is not None:
        out[SHEETS["change"]] = ch
    out[SHEETS["outreach"]] = outreach_frame(r)
    out[SHEETS["gaps"]] = gap_frame(r)
    rec = reconcile_frame(r)
    if rec is not None:
        out[SHEETS["reconcile"]] = rec
    hist = notices_frame(r)
    if hist is not None:
        out[SHEETS["notices"]] = hist
    if r.has_dates:
        prog = progress_frame(r)
        prog.attrs["print_rows"] = min(len(prog), 4 * len(r.categories))
        out[SHEETS["progress"]] = prog
    return out
