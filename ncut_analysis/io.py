"""Reading inputs (CSV in UTF-8, UTF-8 with BOM or Big5/cp950; XLSX; Parquet) with the headers
schools write (``headers``: Chinese spellings, title rows, sheets), ROC dates, exact amounts,
the project's ``InputError``, and the package's one writer: atomic, and no cell of a CSV or
XLSX it writes is a live formula."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import re
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import InputError, Problem, joined, say
from .headers import (
    HEADER_ROWS,
    Header,
    HeaderProblem,
    Shape,
    contract_for,
    find_header,
    is_units_row,
    spellings,
)
from .parsing import _trimmed

__all__ = [
    "Problem",
    "InputError",
    "read_arrow",
    "read_shaped",
    "read_header",
    "read_table",
]  # and, re-exported below, every name of ``parsing`` and ``writers``


# ---------------------------------------------------------------------------- reading


def _memory() -> None:
    """How the columns read get their memory, unless the environment says otherwise.

    A load takes a few hundred MB of fresh memory for ten million records, and frees it at the
    next: the time is the system's, mapping and clearing pages (twice the reading itself on
    this machine, measured in ``benchmarks/README.md``). Two settings keep it low:
    - Arrow's buffers come from the system's allocator, as numpy's do
      (ARROW_DEFAULT_MEMORY_POOL names another pool): with Arrow's own pool (mimalloc)
      returning its pages and numpy asking for fresh ones, a million students and ten
      million records took 2.9 s from Parquet and 3.7 s from CSV, with the system's 2.0 / 2.2 s;
    - numpy asks for ordinary pages, not huge ones (NUMPY_MADVISE_HUGEPAGE=1 asks for huge
      ones, numpy's default on Linux): each 2 MB page is cleared whole when first touched, and
      the same load took 2.0 s from Parquet where it takes 1.3 s with ordinary pages.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        from numpy._core import multiarray

        getattr(multiarray, "_set_madvise_hugepage", lambda _on: None)(False)


_memory()


class _NotUtf8(Exception):
    """Arrow found bytes that are not UTF-8 in a file ``_encoding`` took for UTF-8."""


_CHUNK = 16 << 20


def _first_error(path: Path, encoding: str) -> tuple[int, int, int] | None:
    """Where ``path`` stops being ``encoding``: (byte offset, line, the byte), or None when the
    whole file decodes. Read in blocks, so a large file costs no more memory than a block."""
    import codecs

    dec = codecs.getincrementaldecoder(encoding)("strict")
    done, lines = 0, 1
    with path.open("rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            try:
                dec.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                # (the decoder may hold back the bytes of an unfinished character)
                pending = len(dec.getstate()[0]) if hasattr(dec, "getstate") else 0
                at = max(exc.start - pending, 0)
                fh.seek(0)
                head = fh.read(done + at)
                bad = (head + fh.read(1))[-1:]
                return done + at, head.count(b"\n") + 1, bad[0] if bad else 0
            if not block:
                return None
            lines += block.count(b"\n")
            done += len(block)


def _mostly_utf8(path: Path) -> bool:
    """True when a file that is not valid UTF-8 still holds more well-formed UTF-8 characters
    beyond ASCII than bad bytes: UTF-8 with a stray byte, not Big5 (whose pairs are mostly not
    UTF-8)."""
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")("replace")
    good = bad = 0
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            text = dec.decode(block)
            n_bad = text.count("\ufffd")
            bad += n_bad
            good += len(text) - len(text.encode("ascii", "ignore")) - n_bad
    return good > bad


def _head_is_utf8(path: Path) -> bool:
    """Whether a file's first megabyte is UTF-8 (a character cut at its end allowed)."""
    import codecs

    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _say(code: str, **values: object) -> str:
    return say("reading_io", code, **values)


def _encoding(path: Path) -> str:
    """The encoding of a CSV, decided over the whole file: UTF-8 (with or without BOM) when it
    all decodes as UTF-8, else Big5/cp950 when it all decodes as that and is not mostly UTF-8.
    Anything else is an ``InputError`` naming the line of the first byte that fits neither."""
    utf8 = _first_error(path, "utf-8")
    if utf8 is None:
        return "utf-8"
    at, line, byte = utf8
    if _mostly_utf8(path):
        why = _say("stray_byte", byte=f"0x{byte:02X}", at=f"{at:,}")
        raise InputError(str(path), [Problem(line, None, None, why)])
    big5 = _first_error(path, "cp950")
    if big5 is None:
        return "cp950"
    at5, line5, byte5 = big5
    why = _say(
        "no_encoding",
        byte=f"0x{byte:02X}",
        line=f"{line:,}",
        byte5=f"0x{byte5:02X}",
        at5=f"{at5:,}",
    )
    raise InputError(str(path), [Problem(line5, None, None, why)])


def _csv_head(path: Path, encoding: str, shapes: Sequence[Shape]) -> tuple[Header, int]:
    """The header of a CSV (``find_header`` over its first rows) and how many physical lines it
    ends on (title lines, a header over two rows and a units row under it included)."""
    import io as _io

    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    if len(head) == 1 << 20:  # (the last line may be cut: it is not needed)
        text = text[: text.rfind("\n") + 1]
    reader = csv.reader(_io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    ends: list[int] = []
    for row in reader:
        rows.append(row)
        ends.append(reader.line_num)
        if len(rows) > HEADER_ROWS + 1:
            break
    try:
        header = find_header(rows[: HEADER_ROWS + 1], shapes)
    except HeaderProblem as exc:
        raise _header_error(str(path), exc, ends) from None
    last = header.last
    if last + 1 < len(rows) and is_units_row(rows[last + 1]):
        last += 1  # a units row (時數 / 張數) under the header
    return header, ends[last]


def _header_error(name: str, exc: HeaderProblem, ends: Sequence[int] | None = None) -> InputError:
    """The problems of a header that is not there (or names a field twice), at its line."""
    line = (ends[exc.row - 1] + 1 if exc.row else 1) if ends else exc.row + 1
    shown = ", ".join(c.strip() for c in exc.cells if c.strip())
    if exc.twice:
        return InputError(
            name,
            [
                Problem(line, f, " / ".join(cs), _say("twice", columns=joined(cs), field=f))
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
                _say("missing_column", shown=shown, accepted=spellings(exc.shape, f)),
            )
            for f in exc.missing
        ],
    )


def _has_quote(path: Path) -> bool:
    """Whether a file holds a ``"`` byte (in UTF-8 and Big5 only ever the quote itself)."""
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            if b'"' in block:
                return True
    return False


def _read_csv_arrow(
    path: Path, encoding: str, shapes: Sequence[Shape]
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
        encoding="utf8" if encoding == "utf-8" else encoding,
        block_size=16 << 20,
        column_names=names,
        skip_rows=skip,
    )
    # A line break may stand inside a quoted cell; a file with no quote has none, and is read
    # without looking for them (the reader then splits its blocks in parallel: 0.4 s of 1 s).
    parse = pacsv.ParseOptions(newlines_in_values=_has_quote(path))
    try:
        table = pacsv.read_csv(
            path, read_options=read, convert_options=convert, parse_options=parse
        )
        return table, skip + 1, shape
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
                _say("ragged", actual=row.actual_columns, expected=row.expected_columns),
            )
        )
        return "skip"

    read.use_threads = False
    pacsv.read_csv(
        path,
        read_options=read,
        convert_options=convert,
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=ragged),
    )
    raise InputError(str(path), rows)


def _xlsx_text(value: object, number_format: str = "General") -> str | None:
    """An Excel cell as the text it shows: a whole number in its number format where that pads
    it (``00000000``: 4110001 shows as 04110001; literal text in quotes kept), other whole
    numbers without ``.0``, other numbers as stored to 15 significant digits (Excel's own
    precision: 0.1+0.2 shows 0.3; a format's rounding of decimals is display only, the stored
    value is the exact one), dates ISO, a date with a time of day as its day."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)) and "%" in _section(number_format):
        return _percent(value, number_format)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return _padded(value, number_format)
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


_QUOTED = re.compile(r'"([^"]*)"|\\(.)|\[[^\]]*\]|_.|\*.')


def _section(number_format: str | None) -> str:
    """The part of a number format that shows a positive number, without quoted text."""
    return re.sub(r'"[^"]*"', "", (number_format or "General").split(";")[0])


def _percent(value: float, number_format: str) -> str:
    """A number in a percent format as Excel shows it: ``0.8541`` in ``0.00%`` is ``85.41%``
    (a published rate is the number shown), rounded half up to the format's decimals."""
    from decimal import ROUND_HALF_UP, Decimal

    fmt = _section(number_format)
    decimals = len(m.group(1)) if (m := re.search(r"\.([0#]+)", fmt)) else 0
    shown = (Decimal(repr(float(value))) * 100).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )
    return f"{shown}%"


def _padded(value: int, number_format: str) -> str:
    """A whole number as a digits-only number format shows it: ``0`` placeholders pad with
    zeros (``00000000``, ``"S"0000000``); formats with decimals, percent, exponents, grouping
    or dates are left to the stored value."""
    fmt = (number_format or "General").split(";")[0]
    if fmt in ("General", "@", "0", ""):
        return str(value)
    literal: list[str] = []

    def keep(m: re.Match) -> str:
        literal.append(m.group(1) if m.group(1) is not None else (m.group(2) or ""))
        return "\x00"

    shape = re.fullmatch(r"(\x00*)([0#]*0[0#]*)(\x00*)", _QUOTED.sub(keep, fmt))
    if shape is None:
        return str(value)
    before = len(shape.group(1))
    body = str(abs(value)).rjust(shape.group(2).count("0"), "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{''.join(literal[:before])}{body}{''.join(literal[before:])}"


def _xlsx_header(wb, path: Path, shapes: Sequence[Shape], sheet: str | int | None):  # noqa: ANN001, ANN202
    """The sheet (the first that has a header for one of ``shapes``, or ``sheet``: a name or a
    1-based number) and its header."""
    name = str(path)
    if sheet is None:
        # What Excel shows: a hidden (or very hidden) sheet is read only when named.
        sheets = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    elif str(sheet) in wb.sheetnames:
        sheets = [wb[str(sheet)]]
    elif str(sheet).isdigit() and 1 <= int(sheet) <= len(wb.sheetnames):
        sheets = [wb.worksheets[int(sheet) - 1]]
    else:
        known = joined(wb.sheetnames)
        raise InputError(name, [Problem(None, None, str(sheet), _say("no_sheet", known=known))])
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
        hidden = [ws.title for ws in wb.worksheets if ws not in sheets]
        why = _say("all_hidden", hidden=joined(hidden)) if hidden else _say("no_sheets")
        raise InputError(name, [Problem(None, None, None, why)])
    if len(sheets) > 1:
        first_problem.problems.append(
            Problem(
                None,
                None,
                None,
                _say("no_header_sheet", sheets=joined(wb.sheetnames)),
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
        first = True
        for n, row in enumerate(ws.iter_rows(min_row=start), start=start):
            values = [
                _xlsx_text(row[j].value, getattr(row[j], "number_format", "General"))
                if j < len(row)
                else None
                for j, _ in cols
            ]
            if first and is_units_row([c.value for c in row]):
                first = False
                continue  # a units row (時數 / 張數) under the header
            first = False
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
        raise InputError(name, [Problem(None, None, None, _say("not_found"))])
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
                    name, [Problem(None, None, None, _say("unreadable", why=repr(exc)))]
                ) from None
            try:
                return _xlsx_header(wb, path, shapes, sheet)[1].shape
            finally:
                wb.close()
        encoding = "utf-8" if _head_is_utf8(path) else _encoding(path)
        return _csv_head(path, encoding, shapes)[0].shape
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise InputError(name, [Problem(None, None, None, _say("unreadable", why=exc))]) from None


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

    Text comes cleaned as a person reads it (NFKC, no zero-width characters, no surrounding
    blanks) and empty cells missing. The ``coded`` columns come dictionary-encoded instead,
    values as written, for ``decode`` to parse once per distinct value: school files repeat a
    few hundred dates and amounts over millions of rows. CSV is UTF-8 (with or without BOM),
    or Big5/cp950 (Taiwanese school systems), decided over the whole file (``_encoding``); an
    XLSX is read as Excel shows it (visible sheets, number formats, a date-time as its day).
    Parquet keeps its own types. Raises ``InputError`` for a missing or
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
        raise InputError(name, [Problem(None, None, None, _say("not_found"))])
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods"):
        why = _say("old_workbook", suffix=suffix)
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
            pairs = list(zip(schema.names, renamed, strict=True))
            wanted = {*shape.columns, *shape.optional}
            if len(set(schema.names)) == len(schema.names):  # only the columns of the shape
                pairs = [(c, f) for c, f in pairs if f in wanted]
            # Text as the file's dictionary pages (no hashing, half the read), but ids, which
            # have about as many distinct values as rows.
            textual = [
                c
                for c, f in pairs
                if pa.types.is_string(schema.field(c).type) and not f.endswith("_id")
            ]
            table = pq.read_table(path, columns=[c for c, _ in pairs], read_dictionary=textual)
            table = table.rename_columns([f for _, f in pairs])
            return _prepared(table, name, shape), _lines(1, table.num_rows), shape
        if suffix in (".xlsx", ".xlsm"):
            try:
                table, lines, shape = _read_xlsx(path, shapes, sheet)
            except InputError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever a broken workbook makes openpyxl raise
                raise InputError(
                    name, [Problem(None, None, None, _say("unreadable", why=repr(exc)))]
                ) from None
            return _prepared(table, name, shape), lines, shape
        with path.open("rb") as fh:
            if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                why = _say("utf16")
                raise InputError(name, [Problem(None, None, None, why)])
        # A file whose first megabyte is UTF-8 is read as UTF-8 at once (Arrow checks the rest
        # as it reads); only when it is not is the whole file looked at (``_encoding``).
        encoding = "utf-8" if _head_is_utf8(path) else _encoding(path)
        try:
            table, first_line, shape = _read_csv_arrow(path, encoding, shapes)
            table = _prepared(table, name, shape)
        except _NotUtf8:
            if encoding != "utf-8" or (encoding := _encoding(path)) == "utf-8":
                raise
            table, first_line, shape = _read_csv_arrow(path, encoding, shapes)
            table = _prepared(table, name, shape)
        return table, _lines(first_line, table.num_rows), shape
    except (
        pa.ArrowInvalid,
        ValueError,
        OSError,
        UnicodeDecodeError,
        _NotUtf8,
        zipfile.BadZipFile,
    ) as exc:
        why = str(exc).strip() or type(exc).__name__
        raise InputError(name, [Problem(None, None, None, _say("unreadable", why=why))]) from None


def _lines(first: int, n: int) -> pd.RangeIndex:
    return pd.RangeIndex(first, first + n, name="line")


def read_table(
    path: str | Path,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
    coded: Sequence[str] = (),
    contract: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """``read_arrow`` as a pandas frame: text as (Arrow-backed) pandas strings, ``coded``
    columns as categoricals of the values as written, the index the line number in the file."""
    shape = Shape(
        contract if contract is not None else contract_for(columns),
        tuple(columns),
        tuple(optional),
        tuple(coded),
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
                Problem(1, c, None, _say("missing_column_plain", shown=", ".join(names)))
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


def map_threads(fn, items: Sequence) -> list:  # noqa: ANN001
    """``[fn(x) for x in items]``, one thread per core for large inputs (Arrow, numpy and pandas'
    hashing release the GIL)."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


# The parsing of coded values lives in ``parsing``, the writing half in ``writers``; their names
# stay importable from here (each module's own ``__all__``, not a second list).
from . import parsing as _parsing  # noqa: E402
from . import writers as _writers  # noqa: E402
from .parsing import *  # noqa: E402, F403
from .writers import *  # noqa: E402, F403

__all__ += [*_parsing.__all__, *_writers.__all__]
