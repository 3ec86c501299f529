"""THE scorer: who is ranked, exact totals and the full tie-break key, per program and mode.

Everything that ranks applicants (``rank_admission``, the Monte Carlo, the backfill, the
comparison, the 複查 diff and the explorer) goes through ``score_program`` and
``competition_rank`` / ``admitted_by_draw``, so the rule exists once.

Scores are exact integers of 1/1000 point and weights whole percentages, so a total is an exact
integer of 1/100000 point: 53/52/52 and 55/52/50 both give exactly 52.3 and the tie-break
decides. The key is lexicographic: the total, then the scores in the program's 比序 order
(normal mode: 筆試, 面試, 書面審查; special state: each department's order); applicants equal in
the whole key share a rank (an unbreakable tie).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import joined, say
from ..rules import NORMAL_ITEMS, SPECIAL_ITEMS, AdmissionRules, Program
from .labels import reason_label, reason_text
from .options import OptionError

__all__ = [
    "SCORE_SCALE",
    "TOTAL_SCALE",
    "MODES",
    "ProgramScores",
    "mode_items",
    "mode_weights",
    "score_program",
    "competition_rank",
    "admitted_by_draw",
]

SCORE_SCALE = 1000  # 1/1000 point
TOTAL_SCALE = SCORE_SCALE * 100  # scores x whole percentages
MODES = ("normal", "special")


def _check(code: str, **values: object) -> str:
    return say("messages_checks", code, **values)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise OptionError("mode", mode, _check("mode", known=joined(MODES)))
    return mode


def mode_items(mode: str) -> tuple[str, ...]:
    """The scored items of a mode."""
    return NORMAL_ITEMS if check_mode(mode) == "normal" else SPECIAL_ITEMS


def mode_weights(
    program: Program, mode: str, rules: AdmissionRules, weights: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The weights (whole percent) of ``mode`` for ``program``; ``weights`` is a what-if."""
    items = mode_items(mode)
    w = (
        dict(weights)
        if weights is not None
        else (rules.normal_weights if mode == "normal" else program.special_weights)
    )
    ok = set(w) == set(items)
    try:
        ok = (
            ok
            and all(int(v) == v and int(v) >= 0 for v in w.values())
            and sum(int(v) for v in w.values()) == 100
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise OptionError(
            "weights",
            w,
            _check("weights", mode=mode, items=joined(items)),
        )
    return {i: int(w[i]) for i in items}


def _tiebreak(program: Program, mode: str, rules: AdmissionRules) -> tuple[str, ...]:
    return tuple(rules.normal_tiebreak if mode == "normal" else program.special_tiebreak)


@dataclass(frozen=True)
class ProgramScores:
    """One program's applicants under one mode, in input order.

    ``scores`` (n × items, int64 1/1000 point, absent = 0) and ``present`` per item;
    ``weights`` (whole percent per item); ``tiebreak`` (positions into ``items`` in 比序 order);
    ``noisy`` (items the scorers' noise applies to: those the rules file lists as scored by
    people, the same in either state); ``reason_code`` ("" for an applicant who is ranked),
    ``reason`` (the English note, or the office's own text for ``excluded``) and
    ``reason_label`` (Chinese: the brochure's reason, then the detail).
    """

    program: Program
    mode: str
    applicant_id: np.ndarray
    items: tuple[str, ...]
    weights: np.ndarray
    scores: np.ndarray
    present: np.ndarray
    tiebreak: np.ndarray
    noisy: np.ndarray
    reason_code: np.ndarray
    reason: np.ndarray
    reason_label: np.ndarray

    @property
    def eligible(self) -> np.ndarray:
        return self.reason_code == ""

    def totals(self, scores: np.ndarray | None = None) -> np.ndarray:
        """Exact totals (1/100000 point) of ``scores`` (..., n, items); default: the real ones."""
        s = self.scores if scores is None else scores
        return s @ self.weights

    def key(self, scores: np.ndarray | None = None) -> np.ndarray:
        """The full ranking key (..., n, 1 + items): the total, then the scores in 比序 order;
        larger is better, compared column by column."""
        s = self.scores if scores is None else scores
        return np.concatenate([self.totals(s)[..., None], s[..., self.tiebreak]], axis=-1)


def _fmt(units: int, scale: int) -> str:
    return f"{units / scale:g}"


def score_program(
    g: pd.DataFrame,
    program: Program,
    mode: str,
    rules: AdmissionRules,
    *,
    weights: Mapping[str, int] | None = None,
) -> ProgramScores:
    """Score one program's applicants (a frame of ``load_applicants``) and decide who is ranked.

    Not ranked (disqualified), first reason that applies (the precedence of ``REASON_LABELS``):
    the office's ``excluded`` text, birth date missing, over or under the 15–29 window (參.二),
    then in normal mode 筆試 absent or 0, not among the top ``interview_top`` written scores
    (ties with the last one invited),
    面試 absent or 0, 書面審查 absent or 0 (柒.四); in the special state no review item at all,
    or a review total of 0 (柒.四: the review is the only scored part).
    """
    items = mode_items(mode)
    w = mode_weights(program, mode, rules, weights)
    n = len(g)
    code = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    label = np.full(n, "", dtype=object)

    def out(
        mask: np.ndarray, c: str, text: str | np.ndarray, detail: str | np.ndarray = ""
    ) -> None:
        m = mask & (code == "")
        if not m.any():
            return
        code[m] = c
        note[m] = text if isinstance(text, str) else text[m]
        if isinstance(detail, str):
            label[m] = reason_label(c, detail)
        else:
            label[m] = [reason_label(c, x) for x in detail[m]]

    # The office's decision by hand comes first: it is what the applicant was told.
    if "excluded" in g.columns:
        ex = g["excluded"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        out(ex != "", "excluded", ex, ex)
    born = pd.to_datetime(g["birth_date"]).to_numpy() if n else np.zeros(0, "datetime64[s]")
    nat = pd.isna(born)
    out(nat, "birth_date_missing", "birth date missing (the 15–29 window cannot be checked)")
    early, late = rules.earliest_birth, rules.latest_birth
    out(
        ~nat & (born < np.datetime64(early, "s")),
        "over_age",
        f"over the age limit (born before {early.isoformat()})",
        reason_text("born_before", date=early.isoformat()),
    )
    out(
        ~nat & (born > np.datetime64(late, "s")),
        "under_age",
        f"under the age limit (born after {late.isoformat()}, not {rules.min_age} by the end of "
        f"{rules.year + 1911})",
        reason_text("born_after", date=late.isoformat()),
    )

    raw = np.column_stack([g[i].to_numpy(dtype="float64", na_value=np.nan) for i in items]).reshape(
        n, len(items)
    )
    present = ~np.isnan(raw)
    scores = np.where(present, raw, 0).astype(np.int64)
    wv = np.array([w[i] for i in items], dtype=np.int64)

    if mode == "normal":
        col = {i: k for k, i in enumerate(items)}
        written = raw[:, col["written"]]
        out(
            ~present[:, col["written"]] | (written == 0),
            "written_absent",
            "written test absent or 0",
        )
        if program.interview_top is not None:
            cand = np.flatnonzero(code == "")
            if len(cand) > program.interview_top:
                cut = np.sort(written[cand])[::-1][program.interview_top - 1]
                # Everyone tied with the last invited one is invited too.
                out(
                    written < cut,
                    "not_invited",
                    f"not invited to the interview (written below {_fmt(int(cut), SCORE_SCALE)}, "
                    f"the top-{program.interview_top} cut)",
                    reason_text(
                        "interview_cut",
                        top=program.interview_top,
                        cut=_fmt(int(cut), SCORE_SCALE),
                    ),
                )
        for item, c, text in (
            ("interview", "interview_absent", "interview absent or 0"),
            ("review", "review_absent", "document review absent or 0"),
        ):
            k = col[item]
            out(~present[:, k] | (raw[:, k] == 0), c, text)
    else:
        out(
            ~present.any(axis=1),
            "no_documents",
            "no review documents (all seven items missing)",
        )
        out(scores @ wv == 0, "review_total_zero", "document review total 0")
    noisy = np.array([i in rules.scored_by_people for i in items], dtype=bool)
    tb = np.array([items.index(i) for i in _tiebreak(program, mode, rules)], dtype=np.intp)
    return ProgramScores(
        program=program,
        mode=mode,
        applicant_id=g["applicant_id"].to_numpy(dtype=object),
        items=items,
        weights=wv,
        scores=scores,
        present=present,
        tiebreak=tb,
        noisy=noisy,
        reason_code=code,
        reason=note,
        reason_label=label,
    )


def competition_rank(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order (best first; equal keys in input order) and competition rank (1 = best, equal keys
    share a rank, the next rank skips) of rows of ``key`` (..., n, c), larger is better,
    compared column by column. Leading dimensions are independent draws."""
    key = np.asarray(key)
    n = key.shape[-2]
    lead = key.shape[:-2]
    if n == 0:
        return np.zeros((*lead, 0), np.intp), np.zeros((*lead, 0), np.int64)
    order = np.lexsort([-key[..., j] for j in reversed(range(key.shape[-1]))], axis=-1)
    k = np.take_along_axis(key, order[..., None], axis=-2)
    new = np.concatenate(
        [np.ones((*lead, 1), bool), (k[..., 1:, :] != k[..., :-1, :]).any(axis=-1)], axis=-1
    )
    pos = np.broadcast_to(np.arange(n), new.shape)
    first = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    rank = np.empty(new.shape, np.int64)
    np.put_along_axis(rank, order, first + 1, axis=-1)
    return order, rank


def admitted_by_draw(
    sc: ProgramScores,
    scores: np.ndarray,
    quota: int,
    min_units: int,
    total: np.ndarray | None = None,
) -> np.ndarray:
    """Who is admitted in each draw of ranked applicants' ``scores`` (D, n, items; integers,
    or floats holding integers): a competition rank by the full key within the quota (so an
    unbreakable tie at the quota admits all of it) and a total at or above the minimum.

    The same answer as ``competition_rank(sc.key(scores))[1] <= quota``, but only the draws
    whose total ties across the quota are ranked in full; ``total`` (D, n), if given, is
    ``sc.totals(scores)`` already computed."""
    d, n = scores.shape[:2]
    if total is None:
        total = sc.totals(scores.astype(np.int64, copy=False))
    if n == 0 or quota <= 0:
        return np.zeros((d, n), bool)
    if quota >= n:
        return total >= min_units
    kth = np.partition(total, n - quota, axis=1)[:, n - quota]  # the quota-th largest total
    adm = total >= kth[:, None]
    straddle = np.flatnonzero(adm.sum(axis=1) > quota)
    if len(straddle):
        full = sc.key(scores[straddle].astype(np.int64, copy=False))
        adm[straddle] = competition_rank(full)[1] <= quota
    return adm & (total >= min_units)
