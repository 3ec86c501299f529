from __future__ import annotations

import json
import re
import subprocess
import sys

import openpyxl
import pytest

from ncut_analysis.admission import load_applicants
from ncut_analysis.briefing import run_admission_briefing
from ncut_analysis.paths import NOTEBOOKS_DIR, default_applicants

from .browser import overlapping_words, page, printed_on_a4
from .conftest import REPO, run_cli, write

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    return run_admission_briefing(
        tmp_path_factory.mktemp("adm"), year=109, waitlist=20, draws=2000, progress_bar=False
    )


def test_admission_briefing_content(html):
    text = html.read_text(encoding="utf-8")
    for s in (
        "工具機與精密模具設計製造四技專班",
        "機電控制四技專班",
        "冷凍空調與能源四技專班",
        "斯皮爾曼",  # statistics named in Chinese (issue 21)
        "肯德爾",
        "未獲面試",  # the brochure's words (issue 26)
        "不符報考資格",
        "評分雜訊只加在由人評分的項目",  # the noise model stated
        "備取遞補",
    ):
        assert s in text, s
    assert not [w for w in ("Spearman", "Kendall", "ncut_analysis", " SD ") if w in text]
    nb = json.loads(html.with_suffix(".ipynb").read_text(encoding="utf-8"))
    assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
    wb = openpyxl.load_workbook(html.with_name("admission_briefing.xlsx"))
    assert wb.sheetnames[:2] == ["總覽", "不予錄取原因"]
    # issue 24: no applicant id in the page; every sheet listing applicants says it holds
    # personal data (row 1 and the printed footer), the aggregate sheets do not
    ids = load_applicants(default_applicants(109))["applicant_id"]
    assert not [i for i in ids if i in text]
    for ws in wb.worksheets:
        has_ids = any(c.value == "准考證號碼" for c in ws[1]) or any(
            c.value == "准考證號碼" for c in ws[2]
        )
        noted = "含個人資料" in str(ws["A1"].value) and "含個人資料" in ws.oddFooter.left.text
        assert has_ids == noted, ws.title
    head = [c.value for c in wb["總覽"][1]]
    assert head[:3] == ["專班", "名額", "報名人數"]
    body = text.split("<body", 1)[1]
    assert "AdmissionBriefing.build" not in body and not re.findall(r"<script[^>]*\bsrc=", text)
    assert text.count("Plotly.newPlot") == 5  # four charts, the rank shifts' views for paper


@pytest.mark.browser
def test_admission_briefing_in_a_browser(html):
    with page() as pg:
        pg.goto(html.as_uri())
        pg.wait_for_function(
            "() => { const d = [...document.querySelectorAll('.plotly-graph-div')];"
            " return d.length > 0 && d.every(e => e.querySelector('.main-svg')); }"
        )
        n = pg.locator(".plotly-graph-div").count()
        assert n == 5 and all(  # four charts, and the rank shifts' views for paper
            pg.locator(".plotly-graph-div").nth(i).locator(".main-svg").count() for i in range(n)
        )
        assert pg.seen["console"] == [] and pg.seen["errors"] == [] and pg.seen["blocked"] == []


def test_admission_briefing_escapes_and_fails_cleanly(tmp_path):
    header = (
        "applicant_id,program,birth_date,written,interview,review,tvee,school_grades,conduct,autobiography,"
        "certificates,awards,other"
    )
    rows = [
        f"<b>A{i}</b>,冷凍空調與能源四技專班,2001-01-01,{50 + i},70,70,60,70,70,70,70,70,70"
        for i in range(35)
    ]
    apps = write(tmp_path / "a.csv", header + "\n" + "\n".join(rows) + "\n")
    out = run_admission_briefing(
        tmp_path / "ok", applicants=str(apps), draws=200, progress_bar=False
    )
    text = out.read_text(encoding="utf-8")
    # no applicant id at all, escaped or not (issue 24), and nothing of it as markup
    assert not any(s in text for s in ("&lt;b&gt;A", "\\u003cb\\u003eA", "<b>A"))
    bad = write(
        tmp_path / "bad.csv", header + "\nX,冷凍空調與能源四技專班,2001-01-01,120,70,70,,,,,,,\n"
    )
    res = run_cli(
        "briefing",
        "--kind",
        "admission",
        "--applicants",
        str(bad),
        "--out",
        str(tmp_path / "bad"),
        cwd=REPO,
    )
    assert (
        res.returncode == 2
        and "cell 2" not in res.stderr
        and "InputError" not in res.stderr
        and "值「120」：不可大於 100" in res.stderr
    )
    assert not list((tmp_path / "bad").rglob("*.html"))


@pytest.mark.parametrize("name", ["threshold_explorer", "admission_explorer"])
def test_explorer_notebooks_run_under_papermill(tmp_path, name):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOKS_DIR / f"{name}.ipynb"),
            "out.ipynb",
            "--no-progress-bar",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    nb = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


@pytest.mark.browser
def test_the_admission_briefing_on_a4_paper(html, tmp_path):
    """Issue 25: printed by Chromium on A4, no word off the page or over another, every class's
    rank changes on paper, 最低錄取標準 worded as in the parameters, no screen instruction."""
    pages = printed_on_a4(html, tmp_path / "admission.pdf")
    for k, (_w, _h, words) in enumerate(pages, start=1):
        assert not overlapping_words(words), (k, overlapping_words(words)[:5])
    text = "".join(t for *_, ws in pages for *_, t in ws)
    for name in ("工具機與精密模具設計製造四技專班", "機電控制四技專班", "冷凍空調與能源四技專班"):
        assert f"排名變化：{name}" in text, name
    assert "選單" not in text
    # no minimum set: the overview says 無, as the parameter block does (not 0.00)
    # (the overview's heading is 「最低錄取<br>標準」, two lines in a narrow column)
    overview = re.split(r"最低錄取<br/?>標準", html.read_text(encoding="utf-8"))[1][:2000]
    assert overview.count("<td>無</td>") == 3
