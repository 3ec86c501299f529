"""Who a run counts, and who it leaves out by which rule, told before anything is written.

A term's thresholds apply to one program (日四技) and one entry cohort (the seniors). A students
file may hold every program and cohort of the school, so leaving students out is normal; what
is not normal is a spelling the rules do not know. ``check_population`` counts, per rule, the
students left out and the values they hold, and stops (``PopulationError``, exit status 2)
when:

- nobody is counted: the values the file holds are listed beside the ones expected
  (學制 ``日間部四技`` where ``日四技`` is expected; an entry year of ``2022`` is converted to
  ROC 111 when read, see ``loaders.load_students``);
- more than ``MAX_UNKNOWN_SHARE`` (1%) of the students read hold a 學制 that is neither the
  term's nor one the school lists in ``rules/columns.toml`` [programs]: one stray row in a
  hundred can be a typo, more is a spelling the rules do not know, and every rate would shift;
- more than ``MAX_UNMATCHED_SHARE`` (half) of the records name a student id the students file
  does not have (ids are compared after NFKC and upper-casing): the two files do not belong
  together, or the ids are written differently.

Below those shares the run goes on and ``PopulationReport.describe`` says what was left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, OptionError, Problem
from .headers import aliases, clean_text
from .labels import LABELS
from .present import Scope, count
from .rules import TermRules

__all__ = [
    "MAX_UNKNOWN_SHARE",
    "MAX_UNMATCHED_SHARE",
    "PopulationError",
    "PopulationReport",
    "known_programs",
    "check_population",
    "check_scope",
    "check_scope_options",
    "check_pair",
]

_WORDS = LABELS["population_describe"]
_ERRORS = LABELS["population_error"]
_SCOPE = LABELS["population_scope"]

MAX_UNKNOWN_SHARE = 0.01
MAX_UNMATCHED_SHARE = 0.5


class PopulationError(InputError):
    """A run that would count nobody, or leave out students or records by a spelling the
    rules do not know (see the module)."""


@dataclass(frozen=True)
class PopulationReport:
    """How many students were read and counted, and who was left out by which rule."""

    read: int
    counted: int
    program: str
    cohort: int
    by_program: dict[str, int] = field(default_factory=dict)  # other 學制 -> students
    by_cohort: dict[int, int] = field(default_factory=dict)  # of the program: other year -> n
    unknown_programs: dict[str, int] = field(default_factory=dict)  # not a known 學制
    no_records: int = 0  # counted, without a single record (counted as 未通過)
    records: int = 0
    unmatched_records: int = 0
    unmatched_ids: tuple[str, ...] = ()  # a few, for the message
    western_cohorts: int = 0  # entry years read as Western and converted (2022 -> 111)

    @property
    def left_out(self) -> int:
        return self.read - self.counted

    def describe(self) -> str:
        """One line for the person running it (Traditional Chinese, from the label table)."""
        w = _WORDS
        parts = [
            w["read"].format(
                read=count(self.read), counted=count(self.counted), program=self.program,
                cohort=self.cohort,
            )
        ]  # fmt: skip
        out = []
        if self.by_program:
            n = count(sum(self.by_program.values()))
            out.append(w["by_program"].format(n=n, values=_values(self.by_program, "program")))
        if self.by_cohort:
            n = count(sum(self.by_cohort.values()))
            out.append(w["by_cohort"].format(n=n, values=_values(self.by_cohort, "cohort")))
        if out:
            parts.append(w["left_out"].format(n=count(self.left_out), why=w["list_join"].join(out)))
        else:
            parts.append(w["left_none"])
        if self.no_records:
            parts.append(w["no_records"].format(n=count(self.no_records)))
        if self.unmatched_records:
            parts.append(
                w["unmatched"].format(
                    records=count(self.records), n=count(self.unmatched_records),
                    ids=w["list_join"].join(self.unmatched_ids),
                )
            )  # fmt: skip
        if self.western_cohorts:
            parts.append(w["western"].format(n=count(self.western_cohorts)))
        return w["join"].join(parts) + w["end"]


def _values(counts: dict, kind: str) -> str:
    w = _WORDS
    shown = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    text = w["list_join"].join(w[f"value_{kind}"].format(key=k, n=count(v)) for k, v in shown[:8])
    return text + (w["more"].format(n=len(shown)) if len(shown) > 8 else "")


def known_programs(rules: TermRules) -> frozenset[str]:
    """The 學制 a students file may hold: the term's, and every program the school lists in
    ``rules/columns.toml`` [programs] (with their spellings)."""
    names = {rules.program}
    for name, spelled in aliases("programs").items():
        names.add(name)
        names.update(spelled)
    return frozenset(clean_text(n) for n in names)


def check_population(
    students: pd.DataFrame,
    records: pd.DataFrame | None,
    rules: TermRules,
    *,
    cohort: int | None = None,
    students_file: str | Path = "students",
    records_file: str | Path = "records",
) -> PopulationReport:
    """Count the population of ``rules`` (and ``cohort``, default the seniors) in ``students``
    and match ``records`` to the students; raise ``PopulationError`` as the module says, else
    return the report."""
    want = rules.senior_cohort if cohort is None else int(cohort)
    program = students["program"].astype("string")
    in_program = (program == rules.program).fillna(False).to_numpy(dtype=bool)
    in_cohort = (students["cohort"] == want).fillna(False).to_numpy(dtype=bool)
    counted = in_program & in_cohort
    by_program = program[~in_program].value_counts(dropna=False)
    by_cohort = students.loc[in_program & ~in_cohort, "cohort"].value_counts()
    known = known_programs(rules)
    unknown = {str(k): int(v) for k, v in by_program.items() if str(k) not in known}
    report = PopulationReport(
        read=len(students),
        counted=int(counted.sum()),
        program=rules.program,
        cohort=want,
        by_program={str(k): int(v) for k, v in by_program.items()},
        by_cohort={int(k): int(v) for k, v in by_cohort.items()},
        unknown_programs=unknown,
        western_cohorts=int(students.attrs.get("western_cohorts", 0)),
        **_matched(students, counted, records),
    )
    name = str(students_file)
    if report.counted == 0:
        none = _WORDS["none"]
        programs = _values(program.value_counts(dropna=False).to_dict(), "program") or none
        cohorts = (
            _values(students.loc[in_program, "cohort"].value_counts().to_dict(), "cohort")
            if in_program.any()
            else _values(students["cohort"].value_counts().to_dict(), "cohort")
        ) or none
        why = _ERRORS["nobody"].format(
            program=rules.program, cohort=want, term=rules.term, programs=programs,
            of_program=_ERRORS["of_program"] if in_program.any() else "", cohorts=cohorts,
        )  # fmt: skip
        raise PopulationError(name, [Problem(None, "program", None, why)])
    n_unknown = sum(unknown.values())
    if n_unknown > MAX_UNKNOWN_SHARE * report.read:
        why = _ERRORS["unknown"].format(
            n=count(n_unknown), read=count(report.read), program=rules.program,
            share=f"{MAX_UNKNOWN_SHARE:.0%}", values=_values(unknown, "program"),
        )  # fmt: skip
        raise PopulationError(name, [Problem(None, "program", None, why)])
    if records is not None and report.unmatched_records > MAX_UNMATCHED_SHARE * report.records:
        why = _ERRORS["unmatched"].format(
            n=count(report.unmatched_records), records=count(report.records), name=name,
            ids=_WORDS["list_join"].join(report.unmatched_ids),
        )  # fmt: skip
        raise PopulationError(str(records_file), [Problem(None, "student_id", None, why)])
    return report


def _matched(students: pd.DataFrame, counted: np.ndarray, records: pd.DataFrame | None) -> dict:
    """The records' match against the students: how many name no student (the first few of
    their ids, in the records' order), and how many counted students have no record at all.
    Read from the one join of the records to the students (``_engine.record_slots``), which
    the counts after it use too."""
    if records is None:
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    from ._engine import record_slots

    slots = record_slots(records, students)
    alone = np.flatnonzero(slots == 0)
    n_unmatched = len(alone)
    unknown = pa.array([], pa.string())
    if n_unmatched:
        ids = pa.array(records["student_id"].array)
        unknown = pc.unique(ids.take(pa.array(alone)).drop_null())
    has = np.bincount(slots, minlength=len(students) + 1)[1:] > 0
    return {
        "records": len(records),
        "unmatched_records": n_unmatched,
        "unmatched_ids": tuple(str(v) for v in unknown[:3].to_pylist()),
        "no_records": int((counted & ~has).sum()),
    }


def check_scope(
    seniors: pd.DataFrame,
    *,
    college: str = "",
    department: str = "",
    college_option: str = "college",
    department_option: str = "department",
    rules: TermRules | None = None,
) -> Scope:
    """The scope a briefing covers among ``seniors`` (rows with ``college`` and ``department``):
    the school, one college or one department. A name the seniors do not hold, or a college
    and a department together, is an ``OptionError`` naming the option and the value and
    listing the known ones (in the school's order when ``rules`` are given, else as the students
    file lists them)."""
    college, department = clean_text(college or ""), clean_text(department or "")
    if college and department:
        raise OptionError(
            college_option, college, _SCOPE["exclusive"].format(other=department_option)
        )
    join = _SCOPE["known_join"]

    def known_units(kind: str) -> list[str]:
        if rules is None:
            return list(dict.fromkeys(seniors[kind].astype(str)))
        from .thresholds import units_in_school_order

        return [str(u) for u in units_in_school_order(seniors, rules, kind)]

    if department:
        known = known_units("department")
        if department not in known:
            raise OptionError(
                department_option, department,
                _SCOPE["unknown_department"].format(known=join.join(known)),
            )  # fmt: skip
        mine = (seniors["department"] == department).to_numpy()
        return Scope("department", department, str(seniors.loc[mine, "college"].iloc[0]))
    if college:
        known = known_units("college")
        if college not in known:
            raise OptionError(
                college_option, college, _SCOPE["unknown_college"].format(known=join.join(known))
            )
        return Scope("college", college, college)
    return Scope()


def check_scope_options(options: dict[str, object]) -> None:
    """A briefing covers one scope: of ``options`` (a name as the caller spells it, ``--college``
    or ``college``, and its value), at most one may be given; two are an ``OptionError`` naming
    both (a flag's value shown empty)."""
    given = [(name, value) for name, value in options.items() if value]
    if len(given) > 1:
        (name, value), (other, _) = given[0], given[1]
        shown = "" if value is True else value
        raise OptionError(name, shown, _SCOPE["exclusive"].format(other=other))


def check_pair(
    students: object, records: object, options: tuple[str, str] = ("--students", "--records")
) -> None:
    """--students and --records go together: one without the other is an error, never the
    shipped synthetic file for the missing one. ``options``: their names as the caller knows
    them (the command's options, or a notebook's parameters)."""
    if bool(students) != bool(records):
        given, missing = options if students else options[::-1]
        raise OptionError(given, students or records, _ERRORS["pair"].format(missing=missing))
