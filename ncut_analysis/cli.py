"""The ``ncut-analysis`` command: argument parsing only; every command calls the package API."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import warnings
from collections.abc import Callable, Sequence

from .cli_parser import EXIT_BAD_INPUT, Parser
from .errors import InputError, NcutError, joined, os_reason, say
from .headers import clean_text
from .io import parse_date, write_csv

__all__ = ["main", "run"]

EXIT_INTERRUPTED = 130


class CommandError(NcutError):
    """A command that cannot go on (bad option value, failed notebook); exit status 2."""


# The commands whose --out is a file (the others write a folder).
_FILE_OUTPUTS = frozenset(
    {"pass-rates", "reconcile", "admission", "admission-diff", "synth-applicants"}
)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    print(_say("warning", message=message), file=sys.stderr)


def _say(code: str, **values: object) -> str:
    """A line of the command's own, from ``label_tables/messages.toml`` [messages_cli]."""
    return say("messages_cli", code, **values)


# ---------------------------------------------------------------------------- commands


def _sheet(a: argparse.Namespace, which: str) -> str | None:
    """The sheet to read in the ``which`` input: its own ``--<which>-sheet`` or ``--sheet``."""
    return getattr(a, f"{which}_sheet", None) or getattr(a, "sheet", None)


def _no_dates_check(a: argparse.Namespace, *options: str) -> None:
    """A per-student totals table has no dates: an as-of option with it is an error."""
    given = [o for o in options if getattr(a, o.lstrip("-").replace("-", "_"), None)]
    if not given or not getattr(a, "records", None):
        return
    from .loaders import records_kind

    if records_kind(a.records, sheet=_sheet(a, "records")) == "totals":
        raise CommandError(
            _say("totals_no_dates", option=given[0], path=a.records, options=joined(given))
        )


def _pair(a: argparse.Namespace) -> None:
    """--students and --records go together (``population.check_pair``)."""
    from .population import check_pair

    check_pair(getattr(a, "students", None), getattr(a, "records", None))


def _term_inputs(a: argparse.Namespace, rules=None):  # noqa: ANN001, ANN202
    """Students and records of a term command, loaded and checked (``population``): who is
    counted and who is left out is printed; a run that would count nobody stops here."""
    from .loaders import load_term_data
    from .paths import default_records, default_students
    from .population import check_population
    from .rules import load_term_rules

    _pair(a)
    rules = rules or load_term_rules(a.term)
    s_path = a.students or default_students(a.term)
    r_path = a.records or default_records(a.term)
    students, records = load_term_data(
        s_path,
        r_path,
        students_sheet=_sheet(a, "students"),
        records_sheet=_sheet(a, "records"),
    )
    report = check_population(
        students,
        records,
        rules,
        cohort=getattr(a, "cohort", None),
        students_file=s_path,
        records_file=r_path,
    )
    print(report.describe())
    return students, records, rules


def _cmd_pass_rates(a: argparse.Namespace) -> None:
    from .thresholds import pass_rates

    _no_dates_check(a, "--as-of")
    from .present import SCHOOL, labelled_totals

    as_of = parse_date(a.as_of, what="--as-of")
    students, records, rules = _term_inputs(a)
    table = pass_rates(students, records, as_of=as_of, cohort=a.cohort, by=a.by, rules=rules)
    write_csv(labelled_totals(table), a.out, float_format="%.2f")
    print(_say("wrote_rates", path=a.out, groups=f"{len(table) - 1:,}", total=SCHOOL.total_label))


def _cmd_synth(a: argparse.Namespace) -> None:
    from .synth import write_synth_term

    for p in write_synth_term(a.out, a.term, a.seed, scale=a.scale):
        print(_say("wrote", path=p))


def _cmd_reconcile(a: argparse.Namespace) -> None:
    from .loaders import load_pass_table, load_published
    from .reconcile import reconcile

    computed = load_pass_table(a.computed) if a.computed else None
    from .present import labelled_totals

    found = reconcile(load_published(a.published, sheet=a.sheet), computed)
    write_csv(labelled_totals(found), a.out)
    print(_say("wrote_reconcile", path=a.out, n=f"{len(found):,}"))


def _cmd_rosters(a: argparse.Namespace) -> None:
    from .rosters import write_rosters
    from .thresholds import student_status

    _no_dates_check(a, "--as-of")
    as_of = parse_date(a.as_of, what="--as-of")
    students, records, rules = _term_inputs(a)
    status = student_status(students, records, as_of=as_of, cohort=a.cohort, rules=rules)
    files = write_rosters(status, rules, a.out, as_of)
    print(_say("wrote_rosters", n=f"{len(files):,}", path=a.out))


def _cmd_briefing(a: argparse.Namespace) -> None:
    from .briefing import run_admission_briefing, run_term_briefing
    from .cli_admission import scenario

    if a.kind == "admission":
        print(_say("wrote", path=run_admission_briefing(a.out, **scenario(a))))
        return
    _scope_options(a)
    _no_dates_check(a, "--as-of", "--compare-as-of")
    _term_inputs(a)
    files = _scoped(
        run_term_briefing,
        a.out,
        term=a.term,
        as_of=a.as_of,
        students=a.students or "",
        records=a.records or "",
        compare_as_of=a.compare_as_of,
        department=clean_text(a.department or ""),
        per_department=a.per_department,
        college=clean_text(a.college or ""),
        per_college=a.per_college,
        published=a.published or "",
        ledger=a.ledger or "",
    )
    for f in files:
        print(_say("wrote", path=f))


# A briefing's scope options: at most one of them (a college's briefing, a department's, or one
# per department / per college).
_SCOPE_OPTIONS = ("department", "college", "per_department", "per_college")


def _scope_options(a: argparse.Namespace) -> None:
    from .population import check_scope_options

    check_scope_options({f"--{n.replace('_', '-')}": getattr(a, n, None) for n in _SCOPE_OPTIONS})


def _scoped(run, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
    """Run a briefing or slides command; a scope the seniors do not hold is named as its
    option (``--college``), with the known ones."""
    from .errors import OptionError

    try:
        return run(*args, **kw)
    except OptionError as exc:
        if exc.option not in _SCOPE_OPTIONS:
            raise
        p = exc.problems[0]
        raise OptionError(f"--{exc.option.replace('_', '-')}", p.value, p.message) from None


def _cmd_slides(a: argparse.Namespace) -> None:
    from .cli_admission import scenario
    from .slides import export_admission_slides, export_term_slides

    if a.kind != "admission":
        _no_dates_check(a, "--as-of")
        _term_inputs(a)
    if a.kind == "admission":
        files = export_admission_slides(a.out, **scenario(a))
    else:
        _scope_options(a)
        files = _scoped(
            export_term_slides,
            a.out,
            term=a.term,
            as_of=a.as_of,
            students=a.students or "",
            records=a.records or "",
            department=clean_text(a.department or ""),
            college=clean_text(a.college or ""),
        )
    print(_say("wrote_slides", n=f"{len(files):,}", path=a.out))


def _cmd_new_term(a: argparse.Namespace) -> None:
    from .newterm import new_term_file

    made = new_term_file(a.term, a.source, a.rules_dir)
    print(_say("wrote_new_term", path=made.path, source=made.source))
    for line in made.to_fill:
        print(_say("to_fill", line=line))


# ---------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    from .labels import LABELS

    h = LABELS["messages_help"]
    p = Parser(prog="ncut-analysis", description=h["program"])
    rules_dir_help = h["rules_dir"]
    p.add_argument("--rules-dir", dest="rules_dir_global", help=rules_dir_help)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, fn: Callable[[argparse.Namespace], None], help_: str
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=fn)
        return sp

    def term_data(sp: argparse.ArgumentParser, required: bool = True, cohort: bool = True) -> None:
        sp.add_argument("--students", required=required, help=h["students"])
        sp.add_argument("--records", required=required, help=h["records"])
        sp.add_argument("--term", default="114-1", help=h["term"])
        sp.add_argument("--as-of", help=h["as_of"])
        sp.add_argument("--rules-dir", help=rules_dir_help)
        if cohort:
            sp.add_argument("--cohort", type=int, help=h["cohort"])

    def sheets(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--sheet", help=h["sheet"])
        sp.add_argument("--students-sheet", help=h["students_sheet"])
        sp.add_argument("--records-sheet", help=h["records_sheet"])

    sp = add("pass-rates", _cmd_pass_rates, h["pass_rates"])
    term_data(sp)
    sheets(sp)
    sp.add_argument(
        "--by", choices=["department", "college", "class"], default="department", help=h["by"]
    )
    sp.add_argument("--out", required=True, help=h["out_csv"])

    sp = add("synth", _cmd_synth, h["synth"])
    sp.add_argument("--term", default="114-1", help=h["term"])
    sp.add_argument("--seed", type=int, default=0, help=h["seed"])
    sp.add_argument("--scale", type=int, default=1, help=h["scale"])
    sp.add_argument("--out", required=True, help=h["out_folder"])

    sp = add("reconcile", _cmd_reconcile, h["reconcile"])
    sp.add_argument("--published", required=True, help=h["published"])
    sp.add_argument("--computed", help=h["computed"])
    sp.add_argument("--sheet", help=h["published_sheet"])
    sp.add_argument("--out", required=True, help=h["out_reconcile"])

    sp = add("rosters", _cmd_rosters, h["rosters"])
    term_data(sp)
    sheets(sp)
    sp.add_argument("--out", required=True, help=h["out_folder"])

    from .cli_admission import add_parsers as add_admission
    from .cli_admission import add_scenario_options

    add_admission(add, h)

    sp = add("slides", _cmd_slides, h["slides"])
    sp.add_argument("--kind", choices=["term", "admission"], default="term", help=h["kind"])
    add_scenario_options(sp, h)
    term_data(sp, required=False, cohort=False)
    sp.add_argument("--department", help=h["slides_department"])
    sp.add_argument("--college", help=h["slides_college"])
    sp.add_argument("--out", required=True, help=h["out_folder"])

    sp = add("briefing", _cmd_briefing, h["briefing"])
    sp.add_argument("--kind", choices=["term", "admission"], default="term", help=h["kind"])
    add_scenario_options(sp, h)
    term_data(sp, required=False, cohort=False)
    sp.add_argument(
        "--compare-as-of",
        help=h["compare_as_of"],
    )
    sp.add_argument("--department", help=h["department"])
    sp.add_argument("--per-department", action="store_true", help=h["per_department"])
    sp.add_argument("--college", help=h["college"])
    sp.add_argument("--per-college", action="store_true", help=h["per_college"])
    sp.add_argument("--published", help=h["briefing_published"])
    sp.add_argument("--ledger", help=h["briefing_ledger"])
    sp.add_argument("--out", required=True, help=h["out_briefing"])

    from .notices.commands import add_parsers as add_notices  # the notices and send commands

    add_notices(add, rules_dir_help)

    sp = add("new-term", _cmd_new_term, h["new_term"])
    sp.add_argument("term", help=h["new_term_term"])
    sp.add_argument("--from", dest="source", required=True, help=h["new_term_from"])
    sp.add_argument("--rules-dir", help=h["new_term_rules_dir"])
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every package error is one plain message and exit status 2, an interrupt
    exit status 130; the warning hook and the rules folder it installs are undone on return."""
    from .rules import RULES_DIR_ENV, rules_dirs

    args = _parser().parse_args(argv)
    shown = warnings.showwarning
    warnings.showwarning = _show_warning
    rules_dir = getattr(args, "rules_dir", None) or args.rules_dir_global
    saved = os.environ.get(RULES_DIR_ENV)
    try:
        if rules_dir:
            rules_dirs(rules_dir)  # a folder that does not exist stops here
            args.rules_dir = rules_dir
            # Through the environment the rules folder reaches every loader, notebook kernels too.
            os.environ[RULES_DIR_ENV] = str(rules_dir)
        out = getattr(args, "out", None)
        if out:  # its place checked before any input is read
            from .io import check_output

            check_output(out, folder=args.command not in _FILE_OUTPUTS)
        args.func(args)
    except InputError as exc:
        print(_say("error", message=exc.message()), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (NcutError, CommandError) as exc:
        print(_say("error", message=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # an output or folder the system refuses: read-only, full, ...
        print(_say("error", message=_os_error(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except sqlite3.Error as exc:  # a ledger damaged under a running command
        why = " ".join(str(exc).split())
        print(_say("error", message=_say("ledger_broken", why=why)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(_say("interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        warnings.showwarning = shown
        if saved is None:
            os.environ.pop(RULES_DIR_ENV, None)
        else:
            os.environ[RULES_DIR_ENV] = saved
    return 0


def _os_error(exc: OSError) -> str:
    """An OSError as one line: the file and the system's reason (``No space left on device``)."""
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f)
    why = os_reason(exc)
    return _say("os_error", where=where, why=why) if where else why


def run() -> None:
    """The ``ncut-analysis`` program: ``main`` and its exit status. After an interrupt the
    process ends at once (130), so that the libraries' exit handlers, which may still be waiting
    on a kernel, cannot turn one Ctrl-C into a second one or a traceback."""
    status = main()
    if status == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    raise SystemExit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
