"""Every label a reader sees, from one table (``label_tables/*.toml``) plus each term's rules file.

The table is one file per area (``label_tables/common.toml`` for words every view shares, and one per
view: report, slides, notices, explorers, admission, errors), read into one mapping of sections; a
section lives in exactly one file, so two files naming the same section is an error.

Codes travel through the package as data (``"department"``, ``"admitted"``, ``"all"``); a view
asks here for the text it shows. Nothing compares a label as a literal: the whole-school row is
``WHOLE_SCHOOL``, a category's name is ``rules.label(code)``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from types import MappingProxyType

from .paths import PACKAGE_DIR

__all__ = [
    "LABELS",
    "WHOLE_SCHOOL",
    "GROUP_LABELS",
    "MEASURE_LABELS",
    "VERDICT_LABELS",
    "MODE_LABELS",
    "STATUS_LABELS",
    "OVERLAP_LABELS",
    "RECONCILE_LABELS",
    "PARAM_LABELS",
    "label",
    "group_label",
    "measure_of",
]


LABELS_DIR = PACKAGE_DIR / "label_tables"


def _load() -> Mapping[str, Mapping[str, str]]:
    raw: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(LABELS_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            table = tomllib.load(fh)
        for section, entries in table.items():
            if section in raw:
                raise RuntimeError(
                    f"label section [{section}] is in both {where[section]} and {path.name}"
                )
            raw[section], where[section] = dict(entries), path.name
    return MappingProxyType({k: MappingProxyType(v) for k, v in raw.items()})


LABELS = _load()
GROUP_LABELS: Mapping[str, str] = MappingProxyType(
    {k: v for k, v in LABELS["group"].items() if k != "whole_school"}
)
WHOLE_SCHOOL: str = LABELS["group"]["whole_school"]
MEASURE_LABELS = LABELS["measure"]
VERDICT_LABELS = LABELS["verdict"]
MODE_LABELS = LABELS["mode"]
STATUS_LABELS = LABELS["status"]
OVERLAP_LABELS = LABELS["overlap"]
RECONCILE_LABELS = LABELS["reconcile"]
PARAM_LABELS = LABELS["param"]


def label(section: str, code: str) -> str:
    """The text of ``code`` in ``section``; an unknown code is shown as itself."""
    return LABELS.get(section, {}).get(code, code)


def group_label(key: str) -> str:
    """學院 / 學系 / 班級 for a grouping column."""
    return GROUP_LABELS.get(key, key)


def measure_of(name: str, measure: str) -> str:
    """A category's measure as one word: 抗壓 + 通過率 → 抗壓通過率; a name that already ends in
    通過 is not doubled (全數通過 + 通過率 → 全數通過率, 全數通過 + 通過人數 → 全數通過人數)."""
    m = MEASURE_LABELS.get(measure, measure)
    verb = VERDICT_LABELS["passed"]
    if name.endswith(verb) and m.startswith(verb):
        m = m[len(verb) :]
    return f"{name}{m}"
