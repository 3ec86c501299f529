"""Codes to words: the one place a view gets the words and number formats it shows.

Report frames keep codes (a row's ``level``, a category, a scope); views ask here how to word
them: a scope's name and its total row, thousands separators on counts, rates with two
decimals, dates in the school's time, classes in their 甲乙丙丁 order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .labels import LABELS

__all__ = [
    "Scope",
    "SCHOOL",
    "TAIPEI",
    "taipei_now",
    "made_at_text",
    "count",
    "percent",
    "class_key",
    "sort_classes",
    "scope_text",
]

TAIPEI = dt.timezone(dt.timedelta(hours=8), "Asia/Taipei")
_SCOPE = LABELS["scope"]
_TIME = LABELS["time"]


@dataclass(frozen=True)
class Scope:
    """What a report covers: the whole school, one college or one department (``kind``), its
    ``name`` ('' for the school) and, for a department, its ``college``."""

    kind: str = "school"
    name: str = ""
    college: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("school", "college", "department"):
            raise ValueError(f"unknown scope kind {self.kind!r}")

    @property
    def is_school(self) -> bool:
        return self.kind == "school"

    @property
    def label(self) -> str:
        """The unit's name as a reader sees it: 全校, 工程學院, 化材."""
        return _SCOPE["school"] if self.is_school else _SCOPE[self.kind].format(name=self.name)

    @property
    def total_label(self) -> str:
        """The total row of the scope's detail table: 全校, 工程學院全院, 化材全系."""
        if self.is_school:
            return _SCOPE["school"]
        return _SCOPE[f"{self.kind}_total"].format(name=self.name)

    @property
    def groups_label(self) -> str:
        """What the rows of its detail table are: 各學院、學系 / 各學系 / 各班."""
        return _SCOPE[f"groups_{self.kind}"]

    @property
    def group_unit(self) -> str:
        """One row of its detail table, as counted (系, 班)."""
        return _SCOPE[f"group_{self.kind}"]

    @property
    def group_by(self) -> str:
        """The grouping of its detail table (``summarise``'s ``by``)."""
        return {"school": "department", "college": "department", "department": "class"}[self.kind]


SCHOOL = Scope()


def scope_text(key: str, **values: object) -> str:
    """A scope phrase from the label table (``reference``: 虛線：全校 29.45%)."""
    return _SCOPE[key].format(**values)


def taipei_now() -> dt.datetime:
    """Now, in the school's time (UTC+8, no daylight saving)."""
    return dt.datetime.now(TAIPEI)


def made_at_text(when: dt.datetime) -> str:
    """A time as the school reads it: 2025-12-12 14:05（臺北時間）, whatever zone it was in."""
    local = (
        when.astimezone(TAIPEI) if when.tzinfo else when.replace(tzinfo=dt.UTC).astimezone(TAIPEI)
    )
    stamp = LABELS["report_time"]["stamp"]
    return stamp.format(time=f"{local:%Y-%m-%d %H:%M}", zone=_TIME["zone"])


def count(n: object) -> str:
    """A count with thousands separators: 1504 -> 1,504; an empty value as –."""
    if n is None or (isinstance(n, float) and pd.isna(n)):
        return "–"
    return f"{int(n):,}"


def percent(rate: object, digits: int = 2) -> str:
    """A rate in percent (already ×100): 29.45 -> 29.45%; an empty value as –."""
    if rate is None or pd.isna(rate):
        return "–"
    return f"{float(rate):,.{digits}f}%"


# 甲乙丙丁…: the order classes are named in (their code points are not: 丙 < 乙 < 甲).
_STEMS = LABELS["report_order"]["class_stems"]
_STEM_AT = re.compile(f"([{_STEMS}])(?={re.escape(LABELS['report_order']['class_suffix'])}?$)")


def class_key(name: object) -> tuple:
    """A sort key that puts 四年甲班 before 四年乙班 before 四年丙班 (and 10 after 9)."""
    text = str(name)
    m = _STEM_AT.search(text)
    if m:
        text = text[: m.start()] + chr(0x2460 + _STEMS.index(m.group(1))) + text[m.end() :]
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def sort_classes(names: Iterable[object]) -> list:
    """Class names in the school's order (甲乙丙丁, numbers by value)."""
    return sorted(names, key=class_key)


def labelled_totals(table: pd.DataFrame, scope: Scope = SCHOOL) -> pd.DataFrame:
    """A table with ``level`` codes as a file gives it to a reader: the total row's first key
    column (college) names the scope (全校), and the ``level`` column is dropped."""
    if "level" not in table.columns:
        return table
    out = table.copy()
    total = (out["level"] == "total").to_numpy()
    out.loc[total, "college"] = scope.total_label
    return out.drop(columns="level")
