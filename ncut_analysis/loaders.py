"""The data contracts: students, activity records and published tables, validated on load."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import joined, say
from .headers import Shape, aliases, normalize, without_notes
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
    read_shaped,
    read_table,
)
from .labels import LABELS
from .rules import CATEGORIES, THRESHOLD_CATEGORIES, UNIT

__all__ = [
    "STUDENT_COLUMNS",
    "RECORD_COLUMNS",
    "TOTALS_COLUMNS",
    "CATEGORY_ALIASES",
    "load_students",
    "load_records",
    "load_term_data",
    "is_totals",
    "TOTALS_ATTR",
    "records_kind",
    "load_published",
    "load_pass_table",
    "normalize_ids",
    "WESTERN_COHORTS_ATTR",
]

STUDENT_COLUMNS = ("student_id", "name", "college", "department", "class", "cohort", "program")
RECORD_COLUMNS = ("student_id", "category", "amount", "date")
# The certification system's summary (畢業門檻認證摘要): one row a student, a total per category;
# aesthetics may be left out (merged into engagement since 113-2).
TOTALS_COLUMNS = ("student_id", "resilience", "enhancement", "engagement", "certificate")

_RECORDS = Shape("records", RECORD_COLUMNS, coded=("category", "amount", "date"))
_TOTALS = Shape(
    "totals", TOTALS_COLUMNS, optional=("aesthetics",), coded=(*TOTALS_COLUMNS[1:], "aesthetics")
)

# Every spelling a school system uses for a category -> its key (``rules/columns.toml``
# [categories]); a value is matched like a header cell (``headers.normalize``).
CATEGORY_ALIASES: dict[str, str] = {
    **{c: c for c in CATEGORIES},
    **{s: c for c, spelled in aliases("categories").items() for s in spelled},
}
_CATEGORY_KEYS = {normalize(s): c for s, c in CATEGORY_ALIASES.items()}
# The attribute (``DataFrame.attrs``) that marks records built from per-student totals.
TOTALS_ATTR = "totals"
# The attribute of a students frame: how many entry years were Western and converted.
WESTERN_COHORTS_ATTR = "western_cohorts"
_ROC_EPOCH = 1911


def _without(col: pd.Series, pattern: str) -> pd.Series:
    """A text column without what ``pattern`` matches (typed columns as they are)."""
    if not pd.api.types.is_string_dtype(col.dtype):
        return col
    return col.str.replace(pattern, "", regex=True)


def _raise(path: str, problems: list[Problem]) -> None:
    if problems:
        raise InputError(path, sorted(problems, key=lambda p: (p.line or 0, p.column or "")))


def load_students(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Students (``student_id,name,college,department,class,cohort,program``, or the Chinese
    headers of ``rules/columns.toml``), validated.

    Every column but ``name`` is required; ``cohort`` is a whole ROC year. A student_id listed
    twice with the same details is kept once; with different details it is an error.
    """
    name = str(path)
    df = read_table(path, STUDENT_COLUMNS, coded=("cohort",), contract="students", sheet=sheet)
    problems: list[Problem] = []
    for col in ("student_id", "college", "department", "class", "program"):
        problems += [
            Problem(int(i), col, None, say("reading_parsing", "missing_value"))
            for i in df.index[df[col].isna()]
        ]
    # 111, or 111學年度 / 111學年 / 111年 as some exports write the entry year (each distinct
    # value read once)
    suffix = LABELS["reading_patterns"]["cohort_suffix"]
    cohort, p = parse_fixed(df["cohort"], "cohort", scale=1, lo=1, suffix=suffix)
    problems += p
    # A Western entry year (2022) is converted to the ROC year (111): an ROC year has two or
    # three digits until 2911, so a year from 1912 on can only be a Western one.
    western = (cohort >= _ROC_EPOCH + 1).fillna(False)
    cohort = cohort.where(~western, cohort - _ROC_EPOCH)
    df = df.assign(cohort=cohort)
    text_cols = ["student_id", "name", "college", "department", "class", "program"]
    for col in text_cols:
        df[col] = df[col].astype("string")
    ids = pa.array(df["student_id"].array)  # (Arrow-backed: no copy; chunked as read)
    if not isinstance(ids, pa.ChunkedArray):
        ids = pa.chunked_array([ids])
    df["student_id"] = pd.arrays.ArrowStringArray(normalize_ids(ids))
    # Rows whose id an earlier row already has; the ids listed more than once, every row. Ids in
    # increasing order (as a school system lists them) repeat none: one comparison of neighbours.
    # Else Arrow counts the distinct ids (one hash pass in C++): with none repeated, that is all.
    ids = df["student_id"]
    valid = pa.array(ids.array).drop_null()
    if _increasing(valid) or pc.count_distinct(valid).as_py() == len(valid):
        repeat = np.zeros(len(df), dtype=bool)
    else:
        repeat = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    if repeat.any():
        dup = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
        d = df[dup]
        for sid, g in d.groupby("student_id", sort=True):
            if len(g.drop_duplicates()) > 1:
                lines = joined(str(i) for i in g.index)
                problems.append(
                    Problem(
                        int(g.index[1]),
                        "student_id",
                        str(sid),
                        say("reading_loaders", "student_twice", lines=lines),
                    )
                )
    _raise(name, problems)
    if repeat.any():
        df = df[~repeat]
    df["cohort"] = df["cohort"].astype("int64")
    out = df.reset_index(drop=True)
    out.attrs[WESTERN_COHORTS_ATTR] = int(western.to_numpy()[~repeat].sum())
    return out


def load_records(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Activity records (``student_id,category,amount,date``), or per-student totals
    (``student_id,resilience,enhancement,engagement,certificate`` and optionally
    ``aesthetics``: 學號, 抗壓, 精進, 社會接軌, 證照, 美學), told apart by the header; validated.

    Returns ``student_id``, ``category`` (a categorical of the English keys, Chinese labels
    mapped), ``units`` (the amount as an exact integer of 1/1000 hour, or 1/1000 certificate)
    and ``date`` (datetime64[s]; ISO and ROC dates accepted). Categories, amounts and dates are
    parsed once per distinct value, so ten million records cost little more than reading them.

    Totals come as one record per student and category with no date (NaT), so
    ``student_status`` and ``pass_rates`` (without ``as_of``) give what the records they sum
    give; the frame's ``attrs["totals"]`` is True (``is_totals``). Dated records have it False.
    """
    name = str(path)
    table, lines, shape = read_shaped(path, [_RECORDS, _TOTALS], sheet=sheet)
    if shape is _TOTALS:
        return _from_totals(table, lines, name)
    n = table.num_rows
    sid, problems = _ids(table, lines)
    category = np.empty(n, np.int8)
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
                missing=say("reading_parsing", "missing_value"),
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
            Problem(
                int(lines[k]), "amount", str(shown.iloc[k]), say("reading_loaders", "whole_number")
            )
            for k in whole
        ]
    _raise(name, problems)
    out = pd.DataFrame(
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
    out.attrs[TOTALS_ATTR] = False
    return out


def load_term_data(
    students: str | Path,
    records: str | Path,
    *,
    students_sheet: str | int | None = None,
    records_sheet: str | int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A term's students and records (``load_students``, ``load_records``), then each record
    matched to its student once (``_engine.record_slots``), for the check of who is counted and
    every count, date and roster after it. The two files are read one after the other: each
    reader already uses every core, and two side by side gained nothing measurable.
    """
    from . import _engine

    student_frame = load_students(students, sheet=students_sheet)
    record_frame = load_records(records, sheet=records_sheet)
    _engine.record_slots(record_frame, student_frame)
    return student_frame, record_frame


def _increasing(col: pa.ChunkedArray) -> bool:
    """Whether every value of a column without nulls is greater than the one before it (byte
    order for text), so no value repeats."""
    return len(col) < 2 or bool(pc.all(pc.less(col[:-1], col[1:])).as_py())


def _has_lower(col: pa.ChunkedArray) -> bool:
    """Whether any value of a text column holds a byte of ``a``-``z`` (or beyond ASCII, where
    a lower-case letter may hide): one pass over the bytes, no copy."""
    for ch in col.chunks:
        if len(ch) == 0:
            continue
        _, offsets, data = ch.buffers()[:3]
        width = np.dtype(np.int64 if pa.types.is_large_string(ch.type) else np.int32)
        off = np.frombuffer(offsets, dtype=width, count=2, offset=ch.offset * width.itemsize)
        end = np.frombuffer(
            offsets, dtype=width, count=1, offset=(ch.offset + len(ch)) * width.itemsize
        )
        used = np.frombuffer(data, dtype=np.uint8)[off[0] : end[0]] if data else np.zeros(0)
        if len(used) and (((used >= 0x61) & (used <= 0x7A)).any() or used.max() >= 0x80):
            return True
    return False


def normalize_ids(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Student ids as they are matched: NFKC (full-width ３Ａ１１１００１ is 3A111001, done when
    read), upper case (3a111001 is 3A111001). A column of upper-case ASCII is returned as is."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = col.cast(pa.string())  # numeric ids in a typed file
    return pc.utf8_upper(col) if _has_lower(col) else col


def _ids(table: pa.Table, lines: pd.Index) -> tuple[pa.ChunkedArray, list[Problem]]:
    sid = normalize_ids(table.column("student_id"))
    no_id = np.flatnonzero(sid.is_null().to_numpy(zero_copy_only=False)) if sid.null_count else []
    why = say("reading_parsing", "missing_value")
    return sid, [Problem(int(lines[k]), "student_id", None, why) for k in no_id]


def _from_totals(table: pa.Table, lines: pd.Index, name: str) -> pd.DataFrame:
    """Per-student totals as records: a record per student and category (file order, the
    categories in ``CATEGORIES`` order), no date. An empty cell is 0; certificates whole; a
    student listed twice is an error unless the rows are the same (then counted once)."""
    n = table.num_rows
    sid, problems = _ids(table, lines)
    cats = [c for c in CATEGORIES if c in table.column_names]
    amounts: dict[str, np.ndarray] = {}
    for c in cats:
        units, p = decode_fixed(table.column(c), c, lines, scale=UNIT, lo=0, required=False)
        problems += p
        if c == "certificate":
            bad = np.flatnonzero(units % UNIT != 0)
            if len(bad):
                shown = table.column(c).to_pandas()
                problems += [
                    Problem(
                        int(lines[k]), c, str(shown.iloc[k]), say("reading_loaders", "whole_number")
                    )
                    for k in bad
                ]
        amounts[c] = units
    ids = pd.Series(pd.arrays.ArrowStringArray(sid), index=lines)
    frame = pd.DataFrame({"student_id": ids, **{c: amounts[c] for c in cats}}, index=lines)
    dup = ids.duplicated(keep=False) & ids.notna()
    keep = np.ones(n, dtype=bool)
    if dup.any():
        for sid_value, g in frame[dup.to_numpy()].groupby("student_id", sort=True):
            if len(g.drop_duplicates()) > 1:
                problems.append(
                    Problem(
                        int(g.index[1]),
                        "student_id",
                        str(sid_value),
                        say(
                            "reading_loaders",
                            "totals_twice",
                            lines=joined(str(i) for i in g.index),
                        ),
                    )
                )
        keep = ~ids.duplicated(keep="first").to_numpy() | ids.isna().to_numpy()
    _raise(name, problems)
    rows = np.flatnonzero(keep)
    k = len(cats)
    codes = np.tile(np.array([CATEGORIES.index(c) for c in cats], dtype=np.int8), len(rows))
    units = np.stack([amounts[c][rows] for c in cats], axis=1).reshape(-1) if k else np.zeros(0)
    out = pd.DataFrame(
        {
            "student_id": pd.arrays.ArrowStringArray(
                pa.chunked_array([sid.combine_chunks().take(pa.array(np.repeat(rows, k)))])
            ),
            "category": pd.Categorical.from_codes(
                codes, categories=list(CATEGORIES), validate=False
            ),
            "units": units.astype(np.int64),
            "date": np.full(len(rows) * k, np.datetime64("NaT"), dtype="datetime64[s]"),
        },
        copy=False,
    )
    out.attrs[TOTALS_ATTR] = True
    return out


def is_totals(records: pd.DataFrame) -> bool:
    """True when ``records`` came from a per-student totals table (``load_records``): there
    are no dates, so an as-of day, progress over time and change since a date do not apply."""
    if TOTALS_ATTR in records.attrs:
        return bool(records.attrs[TOTALS_ATTR])
    return bool(len(records)) and bool(records["date"].isna().all())


def records_kind(path: str | Path, *, sheet: str | int | None = None) -> str:
    """``"totals"`` or ``"records"``: what a records file holds, from its header alone (for
    refusing ``--as-of`` before any work). Raises ``InputError`` as ``load_records`` would for
    a file that is neither."""
    from .io import read_header

    return read_header(path, [_RECORDS, _TOTALS], sheet=sheet).contract


_CATEGORY_HELP = say("reading_loaders", "unknown_category", known=joined(CATEGORY_ALIASES))


def _category_code(spelled: object) -> object:
    """A category as written -> its position in ``CATEGORIES`` (Chinese labels mapped; blanks,
    English case and a note in brackets ignored)."""
    text = "" if spelled is None else str(spelled).strip()
    if not text:
        return MISSING
    spelled = normalize(text)
    key = (
        CATEGORY_ALIASES.get(text)
        or _CATEGORY_KEYS.get(spelled)
        or _CATEGORY_KEYS.get(without_notes(spelled))  # 美學(併入社會接軌)
    )
    return Bad(_CATEGORY_HELP) if key is None else CATEGORIES.index(key)


def load_published(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """A published pass-rate table: ``college,department,students`` and per category
    ``<cat>_passed,<cat>_rate`` (optionally ``all_passed,all_rate``), or as the slides print
    it (學院, 學系, 大四學生數, then 抗壓 / 精進 / 社會接軌 / 證照 above 通過人數 and 通過率).

    Counts are integers; rates stay as exact ``Decimal``-comparable strings in hundredths
    (``rate_hundredths``), so a published ``85.41`` (or ``85.41%``) is compared digit for
    digit. A 學院 cell left empty under a merged one (as in the slides) is the one above.
    """
    name = str(path)
    cats = [*THRESHOLD_CATEGORIES]
    cols = ["college", "department", "students"]
    for c in cats:
        cols += [f"{c}_passed", f"{c}_rate"]
    df = read_table(
        path, cols, optional=["all_passed", "all_rate"], contract="published", sheet=sheet
    )
    if "all_passed" in df.columns and "all_rate" in df.columns:
        cats.append("all")
    for c in cats:  # 87.10% -> 87.10
        df[f"{c}_rate"] = _without(df[f"{c}_rate"], LABELS["reading_patterns"]["percent"])
    merged = df["college"].isna() & df["department"].notna()
    if merged.any():
        df["college"] = df["college"].where(~merged, df["college"].ffill())
    problems: list[Problem] = [
        Problem(int(i), "college", None, say("reading_parsing", "missing_value"))
        for i in df.index[df["college"].isna()]
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
    _mark_total(out)
    out.index.name = "line"
    return out


def _mark_total(table: pd.DataFrame) -> None:
    """Mark (``level``) the row a published or exported table totals the school on: no
    department, the college cell spelled as a total (全校, 合計 …); its college becomes empty,
    as on a computed table's total row."""
    from .labels import LABELS
    from .thresholds import GROUP, LEVEL, TOTAL

    spellings = {unicodedata.normalize("NFKC", t) for t in LABELS["total_row"]["spellings"]}
    college = (
        table["college"]
        .fillna("")
        .astype(str)
        .map(lambda v: unicodedata.normalize("NFKC", v).strip())
    )
    total = (table["department"].fillna("").astype(str) == "") & college.isin(spellings)
    table.insert(0, LEVEL, pd.array([TOTAL if t else GROUP for t in total], dtype="string"))
    table.loc[total.to_numpy(), "college"] = ""


def load_pass_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """A ``pass-rates`` output by department, read back (counts as integers)."""
    cols = [
        "college",
        "department",
        "students",
        *[f"{c}_passed" for c in (*THRESHOLD_CATEGORIES, "all")],
    ]
    df = read_table(path, cols, contract="published", sheet=sheet)
    problems: list[Problem] = []
    out = df[["college", "department"]].copy()
    out["department"] = out["department"].fillna("")
    for c in cols[2:]:
        v, p = parse_fixed(df[c], c, scale=1, lo=0)
        problems += p
        out[c] = v
    _raise(str(path), problems)
    _mark_total(out)
    return out.reset_index(drop=True)
