"""Every plotly figure of the workbook, from computed tables; the same function serves the HTML
briefing, the slide PNG and the explorers. One style lives here (fonts, palette, sizes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from .rules import TermRules
from .thresholds import RESULT_CATEGORIES

__all__ = [
    "FONT_FAMILY",
    "PALETTE",
    "CATEGORY_COLORS",
    "rate_heatmap",
    "rate_bars",
    "college_all_pass",
    "gap_chart",
    "progress_chart",
    "slide_style",
]

# A family with Traditional Chinese glyphs first; the fallbacks keep Latin text tidy.
FONT_FAMILY = "Noto Sans CJK TC, Noto Sans TC, Microsoft JhengHei, PingFang TC, sans-serif"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CATEGORY_COLORS = dict(zip(RESULT_CATEGORIES, PALETTE, strict=False))
# Sequential scale for rates (colour-blind safe, light = low).
RATE_SCALE = "Cividis"
WIDTH = 700  # fits the 186 mm between A4 margins (703 CSS px) in print at 100 %


def _label(rules: TermRules, c: str) -> str:
    return "全數通過" if c == "all" else rules.label(c)


def _base(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": 13},
        width=WIDTH,
        height=height,
        margin={"l": 70, "r": 20, "t": 100, "b": 60},
        plot_bgcolor="white",
        paper_bgcolor="white",
        colorway=PALETTE,
    )
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e5e5e5", linecolor="#888")
    return fig


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
    return table[table["college"] != "全校"].reset_index(drop=True)


def _group_label(table: pd.DataFrame) -> pd.Series:
    if "class" in table.columns:
        return table["class"].astype(str)
    if "department" in table.columns:
        return table["department"].astype(str)
    return table["college"].astype(str)


def rate_heatmap(table: pd.DataFrame, rules: TermRules) -> go.Figure:
    """Pass rate per group (rows) and category (columns), with a dropdown to pick a college."""
    rows = _dept_rows(table)
    cats = list(RESULT_CATEGORIES)

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
    if len(colleges) > 1:
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
    return _base(fig, "各系各項通過率", height=max(360, 60 + 26 * len(rows)))


def rate_bars(table: pd.DataFrame, rules: TermRules) -> go.Figure:
    """Pass rate per group for one category at a time (dropdown), with the whole-school rate."""
    rows = _dept_rows(table)
    school = table[table["college"] == "全校"]
    x = list(_group_label(rows))
    fig = go.Figure()
    buttons = []
    cats = list(RESULT_CATEGORIES)
    for i, c in enumerate(cats):
        fig.add_bar(
            x=x,
            y=rows[f"{c}_rate"],
            name=_label(rules, c),
            visible=i == 0,
            marker_color=CATEGORY_COLORS[c],
            text=[f"{v:.1f}" for v in rows[f"{c}_rate"]],
            textposition="outside",
            hovertemplate="%{x}：%{y:.2f}%<extra></extra>",
        )
    shapes = []
    for c in cats:
        ref = float(school[f"{c}_rate"].iloc[0]) if len(school) else None
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
                    "line": {"dash": "dash", "color": "#555"},
                }
            ]
        )
    school_rate = {
        c: (f" {float(school[f'{c}_rate'].iloc[0]):.2f}%" if len(school) else "") for c in cats
    }
    titles = {c: f"{_label(rules, c)}通過率（虛線：全校{school_rate[c]}）" for c in cats}
    for i, c in enumerate(cats):
        buttons.append(
            {
                "label": _label(rules, c),
                "method": "update",
                "args": [
                    {"visible": [j == i for j in range(len(cats))]},
                    {"shapes": shapes[i], "title.text": titles[c]},
                ],
            }
        )
    fig.update_layout(
        updatemenus=[_menu(buttons)],
        shapes=shapes[0],
        showlegend=False,
    )
    fig.update_yaxes(range=[0, 110], title="通過率 %")
    return _base(fig, titles[cats[0]])


def college_all_pass(table_by_college: pd.DataFrame, rules: TermRules) -> go.Figure:
    """All-four pass rate per college, the whole school as a reference line."""
    rows = _dept_rows(table_by_college)
    school = table_by_college[table_by_college["college"] == "全校"]
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
            textposition="outside",
            hovertemplate="%{x}：%{y:.2f}%<extra></extra>",
        )
    )
    title = "各學院四項全數通過率"
    if len(school):
        ref = float(school["all_rate"].iloc[0])
        fig.add_hline(y=ref, line_dash="dash", line_color="#555")
        title += f"（虛線：全校 {ref:.2f}%）"
    fig.update_yaxes(range=[0, 100], title="通過率 %")
    return _base(fig, title, height=380)


def gap_chart(gaps: pd.DataFrame, rules: TermRules) -> go.Figure:
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
    return _base(fig, "未通過者距門檻還差多少（深色：一推就過）", height=430)


def progress_chart(
    prog: pd.DataFrame,
    rules: TermRules,
    *,
    as_of: dt.date | None = None,
    marks: Sequence[tuple[dt.date, str]] = (),
) -> go.Figure:
    """Pass rate per category as of each week, with dated markers (notice date, deadline)."""
    fig = go.Figure()
    for c in RESULT_CATEGORIES:
        sub = prog[prog["category"] == c]
        fig.add_scatter(
            x=sub["date"],
            y=sub["rate"],
            mode="lines",
            name=_label(rules, c),
            line={"color": CATEGORY_COLORS[c], "width": 3 if c == "all" else 2},
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
            font={"size": 11},
            bgcolor="rgba(255,255,255,0.8)",
        )
    if len(prog) and dated:
        fig.update_xaxes(
            range=[
                prog["date"].min(),
                pd.Timestamp(max(d for d, _ in dated)) + pd.Timedelta(days=20),
            ]
        )
    fig.update_yaxes(range=[0, 100], title="通過率 %")
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _base(fig, "各項通過率的進展（每週）", height=440)


def slide_style(fig: go.Figure, *, footer: str = "") -> go.Figure:
    """The same figure restyled for a 16:9 slide at 1920x1080: type legible from the back of a
    room (axis text 22 px), no dropdowns, the legend and a footer line (as-of date, source) below."""
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
        out.add_annotation(
            text=footer,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.22,
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 18, "color": "#555"},
        )
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


def admission_status_chart(summary: pd.DataFrame) -> go.Figure:
    """Per program and mode, how many applicants are admitted, waitlisted, not admitted,
    disqualified (stacked bars)."""
    x = [
        [s for s in summary["name"] for _ in ("normal", "special")],
        [MODE_LABELS[m] for _ in summary["name"] for m in ("normal", "special")],
    ]
    fig = go.Figure()
    for status, label in STATUS_LABELS.items():
        y = [int(r[f"{status}_{m}"]) for _, r in summary.iterrows() for m in ("normal", "special")]
        fig.add_bar(
            x=x,
            y=y,
            name=label,
            marker_color=STATUS_COLORS[status],
            text=y,
            textposition="inside",
            textangle=0,  # a count too big for its segment shrinks, never turns sideways
            hovertemplate=f"{label}：%{{y}} 人<extra></extra>",
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.25})
    fig.update_yaxes(title="人數")
    return _base(fig, "各專班兩種模式的錄取結果", height=440)


def rank_shift_chart(compared: pd.DataFrame, programs: list[tuple[str, str]]) -> go.Figure:
    """Slope chart: each applicant ranked in both modes, a line from the normal-mode rank to the
    special-state rank, coloured by where they are admitted; a dropdown picks the program."""
    fig = go.Figure()
    groups = list(OVERLAP_LABELS)
    for k, (pid, _name) in enumerate(programs):
        g = compared[(compared["program"] == pid)].dropna(subset=["rank_normal", "rank_special"])
        for grp in groups:
            sub = g[g["overlap"] == grp]
            xs, ys, text = [], [], []
            for _, r in sub.iterrows():
                xs += [MODE_LABELS["normal"], MODE_LABELS["special"], None]
                ys += [int(r["rank_normal"]), int(r["rank_special"]), None]
                text += [r["applicant_id"], r["applicant_id"], None]
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=OVERLAP_LABELS[grp],
                text=text,
                line={"color": OVERLAP_COLORS[grp], "width": 1.2},
                marker={"size": 4},
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
    fig.update_yaxes(autorange="reversed", title="名次")
    fig.update_layout(legend={"orientation": "h", "y": -0.12})
    title = f"排名變化：{programs[0][1]}（一般 → 特殊狀態）" if programs else "排名變化"
    return _base(fig, title, height=520)


def probability_chart(
    prob: pd.DataFrame, programs: list[tuple[str, str]], sd: float, draws: int
) -> go.Figure:
    """Admission probability under scorer noise, per applicant in rank order (without noise),
    one line per program and mode."""
    fig = go.Figure()
    for k, (pid, name) in enumerate(programs):
        for mode, dash in (("normal", "solid"), ("special", "dot")):
            g = prob[(prob["program"] == pid) & (prob["mode"] == mode)].sort_values("rank")
            fig.add_scatter(
                x=g["rank"],
                y=g["p_admitted"],
                mode="lines",
                name=f"{name}｜{MODE_LABELS[mode]}",
                line={"color": PALETTE[k % len(PALETTE)], "dash": dash},
                hovertemplate="第 %{x} 名：%{y:.1%}<extra></extra>",
            )
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="錄取機率")
    fig.update_xaxes(title="無雜訊時的名次")
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return _base(fig, f"評分雜訊（SD {sd:g} 分，{draws} 次模擬）下的錄取機率", height=460)


def waitlist_depth_chart(
    depth: pd.DataFrame, programs: list[tuple[str, str]], no_show: float
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
    return _base(fig, f"備取遞補深度的分布（正取未報到率 {no_show:.0%}）", height=420)


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
