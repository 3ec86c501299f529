"""What goes on the term and admission slides: each briefing chart drawn for a slide with its
takeaway (the slide's title, computed from the report's numbers) and speaker notes, and the
briefing tables as ``SlideTable``s of display strings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import charts
from ..labels import GROUP_LABELS, LABELS, MEASURE_LABELS
from ..present import count, percent
from ..thresholds import LEVEL, TOTAL, group_keys, group_rows, total_row
from .layout import SlideChart, SlideTable

_STAT = LABELS["statistic"]
_TERM = LABELS["slides_term"]

# ---------------------------------------------------------------------------- numbers for titles
# Pure functions over the report's numeric frames. They belong in the report model
# (report/term.py, report/admission.py); the slides keep them until it has them.


def _extreme(
    table: pd.DataFrame, col: str, label_col: str, lowest: bool = True
) -> tuple[str, float]:
    rows = group_rows(table) if "level" in table.columns else table.reset_index(drop=True)
    i = rows[col].idxmin() if lowest else rows[col].idxmax()
    return str(rows.loc[i, label_col]), float(rows.loc[i, col])


# ---------------------------------------------------------------------------- term charts

# A heatmap slide holds this many rows at 26 px (19 pt) type.
_HEATMAP_ROWS = 8


def _heatmap_pages(table: pd.DataFrame) -> list[pd.DataFrame]:
    """The group rows in slides of at most ``_HEATMAP_ROWS``, whole colleges together where
    they fit, as evenly as the rows allow."""
    rows = group_rows(table)
    if len(rows) <= _HEATMAP_ROWS:
        return [rows]
    n = -(-len(rows) // _HEATMAP_ROWS)
    per = -(-len(rows) // n)
    pages, cur = [], []
    for _, block in rows.groupby("college", sort=False):
        for i in range(0, len(block), per):  # a college longer than a slide is cut
            piece = block.iloc[i : i + per]
            if cur and sum(map(len, cur)) + len(piece) > per:
                pages.append(pd.concat(cur))
                cur = []
            cur.append(piece)
    if cur:
        pages.append(pd.concat(cur))
    return [p.reset_index(drop=True) for p in pages]


def term_slide_charts(b) -> list[SlideChart]:  # noqa: ANN001 - a TermBriefing / term report
    """Every chart of the term briefing drawn for a slide (no title or footer of its own), each
    with its takeaway. Reads the report's frames and its scope: ``table``, ``comparison()``,
    ``references()``, ``gaps``, ``progress``, ``before``."""
    rules = b.rules
    w = _TERM
    look = charts.SLIDE
    label_col = "class" if b.scope.kind == "department" else "department"
    where = "" if b.scope.is_school else b.scope.label
    refs = b.references()
    out: list[SlideChart] = []
    lows = {c: _extreme(b.table, f"{c}_rate", label_col) for c in rules.threshold_categories}
    worst = min(lows, key=lambda c: lows[c][1])
    pages = _heatmap_pages(b.table)
    # one group (a department of one class): the slides state its rates, not 最高/最低 of one
    single = len(group_rows(b.table)) == 1
    for k, part in enumerate(pages):
        page = w["page"].format(k=k + 1, n=len(pages)) if len(pages) > 1 else ""
        out.append(
            SlideChart(
                f"rate_heatmap_{k + 1}" if len(pages) > 1 else "rate_heatmap",
                charts.rate_heatmap(part, rules, title=b.chart_title("heatmap"), look=look),
                w["lowest_single" if single else "lowest"].format(
                    scope=where,
                    measure=rules.measure(worst),
                    label=rules.label(worst),
                    name=lows[worst][0],
                    rate=percent(lows[worst][1]),
                    page=page,
                ),
            )  # fmt: skip
        )
    key = "single" if single else "range"
    unit = b.scope.group_unit
    for c in rules.result_categories:
        lo = _extreme(b.table, f"{c}_rate", label_col)
        hi = _extreme(b.table, f"{c}_rate", label_col, lowest=False)
        ref = "".join(w["ref"].format(name=name, rate=percent(t[f"{c}_rate"])) for name, t in refs)
        span = {
            "measure": rules.measure(c), "hi": hi[0], "hi_rate": percent(hi[1]), "lo": lo[0],
            "lo_rate": percent(lo[1]),
        }  # fmt: skip
        out.append(
            SlideChart(
                f"rate_bars_{c}",
                charts.rate_bars(b.table, rules, c, refs=refs, look=look),
                w[key].format(scope=where, unit=unit, **span),
                notes=w[f"{key}_notes"].format(refs=ref, **span),
            )
        )
    comp = b.comparison()
    if b.scope.is_school:
        top = _extreme(comp, "all_rate", "name", lowest=False)
        takeaway = w["top_college"].format(
            measure=rules.measure("all"), name=top[0], rate=percent(top[1])
        )
    else:
        others = w["vs_join"].join(
            w["scope_vs_part"].format(name=r.name, rate=percent(r.all_rate))
            for r in comp.iloc[1:].itertuples(index=False)
        )
        takeaway = w["scope_vs"].format(
            scope=where, measure=rules.measure("all"), rate=percent(comp["all_rate"].iloc[0]),
            others=others,
        )  # fmt: skip
    out.append(
        SlideChart(
            "college_all_pass",
            charts.college_all_pass(
                comp, rules, refs=refs if b.scope.is_school else None, look=look
            ),
            takeaway,
        )
    )
    g = b.gaps
    nudged = g[g["nudge"]]
    near = {r.category: int(r.students) for r in nudged.itertuples()}
    hours = rules.gap_bands[0]
    if near:
        best = max(near, key=near.get)
        takeaway = w["nudge_best"].format(
            scope=where, label=rules.label(best), n=count(near[best]), hours=hours
        )
    else:
        takeaway = w["nudge_none"].format(scope=where, hours=hours)
    parts = w["list_join"].join(
        w["nudge_part"].format(label=rules.label(c), n=count(n)) for c, n in near.items()
    )
    counted = "".join(
        w["counted_notes"].format(label=rules.label(c))
        for c in rules.threshold_categories
        if rules.is_counted(c)
    )
    out.append(
        SlideChart(
            "gaps",
            charts.gap_chart(g, rules, scope=where, look=look),
            takeaway,
            notes=w["nudge_notes"].format(hours=hours, parts=parts) + counted + w["end"],
        )
    )
    if not getattr(b, "has_dates", True):
        return out  # per-student totals: no dates, no progress to chart
    now = float(b.total["all_rate"])
    said = {"scope": where, "measure": rules.measure("all"), "rate": percent(now)}
    text, full = w["now"].format(**said), ""
    if b.before is not None:
        delta = round(now - float(total_row(b.before)["all_rate"]), 2)
        said["trend"] = w["trend_up" if delta >= 0 else "trend_down"]
        said["points"] = f"{abs(delta):.2f}"
        text = w["since"].format(**said)
        full = w["since_full"].format(date=b.compare_as_of.isoformat(), **said)
    marks = [(b.deadline, w["mark_deadline"])]
    if b.compare_as_of:
        marks.insert(0, (b.compare_as_of, w["mark_compare"]))
    fig = charts.progress_chart(
        b.progress, rules, as_of=b.as_of, marks=marks, start=b.progress_start(), look=look
    )
    out.append(SlideChart("progress", fig, text, notes=full))
    return out


def term_slide_tables(b) -> list[SlideTable]:  # noqa: ANN001
    """The college × department (or class) table in two slides, rates then counts, each at
    14 pt: the thirteen columns of the briefing's table do not fit one 16:9 slide. The total
    row is named for the report's scope (全校, 工程學院全院, 化材全系)."""
    t = b.table
    rules = b.rules
    w = _TERM
    keys = group_keys(t)
    base = pd.DataFrame({GROUP_LABELS[k]: t[k].astype(str).replace("nan", "") for k in keys})
    total = (t[LEVEL] == TOTAL).to_numpy()
    base.loc[total, GROUP_LABELS[keys[0]]] = b.scope.total_label
    base[MEASURE_LABELS["students"]] = t["students"].map(count)

    def lab(c: str) -> str:
        return rules.label(c)

    rates, counts = base.copy(), base.copy()
    for c in rules.result_categories:
        rates[lab(c)] = t[f"{c}_rate"].map(percent)
        counts[lab(c)] = t[f"{c}_passed"].map(count)
    as_of = b.as_of_text()
    scope = (
        f"{b.scope.label}{b.scope.groups_label}" if not b.scope.is_school else b.scope.groups_label
    )
    keys_shown = {GROUP_LABELS[k] for k in keys}
    num_r = tuple(c for c in rates.columns if c not in keys_shown)
    num_c = tuple(c for c in counts.columns if c not in keys_shown)
    totals = tuple(int(i) for i in np.flatnonzero(total))
    wrap = tuple(sorted(keys_shown))  # a long name (an English department's) wraps in its cell
    notes = w["table_notes"].format(as_of=as_of)
    return [
        SlideTable(
            w["rates_table"].format(scope=scope, term=b.rules.term),
            rates,
            num_r,
            notes=notes,
            wrap=wrap,
            total_rows=totals,
        ),
        SlideTable(
            w["counts_table"].format(scope=scope, term=b.rules.term),
            counts,
            num_c,
            notes=notes,
            wrap=wrap,
            total_rows=totals,
        ),
    ]


# ---------------------------------------------------------------------------- admission charts


_ADM = LABELS["admission_slides"]


def _programs(b) -> list[tuple[str, str]]:  # noqa: ANN001
    present = set(b.summary.loc[b.summary["applicants"] > 0, "program"])
    return [(p.id, p.name) for p in b.rules.programs if p.id in present]


def admission_slide_charts(b) -> list[SlideChart]:  # noqa: ANN001 - an AdmissionBriefing / report
    """Every chart of the admission briefing drawn for a slide, each with its takeaway. Reads
    the report's frames: ``summary``, ``compared``, ``prob``, ``depth``."""
    look = charts.SLIDE
    w = _ADM
    s = b.summary[b.summary["applicants"] > 0]
    programs = _programs(b)
    names = dict(programs)
    # legends on a slide use the classes' short names (機械, 電機, 冷凍): six full names and
    # their modes would take the picture's height
    short = {p.id: p.short for p in b.rules.programs}
    brief = [(pid, short.get(pid, name)) for pid, name in programs]
    dq = charts.STATUS_LABELS["disqualified"]
    out: list[SlideChart] = []
    dq_n, dq_s = int(s["disqualified_normal"].sum()), int(s["disqualified_special"].sum())
    worst = s.loc[(s["both"] / s["quota"]).idxmin()]
    out.append(
        SlideChart(
            "admission_status",
            charts.admission_status_chart(s, look=look),
            w["status_title"].format(disqualified=dq, normal=count(dq_n), special=count(dq_s)),
            notes=w["status_notes"].format(
                name=worst["name"], both=count(worst["both"]), quota=count(worst["quota"])
            ),
        )
    )
    for pid, name in programs:
        row = s[s["program"] == pid].iloc[0]
        fig = charts.rank_shift_chart(b.compared, [(pid, name)], boundary_only=True, look=look)
        moved = {
            "moved_in": count(row["only_special"]),
            "moved_out": count(row["only_normal"]),
        }
        out.append(
            SlideChart(
                f"rank_shift_{pid}",
                fig,
                w["shift_title"].format(name=name, **moved),
                notes=w["shift_notes"].format(
                    name=name,
                    both=count(row["both"]),
                    quota=count(row["quota"]),
                    spearman=_STAT["spearman"],
                    rho=f"{row['spearman']:.2f}",
                    kendall=_STAT["kendall"],
                    tau=f"{row['kendall']:.2f}",
                    disqualified=dq,
                    **moved,
                ),
            )
        )
    edge = b.probability_counts()  # admission.probability_summary: the one count
    n_edge = int(edge.loc[edge["mode"] == "normal", "marginal"].sum())
    noise = {"sd_label": _STAT["sd"], "sd": f"{b.sd:g}", "n": count(n_edge)}
    out.append(
        SlideChart(
            "admission_probability",
            charts.probability_chart(
                b.prob.dropna(subset=["rank"]), brief, b.sd, b.draws, look=look
            ),
            w["probability_title"].format(**noise),
            notes=w["probability_notes"].format(draws=count(b.draws), **noise),
        )
    )
    d = b.backfill_summary()  # admission.backfill_summary: the one summary
    d = d[d["mode"] == "normal"].reset_index(drop=True)
    deep = d.loc[d["mean_depth"].idxmax()]
    out.append(
        SlideChart(
            "waitlist_depth",
            charts.waitlist_depth_chart(
                b.depth[b.depth["mode"] == "normal"], brief, b.no_show, look=look
            ),
            # the chart shows every class: so does its title
            w["depth_title"].format(
                depths=w["list_sep"].join(
                    w["depth_item"].format(
                        name=short.get(r.program, names[r.program]), depth=f"{r.mean_depth:.1f}"
                    )
                    for r in d.itertuples()
                )
            ),
            notes=w["depth_notes"].format(
                no_show=f"{b.no_show:.0%}",
                name=names[deep["program"]],
                depth=f"{deep['mean_depth']:.1f}",
                p90=count(deep["p90_depth"]),
            ),
        )
    )
    return out


def admission_slide_tables(b) -> list[SlideTable]:  # noqa: ANN001
    """The admission overview (the briefing's 16 columns) in two slides: outcomes per mode;
    cutoffs, overlap and rank correlation. The report's ``summary_frame`` (codes), worded by
    its ``present``; columns found by code, headed for a slide."""
    r = getattr(b, "report", b)
    codes = r.summary_frame()
    text = r.present(codes, text=True, slide=True)
    # the presented frame has the code frame's columns in the same order: pick by code
    by_code = dict(zip(codes.columns, text.columns, strict=True))
    w = _ADM
    heads = {
        "program": by_code["program"],
        "quota": by_code["quota"],
        "applicants": w["applicants"],
        **{k: w[f"overlap_{k}"] for k in ("both", "only_normal", "only_special")},
        "spearman": w["correlation"].format(name=_STAT["spearman_short"]),
        "kendall": w["correlation"].format(name=_STAT["kendall_short"]),
    }

    def pick(cols: list[str]) -> pd.DataFrame:
        return pd.DataFrame({heads.get(c, by_code[c]): text[by_code[c]].tolist() for c in cols})

    modes = ("normal", "special")
    first = pick(
        ["program", "quota", "applicants"]
        + [f"{k}_{m}" for m in modes for k in ("admitted", "waitlisted", "disqualified")]
    )
    second = pick(
        ["program", *(f"cutoff_{m}" for m in modes)]
        + ["both", "only_normal", "only_special", "spearman", "kendall"]
    )
    year = r.rules.year
    name = heads["program"]
    return [
        SlideTable(
            w["table_results"].format(year=year),
            first,
            tuple(first.columns[1:]),
            wrap=(name,),
        ),
        SlideTable(
            w["table_cutoffs"].format(year=year),
            second,
            tuple(second.columns[1:]),
            notes=w["table_cutoffs_notes"],
            wrap=(name,),
        ),
    ]
