"""Advisor rosters (導師「通過 / 未通過」清冊): one workbook per class, failing students first."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .io import atomic_dir, save_workbook, write_csv
from .rules import THRESHOLD_CATEGORIES, TermRules
from .thresholds import format_amount, student_card

__all__ = ["roster_table", "write_rosters"]

_FAIL_FILL = PatternFill("solid", fgColor="FDE2E1")


def _missing(row: pd.Series, rules: TermRules) -> str:
    parts = []
    for c in THRESHOLD_CATEGORIES:
        have = row[f"{c}_units"] + (row["aesthetics_units"] if c == rules.aesthetics_into else 0)
        short = rules.thresholds[c] - have
        if short > 0:
            unit = "張" if c == "certificate" else "小時"
            parts.append(f"{rules.label(c)} {format_amount(short)} {unit}")
    return "；".join(parts)


def roster_table(status: pd.DataFrame, rules: TermRules) -> pd.DataFrame:
    """The roster of the students in ``status`` (a ``student_status`` table): one row each,
    pass or not per category as ``earned / required``, what is still missing; failing first."""
    rows = []
    for _, r in status.iterrows():
        card = student_card(r, rules)
        rows.append(
            {
                "班級": r["class"],
                "學號": r["student_id"],
                "姓名": r["name"],
                rules.label("all"): card[rules.label("all")],
                **{rules.label(c): card[rules.label(c)] for c in THRESHOLD_CATEGORIES},
                "尚缺": _missing(r, rules),
                "_fail": not r["all_passed"],
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["_fail", "學號"], ascending=[False, True], kind="stable")
    return out.drop(columns="_fail").reset_index(drop=True)


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_") or "class"


def write_rosters(
    status: pd.DataFrame, rules: TermRules, out: str | Path, as_of: dt.date | None = None
) -> list[Path]:
    """Write ``<class>.xlsx`` and ``<class>.csv`` per class into ``out``; returns the xlsx paths.

    All files appear together or not at all; other files in ``out`` are left alone.
    """
    out = Path(out)
    written = []
    stamp = f"結算至 {as_of.isoformat()}" if as_of else "全部紀錄"
    need = "、".join(
        f"{rules.label(c)} {format_amount(rules.thresholds[c])} {'張' if c == 'certificate' else '小時'}"
        for c in THRESHOLD_CATEGORIES
    )
    with atomic_dir(out) as tmp:
        for cls, g in status.groupby("class", sort=True):
            table = roster_table(g, rules)
            base = _safe(str(cls))
            write_csv(table, tmp / f"{base}.csv", bom=True)  # no cell a spreadsheet would run
            wb = Workbook()
            ws = wb.active
            ws.title = "清冊"
            failing = int((~g["all_passed"]).sum())
            ws.append([f"{cls} 學生自主學習畢業門檻「通過 / 未通過」清冊（{rules.term}，{stamp}）"])
            ws.append(
                [
                    f"門檻：{need}（{rules.label('aesthetics')}時數納入{rules.label('engagement')}）；"
                    f"未通過 {failing} 人 / 共 {len(g)} 人"
                ]
            )
            ws.append(list(table.columns))
            for row in table.itertuples(index=False):
                ws.append(list(row))
            ws["A1"].font = Font(bold=True, size=14)
            for cell in ws[3]:
                cell.font = Font(bold=True)
            fail_col = list(table.columns).index(rules.label("all")) + 1
            for r in range(4, 4 + len(table)):
                if ws.cell(r, fail_col).value != "通過":
                    for c in range(1, len(table.columns) + 1):
                        ws.cell(r, c).fill = _FAIL_FILL
            widths = {"班級": 12, "學號": 12, "姓名": 10, "尚缺": 36}
            for i, col in enumerate(table.columns, start=1):
                ws.column_dimensions[ws.cell(3, i).column_letter].width = widths.get(col, 18)
                for r in range(4, 4 + len(table)):
                    ws.cell(r, i).alignment = Alignment(vertical="top")
            ws.freeze_panes = "A4"
            save_workbook(wb, tmp / f"{base}.xlsx")  # text as text: a name is never a formula
            written.append(out / f"{base}.xlsx")
    return written
