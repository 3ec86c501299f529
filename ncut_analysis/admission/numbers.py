"""The one strict number reader of the admission commands: every score cell and every option.

A number is read from its text after Unicode NFKC normalisation (so full-width ``８０`` and
``７９．５`` are the plain ``80`` and ``79.5``), then must be plain ASCII decimal digits with at
most ``decimals`` decimals: ``79``, ``79.5``, ``79.125``. Everything else is refused with a
reason, never guessed at: ``8_0`` (Python's digit grouping), ``1e2``, ``0x50``, ``+80``,
``٧٩`` (other scripts' digits, which ``Decimal`` and ``float`` would silently accept), ``80.``,
``.5``, ``1,000``, ``nan``, ``inf``. A value that is already a number (an ``.xlsx`` cell or a
Parquet column, a Python ``int`` in the API) is taken as the decimal it stands for, with the
same bound on decimals.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from decimal import Decimal
from typing import Any

from ..errors import say

__all__ = ["NumberError", "read_decimal", "read_units"]

_PLAIN = re.compile(r"[0-9]+(?:\.([0-9]+))?")


def _check(code: str, **values: object) -> str:
    return say("messages_checks", code, **values)


class NumberError(ValueError):
    """Why a value is not a plain decimal number (the caller names the file, line and column,
    or the option)."""


def read_decimal(value: Any, *, decimals: int = 3, signed: bool = False) -> Decimal:
    """``value`` as an exact ``Decimal`` by the strict rule above; ``signed`` allows a leading
    ``-`` (no option or score needs one). Raises ``NumberError`` with the reason."""
    if isinstance(value, bool):
        raise NumberError(_check("not_a_number"))
    if isinstance(value, numbers.Integral):
        d = Decimal(int(value))
    elif isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            raise NumberError(_check("not_finite"))
        # A number cell holding a decimal of the unit is within 1e-9 (relative) of it (Excel's
        # 79.30000000000001 is 79.3); farther off, it had more decimals than the unit holds.
        scaled = x * 10**decimals
        r = round(scaled)
        if abs(scaled - r) > 1e-9 * max(1.0, abs(scaled)):
            raise NumberError(_check("too_many_decimals", decimals=decimals))
        d = Decimal(r).scaleb(-decimals)
        d = d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        neg = signed and text.startswith("-")
        body = text[1:] if neg else text
        m = _PLAIN.fullmatch(body)
        if m is None:
            raise NumberError(_check("not_plain_decimal"))
        if m.group(1) is not None and len(m.group(1)) > decimals:
            raise NumberError(_check("too_many_decimals", decimals=decimals))
        d = Decimal(text)
    if not signed and d < 0:
        raise NumberError(_check("negative"))
    return d


def read_units(value: Any, scale: int) -> int:
    """``value`` read strictly as an exact integer of ``1/scale`` (scale a power of ten: 1000
    for scores in 1/1000 point), refusing more decimals than the scale holds."""
    decimals = len(str(scale)) - 1
    return int(read_decimal(value, decimals=decimals) * scale)
