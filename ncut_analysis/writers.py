"""Writing: atomic files and folders, and the package's one writer of what it hands out (CSV
cells that a spreadsheet would run get a leading apostrophe; workbook text stays text)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "atomic_path",
    "atomic_dir",
    "write_csv",
    "csv_text",
    "csv_safe",
    "text_as_text",
    "save_workbook",
    "write_xlsx",
    "FORMULA_STARTS",
]


def _umask() -> int:
    """The process's umask, read without leaving it changed (no call reads it otherwise)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only if the block succeeds.

    A failure leaves nothing half-written, and whatever was at ``target`` before stays as it was.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _remove_stale_partials(folder: Path) -> None:
    """Staging folders left by a run that was killed (its process is gone) are removed; those of
    a run still going on are not."""
    for old in folder.glob(".partial-*"):
        pid = old.name.split("-")[1] if old.name.count("-") >= 2 else ""
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder whose files are moved into ``target`` only if the block succeeds.

    Files already in ``target`` that the block does not write are kept. If the block fails, the
    folders this call made for ``target`` are removed again (when still empty).
    """
    target = Path(target).resolve()
    made = [p for p in (target, *target.parents) if not p.exists()]
    target.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".partial-{os.getpid()}-", dir=target))
    done = False
    try:
        yield tmp
        for src in sorted(tmp.rglob("*")):
            if src.is_file():
                dst = target / src.relative_to(tmp)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        done = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in made if not done else ():  # innermost first
            try:
                folder.rmdir()
            except OSError:  # not empty (another run's files), or gone
                break


# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def csv_text(value: object) -> object:
    """A value as a CSV cell that no spreadsheet runs: text starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading apostrophe, unless it is a plain number
    (``-3``, ``+1.5``); anything else is returned as it is."""
    if (
        isinstance(value, str)
        and value[:1] in FORMULA_STARTS
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _csv_safe_column(col: pd.Series) -> pd.Series:
    """``csv_text`` over a column; the first characters are checked in Arrow, and only flagged
    cells are looked at one by one, so a clean column of millions costs one pass."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        fixed = [csv_text(c) for c in cats]
        return col.cat.rename_categories(fixed) if fixed != list(cats) else col
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        return col
    try:
        arr = pa.array(col.array, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: cell by cell
        return col.map(csv_text, na_action="ignore")
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        if not pa.types.is_null(arr.type):
            return col.map(csv_text, na_action="ignore")
        return col
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    flagged = pc.fill_null(pc.is_in(first, value_set=pa.array(FORMULA_STARTS)), False)
    if not pc.any(flagged).as_py():
        return col
    rows = np.flatnonzero(flagged.to_numpy(zero_copy_only=False))
    out = col.astype(object).copy()
    out.iloc[rows] = [csv_text(v) for v in col.iloc[rows]]
    return out.astype(col.dtype) if pd.api.types.is_string_dtype(col.dtype) else out


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are ``csv_text``."""
    out = df.copy(deep=False)
    for i in range(df.shape[1]):
        out.isetitem(i, _csv_safe_column(df.iloc[:, i]))
    out.columns = [csv_text(c) for c in df.columns]
    return out


def write_csv(
    df: pd.DataFrame, target: str | Path, *, bom: bool = False, float_format: str | None = None
) -> Path:
    """Write a frame as CSV atomically (``bom=True`` for files that Excel opens directly), every
    text cell safe to open in a spreadsheet (``csv_text``). Every CSV the package writes goes
    through here."""
    target = Path(target)
    safe = csv_safe(df)
    with atomic_path(target) as tmp:
        safe.to_csv(
            tmp,
            index=False,
            encoding="utf-8-sig" if bom else "utf-8",
            lineterminator="\n",
            float_format=float_format,
        )
    return target


def text_as_text(wb):  # noqa: ANN001, ANN201 - an openpyxl Workbook, imported lazily
    """Every text cell of an openpyxl workbook stored as text: openpyxl takes a string that
    starts with ``=`` for a formula; such a cell is turned back into a string cell. Returns
    ``wb``."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.data_type = "s"
    return wb


def save_workbook(wb, target: str | Path) -> Path:  # noqa: ANN001 - an openpyxl Workbook
    """Save an openpyxl workbook atomically with no live formula (``text_as_text``). Every
    workbook the package builds cell by cell is saved through here."""
    target = Path(target)
    with atomic_path(target) as tmp:
        text_as_text(wb).save(tmp)
    return target


def write_xlsx(tables: Mapping[str, pd.DataFrame], target: str | Path) -> Path:
    """Frames as one workbook, a sheet each (named by the keys), atomically, text as text: no
    cell of it is a formula. (``report.xlsx.write_workbook``, which also formats the sheets.)"""
    from .report.xlsx import write_workbook

    return write_workbook(dict(tables), target)
