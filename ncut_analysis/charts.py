"""Every plotly figure of the workbook, from computed tables; the same function serves the HTML
briefing, the slide PNG and the explorers. One style lives here (fonts, palette, sizes).

Each chart function takes its variants as parameters (``rate_bars(table, rules,
category="engagement")``) and a ``look``: ``PAGE`` (the default: the HTML briefing's figure,
700 px wide, with its own title and dropdowns) or ``SLIDE`` (1920×1080, type legible from the back
of a room, no title, no footer, no dropdown: the slide carries those). ``SLIDE.with_chrome(footer=
"…")`` gives a stand-alone picture (title and footer inside), e.g. for an explorer's export."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from .errors import OptionError
from .labels import WHOLE_SCHOOL
from .rules import TermRules

__all__ = [
    "FONT_FAMILY",
    "PALETTE",
    "CATEGORY_COLORS",
    "Look",
    "PAGE",
    "SLIDE",
    "rate_heatmap",
    "rate_bars",
    "college_all_pass",
    "gap_chart",
    "progress_chart",
    "admission_status_chart",
    "rank_shift_chart",
    "probability_chart",
    "waitlist_depth_chart",
    "slide_style",
]

# One font stack for every view: 微軟正黑體 (what an office PC has) first, then Noto Sans CJK TC
# (Linux, the PNG export); the rest keep other systems tidy.
FONT_FAMILY = (
    "Microsoft JhengHei, 微軟正黑體, Noto Sans CJK TC, Noto Sans TC, PingFang TC, sans-serif"
)
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
# At 1920×1080 shown at ≥ 70 % of a 1920 px wide screen (the picture under a two-line slide
# title), 22 px stays ≥ 15 px: legible from the back of a room.
SLIDE = Look(
    width=1920,
    height=1080,
    text=26,
    tick=24,
    label=24,
    note=22,
    title=40,
    chrome=False,
    slide=True,
)


def _label(rules: TermRules, c: str) -> str:
    return rules.label(c)


def _margins(look: Look, height: int) -> dict:
    if not look.slide:
        return {"l": 70, "r": 20, "t": 100, "b": 60}
    return {
        "l": 140,
        "r": 60,
        "t": 140 if look.chrome else 40,
        "b": 240 if look.footer else 120,
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
    return table[table["college"] != WHOLE_SCHOOL].reset_index(drop=True)


def _group_label(table: pd.DataFrame) -> pd.Series:
    if "class" in table.columns:
        return table["class"].astype(str)
    if "department" in table.columns:
        return table["department"].astype(str)
    return table["college"].astype(str)


def _clear_of_line(values: Sequence[float], ref: float | None, label_units: float) -> list[str]:
    """Per bar, ``outside`` unless a label above the bar would sit on the reference line; then
    ``inside`` (the bar's top is at or below the line, so a label inside it stays clear)."""
    out = []
    for v in values:
        on_line = ref is not None and float(v) <= ref < float(v) + label_units
        out.append("inside" if on_line else "outside")
    return out


def _reference_note(fig: go.Figure, ref: float, text: str, look: Look) -> None:
    """The reference line's value in the right margin, level with the line: named without a
    title, never over a bar or its label."""
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="y",
        x=1.0,
        y=ref,
        xanchor="left",
        yanchor="middle",
        showarrow=False,
        align="left",
        font={"size": look.note, "color": "#333"},
    )
    fig.update_layout(margin={"r": 40 + 5 * look.note})


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


# ---------------------------------------------------------------------------- admission

STATUS_LABELS = {
    "admitted": "正取",
    "waitlisted": "備取",
    "not_admitted": "未錄取",
    "disqualified": "資格不符",
}
STATUS_COLORS = {
    "admitted": "#009E73",
    "waitlisted": "#E69F00",
    "not_admitted": "#999999",
    "disqualified": "#CC79A7",
}
OVERLAP_LABELS = {
    "both": "兩種模式皆正取",
    "only_normal": "僅一般模式正取",
    "only_special": "僅特殊狀態正取",
    "neither": "皆未正取",
}
OVERLAP_COLORS = {
    "both": "#009E73",
    "only_normal": "#0072B2",
    "only_special": "#D55E00",
    "neither": "#cccccc",
}
MODE_LABELS = {"normal": "一般", "special": "特殊狀態"}


def admission_status_chart(summary: pd.DataFrame, *, look: Look = PAGE) -> go.Figure:
    """Per program and mode, how many applicants are admitted, waitlisted, not admitted,
    disqualified (stacked horizontal bars: a segment of a few applicants is wide enough for its
    count at full size; a count that still does not fit is left out, never shrunk)."""
    y = [
        [s for s in summary["name"] for _ in ("normal", "special")],
        [MODE_LABELS[m] for _ in summary["name"] for m in ("normal", "special")],
    ]
    fig = go.Figure()
    for status, label in STATUS_LABELS.items():
        x = [int(r[f"{status}_{m}"]) for _, r in summary.iterrows() for m in ("normal", "special")]
        fig.add_bar(
            y=y,
            x=x,
            name=label,
            orientation="h",
            marker_color=STATUS_COLORS[status],
            text=[str(v) if v else "" for v in x],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            textfont={"size": look.label},
            hovertemplate=f"{label}：%{{x}} 人<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
        uniformtext={"minsize": look.label, "mode": "hide"},
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="人數")
    out = _base(fig, "各專班兩種模式的錄取結果", height=440, look=look)
    out.update_layout(margin={"l": 20})  # the program names are the axis; automargin sizes it
    out.update_yaxes(automargin=True)
    return out


def _boundary(g: pd.DataFrame) -> pd.DataFrame:
    return g[g["overlap"].isin(["only_normal", "only_special"])]


def rank_shift_chart(
    compared: pd.DataFrame,
    programs: list[tuple[str, str]],
    *,
    boundary_only: bool = False,
    look: Look = PAGE,
) -> go.Figure:
    """Slope chart: each applicant ranked in both modes, a line from the normal-mode rank to the
    special-state rank, coloured by where they are admitted; a dropdown picks the program.

    ``boundary_only``: only the applicants whose admission changes with the mode (moved out:
    admitted only in the normal mode; moved in: only in the special state), thick lines, and an
    applicant without a rank in one mode (disqualified there) drawn at a 「資格不符」 row below."""
    fig = go.Figure()
    groups = ["only_normal", "only_special"] if boundary_only else list(OVERLAP_LABELS)
    names = (
        {"only_normal": "移出正取（僅一般模式正取）", "only_special": "移入正取（僅特殊狀態正取）"}
        if boundary_only
        else OVERLAP_LABELS
    )
    dq_y = None
    for k, (pid, _name) in enumerate(programs):
        g = compared[compared["program"] == pid]
        if boundary_only:
            g = _boundary(g)
            worst = pd.concat([g["rank_normal"], g["rank_special"]]).max()
            dq_y = int(worst if pd.notna(worst) else 0) + max(4, int((worst or 0) * 0.12))
        else:
            g = g.dropna(subset=["rank_normal", "rank_special"])
        for grp in groups:
            sub = g[g["overlap"] == grp]
            xs, ys, text = [], [], []
            for _, r in sub.iterrows():
                a = int(r["rank_normal"]) if pd.notna(r["rank_normal"]) else dq_y
                b = int(r["rank_special"]) if pd.notna(r["rank_special"]) else dq_y
                xs += [MODE_LABELS["normal"], MODE_LABELS["special"], None]
                ys += [a, b, None]
                text += [r["applicant_id"], r["applicant_id"], None]
            wide = boundary_only or look.slide
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=f"{names[grp]} {len(sub)} 人" if boundary_only else names[grp],
                text=text,
                line={"color": OVERLAP_COLORS[grp], "width": 3 if wide else 1.2},
                marker={"size": 10 if wide else 4},
                opacity=0.8 if wide else 1,
                visible=k == 0,
                legendgroup=grp,
                showlegend=True,
                hovertemplate="%{text}：第 %{y} 名<extra></extra>",
            )
    n = len(groups)
    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [
                {"visible": [j // n == k for j in range(n * len(programs))]},
                {"title.text": f"排名變化：{name}（一般 → 特殊狀態）"},
            ],
        }
        for k, (_pid, name) in enumerate(programs)
    ]
    if len(programs) > 1:
        fig.update_layout(updatemenus=[_menu(buttons)])
    fig.update_yaxes(autorange="reversed", title="名次", zeroline=False)
    if boundary_only and dq_y is not None and len(programs) == 1:
        step = 10 if dq_y > 40 else 5
        ticks = list(range(step, dq_y - 2, step))
        fig.update_yaxes(tickvals=[1, *ticks, dq_y], ticktext=["1", *map(str, ticks), "資格不符"])
    fig.update_layout(legend={"orientation": "h", "y": -0.12})
    fig.update_xaxes(range=[-0.15, 1.15])
    title = f"排名變化：{programs[0][1]}（一般 → 特殊狀態）" if programs else "排名變化"
    return _base(fig, title, height=520, look=look)


def _crop(x: pd.Series, keep: pd.Series, pad: float) -> list[float] | None:
    xs = x[keep]
    if xs.empty:
        return None
    return [max(float(x.min()), float(xs.min()) - pad), float(xs.max()) + pad]


def probability_chart(
    prob: pd.DataFrame,
    programs: list[tuple[str, str]],
    sd: float,
    draws: int,
    *,
    look: Look = PAGE,
) -> go.Figure:
    """Admission probability under scorer noise, per applicant in rank order (without noise),
    one line per program and mode; the axis spans the ranks where chance decides."""
    fig = go.Figure()
    for k, (pid, name) in enumerate(programs):
        for mode, dash in (("normal", "solid"), ("special", "dot")):
            g = prob[(prob["program"] == pid) & (prob["mode"] == mode)].sort_values("rank")
            fig.add_scatter(
                x=g["rank"],
                y=g["p_admitted"],
                mode="lines",
                name=f"{name}｜{MODE_LABELS[mode]}",
                line={
                    "color": PALETTE[k % len(PALETTE)],
                    "dash": dash,
                    "width": 4 if look.slide else 2,
                },
                hovertemplate="第 %{x} 名：%{y:.1%}<extra></extra>",
            )
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="錄取機率")
    fig.update_xaxes(title="無雜訊時的名次")
    if len(prob) and "rank" in prob:
        p = prob.dropna(subset=["rank"])
        rng = _crop(p["rank"], (p["p_admitted"] > 0.005) & (p["p_admitted"] < 0.995), 10)
        if rng:
            fig.update_xaxes(range=rng)
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return _base(
        fig, f"評分雜訊（SD {sd:g} 分，{draws} 次模擬）下的錄取機率", height=460, look=look
    )


def waitlist_depth_chart(
    depth: pd.DataFrame,
    programs: list[tuple[str, str]],
    no_show: float,
    *,
    look: Look = PAGE,
) -> go.Figure:
    """Distribution of how deep into the waitlist each program goes (備取遞補)."""
    fig = go.Figure()
    for k, (pid, name) in enumerate(programs):
        g = depth[depth["program"] == pid]
        fig.add_bar(
            x=g["depth"],
            y=g["share"],
            name=name,
            marker_color=PALETTE[k % len(PALETTE)],
            hovertemplate=f"{name}：遞補到第 %{{x}} 位的機率 %{{y:.1%}}<extra></extra>",
        )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(tickformat=".0%", title="機率")
    fig.update_xaxes(title="備取遞補到第幾位", dtick=1)
    if len(depth):
        rng = _crop(depth["depth"], depth["share"] >= 0.002, 0.6)
        if rng:
            fig.update_xaxes(range=rng)
    return _base(fig, f"備取遞補深度的分布（正取未報到率 {no_show:.0%}）", height=420, look=look)


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
            "hovertemplate": f"%{{x}}｜{name}：%{{y:.2f}}%<extra></extra>",
        }
        for name, y, color in (("正式門檻", official, PALETTE[0]), ("假設門檻", whatif, PALETTE[1]))
    ]
    fig = _explorer_figure(
        traces, title, 380, meta, {}, {"range": [0, 105], "title": {"text": "通過率 %"}}
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
            "hovertemplate": f"%{{customdata}}｜{name}：%{{y:.2f}}%<extra></extra>",
        }
        for name, y, color in (("正式門檻", official, PALETTE[0]), ("假設門檻", whatif, PALETTE[1]))
    ]
    step = max(1, -(-len(days) // 8))  # at most about eight ticks
    xaxis = {"tickvals": list(days)[::step], "ticktext": list(labels)[::step]}
    return _explorer_figure(
        traces, title, 340, meta, xaxis, {"range": [0, 100], "title": {"text": "通過率 %"}}
    )


def ranking_bars(
    ids: Sequence[str],
    totals: Sequence[float],
    statuses: Sequence[str],
    *,
    title: str,
    meta: dict | None = None,
) -> go.Figure:
    """Applicants in rank order, bar height the total, coloured by admission status."""
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
                    "hovertemplate": f"%{{x}}｜{label}：%{{y:.2f}} 分<extra></extra>",
                }
            )
    xaxis = {
        "type": "category",  # ids are digits: a linear axis would place them by value
        "categoryorder": "array",
        "categoryarray": list(ids),
        "showticklabels": False,
        "title": {"text": "申請人（依名次）"},
    }
    fig = _explorer_figure(traces, title, 360, meta, xaxis, {"title": {"text": "總成績"}})
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
        "name": "錄取機率",
        "marker": {"color": PALETTE[2]},
        "hovertemplate": "%{x}：%{y:.1%}<extra></extra>",
    }
    xaxis = {
        "type": "category",
        "showticklabels": False,
        "title": {"text": "申請人（依錄取機率排序）"},
    }
    yaxis = {"range": [0, 1], "tickformat": ".0%", "title": {"text": "錄取機率"}}
    return _explorer_figure([trace], title, 320, meta, xaxis, yaxis)
