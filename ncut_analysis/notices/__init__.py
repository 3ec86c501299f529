"""The notice cycle (每月通知): department heads, class advisors, offices in charge and students.

One room per stage: ``kinds`` (the recipient kinds, one table), ``plan`` (who gets what),
``render`` (pages), ``print`` (PDFs), ``files`` (sheets), ``contacts`` (addresses),
``messages`` (e-mails), ``send`` (SMTP), ``ledger`` (SQLite: runs, notices, counts, messages),
``run`` (the cycle) and ``commands`` (the CLI). Names are imported lazily (PEP 562): the CLI's
parser imports ``commands`` without pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "PASSED",
    "NOT_PASSED",
    "NoticePlan",
    "NoticeResult",
    "roc_date",
    "safe_cell",
    "plan_notices",
    "run_notices",
    "send_folder",
    "find_chromium",
    "print_pdfs",
]

_WHERE = {
    "PASSED": "plan",
    "NOT_PASSED": "plan",
    "NoticePlan": "plan",
    "plan_notices": "plan",
    "roc_date": "words",
    "safe_cell": "files",
    "NoticeResult": "run",
    "run_notices": "run",
    "send_folder": "run",
}


def __getattr__(name: str) -> Any:
    if name in ("find_chromium", "print_pdfs"):
        value = getattr(importlib.import_module("ncut_analysis.printing"), name)
    elif name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
