"""The messages: one ``email.message.EmailMessage`` per recipient, with their own files only.

A department head gets the department's PDF, an advisor the class's PDF and workbook, an office
its list (PDF and workbook), a student a personal text (what is missing, the deadline, whom to
contact). Each message has a ``Message-ID`` made from what it is (term, date, kind, recipient),
so the same notice is the same message in every run and on the server's side. The words are in
``label_tables/notices.toml`` ``[notices_mail]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from ..labels import LABELS
from ..rules import TermRules
from .contacts import Contacts
from .plan import Recipient
from .words import roc_date, term_name

__all__ = ["message_id", "build_message", "write_eml", "contact_lines"]

_MAIL = LABELS["notices_mail"]
_TYPES = {
    ".pdf": ("application", "pdf"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".csv": ("text", "csv"),
}


def message_id(term: str, as_of: dt.date, notice: str, key: str) -> str:
    """The ledger's id of a message: what it is, so a rerun finds the same message."""
    return f"{term}/{as_of.isoformat()}/{notice}/{key}"


def _header_id(mid: str, sender: str) -> str:
    digest = hashlib.sha256(mid.encode("utf-8")).hexdigest()[:24]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<ncut-notice.{digest}@{domain}>"


def contact_lines(rules: TermRules, contacts: Contacts, categories: list[str]) -> str:
    """Whom a student contacts for each category they miss: the office and its address."""
    lines = []
    for c in categories:
        office = rules.offices.get(c, "")
        addr = contacts.address("office", office)
        lines.append(
            _MAIL["contact_line"].format(label=rules.label(c), office=office, address=addr)
            if addr
            else _MAIL["contact_line_plain"].format(label=rules.label(c), office=office)
        )
    return "\n".join(lines)


def _body(r: Recipient, rules: TermRules, as_of: dt.date, extra: str) -> tuple[str, str]:
    words = {
        "term": term_name(rules.term),
        "as_of": roc_date(as_of),
        "deadline": roc_date(rules.deadline),
        "name": r.name,
        "department": r.department,
        "count": r.detail,
    }
    subject = _MAIL[f"subject_{r.notice}"].format(**words)
    if r.kind == "student":
        body = r.text + ("\n\n" + _MAIL["contacts_head"] + "\n" + extra if extra else "")
    else:
        body = _MAIL[f"body_{r.kind}"].format(**words)
    return subject, body + "\n\n" + _MAIL["signature"]


def build_message(
    r: Recipient,
    *,
    address: str,
    sender: str,
    rules: TermRules,
    as_of: dt.date,
    sent_at: dt.datetime,
    folder: Path,
    extra: str = "",
) -> EmailMessage:
    """The message to ``r`` at ``address``, its attachments read from the run ``folder``."""
    subject, body = _body(r, rules, as_of, extra)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = address
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = _header_id(message_id(rules.term, as_of, r.notice, r.key), sender)
    msg.set_content(body, cte="base64")
    for rel in r.files:
        path = folder / rel
        maintype, subtype = _TYPES.get(path.suffix.lower()) or tuple(
            (mimetypes.guess_type(path.name)[0] or "application/octet-stream").split("/", 1)
        )
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return msg


def write_eml(msg: EmailMessage, path: Path) -> None:
    """The message as an ``.eml`` file, the bytes a server is given (CRLF lines)."""
    path.write_bytes(msg.as_bytes(policy=SMTP))
