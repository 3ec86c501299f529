"""HTML to A4 PDF through the system's Chromium: with Playwright, and with the bare command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ncut_analysis.printing import PrintError, find_chromium, print_pdfs

PAGE = """<!doctype html><html lang="zh-Hant"><meta charset="utf-8"><title>化材四甲 清冊</title>
<style>@page { size: A4; margin: 14mm }</style>
<body style="font-family:'Noto Sans CJK TC'"><h1>化材四甲</h1><p>甲生 乙生 含個人資料，請勿轉寄</p></body></html>"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("playwright", [True, False])
def test_print_a4_with_the_chinese_text(tmp_path, monkeypatch, playwright):
    from .browser import need_chromium

    need_chromium()
    if not playwright:
        monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails: the CLI path
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
