"""Rules as data: one TOML file per term (thresholds) and per admission year, validated on load."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import RulesError, joined, say
from ..paths import RULES_DIR

__all__ = [
    "CATEGORIES",
    "THRESHOLD_CATEGORIES",
    "SPECIAL_ITEMS",
    "NORMAL_ITEMS",
    "RulesError",
    "FrozenMap",
    "TermRules",
    "Program",
    "AdmissionRules",
    "load_term_rules",
    "load_admission_rules",
    "parse_term",
    "RULES_DIR_ENV",
    "rules_dirs",
    "find_rules_file",
]

# The record categories the loaders know (the school's vocabulary), in display order. Which of
# them have a threshold of their own, their labels, units and gap bands are each term's data:
# `aesthetics` had its own threshold before 113-2 and is merged into `engagement` since.
CATEGORIES: tuple[str, ...] = (
    "resilience",
    "enhancement",
    "engagement",
    "aesthetics",
    "certificate",
)
# The thresholds of the shipped terms (113-2 on); code that has a `TermRules` asks it instead.
THRESHOLD_CATEGORIES: tuple[str, ...] = ("resilience", "enhancement", "engagement", "certificate")
NORMAL_ITEMS: tuple[str, ...] = ("written", "interview", "review")
SPECIAL_ITEMS: tuple[str, ...] = (
    "tvee",
    "school_grades",
    "conduct",
    "autobiography",
    "certificates",
    "awards",
    "other",
)
# Amounts are held as integers of this many units per hour (or per certificate).
UNIT = 1000


def _say(code: str, **values: object) -> str:
    return say("messages_rules", code, **values)


def parse_term(term: str) -> tuple[int, int]:
    """``"114-1"`` -> ``(114, 1)``."""
    m = re.fullmatch(r"(\d{2,3})-([12])", term.strip())
    if not m:
        raise RulesError(_say("term_form", term=term))
    return int(m.group(1)), int(m.group(2))


def _check_keys(
    path: Path, where: str, table: dict[str, Any], allowed: set[str], required: set[str]
) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RulesError(_say("unknown_keys", path=path, where=where, keys=joined(unknown)))
    missing = sorted(required - set(table))
    if missing:
        raise RulesError(_say("missing_keys", path=path, where=where, keys=joined(missing)))


def _date(path: Path, key: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RulesError(_say("not_date", path=path, key=key, value=value)) from None


def _amount_units(path: Path, key: str, value: Any) -> int:
    """A threshold such as "3" or "2.5" as an exact integer number of 1/UNIT hours."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise RulesError(_say("not_number", path=path, key=key, value=value)) from None
    units = d * UNIT
    if d < 0 or units != units.to_integral_value():
        raise RulesError(_say("amount", path=path, key=key, value=value))
    return int(units)


class FrozenMap(Mapping):
    """A read-only, picklable mapping that keeps its insertion order: loaded rules are shared by
    every caller (they are cached), so nobody may change them for the rest of the process."""

    __slots__ = ("_d",)

    def __init__(self, items: Mapping | Iterator | None = None) -> None:
        object.__setattr__(self, "_d", dict(items or {}))

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        return hash(tuple(self._d.items()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("rules are read-only; use TermRules.replace for a what-if copy")

    def __reduce__(self) -> tuple:
        return (FrozenMap, (self._d,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"


def _freeze(obj: Any, name: str, kind: type = FrozenMap) -> None:
    """In a frozen dataclass's ``__post_init__``: store ``name`` as an immutable ``kind``."""
    object.__setattr__(obj, name, kind(getattr(obj, name)))


@dataclass(frozen=True)
class TermRules:
    """Graduation thresholds of one term; amounts in integer 1/1000 hour (or certificate).

    Immutable: the mappings are read-only, so a loaded (and cached) term cannot be changed by one
    caller for every later one; ``replace`` makes a what-if copy.
    """

    term: str
    program: str
    senior_offset: int
    settlement_date: dt.date
    notice_date: dt.date
    deadline: dt.date
    aesthetics_into: str | None
    thresholds: Mapping[str, int]
    labels: Mapping[str, str]
    offices: Mapping[str, str]
    units: Mapping[str, str]
    counted: tuple[str, ...] = ("certificate",)
    gap_bands: tuple[int, ...] = (1, 3, 6)
    # The planned notice dates (optional key `notice_dates`; default: the one `notice_date`).
    notice_dates: tuple[dt.date, ...] = ()
    # The school's colleges and each one's departments in the order the school lists them (the
    # published table's); optional key ``[colleges]``. Units not listed follow, as first seen.
    colleges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("thresholds", "labels", "offices", "units"):
            _freeze(self, name)
        object.__setattr__(
            self, "colleges", FrozenMap({c: tuple(d) for c, d in dict(self.colleges).items()})
        )
        _freeze(self, "counted", tuple)
        _freeze(self, "gap_bands", tuple)
        _freeze(self, "notice_dates", tuple)

    @property
    def year(self) -> int:
        return parse_term(self.term)[0]

    @property
    def senior_cohort(self) -> int:
        return self.year - self.senior_offset

    @property
    def threshold_categories(self) -> tuple[str, ...]:
        """The categories with a threshold of their own, in the file's order."""
        return tuple(self.thresholds)

    @property
    def result_categories(self) -> tuple[str, ...]:
        """The thresholds, then ``"all"`` (every one of them passed)."""
        return (*self.thresholds, "all")

    def label(self, category: str) -> str:
        return self.labels.get(category, category)

    def measure(self, category: str, measure: str = "rate") -> str:
        """抗壓通過率, 全數通過率, 證照通過人數: a category's measure as the reader reads it."""
        from ..labels import measure_of

        return measure_of(self.label(category), measure)

    def unit(self, category: str) -> str:
        """小時 or 張: what the category's amounts count."""
        return self.units.get(category, "")

    def is_counted(self, category: str) -> bool:
        """Whole items (certificates), not hours."""
        return category in self.counted

    def unit_rank(self, college: object, department: object = None) -> tuple[int, int]:
        """Where a college (and a department in it) comes in the school's order; a unit the
        rules do not list sorts after every listed one (a stable sort keeps its file order)."""
        colleges = list(self.colleges)
        c = colleges.index(college) if college in self.colleges else len(colleges)
        departments = self.colleges.get(college, ())
        d = departments.index(department) if department in departments else len(departments)
        return c, d

    def replace(self, **changes: Any) -> TermRules:
        """A what-if copy (e.g. ``thresholds={...}``); the file is untouched."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return TermRules(**values)


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    department: str
    short: str
    quota: int
    interview_top: int | None
    special_weights: Mapping[str, int]
    special_tiebreak: tuple[str, ...]

    def __post_init__(self) -> None:
        _freeze(self, "special_weights")
        _freeze(self, "special_tiebreak", tuple)


@dataclass(frozen=True)
class AdmissionRules:
    year: int
    max_age: int
    min_applicants: int
    normal_weights: Mapping[str, int]
    normal_tiebreak: tuple[str, ...]
    programs: tuple[Program, ...]
    min_age: int = 15
    # The exam day (陸.一): a birth date after it is a data error. None: not checked.
    exam_date: dt.date | None = None
    # The items scored by people, the only ones the Monte Carlo's scorer noise touches, in
    # either state ([noise] scored_by_people); the default is every item but 筆試, 統測 and
    # 在校成績 (read by machine or copied from a record).
    scored_by_people: tuple[str, ...] = (
        "interview",
        "review",
        "conduct",
        "autobiography",
        "certificates",
        "awards",
        "other",
    )

    def __post_init__(self) -> None:
        _freeze(self, "normal_weights")
        _freeze(self, "normal_tiebreak", tuple)
        _freeze(self, "programs", tuple)
        _freeze(self, "scored_by_people", tuple)

    @property
    def earliest_birth(self) -> dt.date:
        """Born before this day: over the age limit (109 -> 1991-01-01)."""
        return dt.date(self.year + 1911 - self.max_age, 1, 1)

    @property
    def latest_birth(self) -> dt.date:
        """Born after this day: under the age limit, i.e. not yet ``min_age`` by 31 December of
        the admission year (109 -> 2005-12-31)."""
        return dt.date(self.year + 1911 - self.min_age, 12, 31)

    def program(self, key: str) -> Program:
        """A program by its id or its Chinese class name."""
        for p in self.programs:
            if key in (p.id, p.name):
                return p
        raise KeyError(key)

    def program_aliases(self) -> dict[str, str]:
        """Every accepted spelling -> program id."""
        out: dict[str, str] = {}
        for p in self.programs:
            out[p.id] = p.id
            out[p.name] = p.id
        return out


# A folder of the school's own rules files (e.g. a new term), searched before the package's.
RULES_DIR_ENV = "NCUT_RULES_DIR"


def rules_dirs(rules_dir: str | Path | None = None) -> list[Path]:
    """Where rules files are looked for, first match wins: ``rules_dir``, then the folder named by
    ``NCUT_RULES_DIR``, then the package's own ``rules/``. A named folder must exist."""
    dirs = []
    for where, value in (
        ("--rules-dir", rules_dir),
        (RULES_DIR_ENV, os.environ.get(RULES_DIR_ENV)),
    ):
        if value is None or not str(value).strip():
            continue
        d = Path(value).expanduser()
        if not d.is_dir():
            raise RulesError(_say("no_folder", where=where, value=value))
        dirs.append(d.resolve())
    dirs.append(RULES_DIR)
    return dirs


def find_rules_file(name: str, rules_dir: str | Path | None = None) -> Path | None:
    """``<name>.toml`` in the first of ``rules_dirs`` that holds it, or None."""
    for d in rules_dirs(rules_dir):
        if (d / f"{name}.toml").is_file():
            return d / f"{name}.toml"
    return None


def _rules_path(name: str, rules_dir: str | Path | None = None) -> Path:
    return find_rules_file(name, rules_dir) or RULES_DIR / f"{name}.toml"


def _available(prefix: str, rules_dir: str | Path | None = None) -> list[str]:
    return sorted(
        {
            p.stem
            for d in rules_dirs(rules_dir)
            for p in d.glob("*.toml")
            if p.stem.startswith(prefix)
        }
    )


def _dates(path: Path, key: str, value: Any) -> tuple[dt.date, ...]:
    if not isinstance(value, list) or not value:
        raise RulesError(_say("date_list", path=path, key=key))
    dates = tuple(_date(path, f"{key}[{i}]", v) for i, v in enumerate(value))
    if list(dates) != sorted(set(dates)):
        raise RulesError(_say("date_order", path=path, key=key))
    return dates


_TERM_OPTIONAL = {"aesthetics_into", "counted", "gap_bands", "notice_dates", "colleges"}


def _read_toml(path: Path) -> dict:
    """A rules file as TOML; ``RulesError`` (one line) for one that is not TOML, not UTF-8, or
    cannot be read (a folder by that name, no permission, a disk error)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(_say("not_toml", path=path, why=exc)) from None
    except UnicodeDecodeError as exc:
        raise RulesError(_say("not_utf8", path=path, at=f"{exc.start:,}")) from None
    except OSError as exc:
        raise RulesError(_say("unreadable", path=path, why=exc.strerror or exc)) from None


@cache
def _load_term_rules_cached(path: Path, _mtime: int = 0, _size: int = 0) -> TermRules:
    raw = _read_toml(path)
    top = {f.name for f in fields(TermRules)}
    _check_keys(path, _say("top_level"), raw, top, top - _TERM_OPTIONAL)
    th = raw["thresholds"]
    _check_keys(path, "[thresholds]", th, set(CATEGORIES), set())
    if not th:
        raise RulesError(_say("no_thresholds", path=path))
    thresholds = {k: _amount_units(path, f"thresholds.{k}", v) for k, v in th.items()}
    into = raw.get("aesthetics_into")
    if into is not None and (into not in thresholds or "aesthetics" in thresholds):
        raise RulesError(_say("aesthetics_into", path=path, into=into))
    known = [*thresholds, *(["aesthetics"] if into else [])]
    _check_keys(path, "[labels]", raw["labels"], {*CATEGORIES, "all"}, {*known, "all"})
    _check_keys(path, "[offices]", raw["offices"], set(thresholds), set(thresholds))
    _check_keys(path, "[units]", raw["units"], set(CATEGORIES), set(known))
    counted = tuple(raw.get("counted", ["certificate"]))
    for c in counted:
        if c not in thresholds:
            raise RulesError(_say("counted_unknown", path=path, category=c))
        if thresholds[c] % UNIT:
            raise RulesError(_say("counted_whole", path=path, category=c))
    bands = raw.get("gap_bands", [1, 3, 6])
    if (
        not bands
        or any(not isinstance(b, int) or b <= 0 for b in bands)
        or list(bands) != sorted(set(bands))
    ):
        raise RulesError(_say("gap_bands", path=path, bands=bands))
    parse_term(raw["term"])
    notice_date = _date(path, "notice_date", raw["notice_date"])
    notice_dates = (
        _dates(path, "notice_dates", raw["notice_dates"])
        if "notice_dates" in raw
        else (notice_date,)
    )
    return TermRules(
        term=raw["term"],
        program=str(raw["program"]),
        senior_offset=int(raw["senior_offset"]),
        settlement_date=_date(path, "settlement_date", raw["settlement_date"]),
        notice_date=notice_date,
        deadline=_date(path, "deadline", raw["deadline"]),
        aesthetics_into=into,
        thresholds=thresholds,
        labels=dict(raw["labels"]),
        offices=dict(raw["offices"]),
        units=dict(raw["units"]),
        counted=counted,
        gap_bands=tuple(bands),
        notice_dates=notice_dates,
        colleges=_colleges(path, raw.get("colleges", {})),
    )


def _colleges(path: Path, raw: object) -> dict[str, tuple[str, ...]]:
    """``[colleges]``: each college's departments as a list of names, no name twice."""
    seen: set[str] = set()
    ok = isinstance(raw, dict)
    for departments in raw.values() if ok else ():
        ok = ok and isinstance(departments, list) and all(isinstance(d, str) for d in departments)
        ok = ok and not seen & set(departments) and len(set(departments)) == len(departments)
        seen |= set(departments) if ok else set()
    if not ok:
        raise RulesError(_say("colleges", path=path))
    return {c: tuple(d) for c, d in raw.items()}


def _stamp(path: Path) -> tuple[Path, int, int]:
    """A cache key that changes when the file does (an edited rules file is read again)."""
    try:
        st = path.stat()
    except OSError:
        raise RulesError(_say("no_file", path=path)) from None
    return path, st.st_mtime_ns, st.st_size


def load_term_rules(
    term: str | Path = "114-1", *, rules_dir: str | Path | None = None
) -> TermRules:
    """The rules of a term (``"114-1"``) or of a TOML file given by path.

    A term's file is looked for in ``rules_dir``, then ``NCUT_RULES_DIR``, then the package.
    """
    if isinstance(term, Path) or str(term).endswith(".toml"):
        return _load_term_rules_cached(*_stamp(Path(term).resolve()))
    parse_term(str(term))
    path = find_rules_file(str(term), rules_dir)
    if path is None:
        raise RulesError(
            _say(
                "no_term",
                term=term,
                dirs=joined(rules_dirs(rules_dir)),
                available=joined(_available("1", rules_dir)) or _say("none"),
            )
        )
    rules = _load_term_rules_cached(*_stamp(path.resolve()))
    if rules.term != str(term):
        raise RulesError(_say("term_name", path=path, found=rules.term, term=term))
    return rules


@cache
def _load_admission_cached(path: Path) -> AdmissionRules:
    raw = _read_toml(path)
    _check_keys(
        path,
        _say("top_level"),
        raw,
        {
            "year",
            "max_age",
            "min_age",
            "min_applicants",
            "exam_date",
            "noise",
            "normal",
            "programs",
        },
        {"year", "max_age", "min_applicants", "normal", "programs"},
    )
    extra = _admission_extras(path, raw)
    min_age = raw.get("min_age", 15)  # 參.二(一) 15-29 歲: files written before min_age existed
    if not isinstance(min_age, int) or not 0 <= min_age <= int(raw["max_age"]):
        raise RulesError(_say("min_age", path=path, value=min_age))
    normal = raw["normal"]
    _check_keys(path, "[normal]", normal, {"weights", "tiebreak"}, {"weights", "tiebreak"})
    _check_weights(path, "normal.weights", normal["weights"], NORMAL_ITEMS, normal["tiebreak"])
    programs = []
    allowed = {
        "id",
        "name",
        "department",
        "short",
        "quota",
        "interview_top",
        "special_weights",
        "special_tiebreak",
    }
    for i, p in enumerate(raw["programs"]):
        _check_keys(path, f"programs[{i}]", p, allowed, allowed - {"interview_top"})
        _check_weights(
            path,
            f"programs[{i}].special_weights",
            p["special_weights"],
            SPECIAL_ITEMS,
            p["special_tiebreak"],
        )
        programs.append(
            Program(
                id=p["id"],
                name=p["name"],
                department=p["department"],
                short=p["short"],
                quota=int(p["quota"]),
                interview_top=p.get("interview_top"),
                special_weights={k: int(p["special_weights"][k]) for k in SPECIAL_ITEMS},
                special_tiebreak=tuple(p["special_tiebreak"]),
            )
        )
    return AdmissionRules(
        year=int(raw["year"]),
        max_age=int(raw["max_age"]),
        min_age=min_age,
        min_applicants=int(raw["min_applicants"]),
        normal_weights={k: int(normal["weights"][k]) for k in NORMAL_ITEMS},
        normal_tiebreak=tuple(normal["tiebreak"]),
        programs=tuple(programs),
        **extra,
    )


def _admission_extras(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """The optional ``exam_date`` (a TOML date) and ``[noise] scored_by_people``."""
    out: dict[str, Any] = {}
    if "exam_date" in raw:
        d = raw["exam_date"]
        if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
            raise RulesError(_say("exam_date", path=path, value=d))
        out["exam_date"] = d
    if "noise" in raw:
        noise = raw["noise"]
        _check_keys(path, "[noise]", noise, {"scored_by_people"}, {"scored_by_people"})
        items = noise["scored_by_people"]
        known = (*NORMAL_ITEMS, *SPECIAL_ITEMS)
        if (
            not isinstance(items, list)
            or any(i not in known for i in items)
            or len(set(items)) != len(items)
        ):
            raise RulesError(_say("scored_by_people", path=path, known=joined(known)))
        out["scored_by_people"] = tuple(items)
    return out


def _check_weights(
    path: Path, where: str, weights: dict[str, Any], items: tuple[str, ...], order: list[str]
) -> None:
    _check_keys(path, where, weights, set(items), set(items))
    if (
        any(not isinstance(v, int) or v < 0 for v in weights.values())
        or sum(weights.values()) != 100
    ):
        raise RulesError(_say("weights", path=path, where=where, weights=weights))
    if sorted(order) != sorted(items):
        raise RulesError(_say("tiebreak", path=path, where=where, items=joined(items)))


def load_admission_rules(year: int | str | Path = 109) -> AdmissionRules:
    """The admission rules of a year (``109``) or of a TOML file given by path."""
    if isinstance(year, Path) or str(year).endswith(".toml"):
        return _load_admission_cached(Path(year).resolve())
    path = _rules_path(f"admission_{year}")
    if not path.exists():
        raise RulesError(
            _say(
                "no_admission",
                year=year,
                file=path.name,
                available=joined(_available("admission_")) or _say("none"),
            )
        )
    return _load_admission_cached(path)
