"""Slide-ready charts (PNG 2400×1040 and SVG, through kaleido and a Chromium) and a 16:9
PowerPoint deck: a title slide, one slide per chart with its computed takeaway as the title, and
the tables as native PowerPoint tables.

``layout``: slide geometry, text measure, the pptx shapes, table pagination, ``build_deck``;
``content``: what goes on the term and admission slides (charts with takeaways, tables);
``export``: the browser, the PNG/SVG export and the term and admission exports into one folder."""

from __future__ import annotations

from ..errors import NoBrowserError
from .content import (
    admission_slide_charts,
    admission_slide_tables,
    term_slide_charts,
    term_slide_tables,
)
from .export import (
    INSTALL_HINT,
    export_admission_slides,
    export_images,
    export_term_slides,
    find_browser,
)
from .layout import (
    FONT_EA,
    FONT_LATIN,
    SlideChart,
    SlideTable,
    build_deck,
    text_lines,
    title_height,
)

__all__ = [
    "NoBrowserError",
    "SlideChart",
    "SlideTable",
    "find_browser",
    "term_slide_charts",
    "term_slide_tables",
    "export_images",
    "build_deck",
    "export_term_slides",
    "admission_slide_charts",
    "admission_slide_tables",
    "export_admission_slides",
    "text_lines",
    "title_height",
    "INSTALL_HINT",
    "FONT_LATIN",
    "FONT_EA",
]

# Also importable from here, as before the split, though not the public API: the geometry,
# the text measure, the table fit.
from .layout import CELL_MX as CELL_MX
from .layout import CELL_MY as CELL_MY
from .layout import CONTENT_W as CONTENT_W
from .layout import EMU_IN as EMU_IN
from .layout import EMU_PT as EMU_PT
from .layout import FOOTER_H as FOOTER_H
from .layout import FOOTER_PT as FOOTER_PT
from .layout import FOOTER_TOP as FOOTER_TOP
from .layout import GAP as GAP
from .layout import INSET_X as INSET_X
from .layout import INSET_Y as INSET_Y
from .layout import LINE as LINE
from .layout import MARGIN_X as MARGIN_X
from .layout import MAX_TABLE_COLS as MAX_TABLE_COLS
from .layout import SLIDE_H as SLIDE_H
from .layout import SLIDE_W as SLIDE_W
from .layout import TABLE_PT as TABLE_PT
from .layout import TABLE_SIZES as TABLE_SIZES
from .layout import TITLE_MAX_LINES as TITLE_MAX_LINES
from .layout import TITLE_PT as TITLE_PT
from .layout import TITLE_TOP as TITLE_TOP
from .layout import _fit_title as _fit_title
from .layout import picture_box as picture_box
from .layout import table_fits as table_fits
from .layout import text_em as text_em
