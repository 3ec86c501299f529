"""Every plotly figure of the workbook, from computed tables; the same function serves the HTML
briefing, the slide PNG and the explorers. One style lives here (fonts, palette, sizes).

Each chart function takes its variants as parameters (``rate_bars(table, rules,
category="engagement")``) and a ``look``: ``PAGE`` (the default: the HTML briefing's figure,
700 px wide, with its own title and dropdowns) or ``SLIDE`` (1200×520 placed 12.33 in wide: 26 px is 19 pt, legible from the back
of a room, no title, no footer, no dropdown: the slide carries those). ``SLIDE.with_chrome(footer=
"…")`` gives a stand-alone picture (title and footer inside), e.g. for an explorer's export."""

from __future__ import annotations

from ..labels import MODE_LABELS, OVERLAP_LABELS, STATUS_LABELS
from .admission import (
    OVERLAP_COLORS,
    STATUS_COLORS,
    admission_status_chart,
    probability_chart,
    rank_shift_chart,
    waitlist_depth_chart,
)
from .base import (
    CATEGORY_COLORS,
    FONT_FAMILY,
    PAGE,
    PALETTE,
    RATE_SCALE,
    SLIDE,
    SLIDE_PX,
    WIDTH,
    Look,
    _clear_of_line,
    _label,
    _plot_height,
    contrast_ratio,
    slide_style,
    stack,
    text_on,
)
from .explore import probability_bars, ranking_bars, whatif_bars, whatif_progress
from .term import (
    college_all_pass,
    gap_chart,
    progress_chart,
    rate_bars,
    rate_bars_grid,
    rate_heatmap,
)

__all__ = [
    "FONT_FAMILY",
    "PALETTE",
    "CATEGORY_COLORS",
    "RATE_SCALE",
    "WIDTH",
    "Look",
    "PAGE",
    "SLIDE",
    "SLIDE_PX",
    "contrast_ratio",
    "text_on",
    "MODE_LABELS",
    "STATUS_LABELS",
    "STATUS_COLORS",
    "OVERLAP_LABELS",
    "OVERLAP_COLORS",
    "rate_heatmap",
    "rate_bars",
    "rate_bars_grid",
    "college_all_pass",
    "gap_chart",
    "progress_chart",
    "admission_status_chart",
    "rank_shift_chart",
    "probability_chart",
    "waitlist_depth_chart",
    "whatif_bars",
    "whatif_progress",
    "ranking_bars",
    "probability_bars",
    "slide_style",
    "stack",
    "_clear_of_line",
    "_label",
    "_plot_height",
]
