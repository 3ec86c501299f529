"""Sending the notices through a real SMTP server on 127.0.0.1 (aiosmtpd), exactly once each.

The data are ``test_notices``'s 114-2 class by hand (化材四甲 A1–A3, 機械四甲 B1–B2); the contacts
give every head, advisor and office an address, A1–A3 theirs, B1 a malformed one and B2 none.
At 2026-02-27 the messages are, by hand: 2 heads, 2 advisors, 4 offices (教務處 抗壓, 圖書館
精進, 學務處 社會接軌, 研發處 證照: each has a student still missing its category), and A1
(通過), A2 and A3 (未通過): 11. B1 and B2 are listed on the summary, not written to.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from ncut_analysis.notices import run_notices  # noqa: E402

from .conftest import REPO, run_cli, write  # noqa: E402
from .test_notices import FEB, MAR, fake_print, make_term114_2  # noqa: E402

CONTACTS = """身分,學系,班級,單位,學號,姓名,電子郵件
寄件者,,,教務處,,,notices@example.edu
承辦單位,,,教務處,,,academic@example.edu
承辦單位,,,圖書館,,,library@example.edu
承辦單位,,,學務處,,,affairs@example.edu
承辦單位,,,研發處,,,research@example.edu
系主任,化材,,,,,head.chem@example.edu
系主任,機械,,,,,head.mech@example.edu
導師,化材,化材四甲,,,,adv.chem@example.edu
導師,機械,機械四甲,,,,adv.mech@example.edu
學生,化材,化材四甲,,A1,甲生,a1@example.edu
學生,化材,化材四甲,,A2,乙生,a2@example.edu
學生,化材,化材四甲,,A3,丙生,a3@example.edu
學生,機械,機械四甲,,B1,丁生,b1 at example.edu
"""
EVERYONE = {
    "academic@example.edu", "library@example.edu", "affairs@example.edu",
    "research@example.edu", "head.chem@example.edu", "head.mech@example.edu",
    "adv.chem@example.edu", "adv.mech@example.edu",
    "a1@example.edu", "a2@example.edu", "a3@example.edu",
}  # fmt: skip
PASSWORD = "Pw-7f3c9e-never-stored"


class Server:
    """An SMTP server on a free port of 127.0.0.1 that keeps what it accepted. ``refuse``:
    addresses answered 550 at RCPT; ``drop_at``: the connection is cut at that MAIL (1-based);
    ``hold``: DATA is kept, then the reply withheld for that many seconds. ``auth``: AUTH LOGIN
    and PLAIN (``only``: that one), checked against ``PASSWORD``; ``tls``: ``starttls`` (AUTH
    refused before it, aiosmtpd's default) or ``ssl`` (implicit TLS) with ``cert`` (cert, key).
    ``logins``: every AUTH attempt (mechanism, user if it succeeded); ``login_tls``: whether
    each came over TLS."""

    def __init__(
        self,
        *,
        auth: bool = False,
        tls: str | None = None,
        cert: tuple[Path, Path] | None = None,
        only: str | None = None,
    ) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.refuse: set[str] = set()
        self.drop_at: int | None = None
        self.hold = 0.0
        self.mails = 0
        self.logins: list[tuple[str, bytes]] = []
        self.login_tls: list[bool] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        kw: dict = {}
        if auth:
            # aiosmtpd counts only STARTTLS as TLS: AUTH is allowed in the clear on a plain
            # server (to prove the client holds back) and must be allowed on implicit TLS
            kw = {"authenticator": self._auth, "auth_require_tls": tls == "starttls"}
            if only:
                kw["auth_exclude_mechanism"] = [m for m in ("LOGIN", "PLAIN") if m != only]
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*cert)
            if tls == "starttls":
                kw |= {"tls_context": context, "require_starttls": True}
            else:
                kw["ssl_context"] = context
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kw)

    def _auth(self, server, session, envelope, mechanism, data):  # noqa: ANN001, ANN202
        ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
        self.logins.append((mechanism, bytes(data.login) if ok else b""))
        self.login_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return AuthResult(success=ok, handled=False)  # a failure answered 535

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        self.mails += 1
        if self.drop_at is not None and self.mails == self.drop_at:
            server.transport.close()
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        for rcpt in envelope.rcpt_tos:
            self.got.append((rcpt, envelope.original_content))
        if self.hold:
            await asyncio.sleep(self.hold)
        return "250 2.0.0 queued as T1"

    def __enter__(self) -> Server:
        self.controller.start()  # returns once the server answers
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def to(self, address: str) -> list:
        return [message_from_bytes(b, policy=policy.default) for a, b in self.got if a == address]

    def count(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a, _ in self.got:
            out[a] = out.get(a, 0) + 1
        return out


@pytest.fixture
def term114_2(tmp_path):
    return make_term114_2(tmp_path)


@pytest.fixture
def no_browser(monkeypatch):
    import ncut_analysis.notices as notices_package

    monkeypatch.setattr(notices_package, "find_chromium", lambda: "fake")
    monkeypatch.setattr(notices_package, "print_pdfs", fake_print)


@pytest.fixture
def smtp():
    with Server() as server:
        yield server


def notices(term114_2, tmp_path, day=FEB, **kw):
    s, r = term114_2
    contacts = tmp_path / "contacts.csv"
    if not contacts.exists():
        write(contacts, CONTACTS)
    return run_notices(term="114-2", as_of=day, students=s, records=r, contacts=contacts,
                       ledger=tmp_path / "l.sqlite", out=tmp_path / day.isoformat(), **kw)  # fmt: skip


def send(tmp_path, server: Server, *extra: str, day=FEB, env: dict | None = None, security="none"):
    """``send`` of the day's folder to ``server``; ``env`` adds to the environment (None: the
    variable is taken out)."""
    full = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    return run_cli(
        "send", "--run", tmp_path / day.isoformat(), "--ledger", tmp_path / "l.sqlite",
        "--smtp-host", "127.0.0.1", "--smtp-port", server.port, "--smtp-security", security,
        *extra, env=full,
    )  # fmt: skip


def states(tmp_path) -> dict[str, tuple[str, str]]:
    con = sqlite3.connect(tmp_path / "l.sqlite")
    try:
        rows = con.execute("SELECT address, state, reply FROM messages").fetchall()
    finally:
        con.close()
    return {a: (s, r) for a, s, r in rows}


def test_dry_run_sends_nothing_and_writes_one_eml_per_message(
    term114_2, tmp_path, no_browser, smtp
):
    res = notices(term114_2, tmp_path)
    assert res.messages == {"department": 2, "advisor": 2, "office": 4, "student": 3}
    emls = sorted((tmp_path / FEB.isoformat() / "mail").glob("*.eml"))
    assert len(emls) == 11 and smtp.got == []
    to = {message_from_bytes(p.read_bytes(), policy=policy.default)["To"] for p in emls}
    assert to == EVERYONE
    assert {s for s, _ in states(tmp_path).values()} == {"queued"}
    # the two students without a usable address, by name, with what was found; nothing guessed
    assert res.no_address == [
        ("學生", "丁生（B1）", "b1 at example.edu"), ("學生", "=1+1（B2）", ""),
    ]  # fmt: skip
    summary = (tmp_path / FEB.isoformat() / "summary.html").read_text(encoding="utf-8")
    assert (
        "丁生（B1）" in summary
        and "電子郵件格式不正確" in summary
        and "b1 at example.edu" in summary
    )
    assert "聯絡資料無電子郵件" in summary


def test_send_delivers_exactly_one_each_with_only_their_own_files(
    term114_2, tmp_path, no_browser, smtp
):
    notices(term114_2, tmp_path)
    res = send(tmp_path, smtp)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "已寄出 11 封" in res.stdout
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)
    assert {s for s, _ in states(tmp_path).values()} == {"sent"}
    assert states(tmp_path)["a1@example.edu"][1] == "250 2.0.0 queued as T1"  # the server's reply

    def files(address: str) -> dict[str, bytes]:
        (msg,) = smtp.to(address)
        return {p.get_filename(): p.get_content() for p in msg.iter_attachments()}

    def ids(book: bytes, sheet: int = 0, first: int = 2) -> list[str]:
        ws = openpyxl.load_workbook(io.BytesIO(book)).worksheets[sheet]
        return [r[0] for r in ws.iter_rows(min_row=first, values_only=True) if r[0]]

    assert list(files("head.chem@example.edu")) == ["化材.pdf"]
    chem = files("adv.chem@example.edu")
    assert sorted(chem) == ["化材四甲.pdf", "化材四甲.xlsx"]
    # the roster: title, note, header on row 3, then the class's students (failing first)
    assert sorted(ids(chem["化材四甲.xlsx"], first=4)) == ["化材四甲"] * 3
    book = openpyxl.load_workbook(io.BytesIO(chem["化材四甲.xlsx"]))
    assert sorted(r[1] for r in book["清冊"].iter_rows(min_row=4, values_only=True)) == [
        "A1", "A2", "A3"]  # fmt: skip
    mech = openpyxl.load_workbook(io.BytesIO(files("adv.mech@example.edu")["機械四甲.xlsx"]))
    assert sorted(r[1] for r in mech["清冊"].iter_rows(min_row=4, values_only=True)) == [
        "B1", "B2"]  # fmt: skip
    # each office: the students still missing its own category, by hand
    assert ids(files("academic@example.edu")["教務處.xlsx"]) == ["A3", "B2"]
    assert ids(files("library@example.edu")["圖書館.xlsx"]) == ["A3", "B2"]
    assert ids(files("affairs@example.edu")["學務處.xlsx"]) == ["A3", "B1", "B2"]
    assert ids(files("research@example.edu")["研發處.xlsx"]) == ["A2", "A3", "B2"]
    # a student: a personal text, no file; what is missing, the deadline, whom to contact
    (a3,) = smtp.to("a3@example.edu")
    assert list(a3.iter_attachments()) == []
    text = a3.get_body(("plain",)).get_content()
    assert "丙生" in text and "抗壓 0.5 小時" in text and "115年6月1日" in text
    assert "教務處（academic@example.edu）" in text and "甲生" not in text
    (a1,) = smtp.to("a1@example.edu")
    assert "您已通過" in a1["Subject"]
    # a rerun sends nothing again
    again = send(tmp_path, smtp)
    assert again.returncode == 0 and "都已寄出" in again.stdout
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)


def test_a_refused_recipient_is_reported_and_retried_next_run(
    term114_2, tmp_path, no_browser, smtp
):
    notices(term114_2, tmp_path)
    smtp.refuse = {"a2@example.edu"}
    first = send(tmp_path, smtp)
    assert first.returncode == 1
    assert "2026-02-27/not_passed/A2" in first.stdout and "550" in first.stdout
    assert states(tmp_path)["a2@example.edu"] == ("failed", "550 5.1.1 mailbox unavailable")
    assert "a2@example.edu" not in smtp.count() and len(smtp.got) == 10
    still = send(tmp_path, smtp)  # refused again: reported again, nothing else resent
    assert still.returncode == 1 and len(smtp.got) == 10
    smtp.refuse = set()
    last = send(tmp_path, smtp)
    assert last.returncode == 0 and "已寄出 1 封" in last.stdout
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)


def test_a_dropped_connection_loses_none_and_repeats_none(term114_2, tmp_path, no_browser, smtp):
    notices(term114_2, tmp_path)
    smtp.drop_at = 4  # the server goes away at the fourth message
    first = send(tmp_path, smtp)
    assert first.returncode == 1 and len(smtp.got) == 3
    assert "尚未寄出 7 封" in first.stdout
    smtp.drop_at = None
    again = send(tmp_path, smtp)
    assert again.returncode == 0, again.stdout
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)


def test_limit_then_the_rest(term114_2, tmp_path, no_browser, smtp):
    notices(term114_2, tmp_path)
    first = send(tmp_path, smtp, "--limit", "2", "--rate", "6000")
    assert first.returncode == 0 and len(smtp.got) == 2 and "尚未寄出 9 封" in first.stdout
    send(tmp_path, smtp)
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)
    again = send(tmp_path, smtp)  # nothing left: said so, and nobody gets a second one
    assert again.returncode == 0 and "都已寄出" in again.stdout
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)


def test_a_student_told_passed_once_in_the_term(term114_2, tmp_path, no_browser, smtp):
    notices(term114_2, tmp_path, FEB)
    assert send(tmp_path, smtp, day=FEB).returncode == 0
    notices(term114_2, tmp_path, MAR)
    assert send(tmp_path, smtp, day=MAR).returncode == 0
    a1 = [m["Subject"] for m in smtp.to("a1@example.edu")]
    assert len(a1) == 1 and "您已通過" in a1[0]  # February only
    a2 = [m["Subject"] for m in smtp.to("a2@example.edu")]
    assert len(a2) == 2 and "尚未通過" in a2[0] and "您已通過" in a2[1]


def test_notices_send_in_one_command_and_no_password_anywhere(term114_2, tmp_path, no_browser):
    s, r = term114_2
    write(tmp_path / "contacts.csv", CONTACTS)
    with Server(auth=True) as server:
        res = run_cli(
            "notices", "--term", "114-2", "--as-of", "2026-02-27", "--students", s, "--records",
            r, "--contacts", tmp_path / "contacts.csv", "--ledger", tmp_path / "l.sqlite",
            "--out", tmp_path / FEB.isoformat(), "--send", "--smtp-host", "127.0.0.1",
            "--smtp-port", server.port, "--smtp-security", "none", "--smtp-user", "notices",
            env={**os.environ, "NCUT_SMTP_PASSWORD": PASSWORD},
        )  # fmt: skip
        assert res.returncode == 0, res.stdout + res.stderr
        assert server.count() == dict.fromkeys(EVERYONE, 1)
        assert server.logins and all(login == b"notices" for _, login in server.logins)
        # a wrong password: nothing is sent, exit 2, and the password is not in the message
        notices(term114_2, tmp_path, MAR)
        bad = send(tmp_path, server, "--smtp-user", "notices", day=MAR,
                   env={"NCUT_SMTP_PASSWORD": "wrong-" + PASSWORD[::-1]})  # fmt: skip
        assert bad.returncode == 2 and "127.0.0.1" in bad.stderr
        assert PASSWORD[::-1] not in bad.stderr + bad.stdout
    secret_nowhere(PASSWORD, tmp_path, res.stdout, res.stderr, bad.stdout, bad.stderr)


def test_send_without_password_or_server_exit_2(term114_2, tmp_path, no_browser, smtp):
    notices(term114_2, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCUT_SMTP")}
    res = run_cli("send", "--run", tmp_path / FEB.isoformat(), "--ledger", tmp_path / "l.sqlite",
                  env=env)  # fmt: skip
    assert res.returncode == 2 and "--smtp-host" in res.stderr
    res = send(tmp_path, smtp, "--smtp-user", "u", env={"NCUT_SMTP_PASSWORD": ""})
    assert res.returncode == 2 and "NCUT_SMTP_PASSWORD" in res.stderr and smtp.got == []
    for bad in (["--limit", "0"], ["--rate", "-1"], ["--smtp-security", "tls"]):
        res = send(tmp_path, smtp, *bad)
        assert res.returncode == 2 and bad[0] in res.stderr
    s, r = term114_2
    res = run_cli("notices", "--term", "114-2", "--as-of", "2026-02-27", "--students", s,
                  "--records", r, "--ledger", tmp_path / "x.sqlite", "--out", tmp_path / "x",
                  "--send", "--smtp-host", "127.0.0.1")  # fmt: skip
    assert res.returncode == 2 and "--contacts" in res.stderr and not (tmp_path / "x").exists()
    res = run_cli("send", "--run", tmp_path, "--ledger", tmp_path / "l.sqlite",
                  "--smtp-host", "127.0.0.1")  # fmt: skip
    assert res.returncode == 2 and "notices" in res.stderr
    assert smtp.got == []


def test_a_contacts_file_with_an_unknown_role_is_exit_2(term114_2, tmp_path, no_browser):
    s, r = term114_2
    bad = write(tmp_path / "c.csv", CONTACTS + "校長,,,,,,p@example.edu\n")
    res = run_cli(
        "notices", "--term", "114-2", "--as-of", "2026-02-27", "--students", s, "--records", r,
        "--contacts", bad, "--ledger", tmp_path / "l.sqlite", "--out", tmp_path / "o",
    )  # fmt: skip
    assert res.returncode == 2 and "c.csv" in res.stderr and "校長" in res.stderr
    assert not (tmp_path / "l.sqlite").exists() and not (tmp_path / "o").exists()


def test_students_export_email_column_is_used(term114_2, tmp_path, no_browser, smtp):
    s, r = term114_2
    text = s.read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",電子郵件"] + [line + f",{line.split(',')[0].lower()}@school.example.edu"
                                       for line in text[1:]]  # fmt: skip
    write(s, "\n".join(rows) + "\n")
    res = notices(term114_2, tmp_path)
    assert res.messages["student"] == 5 and res.no_address == []  # the export over the contacts


@pytest.mark.slow
def test_a_run_killed_while_sending_is_uncertain_not_resent(term114_2, tmp_path, no_browser, smtp):
    notices(term114_2, tmp_path)
    smtp.hold = 60  # the server takes the first message and keeps its reply back
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncut_analysis", "send", "--run", str(tmp_path / FEB.isoformat()),
         "--ledger", str(tmp_path / "l.sqlite"), "--smtp-host", "127.0.0.1",
         "--smtp-port", str(smtp.port), "--smtp-security", "none"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while not smtp.got:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    (first, _), = smtp.got  # fmt: skip
    assert states(tmp_path)[first][0] == "sending"
    smtp.hold = 0
    res = send(tmp_path, smtp)
    assert res.returncode == 1 and "不確定是否寄出" in res.stdout
    assert smtp.count() == dict.fromkeys(EVERYONE, 1)  # the uncertain one was not sent again
    assert states(tmp_path)[first][0] == "sending"


# --- STARTTLS and SSL against a certificate made here; the password from the keyring ---------

_LEAF = """basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = {names}
"""


class Certs:
    """A test CA (``ca``: the file SSL_CERT_FILE names to trust it) and two server certificates
    it signs: ``good`` for 127.0.0.1 and localhost, ``other`` for another name only."""

    def __init__(self, folder: Path) -> None:
        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=NCUT test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
        self.ca = folder / "ca.pem"
        for serial, (name, names) in enumerate(
            [("good", "IP:127.0.0.1, DNS:localhost"), ("other", "DNS:mail.other.example")], 2
        ):
            (folder / f"{name}.ext").write_text(_LEAF.format(names=names))
            openssl("req", "-new", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                    "-subj", f"/CN={names.split(':')[1].split(',')[0]}")  # fmt: skip
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-set_serial", str(serial), "-days", "2", "-extfile", f"{name}.ext",
                    "-out", f"{name}.pem")  # fmt: skip
        self.good = (folder / "good.pem", folder / "good.key")
        self.other = (folder / "other.pem", folder / "other.key")


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(tmp_path_factory.mktemp("certs"))


def secret_nowhere(secret: str, tmp_path: Path, *outputs: str) -> None:
    """The secret is in no file under ``tmp_path`` (the run folders, the ledger and its
    journal), no row of any table of the ledger, and none of ``outputs``."""
    needle = secret.encode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert (tmp_path / "l.sqlite") in files and any(p.suffix == ".eml" for p in files)
    for path in files:
        assert needle not in path.read_bytes(), path
    con = sqlite3.connect(tmp_path / "l.sqlite")
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "messages" in tables
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                assert not any(secret in str(v) for v in row), (table, row)
    finally:
        con.close()
    for text in outputs:
        assert secret not in text


@pytest.mark.parametrize(("security", "mechanism"), [("starttls", "LOGIN"), ("ssl", "PLAIN")])
def test_starttls_and_ssl_verify_the_server_and_log_in_over_tls(
    term114_2, tmp_path, no_browser, certs, security, mechanism
):
    notices(term114_2, tmp_path)
    with Server(auth=True, tls=security, cert=certs.good, only=mechanism) as server:
        res = send(tmp_path, server, "--smtp-user", "notices", security=security,
                   env={"NCUT_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(certs.ca)})  # fmt: skip
        assert res.returncode == 0, res.stdout + res.stderr
        assert "已寄出 11 封" in res.stdout
        assert server.count() == dict.fromkeys(EVERYONE, 1)
        # one connection, one login by the mechanism the server offers, over TLS
        assert server.logins == [(mechanism, b"notices")] and server.login_tls == [True]
    assert {s for s, _ in states(tmp_path).values()} == {"sent"}
    secret_nowhere(PASSWORD, tmp_path, res.stdout, res.stderr)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_certificate_that_does_not_verify_sends_nothing_and_no_password(
    term114_2, tmp_path, no_browser, certs, security
):
    notices(term114_2, tmp_path)
    # not trusted (the test CA is not in the system's store), then trusted but for another name
    for cert, cafile in ((certs.good, None), (certs.other, str(certs.ca))):
        with Server(auth=True, tls=security, cert=cert) as server:
            res = send(tmp_path, server, "--smtp-user", "notices", security=security,
                       env={"NCUT_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": cafile})  # fmt: skip
        assert res.returncode == 2, res.stdout + res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in res.stderr
        assert f"127.0.0.1:{server.port}" in lines[0] and "憑證未通過驗證" in lines[0]
        assert server.logins == [] and server.got == []
    assert {s for s, _ in states(tmp_path).values()} == {"queued"}  # nothing marked sent
    secret_nowhere(PASSWORD, tmp_path, res.stdout, res.stderr)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_no_password_over_a_plain_connection(term114_2, tmp_path, no_browser, security):
    # a server without TLS that would take AUTH in the clear: the client stops before it
    notices(term114_2, tmp_path)
    with Server(auth=True) as server:
        res = send(tmp_path, server, "--smtp-user", "notices", security=security,
                   env={"NCUT_SMTP_PASSWORD": PASSWORD})  # fmt: skip
    assert res.returncode == 2 and f"127.0.0.1:{server.port}" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert "--smtp-security" in res.stderr  # what to check
    assert server.logins == [] and server.got == []
    assert {s for s, _ in states(tmp_path).values()} == {"queued"}
    secret_nowhere(PASSWORD, tmp_path, res.stdout, res.stderr)


def test_the_default_ports(term114_2, tmp_path, no_browser):
    from ncut_analysis.notices.send import SmtpSettings

    ports = {s: SmtpSettings("mail.example.edu", security=s).real_port for s in ("ssl", "none")}
    assert ports == {"ssl": 465, "none": 25}
    assert SmtpSettings("mail.example.edu").real_port == 587  # STARTTLS unless told
    assert SmtpSettings("mail.example.edu", 2525, "ssl").real_port == 2525
    # the command: --smtp-security ssl without a port goes to 465 (nothing listens there)
    notices(term114_2, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCUT_SMTP")}
    res = run_cli("send", "--run", tmp_path / FEB.isoformat(), "--ledger", tmp_path / "l.sqlite",
                  "--smtp-host", "127.0.0.1", "--smtp-security", "ssl", env=env)  # fmt: skip
    assert res.returncode == 2 and "127.0.0.1:465" in res.stderr
    assert {s for s, _ in states(tmp_path).values()} == {"queued"}


keyring = pytest.importorskip("keyring")
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.backends import fail  # noqa: E402

from ncut_analysis.notices.send import KEYRING_SERVICE, SendError, password  # noqa: E402


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in this process only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.saved.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saved[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.saved[(service, username)]


@pytest.fixture
def memory_keyring(monkeypatch):
    monkeypatch.delenv("NCUT_SMTP_PASSWORD", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(before)


def test_password_from_the_keyring_and_the_environment_first(memory_keyring, monkeypatch):
    keyring.set_password(KEYRING_SERVICE, "notices", "from-the-keyring")
    assert password("notices") == "from-the-keyring"
    with pytest.raises(SendError, match=f"{KEYRING_SERVICE}.*someone-else"):
        password("someone-else")  # another user's entry is not there
    monkeypatch.setenv("NCUT_SMTP_PASSWORD", "from-the-environment")
    assert password("notices") == "from-the-environment"
    monkeypatch.setenv("NCUT_SMTP_PASSWORD", "")  # set but empty: the keyring
    assert password("notices") == "from-the-keyring"
    keyring.set_keyring(fail.Keyring())  # no keyring on this machine: the message, no traceback
    with pytest.raises(SendError, match="NCUT_SMTP_PASSWORD"):
        password("notices")


def test_send_with_the_password_from_the_keyring(
    term114_2, tmp_path, no_browser, certs, memory_keyring
):
    keyring.set_password(KEYRING_SERVICE, "notices", PASSWORD)
    notices(term114_2, tmp_path)
    trust = {"SSL_CERT_FILE": str(certs.ca), "NCUT_SMTP_PASSWORD": None}
    with Server(auth=True, tls="starttls", cert=certs.good) as server:
        res = send(tmp_path, server, "--smtp-user", "notices", security="starttls", env=trust)
        assert res.returncode == 0, res.stdout + res.stderr
        assert server.count() == dict.fromkeys(EVERYONE, 1)
        assert [login for _, login in server.logins] == [b"notices"]
        # the environment wins over the keyring: a wrong one there is refused, nothing sent
        notices(term114_2, tmp_path, MAR)
        bad = send(tmp_path, server, "--smtp-user", "notices", security="starttls", day=MAR,
                   env={**trust, "NCUT_SMTP_PASSWORD": "not-" + PASSWORD[::-1]})  # fmt: skip
        assert bad.returncode == 2 and len(server.logins) > 1  # PLAIN, then LOGIN, refused
        assert [login for _, login in server.logins[1:]] == [b""] * (len(server.logins) - 1)
        assert server.count() == dict.fromkeys(EVERYONE, 1)
    secret_nowhere(PASSWORD, tmp_path, res.stdout, res.stderr, bad.stdout, bad.stderr)


def test_a_login_without_encryption_is_refused_except_on_this_machine():
    from ncut_analysis.notices.send import SmtpSettings

    for host in ("localhost", "127.0.0.1", "::1"):  # a relay on this machine: allowed
        SmtpSettings(host, security="none", user="notices")
    SmtpSettings("mail.example.edu", security="none")  # no login, no password: allowed
    with pytest.raises(SendError, match="mail.example.edu") as e:
        SmtpSettings("mail.example.edu", security="none", user="notices")
    assert "明文" in str(e.value)
