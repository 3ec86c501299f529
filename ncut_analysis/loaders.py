"""The data contracts: students, activity records and published tables, validated on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .io import InputError, Problem, clean_text, map_threads, parse_dates, parse_fixed, read_table
from .rules import CATEGORIES, THRESHOLD_CATEGORIES, UNIT

__all__ = [
    "STUDENT_COLUMNS",
    "RECORD_COLUMNS",
    "CATEGORY_ALIASES",
    "load_students",
    "load_records",
    "load_published",
    "load_pass_table",
]

STUDENT_COLUMNS = ("student_id", "name", "college", "department", "class", "cohort", "program")
RECORD_COLUMNS = ("student_id", "category", "amount", "date")

# Every spelling a school system uses for a category -> its key.
CATEGORY_ALIASES: dict[str, str] = {
    **{c: c for c in CATEGORIES},
    "抗壓": "resilience",
    "精進": "enhancement",
    "社會接軌": "engagement",
    "美學": "aesthetics",
    "證照": "certificate",
    "專業證照": "certificate",
}


def _raise(path: str, problems: list[Problem]) -> None:
    if problems:
        raise InputError(path, sorted(problems, key=lambda p: (p.line or 0, p.column or "")))


def load_students(path: str | Path) -> pd.DataFrame:
    """Students (``student_id,name,college,department,class,cohort,program``), validated.

    Every column but ``name`` is required; ``cohort`` is a whole ROC year. A student_id listed
    twice with the same details is kept once; with different details it is an error.
    """
    name = str(path)
    df = read_table(path, STUDENT_COLUMNS)
    problems: list[Problem] = []
    for col in ("student_id", "college", "department", "class", "program"):
        problems += [Problem(int(i), col, None, "missing value") for i in df.index[df[col].isna()]]
    cohort, p = parse_fixed(df["cohort"], "cohort", scale=1, lo=1)
    problems += p
    df = df.assign(cohort=cohort)
    text_cols = ["student_id", "name", "college", "department", "class", "program"]
    for col in text_cols:
        df[col] = df[col].astype("string")
    dup = df["student_id"].duplicated(keep=False) & df["student_id"].notna()
    if dup.any():
        d = df[dup]
        for sid, g in d.groupby("student_id", sort=True):
            if len(g.drop_duplicates()) > 1:
                lines = ", ".join(str(i) for i in g.index)
                problems.append(
                    Problem(
                        int(g.index[1]),
                        "student_id",
                        str(sid),
                        f"listed more than once with different details (lines {lines})",
                    )
                )
    _raise(name, problems)
    df = df.drop_duplicates(subset=["student_id"], keep="first")
    df["cohort"] = df["cohort"].astype("int64")
    return df.reset_index(drop=True)


def load_records(path: str | Path) -> pd.DataFrame:
    """Activity records (``student_id,category,amount,date``), validated.

    Returns ``student_id``, ``category`` (a categorical of the English keys, Chinese labels
    mapped), ``units`` (the amount as an exact integer of 1/1000 hour, or 1/1000 certificate)
    and ``date`` (datetime64[s]; ISO and ROC dates accepted). Categories, amounts and dates are
    parsed once per distinct value, so ten million records cost little more than reading them.
    """
    name = str(path)
    df = read_table(path, RECORD_COLUMNS, raw=RECORD_COLUMNS, coded=("category", "amount", "date"))

    def categories() -> tuple[np.ndarray, list[Problem]]:
        codes, uniques = pd.factorize(df["category"], use_na_sentinel=True)
        keys = [CATEGORY_ALIASES.get(str(u).strip()) for u in uniques]
        # one extra last slot: code -1 (an empty cell) maps to it
        cat_code = np.array([CATEGORIES.index(k) if k else -1 for k in keys] + [-1], dtype=np.int8)[
            codes
        ]
        allowed = ", ".join(CATEGORY_ALIASES)
        return cat_code, [
            Problem(
                int(i),
                "category",
                None if codes[k] < 0 else str(uniques[codes[k]]),
                f"unknown category (use one of {allowed})",
            )
            for k, i in zip(np.flatnonzero(cat_code < 0), df.index[cat_code < 0], strict=True)
        ]

    def ids() -> tuple[pd.Series, list[Problem]]:
        sid = clean_text(df["student_id"])
        return sid, [
            Problem(int(i), "student_id", None, "missing value") for i in df.index[sid.isna()]
        ]

    # The four columns are independent: checked side by side, one thread per core.
    (sid, p0), (cat_code, p1), (units, p2), (dates, p3) = map_threads(
        lambda task: task(),
        [
            ids,
            categories,
            lambda: parse_fixed(df["amount"], "amount", scale=UNIT, lo=0),
            lambda: parse_dates(df["date"], "date"),
        ],
    )
    problems = p0 + p1 + p2 + p3
    u = units.to_numpy(dtype=np.int64, na_value=0)
    whole = (cat_code == CATEGORIES.index("certificate")) & (u % UNIT != 0)
    problems += [
        Problem(int(i), "amount", str(df["amount"][i]), "must be a whole number")
        for i in df.index[whole]
    ]
    _raise(name, problems)
    return pd.DataFrame(
        {
            "student_id": sid.array,
            "category": pd.Categorical.from_codes(cat_code, categories=list(CATEGORIES)),
            "units": units.to_numpy(dtype=np.int64),
            "date": dates.to_numpy(),
        }
    )


def load_published(path: str | Path) -> pd.DataFrame:
    """A published pass-rate table: ``college,department,students`` and per category
    ``<cat>_passed,<cat>_rate`` (optionally ``all_passed,all_rate``).

    Counts are integers; rates stay as exact ``Decimal``-comparable strings in hundredths
    (``rate_hundredths``), so a published ``85.41`` is compared digit for digit.
    """
    name = str(path)
    cats = [*THRESHOLD_CATEGORIES]
    cols = ["college", "department", "students"]
    for c in cats:
        cols += [f"{c}_passed", f"{c}_rate"]
    df = read_table(path, cols, optional=["all_passed", "all_rate"])
    if "all_passed" in df.columns and "all_rate" in df.columns:
        cats.append("all")
    problems: list[Problem] = [
        Problem(int(i), "college", None, "missing value") for i in df.index[df["college"].isna()]
    ]
    out = df[["college", "department"]].copy()
    out["department"] = out["department"].fillna("")
    n, p = parse_fixed(df["students"], "students", scale=1, lo=0)
    problems += p
    out["students"] = n
    for c in cats:
        k, p = parse_fixed(df[f"{c}_passed"], f"{c}_passed", scale=1, lo=0, required=c != "all")
        problems += p
        r, p = parse_fixed(
            df[f"{c}_rate"], f"{c}_rate", scale=100, lo=0, hi=10000, required=c != "all"
        )
        problems += p
        out[f"{c}_passed"] = k
        out[f"{c}_rate"] = r  # hundredths of a percent, exact
    _raise(name, problems)
    out.index.name = "line"
    return out


def load_pass_table(path: str | Path) -> pd.DataFrame:
    """A ``pass-rates`` output by department, read back (counts as integers)."""
    cols = [
        "college",
        "department",
        "students",
        *[f"{c}_passed" for c in (*THRESHOLD_CATEGORIES, "all")],
    ]
    df = read_table(path, cols)
    problems: list[Problem] = []
    out = df[["college", "department"]].copy()
    out["department"] = out["department"].fillna("")
    for c in cols[2:]:
        v, p = parse_fixed(df[c], c, scale=1, lo=0)
        problems += p
        out[c] = v
    _raise(str(path), problems)
    return out.reset_index(drop=True)
