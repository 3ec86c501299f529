"""The admission briefing's figures: status per program and mode, rank shifts, probability
under scorer noise, backfill depth. Statuses, overlaps and modes are labelled from the label table."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..labels import LABELS, MODE_LABELS, OVERLAP_LABELS, STATUS_LABELS
from .base import (
    PAGE,
    PALETTE,
    Look,
    _base,
    _menu,
)

_W = LABELS["admission_chart"]

STATUS_COLORS = {
    "admitted": "#009E73",
    "waitlisted": "#E69F00",
    "not_admitted": "#999999",
    "disqualified": "#CC79A7",
}
OVERLAP_COLORS = {
    "both": "#009E73",
    "only_normal": "#0072B2",
    "only_special": "#D55E00",
    "neither": "#cccccc",
}


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
            hovertemplate=_W["status_hover"].format(label=label),
        )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
        uniformtext={"minsize": look.label, "mode": "hide"},
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=_W["count_axis"])
    out = _base(fig, _W["status_title"], height=440, look=look)
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
    applicant without a rank in one mode (disqualified there) drawn at a 「不予錄取」 row below.
    The hover text gives the two ranks, never the applicant's id."""
    fig = go.Figure()
    groups = ["only_normal", "only_special"] if boundary_only else list(OVERLAP_LABELS)
    names = (
        {"only_normal": _W["moved_out"], "only_special": _W["moved_in"]}
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
            # No applicant id anywhere in the figure (issue 24): ranks are enough.
            xs, ys, text = [], [], []
            for _, r in sub.iterrows():
                a = int(r["rank_normal"]) if pd.notna(r["rank_normal"]) else dq_y
                b = int(r["rank_special"]) if pd.notna(r["rank_special"]) else dq_y
                xs += [MODE_LABELS["normal"], MODE_LABELS["special"], None]
                ys += [a, b, None]
                ranks = [
                    _W["rank"].format(rank=int(v)) if pd.notna(v) else STATUS_LABELS["disqualified"]
                    for v in (r["rank_normal"], r["rank_special"])
                ]
                text += [_W["rank_pair"].format(before=ranks[0], after=ranks[1])] * 2 + [None]
            wide = boundary_only or look.slide
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=_W["group_count"].format(name=names[grp], n=len(sub))
                if boundary_only
                else names[grp],
                text=text,
                line={"color": OVERLAP_COLORS[grp], "width": 3 if wide else 1.2},
                marker={"size": 10 if wide else 4},
                opacity=0.8 if wide else 1,
                visible=k == 0,
                legendgroup=grp,
                showlegend=True,
                hovertemplate=_W["shift_hover"].format(name=names[grp]),
            )
    n = len(groups)
    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [
                {"visible": [j // n == k for j in range(n * len(programs))]},
                {"title.text": _W["shift_title"].format(name=name)},
            ],
        }
        for k, (_pid, name) in enumerate(programs)
    ]
    if len(programs) > 1:  # on screen only: on paper every class is drawn (``stack``)
        fig.update_layout(updatemenus=[_menu(buttons)], meta={"medium": "screen"})
    fig.update_yaxes(autorange="reversed", title=_W["rank_axis"], zeroline=False)
    if boundary_only and dq_y is not None and len(programs) == 1:
        # on a slide the ticks are 26 px apart at least (a 400 px plot over up to 160 ranks)
        step = (20 if dq_y > 80 else 10) if look.slide else (10 if dq_y > 40 else 5)
        ticks = list(range(step, dq_y - 2, step))
        fig.update_yaxes(
            tickvals=[1, *ticks, dq_y],
            ticktext=["1", *map(str, ticks), STATUS_LABELS["disqualified"]],
        )
    fig.update_layout(legend={"orientation": "h", "y": -0.12})
    fig.update_xaxes(range=[-0.15, 1.15])
    title = _W["shift_title"].format(name=programs[0][1]) if programs else _W["shift_title_none"]
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
                name=_W["program_mode"].format(name=name, mode=MODE_LABELS[mode]),
                line={
                    "color": PALETTE[k % len(PALETTE)],
                    "dash": dash,
                    "width": 4 if look.slide else 2,
                },
                hovertemplate=_W["probability_hover"],
            )
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title=_W["probability_axis"])
    fig.update_xaxes(title=_W["rank_axis_noise_free"])
    if len(prob) and "rank" in prob:
        p = prob.dropna(subset=["rank"])
        rng = _crop(p["rank"], (p["p_admitted"] > 0.005) & (p["p_admitted"] < 0.995), 10)
        if rng:
            fig.update_xaxes(range=rng)
    # below the axis title, not over it
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return _base(
        fig,
        _W["probability_title"].format(sd=f"{sd:g}", draws=f"{draws:,}"),
        height=460,
        look=look,
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
            hovertemplate=_W["depth_hover"].format(name=name),
        )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(tickformat=".0%", title=_W["share_axis"])
    fig.update_xaxes(title=_W["depth_axis"], dtick=1)
    if len(depth):
        rng = _crop(depth["depth"], depth["share"] >= 0.002, 0.6)
        if rng:
            fig.update_xaxes(range=rng)
    return _base(fig, _W["depth_title"].format(no_show=f"{no_show:.0%}"), height=420, look=look)
