"""The explorers' figures: sized by their container, the selection they show in ``meta``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go

from ..labels import LABELS, STATUS_LABELS
from .admission import STATUS_COLORS
from .base import (
    FONT_FAMILY,
    PALETTE,
)

_W = LABELS["explorers_chart"]

# --- explorer figures
# The explorers' figures: sized by their container (no fixed width), so they reflow with the
# window; ``meta`` carries the selection they show, which a browser test reads back. Built as
# one dict with the empty template: a widget redraw costs a few ms instead of ~0.1 s of plotly's
# template merging and property-by-property updates.


def _explorer_figure(
    traces: list[dict], title: str, height: int, meta: dict | None, xaxis: dict, yaxis: dict
) -> go.Figure:
    axis = {"linecolor": "#888", "zeroline": False, "automargin": True}
    return go.Figure(
        {
            "data": traces,
            "layout": {
                "template": "none",
                "title": {"text": title, "x": 0.01, "xanchor": "left"},
                "font": {"family": FONT_FAMILY, "size": 13, "color": "#222"},
                "autosize": True,
                "height": height,
                "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
                "plot_bgcolor": "white",
                "paper_bgcolor": "white",
                "legend": {
                    "orientation": "h",
                    "x": 1,
                    "xanchor": "right",
                    "y": 1.02,
                    "yanchor": "bottom",
                },
                "meta": meta or {},
                "xaxis": {**axis, "showgrid": False, **xaxis},
                "yaxis": {**axis, "gridcolor": "#e5e5e5", **yaxis},
            },
        }
    )


def whatif_bars(
    groups: Sequence[str],
    official: Sequence[float],
    whatif: Sequence[float],
    *,
    title: str,
    meta: dict | None = None,
) -> go.Figure:
    """Pass rates per group under the official and the what-if thresholds (grouped bars)."""
    traces = [
        {
            "type": "bar",
            "x": list(groups),
            "y": list(y),
            "name": name,
            "marker": {"color": color},
            "hovertemplate": _W["bar_hover"].format(name=name),
        }
        for name, y, color in (
            (_W["official"], official, PALETTE[0]),
            (_W["whatif"], whatif, PALETTE[1]),
        )
    ]
    fig = _explorer_figure(
        traces, title, 380, meta, {}, {"range": [0, 105], "title": {"text": _W["rate_axis"]}}
    )
    fig.layout.barmode = "group"
    return fig


def whatif_progress(
    days: Sequence[dt.date],
    labels: Sequence[str],
    official: Sequence[float],
    whatif: Sequence[float],
    *,
    title: str,
    meta: dict | None = None,
) -> go.Figure:
    """Pass rate as of each day under the official and the what-if thresholds; ``labels`` are
    the days as the page writes them (ROC), used for the ticks and the hover."""
    traces = [
        {
            "type": "scatter",
            "x": list(days),
            "y": list(y),
            "customdata": list(labels),
            "name": name,
            "mode": "lines+markers",
            "marker": {"size": 4, "color": color},
            "line": {"color": color},
            "hovertemplate": _W["progress_hover"].format(name=name),
        }
        for name, y, color in (
            (_W["official"], official, PALETTE[0]),
            (_W["whatif"], whatif, PALETTE[1]),
        )
    ]
    step = max(1, -(-len(days) // 8))  # at most about eight ticks
    xaxis = {"tickvals": list(days)[::step], "ticktext": list(labels)[::step]}
    return _explorer_figure(
        traces, title, 340, meta, xaxis, {"range": [0, 100], "title": {"text": _W["rate_axis"]}}
    )


def ranking_bars(
    ids: Sequence[str],
    totals: Sequence[float],
    statuses: Sequence[str],
    *,
    title: str,
    meta: dict | None = None,
    decimals: int = 2,
) -> go.Figure:
    """Applicants in rank order, bar height the total, coloured by admission status; the hover
    shows each total exactly, with ``decimals`` decimals (``admission.total_decimals``): the
    rules compare totals to the last unit, so 76.7375 is never shown as 76.74."""
    shown = [f"{float(t):.{decimals}f}" for t in totals]
    traces = []
    for status, label in STATUS_LABELS.items():
        keep = [i for i, s in enumerate(statuses) if s == status]
        if keep:
            traces.append(
                {
                    "type": "bar",
                    "x": [ids[i] for i in keep],
                    "y": [totals[i] for i in keep],
                    "name": label,
                    "marker": {"color": STATUS_COLORS[status]},
                    "customdata": [shown[i] for i in keep],
                    "hovertemplate": _W["ranking_hover"].format(label=label),
                }
            )
    xaxis = {
        "type": "category",  # ids are digits: a linear axis would place them by value
        "categoryorder": "array",
        "categoryarray": list(ids),
        "showticklabels": False,
        "title": {"text": _W["ranking_axis"]},
    }
    fig = _explorer_figure(traces, title, 360, meta, xaxis, {"title": {"text": _W["total_axis"]}})
    fig.layout.barmode = "overlay"  # one bar per applicant, whichever status trace holds it
    fig.layout.bargap = 0.1
    return fig


def probability_bars(
    ids: Sequence[str], probs: Sequence[float], *, title: str, meta: dict | None = None
) -> go.Figure:
    """Admission probability per applicant under scorer noise (bars, highest first)."""
    trace = {
        "type": "bar",
        "x": list(ids),
        "y": list(probs),
        "name": _W["probability"],
        "marker": {"color": PALETTE[2]},
        "hovertemplate": _W["probability_hover"],
    }
    xaxis = {
        "type": "category",
        "showticklabels": False,
        "title": {"text": _W["probability_order"]},
    }
    yaxis = {"range": [0, 1], "tickformat": ".0%", "title": {"text": _W["probability"]}}
    return _explorer_figure([trace], title, 320, meta, xaxis, yaxis)
