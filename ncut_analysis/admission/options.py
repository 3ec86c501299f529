"""Range checks of the admission options, shared by the API and the command line.

Each check takes the option's name as the caller spells it (``no_show`` in the API,
``--no-show`` on the command line) and raises ``OptionError``, an ``InputError`` whose message is
one line naming the option and the value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import OptionError, joined, say
from ..rules import AdmissionRules
from .numbers import NumberError, read_decimal

__all__ = [
    "OptionError",
    "check_no_show",
    "check_sd",
    "check_draws",
    "check_waitlist",
    "check_seed",
    "min_total_units",
]

TOTAL_SCALE = 100_000  # a total in 1/100000 point (scores in 1/1000 x whole percentages)


def _check(code: str, **values: object) -> str:
    return say("messages_checks", code, **values)


def _decimal(option: str, value: Any, signed: bool = False, decimals: int = 3) -> Decimal:
    """The option read by the one strict reader (``numbers``: NFKC, plain digits, at most
    ``decimals`` decimals)."""
    try:
        return read_decimal(value, decimals=decimals, signed=signed)
    except NumberError as e:
        raise OptionError(option, value, str(e)) from None


def _number(option: str, value: Any) -> float:
    # A model parameter (noise SD, no-show probability), not a score: up to 6 decimals.
    return float(_decimal(option, value, signed=True, decimals=6))


def _integer(option: str, value: Any) -> int:
    d = _decimal(option, value, signed=True)
    if d != d.to_integral_value():
        raise OptionError(option, value, _check("not_integer"))
    return int(d)


def check_no_show(value: Any, option: str = "no_show") -> float:
    """A no-show probability in [0, 1)."""
    x = _number(option, value)
    if not 0 <= x < 1:
        raise OptionError(option, value, _check("no_show"))
    return x


def check_sd(value: Any, option: str = "sd") -> float:
    """Scorers' noise, one standard deviation in points, >= 0."""
    x = _number(option, value)
    if x < 0:
        raise OptionError(option, value, _check("sd"))
    return x


def check_draws(value: Any, option: str = "draws") -> int:
    """Monte Carlo draws, >= 1."""
    n = _integer(option, value)
    if n < 1:
        raise OptionError(option, value, _check("draws"))
    return n


def check_waitlist(value: Any, option: str = "waitlist") -> int | None:
    """A waitlist length >= 0; ``None`` (or an empty string) for no limit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    n = _integer(option, value)
    if n < 0:
        raise OptionError(option, value, _check("waitlist"))
    return n


def check_seed(value: Any, option: str = "seed") -> int:
    """A random seed: an integer >= 0."""
    n = _integer(option, value)
    if n < 0:
        raise OptionError(option, value, _check("seed"))
    return n


def _units(option: str, value: Any, shown: Any) -> int:
    """A minimum total 0–100 in exact units, read strictly (at most 3 decimals; a float such
    as 60.1 is the decimal it prints as)."""
    try:
        d = read_decimal(value, decimals=3)
    except NumberError as e:
        raise OptionError(option, shown, _check("min_total_because", why=e)) from None
    if d > 100:
        raise OptionError(option, shown, _check("min_total"))
    return int(d * TOTAL_SCALE)


def min_total_units(
    value: float | str | Mapping[str, float | str] | None,
    rules: AdmissionRules,
    option: str = "min_total",
) -> dict[str, int]:
    """Each program's minimum total (柒.一 各專班最低錄取標準) in 1/100000 point.

    ``value``: one number for every program; a mapping {program: number}; or a string, either
    one number (``"60"``) or ``"precision-machinery=60,hvac-energy=55"``. Programs are named by
    id, Chinese class name or short name (機械, 電機, 冷凍); a program not named has no minimum (0);
    a program named twice (under any of its names) is an error.
    """
    out = {p.id: 0 for p in rules.programs}
    if value is None:
        return out
    pairs: list[tuple[Any, Any]] | None = None
    if isinstance(value, str):
        # full-width ＝ and ， (typed with a Chinese input method) read as = and ,
        value = unicodedata.normalize("NFKC", value)
    if isinstance(value, str) and "=" in value:
        pairs = []
        for part in value.split(","):
            if not part.strip():
                continue
            key, sep, v = part.partition("=")
            if not sep:
                raise OptionError(option, value, f"{part.strip()!r} is not PROGRAM=NUMBER")
            pairs.append((key.strip(), v.strip()))
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    if pairs is not None:
        names = {}
        for p in rules.programs:
            for k in (p.id, p.name, p.short):
                names[k] = p.id
        seen: dict[str, str] = {}
        for key, v in pairs:
            pid = names.get(str(key).strip())
            if pid is None:
                raise OptionError(
                    option,
                    key,
                    _check("unknown_program", known=joined(p.id for p in rules.programs)),
                )
            if pid in seen:
                raise OptionError(
                    option,
                    value,
                    _check("program_twice", program=pid, first=seen[pid], second=f"{key}={v}"),
                )
            seen[pid] = f"{key}={v}"
            out[pid] = _units(option, v, f"{key}={v}")
        return out
    units = _units(option, value, value)
    return dict.fromkeys(out, units)
