"""Checking a published pass-rate table: its rates against its own counts, and its counts
against a recomputed table."""

from __future__ import annotations

import pandas as pd

from .thresholds import RESULT_CATEGORIES, rate_hundredths

__all__ = ["reconcile", "RECONCILE_COLUMNS"]

RECONCILE_COLUMNS = ["level", "college", "department", "category", "field", "published", "expected"]


def _hundredths(h: int) -> str:
    return f"{h // 100}.{h % 100:02d}"


def reconcile(published: pd.DataFrame, computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per disagreement in a published table (from ``load_published``).

    Every published rate is checked against the rate its own counts give (half-up to two
    decimals, in exact integer hundredths); with ``computed`` (a ``pass_rates`` table by
    department), every count is checked against the recomputed one, and groups present in only
    one of the two are reported with field ``row``.
    """
    rows: list[dict[str, str]] = []
    cats = [c for c in RESULT_CATEGORIES if f"{c}_rate" in published.columns]
    for _, r in published.iterrows():
        key = {
            "level": str(r.get("level", "group")),
            "college": str(r["college"]),
            "department": str(r["department"] or ""),
        }
        for c in cats:
            if pd.isna(r[f"{c}_rate"]) or pd.isna(r[f"{c}_passed"]):
                continue
            expected = int(rate_hundredths([int(r[f"{c}_passed"])], [int(r["students"])])[0])
            if expected >= 0 and int(r[f"{c}_rate"]) != expected:
                rows.append(
                    {
                        **key,
                        "category": c,
                        "field": "rate",
                        "published": _hundredths(int(r[f"{c}_rate"])),
                        "expected": _hundredths(expected),
                    }
                )
    if computed is not None:
        comp = computed.copy()
        comp["department"] = comp["department"].fillna("").astype(str)
        pub = published.copy()
        pub["department"] = pub["department"].astype(str)
        for t in (comp, pub):
            if "level" not in t.columns:
                t.insert(0, "level", "group")
            t["level"] = t["level"].astype(str)
        merged = pub.merge(
            comp,
            on=["level", "college", "department"],
            how="outer",
            suffixes=("", "_c"),
            indicator=True,
            sort=False,
        )
        for _, r in merged.iterrows():
            key = {
                "level": str(r["level"]),
                "college": str(r["college"]),
                "department": str(r["department"]),
            }
            if r["_merge"] != "both":
                side = "published" if r["_merge"] == "left_only" else "computed"
                rows.append(
                    {
                        **key,
                        "category": "",
                        "field": "row",
                        "published": "present" if side == "published" else "absent",
                        "expected": "present" if side == "computed" else "absent",
                    }
                )
                continue
            fields = [("", "students")] + [(c, f"{c}_passed") for c in cats]
            for cat, f in fields:
                if pd.isna(r[f]):
                    continue
                if int(r[f]) != int(r[f"{f}_c"]):
                    rows.append(
                        {
                            **key,
                            "category": cat,
                            "field": "students" if not cat else "passed",
                            "published": str(int(r[f])),
                            "expected": str(int(r[f"{f}_c"])),
                        }
                    )
    return pd.DataFrame(rows, columns=RECONCILE_COLUMNS, dtype="string")
