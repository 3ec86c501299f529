"""HTML to A4 PDF through the system's headless Chromium (never a downloaded browser).

One browser (Playwright, a runtime dependency: one printing path) prints every PDF of a run.
Most of a page's printing time is the CJK font's subset that Chromium embeds in each PDF it
prints (about 0.3 s of the 0.5 s a notice page took), so documents are printed **many to one
job**: the bodies of the documents that share their head (the same styles; only the title
differs) are put one after the other in one HTML page, each starting on a new sheet
(``break-before: page``), printed once, and the PDF is split back per document with pikepdf
(measured: 16 department pages as one job 0.83 s, as 16 jobs 6.99 s).

Where each document starts is read from the PDF itself, not guessed from the layout: each
document opens with an element whose id an empty link targets, and Chromium writes a named
destination (``/Dests``) for it, holding the page it landed on. Each document's foot, its
title and 第 n / N 頁 counted within the document, is printed in a second small job (one
footer a sheet, nothing else on it) and laid over its page, since Chromium's own footer counts
the pages of the whole job. A batch whose starts cannot be read (a destination missing, out of
order) is printed a document a job, with Chromium's footer, as before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html as _html
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import PrintError, say

__all__ = ["PrintError", "CHROMIUM_ARGS", "find_chromium", "print_pdfs"]

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_MARGIN = {"top": "14mm", "bottom": "16mm", "left": "13mm", "right": "13mm"}
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# The foot's look, shared by Chromium's footer (a document printed alone) and the overlay.
_FOOT_STYLE = (
    "font-size:7.5pt; color:#555; font-family:'Noto Sans CJK TC', sans-serif; display:flex; "
    "justify-content:space-between"
)
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
# A reference a document makes to another file: such documents are combined only with those of
# their own folder (the combined page's <base> is that folder).
_RELATIVE = re.compile(r"\b(?:src|href)\s*=|url\(|@import", re.IGNORECASE)


def _say(code: str, **values: object) -> str:
    return say("printing_messages", code, **values)


def find_chromium() -> str:
    """``BROWSER_PATH`` if set (it must be an executable), else Chromium/Chrome on the PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise PrintError(_say("not_executable", env=env, hint=_say("hint")))
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PrintError(_say("no_chromium", hint=_say("hint")))


@dataclass(frozen=True)
class _Doc:
    """One document to print: its files, and (when it can be combined) its parts."""

    html: Path
    pdf: Path
    title: str
    key: tuple[str, ...] | None  # documents of one key share a print job; None: alone
    head: str = ""  # what comes before <body ...> (the title left out)
    body_tag: str = ""
    body: str = ""


def _read(html: Path, pdf: Path) -> _Doc:
    try:
        text = html.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise PrintError(
            _say("cannot_print", browser="Chromium", name=html.name, why=why)
        ) from None
    m = _TITLE.search(text)
    title = _html.unescape(m.group(1)).strip() if m else html.stem
    start = _BODY.search(text)
    end = _BODY_END.search(text, start.end()) if start else None
    if start is None or end is None:
        return _Doc(html, pdf, title, None)
    head = _TITLE.sub("", text[: start.start()], count=1)
    place = str(html.resolve().parent) if _RELATIVE.search(text) else ""
    return _Doc(
        html,
        pdf,
        title,
        (head, start.group(0), place),
        head=head,
        body_tag=start.group(0),
        body=text[start.end() : end.start()],
    )


def _batches(docs: list[_Doc], width: int) -> list[list[_Doc]]:
    """Documents of one key together (in their order), each group cut in up to ``width``
    contiguous parts so that ``width`` jobs can print at once; a document alone stays alone."""
    groups: dict[object, list[_Doc]] = {}
    for i, d in enumerate(docs):
        groups.setdefault(d.key if d.key is not None else ("alone", i), []).append(d)
    out: list[list[_Doc]] = []
    for g in groups.values():
        parts = min(width, len(g))
        size = -(-len(g) // parts)
        out += [g[i : i + size] for i in range(0, len(g), size)]
    return out


def print_pdfs(
    jobs: Sequence[tuple[Path, Path]], *, timeout: float = 120.0, width: int | None = None
) -> None:
    """Print each local HTML file to its PDF path (A4, a foot with the document's title and
    第 n / N 頁 of that document), the documents that share their styles as one print job,
    ``width`` jobs at a time (default: one per two cores) in one browser."""
    if not jobs:
        return
    browser = find_chromium()
    docs = [_read(Path(h), Path(p)) for h, p in jobs]
    width = max(1, min(len(docs), width or (os.cpu_count() or 1) // 2))
    coro = _print_all(browser, _batches(docs, width), timeout, width)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        asyncio.run(coro)
        return
    # Inside a running loop (a notebook's kernel): the printing gets a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def _footer_template() -> str:
    """Chromium's own footer (a document printed alone): its title and 第 n / N 頁."""
    page_of = _say(
        "page_of",
        n='<span class="pageNumber"></span>',
        total='<span class="totalPages"></span>',
    )
    return (
        f'<div style="width:100%; padding: 0 13mm; {_FOOT_STYLE}">'
        f'<span class="title"></span><span>{page_of}</span></div>'
    )


def _combined(batch: list[_Doc], token: str) -> str:
    """One page holding every document of ``batch``, each from a new sheet, each opening with
    the target of an empty link (Chromium then records the page it starts on)."""
    first = batch[0]
    base = ""
    if first.key and first.key[2]:
        base = f'<base href="{_html.escape(Path(first.key[2]).as_uri() + "/")}">'
    parts = [first.head.replace("<head>", "<head>" + base, 1) if base else first.head]
    parts.append(first.body_tag)
    for k, d in enumerate(batch):
        anchor = f"{token}-{k}"
        parts.append(
            f'<section id="{anchor}" style="break-before: page">'
            f'<a href="#{anchor}" style="font-size:0"></a>{d.body}</section>'
        )
    parts.append("</body></html>")
    return "".join(parts)


def _overlay(feet: list[tuple[str, int, int]]) -> str:
    """A page of feet: one sheet per page of the combined job, the foot at the bottom margin."""
    sheets = "".join(
        '<div class="s"><div class="f">'
        f"<span>{_html.escape(title)}</span><span>{_say('page_of', n=n, total=total)}</span>"
        "</div></div>"
        for title, n, total in feet
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        "@page { size: A4; margin: 0 } html, body { margin: 0 } "
        ".s { position: relative; height: 297mm; break-after: page; overflow: hidden } "
        ".s:last-child { break-after: auto } "
        f".f {{ position: absolute; left: 13mm; right: 13mm; bottom: 5.25mm; {_FOOT_STYLE} }}"
        f"</style></head><body>{sheets}</body></html>"
    )


def _starts(pdf: object, anchors: list[str]) -> list[int] | None:
    """The page each document starts on, from the PDF's named destinations; None if any is
    missing or they are not in order."""
    import pikepdf

    root = pdf.Root  # type: ignore[attr-defined]
    dests = root.get("/Dests")
    if dests is None:
        return None
    index = {p.objgen: i for i, p in enumerate(pdf.pages)}  # type: ignore[attr-defined]
    starts = []
    for a in anchors:
        d = dests.get("/" + a)
        if d is None:
            return None
        if isinstance(d, pikepdf.Dictionary):  # {/D [page /XYZ ...]}
            d = d.get("/D")
        if not isinstance(d, pikepdf.Array) or len(d) == 0:
            return None
        page = index.get(d[0].objgen)
        if page is None:
            return None
        starts.append(page)
    ok = starts and starts[0] == 0 and all(a < b for a, b in zip(starts, starts[1:], strict=False))
    return starts if ok else None


async def _print_all(browser: str, batches: list[list[_Doc]], timeout: float, width: int) -> None:
    from playwright.async_api import async_playwright

    queue = list(reversed(batches))
    async with async_playwright() as p:
        try:
            b = await p.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS))
        except Exception as exc:  # Playwright raises its own Error types
            why = str(exc).splitlines()[0]
            raise PrintError(_say("no_start", browser=browser, why=why)) from None

        async def worker() -> None:
            ctx = await b.new_context()
            page = await ctx.new_page()
            with tempfile.TemporaryDirectory(prefix="ncut-print-") as tmp:
                while queue:
                    batch = queue.pop()
                    try:
                        if len(batch) == 1 or not await _print_batch(
                            page, batch, Path(tmp), timeout
                        ):
                            for d in batch:
                                await _print_one(page, d, timeout)
                    except PrintError:
                        queue.clear()
                        raise
                    except Exception as exc:  # Playwright's errors: one line naming the file
                        queue.clear()
                        why = str(exc).splitlines()[0]
                        name = batch[0].html.name if len(batch) == 1 else batch[0].html.parent.name
                        raise PrintError(
                            _say("cannot_print", browser=browser, name=name, why=why)
                        ) from None
            await ctx.close()

        try:
            await asyncio.gather(*(worker() for _ in range(width)))
        finally:
            await b.close()


async def _print_one(page: object, d: _Doc, timeout: float) -> None:
    """A document alone, with Chromium's own footer."""
    try:
        await page.goto(d.html.resolve().as_uri(), wait_until="load", timeout=timeout * 1000)  # type: ignore[attr-defined]
        await page.pdf(  # type: ignore[attr-defined]
            path=str(d.pdf),
            format="A4",
            margin=_MARGIN,  # the page's @page margins; given here, the foot shows
            print_background=True,
            display_header_footer=True,
            header_template="<div></div>",
            footer_template=_footer_template(),
        )
    except Exception as exc:  # Playwright's errors: one line naming the file
        why = str(exc).splitlines()[0]
        raise PrintError(
            _say("cannot_print", browser="Chromium", name=d.html.name, why=why)
        ) from None


async def _print_batch(page: object, batch: list[_Doc], tmp: Path, timeout: float) -> bool:
    """``batch`` as one print job, split per document with its own feet; False (nothing
    written) when the documents' starts cannot be read from the PDF."""
    import pikepdf

    token = "ncut-print-" + secrets.token_hex(4)
    src = tmp / f"{token}.html"
    src.write_text(_combined(batch, token), encoding="utf-8")
    await page.goto(src.as_uri(), wait_until="load", timeout=timeout * 1000)  # type: ignore[attr-defined]
    data = await page.pdf(format="A4", margin=_MARGIN, print_background=True)  # type: ignore[attr-defined]
    src.unlink()
    combined = pikepdf.open(_bytes_io(data))
    starts = _starts(combined, [f"{token}-{k}" for k in range(len(batch))])
    if starts is None:
        return False
    ends = [*starts[1:], len(combined.pages)]
    feet = [
        (d.title, n + 1, e - s)
        for d, s, e in zip(batch, starts, ends, strict=True)
        for n in range(e - s)
    ]
    src.write_text(_overlay(feet), encoding="utf-8")
    await page.goto(src.as_uri(), wait_until="load", timeout=timeout * 1000)  # type: ignore[attr-defined]
    over = pikepdf.open(_bytes_io(await page.pdf(prefer_css_page_size=True)))  # type: ignore[attr-defined]
    src.unlink()
    if len(over.pages) != len(combined.pages):
        return False
    for page_, foot in zip(combined.pages, over.pages, strict=True):
        page_.add_overlay(foot)
    for d, s, e in zip(batch, starts, ends, strict=True):
        one = pikepdf.new()
        one.pages.extend(combined.pages[s:e])
        one.docinfo["/Title"] = d.title
        one.save(d.pdf)
    return True


def _bytes_io(data: bytes) -> object:
    import io

    return io.BytesIO(data)
