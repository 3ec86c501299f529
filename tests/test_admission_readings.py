"""Issue 26: a list that explains its order, numbers read strictly, the noise model as data,
reasons as the brochure names them, 附表一's 處理結果, and issue 24's personal-data notice.

Every pool is small enough to check by hand; the 109 rules (冷凍 quota 30) unless stated.
"""

from __future__ import annotations

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

import ncut_analysis as na
from ncut_analysis.admission import (
    APPLICANT_COLUMNS,
    NumberError,
    OptionError,
    SmallPoolWarning,
    admission_diff,
    admission_probability,
    load_applicants,
    min_total_units,
    rank_admission,
    read_decimal,
    score_program,
    total_decimals,
)
from ncut_analysis.errors import InputError, RulesError
from ncut_analysis.report.xlsx import write_workbook

from .conftest import REPO, run_cli, write

HEADER = ",".join(APPLICANT_COLUMNS)
R109 = na.load_admission_rules(109)


def row(aid, w, i, r, program="hvac-energy", born="2001-05-05", special=",,,,,,") -> str:
    return f"{aid},{program},{born},{w},{i},{r},{special}"


def csv(tmp_path, rows, name="a.csv", header=HEADER):
    return write(tmp_path / name, header + "\n" + "\n".join(rows) + "\n")


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallPoolWarning)
        return fn(*a, **kw)


def run(*args):
    return run_cli(*args, cwd=REPO)


# ---------------------------------------------------------------------------- the number reader


@pytest.mark.parametrize(
    ("text", "units"),
    [("80", 80_000), ("８０", 80_000), ("７９．５", 79_500), ("79.125", 79_125), (" 0 ", 0)],
)
def test_scores_accepted(tmp_path, text, units):
    apps = load_applicants(csv(tmp_path, [row("A", text, 70, 70)]))
    assert int(apps.loc[0, "written"]) == units


@pytest.mark.parametrize(
    "text", ["8_0", "1e2", "0x50", "٧٩", "+80", "80.", ".5", "1,000", "79.1234", "nan", "inf"]
)
def test_scores_refused_with_file_line_column_and_value(tmp_path, text):
    p = csv(tmp_path, [row("A", 70, 70, 70), row("B", f'"{text}"', 70, 70)])
    with pytest.raises(InputError) as e:
        load_applicants(p)
    assert f"{p} 第 3 列，欄位「written」，值「{text}」" in str(e.value)


def test_the_reader_refuses_what_decimal_and_float_accept():
    for text in ("8_0", "1e2", "٧٩", "Infinity"):
        with pytest.raises(NumberError):
            read_decimal(text)
    assert str(read_decimal("７９．５")) == "79.5"
    assert str(read_decimal(79.5)) == "79.5"  # a number cell: the decimal it prints as
    with pytest.raises(NumberError, match="小數超過 3 位"):
        read_decimal(0.0001)


def test_a_bad_score_stops_the_command_with_exit_2(tmp_path):
    p = csv(tmp_path, [row("A", "1e2", 70, 70)])
    out = tmp_path / "out.csv"
    res = run("admission", "--applicants", str(p), "--mode", "normal", "--out", str(out))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{p} 第 2 列，欄位「written」，值「1e2」" in res.stderr and not out.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--min-total", "8_0"),
        ("--min-total", "1e2"),
        ("--min-total", "٧٩"),
        ("--min-total", "60.1234"),
        ("--min-total", "precision-machinery=60,precision-machinery=70"),
        ("--min-total", "機械=60,precision-machinery=70"),
        ("--draws", "1e2"),
        ("--seed", "٧"),
        ("--waitlist", "0x5"),
        ("--sd", "3_0"),
    ],
)
def test_options_read_by_the_same_reader(tmp_path, option, value):
    p = csv(tmp_path, [row("A", 70, 70, 70)])
    out = tmp_path / "sim"
    res = run(
        "admission-simulate",
        "--applicants",
        str(p),
        "--mode",
        "normal",
        "--draws",
        "10",
        option,
        value,
        "--out",
        str(out),
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert f"{option}「{value}」" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_full_width_options_are_read():
    assert min_total_units("７９．５", R109)["hvac-energy"] == 7_950_000
    assert min_total_units("冷凍＝６０", R109)["hvac-energy"] == 6_000_000
    with pytest.raises(OptionError, match="hvac-energy 給了兩次"):
        min_total_units({"冷凍": 60, "hvac-energy": 60}, R109)


def test_a_birth_date_after_the_exam_is_a_data_error(tmp_path):
    assert R109.exam_date.isoformat() == "2020-07-07"
    p = csv(
        tmp_path,
        [row("A", 70, 70, 70, born="2020-07-07"), row("B", 70, 70, 70, born="2030-01-01")],
    )
    with pytest.raises(InputError) as e:
        load_applicants(p)
    msg = str(e.value)
    assert f"{p} 第 3 列，欄位「birth_date」，值「2030-01-01」：出生日期晚於考試日" in msg
    assert ":2:" not in msg  # born on the exam day: possible (and under age), not a data error


# ---------------------------------------------------------------------------- the list explains


def order_pool(tmp_path):
    rows = [
        # A 60.001/70/60 = 18.0003 + 28 + 18 = 64.0003; B 61/70/59 = 18.3 + 28 + 17.7 = 64.0000:
        # A is first though B's 筆試 is better, and the list must show why.
        row("A", 60.001, 70, 60),
        row("B", 61, 70, 59),
        # C 53/52/52 and D 55/52/50 both make 52.3 exactly: 筆試 decides, D first.
        row("C", 53, 52, 52),
        row("D", 55, 52, 50),
        # H 54.99/55/55 = 16.497 + 22 + 16.5 = 54.997: below a minimum of 55, never "55.00".
        row("H", 54.99, 55, 55),
    ]
    return csv(tmp_path, rows)


def test_the_csv_shows_what_decides_the_order(tmp_path):
    out = tmp_path / "r.csv"
    res = run(
        "admission",
        "--applicants",
        str(order_pool(tmp_path)),
        "--mode",
        "normal",
        "--min-total",
        "52",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    df = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("applicant_id")
    assert list(df.index) == ["A", "B", "H", "D", "C"]
    assert list(df["total"]) == ["64.0003", "64.0000", "54.9970", "52.3000", "52.3000"]
    assert list(df["rank"]) == ["1", "2", "3", "4", "5"]
    assert df.loc["D", "tiebreak"] == "比序：筆試 55、面試 52、書面審查 50"
    assert df.loc["C", "tiebreak"] == "比序：筆試 53、面試 52、書面審查 52"
    assert df.loc["A", "tiebreak"] == "" and df.loc["H", "tiebreak"] == ""


def test_the_minimum_is_compared_on_the_number_shown(tmp_path):
    r = quiet(
        rank_admission, load_applicants(order_pool(tmp_path)), "normal", min_total=55
    ).set_index("applicant_id")
    assert r.loc["H", "total"] == 54.997 and r.loc["H", "status"] == "not_admitted"
    assert r.loc["H", "reason_label"] == "未達最低錄取標準：55 分"
    assert total_decimals(r["total_units"]) == 4  # 64.0003 needs four


def test_total_decimals_by_hand():
    assert total_decimals(pd.Series([6_430_000, 5_230_000])) == 2  # 64.3, 52.3: at least 2
    assert total_decimals(pd.Series([5_499_700])) == 3  # 54.997
    assert total_decimals(pd.Series([6_400_003])) == 5  # 64.00003
    assert total_decimals(pd.Series([], dtype="Int64")) == 2


# ---------------------------------------------------------------------------- reasons


def test_reasons_as_the_brochure_names_them_with_their_precedence(tmp_path):
    header = HEADER + ",excluded"
    rows = [
        row("X", 70, 70, 70, born="1980-01-01") + ",已錄取他校未放棄",  # office and over age
        row("O", 0, 70, 70, born="1980-01-01") + ",",  # over age and 筆試 0
        row("W", 0, 70, 70) + ",",
        row("I", 70, "", 70) + ",",
        row("R", 70, 70, 0) + ",",
        row("K", 70, 70, 70) + ",",
    ]
    r = quiet(rank_admission, load_applicants(csv(tmp_path, rows, header=header)), "normal")
    r = r.set_index("applicant_id")
    assert r.loc["X", "reason_code"] == "excluded"
    assert r.loc["X", "reason_label"] == "招生單位不予錄取：已錄取他校未放棄"
    assert r.loc["O", "reason_code"] == "over_age"
    assert r.loc["O", "reason_label"].startswith("不符報考資格：超過年齡上限")
    assert r.loc["W", "reason_label"] == "柒.四 成績為零或缺考：筆試缺考或 0 分"
    assert r.loc["I", "reason_label"] == "柒.四 成績為零或缺考：面試缺考或 0 分"
    assert r.loc["R", "reason_label"] == "柒.四 成績為零或缺考：書面審查缺件或 0 分"
    assert set(r.loc[["X", "O", "W", "I", "R"], "status_label"]) == {"不予錄取"}
    assert r.loc["K", "status"] == "admitted"


def test_not_invited_is_its_own_reason(tmp_path):
    # 機械 invites the top 100 written scores: 101 applicants, the last one below the 100th.
    rows = [
        row(f"M{k:03d}", 90 - k * 0.1, 70, 70, program="precision-machinery") for k in range(101)
    ]
    r = quiet(rank_admission, load_applicants(csv(tmp_path, rows)), "normal")
    last = r.set_index("applicant_id").loc["M100"]
    assert last["reason_code"] == "not_invited" and last["reason_group"] == "not_invited"
    assert last["reason_label"].startswith("未獲面試：")


# ---------------------------------------------------------------------------- the noise model


def test_the_noise_touches_the_items_scored_by_people_in_both_states():
    assert set(R109.scored_by_people) == {
        "interview",
        "review",
        "conduct",
        "autobiography",
        "certificates",
        "awards",
        "other",
    }
    g = pd.DataFrame(
        {
            "applicant_id": ["A"],
            "program": "hvac-energy",
            "birth_date": pd.Timestamp("2001-01-01"),
            **{i: pd.array([70_000], dtype="Int64") for i in na.admission.NORMAL_ITEMS},
            **{i: pd.array([70_000], dtype="Int64") for i in na.admission.SPECIAL_ITEMS},
        }
    )
    p = R109.program("hvac-energy")
    normal = score_program(g, p, "normal", R109)
    special = score_program(g, p, "special", R109)
    assert dict(zip(normal.items, normal.noisy, strict=True)) == {
        "written": False,  # read by machine (陸.一(一)4)
        "interview": True,
        "review": True,  # scored by people: noisy, as in the special state's review items
    }
    assert [i for i, n in zip(special.items, special.noisy, strict=True) if not n] == [
        "tvee",
        "school_grades",
    ]


def test_a_pool_scored_only_by_machine_never_varies(tmp_path):
    # Special state, only 統測 and 在校成績 given: no item scored by people, so even a large
    # noise leaves every probability 0 or 1, exactly the ranking's decision.
    rows = [f"S{k:02d},hvac-energy,2001-05-05,,,,{60 + k},{70 - k % 3},,,,," for k in range(35)]
    apps = load_applicants(csv(tmp_path, rows))
    p = quiet(admission_probability, apps, "special", sd=10, draws=200)
    r = quiet(rank_admission, apps, "special")
    adm = p.set_index("applicant_id")["p_admitted"]
    want = (r.set_index("applicant_id")["status"] == "admitted").astype(float)
    assert (adm == want.reindex(adm.index)).all()


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ('scored_by_people = ["interview"', 'scored_by_people = ["charm"', "scored_by_people"),
        ('"review", "conduct"', '"review", "review", "conduct"', "各一次"),
        ("exam_date = 2020-07-07", 'exam_date = "7/7"', "exam_date"),
        ("[noise]", "[noise]\nsd = 3", "不認得的鍵"),
    ],
)
def test_the_rules_file_is_checked(tmp_path, old, new, match):
    text = (REPO / "ncut_analysis" / "rules" / "admission_109.toml").read_text(encoding="utf-8")
    assert old in text
    path = write(tmp_path / "admission_bad.toml", text.replace(old, new))
    with pytest.raises(RulesError, match=match):
        na.load_admission_rules(path)


# ---------------------------------------------------------------------------- 附表一


def test_every_changed_total_gets_a_result(tmp_path):
    base = [row(f"F{k:02d}", 90 - 3 * k, 90 - 3 * k, 90 - 3 * k) for k in range(10)]
    before = load_applicants(csv(tmp_path, [*base, row("B", 50, 50, 50)], name="b.csv"))
    # Totals 90, 87, ..., 63 (F09). F03's 面試 81 → 81.5: total +0.2, still fourth. B's 面試
    # 50 → 90: 15 + 36 + 15 = 66, level with F08 (66/66/66) whose 筆試 keeps it 9th; B goes from
    # 11th to 10th, which moves F09 (63) to 11th.
    after_rows = [*base, row("B", 50, 90, 50)]
    after_rows[3] = row("F03", 81, 81.5, 81)
    after = load_applicants(csv(tmp_path, after_rows, name="a.csv"))
    d = quiet(admission_diff, before, after, "normal").set_index("applicant_id")
    assert sorted(d.index) == ["B", "F03", "F09"]
    assert d.loc["F03", "result_label"] == "分數更正，名次不變"
    assert d.loc["F03", "why"] == "面試 81 → 81.5"
    assert (d.loc["F03", "rank_before"], d.loc["F03", "rank_after"]) == (4, 4)
    assert d.loc["B", "result_label"] == "分數更正，名次改變"
    assert d.loc["F09", "result_label"] == "本人分數未變，因他人分數更正名次改變"
    assert d.loc["F09", "why"] == "其他考生成績異動"


# ---------------------------------------------------------------------------- personal data


def test_a_sheet_with_personal_data_carries_the_notice(tmp_path):
    people = pd.DataFrame({"准考證號碼": ["A1"], "總分": [64.0003]})
    people.attrs["personal_data"] = "含個人資料，請勿轉寄。"
    counts = pd.DataFrame({"專班": ["冷凍"], "人數": [1]})
    path = write_workbook({"名單": people, "統計": counts}, tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["名單"]
    assert ws["A1"].value == "含個人資料，請勿轉寄。" and ws.oddFooter.left.text == ws["A1"].value
    assert [c.value for c in ws[2]] == ["准考證號碼", "總分"] and ws["A3"].value == "A1"
    assert ws.freeze_panes == "A3"
    plain = wb["統計"]
    assert plain["A1"].value == "專班" and not plain.oddFooter.left.text


def test_the_explorer_shows_ids_only_when_asked(tmp_path):
    from ncut_analysis.explorers import AdmissionExplorer

    apps = load_applicants(na.paths.default_applicants(109))
    ex = AdmissionExplorer(apps, draws=100)
    ids = set(apps["applicant_id"])
    figs = [ex.rank_fig, ex.prob_fig]
    assert not any(x in ids for f in figs for t in f.data for x in t.x)
    assert "准考證號碼" not in ex.table_html.value and "個人資料" not in ex.notice.value
    assert not any(i in ex.summary.value or i in ex.table_html.value for i in ids)
    ex.show_ids.value = True
    assert "准考證號碼" in ex.table_html.value and "個人資料" in ex.notice.value
    assert not any(x in ids for f in (ex.rank_fig, ex.prob_fig) for t in f.data for x in t.x)
    assert np.isfinite(ex.rank_fig.data[0].y).all()
