"""The admission briefing's content as data: both modes per program, overlap, rank shifts,
cutoffs, correlations, admission probability under scorer noise and waitlist backfill, computed
once with no HTML in it. The HTML page, the slides and the workbook are views of it."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import paths
from ..errors import SmallPoolWarning
from ..labels import MODE_LABELS, OVERLAP_LABELS, PARAM_LABELS, STATUS_LABELS
from .term import _formats, taipei_now

__all__ = ["AdmissionReport", "MODES", "REASONS"]

MODES = ("normal", "special")
REASONS = [  # reason prefix -> column heading
    ("over the age limit", "超過年齡上限"),
    ("written test absent", "筆試缺考或 0 分"),
    ("not invited", "未獲面試資格"),
    ("interview absent", "面試缺考或 0 分"),
    ("document review absent", "書審缺或 0 分"),
    ("no review documents", "未繳書審資料"),
]


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
        min_total: float = 0,
        waitlist: int = -1,
        noise_sd: float = 3.0,
        no_show: float = 0.1,
        draws: int = 10_000,
        seed: int = 0,
    ) -> AdmissionReport:
        """``waitlist`` < 0 means no limit; empty ``applicants`` means the shipped pool."""
        from ..admission import (
            admission_probability,
            backfill_depth,
            compare_modes,
            load_applicants,
            rank_admission,
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
        shown = {
            PARAM_LABELS["year"]: str(year),
            PARAM_LABELS["applicants"]: Path(applicants).name
            if applicants
            else f"隨附的合成資料（{path.name}）",
            PARAM_LABELS["min_total"]: f"{min_total:g}",
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

    # -- numbers the views state

    def probability_counts(self) -> pd.DataFrame:
        """Per program and mode: applicants almost sure (p ≥ 95%), on the edge (5% < p < 95%),
        and admitted without noise but below 50% with it. Codes, numbers."""
        rows = []
        for pid, name in self.programs():
            for m in MODES:
                g = self.prob[(self.prob["program"] == pid) & (self.prob["mode"] == m)]
                p = g["p_admitted"]
                rows.append(
                    {
                        "program": pid,
                        "name": name,
                        "mode": m,
                        "sure": int((p >= 0.95).sum()),
                        "edge": int(((p > 0.05) & (p < 0.95)).sum()),
                        "fragile": int((g["admitted_without_noise"] & (p < 0.5)).sum()),
                    }
                )
        return pd.DataFrame(rows)

    def backfill_summary(self) -> pd.DataFrame:
        """Per program and mode: waitlist length, mean and 90th-percentile backfill depth, the
        share of draws that run the list out. Codes, numbers."""
        rows = []
        for pid, name in self.programs():
            for m in MODES:
                g = self.depth[(self.depth["program"] == pid) & (self.depth["mode"] == m)]
                if g.empty:
                    continue
                g = g.sort_values("depth")
                cdf = g["share"].cumsum().to_numpy()
                p90 = int(g["depth"].to_numpy()[np.searchsorted(cdf, 0.9 - 1e-12)])
                rows.append(
                    {
                        "program": pid,
                        "name": name,
                        "mode": m,
                        "waitlist": int(g["waitlist_length"].iloc[0]),
                        "mean_depth": float((g["depth"] * g["share"]).sum()),
                        "p90_depth": p90,
                        "exhausted": float(g["exhausted_share"].iloc[0]),
                    }
                )
        return pd.DataFrame(rows)

    # -- the frames the reader sees (Chinese headings, numbers as numbers)

    def summary_frame(self) -> pd.DataFrame:
        s = self.summary
        out = pd.DataFrame({"專班": s["name"], "名額": s["quota"], "報名人數": s["applicants"]})
        for m in MODES:
            lab = MODE_LABELS[m]
            out[f"{lab}｜{STATUS_LABELS['admitted']}"] = s[f"admitted_{m}"]
            out[f"{lab}｜{STATUS_LABELS['waitlisted']}"] = s[f"waitlisted_{m}"]
            out[f"{lab}｜{STATUS_LABELS['disqualified']}"] = s[f"disqualified_{m}"]
            out[f"{lab}｜錄取最低分"] = s[f"cutoff_{m}"].astype(float)
        out["兩者皆正取"] = s["both"]
        out["僅一般正取"] = s["only_normal"]
        out["僅特殊正取"] = s["only_special"]
        out["Spearman 等級相關"] = s["spearman"].astype(float)
        out["Kendall 等級相關"] = s["kendall"].astype(float)
        out.attrs["formats"] = {
            **{f"{MODE_LABELS[m]}｜錄取最低分": "score" for m in MODES},
            "Spearman 等級相關": "corr",
            "Kendall 等級相關": "corr",
        }
        return out

    def disqualified_frame(self) -> pd.DataFrame:
        rows = []
        for m in MODES:
            r = self.ranking(m)
            for pid, name in self.programs():
                g = r[(r["program"] == pid) & (r["status"] == "disqualified")]
                row = {"專班": name, "模式": MODE_LABELS[m]}
                for prefix, label in REASONS:
                    row[label] = int(g["reason"].str.startswith(prefix).sum())
                row["合計"] = len(g)
                rows.append(row)
        return pd.DataFrame(rows)

    def probability_frame(self) -> pd.DataFrame:
        c = self.probability_counts()
        return pd.DataFrame(
            {
                "專班": c["name"],
                "模式": [MODE_LABELS[m] for m in c["mode"]],
                "幾乎確定正取（≥95%）": c["sure"],
                "邊緣（5%–95%）": c["edge"],
                "無雜訊正取但機率 < 50%": c["fragile"],
            }
        )

    def depth_frame(self) -> pd.DataFrame:
        b = self.backfill_summary()
        return pd.DataFrame(
            {
                "專班": b["name"],
                "模式": [MODE_LABELS[m] for m in b["mode"]],
                "備取人數": b["waitlist"],
                "平均遞補到第幾位": b["mean_depth"].round(1),
                "90% 情況不超過": b["p90_depth"],
                "備取用盡的機率": b["exhausted"],
            }
        ).pipe(_formats, {"平均遞補到第幾位": "one", "備取用盡的機率": "share"})

    def applicants_frame(self, mode: str) -> pd.DataFrame:
        """One mode's ranking with Chinese headings and labels (the workbook's sheet)."""
        r = self.ranking(mode)
        names = {p.id: p.name for p in self.rules.programs}
        return pd.DataFrame(
            {
                "准考證號碼": r["applicant_id"],
                "專班": r["program"].map(names),
                "總分": r["total"].astype(float),
                "名次": r["rank"],
                "結果": r["status"].map(dict(STATUS_LABELS)),
                "備取序": r["waitlist_no"],
                "原因": r["reason"].fillna(""),
            }
        ).pipe(_formats, {"總分": "score"})

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
        return _formats(out, {f"{MODE_LABELS[m]}｜總分": "score" for m in MODES})

    def probability_by_applicant(self) -> pd.DataFrame:
        """Each ranked applicant's admission probability under scorer noise, per mode."""
        p = self.prob.dropna(subset=["rank"])
        names = {q.id: q.name for q in self.rules.programs}
        return _formats(
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

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "總覽": self.summary_frame(),
            "資格不符": self.disqualified_frame(),
            f"{MODE_LABELS['normal']}模式": self.applicants_frame("normal"),
            MODE_LABELS["special"]: self.applicants_frame("special"),
            "比較": self.compared_frame(),
            "錄取機率": self.probability_by_applicant(),
            "錄取機率摘要": self.probability_frame(),
            "備取遞補": self.depth_frame(),
        }
