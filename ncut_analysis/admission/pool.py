"""Applicant pools: loading and validating an applicants file, and synthetic pools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import joined, say
from ..io import InputError, Problem, parse_dates, read_table
from ..labels import LABELS
from ..parsing import MISSING, Bad, decode
from ..rules import NORMAL_ITEMS, SPECIAL_ITEMS, AdmissionRules, load_admission_rules
from .numbers import NumberError, read_units
from .score import SCORE_SCALE

__all__ = ["APPLICANT_COLUMNS", "OPTIONAL_COLUMNS", "load_applicants", "synth_applicants"]

APPLICANT_COLUMNS = ("applicant_id", "program", "birth_date", *NORMAL_ITEMS, *SPECIAL_ITEMS)
# The registration office's own decisions (學歷, 國籍, 表件不全, 已錄取他校未放棄): a non-empty
# cell disqualifies with that text as the reason. The Chinese header is accepted too.
OPTIONAL_COLUMNS = ("excluded", LABELS["admission_columns"]["excluded"])


def _check(code: str, **values: object) -> str:
    return say("messages_checks", code, **values)


def _rules(year: int | str, rules: AdmissionRules | None) -> AdmissionRules:
    return rules if rules is not None else load_admission_rules(year)


def _score(value: object) -> object:
    """One score cell by the strict reader (``numbers``): units of 1/1000 point, 0–100."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return MISSING
    if isinstance(value, str) and not value.strip():
        return MISSING
    try:
        units = read_units(value, SCORE_SCALE)
    except NumberError as e:
        return Bad(str(e))
    return Bad(say("reading_parsing", "above", hi=100)) if units > 100 * SCORE_SCALE else units


def _scores(values: pd.Series, column: str) -> tuple[pd.Series, list[Problem]]:
    out = np.zeros(len(values), np.int64)
    valid = np.zeros(len(values), bool)
    problems = decode(
        values, _score, out, column=column, index=values.index, fill=0, missing=None, valid=valid
    )
    return pd.Series(pd.arrays.IntegerArray(out, ~valid), index=values.index), problems


def load_applicants(
    path: str | Path, *, year: int = 109, rules: AdmissionRules | None = None
) -> pd.DataFrame:
    """Applicants, validated: scores 0–100 (empty = absent) as exact ``Int64`` of 1/1000 point,
    read by the one strict reader (``numbers``: NFKC, then plain digits, at most 3 decimals); a
    birth date after the year's exam date is an error with its line;
    ``program`` as the program id (Chinese class names accepted), ``birth_date`` a date or NaT
    (an empty birth date loads; the ranking disqualifies it), and ``excluded``: the optional
    column ``excluded`` or ``不予錄取原因`` (the office's reason, empty = none).
    """
    rules = _rules(year, rules)
    name = str(path)
    df = read_table(path, APPLICANT_COLUMNS, optional=OPTIONAL_COLUMNS)
    problems: list[Problem] = [
        Problem(int(i), "applicant_id", None, "missing value")
        for i in df.index[df["applicant_id"].isna()]
    ]
    aliases = rules.program_aliases()
    prog = df["program"].astype("string")
    mapped = prog.map(aliases.get, na_action="ignore")
    bad = mapped.isna()
    problems += [
        Problem(
            int(i),
            "program",
            None if pd.isna(prog[i]) else str(prog[i]),
            _check("unknown_program", known=joined(aliases)),
        )
        for i in df.index[bad]
    ]
    out = pd.DataFrame(
        {"applicant_id": df["applicant_id"].astype("string"), "program": mapped.astype("string")}
    )
    born, p = parse_dates(df["birth_date"], "birth_date", required=False)
    problems += p
    if rules.exam_date is not None:
        exam = pd.Timestamp(rules.exam_date)
        problems += [
            Problem(
                int(i),
                "birth_date",
                str(df["birth_date"][i]),
                _check("born_after_exam", exam=rules.exam_date.isoformat()),
            )
            for i in born.index[born.notna() & (born > exam)]
        ]
    out["birth_date"] = born
    for item in (*NORMAL_ITEMS, *SPECIAL_ITEMS):
        v, p = _scores(df[item], item)
        problems += p
        out[item] = v
    given = [c for c in OPTIONAL_COLUMNS if c in df.columns]
    if len(given) > 1:
        problems.append(
            Problem(
                1,
                given[1],
                None,
                _check("reasons_one_column", columns=joined(given)),
            )
        )
    ex = (
        df[given[0]].astype("string").str.strip()
        if given
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    out["excluded"] = ex.mask(ex == "")
    dup = out["applicant_id"].duplicated(keep=False) & out["applicant_id"].notna()
    for aid, g in out[dup].groupby("applicant_id", sort=True):
        lines = joined(str(i) for i in g.index)
        problems.append(
            Problem(int(g.index[1]), "applicant_id", str(aid), _check("listed_twice", lines=lines))
        )
    if problems:
        raise InputError(name, sorted(problems, key=lambda q: (q.line or 0, q.column or "")))
    return out.reset_index(drop=True)


def synth_applicants(
    year: int = 109, seed: int = 0, *, rules: AdmissionRules | None = None
) -> pd.DataFrame:
    """A realistic applicant pool per program: correlated scores (one latent ability), some
    absences, optional items missing, a few applicants over the age limit. Sizes: 110–200 for
    the classes that invite the top 100 to interview, 40–90 for the others."""
    rules = _rules(year, rules)
    rng = np.random.default_rng(seed)
    frames = []
    for k, p in enumerate(rules.programs):
        n = int(rng.integers(110, 201) if p.interview_top else rng.integers(40, 91))
        z = rng.normal(size=n)  # one latent ability behind every score
        # item: (mean, spread, loading on the ability, decimals)
        shape = {
            "written": (58, 16, 0.8, 0),
            "interview": (74, 9, 0.6, 1),
            "review": (72, 10, 0.6, 1),
            "tvee": (62, 15, 0.8, 0),
            "school_grades": (75, 9, 0.6, 1),
            "conduct": (80, 8, 0.3, 0),
            "autobiography": (72, 9, 0.4, 0),
            "certificates": (60, 20, 0.5, 0),
            "awards": (55, 20, 0.5, 0),
            "other": (65, 12, 0.3, 0),
        }
        cols = {}
        for item, (mean, spread, loading, decimals) in shape.items():
            e = rng.normal(size=n)
            v = np.clip(mean + spread * (loading * z + np.sqrt(1 - loading**2) * e), 1, 100)
            cols[item] = np.round(v, decimals)
        missing = {
            "written": 0.03,
            "interview": 0.03,
            "review": 0.02,
            "tvee": 0.15,
            "school_grades": 0.02,
            "conduct": 0.05,
            "autobiography": 0.03,
            "certificates": 0.2,
            "awards": 0.45,
            "other": 0.3,
        }
        df = pd.DataFrame(
            {"applicant_id": [f"{year}{k + 1}{i + 1:04d}" for i in range(n)], "program": p.name}
        )
        # Most applicants are 18–22; a few are over the age limit (born before 1 January of year+1911-29).
        age_days = rng.normal(19.5, 1.8, n).clip(15.2, 28.5) * 365.25
        old = rng.random(n) < 0.02
        age_days = np.where(old, rng.uniform(29.6, 33, n) * 365.25, age_days)
        ref = np.datetime64(dt.date(year + 1911, 7, 1), "D")
        births = ref - age_days.astype("timedelta64[D]")
        df["birth_date"] = pd.Series(births).dt.strftime("%Y-%m-%d").to_numpy()
        for c, v in cols.items():
            absent = rng.random(n) < missing[c]
            df[c] = (
                pd.Series(v).where(~absent).map(lambda x: "" if pd.isna(x) else f"{x:g}").to_numpy()
            )
        frames.append(df)
    return pd.concat(frames, ignore_index=True)[list(APPLICANT_COLUMNS)]
