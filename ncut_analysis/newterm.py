"""``new-term``: a school's next rules file, started from an existing term, outside the package.

The new file is the source file's text (its comments, thresholds, labels and offices kept) with
the term renamed and every date moved: the deadline by whole academic years (the seniors of
115-1 finish by 2027-06-01), the other dates by the months between the two terms' starts, as
placeholders that the command lists for the office to fill in. It is validated by loading it
before it appears, and an existing file is never replaced.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import say
from .rules import RULES_DIR_ENV, RulesError, find_rules_file, load_term_rules, parse_term

__all__ = ["NewTerm", "new_term_file", "shift_months"]

_DATE = re.compile(r'"(\d{4}-\d{2}-\d{2})"')
_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")
_TABLE = re.compile(r"^\s*\[")


@dataclass(frozen=True)
class NewTerm:
    path: Path
    source: Path
    to_fill: tuple[str, ...]  # "key = value (moved from …)" lines for the office to check


def shift_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by whole months, the day kept or clamped to the month's end."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _target_dir(rules_dir: str | Path | None) -> Path:
    value = rules_dir if rules_dir not in (None, "") else os.environ.get(RULES_DIR_ENV)
    if not value:
        raise RulesError(say("newterm_messages", "no_folder_given", env=RULES_DIR_ENV))
    d = Path(value).expanduser()
    if not d.is_dir():
        raise RulesError(say("newterm_messages", "no_such_folder", value=value))
    return d.resolve()


def _split_comment(line: str) -> tuple[str, str, str]:
    """A TOML line as (code, "#" or "", comment), the ``#`` outside any string."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i], "#", line[i + 1 :]
    return line, "", ""


def _rewrite(text: str, source: str, term: str) -> tuple[str, list[str]]:
    (sy, ss), (ty, ts) = parse_term(source), parse_term(term)
    months = 12 * (ty - sy) + 6 * (ts - ss)
    out, moved, key, top = [], {}, None, True
    for line in text.splitlines():
        if _TABLE.match(line):
            top = False
        m = _KEY.match(line)
        if m:
            key = m.group(1)
        code, hash_, comment = _split_comment(line)
        if top and key == "term" and m:
            code = re.sub(r'"[^"]*"', f'"{term}"', code, count=1)
        elif top and _DATE.search(code):
            by_years = key == "deadline"

            def move(mt: re.Match, by_years: bool = by_years, key: str | None = key) -> str:
                d = dt.date.fromisoformat(mt.group(1))
                new = shift_months(d, 12 * (ty - sy) if by_years else months)
                moved.setdefault(key, []).append((d, new))
                return f'"{new.isoformat()}"'

            code = _DATE.sub(move, code)
            if by_years:
                due = moved[key][-1][1]
                comment = say(
                    "newterm_notes", "deadline", year=due.year - 1911, month=due.month, day=due.day
                )
            else:
                comment = say("newterm_notes", "placeholder", source=source)
            code, hash_ = code.rstrip() + "  ", "#"
        out.append(code + hash_ + comment)
    stamp = say(
        "newterm_notes", "stamp", term=term, source=source, today=dt.date.today().isoformat()
    )
    head = [stamp, say("newterm_notes", "stamp_2")]
    to_fill = [
        say(
            "newterm_notes",
            "to_fill",
            key=k,
            new=", ".join(n.isoformat() for _, n in v),
            source=source,
            old=", ".join(o.isoformat() for o, _ in v),
        )
        for k, v in moved.items()
    ]
    return "\n".join(head + out) + "\n", to_fill


def new_term_file(term: str, source: str, rules_dir: str | Path | None = None) -> NewTerm:
    """Write ``<rules dir>/<term>.toml`` from the rules of ``source``; RulesError if the file
    exists already, the source is missing, or the result does not validate."""
    parse_term(term)
    parse_term(source)
    target_dir = _target_dir(rules_dir)
    target = target_dir / f"{term}.toml"
    if target.exists():
        raise RulesError(say("newterm_messages", "exists", target=target))
    src = find_rules_file(source, target_dir)
    if src is None:
        raise RulesError(say("newterm_messages", "no_source", source=source))
    load_term_rules(source, rules_dir=target_dir)  # the source itself must be valid
    text, to_fill = _rewrite(src.read_text(encoding="utf-8"), source, term)
    fd, tmp = tempfile.mkstemp(prefix=f".{term}.", suffix=".toml", dir=target_dir)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        made = load_term_rules(tmp_path)
        if made.term != term:
            raise RulesError(
                say("newterm_messages", "wrong_term", src=src, found=made.term, term=term)
            )
        os.chmod(tmp_path, 0o644)
        try:
            os.link(tmp_path, target)  # fails if the target appeared meanwhile: never replaced
        except FileExistsError:
            raise RulesError(say("newterm_messages", "exists", target=target)) from None
    finally:
        tmp_path.unlink(missing_ok=True)
    return NewTerm(path=target, source=src, to_fill=tuple(to_fill))
