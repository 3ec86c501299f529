"""Reading inputs (CSV in UTF-8, UTF-8 with BOM or Big5/cp950; XLSX; Parquet) with the headers
schools write (``headers``: Chinese spellings, title rows, sheets), ROC dates, exact amounts,
the project's ``InputError``, and the package's one writer: atomic, and no cell of a CSV or
XLSX it writes is a live formula."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import InputError, Problem
from .headers import HEADER_ROWS, Header, HeaderProblem, Shape, contract_for, find_header, spellings

__all__ = [
    "Problem",
    "InputError",
    "read_arrow",
    "read_shaped",
    "read_header",
    "read_table",
    "Bad",
    "MISSING",
    "decode",
    "decode_dates",
    "decode_fixed",
    "parse_dates",
    "parse_date",
    "parse_fixed",
    "atomic_path",
    "atomic_dir",
    "write_csv",
    "csv_text",
    "csv_safe",
    "text_as_text",
    "save_workbook",
    "write_xlsx",
    "FORMULA_STARTS",
]


# ---------------------------------------------------------------------------- reading


class _NotUtf8(Exception):
    """A CSV read as UTF-8 holds bytes that are not UTF-8: it is read again as Big5/cp950."""


def _csv_head(path: Path, encoding: str | None, shapes: Sequence[Shape]) -> tuple[Header, int]:
    """The header of a CSV (``find_header`` over its first rows) and how many physical lines it
    ends on (title lines and a header over two rows included). ``_NotUtf8`` when those lines
    are not UTF-8 and no encoding was given."""
    lines: list[str] = []
    with path.open("rb") as fh:
        for _ in range(HEADER_ROWS * 20):  # enough lines for the rows, quoted line breaks too
            raw = fh.readline()
            if not raw:
                break
            try:
                lines.append(raw.decode(encoding or "utf-8", errors="strict"))
            except UnicodeDecodeError:
                if encoding is None:
                    raise _NotUtf8 from None
                lines.append(raw.decode(encoding, errors="replace"))
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    reader = csv.reader(lines)
    rows: list[list[str]] = []
    ends: list[int] = []
    for row in reader:
        rows.append(row)
        ends.append(reader.line_num)
        if len(rows) > HEADER_ROWS:
            break
    try:
        header = find_header(rows, shapes)
    except HeaderProblem as exc:
        raise _header_error(str(path), exc, ends) from None
    return header, ends[header.last]


def _header_error(name: str, exc: HeaderProblem, ends: Sequence[int] | None = None) -> InputError:
    """The problems of a header that is not there (or names a field twice), at its line."""
    line = (ends[exc.row - 1] + 1 if exc.row else 1) if ends else exc.row + 1
    shown = ", ".join(c.strip() for c in exc.cells if c.strip())
    if exc.twice:
        return InputError(
            name,
            [
                Problem(
                    line, f, " / ".join(cs), f"columns {', '.join(map(repr, cs))} both mean {f}"
                )
                for f, cs in exc.twice.items()
            ],
        )
    return InputError(
        name,
        [
            Problem(
                line,
                f,
                None,
                f"missing column (the header has: {shown}; accepted: {spellings(exc.shape, f)})",
            )
            for f in exc.missing
        ],
    )


def _read_csv_arrow(
    path: Path, encoding: str | None, shapes: Sequence[Shape]
) -> tuple[pa.Table, int, Shape]:
    """A CSV's columns named by its header (found under any title lines, ``_csv_head``), each as
    text exactly as written (no type guessing, no null markers), the shape's ``coded`` ones
    dictionary-encoded by the reader's own threads as it converts them (each block its own
    dictionary), as bytes: they are checked to be UTF-8 afterwards (``_text``), once per
    distinct value. Columns no field claims are not read. Returns the table, the line number of
    its first row and the shape the header satisfied. ``_NotUtf8`` if the text is not UTF-8."""
    header, skip = _csv_head(path, encoding, shapes)
    shape = header.shape
    # Arrow names the columns: a field's name where the header names one, a placeholder else.
    names = [f if f else f"\x00{j}" for j, f in enumerate(header.fields)]
    wanted = [f for f in header.fields if f]
    coded_type = pa.dictionary(pa.int32(), pa.binary())
    convert = pacsv.ConvertOptions(
        column_types={c: coded_type if c in shape.coded else pa.string() for c in wanted},
        include_columns=wanted,
    )
    # Large blocks: a few dozen chunks for a big file, so the per-chunk steps after it stay cheap.
    # (UTF-8 is the reader's own encoding: naming it would route the bytes through a transcoder.)
    read = pacsv.ReadOptions(
        encoding=encoding or "utf8", block_size=16 << 20, column_names=names, skip_rows=skip
    )
    try:
        return pacsv.read_csv(path, read_options=read, convert_options=convert), skip + 1, shape
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc).upper().replace("-", ""):
            raise _NotUtf8 from exc
        if "columns, got" not in str(exc):
            raise
    # Rows with too many or too few fields: read again in one thread, which knows line numbers,
    # to name every such line.
    rows: list[Problem] = []

    def ragged(row: pacsv.InvalidRow) -> str:
        rows.append(
            Problem(
                row.number,
                None,
                row.text,
                f"{row.actual_columns} fields where the header has {row.expected_columns}",
            )
        )
        return "skip"

    read.use_threads = False
    pacsv.read_csv(
        path,
        read_options=read,
        convert_options=convert,
        parse_options=pacsv.ParseOptions(invalid_row_handler=ragged),
    )
    raise InputError(str(path), rows)


def _xlsx_text(value: object) -> str | None:
    """An Excel cell as the text it shows: whole numbers without ``.0``, other numbers to 15
    significant digits (Excel's own precision: 0.1+0.2 shows 0.3), dates ISO."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _xlsx_header(wb, path: Path, shapes: Sequence[Shape], sheet: str | int | None):  # noqa: ANN001, ANN202
    """The sheet (the first that has a header for one of ``shapes``, or ``sheet``: a name or a
    1-based number) and its header."""
    name = str(path)
    if sheet is None:
        sheets = list(wb.worksheets)
    elif str(sheet) in wb.sheetnames:
        sheets = [wb[str(sheet)]]
    elif str(sheet).isdigit() and 1 <= int(sheet) <= len(wb.sheetnames):
        sheets = [wb.worksheets[int(sheet) - 1]]
    else:
        known = ", ".join(wb.sheetnames)
        raise InputError(
            name, [Problem(None, None, str(sheet), f"no such sheet (sheets: {known})")]
        )
    first_problem: InputError | None = None
    for ws in sheets:
        ws.reset_dimensions()  # (a stored size can be wrong: read the rows that are there)
        head = list(itertools.islice(ws.iter_rows(values_only=True), HEADER_ROWS + 1))
        try:
            return ws, find_header(head, shapes)
        except HeaderProblem as exc:
            err = _header_error(name, exc)
            if exc.twice:
                raise err from None
            first_problem = first_problem or err
    if first_problem is None:
        raise InputError(name, [Problem(None, None, None, "no sheet")])
    if len(sheets) > 1:
        first_problem.problems.append(
            Problem(
                None, None, None, f"no sheet has the header (sheets: {', '.join(wb.sheetnames)})"
            )
        )
    raise first_problem


def _read_xlsx(
    path: Path, shapes: Sequence[Shape], sheet: str | int | None
) -> tuple[pa.Table, pd.Index, Shape]:
    """The first sheet (or ``sheet``) whose first rows hold a header for one of ``shapes``: its
    columns as text (``_xlsx_text``) and each row's line number, the sheet's own row. Empty
    rows are left out, as a CSV reader does with blank lines."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws, header = _xlsx_header(wb, path, shapes, sheet)
        cols = [(j, f) for j, f in enumerate(header.fields) if f]
        data: dict[str, list[str | None]] = {f: [] for _, f in cols}
        rows: list[int] = []
        start = header.last + 2
        for n, row in enumerate(ws.iter_rows(min_row=start, values_only=True), start=start):
            values = [_xlsx_text(row[j]) if j < len(row) else None for j, _ in cols]
            if any(v is not None and v.strip() for v in values):
                rows.append(n)
                for (_, f), v in zip(cols, values, strict=True):
                    data[f].append(v)
        table = pa.table({f: pa.array(v, pa.string()) for f, v in data.items()})
        return table, pd.Index(np.array(rows, dtype=np.int64), name="line"), header.shape
    finally:
        wb.close()


def _text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Bytes (or dictionary-encoded bytes) as UTF-8 text; ``_NotUtf8`` if they are not."""
    try:
        if pa.types.is_dictionary(col.type):
            return pa.chunked_array(
                [
                    pa.DictionaryArray.from_arrays(ch.indices, ch.dictionary.cast(pa.string()))
                    for ch in col.chunks
                ],
                pa.dictionary(col.type.index_type, pa.string()),
            )
        return col.cast(pa.string())
    except pa.ArrowInvalid as exc:
        raise _NotUtf8 from exc


def read_header(
    path: str | Path, shapes: Sequence[Shape], *, sheet: str | int | None = None
) -> Shape:
    """Which of ``shapes`` a file's header satisfies, reading only the header (``InputError``
    as ``read_shaped`` would if none)."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError(name, [Problem(None, None, None, "file not found")])
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            try:
                return find_header([pq.read_schema(path).names], shapes).shape
            except HeaderProblem as exc:
                raise _header_error(name, exc) from None
        if suffix in (".xlsx", ".xlsm"):
            import openpyxl

            try:
                wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            except Exception as exc:  # noqa: BLE001 - whatever a broken workbook makes openpyxl raise
                raise InputError(
                    name, [Problem(None, None, None, f"cannot be read: {exc!r}")]
                ) from None
            try:
                return _xlsx_header(wb, path, shapes, sheet)[1].shape
            finally:
                wb.close()
        try:
            return _csv_head(path, None, shapes)[0].shape
        except _NotUtf8:
            return _csv_head(path, "cp950", shapes)[0].shape
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise InputError(name, [Problem(None, None, None, f"cannot be read: {exc}")]) from None


def read_arrow(
    path: str | Path,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
    coded: Sequence[str] = (),
    contract: str | None = None,
    sheet: str | int | None = None,
) -> tuple[pa.Table, int]:
    """Read a CSV, XLSX or Parquet file holding at least ``columns`` (and ``optional`` ones if
    there) as an Arrow table of those columns, and the line number of its first row (CSV and
    XLSX: the line after the header; Parquet: 1), so errors can name lines.

    Headers may be spelled as ``contract`` spells them (``rules/columns.toml``; by default the
    contract whose fields include ``columns``), and may stand under title lines: the header is
    the first of the first rows that names every one of ``columns`` (``headers.find_header``);
    in an XLSX the first sheet that has one, or ``sheet``.

    Text comes with surrounding blanks removed and empty cells missing. The ``coded`` columns
    come dictionary-encoded instead, values as written, for ``decode`` to parse once per
    distinct value: school files repeat a few hundred dates and amounts over millions of rows.
    CSV is UTF-8 (with or without BOM), or Big5/cp950 when it is not valid UTF-8 (Taiwanese
    school systems). Parquet keeps its own types. Raises ``InputError`` for a missing or
    unreadable file, a missing column, or two columns that name one field.
    """
    shape = Shape(
        contract if contract is not None else contract_for(columns),
        tuple(columns),
        tuple(optional),
        tuple(coded),
    )
    table, lines, _ = read_shaped(path, [shape], sheet=sheet)
    return table, int(lines[0]) if len(lines) else 2


def read_shaped(
    path: str | Path, shapes: Sequence[Shape], *, sheet: str | int | None = None
) -> tuple[pa.Table, pd.Index, Shape]:
    """``read_arrow`` for a file that may have one of several shapes (e.g. dated records or
    per-student totals): the first shape whose fields a header names wins. Returns the table
    (the shape's columns), each row's line number in the file (a ``RangeIndex`` but for an
    XLSX with empty rows left out) and the shape."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError(name, [Problem(None, None, None, "file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods"):
        why = f"a {suffix} workbook is not read: save it as .xlsx or CSV"
        raise InputError(name, [Problem(None, None, None, why)])
    try:
        if suffix == ".parquet":
            schema = pq.read_schema(path)
            try:
                header = find_header([schema.names], shapes)
            except HeaderProblem as exc:
                raise _header_error(name, exc) from None
            shape = header.shape
            renamed = [f or f"\x00{j}" for j, f in enumerate(header.fields)]
            textual = [
                c
                for c, f in zip(schema.names, renamed, strict=True)
                if f in shape.coded and pa.types.is_string(schema.field(c).type)
            ]
            table = pq.read_table(path, read_dictionary=textual)  # dictionary pages: no hashing
            table = table.rename_columns(renamed)
            return _prepared(table, name, shape), _lines(1, table.num_rows), shape
        if suffix in (".xlsx", ".xlsm"):
            try:
                table, lines, shape = _read_xlsx(path, shapes, sheet)
            except InputError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever a broken workbook makes openpyxl raise
                raise InputError(
                    name, [Problem(None, None, None, f"cannot be read: {exc!r}")]
                ) from None
            return _prepared(table, name, shape), lines, shape
        with path.open("rb") as fh:
            if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                why = "UTF-16 text (Excel's Unicode text) is not read: save it as CSV (UTF-8) or .xlsx"
                raise InputError(name, [Problem(None, None, None, why)])
        try:
            table, first_line, shape = _read_csv_arrow(path, None, shapes)
        except _NotUtf8:
            table, first_line, shape = _read_csv_arrow(path, "cp950", shapes)
        return _prepared(table, name, shape), _lines(first_line, table.num_rows), shape
    except (
        pa.ArrowInvalid,
        ValueError,
        OSError,
        UnicodeDecodeError,
        _NotUtf8,
        zipfile.BadZipFile,
    ) as exc:
        raise InputError(name, [Problem(None, None, None, f"cannot be read: {exc}")]) from None


def _lines(first: int, n: int) -> pd.RangeIndex:
    return pd.RangeIndex(first, first + n, name="line")


def read_table(
    path: str | Path,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
    contract: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """``read_arrow`` as a pandas frame: text as (Arrow-backed) pandas strings, the index the
    line number in the file."""
    shape = Shape(
        contract if contract is not None else contract_for(columns), tuple(columns), tuple(optional)
    )
    table, lines, _ = read_shaped(path, [shape], sheet=sheet)
    df = table.to_pandas(types_mapper=lambda t: pd.StringDtype() if pa.types.is_string(t) else None)
    df.index = lines
    return df


def _prepared(table: pa.Table, name: str, shape: Shape) -> pa.Table:
    """The shape's columns (the header found already named them), trimmed or encoded."""
    columns, optional, coded = shape.columns, shape.optional, shape.coded
    names = list(table.column_names)
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

    def prepare(c: str) -> pa.ChunkedArray:
        col = table.column(c)
        if pa.types.is_null(col.type):  # an empty column
            col = col.cast(pa.string())
        elif pa.types.is_date(col.type):
            col = col.cast(pa.timestamp("s"))
        if c not in coded:
            return _trimmed(_text(col) if pa.types.is_binary(col.type) else col)
        if not (pa.types.is_dictionary(col.type) or pa.types.is_temporal(col.type)):
            col = col.dictionary_encode()  # (CSV and Parquet text come encoded already)
        values = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
        return _text(col) if pa.types.is_binary(values) else col

    # The slowest columns first, so that the threads finish together.
    order = sorted(keep, key=lambda c: c not in coded)
    done = dict(zip(order, map_threads(prepare, order), strict=True))
    return pa.table({c: done[c] for c in keep})


def _tidy(col: pa.ChunkedArray) -> bool:
    """True when no value of a text column can be empty or have blanks around it: every value
    has a byte and every byte is printable ASCII (blanks, ASCII or Unicode such as U+3000, are
    control, space or non-ASCII bytes). Two passes over the bytes, no copy; a column that fails
    it is trimmed in full (``_trimmed``)."""
    for ch in col.chunks:
        if len(ch) == 0:
            continue
        _, offsets, data = ch.buffers()[:3]
        width = np.dtype(np.int64 if pa.types.is_large_string(ch.type) else np.int32)
        off = np.frombuffer(
            offsets, dtype=width, count=len(ch) + 1, offset=ch.offset * width.itemsize
        )
        starts, ends = off[:-1], off[1:]
        if ch.null_count:
            valid = ch.is_valid().to_numpy(zero_copy_only=False)
            starts, ends = starts[valid], ends[valid]
        if (ends <= starts).any():  # an empty cell
            return False
        used = np.frombuffer(data, dtype=np.uint8)[off[0] : off[-1]]
        if used.min() <= 0x20 or used.max() >= 0x7F:
            return False
    return True


def _trimmed(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text without surrounding blanks, empty cells as missing (other types as they are)."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)) or _tidy(col):
        return col
    col = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)


def map_threads(fn, items: Sequence) -> list:  # noqa: ANN001
    """``[fn(x) for x in items]``, one thread per core for large inputs (Arrow, numpy and pandas'
    hashing release the GIL)."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


# ---------------------------------------------------------------------------- coded values


@dataclass(frozen=True)
class Bad:
    """A distinct value a parser rejects, and why."""

    message: str


MISSING = object()  # what a parser returns for an empty value


def decode(
    values: pd.Series | pa.ChunkedArray,
    parse: Callable[[object], object],
    out: np.ndarray,
    *,
    column: str,
    index: pd.Index,
    fill: object,
    missing: str | None,
    valid: np.ndarray | None = None,
) -> list[Problem]:
    """Parse a column one distinct value at a time into ``out`` (a row each).

    ``values`` is a pandas column (factorized here) or a dictionary-encoded Arrow column (from
    ``read_arrow``; its chunks may carry different dictionaries, as Parquet row groups do).
    ``parse`` maps a distinct value to its result, to ``Bad(why)`` or to ``MISSING``; rows it
    rejects get ``fill`` (and ``False`` in ``valid``, if given) and a problem naming the line
    (``index``), column and value. ``missing`` is the message for an empty or missing cell, None
    if one is allowed. Every check is made once per distinct value; rows are visited only where
    one fails, so ten million rows cost two array lookups and no Python per row.
    """
    results: dict[object, object] = {}  # every distinct value parsed, over all the chunks
    problems: list[Problem] = []
    current: list | None = None
    for lo, codes, uniques, nulls in _parts(values):
        if uniques is not current:  # a chunk with a dictionary of its own: its lookup table
            current = uniques
            got = []
            for u in uniques:
                if u not in results:
                    results[u] = parse(u)
                got.append(results[u])
            accepted = [not (r is MISSING or isinstance(r, Bad)) for r in got]
            lut = np.array(
                [r if k else fill for r, k in zip(got, accepted, strict=True)] + [fill]
            ).astype(out.dtype)
            ok = np.array([*accepted, False])
        part = slice(lo, lo + len(codes))
        # Codes run from 0 to len(uniques) (a missing cell): "clip" is numpy's unchecked take.
        np.take(lut, codes, out=out[part], mode="clip")
        if valid is not None:
            np.take(ok, codes, out=valid[part], mode="clip")
        rejected = [
            k for k, r in enumerate(got) if isinstance(r, Bad) or (r is MISSING and missing)
        ]
        if rejected or (nulls and missing):
            flag = np.zeros(len(got) + 1, dtype=bool)
            flag[rejected] = True
            flag[-1] = bool(missing)
            for k in np.flatnonzero(flag[codes]):
                r = got[codes[k]] if codes[k] < len(got) else MISSING
                line = int(index[lo + k])
                if r is MISSING:
                    problems.append(Problem(line, column, None, missing))
                else:
                    problems.append(Problem(line, column, str(uniques[codes[k]]), r.message))
    return sorted(problems, key=lambda p: p.line or 0)


def _parts(values: pd.Series | pa.ChunkedArray) -> Iterator[tuple[int, np.ndarray, list, bool]]:
    """(first row, codes, distinct values, whether any cell is missing) per chunk of a column;
    a code is a position in the distinct values, or one past the last for a missing cell."""
    if isinstance(values, pd.Series):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        missing = codes < 0
        codes[missing] = len(uniques)
        yield 0, codes, list(uniques), bool(missing.any())
        return
    lo, previous, uniques = 0, None, []
    for ch in values.chunks:
        # the same list again while the dictionary is the same (``decode`` keeps its table)
        if previous is None or not ch.dictionary.equals(previous):
            previous, uniques = ch.dictionary, ch.dictionary.to_pylist()
        nulls = ch.null_count > 0
        codes = (pc.fill_null(ch.indices, len(uniques)) if nulls else ch.indices).to_numpy()
        yield lo, codes, uniques, nulls
        lo += len(ch)


# ---------------------------------------------------------------------------- dates

_SEP_DATE = re.compile(r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{3,4})(\d{2})(\d{2})$")
_WORDED_DATE = re.compile(r"^(?:民國)?\s*(\d{2,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_DATE_HELP = (
    "not a date (use 2025-12-12 or ROC 114/12/12, 114-12-12, 114.12.12, 1141212, 114年12月12日)"
)


def _one_date(text: object) -> np.datetime64 | None:
    """One ISO or ROC (民國) date: a four-digit year is Common Era, two or three digits ROC
    (year + 1911); seven digits run together are ROC ``YYYMMDD``, eight ``YYYYMMDD``."""
    t = str(text).strip()
    m = _SEP_DATE.match(t) or _COMPACT_DATE.match(t) or _WORDED_DATE.match(t)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if len(m.group(1)) < 4:
        y += 1911
    try:
        return np.datetime64(dt.date(y, mo, d), "s")
    except ValueError:  # 2025-02-30, month 13
        return None


def _date_parser(text: object) -> object:
    if text is None or not str(text).strip():
        return MISSING
    parsed = _one_date(text)
    return Bad(_DATE_HELP) if parsed is None else parsed


def decode_dates(
    values: pd.Series | pa.ChunkedArray, column: str, index: pd.Index, *, required: bool = True
) -> tuple[np.ndarray, list[Problem]]:
    """Dates (ISO and ROC, 民國), each distinct text parsed once, as datetime64[s] (NaT where
    missing), and the problems found, impossible days such as 2025-02-30 included. Columns
    already typed as dates (Parquet, Excel) are taken as they are."""
    message = "missing date" if required else None
    if isinstance(values, pa.ChunkedArray) and pa.types.is_temporal(values.type):
        values = values.to_pandas()
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("datetime64[s]").to_numpy()
        nat = np.flatnonzero(np.isnat(out)) if message else []
        return out, [Problem(int(index[k]), column, None, message) for k in nat]
    out = np.empty(len(values), dtype="datetime64[s]")
    problems = decode(
        values,
        _date_parser,
        out,
        column=column,
        index=index,
        fill=np.datetime64("NaT"),
        missing=message,
    )
    return out, problems


def parse_dates(
    values: pd.Series, column: str = "date", *, required: bool = True
) -> tuple[pd.Series, list[Problem]]:
    """``decode_dates`` of a pandas column: a datetime64[s] Series on its index."""
    out, problems = decode_dates(values, column, values.index, required=required)
    return pd.Series(out, index=values.index), problems


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


def _fixed_parser(scale: int, lo: int | None, hi: int | None) -> Callable[[object], object]:
    """Text read with ``Decimal`` (so ``0.3`` is exactly 300/1000), or a number taken as the
    multiple of 1/scale it stands for, as an int of 1/scale; more decimals than the scale holds
    is a problem, not a silent rounding. ``lo``/``hi`` bound the scaled value."""
    decimals = len(str(scale)) - 1

    def scaled(value: object) -> object:
        if value is None or (isinstance(value, float) and value != value):  # NaN: pandas' missing
            return MISSING
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value) * scale
        if isinstance(value, (float, np.floating)):
            # A float holding a decimal of the scale is within 1e-9 (relative) of it; farther
            # off, the number had more decimals than the scale holds.
            x = float(value) * scale
            if not np.isfinite(x):
                return Bad("not a finite number")
            r = round(x)
            return (
                int(r)
                if abs(x - r) <= 1e-9 * max(1.0, abs(x))
                else Bad(f"more than {decimals} decimals")
            )
        t = str(value).strip()
        if not t:
            return MISSING
        try:
            d = Decimal(t)
        except InvalidOperation:
            return Bad("not a number")
        if not d.is_finite():
            return Bad("not a finite number")
        units = d * scale
        if units != units.to_integral_value():
            return Bad(f"more than {decimals} decimals")
        return int(units)

    def parse(value: object) -> object:
        units = scaled(value)
        if not isinstance(units, int):
            return units
        if lo is not None and units < lo:
            return Bad(f"{'negative' if lo == 0 else f'below {lo / scale:g}'} value")
        if hi is not None and units > hi:
            return Bad(f"above {hi / scale:g}")
        return units

    return parse


def decode_fixed(
    values: pd.Series | pa.ChunkedArray,
    column: str,
    index: pd.Index,
    *,
    scale: int,
    lo: int | None = 0,
    hi: int | None = None,
    required: bool = True,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, list[Problem]]:
    """Decimal numbers as exact int64 of ``1/scale`` (e.g. hours -> 1/1000 h), each distinct
    value parsed once (``_fixed_parser``); returns the values (0 where missing or rejected; which
    are valid goes into ``valid`` if given) and the problems. Whole-number rules, such as
    certificates, are the caller's."""
    out = np.empty(len(values), dtype=np.int64)
    problems = decode(
        values,
        _fixed_parser(scale, lo, hi),
        out,
        column=column,
        index=index,
        fill=0,
        missing="missing value" if required else None,
        valid=valid,
    )
    return out, problems


def parse_fixed(
    values: pd.Series,
    column: str,
    *,
    scale: int,
    lo: int | None = 0,
    hi: int | None = None,
    required: bool = True,
) -> tuple[pd.Series, list[Problem]]:
    """``decode_fixed`` of a pandas column: a nullable Int64 Series on its index (missing cells
    stay ``<NA>`` unless ``required``)."""
    valid = np.empty(len(values), dtype=bool)
    out, problems = decode_fixed(
        values, column, values.index, scale=scale, lo=lo, hi=hi, required=required, valid=valid
    )
    return pd.Series(pd.arrays.IntegerArray(out, ~valid), index=values.index), problems


# ---------------------------------------------------------------------------- writing


def _umask() -> int:
    """The process's umask, read without leaving it changed (no call reads it otherwise)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _remove_stale_partials(folder: Path) -> None:
    """Staging folders left by a run that was killed (its process is gone) are removed; those of
    a run still going on are not."""
    for old in folder.glob(".partial-*"):
        pid = old.name.split("-")[1] if old.name.count("-") >= 2 else ""
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder whose files are moved into ``target`` only if the block succeeds.

    Files already in ``target`` that the block does not write are kept.
    """
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".partial-{os.getpid()}-", dir=target))
    try:
        yield tmp
        for src in sorted(tmp.rglob("*")):
            if src.is_file():
                dst = target / src.relative_to(tmp)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def csv_text(value: object) -> object:
    """A value as a CSV cell that no spreadsheet runs: text starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading apostrophe, unless it is a plain number
    (``-3``, ``+1.5``); anything else is returned as it is."""
    if (
        isinstance(value, str)
        and value[:1] in FORMULA_STARTS
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _csv_safe_column(col: pd.Series) -> pd.Series:
    """``csv_text`` over a column; the first characters are checked in Arrow, and only flagged
    cells are looked at one by one, so a clean column of millions costs one pass."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        fixed = [csv_text(c) for c in cats]
        return col.cat.rename_categories(fixed) if fixed != list(cats) else col
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        return col
    try:
        arr = pa.array(col.array, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: cell by cell
        return col.map(csv_text, na_action="ignore")
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        if not pa.types.is_null(arr.type):
            return col.map(csv_text, na_action="ignore")
        return col
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    flagged = pc.fill_null(pc.is_in(first, value_set=pa.array(FORMULA_STARTS)), False)
    if not pc.any(flagged).as_py():
        return col
    rows = np.flatnonzero(flagged.to_numpy(zero_copy_only=False))
    out = col.astype(object).copy()
    out.iloc[rows] = [csv_text(v) for v in col.iloc[rows]]
    return out.astype(col.dtype) if pd.api.types.is_string_dtype(col.dtype) else out


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are ``csv_text``."""
    out = df.copy(deep=False)
    for i in range(df.shape[1]):
        out.isetitem(i, _csv_safe_column(df.iloc[:, i]))
    out.columns = [csv_text(c) for c in df.columns]
    return out


def write_csv(
    df: pd.DataFrame, target: str | Path, *, bom: bool = False, float_format: str | None = None
) -> Path:
    """Write a frame as CSV atomically (``bom=True`` for files that Excel opens directly), every
    text cell safe to open in a spreadsheet (``csv_text``). Every CSV the package writes goes
    through here."""
    target = Path(target)
    safe = csv_safe(df)
    with atomic_path(target) as tmp:
        safe.to_csv(
            tmp,
            index=False,
            encoding="utf-8-sig" if bom else "utf-8",
            lineterminator="\n",
            float_format=float_format,
        )
    return target


def text_as_text(wb):  # noqa: ANN001, ANN201 - an openpyxl Workbook, imported lazily
    """Every text cell of an openpyxl workbook stored as text: openpyxl takes a string that
    starts with ``=`` for a formula; such a cell is turned back into a string cell. Returns
    ``wb``."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.data_type = "s"
    return wb


def save_workbook(wb, target: str | Path) -> Path:  # noqa: ANN001 - an openpyxl Workbook
    """Save an openpyxl workbook atomically with no live formula (``text_as_text``). Every
    workbook the package builds cell by cell is saved through here."""
    target = Path(target)
    with atomic_path(target) as tmp:
        text_as_text(wb).save(tmp)
    return target


def write_xlsx(tables: Mapping[str, pd.DataFrame], target: str | Path) -> Path:
    """Frames as one workbook, a sheet each (named by the keys), atomically, text as text: no
    cell of it is a formula. (``report.xlsx.write_workbook``, which also formats the sheets.)"""
    from .report.xlsx import write_workbook

    return write_workbook(dict(tables), target)
