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
