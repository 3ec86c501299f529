"""Reading inputs (CSV in UTF-8, UTF-8 with BOM or Big5/cp950; XLSX; Parquet), ROC dates, exact
amounts, the project's ``InputError``, and atomic writes."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "Problem",
    "InputError",
    "read_table",
    "parse_dates",
    "parse_date",
    "parse_fixed",
    "atomic_path",
    "atomic_dir",
    "write_csv",
]

MAX_LISTED = 1000
_UMASK = os.umask(0)
os.umask(_UMASK)  # problems printed per file; the total is always given


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input: where (line, column), what value, and why."""

    line: int | None
    column: str | None
    value: str | None
    message: str

    def format(self, path: str) -> str:
        where = path if self.line is None else f"{path}:{self.line}"
        col = f" column {self.column!r}" if self.column else ""
        val = "" if self.value is None else f" value {self.value!r}"
        return f"{where}:{col}{val}: {self.message}"


@dataclass
class InputError(Exception):
    """Input that breaks its data contract; carries every problem found, not only the first."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self, limit: int = MAX_LISTED) -> str:
        lines = [p.format(self.path) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems in {self.path}")
        n = len(self.problems)
        head = f"{self.path}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([head, *lines])

    def __str__(self) -> str:
        return self.message()


# ---------------------------------------------------------------------------- reading


def _read_csv_arrow(path: Path, coded: Sequence[str]) -> pa.Table:
    """A CSV as an Arrow table of text: UTF-8 (with or without BOM) read directly, anything else
    that is not valid UTF-8 taken as Big5/cp950 (Taiwanese school systems). The ``coded``
    columns come dictionary-encoded: a few hundred distinct dates or amounts over millions of
    rows, hashed while the reader's threads convert them, and parsed once each afterwards."""
    convert = pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True)
    coded_type = pa.dictionary(pa.int32(), pa.string())
    with path.open("rb") as fh:
        head = fh.readline()

    def text_columns(header: str) -> dict[str, pa.DataType]:
        names = [c.strip().strip('"') for c in header.lstrip("\ufeff").strip().split(",")]
        return {c: coded_type if c in coded else pa.string() for c in names}

    convert.column_types = text_columns(head.decode("utf-8", errors="replace"))
    try:
        return pacsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "UTF8" not in str(exc).upper().replace("-", ""):
            raise
    convert.column_types = text_columns(head.decode("cp950", errors="replace"))
    return pacsv.read_csv(
        path, read_options=pacsv.ReadOptions(encoding="cp950"), convert_options=convert
    )


def read_table(
    path: str | Path,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
    raw: Sequence[str] = (),
    coded: Sequence[str] = (),
    label: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file holding at least ``columns`` (and ``optional`` ones if there).

    Text columns come back as (Arrow-backed) pandas strings with surrounding blanks removed and
    empty cells as missing, except the ``raw`` columns, left as read for the caller to clean
    (``clean_text``) or to parse value by distinct value (``parse_fixed``, ``parse_dates``).
    The ``coded`` columns come dictionary-encoded (pandas categoricals) where the file allows:
    always from CSV, from Parquet when they are text there. Parquet keeps its own types. The frame's index is the line number in the file (CSV and XLSX: the
    header is line 1; Parquet: row number from 1), so errors can name it. Raises ``InputError``
    for a missing or unreadable file or missing columns.
    """
    path = Path(path)
    name = label or str(path)
    if not path.exists():
        raise InputError(name, [Problem(None, None, None, "file not found")])
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            schema = pq.read_schema(path)
            textual = [
                c for c in coded if c in schema.names and pa.types.is_string(schema.field(c).type)
            ]
            table = pq.read_table(path, read_dictionary=textual)  # dictionary pages: no hashing
            first_line = 1
        elif suffix in (".xlsx", ".xlsm"):
            table = pa.Table.from_pandas(
                pd.read_excel(path, dtype=str, engine="openpyxl"), preserve_index=False
            )
            first_line = 2
        else:
            table = _read_csv_arrow(path, coded)
            first_line = 2
    except (pa.ArrowInvalid, ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(name, [Problem(None, None, None, f"cannot be read: {exc}")]) from None
    names = [str(c).strip().lstrip("\ufeff") for c in table.column_names]
    table = table.rename_columns(names)
    missing = [c for c in columns if c not in names]
    if missing:
        raise InputError(
            name,
            [
                Problem(1, c, None, f"missing column (the header has: {', '.join(names)})")
                for c in missing
            ],
        )
    keep = list(columns) + [c for c in optional if c in names]

    def clean(c: str) -> pa.ChunkedArray:
        col = table.column(c)
        if pa.types.is_null(col.type):
            col = col.cast(pa.string())
        elif pa.types.is_date(col.type):
            col = col.cast(pa.timestamp("s"))
        return col if c in raw else _trimmed(col)

    out = dict(zip(keep, map_threads(clean, keep), strict=True))
    df = pa.table(out).to_pandas(
        types_mapper=lambda t: pd.StringDtype() if pa.types.is_string(t) else None
    )
    df.index = pd.RangeIndex(first_line, first_line + len(df), name="line")
    return df


def _trimmed(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Text without surrounding blanks, empty cells as missing (other types as they are)."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return col
    col = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)


def clean_text(values: pd.Series) -> pd.Series:
    """A raw text column (see ``read_table``) trimmed, empty cells missing."""
    arr = pa.array(values.array)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return pd.Series(
        pd.arrays.ArrowStringArray(_trimmed(arr)), index=values.index, name=values.name
    )


def map_threads(fn, items: Sequence) -> list:  # noqa: ANN001
    """``[fn(x) for x in items]``, one thread per core for large inputs (Arrow, numpy and pandas'
    hashing release the GIL)."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def _by_distinct(values: pd.Series, parse) -> tuple[np.ndarray, list]:  # noqa: ANN001
    """Parse each distinct value once: school data repeat a few hundred amounts and dates over
    millions of rows. Returns the per-row codes into the distinct values (-1: missing) and the
    parsed distinct values. Lookup tables built from ``parsed`` get one extra last slot, so that
    indexing with code -1 lands on it (the missing cells)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, [parse(u) for u in uniques]


# ---------------------------------------------------------------------------- dates

_SEP_DATE = re.compile(r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{3,4})(\d{2})(\d{2})$")
_DATE_HELP = "not a date (use 2025-12-12 or ROC 114/12/12, 114-12-12, 114.12.12, 1141212)"


def _one_date(text: object) -> np.datetime64 | None:
    """One ISO or ROC (民國) date: a four-digit year is Common Era, two or three digits ROC
    (year + 1911); seven digits run together are ROC ``YYYMMDD``, eight ``YYYYMMDD``."""
    t = str(text).strip()
    m = _SEP_DATE.match(t) or _COMPACT_DATE.match(t)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if len(m.group(1)) < 4:
        y += 1911
    try:
        return np.datetime64(dt.date(y, mo, d), "s")
    except ValueError:  # 2025-02-30, month 13
        return None


def parse_dates(
    values: pd.Series, column: str = "date", *, required: bool = True
) -> tuple[pd.Series, list[Problem]]:
    """Parse ISO and ROC (民國) dates; returns datetime64[s] (NaT where missing) and the problems
    found, impossible days such as 2025-02-30 included. Each distinct text is parsed once."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("datetime64[s]")
        missing = out.isna().to_numpy()
        bad = np.zeros(len(out), dtype=bool)
    else:
        codes, parsed = _by_distinct(values, lambda u: "" if not str(u).strip() else _one_date(u))
        lut = np.array(
            [p if isinstance(p, np.datetime64) else np.datetime64("NaT") for p in parsed]
            + [np.datetime64("NaT")],
            dtype="datetime64[s]",
        )
        out = pd.Series(lut[codes], index=values.index)
        missing = np.array([p == "" for p in parsed] + [True], dtype=bool)[codes]
        bad = np.array([p is None for p in parsed] + [False], dtype=bool)[codes]
    problems = (
        [Problem(int(i), column, None, "missing date") for i in values.index[missing]]
        if required
        else []
    )
    problems += [Problem(int(i), column, str(values[i]), _DATE_HELP) for i in values.index[bad]]
    return out, sorted(problems, key=lambda p: p.line or 0)


def parse_date(value: str | dt.date | None, *, what: str = "date") -> dt.date | None:
    """One date from the command line or a notebook parameter (ISO or ROC); None or "" is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = _one_date(value)
    if parsed is None:
        raise InputError(what, [Problem(None, None, str(value), _DATE_HELP)])
    return parsed.astype("datetime64[D]").astype(dt.date)


# ---------------------------------------------------------------------------- amounts


def _fixed_parser(scale: int):  # noqa: ANN202
    def parse(text: object) -> int | str | None:
        t = str(text).strip()
        if not t:
            return None
        try:
            d = Decimal(t)
        except InvalidOperation:
            return "not a number"
        if not d.is_finite():
            return "not a finite number"
        units = d * scale
        if units != units.to_integral_value():
            return f"more than {len(str(scale)) - 1} decimals"
        return int(units)

    return parse


def _float_parser(scale: int):  # noqa: ANN202
    def parse(x: float) -> int | str:
        x = float(x)
        if not np.isfinite(x):
            return "not a finite number"
        scaled = x * scale
        r = round(scaled)
        # A float holding a decimal of the scale is within 1e-9 (relative) of it; farther off,
        # the number had more decimals than the scale holds.
        if abs(scaled - r) > 1e-9 * max(1.0, abs(scaled)):
            return f"more than {len(str(scale)) - 1} decimals"
        return int(r)

    return parse


def parse_fixed(
    values: pd.Series,
    column: str,
    *,
    scale: int,
    lo: int | None = 0,
    hi: int | None = None,
    required: bool = True,
) -> tuple[pd.Series, list[Problem]]:
    """Decimal numbers as exact integers of ``1/scale`` (e.g. hours -> 1/1000 h).

    Text is read with ``Decimal``, each distinct value once, so ``0.3`` is exactly 300/1000; a
    value with more decimals than the scale holds is an error, not a silent rounding. Numeric
    columns (Parquet, Excel) are taken at the decimal they print as. ``lo``/``hi`` bound the
    scaled value (whole-number rules, such as certificates, are the caller's). Missing cells stay
    missing (``<NA>``) unless ``required``.
    """
    problems: list[Problem] = []
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        # Numbers (Parquet, Excel, a typed CSV column): each distinct float is taken as the
        # multiple of 1/scale it stands for (0.3 -> 300/1000), checked to be one.
        codes, parsed = _by_distinct(values, _float_parser(scale))
    else:
        codes, parsed = _by_distinct(values, _fixed_parser(scale))
    # Every check is made once per distinct value; rows are visited only where one fails.
    # Lookup tables carry one extra last slot for code -1 (a missing cell).
    u = np.array([p if isinstance(p, int) else 0 for p in parsed] + [0], dtype=np.int64)
    why = [p if isinstance(p, str) else "" for p in parsed]
    missing_d = np.array([p is None for p in parsed] + [True], dtype=bool)  # "" counts as missing
    valid_d = np.array([isinstance(p, int) for p in parsed] + [False], dtype=bool)
    reasons: list[tuple[np.ndarray, str | None]] = []  # (per-distinct flag, message; None: use why)
    reasons.append((np.array([isinstance(p, str) for p in parsed] + [False], dtype=bool), None))
    if required:
        reasons.append((missing_d, "missing value"))
    if lo is not None:
        word = "negative" if lo == 0 else f"below {lo / scale:g}"
        reasons.append((valid_d & (u < lo), f"{word} value"))
    if hi is not None:
        reasons.append((valid_d & (u > hi), f"above {hi / scale:g}"))
    for flag, message in reasons:
        if flag.any():
            rows = flag[codes]
            for k, i in zip(np.flatnonzero(rows), values.index[rows], strict=True):
                shown = None if message == "missing value" else str(values[i])
                problems.append(Problem(int(i), column, shown, message or why[codes[k]]))
    units = pd.arrays.IntegerArray(u[codes], ~valid_d[codes])
    return pd.Series(units, index=values.index), sorted(problems, key=lambda q: q.line or 0)


# ---------------------------------------------------------------------------- writing


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only if the block succeeds.

    A failure leaves nothing half-written, and whatever was at ``target`` before stays as it was.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder whose files are moved into ``target`` only if the block succeeds.

    Files already in ``target`` that the block does not write are kept.
    """
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=target))
    try:
        yield tmp
        for src in sorted(tmp.rglob("*")):
            if src.is_file():
                dst = target / src.relative_to(tmp)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_csv(
    df: pd.DataFrame, target: str | Path, *, bom: bool = False, float_format: str | None = None
) -> Path:
    """Write a frame as CSV atomically (``bom=True`` for files that Excel opens directly)."""
    target = Path(target)
    with atomic_path(target) as tmp:
        df.to_csv(
            tmp,
            index=False,
            encoding="utf-8-sig" if bom else "utf-8",
            lineterminator="\n",
            float_format=float_format,
        )
    return target
