"""The admission explorer: one program's ranking under what-if weights (kept summing to 100),
minimum total, quota and scorer noise, with who enters and leaves the admitted list compared with
the brochure's weights.

Applicant ids are personal data: the charts never show them (a bar is a rank), and the table and
the list of who enters and leaves show them only when the analyst ticks 「顯示准考證號碼」, with a
notice on the page while they are shown (issue 24)."""

from __future__ import annotations

import html
import warnings

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import charts, paths
from ..admission import (
    NORMAL_ITEMS,
    SPECIAL_ITEMS,
    admission_probability,
    rank_admission,
    total_decimals,
)
from ..admission.labels import ITEM_LABELS, STATUS_LABELS
from ..labels import LABELS
from ..present import count
from ..rules import AdmissionRules, load_admission_rules
from .common import _ROW, _WRAP, _show, _style

_W = LABELS["explorers_admission"]


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


PERSONAL_DATA_NOTICE = _W["personal_data"]
NO_IDS_NOTE = _W["no_ids"]


def rank_labels(ranks: list[object]) -> list[str]:
    """「第 3 名」 per applicant in order, unique (an unbreakable tie: 「第 3 名（同名次 2）」), for
    a category axis that must not show an applicant's id."""
    seen: dict[str, int] = {}
    out = []
    for r in ranks:
        base = _W["unranked"] if pd.isna(r) else _W["rank"].format(rank=int(r))
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else _W["rank_tie"].format(rank=base, n=seen[base]))
    return out


def _names(ids: list[str], most: int = 10) -> str:
    """``（A、B、C）``, at most ``most`` names and 等; empty for no one."""
    if not ids:
        return ""
    more = _W["names_more"] if len(ids) > most else ""
    listed = _W["names_sep"].join(html.escape(str(i)) for i in ids[:most])
    return _W["names"].format(names=listed, more=more)


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
            description=_W["program"],
            layout=W.Layout(width="440px", max_width="100%"),
        )
        self.mode = W.ToggleButtons(
            options=[(_W["mode_normal"], "normal"), (_W["mode_special"], "special")],
            value="normal",
            description=_W["mode"],
            style={"button_width": "auto", "description_width": "3em"},
            layout=W.Layout(width="auto", max_width="100%"),
        )
        self.weight = {
            i: W.IntSlider(
                min=0,
                max=100,
                step=1,
                description=_W["weight"].format(item=ITEM_LABELS[i]),
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
            value=0, min=0, max=100, step=0.5, description=_W["min_total"], **wide
        )
        self.quota = W.IntSlider(
            value=self._prog().quota, min=1, max=150, description=_W["quota"], **wide
        )
        self.noise = W.FloatSlider(
            value=3, min=0, max=15, step=0.5, description=_W["noise"], **wide
        )
        # ids are shown only on request, with the notice (issue 24)
        self.show_ids = W.Checkbox(
            value=False,
            description=_W["show_ids"],
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.notice = W.HTML(layout=W.Layout(width="100%"))
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
        for w in (self.min_total, self.quota, self.noise, self.show_ids):
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
        from ..admission import SmallPoolWarning

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
        """The first ``n`` of the ranking with Chinese headers and status labels: the exact total
        (as many decimals as the program's totals need) and the 比序 scores where a total is
        shared; the applicant's id only while 「顯示准考證號碼」 is ticked."""
        top = ranked.head(n)
        d = total_decimals(ranked["total_units"])
        status = [
            _W["waitlisted_no"].format(n=int(w))
            if s == "waitlisted" and pd.notna(w)
            else STATUS_LABELS.get(s, s)
            for s, w in zip(top["status"], top["waitlist_no"], strict=True)
        ]
        out = {_W["col_rank"]: [("" if pd.isna(v) else int(v)) for v in top["rank"]]}
        if self.show_ids.value:
            out[_W["col_id"]] = top["applicant_id"].tolist()
        out[_W["col_total"]] = ["" if pd.isna(v) else f"{v:.{d}f}" for v in top["total"]]
        out[_W["col_status"]] = status
        out[_W["col_tiebreak"]] = top["tiebreak"].fillna("").tolist()
        return pd.DataFrame(out)

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
        d = total_decimals(ranked["total_units"])
        ids = self.show_ids.value
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
        cut = f"{cutoff:.{d}f}" if cutoff == cutoff else _W["no_cutoff"]
        self.rank_fig = charts.ranking_bars(
            rank_labels(r["rank"].tolist()),
            r["total"].tolist(),
            r["status"].tolist(),
            title=_W["ranking_title"].format(name=name, cutoff=cut),
            meta={**sel, "chart": "ranking"},
            decimals=d,
        )
        pr = prob.merge(ranked[["applicant_id", "rank"]], on="applicant_id", how="left")
        pr = pr.sort_values(["p_admitted", "rank"], ascending=[False, True], kind="stable")
        pr = pr[pr["p_admitted"] > 0]
        self.prob_fig = charts.probability_bars(
            rank_labels(pr["rank"].tolist()),
            pr["p_admitted"].tolist(),
            title=_W["probability_title"].format(
                name=name, sd=f"{self.noise.value:g}", draws=count(self.draws)
            ),
            meta={**sel, "chart": "probability"},
        )
        _show(self.rank_out, self.rank_fig)
        _show(self.prob_out, self.prob_fig)
        counts = r["status"].value_counts()
        dq = int((ranked["status"] == "disqualified").sum())
        self.summary.value = (
            f"<div style='{_WRAP}'>"
            + _W["summary"].format(
                **{f"{k}_label": v for k, v in STATUS_LABELS.items()},
                admitted=count(counts.get("admitted", 0)),
                waitlisted=count(counts.get("waitlisted", 0)),
                not_admitted=count(counts.get("not_admitted", 0)),
                disqualified=count(dq),
                cutoff=cut,
                entered=count(len(enter)),
                entered_names=_names(enter) if ids else "",
                left=count(len(leave)),
                left_names=_names(leave) if ids else "",
            )
            + "</div>"
        )
        self.notice.value = (
            f"<div class='ncut-personal-data' style='{_WRAP};color:#c00000;font-weight:bold'>"
            f"{PERSONAL_DATA_NOTICE}</div>"
            if ids
            else f"<div style='{_WRAP};color:#555'>{NO_IDS_NOTE}</div>"
        )
        self.table_html.value = self.top_table(ranked).to_html(index=False, escape=True)

    def widget(self) -> W.Widget:
        box = W.VBox(
            [
                _style({"ncut-ranking": 360, "ncut-probability": 320}),
                W.HBox([self.program, self.mode], layout=W.Layout(**_ROW)),
                W.HBox([self.min_total, self.quota, self.noise], layout=W.Layout(**_ROW)),
                W.VBox([self.weight[i] for i in (*NORMAL_ITEMS, *SPECIAL_ITEMS)]),
                self.show_ids,
                self.notice,
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
        from ..admission import load_applicants

        return cls(
            load_applicants(applicants or paths.default_applicants(year), year=year), year=year
        )
