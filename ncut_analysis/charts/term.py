"""The term briefing's figures: rates by group and category, colleges, gaps, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from ..errors import OptionError, joined, say
from ..labels import LABELS
from ..present import SCHOOL, count, percent, scope_text
from ..rules import TermRules
from ..thresholds import total_row
from .base import (
    CATEGORY_COLORS,
    PAGE,
    RATE_SCALE,
    Look,
    _base,
    _clear_of_line,
    _dept_rows,
    _group_label,
    _label,
    _menu,
    _plot_height,
    _reference_note,
    text_on,
)


def rate_heatmap(
    table: pd.DataFrame, rules: TermRules, *, title: str = "", look: Look = PAGE
) -> go.Figure:
    """Pass rate per group (rows) and category (columns), with a dropdown to pick a college;
    ``title`` names what the rows are (a report words it for its scope)."""
    title = title or _W["heatmap_title"]
    rows = _dept_rows(table)
    cats = list(rules.result_categories)

    def data(sub: pd.DataFrame) -> dict:
        z = sub[[f"{c}_rate" for c in cats]].to_numpy()
        text = [[f"{v:.2f}%" for v in r] for r in z]
        return {"z": z, "y": list(_group_label(sub, wrap=22)), "text": text}

    full = data(rows)
    fig = go.Figure(
        go.Heatmap(
            z=full["z"],
            x=[_label(rules, c) for c in cats],
            y=full["y"],
            text=full["text"],
            texttemplate="%{text}",
            colorscale=RATE_SCALE,
            zmin=0,
            zmax=100,
            colorbar={"title": {"text": _W["rate_axis"]}},
            hovertemplate=_W["heatmap_hover"],
        )
    )
    colleges = list(dict.fromkeys(rows["college"]))
    if len(colleges) > 1 and not look.slide:
        buttons = [
            {
                "label": _W["all_colleges"],
                "method": "restyle",
                "args": [{"z": [full["z"]], "y": [full["y"]], "text": [full["text"]]}],
            }
        ]
        for col in colleges:
            d = data(rows[rows["college"] == col])
            buttons.append(
                {
                    "label": col,
                    "method": "restyle",
                    "args": [{"z": [d["z"]], "y": [d["y"]], "text": [d["text"]]}],
                }
            )
        fig.update_layout(updatemenus=[_menu(buttons)])
    fig.update_yaxes(autorange="reversed", type="category")
    if look.slide:
        # Each cell's value in black or white, whichever passes WCAG AA on its fill.
        from plotly.colors import sample_colorscale

        fig.update_traces(
            texttemplate=None,
            text=None,
            colorbar={
                "title": {"font": {"size": look.text}},
                "tickfont": {"size": look.tick},
            },
        )
        x = [_label(rules, c) for c in cats]
        for yi, (name, row) in enumerate(zip(full["y"], full["z"], strict=True)):
            for xi, v in enumerate(row):
                fill = sample_colorscale(RATE_SCALE, [min(max(float(v), 0), 100) / 100])[0]
                fig.add_annotation(
                    x=x[xi], y=name, text=full["text"][yi][xi], showarrow=False,
                    font={"size": look.label, "color": text_on(fill)},
                )  # fmt: skip
        fig.update_xaxes(side="top")  # the categories read first, above the grid
    return _base(fig, title, height=max(360, 60 + 26 * len(rows)), look=look)


# A reference line per comparison: the first dashed, the second dotted.
_REF_DASH = ("dash", "dot")
_W = LABELS["charts_term"]


def _reference_notes(fig: go.Figure, values: Sequence[tuple[str, float]], look: Look) -> None:
    """Each reference line's name and rate in the right margin: with two lines, the higher
    one's note above its line and the lower one's below, so they never overlap."""
    vals = [v for _, v in values]
    for name, v in values:
        side = "middle"
        if len(vals) > 1:
            side = "above" if v >= max(vals) else "below"
        _reference_note(fig, v, _W["ref_note"].format(name=name, rate=percent(v)), look, side)


def _school_refs(table: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """Without a report's scope: a whole-school table's total row, named 全校."""
    return [(SCHOOL.total_label, total_row(table))] if "level" in table.columns else []


def rate_bars(
    table: pd.DataFrame,
    rules: TermRules,
    category: str | None = None,
    *,
    refs: Sequence[tuple[str, pd.Series]] | None = None,
    look: Look = PAGE,
) -> go.Figure:
    """Pass rate per group with reference lines: one ``category`` (``resilience`` … ``all``), or
    all of them behind a dropdown (``None``, the briefing's view). ``refs`` are (name, total row)
    pairs, each drawn as a line and named with its rate (the report's ``references()``; by
    default a whole-school table's own total, 全校). A data label that would sit on the first
    line goes inside its bar instead."""
    if category is not None and category not in rules.result_categories:
        raise OptionError(
            "category",
            category,
            say("messages_checks", "category", known=joined(rules.result_categories)),
        )
    rows = _dept_rows(table)
    refs = list(_school_refs(table) if refs is None else refs)[: len(_REF_DASH)]
    # at slide size every bar's name is under 12 characters a line (an English name wraps)
    x = list(_group_label(rows, wrap=12 if look.slide else 18))
    fig = go.Figure()
    cats = [category] if category else list(rules.result_categories)
    ymax = 110
    label_units = (look.label * 1.5) / max(_plot_height(look, 420), 1) * ymax
    values = {c: [(name, float(r[f"{c}_rate"])) for name, r in refs] for c in cats}
    for i, c in enumerate(cats):
        first = values[c][0][1] if values[c] else None
        fig.add_bar(
            x=x,
            y=rows[f"{c}_rate"],
            name=_label(rules, c),
            visible=i == 0,
            marker_color=CATEGORY_COLORS[c],
            text=[f"{v:.1f}" for v in rows[f"{c}_rate"]],
            textposition=(
                "outside" if look.slide else _clear_of_line(rows[f"{c}_rate"], first, label_units)
            ),
            textangle=0,
            insidetextanchor="end",
            cliponaxis=False,
            hovertemplate=_W["bar_hover"],
        )
    shapes = {
        c: [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": v,
                "y1": v,
                "line": {"dash": dash, "color": "#555", "width": 2 if look.slide else 1},
                "layer": "below",  # under the bars and their labels, never through a label
            }
            for (_, v), dash in zip(values[c], _REF_DASH, strict=False)
        ]
        for c in cats
    }

    def title(c: str) -> str:
        lines = _W["ref_join"].join(
            scope_text("reference", line=scope_text(f"line_{dash}"), name=n, rate=percent(v))
            for (n, v), dash in zip(values[c], _REF_DASH, strict=False)
        )
        return (
            _W["title_refs"].format(title=rules.measure(c), refs=lines)
            if lines
            else rules.measure(c)
        )

    if len(cats) > 1:
        buttons = [
            {
                "label": _label(rules, c),
                "method": "update",
                "args": [
                    {"visible": [j == i for j in range(len(cats))]},
                    {"shapes": shapes[c], "title.text": title(c)},
                ],
            }
            for i, c in enumerate(cats)
        ]
        # on screen only: on paper every view is drawn (``rate_bars_grid``)
        fig.update_layout(updatemenus=[_menu(buttons)], meta={"medium": "screen"})
    fig.update_layout(shapes=shapes[cats[0]], showlegend=False)
    fig.update_yaxes(range=[0, ymax], title=_W["rate_axis"])
    if look.slide:
        fig.update_traces(textfont={"size": look.label})
        # wide bars, so that a rate's label fits above its bar at slide size
        fig.update_layout(uniformtext={"minsize": look.label, "mode": "hide"}, bargap=0.06)
    out = _base(fig, title(cats[0]), look=look)
    if look.slide:
        _reference_notes(out, values[cats[0]], look)
    return out


def rate_bars_grid(
    table: pd.DataFrame,
    rules: TermRules,
    *,
    refs: Sequence[tuple[str, pd.Series]] | None = None,
    look: Look = PAGE,
) -> go.Figure:
    """Every category's ``rate_bars`` as small multiples, one under another: what the
    dropdown's views are on paper (``meta.medium`` "paper")."""
    from plotly.subplots import make_subplots

    cats = list(rules.result_categories)
    singles = [rate_bars(table, rules, c, refs=refs, look=look) for c in cats]
    fig = make_subplots(
        rows=len(cats),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[s.layout.title.text for s in singles],
    )
    for k, single in enumerate(singles, start=1):
        for trace in single.data:
            fig.add_trace(trace.update(visible=True), row=k, col=1)
        for shape in single.layout.shapes:
            fig.add_hline(
                y=shape.y0, line_dash=shape.line.dash, line_color=shape.line.color,
                line_width=shape.line.width, row=k, col=1,
            )  # fmt: skip
        fig.update_yaxes(range=[0, 110], row=k, col=1)
    fig.update_annotations(font={"size": look.text}, xanchor="left", x=0)
    fig.update_layout(showlegend=False, meta={"medium": "paper"})
    return _base(fig, "", height=60 + 175 * len(cats), look=look)


def college_all_pass(
    comparison: pd.DataFrame,
    rules: TermRules,
    *,
    refs: Sequence[tuple[str, pd.Series]] | None = None,
    look: Look = PAGE,
) -> go.Figure:
    """The all-four pass rate of the units a reader compares, a bar each: a report's
    ``comparison()`` (``name``, ``students``, ``all_passed``, ``all_rate``: the colleges of the
    school, or a department beside its college and the school), or a ``summarise(..., "college")``
    table, whose total is drawn as the 全校 line. ``refs``: reference lines, as ``rate_bars``."""
    if "name" in comparison.columns:
        rows = comparison.reset_index(drop=True)
        names = rows["name"]
    else:
        rows = _dept_rows(comparison)
        names = rows["college"]
        refs = _school_refs(comparison) if refs is None else refs
    refs = list(refs or [])[: len(_REF_DASH)]
    first = float(refs[0][1]["all_rate"]) if refs else None
    label_units = (look.label * 1.3 * 2 + 8) / max(_plot_height(look, 380), 1) * 100
    fig = go.Figure(
        go.Bar(
            x=names,
            y=rows["all_rate"],
            marker_color=CATEGORY_COLORS["all"],
            text=[
                _W["bar_text"].format(rate=percent(v), passed=count(p), students=count(n))
                for v, p, n in zip(
                    rows["all_rate"], rows["all_passed"], rows["students"], strict=True
                )
            ],
            textposition=(
                "outside" if look.slide else _clear_of_line(rows["all_rate"], first, label_units)
            ),
            textangle=0,
            insidetextanchor="end",
            cliponaxis=False,
            hovertemplate=_W["bar_hover"],
        )
    )
    if "name" in comparison.columns and len(rows) <= 3:
        title = _W["of_names"].format(
            names=_W["names_join"].join(map(str, names)), measure=rules.measure("all")
        )
    else:
        title = _W["colleges"] + rules.measure("all")
    notes = []
    for (name, r), dash in zip(refs, _REF_DASH, strict=False):
        v = float(r["all_rate"])
        fig.add_hline(
            y=v, line_dash=dash, line_color="#555", line_width=2 if look.slide else 1, layer="below"
        )
        line = scope_text(f"line_{dash}")
        notes.append(scope_text("reference", line=line, name=name, rate=percent(v)))
    if notes:
        title = _W["title_refs"].format(title=title, refs=_W["ref_join"].join(notes))
    fig.update_yaxes(range=[0, 100], title=_W["rate_axis"])
    if look.slide:
        fig.update_traces(textfont={"size": look.label})
        fig.update_layout(uniformtext={"minsize": look.label, "mode": "hide"})
    out = _base(fig, title, height=380, look=look)
    if look.slide:
        _reference_notes(out, [(name, float(r["all_rate"])) for name, r in refs], look)
    return out


def gap_chart(
    gaps: pd.DataFrame, rules: TermRules, *, scope: str = "", look: Look = PAGE
) -> go.Figure:
    """Students who have not passed, by how far they are from each threshold (stacked), titled
    for ``scope`` (a college's or department's name; empty for the school). The
    bands a reminder may close (``gaps["nudge"]``) are dark; the rest lighter; a counted
    category's bands (證照: a certificate has to be earned) grey, never a nudge."""
    fig = go.Figure()
    order = list(dict.fromkeys(gaps["band"]))
    blues = iter(["#08519c", "#3182bd", "#6baed6", "#c6dbef"])
    greys = iter(["#969696", "#d9d9d9"])
    shades = {}
    for band in order:
        sub = gaps[gaps["band"] == band]
        counted = all(rules.is_counted(c) for c in sub["category"])
        shades[band] = next(greys if counted else blues, "#eeeeee")
    for band in order:
        sub = gaps[gaps["band"] == band]
        fig.add_bar(
            y=[_label(rules, c) for c in sub["category"]],
            x=sub["students"],
            name=band,
            orientation="h",
            marker_color=shades[band],
            text=sub["students"],
            textposition="inside",
            hovertemplate=_W["gap_hover"].format(band=band),
        )
    fig.update_layout(
        barmode="stack", legend={"orientation": "h", "y": -0.32, "traceorder": "normal"}
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=_W["gap_axis"])
    if look.slide:
        fig.update_traces(textfont={"size": look.label}, insidetextanchor="middle")
        # A count too big for its segment is left out rather than shrunk to a smudge.
        fig.update_layout(uniformtext={"minsize": look.label, "mode": "hide"})
    hours = rules.gap_bands[0]
    legend = LABELS["shortfall"]["nudge_legend"].format(hours=hours)
    return _base(fig, _W["gap_title"].format(scope=scope, legend=legend), height=430, look=look)


def progress_chart(
    prog: pd.DataFrame,
    rules: TermRules,
    *,
    as_of: dt.date | None = None,
    marks: Sequence[tuple[dt.date, str]] = (),
    start: dt.date | None = None,
    title: str = "",
    look: Look = PAGE,
) -> go.Figure:
    """Pass rate per category as of each week, with dated markers (notice date, deadline);
    ``start``: where the axis begins (default: the first week); ``title`` as the report words
    it for its scope."""
    title = title or _W["progress_title"]
    fig = go.Figure()
    for c in rules.result_categories:
        sub = prog[prog["category"] == c]
        w = 3 if c == "all" else 2
        fig.add_scatter(
            x=sub["date"],
            y=sub["rate"],
            mode="lines",
            name=_label(rules, c),
            line={"color": CATEGORY_COLORS[c], "width": w * 2 if look.slide else w},
            hovertemplate=_W["progress_hover"].format(label=_label(rules, c)),
        )
    dated = sorted([*marks, *([(as_of, _W["settlement"])] if as_of else [])])
    for k, (day, text) in enumerate(dated):
        x = pd.Timestamp(day)
        fig.add_vline(x=x.value // 10**6, line_dash="dot", line_color="#444")
        # Labels staggered in height: the notice date and the settlement date are weeks apart.
        fig.add_annotation(
            x=x,
            y=1.0 - (0.2 if look.slide else 0.14) * (k % 3),
            xref="x",
            yref="paper",
            text=f"{text}<br>{day.isoformat()}",
            showarrow=False,
            xanchor="right",
            align="right",
            # no box: a box would hide the lines under it; a white halo keeps the text legible
            font={"size": look.note, "shadow": "1px 1px 2px white, -1px -1px 2px white"},
        )
    if len(prog) and dated:
        fig.update_xaxes(
            range=[
                pd.Timestamp(start) if start else prog["date"].min(),
                pd.Timestamp(max(d for d, _ in dated)) + pd.Timedelta(days=20),
            ]
        )
    fig.update_xaxes(tickformat=_W["month_ticks"])
    fig.update_yaxes(range=[0, 100], title=_W["rate_axis"])
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _base(fig, title, height=440, look=look)
