"""HTML to A4 PDF through the system's Chromium: one browser, several pages at once."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from ncut_analysis.printing import PrintError, find_chromium, print_pdfs

PAGE = """<!doctype html><html lang="zh-Hant"><meta charset="utf-8"><title>化材四甲 清冊</title>
<style>@page { size: A4; margin: 14mm }</style>
<body style="font-family:'Noto Sans CJK TC'"><h1>化材四甲</h1><p>甲生 乙生 含個人資料，請勿轉寄</p></body></html>"""


@pytest.mark.slow
@pytest.mark.browser
def test_print_a4_with_the_chinese_text(tmp_path):
    from .browser import need_chromium

    need_chromium()
    html = tmp_path / "p.html"
    html.write_text(PAGE, encoding="utf-8")
    print_pdfs([(html, tmp_path / "p.pdf")])
    info = subprocess.run(["pdfinfo", str(tmp_path / "p.pdf")], capture_output=True, text=True)
    assert "(A4)" in info.stdout  # the templates' @page size; Playwright also asks for A4
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "甲生 乙生" in text


def test_no_browser_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "none"))
    with pytest.raises(PrintError, match="BROWSER_PATH=.*apt-get install -y chromium"):
        find_chromium()
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrintError, match="no Chromium"):
        print_pdfs([(tmp_path / "a.html", tmp_path / "a.pdf")])


def _text(pdf) -> str:  # noqa: ANN001
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout


@pytest.mark.slow
@pytest.mark.browser
def test_pages_printed_side_by_side_each_get_their_own_text(tmp_path):
    # Seven pages, three at a time: every PDF holds its own page's name and no other's.
    from .browser import need_chromium

    need_chromium()
    names = [f"第{i}班" for i in range(7)]
    jobs = []
    for i, name in enumerate(names):
        html = tmp_path / f"p{i}.html"
        html.write_text(PAGE.replace("化材四甲", name), encoding="utf-8")
        jobs.append((html, tmp_path / f"p{i}.pdf"))
    print_pdfs(jobs, width=3)
    for (_, pdf), name in zip(jobs, names, strict=True):
        text = _text(pdf)
        assert name in text and all(n not in text for n in names if n != name)


@pytest.mark.slow
@pytest.mark.browser
def test_a_page_that_cannot_load_is_one_error_naming_it(tmp_path):
    from .browser import need_chromium

    need_chromium()
    good = tmp_path / "good.html"
    good.write_text(PAGE, encoding="utf-8")
    jobs = [(good, tmp_path / "good.pdf"), (tmp_path / "gone.html", tmp_path / "gone.pdf")]
    with pytest.raises(PrintError, match="could not print gone.html"):
        print_pdfs(jobs)
    assert not (tmp_path / "gone.pdf").exists()


@pytest.mark.slow
@pytest.mark.browser
def test_printing_from_inside_a_running_event_loop(tmp_path):
    # A notebook's kernel runs an event loop: the printing then takes a thread of its own.
    from .browser import need_chromium

    need_chromium()
    html = tmp_path / "p.html"
    html.write_text(PAGE, encoding="utf-8")

    async def inside() -> None:
        print_pdfs([(html, tmp_path / "p.pdf")])

    asyncio.run(inside())
    assert "甲生 乙生" in _text(tmp_path / "p.pdf")
