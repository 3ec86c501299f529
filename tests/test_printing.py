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
    with pytest.raises(PrintError, match="沒有可列印 PDF 的 Chromium"):
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
    with pytest.raises(PrintError, match="無法列印 gone.html"):
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


def _doc(title: str, pages: int) -> str:
    """A notice-like page of ``pages`` A4 sheets: each sheet's own line, then a forced break."""
    sheets = "".join(
        f'<p>{title}之第{i + 1}張</p><div style="height:10mm"></div>'
        + ('<div style="break-after: page"></div>' if i + 1 < pages else "")
        for i in range(pages)
    )
    return (
        '<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>@page {{ size: A4; margin: 14mm }} "
        "body { font-family: 'Noto Sans CJK TC'; }</style></head>"
        f"<body>{sheets}</body></html>"
    )


def _pages(pdf) -> list[str]:  # noqa: ANN001
    return _text(pdf).split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.mark.slow
@pytest.mark.browser
def test_documents_printed_as_one_job_are_split_with_their_own_feet(tmp_path):
    # Three documents of 1, 2 and 3 sheets, one print job: three PDFs of 1, 2 and 3 pages, each
    # page with its own text and the foot of its own document (第 n / N 頁 within it).
    from .browser import need_chromium

    need_chromium()
    sizes = {"甲班名冊": 1, "乙班名冊": 2, "丙班名冊": 3}
    jobs = []
    for i, (title, n) in enumerate(sizes.items()):
        html = tmp_path / f"d{i}.html"
        html.write_text(_doc(title, n), encoding="utf-8")
        jobs.append((html, tmp_path / f"d{i}.pdf"))
    print_pdfs(jobs)
    for (_, pdf), (title, n) in zip(jobs, sizes.items(), strict=True):
        pages = _pages(pdf)
        assert len(pages) == n, (title, len(pages))
        for k, text in enumerate(pages, start=1):
            assert f"{title}之第{k}張" in text
            assert f"{title}第{k}/{n}頁" in "".join(text.split())  # the foot: title, n / N
            others = [t for t in sizes if t != title]
            assert all(o not in text for o in others)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert f"Pages:           {n}" in info and title in info  # its own title, A4
        assert "(A4)" in info


@pytest.mark.slow
@pytest.mark.browser
def test_documents_with_other_styles_are_printed_in_jobs_of_their_own(tmp_path):
    # Two kinds of page (other styles in the head) are never mixed in one job: each keeps its
    # own look, and each PDF still has only its own text and foot.
    from .browser import need_chromium

    need_chromium()
    a = tmp_path / "a.html"
    a.write_text(_doc("甲", 2), encoding="utf-8")
    b = tmp_path / "b.html"
    b.write_text(_doc("乙", 1).replace("margin: 14mm", "margin: 20mm"), encoding="utf-8")
    c = tmp_path / "c.html"
    c.write_text(_doc("丙", 1), encoding="utf-8")
    print_pdfs([(a, tmp_path / "a.pdf"), (b, tmp_path / "b.pdf"), (c, tmp_path / "c.pdf")])
    assert [len(_pages(tmp_path / f"{x}.pdf")) for x in "abc"] == [2, 1, 1]
    c_text = "".join(_text(tmp_path / "c.pdf").split())
    assert "丙第1/1頁" in c_text and "乙" not in c_text
    assert "甲第2/2頁" in "".join(_text(tmp_path / "a.pdf").split())


def test_documents_sharing_their_head_share_a_job(tmp_path):
    from ncut_analysis.printing import _batches, _read

    for name, title in (("a", "甲"), ("b", "乙"), ("c", "丙")):
        (tmp_path / f"{name}.html").write_text(_doc(title, 1), encoding="utf-8")
    (tmp_path / "d.html").write_text(
        _doc("丁", 1).replace("margin: 14mm", "margin: 9mm"), encoding="utf-8"
    )
    docs = [_read(tmp_path / f"{n}.html", tmp_path / f"{n}.pdf") for n in "abcd"]
    assert [d.title for d in docs] == ["甲", "乙", "丙", "丁"]
    assert [[d.title for d in b] for b in _batches(docs, 1)] == [["甲", "乙", "丙"], ["丁"]]
    assert [[d.title for d in b] for b in _batches(docs, 2)] == [["甲", "乙"], ["丙"], ["丁"]]
