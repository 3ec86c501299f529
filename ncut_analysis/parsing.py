"""Parsing the coded columns of an input: each distinct value parsed once (categories, exact
fixed-point amounts, ISO and ROC dates), with the lines of every value that fails."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError, Problem, say
from .headers import ZERO_WIDTH, clean_text
from .labels import LABELS

__all__ = [
    "Bad",
    "MISSING",
    "decode",
    "decode_dates",
    "decode_fixed",
    "parse_dates",
    "parse_date",
    "parse_fixed",
]


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

# A time of day after the date is allowed and dropped (Excel's date-and-time cells).
_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
_SEP_DATE = re.compile(r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_COMPACT_DATE = re.compile(r"^(\d{3,4})(\d{2})(\d{2})$")
_WORDED_DATE = re.compile(LABELS["reading_patterns"]["worded_date"])


def _say(code: str, **values: object) -> str:
    return say("reading_parsing", code, **values)


def _one_date(text: object) -> np.datetime64 | None:
    """One ISO or ROC (民國) date: a four-digit year is Common Era, two or three digits ROC
    (year + 1911); seven digits run together are ROC ``YYYMMDD``, eight ``YYYYMMDD``."""
    t = clean_text(str(text))
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
    return Bad(_say("not_a_date")) if parsed is None else parsed


def decode_dates(
    values: pd.Series | pa.ChunkedArray, column: str, index: pd.Index, *, required: bool = True
) -> tuple[np.ndarray, list[Problem]]:
    """Dates (ISO and ROC, 民國), each distinct text parsed once, as datetime64[s] (NaT where
    missing), and the problems found, impossible days such as 2025-02-30 included. Columns
    already typed as dates (Parquet, Excel) are taken as they are."""
    message = _say("missing_date") if required else None
    if isinstance(values, pa.ChunkedArray) and pa.types.is_temporal(values.type):
        values = values.to_pandas()
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values):
        # a time of day is dropped: a record of 14:30 on the as-of day counts on that day
        out = values.astype("datetime64[s]").to_numpy().astype("datetime64[D]")
        out = out.astype("datetime64[s]")
        nat = np.flatnonzero(np.isnat(out)) if message else []
        return out, [Problem(int(index[k]), column, None, message) for k in nat]
    out = np.empty(len(values), "datetime64[s]")
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
        raise InputError(what, [Problem(None, None, str(value), _say("not_a_date"))])
    return parsed.astype("datetime64[D]").astype(dt.date)


# ---------------------------------------------------------------------------- amounts


# No single amount, count or total in a school file reaches a million (hours, certificates,
# students); the bound keeps every value and every sum of up to nine billion of them inside
# int64 at 1/1000 (a sum that wrapped would turn a pass into 未通過).
_TOO_LARGE = 1_000_000


def _fixed_parser(
    scale: int, lo: int | None, hi: int | None, suffix: str | None = None
) -> Callable[[object], object]:
    """Text read with ``Decimal`` (so ``0.3`` is exactly 300/1000), or a number taken as the
    multiple of 1/scale it stands for, as an int of 1/scale; more decimals than the scale holds
    is a problem, not a silent rounding. ``lo``/``hi`` bound the scaled value; ``suffix`` (a
    pattern) is removed from the end of a text value first (``111學年度`` is 111)."""
    decimals = len(str(scale)) - 1
    strip = re.compile(suffix).sub if suffix else None

    def scaled(value: object) -> object:
        if value is None or (isinstance(value, float) and value != value):  # NaN: pandas' missing
            return MISSING
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            if abs(int(value)) >= _TOO_LARGE:
                return Bad(_say("too_large", most=f"{_TOO_LARGE:,}"))
            return int(value) * scale
        if isinstance(value, (float, np.floating)):
            # A float holding a decimal of the scale is within 1e-9 (relative) of it; farther
            # off, the number had more decimals than the scale holds.
            x = float(value) * scale
            if not np.isfinite(x):
                return Bad(_say("not_finite"))
            if abs(float(value)) >= _TOO_LARGE:
                return Bad(_say("too_large", most=f"{_TOO_LARGE:,}"))
            r = round(x)
            return (
                int(r)
                if abs(x - r) <= 1e-9 * max(1.0, abs(x))
                else Bad(_say("too_many_decimals", decimals=decimals))
            )
        t = clean_text(str(value))  # full-width １．５ is 1.5
        if strip is not None:
            t = strip("", t).strip()
        if not t:
            return MISSING
        try:
            d = Decimal(t)
        except InvalidOperation:
            return Bad(_say("not_a_number"))
        if not d.is_finite():
            return Bad(_say("not_finite"))
        if abs(d) >= _TOO_LARGE:  # (before scaling: 1e999999 would take long to expand)
            return Bad(_say("too_large", most=f"{_TOO_LARGE:,}"))
        units = d * scale
        if units != units.to_integral_value():
            return Bad(_say("too_many_decimals", decimals=decimals))
        return int(units)

    def parse(value: object) -> object:
        units = scaled(value)
        if not isinstance(units, int):
            return units
        if lo is not None and units < lo:
            return Bad(_say("negative") if lo == 0 else _say("below", lo=f"{lo / scale:,g}"))
        if hi is not None and units > hi:
            return Bad(_say("above", hi=f"{hi / scale:,g}"))
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
    suffix: str | None = None,
) -> tuple[np.ndarray, list[Problem]]:
    """Decimal numbers as exact int64 of ``1/scale`` (e.g. hours -> 1/1000 h), each distinct
    value parsed once (``_fixed_parser``); returns the values (0 where missing or rejected; which
    are valid goes into ``valid`` if given) and the problems. Whole-number rules, such as
    certificates, are the caller's; ``suffix`` as in ``_fixed_parser``."""
    out = np.empty(len(values), np.int64)
    problems = decode(
        values,
        _fixed_parser(scale, lo, hi, suffix),
        out,
        column=column,
        index=index,
        fill=0,
        missing=_say("missing_value") if required else None,
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
    suffix: str | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """``decode_fixed`` of a pandas column: a nullable Int64 Series on its index (missing cells
    stay ``<NA>`` unless ``required``)."""
    valid = np.empty(len(values), dtype=bool)
    out, problems = decode_fixed(
        values,
        column,
        values.index,
        scale=scale,
        lo=lo,
        hi=hi,
        required=required,
        valid=valid,
        suffix=suffix,
    )
    return pd.Series(pd.arrays.IntegerArray(out, ~valid), index=values.index), problems


# ---------------------------------------------------------------------------- text columns


def _tidy(col: pa.ChunkedArray) -> bool:
    """True when no value of a text column can be empty, have blanks around it or change under
    NFKC: every value has a byte and every byte is printable ASCII or part of a CJK ideograph
    (``_cjk_only``; blanks, ASCII or Unicode such as U+3000, are control, space or other
    non-ASCII bytes). A few passes over the bytes, no copy; a column that fails it is cleaned
    (``_trimmed``)."""
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
        if used.min() <= 0x20 or used.max() >= 0x7F and not _cjk_only(used):
            return False
    return True


def _cjk_only(used: np.ndarray) -> bool:
    """Whether text beyond ASCII is only CJK ideographs U+4000-U+9FFF (UTF-8 lead bytes
    0xE4-0xE9), which NFKC leaves as they are and which hold no blank: names, departments and
    classes as the school writes them. Full-width forms, compatibility ideographs, U+3000 and
    zero-width characters have other lead bytes, and such a column is cleaned in full."""
    return not ((used == 0x7F) | ((used >= 0xC0) & ((used < 0xE4) | (used > 0xE9)))).any()


def _trimmed(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text as a person reads it (``headers.clean_text``): NFKC, no zero-width characters, no
    surrounding blanks, empty cells as missing (other types as they are). A column of plain
    printable ASCII (``_tidy``) is returned as it is, at the cost of one pass."""
    if pa.types.is_dictionary(col.type):  # each chunk's distinct values cleaned, then spread
        values = pa.chunked_array([ch.dictionary for ch in col.chunks], col.type.value_type)
        if _tidy(values):
            return col.cast(col.type.value_type)
        return pa.chunked_array(
            [pc.take(_clean(ch.dictionary), ch.indices) for ch in col.chunks],
            col.type.value_type,
        )
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)) or _tidy(col):
        return col
    # A column of few distinct values (college, department, class, program: a few hundred
    # among a million rows) is cleaned once per distinct value, then spread back by index.
    chunks = []
    for ch in col.chunks:
        enc = pc.dictionary_encode(ch) if len(ch) > 1000 else None
        if enc is not None and len(enc.dictionary) * 4 <= len(ch):
            chunks.append(pc.take(_clean(enc.dictionary), enc.indices))
        else:
            chunks.append(_clean(ch))
    return pa.chunked_array(chunks, type=col.type)


def _clean(col: pa.Array) -> pa.Array:
    col = pc.replace_substring_regex(col, f"[{ZERO_WIDTH}]", "")
    col = pc.utf8_trim_whitespace(pc.utf8_normalize(col, "NFKC"))
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)
