from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import ncut_analysis as na
from ncut_analysis.explorers import AdmissionExplorer, ThresholdExplorer, rebalance, units_by_week
from ncut_analysis.paths import default_applicants, default_records, default_students


@pytest.fixture(scope="module")
def data():
    return na.load_students(default_students()), na.load_records(default_records())


@pytest.fixture
def explorer(data, tmp_path):
    return ThresholdExplorer(*data, term="114-1", out_dir=tmp_path)


def test_starts_on_the_official_rules_and_the_settlement_date(explorer):
    assert explorer.as_of.value == dt.date(2025, 12, 12)
    assert "正式門檻 443 人通過，假設門檻 443 人通過（共 1504 人）" in explorer.summary.value
    assert explorer.flips() == (0, 0)


def test_lowering_engagement_to_20_hours(explorer, data):
    bar, curve = explorer.bar_fig, explorer.curve_fig
    explorer.category.value = "engagement"
    explorer.sliders["engagement"].value = 20
    st = na.student_status(*data, as_of="2025-12-12")
    expected = int(((st["engagement_units"] + st["aesthetics_units"]) >= 20_000).sum())
    assert f"假設門檻 {expected} 人通過" in explorer.summary.value and expected > 891
    # the same figure objects, updated in place
    assert explorer.bar_fig is bar and explorer.curve_fig is curve
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
        f"假設門檻 {int((st['engagement_units'] >= 24_000).sum())} 人通過" in explorer.summary.value
    )
    explorer.college.value = "工程學院"
    assert explorer.department.options == ("（全部）", "化材", "機械", "冷凍", "智動")
    explorer.department.value = "化材"
    assert "共 155 人" in explorer.summary.value
    assert list(explorer.bar_fig.data[0].x) == ["化材四甲", "化材四乙", "化材四丙"]  # file order


def test_as_of_slider_moves_the_curve(explorer, data):
    explorer.as_of.value = dt.date(2025, 10, 31)
    st = na.student_status(*data, as_of="2025-10-31")
    assert f"正式門檻 {int(st['all_passed'].sum())} 人通過" in explorer.summary.value
    assert explorer.curve_fig.data[0].x[-1] == "2025-10-31"


def test_units_by_week_matches_student_status(data):
    rules = na.load_term_rules("114-1")
    days = [dt.date(2024, 1, 1), dt.date(2025, 10, 31), dt.date(2025, 12, 12)]
    pop, cube = units_by_week(*data, rules, days)
    for k, d in enumerate(days):
        st = na.student_status(*data, rules=rules, as_of=d)
        assert np.array_equal(cube[k][:, 2], st["engagement_units"].to_numpy())


@pytest.mark.slow
@pytest.mark.browser
def test_export_writes_a_png_and_a_csv(explorer):
    from .browser import need_chromium

    need_chromium()
    png, csv = explorer.export()
    assert (
        png.exists()
        and png.stat().st_size > 10_000
        and csv.read_text(encoding="utf-8-sig").startswith("group,")
    )


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
