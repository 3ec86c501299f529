"""Column headers as school files spell them: the aliases of ``rules/columns.toml`` and finding
the header row under title lines.

A data contract (students, records, totals, applicants, published) names its fields in English;
a school export names them in Chinese, with stray blanks, line breaks, a BOM, full-width letters
or a note in brackets. ``field_of`` maps one header cell to a field; ``find_header`` looks
through a file's first rows for the first one that names every required field (or two rows
read together, where a group label such as 抗壓 stands above 通過人數 and 通過率).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from .labels import LABELS
from .paths import RULES_DIR

__all__ = [
    "HEADER_ROWS",
    "Shape",
    "Header",
    "HeaderProblem",
    "aliases",
    "normalize",
    "field_of",
    "find_header",
    "spellings",
    "contract_for",
    "without_notes",
    "is_units_row",
    "clean_text",
    "ZERO_WIDTH",
]

# The header is looked for among this many rows at the top of a file (title lines above it).
HEADER_ROWS = 10
COLUMNS_FILE = RULES_DIR / "columns.toml"

_BLANKS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff_\-]+")
_NOTES = re.compile(LABELS["reading_patterns"]["notes"])


def normalize(cell: object) -> str:
    """A header cell (or a coded value) as it is compared: NFKC (full-width to half-width),
    without blanks of any kind (U+3000, line breaks, tabs), BOM, ``_`` or ``-``, casefolded."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell))
    return _BLANKS.sub("", text).casefold()


# Characters that show as nothing: zero-width space, joiners, word joiner, BOM, soft hyphen.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")


def clean_text(value: str) -> str:
    """A key or label as a person reads it: NFKC (full-width letters, digits and punctuation to
    their usual forms), no zero-width characters, no blanks around it. ``化材\u200b`` and
    ``化材`` are one department; ``ａ１`` is ``a1``. (``io`` does the same in Arrow.)"""
    return unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", value)).strip()


def is_units_row(row: Sequence[object]) -> bool:
    """True for a row that only names units (時數, 張數, 小時 …; ``rules/columns.toml``
    [units]) under a header: it is skipped, not read as data. An empty row is not one."""
    words = _units()
    cells = [normalize(c) for c in row if c is not None and str(c).strip()]
    return bool(cells) and all(c in words for c in cells)


@cache
def _units() -> frozenset[str]:
    return frozenset(
        normalize(s)
        for unit, spelled in _table().get("units", {}).items()
        for s in (unit, *spelled)
    )


def without_notes(key: str) -> str:
    """A normalized cell without its bracketed notes: 時數(小時) -> 時數."""
    return _NOTES.sub("", key)


@cache
def _table() -> dict[str, dict[str, tuple[str, ...]]]:
    from .errors import say
    from .rules import RulesError

    try:
        with COLUMNS_FILE.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(
            say("reading_headers", "bad_toml", file=COLUMNS_FILE.name, why=exc)
        ) from None
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for contract, fields in raw.items():
        if not isinstance(fields, dict):
            raise RulesError(
                say("reading_headers", "not_table", file=COLUMNS_FILE.name, contract=contract)
            )
        seen: dict[str, str] = {}
        out[contract] = {}
        for f, spellings in fields.items():
            if not isinstance(spellings, list) or not all(isinstance(s, str) for s in spellings):
                raise RulesError(
                    say(
                        "reading_headers",
                        "not_strings",
                        file=COLUMNS_FILE.name,
                        contract=contract,
                        field=f,
                    )
                )
            for s in (f, *spellings):
                key = normalize(s)
                if seen.setdefault(key, f) != f:
                    raise RulesError(
                        say(
                            "reading_headers",
                            "names_both",
                            file=COLUMNS_FILE.name,
                            contract=contract,
                            spelled=s,
                            first=seen[key],
                            second=f,
                        )
                    )
            out[contract][f] = tuple(spellings)
    return out


def aliases(contract: str) -> dict[str, tuple[str, ...]]:
    """The spellings of each field of a contract, as the TOML lists them (English name not
    repeated); an unknown contract has none."""
    return dict(_table().get(contract, {}))


@cache
def _lookup(contract: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f, spellings in _table().get(contract, {}).items():
        for s in (f, *spellings):
            out[normalize(s)] = f
    return out


def field_of(cell: object, contract: str, fields: Sequence[str] | None = None) -> str | None:
    """The field a header cell names in ``contract`` (its English name always counts, also
    for a field the TOML does not list), or None."""
    key = normalize(cell)
    if not key:
        return None
    table = _lookup(contract)
    got = table.get(key)
    if got is None:
        bare = without_notes(key)
        got = table.get(bare) if bare and bare != key else None
    if got is None and fields is not None:
        got = next((f for f in fields if normalize(f) == key), None)
    return got


@dataclass(frozen=True)
class Shape:
    """What a header must name: the contract (whose spellings apply) and the required and
    optional fields."""

    contract: str
    columns: tuple[str, ...]
    optional: tuple[str, ...] = ()
    coded: tuple[str, ...] = ()  # read dictionary-encoded (see ``io.read_arrow``)

    def fields(self) -> tuple[str, ...]:
        return (*self.columns, *self.optional)


@dataclass(frozen=True)
class Header:
    """A header found: the shape it satisfies, the rows it spans (0-based, ``first`` to
    ``last``), and per column the field it names (None for a column no field claims)."""

    shape: Shape
    first: int
    last: int
    fields: tuple[str | None, ...]
    cells: tuple[str, ...]  # the header cells as written (two rows: joined), for messages


@dataclass
class HeaderProblem(Exception):
    """No header found (``missing``: the fields the best row lacks) or one that names a field
    twice (``twice``: field -> the cells); ``row`` is 0-based."""

    row: int
    shape: Shape
    cells: tuple[str, ...]
    missing: list[str] = field(default_factory=list)
    twice: dict[str, list[str]] = field(default_factory=dict)


def _cells(row: Sequence[object]) -> list[str]:
    return ["" if c is None else str(c) for c in row]


def _match(cells: Sequence[str], shape: Shape) -> tuple[list[str | None], list[str], dict]:
    """Per cell the field it names; the required fields missing; fields named twice."""
    wanted = shape.fields()
    named = [field_of(c, shape.contract, wanted) for c in cells]
    named = [f if f in wanted else None for f in named]
    cols: dict[str, list[str]] = {}
    for c, f in zip(cells, named, strict=True):
        if f is not None:
            cols.setdefault(f, []).append(c)
    missing = [f for f in shape.columns if f not in cols]
    twice = {f: cs for f, cs in cols.items() if len(cs) > 1}
    return named, missing, twice


def _stacked(upper: Sequence[str], lower: Sequence[str], shape: Shape) -> list[str]:
    """Two header rows read as one: where the lower row has a cell, the group label above it
    (a merged cell: carried right over the empty cells after it) joined with it, unless the
    lower cell or the joined text alone is what names a field; elsewhere the upper cell."""
    width = max(len(upper), len(lower))
    up = [*upper, *[""] * (width - len(upper))]
    low = [*lower, *[""] * (width - len(lower))]
    out, group = [], ""
    wanted = shape.fields()
    for u, lo in zip(up, low, strict=True):
        if u.strip():
            group = u
        if not lo.strip():
            out.append(u)
            continue
        joined = f"{group}{lo}"
        if field_of(joined, shape.contract, wanted) or not field_of(lo, shape.contract, wanted):
            out.append(joined if group else lo)
        else:
            out.append(lo)
    return out


def find_header(rows: Sequence[Sequence[object]], shapes: Sequence[Shape]) -> Header:
    """The header among ``rows`` (a file's first rows): the first row that names every required
    field of one of ``shapes`` (tried in order), or else two rows read together (``_stacked``)
    when the lower one alone does not. Raises ``HeaderProblem``: for a header naming a field
    in two columns, or, when no row will do, for the row that comes closest."""
    texts = [_cells(r) for r in rows[:HEADER_ROWS]]
    best: HeaderProblem | None = None
    score = -1.0
    for i, cells in enumerate(texts):
        if not any(c.strip() for c in cells):
            continue
        candidates = [(i, cells)]
        if i + 1 < len(texts):
            candidates.append((i + 1, None))  # the pair, built per shape below
        for shape in shapes:
            for last, cs in candidates:
                if cs is None:
                    if not _match(texts[last], shape)[1]:
                        continue  # the lower row is a header by itself: it is found next
                    cs = _stacked(cells, texts[last], shape)
                named, missing, twice = _match(cs, shape)
                if not missing:
                    if twice:
                        raise HeaderProblem(i, shape, tuple(cs), twice=twice)
                    return Header(shape, i, last, tuple(named), tuple(cs))
                found = 1 - len(missing) / max(len(shape.columns), 1)
                if last == i and found > score:  # (a pair that fails tells nothing new)
                    score = found
                    best = HeaderProblem(i, shape, tuple(cs), missing=missing)
    if best is None:
        best = HeaderProblem(0, shapes[0], (), missing=list(shapes[0].columns))
    raise best


def spellings(shape: Shape, f: str) -> str:
    """A field's accepted spellings, for a message: ``amount, 時數, 數量, 認證時數``."""
    return ", ".join([f, *aliases(shape.contract).get(f, ())])


def contract_for(columns: Sequence[str]) -> str:
    """The contract whose fields include every one of ``columns`` (the first such in the TOML),
    or "" (English names only)."""
    want = set(columns)
    return next((c for c, fields in _table().items() if want <= set(fields)), "")
