"""The admission briefing's content as data: both modes per program, overlap, rank shifts,
cutoffs, correlations, admission probability under scorer noise and waitlist backfill, computed
once with no HTML in it. The HTML page, the slides and the workbook are views of it."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import paths
from ..errors import SmallPoolWarning
from ..labels import LABELS, MODE_LABELS, OVERLAP_LABELS, PARAM_LABELS, STATUS_LABELS
from .term import _formats, taipei_now

_STAT = LABELS["statistic"]
PARAM_VALUE_NONE = "無"  # an option not set, as the parameter block shows it

__all__ = ["AdmissionReport", "MODES", "PERSONAL_DATA_NOTE"]

MODES = ("normal", "special")
# On every sheet that lists applicants (the rosters' mechanism: ``attrs["personal_data"]``).
PERSONAL_DATA_NOTE = "含個人資料（准考證號碼與成績），僅供招生委員會作業使用，請勿轉寄或公開。"


def _personal(df: pd.DataFrame) -> pd.DataFrame:
    df.attrs["personal_data"] = PERSONAL_DATA_NOTE
    return df


@dataclass(frozen=True)
class AdmissionReport:
    """Everything the admission briefing shows, as frames and numbers."""

    rules: Any
    params: dict[str, str]
    normal: pd.DataFrame
    special: pd.DataFrame
    compared: pd.DataFrame
    summary: pd.DataFrame
    prob: pd.DataFrame
    depth: pd.DataFrame
    standards: pd.DataFrame
    reasons: pd.DataFrame
    sd: float
    no_show: float
    draws: int
    small_pools: list[str]
    made_at: dt.datetime = field(default_factory=taipei_now)

    @classmethod
    def build(
        cls,
        *,
        year: int = 109,
        applicants: str = "",
        min_total: float | str | dict = 0,
        waitlist: int = -1,
        noise_sd: float = 3.0,
        no_show: float = 0.1,
        draws: int = 10_000,
        seed: int = 0,
    ) -> AdmissionReport:
        """``waitlist`` < 0 means no limit; empty ``applicants`` means the shipped pool;
        ``min_total`` one number for every class or one per class (a mapping, or
        ``"precision-machinery=60,hvac-energy=55"``)."""
        from ..admission import (
            admission_probability,
            backfill_depth,
            compare_modes,
            load_applicants,
            minimum_standards,
            rank_admission,
            reason_counts,
        )
        from ..rules import load_admission_rules

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
                    apps, mode, sd=noise_sd, draws=draws, seed=seed, rules=rules,
                    min_total=min_total,
                )  # fmt: skip
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
        standards = minimum_standards(min_total, rules=rules)
        reasons = pd.concat(
            [reason_counts(normal, rules=rules), reason_counts(special, rules=rules)],
            ignore_index=True,
        )
        mins = "、".join(
            f"{r.short} {r.min_total:g}" for r in standards.itertuples() if r.min_total_units
        )
        shown = {
            PARAM_LABELS["year"]: str(year),
            PARAM_LABELS["applicants"]: Path(applicants).name
            if applicants
            else f"隨附的合成資料（{path.name}）",
            PARAM_LABELS["min_total"]: mins or "無",
            PARAM_LABELS["waitlist"]: "不限" if wl is None else str(wl),
            PARAM_LABELS["noise_sd"]: f"{noise_sd:g}",
            PARAM_LABELS["no_show"]: f"{no_show:.0%}",
            PARAM_LABELS["draws"]: str(draws),
            PARAM_LABELS["seed"]: str(seed),
        }
        return cls(
            rules=rules,
            params=shown,
            normal=normal,
            special=special,
            compared=cmp["applicants"],
            summary=cmp["summary"],
            prob=pd.concat(probs, ignore_index=True),
            depth=depth,
            standards=standards,
            reasons=reasons,
            sd=noise_sd,
            no_show=no_show,
            draws=draws,
            small_pools=small,
        )

    def programs(self) -> list[tuple[str, str]]:
        """(id, class name) of the programs with applicants, in the rules' order."""
        present = set(self.summary.loc[self.summary["applicants"] > 0, "program"])
        return [(p.id, p.name) for p in self.rules.programs if p.id in present]

    def ranking(self, mode: str) -> pd.DataFrame:
        return self.normal if mode == "normal" else self.special

    @property
    def decimals(self) -> int:
        """The decimals that show every exact total of both modes and every minimum standard
        as it is (issue 26): a list never shows two different totals alike, nor a total below
        the minimum as equal to it."""
        from ..admission import total_decimals

        units = pd.concat(
            [
                self.normal["total_units"],
                self.special["total_units"],
                self.standards["min_total_units"],
            ],
            ignore_index=True,
        )
        return total_decimals(units)

    @property
    def score_format(self) -> str:
        """The workbook's number format of a total: ``0.00`` or as many decimals as needed."""
        return "0." + "0" * self.decimals

    def noise_statement(self) -> str:
        """The Monte Carlo's noise model in words, from the rules file's ``[noise]``."""
        from ..admission import ITEM_LABELS, NORMAL_ITEMS, SPECIAL_ITEMS

        people = self.rules.scored_by_people

        def named(items: tuple[str, ...], keep: bool) -> str:
            return "、".join(ITEM_LABELS[i] for i in items if (i in people) == keep) or "無"

        return (
            f"評分雜訊只加在由人評分的項目：一般模式 {named(NORMAL_ITEMS, True)}；特殊狀態 "
            f"{named(SPECIAL_ITEMS, True)}。每一項各自加上平均 0、標準差 {self.sd:g} 分的常態雜訊，"
            f"四捨五入到 0.001 分並限制在 0–100 分，缺項仍為缺；機器閱卷或照紀錄登錄的項目不變"
            f"（一般模式 {named(NORMAL_ITEMS, False)}；特殊狀態 {named(SPECIAL_ITEMS, False)}）。"
            "兩種模式用同一規則（招生規則檔的 [noise]），每次模擬都以完整比序重新排名。"
        )

    # -- numbers the views state

    def probability_counts(self) -> pd.DataFrame:
        """Per program and mode (``admission.probability_summary``): ``near_certain`` (p ≥ 95%),
        ``marginal`` (5% < p < 95%), ``admitted_below_half``; with the program's name."""
        from ..admission import probability_summary

        out = probability_summary(self.prob.dropna(subset=["rank"]))
        return self._named(out)

    def backfill_summary(self) -> pd.DataFrame:
        """Per program and mode (``admission.backfill_summary``): waitlist length, mean and
        90th-percentile depth, P(any call), P(the list runs out); with the program's name."""
        from ..admission import backfill_summary

        return self._named(backfill_summary(self.depth))

    def _named(self, df: pd.DataFrame) -> pd.DataFrame:
        present = [pid for pid, _ in self.programs()]
        names = dict(self.programs())
        df = df[df["program"].isin(present)].copy()
        df["name"] = df["program"].map(names)
        order = {pid: i for i, pid in enumerate(present)}
        key = df["program"].map(order) * 2 + df["mode"].map({m: i for i, m in enumerate(MODES)})
        return df.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k")

    # -- the frames the reader sees (Chinese headings, numbers as numbers)

    def summary_frame(self) -> pd.DataFrame:
        s = self.summary
        out = pd.DataFrame({"專班": s["name"], "名額": s["quota"], "報名人數": s["applicants"]})
        std = self.standards.set_index("program")["min_total"]
        # 柒.一's standard as the parameters word it: a class with none reads 無, not 0.00
        none = PARAM_VALUE_NONE
        out["最低錄取標準"] = [
            none if pd.isna(v) or float(v) == 0 else float(v) for v in s["program"].map(std)
        ]
        for m in MODES:
            lab = MODE_LABELS[m]
            out[f"{lab}｜{STATUS_LABELS['admitted']}"] = s[f"admitted_{m}"]
            out[f"{lab}｜{STATUS_LABELS['waitlisted']}"] = s[f"waitlisted_{m}"]
            out[f"{lab}｜{STATUS_LABELS['disqualified']}"] = s[f"disqualified_{m}"]
            out[f"{lab}｜錄取最低分"] = s[f"cutoff_{m}"].astype(float)
        out["兩者皆正取"] = s["both"]
        out["僅一般正取"] = s["only_normal"]
        out["僅特殊正取"] = s["only_special"]
        out[_STAT["spearman"]] = s["spearman"].astype(float)
        out[_STAT["kendall"]] = s["kendall"].astype(float)
        out.attrs["formats"] = {
            "最低錄取標準": self.score_format,
            **{f"{MODE_LABELS[m]}｜錄取最低分": self.score_format for m in MODES},
            _STAT["spearman"]: "corr",
            _STAT["kendall"]: "corr",
        }
        return out

    def disqualified_frame(self) -> pd.DataFrame:
        """Per program and mode, the applicants not ranked (不予錄取) by the brochure's reason
        (counted by code, grouped as ``GROUP_LABELS`` names them), each counted once under the
        first reason of the precedence."""
        from ..admission import GROUP_LABELS, REASON_GROUPS

        d = self.reasons[self.reasons["status"] == "disqualified"]
        d = d.assign(group=d["reason_code"].map(REASON_GROUPS))
        groups = [k for k in GROUP_LABELS if k in set(d["group"])]
        rows = []
        for m in MODES:
            for pid, name in self.programs():
                g = d[(d["program"] == pid) & (d["mode"] == m)].groupby("group")["count"].sum()
                row = {"專班": name, "模式": MODE_LABELS[m]}
                for k in groups:
                    row[GROUP_LABELS[k]] = int(g.get(k, 0))
                row["合計"] = int(g.sum())
                rows.append(row)
        return pd.DataFrame(rows)

    def probability_frame(self) -> pd.DataFrame:
        c = self.probability_counts()
        return pd.DataFrame(
            {
                "專班": c["name"],
                "模式": [MODE_LABELS[m] for m in c["mode"]],
                "幾乎確定正取（≥95%）": c["near_certain"],
                "邊緣（5%–95%）": c["marginal"],
                "無雜訊正取但機率 < 50%": c["admitted_below_half"],
            }
        )

    def depth_frame(self) -> pd.DataFrame:
        b = self.backfill_summary()
        return pd.DataFrame(
            {
                "專班": b["name"],
                "模式": [MODE_LABELS[m] for m in b["mode"]],
                "名額": b["quota"],
                "正取人數": b["admitted"],
                "備取人數": b["waitlist_length"],
                "遞補機率": b["p_any_call"],
                "平均遞補到第幾位": b["mean_depth"].round(1),
                "90% 情況不超過": b["p90_depth"],
                "備取用盡的機率": b["p_exhausted"],
            }
        ).pipe(
            _formats,
            {"遞補機率": "share", "平均遞補到第幾位": "one", "備取用盡的機率": "share"},
        )

    def applicants_frame(self, mode: str) -> pd.DataFrame:
        """One mode's ranking with Chinese headings and labels (the workbook's sheet): the exact
        total, and the 比序 scores wherever a total is shared, so the order explains itself."""
        r = self.ranking(mode)
        names = {p.id: p.name for p in self.rules.programs}
        out = pd.DataFrame(
            {
                "准考證號碼": r["applicant_id"],
                "專班": r["program"].map(names),
                "總分": r["total"].astype(float),
                "名次": r["rank"],
                "結果": r["status"].map(dict(STATUS_LABELS)),
                "備取序": r["waitlist_no"],
                "同分比序": r["tiebreak"].fillna(""),
                "原因": r["reason_label"].fillna(""),
            }
        )
        return _personal(_formats(out, {"總分": self.score_format}))

    def compared_frame(self) -> pd.DataFrame:
        """Each applicant under both modes, side by side (the workbook's 比較 sheet)."""
        c = self.compared
        names = {p.id: p.name for p in self.rules.programs}
        status = dict(STATUS_LABELS)
        out = pd.DataFrame({"准考證號碼": c["applicant_id"], "專班": c["program"].map(names)})
        for m in MODES:
            lab = MODE_LABELS[m]
            out[f"{lab}｜總分"] = c[f"total_{m}"].astype(float)
            out[f"{lab}｜名次"] = c[f"rank_{m}"]
            out[f"{lab}｜結果"] = c[f"status_{m}"].map(status)
        out["正取重疊"] = c["overlap"].map(dict(OVERLAP_LABELS))
        out["名次變化（正數為前進）"] = c["rank_shift"]
        return _personal(
            _formats(out, {f"{MODE_LABELS[m]}｜總分": self.score_format for m in MODES})
        )

    def probability_by_applicant(self) -> pd.DataFrame:
        """Each ranked applicant's admission probability under scorer noise, per mode."""
        p = self.prob.dropna(subset=["rank"])
        names = {q.id: q.name for q in self.rules.programs}
        return _personal(
            _formats(
                pd.DataFrame(
                    {
                        "准考證號碼": p["applicant_id"],
                        "專班": p["program"].map(names),
                        "模式": p["mode"].map(dict(MODE_LABELS)),
                        "無雜訊名次": p["rank"],
                        "無雜訊正取": p["admitted_without_noise"].map({True: "是", False: "否"}),
                        "正取機率": p["p_admitted"].astype(float),
                    }
                ),
                {"正取機率": "share"},
            )
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "總覽": self.summary_frame(),
            "不予錄取原因": self.disqualified_frame(),
            f"{MODE_LABELS['normal']}模式": self.applicants_frame("normal"),
            MODE_LABELS["special"]: self.applicants_frame("special"),
            "比較": self.compared_frame(),
            "錄取機率": self.probability_by_applicant(),
            "錄取機率摘要": self.probability_frame(),
            "備取遞補": self.depth_frame(),
        }
