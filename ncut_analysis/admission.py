"""Admission ranking of the industry-academia-training classes (產學訓四技專班).

Scores are held as exact integers of 1/1000 point and weights as whole percentages, so a total
is an exact integer of 1/100000 point: 53/52/52 and 55/52/50 both give exactly 52.3 and the
tie-break decides. Two modes: ``normal`` (筆試 30% + 面試 40% + 書面審查 30%) and ``special``
(伍、特殊狀態: document review only, per-department weights and 比序 order).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SmallPoolWarning
from .io import InputError, Problem, parse_dates, parse_fixed, read_table
from .rules import NORMAL_ITEMS, SPECIAL_ITEMS, AdmissionRules, Program, load_admission_rules

__all__ = [
    "APPLICANT_COLUMNS",
    "RESULT_COLUMNS",
    "MODES",
    "SmallPoolWarning",
    "load_applicants",
    "rank_admission",
    "compare_modes",
    "rank_correlations",
    "admission_probability",
    "backfill_depth",
    "synth_applicants",
]

APPLICANT_COLUMNS = ("applicant_id", "program", "birth_date", *NORMAL_ITEMS, *SPECIAL_ITEMS)
RESULT_COLUMNS = [
    "applicant_id",
    "program",
    "mode",
    "total",
    "rank",
    "status",
    "waitlist_no",
    "reason",
]
MODES = ("normal", "special")
SCORE_SCALE = 1000  # 1/1000 point
TOTAL_SCALE = SCORE_SCALE * 100  # scores x whole percentages


def _rules(year: int | str, rules: AdmissionRules | None) -> AdmissionRules:
    return rules if rules is not None else load_admission_rules(year)


# ---------------------------------------------------------------------------- loading


def load_applicants(
    path: str | Path, *, year: int = 109, rules: AdmissionRules | None = None
) -> pd.DataFrame:
    """Applicants, validated: scores 0–100 (empty = absent) as exact ``Int64`` of 1/1000 point,
    ``program`` as the program id (Chinese class names accepted), ``birth_date`` a date or NaT.
    """
    rules = _rules(year, rules)
    name = str(path)
    df = read_table(path, APPLICANT_COLUMNS)
    problems: list[Problem] = [
        Problem(int(i), "applicant_id", None, "missing value")
        for i in df.index[df["applicant_id"].isna()]
    ]
    aliases = rules.program_aliases()
    prog = df["program"].astype("string")
    mapped = prog.map(aliases.get, na_action="ignore")
    bad = mapped.isna()
    problems += [
        Problem(
            int(i),
            "program",
            None if pd.isna(prog[i]) else str(prog[i]),
            f"unknown program (use one of {', '.join(aliases)})",
        )
        for i in df.index[bad]
    ]
    out = pd.DataFrame(
        {"applicant_id": df["applicant_id"].astype("string"), "program": mapped.astype("string")}
    )
    born, p = parse_dates(df["birth_date"], "birth_date", required=False)  # no birth date, no check
    problems += p
    out["birth_date"] = born
    for item in (*NORMAL_ITEMS, *SPECIAL_ITEMS):
        v, p = parse_fixed(
            df[item], item, scale=SCORE_SCALE, lo=0, hi=100 * SCORE_SCALE, required=False
        )
        problems += p
        out[item] = v
    dup = out["applicant_id"].duplicated(keep=False) & out["applicant_id"].notna()
    for aid, g in out[dup].groupby("applicant_id", sort=True):
        lines = ", ".join(str(i) for i in g.index)
        problems.append(
            Problem(
                int(g.index[1]), "applicant_id", str(aid), f"listed more than once (lines {lines})"
            )
        )
    if problems:
        raise InputError(name, sorted(problems, key=lambda q: (q.line or 0, q.column or "")))
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------- ranking


def _competition_rank(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order (best first) and competition rank of rows of integer ``keys`` (larger is better,
    compared column by column); rows equal in every key share a rank."""
    if len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort(tuple(-keys[:, j] for j in reversed(range(keys.shape[1]))))
    k = keys[order]
    new = np.r_[True, (k[1:] != k[:-1]).any(axis=1)]
    pos = np.arange(len(order))
    first = np.maximum.accumulate(np.where(new, pos, 0))
    rank = np.empty(len(order), np.int64)
    rank[order] = first + 1
    return order, rank


def _fmt(units: int, scale: int) -> str:
    return f"{units / scale:g}"


def _weights(
    program: Program, mode: str, rules: AdmissionRules, weights: Mapping[str, int] | None
) -> dict[str, int]:
    w = (
        dict(weights)
        if weights is not None
        else (rules.normal_weights if mode == "normal" else program.special_weights)
    )
    items = NORMAL_ITEMS if mode == "normal" else SPECIAL_ITEMS
    if (
        set(w) != set(items)
        or any(int(v) < 0 for v in w.values())
        or sum(int(v) for v in w.values()) != 100
    ):
        raise ValueError(
            f"weights for {mode} mode must give each of {', '.join(items)} a whole percent, summing to 100"
        )
    return {k: int(v) for k, v in w.items()}


def _rank_program(
    g: pd.DataFrame,
    program: Program,
    mode: str,
    rules: AdmissionRules,
    *,
    min_total: int,
    waitlist: int | None,
    weights: Mapping[str, int] | None,
) -> pd.DataFrame:
    n = len(g)
    w = _weights(program, mode, rules, weights)
    reason = np.full(n, "", dtype=object)
    out_ = np.zeros(n, dtype=bool)
    born = g["birth_date"].to_numpy()
    limit = np.datetime64(rules.earliest_birth, "s")
    too_old = ~pd.isna(born) & (born < limit)
    reason[too_old] = f"over the age limit (born before {rules.earliest_birth.isoformat()})"
    out_ |= too_old

    def score(item: str) -> np.ndarray:
        return g[item].fillna(0).to_numpy(dtype=np.int64)

    if mode == "normal":
        written = g["written"].to_numpy(dtype="float64", na_value=np.nan)
        no_written = ~out_ & (np.isnan(written) | (written == 0))
        reason[no_written] = "written test absent or 0"
        out_ |= no_written
        if program.interview_top is not None:
            cand = np.flatnonzero(~out_)
            if len(cand) > program.interview_top:
                cut = np.sort(written[cand])[::-1][program.interview_top - 1]
                # Everyone tied with the last invited one is invited too.
                not_inv = ~out_ & (written < cut)
                reason[not_inv] = (
                    f"not invited to the interview (written below "
                    f"{_fmt(int(cut), SCORE_SCALE)}, the top-{program.interview_top} cut)"
                )
                out_ |= not_inv
        for item, label in (("interview", "interview"), ("review", "document review")):
            v = g[item].to_numpy(dtype="float64", na_value=np.nan)
            miss = ~out_ & (np.isnan(v) | (v == 0))
            reason[miss] = f"{label} absent or 0"
            out_ |= miss
        tiebreak = list(rules.normal_tiebreak)
    else:
        present = g[list(SPECIAL_ITEMS)].notna().any(axis=1).to_numpy()
        none = ~out_ & ~present
        reason[none] = "no review documents (all seven items missing)"
        out_ |= none
        tiebreak = list(program.special_tiebreak)
    items = NORMAL_ITEMS if mode == "normal" else SPECIAL_ITEMS
    total = sum(score(i) * w[i] for i in items)
    ranked = np.flatnonzero(~out_)
    keys = np.column_stack([total[ranked]] + [score(i)[ranked] for i in tiebreak])
    order, rank_r = _competition_rank(keys)
    rank = np.zeros(n, np.int64)
    rank[ranked] = rank_r
    status = np.where(out_, "disqualified", "not_admitted").astype(object)
    qualified = ~out_ & (total >= min_total)
    below = ~out_ & ~qualified
    reason[below] = f"below the minimum total {_fmt(min_total, TOTAL_SCALE)}"
    admitted = qualified & (rank <= program.quota)
    n_adm = int(admitted.sum())
    status[admitted] = "admitted"
    if n_adm > program.quota:
        reason[admitted & (rank == rank[admitted].max())] = (
            f"tied at the quota: {n_adm} admitted for {program.quota} places"
        )
    wl_no = np.where(qualified & ~admitted, rank - n_adm, 0)
    on_list = qualified & ~admitted & ((waitlist is None) | (wl_no <= (waitlist or 0)))
    status[on_list] = "waitlisted"
    beyond = qualified & ~admitted & ~on_list
    reason[beyond] = f"beyond the waitlist of {waitlist}"
    hundredths = (total + TOTAL_SCALE // 200) // (TOTAL_SCALE // 100)  # half-up, totals >= 0
    return pd.DataFrame(
        {
            "applicant_id": g["applicant_id"].to_numpy(),
            "program": program.id,
            "mode": mode,
            "total": np.where(out_, np.nan, hundredths / 100),
            "rank": pd.array(np.where(out_, 0, rank), dtype="Int64").astype("Int64"),
            "status": status,
            "waitlist_no": pd.array(np.where(on_list, wl_no, 0), dtype="Int64"),
            "reason": reason,
            "total_units": pd.array(np.where(out_, 0, total), dtype="Int64"),
        }
    ).assign(
        rank=lambda d: d["rank"].mask(out_),
        waitlist_no=lambda d: d["waitlist_no"].mask(~on_list),
        total_units=lambda d: d["total_units"].mask(out_),
    )


def rank_admission(
    applicants: pd.DataFrame,
    mode: str,
    *,
    year: int = 109,
    min_total: float | str = 0,
    waitlist: int | None = None,
    rules: AdmissionRules | None = None,
    weights: Mapping[str, Mapping[str, int]] | None = None,
    quotas: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Rank every program's applicants under ``mode`` and decide admitted / waitlisted / not.

    Returns one row per applicant: ``applicant_id, program, mode, total`` (half-up to 2
    decimals, NaN when disqualified), ``rank`` (competition rank among the program's ranked
    applicants), ``status``, ``waitlist_no``, ``reason`` and ``total_units`` (the exact total in
    1/100000 point). Rows come per program in the rules' order, best first, then the
    disqualified. ``weights`` ({program id: {item: percent}}) and ``quotas`` ({program id: n}) are
    what-ifs for the explorers. A program with fewer applicants than the brochure's minimum
    gives a ``SmallPoolWarning``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    rules = _rules(year, rules)
    mt = _min_total_units(min_total)
    frames = []
    for program in rules.programs:
        g = applicants[applicants["program"] == program.id].reset_index(drop=True)
        if 0 < len(g) < rules.min_applicants:
            warnings.warn(
                SmallPoolWarning(
                    f"{program.name} ({program.id}) has {len(g)} applicants, fewer than {rules.min_applicants}: "
                    f"the committee may cancel its exam"
                ),
                stacklevel=2,
            )
        w = (weights or {}).get(program.id)
        if quotas and program.id in quotas:
            program = Program(**{**program.__dict__, "quota": int(quotas[program.id])})
        r = _rank_program(g, program, mode, rules, min_total=mt, waitlist=waitlist, weights=w)
        order = np.lexsort((r.index.to_numpy(), r["rank"].fillna(10**9).to_numpy()))
        frames.append(r.iloc[order])
    cols = [*RESULT_COLUMNS, "total_units"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _min_total_units(x: float | str) -> int:
    """The minimum total in exact units (a float such as 60.1 is read as the decimal it prints as)."""
    try:
        d = Decimal(str(x)) * TOTAL_SCALE
    except InvalidOperation:
        d = Decimal(-1)
    if not d.is_finite() or d < 0 or d > 100 * TOTAL_SCALE:
        raise InputError(
            "min_total",
            [Problem(None, None, str(x), "the minimum total must be a number from 0 to 100")],
        )
    return int(d.to_integral_value(rounding="ROUND_CEILING"))


# ---------------------------------------------------------------------------- comparison


def _avg_ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank(method="average").to_numpy()


def rank_correlations(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Spearman's rho and Kendall's tau-b of two rankings (ties allowed)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n = len(a)
    if n < 2:
        return float("nan"), float("nan")
    ra, rb = _avg_ranks(a), _avg_ranks(b)
    rho = float(np.corrcoef(ra, rb)[0, 1]) if ra.std() > 0 and rb.std() > 0 else float("nan")
    da = np.sign(a[:, None] - a[None, :])
    db = np.sign(b[:, None] - b[None, :])
    iu = np.triu_indices(n, 1)
    s = float((da[iu] * db[iu]).sum())
    n0 = len(iu[0])
    n1 = float((da[iu] == 0).sum())
    n2 = float((db[iu] == 0).sum())
    denom = np.sqrt((n0 - n1) * (n0 - n2))
    tau = s / denom if denom > 0 else float("nan")
    return rho, tau


def compare_modes(
    applicants: pd.DataFrame,
    *,
    year: int = 109,
    min_total: float = 0,
    waitlist: int | None = None,
    rules: AdmissionRules | None = None,
) -> dict[str, pd.DataFrame]:
    """Both modes side by side: ``applicants`` (one row each with both ranks, statuses, the
    overlap group and the rank shift) and ``summary`` (per program: counts, overlap, cutoff
    totals, Spearman and Kendall over the applicants ranked in both modes)."""
    rules = _rules(year, rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        n = rank_admission(
            applicants, "normal", rules=rules, min_total=min_total, waitlist=waitlist
        )
        s = rank_admission(
            applicants, "special", rules=rules, min_total=min_total, waitlist=waitlist
        )
    cols = ["applicant_id", "program", "total", "rank", "status", "reason"]
    m = n[cols].merge(
        s[cols], on=["applicant_id", "program"], suffixes=("_normal", "_special"), how="outer"
    )
    adm_n = m["status_normal"] == "admitted"
    adm_s = m["status_special"] == "admitted"
    m["overlap"] = np.select(
        [adm_n & adm_s, adm_n & ~adm_s, ~adm_n & adm_s],
        ["both", "only_normal", "only_special"],
        "neither",
    )
    m["rank_shift"] = (m["rank_normal"] - m["rank_special"]).astype(
        "Int64"
    )  # > 0: better in special
    order = {p.id: i for i, p in enumerate(rules.programs)}
    m = m.sort_values(
        ["program", "rank_normal", "rank_special", "applicant_id"],
        key=lambda c: c.map(order) if c.name == "program" else c,
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    rows = []
    for p in rules.programs:
        g = m[m["program"] == p.id]
        both = g.dropna(subset=["rank_normal", "rank_special"])
        rho, tau = rank_correlations(
            both["rank_normal"].to_numpy(), both["rank_special"].to_numpy()
        )

        def cutoff(mode: str, g: pd.DataFrame = g) -> float:
            t = g.loc[g[f"status_{mode}"] == "admitted", f"total_{mode}"]
            return float(t.min()) if len(t) else float("nan")

        rows.append(
            {
                "program": p.id,
                "name": p.name,
                "quota": p.quota,
                "applicants": len(g),
                **{
                    f"{k}_{mode}": int((g[f"status_{mode}"] == k).sum())
                    for mode in MODES
                    for k in ("admitted", "waitlisted", "not_admitted", "disqualified")
                },
                "both": int((g["overlap"] == "both").sum()),
                "only_normal": int((g["overlap"] == "only_normal").sum()),
                "only_special": int((g["overlap"] == "only_special").sum()),
                "cutoff_normal": cutoff("normal"),
                "cutoff_special": cutoff("special"),
                "ranked_in_both": len(both),
                "spearman": round(rho, 4),
                "kendall": round(tau, 4),
            }
        )
    return {"applicants": m, "summary": pd.DataFrame(rows)}


# ---------------------------------------------------------------------------- Monte Carlo


def admission_probability(
    applicants: pd.DataFrame,
    mode: str,
    *,
    sd: float,
    draws: int = 10_000,
    seed: int = 0,
    year: int = 109,
    min_total: float = 0,
    rules: AdmissionRules | None = None,
    weights: Mapping[str, Mapping[str, int]] | None = None,
    quotas: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Probability of admission when scorers add noise of standard deviation ``sd`` points.

    Normal mode perturbs the interview score, the special state each review item present;
    scores stay within 0–100 and who is eligible does not change. Each draw admits the
    ``quota`` best totals (ties at the quota all admitted) at or above ``min_total``. All draws
    of a program are one array operation. Returns applicant_id, program, p_admitted (0–1), and
    the admitted flag without noise. ``weights`` and ``quotas`` are what-ifs as in
    ``rank_admission``.
    """
    rules = _rules(year, rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        base = rank_admission(
            applicants, mode, rules=rules, min_total=min_total, weights=weights, quotas=quotas
        )
    rng = np.random.default_rng(seed)
    frames = []
    for p in rules.programs:
        r = base[(base["program"] == p.id) & (base["status"] != "disqualified")]
        a = applicants.set_index("applicant_id").loc[r["applicant_id"]]
        items = ("interview",) if mode == "normal" else SPECIAL_ITEMS
        w = _weights(p, mode, rules, (weights or {}).get(p.id))
        fixed = np.zeros(len(a))
        if mode == "normal":
            fixed = sum(
                a[i].to_numpy(dtype=float) / SCORE_SCALE * w[i] for i in ("written", "review")
            )
        total = np.broadcast_to(fixed, (draws, len(a))).copy()
        for i in items:
            v = a[i].to_numpy(dtype=float, na_value=np.nan) / SCORE_SCALE
            noisy = (
                v + rng.normal(0.0, sd, size=(draws, len(a)))
                if sd > 0
                else np.broadcast_to(v, (draws, len(a)))
            )
            noisy = np.where(np.isnan(v), 0.0, np.clip(noisy, 0, 100))
            total += noisy * w[i]
        total /= 100
        if len(a) == 0:
            continue
        k = min(int((quotas or {}).get(p.id, p.quota)), len(a))
        cut = -np.partition(-total, k - 1, axis=1)[:, k - 1]
        adm = (total >= cut[:, None]) & (total >= float(min_total))
        frames.append(
            pd.DataFrame(
                {
                    "applicant_id": r["applicant_id"].to_numpy(),
                    "program": p.id,
                    "p_admitted": adm.mean(axis=0),
                    "admitted_without_noise": (r["status"] == "admitted").to_numpy(),
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=["applicant_id", "program", "p_admitted", "admitted_without_noise"]
        )
    )


def backfill_depth(
    ranking: pd.DataFrame,
    *,
    no_show: float,
    draws: int = 10_000,
    seed: int = 0,
    rules: AdmissionRules | None = None,
    year: int = 109,
) -> pd.DataFrame:
    """How deep into the waitlist each program goes (備取遞補), over ``draws`` draws.

    Each admitted applicant fails to enrol with probability ``no_show``; vacancies are offered
    down the waitlist in order, and each waitlisted applicant called declines with the same
    probability, until the places are filled or the list runs out. The depth of a draw is
    the number of waitlisted applicants called: vacancies plus declines before the last
    acceptance, a negative binomial. Returns per program and depth the share of draws.
    """
    rules = _rules(year, rules)
    if not 0 <= no_show < 1:
        raise ValueError("no_show must be in [0, 1)")
    rng = np.random.default_rng(seed)
    rows = []
    for p in rules.programs:
        g = ranking[ranking["program"] == p.id]
        n_adm = int((g["status"] == "admitted").sum())
        length = int((g["status"] == "waitlisted").sum())
        vac = rng.binomial(min(n_adm, p.quota), no_show, size=draws)
        fails = rng.negative_binomial(np.maximum(vac, 1), 1 - no_show, size=draws)
        depth = np.where(vac > 0, np.minimum(vac + fails, length), 0)
        unfilled = np.where(vac > 0, vac + fails > length, False)
        counts = np.bincount(depth, minlength=length + 1)
        for d, c in enumerate(counts):
            if c:
                rows.append(
                    {
                        "program": p.id,
                        "depth": d,
                        "share": c / draws,
                        "waitlist_length": length,
                        "exhausted_share": float(unfilled.mean()),
                    }
                )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- synthetic pools


def synth_applicants(
    year: int = 109, seed: int = 0, *, rules: AdmissionRules | None = None
) -> pd.DataFrame:
    """A realistic applicant pool per program: correlated scores (one latent ability), some
    absences, optional items missing, a few applicants over the age limit. Sizes: 110–200 for
    the classes that invite the top 100 to interview, 40–90 for the others."""
    rules = _rules(year, rules)
    rng = np.random.default_rng(seed)
    frames = []
    for k, p in enumerate(rules.programs):
        n = int(rng.integers(110, 201) if p.interview_top else rng.integers(40, 91))
        z = rng.normal(size=n)  # one latent ability behind every score
        # item: (mean, spread, loading on the ability, decimals)
        shape = {
            "written": (58, 16, 0.8, 0),
            "interview": (74, 9, 0.6, 1),
            "review": (72, 10, 0.6, 1),
            "tvee": (62, 15, 0.8, 0),
            "school_grades": (75, 9, 0.6, 1),
            "conduct": (80, 8, 0.3, 0),
            "autobiography": (72, 9, 0.4, 0),
            "certificates": (60, 20, 0.5, 0),
            "awards": (55, 20, 0.5, 0),
            "other": (65, 12, 0.3, 0),
        }
        cols = {}
        for item, (mean, spread, loading, decimals) in shape.items():
            e = rng.normal(size=n)
            v = np.clip(mean + spread * (loading * z + np.sqrt(1 - loading**2) * e), 1, 100)
            cols[item] = np.round(v, decimals)
        missing = {
            "written": 0.03,
            "interview": 0.03,
            "review": 0.02,
            "tvee": 0.15,
            "school_grades": 0.02,
            "conduct": 0.05,
            "autobiography": 0.03,
            "certificates": 0.2,
            "awards": 0.45,
            "other": 0.3,
        }
        df = pd.DataFrame(
            {"applicant_id": [f"{year}{k + 1}{i + 1:04d}" for i in range(n)], "program": p.name}
        )
        # Most applicants are 18–22; a few are over the age limit (born before 1 January of year+1911-29).
        age_days = rng.normal(19.5, 1.8, n).clip(15.2, 28.5) * 365.25
        old = rng.random(n) < 0.02
        age_days = np.where(old, rng.uniform(29.6, 33, n) * 365.25, age_days)
        ref = np.datetime64(dt.date(year + 1911, 7, 1), "D")
        births = ref - age_days.astype("timedelta64[D]")
        df["birth_date"] = pd.Series(births).dt.strftime("%Y-%m-%d").to_numpy()
        for c, v in cols.items():
            absent = rng.random(n) < missing[c]
            df[c] = (
                pd.Series(v).where(~absent).map(lambda x: "" if pd.isna(x) else f"{x:g}").to_numpy()
            )
        frames.append(df)
    return pd.concat(frames, ignore_index=True)[list(APPLICANT_COLUMNS)]
