from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import ncut_analysis as na
from ncut_analysis.explorers import (
    AdmissionExplorer,
    ThresholdExplorer,
    as_of_stops,
    rebalance,
    roc_date,
    write_export_csv,
)
from ncut_analysis.labels import LABELS
from ncut_analysis.paths import default_applicants, default_records, default_students


@pytest.fixture(scope="module")
def data():
    return na.load_students(default_students()), na.load_records(default_records())


@pytest.fixture
def explorer(data):
    return ThresholdExplorer(*data, term="114-1")


def test_starts_on_the_official_rules_and_the_settlement_date(explorer):
    assert explorer.as_of.value == dt.date(2025, 12, 12)
    assert "正式門檻 443 人通過，假設門檻 443 人通過（共 1,504 人）" in explorer.summary.value
    assert explorer.flips() == (0, 0)
    bars, curve = explorer.bar_fig, explorer.curve_fig
    assert bars.layout.meta["category"] == "all" and bars.layout.meta["college"] == ""
    assert len(bars.data[0].x) == 16 and curve.layout.meta["as_of"] == "2025-12-12"
    # each chart is shown in its Output widget as the plotly mime bundle, nothing else
    (shown,) = explorer.bar_out.outputs
    assert shown["data"]["application/vnd.plotly.v1+json"]["layout"]["meta"] == bars.layout.meta


def test_as_of_is_picked_by_month_or_notice_date_in_roc(explorer):
    labels = [label for label, _ in explorer.as_of.options]
    assert "114/10/31 通知日" in labels and "114/12/12 結算日" in labels
    assert "114/11/30" in labels and len(labels) < 50  # month ends, not weekly stops
    assert all(
        d.day >= 28 or d in (dt.date(2025, 10, 31), dt.date(2025, 12, 12))
        for _, d in explorer.as_of.options[:-1]
    )
    assert explorer.as_of.label == "114/12/12 結算日"
    assert roc_date(dt.date(2025, 12, 12)) == "114/12/12"
    rules = na.load_term_rules("114-1")
    stops = as_of_stops(dt.date(2025, 9, 15), dt.date(2025, 12, 12), rules)
    assert [lab for lab, _ in stops] == [
        "114/09/30",
        "114/10/31 通知日",
        "114/11/30",
        "114/12/12 結算日",
    ]
    # 114-2 notifies monthly: each of its notice dates is a 通知日, none a 「第8週」
    spring = na.load_term_rules("114-2")
    stops = as_of_stops(dt.date(2026, 2, 1), dt.date(2026, 5, 29), spring)
    named = [lab for lab, _ in stops if lab.endswith("通知日")]
    assert named == ["115/02/27 通知日", "115/03/31 通知日", "115/04/30 通知日"]
    assert stops[-1][0] == "115/05/29 結算日"  # the last notice is also the 結算日
    assert not any("週" in lab for lab, _ in stops)


def test_lowering_engagement_to_20_hours(explorer, data):
    bar, curve = explorer.bar_fig, explorer.curve_fig
    explorer.category.value = "engagement"
    explorer.sliders["engagement"].value = 20
    st = na.student_status(*data, as_of="2025-12-12")
    expected = int(((st["engagement_units"] + st["aesthetics_units"]) >= 20_000).sum())
    assert f"假設門檻 {expected:,} 人通過" in explorer.summary.value and expected > 891
    # new figures carrying the new selection
    assert explorer.bar_fig is not bar and explorer.curve_fig is not curve
    bar, curve = explorer.bar_fig, explorer.curve_fig
    assert "engagement=20000" in bar.layout.meta["thresholds"]
    assert bar.layout.title.text.startswith("社會接軌通過率")
    t = explorer.table()
    assert int(t["passed_whatif"].sum()) == expected and int(t["passed_official"].sum()) == 891
    assert (
        list(bar.data[1].y) == t["rate_whatif"].tolist()
        and list(bar.data[0].y) == t["rate_official"].tolist()
    )
    assert curve.data[1].y[-1] == pytest.approx(expected / 1504 * 100, abs=0.005)
    up, down = explorer.flips()
    passed_all_whatif = st[["resilience_passed", "enhancement_passed", "certificate_passed"]].all(
        axis=1
    ) & ((st["engagement_units"] + st["aesthetics_units"]) >= 20_000)
    assert up == int((passed_all_whatif & ~st["all_passed"]).sum()) and down == 0


def test_aesthetics_toggle_and_department_picker(explorer, data):
    explorer.category.value = "engagement"
    explorer.aesthetics.value = False
    st = na.student_status(*data, as_of="2025-12-12")
    assert (
        f"假設門檻 {int((st['engagement_units'] >= 24_000).sum()):,} 人通過"
        in explorer.summary.value
    )
    explorer.college.value = "工程學院"
    # the first choice is 「all」: its value is the code "", its label the table's word
    labels = [lab for lab, _ in explorer.department.options]
    assert labels == [LABELS["explorers_threshold"]["all"], "化材", "機械", "冷凍", "智動"]
    assert [v for _, v in explorer.department.options][0] == ""
    explorer.department.value = "化材"
    assert "共 155 人" in explorer.summary.value
    assert list(explorer.bar_fig.data[0].x) == ["化材四甲", "化材四乙", "化材四丙"]  # file order


def test_as_of_slider_moves_the_curve(explorer, data):
    explorer.as_of.value = dt.date(2025, 10, 31)
    st = na.student_status(*data, as_of="2025-10-31")
    assert f"正式門檻 {int(st['all_passed'].sum()):,} 人通過" in explorer.summary.value
    assert explorer.curve_fig.data[0].x[-1] == dt.date(2025, 10, 31)
    assert explorer.curve_fig.data[0].customdata[-1] == "114/10/31"
    assert "114/10/31" in explorer.summary.value


def test_explorer_counts_through_the_thresholds_rule(data):
    """One rule implementation: the explorer's cube is thresholds.units_as_of."""
    rules = na.load_term_rules("114-1")
    days = [dt.date(2024, 1, 1), dt.date(2025, 10, 31), dt.date(2025, 12, 12)]
    cube = na.thresholds.units_as_of(*data, rules, days)
    for k, d in enumerate(days):
        st = na.student_status(*data, rules=rules, as_of=d)
        for i, c in enumerate(na.rules.CATEGORIES):
            assert np.array_equal(cube[k][:, i], st[f"{c}_units"].to_numpy())
    assert not hasattr(na.explorers, "units_by_week")


def test_export_table_is_in_chinese_and_names_every_setting(explorer):
    explorer.college.value = "電資學院"
    explorer.category.value = "certificate"
    explorer.sliders["engagement"].value = 20
    explorer.sliders["resilience"].value = 2.5
    explorer.aesthetics.value = False
    t = explorer.export_table()
    assert list(t.columns) == [
        "項目",
        "學院",
        "學系",
        "人數",
        "通過人數（正式門檻）",
        "通過率 %（正式門檻）",
        "通過人數（假設門檻）",
        "通過率 %（假設門檻）",
        "結算日",
        "假設門檻：抗壓（小時）",
        "假設門檻：精進（小時）",
        "假設門檻：社會接軌（小時）",
        "假設門檻：證照（張）",
        "美學併入社會接軌",
    ]
    assert set(t["項目"]) == {"證照"} and set(t["結算日"]) == {"114/12/12"}
    assert int(t["人數"].sum()) == 441
    # the sliders as set above, on every row; the official 114-1 rules are 3, 3, 24, 1
    first = t.iloc[0]
    assert [first[c] for c in t.columns[9:]] == ["2.5", "3", "20", "1", "否"]
    assert explorer.footnote() == (
        "結算日 114/12/12｜假設門檻 抗壓 2.5 小時、精進 3 小時、社會接軌 20 小時、證照 1 張"
        "｜美學併入社會接軌：否"
    )
    explorer.aesthetics.value = True
    assert explorer.footnote().endswith("｜美學併入社會接軌：是")
    assert set(explorer.export_table()["美學併入社會接軌"]) == {"是"}


def test_export_csv_download_is_the_table_formula_safe(explorer):
    import base64
    import io

    import pandas as pd

    from ncut_analysis.explorers.common import csv_download

    d = csv_download(pd.DataFrame({"名稱": ["=1+1", "一般"], "n": [1, 2]}), "x.csv")
    assert d.data.startswith("\ufeff".encode()) and d.media_type == "text/csv"
    assert d.data.decode("utf-8-sig").splitlines() == ["名稱,n", "'=1+1,1", "一般,2"]
    link = d.link("下載 CSV")
    assert "download='x.csv'" in link and base64.b64encode(d.data).decode() in link
    table = explorer.export_table()
    back = pd.read_csv(io.BytesIO(csv_download(table, "t.csv").data), encoding="utf-8-sig")
    assert list(back.columns) == list(table.columns) and len(back) == len(table) == 16


def test_export_csv_never_starts_a_formula(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"名稱": ["=1+1", "+886", "-3", "@x", "\tA", "一般", "-3.5"], "n": range(7)})
    out = write_export_csv(df, tmp_path / "x.csv").read_text(encoding="utf-8-sig").splitlines()
    assert out[1:] == ["'=1+1,0", "+886,1", "-3,2", "'@x,3", "'\tA,4", "一般,5", "-3.5,6"]


@pytest.mark.slow
@pytest.mark.browser
def test_export_hands_a_png_and_a_csv_to_the_browser_and_writes_nothing(
    explorer, tmp_path, monkeypatch
):
    from ncut_analysis.paths import NOTEBOOKS_DIR, REPO_DIR

    from .browser import need_chromium

    need_chromium()
    monkeypatch.chdir(tmp_path)
    before = {p for p in REPO_DIR.rglob("*") if ".venv" not in p.parts and p.is_file()}
    explorer._on_export()
    after = {p for p in REPO_DIR.rglob("*") if ".venv" not in p.parts and p.is_file()}
    new = {p for p in after - before if "__pycache__" not in p.parts}
    assert new == set() and list(tmp_path.iterdir()) == []
    assert not list(NOTEBOOKS_DIR.glob("門檻假設分析*"))
    status = explorer.export_status.value
    assert status.count("<a class='ncut-download' download=") == 2, status
    assert "data:image/png;base64," in status and "data:text/csv;base64," in status
    assert str(REPO_DIR) not in status and str(tmp_path) not in status  # no server path
    png, csv = explorer.export()
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n" and len(png.data) > 10_000
    # the picture is the 16:9 canvas the slide style laid it out for (width, height in IHDR)
    size = int.from_bytes(png.data[16:20], "big"), int.from_bytes(png.data[20:24], "big")
    assert size == (1920, 1080)
    assert png.name.endswith(".png") and csv.name == png.name[:-4] + ".csv"
    assert csv.data.decode("utf-8-sig").startswith("項目,學院,學系,人數,通過人數（正式門檻）")


def test_rebalance_keeps_whole_percentages_summing_to_100():
    assert rebalance({"written": 30, "interview": 40, "review": 30}, "written", 50) == {
        "written": 50,
        "interview": 29,
        "review": 21,
    }
    w = rebalance({"a": 25, "b": 10, "c": 10, "d": 5, "e": 25, "f": 15, "g": 10}, "a", 0)
    assert sum(w.values()) == 100 and w["a"] == 0


def test_admission_explorer_weights_and_changes():
    apps = na.load_applicants(default_applicants(109))
    ex = AdmissionExplorer(apps, draws=500)
    base = na.rank_admission(apps, "normal")
    base = base[base["program"] == "precision-machinery"]
    assert ex.weights() == {"written": 30, "interview": 40, "review": 30}
    assert (
        f"錄取最低分 {base.loc[base['status'] == 'admitted', 'total'].min():.2f}"
        in ex.summary.value
    )
    ex.weight["written"].value = 50
    assert ex.weights() == {"written": 50, "interview": 29, "review": 21}
    now = na.rank_admission(apps, "normal", weights={"precision-machinery": ex.weights()})
    now = now[now["program"] == "precision-machinery"]
    enter = sorted(
        set(now.loc[now["status"] == "admitted", "applicant_id"])
        - set(base.loc[base["status"] == "admitted", "applicant_id"])
    )
    assert f"新進正取 {len(enter)} 人" in ex.summary.value and len(enter) > 0
    ex.quota.value = 10
    assert "正取 10 人" in ex.summary.value
    assert (
        abs(sum(ex.prob_fig.data[0].y) - 10) < 0.5
    )  # expected admitted under noise stays at the quota
    ex.mode.value = "special"
    assert (
        ex.weights() == na.load_admission_rules(109).program("precision-machinery").special_weights
    )


def test_admission_explorer_speaks_chinese():
    apps = na.load_applicants(default_applicants(109))
    ex = AdmissionExplorer(apps, draws=200)
    labels = {k: s.description for k, s in ex.weight.items()}
    assert labels["tvee"] == "統測成績 %" and labels["school_grades"] == "在校成績 %"
    assert (
        labels["conduct"].startswith("高中職獎懲紀錄") and labels["autobiography"] == "履歷自傳 %"
    )
    assert [labels[k] for k in ("certificates", "awards", "other")] == [
        "專業證照 %",
        "參賽得獎證明 %",
        "其他有利條件 %",
    ]
    assert all(not any(ch.isascii() and ch.isalpha() for ch in d) for d in labels.values())
    assert ex.mode.style.button_width == "auto"  # the mode buttons are not cut off
    assert "新進正取 0 人，" in ex.summary.value and "（）" not in ex.summary.value
    html = ex.table_html.value
    assert "<th>名次</th>" in html and "<th>錄取狀態</th>" in html
    assert "applicant_id" not in html and "admitted" not in html and "正取" in html


def test_admission_explorer_hover_shows_each_total_exactly():
    """Totals under what-if weights can need 4 decimals (76.7375): the ranking's hover shows
    each one as the rules compare it, never rounded to 2 decimals."""
    from decimal import Decimal

    from ncut_analysis.admission import total_decimals
    from ncut_analysis.admission.score import TOTAL_SCALE

    apps = na.load_applicants(default_applicants(109))
    ex = AdmissionExplorer(apps, draws=50)
    ex.weight["written"].value = 33  # 33/38/29: totals with up to 5 decimals
    ranked = ex._ranking()
    d = total_decimals(ranked["total_units"])
    assert d > 2
    shown = [c for t in ex.rank_fig.data for c in t.customdata]
    ranked = ranked[ranked["status"] != "disqualified"]
    want = sorted(Decimal(int(u)) / TOTAL_SCALE for u in ranked["total_units"])
    assert sorted(Decimal(s) for s in shown) == want
    assert all(len(s.split(".")[1]) == d for s in shown)


def test_the_explorer_reads_in_the_schools_order_whatever_the_files(data):
    # The students file upside down (健管 … 化材, classes 丙乙甲): the menus, the bars' table and
    # the CSV are still 化材 機械 冷凍 …, and 化材's classes 甲乙丙.
    students, records = data
    e = ThresholdExplorer(students.iloc[::-1].reset_index(drop=True), records, term="114-1")
    assert [v for _, v in e.department.options][1:4] == ["化材", "機械", "冷凍"]
    assert e.table()["group"].tolist()[:4] == ["化材", "機械", "冷凍", "智動"]
    e.department.value = "化材"
    assert e.table()["group"].tolist() == ["化材四甲", "化材四乙", "化材四丙"]


def test_a_change_after_an_export_takes_its_links_away(data):
    # the links of an export show the view it was made of; after a change they would mislead
    e = ThresholdExplorer(*data, term="114-1")
    e.export_status.value = "<a class='ncut-download'>舊的畫面</a>"
    e.college.value = "管理學院"
    assert e.export_status.value == ""
