"""The ``notices`` and ``send`` commands: their options and what they print (in Chinese).

Exit status: 0 when every message was sent (or nothing was to be sent: a dry run), 1 when some
failed or are uncertain (listed), 2 for bad input or options (``cli.main``). The options' help
is kept in English like the rest of the CLI; what the office reads is from
``label_tables/notices.toml`` ``[notices_cli]``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from ..labels import LABELS

__all__ = ["add_parsers", "EXIT_SOME_FAILED"]

_H = LABELS["messages_help"]

EXIT_SOME_FAILED = 1
_ENV = {
    "smtp_host": "NCUT_SMTP_HOST",
    "smtp_port": "NCUT_SMTP_PORT",
    "smtp_security": "NCUT_SMTP_SECURITY",
    "smtp_user": "NCUT_SMTP_USER",
}


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(_H["whole_number"].format(text=text))
    return n


def _positive(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = 0.0
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(_H["positive_number"].format(text=text))
    return x


def _smtp_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--smtp-host", help=_H["smtp_host"])
    sp.add_argument("--smtp-port", type=_positive_int, help=_H["smtp_port"])
    sp.add_argument(
        "--smtp-security",
        choices=("starttls", "ssl", "none"),
        help=_H["smtp_security"],
    )
    sp.add_argument(
        "--smtp-user",
        help=_H["smtp_user"],
    )
    sp.add_argument("--sender", help=_H["sender"])
    sp.add_argument("--limit", type=_positive_int, help=_H["limit"])
    sp.add_argument("--rate", type=_positive, help=_H["rate"])
    sp.add_argument(
        "--resend-uncertain",
        action="store_true",
        help=_H["resend_uncertain"],
    )


def add_parsers(
    add: Callable[[str, Callable, str], argparse.ArgumentParser], rules_dir_help: str
) -> None:
    """The ``notices`` and ``send`` sub-commands, through ``cli``'s ``add``."""
    sp = add(
        "notices",
        cmd_notices,
        _H["notices"],
    )
    sp.add_argument("--term", required=True, help=_H["notices_term"])
    sp.add_argument("--as-of", required=True, help=_H["notices_as_of"])
    sp.add_argument("--students", help=_H["notices_students"])
    sp.add_argument("--records", help=_H["notices_records"])
    sp.add_argument(
        "--contacts",
        help=_H["contacts"],
    )
    sp.add_argument("--ledger", help=_H["ledger"])
    sp.add_argument(
        "--backfill",
        action="store_true",
        help=_H["backfill"],
    )
    sp.add_argument("--rules-dir", help=rules_dir_help)
    sp.add_argument("--out", required=True, help=_H["out_notices"])
    sp.add_argument("--send", action="store_true", help=_H["send_now"])
    _smtp_options(sp)

    sp = add(
        "send",
        cmd_send,
        _H["send"],
    )
    sp.add_argument("--run", dest="run_dir", required=True, help=_H["run_dir"])
    sp.add_argument("--ledger", help=_H["ledger"])
    _smtp_options(sp)


def _settings(a: argparse.Namespace):  # noqa: ANN202 - send.SmtpSettings
    from ..labels import LABELS
    from .send import SendError, SmtpSettings

    def opt(name: str) -> str | None:
        return getattr(a, name) or os.environ.get(_ENV[name]) or None

    host = opt("smtp_host")
    if not host:
        raise SendError(LABELS["notices_error"]["no_host"])
    port = opt("smtp_port")
    try:
        port = int(port) if port else None
    except ValueError:
        raise SendError(f"{_ENV['smtp_port']}={port!r}") from None
    return SmtpSettings(
        host=host,
        port=port,
        security=opt("smtp_security") or "starttls",
        user=opt("smtp_user") or "",
    )


def cmd_notices(a: argparse.Namespace) -> None:
    from ..labels import LABELS
    from ..population import check_pair  # --students and --records go together
    from .run import run_notices, send_folder

    t = LABELS["notices_cli"]
    check_pair(a.students, a.records)
    settings = _settings(a) if a.send else None  # a bad server option stops before the run
    if a.send and not a.contacts:
        from .run import default_contacts
        from .send import SendError

        if a.students or not default_contacts(a.term).is_file():
            raise SendError(LABELS["notices_error"]["no_contacts"])
    res = run_notices(  # a PrintError, like every package error, is exit 2 in main
        term=a.term,
        as_of=a.as_of,
        out=a.out,
        students=a.students,
        records=a.records,
        ledger=a.ledger,
        backfill=a.backfill,
        contacts=a.contacts,
        sender=a.sender,
    )
    print(res.population)
    print(
        t["wrote"].format(
            out=a.out,
            departments=f"{res.departments:,}",
            classes=f"{res.classes:,}",
            offices=f"{res.offices:,}",
            students=f"{res.passed + res.not_passed:,}",
            passed=f"{res.passed:,}",
            not_passed=f"{res.not_passed:,}",
            told=f"{res.already_told:,}",
        )
    )
    if res.regressed:
        print(t["regressed"].format(n=f"{res.regressed:,}"))
    print(
        t["unchanged"].format(term=a.term, as_of=a.as_of, ledger=res.ledger)
        if res.run_id is None
        else t["recorded"].format(ledger=res.ledger)
    )
    _print_mail(res)
    if not any(res.messages.values()):
        if a.send or res.no_address:  # asked to send, or nobody has a usable address
            print(t["no_messages"])
        return
    if not a.send:
        print(t["dry_run"].format(out=a.out))
        return
    result = send_folder(a.out, ledger=res.ledger, settings=settings, sender=a.sender,
                         limit=a.limit, rate=a.rate, resend_uncertain=a.resend_uncertain,
                         run_id=res.recorded_run)  # fmt: skip
    _finish(result)


def _print_mail(res) -> None:  # noqa: ANN001
    from ..labels import LABELS

    t, kinds = LABELS["notices_cli"], LABELS["notices_kind"]
    if not any(res.messages.values()) and not res.no_address:
        return
    counts = t["sep"].join(
        t["kind_count"].format(kind=kinds[k], n=f"{n:,}") for k, n in res.messages.items()
    )
    print(t["messages"].format(counts=counts))
    if res.no_address:
        print(t["no_address"].format(n=f"{len(res.no_address):,}"))
        for kind, name, value in res.no_address:
            print(t["no_address_line"].format(kind=kind, name=name, value=value or t["empty"]))


def cmd_send(a: argparse.Namespace) -> None:
    from .run import send_folder

    result = send_folder(
        a.run_dir,
        ledger=a.ledger,
        settings=_settings(a),
        sender=a.sender,
        limit=a.limit,
        rate=a.rate,
        resend_uncertain=a.resend_uncertain,
    )
    _finish(result)


def _finish(result) -> None:  # noqa: ANN001 - send.SendResult
    """Print what was sent, failed, uncertain and left; exit 1 when something needs a look."""
    from ..labels import LABELS

    t = LABELS["notices_cli"]
    if not (result.sent or result.failed or result.uncertain or result.left):
        print(t["nothing_to_send"])  # a rerun after everything went: say so, not 「已寄出 0 封」
        return
    print(t["sent"].format(n=f"{len(result.sent):,}"))
    for mid, why in result.failed.items():
        print(t["failed_line"].format(message=mid, why=why))
    for mid in result.uncertain:
        print(t["uncertain_line"].format(message=mid))
    if result.left:
        print(t["left"].format(n=f"{len(result.left):,}"))
    if result.failed or result.uncertain:
        print(t["rerun"])
        raise SystemExit(EXIT_SOME_FAILED)
