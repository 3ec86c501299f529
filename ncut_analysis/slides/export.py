"""The slides as files: every chart as PNG (2400×1040, the slide canvas at twice its pixels) and SVG through kaleido and a Chrome or
Chromium, and the deck, written into one folder all together or not at all; the term and
admission exports the CLI's ``slides`` command runs."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from ..charts.base import SLIDE_PX
from ..errors import NoBrowserError, say
from ..io import atomic_dir
from ..labels import LABELS
from ..present import count, taipei_now
from .content import (
    admission_slide_charts,
    admission_slide_tables,
    term_slide_charts,
    term_slide_tables,
)
from .layout import SlideChart, SlideTable, build_deck

INSTALL_HINT = say("messages_checks", "install_hint")


def find_browser() -> str:
    """The Chrome/Chromium kaleido will use: ``BROWSER_PATH`` if set (it must exist), else what
    kaleido itself finds (its own download, then the usual names and paths)."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise NoBrowserError(say("messages_checks", "browser_path", path=env) + INSTALL_HINT)
    from choreographer.browsers.chromium import Chromium

    path = Chromium.find_browser(skip_local=False)
    if not path:
        raise NoBrowserError(INSTALL_HINT)
    return str(path)


def export_images(
    items: list[SlideChart], out: Path, *, size: tuple[int, int] = SLIDE_PX, scale: int = 2
) -> list[Path]:
    """PNG (``size`` × ``scale``: 2400×1040 for the deck) and SVG (``size``) of every chart,
    through one kaleido browser session. ``size`` is the canvas the figures were laid out for."""
    import kaleido
    import plotly.io as pio

    browser = find_browser()
    kaleido.start_sync_server(path=browser, mathjax=False, silence_warnings=True)
    try:
        figs = [c.figure for c in items]
        pngs = [out / f"{c.name}.png" for c in items]
        svgs = [out / f"{c.name}.svg" for c in items]
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # "kopts ignored if using a server": the server is the point
            # the canvas the figures were laid out for (the deck's: charts.SLIDE_PX), the PNG at
            # ``scale`` times its pixels for a sharp picture
            w, h = size
            pio.write_images(figs, pngs, width=w, height=h, scale=scale)
            pio.write_images(figs, svgs, width=w, height=h)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return pngs


def export_term_slides(
    out: str | Path,
    *,
    term: str = "114-1",
    as_of: str | None = None,
    students: str = "",
    records: str = "",
    compare_as_of: str | None = None,
    department: str = "",
    college: str = "",
) -> list[Path]:
    """Every term-briefing chart as ``<name>.png`` and ``<name>.svg`` plus ``deck.pptx`` in ``out``
    (all or nothing), for the school, one ``college`` or one ``department``. Returns the files
    written."""
    from ..report import TermReport

    find_browser()  # fail fast, before any computation
    # Empty dates are the term's own (its rules file), as in the briefing.
    b = TermReport.build(
        term=term,
        as_of=as_of or "",
        students=students,
        records=records,
        compare_as_of=compare_as_of or "",
        department=department,
        college=college,
    )
    items = term_slide_charts(b)
    w = LABELS["slides_term"]
    as_of = w["as_of"].format(
        date=b.as_of.isoformat() if b.as_of else w["no_dates" if not b.has_dates else "all_records"]
    )
    scope = "" if b.scope.is_school else f"{b.scope.label} "
    today = taipei_now().date().isoformat()
    return _write(
        out,
        items,
        term_slide_tables(b),
        title=w["title"].format(term=term, scope=scope),
        subtitle=w["subtitle"].format(
            as_of=as_of, scope=b.scope.label, students=count(b.total["students"])
        ),
        footer=w["footer"].format(as_of=as_of, date=today),
    )


def _write(
    out: str | Path,
    items: list[SlideChart],
    tables: list[SlideTable],
    *,
    title: str,
    subtitle: str,
    footer: str,
) -> list[Path]:
    """PNGs, SVGs and the deck into ``out``, all together or not at all."""
    out = Path(out)
    with atomic_dir(out) as tmp:
        pngs = export_images(items, tmp)
        build_deck(
            items, pngs, tables, tmp / "deck.pptx", title=title, subtitle=subtitle, footer=footer
        )
    return (
        [out / p.name for p in pngs] + [out / f"{c.name}.svg" for c in items] + [out / "deck.pptx"]
    )


def export_admission_slides(out: str | Path, **scenario: Any) -> list[Path]:
    """Every admission-briefing chart as PNG and SVG plus ``deck.pptx`` in ``out``.
    ``scenario``: the keywords of ``briefing.admission_scenario``."""
    from ..briefing import admission_scenario
    from ..report import AdmissionReport

    find_browser()
    params = admission_scenario(**scenario)
    b = AdmissionReport.build(**params)
    year = params["year"]
    return _write(
        out,
        admission_slide_charts(b),
        admission_slide_tables(b),
        title=LABELS["slides_admission"]["title"].format(year=year),
        subtitle=LABELS["slides_admission"]["subtitle"].format(
            n=count(b.summary["applicants"].sum())
        ),
        footer=LABELS["slides_admission"]["footer"].format(
            year=year, date=taipei_now().date().isoformat()
        ),
    )
