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
from ..present import count
from .term import _formats, taipei_now

_STAT = LABELS["statistic"]
_COL = LABELS["admission_column"]
_TXT = LABELS["admission_text"]
PARAM_VALUE_NONE = _TXT["none"]  # an option not set, as the parameter block shows it

__all__ = ["AdmissionReport", "MODES", "PERSONAL_DATA_NOTE", "heading", "present"]

MODES = ("normal", "special")
# On every sheet that lists applicants (the rosters' mechanism: ``attrs["personal_data"]``).
PERSONAL_DATA_NOTE = _TXT["personal_data"]

# Columns holding codes, and the table that words them.
_CODED = {
    "mode": MODE_LABELS,
    "status": STATUS_LABELS,
    "overlap": OVERLAP_LABELS,
    **{f"status_{m}": STATUS_LABELS for m in MODES},
}


def heading(code: str, *, slide: bool = False) -> str:
    """A column's heading from its code: ``quota`` → 名額, ``admitted_normal`` → 一般｜正取
    (on a slide 一般 and 正取 on two lines), ``spearman`` → 斯皮爾曼等級相關, ``both`` →
    兩種模式皆正取, a reason group's code → its brochure name."""
    from ..admission import GROUP_LABELS

    for table in (_COL, _STAT, OVERLAP_LABELS, GROUP_LABELS):
        if code in table:
            return table[code]
    base, _, mode = code.rpartition("_")
    if mode in MODES and base:
        what = STATUS_LABELS[base] if base in STATUS_LABELS else heading(base)
        key = "mode_column_slide" if slide else "mode_column"
        return _COL[key].format(mode=MODE_LABELS[mode], what=what)
    return code


def _text(v: Any, fmt: str | None, decimals: int) -> str:
    """One value as a reader sees it, in the report's formats (``xlsx.FORMATS`` names)."""
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return _TXT["empty"]
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return _TXT["yes"] if v else _TXT["no"]
    if fmt == "share":
        return f"{float(v):.1%}"
    if fmt == "one":
        return f"{float(v):,.1f}"
    if fmt == "corr":
        return f"{float(v):.3f}"
    if fmt == "score":
        return f"{float(v):,.{decimals}f}"
    return count(v)


def present(
    frame: pd.DataFrame,
    names: dict[str, str],
    *,
    decimals: int = 2,
    text: bool = False,
    slide: bool = False,
) -> pd.DataFrame:
    """Codes to words, at the edge: a report frame (code columns, code values) as a reader sees
    it. Programs by their class name (``names``), statuses, modes and overlaps by their labels,
    yes/no in words, headings from the label table (``heading``). With ``text`` every value is a
    string in its format (counts with thousands separators, shares in percent, totals with the
    ``decimals`` that show each exactly); without it numbers stay numbers, and the workbook's
    formats (``attrs["formats"]``) follow the headings."""
    fmts = dict(frame.attrs.get("formats", {}))
    out = frame.copy()
    if "program" in out:
        out["program"] = out["program"].map(names)
    for col, table in _CODED.items():
        if col in out:
            out[col] = out[col].map(lambda v, t=table: t.get(v, v) if isinstance(v, str) else v)
    if "min_total" in out:  # no minimum is worded as the parameters word it (無), not 0.00
        out["min_total"] = (
            out["min_total"].astype(object).where(out["min_total"].notna(), _TXT["none"])
        )
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: _TXT["yes"], False: _TXT["no"]})
    if text:
        for col in out.columns:
            fmt = fmts.get(col)
            out[col] = [_text(v, fmt, decimals) for v in out[col]]
    words = {c: heading(c, slide=slide) for c in out.columns}
    out = out.rename(columns=words)
    out.attrs = {k: v for k, v in frame.attrs.items() if k != "formats"}
    score = "0." + "0" * decimals
    out.attrs["formats"] = {
        words[c]: (score if f == "score" else f) for c, f in fmts.items() if c in words
    }
    return out


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
        with warnings.catch_warnings():
            # a small pool is stated on the page (``small_pool_counts``), not warned about
            warnings.simplefilter("ignore", SmallPoolWarning)
            normal = rank_admission(apps, "normal", rules=rules, min_total=min_total, waitlist=wl)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallPoolWarning)
            special = rank_admission(apps, "special", rules=rules, min_total=min_total, waitlist=wl)
            cmp = compare_modes(apps, rules=rules, min_total=min_total, waitlist=wl)
            probs = []
            for mode, ranking in (("normal", normal), ("special", special)):
                pr = admission_probability(
                    apps, mode, sd=noise_sd, draws=draws, seed=seed, rules=rules,
                    min_total=min_total, waitlist=wl,
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
        mins = _TXT["list_sep"].join(
            _TXT["min_total_item"].format(short=r.short, value=f"{r.min_total:g}")
            for r in standards.itertuples()
            if r.min_total_units
        )
        shown = {
            PARAM_LABELS["year"]: str(year),
            PARAM_LABELS["applicants"]: Path(applicants).name
            if applicants
            else _TXT["shipped_pool"].format(name=path.name),
            PARAM_LABELS["min_total"]: mins or _TXT["none"],
            PARAM_LABELS["waitlist"]: _TXT["no_limit"] if wl is None else count(wl),
            PARAM_LABELS["noise_sd"]: f"{noise_sd:g}",
            PARAM_LABELS["no_show"]: f"{no_show:.0%}",
            PARAM_LABELS["draws"]: count(draws),
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
        )

    def programs(self) -> list[tuple[str, str]]:
        """(id, class name) of the programs with applicants, in the rules' order."""
        present = set(self.summary.loc[self.summary["applicants"] > 0, "program"])
        return [(p.id, p.name) for p in self.rules.programs if p.id in present]

    def small_pool_counts(self) -> list[tuple[str, int]]:
        """(class name, applicants) of each program with fewer applicants than the rules'
        ``min_applicants`` (the committee may cancel its exam), in the rules' order."""
        s = self.summary
        few = s[(s["applicants"] > 0) & (s["applicants"] < self.rules.min_applicants)]
        names = self.names()
        return [(names[p], int(n)) for p, n in zip(few["program"], few["applicants"], strict=True)]

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
            listed = [ITEM_LABELS[i] for i in items if (i in people) == keep]
            return _TXT["list_sep"].join(listed) or _TXT["none"]

        return _TXT["noise"].format(
            normal_people=named(NORMAL_ITEMS, True),
            special_people=named(SPECIAL_ITEMS, True),
            sd=f"{self.sd:g}",
            normal_machine=named(NORMAL_ITEMS, False),
            special_machine=named(SPECIAL_ITEMS, False),
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

    # -- the report's frames: codes in the columns and the values (``present`` words them)

    def names(self) -> dict[str, str]:
        """Each program's class name, by its code."""
        return {p.id: p.name for p in self.rules.programs}

    def present(
        self, frame: pd.DataFrame, *, text: bool = False, slide: bool = False
    ) -> pd.DataFrame:
        """``frame`` as a reader sees it (``present``): this report's class names and exact
        decimals."""
        return present(frame, self.names(), decimals=self.decimals, text=text, slide=slide)

    def summary_frame(self) -> pd.DataFrame:
        """Per program (the rules' order): quota, applicants, the minimum total
        (NaN where none), per mode admitted, waitlisted, disqualified and the cutoff, the overlap
        of the admitted lists and the rank correlations; all by code."""
        s = self.summary
        out = s[["program", "quota", "applicants"]].copy()
        std = self.standards.set_index("program")["min_total"]
        # 柒.一's standard as the parameters word it: a class with none is empty (無), not 0.00
        out["min_total"] = [
            float("nan") if pd.isna(v) or float(v) == 0 else float(v) for v in s["program"].map(std)
        ]
        for m in MODES:
            for k in ("admitted", "waitlisted", "disqualified"):
                out[f"{k}_{m}"] = s[f"{k}_{m}"]
            out[f"cutoff_{m}"] = s[f"cutoff_{m}"].astype(float)
        for k in ("both", "only_normal", "only_special"):
            out[k] = s[k]
        out["spearman"] = s["spearman"].astype(float)
        out["kendall"] = s["kendall"].astype(float)
        return _formats(
            out.reset_index(drop=True),
            {
                "min_total": "score",
                **{f"cutoff_{m}": "score" for m in MODES},
                "spearman": "corr",
                "kendall": "corr",
            },
        )

    def disqualified_frame(self) -> pd.DataFrame:
        """Per mode and program, the applicants not ranked (不予錄取) by the brochure's reason
        group (a column per group that occurs, by code), each counted once under the first
        reason of the precedence, and ``total_count``."""
        from ..admission import GROUP_LABELS, REASON_GROUPS

        d = self.reasons[self.reasons["status"] == "disqualified"]
        d = d.assign(group=d["reason_code"].map(REASON_GROUPS))
        groups = [k for k in GROUP_LABELS if k in set(d["group"])]
        rows = []
        for m in MODES:
            for pid, _name in self.programs():
                g = d[(d["program"] == pid) & (d["mode"] == m)].groupby("group")["count"].sum()
                row = {"program": pid, "mode": m}
                for k in groups:
                    row[k] = int(g.get(k, 0))
                row["total_count"] = int(g.sum())
                rows.append(row)
        return pd.DataFrame(rows)

    def probability_frame(self) -> pd.DataFrame:
        c = self.probability_counts()
        return c[["program", "mode", "near_certain", "marginal", "admitted_below_half"]]

    def depth_frame(self) -> pd.DataFrame:
        b = self.backfill_summary()
        out = b[["program", "mode", "quota", "admitted", "waitlist_length", "p_any_call"]].copy()
        out["mean_depth"] = b["mean_depth"].astype(float)
        out["p90_depth"] = b["p90_depth"]
        out["p_exhausted"] = b["p_exhausted"]
        return _formats(
            out.reset_index(drop=True),
            {"p_any_call": "share", "mean_depth": "one", "p_exhausted": "share"},
        )

    def applicants_frame(self, mode: str) -> pd.DataFrame:
        """One mode's ranking (the workbook's sheet): the exact total, and the 比序 scores
        wherever a total is shared, so the order explains itself; the reason in the brochure's
        words with the applicant's detail."""
        r = self.ranking(mode)
        out = pd.DataFrame(
            {
                "applicant_id": r["applicant_id"],
                "program": r["program"],
                "total": r["total"].astype(float),
                "rank": r["rank"],
                "status": r["status"],
                "waitlist_no": r["waitlist_no"],
                "tiebreak": r["tiebreak"].fillna(""),
                "reason": r["reason_label"].fillna(""),
            }
        )
        return _personal(_formats(out, {"total": "score"}))

    def compared_frame(self) -> pd.DataFrame:
        """Each applicant under both modes, side by side (the workbook's 比較 sheet)."""
        c = self.compared
        out = c[["applicant_id", "program"]].copy()
        for m in MODES:
            out[f"total_{m}"] = c[f"total_{m}"].astype(float)
            out[f"rank_{m}"] = c[f"rank_{m}"]
            out[f"status_{m}"] = c[f"status_{m}"]
        out["overlap"] = c["overlap"]
        out["rank_shift"] = c["rank_shift"]
        return _personal(_formats(out, {f"total_{m}": "score" for m in MODES}))

    def probability_by_applicant(self) -> pd.DataFrame:
        """Each ranked applicant's admission probability under scorer noise, per mode."""
        p = self.prob.dropna(subset=["rank"])
        out = pd.DataFrame(
            {
                "applicant_id": p["applicant_id"],
                "program": p["program"],
                "mode": p["mode"],
                "rank_without_noise": p["rank"],
                "admitted_without_noise": p["admitted_without_noise"].astype(bool),
                "p_admitted": p["p_admitted"].astype(float),
            }
        )
        return _personal(_formats(out, {"p_admitted": "share"}))

    def frames(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets by code, as frames of codes."""
        return {
            "sheet_summary": self.summary_frame(),
            "sheet_disqualified": self.disqualified_frame(),
            "sheet_normal": self.applicants_frame("normal"),
            "sheet_special": self.applicants_frame("special"),
            "sheet_compared": self.compared_frame(),
            "sheet_probability": self.probability_by_applicant(),
            "sheet_probability_summary": self.probability_frame(),
            "sheet_backfill": self.depth_frame(),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets as a reader sees them: named and headed in words, numbers as
        numbers with their formats."""
        return {_TXT[k]: self.present(df) for k, df in self.frames().items()}
