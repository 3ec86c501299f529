"""The term briefing: what its notebook shows (``TermBriefing``), the offline plotly renderer, and
the runner that executes the notebook with papermill and exports HTML with nbconvert."""

from __future__ import annotations

import datetime as dt
import html
import os
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import charts, paths
from .io import InputError, Problem, atomic_dir, atomic_path, parse_date, write_xlsx
from .loaders import load_published, load_records, load_students
from .reconcile import reconcile
from .rosters import write_rosters
from .rules import THRESHOLD_CATEGORIES, TermRules, load_term_rules
from .thresholds import (
    RESULT_CATEGORIES,
    UnknownStudentsWarning,
    change_table,
    gap_table,
    outreach_table,
    pass_dates,
    progress,
    student_status,
    summarise,
)

__all__ = [
    "BriefingError",
    "TermBriefing",
    "setup_notebook",
    "html_table",
    "export_html",
    "run_notebook",
    "run_term_briefing",
    "AdmissionBriefing",
    "admission_scenario",
    "run_admission_briefing",
]

RENDERER = "ncut_offline"


class BriefingError(RuntimeError):
    """A briefing notebook that failed: names the cell and the error."""


# ---------------------------------------------------------------------------- plotly offline


def setup_notebook() -> None:
    """Render plotly figures so they survive an offline HTML export.

    Each figure is emitted as plotly's JSON mimetype (JupyterLab draws it) plus a ``<div>`` and
    a script calling ``Plotly.newPlot`` with no plotly.js and no MathJax of its own: the
    briefing template inlines plotly.js once in the page head.
    """
    import plotly.io as pio
    from plotly.io._base_renderers import MimetypeRenderer

    class _OfflineHtml(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: dict) -> dict:
            return {
                "text/html": pio.to_html(
                    fig_dict,
                    include_plotlyjs=False,
                    include_mathjax=False,
                    full_html=False,
                    config={"displaylogo": False, "responsive": False},
                )
            }

    pio.renderers[RENDERER] = _OfflineHtml()
    pio.renderers.default = f"plotly_mimetype+{RENDERER}"


# ---------------------------------------------------------------------------- HTML pieces

_CSS = """
<style>
.ncut-title h1 { margin: 0 0 4px; font-size: 26px; }
.ncut-title .sub { color: #444; margin: 2px 0; }
.ncut-params { font-size: 12px; color: #555; border-collapse: collapse; margin: 6px 0 10px; }
.ncut-params td { padding: 1px 10px 1px 0; text-align: left; }
table.ncut { border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }
table.ncut th, table.ncut td { border: 1px solid #bbb; padding: 3px 7px; text-align: right; }
table.ncut th { background: #f0f0f0; text-align: center; }
table.ncut td.t { text-align: left; }
table.ncut tr.total td { font-weight: bold; border-top: 2px solid #333; }
.ncut-note { font-size: 12px; color: #555; }
.ncut-warn { background: #fff4e5; border-left: 4px solid #E69F00; padding: 6px 10px; }
</style>
"""


def _e(value: Any) -> str:
    return html.escape(
        "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    )


def _rate_cell(rate: float) -> str:
    if rate is None or np.isnan(rate):
        return "<td>–</td>"
    alpha = max(0.0, min(1.0, rate / 100)) * 0.55
    return f'<td style="background: rgba(0,114,178,{alpha:.3f})">{rate:.2f}%</td>'


def html_table(
    df: pd.DataFrame,
    *,
    rate_cols: tuple[str, ...] = (),
    text_cols: tuple[str, ...] = (),
    total_first_col: str | None = None,
    caption: str = "",
) -> str:
    """A plain HTML table with every value escaped; rate columns coloured by their value."""
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            v = r[c]
            if c in rate_cols:
                cells.append(_rate_cell(float(v)))
            elif c in text_cols or isinstance(v, str):
                cells.append(f'<td class="t">{_e(v)}</td>')
            else:
                cells.append(f"<td>{_e(v)}</td>")
        cls = ' class="total"' if total_first_col and r[total_first_col] == "全校" else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<div class="ncut-table-wrap"><table class="ncut">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def grouped_table(
    df: pd.DataFrame,
    keys: list[str],
    blocks: list[tuple[str, list[tuple[str, str]]]],
    *,
    rate_cols: tuple[str, ...] = (),
    span_first: bool = True,
) -> str:
    """A table laid out as the seed's slides: key columns, then blocks of sub-columns under one
    heading each (``抗壓`` over ``通過人數 | 通過率``); the first key spans its rows. Escaped."""
    head1 = "".join(f'<th rowspan="2">{_e(k)}</th>' for k in keys)
    head1 += "".join(
        f'<th colspan="{len(cols)}">{_e(title)}</th>'
        if len(cols) > 1
        else f'<th rowspan="2">{_e(title)}</th>'
        for title, cols in blocks
    )
    head2 = "".join(f"<th>{_e(sub)}</th>" for _, cols in blocks if len(cols) > 1 for sub, _ in cols)
    first = df[keys[0]].tolist()
    body = []
    for i, (_, r) in enumerate(df.iterrows()):
        total = r[keys[0]] == "全校"
        cells = []
        for j, k in enumerate(keys):
            if j == 0 and span_first and not total:
                if i > 0 and first[i - 1] == first[i]:
                    continue
                n = 1
                while i + n < len(first) and first[i + n] == first[i]:
                    n += 1
                cells.append(f'<td class="t" rowspan="{n}">{_e(r[k])}</td>')
            else:
                cells.append(f'<td class="t">{_e(r[k])}</td>')
        for _, cols in blocks:
            for _, col in cols:
                v = r[col]
                cells.append(_rate_cell(float(v)) if col in rate_cols else f"<td>{_e(v)}</td>")
        row_class = ' class="total"' if total else ""
        body.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    return (
        f'<div class="ncut-table-wrap"><table class="ncut"><thead><tr>{head1}</tr><tr>{head2}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _write_xlsx(tables: dict[str, pd.DataFrame], folder: Path, name: str):  # noqa: ANN202
    """A briefing's tables as one workbook (a sheet each) beside it, and the note that says so."""
    write_xlsx(tables, folder / name)  # the package's one writer: text as text, no formula
    return _html(
        f"<p class='ncut-note'>本簡報的表格另存為 <a href='{_e(name)}'>{_e(name)}</a>。</p>"
    )


def _html(text: str):  # noqa: ANN202 - IPython is only there in a kernel
    from IPython.display import HTML

    return HTML(text)


# ---------------------------------------------------------------------------- the briefing


def _weeks(start: pd.Timestamp, end: dt.date) -> list[dt.date]:
    first = (start - pd.Timedelta(days=start.weekday())).date()  # the Monday of the first record
    days = pd.date_range(first, end, freq="7D").date.tolist()
    if not days or days[-1] != end:
        days.append(end)
    return days


@dataclass
class TermBriefing:
    """Everything the term briefing shows, computed once; the notebook only calls its methods."""

    rules: TermRules
    as_of: dt.date | None
    compare_as_of: dt.date | None
    deadline: dt.date
    department: str
    params: dict[str, str]
    output_dir: Path
    status: pd.DataFrame
    table: pd.DataFrame
    by_college: pd.DataFrame
    before: pd.DataFrame | None
    progress: pd.DataFrame
    gaps: pd.DataFrame
    reconciled: pd.DataFrame | None
    skipped_records: int = 0
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())

    # -- building

    @classmethod
    def build(
        cls,
        *,
        term: str = "114-1",
        as_of: str = "",
        students: str = "",
        records: str = "",
        compare_as_of: str = "",
        deadline: str = "",
        department: str = "",
        published: str = "",
        output_dir: str = "",
    ) -> TermBriefing:
        """Load the data and compute every table; empty strings mean the defaults of the term."""
        rules = load_term_rules(term)
        s_path = Path(students) if students else paths.default_students(term)
        r_path = Path(records) if records else paths.default_records(term)
        as_of_d = parse_date(as_of, what="as_of")
        cmp_d = parse_date(compare_as_of, what="compare_as_of")
        dead = parse_date(deadline, what="deadline") or rules.deadline
        all_students = load_students(s_path)
        recs = load_records(r_path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnknownStudentsWarning)
            status = student_status(all_students, recs, rules=rules, as_of=as_of_d)
        skipped = sum(
            int(str(w.message).split()[0])
            for w in caught
            if issubclass(w.category, UnknownStudentsWarning)
        )
        dates = pass_dates(all_students, recs, rules=rules)
        if department:
            known = list(dict.fromkeys(status["department"]))
            if department not in known:
                raise InputError(
                    "department",
                    [
                        Problem(
                            None,
                            None,
                            department,
                            f"no such department among the seniors ({', '.join(known)})",
                        )
                    ],
                )
            keep = (status["department"] == department).to_numpy()
            status = status.loc[keep].reset_index(drop=True)
            dates = dates.loc[(dates["department"] == department).to_numpy()].reset_index(drop=True)
        by = "class" if department else "department"
        table = summarise(status, by)
        before = None
        if cmp_d:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnknownStudentsWarning)
                st_before = student_status(all_students, recs, rules=rules, as_of=cmp_d)
            if department:
                st_before = st_before.loc[(st_before["department"] == department).to_numpy()]
            before = summarise(st_before, by)
        end = as_of_d or (recs["date"].max().date() if len(recs) else dt.date.today())
        start = recs["date"].min() if len(recs) else pd.Timestamp(end)
        # Weekly, plus the comparison day itself, so the curve passes through the table's numbers.
        days = sorted(set(_weeks(start, end)) | ({cmp_d} if cmp_d and cmp_d <= end else set()))
        prog = progress(dates, days)
        reconciled = None
        if published:
            pub = load_published(published)
            reconciled = reconcile(pub, None if department else table)
        out_dir = Path(output_dir) if output_dir else paths.outputs_dir() / term
        params = {
            "term": term,
            "as_of": as_of or "（全部紀錄）",
            "students": str(s_path),
            "records": str(r_path),
            "compare_as_of": compare_as_of or "（無）",
            "deadline": dead.isoformat(),
            "department": department or "（全校）",
            "published": published or "（無）",
        }
        return cls(
            rules=rules,
            as_of=as_of_d,
            compare_as_of=cmp_d,
            deadline=dead,
            department=department,
            params=params,
            output_dir=out_dir,
            status=status,
            table=table,
            by_college=summarise(status, "college"),
            before=before,
            progress=prog,
            gaps=gap_table(status, rules),
            reconciled=reconciled,
            skipped_records=skipped,
        )

    # -- helpers

    @property
    def scope(self) -> str:
        return self.department or "全校"

    def _label(self, c: str) -> str:
        return "全數通過" if c == "all" else self.rules.label(c)

    def _as_of_text(self) -> str:
        return f"資料結算至 {self.as_of.isoformat()}" if self.as_of else "資料含全部紀錄"

    def headline_table(self) -> pd.DataFrame:
        """The slide's summary: per category, seniors, passed, not passed, rate (numbers)."""
        total = self.table.iloc[-1]
        rows = []
        for c in RESULT_CATEGORIES:
            office = f"（{self.rules.offices[c]}）" if c in self.rules.offices else ""
            rows.append(
                {
                    "項目": f"{self._label(c)}{office}",
                    "大四學生數": int(total["students"]),
                    "通過人數": int(total[f"{c}_passed"]),
                    "未通過人數": int(total["students"] - total[f"{c}_passed"]),
                    "通過率": float(total[f"{c}_rate"]),
                }
            )
        return pd.DataFrame(rows)

    def department_frame(self) -> pd.DataFrame:
        """The college × department table with the slide's Chinese headings."""
        t = self.table
        keys = [k for k in ("college", "department", "class") if k in t.columns]
        names = {"college": "學院", "department": "學系", "class": "班級"}
        out = t[keys].rename(columns=names).copy()
        out["大四學生數"] = t["students"]
        for c in RESULT_CATEGORIES:
            out[f"{self._label(c)}通過人數"] = t[f"{c}_passed"]
            out[f"{self._label(c)}通過率"] = t[f"{c}_rate"]
        return out

    # -- what the notebook displays

    def header(self):  # noqa: ANN201
        """Title, the parameters the briefing was made with, and when it was made."""
        scope = f"{self.department} " if self.department else ""
        p = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in self.params.items())
        return _html(
            f"{_CSS}<div class='ncut-title'><h1>{_e(self.rules.term)} {_e(scope)}學生自主學習畢業門檻 通過率簡報</h1>"
            f"<p class='sub'>{_e(self._as_of_text())}；門檻期限 {_e(self.deadline.isoformat())}；"
            f"製表時間 {_e(self.made_at.strftime('%Y-%m-%d %H:%M %Z'))}</p></div>"
            f"<details open><summary class='ncut-note'>參數（本簡報由 ncut_analysis 依參數自動產生，"
            f"所有數字皆由資料計算）</summary><table class='ncut-params'>{p}</table></details>"
        )

    def headline(self):  # noqa: ANN201
        """The 「大四學生通過率」 summary table and the all-four count."""
        h = self.headline_table()
        total = self.table.iloc[-1]
        body = html_table(h.iloc[:-1], rate_cols=("通過率",))
        note = (
            f"<p><b>全數通過人數 {int(total['all_passed'])} 位（{total['all_rate']:.2f}%）</b>；"
            f"{_e(self._as_of_text())}。母群：{_e(self.rules.program)} "
            f"{self.rules.senior_cohort} 學年度入學（大四）學生 {int(total['students'])} 人。</p>"
        )
        if self.skipped_records:
            note += (
                f"<p class='ncut-warn'>有 {self.skipped_records} 筆紀錄的學號不在學生名單中，"
                f"未予計入。</p>"
            )
        return _html(body + note)

    def _keys(self, df: pd.DataFrame) -> list[str]:
        return [k for k in ("學院", "學系", "班級") if k in df.columns]

    def department_table(self):  # noqa: ANN201
        """College × department (or, for one department, by class), as the seed's slides, with
        each rate cell shaded by its value."""
        df = self.department_frame()
        blocks = [("大四學生數", [("", "大四學生數")])] + [
            (
                self._label(c),
                [("通過人數", f"{self._label(c)}通過人數"), ("通過率", f"{self._label(c)}通過率")],
            )
            for c in RESULT_CATEGORIES
        ]
        rate_cols = tuple(c for c in df.columns if c.endswith("通過率"))
        return _html(
            grouped_table(df, self._keys(df), blocks, rate_cols=rate_cols)
            + f"<p class='ncut-note'>備註：此表{_e(self._as_of_text())}。</p>"
        )

    def fig_heatmap(self):  # noqa: ANN201
        return charts.rate_heatmap(self.table, self.rules)

    def fig_rate_bars(self):  # noqa: ANN201
        return charts.rate_bars(self.table, self.rules)

    def fig_college(self):  # noqa: ANN201
        return charts.college_all_pass(self.by_college, self.rules)

    def fig_gaps(self):  # noqa: ANN201
        return charts.gap_chart(self.gaps, self.rules)

    def fig_progress(self):  # noqa: ANN201
        marks = [(self.deadline, "期限")]
        if self.compare_as_of:
            marks.insert(0, (self.compare_as_of, "比較日"))
        return charts.progress_chart(self.progress, self.rules, as_of=self.as_of, marks=marks)

    def gap_summary(self):  # noqa: ANN201
        """In words: who a nudge would move."""
        g = self.gaps
        parts = []
        for c in THRESHOLD_CATEGORIES:
            sub = g[g["category"] == c]
            near = int(sub["students"].iloc[0])
            parts.append(f"{self._label(c)} {near} 人（{_e(sub['band'].iloc[0])}）")
        return _html("<p>只差一點就通過：" + "；".join(parts) + "。</p>")

    def change_frame(self) -> pd.DataFrame | None:
        if self.before is None:
            return None
        ch = change_table(self.table, self.before)
        keys = [k for k in ("college", "department", "class") if k in ch.columns]
        out = (
            ch[keys]
            .rename(columns={"college": "學院", "department": "學系", "class": "班級"})
            .copy()
        )
        for c in RESULT_CATEGORIES:
            out[f"{self._label(c)}增加人數"] = ch[f"{c}_passed_change"]
            out[f"{self._label(c)}通過率變化"] = [f"{v:+.2f}" for v in ch[f"{c}_rate_change"]]
        return out

    def change(self):  # noqa: ANN201
        df = self.change_frame()
        if df is None:
            return _html("<p class='ncut-note'>未指定比較日期（compare_as_of）。</p>")
        blocks = [
            (
                self._label(c),
                [
                    ("增加人數", f"{self._label(c)}增加人數"),
                    ("通過率變化", f"{self._label(c)}通過率變化"),
                ],
            )
            for c in RESULT_CATEGORIES
        ]
        return _html(
            f"<p>自 {self.compare_as_of.isoformat()} 至 {_e(self.as_of or '最新')} 的變化"
            f"（通過率以百分點計）：</p>" + grouped_table(df, self._keys(df), blocks)
        )

    def outreach_frame(self) -> pd.DataFrame:
        o = outreach_table(self.table, self.rules)
        return o.rename(
            columns={
                "college": "學院",
                "department": "學系",
                "class": "班級",
                "students": "大四學生數",
            }
        )

    def outreach(self):  # noqa: ANN201
        """Per group, how many students each office still has to reach; writes the rosters."""
        rosters = write_rosters(self.status, self.rules, self.output_dir / "rosters", self.as_of)
        offices = "、".join(
            f"{self.rules.offices[c]}（{self.rules.label(c)}）" for c in THRESHOLD_CATEGORIES
        )
        return _html(
            f"<p>各承辦單位尚待聯繫的未通過人數：{_e(offices)}。</p>"
            + grouped_table(
                o := self.outreach_frame(),
                self._keys(o),
                [(c, [("", c)]) for c in o.columns if c not in self._keys(o)],
            )
            + f"<p>導師「通過 / 未通過」清冊共 {len(rosters)} 班，已另存於本簡報旁的 "
            f"<a href='rosters/'>rosters/</a> 資料夾（每班一個 .xlsx 與 .csv；含個人資料，請勿轉寄）。</p>"
        )

    def reconcile_findings(self):  # noqa: ANN201
        if self.reconciled is None:
            return _html("<p class='ncut-note'>未提供公告表（published），略過核對。</p>")
        if self.reconciled.empty:
            return _html("<p>公告表與其自身人數、重算結果完全一致。</p>")
        df = self.reconciled.rename(
            columns={
                "college": "學院",
                "department": "學系",
                "category": "項目",
                "field": "欄位",
                "published": "公告值",
                "expected": "應為",
            }
        )
        df["項目"] = [self._label(c) if c else "" for c in df["項目"]]
        df["欄位"] = df["欄位"].map(
            {"rate": "通過率", "passed": "通過人數", "students": "學生數", "row": "列"}
        )
        return _html(
            f"<p>公告表中有 {len(df)} 處與其人數或重算結果不符（通過率依人數四捨五入至小數第二位）：</p>"
            + html_table(df)
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The briefing's tables, for the Excel workbook."""
        out = {
            "摘要": self.headline_table(),
            "各系": self.department_frame(),
            "差距": self.gaps.assign(category=[self._label(c) for c in self.gaps["category"]]),
            "進展": self.progress.assign(
                category=[self._label(c) for c in self.progress["category"]]
            ),
            "關懷": self.outreach_frame(),
        }
        ch = self.change_frame()
        if ch is not None:
            out["變化"] = ch
        if self.reconciled is not None:
            out["核對"] = self.reconciled
        return out

    def write_xlsx(self, name: str = "term_briefing.xlsx"):  # noqa: ANN201
        return _write_xlsx(self.tables(), self.output_dir, name)


# ---------------------------------------------------------------------------- admission briefing

_REASONS = [  # reason prefix -> column heading
    ("over the age limit", "超過年齡上限"),
    ("written test absent", "筆試缺考或 0 分"),
    ("not invited", "未獲面試資格"),
    ("interview absent", "面試缺考或 0 分"),
    ("document review absent", "書審缺或 0 分"),
    ("no review documents", "未繳書審資料"),
]


@dataclass
class AdmissionBriefing:
    """Everything the admission briefing shows: both modes per program, overlap, rank shifts,
    cutoffs, correlations, admission probability under scorer noise and waitlist backfill."""

    rules: Any
    params: dict[str, str]
    output_dir: Path
    normal: pd.DataFrame
    special: pd.DataFrame
    compared: pd.DataFrame
    summary: pd.DataFrame
    prob: pd.DataFrame
    depth: pd.DataFrame
    sd: float
    no_show: float
    draws: int
    small_pools: list[str]
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())

    @classmethod
    def build(
        cls,
        *,
        year: int = 109,
        applicants: str = "",
        min_total: float = 0,
        waitlist: int = -1,
        noise_sd: float = 3.0,
        no_show: float = 0.1,
        draws: int = 10_000,
        seed: int = 0,
        output_dir: str = "",
    ) -> AdmissionBriefing:
        """``waitlist`` < 0 means no limit; empty ``applicants`` means the shipped pool."""
        from .admission import (
            SmallPoolWarning,
            admission_probability,
            backfill_depth,
            compare_modes,
            load_applicants,
            rank_admission,
        )
        from .rules import load_admission_rules

        rules = load_admission_rules(year)
        path = Path(applicants) if applicants else paths.default_applicants(year)
        apps = load_applicants(path, rules=rules)
        wl = None if waitlist is None or waitlist < 0 else int(waitlist)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SmallPoolWarning)
            normal = rank_admission(apps, "normal", rules=rules, min_total=min_total, waitlist=wl)
        small = [str(w.message) for w in caught if issubclass(w.category, SmallPoolWarning)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallPoolWarning)
            special = rank_admission(apps, "special", rules=rules, min_total=min_total, waitlist=wl)
            cmp = compare_modes(apps, rules=rules, min_total=min_total, waitlist=wl)
            probs = []
            for mode, ranking in (("normal", normal), ("special", special)):
                pr = admission_probability(
                    apps,
                    mode,
                    sd=noise_sd,
                    draws=draws,
                    seed=seed,
                    rules=rules,
                    min_total=min_total,
                )
                pr = pr.merge(ranking[["applicant_id", "rank"]], on="applicant_id", how="left")
                probs.append(pr.assign(mode=mode))
            depth = pd.concat(
                [
                    backfill_depth(r, no_show=no_show, draws=draws, seed=seed, rules=rules).assign(
                        mode=m
                    )
                    for m, r in (("normal", normal), ("special", special))
                ],
                ignore_index=True,
            )
        params = {
            "year": str(year),
            "applicants": str(path),
            "min_total": f"{min_total:g}",
            "waitlist": "不限" if wl is None else str(wl),
            "noise_sd": f"{noise_sd:g}",
            "no_show": f"{no_show:g}",
            "draws": str(draws),
            "seed": str(seed),
        }
        out = Path(output_dir) if output_dir else paths.outputs_dir() / f"admission_{year}"
        return cls(
            rules=rules,
            params=params,
            output_dir=out,
            normal=normal,
            special=special,
            compared=cmp["applicants"],
            summary=cmp["summary"],
            prob=pd.concat(probs, ignore_index=True),
            depth=depth,
            sd=noise_sd,
            no_show=no_show,
            draws=draws,
            small_pools=small,
        )

    def _programs(self) -> list[tuple[str, str]]:
        present = set(self.summary.loc[self.summary["applicants"] > 0, "program"])
        return [(p.id, p.name) for p in self.rules.programs if p.id in present]

    def header(self):  # noqa: ANN201
        p = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in self.params.items())
        warn = "".join(f"<p class='ncut-warn'>報名人數不足：{_e(m)}</p>" for m in self.small_pools)
        return _html(
            f"{_CSS}<div class='ncut-title'><h1>{_e(self.rules.year)} 學年度產學訓四技專班 招生排名模擬簡報</h1>"
            f"<p class='sub'>一般模式（筆試 30%＋面試 40%＋書面審查 30%）與特殊狀態（書面審查 100%，各系權重與比序）"
            f"之比較；製表時間 {_e(self.made_at.strftime('%Y-%m-%d %H:%M %Z'))}</p></div>"
            f"<details open><summary class='ncut-note'>參數（本簡報由 ncut_analysis 依參數自動產生）</summary>"
            f"<table class='ncut-params'>{p}</table></details>{warn}"
        )

    def summary_frame(self) -> pd.DataFrame:
        s = self.summary
        out = pd.DataFrame({"專班": s["name"], "名額": s["quota"], "報名人數": s["applicants"]})
        for m in ("normal", "special"):
            lab = charts.MODE_LABELS[m]
            out[f"{lab}｜正取"] = s[f"admitted_{m}"]
            out[f"{lab}｜備取"] = s[f"waitlisted_{m}"]
            out[f"{lab}｜資格不符"] = s[f"disqualified_{m}"]
            out[f"{lab}｜錄取最低分"] = [
                f"{v:.2f}" if pd.notna(v) else "–" for v in s[f"cutoff_{m}"]
            ]
        out["兩者皆正取"] = s["both"]
        out["僅一般正取"] = s["only_normal"]
        out["僅特殊正取"] = s["only_special"]
        out["Spearman"] = [f"{v:.3f}" for v in s["spearman"]]
        out["Kendall"] = [f"{v:.3f}" for v in s["kendall"]]
        return out

    def overview(self):  # noqa: ANN201
        df = self.summary_frame()
        blocks = [(c, [("", c)]) for c in ("名額", "報名人數")]
        for m in ("normal", "special"):
            lab = charts.MODE_LABELS[m]
            blocks.append(
                (
                    f"{lab}模式",
                    [(k, f"{lab}｜{k}") for k in ("正取", "備取", "資格不符", "錄取最低分")],
                )
            )
        blocks.append(
            (
                "正取名單重疊",
                [("兩者皆", "兩者皆正取"), ("僅一般", "僅一般正取"), ("僅特殊", "僅特殊正取")],
            )
        )
        blocks.append(("名次相關", [("Spearman", "Spearman"), ("Kendall", "Kendall")]))
        return _html(
            grouped_table(df, ["專班"], blocks, span_first=False)
            + "<p class='ncut-note'>名次相關以兩種模式皆有名次的考生計算。</p>"
        )

    def disqualified_frame(self) -> pd.DataFrame:
        rows = []
        for m, r in (("normal", self.normal), ("special", self.special)):
            for pid, name in self._programs():
                g = r[(r["program"] == pid) & (r["status"] == "disqualified")]
                row = {"專班": name, "模式": charts.MODE_LABELS[m]}
                for prefix, label in _REASONS:
                    row[label] = int(g["reason"].str.startswith(prefix).sum())
                row["合計"] = len(g)
                rows.append(row)
        return pd.DataFrame(rows)

    def disqualified(self):  # noqa: ANN201
        df = self.disqualified_frame()
        keep = [c for c in df.columns if c in ("專班", "模式", "合計") or df[c].sum() > 0]
        return _html(html_table(df[keep]))

    def fig_status(self):  # noqa: ANN201
        return charts.admission_status_chart(self.summary[self.summary["applicants"] > 0])

    def fig_shift(self):  # noqa: ANN201
        return charts.rank_shift_chart(self.compared, self._programs())

    def fig_probability(self):  # noqa: ANN201
        return charts.probability_chart(
            self.prob.dropna(subset=["rank"]), self._programs(), self.sd, self.draws
        )

    def probability_frame(self) -> pd.DataFrame:
        rows = []
        for pid, name in self._programs():
            for m in ("normal", "special"):
                g = self.prob[(self.prob["program"] == pid) & (self.prob["mode"] == m)]
                rows.append(
                    {
                        "專班": name,
                        "模式": charts.MODE_LABELS[m],
                        "幾乎確定正取（≥95%）": int((g["p_admitted"] >= 0.95).sum()),
                        "邊緣（5%–95%）": int(
                            ((g["p_admitted"] > 0.05) & (g["p_admitted"] < 0.95)).sum()
                        ),
                        "無雜訊正取但機率 < 50%": int(
                            (g["admitted_without_noise"] & (g["p_admitted"] < 0.5)).sum()
                        ),
                    }
                )
        return pd.DataFrame(rows)

    def probability(self):  # noqa: ANN201
        return _html(
            f"<p>面試（一般模式）或各書審項目（特殊狀態）加上標準差 {self.sd:g} 分的評分雜訊，"
            f"模擬 {self.draws} 次：</p>" + html_table(self.probability_frame())
        )

    def depth_frame(self) -> pd.DataFrame:
        rows = []
        for pid, name in self._programs():
            for m in ("normal", "special"):
                g = self.depth[(self.depth["program"] == pid) & (self.depth["mode"] == m)]
                if g.empty:
                    continue
                mean = float((g["depth"] * g["share"]).sum())
                cdf = g.sort_values("depth")["share"].cumsum().to_numpy()
                p90 = int(
                    g.sort_values("depth")["depth"].to_numpy()[np.searchsorted(cdf, 0.9 - 1e-12)]
                )
                rows.append(
                    {
                        "專班": name,
                        "模式": charts.MODE_LABELS[m],
                        "備取人數": int(g["waitlist_length"].iloc[0]),
                        "平均遞補到第幾位": f"{mean:.1f}",
                        "90% 情況不超過": p90,
                        "備取用盡的機率": f"{float(g['exhausted_share'].iloc[0]):.1%}",
                    }
                )
        return pd.DataFrame(rows)

    def fig_depth(self):  # noqa: ANN201
        return charts.waitlist_depth_chart(
            self.depth[self.depth["mode"] == "normal"], self._programs(), self.no_show
        )

    def backfill(self):  # noqa: ANN201
        return _html(
            f"<p>正取生各以 {self.no_show:.0%} 的機率未報到，缺額依備取順序遞補"
            f"（被通知的備取生也以同一機率放棄），模擬 {self.draws} 次：</p>"
            + html_table(self.depth_frame())
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "總覽": self.summary_frame(),
            "資格不符": self.disqualified_frame(),
            "一般模式": self.normal.drop(columns=["total_units"]),
            "特殊狀態": self.special.drop(columns=["total_units"]),
            "比較": self.compared,
            "錄取機率": self.prob,
            "錄取機率摘要": self.probability_frame(),
            "備取遞補": self.depth_frame(),
        }

    def write_xlsx(self, name: str = "admission_briefing.xlsx"):  # noqa: ANN201
        return _write_xlsx(self.tables(), self.output_dir, name)


# ---------------------------------------------------------------------------- running


def export_html(nb_path: Path, html_path: Path, title: str) -> Path:
    """The executed notebook as a self-contained, offline HTML page with no code."""
    import nbformat
    from nbconvert import HTMLExporter
    from plotly.offline import get_plotlyjs

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:  # warnings and logs are for the analyst, not the reader
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="ncut_briefing",
        extra_template_basedirs=[str(paths.TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(
        nb, resources={"plotly_js": get_plotlyjs(), "metadata": {"name": title}}
    )
    with atomic_path(html_path) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return html_path


def run_notebook(
    notebook: Path, out_nb: Path, parameters: dict[str, Any], *, progress_bar: bool = True
) -> None:
    """Execute a notebook with papermill; a failing cell becomes a ``BriefingError`` naming it."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    try:
        pm.execute_notebook(
            str(notebook),
            str(out_nb),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=progress_bar,
            cwd=str(out_nb.parent),
            log_output=False,
        )
    except PapermillExecutionError as exc:
        first = (exc.evalue or "").strip()
        raise BriefingError(
            f"{notebook.name}: cell {exc.cell_index} failed: {exc.ename}: {first}"
        ) from None


def _one_briefing(
    params: dict[str, Any], dest: Path, progress_bar: bool, kind: str = "term"
) -> Path:
    """Execute one briefing notebook and export it; its files appear in ``dest`` all together or
    not at all (a failure leaves what was there before)."""
    name = f"{kind}_briefing"
    nb = paths.NOTEBOOKS_DIR / f"{name}.ipynb"
    with atomic_dir(dest) as stage:
        run_notebook(
            nb,
            stage / f"{name}.ipynb",
            {**params, "output_dir": str(stage)},
            progress_bar=progress_bar,
        )
        if kind == "term":
            title = f"{params['term']} {params.get('department') or '全校'} 自主學習畢業門檻簡報"
        else:
            title = f"{params['year']} 產學訓四技專班招生排名模擬簡報"
        export_html(stage / f"{name}.ipynb", stage / f"{name}.html", title)
    return dest / f"{name}.html"


def admission_scenario(
    *,
    year: int = 109,
    applicants: str = "",
    min_total: float = 0,
    waitlist: int | None = None,
    noise_sd: float = 3.0,
    no_show: float = 0.1,
    draws: int = 10_000,
    seed: int = 0,
) -> dict[str, Any]:
    """An admission scenario as the briefing notebook's parameters, which are also
    ``AdmissionBriefing.build``'s arguments: the brochure year, the applicants file (empty: the
    shipped pool), the minimum total, the waitlist length (None: no limit, -1 in the notebook),
    the scorers' noise (points, one standard deviation), the admitted no-show rate, and the
    Monte Carlo draws and seed."""
    return {
        "year": int(year),
        "applicants": str(Path(applicants).resolve()) if applicants else "",
        "min_total": float(min_total),
        "waitlist": -1 if waitlist is None else int(waitlist),
        "noise_sd": float(noise_sd),
        "no_show": float(no_show),
        "draws": int(draws),
        "seed": int(seed),
    }


def run_admission_briefing(out: str | Path, *, progress_bar: bool = True, **scenario: Any) -> Path:
    """Run the admission briefing into ``out/admission_<year>/``; returns the HTML file.
    ``scenario``: the keywords of ``admission_scenario``."""
    params = admission_scenario(**scenario)
    return _one_briefing(
        params, Path(out) / f"admission_{params['year']}", progress_bar, kind="admission"
    )


def run_term_briefing(
    out: str | Path,
    *,
    term: str = "114-1",
    as_of: str | None = None,
    students: str = "",
    records: str = "",
    compare_as_of: str | None = None,
    deadline: str = "",
    department: str = "",
    per_department: bool = False,
    published: str = "",
    progress_bar: bool = True,
    workers: int | None = None,
) -> list[Path]:
    """Run the term briefing into ``out/<term>/``; returns the HTML files written.

    ``as_of`` and ``compare_as_of`` default to the term's settlement and week-8 notice dates.
    With ``per_department``, one briefing per department in ``out/<term>/<department>/``, run in
    parallel on the available cores, plus an ``index.html`` linking them.
    """
    rules = load_term_rules(term)
    params = {
        "term": term,
        "as_of": rules.settlement_date.isoformat() if as_of is None else as_of,
        "students": str(Path(students).resolve()) if students else "",
        "records": str(Path(records).resolve()) if records else "",
        "compare_as_of": rules.notice_date.isoformat() if compare_as_of is None else compare_as_of,
        "deadline": deadline,
        "department": department,
        "published": str(Path(published).resolve()) if published else "",
    }
    base = Path(out) / term
    if not per_department:
        return [_one_briefing(params, base, progress_bar)]
    # Which departments: from the data, validated before any kernel starts.
    s = load_students(params["students"] or paths.default_students(term))
    from .thresholds import population

    depts = list(dict.fromkeys(population(s, rules)["department"]))
    done: dict[str, Path] = {}
    workers = workers or os.cpu_count() or 1
    from tqdm.auto import tqdm

    with ProcessPoolExecutor(max_workers=min(workers, len(depts))) as pool:
        futs = {
            pool.submit(_one_briefing, {**params, "department": d}, base / _safe(d), False): d
            for d in depts
        }
        for f in tqdm(
            as_completed(futs), total=len(futs), desc="departments", disable=not progress_bar
        ):
            done[futs[f]] = f.result()
    links = "".join(
        f"<li><a href='{_e(_safe(d))}/term_briefing.html'>{_e(d)}</a></li>" for d in depts
    )
    page = (
        f"<!DOCTYPE html><html lang='zh-Hant'><head><meta charset='utf-8'><title>{_e(term)} 各系簡報</title>"
        f"<style>body{{font-family:'Noto Sans CJK TC',sans-serif;margin:2em}}</style></head><body>"
        f"<h1>{_e(term)} 學生自主學習畢業門檻：各系簡報</h1><ul>{links}</ul></body></html>"
    )
    with atomic_path(base / "index.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return [done[d] for d in depts]


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "dept"
