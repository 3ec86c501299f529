"""ipywidgets dashboards for analysts: what-if threshold rules and admission weights.

The notebooks only build one of these and display it; tests drive the same objects headlessly
(set a control's value, read the figures and counts). Figures are ``go.FigureWidget``s created
once with their initial state in the constructor and updated in place (``batch_update``), so a
change redraws without re-creating anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import charts, paths
from .admission import NORMAL_ITEMS, SPECIAL_ITEMS, admission_probability, rank_admission
from .io import write_csv
from .loaders import load_records, load_students
from .rules import (
    CATEGORIES,
    THRESHOLD_CATEGORIES,
    UNIT,
    AdmissionRules,
    TermRules,
    load_admission_rules,
    load_term_rules,
)
from .thresholds import RESULT_CATEGORIES, pass_flags, population, positions, rate_hundredths

__all__ = ["ThresholdExplorer", "AdmissionExplorer", "units_by_week", "rebalance"]

ALL = "（全部）"


def units_by_week(
    students: pd.DataFrame, records: pd.DataFrame, rules: TermRules, weeks: list[dt.date]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The population and its units per category as of each date in ``weeks``: an int64 array of
    shape (weeks, students, 5), cumulative, from one pass over the records."""
    pop = population(students, rules)
    idx = positions(records["student_id"], pop["student_id"])
    keep = idx >= 0
    marks = np.array([np.datetime64(d, "s") for d in weeks])
    # A record counts from the first week-mark on or after its date.
    w = np.searchsorted(marks, records["date"].to_numpy()[keep], side="left")
    inside = w < len(weeks)
    codes = records["category"].cat.codes.to_numpy()[keep]
    n, c = len(pop), len(CATEGORIES)
    flat = (w[inside] * n + idx[keep][inside]) * c + codes[inside]
    sums = np.bincount(
        flat, weights=records["units"].to_numpy()[keep][inside], minlength=len(weeks) * n * c
    )
    cube = np.rint(sums).astype(np.int64).reshape(len(weeks), n, c)
    return pop, np.cumsum(cube, axis=0)


class ThresholdExplorer:
    """What-if rules for the graduation thresholds, by college, department and as-of date."""

    def __init__(
        self,
        students: pd.DataFrame,
        records: pd.DataFrame,
        *,
        term: str = "114-1",
        rules: TermRules | None = None,
        out_dir: Path | None = None,
    ) -> None:
        self.rules = rules or load_term_rules(term)
        self.out_dir = Path(out_dir) if out_dir else paths.outputs_dir() / "explorer"
        first = records["date"].min().date() if len(records) else self.rules.settlement_date
        last = max(
            records["date"].max().date() if len(records) else first, self.rules.settlement_date
        )
        start = first - dt.timedelta(days=first.weekday())
        weeks = pd.date_range(start, last, freq="7D").date.tolist()
        weeks = sorted(
            set(weeks) | {last, self.rules.settlement_date, self.rules.notice_date} - {None}
        )
        self.weeks = [d for d in weeks if d <= last]
        self.pop, self.cube = units_by_week(students, records, self.rules, self.weeks)
        r = self.rules
        colleges = list(dict.fromkeys(self.pop["college"]))
        self.college = W.Dropdown(options=[ALL, *colleges], value=ALL, description="學院")
        self.department = W.Dropdown(
            options=[ALL, *dict.fromkeys(self.pop["department"])], value=ALL, description="學系"
        )
        self.category = W.Dropdown(
            options=[(("全數通過" if c == "all" else r.label(c)), c) for c in RESULT_CATEGORIES],
            value="all",
            description="項目",
        )
        default_day = r.settlement_date if r.settlement_date in self.weeks else self.weeks[-1]
        self.as_of = W.SelectionSlider(
            options=[(d.isoformat(), d) for d in self.weeks],
            value=default_day,
            description="結算日",
            continuous_update=False,
            layout=W.Layout(width="95%"),
        )
        self.sliders = {
            c: W.FloatSlider(
                value=self.rules.thresholds[c] / UNIT,
                min=0,
                max=max(6.0, 2 * self.rules.thresholds[c] / UNIT),
                step=1 if c == "certificate" else 0.5,
                description=f"{r.label(c)}門檻",
                continuous_update=False,
            )
            for c in THRESHOLD_CATEGORIES
        }
        self.aesthetics = W.Checkbox(
            value=bool(r.aesthetics_into), description="美學時數併入社會接軌"
        )
        self.summary = W.HTML()
        self.export_button = W.Button(
            description="匯出目前畫面（PNG + CSV）", icon="download", layout=W.Layout(width="auto")
        )
        self.export_status = W.HTML()
        groups, official, whatif = self._bars()
        label = self._cat_label()
        self.bar_fig = go.FigureWidget(
            data=[
                go.Bar(name="正式門檻", x=groups, y=official, marker_color=charts.PALETTE[0]),
                go.Bar(name="假設門檻", x=groups, y=whatif, marker_color=charts.PALETTE[1]),
            ],
            layout=go.Layout(
                title=f"{label}通過率：正式門檻 vs 假設門檻",
                barmode="group",
                yaxis={"range": [0, 105], "title": "通過率 %"},
                font={"family": charts.FONT_FAMILY},
                template="plotly_white",
                height=380,
                margin={"t": 60},
            ),
        )
        xs, ys, ys_off = self._curve()
        self.curve_fig = go.FigureWidget(
            data=[
                go.Scatter(
                    name="正式門檻", x=xs, y=ys_off, mode="lines", line={"color": charts.PALETTE[0]}
                ),
                go.Scatter(
                    name="假設門檻", x=xs, y=ys, mode="lines", line={"color": charts.PALETTE[1]}
                ),
            ],
            layout=go.Layout(
                title=f"{label}通過率的進展（至所選結算日）",
                yaxis={"range": [0, 100], "title": "通過率 %"},
                font={"family": charts.FONT_FAMILY},
                template="plotly_white",
                height=340,
                margin={"t": 60},
            ),
        )
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
        self.export_button.on_click(lambda _: self.export())
        self._update_summary()

    # -- state

    def thresholds(self) -> dict[str, int]:
        return {c: int(round(s.value * UNIT)) for c, s in self.sliders.items()}

    def _cat_label(self) -> str:
        c = self.category.value
        return "四項全數" if c == "all" else self.rules.label(c)

    def _mask(self) -> np.ndarray:
        m = np.ones(len(self.pop), dtype=bool)
        if self.college.value != ALL:
            m &= (self.pop["college"] == self.college.value).to_numpy()
        if self.department.value != ALL:
            m &= (self.pop["department"] == self.department.value).to_numpy()
        return m

    def _week(self) -> int:
        return self.weeks.index(self.as_of.value)

    def whatif_rules(self) -> TermRules:
        """The term's rules with the sliders' thresholds and the aesthetics switch."""
        return self.rules.replace(
            thresholds=self.thresholds(),
            aesthetics_into="engagement" if self.aesthetics.value else None,
        )

    def _flags(self, official: bool) -> np.ndarray:
        return pass_flags(self.cube[self._week()], self.rules if official else self.whatif_rules())

    def table(self) -> pd.DataFrame:
        """The current view as a table: per group, students, passed and rate under both rules."""
        k = list(RESULT_CATEGORIES).index(self.category.value)
        key = "class" if self.department.value != ALL else "department"
        m = self._mask()
        df = self.pop.loc[m, ["college", "department", "class"]].copy()
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

    def _bars(self) -> tuple[list[str], list[float], list[float]]:
        t = self.table()
        return t["group"].tolist(), t["rate_official"].tolist(), t["rate_whatif"].tolist()

    def _curve(self) -> tuple[list[str], list[float], list[float]]:
        k = list(RESULT_CATEGORIES).index(self.category.value)
        upto = self._week() + 1
        m = self._mask()
        units = self.cube[:upto][:, m]
        n = max(int(m.sum()), 1)
        whatif = pass_flags(units, self.whatif_rules())[..., k].sum(axis=1)
        official = pass_flags(units, self.rules)[..., k].sum(axis=1)
        xs = [d.isoformat() for d in self.weeks[:upto]]
        return (
            xs,
            (rate_hundredths(whatif, np.full(upto, n)) / 100).tolist(),
            (rate_hundredths(official, np.full(upto, n)) / 100).tolist(),
        )

    def flips(self) -> tuple[int, int]:
        """Students in the selection whose all-four status the what-if changes: (newly pass, newly fail)."""
        m = self._mask()
        off = self._flags(True)[m, -1]
        wi = self._flags(False)[m, -1]
        return int((wi & ~off).sum()), int((~wi & off).sum())

    # -- events

    def _on_college(self, change: dict) -> None:
        depts = (
            self.pop["department"]
            if change["new"] == ALL
            else self.pop.loc[self.pop["college"] == change["new"], "department"]
        )
        self.department.options = [ALL, *dict.fromkeys(depts)]
        self.department.value = ALL

    def _on_change(self, _change: dict | None = None) -> None:
        groups, official, whatif = self._bars()
        xs, ys, ys_off = self._curve()
        label = self._cat_label()
        with self.bar_fig.batch_update():
            self.bar_fig.data[0].x, self.bar_fig.data[0].y = groups, official
            self.bar_fig.data[1].x, self.bar_fig.data[1].y = groups, whatif
            self.bar_fig.layout.title.text = f"{label}通過率：正式門檻 vs 假設門檻"
        with self.curve_fig.batch_update():
            self.curve_fig.data[0].x, self.curve_fig.data[0].y = xs, ys_off
            self.curve_fig.data[1].x, self.curve_fig.data[1].y = xs, ys
            self.curve_fig.layout.title.text = (
                f"{label}通過率的進展（至 {self.as_of.value.isoformat()}）"
            )
        self._update_summary()

    def _update_summary(self) -> None:
        up, down = self.flips()
        m = self._mask()
        k = list(RESULT_CATEGORIES).index(self.category.value)
        off = int(self._flags(True)[m, k].sum())
        wi = int(self._flags(False)[m, k].sum())
        self.summary.value = (
            f"<b>{self._cat_label()}</b>：正式門檻 {off} 人通過，假設門檻 {wi} 人通過（共 {int(m.sum())} 人）。"
            f"四項全數通過的狀態改變：{up} 人由未通過變通過，{down} 人由通過變未通過。"
        )

    def export(self) -> tuple[Path, Path]:
        """The current bar view as a slide-ready PNG and its table as CSV, into ``out_dir``."""
        from .slides import SlideChart, export_images

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"threshold_whatif_{self.category.value}_{stamp}"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        csv = write_csv(self.table(), self.out_dir / f"{name}.csv", bom=True)
        fig = charts.slide_style(
            go.Figure(self.bar_fig),
            footer=f"結算日 {self.as_of.value.isoformat()}｜假設門檻 "
            + "、".join(f"{self.rules.label(c)} {s.value:g}" for c, s in self.sliders.items()),
        )
        (png,) = export_images([SlideChart(name, fig, "")], self.out_dir)
        self.export_status.value = f"已匯出 {png.name} 與 {csv.name} 至 {self.out_dir}"
        return png, csv

    def widget(self) -> W.Widget:
        controls = W.VBox(
            [
                W.HBox([self.college, self.department, self.category]),
                self.as_of,
                W.HBox(
                    [
                        W.VBox(list(self.sliders.values())),
                        W.VBox([self.aesthetics, self.export_button, self.export_status]),
                    ]
                ),
            ]
        )
        return W.VBox([controls, self.summary, self.bar_fig, self.curve_fig])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    @classmethod
    def from_files(
        cls, students: str = "", records: str = "", term: str = "114-1"
    ) -> ThresholdExplorer:
        return cls(
            load_students(students or paths.default_students(term)),
            load_records(records or paths.default_records(term)),
            term=term,
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
            options=[(p.name, p.id) for p in progs], value=progs[0].id, description="專班"
        )
        self.mode = W.ToggleButtons(
            options=[("一般（筆試＋面試＋書審）", "normal"), ("特殊狀態（書審 100%）", "special")],
            value="normal",
            description="模式",
        )
        self.weight = {
            i: W.IntSlider(min=0, max=100, step=1, description=i, continuous_update=False)
            for i in (*NORMAL_ITEMS, *SPECIAL_ITEMS)
        }
        self.min_total = W.FloatSlider(
            value=0, min=0, max=100, step=0.5, description="最低錄取", continuous_update=False
        )
        self.quota = W.IntSlider(
            value=self._prog().quota, min=1, max=150, description="名額", continuous_update=False
        )
        self.noise = W.FloatSlider(
            value=3, min=0, max=15, step=0.5, description="評分雜訊 SD", continuous_update=False
        )
        self.summary = W.HTML()
        self.table_html = W.HTML()
        self._busy = False
        self._reset_weights()
        ranked = self._ranking()
        self.rank_fig = go.FigureWidget(
            data=[go.Bar()],
            layout=go.Layout(
                title="排名與錄取狀態",
                font={"family": charts.FONT_FAMILY},
                template="plotly_white",
                height=360,
                margin={"t": 60},
                yaxis={"title": "總成績"},
            ),
        )
        self.prob_fig = go.FigureWidget(
            data=[go.Bar(marker_color=charts.PALETTE[2])],
            layout=go.Layout(
                title="評分雜訊下的錄取機率",
                font={"family": charts.FONT_FAMILY},
                template="plotly_white",
                height=320,
                margin={"t": 60},
                yaxis={"range": [0, 1], "title": "錄取機率"},
            ),
        )
        self._draw(ranked)
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
        import warnings

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
        base = self._ranking(self.brochure_weights())
        now = set(ranked.loc[ranked["status"] == "admitted", "applicant_id"])
        before = set(base.loc[base["status"] == "admitted", "applicant_id"])
        return sorted(now - before), sorted(before - now)

    def _draw(self, ranked: pd.DataFrame) -> None:
        colors = {
            "admitted": charts.PALETTE[2],
            "waitlisted": charts.PALETTE[1],
            "not_admitted": "#999999",
        }
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
        with self.rank_fig.batch_update():
            self.rank_fig.data[0].x = r["applicant_id"].tolist()
            self.rank_fig.data[0].y = r["total"].tolist()
            self.rank_fig.data[0].marker.color = [colors[s] for s in r["status"]]
            self.rank_fig.layout.title.text = (
                f"排名與錄取狀態（綠：正取，橙：備取）；錄取最低分 {cutoff:.2f}"
            )
        pr = prob.sort_values(["p_admitted", "applicant_id"], ascending=[False, True])
        pr = pr[pr["p_admitted"] > 0]
        with self.prob_fig.batch_update():
            self.prob_fig.data[0].x, self.prob_fig.data[0].y = (
                pr["applicant_id"].tolist(),
                pr["p_admitted"].tolist(),
            )
            self.prob_fig.layout.title.text = (
                f"評分雜訊 SD {self.noise.value:g} 分下的錄取機率"
                f"（{self.draws} 次模擬；只列機率大於 0 者）"
            )
        counts = r["status"].value_counts()
        self.summary.value = (
            f"正取 {counts.get('admitted', 0)} 人，備取 {counts.get('waitlisted', 0)} 人，"
            f"未錄取 {counts.get('not_admitted', 0)} 人，資格不符 {int((ranked['status'] == 'disqualified').sum())} 人；"
            f"錄取最低分 {cutoff:.2f}。與簡章權重相比：新進正取 {len(enter)} 人（{'、'.join(enter[:10])}），"
            f"退出正取 {len(leave)} 人（{'、'.join(leave[:10])}）。"
        )
        top = ranked.head(15)[["applicant_id", "total", "rank", "status"]]
        self.table_html.value = top.to_html(index=False, escape=True)

    def widget(self) -> W.Widget:
        return W.VBox(
            [
                W.HBox([self.program, self.mode]),
                W.HBox([self.min_total, self.quota, self.noise]),
                W.HBox([W.VBox([self.weight[i] for i in (*NORMAL_ITEMS, *SPECIAL_ITEMS)])]),
                self.summary,
                self.rank_fig,
                self.prob_fig,
                self.table_html,
            ]
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    @classmethod
    def from_file(cls, applicants: str = "", year: int = 109) -> AdmissionExplorer:
        from .admission import load_applicants

        return cls(
            load_applicants(applicants or paths.default_applicants(year), year=year), year=year
        )
