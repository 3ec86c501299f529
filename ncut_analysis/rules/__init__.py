"""Rules as data: one TOML file per term (thresholds) and per admission year, validated on load."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from ..paths import RULES_DIR

__all__ = [
    "CATEGORIES",
    "THRESHOLD_CATEGORIES",
    "SPECIAL_ITEMS",
    "NORMAL_ITEMS",
    "RulesError",
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

# Record categories, in display order; `aesthetics` has no threshold of its own since 113-2.
CATEGORIES: tuple[str, ...] = (
    "resilience",
    "enhancement",
    "engagement",
    "aesthetics",
    "certificate",
)
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


class RulesError(ValueError):
    """A rules file that does not validate; the message names the file and the key."""


def parse_term(term: str) -> tuple[int, int]:
    """``"114-1"`` -> ``(114, 1)``."""
    m = re.fullmatch(r"(\d{2,3})-([12])", term.strip())
    if not m:
        raise RulesError(
            f"term {term!r} is not of the form YYY-S (ROC year, semester 1 or 2), e.g. 114-1"
        )
    return int(m.group(1)), int(m.group(2))


def _check_keys(
    path: Path, where: str, table: dict[str, Any], allowed: set[str], required: set[str]
) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RulesError(f"{path}: unknown key(s) in {where}: {', '.join(unknown)}")
    missing = sorted(required - set(table))
    if missing:
        raise RulesError(f"{path}: missing key(s) in {where}: {', '.join(missing)}")


def _date(path: Path, key: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RulesError(f"{path}: {key} = {value!r} is not an ISO date") from None


def _amount_units(path: Path, key: str, value: Any) -> int:
    """A threshold such as "3" or "2.5" as an exact integer number of 1/UNIT hours."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise RulesError(f"{path}: {key} = {value!r} is not a number") from None
    units = d * UNIT
    if d < 0 or units != units.to_integral_value():
        raise RulesError(f"{path}: {key} = {value!r} must be >= 0 with at most 3 decimals")
    return int(units)


@dataclass(frozen=True)
class TermRules:
    """Graduation thresholds of one term; amounts in integer 1/1000 hour (or certificate)."""

    term: str
    program: str
    senior_offset: int
    settlement_date: dt.date
    notice_date: dt.date
    deadline: dt.date
    aesthetics_into: str | None
    thresholds: dict[str, int]
    labels: dict[str, str]
    offices: dict[str, str]
    # The planned notice dates (optional key `notice_dates`; default: the one `notice_date`).
    notice_dates: tuple[dt.date, ...] = ()

    @property
    def year(self) -> int:
        return parse_term(self.term)[0]

    @property
    def senior_cohort(self) -> int:
        return self.year - self.senior_offset

    def label(self, category: str) -> str:
        return self.labels.get(category, category)

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
    special_weights: dict[str, int]
    special_tiebreak: tuple[str, ...]


@dataclass(frozen=True)
class AdmissionRules:
    year: int
    max_age: int
    min_applicants: int
    normal_weights: dict[str, int]
    normal_tiebreak: tuple[str, ...]
    programs: tuple[Program, ...]

    @property
    def earliest_birth(self) -> dt.date:
        """Born before this day: over the age limit (109 -> 1991-01-01)."""
        return dt.date(self.year + 1911 - self.max_age, 1, 1)

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
            raise RulesError(f"{where} {str(value)!r}: no such folder")
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
        raise RulesError(f"{path}: {key} must be a non-empty list of ISO dates")
    dates = tuple(_date(path, f"{key}[{i}]", v) for i, v in enumerate(value))
    if list(dates) != sorted(set(dates)):
        raise RulesError(f"{path}: {key} must be in increasing order without repeats")
    return dates


@cache
def _load_term_rules_cached(path: Path) -> TermRules:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    top = {f.name for f in fields(TermRules)}
    _check_keys(path, "the file", raw, top, top - {"aesthetics_into", "notice_dates"})
    th = raw["thresholds"]
    _check_keys(path, "[thresholds]", th, set(THRESHOLD_CATEGORIES), set(THRESHOLD_CATEGORIES))
    thresholds = {k: _amount_units(path, f"thresholds.{k}", v) for k, v in th.items()}
    if thresholds["certificate"] % UNIT:
        raise RulesError(f"{path}: thresholds.certificate must be a whole number of certificates")
    _check_keys(
        path, "[labels]", raw["labels"], set(CATEGORIES) | {"all"}, set(CATEGORIES) | {"all"}
    )
    _check_keys(
        path, "[offices]", raw["offices"], set(THRESHOLD_CATEGORIES), set(THRESHOLD_CATEGORIES)
    )
    into = raw.get("aesthetics_into")
    if into not in (None, "engagement"):
        raise RulesError(f"{path}: aesthetics_into = {into!r}; only 'engagement' is supported")
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
        notice_dates=notice_dates,
    )


def load_term_rules(
    term: str | Path = "114-1", *, rules_dir: str | Path | None = None
) -> TermRules:
    """The rules of a term (``"114-1"``) or of a TOML file given by path.

    A term's file is looked for in ``rules_dir``, then ``NCUT_RULES_DIR``, then the package.
    """
    if isinstance(term, Path) or str(term).endswith(".toml"):
        return _load_term_rules_cached(Path(term).resolve())
    parse_term(str(term))
    path = find_rules_file(str(term), rules_dir)
    if path is None:
        raise RulesError(
            f"no rules file for term {term} ({term}.toml in {', '.join(map(str, rules_dirs(rules_dir)))}); "
            f"available: {', '.join(_available('1', rules_dir)) or 'none'}"
        )
    rules = _load_term_rules_cached(path.resolve())
    if rules.term != str(term):
        raise RulesError(f"{path}: term = {rules.term!r}, but the file is named for {term}")
    return rules


@cache
def _load_admission_cached(path: Path) -> AdmissionRules:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    _check_keys(
        path,
        "the file",
        raw,
        {"year", "max_age", "min_applicants", "normal", "programs"},
        {"year", "max_age", "min_applicants", "normal", "programs"},
    )
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
        min_applicants=int(raw["min_applicants"]),
        normal_weights={k: int(normal["weights"][k]) for k in NORMAL_ITEMS},
        normal_tiebreak=tuple(normal["tiebreak"]),
        programs=tuple(programs),
    )


def _check_weights(
    path: Path, where: str, weights: dict[str, Any], items: tuple[str, ...], order: list[str]
) -> None:
    _check_keys(path, where, weights, set(items), set(items))
    if (
        any(not isinstance(v, int) or v < 0 for v in weights.values())
        or sum(weights.values()) != 100
    ):
        raise RulesError(f"{path}: {where} must be whole percentages summing to 100, got {weights}")
    if sorted(order) != sorted(items):
        raise RulesError(
            f"{path}: the tie-break order of {where} must name each of {', '.join(items)} once"
        )


def load_admission_rules(year: int | str | Path = 109) -> AdmissionRules:
    """The admission rules of a year (``109``) or of a TOML file given by path."""
    if isinstance(year, Path) or str(year).endswith(".toml"):
        return _load_admission_cached(Path(year).resolve())
    path = _rules_path(f"admission_{year}")
    if not path.exists():
        raise RulesError(
            f"no admission rules for year {year} ({path.name}); available: "
            f"{', '.join(_available('admission_')) or 'none'}"
        )
    return _load_admission_cached(path)
