"""The join of records to students and their sums (``_engine``): both joins (Arrow's, DuckDB's)
against a plain dictionary lookup and a plain groupby, on ids chosen to trip them up, in every
record order; the join done once per pair of frames."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ncut_analysis import _engine, thresholds
from ncut_analysis.rules import CATEGORIES, load_term_rules

ENGINES = ["arrow", "duckdb", "duckdb by runs"]


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch):
    """Each test with Arrow's join, DuckDB's, and DuckDB's of each run's first value (chosen by
    size and by the number of runs otherwise)."""
    monkeypatch.setattr(_engine, "DUCKDB_MIN", 10**12 if request.param == "arrow" else 0)
    monkeypatch.setattr(_engine, "RUNS_MAX", 1.0 if request.param.endswith("runs") else 0.0)
    return request.param


def plain(values: list, keys: list) -> list[int]:
    """A dictionary of each key's first row: the answer by hand."""
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k is not None:
            first.setdefault(k, i)
    return [first.get(v, -1) if v is not None else -1 for v in values]


def test_exact_ids_lengths_and_bytes(engine):
    # a prefix, the same bytes one longer, a NUL byte, multibyte text, 8/16/24/32-byte ids
    keys = ["A1", "A10", "A1\x00", "勤益", "", "12345678", "1234567812345678", "x" * 32]
    values = ["A1", "A10", "A100", "A1\x00", "A", "勤益", "勤", "", None, "12345678", "123456781",
              "1234567812345678", "x" * 32, "x" * 31]  # fmt: skip
    got = _engine.rows_in(pa.array(values), pa.array(keys)).tolist()
    assert got == [0, 1, -1, 2, -1, 3, -1, 4, -1, 5, -1, 6, 7, -1]
    assert got == plain(values, keys)


def test_runs_of_equal_ids_and_missing_ones(engine):
    keys = ["", "a", "b"]
    values = ["a", "a", "a", None, None, "", "", None, "b", "b", "c", "c", "a"]
    got = _engine.rows_in(pa.array(values), pa.array(keys)).tolist()
    assert got == [1, 1, 1, -1, -1, 0, 0, -1, 2, 2, -1, -1, 1]


def test_repeated_and_missing_keys_give_the_first_row(engine):
    keys = ["b", "a", None, "b", "a", "c"]
    values = ["a", "b", "c", "d", None]
    assert _engine.rows_in(pa.array(values), pa.array(keys)).tolist() == [1, 0, 5, -1, -1]


def test_empty_sides_chunked_dictionary_and_series(engine):
    assert _engine.rows_in(pa.array(["a"]), pa.array([], pa.string())).tolist() == [-1]
    assert _engine.rows_in(pa.array([], pa.string()), pa.array(["a"])).tolist() == []
    chunked = pa.chunked_array([pa.array(["a", "b"]), pa.array(["c", "a"]).slice(1)])
    assert _engine.rows_in(chunked, pa.array(["a", "c"])).tolist() == [0, -1, 0]
    coded = pa.array(["c", "a", "c"]).dictionary_encode()
    assert _engine.rows_in(coded, pa.array(["a", "c"])).tolist() == [1, 0, 1]
    series = pd.Series(["c", "z"], dtype="string")
    assert _engine.rows_in(series, pd.Series(["c"], dtype="string")).tolist() == [0, -1]


@pytest.mark.parametrize("seed", range(8))
def test_random_ids_of_0_to_40_bytes(engine, seed):
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("ab\x00é3"))

    def text() -> str:
        return "".join(rng.choice(alphabet, size=int(rng.integers(0, 41))))

    keys = [text() for _ in range(int(rng.integers(1, 400)))]
    values = [text() for _ in range(500)] + keys
    values = [v if rng.random() > 0.05 else None for v in rng.permutation(values).tolist()]
    got = _engine.rows_in(pa.array(values), pa.array(keys)).tolist()
    assert got == plain(values, keys)


def test_unit_sums_by_hand():
    # Student rows: A counts from bin 0, B from bin 5, C is not counted; slot 0 is no student.
    slots = np.array([1, 1, 2, 3, 0, 0, 2, 1], dtype=np.int32)
    codes = np.array([0, 1, 0, 2, 0, 0, 4, 1], dtype=np.int8)
    units = np.array([300, 300, 1000, 7, 9, 9, 2500, 400])
    dates = np.array([1, 2, 3, 3, 3, 3, 4, 5])  # the last A record is after the limit (4)
    start = np.array([0, 5, -1])
    sums = _engine.unit_sums(slots, start, codes, units, dates, 4, 10)
    assert sums.tolist() == [300, 300, 0, 0, 0, 1000, 0, 0, 0, 2500]
    every = _engine.unit_sums(slots, start, codes, units, dates, None, 10)
    assert every.tolist() == [300, 700, 0, 0, 0, 1000, 0, 0, 0, 2500]


def test_unit_sums_are_exact_integers_past_a_doubles_precision():
    # 2**53 + 1 cannot be a float64; integer sums keep it.
    units = np.array([2**53, 1, 1], dtype=np.int64)
    sums = _engine.unit_sums(np.array([1, 1, 1], np.int32), np.array([0]), np.zeros(3, np.int8),
                             units, np.zeros(3, np.int64), None, 1)  # fmt: skip
    assert int(sums[0]) == 2**53 + 2


def test_unit_sums_across_blocks(monkeypatch):
    # Blocks of 3 records: the sums are those of one pass, whatever the block boundaries.
    slots = np.array([1, 2, 1, 2, 1, 0, 2, 1], dtype=np.int32)
    codes = np.array([0, 0, 1, 0, 0, 0, -1, 1], dtype=np.int8)
    units = np.array([1, 10, 100, 1000, 10000, 7, 7, 100000])
    dates = np.array([1, 1, 1, 1, 9, 1, 1, 1])  # the fifth record is after the limit (5)
    start = np.array([0, 2])
    whole = _engine.unit_sums(slots, start, codes, units, dates, 5, 4).tolist()
    monkeypatch.setattr(_engine, "SUM_BLOCK", 3)
    assert _engine.unit_sums(slots, start, codes, units, dates, 5, 4).tolist() == whole
    assert whole == [1, 100100, 1010, 0]


def _records(rng: np.random.Generator, keys: list[str], text) -> pd.DataFrame:  # noqa: ANN001
    ids = [rng.choice(keys) if rng.random() < 0.9 else text() for _ in range(300)]
    # runs: each id repeated 1-3 times, a few 1-300 times
    ids = [v for v in ids for _ in range(int(rng.integers(1, 300 if rng.random() < 0.05 else 4)))]
    m = len(ids)
    return pd.DataFrame(
        {
            "student_id": pd.array(ids, dtype="string"),
            "category": pd.Categorical.from_codes(rng.integers(0, 5, m), categories=CATEGORIES),
            "units": rng.integers(0, 10**9, m),
            "date": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 100, m), "D"),
        }
    )


def _orders(records: pd.DataFrame, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    by = {
        "grouped by student": ["student_id"],
        "grouped by category": ["category", "student_id"],
        "sorted by date": ["date"],
    }
    out = {k: records.sort_values(v, kind="stable").reset_index(drop=True) for k, v in by.items()}
    out["shuffled"] = records.iloc[rng.permutation(len(records))].reset_index(drop=True)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_status_sums_against_a_plain_groupby_in_every_order(engine, seed):
    """Ids of 0-40 bytes, ids not among the students, every record order: each student's units
    per category equal a pandas groupby over the records dated on or before the as-of day."""
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("ab\x00é3"))

    def text() -> str:
        return "".join(rng.choice(alphabet, size=int(rng.integers(0, 41))))

    keys = list(dict.fromkeys(text() for _ in range(int(rng.integers(2, 200)))))
    rules = load_term_rules("114-1")
    students = pd.DataFrame(
        {
            "student_id": pd.array(keys, dtype="string"),
            "college": "工程學院",
            "department": "化材",
            "class": "化材四甲",
            "cohort": np.where(rng.random(len(keys)) < 0.8, rules.senior_cohort, 1),
            "program": rules.program,
        }
    )
    as_of = dt.date(2025, 2, 20)
    records = _records(rng, keys, text)
    before = records[records["date"] <= pd.Timestamp(as_of)]
    pop = students[students["cohort"] == rules.senior_cohort]
    expect = (
        before[before["student_id"].isin(pop["student_id"])]
        .groupby(["student_id", "category"], observed=False)["units"]
        .sum()
        .unstack()
        .reindex(index=pop["student_id"], columns=list(CATEGORIES), fill_value=0)
        .fillna(0)
        .astype("int64")
    )
    for order, recs in _orders(records, rng).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", thresholds.UnknownStudentsWarning)
            status = thresholds.student_status(students, recs, rules=rules, as_of=as_of)
        got = status[[f"{c}_units" for c in CATEGORIES]].to_numpy()
        assert got.tolist() == expect.to_numpy().tolist(), order


def test_many_dates_join_once(monkeypatch, tiny):
    from ncut_analysis import load_records, load_students

    students, records = load_students(tiny[0]), load_records(tiny[1])
    calls = []
    real = _engine.rows_in
    monkeypatch.setattr(_engine, "rows_in", lambda v, k: calls.append(1) or real(v, k))
    rules = load_term_rules("114-1")
    days = [dt.date(2025, m, 1) for m in range(1, 13)]
    cube = thresholds.units_as_of(students, records, rules, days)
    assert len(calls) == 1 and cube.shape == (12, 4, 5)
    thresholds.pass_rates(students, records, rules=rules, as_of="2025-12-12")
    assert len(calls) == 1  # the same frames: the join kept with the records
    other = students.iloc[:3].reset_index(drop=True)  # another students frame: joined anew
    with pytest.warns(thresholds.UnknownStudentsWarning):  # S4, J1, E1 are not in it
        thresholds.pass_rates(other, records, rules=rules)
    assert len(calls) == 2
    # S1's enhancement: ten records of 0.3 h, two dated 2025-05-01, then one a day to 05-09
    enh = CATEGORIES.index("enhancement")
    assert cube[3:6, 0, enh].tolist() == [0, 600, 3000]  # as of 04-01, 05-01, 06-01


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, "system False"), ({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc",
                              "NUMPY_MADVISE_HUGEPAGE": "1"}, "mimalloc True")],
)  # fmt: skip
def test_memory_settings_unless_the_environment_names_its_own(env, expected):
    import os
    import subprocess
    import sys

    names = ("ARROW_DEFAULT_MEMORY_POOL", "NUMPY_MADVISE_HUGEPAGE")
    environ = {k: v for k, v in os.environ.items() if k not in names} | env
    code = (
        "import ncut_analysis.io, pyarrow as pa; from numpy._core import multiarray as m; "
        "print(pa.default_memory_pool().backend_name, m._get_madvise_hugepage())"
    )
    out = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    assert out == expected


def test_another_process_opens_a_database_of_its_own(monkeypatch):
    # A forked worker must not use the database its parent opened (its threads are not
    # there): the database is kept per process id.
    first = _engine._database()
    assert _engine._database() is first
    monkeypatch.setattr(_engine.os, "getpid", lambda: -1)
    other = _engine._database()
    assert other is not first
    assert other.execute("SELECT 1").fetchall() == [(1,)]
