"""The one style of every figure: fonts, palette, sizes (``Look``: ``PAGE``, ``SLIDE``) and the
helpers the chart functions share."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..labels import LABELS
from ..rules import TermRules
from ..thresholds import group_rows

# One font stack for every view: 微軟正黑體 (what an office PC has) first, then Noto Sans CJK TC
# (Linux, the PNG export); the rest keep other systems tidy.
FONT_FAMILY = LABELS["charts_base"]["font_family"]
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# One colour per category code, whichever of them a term has a threshold for.
CATEGORY_COLORS = dict(
    zip(
        ("resilience", "enhancement", "engagement", "certificate", "all", "aesthetics"),
        PALETTE[:6],
        strict=True,
    )
)
# Sequential scale for rates (colour-blind safe, light = low).
RATE_SCALE = "Cividis"
WIDTH = 700  # fits the 186 mm between A4 margins (703 CSS px) in print at 100 %


@dataclass(frozen=True)
class Look:
    """Where a figure is shown: its size, type sizes (px) and whether it carries its own title
    and footer ("chrome"). ``PAGE`` for the HTML briefing, ``SLIDE`` for a deck picture."""

    width: int = WIDTH
    height: int | None = None  # None: the chart's own height
    text: int = 13  # base size: axis titles, legend, annotations unless set below
    tick: int = 13
    label: int = 12  # data labels on bars and cells
    note: int = 11  # annotations (dated markers, reference lines)
    title: int = 17
    chrome: bool = True  # the figure's own title, and the footer if one is given
    footer: str = ""
    slide: bool = False  # no dropdowns, legends above the plot, counts never shrunk

    def with_chrome(self, *, footer: str = "") -> Look:
        """The same look with the figure's own title (and ``footer``) drawn inside it."""
        return dataclasses.replace(self, chrome=True, footer=footer)


PAGE = Look()
# Drawn for the slide, not scaled down from a screen: the canvas has the shape of the area under
# a slide's title (``slides.layout.picture_box``: 12.33 in wide) and is placed at 0.74 pt a px,
# so 26 px type is 19 pt as projected, never below 18; exported at twice the pixels for sharpness.
SLIDE_PX = (1200, 520)
SLIDE = Look(
    width=SLIDE_PX[0],
    height=SLIDE_PX[1],
    text=26,
    tick=26,
    label=26,
    note=26,
    title=34,
    chrome=False,
    slide=True,
)


# ---------------------------------------------------------------------------- the toolbar

LOCALE = "zh-TW"
# What a reader needs on a chart's toolbar: a PNG of it, and back to the chart as it came after
# a drag-to-zoom. Named explicitly, so no button plotly.js adds by default appears (plotly.js 4
# adds "Share chart...", which uploads the figure to Plotly Cloud).
MODEBAR_BUTTONS = [["toImage", "resetScale2d"]]
# plotly.js's own zh-TW locale (plotly.js-locales 3.7.0) lacks what plotly.js 3.8/4.x added;
# these complete it (tests/test_charts.py checks every modebar string of both bundles).
_LOCALE_ADDITIONS = dict(LABELS["charts_locale"])


@functools.cache
def _locale_json() -> str:
    path = Path(__file__).with_name("plotly_locale_zh_tw.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    locale = {
        "dictionary": {**raw["dictionary"], **_LOCALE_ADDITIONS},
        "format": raw["format"],
    }
    return json.dumps(locale, ensure_ascii=False)


def plotly_locale() -> dict[str, Any]:
    """plotly.js's zh-TW locale (dictionary and date format), completed for plotly.js 4."""
    return json.loads(_locale_json())


def plotly_config(*, filename: str = "", responsive: bool = False) -> dict[str, Any]:
    """The one ``config`` of every figure a reader sees (HTML briefings, JupyterLab, Voilà):
    a toolbar of 下載 PNG and 重置 with Chinese tooltips, no plotly logo link, nothing that
    talks to Plotly's cloud. The locale travels inside the config, so each page has it inline
    and asks no server for it."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "modeBarButtons": [list(group) for group in MODEBAR_BUTTONS],
        "toImageButtonOptions": {
            "format": "png",
            "filename": filename or LABELS["charts_base"]["filename"],
            "scale": 2,
        },
        "locale": LOCALE,
        "locales": {LOCALE: plotly_locale()},
        "responsive": responsive,
    }


def chart_filename(title: str) -> str:
    """A download name from a chart's title: its text without markup or characters a file
    system rejects (``/ \\ : * ? " < > |``), at most 60 characters."""
    import re

    text = re.sub(r"<[^>]+>", " ", title or "")
    text = re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_.")
    return text[:60] or LABELS["charts_base"]["filename"]


def _label(rules: TermRules, c: str) -> str:
    return rules.label(c)


def _margins(look: Look, height: int) -> dict:
    if not look.slide:
        return {"l": 70, "r": 20, "t": 100, "b": 60}
    return {
        "l": 80,
        "r": 30,
        "t": 80 if look.chrome else 24,
        "b": 130 if look.footer else 70,
    }


def _plot_height(look: Look, height: int) -> int:
    h = look.height or height
    m = _margins(look, h)
    return h - m["t"] - m["b"]


def _base(fig: go.Figure, title: str, height: int = 420, look: Look = PAGE) -> go.Figure:
    h = look.height or height
    fig.update_layout(
        title={
            "text": title if look.chrome else "",
            "x": 0.01,
            "xanchor": "left",
            **({"font": {"size": look.title}} if look.slide else {}),
        },
        font={"family": FONT_FAMILY, "size": look.text},
        width=look.width,
        height=h,
        margin=_margins(look, h),
        plot_bgcolor="white",
        paper_bgcolor="white",
        colorway=PALETTE,
    )
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e5e5e5", linecolor="#888")
    if look.slide:
        fig.layout.updatemenus = ()  # a picture has no dropdown
        fig.update_xaxes(tickfont={"size": look.tick}, title_font={"size": look.text})
        fig.update_yaxes(tickfont={"size": look.tick}, title_font={"size": look.text})
        if fig.layout.showlegend is not False:
            # Above the plot: never near a footer, and read before the data.
            fig.update_layout(
                legend={
                    "orientation": "h",
                    "x": 0,
                    "xanchor": "left",
                    "y": 1.02,
                    "yanchor": "bottom",
                    "font": {"size": look.text},
                }
            )
        if look.footer:
            _footer(fig, look.footer, size=max(18, look.note - 2))
    return fig


def _footer(fig: go.Figure, text: str, size: int) -> None:
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.22,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font={"size": size, "color": "#555"},
    )


def _menu(buttons: list[dict]) -> dict:
    """A dropdown just above the plot's top-right corner, below the title."""
    return {
        "buttons": buttons,
        "x": 1.0,
        "xanchor": "right",
        "y": 1.02,
        "yanchor": "bottom",
        "showactive": True,
        "pad": {"b": 4},
    }


def _dept_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A pass-rate table's group rows (its total row is drawn as a reference, not a bar)."""
    return group_rows(table) if "level" in table.columns else table.reset_index(drop=True)


def _group_label(table: pd.DataFrame, wrap: int | None = None) -> pd.Series:
    """The groups' names; ``wrap``: a long name of words (an English department's) broken at
    spaces into lines of about that many characters, so that an axis keeps its plot."""
    if "class" in table.columns:
        names = table["class"].astype(str)
    elif "department" in table.columns:
        names = table["department"].astype(str)
    else:
        names = table["college"].astype(str)
    return names.map(lambda s: wrap_words(s, wrap)) if wrap else names


def wrap_words(text: str, width: int) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters (a word longer than
    that keeps a line of its own), joined by ``<br>``; text without spaces as it is."""
    if len(text) <= width or " " not in text:
        return text
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    lines.append(cur)
    return "<br>".join(lines)


def stack(figs: Sequence[go.Figure], *, height_each: int = 260, look: Look = PAGE) -> go.Figure:
    """Figures one under another as one (small multiples), each keeping its title, traces and
    axes: what a dropdown's views are on paper (``meta.medium`` "paper")."""
    from plotly.subplots import make_subplots

    out = make_subplots(
        rows=len(figs),
        cols=1,
        vertical_spacing=min(0.3 / max(len(figs), 1), 0.12),
        subplot_titles=[f.layout.title.text or "" for f in figs],
    )
    keep = ("range", "autorange", "tickvals", "ticktext", "title", "type", "zeroline", "tickformat")
    for k, f in enumerate(figs, start=1):
        for trace in f.data:
            out.add_trace(
                trace.update(visible=True, showlegend=trace.showlegend and k == 1), row=k, col=1
            )
        for axis, getter in (("xaxis", out.update_xaxes), ("yaxis", out.update_yaxes)):
            props = f.layout[axis].to_plotly_json()
            getter({p: v for p, v in props.items() if p in keep}, row=k, col=1)
    out.update_annotations(font={"size": look.text}, xanchor="left", x=0)
    out.update_layout(meta={"medium": "paper"}, legend=figs[0].layout.legend if figs else None)
    return _base(out, "", height=60 + height_each * len(figs), look=look)


def _luminance(rgb: str) -> float:
    """WCAG 2 relative luminance of ``rgb(r, g, b)`` or ``#rrggbb``."""
    if rgb.startswith("#"):
        parts = [int(rgb[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        parts = [float(v) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    lin = [
        c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts
    ]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21; AA for text is 4.5)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``: always at least 4.58:1 (WCAG AA)."""
    return (
        "#000000"
        if contrast_ratio(fill, "#000000") >= contrast_ratio(fill, "#ffffff")
        else "#ffffff"
    )


def _clear_of_line(values: Sequence[float], ref: float | None, label_units: float) -> list[str]:
    """Per bar, ``outside`` unless a label above the bar would sit on the reference line; then
    ``inside`` (the bar's top is at or below the line, so a label inside it stays clear)."""
    out = []
    for v in values:
        on_line = ref is not None and float(v) <= ref < float(v) + label_units
        out.append("inside" if on_line else "outside")
    return out


def _reference_note(
    fig: go.Figure, ref: float, text: str, look: Look, side: str = "middle"
) -> None:
    """The reference line's value in the right margin, level with the line: named without a
    title, never over a bar or its label. ``side``: ``"above"`` / ``"below"`` the line, so that
    two lines' notes (the school's and a college's) never overlap however close they are."""
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="y",
        x=1.0,
        y=ref,
        xanchor="left",
        yanchor={"above": "bottom", "below": "top"}.get(side, "middle"),
        showarrow=False,
        align="left",
        font={"size": look.note, "color": "#333"},
    )
    fig.update_layout(margin={"r": 40 + 5 * look.note})


def slide_style(fig: go.Figure, *, footer: str = "") -> go.Figure:
    """Any figure restyled for a 16:9 slide at 1920x1080 (type legible from the back of a room,
    no dropdowns, legend and footer below). The workbook's own charts take ``look=SLIDE``
    instead, which also places labels and legends for that size."""
    out = go.Figure(fig)
    # Plot area 1920 x 700 between a 140 px title band and a 240 px band for axis title,
    # legend (at 12 % = 84 px below the plot) and footer (at 22 % = 154 px below).
    out.update_layout(
        width=1920,
        height=1080,
        font={"family": FONT_FAMILY, "size": 26},
        title={"font": {"size": 40}},
        margin={"l": 140, "r": 60, "t": 140, "b": 240},
        legend={"font": {"size": 22}, "y": -0.12, "yanchor": "top"},
    )
    out.layout.updatemenus = ()  # a picture has no dropdown
    out.update_xaxes(tickfont={"size": 22}, title_font={"size": 24})
    out.update_yaxes(tickfont={"size": 22}, title_font={"size": 24})
    out.update_traces(textfont={"size": 20}, selector={"type": "heatmap"})
    out.update_traces(textfont={"size": 20}, selector={"type": "bar"})
    out.update_annotations(font={"size": 20})
    if footer:
        _footer(out, footer, size=18)
    return out
