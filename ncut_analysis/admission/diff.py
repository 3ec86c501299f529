"""成績複查 (陸.四, 附表一): what a corrected score changes in the result."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import LABELS
from ..rules import NORMAL_ITEMS, SPECIAL_ITEMS, AdmissionRules
from .labels import CHANGE_LABELS, ITEM_LABELS, RESULT_LABELS, STATUS_LABELS
from .pool import load_applicants
from .rank import MinTotal, SmallPoolWarning, _rules, rank_admission, total_decimals
from .score import SCORE_SCALE

__all__ = ["DIFF_COLUMNS", "admission_diff"]

DIFF_COLUMNS = [
    "applicant_id",
    "program",
    "change",
    "change_label",
    "status_before",
    "status_after",
    "rank_before",
    "rank_after",
    "waitlist_no_before",
    "waitlist_no_after",
    "total_before",
    "total_after",
    "status_label_before",
    "status_label_after",
    "result",
    "result_label",
    "why",
]
_DIFF = LABELS["admission_diff"]
_COMPARED = ("program", "birth_date", *NORMAL_ITEMS, *SPECIAL_ITEMS, "excluded")


def _shown(col: str, v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return _DIFF["missing"]
    if col in (*NORMAL_ITEMS, *SPECIAL_ITEMS):
        return f"{int(v) / SCORE_SCALE:g}"
    if col == "birth_date":
        return pd.Timestamp(v).date().isoformat()
    return str(v)


def _own_changes(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, str]:
    """Per applicant in both files, the fields that differ: "面試 70 → 76；筆試 60 → 62"."""
    b = before.set_index("applicant_id")
    a = after.set_index("applicant_id")
    common = b.index.intersection(a.index)
    out: dict[str, list[str]] = {}
    for col in _COMPARED:
        if col not in b.columns and col not in a.columns:
            continue
        x = b[col].reindex(common) if col in b.columns else pd.Series(pd.NA, index=common)
        y = a[col].reindex(common) if col in a.columns else pd.Series(pd.NA, index=common)
        same = (x.isna() & y.isna()) | (x.astype(object) == y.astype(object)).fillna(False)
        for aid in common[~same.to_numpy(dtype=bool)]:
            out.setdefault(aid, []).append(
                _DIFF["field"].format(
                    item=ITEM_LABELS.get(col, col),
                    before=_shown(col, x[aid]),
                    after=_shown(col, y[aid]),
                )
            )
    return {k: _DIFF["field_sep"].join(v) for k, v in out.items()}


def admission_diff(
    before: pd.DataFrame | str | Path,
    after: pd.DataFrame | str | Path,
    mode: str,
    *,
    year: int = 109,
    min_total: MinTotal = 0,
    waitlist: int | None = None,
    rules: AdmissionRules | None = None,
) -> pd.DataFrame:
    """Re-rank both applicant frames or files (before and after 複查) and list every applicant whose
    total, status, rank or waitlist number changed, the programs one after another in the rules'
    order, with 附表一's 處理結果 (``result``, ``result_label``: 「分數更正，名次不變」 …).

    Columns (``DIFF_COLUMNS``): ``applicant_id, program``, ``change`` (code: ``in`` newly
    admitted, ``out`` no longer admitted, ``status`` another status change, ``rank``,
    ``waitlist_no``, ``added`` / ``removed`` when in one file only) and ``change_label``
    (Chinese), before and after side by side (status, rank, waitlist number, total, status
    label), ``result`` (a key of ``RESULT_LABELS``: ``corrected_same``, ``corrected_rank``,
    ``corrected_status`` when the applicant's own total changed; ``others_rank``,
    ``others_status`` when only others' did; ``added``, ``removed``) and ``result_label``, and
    ``why``: the applicant's own fields that changed (e.g. ``面試 70 → 76``), or
    ``其他考生成績異動`` when only others' scores changed. Totals are exact; the frame's
    ``attrs["total_decimals"]`` says how many decimals show them all.
    """
    rules = _rules(year, rules)
    if isinstance(before, (str, Path)):
        before = load_applicants(before, rules=rules)
    if isinstance(after, (str, Path)):
        after = load_applicants(after, rules=rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        rb = rank_admission(before, mode, rules=rules, min_total=min_total, waitlist=waitlist)
        ra = rank_admission(after, mode, rules=rules, min_total=min_total, waitlist=waitlist)
    cols = ["applicant_id", "program", "status", "rank", "waitlist_no", "total", "total_units"]
    m = rb[cols].merge(
        ra[cols], on="applicant_id", how="outer", suffixes=("_before", "_after"), sort=False
    )
    m["program"] = m["program_after"].fillna(m["program_before"])

    def differs(c: str) -> pd.Series:
        x, y = m[f"{c}_before"], m[f"{c}_after"]
        return (x.isna() != y.isna()) | (x.notna() & y.notna() & (x != y)).fillna(False)

    status_ch = differs("status")
    placed = status_ch | differs("rank") | differs("waitlist_no")
    own_total = differs("total_units")
    changed = placed | own_total
    decimals = max(total_decimals(rb["total_units"]), total_decimals(ra["total_units"]))
    m = m.assign(_placed=placed, _own=own_total, _status=status_ch)
    m = m[changed.to_numpy(dtype=bool)].copy()
    adm_b = m["status_before"] == "admitted"
    adm_a = m["status_after"] == "admitted"
    m["change"] = np.select(
        [
            m["status_before"].isna(),
            m["status_after"].isna(),
            ~adm_b & adm_a,
            adm_b & ~adm_a,
            m["status_before"] != m["status_after"],
            differs("rank").loc[m.index],
            differs("waitlist_no").loc[m.index],
        ],
        ["added", "removed", "in", "out", "status", "rank", "waitlist_no"],
        "total",
    )
    m["result"] = np.select(
        [
            m["change"] == "added",
            m["change"] == "removed",
            m["_own"] & m["_status"],
            m["_own"] & m["_placed"],
            m["_own"],
            m["_status"],
        ],
        [
            "added",
            "removed",
            "corrected_status",
            "corrected_rank",
            "corrected_same",
            "others_status",
        ],
        "others_rank",
    )
    m["result_label"] = m["result"].map(RESULT_LABELS)
    m["change_label"] = m["change"].map(CHANGE_LABELS)
    for s in ("before", "after"):
        m[f"status_label_{s}"] = m[f"status_{s}"].map(STATUS_LABELS)
    own = _own_changes(before, after)
    m["why"] = [
        RESULT_LABELS[c] if c in ("added", "removed") else own.get(a, _DIFF["others"])
        for a, c in zip(m["applicant_id"], m["change"], strict=True)
    ]
    order = {p.id: i for i, p in enumerate(rules.programs)}
    m = m.assign(
        _p=m["program"].map(order),
        _r=m["rank_after"].fillna(m["rank_before"]).astype("Float64"),
    ).sort_values(["_p", "_r", "applicant_id"], na_position="last", kind="stable")
    out = m[DIFF_COLUMNS].reset_index(drop=True)
    out.attrs["total_decimals"] = decimals
    return out
