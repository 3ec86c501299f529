from __future__ import annotations

import datetime as dt

import pytest

import ncut_analysis as na
from ncut_analysis.rules import RULES_DIR, RulesError, parse_term


def test_114_1_rules_as_in_the_seed():
    r = na.load_term_rules("114-1")
    assert r.thresholds == {
        "resilience": 3000,
        "enhancement": 3000,
        "engagement": 24000,
        "certificate": 1000,
    }
    assert r.program == "日四技" and r.senior_cohort == 111 and r.aesthetics_into == "engagement"
    assert r.settlement_date == dt.date(2025, 12, 12) and r.deadline == dt.date(2026, 6, 1)
    assert r.offices == {
        "resilience": "教務處",
        "enhancement": "圖書館",
        "engagement": "學務處",
        "certificate": "研發處",
    }


def test_admission_109_rules_as_in_the_brochure():
    a = na.load_admission_rules(109)
    assert a.earliest_birth == dt.date(1991, 1, 1)
    assert a.normal_weights == {"written": 30, "interview": 40, "review": 30}
    hv = a.program("冷凍空調與能源四技專班")
    assert hv.id == "hvac-energy" and hv.quota == 30 and hv.interview_top is None
    me = a.program("precision-machinery")
    assert (
        me.special_tiebreak[:2] == ("tvee", "certificates") and me.special_weights["awards"] == 15
    )


def _write(tmp_path, text: str):
    p = tmp_path / "x.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_unknown_and_missing_keys_are_rejected(tmp_path):
    base = (RULES_DIR / "114-1.toml").read_text(encoding="utf-8")
    with pytest.raises(RulesError, match="不認得的鍵"):
        na.load_term_rules(
            _write(
                tmp_path, base.replace('program = "日四技"', 'program = "日四技"\nprogramme = "x"')
            )
        )
    with pytest.raises(RulesError, match=r"\[offices\] 缺少鍵：certificate"):
        na.load_term_rules(_write(tmp_path, base.replace('certificate = "研發處"\n', "")))
    with pytest.raises(RulesError, match=r"\[offices\] 有不認得的鍵：certificate"):
        na.load_term_rules(_write(tmp_path, base.replace('certificate = "1"\n', "")))
    with pytest.raises(RulesError, match="aesthetics 此時不能有自己的門檻"):
        na.load_term_rules(
            _write(tmp_path, base.replace('resilience = "3"', 'resilience = "3"\naesthetics = "2"'))
        )
    with pytest.raises(RulesError, match="小數最多 3 位"):
        na.load_term_rules(
            _write(tmp_path, base.replace('resilience = "3"', 'resilience = "2.9999"'))
        )
    adm = (RULES_DIR / "admission_109.toml").read_text(encoding="utf-8")
    with pytest.raises(RulesError, match="總和為 100"):
        na.load_admission_rules(_write(tmp_path, adm.replace("written = 30", "written = 35")))


def test_term_names():
    assert parse_term("114-1") == (114, 1)
    with pytest.raises(RulesError):
        parse_term("2025-1")
    with pytest.raises(RulesError, match="沒有學期 113-2 的規則檔"):
        na.load_term_rules("113-2")


def test_loaded_rules_cannot_be_changed_for_the_process():
    rules = na.load_term_rules("114-1")
    with pytest.raises(TypeError):
        rules.thresholds["engagement"] = 0
    with pytest.raises(TypeError):
        rules.labels["all"] = "x"
    with pytest.raises(AttributeError):
        rules.deadline = None
    assert na.load_term_rules("114-1").thresholds["engagement"] == 24_000
    what_if = rules.replace(thresholds={**rules.thresholds, "engagement": 0})
    assert what_if.thresholds["engagement"] == 0 and rules.thresholds["engagement"] == 24_000
    adm = na.load_admission_rules(109)
    with pytest.raises(TypeError):
        adm.normal_weights["written"] = 100
    with pytest.raises(TypeError):
        adm.programs[0].special_weights["tvee"] = 100
    assert na.load_admission_rules(109).normal_weights["written"] == 30


def test_a_rules_file_changed_on_disk_is_read_again(tmp_path):
    base = (RULES_DIR / "114-1.toml").read_text(encoding="utf-8")
    path = _write(tmp_path, base)
    assert na.load_term_rules(path).thresholds["resilience"] == 3000
    path.write_text(base.replace('resilience = "3"', 'resilience = "4.5"'), encoding="utf-8")
    assert na.load_term_rules(path).thresholds["resilience"] == 4500


def test_units_gap_bands_and_labels_come_from_the_file(tmp_path):
    base = (RULES_DIR / "114-1.toml").read_text(encoding="utf-8")
    rules = na.load_term_rules(
        _write(tmp_path, base.replace("gap_bands = [1, 3, 6]", "gap_bands = [2, 4]"))
    )
    assert rules.gap_bands == (2, 4) and rules.unit("certificate") == "張"
    assert rules.result_categories == (
        "resilience",
        "enhancement",
        "engagement",
        "certificate",
        "all",
    )
    with pytest.raises(RulesError, match="gap_bands"):
        na.load_term_rules(
            _write(tmp_path, base.replace("gap_bands = [1, 3, 6]", "gap_bands = [3, 1]"))
        )


def test_the_schools_order_of_colleges_and_departments_comes_from_the_file(tmp_path):
    rules = na.load_term_rules("114-1")
    # As the published 114-1 table lists them: 工程 (化材 機械 冷凍 智動), 電資, 文創, 管理.
    assert list(rules.colleges) == ["工程學院", "電資學院", "文創學院", "管理學院"]
    assert rules.unit_rank("工程學院", "冷凍") == (0, 2)
    assert rules.unit_rank("管理學院", "健管") == (3, 4)
    # Not listed: after every listed unit (its department after the listed ones of its college).
    assert rules.unit_rank("理學院", "物理") == (4, 0)
    assert rules.unit_rank("工程學院", "材料") == (0, 4)
    base = (RULES_DIR / "114-1.toml").read_text(encoding="utf-8")
    twice = base.replace('"化材", "機械"', '"化材", "化材"')
    with pytest.raises(RulesError, match=r"\[colleges\]"):
        na.load_term_rules(_write(tmp_path, twice))
    moved = base.replace('"文創", "景觀", "應英"', '"化材"')  # 化材 in two colleges
    with pytest.raises(RulesError, match=r"\[colleges\]"):
        na.load_term_rules(_write(tmp_path, moved))
    start = base.index("[colleges]")
    assert not na.load_term_rules(_write(tmp_path, base[:start])).colleges  # optional
