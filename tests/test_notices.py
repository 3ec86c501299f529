"""The monthly notice cycle of 114-2 on one class a person can check by hand."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import ncut_analysis.notice_pages as notice_pages
import ncut_analysis.notices as notices
from ncut_analysis import ledger as lg
from ncut_analysis.notices import plan_notices, roc_date, run_notices, safe_cell
from ncut_analysis.rules import load_term_rules

from .conftest import REPO, STUDENT_HEADER, run_cli, write

FEB, MAR = dt.date(2026, 2, 27), dt.date(2026, 3, 31)


@pytest.fixture
def term114_2(tmp_path: Path) -> tuple[Path, Path]:
    return make_term114_2(tmp_path)


def make_term114_2(tmp_path: Path) -> tuple[Path, Path]:
    """化材四甲 and 機械四甲, seniors (cohort 111, 日四技) of 114-2, by hand:

    A1 甲生: all four by 2026-01-10 -> 通過 at 02-27, then never listed again.
    A2 乙生: all but the certificate, which is dated 2026-03-10 -> 未通過 at 02-27 (證照 1 張),
        通過 at 03-31 (listed once), never again.
    A3 丙生: resilience 2.5 h only -> 未通過 both times: 抗壓 0.5 小時；精進 3 小時；社會接軌 24 小時；證照 1 張.
    B1 丁生: engagement 23 h + aesthetics 0.5 h = 23.5 -> 未通過 both times: 社會接軌 0.5 小時.
    B2 "=1+1": nothing; a name a spreadsheet would run as a formula.
    J1 戊生 (cohort 112) has everything but is not a senior.
    """
    students = write(
        tmp_path / "students.csv",
        "\n".join(
            [
                STUDENT_HEADER,
                "A1,甲生,工程學院,化材,化材四甲,111,日四技",
                "A2,乙生,工程學院,化材,化材四甲,111,日四技",
                "A3,丙生,工程學院,化材,化材四甲,111,日四技",
                "B1,丁生,工程學院,機械,機械四甲,111,日四技",
                "B2,=1+1,工程學院,機械,機械四甲,111,日四技",
                "J1,戊生,工程學院,化材,化材三甲,112,日四技",
            ]
        )
        + "\n",
    )
    rec = ["student_id,category,amount,date"]
    for sid in ("A1", "A2", "J1"):
        rec += [
            f"{sid},抗壓,3,2025-10-01",
            f"{sid},精進,3,2025-11-01",
            f"{sid},社會接軌,24,2025-12-01",
        ]
    rec += [
        "A1,證照,1,2026-01-10",
        "J1,證照,1,2026-01-10",
        "A2,證照,1,2026-03-10",
        "A3,抗壓,2.5,2025-10-01",
        "B1,抗壓,3,2025-10-01",
        "B1,精進,3,2025-10-01",
        "B1,社會接軌,23,2025-10-01",
        "B1,美學,0.5,2026-01-05",
        "B1,證照,1,2025-10-01",
    ]
    records = write(tmp_path / "records.csv", "\n".join(rec) + "\n")
    return students, records


def fake_print(jobs):
    """Stands in for Chromium in the fast tests: a file per PDF, same names."""
    for _, pdf in jobs:
        Path(pdf).write_bytes(b"%PDF-1.4 fake\n")


@pytest.fixture
def no_browser(monkeypatch):
    monkeypatch.setattr(notices, "find_chromium", lambda: "fake")
    monkeypatch.setattr(notices, "print_pdfs", fake_print)


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def dump(ledger: Path) -> list[str]:
    con = sqlite3.connect(ledger)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def run(term114_2, tmp_path, day, **kw):
    s, r = term114_2
    return run_notices(
        term="114-2",
        as_of=day,
        students=s,
        records=r,
        ledger=tmp_path / "notices.sqlite",
        out=tmp_path / day.isoformat(),
        **kw,
    )


def test_the_114_2_rules():
    r = load_term_rules("114-2")
    assert r.deadline == dt.date(2026, 6, 1) and r.senior_cohort == 111
    assert r.notice_dates == (FEB, MAR, dt.date(2026, 4, 30), dt.date(2026, 5, 29))
    assert r.thresholds == load_term_rules("114-1").thresholds
    assert roc_date(r.deadline) == "115年6月1日"


def test_safe_cell_defuses_formulas_not_numbers():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("+886") == "+886" and safe_cell("-3") == "-3" and safe_cell("-0.5") == "-0.5"
    assert safe_cell("-x") == "'-x" and safe_cell("\tx") == "'\tx" and safe_cell("\rx") == "'\rx"
    assert safe_cell("甲生") == "甲生" and safe_cell("") == ""


def test_plan_passed_once_missing_per_category(term114_2):
    import ncut_analysis as na

    s, r = term114_2
    rules = load_term_rules("114-2")
    st = na.student_status(na.load_students(s), na.load_records(r), as_of=FEB, rules=rules)
    plan = plan_notices(st, rules, FEB, lg.told_passed(sqlite3.connect(":memory:"), FEB))
    got = plan.students.set_index("student_id")
    assert list(got.index) == ["A1", "A2", "A3", "B1", "B2"]
    assert got.loc["A1", "result"] == "passed" and "不再寄給您" in got.loc["A1", "text"]
    assert got.loc["A2", "result"] == "not_passed"
    assert got.loc["A2", "certificate_missing"] == "1 張"
    assert got.loc["A2", "resilience_missing"] == "已通過"
    assert got.loc["A3", "resilience_missing"] == "0.5 小時"
    assert got.loc["A3", "engagement_missing"] == "24 小時"
    assert got.loc["B1", "engagement_missing"] == "0.5 小時"
    assert got.loc["B1", "short"] == ("engagement",)
    text = got.loc["A3", "text"]
    assert "抗壓 0.5 小時；精進 3 小時；社會接軌 24 小時；證照 1 張" in text
    assert "須於115年6月1日前完成" in text and "115年2月27日" in text
    assert text.endswith(
        "（承辦單位 抗壓：教務處、精進：圖書館、社會接軌：學務處、證照：研發處）。"
    )
    assert got.loc["B1", "text"].endswith("（承辦單位 社會接軌：學務處）。")
    assert set(got["deadline"]) == {"115年6月1日"}
    # Told 通過 before: left out if still passing, reported (not re-notified) if not.
    told = lg.told_passed(sqlite3.connect(":memory:"), FEB)
    told.loc[0] = ["A1", "114-1", "2025-12-26"]
    told.loc[1] = ["A3", "114-1", "2025-12-26"]
    plan = plan_notices(st, rules, FEB, told)
    assert "A1" not in set(plan.students["student_id"])
    assert "A3" not in set(plan.students["student_id"])
    assert list(plan.already_told["student_id"]) == ["A1"]
    assert list(plan.regressed["student_id"]) == ["A3"]
    assert plan.regressed.loc[0, "missing"].startswith("抗壓 0.5 小時")


def test_monthly_cycle_told_once_ledger_idempotent(term114_2, tmp_path, no_browser):
    ledger = tmp_path / "notices.sqlite"
    feb = run(term114_2, tmp_path, FEB)
    assert (feb.passed, feb.not_passed, feb.departments, feb.classes) == (1, 4, 2, 2)
    out = tmp_path / FEB.isoformat()
    students = rows(out / "students.csv")
    assert [(r["學號"], r["結果"]) for r in students] == [
        ("A1", "通過"),
        ("A2", "未通過"),
        ("A3", "未通過"),
        ("B1", "未通過"),
        ("B2", "未通過"),
    ]
    assert students[4]["姓名"] == "'=1+1"  # never a live formula
    ws = openpyxl.load_workbook(out / "students.xlsx").active
    cell = ws.cell(6, 2)
    assert cell.value == "=1+1" and cell.data_type == "s"  # text, shown as typed
    # printed: A4 landscape, header row on every page, a footer naming who may use it
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
    assert "含個人資料" in ws.oddFooter.left.text and "導師" not in ws.oddFooter.left.text
    book = openpyxl.load_workbook(out / "students.xlsx")
    assert book.properties.creator == "國立勤益科技大學"
    for f in ("summary.html", "summary.pdf", "departments/化材.pdf", "departments/機械.pdf"):
        assert (out / f).is_file(), f
    for cls in ("化材四甲", "機械四甲"):
        for ext in ("pdf", "xlsx", "csv"):
            assert (out / "advisors" / f"{cls}.{ext}").is_file()

    mar = run(term114_2, tmp_path, MAR)
    students = rows(tmp_path / MAR.isoformat() / "students.csv")
    # A1 was told in February: not again. A2 passed in between: told 通過 once, now.
    assert [(r["學號"], r["結果"]) for r in students] == [
        ("A2", "通過"),
        ("A3", "未通過"),
        ("B1", "未通過"),
        ("B2", "未通過"),
    ]
    assert mar.already_told == 1 and mar.regressed == 0
    summary = (tmp_path / MAR.isoformat() / "summary.html").read_text(encoding="utf-8")
    assert "含個人資料" in summary and "已通知「通過」（日後不重複發放）" in summary
    hist = lg.ledger_history(ledger, "114-2")
    assert list(hist["as_of"].dt.date.unique()) == [FEB, MAR]
    school = hist[hist["level"] == "total"].set_index(
        hist[hist["level"] == "total"]["as_of"].dt.date
    )
    assert school.loc[FEB, "all_passed"] == 1 and school.loc[MAR, "all_passed"] == 2
    assert school.loc[MAR, "students"] == 5 and school.loc[MAR, "all_rate"] == 40.0
    dept = hist[hist["department"] == "化材"]
    assert list(dept["certificate_passed"]) == [1, 2]

    # The same as-of again: same files, ledger byte for byte as it was.
    before = dump(ledger)
    again = run(term114_2, tmp_path, MAR)
    assert again.run_id is None and dump(ledger) == before
    assert rows(tmp_path / MAR.isoformat() / "students.csv") == students
    assert "本次未變更" in (tmp_path / MAR.isoformat() / "summary.html").read_text("utf-8")

    # April: A1 and A2 are never listed again.
    run(term114_2, tmp_path, dt.date(2026, 4, 30))
    apr = rows(tmp_path / "2026-04-30" / "students.csv")
    assert [r["學號"] for r in apr] == ["A3", "B1", "B2"]
    con = sqlite3.connect(ledger)
    told = con.execute(
        "SELECT recipient, as_of FROM notices WHERE kind='passed' ORDER BY as_of"
    ).fetchall()
    assert told == [("A1", "2026-02-27"), ("A2", "2026-03-31")]
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)
    con.close()


def test_change_since_previous_notice_on_the_department_page(term114_2, tmp_path, no_browser):
    run(term114_2, tmp_path, FEB)
    s, r = term114_2
    rules = load_term_rules("114-2")
    import ncut_analysis as na

    st = na.student_status(na.load_students(s), na.load_records(r), as_of=MAR, rules=rules)
    con = lg.open_ledger(tmp_path / "notices.sqlite")
    prev = lg.previous_run(con, "日四技", 111, MAR)
    assert prev["as_of"] == "2026-02-27"
    ctx = notice_pages.Context(
        rules=rules,
        as_of=MAR,
        run_at="t",
        counts=na.summarise(st),
        previous=prev,
        previous_counts=lg.run_counts(con, prev["run_id"]),
    )
    page = notice_pages.department_page(ctx, "化材", st[st["department"] == "化材"], {})
    cert = next(c for c in page["change"] if c["label"].startswith("證照"))
    assert (cert["before"], cert["now"], cert["delta"]) == ("1 / 3", "2 / 3", "+1")
    assert (cert["rate_before"], cert["rate_now"], cert["change"]) == (
        "33.33%",
        "66.67%",
        "+33.34",
    )
    allp = next(c for c in page["change"] if c["label"] == "全數通過")
    assert (allp["before"], allp["now"]) == ("1 / 3", "2 / 3")
    assert [c["name"] for c in page["classes"]] == ["化材四甲"]
    assert [s["id"] for s in page["classes"][0]["failing"]] == ["A3"]
    roster = notice_pages.advisor_page(ctx, "化材四甲", st[st["class"] == "化材四甲"])
    assert [h["text"] for h in roster["header"]] == [
        "學號", "姓名", "全數通過", "抗壓", "精進", "社會接軌", "證照", "尚缺",
    ]  # fmt: skip
    assert roster["rows"][0]["cells"][:3] == ["A3", "丙生", "未通過"] and roster["failing"] == 1
    con.close()


def test_corrected_record_is_reported_not_renotified(term114_2, tmp_path, no_browser):
    run(term114_2, tmp_path, FEB)
    s, r = term114_2
    # A1's certificate turns out to be void: the corrected records no longer hold it.
    text = r.read_text(encoding="utf-8").replace("A1,證照,1,2026-01-10\n", "")
    r.write_text(text, encoding="utf-8")
    res = run(term114_2, tmp_path, MAR)
    assert res.regressed == 1
    ids = [x["學號"] for x in rows(tmp_path / MAR.isoformat() / "students.csv")]
    assert "A1" not in ids
    summary = (tmp_path / MAR.isoformat() / "summary.html").read_text(encoding="utf-8")
    assert "甲生" in summary and "115年2月27日" in summary and "證照 1 張" in summary


def test_failure_before_commit_leaves_ledger_and_folder(
    term114_2, tmp_path, no_browser, monkeypatch
):
    ledger = tmp_path / "notices.sqlite"
    run(term114_2, tmp_path, FEB)
    before = dump(ledger)
    real = lg.add_run

    def add_then_fail(con, **kw):
        real(con, **kw)  # rows inserted in the open transaction, then the run dies
        raise RuntimeError("injected")

    monkeypatch.setattr(lg, "add_run", add_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        run(term114_2, tmp_path, MAR)
    assert dump(ledger) == before
    assert not (tmp_path / MAR.isoformat()).exists() or not any(
        p.is_file() for p in (tmp_path / MAR.isoformat()).rglob("*")
    )
    # A first run that fails leaves no ledger behind.
    with pytest.raises(RuntimeError, match="injected"):
        run_notices(
            term="114-2",
            as_of=FEB,
            students=term114_2[0],
            records=term114_2[1],
            ledger=tmp_path / "new.sqlite",
            out=tmp_path / "x",
        )
    assert not (tmp_path / "new.sqlite").exists()


def test_ledger_progress_is_the_history_in_progress_format(term114_2, tmp_path, no_browser):
    run(term114_2, tmp_path, FEB)
    run(term114_2, tmp_path, MAR)
    p = lg.ledger_progress(tmp_path / "notices.sqlite", "114-2")
    assert list(p.columns) == ["date", "category", "passed", "students", "rate"]
    allp = p[p["category"] == "all"]
    assert list(allp["passed"]) == [1, 2] and list(allp["rate"]) == [20.0, 40.0]
    one = lg.ledger_progress(tmp_path / "notices.sqlite", "114-2", department="機械", until=FEB)
    assert list(one[one["category"] == "all"]["students"]) == [2]


def cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    return run_cli(*args, cwd=cwd or REPO, env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--as-of", "2026-02-30"], "--as-of"),
        (["--as-of", "2026-02-27", "--term", "119-1"], "沒有學期 119-1 的規則檔"),
        (["--as-of", "2026-02-27", "--rules-dir", "/no/such/dir"], "/no/such/dir"),
    ],
)
def test_notices_bad_options_exit_2_one_line(term114_2, tmp_path, args, needle):
    s, r = term114_2
    base = ["notices", "--term", "114-2", "--students", str(s), "--records", str(r)]
    res = cli(*base, "--ledger", str(tmp_path / "l.sqlite"), "--out", str(tmp_path / "o"), *args)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr and "Traceback" not in res.stderr
    # One line; the package's InputError adds its "N problem(s)" header line above it.
    assert len(res.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "l.sqlite").exists() and not (tmp_path / "o").exists()


def test_notices_not_a_ledger_exit_2(term114_2, tmp_path):
    s, r = term114_2
    bad = write(tmp_path / "l.sqlite", "not a database at all, just text\n" * 40)
    res = cli(
        "notices", "--term", "114-2", "--as-of", "2026-02-27", "--students", str(s),
        "--records", str(r), "--ledger", str(bad), "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert res.returncode == 2 and "l.sqlite" in res.stderr and "Traceback" not in res.stderr
    assert bad.read_text().startswith("not a database")


def test_no_chromium_one_line_exit_2(term114_2, tmp_path):
    s, r = term114_2
    res = cli(
        "notices", "--term", "114-2", "--as-of", "2026-02-27", "--students", str(s),
        "--records", str(r), "--ledger", str(tmp_path / "l.sqlite"), "--out", str(tmp_path / "o"),
        env={"BROWSER_PATH": str(tmp_path / "no-chromium")},
    )  # fmt: skip
    assert res.returncode == 2 and "BROWSER_PATH" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "l.sqlite").exists() and not (tmp_path / "o").exists()


# ---------------------------------------------------------------------------- real Chromium


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.slow
@pytest.mark.browser
def test_pdfs_render_with_the_chinese_names(term114_2, tmp_path):
    from .browser import need_chromium

    need_chromium()
    if not (os.path.exists("/usr/bin/pdftoppm") and os.path.exists("/usr/bin/pdftotext")):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    run(term114_2, tmp_path, FEB)
    run(term114_2, tmp_path, MAR)
    out = tmp_path / MAR.isoformat()
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == 9  # 2 departments, 2 classes, 4 offices, the summary
    for pdf in pdfs:
        png = tmp_path / "png" / pdf.stem
        png.parent.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(pdf), str(png)], check=True
        )
        assert png.with_name(png.name + "-1.png").stat().st_size > 1000
    dept = _pdftotext(out / "departments" / "化材.pdf")
    assert "含個人資料" in dept.splitlines()[0] + dept.splitlines()[1]
    assert "丙生" in dept and "前次通知" in dept and "115年2月27日" in dept
    assert (
        "甲生" not in dept
    )  # passed students are not in the head's list of those missing something
    roster = _pdftotext(out / "advisors" / "化材四甲.pdf")
    assert all(n in roster for n in ("甲生", "乙生", "丙生")) and "含個人資料" in roster
    assert "丁生" in _pdftotext(out / "advisors" / "機械四甲.pdf")
    assert "本次摘要" in _pdftotext(out / "summary.pdf")
    # 學務處's list (社會接軌) at 03-31: A3 (24 h short), B1 (0.5 h), B2 (24 h); not A2 or A1
    office = _pdftotext(out / "offices" / "學務處.pdf")
    assert all(n in office for n in ("丙生", "丁生", "社會接軌 0.5 小時")) and "乙生" not in office
    assert "含個人資料" in office


@pytest.mark.slow
@pytest.mark.browser
def test_a_run_killed_midway_leaves_the_ledger(term114_2, tmp_path):
    from .browser import need_chromium

    need_chromium()
    s, r = term114_2
    ledger = tmp_path / "notices.sqlite"
    common = ["notices", "--term", "114-2", "--students", str(s), "--records", str(r)]
    first = cli(
        *common, "--as-of", "2026-02-27", "--ledger", str(ledger), "--out", str(tmp_path / "feb")
    )
    assert first.returncode == 0, first.stderr
    before = dump(ledger)
    out = tmp_path / "mar"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ncut_analysis",
            *common,
            "--as-of",
            "2026-03-31",
            "--ledger",
            str(ledger),
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # kill once the first PDFs are in the partial folder
            if any(out.parent.glob(".partial-*/departments/*.pdf")):
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("no PDF appeared within 120 s")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert dump(ledger) == before
    assert not out.exists()  # all or none: nothing of the killed run is in --out
    # The next run goes through and records March.
    again = cli(*common, "--as-of", "2026-03-31", "--ledger", str(ledger), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert len(lg.ledger_history(ledger, "114-2")["as_of"].unique()) == 2


def test_the_briefing_shows_the_rates_at_each_earlier_notice(term114_2, tmp_path, no_browser):
    # Month by month: A1 passes by 02-27 (1 of 5 seniors: 20.00%), A2 by 03-31 (2 of 5: 40.00%).
    from ncut_analysis.report import TermBriefing, TermReport

    run(term114_2, tmp_path, FEB)
    run(term114_2, tmp_path, MAR)
    s, r = term114_2
    ledger = tmp_path / "notices.sqlite"
    rep = TermReport.build(term="114-2", students=str(s), records=str(r), as_of="2026-03-31",
                           ledger=str(ledger))  # fmt: skip
    hist = rep.notices_frame()
    assert [d.isoformat() for d in hist["通知日期"]] == ["2026-02-27", "2026-03-31"]
    assert list(hist["全數通過率（%）"]) == [20.0, 40.0]
    assert list(hist["證照通過率（%）"]) == [40.0, 60.0]  # A1 and B1, then A2 too
    # Until the as-of date only: a briefing as of 03-01 knows of the February notice alone.
    early = TermReport.build(term="114-2", students=str(s), records=str(r), as_of="2026-03-01",
                             ledger=str(ledger))  # fmt: skip
    assert len(early.notices_frame()) == 1
    html = TermBriefing(report=rep, output_dir=tmp_path / "b").notice_history().data
    assert "2026-02-27" in html and "40.00%" in html
    assert "歷次通知" in rep.tables()


def test_a_class_name_two_departments_share_is_two_classes(tmp_path, no_browser):
    # 四年甲班 in 化材 and in 機械: two advisors, two files, two ledger rows; a department whose
    # name would be an unsafe file name gets a safe one.
    s = write(tmp_path / "s.csv", "\n".join([STUDENT_HEADER,
        "A1,甲生,工程學院,化材,四年甲班,111,日四技", "B1,乙生,工程學院,機械,四年甲班,111,日四技",
        "C1,丙生,工程學院,CON,四年乙班,111,日四技"]) + "\n")  # fmt: skip
    r = write(tmp_path / "r.csv", "student_id,category,amount,date\nA1,抗壓,3,2025-10-01\n")
    res = run((s, r), tmp_path, FEB)
    assert res.classes == 3
    out = tmp_path / FEB.isoformat()
    assert sorted(p.name for p in (out / "advisors").glob("*.pdf")) == [
        "化材_四年甲班.pdf", "四年乙班.pdf", "機械_四年甲班.pdf"]  # fmt: skip
    assert sorted(p.name for p in (out / "departments").glob("*.pdf")) == [
        "_CON.pdf", "化材.pdf", "機械.pdf"]  # fmt: skip
    con = sqlite3.connect(tmp_path / "notices.sqlite")
    got = con.execute(
        "SELECT recipient, department, class FROM notices WHERE kind = 'advisor' ORDER BY 1"
    ).fetchall()
    con.close()
    assert got == [("CON/四年乙班", "CON", "四年乙班"), ("化材/四年甲班", "化材", "四年甲班"),
                   ("機械/四年甲班", "機械", "四年甲班")]  # fmt: skip


def test_a_five_category_term_gives_aesthetics_its_own_office_list_and_count(tmp_path, no_browser):
    # 113-1 (before 美學 joined 社會接軌): A has 2 h 美學, B none. 藝術中心, the office of 美學,
    # gets its own list with B alone; the summary and the ledger count 美學 on its own.
    from .test_report import PRE_113_2

    rules = write(tmp_path / "113-1.toml", PRE_113_2)
    s = write(tmp_path / "s.csv", "\n".join([STUDENT_HEADER, "A,甲,工程學院,化材,化材四甲,110,日四技",
                                             "B,乙,工程學院,化材,化材四甲,110,日四技"]) + "\n")  # fmt: skip
    rec = ["student_id,category,amount,date"]
    for sid in "AB":
        rec += [f"{sid},抗壓,3,2024-05-01", f"{sid},精進,3,2024-05-01", f"{sid},證照,1,2024-05-01"]
    rec += ["A,社會接軌,22,2024-05-01", "A,美學,2,2024-06-01", "B,社會接軌,24,2024-05-01"]
    r = write(tmp_path / "r.csv", "\n".join(rec) + "\n")
    res = run_notices(term=str(rules), as_of="2024-12-13", students=s, records=r,
                      ledger=tmp_path / "l.sqlite", out=tmp_path / "o")  # fmt: skip
    assert res.offices == 5  # every office gets its list, an empty one too
    office = rows(tmp_path / "o" / "offices" / "藝術中心.csv")
    sheet = openpyxl.load_workbook(tmp_path / "o" / "offices" / "藝術中心.xlsx").active
    assert "限承辦單位業務使用" in sheet.oddFooter.left.text and sheet.freeze_panes == "A2"
    assert [(x["學號"], x["尚缺"]) for x in office] == [("B", "美學 2 小時")]
    assert rows(tmp_path / "o" / "offices" / "學務處.csv") == []  # 22 h is enough in 113-1
    mail = rows(tmp_path / "o" / "students.csv")
    assert [(x["學號"], x["美學尚缺"]) for x in mail] == [("A", "已通過"), ("B", "2 小時")]
    summary = (tmp_path / "o" / "summary.html").read_text(encoding="utf-8")
    assert '<th class="num">美學</th>' in summary
    hist = lg.ledger_history(tmp_path / "l.sqlite")
    assert hist.loc[hist["level"] == "total", "aesthetics_passed"].tolist() == [1]
