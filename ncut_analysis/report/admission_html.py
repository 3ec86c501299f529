"""The admission briefing as its notebook shows it: HTML pieces and figures, a view of an
``AdmissionReport`` (``b.header()``, ``b.overview()``, ``b.fig_status()``, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import charts
from ..admission import ITEM_LABELS
from ..labels import LABELS, STATUS_LABELS
from ..present import count
from .admission import MODES, AdmissionReport, heading
from .html import (
    CSS,
    _default_output,
    _e,
    _html,
    _link,
    _made_at,
    _params_block,
    grouped_table,
    html_table,
)
from .xlsx import write_workbook

__all__ = ["AdmissionBriefing"]

_B = LABELS["admission_briefing"]
_SPECS = {"share": ".1%", "one": ",.1f", "corr": ".3f"}


def _table(df: pd.DataFrame) -> str:
    """A presented frame (``AdmissionReport.present``) as an HTML table: numbers as numbers,
    right-aligned, in their formats; counts with thousands separators."""
    fmts = df.attrs.get("formats", {})
    specs = {c: _SPECS.get(f, f",.{len(f.partition('.')[2])}f") for c, f in fmts.items()}
    return html_table(df, formats=specs)


@dataclass
class AdmissionBriefing:
    """The admission briefing as its notebook shows it: a view of an ``AdmissionReport``."""

    report: AdmissionReport
    output_dir: Path

    @classmethod
    def build(cls, *, output_dir: str = "", **params: Any) -> AdmissionBriefing:
        report = AdmissionReport.build(**params)
        out = Path(output_dir) if output_dir else _default_output(f"admission_{report.rules.year}")
        return cls(report=report, output_dir=out)

    def __getattr__(self, name: str) -> Any:
        if name == "report":
            raise AttributeError(name)
        return getattr(self.report, name)

    def _programs(self) -> list[tuple[str, str]]:
        return self.report.programs()

    def header(self):  # noqa: ANN201
        r = self.report
        w = r.rules.normal_weights
        weights = _B["weights"].format(
            **{f"{k}_label": ITEM_LABELS[k] for k in ("written", "interview", "review")},
            written=w["written"],
            interview=w["interview"],
            review=w["review"],
        )
        warn = "".join(
            f"<p class='ncut-warn'>{_e(_B['small_pool'].format(name=name, n=count(n), least=count(r.rules.min_applicants)))}</p>"
            for name, n in r.small_pool_counts()
        )
        return _html(
            f"{CSS}<div class='ncut-title'><h1>{_e(_B['title'].format(year=r.rules.year))}</h1>"
            f"<p class='sub'>{_e(_B['subtitle'].format(weights=weights, made_at=_made_at(r)))}"
            "</p></div>" + _params_block(r.params, _made_at(r), _B["params_note"]) + warn
        )

    def overview(self):  # noqa: ANN201
        r = self.report
        df = r.present(r.summary_frame(), text=True)
        h = heading
        shown = {c: _B.get(f"overview_{c}", h(c)) for c in ("quota", "applicants", "min_total")}
        blocks = [(shown[c], [("", h(c))]) for c in shown]
        for m in MODES:
            cols = ("admitted", "waitlisted", "disqualified")
            sub = [(STATUS_LABELS[k], h(f"{k}_{m}")) for k in cols]
            sub.append((h("cutoff"), h(f"cutoff_{m}")))
            blocks.append((_B[f"mode_block_{m}"], sub))
        overlap = ("both", "only_normal", "only_special")
        # under the block's heading 「正取名單重疊」, the short two-line forms the slides use
        short = LABELS["admission_slides"]
        blocks.append((_B["overlap_block"], [(short[f"overlap_{k}"], h(k)) for k in overlap]))
        stat = LABELS["statistic"]
        blocks.append(
            (
                _B["correlation_block"],
                [(stat[f"{k}_short"], h(k)) for k in ("spearman", "kendall")],
            )
        )
        return _html(
            grouped_table(df, [h("program")], blocks, span_first=False)
            + f"<p class='ncut-note'>{_e(_B['overview_note'])}</p>"
        )

    def disqualified(self):  # noqa: ANN201
        r = self.report
        codes = r.disqualified_frame()
        keep = [
            c
            for c in codes.columns
            if c in ("program", "mode", "total_count") or codes[c].sum() > 0
        ]
        return _html(
            _table(r.present(codes[keep]))
            + f"<p class='ncut-note'>{_e(_B['disqualified_note'])}</p>"
        )

    def fig_status(self):  # noqa: ANN201
        s = self.report.summary
        return charts.admission_status_chart(s[s["applicants"] > 0])

    def fig_shift(self):  # noqa: ANN201
        return charts.rank_shift_chart(self.report.compared, self._programs())

    def fig_shift_paper(self):  # noqa: ANN201
        """On paper, every class's rank changes (the screen's dropdown cannot be pressed)."""
        singles = [charts.rank_shift_chart(self.report.compared, [p]) for p in self._programs()]
        return charts.stack(singles, height_each=300)

    def fig_probability(self):  # noqa: ANN201
        r = self.report
        return charts.probability_chart(
            r.prob.dropna(subset=["rank"]), self._programs(), r.sd, r.draws
        )

    def probability(self):  # noqa: ANN201
        r = self.report
        return _html(
            f"<p>{_e(_B['probability_intro'].format(noise=r.noise_statement(), draws=count(r.draws)))}</p>"
            + _table(r.present(r.probability_frame()))
        )

    def fig_depth(self):  # noqa: ANN201
        r = self.report
        return charts.waitlist_depth_chart(
            r.depth[r.depth["mode"] == "normal"], self._programs(), r.no_show
        )

    def backfill(self):  # noqa: ANN201
        r = self.report
        return _html(
            f"<p>{_e(_B['backfill_intro'].format(no_show=f'{r.no_show:.0%}', draws=count(r.draws)))}</p>"
            + _table(r.present(r.depth_frame()))
        )

    def write_files(self, name: str = "admission_briefing.xlsx"):  # noqa: ANN201
        r = self.report
        target = self.output_dir / name
        write_workbook(r.tables(), target, title=_B["workbook_title"].format(year=r.rules.year))
        files = _e(_B["files"]).format(link=_link(target, _B["files_link"]))
        return _html(f"<p class='ncut-note'>{files}</p>")

    write_xlsx = write_files
