"""The print stage: the run's HTML pages to PDF with ``printing.print_pdfs`` (one browser, pages
in parallel), and the browser looked for before anything is read or written.

The printer is found through the package (``ncut_analysis.notices.print_pdfs``), the one seam a
test replaces to run without Chromium."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["check_browser", "print_all"]


def _package():  # noqa: ANN202
    import ncut_analysis.notices as package

    return package


def check_browser() -> None:
    """No browser: a ``PrintError`` now, before the slow work."""
    _package().find_chromium()


def print_all(jobs: Sequence[tuple[Path, Path]]) -> None:
    """Each HTML file of ``jobs`` to its PDF."""
    _package().print_pdfs(list(jobs))
