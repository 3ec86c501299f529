"""Synthetic students and activity records that reproduce a published pass-rate table exactly.

Per department, the counts passing each threshold are the published ones; the whole-school
all-four count is the published one, shared out among departments at random within what each
department's counts allow. Hours, dates, near misses and aesthetics are drawn around that.
Everything comes from one ``numpy`` generator seeded by the caller, so a seed reproduces the
files byte for byte. Vectorised, so ``scale`` can make a country-sized population.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import say
from .io import atomic_dir, write_csv
from .labels import LABELS
from .loaders import load_published
from .paths import published_table
from .rules import THRESHOLD_CATEGORIES, UNIT, TermRules, load_term_rules
from .thresholds import group_rows, total_row

__all__ = ["synth_term", "write_synth_term", "allocate_all_pass", "pass_patterns"]

_NAMES = LABELS["synth_names"]
_SURNAMES = list(_NAMES["surnames"])
_GIVEN = list(_NAMES["given"])
_CLASS_SUFFIX = list(_NAMES["class_suffix"])
_HALF_HOUR = UNIT // 2
_TENTH = UNIT // 10


def allocate_all_pass(counts: pd.DataFrame, total: int, rng: np.random.Generator) -> np.ndarray:
    """Share ``total`` all-four passes among departments, each within what its counts allow.

    A department of ``n`` students with ``k_c`` passes per category can have between
    ``max(0, sum k_c - 3n)`` and ``min k_c`` students passing all four.
    """
    k = counts[[f"{c}_passed" for c in THRESHOLD_CATEGORIES]].to_numpy(dtype=np.int64)
    n = counts["students"].to_numpy(dtype=np.int64)
    lo = np.maximum(0, k.sum(axis=1) - 3 * n)
    hi = k.min(axis=1)
    if not lo.sum() <= total <= hi.sum():
        raise ValueError(
            say(
                "synth_messages",
                "no_draw",
                total=f"{total:,}",
                lo=f"{lo.sum():,}",
                hi=f"{hi.sum():,}",
            )
        )
    return lo + rng.multivariate_hypergeometric(hi - lo, total - lo.sum())


def pass_patterns(n: int, k: np.ndarray, a: int, rng: np.random.Generator) -> np.ndarray:
    """An ``n x 4`` boolean matrix with column sums ``k`` and exactly ``a`` all-true rows.

    The ``a`` rows pass everything; the rest get each category's remaining passes as
    consecutive runs around a circle, so no row collects all four (each run is at most one
    lap and the runs together at most three).
    """
    m = n - a
    out = np.zeros((n, 4), dtype=bool)
    out[:a] = True
    rem = np.asarray(k, dtype=np.int64) - a
    if m > 0:
        order = rng.permutation(4)
        start = int(rng.integers(m))
        for c in order:
            pos = (start + np.arange(rem[c])) % m
            out[a + pos, c] = True
            start = (start + rem[c]) % m
    return out[rng.permutation(n)]


def _totals(passed: np.ndarray, need: int, rng: np.random.Generator, *, hours: bool) -> np.ndarray:
    """Units earned given pass or fail: passes at or above ``need``, fails strictly below it,
    with many near misses (the students a nudge would move)."""
    n = len(passed)
    if not hours:
        return np.where(passed, need * (1 + (rng.random(n) < 0.25)), 0).astype(np.int64)
    step = _HALF_HOUR
    over = rng.geometric(0.35, n) - 1  # most passers stop at the threshold
    above = need + over * step * rng.integers(1, 4, n)
    u = rng.random(n)
    # Fails: a third never started, a third are within a few hours, the rest in between.
    near = need - step * rng.integers(1, 7, n)
    mid = (rng.random(n) * need / step).astype(np.int64) * step
    below = np.where(u < 0.3, 0, np.where(u < 0.65, near, mid))
    below = np.clip(below, 0, need - _TENTH)
    return np.where(passed, above, below).astype(np.int64)


def _split(
    totals: np.ndarray, piece: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split each total into records of about ``piece`` units on a 0.1 h grid, exactly.

    Returns (owner index per record, units per record); zero totals give no record.
    """
    k = np.where(
        totals > 0, np.maximum(1, np.rint(totals / piece * rng.uniform(0.7, 1.3, len(totals)))), 0
    )
    k = np.minimum(k, np.maximum(totals // _TENTH, 1)).astype(np.int64)
    owner = np.repeat(np.arange(len(totals)), k)
    w = rng.random(len(owner)) + 0.2
    wsum = np.bincount(owner, weights=w, minlength=len(totals))
    share = np.floor(w / wsum[owner] * totals[owner] / _TENTH).astype(np.int64) * _TENTH
    share = np.maximum(share, 0)
    # The last record of each owner takes what rounding left, so the sum is exact.
    last = np.r_[owner[1:] != owner[:-1], True] if len(owner) else np.zeros(0, bool)
    given = np.bincount(owner, weights=share, minlength=len(totals)).astype(np.int64)
    share[last] += totals[owner[last]] - given[owner[last]]
    keep = share > 0
    return owner[keep], share[keep]


def _dates(n: int, start: dt.date, end: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Dates in [start, end], more of them late (seniors catching up before the deadline)."""
    span = (end - start).days
    off = np.floor(rng.beta(2.2, 1.0, n) * (span + 1)).clip(0, span).astype(np.int64)
    return np.datetime64(start, "D") + off


def _names(n: int, rng: np.random.Generator) -> np.ndarray:
    s = np.array(_SURNAMES)[rng.integers(len(_SURNAMES), size=n)]
    g1 = np.array(_GIVEN)[rng.integers(len(_GIVEN), size=n)]
    g2 = np.array(_GIVEN)[rng.integers(len(_GIVEN), size=n)]
    return np.char.add(np.char.add(s, g1), g2)


def _roc(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] -> ROC text ``114/12/12`` (the format school systems export)."""
    d = pd.Series(pd.DatetimeIndex(dates))
    return ((d.dt.year - 1911).astype(str) + d.dt.strftime("/%m/%d")).to_numpy()


_MAX_SCALE = 10_000


def _check_options(seed: object, scale: object) -> None:
    """``seed`` a whole number >= 0 (numpy's generators take no negative seed) and ``scale`` a
    whole number from 1 to 10,000: ``OptionError`` naming the option and the value."""
    from .errors import OptionError

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError("--seed", seed, say("synth_messages", "seed"))
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)):
        raise OptionError("--scale", scale, say("synth_messages", "scale_whole"))
    if not 1 <= scale <= _MAX_SCALE:
        raise OptionError(
            "--scale", scale, say("synth_messages", "scale_range", most=f"{_MAX_SCALE:,}")
        )


def synth_term(
    term: str = "114-1",
    seed: int = 0,
    *,
    scale: int = 1,
    published: str | Path | None = None,
    rules: TermRules | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Students and records whose pass rates reproduce the published table of ``term``.

    ``scale`` multiplies every department's students and counts (for benchmarks); the
    published proportions then hold exactly. Records are dated from the cohort's entry to the
    settlement date of the published table, so they count with or without that as-of date.
    Besides the senior cohort of 日四技, a few students outside the population (a fifth-year
    延修 cohort and 進四技 seniors) with records of their own make the population filter real.
    """
    _check_options(seed, scale)
    rules = rules or load_term_rules(term)
    pub = load_published(published or published_table(term))
    depts = group_rows(pub)
    school = total_row(pub)
    for c in ("students", *[f"{c}_passed" for c in THRESHOLD_CATEGORIES]):
        depts[c] = depts[c].astype("int64") * scale
    rng = np.random.default_rng(seed)
    all_pass = allocate_all_pass(depts, int(school["all_passed"]) * scale, rng)
    cohort = rules.senior_cohort
    blocks = []
    for i, d in depts.iterrows():
        n = int(d["students"])
        k = np.array([int(d[f"{c}_passed"]) for c in THRESHOLD_CATEGORIES])
        pat = pass_patterns(n, k, int(all_pass[i]), rng)
        letter = chr(ord("A") + i) if i < 26 else f"Z{i}"
        width = max(3, len(str(n)))
        classes = max(1, round(n / 52))
        cls_idx = np.sort(rng.integers(classes, size=n)) if classes > 1 else np.zeros(n, np.int64)
        suffix = np.array(
            [_CLASS_SUFFIX[j % 10] + (str(j // 10) if j >= 10 else "") for j in range(classes)]
        )
        blocks.append(
            pd.DataFrame(
                {
                    "student_id": [f"3{letter}{cohort}{j + 1:0{width}d}" for j in range(n)],
                    "college": d["college"],
                    "department": d["department"],
                    "class": [
                        _NAMES["class_name"].format(department=d["department"], suffix=x)
                        for x in suffix[cls_idx]
                    ],
                    "cohort": cohort,
                    "program": rules.program,
                    **{f"_{c}": pat[:, j] for j, c in enumerate(THRESHOLD_CATEGORIES)},
                }
            )
        )
    pop = pd.concat(blocks, ignore_index=True)
    # Outside the population: 延修生 of the previous cohort and 進四技 seniors, about 8%.
    extra_n = max(1, len(pop) // 12)
    pick = rng.integers(len(pop), size=extra_n)
    extra = pop.iloc[pick].reset_index(drop=True).copy()
    kind = rng.random(extra_n) < 0.4
    extra["cohort"] = np.where(kind, cohort - 1, cohort)
    extra["program"] = np.where(kind, rules.program, _NAMES["other_program"])
    extra["student_id"] = [
        f"{'3' if k else '4'}{sid[1]}{cohort - 1 if k else cohort}9{j:04d}"
        for j, (k, sid) in enumerate(zip(kind, extra["student_id"], strict=True))
    ]
    for c in THRESHOLD_CATEGORIES:
        extra[f"_{c}"] = rng.random(extra_n) < 0.5
    students = pd.concat([pop, extra], ignore_index=True)
    students.insert(1, "name", _names(len(students), rng))
    n_all = len(students)

    start = dt.date(cohort + 1911, 9, 1)
    end = rules.settlement_date
    owners, units, cats = [], [], []
    th = rules.thresholds
    for c in THRESHOLD_CATEGORIES:
        passed = students[f"_{c}"].to_numpy()
        total = _totals(passed, th[c], rng, hours=c != "certificate")
        if c == "engagement" and rules.aesthetics_into == "engagement":
            # Aesthetics hours (美學) count toward engagement: part of the total is aesthetics.
            aes = np.where(rng.random(n_all) < 0.45, rng.integers(1, 9, n_all) * _HALF_HOUR, 0)
            aes = np.minimum(aes, total)
            o, u = _split(aes, 2 * UNIT, rng)
            (
                owners.append(o),
                units.append(u),
                cats.append(np.full(len(o), "aesthetics", dtype=object)),
            )
            total = total - aes
        piece = {"resilience": 1500, "enhancement": 1500, "engagement": 4000, "certificate": UNIT}[
            c
        ]
        if c == "certificate":
            o = np.repeat(np.arange(n_all), total // UNIT)
            u = np.full(len(o), UNIT, dtype=np.int64)
        else:
            o, u = _split(total, piece, rng)
        owners.append(o), units.append(u), cats.append(np.full(len(o), c, dtype=object))
    owner = np.concatenate(owners)
    rec = pd.DataFrame(
        {
            "owner": owner,
            "category": np.concatenate(cats),
            "units": np.concatenate(units),
            "date": _dates(len(owner), start, end, rng),
        }
    ).sort_values(["owner", "date", "category", "units"], kind="stable")
    amount = (pd.Series(rec["units"].to_numpy()) / UNIT).map("{:g}".format)
    records = pd.DataFrame(
        {
            "student_id": students["student_id"].to_numpy()[rec["owner"].to_numpy()],
            "category": rec["category"].to_numpy(),
            "amount": amount.to_numpy(),
            "date": _roc(rec["date"].to_numpy()),
        }
    )
    students = students[
        ["student_id", "name", "college", "department", "class", "cohort", "program"]
    ]
    return students, records


def write_synth_term(
    out: str | Path, term: str = "114-1", seed: int = 0, *, scale: int = 1
) -> list[Path]:
    """Write ``students.csv`` and ``records.csv`` into ``out`` (atomically, both or neither)."""
    from .io import check_output

    _check_options(seed, scale)
    check_output(out, folder=True)
    students, records = synth_term(term, seed, scale=scale)
    out = Path(out)
    with atomic_dir(out) as tmp:
        write_csv(students, tmp / "students.csv")
        write_csv(records, tmp / "records.csv")
    return [out / "students.csv", out / "records.csv"]
