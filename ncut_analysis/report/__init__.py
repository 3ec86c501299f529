"""The briefings' content as data (``TermReport``, ``AdmissionReport``) and its views: the
notebook's HTML pieces (``TermBriefing``, ``AdmissionBriefing``) and the Excel workbook."""

from __future__ import annotations

from .admission import AdmissionReport
from .admission_html import AdmissionBriefing
from .html import TermBriefing
from .term import TermReport, resolve_term_params
from .xlsx import write_workbook

__all__ = [
    "AdmissionBriefing",
    "AdmissionReport",
    "TermBriefing",
    "TermReport",
    "resolve_term_params",
    "write_workbook",
]
