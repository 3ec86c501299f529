from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.admission import (
    APPLICANT_COLUMNS,
    SmallPoolWarning,
    admission_probability,
    backfill_depth,
    compare_modes,
    load_applicants,
    rank_admission,
    rank_correlations,
    synth_applicants,
)
from ncut_analysis.paths import default_applicants

from .conftest import REPO, run_cli, write

# Quotas of 2 and an interview for the top 3 written scores, so pools can be checked by hand.
SMALL = na.load_admission_rules(REPO / "tests" / "fixtures" / "admission_small.toml")
HEADER = ",".join(APPLICANT_COLUMNS)


def pool(tmp_path, rows: list[str], name: str = "a.csv"):
    return write(tmp_path / name, HEADER + "\n" + "\n".join(rows) + "\n")


def normal_row(
    aid: str, w, i, r, program: str = "precision-machinery", born: str = "2001-05-05"
) -> str:
    return f"{aid},{program},{born},{w},{i},{r},,,,,,,"


def special_row(
    aid: str, program: str, tvee="", school="", conduct="", auto="", cert="", awards="", other=""
) -> str:
    return f"{aid},{program},2001-05-05,,,,{tvee},{school},{conduct},{auto},{cert},{awards},{other}"


def ranked(tmp_path, rows, mode="normal", **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        apps = load_applicants(pool(tmp_path, rows), rules=SMALL)
        return rank_admission(apps, mode, rules=SMALL, **kw).set_index("applicant_id")


def test_equal_totals_on_paper_are_equal_and_the_written_score_decides(tmp_path):
    # 53×30% + 52×40% + 52×30% = 52.3 = 55×30% + 52×40% + 50×30% (a float sum gives 52.300000000000004 vs 52.3)
    r = ranked(tmp_path, [normal_row("A", 53, 52, 52), normal_row("B", 55, 52, 50)])
    assert r.loc["A", "total_units"] == r.loc["B", "total_units"] == 5_230_000
    assert r.loc["A", "total"] == r.loc["B", "total"] == 52.3
    assert r.loc["B", "rank"] == 1 and r.loc["A", "rank"] == 2


def test_tie_break_order_written_interview_review(tmp_path):
    # equal totals and written scores, so the interview decides:
    # C: 60/70/50 -> 18 + 28 + 15 = 61; D: 60/67/54 -> 18 + 26.8 + 16.2 = 61
    r = ranked(tmp_path, [normal_row("D", 60, 67, 54), normal_row("C", 60, 70, 50)])
    assert r.loc["C", "total_units"] == r.loc["D", "total_units"]
    assert r.loc["C", "rank"] == 1 and r.loc["D", "rank"] == 2


def test_interview_invitation_includes_ties_with_the_last_invited(tmp_path):
    rows = [
        normal_row(a, w, 80, 80) for a, w in [("A", 90), ("B", 80), ("C", 70), ("D", 70), ("E", 60)]
    ]
    r = ranked(tmp_path, rows)
    assert list(r.loc[["A", "B", "C", "D"], "status"]) != ["disqualified"] * 4
    assert r.loc["E", "status"] == "disqualified" and "top-3 cut" in r.loc["E", "reason"]
    assert r.loc[["A", "B", "C", "D"], "rank"].tolist() == [1, 2, 3, 3]


def test_hvac_interviews_everyone_with_a_written_score(tmp_path):
    rows = [
        normal_row(a, w, 80, 80, "hvac-energy")
        for a, w in [("A", 90), ("B", 80), ("C", 70), ("D", 60)]
    ]
    rows.append(normal_row("Z", "", 80, 80, "hvac-energy"))
    r = ranked(tmp_path, rows)
    assert (r.loc[["A", "B", "C", "D"], "status"] != "disqualified").all()
    assert (
        r.loc["Z", "status"] == "disqualified"
        and r.loc["Z", "reason"] == "written test absent or 0"
    )


def test_absent_or_zero_disqualifies(tmp_path):
    r = ranked(
        tmp_path,
        [
            normal_row("W", 0, 80, 80),
            normal_row("I", 70, "", 80),
            normal_row("R", 70, 80, 0),
            normal_row("OK", 70, 80, 80),
        ],
    )
    assert r.loc["W", "reason"] == "written test absent or 0"
    assert r.loc["I", "reason"] == "interview absent or 0"
    assert r.loc["R", "reason"] == "document review absent or 0"
    assert pd.isna(r.loc["W", "total"]) and pd.isna(r.loc["W", "rank"])
    assert r.loc["OK", "rank"] == 1


def test_age_limit_boundary_day(tmp_path):
    # 109: born before 1991-01-01 is over 29 (民國 80 年 1 月 1 日以後出生 may apply)
    r = ranked(
        tmp_path,
        [
            normal_row("ON", 70, 70, 70, born="1991-01-01"),
            normal_row("BEFORE", 70, 70, 70, born="1990-12-31"),
            normal_row("ROC", 70, 70, 70, born="80/01/01"),
            normal_row("NONE", 70, 70, 70, born=""),
        ],
    )
    assert r.loc["BEFORE", "status"] == "disqualified" and "1991-01-01" in r.loc["BEFORE", "reason"]
    assert r.loc["BEFORE", "reason_code"] == "over_age"
    assert (r.loc[["ON", "ROC"], "status"] != "disqualified").all()
    # no birth date: the 15-29 window cannot be checked, so not ranked (issue 12)
    assert r.loc["NONE", "status"] == "disqualified"
    assert r.loc["NONE", "reason"] == "birth date missing (the 15–29 window cannot be checked)"


def test_tie_straddling_the_quota_admits_all_and_says_so(tmp_path):
    rows = [
        normal_row(a, s, s, s, "hvac-energy")
        for a, s in [("A", 90), ("B", 80), ("C", 80), ("D", 70)]
    ]
    r = ranked(tmp_path, rows)
    assert list(r["status"]) == ["admitted", "admitted", "admitted", "waitlisted"]
    assert list(r["rank"]) == [1, 2, 2, 4]
    assert "tied at the quota: 3 admitted for 2 places" in r.loc["C", "reason"]
    assert r.loc["D", "waitlist_no"] == 1


def test_waitlist_numbering_and_length(tmp_path):
    rows = [normal_row(a, 90 - 5 * k, 80, 80, "hvac-energy") for k, a in enumerate("ABCDEF")]
    r = ranked(tmp_path, rows, waitlist=2)
    assert list(r["status"]) == ["admitted"] * 2 + ["waitlisted"] * 2 + ["not_admitted"] * 2
    assert list(r["waitlist_no"].dropna()) == [1, 2]
    assert r.loc["E", "reason"] == "beyond the waitlist of 2"


def test_min_total_with_no_waitlist_left(tmp_path):
    # totals 90, 70, 60: a minimum of 75 admits one (不足額錄取) and lists nobody on the waitlist
    r = ranked(
        tmp_path,
        [normal_row("A", 90, 90, 90), normal_row("B", 70, 70, 70), normal_row("C", 60, 60, 60)],
        min_total=75,
    )
    assert list(r["status"]) == ["admitted", "not_admitted", "not_admitted"]
    assert r.loc["B", "reason"] == "below the minimum total 75"
    assert r["waitlist_no"].isna().all()
    assert r.loc["B", "rank"] == 2  # ranked whatever the status


def test_special_state_weights_missing_tvee_and_all_missing(tmp_path):
    rows = [
        # 機械: 25% tvee + 10% school + 10% conduct + 5% auto + 25% cert + 15% awards + 10% other
        special_row("M1", "precision-machinery", 80, 80, 80, 80, 80, 80, 80),  # 80
        special_row(
            "M2", "precision-machinery", "", 80, 80, 80, 80, 80, 80
        ),  # no 統測: 80 - 25% × 80 = 60
        special_row("M3", "precision-machinery"),  # nothing at all
    ]
    r = ranked(tmp_path, rows, mode="special")
    assert r.loc["M1", "total"] == 80 and r.loc["M2", "total"] == 60
    assert (
        r.loc["M3", "status"] == "disqualified"
        and "all seven items missing" in r.loc["M3", "reason"]
    )


def test_special_tie_break_follows_each_departments_order(tmp_path):
    # hvac: school 20%, cert 20%, 比序 tvee, school, cert: equal totals, A has the better school grades
    hv = [
        special_row("A", "hvac-energy", 70, 80, 70, 70, 70, 70, 70),
        special_row("B", "hvac-energy", 70, 70, 70, 70, 80, 70, 70),
    ]
    # 機械: school 10%, cert 25% (85×10 + 70×25 = 60×10 + 80×25 = 2600); 比序 tvee, cert: B first
    me = [
        special_row("C", "precision-machinery", 70, 85, 70, 70, 70, 70, 70),
        special_row("D", "precision-machinery", 70, 60, 70, 70, 80, 70, 70),
    ]
    r = ranked(tmp_path, hv + me, mode="special")
    assert r.loc["A", "total_units"] == r.loc["B", "total_units"] and r.loc["A", "rank"] == 1
    assert r.loc["C", "total_units"] == r.loc["D", "total_units"] and r.loc["D", "rank"] == 1


def test_chinese_program_names_and_small_pool_warning(tmp_path):
    p = pool(
        tmp_path,
        [
            normal_row("A", 70, 70, 70, "機電控制四技專班"),
            normal_row("B", 60, 60, 60, "mechatronics"),
        ],
    )
    apps = load_applicants(p)
    assert list(apps["program"]) == ["mechatronics", "mechatronics"]
    with pytest.warns(SmallPoolWarning, match="機電控制四技專班報名 2 人，少於 30 人"):
        rank_admission(apps, "normal")


def test_bad_applicants_every_problem_listed(tmp_path):
    p = pool(
        tmp_path,
        [
            normal_row("A", 101, 70, 70),
            normal_row("A", "abc", 70, 70),
            normal_row("C", 70, 70, 70, "化工班"),
            normal_row("D", 70, -1, 70),
        ],
    )
    with pytest.raises(na.InputError) as e:
        load_applicants(p)
    got = [(q.line, q.column, q.value) for q in e.value.problems]
    assert got == [
        (2, "written", "101"),
        (3, "applicant_id", "A"),
        (3, "written", "abc"),
        (4, "program", "化工班"),
        (5, "interview", "-1"),
    ]


def test_rank_correlations_by_hand():
    assert rank_correlations(np.array([1, 2, 3, 4]), np.array([1, 2, 3, 4])) == (1.0, 1.0)
    assert rank_correlations(np.array([1, 2, 3, 4]), np.array([4, 3, 2, 1])) == (-1.0, -1.0)
    rho, tau = rank_correlations(np.array([1, 2, 3]), np.array([1, 3, 2]))
    assert rho == pytest.approx(0.5) and tau == pytest.approx(1 / 3)


def test_compare_modes_overlap_and_cutoffs(tmp_path):
    rows = [
        f"{a},hvac-energy,2001-01-01,{w},{i},{r},{t},{s},70,70,70,70,70"
        for a, w, i, r, t, s in [
            ("A", 90, 90, 90, 50, 50),
            ("B", 80, 80, 80, 90, 90),
            ("C", 70, 70, 70, 80, 80),
        ]
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        res = compare_modes(load_applicants(pool(tmp_path, rows), rules=SMALL), rules=SMALL)
    m = res["applicants"].set_index("applicant_id")
    assert m.loc["A", "overlap"] == "only_normal" and m.loc["B", "overlap"] == "both"
    assert m.loc["C", "overlap"] == "only_special" and m.loc["C", "rank_shift"] == 1
    s = res["summary"].set_index("program").loc["hvac-energy"]
    assert (s["both"], s["only_normal"], s["only_special"]) == (1, 1, 1)
    assert s["cutoff_normal"] == 80 and s["spearman"] == pytest.approx(-0.5)


def test_monte_carlo_is_reproducible_and_sensible():
    apps = load_applicants(default_applicants(109))
    a = admission_probability(apps, "normal", sd=3, draws=2000, seed=7)
    b = admission_probability(apps, "normal", sd=3, draws=2000, seed=7)
    c = admission_probability(apps, "normal", sd=3, draws=2000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["p_admitted"].equals(c["p_admitted"])
    # no noise: the probability is the ranking's own decision, for every applicant
    for mode in ("normal", "special"):
        z = admission_probability(apps, mode, sd=0, draws=10, seed=1)
        r = rank_admission(apps, mode)
        assert list(z["applicant_id"]) == list(r["applicant_id"])
        assert (z["p_admitted"].to_numpy() == (r["status"] == "admitted").to_numpy()).all()
        # with a waitlist of 5, the statuses are the ranking's (備取 6 on: beyond the list)
        z5 = admission_probability(apps, mode, sd=0, draws=10, seed=1, waitlist=5)
        r5 = rank_admission(apps, mode, waitlist=5)
        assert list(z5["status"]) == list(r5["status"])
        assert (
            z5.groupby("program")["status"].apply(lambda s: (s == "waitlisted").sum()) <= 5
        ).all()
    # with noise, the expected number admitted per program stays at the quota (no ties)
    per = a.groupby("program")["p_admitted"].sum()
    assert per["hvac-energy"] == pytest.approx(30) and per["mechatronics"] == pytest.approx(50)


def test_backfill_depth_distribution():
    apps = load_applicants(default_applicants(109))
    ranking = rank_admission(apps, "normal", waitlist=10)
    none = backfill_depth(ranking, no_show=0.0, draws=500, seed=1)
    assert set(none["depth"]) == {0} and (none["share"] == 1).all()
    d = backfill_depth(ranking, no_show=0.2, draws=5000, seed=1)
    assert d.groupby("program")["share"].sum().round(9).eq(1).all()
    assert d["depth"].max() <= 10
    # 50 admitted, 20 % no-shows: about 10 vacancies, and callers decline too: often exhausted
    mech = d[d["program"] == "mechatronics"]
    assert mech["exhausted_share"].iloc[0] > 0.3
    assert backfill_depth(ranking, no_show=0.2, draws=5000, seed=1).equals(d)


def test_shipped_applicants_are_the_seed_109_pool(tmp_path):
    synth_applicants(109, 109).to_csv(tmp_path / "a.csv", index=False, lineterminator="\n")
    assert (tmp_path / "a.csv").read_bytes() == default_applicants(109).read_bytes()
    apps = load_applicants(default_applicants(109))
    sizes = apps.groupby("program").size()
    assert sizes["hvac-energy"] >= 30 and sizes["mechatronics"] > 100  # the top-100 cut bites


def run(*args, cwd=REPO):
    return run_cli(*args, cwd=cwd)


def test_admission_command(tmp_path):
    out = tmp_path / "adm.csv"
    res = run(
        "admission",
        "--applicants",
        str(default_applicants(109)),
        "--mode",
        "special",
        "--waitlist",
        "5",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == [
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
        "tiebreak",  # issue 26: the 比序 scores where a total is shared
    ]
    assert set(df["status_label"]) <= {"正取", "備取", "未錄取", "不予錄取"}
    assert (df[df["status"] == "waitlisted"].groupby("program").size() == 5).all()
    assert all(t == "" or len(t.split(".")[1]) == 2 for t in df["total"])
    assert (
        run(
            "admission-compare",
            "--applicants",
            str(default_applicants(109)),
            "--out",
            str(tmp_path / "cmp"),
        ).returncode
        == 0
    )
    summary = pd.read_csv(tmp_path / "cmp" / "compare_summary.csv")
    assert list(summary["program"]) == ["precision-machinery", "mechatronics", "hvac-energy"]


def test_admission_command_bad_input(tmp_path):
    p = pool(tmp_path, [normal_row("A", 101, 70, 70), normal_row("A", 70, 70, 70)])
    out = tmp_path / "adm.csv"
    res = run("admission", "--applicants", str(p), "--mode", "normal", "--out", str(out))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        f"{p} 第 2 列，欄位「written」，值「101」：不可大於 100" in res.stderr
        and "重複列出" in res.stderr
    )
    assert not out.exists()
    res = run("admission", "--applicants", str(p), "--mode", "lottery", "--out", str(out))
    assert res.returncode == 2 and "--mode" in res.stderr and "「lottery」" in res.stderr
    bad = write(tmp_path / "m.csv", "applicant_id,program\nA,mechatronics\n")
    res = run("admission", "--applicants", str(bad), "--mode", "normal", "--out", str(out))
    assert res.returncode == 2 and "欄位「written」" in res.stderr and "缺少欄位" in res.stderr
