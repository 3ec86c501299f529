"""Who the notices are for: the one table of recipient kinds.

Every list of kinds in the notice cycle derives from ``KINDS``: the ledger's ``CHECK`` of notice
kinds, the contacts file's 身分 values, the summary's rows, the run folder's subfolders and what
each message carries. A new kind of recipient is one more row here (and its words in
``label_tables/notices.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Kind", "KINDS", "BY_CODE", "NOTICE_KINDS", "kind_of_notice", "recipient_key"]


@dataclass(frozen=True)
class Kind:
    """A kind of recipient.

    ``code``: its code (the label tables' key). ``keys``: the contacts file's columns that name
    one recipient of the kind. ``notices``: the ledger's notice kinds it receives (a student is
    told 通過 or 未通過). ``attachments``: the file types a message to it carries, from the run
    folder's ``folder`` (none for a student: a personal text).
    """

    code: str
    keys: tuple[str, ...]
    notices: tuple[str, ...]
    attachments: tuple[str, ...]
    folder: str


KINDS: tuple[Kind, ...] = (
    Kind("department", ("department",), ("department",), ("pdf",), "departments"),
    Kind("advisor", ("department", "class"), ("advisor",), ("pdf", "xlsx"), "advisors"),
    Kind("office", ("office",), ("office",), ("pdf", "xlsx"), "offices"),
    Kind("student", ("student_id",), ("passed", "not_passed"), (), ""),
)
BY_CODE: dict[str, Kind] = {k.code: k for k in KINDS}
NOTICE_KINDS: tuple[str, ...] = tuple(n for k in KINDS for n in k.notices)
_OF_NOTICE = {n: k for k in KINDS for n in k.notices}


def kind_of_notice(notice: str) -> Kind:
    """The recipient kind a ledger notice kind belongs to (``passed`` -> student)."""
    return _OF_NOTICE[notice]


def recipient_key(kind: Kind, values: dict[str, str]) -> str:
    """The ledger's name of one recipient from its key columns: a class is
    ``<department>/<class>`` (四年甲班 is in every department), the others their one key."""
    return "/".join(str(values[k]) for k in kind.keys)
