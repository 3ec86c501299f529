"""What both explorers share: the page's row layout and CSS, a figure shown in an
``ipywidgets.Output``, the export as browser downloads (PNG and CSV), and the command that serves an explorer notebook with Voilà.

Each chart is a plain plotly figure (from ``charts``) shown in an ``ipywidgets.Output`` whose
whole content is replaced on every change, one comm message per chart. Not a ``go.FigureWidget``:
that is an anywidget, and anywidget (0.11) drops every later message to a model whose 5 MB
plotly.js module took more than 2 s to load in the browser (its ``Runtime.ready`` promise is
rejected by a 2 s timeout and ``_handle_comm_msg`` awaits it), so on a busy machine one of two
FigureWidgets froze for the rest of the page session. The Output's figure is drawn by the
jupyterlab-plotly renderer, loaded once like any extension, with no such timeout.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from .. import paths
from ..charts.base import chart_filename, plotly_config
from ..io import write_csv
from ..writers import csv_safe

PLOTLY_MIME = "application/vnd.plotly.v1+json"

# Wrapping rows, so the controls reflow in a narrow window instead of pushing read-outs away.
_ROW = {"flex_flow": "row wrap", "align_items": "flex-start", "width": "100%"}
_WRAP = "white-space:normal;overflow-wrap:anywhere;word-break:break-word;max-width:100%"


# Voilà's lab template without the Font Awesome CDN links (see its index.html.j2), found
# through JUPYTER_PATH (and installed where a plain `voila` finds it).
VOILA_TEMPLATE = "ncut_explorer"
VOILA_JUPYTER_PATH = paths.TEMPLATES_DIR / "jupyter"
# The server's settings: a token, 127.0.0.1, idle kernels culled, a kernel cap (README:
# "Serving the explorers to colleagues").
VOILA_CONFIG = paths.REPO_DIR / "voila.json"


def voila_command(
    notebook: str | Path,
    *,
    port: int = 8866,
    ip: str | None = None,
    token: str | None = None,
    extra: Sequence[str] = (),
) -> tuple[list[str], dict[str, str]]:
    """The command line and the environment additions that serve an explorer notebook with
    Voilà as ``make voila`` does: offline (no CDN request) and with the settings of
    ``voila.json`` (and no other Voilà config file). ``ip`` and ``token`` override the file's
    127.0.0.1 and generated token; ``extra``: more options (``--Class.trait=value``)."""
    import os
    import sys

    path = os.pathsep.join(
        p for p in (str(VOILA_JUPYTER_PATH), os.environ.get("JUPYTER_PATH")) if p
    )
    argv = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--Voila.config_file_paths={VOILA_CONFIG.parent}",
        "--no-browser",
        f"--port={port}",
        *([f"--Voila.ip={ip}"] if ip else []),
        *([f"--Voila.token={token}"] if token is not None else []),
        *extra,
    ]
    return argv, {"JUPYTER_PATH": path}


def _style(heights: dict[str, int]) -> W.HTML:
    """The page's CSS for the explorer: each chart's box as tall as its figure (JupyterLab's
    plotly renderer otherwise gives a responsive figure a box of height 0 and clips it)."""
    rules = "".join(
        f".{cls} .js-plotly-plot{{height:{h}px;min-height:{h}px;overflow:visible}}"
        for cls, h in heights.items()
    )
    return W.HTML(f"<style>{rules}</style>", layout=W.Layout(height="0px", margin="0"))


def _show(out: W.Output, fig: go.Figure) -> None:
    """Replace the Output's content with the figure, in one state change (no clear-then-append
    window); drawn by the plotly mime renderer, resized with its container."""
    spec = json.loads(fig.to_json())
    title = fig.layout.title.text or ""
    spec["config"] = plotly_config(filename=chart_filename(title), responsive=True)
    out.outputs = (
        {
            "output_type": "display_data",
            "data": {PLOTLY_MIME: spec, "text/plain": title},
            "metadata": {},
        },
    )


@dataclass(frozen=True)
class Download:
    """A file the explorer hands to the reader's browser: its name, media type and bytes."""

    name: str
    media_type: str
    data: bytes

    def link(self, text: str) -> str:
        """An ``<a download>`` carrying the file as a data: URI: the browser saves it where its
        user keeps downloads; the server writes nothing."""
        b64 = base64.b64encode(self.data).decode("ascii")
        return (
            f"<a class='ncut-download' download='{html.escape(self.name, quote=True)}' "
            f"href='data:{self.media_type};base64,{b64}'>{html.escape(text)}</a>"
        )


def csv_download(df: pd.DataFrame, name: str) -> Download:
    """A frame as the explorers' CSV (UTF-8 with BOM, for Excel), every text cell safe to open
    in a spreadsheet (``writers.csv_safe``, as every CSV the package writes)."""
    text = csv_safe(df).to_csv(index=False, lineterminator="\n")
    return Download(name, "text/csv", text.encode("utf-8-sig"))


def png_download(fig: go.Figure, name: str) -> Download:
    """A figure as a slide-ready PNG (1920×1080), through the slides' one kaleido export; its
    scratch folder is a temporary one, removed at once."""
    import tempfile

    from ..slides import SlideChart, export_images

    with tempfile.TemporaryDirectory(prefix="ncut-export-") as tmp:
        # at the canvas the figure was laid out for (charts.slide_style: 1920×1080), not the
        # deck's 1200×520, which would squeeze its plot under the title
        size = (int(fig.layout.width or 1920), int(fig.layout.height or 1080))
        (png,) = export_images([SlideChart("chart", fig, "")], Path(tmp), size=size, scale=1)
        return Download(name, "image/png", png.read_bytes())


def write_export_csv(df: pd.DataFrame, target: Path) -> Path:
    """The one place the explorers write a CSV (BOM, for Excel), formula-safe (``write_csv``,
    the package's one writer)."""
    return write_csv(df, target, bom=True)
