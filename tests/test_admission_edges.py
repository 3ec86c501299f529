"""Issue 12: the brochure's rules at the edges, each with a pool a person can check by hand.

Pools use the real 109 rules (冷凍 quota 30, 機械/電機 50) unless they say otherwise.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.admission import (
    APPLICANT_COLUMNS,
    REASON_LABELS,
    OptionError,
    SmallPoolWarning,
    admission_diff,
    admission_probability,
    admitted_by_draw,
    backfill_depth,
    backfill_summary,
    competition_rank,
    load_applicants,
    minimum_standards,
    probability_summary,
    rank_admission,
    reason_counts,
    score_program,
)
from ncut_analysis.admission.simulate import noisy_draws
from ncut_analysis.errors import NcutError

from .conftest import REPO, run_cli, write

HEADER = ",".join(APPLICANT_COLUMNS)
R109 = na.load_admission_rules(109)
SMALL = na.load_admission_rules(REPO / "tests" / "fixtures" / "admission_small.toml")


def row(aid, w, i, r, program="hvac-energy", born="2001-05-05", special=",,,,,,") -> str:
    return f"{aid},{program},{born},{w},{i},{r},{special}"


def special_row(aid, program, *scores, born="2001-05-05") -> str:
    cells = [("" if s is None else str(s)) for s in scores] + [""] * (7 - len(scores))
    return f"{aid},{program},{born},,,," + ",".join(cells)


def load(tmp_path, rows, header=HEADER, name="a.csv", rules=R109) -> pd.DataFrame:
    return load_applicants(
        write(tmp_path / name, header + "\n" + "\n".join(rows) + "\n"), rules=rules
    )


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        return fn(*a, **kw)


def hvac_filler(n: int, top: int = 95) -> list[str]:
    """``n`` 冷凍 applicants with distinct totals well above 73 (written = interview = review)."""
    return [row(f"F{k:02d}", top - k * 0.5, top - k * 0.5, top - k * 0.5) for k in range(n)]


# ---------------------------------------------------------------------------- one scorer


def t1_t2_pool(tmp_path) -> pd.DataFrame:
    # 29 above, then T1 80/70/70 = 24 + 28 + 21 = 73.00 and T2 70/76/72 = 21 + 30.4 + 21.6 =
    # 73.00 on places 30 and 31 (筆試 decides: T1), then three below.
    rows = [
        *hvac_filler(29),
        row("T2", 70, 76, 72),
        row("T1", 80, 70, 70),
        row("L1", 60, 60, 60),
        row("L2", 55, 55, 55),
        row("L3", 50, 50, 50),
    ]
    return load(tmp_path, rows)


def test_t1_t2_ranking_and_monte_carlo_at_sd_0_agree(tmp_path):
    apps = t1_t2_pool(tmp_path)
    r = rank_admission(apps, "normal").set_index("applicant_id")
    assert r.loc["T1", "total_units"] == r.loc["T2", "total_units"] == 7_300_000
    assert (r.loc["T1", "rank"], r.loc["T1", "status"]) == (30, "admitted")
    assert (r.loc["T2", "rank"], r.loc["T2", "status"], r.loc["T2", "waitlist_no"]) == (
        31,
        "waitlisted",
        1,
    )
    p = admission_probability(apps, "normal", sd=0, draws=50, seed=3).set_index("applicant_id")
    assert p.loc["T1", "p_admitted"] == 1.0 and p.loc["T2", "p_admitted"] == 0.0
    adm = r["status"] == "admitted"
    assert (p.loc[r.index, "p_admitted"] == adm.astype(float)).all()
    assert int(adm.sum()) == 30
    s = probability_summary(p.reset_index()).set_index("program").loc["hvac-energy"]
    assert (s["ranked"], s["admitted_without_noise"], s["near_certain"]) == (34, 30, 30)
    assert (s["marginal"], s["admitted_below_half"], s["expected_admitted"]) == (0, 0, 30.0)


def test_monte_carlo_tie_broken_by_the_full_key_in_every_draw(tmp_path):
    # Only the interview is noisy; a tiny sd (0.0001 point, a tenth of the unit) rounds back to the score,
    # so every draw keeps T1 and T2 tied on the total and the written score decides each time.
    apps = t1_t2_pool(tmp_path)
    p = admission_probability(apps, "normal", sd=0.0001, draws=300, seed=1)
    p = p.set_index("applicant_id")
    assert p.loc["T1", "p_admitted"] == 1.0 and p.loc["T2", "p_admitted"] == 0.0


def test_special_state_sd_0_reproduces_the_ranking(tmp_path):
    # 冷凍 special: equal totals, 比序 ② 在校成績 decides (A), and an unbreakable tie (C, D).
    rows = [
        special_row("A", "hvac-energy", 70, 80, 70, 70, 70, 70, 70),
        special_row("B", "hvac-energy", 70, 70, 70, 70, 80, 70, 70),
        special_row("C", "hvac-energy", 60, 60, 60, 60, 60, 60, 60),
        special_row("D", "hvac-energy", 60, 60, 60, 60, 60, 60, 60),
        special_row("E", "hvac-energy", 50, 50, 50, 50, 50, 50, 50),
    ]
    apps = load(tmp_path, rows, rules=SMALL)
    r = quiet(rank_admission, apps, "special", rules=SMALL, quotas={"hvac-energy": 3})
    r = r.set_index("applicant_id")
    assert list(r["rank"]) == [1, 2, 3, 3, 5]
    assert list(r["status"]) == ["admitted"] * 4 + ["waitlisted"]  # the tie admits 4 for 3
    p = quiet(
        admission_probability,
        apps,
        "special",
        sd=0,
        draws=7,
        rules=SMALL,
        quotas={"hvac-energy": 3},
    ).set_index("applicant_id")
    assert list(p.loc[r.index, "p_admitted"]) == [1, 1, 1, 1, 0]


def test_admitted_by_draw_equals_the_full_competition_rank():
    # Scores 0..3 points in three items: many ties in totals and in whole keys.
    rng = np.random.default_rng(5)
    g = pd.DataFrame(
        {
            "applicant_id": [f"A{i}" for i in range(12)],
            "program": "hvac-energy",
            "birth_date": pd.Timestamp("2001-01-01"),
            "written": 1000,
            "interview": 1000,
            "review": 1000,
        }
    )
    sc = score_program(g, R109.program("hvac-energy"), "normal", R109)
    scores = rng.integers(1, 4, size=(400, 12, 3)) * 1000
    for quota in (1, 3, 5, 11, 12, 20):
        for min_units in (0, 200_000):
            fast = admitted_by_draw(sc, scores, quota, min_units)
            rank = competition_rank(sc.key(scores))[1]
            slow = (rank <= quota) & (sc.totals(scores) >= min_units)
            assert (fast == slow).all(), (quota, min_units)


def test_noise_is_added_in_score_units():
    g = pd.DataFrame(
        {
            "applicant_id": ["A", "B"],
            "program": "hvac-energy",
            "birth_date": pd.Timestamp("2001-01-01"),
            **{i: pd.array([None, 99_999], dtype="Int64") for i in na.admission.SPECIAL_ITEMS},
        }
    )
    sc = score_program(g, R109.program("hvac-energy"), "special", R109)
    z = np.random.default_rng(0).standard_normal((50, 2, int(sc.noisy.sum())))
    d = noisy_draws(sc, np.array([0, 1]), z, sd=3)
    assert (d == np.rint(d)).all() and d.min() >= 0 and d.max() <= 100_000
    assert (d[:, 0, :] == 0).all()  # absent items stay absent
    assert (d[:, 1, :] == 100_000).any()  # clipped at 100


# ---------------------------------------------------------------------------- backfill


def test_backfill_counts_vacancies_against_the_approved_quota(tmp_path):
    # 29 distinct, then two identical applicants tied on place 30: 31 admitted for 30 places.
    rows = [*hvac_filler(29), row("X1", 70, 70, 70), row("X2", 70, 70, 70)]
    rows += [row(f"W{k}", 60 - k, 60 - k, 60 - k) for k in range(5)]
    r = rank_admission(load(tmp_path, rows), "normal")
    hv = r[r["program"] == "hvac-energy"]
    assert (hv["status"] == "admitted").sum() == 31 and (hv["status"] == "waitlisted").sum() == 5
    assert set(hv.loc[hv["reason_code"] == "tied_at_quota", "applicant_id"]) == {"X1", "X2"}
    p, n, draws = 0.02, 31, 200_000
    # one no-show of 31 still leaves 30 enrolled: a call needs 2 or more no-shows
    expected = 1 - (1 - p) ** n - n * p * (1 - p) ** (n - 1)
    assert expected == pytest.approx(0.127, abs=0.001)  # the issue: about 0.13
    d = backfill_depth(r, no_show=p, draws=draws, seed=4)
    s = backfill_summary(d).set_index("program").loc["hvac-energy"]
    tol = 5 * math.sqrt(expected * (1 - expected) / draws)
    assert s["p_any_call"] == pytest.approx(expected, abs=tol)
    assert s["p_vacancy"] == pytest.approx(expected, abs=tol)
    assert (s["quota"], s["admitted"], s["waitlist_length"]) == (30, 31, 5)
    # no no-shows: nobody is called
    z = backfill_summary(backfill_depth(r, no_show=0, draws=100, seed=4)).set_index("program")
    assert z.loc["hvac-energy", "p_any_call"] == 0 and z.loc["hvac-energy", "p_exhausted"] == 0


def test_backfill_list_runs_out(tmp_path):
    # 30 admitted, 1 on the waitlist, half of everyone does not show: the list nearly always
    # runs out; the depth never exceeds the list.
    rows = [*hvac_filler(30), row("W", 50, 50, 50)]
    r = rank_admission(load(tmp_path, rows), "normal")
    d = backfill_depth(r, no_show=0.5, draws=2000, seed=1)
    s = backfill_summary(d).set_index("program").loc["hvac-energy"]
    assert d[d["program"] == "hvac-energy"]["depth"].max() == 1
    assert s["p_exhausted"] > 0.99 and s["p90_depth"] == 1 and s["mean_depth"] <= 1


# ---------------------------------------------------------------------------- 柒.四, 參.二


def test_special_state_review_total_zero_is_disqualified(tmp_path):
    rows = [
        special_row("Z", "mechatronics", 0, 0, 0, 0, 0, 0, 0),  # every item 0
        special_row("H", "mechatronics", 0, None, None, None, None, None, None),  # one item, 0
        special_row("N", "mechatronics"),  # nothing at all
        special_row("K", "mechatronics", 0, 0, 0, 0, 0, 0, 1),  # 1 point of 其他 (15%)
    ]
    r = quiet(rank_admission, load(tmp_path, rows), "special").set_index("applicant_id")
    for aid in ("Z", "H"):
        assert r.loc[aid, "status"] == "disqualified"
        assert r.loc[aid, "reason_code"] == "review_total_zero"
        assert r.loc[aid, "reason"] == "document review total 0"
        assert r.loc[aid, "reason_label"] == REASON_LABELS["review_total_zero"]
    assert r.loc["N", "reason_code"] == "no_documents"
    assert r.loc["K", "status"] == "admitted" and r.loc["K", "total"] == 0.15


def test_age_window_15_to_29(tmp_path):
    rows = [
        row("OLD", 70, 70, 70, born="1990-12-31"),
        row("EDGE_OLD", 70, 70, 70, born="1991-01-01"),
        row("EDGE_YOUNG", 70, 70, 70, born="2005-12-31"),  # turns 15 on the last day of 2020
        row("YOUNG", 70, 70, 70, born="2006-01-01"),
        row("Y2010", 70, 70, 70, born="2010-03-01"),
        row("NOBIRTH", 70, 70, 70, born=""),
    ]
    r = quiet(rank_admission, load(tmp_path, rows), "normal").set_index("applicant_id")
    assert R109.earliest_birth.isoformat() == "1991-01-01"
    assert R109.latest_birth.isoformat() == "2005-12-31"
    assert list(r.loc[["EDGE_OLD", "EDGE_YOUNG"], "status"]) == ["admitted", "admitted"]
    assert r.loc["OLD", "reason_code"] == "over_age"
    assert list(r.loc[["YOUNG", "Y2010"], "reason_code"]) == ["under_age", "under_age"]
    assert "2005-12-31" in r.loc["Y2010", "reason"]
    assert r.loc["NOBIRTH", "status"] == "disqualified"
    assert r.loc["NOBIRTH", "reason_code"] == "birth_date_missing"
    assert r.loc["NOBIRTH", "reason"] == "birth date missing (the 15–29 window cannot be checked)"
    assert r.loc["NOBIRTH", "reason_label"] == "不符報考資格：缺出生日期（無法檢核 15–29 歲）"
    # one incomplete row does not stop a simulation, and is never admitted in it
    p = quiet(admission_probability, load(tmp_path, rows), "normal", sd=3, draws=50)
    assert p.set_index("applicant_id").loc["NOBIRTH", "p_admitted"] == 0


def test_age_window_in_the_special_state_too(tmp_path):
    rows = [special_row("Y", "hvac-energy", 80, 80, 80, 80, 80, 80, 80, born="2010-01-01")]
    r = quiet(rank_admission, load(tmp_path, rows), "special")
    assert r["reason_code"].tolist() == ["under_age"]


# ---------------------------------------------------------------------------- 柒.一 minimums


def test_per_class_minimum_standard(tmp_path):
    rows = [
        row("M59", 59, 59, 59, "precision-machinery"),
        row("M60", 60, 60, 60, "precision-machinery"),
        row("E40", 40, 40, 40, "mechatronics"),
        row("H54", 54.99, 55, 55, "hvac-energy"),  # 16.497 + 22 + 16.5 = 54.997 < 55
        row("H55", 55, 55, 55, "hvac-energy"),
    ]
    apps = load(tmp_path, rows)
    for spec in (
        "precision-machinery=60,hvac-energy=55",
        "工具機與精密模具設計製造四技專班=60, 冷凍=55",
        {"precision-machinery": 60, "冷凍空調與能源四技專班": "55"},
    ):
        r = quiet(rank_admission, apps, "normal", min_total=spec).set_index("applicant_id")
        assert r.loc["M59", "reason_code"] == "below_minimum", spec
        assert r.loc["H54", "reason_code"] == "below_minimum", spec
        assert r.loc["H54", "total"] == 54.997  # exact (issue 26): not 55.00 beside 「未達 55」
        assert list(r.loc[["M60", "E40", "H55"], "status"]) == ["admitted"] * 3, spec
        assert r.loc["M59", "reason_label"] == "未達最低錄取標準：60 分"
    one = quiet(rank_admission, apps, "normal", min_total="50").set_index("applicant_id")
    assert one.loc["E40", "reason_code"] == "below_minimum"
    m = minimum_standards("precision-machinery=60,hvac-energy=55.5")
    assert list(m["min_total"]) == [60.0, 0.0, 55.5]
    assert list(m["min_total_units"]) == [6_000_000, 0, 5_550_000]
    assert list(m.columns) == ["program", "name", "short", "quota", "min_total", "min_total_units"]


@pytest.mark.parametrize(
    "bad", ["101", "-1", "abc", "nan", "foo=60", "precision-machinery=101", "hvac-energy"]
)
def test_bad_minimum_raises_the_packages_error(tmp_path, bad):
    apps = load(tmp_path, [row("A", 70, 70, 70)])
    with pytest.raises(OptionError) as e:
        quiet(rank_admission, apps, "normal", min_total=bad)
    assert "min_total" in str(e.value) and "\n" not in str(e.value)


# ---------------------------------------------------------------------------- excluded


@pytest.mark.parametrize("header", ["excluded", "不予錄取原因"])
def test_office_exclusion_disqualifies_with_its_text(tmp_path, header):
    rows = [
        f"{r},{x}" for r, x in zip(hvac_filler(31), ["已錄取他校未放棄"] + [""] * 30, strict=True)
    ]
    apps = load(tmp_path, rows, header=f"{HEADER},{header}")
    r = rank_admission(apps, "normal").set_index("applicant_id")
    assert r.loc["F00", "status"] == "disqualified"
    assert r.loc["F00", "reason_code"] == "excluded"
    assert r.loc["F00", "reason"] == "已錄取他校未放棄"
    assert "已錄取他校未放棄" in r.loc["F00", "reason_label"]
    assert r.loc["F30", "status"] == "admitted"  # the place goes to the next one
    assert (r["status"] == "admitted").sum() == 30


def test_no_exclusion_column_is_fine_and_both_headers_are_not(tmp_path):
    apps = load(tmp_path, [row("A", 70, 70, 70)])
    assert apps["excluded"].isna().all()
    with pytest.raises(na.InputError, match="同一欄"):
        load(tmp_path, [row("A", 70, 70, 70) + ",x,y"], header=f"{HEADER},excluded,不予錄取原因")


# ---------------------------------------------------------------------------- counts by code


def test_reason_counts_by_code(tmp_path):
    rows = [
        row("A", 90, 90, 90),
        row("B", 0, 90, 90),
        row("C", 70, "", 90),
        row("D", 70, 70, 70, born=""),
        row("E", 70, 70, 70, born="2010-01-01"),
        row("G", 70, 70, 70, born="2009-01-01"),
    ]
    r = quiet(rank_admission, load(tmp_path, rows), "normal")
    c = reason_counts(r)
    assert list(c.columns) == [
        "program",
        "mode",
        "status",
        "reason_code",
        "reason_label",
        "count",
    ]
    got = dict(zip(c["reason_code"], c["count"], strict=True))
    assert got == {
        "birth_date_missing": 1,
        "under_age": 2,
        "written_absent": 1,
        "interview_absent": 1,
    }
    assert list(c["reason_code"]) == [
        "birth_date_missing",
        "under_age",
        "written_absent",
        "interview_absent",
    ]
    assert (c["reason_label"] == c["reason_code"].map(REASON_LABELS)).all()


# ---------------------------------------------------------------------------- 複查


def review_pools(tmp_path):
    # 冷凍 in the small rules (quota 2): A 90, B 80, C 79 (all three items alike).
    before = [row("A", 90, 90, 90), row("B", 80, 80, 80), row("C", 79, 79, 79)]
    # 複查 corrects C's interview from 79 to 82: 23.7 + 32.8 + 23.7 = 80.2 > 80 -> C in, B out
    after = [row("A", 90, 90, 90), row("B", 80, 80, 80), row("C", 79, 82, 79)]
    b = load(tmp_path, before, name="before.csv", rules=SMALL)
    a = load(tmp_path, after, name="after.csv", rules=SMALL)
    return b, a


def test_review_moves_one_in_and_one_out(tmp_path):
    b, a = review_pools(tmp_path)
    d = quiet(admission_diff, b, a, "normal", rules=SMALL).set_index("applicant_id")
    assert sorted(d.index) == ["B", "C"]  # A is unchanged
    assert (d.loc["C", "change"], d.loc["C", "status_before"], d.loc["C", "status_after"]) == (
        "in",
        "waitlisted",
        "admitted",
    )
    assert (d.loc["C", "rank_before"], d.loc["C", "rank_after"]) == (3, 2)
    assert d.loc["C", "why"] == "面試 79 → 82"
    assert (d.loc["B", "change"], d.loc["B", "status_after"], d.loc["B", "waitlist_no_after"]) == (
        "out",
        "waitlisted",
        1,
    )
    assert d.loc["B", "why"] == "其他考生成績異動"
    assert d.loc["C", "change_label"] == "新增正取" and d.loc["B", "status_label_after"] == "備取"
    # nothing changed: nothing listed
    assert quiet(admission_diff, b, b, "normal", rules=SMALL).empty
    # files work as well as frames
    f = quiet(
        admission_diff, tmp_path / "before.csv", tmp_path / "after.csv", "normal", rules=SMALL
    )
    assert list(f["applicant_id"]) == ["C", "B"]


# ---------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "call",
    [
        lambda apps: admission_probability(apps, "normal", sd=-1),
        lambda apps: admission_probability(apps, "normal", sd=float("nan")),
        lambda apps: admission_probability(apps, "normal", sd=3, draws=0),
        lambda apps: admission_probability(apps, "normal", sd=3, seed=1.5),
        lambda apps: admission_probability(apps, "lottery", sd=3),
        lambda apps: backfill_depth(rank_admission(apps, "normal"), no_show=1.5),
        lambda apps: backfill_depth(rank_admission(apps, "normal"), no_show=1),
        lambda apps: backfill_depth(rank_admission(apps, "normal"), no_show=-0.1),
        lambda apps: rank_admission(apps, "normal", waitlist=-3),
        lambda apps: rank_admission(apps, "normal", min_total=100.5),
    ],
)
def test_api_range_checks(tmp_path, call):
    apps = load(tmp_path, hvac_filler(31))
    with pytest.raises(OptionError) as e:
        call(apps)
    assert isinstance(e.value, NcutError) and "\n" not in str(e.value)


def run(*args):
    return run_cli(*args, cwd=REPO)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--no-show", "1.5"),
        ("--sd", "-1"),
        ("--draws", "0"),
        ("--waitlist", "-3"),
        ("--seed", "1.5"),
        ("--min-total", "120"),
        ("--min-total", "foo=60"),
    ],
)
def test_cli_range_checks(tmp_path, option, value):
    apps = write(tmp_path / "a.csv", HEADER + "\n" + "\n".join(hvac_filler(31)) + "\n")
    out = tmp_path / "sim"
    res = run(
        "admission-simulate",
        "--applicants",
        str(apps),
        "--mode",
        "normal",
        "--draws",
        "10",
        option,
        value,
        "--out",
        str(out),
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and value.split("=")[0] in lines[0], lines
    assert not out.exists()


def test_admission_diff_command(tmp_path):
    before = write(
        tmp_path / "before.csv",
        HEADER + "\n" + "\n".join([*hvac_filler(29), row("B", 70, 70, 70), row("C", 69, 69, 69)]),
    )
    after = write(
        tmp_path / "after.csv",
        HEADER + "\n" + "\n".join([*hvac_filler(29), row("B", 70, 70, 70), row("C", 69, 72, 69)]),
    )
    out = tmp_path / "diff.csv"
    res = run(
        "admission-diff",
        "--before",
        str(before),
        "--after",
        str(after),
        "--mode",
        "normal",
        "--min-total",
        "冷凍=60",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    d = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("applicant_id")
    assert list(d.index) == ["C", "B"]
    assert list(d["change"]) == ["in", "out"] and d.loc["C", "why"] == "面試 69 → 72"
    # per class in the office's words: the class's name, never its code
    assert "冷凍空調與能源四技專班：2 人有異動（1 人新增正取、1 人失去正取）" in res.stdout
    assert "hvac-energy" not in res.stdout
    bad = run(
        "admission-diff",
        "--before",
        str(before),
        "--after",
        str(after),
        "--mode",
        "normal",
        "--waitlist",
        "-1",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert bad.returncode == 2 and not (tmp_path / "x.csv").exists()


def test_simulate_command_writes_the_backfill_summary(tmp_path):
    rows = [*hvac_filler(29), row("X1", 70, 70, 70), row("X2", 70, 70, 70), row("W", 60, 60, 60)]
    apps = write(tmp_path / "a.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    res = run(
        "admission-simulate",
        "--applicants",
        str(apps),
        "--mode",
        "normal",
        "--sd",
        "0",
        "--no-show",
        "0.02",
        "--draws",
        "2000",
        "--out",
        str(tmp_path / "sim"),
    )
    assert res.returncode == 0, res.stderr
    p = pd.read_csv(tmp_path / "sim" / "admission_probability.csv").set_index("applicant_id")
    assert p.loc["X1", "p_admitted"] == p.loc["X2", "p_admitted"] == 1.0
    assert p.loc["W", "p_admitted"] == 0.0
    s = pd.read_csv(tmp_path / "sim" / "waitlist_summary.csv").set_index("program")
    assert s.loc["hvac-energy", "admitted"] == 31 and "備取用盡的機率" in res.stdout
