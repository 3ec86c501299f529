"""The data contracts: students, activity records and published tables, validated on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _kernels
from .io import (
    MISSING,
    Bad,
    InputError,
    Problem,
    decode,
    decode_dates,
    decode_fixed,
    map_threads,
    parse_fixed,
    read_arrow,
    read_table,
)
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
    # Each id's first row, by one hash lookup of the ids in themselves (rows not their own
    # first are repeats): one pass, where pandas' duplicated and drop_duplicates take two.
    ids = pa.array(df["student_id"].array)
    first = _kernels.index_in(ids, ids)
    repeat = (first != np.arange(len(df))) & (first >= 0)
    if repeat.any():
        dup = repeat.copy()
        dup[first[repeat]] = True
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
    if repeat.any():
        df = df[~repeat]
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
    table, first_line = read_arrow(path, RECORD_COLUMNS, coded=("category", "amount", "date"))
    n = table.num_rows
    lines = pd.RangeIndex(first_line, first_line + n, name="line")
    sid = table.column("student_id")
    if not (pa.types.is_string(sid.type) or pa.types.is_large_string(sid.type)):
        sid = sid.cast(pa.string())  # numeric ids in a typed file
    no_id = np.flatnonzero(sid.is_null().to_numpy(zero_copy_only=False)) if sid.null_count else []
    problems = [Problem(int(lines[k]), "student_id", None, "missing value") for k in no_id]
    category = np.empty(n, dtype=np.int8)
    amount = table.column("amount")
    # The three columns are decoded side by side (numpy's gathers release the GIL).
    (p1, (units, p2), (dates, p3)) = map_threads(
        lambda task: task(),
        [
            lambda: decode(
                table.column("category"),
                _category_code,
                category,
                column="category",
                index=lines,
                fill=-1,
                missing="missing value",
            ),
            lambda: decode_fixed(amount, "amount", lines, scale=UNIT, lo=0),
            lambda: decode_dates(table.column("date"), "date", lines),
        ],
    )
    problems += p1 + p2 + p3
    certificate = np.flatnonzero(category == CATEGORIES.index("certificate"))
    whole = certificate[units[certificate] % UNIT != 0]
    if len(whole):
        shown = amount.to_pandas()  # (only when there is something to report)
        problems += [
            Problem(int(lines[k]), "amount", str(shown.iloc[k]), "must be a whole number")
            for k in whole
        ]
    _raise(name, problems)
    return pd.DataFrame(
        {
            "student_id": pd.arrays.ArrowStringArray(sid),
            "category": pd.Categorical.from_codes(
                category, categories=list(CATEGORIES), validate=False
            ),
            "units": units,
            "date": dates,
        },
        copy=False,
    )


_CATEGORY_HELP = f"unknown category (use one of {', '.join(CATEGORY_ALIASES)})"


def _category_code(spelled: object) -> object:
    """A category as written -> its position in ``CATEGORIES`` (Chinese labels mapped)."""
    text = "" if spelled is None else str(spelled).strip()
    if not text:
        return MISSING
    key = CATEGORY_ALIASES.get(text)
    return Bad(_CATEGORY_HELP) if key is None else CATEGORIES.index(key)


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
