"""ncut_analysis: the NCUT analytics workbook's helper package."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names below are, for type checkers and readers
    from .admission import (
        admission_diff,
        admission_probability,
        backfill_depth,
        backfill_summary,
        compare_modes,
        load_applicants,
        rank_admission,
        synth_applicants,
    )
    from .briefing import (
        AdmissionBriefing,
        TermBriefing,
        run_admission_briefing,
        run_term_briefing,
        setup_notebook,
    )
    from .errors import (
        BriefingError,
        InputError,
        NcutError,
        NoBrowserError,
        OptionError,
        Problem,
        RulesError,
        SmallPoolWarning,
        UnknownStudentsWarning,
    )
    from .explorers import AdmissionExplorer, ThresholdExplorer
    from .ledger import ledger_history, ledger_progress
    from .loaders import load_published, load_records, load_students
    from .notices import plan_notices, run_notices
    from .report import AdmissionReport, TermReport
    from .rules import load_admission_rules, load_term_rules
    from .synth import synth_term, write_synth_term
    from .thresholds import (
        format_amount,
        gap_table,
        pass_dates,
        pass_rates,
        progress,
        student_card,
        student_status,
        summarise,
    )

# Each public name's submodule: imported on first use (PEP 562), so ``import ncut_analysis`` and
# a data-only call load neither the notebook, chart nor office-file libraries.
_WHERE: dict[str, str] = {
    **dict.fromkeys(
        ["admission_diff", "admission_probability", "backfill_depth", "backfill_summary",
         "compare_modes", "load_applicants", "rank_admission", "synth_applicants"],
        "admission",
    ),
    **dict.fromkeys(
        ["AdmissionBriefing", "TermBriefing", "run_admission_briefing", "run_term_briefing",
         "setup_notebook"],
        "briefing",
    ),
    **dict.fromkeys(
        ["BriefingError", "InputError", "NcutError", "NoBrowserError", "OptionError", "Problem",
         "RulesError", "SmallPoolWarning", "UnknownStudentsWarning"],
        "errors",
    ),
    **dict.fromkeys(["AdmissionExplorer", "ThresholdExplorer"], "explorers"),
    **dict.fromkeys(["ledger_history", "ledger_progress"], "ledger"),
    **dict.fromkeys(["load_published", "load_records", "load_students"], "loaders"),
    **dict.fromkeys(["plan_notices", "run_notices"], "notices"),
    **dict.fromkeys(["AdmissionReport", "TermReport"], "report"),
    **dict.fromkeys(["load_admission_rules", "load_term_rules"], "rules"),
    **dict.fromkeys(["synth_term", "write_synth_term"], "synth"),
    **dict.fromkeys(
        ["format_amount", "gap_table", "pass_dates", "pass_rates", "progress", "student_card",
         "student_status", "summarise"],
        "thresholds",
    ),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """A public name from its submodule, or a submodule (``ncut_analysis.paths``), on first use."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("ncut-analysis")
        except PackageNotFoundError:  # a source tree that was never installed
            value = "0+unknown"
    elif name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    else:
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "__version__"})


__all__ = [
    # reports and their views
    "TermReport",
    "AdmissionReport",
    "TermBriefing",
    "AdmissionBriefing",
    "AdmissionExplorer",
    "ThresholdExplorer",
    "run_term_briefing",
    "run_admission_briefing",
    "setup_notebook",
    # errors and warnings
    "NcutError",
    "InputError",
    "OptionError",
    "RulesError",
    "BriefingError",
    "NoBrowserError",
    "Problem",
    "SmallPoolWarning",
    "UnknownStudentsWarning",
    # rules and data
    "load_term_rules",
    "load_admission_rules",
    "load_students",
    "load_records",
    "load_published",
    "synth_term",
    "write_synth_term",
    # the graduation thresholds
    "student_status",
    "pass_rates",
    "pass_dates",
    "progress",
    "summarise",
    "gap_table",
    "student_card",
    "format_amount",
    # the notice cycle
    "plan_notices",
    "run_notices",
    "ledger_history",
    "ledger_progress",
    # admission
    "load_applicants",
    "synth_applicants",
    "rank_admission",
    "compare_modes",
    "admission_probability",
    "backfill_depth",
    "backfill_summary",
    "admission_diff",
]
