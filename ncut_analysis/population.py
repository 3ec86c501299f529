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

from .errors import InputError, Problem
from .headers import aliases, clean_text
from .rules import TermRules

__all__ = [
    "MAX_UNKNOWN_SHARE",
    "MAX_UNMATCHED_SHARE",
    "PopulationError",
    "PopulationReport",
    "known_programs",
    "check_population",
]

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
        """One line for the person running it (Traditional Chinese)."""
        parts = [
            f"學生名單 {self.read:,} 人，計入 {self.counted:,} 人"
            f"（學制 {self.program}、入學年度 {self.cohort}）"
        ]
        out = []
        if self.by_program:
            out.append(
                f"學制不符 {sum(self.by_program.values()):,} 人（{_values(self.by_program)}）"
            )
        if self.by_cohort:
            out.append(
                f"入學年度不符 {sum(self.by_cohort.values()):,} 人（{_values(self.by_cohort)}）"
            )
        parts.append("未計入 " + (f"{self.left_out:,} 人：" + "、".join(out) if out else "0 人"))
        if self.no_records:
            parts.append(f"計入者中 {self.no_records:,} 人無任何紀錄（以未通過計）")
        if self.unmatched_records:
            parts.append(
                f"紀錄 {self.records:,} 筆中 {self.unmatched_records:,} 筆的學號不在學生名單"
                f"（未計，例如 {'、'.join(self.unmatched_ids)}）"
            )
        if self.western_cohorts:
            parts.append(f"{self.western_cohorts:,} 人的入學年度為西元年，已換算為民國年")
        return "；".join(parts) + "。"


def _values(counts: dict) -> str:
    shown = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    text = "、".join(f"{k} {v:,}" for k, v in shown[:8])
    return text + (f" 等 {len(shown)} 種" if len(shown) > 8 else "")


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
        programs = _values(program.value_counts(dropna=False).to_dict()) or "（無）"
        cohorts = (
            _values(students.loc[in_program, "cohort"].value_counts().to_dict())
            if in_program.any()
            else _values(students["cohort"].value_counts().to_dict())
        ) or "（無）"
        why = (
            f"沒有學生被計入：應為學制「{rules.program}」且入學年度 {want}"
            f"（{rules.term} 的規則）；檔案中的學制：{programs}；"
            f"{'該學制的' if in_program.any() else ''}入學年度：{cohorts}"
        )
        raise PopulationError(name, [Problem(None, "program", None, why)])
    n_unknown = sum(unknown.values())
    if n_unknown > MAX_UNKNOWN_SHARE * report.read:
        why = (
            f"{n_unknown:,} / {report.read:,} 人的學制不是「{rules.program}」也不是已知學制，"
            f"因此未計入（超過 {MAX_UNKNOWN_SHARE:.0%}）：{_values(unknown)}；"
            f"請更正檔案，或在 rules/columns.toml 的 [programs] 登錄此學制"
        )
        raise PopulationError(name, [Problem(None, "program", None, why)])
    if records is not None and report.unmatched_records > MAX_UNMATCHED_SHARE * report.records:
        why = (
            f"{report.unmatched_records:,} / {report.records:,} 筆紀錄的學號不在學生名單 "
            f"{name}（例如 {'、'.join(report.unmatched_ids)}；超過一半）：兩個檔案不相符，"
            "或學號寫法不同"
        )
        raise PopulationError(str(records_file), [Problem(None, "student_id", None, why)])
    return report


def _matched(students: pd.DataFrame, counted: np.ndarray, records: pd.DataFrame | None) -> dict:
    """The records' match against the students: how many name no student, and how many
    counted students have no record at all. One hash pass over the records (their distinct
    ids); the rest is over the distinct ids and the students only."""
    if records is None:
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    rid = pa.array(records["student_id"].array)
    sid = pa.array(students["student_id"].array)
    seen = pc.unique(rid).drop_null()
    unknown = seen.filter(pc.invert(pc.is_in(seen, value_set=sid)))
    n_unmatched = 0
    if len(unknown):
        n_unmatched = int(pc.sum(pc.is_in(rid, value_set=unknown)).as_py() or 0)
    has = pc.is_in(sid, value_set=seen).to_numpy(zero_copy_only=False)
    return {
        "records": len(records),
        "unmatched_records": n_unmatched,
        "unmatched_ids": tuple(str(v) for v in unknown[:3].to_pylist()),
        "no_records": int((counted & ~has).sum()),
    }
