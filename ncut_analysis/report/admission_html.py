"""The admission briefing as its notebook shows it: HTML pieces and figures, a view of an
``AdmissionReport`` (``b.header()``, ``b.overview()``, ``b.fig_status()``, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import charts
from ..labels import LABELS, MODE_LABELS
from .admission import MODES, AdmissionReport
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
        weights = f"筆試 {w['written']}%＋面試 {w['interview']}%＋書面審查 {w['review']}%"
        warn = "".join(f"<p class='ncut-warn'>報名人數不足：{_e(m)}</p>" for m in r.small_pools)
        return _html(
            f"{CSS}<div class='ncut-title'><h1>{_e(r.rules.year)} 學年度產學訓四技專班 招生排名模擬簡報</h1>"
            f"<p class='sub'>一般模式（{_e(weights)}）與特殊狀態（書面審查 100%，各系權重與比序）"
            f"之比較；製表時間 {_e(_made_at(r))}</p></div>"
            + _params_block(r.params, _made_at(r), "依下列參數產生，所有數字皆由資料計算")
            + warn
        )

    def overview(self):  # noqa: ANN201
        df = self.report.summary_frame()
        blocks = [(c, [("", c)]) for c in ("名額", "報名人數", "最低錄取標準")]
        fmt = {}
        for m in MODES:
            lab = MODE_LABELS[m]
            cols = [c for c in df.columns if c.startswith(f"{lab}｜")]
            blocks.append((f"{lab}模式", [(c.split("｜", 1)[1], c) for c in cols]))
            fmt[f"{lab}｜錄取最低分"] = f".{self.report.decimals}f"  # exact (issue 26)
        fmt["最低錄取標準"] = f".{self.report.decimals}f"
        blocks.append(
            (
                "正取名單重疊",
                [("兩者皆", "兩者皆正取"), ("僅一般", "僅一般正取"), ("僅特殊", "僅特殊正取")],
            )
        )
        blocks.append(
            (
                "名次相關",
                [
                    (LABELS["statistic"]["spearman_short"], LABELS["statistic"]["spearman"]),
                    (LABELS["statistic"]["kendall_short"], LABELS["statistic"]["kendall"]),
                ],
            )
        )
        fmt.update({LABELS["statistic"]["spearman"]: ".3f", LABELS["statistic"]["kendall"]: ".3f"})
        return _html(
            grouped_table(df, ["專班"], blocks, span_first=False, formats=fmt)
            + "<p class='ncut-note'>名次相關以兩種模式皆有名次的考生計算。總分不四捨五入："
            "錄取最低分與最低錄取標準皆為精確值，以同一數字比較；總分相同者依比序"
            "（一般模式：筆試、面試、書面審查；特殊狀態：各系比序）。</p>"
        )

    def disqualified(self):  # noqa: ANN201
        df = self.report.disqualified_frame()
        keep = [c for c in df.columns if c in ("專班", "模式", "合計") or df[c].sum() > 0]
        return _html(
            html_table(df[keep])
            + "<p class='ncut-note'>原因依簡章用語；同一考生有數個原因時只計第一個："
            "招生單位不予錄取、不符報考資格、柒.四 筆試缺考或零分、未獲面試、柒.四 面試或書面審查"
            "缺考或零分（特殊狀態：未繳任何書審資料或書審總分 0 分）。</p>"
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
            f"<p>{_e(r.noise_statement())}模擬 {r.draws} 次：</p>"
            + html_table(r.probability_frame())
        )

    def fig_depth(self):  # noqa: ANN201
        r = self.report
        return charts.waitlist_depth_chart(
            r.depth[r.depth["mode"] == "normal"], self._programs(), r.no_show
        )

    def backfill(self):  # noqa: ANN201
        r = self.report
        return _html(
            f"<p>正取生各以 {r.no_show:.0%} 的機率未報到，缺額依備取順序遞補"
            f"（被通知的備取生也以同一機率放棄），模擬 {r.draws} 次：</p>"
            + html_table(
                r.depth_frame(),
                formats={"遞補機率": ".1%", "平均遞補到第幾位": ".1f", "備取用盡的機率": ".1%"},
            )
        )

    def write_files(self, name: str = "admission_briefing.xlsx"):  # noqa: ANN201
        r = self.report
        target = self.output_dir / name
        write_workbook(
            r.tables(), target, title=f"{r.rules.year} 學年度產學訓四技專班 招生排名模擬"
        )
        return _html(f"<p class='ncut-note'>本簡報的表格另存為 {_link(target, name)}。</p>")

    write_xlsx = write_files
