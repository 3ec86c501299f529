"""Where the workbook's folders are, anchored to the package and never to the working directory.

In a repository checkout (an editable install) the notebooks and the embedded default data are
the repository's own ``notebooks/`` and ``data/``, next to the package; in an installed wheel
they are package data, ``ncut_analysis/_bundled/`` (``pyproject.toml`` maps them there), found
through ``importlib.resources``. Rules, templates and labels live in the package either way.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RULES_DIR = PACKAGE_DIR / "rules"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def _checkout() -> Path | None:
    """The repository root when the package is imported from a checkout, else None."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def _bundled() -> Path:
    """The wheel's copy of ``notebooks/`` and ``data/`` (a folder: the wheel is unpacked)."""
    return Path(str(files(__package__ or "ncut_analysis").joinpath("_bundled")))


REPO_DIR: Path | None = _checkout()
_SHARED = REPO_DIR if REPO_DIR is not None else _bundled()
DATA_DIR = _SHARED / "data"
NOTEBOOKS_DIR = _SHARED / "notebooks"
PUBLISHED_DIR = DATA_DIR / "published"


def outputs_dir() -> Path:
    """The generated-files folder: ``NCUT_OUTPUTS`` if set (tests point it at a temp dir), else
    ``outputs/`` of the checkout; an installed package, which has no checkout, uses
    ``outputs/`` in the working directory rather than write into site-packages."""
    if "NCUT_OUTPUTS" in os.environ:
        return Path(os.environ["NCUT_OUTPUTS"])
    return (REPO_DIR if REPO_DIR is not None else Path.cwd()) / "outputs"


def default_students(term: str = "114-1") -> Path:
    return DATA_DIR / term / "students.csv"


def default_records(term: str = "114-1") -> Path:
    return DATA_DIR / term / "records.csv"


def default_applicants(year: int = 109) -> Path:
    return DATA_DIR / f"admission_{year}" / "applicants.csv"


def published_table(term: str = "114-1") -> Path:
    return PUBLISHED_DIR / f"{term}.csv"
