"""ipywidgets dashboards for analysts: what-if threshold rules and admission weights.

The notebooks only build one of these and display it; tests drive the same objects headlessly
(set a control's value, read the figures and counts).

Each chart is a plain plotly figure (from ``charts``) shown in an ``ipywidgets.Output`` whose
whole content is replaced on every change, one comm message per chart. Not a ``go.FigureWidget``:
that is an anywidget, and anywidget (0.11) drops every later message to a model whose 5 MB
plotly.js module took more than 2 s to load in the browser (its ``Runtime.ready`` promise is
rejected by a 2 s timeout and ``_handle_comm_msg`` awaits it), so on a busy machine one of two
FigureWidgets froze for the rest of the page session. The Output's figure is drawn by the
jupyterlab-plotly renderer, loaded once like any extension, with no such timeout.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import charts, paths
from .admission import NORMAL_ITEMS, SPECIAL_ITEMS, admission_probability, rank_admission
from .admission.labels import ITEM_LABELS, STATUS_LABELS
from .io import write_csv
from .labels import WHOLE_SCHOOL
from .loaders import load_records, load_students
from .rules import (
    UNIT,
    AdmissionRules,
    TermRules,
    load_admission_rules,
    load_term_rules,
)
from .thresholds import pass_flags, population, rate_hundredths, units_as_of

__all__ = [
    "ThresholdExplorer",
    "AdmissionExplorer",
    "rebalance",
    "roc_date",
    "as_of_stops",
    "voila_command",
]

ALL = "（全部）"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

# Wrapping rows, so the controls reflow in a narrow window instead of pushing read-outs away.
_ROW = {"flex_flow": "row wrap", "align_items": "flex-start", "width": "100%"}
_WRAP = "white-space:normal;overflow-wrap:anywhere;word-break:break-word;max-width:100%"


# Voilà's lab template without the Font Awesome CDN links (see its index.html.j2), found
# through JUPYTER_PATH.
VOILA_TEMPLATE = "ncut_explorer"
VOILA_JUPYTER_PATH = paths.TEMPLATES_DIR / "jupyter"


def voila_command(
    notebook: str | Path, *, port: int = 8866, ip: str = "127.0.0.1"
) -> tuple[list[str], dict[str, str]]:
    """The command line and the environment additions that serve an explorer notebook with
    Voilà, offline (no CDN request)."""
    import os
    import sys

    path = os.pathsep.join(
        p for p in (str(VOILA_JUPYTER_PATH), os.environ.get("JUPYTER_PATH")) if p
    )
    argv = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        f"--template={VOILA_TEMPLATE}",
    ]
    return argv, {"JUPYTER_PATH": path}


def roc_date(d: dt.date) -> str:
    """A date as the page writes it, in the ROC calendar: 2025-12-12 -> ``114/12/12``."""
    return f"{d.year - 1911}/{d.month:02d}/{d.day:02d}"


def as_of_stops(first: dt.date, last: dt.date, rules: TermRules) -> list[tuple[str, dt.date]]:
    """The as-of days an analyst picks from: every month's end from ``first``'s month to
    ``last``'s, and the term's notice date and 結算日, labelled in ROC (the notice date and the
    結算日 named), in date order."""
    named = {rules.notice_date: "第8週通知", rules.settlement_date: "結算日"}
    ends = pd.date_range(pd.Timestamp(first).to_period("M").to_timestamp(), last, freq="ME")
    days = {d.date() for d in ends} | {p.date() for p in [pd.Timestamp(last)]} | set(named)
    out = []
    for d in sorted(days):
        name = named.get(d)
        out.append((f"{roc_date(d)} {name}" if name else roc_date(d), d))
    return out


def _style(heights: dict[str, int]) -> W.HTML:
    """The page's CSS for the explorer: each chart's box as tall as its figure (JupyterLab's
    plotly renderer otherwise gives a responsive figure a box of height 0 and clips it)."""
    rules = "".join(
        f".{cls} .js-plotly-plot{{height:{h}px;min-height:{h}px;overflow:visible}}"
        for cls, h in heights.items()
    )
    return W.HTML(f"<style>{rules}</style>", layout=W.Layout(height="0px", margin="0"))


def _show(out: W.Output, fig: go.Figure) -> None:
    """Replace the Output's content with the figure, in one state change (no clear-then-append
    window); drawn by the plotly mime renderer, resized with its container."""
    spec = json.loads(fig.to_json())
    spec["config"] = {"responsive": True, "displaylogo": False}
    title = fig.layout.title.text or ""
    out.outputs = (
        {
            "output_type": "display_data",
            "data": {PLOTLY_MIME: spec, "text/plain": title},
            "metadata": {},
        },
    )


def write_export_csv(df: pd.DataFrame, target: Path) -> Path:
    """The one place the explorers write a CSV (BOM, for Excel), formula-safe (``write_csv``,
    the package's one writer)."""
    return write_csv(df, target, bom=True)


class ThresholdExplorer:
    """What-if rules for the graduation thresholds, by college, department and as-of date.

    ``out_dir``: where 匯出 writes; by default the folder the notebook runs in.
    """

    def __init__(
        self,
        students: pd.DataFrame,
        records: pd.DataFrame,
        *,
        term: str = "114-1",
        rules: TermRules | None = None,
        out_dir: str | Path | None = None,
    ) -> None:
        self.rules = r = rules or load_term_rules(term)
        self.out_dir = Path(out_dir) if out_dir else Path.cwd()
        first = records["date"].min().date() if len(records) else r.settlement_date
        last = max(records["date"].max().date() if len(records) else first, r.settlement_date)
        first = min(first, r.notice_date, r.settlement_date)
        stops = as_of_stops(first, last, r)
        self.days = [d for _, d in stops]
        self.day_labels = [roc_date(d) for d in self.days]
        self.pop = population(students, r)
        self.cube = units_as_of(students, records, r, self.days)  # (days, students, 5)
        self._official = pass_flags(self.cube, r)  # fixed: computed once
        self.college = W.Dropdown(
            options=[ALL, *dict.fromkeys(self.pop["college"])], value=ALL, description="學院"
        )
        self.department = W.Dropdown(
            options=[ALL, *dict.fromkeys(self.pop["department"])], value=ALL, description="學系"
        )
        self.category = W.Dropdown(
            options=[(self._label(c), c) for c in r.result_categories],
            value="all",
            description="項目",
        )
        for d in (self.college, self.department, self.category):
            d.layout = W.Layout(width="260px", max_width="100%")
        self.as_of = W.SelectionSlider(
            options=stops,
            value=r.settlement_date,
            description="結算日",
            continuous_update=False,
            layout=W.Layout(width="100%", max_width="900px"),
            style={"description_width": "5em"},
        )
        self.as_of.add_class("ncut-as-of")
        self.sliders = {
            c: W.FloatSlider(
                value=r.thresholds[c] / UNIT,
                min=0,
                max=max(6.0, 2 * r.thresholds[c] / UNIT),
                step=1 if r.is_counted(c) else 0.5,
                description=f"{r.label(c)}門檻（{r.unit(c)}）",
                continuous_update=False,
                readout_format="d" if r.is_counted(c) else ".1f",
                layout=W.Layout(width="420px", max_width="100%"),
                style={"description_width": "10em"},
            )
            for c in r.threshold_categories
        }
        self.aesthetics = W.Checkbox(
            value=bool(r.aesthetics_into),
            description=f"{r.label('aesthetics')}時數併入{r.label('engagement')}",
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.summary = W.HTML(layout=W.Layout(width="100%"))
        self.export_button = W.Button(
            description="匯出目前畫面（PNG＋CSV）",
            icon="download",
            layout=W.Layout(width="auto", max_width="100%"),
        )
        self.export_status = W.HTML(layout=W.Layout(width="100%"))
        self.bar_out = W.Output(layout=W.Layout(width="100%", min_height="380px"))
        self.curve_out = W.Output(layout=W.Layout(width="100%", min_height="340px"))
        self.bar_out.add_class("ncut-bars")
        self.curve_out.add_class("ncut-progress")
        self.bar_fig: go.Figure = go.Figure()
        self.curve_fig: go.Figure = go.Figure()
        for w in [
            self.college,
            self.department,
            self.category,
            self.as_of,
            self.aesthetics,
            *self.sliders.values(),
        ]:
            w.observe(self._on_change, names="value")
        self.college.observe(self._on_college, names="value")
        self.export_button.on_click(self._on_export)
        self._holding = False
        self._on_change()

    # -- state

    def _label(self, c: str) -> str:
        return self.rules.label(c)

    def thresholds(self) -> dict[str, int]:
        return {c: int(round(s.value * UNIT)) for c, s in self.sliders.items()}

    def _cat_label(self) -> str:
        return self._label(self.category.value)

    def _mask(self) -> np.ndarray:
        m = np.ones(len(self.pop), dtype=bool)
        if self.college.value != ALL:
            m &= (self.pop["college"] == self.college.value).to_numpy()
        if self.department.value != ALL:
            m &= (self.pop["department"] == self.department.value).to_numpy()
        return m

    def _week(self) -> int:
        return self.days.index(self.as_of.value)

    def whatif_rules(self) -> TermRules:
        """The term's rules with the sliders' thresholds and the aesthetics switch."""
        return self.rules.replace(
            thresholds=self.thresholds(),
            aesthetics_into="engagement" if self.aesthetics.value else None,
        )

    def _flags(self, official: bool) -> np.ndarray:
        k = self._week()
        return self._official[k] if official else pass_flags(self.cube[k], self.whatif_rules())

    def selection(self) -> dict[str, str]:
        """What the charts show, as data: the page writes it into each figure's ``meta``."""
        return {
            "category": self.category.value,
            "college": self.college.value,
            "department": self.department.value,
            "as_of": self.as_of.value.isoformat(),
            "thresholds": ",".join(f"{c}={v}" for c, v in self.thresholds().items()),
            "aesthetics": "yes" if self.aesthetics.value else "no",
        }

    def _scope(self) -> str:
        if self.department.value != ALL:
            return f"{self.department.value}各班"
        if self.college.value != ALL:
            return f"{self.college.value}各學系"
        return "各學系"

    def group_key(self) -> str:
        return "class" if self.department.value != ALL else "department"

    def table(self) -> pd.DataFrame:
        """The current view as data: per group, students, passed and rate under both rules
        (columns ``group, students, passed_official, passed_whatif, rate_official,
        rate_whatif``; rates in percent)."""
        k = list(self.rules.result_categories).index(self.category.value)
        key = self.group_key()
        m = self._mask()
        df = self.pop.loc[m, [key]].copy()
        df["official"] = self._flags(True)[m, k]
        df["whatif"] = self._flags(False)[m, k]
        g = df.groupby(key, sort=False)
        out = pd.DataFrame(
            {
                "students": g.size(),
                "passed_official": g["official"].sum(),
                "passed_whatif": g["whatif"].sum(),
            }
        ).reset_index()
        out["rate_official"] = rate_hundredths(out["passed_official"], out["students"]) / 100
        out["rate_whatif"] = rate_hundredths(out["passed_whatif"], out["students"]) / 100
        return out.rename(columns={key: "group"})

    def export_table(self) -> pd.DataFrame:
        """``table()`` as the CSV shows it: Chinese headers, the selection in the first columns."""
        t = self.table()
        sel = self.selection()
        return pd.DataFrame(
            {
                "項目": self._cat_label(),
                "結算日": roc_date(self.as_of.value),
                "學院": sel["college"],
                "班級" if self.group_key() == "class" else "學系": t["group"],
                "人數": t["students"],
                "通過人數（正式門檻）": t["passed_official"],
                "通過率 %（正式門檻）": t["rate_official"],
                "通過人數（假設門檻）": t["passed_whatif"],
                "通過率 %（假設門檻）": t["rate_whatif"],
            }
        )

    def _curve(self) -> tuple[list[dt.date], list[float], list[float]]:
        k = list(self.rules.result_categories).index(self.category.value)
        upto = self._week() + 1
        m = self._mask()
        n = max(int(m.sum()), 1)
        whatif = pass_flags(self.cube[:upto][:, m], self.whatif_rules())[..., k].sum(axis=1)
        official = self._official[:upto][:, m, k].sum(axis=1)
        return (
            self.days[:upto],
            (rate_hundredths(official, np.full(upto, n)) / 100).tolist(),
            (rate_hundredths(whatif, np.full(upto, n)) / 100).tolist(),
        )

    def flips(self) -> tuple[int, int]:
        """Students in the selection whose all-four status the what-if changes: (newly pass,
        newly fail)."""
        m = self._mask()
        off = self._flags(True)[m, -1]
        wi = self._flags(False)[m, -1]
        return int((wi & ~off).sum()), int((~wi & off).sum())

    def figures(self) -> tuple[go.Figure, go.Figure]:
        """The two charts of the current selection."""
        t = self.table()
        sel = self.selection()
        rate, day = self.rules.measure(self.category.value), roc_date(self.as_of.value)
        bars = charts.whatif_bars(
            t["group"].tolist(),
            t["rate_official"].tolist(),
            t["rate_whatif"].tolist(),
            title=f"{rate}：{self._scope()}（{day}）正式門檻 vs 假設門檻",
            meta={**sel, "chart": "bars"},
        )
        days, official, whatif = self._curve()
        where = self.department.value if self.department.value != ALL else self.college.value
        curve = charts.whatif_progress(
            days,
            [roc_date(d) for d in days],
            official,
            whatif,
            title=f"{rate}的進展：{WHOLE_SCHOOL if where == ALL else where}（至 {day}）",
            meta={**sel, "chart": "progress"},
        )
        return bars, curve

    # -- events

    def _on_college(self, change: dict) -> None:
        depts = (
            self.pop["department"]
            if change["new"] == ALL
            else self.pop.loc[self.pop["college"] == change["new"], "department"]
        )
        self._holding = True  # one redraw for the college and its department reset
        try:
            self.department.options = [ALL, *dict.fromkeys(depts)]
            self.department.value = ALL
        finally:
            self._holding = False
        self._on_change()

    def _on_change(self, _change: dict | None = None) -> None:
        if self._holding:
            return
        self.bar_fig, self.curve_fig = self.figures()
        _show(self.bar_out, self.bar_fig)
        _show(self.curve_out, self.curve_fig)
        self._update_summary()

    def _update_summary(self) -> None:
        up, down = self.flips()
        m = self._mask()
        k = list(self.rules.result_categories).index(self.category.value)
        off = int(self._flags(True)[m, k].sum())
        wi = int(self._flags(False)[m, k].sum())
        where = " ".join(v for v in (self.college.value, self.department.value) if v != ALL)
        self.summary.value = (
            f"<div style='{_WRAP}'><b>{self._cat_label()}</b>｜{where or WHOLE_SCHOOL}｜"
            f"{roc_date(self.as_of.value)}：正式門檻 {off} 人通過，假設門檻 {wi} 人通過"
            f"（共 {int(m.sum())} 人）。{self._label('all')}的狀態改變：{up} 人由未通過變通過，"
            f"{down} 人由通過變未通過。</div>"
        )

    def export(self) -> tuple[Path, Path]:
        """The current bar chart as a slide-ready PNG and its table as CSV, into ``out_dir``."""
        from .slides import SlideChart, export_images

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"門檻假設分析_{self._cat_label()}_{stamp}"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        csv = write_export_csv(self.export_table(), self.out_dir / f"{name}.csv")
        fig = go.Figure(self.bar_fig)
        fig.update_layout(width=charts.WIDTH, meta=None)
        fig = charts.slide_style(
            fig,
            footer=f"結算日 {roc_date(self.as_of.value)}｜假設門檻 "
            + "、".join(f"{self.rules.label(c)} {s.value:g}" for c, s in self.sliders.items()),
        )
        (png,) = export_images([SlideChart(name, fig, "")], self.out_dir)
        return png, csv

    def _on_export(self, _button: W.Button | None = None) -> None:
        self.export_status.value = f"<div style='{_WRAP}'>匯出中…</div>"
        try:
            png, csv = self.export()
        except Exception as e:  # noqa: BLE001 - shown to the user instead of a silent log
            msg = f"匯出失敗：{e}"
        else:
            msg = f"已匯出 {png.name} 與 {csv.name}（資料夾：{self.out_dir}）"
        self.export_status.value = f"<div style='{_WRAP}'>{msg}</div>"

    def widget(self) -> W.Widget:
        controls = W.VBox(
            [
                W.HBox([self.college, self.department, self.category], layout=W.Layout(**_ROW)),
                self.as_of,
                W.HBox(
                    [
                        W.VBox(list(self.sliders.values()), layout=W.Layout(max_width="100%")),
                        W.VBox(
                            [self.aesthetics, self.export_button],
                            layout=W.Layout(max_width="100%", padding="0 0 0 1em"),
                        ),
                    ],
                    layout=W.Layout(**_ROW),
                ),
                self.export_status,
            ],
            layout=W.Layout(width="100%"),
        )
        box = W.VBox(
            [
                _style({"ncut-bars": 380, "ncut-progress": 340}),
                controls,
                self.summary,
                self.bar_out,
                self.curve_out,
            ],
            layout=W.Layout(width="100%", max_width="100%"),
        )
        box.add_class("ncut-threshold-explorer")
        return box

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    @classmethod
    def from_files(
        cls,
        students: str = "",
        records: str = "",
        term: str = "114-1",
        out_dir: str | Path | None = None,
    ) -> ThresholdExplorer:
        return cls(
            load_students(students or paths.default_students(term)),
            load_records(records or paths.default_records(term)),
            term=term,
            out_dir=out_dir or None,
        )


def rebalance(values: dict[str, int], changed: str, new: int) -> dict[str, int]:
    """Whole percentages summing to 100 after ``changed`` is set to ``new``: the others share the
    difference in proportion to their current values (largest remainders get the odd points)."""
    new = max(0, min(100, int(new)))
    others = [k for k in values if k != changed]
    rest = 100 - new
    base = np.array([values[k] for k in others], dtype=float)
    share = (
        base / base.sum() * rest
        if base.sum() > 0
        else np.full(len(others), rest / max(len(others), 1))
    )
    floor = np.floor(share).astype(int)
    left = rest - floor.sum()
    order = np.argsort(-(share - floor), kind="stable")[:left]
    floor[order] += 1
    out = dict(zip(others, floor.tolist(), strict=True))
    out[changed] = new
    return {k: out[k] for k in values}


def _names(ids: list[str], most: int = 10) -> str:
    """``（A、B、C）``, at most ``most`` names and 等; empty for no one."""
    if not ids:
        return ""
    more = "等" if len(ids) > most else ""
    return f"（{'、'.join(ids[:most])}{more}）"


class AdmissionExplorer:
    """What-if weights, minimum total, quota and scorer noise for one program's ranking."""

    def __init__(
        self,
        applicants: pd.DataFrame,
        *,
        year: int = 109,
        rules: AdmissionRules | None = None,
        draws: int = 2000,
        seed: int = 0,
    ) -> None:
        self.rules = rules or load_admission_rules(year)
        self.applicants = applicants
        self.draws, self.seed = draws, seed
        progs = [p for p in self.rules.programs if (applicants["program"] == p.id).any()]
        self.program = W.Dropdown(
            options=[(p.name, p.id) for p in progs],
            value=progs[0].id,
            description="專班",
            layout=W.Layout(width="440px", max_width="100%"),
        )
        self.mode = W.ToggleButtons(
            options=[("一般（筆試＋面試＋書審）", "normal"), ("特殊狀態（書審 100%）", "special")],
            value="normal",
            description="模式",
            style={"button_width": "auto", "description_width": "3em"},
            layout=W.Layout(width="auto", max_width="100%"),
        )
        self.weight = {
            i: W.IntSlider(
                min=0,
                max=100,
                step=1,
                description=f"{ITEM_LABELS[i]} %",
                continuous_update=False,
                layout=W.Layout(width="420px", max_width="100%"),
                style={"description_width": "9em"},
            )
            for i in (*NORMAL_ITEMS, *SPECIAL_ITEMS)
        }
        wide = {
            "layout": W.Layout(width="340px", max_width="100%"),
            "style": {"description_width": "7em"},
            "continuous_update": False,
        }
        self.min_total = W.FloatSlider(
            value=0, min=0, max=100, step=0.5, description="最低錄取分數", **wide
        )
        self.quota = W.IntSlider(
            value=self._prog().quota, min=1, max=150, description="名額（人）", **wide
        )
        self.noise = W.FloatSlider(
            value=3, min=0, max=15, step=0.5, description="評分雜訊 SD", **wide
        )
        self.summary = W.HTML(layout=W.Layout(width="100%"))
        self.table_html = W.HTML(layout=W.Layout(width="100%"))
        self.rank_out = W.Output(layout=W.Layout(width="100%", min_height="360px"))
        self.prob_out = W.Output(layout=W.Layout(width="100%", min_height="320px"))
        self.rank_out.add_class("ncut-ranking")
        self.prob_out.add_class("ncut-probability")
        self.rank_fig: go.Figure = go.Figure()
        self.prob_fig: go.Figure = go.Figure()
        self._busy = False
        self._brochure: dict[tuple, pd.DataFrame] = {}  # the brochure weights' ranking
        self._reset_weights()
        self._draw(self._ranking())
        self.program.observe(self._on_program, names="value")
        self.mode.observe(self._on_mode, names="value")
        for k, s in self.weight.items():
            s.observe(lambda ch, k=k: self._on_weight(k, ch), names="value")
        for w in (self.min_total, self.quota, self.noise):
            w.observe(lambda _ch: self.refresh(), names="value")

    def _prog(self):  # noqa: ANN202
        return self.rules.program(self.program.value)

    def _items(self) -> tuple[str, ...]:
        return NORMAL_ITEMS if self.mode.value == "normal" else SPECIAL_ITEMS

    def brochure_weights(self) -> dict[str, int]:
        return dict(
            self.rules.normal_weights
            if self.mode.value == "normal"
            else self._prog().special_weights
        )

    def weights(self) -> dict[str, int]:
        return {i: self.weight[i].value for i in self._items()}

    def _reset_weights(self) -> None:
        self._busy = True
        for i, s in self.weight.items():
            s.layout.display = "flex" if i in self._items() else "none"
        for i, v in self.brochure_weights().items():
            self.weight[i].value = v
        self._busy = False

    def _ranking(self, weights: dict[str, int] | None = None) -> pd.DataFrame:
        from .admission import SmallPoolWarning

        p = self._prog()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallPoolWarning)
            r = rank_admission(
                self.applicants[self.applicants["program"] == p.id],
                self.mode.value,
                rules=self.rules,
                min_total=self.min_total.value,
                weights={p.id: weights or self.weights()},
                quotas={p.id: self.quota.value},
            )
        return r[r["program"] == p.id]

    def _on_weight(self, key: str, change: dict) -> None:
        if self._busy:
            return
        self._busy = True
        new = rebalance(self.weights(), key, change["new"])
        for k, v in new.items():
            self.weight[k].value = v
        self._busy = False
        self.refresh()

    def _on_program(self, _change: dict) -> None:
        self._busy = True
        self.quota.value = self._prog().quota
        self._busy = False
        self._reset_weights()
        self.refresh()

    def _on_mode(self, _change: dict) -> None:
        self._reset_weights()
        self.refresh()

    def refresh(self) -> None:
        if not self._busy:
            self._draw(self._ranking())

    def changes(self, ranked: pd.DataFrame) -> tuple[list[str], list[str]]:
        """Who enters and who leaves the admitted list compared with the brochure's weights."""
        key = (self.program.value, self.mode.value, self.min_total.value, self.quota.value)
        if key not in self._brochure:
            self._brochure = {key: self._ranking(self.brochure_weights())}
        base = self._brochure[key]
        now = set(ranked.loc[ranked["status"] == "admitted", "applicant_id"])
        before = set(base.loc[base["status"] == "admitted", "applicant_id"])
        return sorted(now - before), sorted(before - now)

    def top_table(self, ranked: pd.DataFrame, n: int = 15) -> pd.DataFrame:
        """The first ``n`` of the ranking with Chinese headers and status labels."""
        top = ranked.head(n)
        status = [
            f"備取 {int(w)}" if s == "waitlisted" and pd.notna(w) else STATUS_LABELS.get(s, s)
            for s, w in zip(top["status"], top["waitlist_no"], strict=True)
        ]
        return pd.DataFrame(
            {
                "名次": [("" if pd.isna(v) else int(v)) for v in top["rank"]],
                "申請人": top["applicant_id"].tolist(),
                "總成績": [f"{v:.2f}" for v in top["total"]],
                "錄取狀態": status,
            }
        )

    def selection(self) -> dict[str, str]:
        return {
            "program": self.program.value,
            "mode": self.mode.value,
            "weights": ",".join(f"{k}={v}" for k, v in self.weights().items()),
            "min_total": f"{self.min_total.value:g}",
            "quota": str(self.quota.value),
            "noise": f"{self.noise.value:g}",
        }

    def _draw(self, ranked: pd.DataFrame) -> None:
        r = ranked[ranked["status"] != "disqualified"]
        enter, leave = self.changes(ranked)
        adm = r[r["status"] == "admitted"]
        cutoff = float(adm["total"].min()) if len(adm) else float("nan")
        pid = self._prog().id
        prob = admission_probability(
            self.applicants[self.applicants["program"] == pid],
            self.mode.value,
            sd=self.noise.value,
            draws=self.draws,
            seed=self.seed,
            rules=self.rules,
            min_total=self.min_total.value,
            weights={pid: self.weights()},
            quotas={pid: self.quota.value},
        )
        sel = self.selection()
        name = self._prog().name
        cut = f"{cutoff:.2f}" if cutoff == cutoff else "—"
        self.rank_fig = charts.ranking_bars(
            r["applicant_id"].tolist(),
            r["total"].tolist(),
            r["status"].tolist(),
            title=f"{name}：排名與錄取狀態（錄取最低分 {cut}）",
            meta={**sel, "chart": "ranking"},
        )
        pr = prob.sort_values(["p_admitted", "applicant_id"], ascending=[False, True])
        pr = pr[pr["p_admitted"] > 0]
        self.prob_fig = charts.probability_bars(
            pr["applicant_id"].tolist(),
            pr["p_admitted"].tolist(),
            title=f"{name}：評分雜訊 SD {self.noise.value:g} 分下的錄取機率"
            f"（{self.draws} 次模擬，只列機率大於 0 者）",
            meta={**sel, "chart": "probability"},
        )
        _show(self.rank_out, self.rank_fig)
        _show(self.prob_out, self.prob_fig)
        counts = r["status"].value_counts()
        dq = int((ranked["status"] == "disqualified").sum())
        self.summary.value = (
            f"<div style='{_WRAP}'>正取 {counts.get('admitted', 0)} 人，備取 "
            f"{counts.get('waitlisted', 0)} 人，未錄取 {counts.get('not_admitted', 0)} 人，"
            f"資格不符 {dq} 人；錄取最低分 {cut}。與簡章權重相比：新進正取 {len(enter)} 人"
            f"{_names(enter)}，退出正取 {len(leave)} 人{_names(leave)}。</div>"
        )
        self.table_html.value = self.top_table(ranked).to_html(index=False, escape=True)

    def widget(self) -> W.Widget:
        box = W.VBox(
            [
                _style({"ncut-ranking": 360, "ncut-probability": 320}),
                W.HBox([self.program, self.mode], layout=W.Layout(**_ROW)),
                W.HBox([self.min_total, self.quota, self.noise], layout=W.Layout(**_ROW)),
                W.VBox([self.weight[i] for i in (*NORMAL_ITEMS, *SPECIAL_ITEMS)]),
                self.summary,
                self.rank_out,
                self.prob_out,
                self.table_html,
            ],
            layout=W.Layout(width="100%"),
        )
        box.add_class("ncut-admission-explorer")
        return box

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    @classmethod
    def from_file(cls, applicants: str = "", year: int = 109) -> AdmissionExplorer:
        from .admission import load_applicants

        return cls(
            load_applicants(applicants or paths.default_applicants(year), year=year), year=year
        )
