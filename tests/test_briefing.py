from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from ncut_analysis.briefing import run_term_briefing
from ncut_analysis.paths import DATA_DIR, NOTEBOOKS_DIR, published_table

from .browser import overlapping_words, page, printed_on_a4
from .conftest import REPO, STUDENT_HEADER, run_cli, write

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("briefing")
    (html,) = run_term_briefing(
        out, term="114-1", published=str(published_table("114-1")), progress_bar=False
    )
    return html


def test_outputs_of_the_default_run(default_run):
    d = default_run.parent
    assert {p.name for p in d.iterdir()} >= {
        "term_briefing.html",
        "term_briefing.ipynb",
        "term_briefing.xlsx",
        "rosters",
    }
    assert not [p for p in d.iterdir() if p.name.startswith(".")]  # no staging left
    wb = openpyxl.load_workbook(d / "term_briefing.xlsx")
    # the summaries first, the long weekly progress last (issue 25)
    assert wb.sheetnames == ["摘要", "各系", "變化", "關懷", "差距", "核對", "進展"]
    head = [c.value for c in wb["摘要"][2]]
    assert head == ["抗壓", "教務處", 1504, 1320, 184, 87.77]
    assert len(list((d / "rosters").glob("*.xlsx"))) > 16


def test_headline_numbers_in_the_executed_notebook_and_html(default_run):
    nb = json.loads(default_run.with_suffix(".ipynb").read_text(encoding="utf-8"))
    text = "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for c in nb["cells"]
        for o in c.get("outputs", [])
    )
    html = default_run.read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in html  # Traditional glyphs, and a screen reader's language
    for doc in (text, html):
        for s in (
            "<td>1,504</td>",  # counts with thousands separators, as in the tables and Excel
            "87.77%",
            "71.21%",
            "59.24%",
            "44.02%",
            "全校 全數通過人數 443 人（29.45%）",
        ):
            assert s in doc, s
    # the seed's summary as rows: 項目, 大四學生數, 通過人數, 未通過人數, 通過率
    assert re.search(
        r"精進</td><td class=\"t\">圖書館</td><td>1,504</td><td>1,071</td><td>433</td><td[^>]*>71.21%",
        html,
    )
    assert "資料結算至 2025-12-12" in html
    # reconcile found the 8 engagement rates
    assert "公告表中有 8 處" in html


def test_html_has_no_code_and_no_personal_data(default_run):
    html = default_run.read_text(encoding="utf-8")
    body = html.split("<body", 1)[1]
    assert (
        "jp-CodeMirrorEditor" not in body
        and "jp-InputPrompt" not in body
        and "TermBriefing.build" not in body
    )
    # nothing fetched: no external script or stylesheet (require.js, MathJax, a CDN)
    assert not re.findall(r"<script[^>]*\bsrc=", html) and not re.findall(
        r"<link[^>]*href=\"https?:", html
    )
    assert (
        html.count("plotly.js v") <= 2 and html.count("Plotly.newPlot") == 6
    )  # plotly.js inlined once
    students = (DATA_DIR / "114-1" / "students.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = [line.split(",")[0] for line in students]
    names = {line.split(",")[1] for line in students}
    assert not [i for i in ids if i in html]
    assert not [n for n in names if n in html]


@pytest.mark.browser
def test_html_in_a_real_browser_offline(default_run):
    with page() as pg:
        pg.goto(default_run.as_uri())
        pg.wait_for_function(
            "() => { const d = [...document.querySelectorAll('.plotly-graph-div')];"
            " return d.length > 0 && d.every(e => e.querySelector('.main-svg')); }"
        )
        divs = pg.locator(".plotly-graph-div").count()
        drawn = pg.locator(".plotly-graph-div > .plot-container .main-svg").count()
        assert divs == 6 and drawn >= 6  # five charts, and the bars' views for paper
        for i in range(divs):
            assert pg.locator(".plotly-graph-div").nth(i).locator(".main-svg").count() > 0
        assert pg.seen["console"] == [] and pg.seen["errors"] == [] and pg.seen["blocked"] == []
        # the college dropdown of the heatmap switches the view without a kernel
        pg.locator(".updatemenu-header-group").first.click()
        pg.locator(".updatemenu-item-text", has_text="電資學院").first.click()
        want = ["電機", "電子", "資工", "智慧"]
        pg.wait_for_function(
            "w => JSON.stringify(document.querySelectorAll('.plotly-graph-div')[0].data[0].y)"
            " === JSON.stringify(w)",
            arg=want,
        )  # waits for the redraw, however busy the machine
        # print: A4 at 100 %, charts and tables not cut across pages
        pg.emulate_media(media="print")
        pg.set_viewport_size({"width": 703, "height": 1000})
        widths = pg.evaluate(
            "() => [...document.querySelectorAll('.plotly-graph-div, table.ncut')].map(e => e.getBoundingClientRect().width)"
        )
        assert max(widths) <= 703
        brk = pg.evaluate(
            "() => [...document.querySelectorAll('.plotly-graph-div, .ncut-table-wrap')].map(e => getComputedStyle(e).breakInside)"
        )
        assert set(brk) == {"avoid"}
        pdf = pg.pdf(format="A4")
        assert pdf[:4] == b"%PDF"


@pytest.mark.browser
def test_the_briefing_on_a4_paper(default_run, tmp_path):
    """Issue 25: printed by Chromium on A4, page 1 holds the headline numbers, every word sits
    on the page clear of every other, and every category's bars reach paper."""
    pages = printed_on_a4(default_run, tmp_path / "briefing.pdf")
    assert len(pages) <= 9
    first = "".join(t for *_, t in pages[0][2])
    assert "443" in first and "29.45%" in first and "1,504" in first
    for k, (_w, _h, words) in enumerate(pages, start=1):  # none off its page (printed_on_a4)
        assert not overlapping_words(words), (k, overlapping_words(words)[:5])
    text = "".join(t for *_, ws in pages for *_, t in ws)
    for measure, rate in [("抗壓通過率", "87.77%"), ("精進通過率", "71.21%"),
                          ("社會接軌通過率", "59.24%"), ("證照通過率", "44.02%"),
                          ("全數通過率", "29.45%")]:  # fmt: skip
        assert f"{measure}（虛線：全校{rate}）" in text, measure
    assert "右上角" not in text and "選單" not in text


def _small(tmp_path: Path, dept: str) -> tuple[Path, Path]:
    s = write(
        tmp_path / "s.csv",
        "\n".join(
            [
                STUDENT_HEADER,
                f'S1,甲生,工程學院,"{dept}",A四甲,111,日四技',
                f'S2,乙生,工程學院,"{dept}",A四甲,111,日四技',
                "S3,丙生,管理學院,企管,企管四甲,111,日四技",
            ]
        )
        + "\n",
    )
    r = write(
        tmp_path / "r.csv",
        "student_id,category,amount,date\n"
        "S1,抗壓,3,2025-09-01\nS1,精進,3,2025-10-01\nS1,社會接軌,24,2025-11-01\nS1,證照,1,2025-12-01\n"
        "S2,抗壓,2.5,2025-11-20\nS3,精進,3,114/12/12\n",
    )
    return s, r


@pytest.mark.browser
def test_values_are_escaped_and_small_fixture_data_runs(tmp_path):
    evil = "<script>alert(1)</script>"
    s, r = _small(tmp_path, evil)
    (html,) = run_term_briefing(
        tmp_path / "out", students=str(s), records=str(r), progress_bar=False
    )
    text = html.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and evil not in text
    assert "<td>3</td>" in text  # 3 seniors
    with page() as pg:
        pg.goto(html.as_uri())
        pg.wait_for_function(
            "() => { const d = [...document.querySelectorAll('.plotly-graph-div')];"
            " return d.length > 0 && d.every(e => e.querySelector('.main-svg')); }"
        )
        assert pg.seen["dialogs"] == [] and pg.seen["errors"] == []
        assert evil in pg.inner_text("table.ncut >> nth=1")  # shown as text


def test_one_department_briefing(tmp_path):
    (html,) = run_term_briefing(tmp_path, department="化材", progress_bar=False)
    text = html.read_text(encoding="utf-8")
    assert "114-1 化材 學生自主學習畢業門檻" in text
    assert (
        "<td>155</td>" in text
        and "化材四甲" in text
        and "機械" not in text.split("一、大四學生通過率")[1]
    )


def test_failure_exits_nonzero_names_the_cell_and_leaves_no_html(tmp_path):
    s, r = _small(tmp_path, "化材")
    r.write_text(r.read_text(encoding="utf-8") + "S1,精進,-2,2025-01-01\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / "114-1").mkdir(parents=True)
    (out / "114-1" / "term_briefing.html").write_text("earlier briefing")
    res = run_cli(
        "briefing",
        "--term",
        "114-1",
        "--students",
        str(s),
        "--records",
        str(r),
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert res.returncode == 2
    assert "值「-2」：不可為負數" in res.stderr and "InputError" not in res.stderr
    assert "Traceback" not in res.stderr
    assert (out / "114-1" / "term_briefing.html").read_text() == "earlier briefing"
    assert sorted(p.name for p in (out / "114-1").iterdir()) == ["term_briefing.html"]


def test_plain_papermill_from_another_directory(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOKS_DIR / "term_briefing.ipynb"),
            "out.ipynb",
            "-p",
            "term",
            "114-1",
            "-p",
            "output_dir",
            str(tmp_path / "files"),
            "--no-progress-bar",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "87.77%" in (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert (tmp_path / "files" / "term_briefing.xlsx").exists()


def test_papermill_documents_the_parameters():
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "--help-notebook",
            str(NOTEBOOKS_DIR / "term_briefing.ipynb"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    for p in (
        'term: str (default "114-1")',
        "as_of",
        "compare_as_of",
        "deadline",
        "department",
        "published",
    ):
        assert p in res.stdout, p


def test_per_department_portfolio(tmp_path):
    files = run_term_briefing(tmp_path, per_department=True, progress_bar=False)
    assert len(files) == 16 and all(f.exists() for f in files)
    index = (tmp_path / "114-1" / "index.html").read_text(encoding="utf-8")
    assert index.count("term_briefing.html") == 16 and ">化材<" in index
    assert "<td>37</td>" in (tmp_path / "114-1" / "健管" / "term_briefing.html").read_text(
        encoding="utf-8"
    )


def test_notebooks_are_committed_without_outputs_and_hold_no_logic():
    for nb_path in NOTEBOOKS_DIR.glob("*.ipynb"):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"]), nb_path
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                assert c["outputs"] == [] and c["execution_count"] is None, nb_path
                assert not re.search(r"^\s*(def|class)\s", "".join(c["source"]), re.M), nb_path
