"""The join behind ``thresholds``: each record's student among the students, and their sums.

Private. The loops are compiled (``_jit``, numba, imported on first use); this module hands them
the Arrow string buffers as they are (no copy of the text) and splits the records over one thread
per core. Why compiled loops: the work is one walk over the records in whatever order they come,
and a walk can use what vectorised passes cannot, namely the previous record (a run of one
student's records, or the next student of the file).
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa

from . import arrays
from .io import map_threads

__all__ = ["first_rows", "index_in", "unit_sums", "warm"]

# Below this many records one thread does it all (a thread and its own sums cost more).
_PARALLEL_MIN = 1_000_000
# From this many values per key on, the table is a quarter full (fewer keys pushed past their
# cache line, at 128 bytes a key); below, half full (64 bytes a key), so that its memory stays
# small beside the values' (a record takes about 34 bytes in its frame).
_QUARTER_FULL = 8


def _ro(a: np.ndarray) -> np.ndarray:
    """A read-only view: every input reaches the compiled loops as one type (pandas and Arrow
    hand out read-only arrays), so each loop is compiled once, not once per writability."""
    v = a.view()
    v.flags.writeable = False
    return v


def _as_strings(a: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text as Arrow ``large_string`` (64-bit offsets; pandas' own), so each loop is compiled for
    one layout only."""
    if pa.types.is_large_string(a.type):
        return a
    if pa.types.is_dictionary(a.type):
        a = a.cast(a.type.value_type)
    return a.cast(pa.large_string())


class _Text:
    """One Arrow string array's buffers as the compiled loops take them."""

    def __init__(self, a: pa.Array) -> None:
        from . import _jit

        bufs = a.buffers()  # large_string: 64-bit offsets
        self.off = _ro(
            np.frombuffer(bufs[1], dtype=np.int64, count=len(a) + 1, offset=a.offset * 8)
        )
        data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
        self.data, self.win = map(_ro, _jit.window(data))
        self.valid = _ro(
            a.is_valid().to_numpy(zero_copy_only=False) if a.null_count else np.zeros(0, bool)
        )


class _Keys:
    """The keys' hash table (``_jit.build``): 2**bits entries of 4 words, at most 1/spare full."""

    def __init__(
        self, keys: pa.Array | pa.ChunkedArray, start: np.ndarray | None = None, spare: int = 4
    ) -> None:
        """``start``: where each key row's sums start (-1: not counted), for ``unit_sums``;
        ``spare``: the table is at most 1/spare full (``_jit.new_table``)."""
        from . import _jit

        keys = _as_strings(keys)
        if isinstance(keys, pa.ChunkedArray):
            keys = keys.combine_chunks()
        self.text = _Text(keys)
        self.table = _jit.new_table(len(keys), spare=spare)
        start = _ro(np.zeros(0, np.int64) if start is None else np.asarray(start, dtype=np.int64))
        t = self.text
        self.first = np.empty(len(keys), dtype=np.int32)
        _jit.build(t.off, t.win, t.data, t.valid, start, self.table, self.first)

    def args(self) -> tuple:
        t = self.text
        return self.table, t.off, t.win, t.data


def _pieces(values: pa.Array | pa.ChunkedArray, parts: int) -> list[list[tuple[pa.Array, int]]]:
    """The values cut into ``parts`` runs of consecutive rows, each a list of (array, first row)."""
    chunks = list(values.chunks) if isinstance(values, pa.ChunkedArray) else [values]
    bounds = np.linspace(0, len(values), max(parts, 1) + 1).astype(int).tolist()
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        piece, at = [], 0
        for ch in chunks:
            a, b = max(lo, at), min(hi, at + len(ch))
            if a < b:
                piece.append((ch.slice(a - at, b - a), a))
            at += len(ch)
        out.append(piece)
    return out


def _spare(values: int, keys: int) -> int:
    return 4 if values >= _QUARTER_FULL * keys else 2


def _threads(n: int) -> int:
    return min(os.cpu_count() or 1, 8) if n >= _PARALLEL_MIN else 1


def first_rows(keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each key, the row of its first occurrence (its own row unless repeated), int32; -1
    if missing. What ``index_in(keys, keys)`` gives, from building the table alone."""
    return _Keys(keys, spare=2).first if len(keys) else np.zeros(0, dtype=np.int32)


def index_in(values: pa.Array | pa.ChunkedArray, keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each value, the row of the first equal key (int32), -1 if absent or missing.

    ``values`` and ``keys`` are Arrow text (or dictionary-encoded text) arrays.
    """
    from . import _jit

    values = _as_strings(values)
    out = np.full(len(values), -1, dtype=np.int32)
    if len(values) == 0 or len(keys) == 0:
        return out
    k = _Keys(keys, spare=_spare(len(values), len(keys)))

    def run(piece: list[tuple[pa.Array, int]]) -> None:
        for a, at in piece:
            t = _Text(a)
            _jit.rows_of(t.off, t.win, t.data, t.valid, *k.args(), out[at : at + len(a)])

    map_threads(run, _pieces(values, _threads(len(values))))
    return out


def unit_sums(
    values: pa.Array | pa.ChunkedArray,
    keys: pa.Array | pa.ChunkedArray,
    start: np.ndarray,
    codes: np.ndarray,
    units: np.ndarray,
    dates: np.ndarray,
    limit: int,
    size: int,
) -> tuple[np.ndarray, int]:
    """Sums of ``units`` into ``size`` int64 bins, and how many values are not keys.

    Record ``i`` of key row ``r`` adds ``units[i]`` to bin ``start[r] + codes[i]`` when
    ``start[r] >= 0`` (its student is counted), ``dates[i] <= limit`` and ``codes[i] >= 0``.
    ``dates`` and ``limit`` are int64 (any one unit). Integer sums: exact.
    """
    from . import _jit

    values = _as_strings(values)
    if len(values) == 0 or len(keys) == 0:
        return np.zeros(size, dtype=np.int64), len(values)
    k = _Keys(keys, start, spare=_spare(len(values), len(keys)))
    codes, units, dates = (_ro(np.ascontiguousarray(a)) for a in (codes, units, dates))

    def run(piece: list[tuple[pa.Array, int]]) -> tuple[np.ndarray, int]:
        out, unknown = arrays.zeros(size, np.int64), 0
        for a, at in piece:
            t = _Text(a)
            sl = slice(at, at + len(a))
            unknown += _jit.add_units(
                t.off, t.win, t.data, t.valid, *k.args(), codes[sl], units[sl], dates[sl],
                limit, out,
            )  # fmt: skip
        return out, unknown

    parts = map_threads(run, _pieces(values, _threads(len(values))))
    sums = parts[0][0]
    for other, _ in parts[1:]:
        sums += other
    return sums, sum(u for _, u in parts)


def warm() -> None:
    """Compile (or load from numba's cache) every loop; ``make`` calls it once after installing,
    so that no run waits for the compiler."""
    ids = pa.array(["a", "b", None])
    index_in(ids, ids)
    first_rows(ids)
    unit_sums(ids, ids, np.array([0, -1, -1]), np.zeros(3, np.int8), np.ones(3, np.int64),
              np.zeros(3, np.int64), 0, 1)  # fmt: skip
