"""Reading inputs (CSV in UTF-8, UTF-8 with BOM or Big5/cp950; XLSX; Parquet), ROC dates, exact
amounts, the project's ``InputError``, and atomic writes."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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


def _decode_for_csv(raw: bytes) -> tuple[bytes, str]:
    """Bytes as UTF-8 for pyarrow, and the encoding they came in (utf-8-sig, utf-8 or cp950)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:], "utf-8-sig"
    try:
        raw.decode("utf-8")
        return raw, "utf-8"
    except UnicodeDecodeError:
        pass
    # Taiwanese school systems export Big5; cp950 is Microsoft's superset of it.
    return raw.decode("cp950").encode("utf-8"), "cp950"


def read_table(
    path: str | Path,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
    label: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file holding at least ``columns`` (and ``optional`` ones if there).

    Text columns come back as pandas strings with surrounding blanks removed and empty cells as
    missing; Parquet keeps its own types. The frame's index is the line number in the file
    (CSV and XLSX: the header is line 1; Parquet: row number from 1), so errors can name it.
    Raises ``InputError`` for a missing or unreadable file or missing columns.
    """
    path = Path(path)
    name = label or str(path)
    if not path.exists():
        raise InputError(name, [Problem(None, None, None, "file not found")])
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            df = pd.read_parquet(path)
            first_line = 1
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=str, engine="openpyxl")
            first_line = 2
        else:
            raw, _ = _decode_for_csv(path.read_bytes())
            table = pacsv.read_csv(
                io.BytesIO(raw),
                read_options=pacsv.ReadOptions(use_threads=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=None, strings_can_be_null=True, quoted_strings_can_be_null=True
                ),
                parse_options=pacsv.ParseOptions(newlines_in_values=False),
            )
            # Everything as text: the validators below decide what each cell means.
            table = pa.table(
                {
                    n: (c if pa.types.is_string(c.type) else pc.cast(c, pa.string()))
                    for n, c in zip(table.column_names, table.columns, strict=True)
                }
            )
            df = table.to_pandas(
                types_mapper=lambda t: pd.StringDtype() if t == pa.string() else None
            )
            first_line = 2
    except InputError:
        raise
    except (pa.ArrowInvalid, ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(name, [Problem(None, None, None, f"cannot be read: {exc}")]) from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            name,
            [
                Problem(1, c, None, f"missing column (the header has: {', '.join(df.columns)})")
                for c in missing
            ],
        )
    df = df[list(columns) + [c for c in optional if c in df.columns]]
    for c in df.columns:
        if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype):
            s = df[c].astype("string").str.strip()
            df[c] = s.mask(s == "")
    df.index = pd.RangeIndex(first_line, first_line + len(df), name="line")
    return df


# ---------------------------------------------------------------------------- dates

_SEP_DATE = re.compile(r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{3,4})(\d{2})(\d{2})$")
_DATE_HELP = "not a date (use 2025-12-12 or ROC 114/12/12, 114-12-12, 114.12.12, 1141212)"


def _strptime(s: pd.Series) -> pd.Series:
    """ISO ``YYYY-MM-DD`` text -> datetime64[s]; anything else (or an impossible day) -> NaT."""
    arr = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.string())
    parsed = pc.strptime(arr, format="%Y-%m-%d", unit="s", error_is_null=True)
    # Arrow rolls 2025-02-30 over to 03-02; only a date that prints back as given is real.
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), arr)
    parsed = pc.if_else(pc.fill_null(same, False), parsed, pa.scalar(None, parsed.type))
    return pd.Series(parsed.to_numpy(zero_copy_only=False), index=s.index).astype("datetime64[s]")


def parse_dates(values: pd.Series, column: str = "date") -> tuple[pd.Series, list[Problem]]:
    """Parse ISO and ROC (民國) dates, vectorised; returns datetime64[s] and the problems found.

    A year of four digits is Common Era, of two or three digits ROC (year + 1911); seven digits
    run together are ROC ``YYYMMDD``, eight are ``YYYYMMDD``.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("datetime64[s]")
        bad = out.isna()
        return out, [Problem(int(i), column, None, "missing date") for i in values.index[bad]]
    s = values.astype("string")
    # Fast path: ISO dates, parsed by Arrow in one call.
    out = _strptime(s)
    todo = out.isna() & s.notna()
    problems = [Problem(int(i), column, None, "missing date") for i in s.index[s.isna()]]
    if todo.any():
        rest = s[todo]
        parts = rest.str.extract(_SEP_DATE)
        compact = rest.str.extract(_COMPACT_DATE)
        parts = parts.fillna(compact)
        y = pd.to_numeric(parts[0], errors="coerce")
        y = y.where(parts[0].str.len() == 4, y + 1911)
        iso_text = (
            y.astype("Int64").astype("string").str.zfill(4)
            + "-"
            + parts[1].str.zfill(2)
            + "-"
            + parts[2].str.zfill(2)
        )
        built = _strptime(iso_text)
        out[todo] = built.astype("datetime64[s]")
        bad = todo & out.isna()
        problems += [Problem(int(i), column, str(s[i]), _DATE_HELP) for i in s.index[bad]]
    return out, sorted(problems, key=lambda p: p.line or 0)


def parse_date(value: str | dt.date | None, *, what: str = "date") -> dt.date | None:
    """One date from the command line or a notebook parameter (ISO or ROC); None or "" is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed, problems = parse_dates(pd.Series([str(value).strip()], index=[1]), what)
    if problems:
        raise InputError(what, [Problem(None, None, str(value), _DATE_HELP)])
    return parsed.iloc[0].date()


# ---------------------------------------------------------------------------- amounts


def parse_fixed(
    values: pd.Series,
    column: str,
    *,
    scale: int,
    lo: int | None = 0,
    hi: int | None = None,
    required: bool = True,
    integral: pd.Series | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """Decimal numbers as exact integers of ``1/scale`` (e.g. hours -> 1/1000 h), vectorised.

    A value with more decimals than the scale holds is an error, not a silent rounding.
    ``lo``/``hi`` bound the scaled value; ``integral`` marks rows that must be whole numbers.
    Missing cells stay missing (``<NA>``) unless ``required``.
    """
    problems: list[Problem] = []
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        num = values.astype("float64")
        text = None
    else:
        text = values.astype("string")
        num = pd.to_numeric(text, errors="coerce").astype("float64")
        nonnum = num.isna() & text.notna()
        problems += [
            Problem(int(i), column, str(text[i]), "not a number") for i in text.index[nonnum]
        ]
    missing = values.isna()
    if required:
        problems += [Problem(int(i), column, None, "missing value") for i in values.index[missing]]
    scaled = num.to_numpy() * scale
    rounded = np.rint(scaled)
    finite = np.isfinite(scaled)
    # Floats of decimal strings are within 1e-9 of the exact scaled value; anything farther had
    # more decimals than the scale holds.
    off = finite & (np.abs(scaled - rounded) > 1e-6 * np.maximum(1.0, np.abs(scaled)))
    inf = ~finite & num.notna().to_numpy()
    shown = text if text is not None else values.astype("string")
    digits = len(str(scale)) - 1
    problems += [
        Problem(int(i), column, str(shown[i]), f"more than {digits} decimals")
        for i in values.index[off]
    ]
    problems += [
        Problem(int(i), column, str(shown[i]), "not a finite number") for i in values.index[inf]
    ]
    out = pd.Series(
        pd.array(np.where(finite, rounded, 0).astype("int64"), dtype="Int64"), index=values.index
    )
    out = out.mask(~finite | num.isna().to_numpy())
    if lo is not None:
        low = (out < lo).fillna(False)
        word = "negative" if lo == 0 else f"below {lo / scale:g}"
        problems += [
            Problem(int(i), column, str(shown[i]), f"{word} value") for i in values.index[low]
        ]
    if hi is not None:
        high = (out > hi).fillna(False)
        problems += [
            Problem(int(i), column, str(shown[i]), f"above {hi / scale:g}")
            for i in values.index[high]
        ]
    if integral is not None:
        frac = ((out % scale) != 0).fillna(False) & integral
        problems += [
            Problem(int(i), column, str(shown[i]), "must be a whole number")
            for i in values.index[frac]
        ]
    return out, problems


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
