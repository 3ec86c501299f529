"""The admission report's frames carry codes; one presentation step (``AdmissionReport.present``)
words them: headings and labels from the label table, thousands separators, percentages, totals
exactly. Views find columns by code (issue 21)."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal

import pandas as pd
import pytest

from ncut_analysis.admission.score import TOTAL_SCALE
from ncut_analysis.labels import LABELS_DIR
from ncut_analysis.report import AdmissionBriefing, AdmissionReport
from ncut_analysis.report.admission import present
from ncut_analysis.slides.content import admission_slide_tables

from .conftest import write

# read straight from the files, not through the code under test
COMMON = tomllib.loads((LABELS_DIR / "common.toml").read_text(encoding="utf-8"))
ADMISSION = tomllib.loads((LABELS_DIR / "admission.toml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
PROGRAMS = {"precision-machinery", "mechatronics", "hvac-energy"}


@pytest.fixture(scope="module")
def report() -> AdmissionReport:
    return AdmissionReport.build(year=109, draws=200)


def test_every_frame_carries_codes_not_words(report):
    for sheet, df in report.frames().items():
        assert not [c for c in df.columns if CJK.search(str(c))], sheet
        if "program" in df:
            assert set(df["program"]) <= PROGRAMS, sheet
        for col in [c for c in df.columns if c == "status" or c.startswith("status_")]:
            assert set(df[col].dropna()) <= set(COMMON["status"]), (sheet, col)
        if "mode" in df:
            assert set(df["mode"]) <= {"normal", "special"}, sheet
        if "overlap" in df:
            assert set(df["overlap"]) <= set(COMMON["overlap"]), sheet


def test_the_workbook_is_worded_from_the_label_tables(report):
    tables = report.tables()
    t = ADMISSION["admission_text"]
    assert list(tables) == [
        t[k]
        for k in (
            "sheet_summary",
            "sheet_disqualified",
            "sheet_normal",
            "sheet_special",
            "sheet_compared",
            "sheet_probability",
            "sheet_probability_summary",
            "sheet_backfill",
        )
    ]
    summary = tables[t["sheet_summary"]]
    col = ADMISSION["admission_column"]
    assert list(summary.columns[:4]) == [
        col["program"],
        col["quota"],
        col["applicants"],
        col["min_total"],
    ]
    # the overlap's words are common.toml's, the one place (not a second spelling here)
    for code in ("both", "only_normal", "only_special"):
        assert COMMON["overlap"][code] in summary.columns
    assert COMMON["statistic"]["spearman"] in summary.columns
    assert f"{COMMON['mode']['normal']}｜{COMMON['status']['admitted']}" in summary.columns
    # programs by their class names, statuses by their labels
    assert summary[col["program"]].tolist()[0] == "工具機與精密模具設計製造四技專班"
    normal = tables[t["sheet_normal"]]
    assert set(normal[col["status"]]) <= set(COMMON["status"].values())
    # numbers stay numbers in the workbook, with the exact total's format
    assert normal[col["total"]].dtype.kind == "f"
    assert normal.attrs["formats"][col["total"]] == "0." + "0" * report.decimals
    assert normal.attrs["personal_data"]


def test_present_writes_counts_with_separators_and_totals_exactly():
    frame = pd.DataFrame(
        {
            "program": ["x"],
            "quota": [1504],
            "total": [76.7375],
            "p_any_call": [0.125],
            "admitted_without_noise": [True],
        }
    )
    frame.attrs["formats"] = {"total": "score", "p_any_call": "share"}
    out = present(frame, {"x": "某專班"}, decimals=4, text=True)
    col = ADMISSION["admission_column"]
    row = out.iloc[0]
    assert row[col["program"]] == "某專班"
    assert row[col["quota"]] == "1,504"
    assert row[col["total"]] == "76.7375"  # never 76.74: the rules compare to the last unit
    assert row[col["p_any_call"]] == "12.5%"
    assert row[col["admitted_without_noise"]] == ADMISSION["admission_text"]["yes"]


def test_a_minimum_with_three_decimals_is_shown_as_it_is():
    r = AdmissionReport.build(year=109, draws=50, min_total="60.125")
    assert r.decimals >= 3
    shown = r.present(r.summary_frame(), text=True)
    assert set(shown[ADMISSION["admission_column"]["min_total"]]) == {"60.125"}
    # every exact total of the ranking reads back as its exact units
    ranked = r.normal.dropna(subset=["total_units"])
    texts = r.present(r.applicants_frame("normal"), text=True)[
        ADMISSION["admission_column"]["total"]
    ]
    texts = texts[r.normal["total_units"].notna().to_numpy()]
    assert [Decimal(s.replace(",", "")) for s in texts] == [
        Decimal(int(u)) / TOTAL_SCALE for u in ranked["total_units"]
    ]


def test_slide_tables_find_their_columns_by_code(report):
    first, second = admission_slide_tables(report)
    s = report.summary
    admitted = f"{COMMON['mode']['normal']}\n{COMMON['status']['admitted']}"
    assert first.frame[admitted].tolist() == [f"{int(v):,}" for v in s["admitted_normal"]]
    assert second.frame[ADMISSION["admission_slides"]["overlap_both"]].tolist() == [
        f"{int(v):,}" for v in s["both"]
    ]
    assert not [c for c in second.frame.columns if re.search(r"Spearman|Kendall|\bvs\b", c)]


def test_a_small_pool_is_stated_in_chinese(tmp_path):
    header = (
        "applicant_id,program,birth_date,written,interview,review,tvee,school_grades,conduct,"
        "autobiography,certificates,awards,other"
    )
    rows = [f"A{i},hvac-energy,2001-01-01,{50 + i},70,70,60,70,70,70,70,70,70" for i in range(12)]
    apps = write(tmp_path / "a.csv", header + "\n" + "\n".join(rows) + "\n")
    b = AdmissionBriefing.build(applicants=str(apps), draws=50, output_dir=str(tmp_path))
    assert b.report.small_pool_counts() == [("冷凍空調與能源四技專班", 12)]
    page = b.header().data
    assert "冷凍空調與能源四技專班報名 12 人，少於 30 人" in page
    assert "hvac-energy" not in page and "applicants, fewer than" not in page


def test_the_overviews_headings_break_only_where_the_label_table_says(report, tmp_path):
    # 「報名\n人數」 is two lines; 「兩者皆\n正取」 under 「正取名單重疊」; no heading breaks between
    # two characters anywhere else (CSS keep-all on every heading).
    b = AdmissionBriefing(report, tmp_path)
    page = b.overview().data
    heads = re.findall(r"<th[^>]*>(.*?)</th>", page)
    assert "報名<br>人數" in heads and "兩者皆<br>正取" in heads and "正取名單重疊" in heads
    assert "word-break: keep-all" in b.header().data
