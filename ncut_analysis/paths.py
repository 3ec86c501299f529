"""Where the workbook's folders are, anchored to this file and never to the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RULES_DIR = PACKAGE_DIR / "rules"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = REPO_DIR / "data"
NOTEBOOKS_DIR = REPO_DIR / "notebooks"
PUBLISHED_DIR = DATA_DIR / "published"


def outputs_dir() -> Path:
    """The generated-files folder; ``NCUT_OUTPUTS`` overrides it (tests point it at a temp dir)."""
    return Path(os.environ.get("NCUT_OUTPUTS", REPO_DIR / "outputs"))


def default_students(term: str = "114-1") -> Path:
    return DATA_DIR / term / "students.csv"


def default_records(term: str = "114-1") -> Path:
    return DATA_DIR / term / "records.csv"


def default_applicants(year: int = 109) -> Path:
    return DATA_DIR / f"admission_{year}" / "applicants.csv"


def published_table(term: str = "114-1") -> Path:
    return PUBLISHED_DIR / f"{term}.csv"
