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
    "say",
    "joined",
    "os_reason",
]

MAX_LISTED = 1000  # problems printed per file; the total is always given


def say(section: str, code: str, /, **values: object) -> str:
    """A message from the label tables (``label_tables/*.toml``), its ``{name}`` fields filled."""
    from .labels import LABELS  # (not at import: the errors are imported by every module)

    return LABELS[section][code].format(**values)


def joined(items: object) -> str:
    """Items listed in a message: 甲、乙、丙."""
    return say("messages_errors", "list_sep").join(str(i) for i in items)  # type: ignore[attr-defined]


def os_reason(exc: OSError) -> str:
    """The system's reason in Chinese where the table knows its errno, else as the system says."""
    import errno

    from .labels import LABELS

    name = errno.errorcode.get(exc.errno or 0, "")
    return LABELS["messages_os"].get(name) or exc.strerror or str(exc) or type(exc).__name__


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
        """One line: the file, its line, the column and the value, then why."""
        parts = [
            path
            if self.line is None
            else say("messages_errors", "at_line", path=path, line=f"{self.line:,}")
        ]
        if self.column:
            parts.append(say("messages_errors", "column", column=self.column))
        if self.value is not None:
            parts.append(say("messages_errors", "value", value=self.value))
        return say(
            "messages_errors",
            "problem",
            where=say("messages_errors", "sep").join(parts),
            message=self.message,
        )


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
            more = len(self.problems) - limit
            lines.append(say("messages_errors", "more", n=f"{more:,}", path=self.path))
        n = len(self.problems)
        if n == 1:
            return lines[0]  # one problem, one line
        head = say("messages_errors", "head", path=self.path, n=f"{n:,}")
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
        return say("messages_errors", "option", option=self.path, value=p.value, message=p.message)


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
