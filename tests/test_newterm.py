"""Rules files outside the package (--rules-dir, NCUT_RULES_DIR) and `new-term`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import pytest

from ncut_analysis.newterm import new_term_file, shift_months
from ncut_analysis.rules import RULES_DIR, RulesError, load_term_rules, rules_dirs

from .conftest import REPO, run_cli


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli(
        *args,
        cwd=REPO,
        env={**{k: v for k, v in os.environ.items() if k != "NCUT_RULES_DIR"}, **(env or {})},
    )


def test_shift_months_clamps_to_the_month_end():
    assert shift_months(dt.date(2026, 5, 31), 6) == dt.date(2026, 11, 30)
    assert shift_months(dt.date(2026, 2, 27), 6) == dt.date(2026, 8, 27)
    assert shift_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_new_term_from_114_2_validates_and_lists_the_dates(tmp_path):
    made = new_term_file("115-1", "114-2", tmp_path)
    assert (
        made.path == tmp_path.resolve() / "115-1.toml" and made.source == RULES_DIR / "114-2.toml"
    )
    r = load_term_rules("115-1", rules_dir=tmp_path)
    assert r.term == "115-1" and r.senior_cohort == 112
    assert r.deadline == dt.date(2027, 6, 1)  # the seniors of 115 finish by 116年6月1日
    assert r.thresholds == load_term_rules("114-2").thresholds
    assert r.notice_dates[0] == dt.date(2026, 8, 27)
    text = made.path.read_text(encoding="utf-8")
    assert text.count("# 待填") == 3  # notice_dates, settlement_date, notice_date
    assert any(line.startswith("deadline = 2027-06-01") for line in made.to_fill)
    assert any(line.startswith("notice_dates = 2026-08-27, ") for line in made.to_fill)
    # Never overwritten.
    made.path.write_text(text + "# edited by the office\n", encoding="utf-8")
    with pytest.raises(RulesError, match="已經存在"):
        new_term_file("115-1", "114-2", tmp_path)
    assert made.path.read_text(encoding="utf-8").endswith("# edited by the office\n")


def test_a_rules_dir_is_searched_before_the_package(tmp_path, monkeypatch):
    own = (
        (RULES_DIR / "114-2.toml")
        .read_text(encoding="utf-8")
        .replace('resilience = "3"', 'resilience = "4"')
    )
    (tmp_path / "114-2.toml").write_text(own, encoding="utf-8")
    assert load_term_rules("114-2", rules_dir=tmp_path).thresholds["resilience"] == 4000
    assert load_term_rules("114-2").thresholds["resilience"] == 3000
    monkeypatch.setenv("NCUT_RULES_DIR", str(tmp_path))
    assert rules_dirs()[0] == tmp_path.resolve()
    assert load_term_rules("114-2").thresholds["resilience"] == 4000
    assert load_term_rules("114-1").thresholds["resilience"] == 3000  # the package's, still
    monkeypatch.setenv("NCUT_RULES_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(RulesError, match="nowhere"):
        load_term_rules("114-1")


def test_a_file_named_for_another_term_is_refused(tmp_path):
    (tmp_path / "115-2.toml").write_text(
        (RULES_DIR / "114-2.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(RulesError, match="檔名卻是 115-2"):
        load_term_rules("115-2", rules_dir=tmp_path)


def test_notice_dates_must_be_dates_in_order(tmp_path):
    text = (RULES_DIR / "114-2.toml").read_text(encoding="utf-8")
    bad = text.replace('"2026-03-31", "2026-04-30"', '"2026-04-30", "2026-03-31"')
    (tmp_path / "114-2.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(RulesError, match="由早到晚排列"):
        load_term_rules("114-2", rules_dir=tmp_path)
    (tmp_path / "114-2.toml").write_text(text.replace('"2026-03-31"', '"3月底"'), encoding="utf-8")
    with pytest.raises(RulesError, match=r"notice_dates\[1\]"):
        load_term_rules("114-2", rules_dir=tmp_path)


def test_new_term_command(tmp_path):
    res = cli("new-term", "115-1", "--from", "114-2", "--rules-dir", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (
        "115-1.toml" in res.stdout
        and "notice_dates = " in res.stdout
        and "deadline = 2027-06-01" in res.stdout
    )
    # The new term is usable at once through the same folder, by option or environment.
    res = cli("--rules-dir", str(tmp_path), "new-term", "115-2", "--from", "115-1")
    assert res.returncode == 0, res.stderr
    assert load_term_rules("115-2", rules_dir=tmp_path).deadline == dt.date(2027, 6, 1)
    again = cli("new-term", "115-1", "--from", "114-2", env={"NCUT_RULES_DIR": str(tmp_path)})
    assert again.returncode == 2 and "已經存在" in again.stderr and "Traceback" not in again.stderr
    nowhere = cli("new-term", "115-1", "--from", "114-2")
    assert nowhere.returncode == 2 and "--rules-dir" in nowhere.stderr
    missing = cli("new-term", "115-1", "--from", "109-1", "--rules-dir", str(tmp_path / "x"))
    assert missing.returncode == 2 and "沒有這個資料夾" in missing.stderr
    nosrc = cli("new-term", "116-1", "--from", "109-1", "--rules-dir", str(tmp_path))
    assert nosrc.returncode == 2 and "--from 109-1" in nosrc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["115-1.toml", "115-2.toml"]


def test_a_new_term_is_usable_by_every_command(tiny, tmp_path):
    s, r = tiny
    rules = tmp_path / "rules"
    rules.mkdir()
    assert cli("new-term", "115-1", "--from", "114-2", "--rules-dir", str(rules)).returncode == 0
    out = tmp_path / "pr.csv"
    args = ["--students", str(s), "--records", str(r), "--term", "115-1", "--out", str(out)]
    res = cli("pass-rates", *args, "--rules-dir", str(rules))
    assert res.returncode == 0, res.stderr
    # The seniors of 115-1 are cohort 112: the fixture's J1, who has everything.
    assert out.read_text(encoding="utf-8").splitlines()[-1] == "全校,,1" + ",1,100.00" * 5
    res = cli("pass-rates", *args)
    assert res.returncode == 2 and "沒有學期 115-1 的規則檔" in res.stderr
