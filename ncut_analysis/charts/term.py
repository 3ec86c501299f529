"""The term briefing's figures: rates by group and category, colleges, gaps, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from ..errors import OptionError
from ..labels import WHOLE_SCHOOL
from ..rules import TermRules
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
)


def rate_heatmap(table: pd.DataFrame, rules: TermRules, *, look: Look = PAGE) -> go.Figure:
    """Pass rate per group (rows) and category (columns), with a dropdown to pick a college."""
    rows = _dept_rows(table)
    cats = list(rules.result_categories)

    def data(sub: pd.DataFrame) -> dict:
        z = sub[[f"{c}_rate" for c in cats]].to_numpy()
        text = [[f"{v:.2f}%" for v in r] for r in z]
        return {"z": z, "y": list(_group_label(sub)), "text": text}

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
            colorbar={"title": {"text": "通過率 %"}},
            hovertemplate="%{y}｜%{x}：%{text}<extra></extra>",
        )
    )
    colleges = list(dict.fromkeys(rows["college"]))
    if len(colleges) > 1 and not look.slide:
        buttons = [
            {
                "label": "全部學院",
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
        fig.update_traces(
            textfont={"size": look.label},
            colorbar={
                "title": {"font": {"size": look.text}},
                "tickfont": {"size": look.tick},
            },
        )
        fig.update_xaxes(side="top")  # the categories read first, above the grid
    return _base(fig, "各系各項通過率", height=max(360, 60 + 26 * len(rows)), look=look)


def rate_bars(
    table: pd.DataFrame,
    rules: TermRules,
    category: str | None = None,
    *,
    look: Look = PAGE,
) -> go.Figure:
    """Pass rate per group with the whole-school rate as a dashed line: one ``category``
    (``resilience`` … ``all``), or all of them behind a dropdown (``None``, the briefing's view).
    A data label that would sit on the dashed line goes inside its bar instead."""
    if category is not None and category not in rules.result_categories:
        raise OptionError("category", category, f"one of {', '.join(rules.result_categories)}")
    rows = _dept_rows(table)
    school = table[table["college"] == WHOLE_SCHOOL]
    x = list(_group_label(rows))
    fig = go.Figure()
    cats = [category] if category else list(rules.result_categories)
    ymax = 110
    label_units = (look.label * 1.5) / max(_plot_height(look, 420), 1) * ymax
    refs = {c: (float(school[f"{c}_rate"].iloc[0]) if len(school) else None) for c in cats}
    for i, c in enumerate(cats):
        fig.add_bar(
            x=x,
            y=rows[f"{c}_rate"],
            name=_label(rules, c),
            visible=i == 0,
            marker_color=CATEGORY_COLORS[c],
            text=[f"{v:.1f}" for v in rows[f"{c}_rate"]],
            textposition=_clear_of_line(rows[f"{c}_rate"], refs[c], label_units),
            insidetextanchor="end",
            cliponaxis=False,
            hovertemplate="%{x}：%{y:.2f}%<extra></extra>",
        )
    shapes = []
    for c in cats:
        ref = refs[c]
        shapes.append(
            []
            if ref is None
            else [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": ref,
                    "y1": ref,
                    "line": {"dash": "dash", "color": "#555", "width": 3 if look.slide else 1},
                }
            ]
        )
    school_rate = {c: (f" {refs[c]:.2f}%" if refs[c] is not None else "") for c in cats}
    titles = {c: f"{rules.measure(c)}（虛線：全校{school_rate[c]}）" for c in cats}
    if len(cats) > 1:
        buttons = [
            {
                "label": _label(rules, c),
                "method": "update",
                "args": [
                    {"visible": [j == i for j in range(len(cats))]},
                    {"shapes": shapes[i], "title.text": titles[c]},
                ],
            }
            for i, c in enumerate(cats)
        ]
        fig.update_layout(updatemenus=[_menu(buttons)])
    fig.update_layout(shapes=shapes[0], showlegend=False)
    fig.update_yaxes(range=[0, ymax], title="通過率 %")
    if look.slide:
        fig.update_traces(textfont={"size": look.label})
        fig.update_layout(uniformtext={"minsize": look.label, "mode": "hide"})
    out = _base(fig, titles[cats[0]], look=look)
    if look.slide and refs[cats[0]] is not None:
        _reference_note(out, refs[cats[0]], f"全校<br>{refs[cats[0]]:.2f}%", look)
    return out


def college_all_pass(
    table_by_college: pd.DataFrame, rules: TermRules, *, look: Look = PAGE
) -> go.Figure:
    """All-four pass rate per college, the whole school as a reference line."""
    rows = _dept_rows(table_by_college)
    school = table_by_college[table_by_college["college"] == WHOLE_SCHOOL]
    ref = float(school["all_rate"].iloc[0]) if len(school) else None
    label_units = (look.label * 1.3 * 2 + 8) / max(_plot_height(look, 380), 1) * 100
    fig = go.Figure(
        go.Bar(
            x=rows["college"],
            y=rows["all_rate"],
            marker_color=CATEGORY_COLORS["all"],
            text=[
                f"{v:.2f}%<br>{p} / {n} 人"
                for v, p, n in zip(
                    rows["all_rate"], rows["all_passed"], rows["students"], strict=True
                )
            ],
            textposition=_clear_of_line(rows["all_rate"], ref, label_units),
            insidetextanchor="end",
            cliponaxis=False,
            hovertemplate="%{x}：%{y:.2f}%<extra></extra>",
        )
    )
    title = f"各學院{rules.measure('all')}"
    if ref is not None:
        fig.add_hline(y=ref, line_dash="dash", line_color="#555", line_width=3 if look.slide else 1)
        title += f"（虛線：全校 {ref:.2f}%）"
    fig.update_yaxes(range=[0, 100], title="通過率 %")
    if look.slide:
        fig.update_traces(textfont={"size": look.label})
        fig.update_layout(uniformtext={"minsize": look.label, "mode": "hide"})
    out = _base(fig, title, height=380, look=look)
    if look.slide and ref is not None:
        _reference_note(out, ref, f"全校<br>{ref:.2f}%", look)
    return out


def gap_chart(gaps: pd.DataFrame, rules: TermRules, *, look: Look = PAGE) -> go.Figure:
    """Students who have not passed, by how far they are from each threshold (stacked)."""
    fig = go.Figure()
    order = list(dict.fromkeys(gaps["band"]))
    # Near bands dark, far bands light: the nudgeable students stand out.
    shades = {
        b: s for b, s in zip(order, ["#08519c", "#3182bd", "#6baed6", "#c6dbef"], strict=False)
    }
    shades.update({"差 1 張": "#08519c", "差 2 張以上": "#c6dbef"})
    for band in order:
        sub = gaps[gaps["band"] == band]
        fig.add_bar(
            y=[_label(rules, c) for c in sub["category"]],
            x=sub["students"],
            name=band,
            orientation="h",
            marker_color=shades.get(band),
            text=sub["students"],
            textposition="inside",
            hovertemplate=f"{band}：%{{x}} 人<extra></extra>",
        )
    fig.update_layout(
        barmode="stack", legend={"orientation": "h", "y": -0.32, "traceorder": "normal"}
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="未通過人數")
    if look.slide:
        fig.update_traces(textfont={"size": look.label}, insidetextanchor="middle")
        # A count too big for its segment is left out rather than shrunk to a smudge.
        fig.update_layout(uniformtext={"minsize": look.label, "mode": "hide"})
    return _base(fig, "未通過者距門檻還差多少（深色：一推就過）", height=430, look=look)


def progress_chart(
    prog: pd.DataFrame,
    rules: TermRules,
    *,
    as_of: dt.date | None = None,
    marks: Sequence[tuple[dt.date, str]] = (),
    start: dt.date | None = None,
    look: Look = PAGE,
) -> go.Figure:
    """Pass rate per category as of each week, with dated markers (notice date, deadline);
    ``start``: where the axis begins (default: the first week)."""
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
            hovertemplate=f"{_label(rules, c)} %{{x|%Y-%m-%d}}：%{{y:.2f}}%<extra></extra>",
        )
    dated = sorted([*marks, *([(as_of, "結算日")] if as_of else [])])
    for k, (day, text) in enumerate(dated):
        x = pd.Timestamp(day)
        fig.add_vline(x=x.value // 10**6, line_dash="dot", line_color="#444")
        # Labels staggered in height: the notice date and the settlement date are weeks apart.
        fig.add_annotation(
            x=x,
            y=1.0 - 0.14 * (k % 3),
            xref="x",
            yref="paper",
            text=f"{text}<br>{day.isoformat()}",
            showarrow=False,
            xanchor="right",
            align="right",
            font={"size": look.note},
            bgcolor="rgba(255,255,255,0.8)",
        )
    if len(prog) and dated:
        fig.update_xaxes(
            range=[
                pd.Timestamp(start) if start else prog["date"].min(),
                pd.Timestamp(max(d for d, _ in dated)) + pd.Timedelta(days=20),
            ]
        )
    fig.update_xaxes(tickformat="%Y年%-m月")
    fig.update_yaxes(range=[0, 100], title="通過率 %")
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _base(fig, "各項通過率的進展（每週）", height=440, look=look)
