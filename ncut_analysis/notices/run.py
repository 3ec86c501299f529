"""The notice cycle: plan → render → print → record, then send.

``run_notices`` counts the records to an as-of date with ``student_status``, asks the ledger who
was already told 通過, and writes into one folder, all together or not at all:

- ``departments/<系>.pdf``: for each 系主任, the department against the school, the change since
  the previous notice, and class by class the students still missing something;
- ``advisors/<班>.pdf``, ``.xlsx`` and ``.csv``: each class's 清冊 (``rosters``);
- ``offices/<單位>.pdf``, ``.xlsx`` and ``.csv``: each office in charge (the rules' 承辦單位), the
  students still missing its categories, with what they miss, department, class and address;
- ``students.xlsx`` and ``students.csv``: one mail-merge row per student to notify now;
- ``mail/*.eml``: with a contacts file, one message per recipient with an address;
- ``summary.html`` and ``summary.pdf``: what was produced, how many messages per kind, who has
  no usable address, who was left out and why.

The ledger's transaction (the run, its notices and counts, its messages queued) is committed
only after every file is in place. Sending (``send_folder``) is a separate step on the finished
folder: dry run is the default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
from jinja2 import Environment

from ..io import InputError, Problem, atomic_dir, check_output, unique_names
from ..labels import LABELS
from ..paths import default_records, default_students
from ..population import check_pair, check_population
from ..present import TAIPEI, made_at_text
from ..rosters import class_groups, missing_text, write_rosters
from ..rules import TermRules, load_term_rules
from ..thresholds import in_school_order, student_status, summarise, units_in_school_order
from . import ledger as lg
from .contacts import Contacts, load_contacts, student_emails, valid_address
from .files import write_office_list, write_students
from .kinds import BY_CODE, KINDS
from .messages import build_message, contact_lines, message_id, write_eml
from .plan import (
    NOT_PASSED,
    PASSED,
    NoticePlan,
    OfficeList,
    Recipient,
    office_lists,
    plan_notices,
)
from .print import check_browser, print_all
from .render import (
    Context,
    advisor_page,
    department_page,
    office_page,
    summary_page,
    template_env,
)
from .words import roc_date

__all__ = ["NoticeResult", "run_notices", "send_folder", "default_contacts"]

_SUM = LABELS["notices_summary"]
_KIND = LABELS["notices_kind"]
_ERR = LABELS["notices_error"]
# What a notice folder is made of: replaced as a set by each run (other files stay).
_OUTPUTS = frozenset(
    {"departments", "advisors", "offices", "mail", "students.xlsx", "students.csv"}
    | {"summary.html", "summary.pdf"}
)


@dataclass(frozen=True)
class NoticeResult:
    """What a run produced; ``run_id`` is None when the as-of date was already in the ledger.
    ``messages``: per recipient kind, the messages written; ``no_address``: recipients without
    a usable address (kind, name, value)."""

    out: Path
    ledger: Path
    run_id: int | None
    passed: int
    not_passed: int
    departments: int
    classes: int
    already_told: int
    regressed: int
    population: str = ""  # who was counted and left out (``PopulationReport.describe``)
    offices: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    no_address: list[tuple[str, str, str]] = field(default_factory=list)
    recorded_run: int | None = None  # the ledger's run of this folder (new or earlier)


def _input_error(what: str, value: object, why: str) -> InputError:
    return InputError(what, [Problem(None, None, None if value is None else str(value), why)])


def default_contacts(term: str) -> Path:
    """The shipped contacts file of a term (``data/<term>/contacts.csv``)."""
    return default_students(term).with_name("contacts.csv")


def _data_paths(term: str, students, records) -> tuple[Path, Path, bool]:  # noqa: ANN001
    check_pair(students, records)
    if students is None:
        s, r = default_students(term), default_records(term)
        if not s.is_file() or not r.is_file():
            raise _input_error("--students", None, _ERR["no_data"].format(term=term))
        return s, r, True
    return Path(students), Path(records), False


def _warnings(rules: TermRules, as_of: dt.date, later: list[str]) -> list[str]:
    out = []
    if as_of not in rules.notice_dates:
        planned = _SUM["sep"].join(d.isoformat() for d in rules.notice_dates)
        out.append(
            _SUM["warn_date"].format(as_of=as_of.isoformat(), term=rules.term, planned=planned)
        )
    if as_of > rules.deadline:
        out.append(_SUM["warn_deadline"].format(deadline=roc_date(rules.deadline)))
    if later:
        out.append(_SUM["warn_later"].format(later=_SUM["sep"].join(later)))
    return out


@dataclass
class _Cycle:
    """One run's inputs and what the plan stage decided."""

    rules: TermRules
    as_of: dt.date
    run_at: dt.datetime
    status: pd.DataFrame
    ctx: Context
    plan: NoticePlan
    offices: list[OfficeList]
    contacts: Contacts | None
    sender: str
    recipients: list[Recipient] = field(default_factory=list)
    jobs: list[tuple[Path, Path]] = field(default_factory=list)  # (page, PDF) to print
    # files no page needs (the office lists' and the students' workbooks), written while the
    # browser prints
    files: list[Callable[[], None]] = field(default_factory=list)


def _student_recipients(plan: NoticePlan) -> list[Recipient]:
    st = plan.students
    return [
        Recipient(
            notice=res,
            key=sid,
            name=_SUM["student_name"].format(name=name, student_id=sid),
            department=d,
            cls=c,
            detail=m or _SUM["passed_detail"],
            text=text,
            categories=tuple(short),
        )
        for sid, name, d, c, res, m, text, short in st[
            ["student_id", "name", "department", "class", "result", "missing", "text", "short"]
        ].itertuples(index=False, name=None)
    ]


def _render(cy: _Cycle, tmp: Path, pages: Path, env: Environment) -> None:
    """The render stage: every page and sheet into the staging folder, the recipients with
    their files, the PDFs to print (``cy.jobs``)."""
    missing = missing_text(cy.status, cy.rules) if len(cy.status) else {}

    def page(template: str, context: dict, pdf: Path) -> None:
        html = pages / f"p_{len(cy.jobs)}.html"
        html.write_text(env.get_template(template).render(**context), encoding="utf-8")
        cy.jobs.append((html, pdf))

    def files(kind: str, stem: str) -> tuple[str, ...]:
        k = BY_CODE[kind]
        return tuple(f"{k.folder}/{stem}.{ext}" for ext in k.attachments)

    (tmp / "departments").mkdir()
    by_department = dict(list(cy.status.groupby("department", sort=False)))
    order = units_in_school_order(cy.status, cy.rules)
    groups = [(d, by_department[d]) for d in order]
    names = unique_names([str(d) for d, _ in groups], default="department")
    for (dept, g), stem in zip(groups, names, strict=True):
        page("department.html.j2", department_page(cy.ctx, str(dept), g, missing),
             tmp / "departments" / f"{stem}.pdf")  # fmt: skip
        cy.recipients.append(Recipient("department", str(dept), str(dept), str(dept), "",
                                       f"departments/{stem}.pdf", files("department", stem)))  # fmt: skip
    books = write_rosters(cy.status, cy.rules, tmp / "advisors", cy.as_of)
    for group, book in zip(class_groups(cy.status, cy.rules), books, strict=True):
        page("advisor.html.j2", advisor_page(cy.ctx, group.label, group.students),
             tmp / "advisors" / f"{book.stem}.pdf")  # fmt: skip
        key = f"{group.department}/{group.cls}"  # 四年甲班 is in every department
        cy.recipients.append(Recipient("advisor", key, group.label, group.department, group.cls,
                                       f"advisors/{book.stem}.pdf", files("advisor", book.stem)))  # fmt: skip
    _render_offices(cy, tmp, page, files)
    cy.files.append(partial(write_students, cy.plan, cy.rules, tmp))
    cy.recipients += _student_recipients(cy.plan)


def _render_offices(cy: _Cycle, tmp: Path, page, files) -> None:  # noqa: ANN001
    (tmp / "offices").mkdir()
    stems = unique_names([o.office for o in cy.offices], default="office")
    for i, stem in enumerate(stems):
        office = cy.offices[i]
        if cy.contacts is not None:
            emails = [cy.contacts.address("student", s) for s in office.students["student_id"]]
            office = cy.offices[i] = dataclasses.replace(
                office, students=office.students.assign(email=emails)
            )
        cy.files.append(partial(write_office_list, office, cy.rules, tmp / "offices", stem))
        page("office.html.j2", office_page(cy.ctx, office), tmp / "offices" / f"{stem}.pdf")
        cy.recipients.append(Recipient("office", office.office, office.office, "", "",
                                       f"offices/{stem}.xlsx", files("office", stem),
                                       text=f"{len(office.students):,}"))  # fmt: skip


def _addressed(cy: _Cycle) -> tuple[list[tuple[Recipient, str]], list[dict]]:
    """The recipients with a usable address, and those without one (listed, never guessed)."""
    ok, problems = [], []
    if cy.contacts is None:
        return ok, problems
    for r in cy.recipients:
        address = cy.contacts.address(r.kind, r.key)
        if valid_address(address):
            ok.append((r, address))
        else:
            why = _SUM["no_address"] if not address else _SUM["bad_address"]
            problems.append({"kind": _KIND[r.kind], "name": r.name, "why": why, "value": address})
    return ok, problems


def _mail_counts(cy: _Cycle, ok: list, problems: list[dict]) -> dict:
    rows = []
    for k in KINDS:
        n = sum(1 for r, _ in ok if r.kind == k.code)
        lacking = sum(1 for p in problems if p["kind"] == _KIND[k.code])
        rows.append({"kind": _KIND[k.code], "count": f"{n:,}", "missing": f"{lacking:,}"})
    return {"enabled": cy.contacts is not None, "sender": cy.sender, "rows": rows,
            "problems": problems}  # fmt: skip


def _while_printing(cy: _Cycle, then: Callable[[], list]) -> list:
    """Print ``cy.jobs``; meanwhile, in a thread, write ``cy.files`` and then run ``then``
    (its answer returned). An error of either is raised once both have stopped."""

    def work() -> list:
        for write_file in cy.files:
            write_file()
        return then()

    with ThreadPoolExecutor(1) as pool:
        meanwhile = pool.submit(work)
        print_all(cy.jobs)
        return meanwhile.result()


def _print_and_write_mail(cy: _Cycle, ok: list, tmp: Path) -> pd.DataFrame:
    """The print stage and the message stage: every PDF of ``cy.jobs``, the workbooks no page
    needs (``cy.files``), and one ``.eml`` per addressed recipient into ``mail/``. The
    workbooks and the messages without attachments (the students', most of them) are written
    in a thread while the browser prints, which leaves this process's Python idle; the
    messages that carry a file are written when both are done."""
    cols = ["message_id", "kind", "recipient", "address", "eml"]
    if cy.contacts is None:
        _while_printing(cy, list)
        return pd.DataFrame(columns=cols)
    (tmp / "mail").mkdir()
    stems = unique_names([f"{r.notice}_{r.key}" for r, _ in ok], default="message")
    items = list(zip(ok, stems, strict=True))
    sent_at = cy.run_at.astimezone(TAIPEI)

    def write(item: tuple[tuple[Recipient, str], str]) -> tuple[str, str, str, str, str]:
        (r, address), stem = item
        extra = ""
        if r.kind == "student" and r.notice == NOT_PASSED:
            extra = contact_lines(cy.rules, cy.contacts, list(r.categories))
        if r.kind == "office":
            r = dataclasses.replace(r, detail=r.text)
        msg = build_message(r, address=address, sender=cy.sender, rules=cy.rules,
                            as_of=cy.as_of, sent_at=sent_at, folder=tmp, extra=extra)  # fmt: skip
        write_eml(msg, tmp / "mail" / f"{stem}.eml")
        mid = message_id(cy.rules.term, cy.as_of, r.notice, r.key)
        return (mid, r.notice, r.key, address, f"mail/{stem}.eml")

    plain = [item for item in items if not item[0][0].files]
    early = iter(_while_printing(cy, lambda: [write(item) for item in plain]))
    rows = [write(item) if item[0][0].files else next(early) for item in items]  # ok's order
    return pd.DataFrame(rows, columns=cols)


def _produced(cy: _Cycle, n_mail: int) -> list[dict]:
    plan, n = cy.plan, {k.code: 0 for k in KINDS}
    for r in cy.recipients:
        n[r.kind] += 1
    passed = int((plan.students["result"] == PASSED).sum())
    rows = [
        ("department", n["department"]),
        ("advisor", n["advisor"]),
        ("office", n["office"]),
        ("student_passed", passed),
        ("student_not_passed", len(plan.students) - passed),
        ("mail", n_mail),
        ("summary", 1),
    ]
    return [
        {"who": _SUM[f"who_{k}"], "files": _SUM[f"files_{k}"], "count": f"{c:,}"} for k, c in rows
    ]


def _ledger_status(con: sqlite3.Connection, existing: dict | None, recipients: list) -> str:
    if existing is None:
        return _SUM["ledger_new"]
    before = lg.recorded_notices(con, existing["run_id"])
    same = set(zip(before["kind"], before["recipient"], strict=True)) == {
        (r.notice, r.key) for r in recipients
    }
    return _SUM["ledger_same"].format(run_at=existing["run_at"]) + (
        _SUM["ledger_same_targets"] if same else _SUM["ledger_other_targets"]
    )


def _notice_frame(recipients: list[Recipient]) -> pd.DataFrame:
    return pd.DataFrame(
        [(r.notice, r.key, r.department, r.cls, r.detail) for r in recipients],
        columns=["kind", "recipient", "department", "class", "detail"],
    )


def _load(term, students, records, rules_dir, as_of, contacts, sender):  # noqa: ANN001, ANN202
    """The inputs, checked before anything is written: rules, data, contacts, the date."""
    from ..io import parse_date
    from ..loaders import load_term_data

    rules = load_term_rules(term, rules_dir=rules_dir)
    check_browser()  # no browser: stop before anything is read or written
    day = parse_date(as_of, what="--as-of") if not isinstance(as_of, dt.date) else as_of
    if day is None:
        raise _input_error("--as-of", as_of, _ERR["no_date"])
    s_path, r_path, shipped = _data_paths(term, students, records)
    if contacts is None and shipped and default_contacts(term).is_file():
        contacts = default_contacts(term)
    book = None
    if contacts is not None:
        book = load_contacts(contacts).with_students(student_emails(s_path))
        sender = sender or book.sender
        if not valid_address(sender):
            raise _input_error("--sender", sender or None, _ERR["sender"])
    all_students, all_records = load_term_data(s_path, r_path)
    population = check_population(
        all_students, all_records, rules, students_file=s_path, records_file=r_path
    )
    status = student_status(all_students, all_records, as_of=day, rules=rules)
    return rules, day, s_path, r_path, book, sender or "", all_students, status, population


def run_notices(
    *,
    term: str,
    as_of: str | dt.date,
    out: str | Path,
    students: str | Path | None = None,
    records: str | Path | None = None,
    ledger: str | Path | None = None,
    rules_dir: str | Path | None = None,
    now: dt.datetime | None = None,
    backfill: bool = False,
    contacts: str | Path | None = None,
    sender: str | None = None,
) -> NoticeResult:
    """The notices of ``term`` as of ``as_of`` into the folder ``out``, recorded in ``ledger``
    (default ``outputs/notices.sqlite``). Running an as-of date already recorded writes the same
    files again and leaves the ledger's run as it is (messages new to it are queued); a date
    before the ledger's latest notice of the population is refused unless ``backfill``.

    ``contacts``: the school's contacts file (default: the shipped one, with the shipped data);
    with it, one ``.eml`` per recipient with an address goes into ``mail/`` and is queued in the
    ledger, from ``sender`` (default: the contacts file's 寄件者). Nothing is sent here."""
    from ..paths import outputs_dir

    rules, day, s_path, r_path, book, sender, listed, status, population = _load(
        term, students, records, rules_dir, as_of, contacts, sender
    )
    out = Path(out)
    check_output(out, folder=True)
    ledger_path = Path(ledger) if ledger else outputs_dir() / "notices.sqlite"
    check_output(ledger_path, folder=False, option="--ledger")
    if ledger_path.exists():
        lg.check_ledger(ledger_path)
    run_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    created = not ledger_path.exists()
    con = lg.open_ledger(ledger_path)
    try:
        try:
            con.execute("BEGIN IMMEDIATE")  # one transaction; keeps a second run out meanwhile
        except sqlite3.OperationalError as exc:
            why = _ERR["locked"].format(why=exc)
            raise lg.LedgerError(str(ledger_path), [Problem(None, None, None, why)]) from None
        later = lg.later_runs(con, rules.program, rules.senior_cohort, day)
        if later and not backfill and lg.find_run(con, rules.term, day) is None:
            why = _ERR["backfill"].format(ledger=ledger_path, later=_SUM["sep"].join(later))
            raise _input_error("--as-of", day.isoformat(), why)
        cy = _cycle(con, rules, day, run_at, status, book, sender)
        result, changed = _run(con, cy, len(listed), s_path, r_path, out, ledger_path, later)
        con.execute("COMMIT" if changed else "ROLLBACK")
        result = dataclasses.replace(result, population=population.describe())
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
        if created and ledger_path.exists() and ledger_path.stat().st_size == 0:
            ledger_path.unlink()
        raise
    con.close()
    return result


def _cycle(con, rules, day, run_at, status, book, sender) -> _Cycle:  # noqa: ANN001
    """The plan stage: who gets what, from the status and the ledger."""
    prev = lg.previous_run(con, rules.program, rules.senior_cohort, day)
    counts = in_school_order(summarise(status, by="department"), rules)
    ctx = Context(
        rules=rules,
        as_of=day,
        run_at=made_at_text(run_at),
        counts=counts,
        previous=prev,
        previous_counts=lg.run_counts(con, prev["run_id"]) if prev else None,
    )
    plan = plan_notices(status, rules, day, lg.told_passed(con, day))
    offices = office_lists(status, rules)
    return _Cycle(rules, day, run_at, status, ctx, plan, offices, book, sender)


def _run(con, cy: _Cycle, listed, s_path, r_path, out, ledger_path, later):  # noqa: ANN001, ANN202
    """Render, print, write the messages and record, inside the ledger's open transaction;
    (the result, whether the ledger changed)."""
    existing = lg.find_run(con, cy.rules.term, cy.as_of)
    env = template_env()
    with (
        atomic_dir(out, owned=_OUTPUTS.__contains__) as tmp,
        tempfile.TemporaryDirectory(prefix="ncut-notices-") as pages,
    ):
        _render(cy, tmp, Path(pages), env)
        ok, problems = _addressed(cy)
        summary = env.get_template("summary.html.j2").render(
            **summary_page(
                cy.ctx,
                cy.plan,
                produced=_produced(cy, len(ok)),
                outside=listed - len(cy.status),
                ledger=ledger_path.resolve(),
                ledger_status=_ledger_status(con, existing, cy.recipients),
                warnings=_warnings(cy.rules, cy.as_of, later),
                mail=_mail_counts(cy, ok, problems),
            )
        )
        (tmp / "summary.html").write_text(summary, encoding="utf-8")
        cy.jobs.append((tmp / "summary.html", tmp / "summary.pdf"))
        mail = _print_and_write_mail(cy, ok, tmp)
        run_id, changed = _record(con, cy, existing, s_path, r_path, out, mail)
    passed = int((cy.plan.students["result"] == PASSED).sum())
    result = NoticeResult(
        out=out,
        ledger=ledger_path,
        run_id=None if existing else run_id,
        passed=passed,
        not_passed=len(cy.plan.students) - passed,
        departments=int(cy.status["department"].nunique()),
        classes=sum(1 for r in cy.recipients if r.kind == "advisor"),
        already_told=len(cy.plan.already_told),
        regressed=len(cy.plan.regressed),
        offices=len(cy.offices),
        messages={k.code: sum(1 for r, _ in ok if r.kind == k.code) for k in KINDS},
        no_address=[(p["kind"], p["name"], p["value"]) for p in problems],
        recorded_run=run_id,
    )
    return result, changed


def _record(con, cy: _Cycle, existing, s_path, r_path, out, mail) -> tuple[int, bool]:  # noqa: ANN001
    """The record stage: the run (unless the date is recorded), its notices and counts, and its
    messages queued (those new to the ledger)."""
    if existing is None:
        run_id = lg.add_run(
            con,
            term=cy.rules.term,
            as_of=cy.as_of,
            run_at=cy.run_at,
            program=cy.rules.program,
            cohort=cy.rules.senior_cohort,
            students_file=str(s_path.resolve()),
            records_file=str(r_path.resolve()),
            out_dir=str(out.resolve()),
            notices=_notice_frame(cy.recipients),
            counts=cy.ctx.counts,
        )
    else:
        run_id = int(existing["run_id"])
    queued = lg.queue_messages(con, run_id, mail) if len(mail) else 0
    return run_id, existing is None or queued > 0


def send_folder(
    out: str | Path,
    *,
    ledger: str | Path | None,
    settings,  # noqa: ANN001 - send.SmtpSettings
    sender: str | None = None,
    limit: int | None = None,
    rate: float | None = None,
    resend_uncertain: bool = False,
    run_id: int | None = None,
):  # noqa: ANN201 - send.SendResult
    """The send stage on a finished run folder: its messages in the ledger not yet sent (the
    ledger's run written into ``out``, or ``run_id``)."""
    from ..paths import outputs_dir
    from .send import send_run

    out = Path(out)
    ledger_path = Path(ledger) if ledger else outputs_dir() / "notices.sqlite"
    lg.check_ledger(ledger_path)
    con = lg.open_ledger(ledger_path)
    try:
        run = {"run_id": run_id} if run_id is not None else lg.find_run_by_folder(con, out)
        if run is None or not (out / "mail").is_dir():
            raise _input_error(str(out), None, _ERR["no_run"].format(ledger=ledger_path))
        if not sender:
            sender = _sender_of(out)
        return send_run(con, int(run["run_id"]), out, settings, sender=sender, limit=limit,
                        rate=rate, resend_uncertain=resend_uncertain)  # fmt: skip
    finally:
        con.close()


def _sender_of(out: Path) -> str:
    """The From address of the folder's messages (they were written with it)."""
    from email import message_from_binary_file
    from email.utils import parseaddr

    for eml in sorted((out / "mail").glob("*.eml")):
        with eml.open("rb") as fh:
            return parseaddr(message_from_binary_file(fh)["From"] or "")[1]
    return ""
