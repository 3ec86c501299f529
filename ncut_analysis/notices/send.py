"""The send stage: a run's queued messages handed to the school's SMTP server, each exactly once.

Each message is marked ``sending`` in the ledger (committed) before the server sees it, then
``sent`` with the server's reply or ``failed`` with the reason. A rerun sends what is queued or
failed; a message left in ``sending`` (the run was killed while handing it over) is uncertain:
it is reported and not sent again unless asked (``resend_uncertain``).

The password comes from the environment (``NCUT_SMTP_PASSWORD``) or the system keyring
(``keyring``, service ``ncut-analysis-smtp``, the user's name), never from a file of the project;
it is given to the server only, never written to the ledger, a log or a message.
"""

from __future__ import annotations

import os
import smtplib
import socket
import sqlite3
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NcutError
from ..labels import LABELS
from . import ledger as lg

__all__ = ["SmtpSettings", "SendResult", "SendError", "PASSWORD_ENV", "send_run", "password"]

PASSWORD_ENV = "NCUT_SMTP_PASSWORD"
KEYRING_SERVICE = "ncut-analysis-smtp"
SECURITY = ("starttls", "ssl", "none")
_ERR = LABELS["notices_error"]


class SendError(NcutError):
    """Sending cannot start: no server named, no password for the user, bad settings."""


@dataclass(frozen=True)
class SmtpSettings:
    """The school's server: ``host``, ``port`` (default 587 for STARTTLS, 465 for SSL, 25),
    ``security`` (``starttls``, ``ssl`` or ``none``), ``user`` (none: no login)."""

    host: str
    port: int | None = None
    security: str = "starttls"
    user: str = ""
    timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise SendError(_ERR["security"].format(value=self.security))
        if self.security == "none" and self.user and not _on_this_machine(self.host):
            # a login without encryption sends the password in the clear: this machine only
            raise SendError(_ERR["plain_login"].format(host=self.host))

    @property
    def real_port(self) -> int:
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.security]


def _on_this_machine(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.1, ::1)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class SendResult:
    """What a send did: ids ``sent``, ``failed`` (id -> reason), ``uncertain`` (left in sending
    by an earlier run, not resent), ``left`` (still queued: the limit, or the server went away)."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def password(user: str) -> str:
    """The user's password: ``NCUT_SMTP_PASSWORD``, else the system keyring if installed."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    try:
        import keyring
    except ImportError:
        keyring = None
    if keyring is not None:
        try:
            found = keyring.get_password(KEYRING_SERVICE, user)
        except Exception:  # noqa: BLE001 - a keyring backend that is not set up
            found = None
        if found:
            return found
    raise SendError(_ERR["password"].format(env=PASSWORD_ENV, service=KEYRING_SERVICE, user=user))


def _connect(settings: SmtpSettings, secret: str | None) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.real_port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.real_port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        if settings.security == "starttls":
            if not smtp.has_extn("starttls"):  # never fall back to a login in the clear
                raise SendError(
                    _ERR["no_starttls"].format(host=settings.host, port=settings.real_port)
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, secret or "")
    except BaseException:
        smtp.close()  # no half-open connection left to the server
        raise
    return smtp


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _hand_over(
    smtp: smtplib.SMTP, sender: str, address: str, data: bytes, stage: list[str]
) -> tuple[bool, str]:
    """One message through MAIL, RCPT and DATA: (accepted, the server's reply); ``stage`` says
    whether DATA had begun (a connection lost then leaves the message uncertain)."""
    code, text = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        return False, _reply(code, text)
    code, text = smtp.rcpt(address)
    if code not in (250, 251):
        smtp.rset()
        return False, _reply(code, text)
    stage.append("data")
    code, text = smtp.data(data)
    return code == 250, _reply(code, text)


_GONE = (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, OSError)


def _send_one(
    con: sqlite3.Connection,
    smtp: smtplib.SMTP,
    sender: str,
    mid: str,
    address: str,
    data: bytes,
    result: SendResult,
) -> bool:
    """Hand one message over, recording ``sending`` before and the outcome after; False when
    the server went away (the message is failed before DATA, uncertain after)."""
    lg.mark_message(con, mid, "sending")
    stage: list[str] = []
    try:
        ok, reply = _hand_over(smtp, sender, address, data, stage)
    except smtplib.SMTPDataError as exc:
        ok, reply = False, _reply(exc.smtp_code, exc.smtp_error)
    except _GONE as exc:
        if stage:  # the server may have taken it: uncertain, left in sending
            result.uncertain.append(mid)
            return False
        # before DATA the server has not taken it: failed, sent again by the next run
        why = _ERR["gone"].format(why=type(exc).__name__)
        lg.mark_message(con, mid, "failed", why)
        result.failed[mid] = why
        return False
    lg.mark_message(con, mid, "sent" if ok else "failed", reply)
    if ok:
        result.sent.append(mid)
    else:
        result.failed[mid] = reply
    return True


def send_run(
    con: sqlite3.Connection,
    run_id: int,
    folder: Path,
    settings: SmtpSettings,
    *,
    sender: str,
    limit: int | None = None,
    rate: float | None = None,
    resend_uncertain: bool = False,
    progress: Callable[[str, str], None] | None = None,
) -> SendResult:
    """Send the run's pending messages (``ledger.pending_messages``) from the ``.eml`` files of
    its ``folder``: at most ``limit``, at most ``rate`` a minute. The server going away stops
    the run: what was not handed over stays queued for the next one."""
    result = SendResult()
    states = lg.message_states(con, run_id)
    if not resend_uncertain:
        result.uncertain = states.loc[states["state"] == "sending", "message_id"].tolist()
    todo = lg.pending_messages(con, run_id, resend_uncertain=resend_uncertain)
    if limit is not None:
        result.left = todo["message_id"].tolist()[limit:]
        todo = todo.iloc[:limit]
    if todo.empty:
        return result
    secret = password(settings.user) if settings.user else None
    gap = 60.0 / rate if rate else 0.0
    try:
        smtp = _connect(settings, secret)
    except ssl.SSLCertVerificationError as exc:  # before the password: nothing was given
        why = " ".join(str(exc.verify_message or exc.reason or exc).split())
        raise SendError(
            _ERR["cert"].format(host=settings.host, port=settings.real_port, why=why)
        ) from None
    except ssl.SSLError as exc:  # no TLS there: a plain port, or the wrong --smtp-security
        why = exc.reason or " ".join(str(exc).split())
        raise SendError(
            _ERR["tls"].format(host=settings.host, port=settings.real_port, why=why)
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise SendError(
            _ERR["connect"].format(host=settings.host, port=settings.real_port, why=why)
        ) from None
    try:
        ids = todo["message_id"].tolist()
        for i, (mid, address, eml) in enumerate(
            todo[["message_id", "address", "eml"]].itertuples(index=False, name=None)
        ):
            if i and gap:
                time.sleep(gap)
            if not _send_one(con, smtp, sender, mid, address, (folder / eml).read_bytes(), result):
                result.left += ids[i + 1 :]  # the server went away: the rest wait for a rerun
                break
            if progress:
                progress(mid, result.failed.get(mid, ""))
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return result
