"""The briefings' content as data (``TermReport``, ``AdmissionReport``) and its views: the
notebook's HTML pieces (``TermBriefing``, ``AdmissionBriefing``) and the Excel workbook.

Each name is imported when first used (PEP 562): a briefing's runner checks its parameters
with ``term`` and starts the kernel without loading the views' libraries (openpyxl, plotly)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .admission import AdmissionReport
    from .admission_html import AdmissionBriefing
    from .html import TermBriefing
    from .term import TermReport, resolve_term_params
    from .xlsx import write_workbook

_WHERE = {
    "AdmissionReport": "admission",
    "AdmissionBriefing": "admission_html",
    "TermBriefing": "html",
    "TermReport": "term",
    "resolve_term_params": "term",
    "write_workbook": "xlsx",
}

__all__ = [
    "AdmissionBriefing",
    "AdmissionReport",
    "TermBriefing",
    "TermReport",
    "resolve_term_params",
    "write_workbook",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
