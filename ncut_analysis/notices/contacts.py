"""Where each recipient is reached: the school's contacts file and the students' e-mail column.

The contacts file has one row per person or office: 身分 (系主任, 導師, 學生, 承辦單位, or
寄件者 for the address the notices are sent from), 學系, 班級, 單位, 學號, 姓名, 電子郵件 (headers
as ``rules/columns.toml`` ``[contacts]`` spells them; the 身分 words in
``label_tables/notices.toml`` ``[notices_role]``). A student's address comes from an e-mail
column of the students' export when it has one, else from the contacts file. An address that is
missing or malformed is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..headers import normalize
from ..io import InputError, Problem, read_table
from ..labels import LABELS
from .kinds import BY_CODE, recipient_key

__all__ = ["Contacts", "load_contacts", "student_emails", "valid_address", "SENDER"]

SENDER = "sender"  # the 身分 of the address the notices are sent from (not a recipient kind)
_FIELDS = ("department", "class", "office", "student_id", "name", "email")
# A plain address: local part without blanks or separators, a domain of dotted ASCII labels.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def valid_address(text: object) -> bool:
    """An e-mail address a server takes as it is (``name@example.edu``)."""
    return isinstance(text, str) and _ADDRESS.fullmatch(text) is not None


@dataclass(frozen=True)
class Contacts:
    """``addresses``: (kind, recipient key) -> address as written (may be malformed: checked
    when used); ``sender``: the address the notices are sent from, or ''."""

    addresses: dict[tuple[str, str], str] = field(default_factory=dict)
    sender: str = ""

    def address(self, kind: str, key: str) -> str:
        return self.addresses.get((kind, key), "")

    def with_students(self, emails: dict[str, str]) -> Contacts:
        """These contacts with the students' export's addresses, which take precedence."""
        merged = dict(self.addresses)
        merged.update({("student", sid): a for sid, a in emails.items() if a})
        return Contacts(merged, self.sender)


def _roles() -> dict[str, str]:
    """A 身分 as written (normalised) -> its code: the recipient kinds and the sender."""
    out = {}
    for code, words in LABELS["notices_role"].items():
        for w in [code, *([words] if isinstance(words, str) else words)]:
            out[normalize(w)] = code
    return out


def load_contacts(path: str | Path) -> Contacts:
    """The contacts file: an ``InputError`` naming the line, column and value of a 身分 that is
    not one of ``[notices_role]``, a row without the columns its 身分 needs, or two different
    addresses for one recipient."""
    name = str(path)
    df = read_table(path, ["role"], optional=_FIELDS, contract="contacts")
    roles, problems = _roles(), []
    addresses: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], int] = {}
    sender = ""
    for line, row in df.iterrows():
        raw = "" if pd.isna(row["role"]) else str(row["role"])
        code = roles.get(normalize(raw))
        if code is None:
            problems.append(Problem(int(line), "role", raw, LABELS["notices_error"]["role"]))
            continue
        email = "" if pd.isna(row.get("email")) else str(row.get("email")).strip()
        if code == SENDER:
            sender = sender or email
            continue
        kind = BY_CODE[code]
        values = {k: ("" if pd.isna(row.get(k)) else str(row.get(k)).strip()) for k in kind.keys}
        empty = [k for k, v in values.items() if not v]
        if empty:
            problems += [Problem(int(line), k, None, LABELS["notices_error"]["key"]) for k in empty]
            continue
        key = (code, recipient_key(kind, values))
        if key in addresses and addresses[key] != email:
            why = LABELS["notices_error"]["twice"].format(line=where[key])
            problems.append(Problem(int(line), "email", email, why))
            continue
        addresses[key], where[key] = email, int(line)
    if problems:
        raise InputError(name, problems)
    return Contacts(addresses, sender)


def student_emails(students: str | Path) -> dict[str, str]:
    """Student id -> the address in the students' export's e-mail column ({} without one)."""
    df = read_table(students, ["student_id"], optional=["email"], contract="student_email")
    if "email" not in df.columns:
        return {}
    ids = df["student_id"].astype(str).str.strip()
    mail = df["email"].fillna("").astype(str).str.strip()
    return {i: m for i, m in zip(ids, mail, strict=True) if m}


# The kinds a contacts file can name, for the README and the tests.
