"""The notices' shared words: dates as the school writes them, the term's name."""

from __future__ import annotations

import datetime as dt

from ..labels import LABELS, group_label
from ..rules import TermRules

__all__ = ["roc_date", "term_name", "header_of", "TEXT"]

TEXT = LABELS["notices_text"]


def roc_date(d: dt.date) -> str:
    """2026-06-01 -> ``115年6月1日``."""
    return TEXT["roc_date"].format(year=d.year - 1911, month=d.month, day=d.day)


def term_name(term: str) -> str:
    """114-2 -> ``114學年度第2學期``."""
    year, sem = term.split("-")
    return TEXT["term_name"].format(year=year, semester=sem)


def header_of(field: str, rules: TermRules) -> str:
    """A column's header: a category's ``<cat>_missing`` as 「抗壓尚缺」, 學院 / 學系 / 班級 from
    ``[group]``, the rest from ``[notices_column]``."""
    if field.endswith("_missing"):
        label = rules.label(field[: -len("_missing")])
        return LABELS["notices_column"]["category_missing"].format(label=label)
    if field in ("college", "department", "class"):
        return group_label(field)
    return LABELS["notices_column"][field]
