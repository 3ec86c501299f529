"""Monte Carlo: admission probability under scorers' noise, and waitlist backfill (柒.二).

Both use the one scorer (``score.py``): noise is added to the exact scores in their own unit
(1/1000 point, each draw rounded to it and kept within 0–100), and every draw is ranked with the
program's full key, so ``sd=0`` gives exactly the ranking's decision.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..rules import AdmissionRules
from .options import (
    check_draws,
    check_no_show,
    check_sd,
    check_seed,
    check_waitlist,
    min_total_units,
)
from .rank import MinTotal, _decide, _rules, _with_quota
from .score import SCORE_SCALE, ProgramScores, admitted_by_draw, check_mode, score_program

__all__ = ["admission_probability", "probability_summary", "backfill_depth", "backfill_summary"]

_BATCH_ELEMENTS = 2_000_000  # noisy scores per batch of draws: bounded memory, same stream


def noisy_draws(sc: ProgramScores, rows: np.ndarray, z: np.ndarray, sd: float) -> np.ndarray:
    """The noisy items' scores of ``rows`` in draws (b, m, noisy items), as floats holding
    integers of 1/1000 point: ``z`` (standard normal draws, same shape, overwritten) times
    ``sd`` points added to each present score, rounded to the score's unit and kept within
    0–100; an absent item stays absent (0)."""
    cols = np.flatnonzero(sc.noisy)
    z *= sd * SCORE_SCALE
    z += sc.scores[rows][:, cols]
    np.rint(z, out=z)
    np.clip(z, 0, 100 * SCORE_SCALE, out=z)
    z *= sc.present[rows][:, cols]
    return z


def draw_scores(sc: ProgramScores, rows: np.ndarray, noisy: np.ndarray) -> np.ndarray:
    """Every item's score of ``rows`` in draws (b, m, items), int64: the noisy items from
    ``noisy_draws``, the others as they are."""
    s = sc.scores[rows]
    out = np.broadcast_to(s, (noisy.shape[0], *s.shape)).copy()
    out[..., np.flatnonzero(sc.noisy)] = noisy.astype(np.int64)
    return out


def _hits(
    sc: ProgramScores,
    rows: np.ndarray,
    min_units: int,
    sd: float,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """How many of ``draws`` admit each of ``rows`` (the ranked applicants)."""
    quota = sc.program.quota
    if sd == 0 or not sc.noisy.any():
        adm = admitted_by_draw(sc, sc.scores[rows][None], quota, min_units)[0]
        return adm.astype(np.int64) * draws
    m, k = len(rows), int(sc.noisy.sum())
    cols = np.flatnonzero(sc.noisy)
    fixed = sc.scores[rows][:, ~sc.noisy] @ sc.weights[~sc.noisy]
    w = sc.weights[cols].astype(np.float64)
    batch = max(1, _BATCH_ELEMENTS // max(1, m * k))
    hits = np.zeros(m, np.int64)
    for start in range(0, draws, batch):
        b = min(batch, draws - start)
        z = noisy_draws(sc, rows, rng.standard_normal((b, m, k)), sd)
        # integers below 2**53 in floats: the weighted sum is exact
        total = fixed + np.rint(z.reshape(b * m, k) @ w).astype(np.int64).reshape(b, m)
        hits += admitted_by_draw(sc, _LazyScores(sc, rows, z), quota, min_units, total=total).sum(
            axis=0
        )
    return hits


class _LazyScores:
    """Draws' full scores, built only for the draws ``admitted_by_draw`` ranks in full."""

    def __init__(self, sc: ProgramScores, rows: np.ndarray, noisy: np.ndarray) -> None:
        self.sc, self.rows, self.noisy = sc, rows, noisy
        self.shape = (*noisy.shape[:2], len(sc.items))

    def __getitem__(self, draws: np.ndarray) -> np.ndarray:
        return draw_scores(self.sc, self.rows, self.noisy[draws])


def admission_probability(
    applicants: pd.DataFrame,
    mode: str,
    *,
    sd: float,
    draws: int = 10_000,
    seed: int = 0,
    year: int = 109,
    min_total: MinTotal = 0,
    waitlist: int | None = None,
    rules: AdmissionRules | None = None,
    weights: Mapping[str, Mapping[str, int]] | None = None,
    quotas: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Probability of admission when scorers add noise of standard deviation ``sd`` points.

    Each present item scored by people (the rules file's ``[noise] scored_by_people``: in 109
    面試 and 書面審查, and the special state's review items but 統測 and 在校成績) gets its own
    normal noise, the same in either state; who is ranked does not change. Each draw is ranked with the program's full key (total, then
    比序) and admits a competition rank within the quota at or above the minimum total, as
    ``rank_admission`` does; ``sd=0`` reproduces the ranking exactly. Draws are vectorised.

    Returns one row per applicant in the ranking's order: ``applicant_id, program, p_admitted``
    (0–1; 0 for the disqualified), ``admitted_without_noise`` (bool) and ``status`` (the
    ranking's status code, with the same ``waitlist`` length as ``rank_admission``'s).
    ``weights`` and ``quotas`` are what-ifs as in ``rank_admission``.
    """
    check_mode(mode)
    sd = check_sd(sd)
    draws = check_draws(draws)
    seed = check_seed(seed)
    waitlist = check_waitlist(waitlist)
    rules = _rules(year, rules)
    mins = min_total_units(min_total, rules)
    rng = np.random.default_rng(seed)
    frames = []
    for program in rules.programs:
        g = applicants[applicants["program"] == program.id].reset_index(drop=True)
        if g.empty:
            continue
        program = _with_quota(program, quotas)
        sc = score_program(g, program, mode, rules, weights=(weights or {}).get(program.id))
        r, best_first = _decide(sc, mins[program.id], waitlist)
        hits = np.zeros(len(g), np.int64)
        rows = np.flatnonzero(sc.eligible)
        if len(rows):
            hits[rows] = _hits(sc, rows, mins[program.id], sd, draws, rng)
        f = pd.DataFrame(
            {
                "applicant_id": r["applicant_id"],
                "program": program.id,
                "p_admitted": hits / draws,
                "admitted_without_noise": (r["status"] == "admitted").to_numpy(),
                "status": r["status"],
            }
        )
        frames.append(f.iloc[np.r_[best_first, np.flatnonzero(~sc.eligible)]])
    cols = ["applicant_id", "program", "p_admitted", "admitted_without_noise", "status"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def probability_summary(
    prob: pd.DataFrame, *, sure: float = 0.95, edge: float = 0.05
) -> pd.DataFrame:
    """``admission_probability`` as numbers per program (and mode, when ``prob`` has a ``mode``
    column), in order of appearance.

    Columns: ``program, [mode,] ranked`` (applicants not disqualified), ``admitted_without_noise``,
    ``near_certain`` (p >= ``sure``), ``marginal`` (``edge`` < p < ``sure``),
    ``admitted_below_half`` (admitted without noise, yet p < 0.5) and ``expected_admitted``
    (the sum of p: the quota, or more where unbreakable ties admit more).
    """
    keys = ["program", "mode"] if "mode" in prob.columns else ["program"]
    rows = []
    for key, g in prob.groupby(keys, sort=False):
        p = g["p_admitted"]
        adm = g["admitted_without_noise"].astype(bool)
        rows.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
                "ranked": int((g["status"] != "disqualified").sum()) if "status" in g else len(g),
                "admitted_without_noise": int(adm.sum()),
                "near_certain": int((p >= sure).sum()),
                "marginal": int(((p > edge) & (p < sure)).sum()),
                "admitted_below_half": int((adm & (p < 0.5)).sum()),
                "expected_admitted": float(p.sum()),
            }
        )
    cols = [
        *keys,
        "ranked",
        "admitted_without_noise",
        "near_certain",
        "marginal",
        "admitted_below_half",
        "expected_admitted",
    ]
    return pd.DataFrame(rows, columns=cols)


def backfill_depth(
    ranking: pd.DataFrame,
    *,
    no_show: float,
    draws: int = 10_000,
    seed: int = 0,
    rules: AdmissionRules | None = None,
    year: int = 109,
    quotas: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """How deep into the waitlist each program goes (備取遞補, 柒.二), over ``draws`` draws.

    Each admitted applicant fails to enrol with probability ``no_show``. Vacancies are counted
    against the approved quota: quota − (admitted − no-shows), never below 0 (an unbreakable
    tie that admits 31 for 30 places leaves no vacancy after one no-show). Vacancies are offered
    down the waitlist in order; each waitlisted applicant called declines with the same
    probability, until the places are filled or the list runs out. The depth of a draw is the
    number of waitlisted applicants called.

    Returns one row per program and depth: ``program, depth, share`` (of draws),
    ``waitlist_length``, ``quota``, ``admitted``, ``vacancy_share`` (draws with a vacancy) and
    ``exhausted_share`` (draws in which the list runs out before the places are filled).
    Programs without a row in ``ranking`` are left out.
    """
    no_show = check_no_show(no_show)
    draws = check_draws(draws)
    seed = check_seed(seed)
    rules = _rules(year, rules)
    rng = np.random.default_rng(seed)
    rows = []
    for p in rules.programs:
        p = _with_quota(p, quotas)
        g = ranking[ranking["program"] == p.id]
        if g.empty:  # no applicants: nothing to fill from
            continue
        n_adm = int((g["status"] == "admitted").sum())
        length = int((g["status"] == "waitlisted").sum())
        gone = rng.binomial(n_adm, no_show, size=draws)
        vac = np.maximum(p.quota - (n_adm - gone), 0)
        # calls needed for `vac` acceptances: vac + declines before the last one (negative binomial)
        calls = vac + rng.negative_binomial(np.maximum(vac, 1), 1 - no_show, size=draws)
        depth = np.where(vac > 0, np.minimum(calls, length), 0)
        exhausted = (vac > 0) & (calls > length)
        counts = np.bincount(depth, minlength=length + 1)
        for d, c in enumerate(counts):
            if c:
                rows.append(
                    {
                        "program": p.id,
                        "depth": d,
                        "share": c / draws,
                        "waitlist_length": length,
                        "quota": p.quota,
                        "admitted": n_adm,
                        "vacancy_share": float((vac > 0).mean()),
                        "exhausted_share": float(exhausted.mean()),
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "program",
            "depth",
            "share",
            "waitlist_length",
            "quota",
            "admitted",
            "vacancy_share",
            "exhausted_share",
        ],
    )


def backfill_summary(depth: pd.DataFrame) -> pd.DataFrame:
    """The backfill as numbers per program (and mode, when ``depth`` has a ``mode`` column).

    Columns: ``program, [mode,] quota, admitted, waitlist_length, mean_depth`` (expected number
    of waitlisted applicants called), ``p90_depth`` (90 % of draws call no more than this),
    ``p_vacancy`` (a place is left after the no-shows), ``p_any_call`` (at least one waitlisted
    applicant is called) and ``p_exhausted`` (the list runs out before the places are filled).
    """
    keys = ["program", "mode"] if "mode" in depth.columns else ["program"]
    out = []
    for key, g in depth.groupby(keys, sort=False):
        g = g.sort_values("depth")
        cdf = g["share"].cumsum().to_numpy()
        first = g.iloc[0]
        out.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
                "quota": int(first["quota"]),
                "admitted": int(first["admitted"]),
                "waitlist_length": int(first["waitlist_length"]),
                "mean_depth": float((g["depth"] * g["share"]).sum()),
                "p90_depth": int(g["depth"].to_numpy()[np.searchsorted(cdf, 0.9 - 1e-12)]),
                "p_vacancy": float(first["vacancy_share"]),
                "p_any_call": float(g.loc[g["depth"] > 0, "share"].sum()),
                "p_exhausted": float(first["exhausted_share"]),
            }
        )
    cols = [
        *keys,
        "quota",
        "admitted",
        "waitlist_length",
        "mean_depth",
        "p90_depth",
        "p_vacancy",
        "p_any_call",
        "p_exhausted",
    ]
    return pd.DataFrame(out, columns=cols)
