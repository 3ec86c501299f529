"""The threshold what-if explorer: the graduation rules' thresholds and the aesthetics switch
as sliders, by college, department and as-of date, the official and the what-if pass rates side
by side, and the current view exported as a slide-ready PNG and a CSV."""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import charts, paths
from ..labels import LABELS, WHOLE_SCHOOL
from ..loaders import load_term_data
from ..present import count
from ..rules import UNIT, TermRules, load_term_rules
from ..thresholds import (
    pass_flags,
    population,
    rate_hundredths,
    school_order,
    units_as_of,
    units_in_school_order,
)
from .common import _ROW, _WRAP, Download, _show, _style, csv_download, png_download

_W = LABELS["explorers_threshold"]
ALL = ""  # the college and department dropdowns' value for no filter (shown as 「（全部）」)


def _options(pop: pd.DataFrame, kind: str, rules: TermRules) -> list[tuple[str, str]]:
    """A dropdown's choices: 「（全部）」 (value ``ALL``) and each college or department of
    ``pop``, in the school's order."""
    return [(_W["all"], ALL), *((n, n) for n in units_in_school_order(pop, rules, kind))]


def roc_date(d: dt.date) -> str:
    """A date as the page writes it, in the ROC calendar: 2025-12-12 -> ``114/12/12``."""
    return f"{d.year - 1911}/{d.month:02d}/{d.day:02d}"


def as_of_stops(first: dt.date, last: dt.date, rules: TermRules) -> list[tuple[str, dt.date]]:
    """The as-of days an analyst picks from: every month's end from ``first``'s month to
    ``last``'s, and the term's notice date and 結算日, labelled in ROC (the notice date and the
    結算日 named), in date order."""
    # every notice date of the term (114-1: weeks 8 and 16; 114-2: monthly), named as such
    named = {d: _W["notice_date"] for d in (*rules.notice_dates, rules.notice_date) if d <= last}
    named[rules.settlement_date] = _W["settlement_date"]
    ends = pd.date_range(pd.Timestamp(first).to_period("M").to_timestamp(), last, freq="ME")
    days = {d.date() for d in ends} | {p.date() for p in [pd.Timestamp(last)]} | set(named)
    out = []
    for d in sorted(days):
        name = named.get(d)
        out.append((_W["stop"].format(date=roc_date(d), name=name) if name else roc_date(d), d))
    return out


class ThresholdExplorer:
    """What-if rules for the graduation thresholds, by college, department and as-of date.

    匯出 hands the current view to the reader's browser as two downloads (PNG and CSV); the
    server writes nothing, so a served explorer leaves no file in the repository.
    """

    def __init__(
        self,
        students: pd.DataFrame,
        records: pd.DataFrame,
        *,
        term: str = "114-1",
        rules: TermRules | None = None,
    ) -> None:
        self.rules = r = rules or load_term_rules(term)
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
            options=_options(self.pop, "college", r), value=ALL, description=_W["college"]
        )
        self.department = W.Dropdown(
            options=_options(self.pop, "department", r), value=ALL, description=_W["department"]
        )
        self.category = W.Dropdown(
            options=[(self._label(c), c) for c in r.result_categories],
            value="all",
            description=_W["category"],
        )
        for d in (self.college, self.department, self.category):
            d.layout = W.Layout(width="260px", max_width="100%")
        self.as_of = W.SelectionSlider(
            options=stops,
            value=r.settlement_date,
            description=_W["as_of"],
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
                description=_W["threshold"].format(label=r.label(c), unit=r.unit(c)),
                continuous_update=False,
                readout_format="d" if r.is_counted(c) else ".1f",
                layout=W.Layout(width="420px", max_width="100%"),
                style={"description_width": "10em"},
            )
            for c in r.threshold_categories
        }
        self.aesthetics = W.Checkbox(
            value=bool(r.aesthetics_into),
            description=_W["merged"].format(
                aesthetics=r.label("aesthetics"), engagement=r.label("engagement")
            ),
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.summary = W.HTML(layout=W.Layout(width="100%"))
        self.export_button = W.Button(
            description=_W["export"],
            icon="download",
            layout=W.Layout(width="auto", max_width="100%"),
        )
        self.export_status = W.HTML(layout=W.Layout(width="100%"))
        self.export_status.add_class("ncut-export")
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
            return _W["scope_department"].format(name=self.department.value)
        if self.college.value != ALL:
            return _W["scope_college"].format(name=self.college.value)
        return _W["scope_school"]

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
        )
        # the groups in the school's order (the rules' colleges and departments, 甲乙丙丁)
        levels = ["college", "department", "class"]
        heads = self.pop.loc[m, levels[: levels.index(key) + 1]].drop_duplicates(key)
        out = out.loc[heads[key].iloc[school_order(heads, self.rules, then=())]].reset_index()
        out["rate_official"] = rate_hundredths(out["passed_official"], out["students"]) / 100
        out["rate_whatif"] = rate_hundredths(out["passed_whatif"], out["students"]) / 100
        return out.rename(columns={key: "group"})

    def settings(self) -> tuple[str, list[tuple[str, str, str]], tuple[str, bool]]:
        """Every hypothetical setting of the current view: the as-of date (ROC), each what-if
        threshold as (category, value, unit), and (the 美學 switch's words, merged or not).
        The CSV's columns and the PNG's footnote are both written from this."""
        r = self.rules
        thresholds = [
            (r.label(c), f"{v / UNIT:g}", r.unit(c)) for c, v in self.thresholds().items()
        ]
        merged = _W["merged_short"].format(
            aesthetics=r.label("aesthetics"), engagement=r.label("engagement")
        )
        return roc_date(self.as_of.value), thresholds, (merged, bool(self.aesthetics.value))

    def export_table(self) -> pd.DataFrame:
        """``table()`` as the CSV shows it: Chinese headers, the category and college first,
        then the groups' counts, then every hypothetical setting (``settings()``) on each row."""
        t = self.table()
        sel = self.selection()
        out = pd.DataFrame(
            {
                _W["col_category"]: self._cat_label(),
                _W["col_college"]: sel["college"] or _W["all"],
                _W["col_class" if self.group_key() == "class" else "col_department"]: t["group"],
                _W["col_students"]: t["students"],
                _W["col_passed_official"]: t["passed_official"],
                _W["col_rate_official"]: t["rate_official"],
                _W["col_passed_whatif"]: t["passed_whatif"],
                _W["col_rate_whatif"]: t["rate_whatif"],
            }
        )
        day, thresholds, (merged, on) = self.settings()
        out[_W["col_as_of"]] = day
        for label, value, unit in thresholds:
            out[_W["col_threshold"].format(label=label, unit=unit)] = value
        out[merged] = _W["yes"] if on else _W["no"]
        return out

    def footnote(self) -> str:
        """The PNG's footnote: every hypothetical setting (``settings()``)."""
        day, thresholds, (merged, on) = self.settings()
        return _W["footnote"].format(
            day=day,
            thresholds=_W["list_sep"].join(
                _W["footnote_threshold"].format(label=label, value=value, unit=unit)
                for label, value, unit in thresholds
            ),
            merged=merged,
            on=_W["yes"] if on else _W["no"],
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
            title=_W["bars_title"].format(rate=rate, scope=self._scope(), day=day),
            meta={**sel, "chart": "bars"},
        )
        days, official, whatif = self._curve()
        where = self.department.value if self.department.value != ALL else self.college.value
        curve = charts.whatif_progress(
            days,
            [roc_date(d) for d in days],
            official,
            whatif,
            title=_W["progress_title"].format(
                rate=rate, where=WHOLE_SCHOOL if where == ALL else where, day=day
            ),
            meta={**sel, "chart": "progress"},
        )
        return bars, curve

    # -- events

    def _on_college(self, change: dict) -> None:
        depts = self.pop if change["new"] == ALL else self.pop[self.pop["college"] == change["new"]]
        self._holding = True  # one redraw for the college and its department reset
        try:
            self.department.options = _options(depts, "department", self.rules)
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
        self.export_status.value = ""  # an earlier export's links showed another view

    def _update_summary(self) -> None:
        up, down = self.flips()
        m = self._mask()
        k = list(self.rules.result_categories).index(self.category.value)
        off = int(self._flags(True)[m, k].sum())
        wi = int(self._flags(False)[m, k].sum())
        where = " ".join(v for v in (self.college.value, self.department.value) if v != ALL)
        self.summary.value = (
            f"<div style='{_WRAP}'>"
            + _W["summary"].format(
                category=html.escape(self._cat_label()),
                where=html.escape(where or WHOLE_SCHOOL),
                day=roc_date(self.as_of.value),
                official=count(off),
                whatif=count(wi),
                students=count(int(m.sum())),
                all=html.escape(self._label("all")),
                up=count(up),
                down=count(down),
            )
            + "</div>"
        )

    def export(self) -> tuple[Download, Download]:
        """The current bar chart as a slide-ready PNG (the settings in its footnote) and its
        table as CSV (the settings in its columns), in memory, for the reader's browser."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = _W["file_name"].format(category=self._cat_label(), stamp=stamp)
        fig = go.Figure(self.bar_fig)
        fig.update_layout(width=charts.WIDTH, meta=None)
        fig = charts.slide_style(fig, footer=self.footnote())
        return png_download(fig, f"{name}.png"), csv_download(self.export_table(), f"{name}.csv")

    def _on_export(self, _button: W.Button | None = None) -> None:
        self.export_status.value = f"<div style='{_WRAP}'>{_W['exporting']}</div>"
        try:
            png, csv = self.export()
        except Exception as e:  # noqa: BLE001 - shown to the user instead of a silent log
            msg = _W["export_failed"].format(error=html.escape(str(e)))
        else:
            msg = _W["export_done"].format(
                png=png.link(_W["download_png"]),
                csv=csv.link(_W["download_csv"]),
                png_name=html.escape(png.name),
                csv_name=html.escape(csv.name),
            )
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
    ) -> ThresholdExplorer:
        return cls(
            *load_term_data(
                students or paths.default_students(term), records or paths.default_records(term)
            ),
            term=term,
        )
