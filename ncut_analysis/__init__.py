"""ncut_analysis: the NCUT analytics workbook's helper package."""

from __future__ import annotations

from .admission import (
    SmallPoolWarning,
    admission_probability,
    backfill_depth,
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
from .explorers import AdmissionExplorer, ThresholdExplorer
from .io import InputError, Problem
from .loaders import load_published, load_records, load_students
from .rules import RulesError, load_admission_rules, load_term_rules
from .synth import synth_term, write_synth_term
from .thresholds import (
    UnknownStudentsWarning,
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
    "AdmissionBriefing",
    "AdmissionExplorer",
    "ThresholdExplorer",
    "run_admission_briefing",
    "SmallPoolWarning",
    "admission_probability",
    "backfill_depth",
    "compare_modes",
    "load_applicants",
    "rank_admission",
    "synth_applicants",
    "TermBriefing",
    "run_term_briefing",
    "setup_notebook",
    "InputError",
    "Problem",
    "RulesError",
    "UnknownStudentsWarning",
    "format_amount",
    "gap_table",
    "load_admission_rules",
    "load_published",
    "load_records",
    "load_students",
    "load_term_rules",
    "pass_dates",
    "pass_rates",
    "progress",
    "student_card",
    "student_status",
    "summarise",
    "synth_term",
    "write_synth_term",
]
