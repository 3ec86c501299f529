"""Private and offline (issue 24): every chart's toolbar is Chinese, asks no server and uploads
nothing; no artefact a reader gets names a folder of the machine that made it."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from ncut_analysis.charts.base import MODEBAR_BUTTONS, chart_filename, plotly_config, plotly_locale
from ncut_analysis.paths import REPO_DIR, default_records, default_students, published_table

# ------------------------------------------------------------------------------ the config

# What a reader sees of plotly.js with our toolbar: the two buttons' tooltips and the messages
# of a PNG download and of a double-click.
READER_STRINGS = [
    "Download plot as a PNG",
    "Reset axes",
    "Preparing image - this may take a few seconds",
    "Image download succeeded",
    "Sorry, there was a problem downloading your image!",
    "Double-click to zoom back out",
    "Double-click on legend to isolate one trace",
]


def _bundles() -> dict[str, str]:
    """The plotly.js builds a page can run: plotly's own (the HTML briefings) and the one in
    the jupyterlab-plotly extension (JupyterLab and Voilà)."""
    import sys

    import plotly

    pkg = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    lab = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-plotly"
    out = {"plotly.py": pkg.read_text(encoding="utf-8")}
    for js in sorted(lab.glob("static/*.js")):
        text = js.read_text(encoding="utf-8", errors="replace")
        if "resetScale2d" in text:
            out["jupyterlab-plotly"] = text
    return out


def test_config_has_only_png_and_reset_no_logo_no_cloud():
    c = plotly_config(filename="各系通過率")
    assert c["modeBarButtons"] == [["toImage", "resetScale2d"]]
    assert c["displaylogo"] is False and c["showSendToCloud"] is False
    assert c["toImageButtonOptions"] == {"format": "png", "filename": "各系通過率", "scale": 2}
    assert c["locale"] == "zh-TW" and set(c["locales"]) == {"zh-TW"}
    assert plotly_config(responsive=True)["responsive"] is True
    # a config a figure can be drawn with: plotly.py knows every key (no warning)
    import warnings

    from plotly.offline.offline import _get_jconfig

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _get_jconfig(c)


def test_every_string_a_reader_sees_is_translated_in_both_plotly_builds():
    dictionary = plotly_locale()["dictionary"]
    bundles = _bundles()
    assert set(bundles) == {"plotly.py", "jupyterlab-plotly"}
    for name, text in bundles.items():
        for button in (b for group in MODEBAR_BUTTONS for b in group):
            assert f"{button}:" in text or f'"{button}"' in text, (name, button)
        for s in READER_STRINGS:
            assert f'"{s}"' in text, (name, s)  # the English key plotly.js localizes
    for s in READER_STRINGS:
        assert re.search(r"[\u4e00-\u9fff]", dictionary[s]), (s, dictionary.get(s))
    assert dictionary["Download plot as a PNG"] == "下載圖表為 PNG 圖檔"  # plotly.js's own
    assert dictionary["Image download succeeded"] == "圖片下載完成"  # completed here


def test_chart_filename_drops_markup_and_forbidden_characters():
    assert chart_filename("各系<br>通過率：114/12/12") == "各系_通過率：114_12_12"
    assert chart_filename("") == "圖表" and len(chart_filename("長" * 100)) == 60


# ------------------------------------------------------------------------------ local paths


def local_paths(text: str, *extra: str) -> list[str]:
    """Absolute local paths in ``text``: under /work, /tmp, /root, /home, /Users, or any of
    ``extra`` (the repository, a test's folder)."""
    roots = [re.escape(e.rstrip("/")) + "/" for e in extra if e]
    roots += [r"(?<![\w.~-])/(?:work|tmp|root|home|Users|srv)/"]
    return re.findall(rf"(?:{'|'.join(roots)})[^\s\"'<>]*", text)


def artefact_text(path: Path) -> str:
    """What a file holds as text: every part of an XLSX or PPTX (core properties included), a
    PDF's text and its metadata, any other file as UTF-8."""
    if path.suffix in {".xlsx", ".pptx"}:
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if path.suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        return text.stdout + info.stdout
    return path.read_text(encoding="utf-8", errors="replace")


def test_local_paths_finds_what_a_reader_should_not_see():
    assert local_paths("帳本 /work/x/notices.sqlite，") == ["/work/x/notices.sqlite，"]
    assert local_paths("<a href='/tmp/a.csv'>") == ["/tmp/a.csv"]
    assert local_paths("data /srv/ncut/s.csv", "/srv/ncut") == ["/srv/ncut/s.csv"]
    assert local_paths("/xl/worksheets/sheet1.xml notices.sqlite ./term_briefing.ipynb") == []


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory):
    """The shipped 114-1 data copied to a folder of its own: the paths a run is given."""
    d = tmp_path_factory.mktemp("school data")
    for src in (default_students(), default_records(), published_table()):
        shutil.copy(src, d / src.name)
    return d


@pytest.fixture(scope="module")
def term_run(data_copy, tmp_path_factory):
    from ncut_analysis.briefing import run_term_briefing

    out = tmp_path_factory.mktemp("out")
    (html,) = run_term_briefing(
        out,
        students=str(data_copy / "students.csv"),
        records=str(data_copy / "records.csv"),
        published=str(data_copy / "114-1.csv"),
        progress_bar=False,
    )
    return html


@pytest.fixture(scope="module")
def admission_run(tmp_path_factory):
    from ncut_analysis.briefing import run_admission_briefing
    from ncut_analysis.paths import default_applicants

    d = tmp_path_factory.mktemp("admission data")
    apps = shutil.copy(default_applicants(109), d / "applicants.csv")
    out = tmp_path_factory.mktemp("out")
    return run_admission_briefing(out, applicants=str(apps), draws=300, progress_bar=False)


@pytest.mark.slow
def test_briefings_name_no_local_folder(term_run, admission_run, data_copy):
    import json

    files = [
        p
        for run in (term_run, admission_run)
        for p in sorted(run.parent.rglob("*"))
        if p.suffix in {".html", ".ipynb", ".xlsx", ".csv"}
    ]
    assert {p.suffix for p in files} == {".html", ".ipynb", ".xlsx", ".csv"}
    for p in files:
        found = local_paths(artefact_text(p), str(REPO_DIR), str(data_copy), tempfile.gettempdir())
        assert found == [], (p.name, found[:5])
    nb = json.loads((term_run.parent / "term_briefing.ipynb").read_text(encoding="utf-8"))
    pm = nb["metadata"]["papermill"]
    assert pm["input_path"] == "notebooks/term_briefing.ipynb"
    assert pm["output_path"] == "term_briefing.ipynb"
    assert pm["parameters"]["students"] == "students.csv"
    assert pm["parameters"]["published"] == "114-1.csv" and pm["parameters"]["output_dir"] == "."
    injected = next(
        c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
    )
    assert 'records = "records.csv"\n' in "".join(injected["source"])


@pytest.mark.slow
@pytest.mark.browser
def test_slides_and_notices_name_no_local_folder(data_copy, tmp_path):
    from ncut_analysis.notices import run_notices
    from ncut_analysis.slides import export_term_slides

    from .browser import need_chromium

    need_chromium()
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    ledger = tmp_path / "帳本" / "notices.sqlite"
    ledger.parent.mkdir()
    run_notices(
        term="114-1",
        as_of="2025-10-31",
        out=tmp_path / "notices",
        students=data_copy / "students.csv",
        records=data_copy / "records.csv",
        ledger=ledger,
    )
    summary = artefact_text(tmp_path / "notices" / "summary.pdf")
    assert "notices.sqlite" in summary  # the ledger is named, by its file name
    export_term_slides(
        tmp_path / "slides",
        students=str(data_copy / "students.csv"),
        records=str(data_copy / "records.csv"),
    )
    files = [
        p
        for p in sorted(tmp_path.rglob("*"))
        if p.suffix in {".html", ".pdf", ".xlsx", ".pptx", ".csv", ".svg"}
    ]
    assert {".pdf", ".pptx", ".xlsx", ".html"} <= {p.suffix for p in files}
    for p in files:
        found = local_paths(artefact_text(p), str(REPO_DIR), str(tmp_path), str(data_copy))
        assert found == [], (p.relative_to(tmp_path), found[:5])


# ------------------------------------------------------------------------------ in a browser


def _check_toolbars(url: str, root: str = "body") -> list[dict]:
    from .browser import page, press_every_toolbar_button

    with page() as pg:
        pg.goto(url)
        pg.wait_for_selector(f"{root} .js-plotly-plot .modebar-container", state="attached")
        bars = press_every_toolbar_button(pg, root)
        assert pg.seen["blocked"] == [], pg.seen["blocked"]  # nothing but file:// and 127.0.0.1
        assert pg.seen["errors"] == [] and pg.seen["dialogs"] == [], pg.seen
    return bars


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("which", ["term", "admission"])
def test_every_toolbar_button_of_the_briefings_stays_offline_and_chinese(
    which, term_run, admission_run
):
    html = term_run if which == "term" else admission_run
    bars = _check_toolbars(html.resolve().as_uri())
    assert len(bars) >= 4
    for bar in bars:
        assert bar["titles"] == ["下載圖表為 PNG 圖檔", "重置軸"], bar
        assert bar["english"] == [] and bar["logo"] == 0, bar
