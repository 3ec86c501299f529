"""Both modes side by side: overlap of the admitted lists, rank shifts, cutoffs, correlations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..rules import AdmissionRules
from .rank import MinTotal, SmallPoolWarning, _rules, rank_admission, total_decimals
from .score import MODES

__all__ = ["compare_modes", "rank_correlations"]


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
    min_total: MinTotal = 0,
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
    cols = ["applicant_id", "program", "total", "rank", "status", "reason_code", "reason"]
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
    # the decimals that show every exact total of either mode (issue 26)
    m.attrs["total_decimals"] = max(
        total_decimals(n["total_units"]), total_decimals(s["total_units"])
    )
    return {"applicants": m, "summary": pd.DataFrame(rows)}
