"""The ranking (柒、錄取標準): admitted up to the quota, waitlisted, not admitted, disqualified."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import SmallPoolWarning, say
from ..labels import LABELS
from ..rules import AdmissionRules, Program, load_admission_rules
from .labels import ITEM_LABELS, REASON_GROUPS, STATUS_LABELS, reason_label, reason_text
from .options import OptionError, check_waitlist, min_total_units
from .score import (
    SCORE_SCALE,
    TOTAL_SCALE,
    ProgramScores,
    check_mode,
    competition_rank,
    score_program,
)

__all__ = [
    "RESULT_COLUMNS",
    "SmallPoolWarning",
    "rank_admission",
    "reason_counts",
    "minimum_standards",
    "total_decimals",
]

RESULT_COLUMNS = [
    "applicant_id",
    "program",
    "mode",
    "total",
    "rank",
    "status",
    "waitlist_no",
    "reason_code",
    "reason",
    "status_label",
    "reason_label",
    "tiebreak",
]
MinTotal = float | str | Mapping[str, float | str] | None


def _check(code: str, **values: object) -> str:
    return say("messages_checks", code, **values)


def _rules(year: int | str, rules: AdmissionRules | None) -> AdmissionRules:
    return rules if rules is not None else load_admission_rules(year)


def _with_quota(program: Program, quotas: Mapping[str, int] | None) -> Program:
    if not quotas or program.id not in quotas:
        return program
    q = quotas[program.id]
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 0:
        raise OptionError("quotas", q, _check("quota", program=program.id))
    return dataclasses.replace(program, quota=int(q))


def total_decimals(units: np.ndarray | pd.Series, least: int = 2) -> int:
    """How many decimals show every one of these exact totals (1/100000 point) exactly: the
    scores' own precision times whole-percent weights (integers: up to 2 decimals; one decimal:
    up to 3), at least ``least``. A list printed with them never shows two different totals
    alike, nor a total below the minimum standard as equal to it."""
    u = pd.Series(units).dropna().astype("int64").to_numpy()
    top = len(str(TOTAL_SCALE)) - 1
    for d in range(least, top):
        if not (u % 10 ** (top - d)).any():
            return d
    return top


def _score_text(v: int) -> str:
    return f"{v / SCORE_SCALE:g}"


def _tiebreak_text(sc: ProgramScores, rows: np.ndarray) -> list[str]:
    """「比序：筆試 62、面試 80、書面審查 75」 for ``rows``: the scores that order equal totals."""
    names = [ITEM_LABELS[sc.items[k]] for k in sc.tiebreak]
    sep, missing = reason_text("list_sep"), reason_text("missing")
    return [
        reason_text(
            "tiebreak",
            scores=sep.join(
                reason_text("tiebreak_item", item=n, score=_score_text(int(v)) if p else missing)
                for n, v, p in zip(
                    names, sc.scores[r, sc.tiebreak], sc.present[r, sc.tiebreak], strict=True
                )
            ),
        )
        for r in rows
    ]


def _decide(
    sc: ProgramScores, min_units: int, waitlist: int | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The ranking of one scored program (rows in input order) and the order of its ranked
    rows, best first."""
    p = sc.program
    n = len(sc.applicant_id)
    el = sc.eligible
    code = sc.reason_code.copy()
    note = sc.reason.copy()
    label = sc.reason_label.copy()
    total = sc.totals()
    ranked = np.flatnonzero(el)
    order_r, rank_r = competition_rank(sc.key()[ranked])
    rank = np.zeros(n, np.int64)
    rank[ranked] = rank_r
    status = np.where(el, "not_admitted", "disqualified").astype(object)
    qualified = el & (total >= min_units)
    below = el & ~qualified
    shown = f"{min_units / TOTAL_SCALE:g}"
    code[below] = "below_minimum"
    note[below] = f"below the minimum total {shown}"
    label[below] = reason_label("below_minimum", reason_text("below_minimum", total=shown))
    admitted = qualified & (rank <= p.quota)
    n_adm = int(admitted.sum())
    status[admitted] = "admitted"
    if n_adm > p.quota:
        tied = admitted & (rank == rank[admitted].max())
        code[tied] = "tied_at_quota"
        note[tied] = f"tied at the quota: {n_adm} admitted for {p.quota} places"
        label[tied] = reason_label(
            "tied_at_quota", reason_text("tied_at_quota", admitted=n_adm, quota=p.quota)
        )
    wl_no = np.where(qualified & ~admitted, rank - n_adm, 0)
    on_list = qualified & ~admitted & ((waitlist is None) | (wl_no <= (waitlist or 0)))
    status[on_list] = "waitlisted"
    beyond = qualified & ~admitted & ~on_list
    code[beyond] = "beyond_waitlist"
    note[beyond] = f"beyond the waitlist of {waitlist}"
    label[beyond] = reason_label(
        "beyond_waitlist", reason_text("beyond_waitlist", waitlist=waitlist)
    )
    # A total another ranked applicant shares: the 比序 scores that order them are shown.
    shared = np.zeros(n, bool)
    if len(ranked):
        _, inverse, counts = np.unique(total[ranked], return_inverse=True, return_counts=True)
        shared[ranked] = counts[inverse] > 1
    tiebreak = np.full(n, "", dtype=object)
    tiebreak[shared] = _tiebreak_text(sc, np.flatnonzero(shared))
    frame = pd.DataFrame(
        {
            "applicant_id": sc.applicant_id,
            "program": p.id,
            "mode": sc.mode,
            "total": np.where(el, total / TOTAL_SCALE, np.nan),
            "rank": pd.array(np.where(el, rank, 0), dtype="Int64"),
            "status": status,
            "waitlist_no": pd.array(np.where(on_list, wl_no, 0), dtype="Int64"),
            "reason_code": code,
            "reason": note,
            "status_label": [STATUS_LABELS[s] for s in status],
            "reason_label": label,
            "tiebreak": tiebreak,
            "reason_group": [REASON_GROUPS.get(c, "") for c in code],
            "total_units": pd.array(np.where(el, total, 0), dtype="Int64"),
        }
    )
    frame["rank"] = frame["rank"].mask(~el)
    frame["waitlist_no"] = frame["waitlist_no"].mask(~on_list)
    frame["total_units"] = frame["total_units"].mask(~el)
    return frame, ranked[order_r]


def rank_admission(
    applicants: pd.DataFrame,
    mode: str,
    *,
    year: int = 109,
    min_total: MinTotal = 0,
    waitlist: int | None = None,
    rules: AdmissionRules | None = None,
    weights: Mapping[str, Mapping[str, int]] | None = None,
    quotas: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Rank every program's applicants under ``mode`` and decide admitted / waitlisted / not.

    ``min_total``: 柒.一's minimum standard, one number for every program, a mapping
    {program: number} or a string ``"precision-machinery=60,hvac-energy=55"`` (ids, Chinese
    class names or 機械/電機/冷凍; a program not named has none). ``waitlist``: the waitlist
    length per program (None: everyone qualified). ``weights`` ({program id: {item: percent}})
    and ``quotas`` ({program id: n}) are what-ifs for the explorers.

    Returns one row per applicant: ``applicant_id, program, mode, total`` (the exact total as
    a float that prints as its decimal, e.g. 54.997; NaN when disqualified; ``total_decimals``
    says how many decimals a list needs), ``rank`` (competition rank by the full key among the
    program's ranked applicants), ``status`` (code: admitted, waitlisted, not_admitted,
    disqualified), ``waitlist_no``, ``reason_code`` (see ``labels.REASON_LABELS``), ``reason``
    (an English note; for ``excluded`` the office's own text), ``status_label`` and
    ``reason_label`` (Chinese, what users see: the brochure's name of the reason, then the
    detail), ``tiebreak`` (for a total shared with another ranked applicant of the class, the
    比序 scores that order them), ``reason_group`` (the brochure's reason, a key of
    ``labels.GROUP_LABELS``) and ``total_units`` (the exact total in 1/100000
    point). Rows come per program in the rules' order, best first (ties in input order), then
    the disqualified. A program with fewer applicants than the brochure's minimum gives a
    ``SmallPoolWarning``. Bad option values raise ``OptionError`` (an ``InputError``).
    """
    check_mode(mode)
    rules = _rules(year, rules)
    mins = min_total_units(min_total, rules)
    waitlist = check_waitlist(waitlist)
    frames = []
    for program in rules.programs:
        g = applicants[applicants["program"] == program.id].reset_index(drop=True)
        if 0 < len(g) < rules.min_applicants:
            warnings.warn(
                SmallPoolWarning(
                    LABELS["admission_briefing"]["small_pool"].format(
                        name=program.name, n=f"{len(g):,}", least=f"{rules.min_applicants:,}"
                    )
                ),
                stacklevel=2,
            )
        program = _with_quota(program, quotas)
        sc = score_program(g, program, mode, rules, weights=(weights or {}).get(program.id))
        r, best_first = _decide(sc, mins[program.id], waitlist)
        rest = np.flatnonzero(~sc.eligible)
        frames.append(r.iloc[np.r_[best_first, rest]])
    cols = [*RESULT_COLUMNS, "reason_group", "total_units"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def reason_counts(ranking: pd.DataFrame, *, rules: AdmissionRules | None = None) -> pd.DataFrame:
    """How many applicants each reason concerns, counted by code, per program and mode.

    Columns: ``program, mode, status, reason_code, reason_label`` (the Chinese label, without
    per-applicant detail), ``count``; one row per (program, mode, status, reason) that occurs,
    programs in the rules' order and reasons in ``REASON_LABELS``' order. For the disqualified
    table: ``reason_counts(r).query("status == 'disqualified'")``.
    """
    rules = rules or load_admission_rules(109)
    cols = ["program", "mode", "status", "reason_code", "reason_label", "count"]
    r = ranking[ranking["reason_code"].fillna("") != ""]
    if r.empty:
        return pd.DataFrame(columns=cols)
    c = r.groupby(["program", "mode", "status", "reason_code"], sort=False).size()
    out = c.rename("count").reset_index()
    prog = {p.id: i for i, p in enumerate(rules.programs)}
    reasons = {k: i for i, k in enumerate(REASON_GROUPS)}
    out["reason_label"] = out["reason_code"].map(reason_label)
    out = out.assign(_p=out["program"].map(prog), _r=out["reason_code"].map(reasons)).sort_values(
        ["_p", "mode", "_r", "status"], kind="stable"
    )
    return out[cols].reset_index(drop=True)


def minimum_standards(
    min_total: MinTotal = 0, *, year: int = 109, rules: AdmissionRules | None = None
) -> pd.DataFrame:
    """Each class's minimum standard (柒.一) as numbers, for the briefing to show.

    Columns: ``program, name, short, quota, min_total`` (points, float of the exact value),
    ``min_total_units`` (1/100000 point); one row per program in the rules' order.
    """
    rules = _rules(year, rules)
    mins = min_total_units(min_total, rules)
    return pd.DataFrame(
        [
            {
                "program": p.id,
                "name": p.name,
                "short": p.short,
                "quota": p.quota,
                "min_total": mins[p.id] / TOTAL_SCALE,
                "min_total_units": mins[p.id],
            }
            for p in rules.programs
        ]
    )
