"""Writing: atomic files and folders, and the package's one writer of what it hands out (CSV
cells that a spreadsheet would run get a leading apostrophe; workbook text stays text)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import say

__all__ = [
    "atomic_path",
    "atomic_dir",
    "remove_stale_partials",
    "safe_name",
    "unique_names",
    "check_output",
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


def remove_stale_partials(folder: Path) -> None:
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
def atomic_dir(target: str | Path, *, owned: Callable[[str], bool] | None = None) -> Iterator[Path]:
    """Yield a staging folder that becomes ``target`` only if the block succeeds, in one
    rename: nothing of the run is in ``target`` until all of it is.

    ``owned(name)`` says which entries of an existing ``target`` belong to the set the block
    writes (default: the names the block wrote): those are replaced as a set, so an earlier
    run's file that this run does not write again (a renamed class's workbook) is gone. Every
    other entry is kept (carried into the new folder as a hard link before the swap, so a run
    killed meanwhile loses nothing). A failure leaves ``target`` as it was and removes the
    folders this call made for it.
    """
    target = Path(target).resolve()
    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(20, say("messages_checks", "not_a_folder"), str(target))
    remove_stale_partials(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".partial-{os.getpid()}-", dir=target.parent))
    done = False
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; give the folder the usual mode
        if target.exists():
            written = {p.name for p in tmp.iterdir()}
            mine = owned or (lambda name: name in written)
            for old in target.iterdir():
                if not mine(old.name) and not (tmp / old.name).exists():
                    _link_tree(old, tmp / old.name)
            _swap(tmp, target)  # tmp now holds the old set
        else:
            os.rename(tmp, target)
        done = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in made if not done else ():  # innermost first
            try:
                folder.rmdir()
            except OSError:  # not empty (another run's files), or gone
                break


def _link_tree(src: Path, dst: Path) -> None:
    """``src`` at ``dst`` as hard links (a folder: its tree), so that both hold it."""
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
    elif src.is_symlink():
        os.symlink(os.readlink(src), dst)
    else:
        _link_or_copy(src, dst)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copy2(src, dst)


def _swap(a: Path, b: Path) -> None:
    """Exchange two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); elsewhere in
    two renames, the old one moved aside first."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        at_fdcwd, exchange = -100, 2
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0:
            return
    aside = a.with_name(a.name + "-old")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


# Names Windows keeps for devices, with any extension (CON.xlsx is CON).
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_name(name: object, *, default: str = "_") -> str:
    """A file name (without extension) for a key, safe on Windows, macOS and Linux: NFKC and
    zero-width cleanup, the characters ``< > : " / \\ | ? *`` and control characters as
    ``_``, blanks as ``_``, no leading dot (never hidden), no trailing dot or blank, not a
    device name (``CON``, ``NUL``, ``COM1`` … get a leading ``_``), at most 100 characters."""
    from .headers import clean_text

    text = clean_text(str(name))
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", "_", text)
    text = text.lstrip(".").rstrip(". ")
    text = text[:100].rstrip(". ")
    if not text:
        return default
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text


def unique_names(keys: Sequence[object], *, default: str = "_") -> list[str]:
    """``safe_name`` of each key, made unique: keys that would share a name (``x/y`` and
    ``x_y``; ``A`` and ``a``, one file on Windows and macOS) each get a short hash of the key
    itself, so a name depends only on its key. The one file-naming rule of every output."""
    import hashlib

    names = [safe_name(k, default=default) for k in keys]
    seen: dict[str, int] = {}
    for n in names:
        seen[n.casefold()] = seen.get(n.casefold(), 0) + 1
    out = []
    for k, n in zip(keys, names, strict=True):
        if seen[n.casefold()] > 1:
            digest = hashlib.sha1(str(k).encode("utf-8")).hexdigest()[:6]
            n = f"{n}-{digest}"
        out.append(n)
    if len({n.casefold() for n in out}) != len(out):  # the same key twice
        raise ValueError("unique_names: a key is given twice")
    return out


def check_output(target: str | Path, *, folder: bool, option: str = "--out") -> None:
    """An output's place checked before the slow work: ``OptionError`` (one line) when it is a
    folder where a file goes, a file where a folder goes, under a file, or cannot be written
    (a read-only disk, ``/proc``)."""
    from .errors import OptionError, os_reason, say

    path = Path(target)
    if path.exists():
        if folder and not path.is_dir():
            raise OptionError(option, str(target), say("messages_writers", "not_folder"))
        if not folder and path.is_dir():
            raise OptionError(option, str(target), say("messages_writers", "is_folder"))
    # A file is written beside itself, and a folder staged beside itself (``atomic_dir``):
    # the place that must take a new entry is the parent's.
    above = path.absolute().parent
    while not above.exists():
        above = above.parent
    if not above.is_dir():
        raise OptionError(option, str(target), say("messages_writers", "above_file", above=above))
    try:
        fd, probe = tempfile.mkstemp(prefix=".ncut-probe-", dir=above)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        why = say("messages_writers", "cannot_write", above=above, why=os_reason(exc))
        raise OptionError(option, str(target), why) from None


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
    plain = df.copy(deep=False)
    plain.attrs = {}  # not written; pandas would deep-copy them for every column of csv_safe
    safe = csv_safe(plain)
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
    from .labels import LABELS

    target = Path(target)
    props = wb.properties  # File > Properties names the school, not the library
    props.creator = props.lastModifiedBy = LABELS["school"]["name"]
    with atomic_path(target) as tmp:
        text_as_text(wb).save(tmp)
    return target


def write_xlsx(tables: Mapping[str, pd.DataFrame], target: str | Path) -> Path:
    """Frames as one workbook, a sheet each (named by the keys), atomically, text as text: no
    cell of it is a formula. (``report.xlsx.write_workbook``, which also formats the sheets.)"""
    from .report.xlsx import write_workbook

    return write_workbook(dict(tables), target)
