"""The briefings as the notebook shows them: HTML pieces and figures, each a view of a report.

``TermBriefing`` (and ``AdmissionBriefing`` in ``admission_html``) are what the notebooks call (``b.headline()``,
``b.fig_progress()``, ...). They read their report's frames and numbers and never compute a rule.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import charts, paths
from ..labels import LABELS, MEASURE_LABELS, PARAM_LABELS
from ..present import SCHOOL, count, made_at_text, percent
from .term import TermReport
from .words import COLUMNS, TEXT, TITLES, rate_heading
from .xlsx import write_workbook

__all__ = ["TermBriefing", "html_table", "grouped_table", "CSS"]

CSS = """
<style>
.ncut-title h1 { margin: 0 0 4px; font-size: 26px; }
.ncut-title .sub { color: #444; margin: 2px 0; }
.ncut-params { font-size: 12px; color: #555; border-collapse: collapse; margin: 6px 0 10px; }
.ncut-params td { padding: 1px 10px 1px 0; text-align: left; }
table.ncut { border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }
table.ncut th, table.ncut td { border: 1px solid #bbb; padding: 3px 7px; text-align: right; }
table.ncut th { background: #f0f0f0; text-align: center; word-break: keep-all; }
table.ncut td.t { text-align: left; white-space: nowrap; }
table.ncut tr.total td { font-weight: bold; border-top: 2px solid #333; }
.ncut-note { font-size: 12px; color: #555; }
.ncut-warn { background: #fff4e5; border-left: 4px solid #E69F00; padding: 6px 10px; }
</style>
"""


def _e(value: Any) -> str:
    return html.escape(
        "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    )


def _th(label: Any) -> str:
    """A heading, escaped; a line break the label table gives (「報名\\n人數」) is kept, and a
    heading breaks nowhere else (CSS ``word-break: keep-all``: not between two characters)."""
    return _e(label).replace("\n", "<br>")


def _rate_cell(rate: float) -> str:
    if rate is None or np.isnan(rate):
        return "<td>–</td>"
    alpha = max(0.0, min(1.0, rate / 100)) * 0.55
    return f'<td style="background: rgba(0,114,178,{alpha:.3f})">{percent(rate)}</td>'


def _cell(v: Any) -> str:
    if isinstance(v, float | np.floating) and not np.isnan(v) and not float(v).is_integer():
        return f"<td>{float(v):,.2f}</td>"
    if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
        return f"<td>{count(v)}</td>"
    return f"<td>{_e(v)}</td>"


def html_table(
    df: pd.DataFrame,
    *,
    rate_cols: tuple[str, ...] = (),
    text_cols: tuple[str, ...] = (),
    formats: dict[str, str] | None = None,
    total_rows: list[bool] | tuple[bool, ...] | None = None,
    caption: str = "",
) -> str:
    """A plain HTML table with every value escaped; rate columns coloured by their value;
    ``formats`` maps a column to a format spec (``"+.2f"``, ``".1%"``); ``total_rows`` marks
    the rows drawn as totals (a frame's ``attrs["total"]`` by default)."""
    formats = formats or {}
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    totals = list(total_rows or df.attrs.get("total") or [False] * len(df))
    body = []
    for i, (_, r) in enumerate(df.iterrows()):
        cells = []
        for c in df.columns:
            v = r[c]
            if c in rate_cols:
                cells.append(_rate_cell(float(v)))
            elif c in formats and isinstance(v, int | float | np.number) and not pd.isna(v):
                cells.append(f"<td>{_e(format(v, formats[c]))}</td>")
            elif c in text_cols or isinstance(v, str):
                cells.append(f'<td class="t">{_e(v)}</td>')
            else:
                cells.append(_cell(v))
        cls = ' class="total"' if totals[i] else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (
        f'<div class="ncut-table-wrap"><table class="ncut">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def grouped_table(
    df: pd.DataFrame,
    keys: list[str],
    blocks: list[tuple[str, list[tuple[str, str]]]],
    *,
    rate_cols: tuple[str, ...] = (),
    formats: dict[str, str] | None = None,
    span_first: bool = True,
    total_rows: list[bool] | None = None,
) -> str:
    """A table laid out as the seed's slides: key columns, then blocks of sub-columns under one
    heading each (``抗壓`` over ``通過人數 | 通過率``); the first key spans its rows. Escaped.
    ``total_rows`` marks the rows drawn as totals (by default none)."""
    formats = formats or {}
    totals = total_rows or [False] * len(df)
    ncols = len(keys) + sum(len(cols) for _, cols in blocks)
    if ncols > _PORTRAIT_COLUMNS:
        # On screen the whole table; on A4 the same rows in parts that fit the page's width,
        # the leading one-column blocks (大四學生數) repeated in each.
        kw = {"rate_cols": rate_cols, "formats": formats, "span_first": span_first}
        lead = []
        for b in blocks:
            if len(b[1]) > 1:
                break
            lead.append(b)
        rest, parts, part = blocks[len(lead) :], [], []
        room = _PORTRAIT_COLUMNS - len(keys) - sum(len(c) for _, c in lead)
        for b in rest:
            if part and sum(len(c) for _, c in part) + len(b[1]) > room:
                parts.append(part)
                part = []
            part.append(b)
        parts.append(part)
        paper = "".join(
            grouped_table(df, keys, lead + p, total_rows=totals, **kw) for p in parts if p
        )
        full = _table_html(df, keys, blocks, totals=totals, **kw)
        return (
            f'<div class="ncut-screen-only">{full}</div><div class="ncut-print-table">{paper}</div>'
        )
    return _table_html(
        df, keys, blocks, rate_cols=rate_cols, formats=formats, span_first=span_first, totals=totals
    )


def _table_html(
    df: pd.DataFrame,
    keys: list[str],
    blocks: list[tuple[str, list[tuple[str, str]]]],
    *,
    rate_cols: tuple[str, ...],
    formats: dict[str, str],
    span_first: bool,
    totals: list[bool],
) -> str:
    head1 = "".join(f'<th rowspan="2">{_th(k)}</th>' for k in keys)
    head1 += "".join(
        f'<th colspan="{len(cols)}">{_th(title)}</th>'
        if len(cols) > 1
        else f'<th rowspan="2">{_th(title)}</th>'
        for title, cols in blocks
    )
    head2 = "".join(
        f"<th>{_th(sub)}</th>" for _, cols in blocks if len(cols) > 1 for sub, _ in cols
    )
    first = df[keys[0]].tolist()
    body = []
    for i, (_, r) in enumerate(df.iterrows()):
        total = totals[i]
        cells = []
        for j, k in enumerate(keys):
            if j == 0 and span_first and not total:
                if i > 0 and first[i - 1] == first[i] and not totals[i - 1]:
                    continue
                n = 1
                while i + n < len(first) and first[i + n] == first[i] and not totals[i + n]:
                    n += 1
                cells.append(f'<td class="t" rowspan="{n}">{_e(r[k])}</td>')
            else:
                cells.append(f'<td class="t">{_e(r[k])}</td>')
        for _, cols in blocks:
            for _, col in cols:
                v = r[col]
                if col in rate_cols:
                    cells.append(_rate_cell(float(v)))
                elif col in formats and isinstance(v, int | float | np.number) and not pd.isna(v):
                    cells.append(f"<td>{_e(format(v, formats[col]))}</td>")
                else:
                    cells.append(_cell(v))
        row_class = ' class="total"' if total else ""
        body.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    return (
        f'<div class="ncut-table-wrap"><table class="ncut"><thead><tr>{head1}</tr><tr>{head2}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


# A table with more columns than this prints in parts (A4 portrait holds about nine columns of
# counts and rates at 9 pt beside its key columns).
_PORTRAIT_COLUMNS = 9


def _html(text: str):  # noqa: ANN202 - IPython is only there in a kernel
    from IPython.display import HTML

    return HTML(text)


def _params_block(params: dict[str, str], made_at: str, note: str) -> str:
    rows = {**params, PARAM_LABELS["made_at"]: made_at}
    p = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows.items())
    return (
        f"<details open><summary class='ncut-note'>{_e(TEXT['params'].format(note=note))}</summary>"
        f"<table class='ncut-params'>{p}</table></details>"
    )


def _made_at(report: Any) -> str:
    return made_at_text(report.made_at)


def _link(target: Path, text: str) -> str:
    """A link the reader can follow where the page is: relative to the folder the notebook runs
    in (the exported HTML's own folder, or the notebook's folder in JupyterLab)."""
    href = Path(os.path.relpath(target, Path.cwd())).as_posix()
    return f"<a href='{_e(href)}'>{_e(text)}</a>"


_NO_DATES = f"<p class='ncut-note'>{html.escape(TEXT['no_dates'])}</p>"


def _default_output(kind: str) -> Path:
    """Where a notebook run by hand writes: its own folder, never over a `make briefing` run."""
    return paths.outputs_dir() / "lab" / kind


# ---------------------------------------------------------------------------- term


@dataclass
class TermBriefing:
    """The term briefing as its notebook shows it: a view of a ``TermReport``. Its tables come
    from the presentation step (``report/words.py``), its words from the label table."""

    report: TermReport
    output_dir: Path

    @classmethod
    def build(cls, *, output_dir: str = "", **params: Any) -> TermBriefing:
        """The report of the parameters (``TermReport.build``'s), to be shown; ``output_dir`` is
        where the workbook and the rosters go ("" for ``outputs/lab/<term>/``)."""
        report = TermReport.build(**params)
        out = Path(output_dir) if output_dir else _default_output(report.rules.term)
        return cls(report=report, output_dir=out)

    def __getattr__(self, name: str) -> Any:  # the report's facts, read through the view
        if name == "report":
            raise AttributeError(name)
        return getattr(self.report, name)

    @staticmethod
    def _keys(df: pd.DataFrame) -> list[str]:
        return list(df.attrs.get("keys") or [])

    @staticmethod
    def _totals(df: pd.DataFrame) -> list[bool]:
        return list(df.attrs.get("total") or [False] * len(df))

    # -- what the notebook displays

    def header(self):  # noqa: ANN201
        """Title, the parameters the briefing was made with, and when it was made."""
        r = self.report
        scope = "" if r.scope.is_school else f"{r.scope.label} "
        title = TITLES["briefing"].format(term=r.rules.term, scope=scope)
        sub = TEXT["subtitle"].format(
            as_of=r.as_of_text(), deadline=r.deadline.isoformat(), made_at=_made_at(r)
        )
        return _html(
            f"{CSS}<div class='ncut-title'><h1>{_e(title)}</h1><p class='sub'>{_e(sub)}</p></div>"
            + f"<p class='ncut-summary'>{_e(self.summary_text())}</p>"
            + _params_block(r.params, _made_at(r), TEXT["params_note"])
        )

    def summary_text(self) -> str:
        """The briefing in one paragraph (page 1 of the printout): the scope's seniors, the
        all-passed count and each category's rate, the change since the comparison date, and
        for a department or a college its college's and the school's all-passed rates."""
        r = self.report
        t = r.total
        rates = TEXT["list_join"].join(
            TEXT["summary_rate"].format(label=r.label(c), rate=percent(t[f"{c}_rate"]))
            for c in r.categories[:-1]
        )
        text = TEXT["summary"].format(
            scope=r.scope.label, students=count(t["students"]),
            all_passed=r.rules.measure("all", "passed"), passed=count(t["all_passed"]),
            rate=percent(t["all_rate"]), rates=rates,
        )  # fmt: skip
        if r.scope.kind == "department" and r.college_total is not None:
            text += TEXT["summary_college"].format(
                college=r.scope.college, measure=r.rules.measure("all"),
                rate=percent(r.college_total["all_rate"]),
            )  # fmt: skip
        if not r.scope.is_school and r.school_total is not None:
            text += TEXT["summary_school"].format(
                school=SCHOOL.label, measure=r.rules.measure("all"),
                rate=percent(r.school_total["all_rate"]),
            )  # fmt: skip
        delta = r.all_rate_change()
        if delta is not None and r.compare_as_of:
            text += TEXT["summary_change"].format(
                date=r.compare_as_of.isoformat(), measure=r.rules.measure("all"),
                trend=TEXT["trend_up" if delta >= 0 else "trend_down"], points=f"{abs(delta):.2f}",
            )  # fmt: skip
        return text

    def headline(self):  # noqa: ANN201
        """The 「大四學生通過率」 summary table and the all-passed count, for the report's scope;
        a department's or a college's beside the school's (and its college's) true rates."""
        r = self.report
        h = r.headline_frame()
        body = f"<p><b>{_e(r.scope.label)}</b></p>" + html_table(
            h.iloc[:-1], rate_cols=(rate_heading(),)
        )
        total = r.total
        line = TEXT["headline_total"].format(
            scope=r.scope.label, all_passed=r.rules.measure("all", "passed"),
            passed=count(total["all_passed"]), rate=percent(total["all_rate"]),
        )  # fmt: skip
        rest = TEXT["headline_population"].format(
            as_of=r.as_of_text(), program=r.rules.program, cohort=r.rules.senior_cohort,
            students=count(total["students"]),
        )  # fmt: skip
        note = f"<p><b>{_e(line)}</b>{_e(rest)}</p>"
        if r.population is not None:  # what the run counted, and who it left out, and why
            whose = "" if r.scope.is_school else TEXT["population_of_file"]
            note += f"<p class='ncut-note'>{_e(whose + r.population.describe())}</p>"
        if not r.scope.is_school:
            note += self._compare_note()
        if r.skipped_records:
            note += (
                f"<p class='ncut-warn'>{_e(TEXT['skipped'].format(n=count(r.skipped_records)))}</p>"
            )
        return _html(body + note)

    def _compare_note(self) -> str:
        """The scope's rates beside its college's (a department's) and the school's."""
        r = self.report
        comp = r.comparison()
        totals = {"school": r.school_total, "college": r.college_total, r.scope.kind: r.total}
        head = "".join(f"<th>{_e(r.label(c))}</th>" for c in r.categories)
        body = "".join(
            "<tr><td class='t'>"
            + _e(TEXT["compare_row"].format(name=row.name, students=count(row.students)))
            + "</td>"
            + "".join(_rate_cell(float(totals[row.kind][f"{c}_rate"])) for c in r.categories)
            + "</tr>"
            for row in comp.itertuples(index=False)
        )
        others = TEXT["list_join"].join(comp["name"].iloc[1:])
        return (
            f"<p>{_e(TEXT['compare'].format(scope=r.scope.label, others=others))}</p>"
            f"<div class='ncut-table-wrap'><table class='ncut'><thead><tr><th></th>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table></div>"
        )

    def department_table(self):  # noqa: ANN201
        """College × department (or, for one department, by class), as the seed's slides, with
        each rate cell shaded by its value."""
        r = self.report
        df = r.department_frame()
        passed, rate = MEASURE_LABELS["passed"], MEASURE_LABELS["rate"]
        students = MEASURE_LABELS["students"]
        blocks = [(students, [("", students)])] + [
            (r.label(c), [(passed, r.col(c, "passed")), (rate, r.col(c, "rate"))])
            for c in r.categories
        ]
        rate_cols = tuple(r.col(c, "rate") for c in r.categories)
        caption = TEXT["groups_caption"].format(scope=r.scope.label, groups=r.scope.groups_label)
        return _html(
            f"<p><b>{_e(caption)}</b></p>"
            + grouped_table(
                df, self._keys(df), blocks, rate_cols=rate_cols, total_rows=self._totals(df)
            )
            + f"<p class='ncut-note'>{_e(TEXT['table_note'].format(as_of=r.as_of_text()))}</p>"
        )

    def fig_heatmap(self):  # noqa: ANN201
        r = self.report
        return charts.rate_heatmap(r.table, r.rules, title=r.chart_title("heatmap"))

    def fig_rate_bars(self):  # noqa: ANN201
        r = self.report
        return charts.rate_bars(r.table, r.rules, refs=r.references())

    def fig_rate_bars_paper(self):  # noqa: ANN201
        """On paper, every category's bars (the screen's dropdown cannot be pressed there)."""
        r = self.report
        return charts.rate_bars_grid(r.table, r.rules, refs=r.references())

    def fig_college(self):  # noqa: ANN201
        r = self.report
        refs = None if not r.scope.is_school else r.references()
        return charts.college_all_pass(r.comparison(), r.rules, refs=refs)

    def fig_gaps(self):  # noqa: ANN201
        r = self.report
        return charts.gap_chart(r.gaps, r.rules, scope="" if r.scope.is_school else r.scope.label)

    def fig_progress(self):  # noqa: ANN201
        r = self.report
        deadline = [(r.deadline, TEXT["mark_deadline"])]
        if not r.has_dates:
            if r.notices is not None and len(r.notices):  # the ledger: the only history
                return charts.progress_chart(r.notices, r.rules, marks=deadline)
            return _html(_NO_DATES)
        marks = ([(r.compare_as_of, TEXT["mark_compare"])] if r.compare_as_of else []) + deadline
        return charts.progress_chart(
            r.progress,
            r.rules,
            as_of=r.as_of,
            marks=marks,
            start=r.progress_start(),
            title=r.chart_title("progress"),
        )

    def gap_summary(self):  # noqa: ANN201
        """In words: who a reminder may move (hours within the first band), and, apart, who
        still needs a whole item (a certificate: no reminder gives it)."""
        r = self.report
        words = LABELS["shortfall"]
        g = r.gaps
        nudged = g[g["nudge"]]
        hours = r.rules.gap_bands[0]
        parts = [
            TEXT["gap_part"].format(label=r.label(row.category), n=count(row.students))
            for row in nudged.itertuples()
        ]
        text = TEXT["gap_nudge"].format(
            nudge=words["nudge"], hours=words["nudge_hours"].format(hours=hours),
            parts=TEXT["list_join"].join(parts) if parts else words["none"],
        )  # fmt: skip
        for c in r.rules.threshold_categories:
            if not r.rules.is_counted(c):
                continue
            first = g[g["category"] == c].iloc[0]
            counted = words["counted"].format(
                n=int(first["hi"]), unit=r.rules.unit(c), label=r.label(c)
            )
            text += TEXT["gap_counted"].format(
                label=r.label(c), n=count(first["students"]), counted=counted
            )
        return _html(f"<p>{_e(text)}</p>")

    def change(self):  # noqa: ANN201
        r = self.report
        df = r.change_frame()
        if not r.has_dates:
            return _html(_NO_DATES)
        if df is None:
            return _html(f"<p class='ncut-note'>{_e(TEXT['no_compare'])}</p>")
        blocks = [
            (
                r.label(c),
                [
                    (COLUMNS["passed_change"], r.col(c, "passed_change")),
                    (COLUMNS["rate_change"], r.col(c, "rate_change")),
                ],
            )
            for c in r.categories
        ]
        fmt = {r.col(c, "rate_change"): "+.2f" for c in r.categories}
        fmt.update({r.col(c, "passed_change"): "+,.0f" for c in r.categories})
        end = r.as_of.isoformat() if r.as_of else TEXT["latest"]
        lead = TEXT["change"].format(
            scope=r.scope.label, start=r.compare_as_of.isoformat(), end=end
        )
        return _html(
            f"<p>{_e(lead)}</p>"
            + grouped_table(df, self._keys(df), blocks, formats=fmt, total_rows=self._totals(df))
        )

    def outreach(self):  # noqa: ANN201
        """Per group, how many students each office still has to reach; and the rosters."""
        r = self.report
        o = r.outreach_frame()
        keys = self._keys(o)
        folder = self.output_dir / "rosters"
        rosters = TEXT["rosters"].format(link="\0")
        before, after = (_e(part) for part in rosters.split("\0"))
        return _html(
            f"<p>{_e(TEXT['outreach'].format(scope=r.scope.label))}</p>"
            + grouped_table(
                o,
                keys,
                [(c, [("", c)]) for c in o.columns if c not in keys],
                total_rows=self._totals(o),
            )  # fmt: skip
            + f"<p>{before}{_link(folder, TEXT['rosters_link'])}{after}</p>"
        )

    def reconcile_findings(self):  # noqa: ANN201
        r = self.report
        df = r.reconcile_frame()
        if df is None:
            return _html(f"<p class='ncut-note'>{_e(TEXT['no_published'])}</p>")
        what = (
            TEXT["published_school"]
            if r.scope.is_school
            else TEXT["published_scope"].format(scope=r.scope.label)
        )
        if df.empty:
            return _html(f"<p>{_e(TEXT['published_ok'].format(what=what))}</p>")
        return _html(
            f"<p>{_e(TEXT['published_bad'].format(what=what, n=count(len(df))))}</p>"
            + html_table(df)
        )

    def notice_history(self):  # noqa: ANN201
        """The pass rates at each earlier notice date, from the notice ledger."""
        r = self.report
        df = r.notices_frame()
        if df is None:
            return _html(f"<p class='ncut-note'>{_e(TEXT['no_ledger'])}</p>")
        if df.empty:
            return _html(f"<p class='ncut-note'>{_e(TEXT['ledger_empty'])}</p>")
        rates = tuple(r.col(c, "rate") for c in r.categories if r.col(c, "rate") in df.columns)
        date = COLUMNS["notice_date"]
        shown = df.assign(**{date: [d.isoformat() for d in df[date]]})
        lead = TEXT["ledger_rates"].format(
            scope=r.scope.label, ledger=r.params.get(PARAM_LABELS["ledger"], "")
        )
        return _html(f"<p>{_e(lead)}</p>" + html_table(shown, rate_cols=rates))

    def write_files(self, name: str = "term_briefing.xlsx"):  # noqa: ANN201
        """The workbook of the briefing's tables and the advisors' rosters, beside the page."""
        from ..rosters import write_rosters

        r = self.report
        target = self.output_dir / name
        title = TITLES["workbook"].format(term=r.rules.term, scope=r.scope.label)
        write_workbook(r.tables(), target, title=title)
        rosters = write_rosters(r.status, r.rules, self.output_dir / "rosters", r.as_of)
        before, after = (
            _e(part)
            for part in TEXT["workbook"].format(link="\0", n=count(len(rosters))).split("\0")
        )
        return _html(
            f"<p class='ncut-note'>{before}{_link(target, TEXT['workbook_link'])}{after}</p>"
        )

    write_xlsx = write_files
