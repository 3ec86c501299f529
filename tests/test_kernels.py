"""The private join kernel against Arrow's own lookup, on ids chosen to trip it up."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ncut_analysis import _kernels


def plain(values: pa.Array, keys: pa.Array) -> list[int]:
    return pc.fill_null(pc.index_in(values, value_set=keys), -1).to_numpy().tolist()


def test_exact_ids_lengths_and_bytes():
    # a prefix, the same bytes one longer, a NUL byte, multibyte text, 8/16/24/32-byte ids
    keys = pa.array(["A1", "A10", "A1\x00", "勤益", "", "12345678", "1234567812345678", "x" * 32])
    values = pa.array(
        ["A1", "A10", "A100", "A1\x00", "A", "勤益", "勤", "", None, "12345678", "123456781",
         "1234567812345678", "x" * 32, "x" * 31]
    )  # fmt: skip
    assert _kernels.index_in(values, keys).tolist() == plain(values, keys)
    assert _kernels.index_in(values, keys).tolist() == [
        0,
        1,
        -1,
        2,
        -1,
        3,
        -1,
        4,
        -1,
        5,
        -1,
        6,
        7,
        -1,
    ]


def test_repeated_keys_give_the_first_row():
    keys = pa.array(["b", "a", "b", "a", "c"])
    assert _kernels.index_in(pa.array(["a", "b", "c", "d"]), keys).tolist() == [1, 0, 4, -1]


def test_long_ids_empty_keys_and_chunked_values():
    keys = pa.array(["y" * 40, "z"])  # over 32 bytes: Arrow's lookup
    assert _kernels.index_in(pa.array(["z", "y" * 40, "y"]), keys).tolist() == [1, 0, -1]
    assert _kernels.index_in(pa.array(["a"]), pa.array([], pa.string())).tolist() == [-1]
    chunked = pa.chunked_array([pa.array(["a", "b"]), pa.array(["c", "a"]).slice(1)])
    assert _kernels.index_in(chunked, pa.array(["a", "c"])).tolist() == [0, -1, 0]


@pytest.mark.parametrize("seed", range(20))
def test_random_ids_against_arrow(seed, monkeypatch):
    monkeypatch.setattr(_kernels, "_PARALLEL_MIN", 64)  # the values split over the threads
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("ab\x00é3"))
    longest = int(rng.integers(1, 34))

    def text() -> str:
        return "".join(rng.choice(alphabet, size=int(rng.integers(0, longest))))

    keys = pa.array([text() for _ in range(int(rng.integers(1, 400)))])
    values = [text() for _ in range(500)] + keys.to_pylist()
    values = pa.array([v if rng.random() > 0.05 else None for v in rng.permutation(values)])
    assert _kernels.index_in(values, keys).tolist() == plain(values, keys)


def test_runs_of_equal_ids_and_missing_ones():
    keys = pa.array(["", "a", "b"])
    values = pa.array(["a", "a", "a", None, "", "", None, "b", "b", "c", "c", "a"])
    assert _kernels.index_in(values, keys).tolist() == [1, 1, 1, -1, 0, 0, -1, 2, 2, -1, -1, 1]
    assert _kernels.index_in(values, keys).tolist() == plain(values, keys)


def test_unit_sums_by_hand():
    # A counts from bin 0, B from bin 5, C is not counted; D is no key; a missing id.
    keys = pa.array(["A", "B", "C"])
    values = pa.array(["A", "A", "B", "C", "D", None, "B", "A"])
    codes = np.array([0, 1, 0, 2, 0, 0, 4, 1], dtype=np.int8)
    units = np.array([300, 300, 1000, 7, 9, 9, 2500, 400])
    dates = np.array([1, 2, 3, 3, 3, 3, 4, 5])  # the last A record is after the limit (4)
    sums, unknown = _kernels.unit_sums(
        values, keys, np.array([0, 5, -1]), codes, units, dates, 4, 10
    )
    assert sums.tolist() == [300, 300, 0, 0, 0, 1000, 0, 0, 0, 2500]
    assert unknown == 2


@pytest.mark.parametrize("seed", range(12))
def test_unit_sums_against_a_groupby(seed, monkeypatch):
    """Ids of 0-40 bytes (around the 8-, 16- and 32-byte words), runs longer than a block, keys
    repeated (the first row counts), ids not in the keys, missing ids, sliced and chunked values,
    split over threads."""
    monkeypatch.setattr(_kernels, "_PARALLEL_MIN", 100)
    monkeypatch.setattr(_kernels, "_QUARTER_FULL", 0 if seed % 2 else 10**9)  # both table sizes
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("ab\x00é3"))

    def text() -> str:
        return "".join(rng.choice(alphabet, size=int(rng.integers(0, 41))))

    keys = [text() for _ in range(int(rng.integers(1, 300)))]
    ids = [rng.choice(keys) if rng.random() < 0.9 else text() for _ in range(300)]
    # runs: each id repeated 1-2500 times (a run of 2,500 crosses the 128-record blocks)
    values = [
        v for v in ids for _ in range(int(rng.integers(1, 2500 if rng.random() < 0.02 else 4)))
    ]
    values = [v if rng.random() > 0.02 else None for v in values]
    m = len(values)
    codes = rng.integers(-1, 5, m).astype(np.int8)
    units = rng.integers(-5000, 10**9, m)
    dates = rng.integers(0, 100, m)
    start = np.where(rng.random(len(keys)) < 0.8, np.arange(len(keys)) * 5, -1)
    cut = int(rng.integers(0, m))
    arr = pa.array(["pad", *values]).slice(1)
    chunked = pa.chunked_array([arr.slice(0, cut), arr.slice(cut)])
    sums, unknown = _kernels.unit_sums(chunked, pa.array(keys), start, codes, units, dates, 50,
                                       5 * len(keys))  # fmt: skip

    first = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    expect = np.zeros(5 * len(keys), dtype=np.int64)
    expect_unknown = 0
    for v, c, u, d in zip(values, codes, units, dates, strict=True):
        row = first.get(v) if v is not None else None
        if row is None:
            expect_unknown += 1
        elif start[row] >= 0 and d <= 50 and c >= 0:
            expect[start[row] + c] += u
    assert unknown == expect_unknown
    assert sums.tolist() == expect.tolist()


def test_first_rows_of_repeated_and_missing_keys():
    keys = pa.array(["b", "a", "b", None, "a", "c", "x" * 20, "x" * 20])
    assert _kernels.first_rows(keys).tolist() == [0, 1, 0, -1, 1, 5, 6, 6]


def test_keys_pushed_past_their_line_are_found():
    # A key's hash names a cache line (two entries); a full line pushes the next key on. The
    # table starts on a line and, here, is at most half full; some keys sit past their line.
    from ncut_analysis import _jit

    keys = pa.array([f"3A{i:09d}" for i in range(3000)])
    k = _kernels._Keys(keys, spare=2)  # half full: about 11 keys in 100 pushed on
    assert k.table.ctypes.data % 64 == 0 and len(k.table) >= 2 * len(keys)
    shift = np.uint64(64 - int(np.log2(len(k.table))))
    t = k.text
    pushed = 0
    for s in np.flatnonzero(k.table[:, _jit.META] != _jit.EMPTY):
        row = int(_jit.row(k.table[s, _jit.META]))
        a, b = int(t.off[row]), int(t.off[row + 1])
        w0, w1 = _jit._load(t.win, t.data, a, b), _jit._load(t.win, t.data, a + 8, b)
        home = _jit._home(_jit._hash(t.win, t.data, a, b, w0, w1), shift)
        pushed += int(s // 2 != home // 2)
    assert pushed > 0
    values = pa.array([f"3A{i:09d}" for i in range(-200, 3200)][::-1])
    assert _kernels.index_in(values, keys).tolist() == plain(values, keys)


def test_pool_arrays_are_aligned_writable_and_zeroed():
    from ncut_analysis import arrays

    for n, dtype in ((0, np.int64), (1, np.int8), (1000, "datetime64[s]"), (4096, np.uint64)):
        a = arrays.zeros(n, dtype)
        assert a.dtype == np.dtype(dtype) and a.shape == (n,) and a.flags.writeable
        assert a.ctypes.data % 64 == 0 or n == 0
        assert not a.view(np.uint8).any()
        a[...] = 1 if a.dtype.kind != "M" else np.datetime64(1, "s")
        assert arrays.empty(n, dtype).shape == (n,)


def test_long_ids_sharing_their_first_16_bytes():
    # Ids over 16 bytes are told apart by their remaining bytes: here every id has the same first
    # 16 bytes and the same length, and the values hold as many such ids that are not keys.
    keys = pa.array([f"NCUT-STUDENT-3A1{i:07d}-2025" for i in range(0, 6000, 2)])
    values = pa.array([f"NCUT-STUDENT-3A1{i:07d}-2025" for i in range(6000)][::-1] + [None])
    assert _kernels.index_in(values, keys).tolist() == plain(values, keys)
    sums, unknown = _kernels.unit_sums(
        values, keys, np.arange(len(keys)), np.zeros(len(values), np.int8),
        np.ones(len(values), np.int64), np.zeros(len(values), np.int64), 0, len(keys),
    )  # fmt: skip
    assert sums.tolist() == [1] * len(keys) and unknown == 3001
