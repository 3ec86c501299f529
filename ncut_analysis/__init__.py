"""ncut_analysis: the NCUT analytics workbook's helper package."""

from __future__ import annotations

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

__version__ = "0.1.0"

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
