"""The join behind ``thresholds``: each record's student among the students, and their sums.

Private. The join is a hash join of a well-kept engine: Arrow's ``index_in`` for up to a
million records (no start-up cost; 4 ms for 200,000 records), DuckDB's parallel join above
(10 million records against a million students in any order: about 0.8 s, where ``index_in``
takes 2.4 s in random order; measured in ``benchmarks/README.md``). The answer is one integer
column, each record's student row, kept with the records frame (``record_slots``): a briefing or
an explorer that counts at twelve as-of dates joins once, then each date is one gather and one
integer sum (``unit_sums``; ``numpy.add.at`` on int64, exact: 10 million records in about
0.17 s, where DuckDB's and Arrow's group-by sums took 1.0 s and 1.4 s).
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["record_slots", "rows_in", "unit_sums"]

# From this many values on, DuckDB's parallel join; below, Arrow's (no import, no start-up).
DUCKDB_MIN = 1_000_000
# Records summed a block at a time (``unit_sums``).
SUM_BLOCK = 1 << 20
# Up to this many runs of one id a value, each run is joined once (its first value).
RUNS_MAX = 0.6


def _strings(a: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text as Arrow ``large_string`` (dictionary-encoded and numeric ids decoded to text)."""
    if pa.types.is_dictionary(a.type):
        a = a.cast(a.type.value_type)
    if not pa.types.is_large_string(a.type):
        a = a.cast(pa.large_string())
    return a


def _text_ids(a: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Ids as Arrow text of either width, decoded from a dictionary or a number."""
    if pa.types.is_dictionary(a.type):
        a = a.cast(a.type.value_type)
    if not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
        a = a.cast(pa.large_string())
    return a


def _run_heads(values: pa.Array | pa.ChunkedArray) -> int:
    """How many runs of one value ``values`` holds."""
    if len(values) < 2:
        return len(values)
    changes = pc.fill_null(pc.not_equal(values[1:], values[:-1]), True)
    return 1 + int(pc.sum(changes).as_py() or 0)


def _arrow(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, pd.Series):
        return pa.array(values.array)  # zero-copy for Arrow-backed strings
    return values


def rows_in(
    values: pd.Series | pa.Array | pa.ChunkedArray, keys: pd.Series | pa.Array | pa.ChunkedArray
) -> np.ndarray:
    """For each value, the row of the first equal key (int32), -1 if absent or missing.

    Ids are compared as text, byte for byte (no trimming, no case folding).
    """
    values, keys = _arrow(values), _arrow(keys)
    if len(values) == 0 or len(keys) == 0:
        return np.full(len(values), -1, dtype=np.int32)
    if len(values) < DUCKDB_MIN:
        values, keys = _strings(values), _strings(keys)  # index_in wants one type
        found = pc.index_in(values, value_set=keys, skip_nulls=True)  # repeated: the first
        return pc.fill_null(found, -1).to_numpy().astype(np.int32, copy=False)
    # DuckDB reads string and large_string alike: only dictionaries and numbers become text.
    values, keys = _text_ids(values), _text_ids(keys)
    # Exports grouped by student come in runs of one id: each run's id is looked up once. The
    # first 100,000 values tell whether the runs are worth finding (a shuffled file has none).
    probe = values[: min(len(values), 100_000)]
    if _run_heads(probe) > RUNS_MAX * len(probe):
        return _duckdb_rows(values, keys)
    changes = pc.fill_null(pc.not_equal(values[1:], values[:-1]), True)
    first = np.concatenate([[True], changes.to_numpy(zero_copy_only=False)])
    heads = np.flatnonzero(first)
    if len(heads) > RUNS_MAX * len(values):
        return _duckdb_rows(values, keys)
    # (a filter works chunk by chunk; a take of a chunked array joins its chunks first: 7x slower)
    found = _duckdb_rows(values.filter(pa.array(first)), keys)
    return np.repeat(found, np.diff(heads, append=len(values)))


def _duckdb_rows(
    values: pa.Array | pa.ChunkedArray, keys: pa.Array | pa.ChunkedArray
) -> np.ndarray:
    """``rows_in`` by DuckDB: a hash join of (value row, id) with (key row, id), its matches
    written back in value order (the join's output comes in no particular order); a value that
    matches a repeated key keeps the smallest row (no check of the keys beforehand: students
    from ``load_students`` have none repeated)."""
    v = pa.table({"i": pa.array(np.arange(len(values), dtype=np.int32)), "id": values})
    k = pa.table({"r": pa.array(np.arange(len(keys), dtype=np.int32)), "id": keys})
    with _database().cursor() as con:
        con.register("v", v)
        con.register("k", k)
        res = con.sql("SELECT v.i, k.r FROM v JOIN k ON v.id = k.id").to_arrow_table()
    i, r = res.column("i").to_numpy(), res.column("r").to_numpy()
    out = np.full(len(values), -1, dtype=np.int32)
    out[i] = r  # each value one key: written in place, each match a value of its own
    if len(i) <= len(values) and np.count_nonzero(out >= 0) == len(i):
        return out
    none = np.iinfo(np.int32).max
    out = np.full(len(values), none, dtype=np.int32)
    np.minimum.at(out, i, r)  # a repeated key: the smallest row
    out[out == none] = -1
    return out


_DB: tuple[int, Any] | None = None  # (the process that opened it, the database)


def _database() -> Any:
    """One in-memory DuckDB for the process (each join a cursor of its own): its memory is kept
    from one join to the next rather than mapped anew. A forked worker (the per-department
    briefings) opens its own: a database's threads do not survive a fork."""
    global _DB
    if _DB is None or _DB[0] != os.getpid():
        import duckdb

        db = duckdb.connect(config={"threads": os.cpu_count() or 1})
        db.execute("SET enable_progress_bar = false")  # (a bar on the terminal of a command)
        _DB = (os.getpid(), db)
    return _DB[1]


# The join of a records frame to a students frame, kept while the records frame lives: its
# id of the frame -> (weak reference to it, the two id arrays joined, the slots).
_JOINS: dict[int, tuple[weakref.ref, Any, Any, np.ndarray]] = {}


def record_slots(records: pd.DataFrame, students: pd.DataFrame) -> np.ndarray:
    """Each record's student row plus one (0: not in the students), int32; joined once for a
    pair of frames and kept with the records frame, so counting at many dates joins once.

    The answer is reused while both frames hold the same ``student_id`` columns (a column
    replaced, or another students frame, joins again).
    """
    rec_ids, stu_ids = records["student_id"].array, students["student_id"].array
    key = id(records)
    hit = _JOINS.get(key)
    if hit is not None and hit[0]() is records and hit[1] is rec_ids and hit[2] is stu_ids:
        return hit[3]
    slots = rows_in(records["student_id"], students["student_id"]) + np.int32(1)
    slots.flags.writeable = False
    _JOINS[key] = (weakref.ref(records, lambda _r, key=key: _JOINS.pop(key, None)), rec_ids,
                   stu_ids, slots)  # fmt: skip
    return slots


def unit_sums(
    slots: np.ndarray,
    start: np.ndarray,
    codes: np.ndarray,
    units: np.ndarray,
    dates: np.ndarray,
    limit: int | None,
    size: int,
) -> np.ndarray:
    """Sums of ``units`` into ``size`` int64 bins.

    Record ``i`` of student row ``slots[i] - 1`` adds ``units[i]`` to bin
    ``start[slots[i] - 1] + codes[i]`` when its student is counted (``start >= 0``), it has a
    student (``slots[i] > 0``), ``codes[i] >= 0`` and ``dates[i] <= limit`` (``limit`` None:
    every date, missing ones too). ``dates`` and ``limit`` are int64 of one unit. Integer sums:
    exact.
    """
    first = np.concatenate([np.array([-1], dtype=np.int64), np.asarray(start, dtype=np.int64)])
    codes, units, dates = np.asarray(codes), np.asarray(units, dtype=np.int64), np.asarray(dates)
    out = np.zeros(size + 1, dtype=np.int64)
    # A block of records at a time: the block's arrays are a few MB, reused from one block to
    # the next, where whole-column temporaries (half a GB for 10 million records) would be
    # fresh memory the system maps anew at each call.
    for lo in range(0, len(slots), SUM_BLOCK):
        part = slice(lo, lo + SUM_BLOCK)
        at = first.take(slots[part])
        skip = at < 0
        skip |= codes[part] < 0
        if limit is not None:
            skip |= dates[part] > limit
        at += codes[part]
        at[skip] = size  # records that do not count: one spare bin
        np.add.at(out, at, units[part])
    return out[:size]
