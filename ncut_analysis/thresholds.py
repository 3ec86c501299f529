"""The graduation-threshold rules applied: per-student status, pass rates, progress over time.

Amounts are exact integers of 1/1000 hour (or certificate) from ``load_records``; sums are
integer sums, so ten records of 0.3 h make exactly 3 h. The join of records to students is done
once per pair of frames (``_engine``: Arrow or DuckDB); the sums and the rest are vectorised.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from . import _engine
from .errors import OptionError, UnknownStudentsWarning, joined, say
from .io import map_threads, parse_date
from .labels import VERDICT_LABELS
from .present import class_key
from .rules import CATEGORIES, THRESHOLD_CATEGORIES, UNIT, TermRules, load_term_rules

__all__ = [
    "RESULT_CATEGORIES",
    "LEVEL",
    "GROUP",
    "TOTAL",
    "group_rows",
    "total_row",
    "shortfall",
    "nudge_units",
    "missing_parts",
    "UnknownStudentsWarning",
    "result_categories",
    "group_keys",
    "in_school_order",
    "school_order",
    "sort_in_school_order",
    "units_in_school_order",
    "gap_band_label",
    "population",
    "student_status",
    "pass_flags",
    "units_as_of",
    "summarise",
    "pass_rates",
    "rate_hundredths",
    "format_amount",
    "student_card",
    "pass_dates",
    "progress",
    "gap_table",
    "change_table",
    "outreach_table",
]

# The shipped terms' result columns; code holding a table or rules asks them instead.
RESULT_CATEGORIES: tuple[str, ...] = (*THRESHOLD_CATEGORIES, "all")
# The ``level`` column of a pass-rate table: a group's row, or the total of all counted.
LEVEL, GROUP, TOTAL = "level", "group", "total"
_KEYS = ("college", "department", "class")
_GROUPS = {
    "college": ["college"],
    "department": ["college", "department"],
    "class": ["college", "department", "class"],
}


def result_categories(table: pd.DataFrame) -> tuple[str, ...]:
    """The result categories of a status or pass-rate table, in its column order (the term's
    thresholds, then ``all``): ``<cat>_passed`` columns name them."""
    return tuple(c[: -len("_passed")] for c in table.columns if c.endswith("_passed"))


def group_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A pass-rate table's group rows, without its total."""
    return table[(table[LEVEL] == GROUP).to_numpy()].reset_index(drop=True)


def total_row(table: pd.DataFrame) -> pd.Series:
    """A pass-rate table's total row (all it counted)."""
    return table[(table[LEVEL] == TOTAL).to_numpy()].iloc[0]


def in_school_order(table: pd.DataFrame, rules: TermRules) -> pd.DataFrame:
    """A pass-rate table's group rows in the school's order (``school_order``), then the total
    row."""
    groups = group_rows(table)
    if not group_keys(table) or groups.empty:
        return table.reset_index(drop=True)
    groups = groups.iloc[school_order(groups, rules, then=())]
    total = table[(table[LEVEL] == TOTAL).to_numpy()]
    return pd.concat([groups, total], ignore_index=True)


def _ranks(codes: np.ndarray, uniques: Sequence, key) -> np.ndarray:  # noqa: ANN001
    """Each code's rank among ``uniques`` (what the codes index, in first appearance) by ``key``
    of a unique value; ties by first appearance."""
    order = sorted(range(len(uniques)), key=lambda i: (key(uniques[i]), i))
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    return rank[codes]


def school_order(
    frame: pd.DataFrame, rules: TermRules, then: Sequence[str] = ("student_id",)
) -> np.ndarray:
    """Row positions that put a frame with ``college`` (and ``department``, ``class``) columns in
    the school's order: the rules' ``[colleges]`` (colleges, then departments within each), a
    unit the rules do not list after the listed ones, in the order the frame first lists it (so
    two unlisted departments never mix), classes 甲乙丙丁 within their department, then the
    ``then`` columns. Stable; ranked on the distinct values, so a million rows sort at numpy's
    speed."""
    ci, cu = pd.factorize(frame["college"], use_na_sentinel=False)
    keys = [_ranks(ci, cu, lambda c: rules.unit_rank(c)[0])]
    if "department" in frame.columns:
        di, du = pd.factorize(frame["department"], use_na_sentinel=False)
        width = max(len(du), 1)
        pi, pu = pd.factorize(ci.astype(np.int64) * width + di)  # (college, department) pairs

        def in_college(code: int) -> tuple[int, int]:
            c, d = divmod(int(code), width)
            return c, rules.unit_rank(cu[c], du[d])[1]  # the college's first appearance first

        keys.append(_ranks(pi, pu, in_college))
    if "class" in frame.columns:
        ki, ku = pd.factorize(frame["class"], use_na_sentinel=False)
        keys.append(_ranks(ki, ku, class_key))
    keys += [pd.factorize(frame[c], sort=True, use_na_sentinel=False)[0] for c in then]
    return _lex(keys)


def _lex(keys: list[np.ndarray]) -> np.ndarray:
    """Positions sorted by ``keys[0]``, then ``keys[1]``, … (stable; numpy's lexsort takes its
    last key as the first)."""
    return np.lexsort(list(reversed(keys)))


def sort_in_school_order(
    frame: pd.DataFrame, rules: TermRules, then: Sequence[str] = ("student_id",)
) -> pd.DataFrame:
    """A frame of students in the school's order of its units, then by ``then``
    (``school_order``): how every list of students is read (notices, offices)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.iloc[school_order(frame, rules, then)].reset_index(drop=True)


def units_in_school_order(
    units: pd.DataFrame, rules: TermRules, kind: str = "department"
) -> list[str]:
    """The distinct colleges or departments of a frame with ``college`` and ``department``
    columns (one row a student), in the school's order."""
    distinct = units[["college", "department"]].drop_duplicates()
    ordered = distinct.iloc[school_order(distinct, rules, then=())]
    return list(dict.fromkeys(ordered[kind]))


def group_keys(table: pd.DataFrame) -> list[str]:
    """The grouping columns a table has: college, department, class, in that order."""
    return [k for k in _KEYS if k in table.columns]


def _rules(term: str | None, rules: TermRules | None) -> TermRules:
    return rules if rules is not None else load_term_rules(term or "114-1")


def population_mask(
    students: pd.DataFrame, rules: TermRules, cohort: int | None = None
) -> np.ndarray:
    """Which students the thresholds apply to: the term's program (日四技) and the senior cohort."""
    want = rules.senior_cohort if cohort is None else int(cohort)
    keep = (students["program"] == rules.program) & (students["cohort"] == want)
    return keep.fillna(False).to_numpy(dtype=bool)


def population(students: pd.DataFrame, rules: TermRules, cohort: int | None = None) -> pd.DataFrame:
    """The students the thresholds apply to, in file order."""
    return students.loc[population_mask(students, rules, cohort)].reset_index(drop=True)


def _as_of(as_of: str | dt.date | None) -> dt.date | None:
    return parse_date(as_of, what="as-of date") if isinstance(as_of, str) else as_of


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """For each value, its row in ``keys`` (the first, if repeated), -1 if absent, as int64.

    One hash join whatever the values' order (``_engine``).
    """
    return _engine.rows_in(values, keys).astype(np.int64)


# Above this many students the group keys are factorised in one thread per key.
_THREADED_GROUPS = 100_000


def _unit_sums(
    students: pd.DataFrame, keep_students: np.ndarray, records: pd.DataFrame, as_of: dt.date | None
) -> np.ndarray:
    """Per kept student (in order), the summed units of each category (shape n x 5), as int64.

    Each record's student row comes from the join kept with the records frame
    (``_engine.record_slots``: once per pair of frames, whatever the number of dates); then its
    units go into that student's sum of its category, in integers. Records dated after the
    as-of day, or of students not kept, do not count.
    """
    n = int(keep_students.sum())
    # Where each student's sums start among the kept ones' (n x categories), -1 if not kept.
    start = np.where(keep_students, (np.cumsum(keep_students) - 1) * len(CATEGORIES), -1)
    dates = records["date"].to_numpy()
    limit = (
        int(np.datetime64(as_of).astype(dates.dtype).view(np.int64)) if as_of is not None else None
    )
    slots = _engine.record_slots(records, students)
    sums = _engine.unit_sums(
        slots,
        start,
        records["category"].cat.codes.to_numpy(),
        records["units"].to_numpy(dtype=np.int64),
        dates.view(np.int64),
        limit,
        n * len(CATEGORIES),
    )
    unknown = int(np.count_nonzero(slots == 0))
    if unknown:
        missing_ids = pd.unique(records["student_id"].to_numpy()[slots == 0])
        sample = joined(missing_ids[:5])
        warnings.warn(
            UnknownStudentsWarning(
                say(
                    "thresholds_messages",
                    "unknown_students",
                    records=f"{unknown:,}",
                    students=f"{len(missing_ids):,}",
                    sample=sample,
                ),
                count=unknown,
            ),
            stacklevel=3,
        )
    return sums.reshape(n, len(CATEGORIES))


def _effective(units: np.ndarray, rules: TermRules) -> dict[str, np.ndarray]:
    """Units that count toward each threshold (aesthetics into engagement where the rules say)."""
    col = {c: units[..., i] for i, c in enumerate(CATEGORIES)}
    eff = {c: col[c] for c in rules.threshold_categories}
    if rules.aesthetics_into:
        eff[rules.aesthetics_into] = eff[rules.aesthetics_into] + col["aesthetics"]
    return eff


def student_status(
    students: pd.DataFrame,
    records: pd.DataFrame,
    *,
    term: str | None = None,
    as_of: str | dt.date | None = None,
    cohort: int | None = None,
    rules: TermRules | None = None,
) -> pd.DataFrame:
    """One row per student of the population: units earned per category and pass flags.

    Columns: the student columns, ``<cat>_units`` for the five record categories (integer
    1/1000 h), ``<cat>_passed`` for each threshold of the term and ``all_passed``. Records dated after
    ``as_of`` do not count; a record dated on it does.
    """
    rules = _rules(term, rules)
    mask = population_mask(students, rules, cohort)
    units = _unit_sums(students, mask, records, _as_of(as_of))
    out = students.loc[mask].reset_index(drop=True)
    for i, c in enumerate(CATEGORIES):
        out[f"{c}_units"] = units[:, i]
    for c, ok in zip(rules.result_categories, pass_flags(units, rules).T, strict=True):
        out[f"{c}_passed"] = ok
    return out


def units_as_of(
    students: pd.DataFrame,
    records: pd.DataFrame,
    rules: TermRules,
    dates: Sequence[dt.date],
    cohort: int | None = None,
) -> np.ndarray:
    """Units per category of each population student (file order) as of each date: int64
    (dates, students, 5), counted as ``student_status`` counts them; ``pass_flags`` turns any
    slice into pass flags."""
    mask = population_mask(students, rules, cohort)
    out = np.zeros((len(dates), int(mask.sum()), len(CATEGORIES)), dtype=np.int64)
    for k, d in enumerate(dates):
        out[k] = _unit_sums(students, mask, records, _as_of(d))
    return out


def pass_flags(units: np.ndarray, rules: TermRules) -> np.ndarray:
    """Pass flags (..., thresholds + 1) from units (..., 5 record categories): each threshold of
    the term in order, then all of them."""
    eff = _effective(units, rules)
    ok = [eff[c] >= rules.thresholds[c] for c in rules.threshold_categories]
    return np.stack([*ok, np.logical_and.reduce(ok)], axis=-1)


def rate_hundredths(passed: np.ndarray | pd.Series, n: np.ndarray | pd.Series) -> np.ndarray:
    """``passed / n`` as a percentage in exact hundredths, rounded half-up (29.445 -> 2945)."""
    p = np.asarray(passed, dtype=np.int64)
    q = np.asarray(n, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, (p * 20000 + q) // np.maximum(2 * q, 1), -1)


def _rate(passed: np.ndarray | pd.Series, n: np.ndarray | pd.Series) -> np.ndarray:
    h = rate_hundredths(passed, n)
    return np.where(h >= 0, h / 100, np.nan)


def _group_table(
    frame: pd.DataFrame,
    rows: np.ndarray | None,
    flags: np.ndarray,
    by: str,
    categories: Sequence[str],
) -> pd.DataFrame:
    """Counts per group of ``frame``'s rows (all, or those in the boolean ``rows``), in the order
    groups first appear, and the total row (``level`` ``"total"``, its keys empty). ``flags`` is (students x categories):
    the pass flags of each of ``categories`` (the thresholds, then all), one row per student."""
    if by not in _GROUPS:
        raise OptionError("by", by, say("thresholds_messages", "by", allowed=joined(_GROUPS)))
    keys = _GROUPS[by]
    combined = np.zeros(len(frame), dtype=np.int64)
    names = []

    def factorize(k: str) -> tuple[np.ndarray, pd.Index]:
        return pd.factorize(frame[k], use_na_sentinel=False)

    big = len(frame) >= _THREADED_GROUPS
    factorized = map_threads(factorize, keys) if big else [factorize(k) for k in keys]
    for codes, uniq in factorized:  # one integer per distinct key tuple: mixed radix over codes
        combined = combined * len(uniq) + codes
        names.append(uniq)
    if rows is not None:
        combined = combined[rows]
    group, first = pd.factorize(combined)  # order of first appearance
    ng = len(first)
    students = np.bincount(group, minlength=ng)
    # Passes per (group, flag): one count over the set flags, not one weighted sum per flag.
    who, which = np.nonzero(flags)
    width = flags.shape[1]
    passed = np.bincount(group[who] * width + which, minlength=ng * width).reshape(ng, width)
    counted_total = passed.sum(axis=0)
    labels, rest = {}, np.asarray(first, dtype=np.int64)
    for k, uniq in zip(reversed(keys), reversed(names), strict=True):  # decode the radix
        rest, code = np.divmod(rest, len(uniq))
        labels[k] = np.asarray(uniq, dtype=object)[code] if ng else np.zeros(0, dtype=object)
    out = pd.DataFrame({k: pd.array(labels[k], dtype="string") for k in keys})
    total = pd.DataFrame([{k: "" for k in keys}]).astype("string")
    out = pd.concat([out, total], ignore_index=True).fillna("")
    # What a row covers, as a code: a group, or the total of everything counted (the whole
    # school, or the one department a report is about). Views word it from the report's scope.
    out.insert(0, LEVEL, pd.array([GROUP] * ng + [TOTAL], dtype="string"))
    out["students"] = np.r_[students, len(group)].astype(np.int64)
    sums = np.vstack([passed, counted_total])
    for j, c in enumerate(categories):
        out[f"{c}_passed"] = sums[:, j].astype(np.int64)
        out[f"{c}_rate"] = _rate(out[f"{c}_passed"], out["students"])
    return out


def summarise(status: pd.DataFrame, by: str = "department") -> pd.DataFrame:
    """Pass counts and rates per group of a status table, plus the total row (``level`` is
    ``"group"`` on each group's row and ``"total"`` on the last)."""
    cats = result_categories(status)
    flags = status[[f"{c}_passed" for c in cats]].to_numpy(dtype=bool)
    return _group_table(status, None, flags, by, cats)


def pass_rates(
    students: pd.DataFrame,
    records: pd.DataFrame,
    *,
    term: str | None = None,
    as_of: str | dt.date | None = None,
    cohort: int | None = None,
    by: str = "department",
    rules: TermRules | None = None,
) -> pd.DataFrame:
    """The pass-rate table the CLI writes: one row per group and a last total row.

    Columns: ``level`` (``group`` or ``total``), the group columns (``college``, ``department``, ``class`` as ``by`` needs),
    ``students``, then ``<cat>_passed`` and ``<cat>_rate`` (percent, half-up to 2 decimals) for
    each threshold of the term (resilience, enhancement, engagement, certificate since 113-2),
    then all.
    """
    # The status table's numbers without building it: flags per population student, then counts.
    rules = _rules(term, rules)
    mask = population_mask(students, rules, cohort)
    units = _unit_sums(students, mask, records, _as_of(as_of))
    table = _group_table(students, mask, pass_flags(units, rules), by, rules.result_categories)
    return in_school_order(table, rules)


def format_amount(units: int) -> str:
    """Integer 1/1000 units as the shortest decimal: 3000 -> "3", 2500 -> "2.5"."""
    return _format_units(int(units))


@functools.lru_cache(maxsize=1 << 12)
def _format_units(units: int) -> str:  # a roster or a notice run repeats the same amounts
    d = (Decimal(units) / UNIT).normalize()
    return f"{d:f}"


def student_card(row: pd.Series | dict, rules: TermRules) -> dict[str, str]:
    """The student view of the seed: ``抗壓 4 / 3 通過``, ``社會接軌 24 + 4 / 24 通過``."""

    def verdict(ok: bool) -> str:
        return VERDICT_LABELS["passed" if ok else "not_passed"]

    card = {rules.label("all"): verdict(bool(row["all_passed"]))}
    for c in rules.threshold_categories:
        need = format_amount(rules.thresholds[c])
        own = format_amount(row[f"{c}_units"])
        if c == rules.aesthetics_into:
            own = f"{own} + {format_amount(row['aesthetics_units'])}"
        card[rules.label(c)] = f"{own} / {need} {verdict(bool(row[f'{c}_passed']))}"
    if rules.aesthetics_into:
        card[rules.label("aesthetics")] = say(
            "thresholds_card",
            "merged",
            amount=format_amount(row["aesthetics_units"]),
            into=rules.label(rules.aesthetics_into),
        )
    return card


def pass_dates(
    students: pd.DataFrame,
    records: pd.DataFrame,
    *,
    term: str | None = None,
    cohort: int | None = None,
    rules: TermRules | None = None,
) -> pd.DataFrame:
    """For each population student, the date each threshold was first reached (NaT: not yet).

    The pass count as of any date ``d`` is the number of dates ``<= d``, so a whole progress
    curve costs one sort of the records instead of one status table per week.
    """
    rules = _rules(term, rules)
    pop = population(students, rules, cohort)
    idx = positions(records["student_id"], pop["student_id"])
    keep = idx >= 0
    cat = records["category"].to_numpy(dtype=object)[keep]
    if rules.aesthetics_into:
        cat = np.where(cat == "aesthetics", rules.aesthetics_into, cat)
    rec = pd.DataFrame(
        {
            "s": idx[keep],
            "c": cat,
            "u": records["units"].to_numpy()[keep],
            "d": records["date"].to_numpy()[keep],
        }
    )
    cats = rules.threshold_categories
    rec = rec[rec["c"].isin(cats)].sort_values(["s", "c", "d"], kind="stable")
    rec["cum"] = rec.groupby(["s", "c"], sort=False)["u"].cumsum()
    need = rec["c"].map(rules.thresholds).astype("int64")
    first = rec[rec["cum"] >= need].groupby(["s", "c"], sort=False)["d"].min()
    out = pop[["student_id", "college", "department", "class"]].copy()
    for c in cats:
        dates = pd.Series(pd.NaT, index=range(len(pop)), dtype="datetime64[s]")
        if rules.thresholds[c] == 0:
            dates[:] = pd.Timestamp.min.floor("s")
        sub = first.xs(c, level="c") if c in first.index.get_level_values("c") else None
        if sub is not None:
            dates.loc[sub.index] = sub.to_numpy()
        out[c] = dates.to_numpy()
    # A student passes all of them on the day the last one is reached.
    each = out[list(cats)]
    out["all"] = each.max(axis=1).where(each.notna().all(axis=1))
    return out


def progress(dates_table: pd.DataFrame, at: Sequence[dt.date]) -> pd.DataFrame:
    """Pass rate per category as of each date in ``at`` (long format: date, category, passed,
    students, rate)."""
    n = len(dates_table)
    rows = []
    for c in [k for k in dates_table.columns if k not in _KEYS and k != "student_id"]:
        col = np.sort(dates_table[c].dropna().to_numpy().astype("datetime64[s]"))
        marks = np.array([np.datetime64(d, "s") for d in at])
        passed = np.searchsorted(col, marks, side="right")
        rows.append(
            pd.DataFrame(
                {"date": pd.to_datetime(marks), "category": c, "passed": passed, "students": n}
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["rate"] = _rate(out["passed"], out["students"])
    return out


def nudge_units(rules: TermRules, category: str) -> int | None:
    """How far short (1/1000 units) a reminder may still carry a student over ``category``'s
    threshold: the term's first gap band of hours; ``None`` for a category counted in whole
    items (a certificate has to be earned: no reminder gives it)."""
    if rules.is_counted(category):
        return None
    return int(rules.gap_bands[0]) * UNIT


def shortfall(status: pd.DataFrame, rules: TermRules) -> pd.DataFrame:
    """What each student of ``status`` (a ``student_status`` table, same order) still misses.

    One column per threshold of the term: the units short (integer 1/1000 h or items; 0 when
    passed), counting 美學 into its category where the rules merge it; and ``<cat>_nudge``: short,
    but within ``nudge_units`` (never for a counted category). The one place gaps, cards,
    rosters and notices learn what is missing."""
    eff = _effective(status[[f"{c}_units" for c in CATEGORIES]].to_numpy(), rules)
    cols = {}
    for c in rules.threshold_categories:
        short = np.maximum(rules.thresholds[c] - eff[c], 0).astype(np.int64)
        cols[c] = short
        nudge = nudge_units(rules, c)
        cols[f"{c}_nudge"] = (
            (short > 0) & (short <= nudge) if nudge is not None else np.zeros(len(short), bool)
        )
    return pd.DataFrame(cols, index=status.index)  # one frame at once, not column by column


def missing_parts(short: pd.Series | dict, rules: TermRules) -> list[tuple[str, int]]:
    """A student's missing categories as (category, units short), in the term's order, from a
    row of ``shortfall``."""
    return [(c, int(short[c])) for c in rules.threshold_categories if int(short[c]) > 0]


def gap_table(status: pd.DataFrame, rules: TermRules) -> pd.DataFrame:
    """Among students who have not passed, how far each is from the threshold.

    Hours categories in the term's ``gap_bands`` (1, 3, 6: "within 1 h", "within 3 h", "within
    6 h", then "more"); counted categories (certificates) as 1 short, or more. One row per
    category and band: ``category``, ``lo`` and ``hi`` (the band is ``lo < short <= hi`` in whole
    hours or items; ``hi`` is ``<NA>`` for the open last band), ``band`` (its label, built from
    those numbers and the term's unit), ``students``, and ``nudge`` (the band is within what a
    reminder may close, ``nudge_units``; never for a counted category).
    """
    rows = []
    gaps = shortfall(status, rules)
    for c in rules.threshold_categories:
        short = gaps[c].to_numpy()
        short = short[short > 0]
        counted = rules.is_counted(c)
        edges = [1] if counted else list(rules.gap_bands)
        nudge = nudge_units(rules, c)
        lo = 0
        for hi in [*edges, None]:
            inside = short > lo * UNIT
            if hi is not None:
                inside &= short <= hi * UNIT
            rows.append(
                {
                    "category": c,
                    "lo": lo,
                    "hi": hi,
                    "band": gap_band_label(lo, hi, rules.unit(c), counted=counted),
                    "students": int(inside.sum()),
                    "nudge": nudge is not None and hi is not None and hi * UNIT <= nudge,
                }
            )
            lo = hi
    out = pd.DataFrame(rows)
    out["hi"] = out["hi"].astype("Int64")
    return out


def gap_band_label(lo: int, hi: int | None, unit: str, *, counted: bool = False) -> str:
    """差 1 小時內 / 差 6 小時以上 / 差 1 張 / 差 2 張以上."""
    if counted:
        if hi is None:
            return say("thresholds_bands", "counted_over", n=f"{lo + 1:,}", unit=unit)
        return say("thresholds_bands", "counted", n=f"{hi:,}", unit=unit)
    if hi is None:
        return say("thresholds_bands", "over", n=f"{lo:,}", unit=unit)
    return say("thresholds_bands", "within", n=f"{hi:,}", unit=unit)


def change_table(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Change in passed counts and rates between two pass-rate tables of the same grouping."""
    keys = [LEVEL, *(k for k in _KEYS if k in now.columns)]
    merged = now.merge(before, on=keys, how="left", suffixes=("", "_before"), sort=False)
    out = merged[keys + ["students"]].copy()
    for c in result_categories(now):
        out[f"{c}_passed_change"] = merged[f"{c}_passed"] - merged[f"{c}_passed_before"].fillna(
            0
        ).astype("int64")
        out[f"{c}_rate_change"] = (
            (merged[f"{c}_rate"] - merged[f"{c}_rate_before"]) * 100
        ).round() / 100
    return out


def outreach_table(table: pd.DataFrame, rules: TermRules) -> pd.DataFrame:
    """Per group, how many students each office still has to reach (not yet passed)."""
    keys = [LEVEL, *(k for k in _KEYS if k in table.columns)]
    out = table[keys + ["students"]].copy()
    for c in rules.threshold_categories:
        out[c] = table["students"] - table[f"{c}_passed"]
    out["all"] = table["students"] - table["all_passed"]
    return out
