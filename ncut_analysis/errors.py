"""The package's errors and warnings: one family, so that the command line turns every user
mistake into one plain message and exit status 2, and a caller can catch them all at once."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "MAX_LISTED",
    "NcutError",
    "Problem",
    "InputError",
    "OptionError",
    "RulesError",
    "BriefingError",
    "NoBrowserError",
    "PrintError",
    "NcutWarning",
    "UnknownStudentsWarning",
    "SmallPoolWarning",
]

MAX_LISTED = 1000  # problems printed per file; the total is always given


class NcutError(Exception):
    """Base of every error the package raises for a user's input, option or environment."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input: where (line, column), what value, and why."""

    line: int | None
    column: str | None
    value: str | None
    message: str

    def format(self, path: str) -> str:
        where = path if self.line is None else f"{path}:{self.line}"
        col = f" column {self.column!r}" if self.column else ""
        val = "" if self.value is None else f" value {self.value!r}"
        return f"{where}:{col}{val}: {self.message}" if col or val else f"{where}: {self.message}"


@dataclass
class InputError(NcutError):
    """Input that breaks its data contract; carries every problem found, not only the first."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self, limit: int = MAX_LISTED) -> str:
        lines = [p.format(self.path) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems in {self.path}")
        n = len(self.problems)
        if n == 1:
            return lines[0]  # one problem, one line
        head = f"{self.path}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([head, *lines])

    def __str__(self) -> str:
        return self.message()


class OptionError(InputError, ValueError):
    """An option or parameter out of its range, told in one line with its value:
    ``--no-show '1.5': a no-show probability must be at least 0 and below 1``. An ``InputError``
    with one problem (and a ``ValueError``, which the API raised for some of these before)."""

    def __init__(self, option: str, value: object, why: str) -> None:
        super().__init__(option, [Problem(None, option, str(value), why)])

    @property
    def option(self) -> str:
        return self.path

    def message(self, limit: int = MAX_LISTED) -> str:  # noqa: ARG002 - one problem, one line
        p = self.problems[0]
        return f"{self.path} {p.value!r}: {p.message}"


class RulesError(NcutError, ValueError):
    """A rules file that does not validate; the message names the file and the key."""


class BriefingError(NcutError, RuntimeError):
    """A briefing notebook that failed: names the cell and the error."""


class NoBrowserError(NcutError, RuntimeError):
    """No Chrome/Chromium for the static images or PDFs; the message says how to install one."""


class PrintError(NcutError, RuntimeError):
    """No browser to print PDFs with, or a page that did not print."""


class NcutWarning(UserWarning):
    """Base of the package's warnings."""


class UnknownStudentsWarning(NcutWarning):
    """Records whose student id is not in the students file: skipped. ``count`` says how many."""

    def __init__(self, message: str, count: int = 0) -> None:
        super().__init__(message)
        self.count = count


class SmallPoolWarning(NcutWarning):
    """A program with fewer applicants than the brochure's minimum to open the class."""
