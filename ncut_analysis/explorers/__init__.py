"""ipywidgets dashboards for analysts: what-if threshold rules and admission weights.

The notebooks only build one of these and display it; tests drive the same objects headlessly
(set a control's value, read the figures and counts).

``threshold``: ``ThresholdExplorer``; ``admission``: ``AdmissionExplorer``; ``common``: what both
share (the figure in an ``ipywidgets.Output`` and why not a ``FigureWidget``, the page's CSS, the
CSV export, serving with Voilà)."""

from __future__ import annotations

from .admission import AdmissionExplorer, rebalance
from .common import voila_command
from .threshold import ThresholdExplorer, as_of_stops, roc_date

__all__ = [
    "ThresholdExplorer",
    "AdmissionExplorer",
    "rebalance",
    "roc_date",
    "as_of_stops",
    "voila_command",
]

# Also importable from here, as before the split, though not the public API.
from .common import PLOTLY_MIME as PLOTLY_MIME
from .common import VOILA_JUPYTER_PATH as VOILA_JUPYTER_PATH
from .common import VOILA_TEMPLATE as VOILA_TEMPLATE
from .common import write_export_csv as write_export_csv
from .threshold import ALL as ALL
