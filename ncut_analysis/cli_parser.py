"""argparse as the office reads it: ``--help`` headed 用法：/選項, and argparse's own mistakes told
in one Chinese line naming the option and the value, exit status 2 (the command line's plumbing;
``cli`` declares the commands)."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from .errors import joined, say

__all__ = ["EXIT_BAD_INPUT", "Parser", "Formatter", "argparse_message"]

EXIT_BAD_INPUT = 2


def _say(code: str, **values: object) -> str:
    return say("messages_cli", code, **values)


class Parser(argparse.ArgumentParser):
    """argparse with its mistakes told in one Chinese line naming the option and the value
    (``錯誤：ncut-analysis rosters：缺少必要的選項 --out``), exit status 2, as every other bad
    option. argparse's own English is kept only for a mistake it words in a way not known here."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        from .labels import LABELS

        h = LABELS["messages_help"]
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = h["positionals"]
        self._optionals.title = h["options"]
        self.add_argument("-h", "--help", action="help", help=h["help"])

    def error(self, message: str) -> NoReturn:
        line = _say("error", message=argparse_message(message))
        self.exit(EXIT_BAD_INPUT, _say("usage_error", line=line, prog=self.prog) + "\n")


class Formatter(argparse.HelpFormatter):
    """``--help`` with its usage line headed in Chinese (用法：)."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # noqa: ANN001
        from .labels import LABELS

        if prefix is None:
            prefix = LABELS["messages_help"]["usage"]
        super().add_usage(usage, actions, groups, prefix)


# argparse's mistakes (Python 3.11-3.13 wording) -> a code of [messages_argparse]; the groups
# are the option, the value and what is allowed, as argparse names them.
_ARGPARSE = (
    (re.compile(r"the following arguments are required: (?P<option>.+)"), "required"),
    (
        re.compile(
            r"argument (?P<option>\S+?): invalid choice: '?(?P<value>.*?)'? \(choose from (?P<allowed>.*)\)"
        ),
        "choice",
    ),
    (
        re.compile(r"argument (?P<option>\S+?): invalid (?P<kind>\w+) value: '?(?P<value>.*?)'?"),
        "type",
    ),
    (re.compile(r"argument (?P<option>\S+?): expected one argument"), "one_value"),
    (
        re.compile(r"argument (?P<option>\S+?): not allowed with argument (?P<other>.+)"),
        "exclusive",
    ),
    (
        re.compile(r"argument (?P<option>\S+?): ignored explicit argument '?(?P<value>.*?)'?"),
        "explicit",
    ),
    (re.compile(r"unrecognized arguments: (?P<value>.+)"), "unknown"),
    # a type's own message (ArgumentTypeError, already in Chinese): only the prefix is argparse's
    (re.compile(r"argument (?P<option>\S+?): (?P<why>.*[\u3400-\u9fff].*)"), "option_says"),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<allowed>.+)"), "ambiguous"),
)


def argparse_message(message: str) -> str:
    """argparse's English mistake in Chinese, keeping the option and the value it names."""
    from .labels import LABELS

    for pattern, code in _ARGPARSE:
        m = pattern.fullmatch(message.strip())
        if m:
            fields = {k: (v or "").replace("'", "") for k, v in m.groupdict().items()}
            if code == "choice" and fields["option"] == "COMMAND":
                code = "command"
            if code == "required":  # --records, --out -> --records、--out
                fields["option"] = joined(o.strip() for o in fields["option"].split(","))
            if "kind" in fields:  # int -> 整數
                fields["kind"] = LABELS["messages_argparse"].get(
                    f"kind_{fields['kind']}", fields["kind"]
                )
            if "allowed" in fields:
                fields["allowed"] = joined(x.strip() for x in fields["allowed"].split(","))
            return say("messages_argparse", code, **fields)
    return message
